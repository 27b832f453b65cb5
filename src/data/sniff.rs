//! What a file is before polars reads it, so problems are told in Fulcrum's words, naming the
//! file, column and row: a directory, bytes of another format behind a `.csv` name (Parquet,
//! Arrow, gzip, zstd, zip), the separator of a `.csv` that uses tabs or semicolons, duplicate
//! header names, rows with too few or too many fields, and text that is not UTF-8.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use super::{FileFormat, LoadError};

/// Bytes read from the start of a file to recognise it and read its header line.
const HEAD_BYTES: usize = 1 << 16;

/// The first bytes of a file (fewer if it is shorter).
pub(super) fn head(path: &Path) -> Result<Vec<u8>, LoadError> {
    let file = File::open(path).map_err(|e| super::read::unreadable(path, e))?;
    let mut bytes = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| super::read::unreadable(path, e))?;
    Ok(bytes)
}

/// The format the leading bytes betray, if they are a known binary format.
fn binary_format(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    const KNOWN: [(&[u8], &str, &str); 5] = [
        (b"PAR1", "a Parquet file", "name it .parquet"),
        (b"ARROW1", "an Arrow IPC file", "name it .arrow"),
        (
            &[0x1f, 0x8b],
            "gzip-compressed",
            "decompress it first (gunzip)",
        ),
        (
            &[0x28, 0xb5, 0x2f, 0xfd],
            "zstd-compressed",
            "decompress it first (unzstd)",
        ),
        (
            b"PK\x03\x04",
            "a zip archive",
            "extract the CSV from it first",
        ),
    ];
    KNOWN
        .iter()
        .find(|(magic, _, _)| bytes.starts_with(magic))
        .map(|(_, what, hint)| (*what, *hint))
}

/// Refuses what cannot be read as `format`: a directory, or bytes of another format.
pub(super) fn check_file(path: &Path, format: FileFormat) -> Result<(), LoadError> {
    if path.is_dir() {
        return Err(LoadError::NotAFile {
            path: path.to_path_buf(),
            problem: "is a directory; give a data file (.csv, .parquet, .arrow)".to_owned(),
        });
    }
    let bytes = head(path)?;
    let problem = match format {
        FileFormat::Csv => binary_format(&bytes)
            .map(|(what, hint)| format!("is named as CSV text but is {what}; {hint}")),
        FileFormat::Parquet if !bytes.is_empty() && !bytes.starts_with(b"PAR1") => Some(
            binary_format(&bytes).map_or_else(
                || "is named .parquet but is not a Parquet file (it does not start with PAR1); if it is CSV text, name it .csv".to_owned(),
                |(what, hint)| format!("is named .parquet but is {what}; {hint}"),
            ),
        ),
        FileFormat::Ipc if !bytes.is_empty() && !bytes.starts_with(b"ARROW1") => Some(
            binary_format(&bytes).map_or_else(
                || "is named as an Arrow IPC file but is not one (it does not start with ARROW1); if it is CSV text, name it .csv".to_owned(),
                |(what, hint)| format!("is named as an Arrow IPC file but is {what}; {hint}"),
            ),
        ),
        _ => None,
    };
    match problem {
        Some(problem) => Err(LoadError::NotAFile {
            path: path.to_path_buf(),
            problem,
        }),
        None => Ok(()),
    }
}

/// The separator of a CSV file: a tab for `.tsv`; otherwise a comma, unless the header line has
/// no comma but tabs or semicolons (as spreadsheets in many locales write "CSV").
pub(super) fn csv_separator(path: &Path) -> u8 {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
    {
        return b'\t';
    }
    let Ok(bytes) = head(path) else {
        return b',';
    };
    let line = first_line(&bytes);
    let count = |separator: u8| split_fields(line, separator).len() - 1;
    match (count(b','), count(b'\t'), count(b';')) {
        (0, tabs, semicolons) if tabs > 0 && tabs >= semicolons => b'\t',
        (0, _, semicolons) if semicolons > 0 => b';',
        _ => b',',
    }
}

