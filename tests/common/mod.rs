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
