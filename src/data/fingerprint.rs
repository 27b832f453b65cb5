//! Fingerprints of data files, so a session can tell whether its data changed.

use std::io::Read as _;
use std::path::Path;

use sha2::{Digest as _, Sha256};

/// The SHA-256 of a file's bytes, as lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
    }
    Ok(hex(&hasher.finalize()))
}

/// The SHA-256 of a dataset: of the file's bytes for one file; for a folder or glob of part
/// files, of the list of every part's path (relative to the folder) and SHA-256, so that adding,
/// removing, renaming or changing a part changes it.
pub fn sha256_dataset(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == super::STDIN {
        return Err(std::io::Error::other(
            "standard input cannot be fingerprinted for a session (it is gone once read); save it to a file",
        ));
    }
    let parts =
        super::source::part_files(path).map_err(|e| std::io::Error::other(e.to_string()))?;
    let Some((root, files)) = parts else {
        return sha256_file(path);
    };
    if files.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no data files are there",
        ));
    }
    let mut hasher = Sha256::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let digest = sha256_file(file)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        hasher.update(format!("{}\t{digest}\n", relative.to_string_lossy()).as_bytes());
    }
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            write!(s, "{b:02x}").ok();
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_string() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("abc.txt");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
