//! The rooms' import rules as a check: each module of the library may use only what its room is
//! for (ARCHITECTURE.md). A line that breaks a rule fails this test with its file and line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// What each room must not name (as `path::` prefixes in code, comments excluded).
const RULES: [(&str, &[&str]); 8] = [
    (
        "engine",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "std::fs",
            "File::",
            "crate::data",
            "crate::app",
            "crate::cli",
            "crate::session",
            "crate::report",
            "crate::optimize",
            "crate::analysis",
        ],
    ),
    (
        "aggregate",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "std::fs",
            "File::",
            "crate::data",
            "crate::app",
            "crate::cli",
            "crate::session",
            "crate::report",
            "crate::optimize",
        ],
    ),
    (
        "optimize",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "std::fs",
            "crate::app",
            "crate::cli",
            "crate::session",
            "crate::report",
        ],
    ),
    (
        "data",
        &[
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "crate::app",
            "crate::cli",
            "crate::session",
            "crate::report",
            "crate::optimize",
        ],
    ),
    (
        "session",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "crate::app",
            "crate::cli",
        ],
    ),
    (
        "report",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "crate::app",
            "crate::cli",
        ],
    ),
    (
        "cli",
        &[
            "polars::",
            "egui::",
            "egui_plot::",
            "eframe::",
            "rfd::",
            "crate::app",
        ],
    ),
    ("app", &["polars::", "crate::cli"]),
];

fn rust_files(directory: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: what comes before a `//` comment.
fn code(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

#[test]
fn every_room_imports_only_what_it_may() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (room, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&source.join(room), &mut files);
        assert!(!files.is_empty(), "no files in src/{room}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                for name in forbidden {
                    if code(line).contains(name) {
                        broken.push(format!(
                            "{}:{}: the {room} room must not use `{name}`: {}",
                            file.display(),
                            number + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn polars_appears_only_in_the_data_room() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&source, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(source.join("data")))
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .any(|l| code(l).contains("polars::") || code(l).contains("use polars"))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "polars used outside src/data: {outside:?}"
    );
}

#[test]
fn the_checker_sees_a_forbidden_import() {
    // The rule would catch this line if it were in the engine, and ignores it as a comment.
    assert!(code("use polars::prelude::*; // fine").contains("polars::"));
    assert!(!code("// use polars::prelude::*;").contains("polars::"));
}

/// Calls that change the window's decision model directly. Only the state's one writer
/// (`src/app/state.rs`) and the threshold type itself (`src/app/thresholds.rs`) may make them;
/// every other part of the window pushes a command.
const STATE_WRITERS: [&str; 12] = [
    "thresholds.set(",
    "thresholds.set_others(",
    "thresholds.set_locked(",
    "thresholds.set_uniform(",
    "thresholds.apply(",
    "thresholds.reset(",
    "thresholds.undo(",
    "thresholds.redo(",
    "thresholds.nudge(",
    "thresholds.commit(",
    "session.criteria.push(",
    "session.scenarios.push(",
];

#[test]
fn only_the_state_writes_the_windows_decision_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "the window's files were not found");
    let allowed = ["state.rs", "thresholds.rs"];
    let mut found = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if allowed.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let line = code(line);
            for writer in STATE_WRITERS {
                if line.contains(writer) {
                    found.push(format!("{}:{}: {writer}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "state changed outside the command path:\n{}",
        found.join("\n")
    );
    // The check sees a writer when there is one.
    let state = std::fs::read_to_string(root.join("state.rs")).unwrap();
    assert!(state.contains("self.thresholds.set("));
}
