//! The command line end to end: outputs on real files and every bad-input case, each with its
//! message and exit code 2.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::path::{Path, PathBuf};

mod common;

use common::{fails_with, fulcrum};
use serde_json::Value;

const SAMPLE: &str = "sample_data/lending.csv";

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
    fails_with(
        audit(&path, &[]),
        &["corrupt.parquet", "not a Parquet file"],
    );
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
        &["t.json", "not a valid thresholds file"],
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

/// `Female | Black` (and `Female|Black`) is the key `Female × Black` wherever a key is typed:
/// `--reference`, a thresholds file, and the session recording them (written with ` × `).
#[test]
fn a_group_key_may_be_typed_with_a_bar_between_the_values() {
    let directory = tempfile::tempdir().unwrap();
    let run = |reference: &str, thresholds: &str, name: &str| {
        let path = directory.path().join(format!("{name}.json"));
        std::fs::write(&path, thresholds).unwrap();
        let audit = fulcrum()
            .args(["audit", SAMPLE, "--score", "score", "--label", "repaid"])
            .args([
                "--group",
                "sex,race",
                "--format",
                "json",
                "--reference",
                reference,
            ])
            .arg("--thresholds")
            .arg(&path)
            .assert()
            .success();
        let json: Value = serde_json::from_slice(&audit.get_output().stdout).unwrap();
        let session = directory.path().join(format!("{name}.session.json"));
        fulcrum()
            .args([
                "session", "new", SAMPLE, "--score", "score", "--label", "repaid",
            ])
            .args([
                "--group",
                "sex,race",
                "--reference",
                reference,
                "--thresholds",
            ])
            .arg(&path)
            .arg("--out")
            .arg(&session)
            .assert()
            .success();
        let session: Value =
            serde_json::from_str(&std::fs::read_to_string(session).unwrap()).unwrap();
        (json, session)
    };
    let (shown, shown_session) = run(
        "Female × Black",
        r#"{"default": 0.5, "Female × White": 0.62, "Male × Black": 0.55}"#,
        "shown",
    );
    let (typed, typed_session) = run(
        "Female | Black",
        r#"{"default": 0.5, "Female|White": 0.62, "Male | Black": 0.55}"#,
        "typed",
    );
    assert_eq!(typed["groups"], shown["groups"]);
    assert_eq!(typed["summary"], shown["summary"]);
    assert_eq!(typed["settings"]["reference"], "Female × Black");
    assert_eq!(
        typed["by_metric"]["tpr"]["reference_group"],
        "Female × Black"
    );
    let threshold_of = |json: &Value, key: &str| {
        json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == key)
            .map(|g| g["threshold"].clone())
    };
    assert_eq!(
        threshold_of(&typed, "Female × White"),
        Some(serde_json::json!(0.62))
    );
    assert_eq!(
        threshold_of(&typed, "Male × Black"),
        Some(serde_json::json!(0.55))
    );
    for field in ["thresholds", "reference"] {
        assert_eq!(typed_session[field], shown_session[field], "{field}");
    }
    assert_eq!(typed_session["thresholds"]["Male × Black"], 0.55);
    // A key naming no group names the closest one, as Fulcrum writes it.
    fails_with(
        fulcrum()
            .args(["audit", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "sex,race", "--reference", "Femal | Black"])
            .assert(),
        &[
            "no group is called `Femal × Black`",
            "did you mean `Female × Black`?",
        ],
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

// --------------------------------------------------------------------------------------------
// `fulcrum optimize` and `fulcrum frontier`.

/// Runs `fulcrum optimize PATH --score score --label y --group g EXTRA…`.
fn optimize(path: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .arg("optimize")
        .arg(path)
        .args(["--score", "score", "--label", "y", "--group", "g"])
        .args(extra)
        .assert()
}

/// Runs `fulcrum frontier PATH --score score --label y --group g EXTRA…`.
fn frontier(path: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .arg("frontier")
        .arg(path)
        .args(["--score", "score", "--label", "y", "--group", "g"])
        .args(extra)
        .assert()
}

fn stdout_json(assert: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&assert.success().get_output().stdout).unwrap()
}

#[test]
fn optimize_prints_the_thresholds_the_guarantee_and_the_audit_table() {
    let (_dir, path) = file("small.csv", SMALL);
    let output = optimize(&path, &["--constraint", "none"])
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    // a: 0.3(+) 0.8(−) 0.9(+): selecting all or only 0.9 both get 2 of 3 right; the higher
    // threshold wins the tie. b: 0.2(−) 0.6(−) 0.7(+): 0.7 gets all 3 right. 5 of 6.
    assert!(table.contains("accuracy 0.8333"), "{table}");
    assert!(table.contains("Guarantee: exact"), "{table}");
    let row = |key: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap()
            .to_owned()
    };
    assert!(row("a").contains(" 0.9 "), "{table}");
    assert!(row("b").contains(" 0.7 "), "{table}");
    assert!(
        table.contains("demographic parity"),
        "the audit summary follows: {table}"
    );
}

#[test]
fn optimize_json_has_thresholds_objective_guarantee_and_audit_groups() {
    let (_dir, path) = file("small.csv", SMALL);
    let json = stdout_json(optimize(
        &path,
        &[
            "--constraint",
            "equal_opportunity",
            "--tolerance",
            "0",
            "--format",
            "json",
        ],
    ));
    // Equal TPR: 1 in both (a selects everybody: 2 right; b from 0.7: 3 right) beats 0 in both
    // (1 + 2 right). a's TPR is ½ at 0.9, so a must go down to 0.3.
    assert_eq!(json["thresholds"]["a"], 0.3);
    assert_eq!(json["thresholds"]["b"], 0.7);
    assert_eq!(json["accuracy"], 5.0 / 6.0);
    assert_eq!(json["objective"], 5.0 / 6.0);
    assert_eq!(json["objective_kind"], "accuracy");
    assert_eq!(json["gap"], 0.0);
    assert_eq!(json["guarantee"]["kind"], "exact");
    assert_eq!(json["constraint"], "equal_opportunity");
    assert_eq!(json["tolerance"], 0.0);
    assert_eq!(json["selected"], 4);
    assert_eq!(json["rule"], "ge");
    let a = &json["groups"][0];
    assert_eq!(a["key"], "a");
    assert_eq!(a["threshold"], 0.3);
    assert_eq!(a["tpr"], 1.0);
    assert_eq!(json["groups"][1]["tpr"], 1.0);
    assert_eq!(json["overall"]["tp"], 3);
    assert_eq!(json["summary"]["equal_opportunity_difference"], 0.0);
}

#[test]
fn written_thresholds_reproduce_the_optimized_metrics_in_audit() {
    let directory = tempfile::tempdir().unwrap();
    let thresholds = directory.path().join("thresholds.json");
    let data = [
        "--score", "score", "--label", "repaid", "--group", "sex,race",
    ];
    let optimized = stdout_json(
        fulcrum()
            .args(["optimize", SAMPLE])
            .args(data)
            .args([
                "--constraint",
                "demographic_parity",
                "--tolerance",
                "0.02",
                "--format",
                "json",
                "--write-thresholds",
            ])
            .arg(&thresholds)
            .assert(),
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&thresholds).unwrap()).unwrap();
    assert_eq!(written, optimized["thresholds"]);
    assert!(optimized["gap"].as_f64().unwrap() <= 0.02);
    let audited = stdout_json(
        fulcrum()
            .args(["audit", SAMPLE])
            .args(data)
            .arg("--thresholds")
            .arg(&thresholds)
            .args(["--format", "json"])
            .assert(),
    );
    assert_eq!(audited["groups"], optimized["groups"]);
    assert_eq!(audited["overall"], optimized["overall"]);
    assert_eq!(
        audited["summary"]["demographic_parity_difference"],
        optimized["gap"]
    );
}

#[test]
fn a_capacity_caps_the_selected_weight() {
    let (_dir, path) = file("small.csv", SMALL);
    let json = stdout_json(optimize(
        &path,
        &[
            "--constraint",
            "none",
            "--weight",
            "w",
            "--capacity",
            "25%",
            "--format",
            "json",
        ],
    ));
    // Total weight 9: at most 2.25 selected.
    assert!(json["selected"].as_f64().unwrap() <= 2.25, "{json}");
    assert_eq!(json["capacity"], "25%");
    assert_eq!(json["capacity_limit"], 2.25);
}

#[test]
fn the_cost_objective_reports_cost_per_unit_of_weight() {
    let (_dir, path) = file("small.csv", SMALL);
    let json = stdout_json(optimize(
        &path,
        &[
            "--constraint",
            "none",
            "--objective",
            "cost",
            "--fn-cost",
            "5",
            "--format",
            "json",
        ],
    ));
    // Missing a positive costs 5: a selects everybody (one false positive, cost 1); b from 0.7
    // (no error). Cost 1 over 6 rows.
    assert_eq!(json["objective_kind"], "cost");
    assert_eq!(json["fn_cost"], 5.0);
    assert_eq!(json["objective"], 1.0 / 6.0);
    assert_eq!(json["thresholds"]["a"], 0.3);
}

#[test]
fn frontier_csv_has_the_three_curves_and_thresholds_by_group() {
    let (_dir, path) = file("small.csv", SMALL);
    let output = frontier(
        &path,
        &["--constraint", "equal_opportunity", "--points", "3"],
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(output).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "curve,tolerance,objective,accuracy,gap,guarantee,bound,threshold,threshold:a,threshold:b"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let curve = |name: &str| rows.iter().filter(|r| r[0] == name).count();
    assert_eq!(curve("optimal"), 3);
    assert_eq!(curve("randomized"), 3);
    assert!(curve("single_threshold") >= 1);
    // Unconstrained, a's TPR is ½ (from 0.9) and b's 1: the tolerances are 0, ¼, ½.
    let optimal: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "optimal").collect();
    assert_eq!(optimal[0][1], "0");
    assert_eq!(optimal[2][1], "0.5");
    assert_eq!(&optimal[0][8..], ["0.3", "0.7"]);
    assert!(rows.iter().all(|r| r.len() == 10), "{text}");
}

