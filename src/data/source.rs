//! Where a dataset's rows come from: one file; a compressed CSV (`.csv.gz`, `.csv.zst`, or a
//! `.csv` whose bytes are compressed); a folder or glob of part files as Spark, `BigQuery` and Hive
//! write them (hidden files and `_SUCCESS` ignored, `key=value/` folders become columns); or
//! standard input (`-`, CSV text or an Arrow IPC stream).
//!
//! Everything is resolved to a list of plain files the readers already know. A compressed file or
//! standard input is copied, decompressed, into a temporary file that lives as long as the load;
//! messages name the user's file, never the copy.

use std::io::{Read, Write as _};
use std::path::{Component, Path, PathBuf};

use polars::prelude::*;

use super::{FileFormat, LoadError};

/// The path that means standard input.
pub const STDIN: &str = "-";

/// How standard input is named in messages.
const STDIN_SHOWN: &str = "<standard input>";

/// Spark's and Hive's name for a partition whose value was missing.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// One file of a dataset.
pub(super) struct Part {
    /// The file read (a decompressed copy for a compressed file or standard input).
    pub read: PathBuf,
    /// The file named in messages.
    pub shown: PathBuf,
    /// Values of the `key=value` folders above the file, in the order of
    /// [`Resolved::partition_keys`] (`None`: Hive's default partition, a missing value).
    pub partition: Vec<Option<String>>,
    /// Keeps a decompressed copy on disk while it is read.
    _copy: Option<tempfile::TempPath>,
}

impl Part {
    /// A piece of this part in a temporary file of its own (a chunk of a CSV file), shown and
    /// partitioned as the part; the file is deleted with the piece.
    pub(super) fn piece(&self, file: tempfile::TempPath) -> Part {
        Part {
            read: file.to_path_buf(),
            shown: self.shown.clone(),
            partition: self.partition.clone(),
            _copy: Some(file),
        }
    }

    /// This part again, to read some of its rows (any temporary copy stays with the original,
    /// which must outlive it).
    pub(super) fn again(&self) -> Part {
        Part {
            read: self.read.clone(),
            shown: self.shown.clone(),
            partition: self.partition.clone(),
            _copy: None,
        }
    }
}

/// A dataset resolved to files of one format.
pub(super) struct Resolved {
    /// The format of every part.
    pub format: FileFormat,
    /// The parts, in path order (at least one).
    pub parts: Vec<Part>,
    /// Names of the Hive-style partition columns, outermost folder first.
    pub partition_keys: Vec<String>,
}

/// Compression of a CSV file, from its name or its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    fn of_bytes(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::Zstd)
        } else {
            None
        }
    }

    fn of_name(path: &Path) -> Option<Self> {
        match extension(path).as_str() {
            "gz" | "gzip" => Some(Self::Gzip),
            "zst" | "zstd" => Some(Self::Zstd),
            _ => None,
        }
    }

    /// How messages name a stream of this kind.
    fn stream_name(self) -> &'static str {
        match self {
            Self::Gzip => "the gzip stream",
            Self::Zstd => "the zstd stream",
        }
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// The format of a file name, looking through a `.gz` / `.zst` suffix; whether it is compressed.
pub(super) fn format_of_name(path: &Path) -> Result<(FileFormat, bool), LoadError> {
    if Compression::of_name(path).is_none() {
        FileFormat::of(path).map(|f| (f, false))
    } else {
        let inner = path.with_extension("");
        match FileFormat::of(&inner) {
            Ok(FileFormat::Csv) => Ok((FileFormat::Csv, true)),
            Ok(_) => Err(LoadError::NotAFile {
                path: path.to_path_buf(),
                problem: "is a compressed Parquet or Arrow file; these formats compress inside the file, so decompress it first".to_owned(),
            }),
            Err(_) => Err(LoadError::Unsupported {
                path: path.to_path_buf(),
                extension: extension(path),
            }),
        }
    }
}

