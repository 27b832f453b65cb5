//! Helpers shared by the command-line test files (`mod common;` in each).

#![allow(dead_code, clippy::unwrap_used, clippy::needless_pass_by_value)]

use assert_cmd::Command;

/// The `fulcrum` binary under test.
pub fn fulcrum() -> Command {
    Command::cargo_bin("fulcrum").unwrap()
}

/// Asserts a failure with exit code 2, no panic, and every fragment in stderr.
pub fn fails_with(assert: assert_cmd::assert::Assert, fragments: &[&str]) {
    let output = assert.get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for fragment in fragments {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
}

/// A copy of the session fixture `tests/fixtures/NAME` in a temporary folder, two levels below
/// `sample_data/lending.csv` as the bundled sample was when the fixture was written — before
/// `score_v2` was added (issue 15) — so the data path (`../../sample_data/lending.csv`), the
/// SHA-256 and any sign-off digest the fixture recorded still hold. The old file is the
/// generator's output without the second model's column.
pub fn fixture_beside_the_old_sample(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    use fulcrum::data::sample::{DEFAULT_SEED, SAMPLE_ROWS, lending_columns};
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("sample_data");
    std::fs::create_dir_all(&data).unwrap();
    let columns = lending_columns(SAMPLE_ROWS, DEFAULT_SEED, 0.0)
        .into_iter()
        .filter(|c| c.name() != "score_v2")
        .collect();
    fulcrum::data::write_columns(&data.join("lending.csv"), columns).unwrap();
    let folder = directory.path().join("tests").join("fixtures");
    std::fs::create_dir_all(&folder).unwrap();
    let session = folder.join(name);
    std::fs::copy(std::path::Path::new("tests/fixtures").join(name), &session).unwrap();
    (directory, session)
}