#[test]
fn frontier_json_lists_points_single_threshold_and_randomized_curves() {
    let (_dir, path) = file("small.csv", SMALL);
    let json = stdout_json(frontier(
        &path,
        &[
            "--constraint",
            "demographic_parity",
            "--points",
            "4",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["constraint"], "demographic_parity");
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    for point in points {
        assert!(point["gap"].as_f64().unwrap() <= point["tolerance"].as_f64().unwrap());
        assert!(point["thresholds"]["a"].is_number() || point["thresholds"]["a"].is_string());
        assert_eq!(point["guarantee"]["kind"], "exact");
    }
    assert_eq!(json["randomized"].as_array().unwrap().len(), 4);
    assert!(!json["single_threshold"].as_array().unwrap().is_empty());
    let first = points[0]["objective"].as_f64().unwrap();
    let last = points[3]["objective"].as_f64().unwrap();
    assert!(first <= last);
}

#[test]
fn optimize_refuses_bad_flags_and_infeasible_constraints() {
    let (_dir, path) = file("small.csv", SMALL);
    fails_with(
        optimize(&path, &["--constraint", "parity", "--tolerance", "0.1"]),
        &["invalid value 'parity'", "demographic_parity"],
    );
    fails_with(
        optimize(&path, &["--constraint", "demographic_parity"]),
        &["--constraint demographic_parity needs --tolerance"],
    );
    fails_with(
        optimize(
            &path,
            &["--constraint", "demographic_parity", "--tolerance", "-0.1"],
        ),
        &["outside [0, 1]"],
    );
    fails_with(
        optimize(&path, &["--constraint", "none", "--capacity", "150%"]),
        &["--capacity", "150%"],
    );
    fails_with(
        optimize(&path, &["--constraint", "none", "--fn-cost", "2"]),
        &["--fn-cost need --objective cost"],
    );
    fails_with(
        optimize(&path, &["--constraint", "none", "--no-such-flag"]),
        &["unexpected argument '--no-such-flag'"],
    );
    // c can only be 1 or 0 accurate, d ⅔ or ⅓: no two accuracies within 0.1.
    let (_dir, path) = file(
        "apart.csv",
        "score,y,g\n0.5,1,c\n0.5,1,d\n0.6,0,d\n0.7,1,d\n",
    );
    fails_with(
        optimize(
            &path,
            &["--constraint", "equal_accuracy", "--tolerance", "0.1"],
        ),
        &["no thresholds satisfy the constraints", "accuracy gap"],
    );
}

#[test]
fn frontier_refuses_constraints_without_a_gap() {
    let (_dir, path) = file("small.csv", SMALL);
    fails_with(
        frontier(&path, &["--constraint", "single"]),
        &["--constraint single", "gap constraint"],
    );
    fails_with(
        frontier(
            &path,
            &["--constraint", "demographic_parity", "--points", "1"],
        ),
        &["outside 2 to 10001"],
    );
}

// ── Governance: sessions, reports, the check gate and drift ─────────────────────────────────

/// Runs `fulcrum session new PATH --score score --label y --group g EXTRA… --out OUT`.
fn session_new(path: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .args(["session", "new"])
        .arg(path)
        .args(["--score", "score", "--label", "y", "--group", "g"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Runs `fulcrum check SESSION EXTRA…`.
fn check(session: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum().arg("check").arg(session).args(extra).assert()
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn check_passes_then_fails_when_a_criterion_is_tightened() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    // At 0.5: a's TPR 1/2, b's 1/1 → equal_opportunity_difference 0.5.
    session_new(
        &path,
        &session,
        &[
            "--threshold",
            "0.5",
            "--criterion",
            "equal_opportunity_difference <= 0.5",
            "--criterion",
            "min_group_count >= 3",
        ],
    )
    .success();
    let passing = check(&session, &[]);
    let output = stdout_of(&passing);
    assert_eq!(passing.get_output().status.code(), Some(0), "{output}");
    assert!(
        output.contains("PASS      equal_opportunity_difference <= 0.5  0.5000"),
        "{output}"
    );
    assert!(output.contains("PASS: All 2 criteria pass"), "{output}");

    session_new(
        &path,
        &session,
        &[
            "--threshold",
            "0.5",
            "--criterion",
            "equal_opportunity_difference <= 0.49",
            "--criterion",
            "tpr_disparity within [0.8, 1.25]",
            "--force",
        ],
    )
    .success();
    let failing = check(&session, &[]);
    let output = stdout_of(&failing);
    assert_eq!(failing.get_output().status.code(), Some(1), "{output}");
    // Reference a (largest by weight, first on ties): b's TPR disparity is 1 / 0.5 = 2.
    assert!(
        output.contains("FAIL      tpr_disparity within [0.8, 1.25]"),
        "{output}"
    );
    assert!(output.contains("2.0000 (worst: b); failing: b"), "{output}");
    let json: Value = serde_json::from_slice(
        &check(&session, &["--format", "json"])
            .code(1)
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["outcome"], "fail");
    assert_eq!(json["passed"], false);
    assert_eq!(json["criteria"][0]["value"], 0.5);
    assert_eq!(json["criteria"][1]["failing_groups"][0], "b");
}

#[test]
fn session_new_refuses_bad_criteria_and_existing_files() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    fails_with(
        session_new(
            &path,
            &session,
            &["--criterion", "equal_oportunity_difference <= 0.05"],
        ),
        &[
            "--criterion",
            "unknown name `equal_oportunity_difference` (did you mean `equal_opportunity_difference`?)",
            "^^^^",
            "valid names:",
        ],
    );
    assert!(!session.exists());
    session_new(&path, &session, &[]).success();
    fails_with(session_new(&path, &session, &[]), &["s.json", "--force"]);
    fails_with(
        check(&session, &[]),
        &["no acceptance criteria", "nothing to check"],
    );
}

#[test]
fn check_refuses_broken_sessions_and_changed_or_missing_data() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    session_new(&path, &session, &["--criterion", "accuracy >= 0"]).code(2);
    session_new(
        &path,
        &session,
        &["--criterion", "accuracy_difference <= 1"],
    )
    .success();
    let text = std::fs::read_to_string(&session).unwrap();

    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    fails_with(
        check(&truncated, &[]),
        &[
            "truncated.json",
            "not valid JSON (line",
            "EOF while parsing",
        ],
    );
    let wrong_type = dir.path().join("wrong.json");
    std::fs::write(
        &wrong_type,
        text.replace("\"min_count\": 100.0", "\"min_count\": [100]"),
    )
    .unwrap();
    fails_with(
        check(&wrong_type, &[]),
        &[
            "wrong.json: line",
            "at `min_count`",
            "invalid type: sequence, expected f64",
        ],
    );
    let future = dir.path().join("future.json");
    std::fs::write(
        &future,
        text.replace("\"schema_version\": 2", "\"schema_version\": 4"),
    )
    .unwrap();
    fails_with(
        check(&future, &[]),
        &["future.json", "schema_version 4 is newer"],
    );
    fails_with(
        check(&dir.path().join("none.json"), &[]),
        &["none.json", "cannot read the session file"],
    );

    // The data changes: an error without --data, monitoring with it.
    std::fs::write(&path, SMALL.replace("0.3,1,a", "0.35,1,a")).unwrap();
    fails_with(
        check(&session, &[]),
        &[
            "small.csv",
            "the data changed since the session was made",
            "--data",
        ],
    );
    let monitored = check(&session, &["--data", path.to_str().unwrap()]).success();
    let output = stdout_of(&monitored);
    assert!(
        output.contains("NOT the data recorded in the session: monitoring"),
        "{output}"
    );
    std::fs::remove_file(&path).unwrap();
    fails_with(
        check(&session, &[]),
        &["small.csv", "is missing", "relocate"],
    );
}

#[test]
fn scenarios_sign_offs_and_relocation_update_the_session() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    session_new(
        &path,
        &session,
        &["--threshold", "0.5", "--criterion", "accuracy_drop <= 0.1"],
    )
    .success();
    // Without a baseline the criterion is undefined, which fails the gate.
    let undefined = check(&session, &[]).code(1);
    assert!(
        stdout_of(&undefined).contains("UNDEFINED"),
        "{}",
        stdout_of(&undefined)
    );
    fulcrum()
        .args(["session", "scenario"])
        .arg(&session)
        .args([
            "--name",
            "Production today",
            "--threshold",
            "0.65",
            "--baseline",
        ])
        .assert()
        .success();
    let json: Value =
        serde_json::from_slice(&check(&session, &["--format", "json"]).get_output().stdout)
            .unwrap();
    // Accuracy: 4/6 at 0.65 (a: 0.9+, 0.8-, 0.3+; b: 0.7+, 0.2-, 0.6-) and 3/6 at 0.5.
    assert_eq!(json["criteria"][0]["criterion"], "accuracy_drop <= 0.1");
    let drop = json["criteria"][0]["value"].as_f64().unwrap();
    assert!((drop - 1.0 / 6.0).abs() < 1e-12, "{drop}");
    assert_eq!(json["outcome"], "fail");

    fails_with(
        fulcrum()
            .args(["session", "sign"])
            .arg(&session)
            .args([
                "--name",
                "Ada",
                "--date",
                "2026-02-30",
                "--decision",
                "approved",
            ])
            .assert(),
        &["--date", "invalid date `2026-02-30`"],
    );
    fulcrum()
        .args(["session", "sign"])
        .arg(&session)
        .args([
            "--name",
            "Ada",
            "--role",
            "Model risk",
            "--date",
            "2026-11-23",
            "--decision",
            "rejected",
            "--comment",
            "Too costly.",
        ])
        .assert()
        .success();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_eq!(saved["sign_offs"][0]["decision"], "rejected");
    assert_eq!(saved["scenarios"][0]["baseline"], true);

    let archive = dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    let moved = archive.join("small.csv");
    std::fs::rename(&path, &moved).unwrap();
    fulcrum()
        .args(["session", "relocate"])
        .arg(&session)
        .arg("--data")
        .arg(&moved)
        .assert()
        .success();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_eq!(saved["data"]["path"], "archive/small.csv");
    check(&session, &[]).code(1);
}

#[test]
fn reports_are_byte_identical_and_escape_group_names() {
    let hostile = "<script>alert(1)</script>";
    // An unmapped column with a hostile name: the data profile and the proxies name it.
    let column = "<iframe src=x>";
    let (dir, path) = file(
        "hostile.csv",
        &SMALL
            .replace(",a,", &format!(",{hostile},"))
            .replace(",a\n", &format!(",{hostile}\n"))
            .replace("g,w\n", &format!("g,{column}\n")),
    );
    let session = dir.path().join("s.json");
    session_new(
        &path,
        &session,
        &[
            "--threshold",
            "0.5",
            "--criterion",
            "selection_rate_disparity within [0.8, 1.25]",
            "--title",
            "Loans <b>Q3</b> & more",
            "--rationale",
            "Because <img src=x onerror=alert(2)>.",
        ],
    )
    .success();
    let mut outputs = Vec::new();
    for name in [
        "one.html", "two.html", "one.md", "two.md", "one.json", "two.json",
    ] {
        let out = dir.path().join(name);
        fulcrum()
            .arg("report")
            .arg(&session)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1], "HTML differs between two runs");
    assert_eq!(outputs[2], outputs[3], "Markdown differs between two runs");
    assert_eq!(outputs[4], outputs[5], "JSON differs between two runs");

    let page = String::from_utf8(outputs[0].clone()).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("Loans &lt;b&gt;Q3&lt;/b&gt; &amp; more"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    for forbidden in [
        "<script",
        "<img",
        "<link",
        "<b>",
        "@import",
        "url(",
        "javascript:",
        "<iframe",
    ] {
        assert!(
            !page.contains(forbidden),
            "`{forbidden}` in the HTML report"
        );
    }
    assert!(page.contains("&lt;iframe src=x&gt;"));
    assert!(page.contains(&format!("Fulcrum {}", env!("CARGO_PKG_VERSION"))));
    assert!(page.contains("<svg"), "inline charts");
    assert!(page.contains("@media print"));
    let markdown = String::from_utf8(outputs[2].clone()).unwrap();
    assert!(!markdown.contains("<script"), "{markdown}");
    // A column name is code in Markdown: literal inside its backticks, never markup.
    assert_eq!(
        markdown.matches("<iframe").count(),
        markdown.matches("`<iframe src=x>`").count(),
        "{markdown}"
    );
    assert!(
        markdown.contains("&lt;script&gt;alert\\(1\\)")
            || markdown.contains("&lt;script&gt;alert(1)")
    );
    let json: Value = serde_json::from_slice(&outputs[4]).unwrap();
    assert_eq!(json["decision"]["audit"]["groups"][0]["key"], hostile);
    assert_eq!(json["profile"]["groups"][0]["key"], hostile);
    assert!(
        json["proxies"]["proxies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["column"] == column && p["protected"] == "g"),
        "{}",
        json["proxies"]
    );
    assert_eq!(json["fulcrum_version"], env!("CARGO_PKG_VERSION"));

    fails_with(
        fulcrum()
            .arg("report")
            .arg(&session)
            .arg("--out")
            .arg(dir.path().join("report.pdf"))
            .assert(),
        &["report.pdf", "--format"],
    );
}

#[test]
fn the_schema_0_fixture_checks_and_reports() {
    let (_directory, fixture) = common::fixture_beside_the_old_sample("session_v0.json");
    let fixture = fixture.as_path();
    // The criterion (demographic_parity_ratio >= 0.8 by sex) on the bundled sample.
    let code = check(fixture, &[]).get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("r.html");
    fulcrum()
        .arg("report")
        .arg(fixture)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("migrated from schema 0"), "{page}");
    assert!(page.contains("A. Reviewer"));
}

#[test]
fn a_shifted_dataset_shows_drift_against_the_recorded_one() {
    let directory = tempfile::tempdir().unwrap();
    let recorded = directory.path().join("recorded.csv");
    let shifted = directory.path().join("shifted.csv");
    for (path, seed) in [(&recorded, "1"), (&shifted, "2")] {
        fulcrum()
            .args(["sample", "--rows", "3000", "--seed", seed, "--out"])
            .arg(path)
            .assert()
            .success();
    }
    let session = directory.path().join("s.json");
    fulcrum()
        .args(["session", "new"])
        .arg(&recorded)
        .args([
            "--score",
            "score",
            "--label",
            "repaid",
            "--group",
            "sex",
            "--threshold",
            "0.5",
            "--criterion",
            "demographic_parity_difference <= 1",
            "--out",
        ])
        .arg(&session)
        .assert()
        .success();
    let json = |extra: &[&str]| -> Value {
        let assert = check(&session, &[&["--format", "json"], extra].concat()).success();
        serde_json::from_slice(&assert.get_output().stdout).unwrap()
    };
    let on_recorded = json(&[]);
    assert_eq!(on_recorded["data"]["matches_session"], true);
    assert_eq!(on_recorded["drift"], Value::Null);
    let on_shifted = json(&["--data", shifted.to_str().unwrap()]);
    assert_eq!(on_shifted["data"]["matches_session"], false);
    assert_ne!(
        on_recorded["criteria"][0]["value"],
        on_shifted["criteria"][0]["value"]
    );
    let groups = on_shifted["drift"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    for group in groups {
        let before = group["before"]["selection_rate"].as_f64().unwrap();
        let after = group["after"]["selection_rate"].as_f64().unwrap();
        let delta = group["delta"]["selection_rate"].as_f64().unwrap();
        assert!((after - before - delta).abs() < 1e-12);
        assert_ne!(delta, 0.0, "{group}");
    }
    assert_ne!(
        on_shifted["drift"]["overall"]["delta"]["accuracy"].as_f64(),
        Some(0.0)
    );
    let table = stdout_of(&check(&session, &["--data", shifted.to_str().unwrap()]).success());
    assert!(table.contains("Change since the recorded data"), "{table}");
}

#[test]
fn a_drifted_sample_fails_a_precision_criterion_and_names_the_shift() {
    // `sample --drift` keeps every score and lowers the repayment of young and Black applicants:
    // the thresholds stay, their precision for Black applicants falls.
    let directory = tempfile::tempdir().unwrap();
    let recorded = directory.path().join("recorded.csv");
    let drifted = directory.path().join("drifted.csv");
    for (path, drift) in [(&recorded, "0"), (&drifted, "0.8")] {
        fulcrum()
            .args([
                "sample", "--rows", "20000", "--seed", "4", "--drift", drift, "--out",
            ])
            .arg(path)
            .assert()
            .success();
    }
    let session = directory.path().join("s.json");
    fulcrum()
        .args(["session", "new"])
        .arg(&recorded)
        .args(["--score", "score", "--label", "repaid", "--group", "race"])
        .args([
            "--threshold",
            "0.5",
            "--criterion",
            "precision_difference <= 0.1",
            "--out",
        ])
        .arg(&session)
        .assert()
        .success();
    check(&session, &[]).code(0);
    let assert = check(&session, &["--data", drifted.to_str().unwrap()]).code(1);
    let table = stdout_of(&assert);
    assert!(table.contains("FAIL"), "{table}");
    let black = table
        .lines()
        .skip_while(|l| !l.starts_with("Change since the recorded data"))
        .find(|l| l.starts_with("Black"))
        .unwrap_or_else(|| panic!("{table}"));
    // n before, n after (equal: same applicants), then Δ base, Δ select (0: same scores), …
    let cells: Vec<&str> = black.split_whitespace().collect();
    assert_eq!(cells[1], cells[2], "{black}");
    // The base rate fell by more than the noise of two samples of this size: marked.
    assert!(cells[3].ends_with('*'), "{black}");
    assert!(
        cells[3].trim_end_matches('*').parse::<f64>().unwrap() < -0.1,
        "{black}"
    );
    assert_eq!(cells[4], "0.000", "{black}");
    assert!(
        table.contains("Δ prec."),
        "short headers keep the table narrow: {table}"
    );
}

/// The sample split in two files by row parity (header kept in both).
fn split_sample(directory: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut fit, mut evaluation) = (format!("{header}\n"), format!("{header}\n"));
    for (i, line) in lines.enumerate() {
        let part = if i % 2 == 0 {
            &mut fit
        } else {
            &mut evaluation
        };
        part.push_str(line);
        part.push('\n');
    }
    let (fit_path, evaluation_path) = (directory.join("fit.csv"), directory.join("eval.csv"));
    std::fs::write(&fit_path, fit).unwrap();
    std::fs::write(&evaluation_path, evaluation).unwrap();
    (fit_path, evaluation_path)
}

fn json_of(assert: assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&assert.success().get_output().stdout).unwrap()
}

#[test]
fn evaluation_numbers_equal_an_audit_of_those_rows_with_the_written_thresholds() {
    let directory = tempfile::tempdir().unwrap();
    let (fit, evaluation) = split_sample(directory.path());
    let thresholds = directory.path().join("t.json");
    let optimized = json_of(
        fulcrum()
            .arg("optimize")
            .arg(&fit)
            .args([
                "--score", "score", "--label", "repaid", "--group", "race,sex",
            ])
            .args(["--constraint", "equal_opportunity", "--tolerance", "0.02"])
            .arg("--evaluate-on")
            .arg(&evaluation)
            .arg("--write-thresholds")
            .arg(&thresholds)
            .args(["--format", "json"])
            .assert(),
    );
    let audited = json_of(
        fulcrum()
            .arg("audit")
            .arg(&evaluation)
            .args([
                "--score", "score", "--label", "repaid", "--group", "race,sex",
            ])
            .arg("--thresholds")
            .arg(&thresholds)
            .args(["--format", "json"])
            .assert(),
    );
    let evaluated = &optimized["evaluation"];
    assert_eq!(evaluated["rows"], 15_000);
    assert_eq!(optimized["fit"]["rows"], 15_000);
    assert_eq!(evaluated["summary"], audited["summary"]);
    assert_eq!(evaluated["overall"], audited["overall"]);
    assert_eq!(evaluated["groups"], audited["groups"]);
    assert_eq!(
        evaluated["accuracy"].as_f64(),
        audited["overall"]["accuracy"].as_f64()
    );
    assert_eq!(
        evaluated["gap"].as_f64(),
        audited["summary"]["equal_opportunity_difference"].as_f64()
    );
    // The fit gap meets the tolerance; the evaluation gap is what it is, and differs.
    assert!(optimized["fit"]["gap"].as_f64().unwrap() <= 0.02);
    assert_ne!(optimized["fit"]["gap"], evaluated["gap"]);
}

#[test]
fn holdout_splits_are_seeded_and_stratified() {
    let run = |seed: &str| {
        json_of(
            fulcrum()
                .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
                .args(["--group", "race", "--constraint", "demographic_parity"])
                .args(["--tolerance", "0.05", "--holdout", "0.25", "--seed", seed])
                .args(["--format", "json"])
                .assert(),
        )
    };
    let first = run("1");
    assert_eq!(first, run("1"));
    assert_ne!(first["evaluation"], run("2")["evaluation"]);
    assert_eq!(
        first["fit"]["rows"].as_u64().unwrap() + first["evaluation"]["rows"].as_u64().unwrap(),
        30_000
    );
    // Every group keeps about a quarter of its rows for evaluation.
    let fit_groups = first["groups"].as_array().unwrap();
    for group in first["evaluation"]["groups"].as_array().unwrap() {
        let fit = fit_groups
            .iter()
            .find(|g| g["key"] == group["key"])
            .unwrap();
        let held = group["count"].as_f64().unwrap();
        let share = held / (held + fit["count"].as_f64().unwrap());
        assert!((share - 0.25).abs() < 0.01, "{}: {share}", group["key"]);
    }
    fails_with(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--constraint", "single", "--holdout", "1"])
            .assert(),
        &["--holdout", "strictly between 0 and 1"],
    );
}

#[test]
fn the_fit_object_lists_the_fit_groups_and_the_protocol_is_recorded() {
    let optimized = json_of(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "race", "--constraint", "demographic_parity"])
            .args(["--tolerance", "0.05", "--holdout", "0.3", "--seed", "11"])
            .args(["--format", "json"])
            .assert(),
    );
    assert_eq!(optimized["fit"]["groups"], optimized["groups"]);
    assert_eq!(optimized["evaluation"]["source"], "holdout");
    assert_eq!(optimized["evaluation"]["holdout_fraction"], 0.3);
    assert_eq!(optimized["evaluation"]["split_seed"], 11);
    assert!(optimized["gap_interval"].is_array());
    // Without a split the table warns that the numbers are in-sample.
    let table = String::from_utf8(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "race", "--constraint", "demographic_parity"])
            .args(["--tolerance", "0.05"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(table.contains("measured on the rows the thresholds were chosen on"));
}

#[test]
fn robust_thresholds_keep_the_whole_gap_interval_within_the_tolerance() {
    let run = |extra: &[&str]| {
        json_of(
            fulcrum()
                .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
                .args(["--group", "race", "--constraint", "demographic_parity"])
                .args(["--tolerance", "0.05", "--format", "json"])
                .args(extra)
                .assert(),
        )
    };
    let plain = run(&[]);
    let robust = run(&["--confidence", "0.9"]);
    let interval = robust["robust"]["gap_interval"].as_array().unwrap();
    assert!(interval[1].as_f64().unwrap() <= 0.05, "{interval:?}");
    assert_eq!(robust["gap_interval"], robust["robust"]["gap_interval"]);
    assert_eq!(robust["robust"]["confidence"], 0.9);
    // The point estimate alone would have used the whole tolerance; the robust choice keeps a
    // margin and pays for it in accuracy.
    let plain_upper = plain["gap_interval"][1].as_f64().unwrap();
    assert!(
        plain_upper > 0.05,
        "the plain optimum's interval reaches {plain_upper}"
    );
    assert!(robust["gap"].as_f64().unwrap() < plain["gap"].as_f64().unwrap());
    assert!(robust["accuracy"].as_f64().unwrap() <= plain["accuracy"].as_f64().unwrap());
    assert!(plain["robust"].is_null());
    fails_with(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args([
                "--group",
                "race",
                "--constraint",
                "none",
                "--confidence",
                "0.95",
            ])
            .assert(),
        &["--confidence", "no gap"],
    );
    fails_with(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "race", "--constraint", "equal_accuracy"])
            .args(["--tolerance", "0.0001", "--confidence", "0.99"])
            .assert(),
        &["larger tolerance"],
    );
}