/// Resolves what the user named (a file, a folder, a glob, `-`) to readable files.
pub(super) fn resolve(path: &Path) -> Result<Resolved, LoadError> {
    if path.as_os_str() == STDIN {
        return from_stdin();
    }
    if path.is_dir() {
        let files = list_folder(path)?;
        return from_files(path, path, files);
    }
    let text = path.to_string_lossy();
    if !path.exists() && text.contains(['*', '?', '[']) {
        let files = expand_glob(path)?;
        if files.is_empty() {
            return Err(LoadError::NotAFile {
                path: path.to_path_buf(),
                problem: "matches no files".to_owned(),
            });
        }
        return from_files(path, &literal_prefix(path), files);
    }
    let (format, compressed) = format_of_name(path)?;
    let part = open_part(path, format, compressed, Vec::new())?;
    Ok(Resolved {
        format,
        parts: vec![part],
        partition_keys: Vec::new(),
    })
}

/// The data files of a folder or glob (with the folder they are relative to), or `None` for a
/// single file. Nothing is decompressed.
pub(super) fn part_files(path: &Path) -> Result<Option<(PathBuf, Vec<PathBuf>)>, LoadError> {
    let (root, files) = if path.is_dir() {
        (path.to_path_buf(), list_folder(path)?)
    } else if !path.exists() && path.to_string_lossy().contains(['*', '?', '[']) {
        (literal_prefix(path), expand_glob(path)?)
    } else {
        return Ok(None);
    };
    let files = files
        .into_iter()
        .filter(|f| format_of_name(f).is_ok() && std::fs::metadata(f).is_ok_and(|m| m.len() > 0))
        .collect();
    Ok(Some((root, files)))
}

/// A part as read: a decompressed copy when it is compressed by name or by content.
fn open_part(
    path: &Path,
    format: FileFormat,
    compressed_by_name: bool,
    partition: Vec<Option<String>>,
) -> Result<Part, LoadError> {
    let compression = if format == FileFormat::Csv {
        let head = super::sniff::head(path)?;
        Compression::of_bytes(&head).or(if compressed_by_name {
            Compression::of_name(path)
        } else {
            None
        })
    } else {
        None
    };
    let Some(compression) = compression else {
        if compressed_by_name {
            return Err(LoadError::NotAFile {
                path: path.to_path_buf(),
                problem: "is named as compressed but its bytes are not gzip or zstd; rename it"
                    .to_owned(),
            });
        }
        return Ok(Part {
            read: path.to_path_buf(),
            shown: path.to_path_buf(),
            partition,
            _copy: None,
        });
    };
    let file = std::fs::File::open(path).map_err(|e| super::read::unreadable(path, e))?;
    let mut reader: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(file).map_err(|e| super::read::unreadable(path, e))?,
        ),
    };
    // The copy keeps the inner extension (`.tsv` tells the separator).
    let inner = if compressed_by_name {
        path.with_extension("")
    } else {
        path.to_path_buf()
    };
    let inner_extension = match extension(&inner).as_str() {
        "" => "csv".to_owned(),
        other => other.to_owned(),
    };
    let copy = spool(
        path,
        &mut reader,
        &inner_extension,
        compression.stream_name(),
    )?;
    Ok(Part {
        read: copy.to_path_buf(),
        shown: path.to_path_buf(),
        partition,
        _copy: Some(copy),
    })
}

/// Copies a stream (named `stream` in messages: "the gzip stream") into a temporary file with
/// the given extension.
fn spool(
    shown: &Path,
    reader: &mut dyn Read,
    extension: &str,
    stream: &str,
) -> Result<tempfile::TempPath, LoadError> {
    let problem = |e: std::io::Error| LoadError::Unreadable {
        path: shown.to_path_buf(),
        message: format!("{stream} is damaged or cut short: {e}"),
    };
    let mut file = tempfile::Builder::new()
        .prefix("fulcrum-")
        .suffix(&format!(".{extension}"))
        .tempfile()
        .map_err(problem)?;
    std::io::copy(reader, &mut file).map_err(problem)?;
    file.flush().map_err(problem)?;
    Ok(file.into_temp_path())
}