/// The first line of `bytes`, without its line break and a leading byte-order mark.
fn first_line(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let line = bytes.get(..end).unwrap_or_default();
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The fields of one line, split at separators outside quotes, unquoted.
fn split_fields(line: &[u8], separator: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut quoted = false;
    let mut bytes = line.iter().peekable();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'"' if quoted && bytes.peek() == Some(&&b'"') => {
                field.push(b'"');
                bytes.next();
            }
            b'"' => quoted = !quoted,
            b if b == separator && !quoted => {
                fields.push(String::from_utf8_lossy(&field).into_owned());
                field.clear();
            }
            b => field.push(b),
        }
    }
    fields.push(String::from_utf8_lossy(&field).into_owned());
    fields
}

/// Refuses a CSV header that names a mapped column twice (polars would rename the second one
/// and read the first, silently).
pub(super) fn check_header(path: &Path, mapped: &[&str]) -> Result<(), LoadError> {
    let bytes = head(path)?;
    let separator = csv_separator(path);
    if let Err(error) = std::str::from_utf8(first_line(&bytes)) {
        let start = if bytes.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let offset = start + error.valid_up_to();
        let (row, field) = position_of(&bytes, start, offset, separator);
        return Err(defect_error(
            path,
            CsvDefect::NotUtf8 { row, field, offset },
        ));
    }
    let names = split_fields(first_line(&bytes), separator);
    for column in mapped {
        let positions: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, name)| name.as_str() == *column)
            .map(|(i, _)| i + 1)
            .collect();
        if positions.len() > 1 {
            return Err(LoadError::DuplicateColumn {
                path: path.to_path_buf(),
                column: (*column).to_owned(),
                positions,
            });
        }
    }
    Ok(())
}

/// A structural defect of a CSV file's text, found by reading it through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CsvDefect {
    /// A data row (1-based, not counting the header) with another number of fields.
    Ragged {
        /// The row.
        row: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A quote opened in a row (1-based, not counting the header) is never closed.
    UnclosedQuote {
        /// The row.
        row: usize,
    },
    /// Bytes that are not UTF-8, in a row (1-based, not counting the header; 0 for the header)
    /// and field (1-based).
    NotUtf8 {
        /// The row.
        row: usize,
        /// The field.
        field: usize,
        /// Byte offset in the file.
        offset: usize,
    },
}

/// What reading a CSV file through found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct CsvScan {
    /// The first structural defect, if any.
    pub defect: Option<CsvDefect>,
    /// Data rows (0-based, as polars numbers them) that are blank lines: polars reads each as a
    /// row of nulls, where a person (and pandas) sees no row at all.
    pub blank_rows: Vec<usize>,
}

/// Bytes read at a time by [`scan_csv`]: memory stays bounded whatever the file's size.
const SCAN_CHUNK_BYTES: usize = 1 << 20;

/// Reads a CSV file through once, a chunk at a time, and returns its first structural defect,
/// if any: a row whose field count differs from the header's, a quote never closed, or bytes
/// that are not UTF-8; and its blank lines. Quotes are honoured (separators and line breaks
/// inside them belong to the field). Rows are numbered as lines after the header, blank ones
/// included, so row N is line N + 1 in an editor.
pub(super) fn scan_csv(path: &Path, separator: u8) -> Result<CsvScan, LoadError> {
    let mut file = File::open(path).map_err(|e| super::read::unreadable(path, e))?;
    let mut state = ScanState::new(separator);
    let mut buffer = vec![0u8; SCAN_CHUNK_BYTES];
    let mut chunk: Vec<u8> = Vec::with_capacity(SCAN_CHUNK_BYTES + 4);
    let mut first = true;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| super::read::unreadable(path, e))?;
        chunk.extend_from_slice(buffer.get(..read).unwrap_or_default());
        if first && (chunk.len() >= 3 || read == 0) {
            first = false;
            if chunk.starts_with(b"\xef\xbb\xbf") {
                chunk.drain(..3);
                state.offset = 3;
            }
        }
        // The chunk's valid UTF-8 prefix; a sequence cut at the chunk's end waits for the next.
        let (valid, bad) = match std::str::from_utf8(&chunk) {
            Ok(_) => (chunk.len(), false),
            Err(e) if e.error_len().is_none() && read > 0 => (e.valid_up_to(), false),
            Err(e) => (e.valid_up_to(), true),
        };
        for &byte in chunk.get(..valid).unwrap_or_default() {
            if let Some(defect) = state.step(byte) {
                return Ok(state.into_scan(Some(defect)));
            }
        }
        if bad {
            let defect = CsvDefect::NotUtf8 {
                row: state.row,
                field: state.fields,
                offset: state.offset,
            };
            return Ok(state.into_scan(Some(defect)));
        }
        chunk.drain(..valid);
        if read == 0 {
            break;
        }
    }
    let defect = state.finish();
    Ok(state.into_scan(defect))
}

