//! A CSV file cut into pieces of at most so many records, each a temporary CSV file with the
//! original header, so a file larger than memory is read a piece at a time by the same loader
//! (and the same checks and messages) as a whole file.
//!
//! Records end at a line break outside quotes: a field that starts with `"` runs to the closing
//! quote (`""` inside it is a quote), as polars reads it.

use std::fs::File;
use std::io::{BufRead as _, BufReader, BufWriter, Write as _};
use std::path::Path;

use super::LoadError;
use super::read::unreadable;

/// Bytes read at a time.
const BUFFER: usize = 1 << 20;

/// Where the scan is within a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside a field that did not start with a quote.
    Bare,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the closing quote, or the first of `""`.
    QuoteInQuoted,
}

/// Reads a CSV file's records in order, writing them to pieces.
pub(super) struct CsvChunks {
    reader: BufReader<File>,
    /// The header record, line break included.
    header: Vec<u8>,
    separator: u8,
    /// Records per piece.
    rows: usize,
    /// Data records read so far.
    records: usize,
    /// Bytes of the file read so far.
    bytes: usize,
    /// The extension the pieces are named with (`.csv`, `.tsv`), which decides how they are read.
    extension: String,
    path: std::path::PathBuf,
}

/// One piece: the temporary file, and where its rows are in the file.
pub(super) struct CsvChunk {
    /// The piece, deleted when dropped.
    pub file: tempfile::TempPath,
    /// Data records of the whole file before this piece's first.
    pub records_before: usize,
    /// The header's length (the piece's first bytes), and the byte of the file where the
    /// piece's first record starts.
    pub bytes: (usize, usize),
}

impl CsvChunks {
    /// Opens `path` (a plain CSV file) and reads its header.
    pub(super) fn open(path: &Path, rows: usize) -> Result<Self, LoadError> {
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        let separator = super::sniff::csv_separator(path);
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| matches!(e.to_ascii_lowercase().as_str(), "csv" | "tsv" | "txt"))
            .unwrap_or("csv")
            .to_owned();
        let mut chunks = Self {
            reader: BufReader::with_capacity(BUFFER, file),
            header: Vec::new(),
            separator,
            rows: rows.max(1),
            records: 0,
            bytes: 0,
            extension,
            path: path.to_path_buf(),
        };
        let mut header = Vec::new();
        chunks.copy_records(1, &mut header)?;
        chunks.header = header;
        Ok(chunks)
    }

    /// The next piece, or `None` at the end of the file. A piece holding nothing but blank
    /// lines is skipped (the loader drops blank lines).
    pub(super) fn next_chunk(&mut self) -> Result<Option<CsvChunk>, LoadError> {
        loop {
            let records_before = self.records;
            let start = self.bytes;
            let file = tempfile::Builder::new()
                .prefix("fulcrum-chunk-")
                .suffix(&format!(".{}", self.extension))
                .tempfile()
                .map_err(|e| unreadable(&self.path, e))?;
            let (file, temp_path) = file.into_parts();
            let mut writer = BufWriter::with_capacity(BUFFER, file);
            writer
                .write_all(&self.header)
                .map_err(|e| unreadable(&self.path, e))?;
            let (records, content) = self.copy_records(self.rows, &mut writer)?;
            writer.flush().map_err(|e| unreadable(&self.path, e))?;
            self.records += records;
            if records == 0 {
                return Ok(None);
            }
            if content {
                return Ok(Some(CsvChunk {
                    file: temp_path,
                    records_before,
                    bytes: (self.header.len(), start),
                }));
            }
        }
    }

    /// Copies up to `limit` records to `out`; returns how many were copied and whether any
    /// byte of them was more than white space.
    fn copy_records(
        &mut self,
        limit: usize,
        out: &mut impl std::io::Write,
    ) -> Result<(usize, bool), LoadError> {
        let path = self.path.clone();
        let failed = |e: std::io::Error| unreadable(&path, e);
        let mut copied = 0;
        let mut content = false;
        let mut state = State::FieldStart;
        // Whether a record has begun since the last line break.
        let mut in_record = false;
        while copied < limit {
            let buffer = self.reader.fill_buf().map_err(failed)?;
            if buffer.is_empty() {
                // The last record need not end in a line break.
                if in_record {
                    copied += 1;
                }
                break;
            }
            let mut used = buffer.len();
            for (at, &byte) in buffer.iter().enumerate() {
                in_record = true;
                state = match (state, byte) {
                    (State::Quoted, b'"') => State::QuoteInQuoted,
                    (State::Quoted, _) => State::Quoted,
                    (State::QuoteInQuoted, b'"') => State::Quoted,
                    (State::FieldStart, b'"') => State::Quoted,
                    (_, b'\n') => {
                        copied += 1;
                        in_record = false;
                        if copied == limit {
                            used = at + 1;
                        }
                        State::FieldStart
                    }
                    (_, byte) if byte == self.separator => State::FieldStart,
                    _ => State::Bare,
                };
                if !byte.is_ascii_whitespace() {
                    content = true;
                }
                if copied == limit {
                    break;
                }
            }
            // Only the bytes of whole records are taken.
            let taken = buffer.get(..used).unwrap_or(buffer);
            out.write_all(taken).map_err(failed)?;
            self.reader.consume(used);
            self.bytes += used;
        }
        Ok((copied, content))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every piece's text and how many records came before it.
    fn pieces(text: &str, rows: usize) -> Vec<(String, usize, (usize, usize))> {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("d.csv");
        std::fs::write(&path, text).unwrap();
        let mut chunks = CsvChunks::open(&path, rows).unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = chunks.next_chunk().unwrap() {
            let text = std::fs::read_to_string(&chunk.file).unwrap();
            out.push((text, chunk.records_before, chunk.bytes));
        }
        out
    }

    #[test]
    fn pieces_end_at_line_breaks_outside_quotes_and_repeat_the_header() {
        let text = "a,\"b\nc\"\n1,\"x\ny\"\n2,\"p\"\"\n\"\n3,z\n4,w";
        assert_eq!(
            pieces(text, 2),
            [
                // The header's line break inside quotes does not end it.
                (
                    "a,\"b\nc\"\n1,\"x\ny\"\n2,\"p\"\"\n\"\n".to_owned(),
                    0,
                    (8, 8)
                ),
                // The last record needs no line break.
                ("a,\"b\nc\"\n3,z\n4,w".to_owned(), 2, (8, 25)),
            ]
        );
        assert_eq!(&text[25..], "3,z\n4,w");
    }

    #[test]
    fn pieces_of_blank_lines_are_skipped_and_a_header_alone_has_none() {
        assert_eq!(
            pieces("a,b\n1,2\n\n\n", 1),
            [("a,b\n1,2\n".to_owned(), 0, (4, 4))]
        );
        assert!(pieces("a,b\n", 10).is_empty());
        assert!(pieces("a,b", 10).is_empty());
    }
}