/// Standard input: CSV text, or an Arrow IPC stream (or file), told apart by their first bytes.
fn from_stdin() -> Result<Resolved, LoadError> {
    let shown = PathBuf::from(STDIN_SHOWN);
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| super::read::unreadable(&shown, e))?;
    let is_stream = bytes.starts_with(&[0xff, 0xff, 0xff, 0xff]);
    let (format, copy) = if bytes.starts_with(b"ARROW1") {
        (
            FileFormat::Ipc,
            spool(&shown, &mut bytes.as_slice(), "arrow", "the input")?,
        )
    } else if is_stream {
        // The readers take files: the stream is written out as an Arrow IPC file.
        let mut frame = IpcStreamReader::new(std::io::Cursor::new(bytes))
            .finish()
            .map_err(|e| {
                super::read::unreadable(&shown, format!("not a readable Arrow IPC stream: {e}"))
            })?;
        let copy = tempfile::Builder::new()
            .prefix("fulcrum-")
            .suffix(".arrow")
            .tempfile()
            .map_err(|e| super::read::unreadable(&shown, e))?;
        let (file, copy) = copy.into_parts();
        IpcWriter::new(file)
            .finish(&mut frame)
            .map_err(|e| super::read::unreadable(&shown, e))?;
        (FileFormat::Ipc, copy)
    } else {
        let compression = Compression::of_bytes(&bytes);
        let mut reader: Box<dyn Read + '_> = match compression {
            Some(Compression::Gzip) => {
                Box::new(flate2::read::MultiGzDecoder::new(bytes.as_slice()))
            }
            Some(Compression::Zstd) => Box::new(
                zstd::stream::read::Decoder::new(bytes.as_slice())
                    .map_err(|e| super::read::unreadable(&shown, e))?,
            ),
            None => Box::new(bytes.as_slice()),
        };
        let stream = compression.map_or("the input", Compression::stream_name);
        (FileFormat::Csv, spool(&shown, &mut reader, "csv", stream)?)
    };
    Ok(Resolved {
        format,
        parts: vec![Part {
            read: copy.to_path_buf(),
            shown,
            partition: Vec::new(),
            _copy: Some(copy),
        }],
        partition_keys: Vec::new(),
    })
}

