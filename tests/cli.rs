//! The command line end to end: outputs on real files and every bad-input case, each with its
//! message and exit code 2.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const SAMPLE: &str = "sample_data/lending.csv";

fn fulcrum() -> Command {
    Command::cargo_bin("fulcrum").unwrap()
}

/// A file with `contents` in a fresh temporary directory.
fn file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (directory, path)
}

/// Runs `fulcrum audit PATH --score score --label y --group g EXTRA…`.
fn audit(path: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .arg("audit")
        .arg(path)
        .args(["--score", "score", "--label", "y", "--group", "g"])
        .args(extra)
        .assert()
}

/// Asserts a failure with exit code 2, no panic, and every fragment in stderr.
fn fails_with(assert: assert_cmd::assert::Assert, fragments: &[&str]) {
    let output = assert.get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for fragment in fragments {
        assert!(stderr.contains(fragment), "`{fragment}` not in: {stderr}");
    }
}

const SMALL: &str =
    "score,y,g,w\n0.9,1,a,1\n0.8,0,a,2\n0.3,1,a,1\n0.7,1,b,1\n0.2,0,b,3\n0.6,0,b,1\n";

#[test]
fn json_output_has_the_documented_schema_and_hand_computed_numbers() {
    let (_dir, path) = file("small.csv", SMALL);
    let output = audit(&path, &["--threshold", "0.5", "--format", "json"])
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&output).unwrap();
    let a = &json["groups"][0];
    assert_eq!(a["key"], "a");
    assert_eq!(a["attributes"]["g"], "a");
    assert_eq!(a["threshold"], 0.5);
    // Group a: scores 0.9(+) 0.8(-) 0.3(+) at 0.5 → TP 1, FP 1, TN 0, FN 1.
    assert_eq!(
        (
            a["tp"].clone(),
            a["fp"].clone(),
            a["tn"].clone(),
            a["fn"].clone()
        ),
        (1.into(), 1.into(), 0.into(), 1.into())
    );
    assert_eq!(a["count"], 3);
    assert_eq!(a["tpr"], 0.5);
    assert_eq!(a["fpr"], 1.0);
    assert_eq!(a["tnr"], 0.0);
    assert_eq!(a["npv"], 0.0);
    assert_eq!(a["for"], 1.0);
    assert_eq!(a["selection_rate"], 2.0 / 3.0);
    assert_eq!(a["treatment_equality"], 1.0);
    for key in [
        "fnr",
        "precision",
        "fdr",
        "accuracy",
        "balanced_accuracy",
        "f1",
        "base_rate",
        "intervals",
        "small",
        "share",
        "weight",
        "disparities",
    ] {
        assert!(a.get(key).is_some(), "missing {key}");
    }
    assert_eq!(a["intervals"]["tpr"].as_array().unwrap().len(), 2);
    assert_eq!(a["small"], true);
    // Group b: 0.7(+) 0.6(-) 0.2(-) → TP 1, FP 1, TN 1, FN 0.
    let b = &json["groups"][1];
    assert_eq!(b["fnr"], 0.0);
    assert_eq!(b["treatment_equality"], 0.0);
    assert_eq!(json["overall"]["tp"], 2);
    let summary = &json["summary"];
    for key in [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equal_opportunity_difference",
        "equal_opportunity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "disparate_impact",
        "four_fifths_pass",
    ] {
        assert!(summary.get(key).is_some(), "missing summary {key}");
    }
    // TPR: a 0.5, b 1.0.
    assert_eq!(summary["equal_opportunity_difference"], 0.5);
    assert_eq!(summary["equal_opportunity_ratio"], 0.5);
    assert_eq!(json["settings"]["rule"], "ge");
    assert_eq!(json["settings"]["thresholds"]["default"], 0.5);
}

