//! Employment audits end to end: adverse impact against the highest selection rate in `audit`,
//! the NYC Local Law 144 bias audit (`fulcrum bias-audit`), use contexts in sessions, and the
//! report sections they add. Every number is counted by hand in the test that checks it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::path::{Path, PathBuf};

mod common;

use common::{fails_with, fulcrum};
use serde_json::Value;

/// A file with `contents` in a fresh temporary directory.
fn file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (directory, path)
}

fn stdout_json(assert: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&assert.success().get_output().stdout).unwrap()
}

fn stdout_text(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.success().get_output().stdout.clone()).unwrap()
}

/// `g = a`: 10 rows, 8 selected (score 0.9); `g = b`: 20 rows, 10 selected. b is the largest
/// group (the reference), a has the highest selection rate.
fn two_groups() -> String {
    let mut csv = String::from("score,y,g\n");
    for i in 0..10 {
        csv.push_str(&format!("{},{},a\n", if i < 8 { 0.9 } else { 0.1 }, i % 2));
    }
    for i in 0..20 {
        csv.push_str(&format!("{},{},b\n", if i < 10 { 0.9 } else { 0.1 }, i % 2));
    }
    csv
}

#[test]
fn audit_compares_every_group_with_the_highest_selection_rate() {
    let (_dir, path) = file("two.csv", &two_groups());
    let run = |format: &str| {
        fulcrum()
            .arg("audit")
            .arg(&path)
            .args(["--score", "score", "--label", "y", "--group", "g"])
            .args(["--threshold", "0.5", "--format", format])
            .assert()
    };
    let json = stdout_json(run("json"));
    // The reference group of the disparities stays the largest (b) …
    assert_eq!(json["by_metric"]["selection_rate"]["reference_group"], "b");
    // … but adverse impact is against the highest rate: a, 8/10.
    let block = &json["adverse_impact"];
    assert_eq!(block["highest_group"], "a");
    let a = &block["groups"][0];
    let b = &block["groups"][1];
    assert_eq!(
        (a["key"].clone(), a["impact_ratio"].clone()),
        ("a".into(), 1.0.into())
    );
    assert_eq!(a["p_value"], Value::Null, "the highest group is not tested");
    assert_eq!(b["selected"], 10);
    assert_eq!(b["total"], 20);
    assert_eq!(b["selection_rate"], 0.5);
    // 0.5 / 0.8 = 0.625 < 0.8.
    assert_eq!(b["impact_ratio"], 0.625);
    assert_eq!(b["four_fifths_pass"], false);
    // Pooled rate 18/30: a's expected non-selections 10 × 0.4 = 4 < 5, so Fisher's exact test.
    // Summing the hypergeometric tables no likelier than [[10, 10], [8, 2]] (Python, math.comb):
    // 0.2352702769494374.
    assert_eq!(b["test"], "fisher_exact");
    assert!((b["p_value"].as_f64().unwrap() - 0.235_270_276_949_437_4).abs() < 1e-12);
    assert_eq!(b["significant"], false);
    // ceil(0.8 × 0.8 × 20 − 10) = ceil(2.8) = 3 more selections.
    assert_eq!(b["shortfall"], 3);

    let table = stdout_text(run("table"));
    assert!(
        table.contains("Adverse impact against the highest selection rate (a, 0.800):"),
        "{table}"
    );
    let b_line = table
        .lines()
        .find(|l| l.trim_start().starts_with("b ") && l.contains("FAIL"))
        .unwrap_or_else(|| panic!("no line for b in {table}"));
    for fragment in ["10", "0.500", "0.625", "FAIL", "0.235", "exact", "3"] {
        assert!(b_line.contains(fragment), "`{fragment}` not in `{b_line}`");
    }
}