/// Whether a file or folder name is one that exports leave beside the data (`_SUCCESS`,
/// `_committed_…`, `.part-….crc`, `.DS_Store`).
fn is_bookkeeping(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Every data file under a folder, at any depth, in path order.
fn list_folder(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| super::read::unreadable(&folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| super::read::unreadable(&folder, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_bookkeeping(&name) {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The files a glob matches (a matched folder adds every file in it).
fn expand_glob(pattern: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let text = pattern.to_string_lossy();
    let matches = glob::glob(&text).map_err(|e| LoadError::NotAFile {
        path: pattern.to_path_buf(),
        problem: format!("is not a valid file pattern: {e}"),
    })?;
    let mut files = Vec::new();
    for found in matches {
        let found = found.map_err(|e| super::read::unreadable(e.path(), e.error()))?;
        let hidden = found
            .file_name()
            .is_some_and(|n| is_bookkeeping(&n.to_string_lossy()));
        if found.is_dir() {
            files.extend(list_folder(&found)?);
        } else if !hidden {
            files.push(found);
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The folders of a glob before its first pattern character (where partition folders may start).
fn literal_prefix(pattern: &Path) -> PathBuf {
    pattern
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
        .collect()
}

/// The `key=value` folders between `root` and a file.
fn partition_of(root: &Path, file: &Path) -> Vec<(String, Option<String>)> {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let folders = relative
        .parent()
        .map(Path::components)
        .into_iter()
        .flatten();
    folders
        .filter_map(|c| match c {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                let (key, value) = name.split_once('=')?;
                (!key.is_empty()).then(|| {
                    let value = (value != HIVE_NULL).then(|| percent_decode(value));
                    (key.to_owned(), value)
                })
            }
            _ => None,
        })
        .collect()
}

/// Undoes the `%XX` escapes Hive and Spark write in partition folder names.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let escaped = bytes
            .get(at + 1..at + 3)
            .filter(|_| byte == b'%')
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(decoded) = escaped {
            out.push(decoded);
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The dataset made of the data files among `files`: one format, the same partition folders.
fn from_files(named: &Path, root: &Path, files: Vec<PathBuf>) -> Result<Resolved, LoadError> {
    let mut typed: Vec<(PathBuf, FileFormat, bool)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for file in files {
        match format_of_name(&file) {
            Ok((format, compressed)) => {
                // Spark writes empty part files (no header) for empty partitions.
                if std::fs::metadata(&file).is_ok_and(|m| m.len() == 0) {
                    continue;
                }
                typed.push((file, format, compressed));
            }
            Err(_) => skipped.push(file.display().to_string()),
        }
    }
    let Some((first_path, format, _)) = typed.first().cloned() else {
        let found = if skipped.is_empty() {
            "nothing but hidden or bookkeeping files".to_owned()
        } else {
            format!("only files of other types ({})", list_some(&skipped))
        };
        return Err(LoadError::NotAFile {
            path: named.to_path_buf(),
            problem: format!("holds no data files (.csv, .csv.gz, .parquet, .arrow) but {found}"),
        });
    };
    if let Some((other, other_format, _)) = typed.iter().find(|(_, f, _)| *f != format) {
        return Err(LoadError::NotAFile {
            path: named.to_path_buf(),
            problem: format!(
                "mixes {} files ({}) and {} files ({}); a dataset is parts of one format",
                format.name(),
                first_path.display(),
                other_format.name(),
                other.display()
            ),
        });
    }
    let keys: Vec<String> = partition_of(root, &first_path)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let mut parts = Vec::with_capacity(typed.len());
    for (file, _, compressed) in typed {
        let partition = partition_of(root, &file);
        let these: Vec<&str> = partition.iter().map(|(k, _)| k.as_str()).collect();
        if these != keys.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(LoadError::NotAFile {
                path: file,
                problem: format!(
                    "sits in partition folders {} but {} sits in {}; every part needs the same key=value folders",
                    folder_keys(&these),
                    first_path.display(),
                    folder_keys(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                ),
            });
        }
        let values = partition.into_iter().map(|(_, v)| v).collect();
        parts.push(open_part(&file, format, compressed, values)?);
    }
    Ok(Resolved {
        format,
        parts,
        partition_keys: keys,
    })
}

fn folder_keys(keys: &[&str]) -> String {
    if keys.is_empty() {
        "(none)".to_owned()
    } else {
        keys.iter()
            .map(|k| format!("{k}=…"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The first few items of a list, and how many more.
fn list_some(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

/// A partition column as a series of `height` rows: integers when every value of the key across
/// the dataset is an integer (so it can be binned), text otherwise.
pub(super) fn partition_series(
    name: &str,
    value: Option<&str>,
    height: usize,
    as_integers: bool,
) -> Series {
    let name = PlSmallStr::from(name);
    if as_integers {
        let value = value.and_then(|v| v.parse::<i64>().ok());
        Series::new(name, vec![value; height])
    } else {
        Series::new(name, vec![value; height])
    }
}

impl Resolved {
    /// Whether every value of a partition key parses as an integer.
    pub(super) fn partition_is_integer(&self, key: usize) -> bool {
        self.parts
            .iter()
            .filter_map(|p| p.partition.get(key).cloned().flatten())
            .all(|v| v.parse::<i64>().is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_folders_are_read_between_root_and_file() {
        let found = partition_of(
            Path::new("/x/out"),
            Path::new("/x/out/region=North%20East/year=__HIVE_DEFAULT_PARTITION__/part-0.parquet"),
        );
        assert_eq!(
            found,
            vec![
                ("region".to_owned(), Some("North East".to_owned())),
                ("year".to_owned(), None)
            ]
        );
        assert!(partition_of(Path::new("/x"), Path::new("/x/a/b.csv")).is_empty());
    }

    #[test]
    fn percent_escapes_decode_and_stray_percents_stay() {
        assert_eq!(percent_decode("a%3Db%2Fc"), "a=b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn glob_prefix_stops_at_the_first_pattern() {
        assert_eq!(
            literal_prefix(Path::new("/data/out/*/part-*.parquet")),
            PathBuf::from("/data/out")
        );
    }

    #[test]
    fn compressed_names_look_through_the_suffix() {
        assert_eq!(
            format_of_name(Path::new("a.csv.gz")).unwrap(),
            (FileFormat::Csv, true)
        );
        assert_eq!(
            format_of_name(Path::new("a.tsv.zst")).unwrap(),
            (FileFormat::Csv, true)
        );
        assert!(matches!(
            format_of_name(Path::new("a.parquet.gz")),
            Err(LoadError::NotAFile { .. })
        ));
        assert!(matches!(
            format_of_name(Path::new("a.gz")),
            Err(LoadError::Unsupported { .. })
        ));
    }
}
