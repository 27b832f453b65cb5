//! Writing files without losing any: a temporary file beside the target, renamed over it once
//! complete (so a crash or a full disk never leaves a half-written file), through symlinks to the
//! file they name (so a link stays a link), with the replaced file's permissions kept; and the
//! checks every command makes before it writes an output (an existing file needs `--force`, and
//! none of the command's own inputs is ever written over).

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Why an output file may not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The file exists and `--force` was not given.
    #[error("{}: the file exists; pass --force to replace it", path.display())]
    Exists {
        /// The output path.
        path: PathBuf,
    },
    /// The output is one of the command's inputs (perhaps through a link).
    #[error(
        "{}: this is the command's input {}; refusing to write over it (even with --force): choose another output file",
        path.display(),
        input.display()
    )]
    IsInput {
        /// The output path.
        path: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// The output names a directory.
    #[error("{}: this is a directory; give a file name to write", path.display())]
    IsDirectory {
        /// The output path.
        path: PathBuf,
    },
}

/// Checks that `output` may be written: it must not be a directory, must not name one of
/// `inputs` (compared as files, so links and `./x` spellings are seen through), and must not
/// exist unless `force`. Call it before any work, so a refusal costs nothing.
pub fn check_output(output: &Path, force: bool, inputs: &[&Path]) -> Result<(), OutputError> {
    let path = output.to_path_buf();
    if output.is_dir() {
        return Err(OutputError::IsDirectory { path });
    }
    for input in inputs {
        if same_file::is_same_file(output, input).unwrap_or(false) {
            return Err(OutputError::IsInput {
                path,
                input: input.to_path_buf(),
            });
        }
    }
    // `symlink_metadata` so a dangling link counts as existing too.
    if !force && std::fs::symlink_metadata(output).is_ok() {
        return Err(OutputError::Exists { path });
    }
    Ok(())
}

/// The file a write to `path` should replace: `path` itself, or, when it is a symbolic link, the
/// file the link names (resolved through every link), so the link survives the write.
pub fn write_target(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            std::fs::canonicalize(path).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("the symbolic link points to no file that can be reached ({e})"),
                )
            })
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// A temporary file in the target's directory (so the final rename stays on one file system),
/// readable by others like a normally created file.
pub fn temporary_file_beside(path: &Path) -> std::io::Result<NamedTempFile> {
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".fulcrum-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(directory)
}

/// Writes a file atomically with `write`, which fills the open temporary file: through a link to
/// its target, keeping the permissions of the file it replaces. On any error the target is left
/// as it was and the temporary file is removed.
pub fn write_atomically_with<E: From<std::io::Error>>(
    path: &Path,
    write: impl FnOnce(&File) -> Result<(), E>,
) -> Result<(), E> {
    let target = write_target(path)?;
    if target.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "this is a directory; give a file name to write",
        )
        .into());
    }
    if let Some(directory) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && !directory.is_dir()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("the directory {} does not exist", directory.display()),
        )
        .into());
    }
    let file = temporary_file_beside(&target)?;
    write(file.as_file())?;
    if let Ok(existing) = std::fs::metadata(&target) {
        file.as_file().set_permissions(existing.permissions())?;
    }
    file.as_file().sync_all()?;
    file.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `contents` to `path` atomically (see [`write_atomically_with`]).
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, |mut file: &File| file.write_all(contents))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_target_and_leave_no_temporary_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("out.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_write_through_a_link_replaces_its_target_and_keeps_the_link_and_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("real.json");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = directory.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn outputs_refuse_existing_files_without_force_and_inputs_always() {
        let directory = tempfile::tempdir().unwrap();
        let input = directory.path().join("in.json");
        std::fs::write(&input, b"x").unwrap();
        let fresh = directory.path().join("fresh.json");
        assert!(check_output(&fresh, false, &[&input]).is_ok());
        assert!(matches!(
            check_output(&input, false, &[]),
            Err(OutputError::Exists { .. })
        ));
        assert!(check_output(&input, true, &[]).is_ok());
        let spelled_otherwise = directory.path().join(".").join("in.json");
        assert!(matches!(
            check_output(&spelled_otherwise, true, &[&input]),
            Err(OutputError::IsInput { .. })
        ));
        assert!(matches!(
            check_output(directory.path(), true, &[]),
            Err(OutputError::IsDirectory { .. })
        ));
    }
}