/// Where [`scan_csv`] is in the file.
struct ScanState {
    separator: u8,
    /// Fields in the header, once it is read.
    expected: Option<usize>,
    /// The current row (0: the header).
    row: usize,
    /// Fields so far in the current row.
    fields: usize,
    line_empty: bool,
    quoted: bool,
    /// The row where the last quote was opened or closed.
    quote_row: usize,
    /// Bytes stepped over, plus a skipped byte-order mark.
    offset: usize,
    blank_rows: Vec<usize>,
}

impl ScanState {
    fn new(separator: u8) -> Self {
        Self {
            separator,
            expected: None,
            row: 0,
            fields: 1,
            line_empty: true,
            quoted: false,
            quote_row: 0,
            offset: 0,
            blank_rows: Vec::new(),
        }
    }

    /// One byte; a defect when it ends a row with the wrong field count.
    fn step(&mut self, byte: u8) -> Option<CsvDefect> {
        self.offset += 1;
        match byte {
            b'"' => {
                self.quoted = !self.quoted;
                self.quote_row = self.row;
                self.line_empty = false;
            }
            b'\n' if !self.quoted => {
                if !self.line_empty {
                    if let Some(defect) = check_row(&mut self.expected, self.row, self.fields) {
                        return Some(defect);
                    }
                    self.row += 1;
                } else if self.expected.is_some() {
                    self.blank_rows.push(self.row - 1);
                    self.row += 1;
                }
                self.fields = 1;
                self.line_empty = true;
            }
            b'\r' if !self.quoted => {}
            b if b == self.separator && !self.quoted => {
                self.fields += 1;
                self.line_empty = false;
            }
            _ => self.line_empty = false,
        }
        None
    }

    /// The defect the end of the file reveals: an open quote, or a short last row.
    fn finish(&mut self) -> Option<CsvDefect> {
        if self.quoted {
            Some(CsvDefect::UnclosedQuote {
                row: self.quote_row,
            })
        } else if !self.line_empty {
            check_row(&mut self.expected, self.row, self.fields)
        } else {
            None
        }
    }

    fn into_scan(self, defect: Option<CsvDefect>) -> CsvScan {
        CsvScan {
            defect,
            blank_rows: self.blank_rows,
        }
    }
}

/// The first structural defect of a CSV file (see [`scan_csv`]).
pub(super) fn find_csv_defect(path: &Path, separator: u8) -> Result<Option<CsvDefect>, LoadError> {
    scan_csv(path, separator).map(|scan| scan.defect)
}

/// Records the header's field count (row 0), or compares a data row's with it.
fn check_row(expected: &mut Option<usize>, row: usize, fields: usize) -> Option<CsvDefect> {
    match *expected {
        None => {
            *expected = Some(fields);
            None
        }
        Some(expected) if expected != fields => Some(CsvDefect::Ragged {
            row,
            expected,
            found: fields,
        }),
        Some(_) => None,
    }
}

/// The row (0 = header) and 1-based field of a byte offset.
fn position_of(bytes: &[u8], start: usize, offset: usize, separator: u8) -> (usize, usize) {
    let mut row = 0;
    let mut field = 1;
    let mut quoted = false;
    for &byte in bytes.get(start..offset).unwrap_or_default() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                row += 1;
                field = 1;
            }
            b if b == separator && !quoted => field += 1,
            _ => {}
        }
    }
    (row, field)
}

/// The header's name of a 1-based field, if it has one.
pub(super) fn header_name(path: &Path, field: usize) -> Option<String> {
    let bytes = head(path).ok()?;
    split_fields(first_line(&bytes), csv_separator(path))
        .into_iter()
        .nth(field.checked_sub(1)?)
}