#[test]
fn the_frontier_reports_held_out_and_cross_validated_curves() {
    let frontier = |extra: &[&str]| {
        json_of(
            fulcrum()
                .args(["frontier", SAMPLE, "--score", "score", "--label", "repaid"])
                .args(["--group", "race", "--constraint", "demographic_parity"])
                .args(["--points", "6", "--format", "json"])
                .args(extra)
                .assert(),
        )
    };
    let cross = frontier(&["--folds", "4", "--seed", "5"]);
    assert_eq!(cross, frontier(&["--folds", "4", "--seed", "5"]));
    assert_eq!(cross["cross_validation"]["folds"], 4);
    assert_eq!(cross["cross_validation"]["seed"], 5);
    let points = cross["cross_validated"].as_array().unwrap();
    assert_eq!(points.len(), cross["points"].as_array().unwrap().len());
    for point in points {
        let folds = point["fold_objectives"].as_array().unwrap();
        assert_eq!(folds.len(), 4);
        let mean = folds.iter().map(|f| f.as_f64().unwrap()).sum::<f64>() / 4.0;
        assert!((point["objective"].as_f64().unwrap() - mean).abs() < 1e-12);
        let interval = point["objective_interval"].as_array().unwrap();
        assert!(interval[0].as_f64().unwrap() <= mean && mean <= interval[1].as_f64().unwrap());
    }
    // Held-out rows: every point's thresholds audited on the evaluation rows.
    let held = frontier(&["--holdout", "0.4", "--seed", "3"]);
    let evaluation = &held["evaluation"];
    assert_eq!(evaluation["source"], "holdout");
    let scored = evaluation["points"].as_array().unwrap();
    assert_eq!(scored.len(), held["points"].as_array().unwrap().len());
    // The CSV carries both curves under their names.
    let csv = String::from_utf8(
        fulcrum()
            .args(["frontier", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "race", "--constraint", "demographic_parity"])
            .args(["--points", "6", "--folds", "3"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with("objective_low,objective_high,gap_low,gap_high"));
    let width = header.split(',').count();
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("cross_validated,"))
            .count(),
        6
    );
    assert!(csv.lines().all(|l| l.split(',').count() == width));
    fails_with(
        fulcrum()
            .args(["frontier", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--constraint", "demographic_parity", "--folds", "1"])
            .assert(),
        &["--folds", "outside 2 to 20"],
    );
    fails_with(
        fulcrum()
            .args(["frontier", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--constraint", "demographic_parity", "--folds", "3"])
            .args(["--holdout", "0.5"])
            .assert(),
        &["--folds", "--holdout"],
    );
}

#[test]
fn a_frontier_points_evaluation_equals_an_audit_of_the_evaluation_file() {
    let directory = tempfile::tempdir().unwrap();
    let (fit, evaluation) = split_sample(directory.path());
    let frontier = json_of(
        fulcrum()
            .arg("frontier")
            .arg(&fit)
            .args(["--score", "score", "--label", "repaid", "--group", "race"])
            .args(["--constraint", "equal_opportunity", "--points", "5"])
            .arg("--evaluate-on")
            .arg(&evaluation)
            .args(["--format", "json"])
            .assert(),
    );
    let point = &frontier["points"][2];
    let thresholds = directory.path().join("t.json");
    std::fs::write(&thresholds, point["thresholds"].to_string()).unwrap();
    let audited = json_of(
        fulcrum()
            .arg("audit")
            .arg(&evaluation)
            .args(["--score", "score", "--label", "repaid", "--group", "race"])
            .arg("--thresholds")
            .arg(&thresholds)
            .args(["--format", "json"])
            .assert(),
    );
    let scored = &frontier["evaluation"]["points"][2];
    assert_eq!(scored["tolerance"], point["tolerance"]);
    assert_eq!(
        scored["accuracy"].as_f64(),
        audited["overall"]["accuracy"].as_f64()
    );
    assert_eq!(
        scored["gap"].as_f64(),
        audited["summary"]["equal_opportunity_difference"].as_f64()
    );
}

#[test]
fn a_session_with_a_holdout_judges_its_criteria_on_the_held_out_rows() {
    let directory = tempfile::tempdir().unwrap();
    let thresholds = directory.path().join("t.json");
    let optimized = json_of(
        fulcrum()
            .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
            .args(["--group", "race,sex", "--constraint", "equal_opportunity"])
            .args(["--tolerance", "0.02", "--holdout", "0.5", "--seed", "7"])
            .arg("--write-thresholds")
            .arg(&thresholds)
            .args(["--format", "json"])
            .assert(),
    );
    let session = directory.path().join("s.json");
    fulcrum()
        .args([
            "session", "new", SAMPLE, "--score", "score", "--label", "repaid",
        ])
        .args(["--group", "race,sex", "--thresholds"])
        .arg(&thresholds)
        .args(["--criterion", "equal_opportunity_difference <= 0.03"])
        .args(["--holdout", "0.5", "--seed", "7", "--out"])
        .arg(&session)
        .assert()
        .success();
    let checked = serde_json::from_slice::<Value>(
        &fulcrum()
            .arg("check")
            .arg(&session)
            .args(["--format", "json"])
            .assert()
            .code(1)
            .get_output()
            .stdout,
    )
    .unwrap();
    let protocol = &checked["evaluation"];
    assert_eq!(protocol["judged_on"], "evaluation_rows");
    assert_eq!(protocol["kind"], "holdout");
    assert_eq!(protocol["split_seed"], 7);
    // The same split as optimize's: the same rows and the same numbers on both sides.
    assert_eq!(protocol["fit_rows"], optimized["fit"]["rows"]);
    assert_eq!(protocol["evaluation_rows"], optimized["evaluation"]["rows"]);
    assert_eq!(
        checked["criteria"][0]["value"].as_f64(),
        optimized["evaluation"]["gap"].as_f64()
    );
    assert_eq!(
        checked["fit_criteria"][0]["value"].as_f64(),
        optimized["fit"]["gap"].as_f64()
    );
    // Passes on the fit rows, fails on the held-out rows: the gate follows the held-out rows.
    assert_eq!(checked["fit_criteria"][0]["outcome"], "pass");
    assert_eq!(checked["criteria"][0]["outcome"], "fail");
    let table = String::from_utf8(
        fulcrum()
            .arg("check")
            .arg(&session)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(
        table.contains("Criteria judged on 50% of the rows held out"),
        "{table}"
    );
    assert!(table.contains("fit rows: 0.0200 (pass)"), "{table}");
    // Naming the recorded file with --data is the recorded data: the split still applies.
    let named = serde_json::from_slice::<Value>(
        &fulcrum()
            .arg("check")
            .arg(&session)
            .args(["--data", SAMPLE, "--format", "json"])
            .assert()
            .code(1)
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(named["evaluation"], checked["evaluation"]);
    assert_eq!(named["criteria"], checked["criteria"]);
}

#[test]
fn the_holdout_workflow_keeps_its_group_keys_with_quantile_bins() {
    let directory = tempfile::tempdir().unwrap();
    let thresholds = directory.path().join("t.json");
    fulcrum()
        .args(["optimize", SAMPLE, "--score", "score", "--label", "repaid"])
        .args(["--group", "race,income", "--bin", "income=q3"])
        .args(["--constraint", "demographic_parity", "--tolerance", "0.1"])
        .args(["--holdout", "0.3", "--seed", "4", "--write-thresholds"])
        .arg(&thresholds)
        .assert()
        .success();
    fulcrum()
        .args([
            "session", "new", SAMPLE, "--score", "score", "--label", "repaid",
        ])
        .args([
            "--group",
            "race,income",
            "--bin",
            "income=q3",
            "--thresholds",
        ])
        .arg(&thresholds)
        .args(["--holdout", "0.3", "--seed", "4", "--out"])
        .arg(directory.path().join("s.json"))
        .assert()
        .success();
}

#[test]
fn a_session_judged_on_another_file_fingerprints_it_and_refuses_it_changed() {
    let directory = tempfile::tempdir().unwrap();
    let (fit, evaluation) = split_sample(directory.path());
    let session = directory.path().join("s.json");
    fulcrum()
        .arg("session")
        .arg("new")
        .arg(&fit)
        .args(["--score", "score", "--label", "repaid", "--group", "race"])
        .args(["--criterion", "demographic_parity_difference <= 0.5"])
        .arg("--evaluate-on")
        .arg(&evaluation)
        .arg("--out")
        .arg(&session)
        .assert()
        .success();
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_eq!(stored["evaluation"]["kind"], "file");
    assert_eq!(stored["evaluation"]["data"]["path"], "eval.csv");
    let audited = json_of(
        fulcrum()
            .arg("audit")
            .arg(&evaluation)
            .args(["--score", "score", "--label", "repaid", "--group", "race"])
            .args(["--format", "json"])
            .assert(),
    );
    let checked = json_of(
        fulcrum()
            .arg("check")
            .arg(&session)
            .args(["--format", "json"])
            .assert(),
    );
    assert_eq!(checked["evaluation"]["kind"], "file");
    assert_eq!(
        checked["criteria"][0]["value"].as_f64(),
        audited["summary"]["demographic_parity_difference"].as_f64()
    );
    // A session without a split says its criteria are judged on the fit rows.
    let plain = directory.path().join("plain.json");
    fulcrum()
        .arg("session")
        .arg("new")
        .arg(&fit)
        .args(["--score", "score", "--label", "repaid", "--group", "race"])
        .args([
            "--criterion",
            "demographic_parity_difference <= 0.5",
            "--out",
        ])
        .arg(&plain)
        .assert()
        .success();
    let checked = json_of(
        fulcrum()
            .arg("check")
            .arg(&plain)
            .args(["--format", "json"])
            .assert(),
    );
    assert_eq!(checked["evaluation"]["judged_on"], "fit_rows");
    // The evaluation file changed: refused, naming it.
    std::fs::write(&evaluation, "score,repaid,race\n0.5,1,White\n").unwrap();
    fails_with(fulcrum().arg("check").arg(&session).assert(), &["eval.csv"]);
}

/// Runs `fulcrum audit` on the bundled sample grouped by sex × race.
fn sample_audit(extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .args([
            "audit", SAMPLE, "--score", "score", "--label", "repaid", "--group", "sex,race",
        ])
        .args(extra)
        .assert()
}

/// Its text output (a successful run's stdout).
fn sample_audit_table(extra: &[&str]) -> String {
    String::from_utf8(sample_audit(extra).success().get_output().stdout.clone()).unwrap()
}

/// Runs `fulcrum audit` on the bundled sample grouped by sex × race, as JSON.
fn sample_audit_json(extra: &[&str]) -> Value {
    stdout_json(sample_audit(&[&["--format", "json"], extra].concat()).success())
}

/// Width of `summary_intervals[key]`.
fn interval_width(audit: &Value, key: &str) -> f64 {
    let interval = &audit["summary_intervals"][key];
    interval[1].as_f64().unwrap() - interval[0].as_f64().unwrap()
}

#[test]
fn audit_json_carries_an_interval_for_every_summary_number() {
    let audit = sample_audit_json(&["--resamples", "200"]);
    let summary = audit["summary"].as_object().unwrap();
    let intervals = audit["summary_intervals"].as_object().unwrap();
    for (key, value) in summary {
        // A verdict, and the calibration gap (ECE is a property of the scores, which the
        // bootstrap of the groups' counts does not resample): no interval.
        if key == "four_fifths_pass" || key == "calibration_difference" {
            assert!(intervals.get(key).is_none(), "{key}");
            continue;
        }
        let point = value.as_f64().unwrap();
        let interval = intervals[key].as_array().unwrap();
        let (low, high) = (interval[0].as_f64().unwrap(), interval[1].as_f64().unwrap());
        assert!(
            low <= high && low < point + 1e-9,
            "{key}: {point} in [{low}, {high}]"
        );
        assert!(
            high - low < 0.5,
            "{key}: [{low}, {high}] is too wide to say anything"
        );
    }
    assert_eq!(intervals.len(), 8);
    let settings = &audit["settings"];
    assert_eq!(settings["confidence"], 0.95);
    assert_eq!(settings["resamples"], 200);
    assert_eq!(settings["interval_method"], "bootstrap_counts_percentile");
    // Per group: disparity intervals and p-values against the reference group.
    let group = &audit["groups"][0];
    assert!(group["disparity_intervals"].is_object(), "{group}");
    assert!(group["p_values"].is_object(), "{group}");
}

#[test]
fn intervals_are_reproducible_and_follow_their_settings() {
    let base = sample_audit_json(&["--resamples", "300"]);
    let again = sample_audit_json(&["--resamples", "300"]);
    assert_eq!(
        base["summary_intervals"], again["summary_intervals"],
        "same seed, same intervals"
    );
    let reseeded = sample_audit_json(&["--resamples", "300", "--interval-seed", "9"]);
    assert_ne!(base["summary_intervals"], reseeded["summary_intervals"]);
    assert_eq!(reseeded["settings"]["seed"], 9);
    let key = "demographic_parity_difference";
    let ninety = sample_audit_json(&["--resamples", "300", "--confidence", "0.9"]);
    assert!(interval_width(&ninety, key) < interval_width(&base, key));
    // Bonferroni-adjusted disparity intervals are wider than the per-group ones.
    let group_width = |audit: &Value| -> f64 {
        let groups = audit["groups"].as_array().unwrap();
        groups
            .iter()
            .filter_map(|g| {
                let interval = g["disparity_intervals"]["selection_rate"].as_array()?;
                Some(interval[1].as_f64()? - interval[0].as_f64()?)
            })
            .sum()
    };
    let simultaneous = sample_audit_json(&["--resamples", "300", "--simultaneous"]);
    assert!(group_width(&simultaneous) > group_width(&base));
    assert_eq!(simultaneous["settings"]["simultaneous"], true);
}

#[test]
fn the_table_shows_intervals_beside_the_summary() {
    let table = sample_audit_table(&["--resamples", "200"]);
    assert!(table.contains("95% intervals"), "{table}");
    assert!(table.contains(" ["), "{table}");
}

#[test]
fn bad_interval_settings_are_refused() {
    for (flag, value) in [
        ("--confidence", "1.5"),
        ("--confidence", "abc"),
        ("--resamples", "3"),
        ("--resamples", "many"),
    ] {
        fails_with(sample_audit(&[flag, value]), &[flag]);
    }
}

#[test]
fn a_criterion_at_95_percent_is_judged_on_its_interval() {
    // On the sample by sex × race the demographic-parity difference is 0.0977 with a 95% interval
    // of about [0.083, 0.134]: `<= 0.12` holds at the point, not over the interval.
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    let absolute = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    fulcrum()
        .args(["session", "new"])
        .arg(&absolute)
        .args([
            "--score", "score", "--label", "repaid", "--group", "sex,race",
        ])
        .args(["--criterion", "demographic_parity_difference <= 0.12"])
        .args([
            "--criterion",
            "demographic_parity_difference <= 0.12 at 95%",
        ])
        .arg("--out")
        .arg(&session)
        .assert()
        .success();
    let assert = check(&session, &[]);
    let output = stdout_of(&assert);
    assert_eq!(assert.get_output().status.code(), Some(1), "{output}");
    assert!(
        output.contains("PASS      demographic_parity_difference <= 0.12         0.0977"),
        "{output}"
    );
    assert!(
        output.contains("FAIL      demographic_parity_difference <= 0.12 at 95%  0.0977 ["),
        "{output}"
    );
    let json: Value = serde_json::from_slice(
        &check(&session, &["--format", "json"])
            .code(1)
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["criteria"][0]["interval"], Value::Null);
    let interval = json["criteria"][1]["interval"].as_array().unwrap();
    assert!(interval[1].as_f64().unwrap() > 0.12, "{interval:?}");
    assert!(interval[0].as_f64().unwrap() < 0.0977, "{interval:?}");
}

#[test]
fn the_audit_table_has_no_trailing_spaces() {
    let table = sample_audit_table(&["--resamples", "50"]);
    for line in table.lines() {
        assert_eq!(line, line.trim_end(), "trailing spaces in `{line}`");
    }
}

// ── The machine contract: schema versions, JUnit, reports on standard output ────────────────

/// The first key of a JSON document as printed (the order a reader sees).
fn first_key(text: &str) -> String {
    let start = text.find('"').unwrap() + 1;
    let end = start + text[start..].find('"').unwrap();
    text[start..end].to_owned()
}

#[test]
fn every_json_document_starts_with_its_schema_version() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    session_new(
        &path,
        &session,
        &["--threshold", "0.5", "--criterion", "min_group_count >= 3"],
    )
    .success();
    let documents = [
        stdout_of(&audit(&path, &["--format", "json"]).success()),
        stdout_of(
            &optimize(
                &path,
                &[
                    "--constraint",
                    "demographic_parity",
                    "--tolerance",
                    "0.5",
                    "--format",
                    "json",
                ],
            )
            .success(),
        ),
        stdout_of(
            &frontier(
                &path,
                &["--constraint", "demographic_parity", "--format", "json"],
            )
            .success(),
        ),
        stdout_of(&check(&session, &["--format", "json"]).success()),
        stdout_of(
            &fulcrum()
                .arg("report")
                .arg(&session)
                .args(["--out", "-", "--format", "json"])
                .assert()
                .success(),
        ),
    ];
    for text in documents {
        assert_eq!(first_key(&text), "schema_version", "{text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema_version"], 1, "{text}");
    }
}

#[test]
fn check_writes_junit_with_one_case_per_criterion() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    // At 0.5 a's TPR is 1/2 and b's 1/1: the difference 0.5 passes ≤ 0.5 and fails ≤ 0.1.
    session_new(
        &path,
        &session,
        &[
            "--threshold",
            "0.5",
            "--title",
            "Q3 <loans> & \"co\"",
            "--criterion",
            "equal_opportunity_difference <= 0.5",
            "--criterion",
            "equal_opportunity_difference <= 0.1",
        ],
    )
    .success();
    let assert = check(&session, &["--format", "junit"]);
    assert_eq!(
        assert.get_output().status.code(),
        Some(1),
        "a criterion fails"
    );
    let xml = stdout_of(&assert);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"<testsuite name="Q3 &lt;loans&gt; &amp; &quot;co&quot;" tests="3" failures="1""#
        ),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(
        xml.contains(
            r#"<failure type="fail" message="equal_opportunity_difference &lt;= 0.1: measured 0.5"#
        ),
        "{xml}"
    );
    assert!(xml.contains("every recorded group is present"), "{xml}");
    assert!(
        !xml.contains("<loans>"),
        "data text never reaches XML unescaped"
    );
}

#[test]
fn report_writes_to_standard_output_with_a_named_format() {
    let (dir, path) = file("small.csv", SMALL);
    let session = dir.path().join("s.json");
    session_new(&path, &session, &["--threshold", "0.5"]).success();
    let markdown = stdout_of(
        &fulcrum()
            .arg("report")
            .arg(&session)
            .args(["--out", "-", "--format", "md"])
            .assert()
            .success(),
    );
    assert!(markdown.contains("Fulcrum decision report"), "{markdown}");
    assert!(!dir.path().join("-").exists(), "no file named -");
    fails_with(
        fulcrum()
            .arg("report")
            .arg(&session)
            .args(["--out", "-"])
            .assert(),
        &["--out -", "--format"],
    );
}

#[test]
fn every_command_lists_its_exit_codes_in_help() {
    for command in [
        "audit",
        "sample",
        "aggregate",
        "optimize",
        "frontier",
        "session",
        "report",
        "check",
    ] {
        let help = stdout_of(&fulcrum().args([command, "--help"]).assert().success());
        assert!(help.contains("Exit codes: 0 "), "{command}: {help}");
        assert!(help.contains("2 bad input"), "{command}: {help}");
    }
    for subcommand in ["new", "scenario", "sign", "relocate"] {
        let help = stdout_of(
            &fulcrum()
                .args(["session", subcommand, "--help"])
                .assert()
                .success(),
        );
        assert!(
            help.contains("Exit codes: 0 "),
            "session {subcommand}: {help}"
        );
        assert!(help.contains("2 bad input"), "session {subcommand}: {help}");
    }
    let check_help = stdout_of(&fulcrum().args(["check", "--help"]).assert().success());
    assert!(check_help.contains("1 a criterion fails"), "{check_help}");
}

#[test]
fn the_long_csv_has_a_row_per_group_and_metric_matching_the_json() {
    // A level named "Overall" and one that a spreadsheet would run as a formula.
    let (_dir, path) = file(
        "overall.csv",
        "score,y,g\n0.9,1,Overall\n0.8,0,Overall\n0.3,1,Overall\n0.7,1,=cmd\n0.2,0,=cmd\n0.6,0,=cmd\n",
    );
    let json = stdout_json(audit(&path, &["--threshold", "0.5", "--format", "json"]));
    let text = stdout_of(
        &audit(
            &path,
            &["--threshold", "0.5", "--format", "csv", "--layout", "long"],
        )
        .success(),
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scope,attribute_name,attribute_value,threshold,count,weight,metric,value,low,high,disparity"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let metrics = json["groups"][0]["intervals"].as_object().unwrap().len();
    assert!(metrics >= 10);
    let per_scope = |scope: &str| rows.iter().filter(|r| r[0] == scope).count();
    assert_eq!(per_scope("overall") * 2, per_scope("group"), "two groups");
    for row in &rows {
        let (scope, value, metric) = (row[0], row[2], row[6]);
        let expected = if scope == "overall" {
            assert_eq!(value, "", "the population has no attribute value");
            &json["overall"][metric]
        } else {
            let group = json["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| {
                    let key = g["key"].as_str().unwrap();
                    // As CSV writes it: quoted when it holds a quote, `'`-prefixed when a
                    // spreadsheet would read it as a formula.
                    let quoted = format!("\"{}\"", key.replace('"', "\"\""));
                    value == key || value == format!("'{key}") || value == quoted
                })
                .unwrap_or_else(|| panic!("no group for {value}"));
            assert_eq!(
                row[10].parse::<f64>().ok(),
                group["disparities"][metric].as_f64()
            );
            &group[metric]
        };
        assert_eq!(row[7].parse::<f64>().ok(), expected.as_f64(), "{row:?}");
    }
    assert!(
        rows.iter()
            .any(|r| r[0] == "group" && r[2] == r#""""Overall""""#),
        "a level named Overall is a group (its label quoted, as everywhere), told apart by scope"
    );
    assert!(
        !rows.iter().any(|r| r[2] == "=cmd"),
        "a formula-like level is escaped"
    );
}

/// A session on a copy of the sample beside it (so every path in the outputs is `lending.csv`),
/// fitted and judged on a seeded holdout, with a scenario and a sign-off.
fn snapshot_session(directory: &Path) -> PathBuf {
    let data = directory.join("lending.csv");
    std::fs::copy(SAMPLE, &data).unwrap();
    let thresholds = directory.join("t.json");
    fulcrum()
        .current_dir(directory)
        .args([
            "optimize",
            "lending.csv",
            "--score",
            "score",
            "--label",
            "repaid",
        ])
        .args(["--group", "race", "--constraint", "equal_opportunity"])
        .args(["--tolerance", "0.02", "--holdout", "0.5", "--seed", "7"])
        .args(["--write-thresholds", "t.json"])
        .assert()
        .success();
    assert!(thresholds.exists());
    fulcrum()
        .current_dir(directory)
        .args([
            "session",
            "new",
            "lending.csv",
            "--score",
            "score",
            "--label",
            "repaid",
        ])
        .args(["--group", "race", "--thresholds", "t.json"])
        .args(["--title", "Loans | Q4 <review>"])
        .args(["--criterion", "equal_opportunity_difference <= 0.03"])
        .args(["--criterion", "demographic_parity_ratio >= 0.8 at 95%"])
        .args([
            "--rationale",
            "Chosen on half the rows;\nchecked on the other half.",
        ])
        .args(["--holdout", "0.5", "--seed", "7", "--out", "s.json"])
        .assert()
        .success();
    fulcrum()
        .current_dir(directory)
        .args(["session", "scenario", "s.json", "--name", "One threshold"])
        .args(["--threshold", "0.5", "--baseline"])
        .assert()
        .success();
    fulcrum()
        .current_dir(directory)
        .args([
            "session",
            "sign",
            "s.json",
            "--name",
            "Ada *L*",
            "--role",
            "Model risk",
        ])
        .args([
            "--date",
            "2026-12-05",
            "--decision",
            "approved_with_conditions",
        ])
        .args(["--comment", "Re-check after Q1 | monitor `Other`"])
        .assert()
        .success();
    directory.join("s.json")
}

fn stdout_text(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_wording_of_reports_check_and_the_audit_table_is_reviewed_as_snapshots() {
    let directory = tempfile::tempdir().unwrap();
    let session = snapshot_session(directory.path());
    let markdown = stdout_text(
        fulcrum()
            .current_dir(directory.path())
            .args(["report", "s.json", "--out", "-", "--format", "md"])
            .assert()
            .success(),
    );
    insta::assert_snapshot!("session_report_markdown", markdown);
    let check = stdout_text(fulcrum().arg("check").arg(&session).assert());
    insta::assert_snapshot!("check_table", check);
    let table = sample_audit_table(&[]);
    insta::assert_snapshot!("audit_table_sex_race", table);
}

/// The report's data profile and proxies (issue 14) are `fulcrum profile`'s and `fulcrum
/// proxies`' numbers on the same file and grouping, every row of the file although the session
/// holds half of them out, and the Markdown shows them ranked as the JSON does.
#[test]
fn the_reports_profile_and_proxies_are_the_discovery_commands_numbers() {
    let directory = tempfile::tempdir().unwrap();
    snapshot_session(directory.path());
    let in_directory =
        |args: &[&str]| stdout_json(fulcrum().current_dir(directory.path()).args(args).assert());
    let report = in_directory(&["report", "s.json", "--out", "-", "--format", "json"]);
    let profile = in_directory(&[
        "profile",
        "lending.csv",
        "--score",
        "score",
        "--label",
        "repaid",
        "--group",
        "race",
        "--format",
        "json",
    ]);
    assert_eq!(report["profile"]["groups"], profile["groups"]);
    assert_eq!(report["profile"]["overall"], profile["overall"]);
    let groups = report["profile"]["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["Asian", "Black", "Hispanic", "Other", "White"]);
    // Every row of the file, not the held-out half the criteria are judged on.
    assert_eq!(report["profile"]["overall"]["count"], 30_000);
    assert_eq!(report["evaluation"]["judged_on"], "evaluation_rows");

    let proxies = in_directory(&[
        "proxies",
        "lending.csv",
        "--protected",
        "race",
        "--score",
        "score",
        "--format",
        "json",
    ]);
    let rows = report["proxies"]["proxies"].as_array().unwrap();
    assert_eq!(&report["proxies"]["proxies"], &proxies["proxies"]);
    // Every other column, the score and the label included, strongest first.
    let columns: Vec<&str> = rows.iter().map(|r| r["column"].as_str().unwrap()).collect();
    assert_eq!(columns.len(), 8);
    assert!(columns.contains(&"score") && columns.contains(&"repaid"));
    let strengths: Vec<f64> = rows
        .iter()
        .map(|r| r["strength"].as_f64().unwrap())
        .collect();
    assert!(strengths.windows(2).all(|w| w[0] >= w[1]), "{strengths:?}");
    assert_eq!(
        rows.iter().find(|r| r["column"] == "score").unwrap()["role"],
        "score"
    );
    for key in ["permutations", "seed", "confidence", "numeric_bins"] {
        assert_eq!(
            report["proxies"]["settings"][key], proxies["settings"][key],
            "{key}"
        );
    }

    // The Markdown: the sections, each group's base rate, and the proxies in the JSON's order
    // with the JSON's strengths.
    let markdown = stdout_text(
        fulcrum()
            .current_dir(directory.path())
            .args(["report", "s.json", "--out", "-", "--format", "md"])
            .assert()
            .success(),
    );
    assert!(markdown.contains(". Data profile by group\n"), "{markdown}");
    assert!(markdown.contains(". Proxies for the grouping attributes\n"));
    for group in groups {
        let line = format!(
            "| {} | {} | {:.3} | {:.3} |",
            group["key"].as_str().unwrap(),
            fulcrum::report::format::count(group["count"].as_f64().unwrap()),
            group["share"].as_f64().unwrap(),
            group["base_rate"].as_f64().unwrap()
        );
        assert!(markdown.contains(&line), "{line}");
    }
    let mut from = markdown
        .find(". Proxies for the grouping attributes")
        .unwrap();
    for row in rows {
        let cell = format!("| `{}`", row["column"].as_str().unwrap());
        let strength = format!("| {:.3} [", row["strength"].as_f64().unwrap()).replace('[', "\\[");
        let at = from + markdown[from..].find(&cell).expect(&cell);
        let line_end = at + markdown[at..].find('\n').unwrap();
        assert!(
            markdown[at..line_end].contains(&strength),
            "{}",
            &markdown[at..line_end]
        );
        from = line_end;
    }
}

// --------------------------------------------------------------------------------------------
// Several models (issue 15).

/// `fulcrum COMMAND sample_data/lending.csv --label repaid --group race EXTRA…` as JSON.
fn sample_json(command: &str, extra: &[&str]) -> Value {
    stdout_json(
        fulcrum()
            .args([command, SAMPLE, "--label", "repaid", "--group", "race"])
            .args(extra)
            .assert(),
    )
}

#[test]
fn each_models_audit_equals_the_audit_of_its_column_alone() {
    let thresholds = ["--threshold", "0.6"];
    let both = sample_json(
        "audit",
        &[
            &[
                "--model",
                "production=score",
                "--model",
                "candidate=score_v2",
            ][..],
            &thresholds,
            &["--format", "json"],
        ]
        .concat(),
    );
    let models = both["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    for (model, (name, column)) in models
        .iter()
        .zip([("production", "score"), ("candidate", "score_v2")])
    {
        assert_eq!(model["name"], name);
        assert_eq!(model["score"], column);
        let alone = sample_json(
            "audit",
            &[&["--score", column][..], &thresholds, &["--format", "json"]].concat(),
        );
        assert!(
            alone.get("models").is_none(),
            "one model: the schema as before"
        );
        for key in [
            "groups",
            "overall",
            "summary",
            "summary_intervals",
            "by_metric",
            "adverse_impact",
        ] {
            assert_eq!(model[key], alone[key], "{name}: {key}");
        }
    }
    // The top level is the first model's audit, as `audit --score score` prints it.
    let mut first = both.clone();
    first.as_object_mut().unwrap().remove("models");
    let alone = sample_json(
        "audit",
        &[
            &["--score", "score"][..],
            &thresholds,
            &["--format", "json"],
        ]
        .concat(),
    );
    assert_eq!(first, alone);
    // The two models differ, or the comparison shows nothing: the candidate selects more Black
    // applicants at 0.6, with a higher false positive rate.
    let black = |model: &Value| model["groups"][1].clone();
    assert_eq!(black(&models[0])["key"], "Black");
    assert!(black(&models[1])["fpr"].as_f64() > black(&models[0])["fpr"].as_f64());
}

#[test]
fn the_comparison_puts_models_side_by_side_with_their_differences() {
    let output = fulcrum()
        .args(["audit", SAMPLE, "--label", "repaid", "--group", "race"])
        .args([
            "--score",
            "score,score_v2",
            "--threshold",
            "0.6",
            "--compare",
        ])
        .assert()
        .success();
    let table = stdout_of(&output);
    assert!(
        table.starts_with("Models compared: score, score_v2. Δ: the model's value minus score's."),
        "{table}"
    );
    // Black applicants at 0.6: FPR 0.425 (score) and 0.546 (score_v2), as each audit alone says.
    assert!(table.contains("Δ score_v2"), "{table}");
    let black_difference = table
        .lines()
        .skip_while(|l| !l.starts_with("Black"))
        .nth(2)
        .unwrap();
    assert!(black_difference.contains("+0.122"), "{black_difference}");
    let json = sample_json(
        "audit",
        &[
            "--score",
            "score,score_v2",
            "--threshold",
            "0.6",
            "--compare",
            "--format",
            "json",
        ],
    );
    let comparison = &json["comparison"];
    assert_eq!(comparison["reference_model"], "score");
    let fpr = &comparison["groups"][1]["metrics"]["fpr"];
    let (first, second) = (
        fpr["values"]["score"].as_f64().unwrap(),
        fpr["values"]["score_v2"].as_f64().unwrap(),
    );
    assert_eq!(
        fpr["differences"]["score_v2"].as_f64(),
        Some(second - first)
    );
    assert_eq!(Some(first), json["models"][0]["groups"][1]["fpr"].as_f64());
    // Without --compare: one block per model; CSV: a model column.
    let blocks = stdout_of(
        &fulcrum()
            .args(["audit", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(["--model", "prod=score", "--model", "new=score_v2"])
            .assert()
            .success(),
    );
    assert!(blocks.starts_with("Model prod (score):\n"), "{blocks}");
    assert!(blocks.contains("\nModel new (score_v2):\n"), "{blocks}");
    let csv = stdout_of(
        &fulcrum()
            .args(["audit", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(["--score", "score,score_v2", "--format", "csv"])
            .assert()
            .success(),
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("model,"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 2 * 6, "5 groups and Overall per model");
    assert!(lines[1].starts_with("score,") && lines[12].starts_with("score_v2,"));
}

#[test]
fn the_envelope_is_the_best_models_exact_optimum_at_every_tolerance() {
    let json = sample_json(
        "frontier",
        &[
            "--score",
            "score,score_v2",
            "--constraint",
            "equal_opportunity",
            "--points",
            "6",
            "--format",
            "json",
        ],
    );
    let tolerances: Vec<f64> = json["tolerances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    let models = json["models"].as_array().unwrap();
    let envelope = json["envelope"].as_array().unwrap();
    assert_eq!(envelope.len(), tolerances.len());
    let mut winners = std::collections::BTreeSet::new();
    for (point, &tolerance) in envelope.iter().zip(&tolerances) {
        assert_eq!(point["tolerance"].as_f64(), Some(tolerance));
        // Each model's exact optimum at this tolerance, from `optimize` on its column alone.
        let optima: Vec<f64> = models
            .iter()
            .map(|model| {
                let alone = sample_json(
                    "optimize",
                    &[
                        "--score",
                        model["score"].as_str().unwrap(),
                        "--constraint",
                        "equal_opportunity",
                        "--tolerance",
                        &tolerance.to_string(),
                        "--format",
                        "json",
                    ],
                );
                let on_frontier = model["points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["tolerance"].as_f64() == Some(tolerance))
                    .unwrap();
                assert_eq!(on_frontier["objective"], alone["objective"]);
                assert_eq!(on_frontier["thresholds"], alone["thresholds"]);
                alone["objective"].as_f64().unwrap()
            })
            .collect();
        let best = optima.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!(point["objective"].as_f64(), Some(best), "at {tolerance}");
        let winner = optima.iter().position(|o| *o == best).unwrap();
        assert_eq!(point["model"], models[winner]["name"]);
        assert_eq!(
            point["thresholds"],
            models[winner]["points"][point_index(&models[winner], tolerance)]["thresholds"]
        );
        winners.insert(winner);
    }
    // On the sample the production model is best at a TPR gap of 0, the candidate above it.
    assert_eq!(winners.len(), 2, "{envelope:?}");
    let csv = stdout_of(
        &fulcrum()
            .args(["frontier", SAMPLE, "--label", "repaid", "--group", "race"])
            .args([
                "--score",
                "score,score_v2",
                "--constraint",
                "equal_opportunity",
            ])
            .args(["--points", "6"])
            .assert()
            .success(),
    );
    assert!(csv.starts_with("model,curve,tolerance,objective,"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(",envelope,")).count(), 6);
}

/// The position of `model`'s frontier point at `tolerance`.
fn point_index(model: &Value, tolerance: f64) -> usize {
    model["points"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["tolerance"].as_f64() == Some(tolerance))
        .unwrap()
}

#[test]
fn choose_model_picks_the_model_with_the_best_optimum_under_the_constraint() {
    let flags = ["--constraint", "equal_opportunity", "--tolerance", "0.02"];
    let chosen = sample_json(
        "optimize",
        &[
            &["--score", "score,score_v2", "--choose-model"][..],
            &flags,
            &["--format", "json"],
        ]
        .concat(),
    );
    let alone: Vec<Value> = ["score", "score_v2"]
        .iter()
        .map(|column| {
            sample_json(
                "optimize",
                &[&["--score", column][..], &flags, &["--format", "json"]].concat(),
            )
        })
        .collect();
    // On the sample the candidate is more accurate under the same constraint.
    assert!(alone[1]["objective"].as_f64() > alone[0]["objective"].as_f64());
    assert_eq!(chosen["model"], "score_v2");
    for (candidate, alone) in chosen["models"].as_array().unwrap().iter().zip(&alone) {
        assert_eq!(candidate["objective"], alone["objective"]);
        assert_eq!(candidate["thresholds"], alone["thresholds"]);
    }
    assert_eq!(chosen["models"][1]["chosen"], true);
    // The rest of the document is the chosen model's optimization, as it prints alone.
    for key in ["thresholds", "objective", "gap", "groups", "summary"] {
        assert_eq!(chosen[key], alone[1][key], "{key}");
    }
    assert_eq!(chosen["settings"]["score"], "score_v2");
    // Its thresholds file is the candidate's.
    let directory = tempfile::tempdir().unwrap();
    let written = directory.path().join("t.json");
    let output = fulcrum()
        .args(["optimize", SAMPLE, "--label", "repaid", "--group", "race"])
        .args(["--score", "score,score_v2", "--choose-model"])
        .args(flags)
        .arg("--write-thresholds")
        .arg(&written)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        stderr.contains("the thresholds of model score_v2"),
        "{stderr}"
    );
    let thresholds: Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(thresholds, alone[1]["thresholds"]);
}

/// A frontier across models with `--holdout`: each model's frontier is fitted on the fit rows
/// and its points judged on that model's scores of the held-out rows — the numbers `frontier
/// --score COLUMN --holdout` prints for that model alone; each envelope point carries its
/// model's evaluation at that tolerance.
#[test]
fn a_frontier_across_models_is_judged_on_held_out_rows() {
    let flags = [
        "--constraint",
        "equal_opportunity",
        "--points",
        "6",
        "--holdout",
        "0.3",
        "--seed",
        "5",
        "--format",
        "json",
    ];
    let both = sample_json(
        "frontier",
        &[&["--score", "score,score_v2"][..], &flags].concat(),
    );
    let models = both["models"].as_array().unwrap();
    let alone: Vec<Value> = ["score", "score_v2"]
        .iter()
        .map(|column| sample_json("frontier", &[&["--score", column][..], &flags].concat()))
        .collect();
    for (model, alone) in models.iter().zip(&alone) {
        // Alone, the tolerances are each model's own; across models they are a shared grid, so
        // compare each point where the grids meet through the thresholds: the same thresholds
        // give the same held-out numbers.
        let points = model["points"].as_array().unwrap();
        let evaluated = model["evaluation"]["points"].as_array().unwrap();
        assert_eq!(points.len(), evaluated.len());
        assert_eq!(model["evaluation"]["source"], "holdout");
        assert_eq!(model["evaluation"]["rows"], alone["evaluation"]["rows"]);
        let alone_points = alone["points"].as_array().unwrap();
        let alone_evaluated = alone["evaluation"]["points"].as_array().unwrap();
        let mut matched = 0;
        for (point, evaluation) in points.iter().zip(evaluated) {
            if let Some(i) = alone_points
                .iter()
                .position(|p| p["thresholds"] == point["thresholds"])
            {
                matched += 1;
                for key in ["objective", "gap", "gap_interval"] {
                    assert_eq!(evaluation[key], alone_evaluated[i][key], "{key}");
                }
            }
        }
        assert!(matched >= 2, "{matched} points matched");
    }
    // The CSV is one table: every row as wide as the header.
    let csv = fulcrum()
        .args(["frontier", SAMPLE, "--label", "repaid", "--group", "race"])
        .args(["--score", "score,score_v2"])
        .args(&flags[..8])
        .args(["--format", "csv"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&csv.get_output().stdout).into_owned();
    let widths: std::collections::BTreeSet<usize> =
        text.lines().map(|line| line.split(',').count()).collect();
    assert_eq!(widths.len(), 1, "rows of several widths: {widths:?}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("score_v2,envelope,"))
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("score,evaluation,"))
    );
    // Each envelope point's evaluation is its model's at that tolerance.
    for point in both["envelope"].as_array().unwrap() {
        let model = models.iter().find(|m| m["name"] == point["model"]).unwrap();
        let at = model["points"]
            .as_array()
            .unwrap()
            .iter()
            .position(|p| p["tolerance"] == point["tolerance"])
            .unwrap();
        let evaluation = &model["evaluation"]["points"][at];
        for key in ["objective", "gap", "gap_interval"] {
            assert_eq!(point["evaluation"][key], evaluation[key], "{key}");
        }
    }
}

/// `--choose-model --confidence`: each model's robust thresholds compete — each model's entry is
/// what `optimize --score COLUMN --confidence` finds for it alone, and the document's `robust`
/// is the chosen model's.
#[test]
fn choose_model_with_confidence_compares_the_models_robust_thresholds() {
    let flags = [
        "--constraint",
        "equal_opportunity",
        "--tolerance",
        "0.05",
        "--confidence",
        "0.9",
        "--resamples",
        "200",
        "--format",
        "json",
    ];
    let chosen = sample_json(
        "optimize",
        &[&["--score", "score,score_v2", "--choose-model"][..], &flags].concat(),
    );
    let alone: Vec<Value> = ["score", "score_v2"]
        .iter()
        .map(|column| sample_json("optimize", &[&["--score", column][..], &flags].concat()))
        .collect();
    let models = chosen["models"].as_array().unwrap();
    for (candidate, alone) in models.iter().zip(&alone) {
        assert_eq!(candidate["objective"], alone["objective"]);
        assert_eq!(candidate["thresholds"], alone["thresholds"]);
    }
    let fit = |i: usize| models[i]["objective"].as_f64().unwrap();
    let best = usize::from(fit(1) > fit(0));
    assert_eq!(models[best]["chosen"], true);
    assert_eq!(chosen["robust"], alone[best]["robust"]);
    assert!(chosen["robust"]["fitted_tolerance"].as_f64().unwrap() <= 0.05);
}

/// A frontier across models with `--folds`: every model is cross-validated at the shared
/// tolerances on the same folds (a row's fold follows its group, label and id, not a model's
/// scores), so at tolerance 0, which every grid has, each model's out-of-fold numbers are those
/// of `frontier --score COLUMN --folds` alone, fold by fold.
#[test]
fn a_frontier_across_models_is_cross_validated_on_the_same_folds() {
    let flags = [
        "--constraint",
        "equal_opportunity",
        "--points",
        "5",
        "--folds",
        "3",
        "--seed",
        "9",
        "--format",
        "json",
    ];
    let both = sample_json(
        "frontier",
        &[&["--score", "score,score_v2"][..], &flags].concat(),
    );
    for (model, column) in both["models"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["score", "score_v2"])
    {
        let alone = sample_json("frontier", &[&["--score", column][..], &flags].concat());
        assert_eq!(model["cross_validation"], alone["cross_validation"]);
        let points = model["cross_validated"].as_array().unwrap();
        assert_eq!(points.len(), 5);
        assert_eq!(points[0]["tolerance"], 0.0);
        assert_eq!(alone["cross_validated"][0]["tolerance"], 0.0);
        for key in [
            "objective",
            "objective_interval",
            "gap",
            "gap_interval",
            "fold_objectives",
            "fold_gaps",
        ] {
            assert_eq!(
                points[0][key], alone["cross_validated"][0][key],
                "{column} {key}"
            );
        }
    }
}

/// `--choose-model --holdout`: every model is optimized on the fit rows, chosen there, and each
/// model's optimum is judged on the held-out rows — the same numbers as optimizing that model
/// alone with the same split; the document's evaluation is the chosen model's.
#[test]
fn choose_model_with_a_holdout_judges_every_model_on_the_held_out_rows() {
    let flags = [
        "--constraint",
        "demographic_parity",
        "--tolerance",
        "0.02",
        "--holdout",
        "0.3",
        "--seed",
        "7",
        "--format",
        "json",
    ];
    let chosen = sample_json(
        "optimize",
        &[&["--score", "score,score_v2", "--choose-model"][..], &flags].concat(),
    );
    let alone: Vec<Value> = ["score", "score_v2"]
        .iter()
        .map(|column| sample_json("optimize", &[&["--score", column][..], &flags].concat()))
        .collect();
    let models = chosen["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    for (candidate, alone) in models.iter().zip(&alone) {
        // Fitted on the same fit rows, so the same thresholds …
        assert_eq!(candidate["thresholds"], alone["thresholds"]);
        assert_eq!(candidate["objective"], alone["fit"]["objective"]);
        // … and judged on the same held-out rows.
        for key in ["objective", "gap", "gap_interval"] {
            assert_eq!(
                candidate["evaluation"][key], alone["evaluation"][key],
                "{} {key}",
                candidate["name"]
            );
        }
    }
    // Chosen on the fit rows: the better fit objective.
    let fit = |i: usize| models[i]["objective"].as_f64().unwrap();
    let best = usize::from(fit(1) > fit(0));
    assert_eq!(models[best]["chosen"], true);
    assert_eq!(chosen["model"], models[best]["name"]);
    let pick = &alone[best];
    for key in ["objective", "gap", "rows", "groups", "summary"] {
        assert_eq!(chosen["evaluation"][key], pick["evaluation"][key], "{key}");
    }
    assert_eq!(chosen["evaluation"]["source"], "holdout");
    // The table says both sides, and that the choice was made on the fit rows.
    let table = fulcrum()
        .args(["optimize", SAMPLE, "--label", "repaid", "--group", "race"])
        .args(["--score", "score,score_v2", "--choose-model"])
        .args(&flags[..8])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).into_owned();
    assert!(text.contains("eval objective"), "{text}");
    assert!(
        text.contains("the model is chosen on the fit rows"),
        "{text}"
    );
}

#[test]
fn bad_model_mappings_are_refused_with_what_is_wrong() {
    let run = |extra: &[&str]| {
        fulcrum()
            .args(["audit", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(extra)
            .assert()
    };
    fails_with(
        run(&["--score", "score,"]),
        &["--score `score,`", "empty column name"],
    );
    fails_with(
        run(&["--model", "score"]),
        &["--model `score`", "NAME=COLUMN"],
    );
    fails_with(
        run(&["--model", "a=score", "--model", "a=score_v2"]),
        &["two models are named `a`"],
    );
    fails_with(
        run(&["--score", "score,score"]),
        &["both score with column `score`"],
    );
    fails_with(
        run(&["--score", "score,repaid"]),
        &["model `repaid` scores with column `repaid`, which is the label column"],
    );
    fails_with(
        run(&["--score", "score,score_v3"]),
        &["no column `score_v3`", "did you mean `score_v2`?"],
    );
    fails_with(
        run(&["--score", "score", "--model", "a=score_v2"]),
        &["cannot be used with"],
    );
    fails_with(
        run(&["--score", "score", "--compare"]),
        &["--compare puts several models"],
    );
    fails_with(
        fulcrum()
            .args(["optimize", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(["--score", "score,score_v2", "--constraint", "none"])
            .assert(),
        &["2 models are mapped (score, score_v2)", "--choose-model"],
    );
    fails_with(
        fulcrum()
            .args(["profile", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(["--score", "score,score_v2"])
            .assert(),
        &[
            "fulcrum profile reads one model's scores",
            "2 are mapped (score, score_v2)",
        ],
    );
    // A row whose second score is missing is invalid for every model: refused, or dropped
    // from every model's rows.
    let (_dir, path) = file(
        "two.csv",
        "s1,s2,y,g\n0.9,0.8,1,a\n0.2,,0,a\n0.7,0.4,1,b\n0.4,0.3,0,b\n",
    );
    fails_with(
        fulcrum()
            .arg("audit")
            .arg(&path)
            .args(["--score", "s1,s2", "--label", "y", "--group", "g"])
            .assert(),
        &["1 row", "score", "`s2`", "row 2"],
    );
    let dropped = stdout_json(
        fulcrum()
            .arg("audit")
            .arg(&path)
            .args(["--score", "s1,s2", "--label", "y", "--group", "g"])
            .args(["--drop-invalid", "--format", "json"])
            .assert(),
    );
    for model in dropped["models"].as_array().unwrap() {
        assert_eq!(model["overall"]["count"], 3, "{}", model["name"]);
    }
}

#[test]
fn a_session_records_each_scenarios_model_and_the_report_compares_the_models() {
    let directory = tempfile::tempdir().unwrap();
    let session = directory.path().join("s.json");
    let data = ["--label", "repaid", "--group", "race"];
    let models = [
        "--model",
        "production=score",
        "--model",
        "candidate=score_v2",
    ];
    fulcrum()
        .args(["session", "new", SAMPLE])
        .args(data)
        .args(models)
        .args(["--use-model", "candidate", "--threshold", "0.6"])
        .args(["--criterion", "fpr_disparity within [0.8, 1.25]"])
        .arg("--out")
        .arg(&session)
        .assert()
        .success();
    fulcrum()
        .args(["session", "scenario"])
        .arg(&session)
        .args(["--name", "Production today", "--use-model", "production"])
        .args(["--threshold", "0.6", "--baseline"])
        .assert()
        .success();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 3);
    assert_eq!(saved["model"], "candidate");
    assert_eq!(saved["scenarios"][0]["model"], "production");
    assert_eq!(saved["roles"]["models"][1]["score"], "score_v2");
    // Each entry is judged on its own model's scores: the audit of that column alone.
    let report = stdout_json(
        fulcrum()
            .arg("report")
            .arg(&session)
            .args(["--out", "-", "--format", "json"])
            .assert(),
    );
    assert_eq!(report["session_schema_version"], 3);
    for (entry, column) in [
        (&report["decision"], "score_v2"),
        (&report["scenarios"][0], "score"),
    ] {
        let mut alone = sample_json(
            "audit",
            &["--score", column, "--threshold", "0.6", "--format", "json"],
        );
        // A session report's audits carry no calibration (README: the audit JSON schema).
        for group in alone["groups"].as_array_mut().unwrap() {
            group.as_object_mut().unwrap().remove("ece");
        }
        assert!(entry["audit"]["groups"] == alone["groups"], "{column}");
        assert_eq!(entry["audit"]["settings"]["score"], column);
    }
    assert_eq!(report["decision"]["model"], "candidate");
    // At 0.6 the candidate's FPR for Black applicants is 1.13 times White's (within the band);
    // the production model's passes too: both are judged on the criterion.
    let markdown = stdout_of(
        &fulcrum()
            .arg("report")
            .arg(&session)
            .args(["--out", "-", "--format", "md"])
            .assert()
            .success(),
    );
    assert!(markdown.contains("Models compared"), "{markdown}");
    assert!(
        markdown
            .contains("the decision applies its thresholds to **candidate** (column `score_v2`)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| **candidate** (decision) | `score_v2` | Decision |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| production | `score` | Production today |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("from a session of schema 3;"),
        "{markdown}"
    );
    let check = stdout_of(&fulcrum().arg("check").arg(&session).assert());
    assert!(
        check
            .contains("Model: candidate (column `score_v2`), one of 2 models the session compares"),
        "{check}"
    );
    fails_with(
        fulcrum()
            .args(["session", "scenario"])
            .arg(&session)
            .args(["--name", "X", "--use-model", "legacy", "--threshold", "0.5"])
            .assert(),
        &["--use-model legacy", "the models are production, candidate"],
    );
    fails_with(
        fulcrum()
            .args(["session", "new", SAMPLE])
            .args(data)
            .args(models)
            .args(["--use-model", "nope", "--out"])
            .arg(directory.path().join("t.json"))
            .assert(),
        &["--use-model nope", "the models are production, candidate"],
    );
}

/// The sample split as a candidate's scores usually arrive: the data without `score_v2`, and
/// `applicant_id, score_v2` in another file, in another order.
fn sample_with_scores_apart(directory: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(SAMPLE).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let id = header.iter().position(|c| *c == "applicant_id").unwrap();
    let v2 = header.iter().position(|c| *c == "score_v2").unwrap();
    let keep = |fields: &[&str]| -> String {
        fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != v2)
            .map(|(_, f)| *f)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut data = keep(&header) + "\n";
    let mut scores: Vec<String> = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        data.push_str(&keep(&fields));
        data.push('\n');
        scores.push(format!("{},{}", fields[id], fields[v2]));
    }
    scores.reverse();
    let data_path = directory.join("applicants.csv");
    let scores_path = directory.join("candidate_scores.csv");
    std::fs::write(&data_path, data).unwrap();
    std::fs::write(
        &scores_path,
        format!("applicant_id,score_v2\n{}\n", scores.join("\n")),
    )
    .unwrap();
    (data_path, scores_path)
}

#[test]
fn scores_from_another_file_join_on_an_id_and_audit_as_if_in_the_data() {
    let directory = tempfile::tempdir().unwrap();
    let (data, scores) = sample_with_scores_apart(directory.path());
    let models = [
        "--model",
        "production=score",
        "--model",
        "candidate=score_v2",
    ];
    let common = ["--threshold", "0.6", "--format", "json"];
    let together = sample_json("audit", &[&models[..], &common].concat());
    let joined = stdout_json(
        fulcrum()
            .arg("audit")
            .arg(&data)
            .args(["--label", "repaid", "--group", "race"])
            .args(models)
            .arg("--scores-file")
            .arg(&scores)
            .args(["--join", "applicant_id"])
            .args(common)
            .assert()
            .success(),
    );
    for (mine, theirs) in joined["models"]
        .as_array()
        .unwrap()
        .iter()
        .zip(together["models"].as_array().unwrap())
    {
        for key in [
            "name",
            "score",
            "groups",
            "overall",
            "summary",
            "summary_intervals",
        ] {
            assert_eq!(mine[key], theirs[key], "{key}");
        }
    }
    // The frontier across models runs on the joined rows too.
    let frontier = stdout_json(
        fulcrum()
            .arg("frontier")
            .arg(&data)
            .args(["--label", "repaid", "--group", "race"])
            .args(models)
            .arg("--scores-file")
            .arg(&scores)
            .args([
                "--join",
                "applicant_id",
                "--points",
                "5",
                "--constraint",
                "equal_opportunity",
                "--format",
                "json",
            ])
            .assert()
            .success(),
    );
    assert_eq!(frontier["envelope"].as_array().unwrap().len(), 5);

    // Ids that do not line up stop the load, naming the file, the column, the row and the id.
    let text = std::fs::read_to_string(&scores).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let audit_with = |scores: &Path| {
        let mut command = fulcrum();
        command
            .arg("audit")
            .arg(&data)
            .args(["--label", "repaid", "--group", "race"])
            .args(models)
            .arg("--scores-file")
            .arg(scores)
            .args(["--join", "applicant_id"]);
        command.assert()
    };
    let broken = directory.path().join("broken.csv");
    // The last line holds applicant 1's scores (the file is reversed): without it, row 1 of
    // the data has no scores.
    lines.pop();
    std::fs::write(&broken, lines.join("\n")).unwrap();
    fails_with(
        audit_with(&broken),
        &[
            "applicants.csv: column `applicant_id` (join id): row 1 has id \"1\"",
            "broken.csv does not have",
        ],
    );
    lines.push(lines[1]);
    std::fs::write(&broken, lines.join("\n")).unwrap();
    fails_with(
        audit_with(&broken),
        &[
            "broken.csv: column `applicant_id` (join id): id",
            "is on rows 1 and 30000",
        ],
    );
    // A session records one file; it says how to record one with joined scores.
    fails_with(
        fulcrum()
            .args(["session", "new"])
            .arg(&data)
            .args(["--label", "repaid", "--group", "race"])
            .args(models)
            .arg("--scores-file")
            .arg(&scores)
            .args(["--join", "applicant_id", "--out"])
            .arg(directory.path().join("s.json"))
            .assert(),
        &["a session records one data file"],
    );
    // Missing flags pair up.
    let output = fulcrum()
        .arg("audit")
        .arg(&data)
        .args([
            "--label",
            "repaid",
            "--score",
            "score",
            "--join",
            "applicant_id",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("--scores-file"), "{stderr}");
}

/// Real outputs of every JSON-printing command, in their variants, read back into the types
/// the committed JSON Schemas are generated from (unknown fields refused); with
/// `FULCRUM_PYTHON`, also validated against `schemas/*.schema.json` by Python's `jsonschema`.
#[test]
fn every_json_document_matches_its_schema() {
    use fulcrum::report::schema::{
        AuditDocument, CheckDocument, FrontierDocument, OptimizeDocument, ReportDocument,
    };
    let directory = tempfile::tempdir().unwrap();
    let thresholds = directory.path().join("thresholds.json");
    std::fs::write(&thresholds, r#"{"Female × Black": "inf", "default": 0.6}"#).unwrap();
    let thresholds = thresholds.to_str().unwrap();
    let two_models = [
        "--model",
        "production=score",
        "--model",
        "candidate=score_v2",
    ];
    let group = ["--label", "repaid", "--group", "sex,race"];
    let eo = ["--constraint", "equal_opportunity", "--tolerance", "0.05"];
    let run = |args: &[&str]| -> Value {
        let output = fulcrum().args(args).output().unwrap();
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let mut documents: Vec<(&str, Value)> = Vec::new();
    let json = ["--format", "json", "--resamples", "50"];
    for extra in [
        &["--score", "score", "--threshold", "0.6"][..],
        &["--score", "score", "--thresholds", thresholds],
        &[&two_models[..], &["--compare", "--threshold", "0.6"]].concat(),
        // Nobody selected: the four-fifths result is undefined (null).
        &["--score", "score", "--threshold", "2"],
    ] {
        documents.push((
            "audit",
            run(&[&["audit", SAMPLE][..], &group, extra, &json].concat()),
        ));
    }
    let json = ["--format", "json", "--resamples", "50"];
    for extra in [
        &["--score", "score"][..],
        &["--score", "score", "--holdout", "0.3"],
        &["--score", "score", "--confidence", "0.9"],
        &["--score", "score", "--capacity", "40%"],
        &[&two_models[..], &["--choose-model"]].concat(),
        &[&two_models[..], &["--choose-model", "--holdout", "0.3"]].concat(),
        &[&two_models[..], &["--choose-model", "--confidence", "0.9"]].concat(),
    ] {
        documents.push((
            "optimize",
            run(&[&["optimize", SAMPLE][..], &group, &eo, extra, &json].concat()),
        ));
    }
    let json = ["--format", "json", "--points", "4"];
    let eo_only = ["--constraint", "equal_opportunity"];
    for extra in [
        &["--score", "score"][..],
        &["--score", "score", "--folds", "3"],
        &["--score", "score", "--holdout", "0.3"],
        &two_models,
        &[&two_models[..], &["--holdout", "0.3"]].concat(),
        &[&two_models[..], &["--folds", "3"]].concat(),
        &[
            "--score",
            "score",
            "--objective",
            "cost",
            "--fp-cost",
            "1",
            "--fn-cost",
            "2",
        ],
    ] {
        documents.push((
            "frontier",
            run(&[&["frontier", SAMPLE][..], &group, &eo_only, extra, &json].concat()),
        ));
    }
    let session = directory.path().join("session.json");
    let session_text = session.to_str().unwrap();
    fulcrum()
        .args(["session", "new", SAMPLE])
        .args(group)
        .args(two_models)
        .args([
            "--use-model",
            "candidate",
            "--threshold",
            "0.6",
            "--holdout",
            "0.3",
        ])
        .args(["--criterion", "demographic_parity_difference <= 0.2 at 95%"])
        .args(["--criterion", "min_group_count >= 50"])
        .args(["--out", session_text])
        .assert()
        .success();
    fulcrum()
        .args([
            "session",
            "describe",
            session_text,
            "--context",
            "employment",
        ])
        .assert()
        .success();
    documents.push(("check", run(&["check", session_text, "--format", "json"])));
    documents.push((
        "check",
        run(&["check", session_text, "--data", SAMPLE, "--format", "json"]),
    ));
    documents.push((
        "report",
        run(&["report", session_text, "--out", "-", "--format", "json"]),
    ));
    // A session without a split, with a scenario, a sign-off and an LL144 record: the
    // documents' other variants.
    let plain = directory.path().join("plain.json");
    let plain_text = plain.to_str().unwrap();
    fulcrum()
        .args(["session", "new", SAMPLE])
        .args(group)
        .args([
            "--score",
            "score",
            "--threshold",
            "0.6",
            "--out",
            plain_text,
        ])
        .args(["--criterion", "equal_opportunity_difference <= 0.1"])
        .args(["--context", "employment", "--sex", "sex", "--race", "race"])
        .args(["--audit-date", "2026-12-01"])
        .assert()
        .success();
    fulcrum()
        .args([
            "session",
            "scenario",
            plain_text,
            "--name",
            "lenient",
            "--threshold",
            "0.5",
        ])
        .args(["--baseline", "--note", "what we had"])
        .assert()
        .success();
    fulcrum()
        .args([
            "session",
            "sign",
            plain_text,
            "--name",
            "A. Auditor",
            "--role",
            "risk",
        ])
        .args(["--date", "2026-12-02", "--decision", "approved"])
        .assert()
        .success();
    documents.push(("check", run(&["check", plain_text, "--format", "json"])));
    documents.push((
        "report",
        run(&["report", plain_text, "--out", "-", "--format", "json"]),
    ));
    for (name, document) in &documents {
        let text = document.to_string();
        let read = match *name {
            "audit" => serde_json::from_str::<AuditDocument>(&text).map(|_| ()),
            "optimize" => serde_json::from_str::<OptimizeDocument>(&text).map(|_| ()),
            "frontier" => serde_json::from_str::<FrontierDocument>(&text).map(|_| ()),
            "report" => serde_json::from_str::<ReportDocument>(&text).map(|_| ()),
            _ => serde_json::from_str::<CheckDocument>(&text).map(|_| ()),
        };
        if let Err(error) = read {
            panic!("{name}: {error}");
        }
    }
    // The checks above must have seen the variants' own fields.
    let has = |name: &str, key: &str| {
        documents
            .iter()
            .any(|(n, d)| *n == name && !d[key].is_null())
    };
    for (name, key) in [
        ("audit", "comparison"),
        ("optimize", "evaluation"),
        ("optimize", "robust"),
        ("optimize", "models"),
        ("frontier", "cross_validated"),
        ("frontier", "evaluation"),
        ("frontier", "envelope"),
        ("check", "drift"),
        ("check", "fit_criteria"),
        ("check", "models"),
        ("report", "fit"),
        ("report", "frontier"),
        ("report", "bias_audit"),
        ("report", "profile"),
    ] {
        assert!(has(name, key), "no {name} document with `{key}`");
    }
    let Ok(python) = std::env::var("FULCRUM_PYTHON") else {
        eprintln!("skipped validating with Python's jsonschema: FULCRUM_PYTHON is not set");
        return;
    };
    let listing = directory.path().join("documents.json");
    std::fs::write(
        &listing,
        serde_json::to_string(
            &documents
                .iter()
                .map(|(name, document)| serde_json::json!([name, document]))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
    )
    .unwrap();
    let script = r#"
import json, sys, jsonschema
documents = json.load(open(sys.argv[1]))
for name, document in documents:
    schema = json.load(open(f"schemas/{name}.schema.json"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
print(len(documents))
"#;
    let output = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&listing)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        documents.len().to_string()
    );
}

#[test]
fn each_model_may_have_its_own_thresholds_file() {
    let directory = tempfile::tempdir().unwrap();
    let candidate = directory.path().join("candidate.json");
    std::fs::write(&candidate, r#"{"Black": 0.5, "default": 0.55}"#).unwrap();
    let candidate = candidate.to_str().unwrap();
    let models = [
        "--model",
        "production=score",
        "--model",
        "candidate=score_v2",
    ];
    let own = format!("candidate={candidate}");
    let both = sample_json(
        "audit",
        &[
            &models[..],
            &["--threshold", "0.6", "--model-thresholds", &own],
            &["--format", "json"],
        ]
        .concat(),
    );
    let alone = |score: &str, thresholds: &[&str]| {
        sample_json(
            "audit",
            &[&["--score", score][..], thresholds, &["--format", "json"]].concat(),
        )
    };
    let production = alone("score", &["--threshold", "0.6"]);
    let candidate_alone = alone("score_v2", &["--thresholds", candidate]);
    for (model, expected) in both["models"]
        .as_array()
        .unwrap()
        .iter()
        .zip([&production, &candidate_alone])
    {
        for key in ["groups", "overall", "summary"] {
            assert_eq!(model[key], expected[key], "{}: {key}", model["name"]);
        }
    }
    let black = |document: &Value| {
        document["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == "Black")
            .unwrap()["threshold"]
            .clone()
    };
    assert_eq!(black(&both["models"][1]), 0.5);
    assert_eq!(black(&both["models"][0]), 0.6);
    fails_with(
        fulcrum()
            .args(["audit", SAMPLE, "--label", "repaid", "--group", "race"])
            .args(models)
            .args(["--model-thresholds", &format!("challenger={candidate}")])
            .assert(),
        &["no model is named `challenger`", "production, candidate"],
    );
}

#[test]
fn a_session_records_population_shares_and_the_report_judges_representation() {
    let directory = tempfile::tempdir().unwrap();
    let population = directory.path().join("population.json");
    std::fs::write(&population, r#"{"sex": {"Female": 0.55, "Male": 0.45}}"#).unwrap();
    let population = population.to_str().unwrap();
    let group = ["--score", "score", "--label", "repaid", "--group", "sex"];
    let profile = stdout_json(
        fulcrum()
            .args(["profile", SAMPLE])
            .args(group)
            .args(["--population", population, "--format", "json"])
            .assert(),
    );
    let session = directory.path().join("session.json");
    let session_text = session.to_str().unwrap();
    fulcrum()
        .args(["session", "new", SAMPLE])
        .args(group)
        .args(["--threshold", "0.6", "--population", population])
        .args(["--out", session_text])
        .assert()
        .success();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 3, "population is a schema-3 field");
    assert_eq!(saved["population"]["sex"]["Female"], 0.55);
    let report = stdout_json(
        fulcrum()
            .args(["report", session_text, "--out", "-", "--format", "json"])
            .assert(),
    );
    let groups = |document: &Value| -> Vec<(Value, Value, Value)> {
        document["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"].clone(),
                    g["expected_share"].clone(),
                    g["representation_ratio"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(groups(&report["profile"]), groups(&profile));
    assert_eq!(groups(&profile)[0].1, 0.55, "{profile}");
    let markdown = fulcrum()
        .args(["report", session_text, "--out", "-", "--format", "md"])
        .assert()
        .success();
    let markdown = String::from_utf8_lossy(&markdown.get_output().stdout).into_owned();
    assert!(
        markdown.contains("| Expected share | Representation ratio |"),
        "{markdown}"
    );
    // Recorded later with `session describe`, and checked as `profile` checks it.
    let plain = directory.path().join("plain.json");
    let plain_text = plain.to_str().unwrap();
    fulcrum()
        .args(["session", "new", SAMPLE])
        .args(group)
        .args(["--threshold", "0.6", "--out", plain_text])
        .assert()
        .success();
    let bad = directory.path().join("bad.json");
    std::fs::write(&bad, r#"{"sex": {"Female": 1.5}}"#).unwrap();
    fails_with(
        fulcrum()
            .args(["session", "describe", plain_text, "--population"])
            .arg(&bad)
            .assert(),
        &["bad.json"],
    );
    fulcrum()
        .args([
            "session",
            "describe",
            plain_text,
            "--population",
            population,
        ])
        .assert()
        .success();
    let described: Value = serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    assert_eq!(described["population"], saved["population"]);
}

/// Found in review: the report's profile and proxies re-read the weight column and refused a
/// session made with `--drop-invalid` whose dropped row had no weight; and several models'
/// CSV cut a quoted header cell holding a line break in two.
#[test]
fn dropped_rows_weigh_nothing_in_the_reports_discovery_and_csv_records_stay_whole() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("weighted.csv");
    let mut text = String::from("s,s2,y,g,w\n");
    for i in 0..200 {
        let weight = if i == 5 {
            String::new()
        } else {
            format!("{}", 1 + i % 3)
        };
        text.push_str(&format!(
            "{},{},{},{},{weight}\n",
            f64::from(i % 10) / 10.0,
            f64::from((i * 7) % 10) / 10.0,
            i % 3 == 0,
            ["a", "b"][(i % 2) as usize]
        ));
    }
    std::fs::write(&data, text).unwrap();
    let session = directory.path().join("session.json");
    fulcrum()
        .args(["session", "new"])
        .arg(&data)
        .args([
            "--score", "s", "--label", "y", "--group", "g", "--weight", "w",
        ])
        .args(["--drop-invalid", "--threshold", "0.5", "--out"])
        .arg(&session)
        .assert()
        .success();
    let report = stdout_json(
        fulcrum()
            .arg("report")
            .arg(&session)
            .args(["--out", "-", "--format", "json"])
            .assert(),
    );
    assert!(
        report["profile"]["error"].is_null(),
        "{}",
        report["profile"]
    );
    assert!(
        report["proxies"]["error"].is_null(),
        "{}",
        report["proxies"]
    );
    assert_eq!(report["profile"]["overall"]["dropped"], 1);

    let newline = directory.path().join("newline.csv");
    std::fs::write(
        &newline,
        "s1,s2,y,\"g\nx\"\n0.2,0.3,1,a\n0.7,0.6,0,b\n0.9,0.1,1,a\n0.4,0.8,0,b\n",
    )
    .unwrap();
    let output = fulcrum()
        .arg("audit")
        .arg(&newline)
        .args(["--score", "s1,s2", "--label", "y", "--group", "g\nx"])
        .args(["--threshold", "0.5", "--format", "csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    let fields = |record: &str| {
        let mut quoted = false;
        1 + record
            .chars()
            .filter(|c| {
                if *c == '"' {
                    quoted = !quoted;
                }
                *c == ',' && !quoted
            })
            .count()
    };
    let records = fulcrum::report::markup::csv_records(&csv);
    assert_eq!(
        records.len(),
        1 + 3 * 2,
        "header, two groups and Overall per model: {csv}"
    );
    let width = fields(records[0]);
    assert!(records.iter().all(|r| fields(r) == width), "{csv}");
    assert!(records[0].starts_with("model,key,\"g\nx\","), "{csv}");
}