#[test]
fn undefined_values_are_null_natively_and_zero_under_fairlearn() {
    // Group c has no positives: TPR is 0/0.
    let (_dir, path) = file("c.csv", "score,y,g\n0.9,0,c\n0.1,0,c\n0.8,1,d\n");
    let json = |convention: &str| -> Value {
        let out = audit(&path, &["--format", "json", "--convention", convention])
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    assert_eq!(json("native")["groups"][0]["tpr"], Value::Null);
    assert_eq!(json("native")["groups"][0]["intervals"]["tpr"], Value::Null);
    assert_eq!(json("fairlearn")["groups"][0]["tpr"], 0.0);
    assert_eq!(json("aequitas")["groups"][0]["tpr"], Value::Null);
}

#[test]
fn the_table_is_readable_on_the_sample() {
    let output = fulcrum()
        .args([
            "audit", SAMPLE, "--score", "score", "--label", "repaid", "--group", "sex,race",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    assert!(table.contains("Female × Black"), "{table}");
    assert!(table.contains("Overall"));
    assert!(table.contains("four-fifths rule"));
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 120, "a line is {widest} characters wide");
}

#[test]
fn csv_output_has_a_row_per_group_and_overall() {
    let (_dir, path) = file("small.csv", SMALL);
    let output = audit(&path, &["--format", "csv"])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("key,g,threshold,count,"));
    assert!(lines[3].starts_with("Overall,"));
}

#[test]
fn per_group_thresholds_come_from_a_json_file() {
    let (dir, path) = file("small.csv", SMALL);
    let thresholds = dir.path().join("t.json");
    std::fs::write(&thresholds, r#"{"a": 0.85, "default": "inf"}"#).unwrap();
    let output = audit(
        &path,
        &[
            "--thresholds",
            thresholds.to_str().unwrap(),
            "--format",
            "json",
        ],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let json: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["groups"][0]["tp"], 1);
    assert_eq!(json["groups"][0]["fp"], 0);
    assert_eq!(json["groups"][1]["threshold"], "inf");
    assert_eq!(json["groups"][1]["selection_rate"], 0.0);
}

#[test]
fn weights_count_as_frequencies() {
    let (_dir, path) = file("small.csv", SMALL);
    let output = audit(
        &path,
        &["--weight", "w", "--threshold", "0.5", "--format", "json"],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let json: Value = serde_json::from_slice(&output).unwrap();
    // Group a: 0.9(+,1) 0.8(-,2) 0.3(+,1): FP weight 2.
    assert_eq!(json["groups"][0]["fp"], 2);
    assert_eq!(json["groups"][0]["weight"], 4);
    assert_eq!(json["groups"][0]["count"], 3);
}

#[test]
fn numeric_attributes_can_be_binned() {
    let output = fulcrum()
        .args([
            "audit",
            SAMPLE,
            "--score",
            "score",
            "--label",
            "repaid",
            "--group",
            "income",
            "--bin",
            "income=q4",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&output).unwrap();
    let keys: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert!(keys[0].starts_with("< "));
    assert_eq!(keys[4], "(missing)");
}

#[test]
fn a_misspelled_column_names_the_closest() {
    let (_dir, path) = file("small.csv", SMALL);
    fails_with(
        fulcrum()
            .arg("audit")
            .arg(&path)
            .args(["--score", "scroe", "--label", "y", "--group", "g"])
            .assert(),
        &[
            "small.csv",
            "no column `scroe`",
            "did you mean `score`?",
            "score, y, g, w",
        ],
    );
}

#[test]
fn a_non_numeric_score_names_the_row() {
    let (_dir, path) = file("bad.csv", "score,y,g\n0.5,1,a\n0.2,0,a\nhigh,1,b\n");
    fails_with(
        audit(&path, &[]),
        &["bad.csv", "column `score`", "row 3", "`high`"],
    );
}

#[test]
fn invalid_scores_are_counted_and_can_be_dropped() {
    let (_dir, path) = file(
        "nan.csv",
        "score,y,g\n0.5,1,a\nNaN,0,a\n,1,b\ninf,0,b\n0.4,0,b\n",
    );
    fails_with(
        audit(&path, &[]),
        &[
            "nan.csv",
            "column `score`",
            "3 rows",
            "first: row 2",
            "--drop-invalid",
        ],
    );
    let assert = audit(&path, &["--drop-invalid", "--format", "json"]).success();
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dropped 3 of 5 rows"), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["overall"]["count"], 2);
    assert_eq!(json["settings"]["rows_dropped"], 3);
}

#[test]
fn a_missing_label_is_invalid() {
    let (_dir, path) = file("nolabel.csv", "score,y,g\n0.5,1,a\n0.2,,a\n0.3,0,b\n");
    fails_with(
        audit(&path, &[]),
        &["column `y` (label)", "1 row ", "row 2"],
    );
}

#[test]
fn a_three_valued_label_needs_positive() {
    let (_dir, path) = file(
        "three.csv",
        "score,y,g\n0.5,good,a\n0.2,bad,a\n0.3,unknown,b\n",
    );
    fails_with(
        audit(&path, &[]),
        &[
            "three.csv",
            "column `y` (label)",
            "3 distinct values",
            "bad, good, unknown",
            "--positive",
        ],
    );
    audit(&path, &["--positive", "good"]).success();
    fails_with(
        audit(&path, &["--positive", "great"]),
        &["never equals `great`"],
    );
}

#[test]
fn two_text_labels_need_positive_unless_they_read_as_booleans() {
    let (_dir, path) = file("yn.csv", "score,y,g\n0.5,yes,a\n0.2,no,a\n");
    fails_with(audit(&path, &[]), &["2 distinct values", "no, yes"]);
    let (_dir, path) = file("tf.csv", "score,y,g\n0.5,true,a\n0.2,false,a\n");
    audit(&path, &[]).success();
}

#[test]
fn negative_and_missing_weights_are_refused() {
    let (_dir, path) = file("w.csv", "score,y,g,w\n0.5,1,a,1\n0.2,0,a,-2\n");
    fails_with(
        audit(&path, &["--weight", "w"]),
        &["w.csv", "column `w` (weight)", "negative value -2", "row 2"],
    );
    let (_dir, path) = file("w2.csv", "score,y,g,w\n0.5,1,a,1\n0.2,0,a,NaN\n");
    fails_with(
        audit(&path, &["--weight", "w"]),
        &["column `w` (weight)", "row 2"],
    );
}

#[test]
fn empty_files_are_refused() {
    let (_dir, path) = file("empty.csv", "");
    fails_with(audit(&path, &[]), &["empty.csv", "empty"]);
    let (_dir, path) = file("header.csv", "score,y,g\n");
    fails_with(audit(&path, &[]), &["header.csv", "empty"]);
}

#[test]
fn unreadable_and_unsupported_files_are_refused() {
    fails_with(
        audit(Path::new("no/such/file.csv"), &[]),
        &["no/such/file.csv", "cannot read"],
    );
    let (_dir, path) = file("data.xlsx", "x");
    fails_with(
        audit(&path, &[]),
        &["data.xlsx", "unsupported file type `.xlsx`"],
    );
    let (_dir, path) = file("corrupt.parquet", "this is not parquet");
    fails_with(audit(&path, &[]), &["corrupt.parquet", "cannot read"]);
}

#[test]
fn a_thresholds_key_that_matches_no_group_is_refused() {
    let (dir, path) = file("small.csv", SMALL);
    let thresholds = dir.path().join("t.json");
    std::fs::write(&thresholds, r#"{"A": 0.5, "b": 0.4}"#).unwrap();
    fails_with(
        audit(&path, &["--thresholds", thresholds.to_str().unwrap()]),
        &["t.json", "no group is called `A`", "did you mean `a`?"],
    );
    std::fs::write(&thresholds, "{not json").unwrap();
    fails_with(
        audit(&path, &["--thresholds", thresholds.to_str().unwrap()]),
        &["t.json", "not valid JSON"],
    );
}

#[test]
fn an_unknown_reference_group_is_refused() {
    let (_dir, path) = file("small.csv", SMALL);
    fails_with(
        audit(&path, &["--reference", "c"]),
        &["--reference", "no group is called `c`"],
    );
}

#[test]
fn parquet_and_ipc_files_read_like_csv() {
    let directory = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for name in ["s.csv", "s.parquet", "s.arrow"] {
        let path = directory.path().join(name);
        fulcrum()
            .args(["sample", "--rows", "500", "--out"])
            .arg(&path)
            .assert()
            .success();
        let output = fulcrum()
            .arg("audit")
            .arg(&path)
            .args([
                "--score", "score", "--label", "repaid", "--group", "race", "--format", "csv",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        outputs.push(output);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn the_sample_generator_reproduces_the_bundled_sample() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("lending.csv");
    fulcrum()
        .args(["sample", "--out"])
        .arg(&path)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(SAMPLE).unwrap()
    );
}