/// The loader's error for a defect.
pub(super) fn defect_error(path: &Path, defect: CsvDefect) -> LoadError {
    match defect {
        CsvDefect::Ragged {
            row,
            expected,
            found,
        } => LoadError::RaggedRow {
            path: path.to_path_buf(),
            row,
            expected,
            found,
        },
        CsvDefect::UnclosedQuote { row } => LoadError::UnclosedQuote {
            path: path.to_path_buf(),
            row,
        },
        CsvDefect::NotUtf8 { row, field, offset } => LoadError::NotUtf8 {
            path: path.to_path_buf(),
            row,
            column: header_name(path, field).unwrap_or_else(|| format!("field {field}")),
            offset,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(contents: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join(name);
        std::fs::write(&path, contents).unwrap();
        (directory, path)
    }

    #[test]
    fn fields_split_outside_quotes_only() {
        assert_eq!(
            split_fields(b"a,\"b,c\",\"d\"\"e\"", b','),
            ["a", "b,c", "d\"e"]
        );
        assert_eq!(split_fields(b"", b','), [""]);
    }

    #[test]
    fn separators_are_sniffed_from_the_header() {
        let (_d, comma) = file(b"a,b;c\n1,2\n", "x.csv");
        assert_eq!(csv_separator(&comma), b',');
        let (_d, semicolon) = file(b"a;b;c\n1;2;3\n", "x.csv");
        assert_eq!(csv_separator(&semicolon), b';');
        let (_d, tab) = file(b"a\tb\n1\t2\n", "x.csv");
        assert_eq!(csv_separator(&tab), b'\t');
    }

    #[test]
    fn ragged_rows_and_bad_bytes_are_found_with_their_row() {
        let (_d, short) = file(b"a,b,c\n1,2,3\n\n4,5\n", "x.csv");
        assert_eq!(
            scan_csv(&short, b',').unwrap(),
            CsvScan {
                defect: Some(CsvDefect::Ragged {
                    row: 3,
                    expected: 3,
                    found: 2
                }),
                blank_rows: vec![1],
            }
        );
        let (_d, quoted) = file(b"a,b\n\"x,\ny\",2\r\n3,4", "x.csv");
        assert_eq!(find_csv_defect(&quoted, b',').unwrap(), None);
        let (_d, unclosed) = file(b"a,b\n1,2\n3,\"x\n4,5\n", "x.csv");
        assert_eq!(
            find_csv_defect(&unclosed, b',').unwrap(),
            Some(CsvDefect::UnclosedQuote { row: 2 })
        );
        let (_d, latin1) = file(b"a,b\n1,ok\n2,caf\xe9\n", "x.csv");
        assert_eq!(
            find_csv_defect(&latin1, b',').unwrap(),
            Some(CsvDefect::NotUtf8 {
                row: 2,
                field: 2,
                offset: 14
            })
        );
        assert!(matches!(
            defect_error(&latin1, CsvDefect::NotUtf8 { row: 2, field: 2, offset: 14 }),
            LoadError::NotUtf8 { column, .. } if column == "b"
        ));
    }

    #[test]
    fn a_character_across_two_chunks_is_valid_and_a_bad_byte_far_down_is_found() {
        let mut text = format!("a,b\n1,{}é\n", "x".repeat(SCAN_CHUNK_BYTES - 7));
        assert_eq!(text.find('é'), Some(SCAN_CHUNK_BYTES - 1));
        let (_d, straddling) = file(text.as_bytes(), "x.csv");
        assert_eq!(scan_csv(&straddling, b',').unwrap(), CsvScan::default());
        text.push_str("2,ok\n");
        let mut bytes = text.into_bytes();
        bytes.extend(b"3,\xff\n");
        let offset = bytes.len() - 2;
        let (_d, bad) = file(&bytes, "x.csv");
        assert_eq!(
            find_csv_defect(&bad, b',').unwrap(),
            Some(CsvDefect::NotUtf8 {
                row: 3,
                field: 2,
                offset
            })
        );
    }

    #[test]
    fn other_formats_behind_a_csv_name_are_named() {
        let (_d, parquet) = file(b"PAR1\x15\x04", "x.csv");
        let error = check_file(&parquet, FileFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(error.contains("Parquet"), "{error}");
        let (_d, text) = file(b"a,b\n1,2\n", "x.parquet");
        let error = check_file(&text, FileFormat::Parquet)
            .unwrap_err()
            .to_string();
        assert!(error.contains("name it .csv"), "{error}");
        let directory = tempfile::tempdir().unwrap();
        let error = check_file(directory.path(), FileFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(error.contains("directory"), "{error}");
    }
}
