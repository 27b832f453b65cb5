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

/// Twelve applicants, counted by hand in the tests below. `Unknown` marks an unknown race; the
/// last row has no sex. `hired` is exactly `score ≥ 60`.
const APPLICANTS: &str = "\
sex,race,score,hired
F,Black,90,1
F,Black,40,0
F,Black,30,0
F,White,80,1
F,White,70,1
F,White,20,0
M,Black,85,1
M,Black,60,1
M,White,95,1
M,White,50,0
M,Unknown,75,1
,White,65,1
";

fn bias_audit(path: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fulcrum()
        .arg("bias-audit")
        .arg(path)
        .args([
            "--sex",
            "sex",
            "--race",
            "race",
            "--audit-date",
            "2026-12-01",
        ])
        .args(extra)
        .assert()
}

/// One row of an LL144 table: category, applicants, count, rate, impact ratio, excluded.
type Row<S> = (S, i64, i64, f64, Option<f64>, bool);

/// The rows of one table.
fn rows(json: &Value, table: &str, count_key: &str) -> Vec<Row<String>> {
    json["tables"][table]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["category"].as_str().unwrap().to_owned(),
                r["applicants"].as_i64().unwrap(),
                r[count_key].as_i64().unwrap(),
                r["rate"].as_f64().unwrap(),
                r["impact_ratio"].as_f64(),
                r["excluded"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-12, "{actual} ≠ {expected}");
}

fn same_rows(actual: Vec<Row<String>>, expected: &[Row<&str>]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert_eq!((a.0.as_str(), a.1, a.2, a.5), (e.0, e.1, e.2, e.5), "{a:?}");
        close(a.3, e.3);
        match (a.4, e.4) {
            (Some(x), Some(y)) => close(x, y),
            (x, y) => assert_eq!(x, y, "{a:?}"),
        }
    }
}

#[test]
fn a_selection_tool_audit_matches_a_hand_count() {
    let (_dir, path) = file("applicants.csv", APPLICANTS);
    let json = stdout_json(bias_audit(
        &path,
        &[
            "--selected",
            "hired",
            "--unknown",
            "Unknown",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["kind"], "selection");
    assert_eq!(json["median_score"], Value::Null);
    assert_eq!(json["applicants"], 12);
    // Left out of at least one table: M × Unknown (race) and the row without a sex.
    assert_eq!(json["unknown_count"], 2);
    assert_eq!(json["unknown_counts"]["sex"], 1);
    assert_eq!(json["unknown_counts"]["race"], 1);
    assert_eq!(json["unknown_counts"]["intersection"], 2);
    // Sex: F 6 applicants, 3 hired (0.5); M 5 (the unknown race counts here), 4 hired (0.8).
    same_rows(
        rows(&json, "sex", "selected"),
        &[
            ("F", 6, 3, 0.5, Some(0.5 / 0.8), false),
            ("M", 5, 4, 0.8, Some(1.0), false),
        ],
    );
    assert_eq!(json["highest"]["sex"], "M");
    // Race: Black 5 (3 hired, 0.6); White 6 (the row without a sex counts here), 4 hired.
    same_rows(
        rows(&json, "race", "selected"),
        &[
            ("Black", 5, 3, 0.6, Some(0.6 / (4.0 / 6.0)), false),
            ("White", 6, 4, 4.0 / 6.0, Some(1.0), false),
        ],
    );
    // Intersections: both known only.
    same_rows(
        rows(&json, "intersection", "selected"),
        &[
            ("F × Black", 3, 1, 1.0 / 3.0, Some(1.0 / 3.0), false),
            ("F × White", 3, 2, 2.0 / 3.0, Some(2.0 / 3.0), false),
            ("M × Black", 2, 2, 1.0, Some(1.0), false),
            ("M × White", 2, 1, 0.5, Some(0.5), false),
        ],
    );
    let first = &json["tables"]["intersection"][0];
    assert_eq!(
        (first["sex"].clone(), first["race"].clone()),
        ("F".into(), "Black".into())
    );
    assert_eq!(json["exclusions"], serde_json::json!([]));
    let settings = &json["settings"];
    assert_eq!(settings["audit_date"], "2026-12-01");
    assert_eq!(settings["selected"], "hired");
    assert_eq!(settings["selected_value"], "1");
    assert_eq!(settings["unknown"], serde_json::json!(["Unknown"]));
    assert_eq!(settings["exclude_under"], Value::Null);
    assert_eq!(settings["sha256"].as_str().unwrap().len(), 64);

    // The same decisions as a threshold on the score (hired is score ≥ 60): the same tables.
    let by_threshold = stdout_json(bias_audit(
        &path,
        &[
            "--score",
            "score",
            "--threshold",
            "60",
            "--unknown",
            "Unknown",
            "--format",
            "json",
        ],
    ));
    assert_eq!(by_threshold["tables"], json["tables"]);
    assert_eq!(by_threshold["settings"]["rule"], "ge");
    // Without --unknown, `Unknown` is a race category of its own.
    let json = stdout_json(bias_audit(
        &path,
        &["--selected", "hired", "--format", "json"],
    ));
    assert_eq!(json["unknown_counts"]["race"], 0);
    assert_eq!(json["tables"]["race"][1]["category"], "Unknown");
}

#[test]
fn a_scoring_tool_audit_uses_the_median_of_the_full_sample() {
    let (_dir, path) = file("applicants.csv", APPLICANTS);
    let json = stdout_json(bias_audit(
        &path,
        &[
            "--score",
            "score",
            "--scoring",
            "--unknown",
            "Unknown",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["kind"], "scoring");
    // All twelve scores, unknowns included: 20 30 40 50 60 65 | 70 75 80 85 90 95 → 67.5.
    assert_eq!(json["median_score"], 67.5);
    // Sex: F scores 90 40 30 80 70 20 → 3 above; M 85 60 95 50 75 → 3 above.
    same_rows(
        rows(&json, "sex", "above_median"),
        &[
            ("F", 6, 3, 0.5, Some(0.5 / 0.6), false),
            ("M", 5, 3, 0.6, Some(1.0), false),
        ],
    );
    // Race: Black 90 40 30 85 60 → 2 above; White 80 70 20 95 50 65 → 3 above.
    same_rows(
        rows(&json, "race", "above_median"),
        &[
            ("Black", 5, 2, 0.4, Some(0.8), false),
            ("White", 6, 3, 0.5, Some(1.0), false),
        ],
    );
    // F × White 80 70 20 → 2 of 3 is the highest scoring rate.
    same_rows(
        rows(&json, "intersection", "above_median"),
        &[
            ("F × Black", 3, 1, 1.0 / 3.0, Some(0.5), false),
            ("F × White", 3, 2, 2.0 / 3.0, Some(1.0), false),
            ("M × Black", 2, 1, 0.5, Some(0.75), false),
            ("M × White", 2, 1, 0.5, Some(0.75), false),
        ],
    );
    // A score equal to the median is not above it: with the score 67.5 added, still 6 above.
    let (_dir2, tied) = file("tied.csv", &format!("{APPLICANTS}F,White,67.5,0\n"));
    let json = stdout_json(bias_audit(
        &tied,
        &["--score", "score", "--scoring", "--format", "json"],
    ));
    assert_eq!(json["median_score"], 67.5);
    let above: i64 = json["tables"]["sex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["above_median"].as_i64().unwrap())
        .sum();
    assert_eq!(above, 6);
}

/// Pre-aggregated counts (`n` individuals per row), 200 in all: race C is 3 of 200 (1.5%, under
/// 2%), race D is 4 of 200 (exactly 2%: not under), `Declined` is unknown.
const COUNTS: &str = "\
sex,race,hired,n
F,A,1,30
F,A,0,60
M,A,1,45
M,A,0,50
M,C,1,3
F,D,1,1
F,D,0,3
F,Declined,1,2
F,Declined,0,6
";

#[test]
fn categories_under_two_percent_are_excluded_only_when_asked_and_still_shown() {
    let (_dir, path) = file("counts.csv", COUNTS);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--selected",
            "hired",
            "--weight",
            "n",
            "--unknown",
            "Declined",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        stdout_json(bias_audit(&path, &args))
    };
    let json = run(&["--exclude-under", "0.02"]);
    assert_eq!(json["applicants"], 200);
    assert_eq!(json["unknown_count"], 8);
    // Sex (nobody unknown): F 90 + 4 + 8 = 102 with 30 + 1 + 2 = 33 hired; M 95 + 3 = 98, 48.
    same_rows(
        rows(&json, "sex", "selected"),
        &[
            (
                "F",
                102,
                33,
                33.0 / 102.0,
                Some((33.0 / 102.0) / (48.0 / 98.0)),
                false,
            ),
            ("M", 98, 48, 48.0 / 98.0, Some(1.0), false),
        ],
    );
    // Race: C's rate (3 of 3) would be the highest, but C is excluded: A (75 of 185) is.
    let a_rate = 75.0 / 185.0;
    same_rows(
        rows(&json, "race", "selected"),
        &[
            ("A", 185, 75, a_rate, Some(1.0), false),
            ("C", 3, 3, 1.0, None, true),
            ("D", 4, 1, 0.25, Some(0.25 / a_rate), false),
        ],
    );
    assert_eq!(json["highest"]["race"], "A");
    let m_a = 45.0 / 95.0;
    same_rows(
        rows(&json, "intersection", "selected"),
        &[
            ("F × A", 90, 30, 1.0 / 3.0, Some((1.0 / 3.0) / m_a), false),
            ("F × D", 4, 1, 0.25, Some(0.25 / m_a), false),
            ("M × A", 95, 45, m_a, Some(1.0), false),
            ("M × C", 3, 3, 1.0, None, true),
        ],
    );
    let exclusions = json["exclusions"].as_array().unwrap();
    assert_eq!(exclusions.len(), 2);
    assert_eq!(exclusions[0]["table"], "race");
    assert_eq!(exclusions[0]["category"], "C");
    assert_eq!(exclusions[0]["applicants"], 3);
    assert_eq!(exclusions[0]["share"], 0.015);
    let reason = exclusions[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("1.5%") && reason.contains("5-301(d)"),
        "{reason}"
    );
    assert_eq!(json["settings"]["exclude_under"], 0.02);

    // Without --exclude-under nothing is excluded and C is the highest.
    let json = run(&[]);
    assert_eq!(json["exclusions"], serde_json::json!([]));
    assert_eq!(json["highest"]["race"], "C");
    assert_eq!(json["tables"]["race"][0]["impact_ratio"], a_rate);
}

#[test]
fn bad_bias_audit_inputs_exit_2_with_clear_messages() {
    let (_dir, path) = file("applicants.csv", APPLICANTS);
    let selected = ["--selected", "hired"];
    fails_with(
        bias_audit(
            &path,
            &[&selected[..], &["--exclude-under", "0.05"]].concat(),
        ),
        &["0.05", "2%", "5-301(d)"],
    );
    fails_with(
        bias_audit(&path, &[&selected[..], &["--exclude-under", "0"]].concat()),
        &["not above 0"],
    );
    fails_with(
        bias_audit(&path, &["--score", "score"]),
        &["--threshold", "--scoring"],
    );
    fails_with(
        bias_audit(&path, &["--selected", "hired", "--score", "score"]),
        &["cannot be used with"],
    );
    fails_with(bias_audit(&path, &["--selected", "gender"]), &["gender"]);
    fails_with(
        fulcrum()
            .args(["bias-audit"])
            .arg(&path)
            .args(["--sex", "sex", "--race", "sex", "--selected", "hired"])
            .args(["--audit-date", "2026-12-01"])
            .assert(),
        &["--sex and --race both name `sex`"],
    );
    fails_with(
        fulcrum()
            .args(["bias-audit"])
            .arg(&path)
            .args(["--sex", "sex", "--race", "race", "--selected", "hired"])
            .assert(),
        &["--audit-date"],
    );
    fails_with(
        fulcrum()
            .args(["bias-audit"])
            .arg(&path)
            .args(["--sex", "sex", "--race", "race", "--selected", "hired"])
            .args(["--audit-date", "2026-02-30"])
            .assert(),
        &["--audit-date", "no such day"],
    );
    fails_with(
        bias_audit(
            &path,
            &["--selected", "hired", "--unknown", "F", "--unknown", "M"],
        ),
        &["every individual's sex is unknown"],
    );
    let (_dir2, weighted) = file("w.csv", "sex,race,hired,n\nF,A,1,2\nM,A,0,1.5\n");
    fails_with(
        bias_audit(&weighted, &["--selected", "hired", "--weight", "n"]),
        &["column `n`", "1.5", "row 2", "whole number"],
    );
    let (_dir3, text) = file("t.csv", "sex,race,hired\nF,A,yes\nM,A,no\nM,B,maybe\n");
    fails_with(bias_audit(&text, &["--selected", "hired"]), &["hired"]);
    // A misspelt unknown value is only a warning.
    let assert = bias_audit(&path, &["--selected", "hired", "--unknown", "unknown"]).success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--unknown unknown: no value"), "{stderr}");
}

#[test]
fn summaries_escape_data_text_and_are_byte_stable() {
    let hostile =
        "sex,race,hired\nF,<script>alert(1)</script> | *x*,1\nF,A,0\nM,A,1\nM,\"=1+1, [y](z)\",0\n";
    let (_dir, path) = file("hostile.csv", hostile);
    let common = [
        "--selected",
        "hired",
        "--source",
        "<b>HR</b> & `data`",
        "--tool",
        "Tool|<i>",
    ];
    let html_args = [&common[..], &["--format", "html"]].concat();
    let html = stdout_text(bias_audit(&path, &html_args));
    assert!(!html.contains("<script>") && !html.contains("<b>HR") && !html.contains("<i>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | *x*"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;HR&lt;/b&gt; &amp; `data`"));
    assert_eq!(
        html,
        stdout_text(bias_audit(&path, &html_args)),
        "byte-stable"
    );
    let markdown = stdout_text(bias_audit(
        &path,
        &[&common[..], &["--format", "md"]].concat(),
    ));
    assert!(
        markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*"),
        "{markdown}"
    );
    assert!(markdown.contains("\\[y\\](z)"));
    assert!(!markdown.contains("<b>"));
    let csv = stdout_text(bias_audit(
        &path,
        &[&common[..], &["--format", "csv"]].concat(),
    ));
    assert!(csv.contains("\"'=1+1, [y](z)\""), "{csv}");
}

#[test]
fn the_bundled_hiring_sample_is_reproduced_and_audits() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("hiring.csv");
    fulcrum()
        .args(["sample", "--kind", "hiring", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read("sample_data/hiring.csv").unwrap(),
        "sample_data/hiring.csv is `fulcrum sample --kind hiring` (regenerate it if the generator changed on purpose)"
    );
    let json = stdout_json(bias_audit(
        Path::new("sample_data/hiring.csv"),
        &[
            "--selected",
            "selected",
            "--unknown",
            "Unknown",
            "--exclude-under",
            "0.02",
            "--format",
            "json",
        ],
    ));
    // The sample has a race category under 2% and unknowns of both kinds.
    assert!(
        json["exclusions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["table"] == "race")
    );
    assert!(json["unknown_counts"]["sex"].as_i64().unwrap() > 0);
    assert!(json["unknown_counts"]["race"].as_i64().unwrap() > 0);
    fails_with(
        fulcrum()
            .args([
                "sample", "--kind", "hiring", "--drift", "0.5", "--force", "--out",
            ])
            .arg(&out)
            .assert(),
        &["--drift"],
    );
}

/// A session on the bundled hiring sample grouped by sex × race, written into `directory`,
/// with `extra` flags (thresholds, context, LL144 section…).
fn hiring_session(directory: &Path, extra: &[&str]) -> PathBuf {
    let out = directory.join("hiring.json");
    let criterion: &[&str] = if extra.contains(&"--criterion") {
        &[]
    } else {
        &["--criterion", "accuracy_drop <= 1"]
    };
    fulcrum()
        .args(["session", "new", "sample_data/hiring.csv"])
        .args([
            "--score",
            "score",
            "--label",
            "qualified",
            "--group",
            "sex,race",
        ])
        .args(criterion)
        .args(extra)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
    out
}

/// Thresholds by sex × race that differ: two groups get a lower cut-off than the rest.
fn differing_thresholds(directory: &Path) -> PathBuf {
    let path = directory.join("t.json");
    std::fs::write(
        &path,
        r#"{"default": 60, "Female × Black or African American": 55, "Female × Hispanic or Latino": 56}"#,
    )
    .unwrap();
    path
}

fn check_json(session: &Path) -> Value {
    let output = fulcrum()
        .arg("check")
        .arg(session)
        .args(["--format", "json"])
        .assert()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn employment_sessions_flag_thresholds_that_differ_with_one_threshold_beside() {
    let directory = tempfile::tempdir().unwrap();
    let thresholds = differing_thresholds(directory.path());
    let thresholds = thresholds.to_str().unwrap();
    let session = hiring_session(
        directory.path(),
        &["--thresholds", thresholds, "--context", "employment"],
    );
    let table = String::from_utf8(
        fulcrum()
            .arg("check")
            .arg(&session)
            .assert()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(
        table.contains("warning: Employment context: the decision's thresholds differ between groups (55 to 60). Title VII § 703(l)"),
        "{table}"
    );
    let json = check_json(&session);
    let context = &json["context"];
    assert_eq!(context["use"], "employment");
    assert_eq!(context["thresholds_differ"], true);
    assert_eq!(context["flagged"], true);
    assert!(context["note"].as_str().unwrap().contains("2000e-2(l)"));
    // The alternative is the optimizer's most accurate single threshold …
    let optimized = stdout_json(
        fulcrum()
            .args(["optimize", "sample_data/hiring.csv", "--score", "score"])
            .args(["--label", "qualified", "--group", "sex,race"])
            .args(["--constraint", "single", "--format", "json"])
            .assert(),
    );
    let single = context["single_threshold"]["threshold"].as_f64().unwrap();
    assert_eq!(
        optimized["thresholds"]["Female × White"].as_f64().unwrap(),
        single
    );
    // … and its numbers are `audit` at that threshold.
    let audit = stdout_json(
        fulcrum()
            .args(["audit", "sample_data/hiring.csv", "--score", "score"])
            .args([
                "--label",
                "qualified",
                "--group",
                "sex,race",
                "--format",
                "json",
            ])
            .args(["--threshold", &single.to_string()])
            .assert(),
    );
    let alternative = &context["single_threshold"]["single"];
    assert_eq!(
        alternative["overall_accuracy"],
        audit["overall"]["accuracy"]
    );
    assert_eq!(
        alternative["disparate_impact"],
        audit["summary"]["disparate_impact"]
    );
    assert_eq!(
        context["single_threshold"]["decision"]["overall_accuracy"],
        json["overall_accuracy"]
    );

    // One threshold for all: nothing to flag. Credit: different thresholds are not flagged
    // here (the report's note says what applies).
    let uniform = hiring_session(
        directory.path(),
        &["--threshold", "60", "--context", "employment"],
    );
    let json = check_json(&uniform);
    assert_eq!(json["context"]["flagged"], false);
    assert_eq!(json["context"]["single_threshold"], Value::Null);
    let credit = hiring_session(
        directory.path(),
        &["--thresholds", thresholds, "--context", "credit"],
    );
    let json = check_json(&credit);
    assert_eq!(json["context"]["thresholds_differ"], true);
    assert_eq!(json["context"]["flagged"], false);
    fails_with(
        fulcrum()
            .args([
                "session",
                "new",
                "sample_data/hiring.csv",
                "--score",
                "score",
            ])
            .args([
                "--label",
                "qualified",
                "--group",
                "sex",
                "--context",
                "hiring",
            ])
            .args(["--out", "x.json"])
            .assert(),
        &["unknown context `hiring`", "employment, credit"],
    );
}

fn report(session: &Path, format: &str) -> String {
    stdout_text(
        fulcrum()
            .args(["report"])
            .arg(session)
            .args(["--out", "-", "--format", format])
            .assert(),
    )
}

#[test]
fn the_report_has_a_model_card_the_context_note_adverse_impact_and_the_ll144_section() {
    let directory = tempfile::tempdir().unwrap();
    let thresholds = differing_thresholds(directory.path());
    let session = hiring_session(
        directory.path(),
        &[
            "--thresholds",
            thresholds.to_str().unwrap(),
            "--context",
            "employment",
            "--intended-use",
            "Rank <script>alert(1)</script> applicants | *first* interview",
            "--limitations",
            "Trained on 2023 hires & [links](x)",
            "--sex",
            "sex",
            "--race",
            "race",
            "--unknown",
            "Unknown",
            "--exclude-under",
            "0.02",
            "--audit-date",
            "2026-12-01",
            "--source",
            "Historical data <b>2025</b>",
            "--criterion",
            "demographic_parity_ratio >= 0.8",
        ],
    );
    let markdown = report(&session, "md");
    for fragment in [
        "## 1. Model card summary",
        "- Intended use: Rank &lt;script&gt;alert(1)&lt;/script&gt; applicants \\| \\*first\\* interview",
        "- Limitations stated: Trained on 2023 hires &amp; \\[links\\](x)",
        "- Metrics declared: `demographic_parity_ratio >= 0.8`",
        "## 2. Use context",
        "Title VII of the Civil Rights Act, § 703(l)",
        "> **Warning:** Employment context: the decision's thresholds differ between groups (55 to 60).",
        "| Decision (thresholds by group) | One threshold for all (",
        "### Adverse impact: against the highest selection rate",
        "## 14. NYC Local Law 144 bias audit",
        "- Source of the data: Historical data &lt;b&gt;2025&lt;/b&gt;",
        "| Female × Black or African American | 131 | 29 | 22.14% | **0.526** |",
        "not legal advice",
    ] {
        assert!(
            markdown.contains(fragment),
            "`{fragment}` not in the Markdown report:\n{markdown}"
        );
    }
    let html = report(&session, "html");
    assert!(!html.contains("<script>alert") && !html.contains("<b>2025"));
    assert!(
        html.contains("Rank &lt;script&gt;alert(1)&lt;/script&gt; applicants | *first* interview")
    );
    assert!(html.contains("<section id=\"ll144\" class=\"new-page\">"));
    assert_eq!(html, report(&session, "html"), "byte-stable");
    assert_eq!(markdown, report(&session, "md"), "byte-stable");
    let json: Value = serde_json::from_str(&report(&session, "json")).unwrap();
    assert_eq!(
        json["intended_use"],
        "Rank <script>alert(1)</script> applicants | *first* interview"
    );
    assert_eq!(json["context"]["flagged"], true);
    assert_eq!(json["session"]["schema_version"], 2);
    assert_eq!(json["session"]["context"], "employment");

    // The LL144 section is `bias-audit` at the session's thresholds, number for number.
    let standalone = stdout_json(bias_audit(
        Path::new("sample_data/hiring.csv"),
        &[
            "--score",
            "score",
            "--thresholds",
            thresholds.to_str().unwrap(),
            "--unknown",
            "Unknown",
            "--exclude-under",
            "0.02",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["bias_audit"]["tables"], standalone["tables"]);
    assert_eq!(
        json["bias_audit"]["unknown_count"],
        standalone["unknown_count"]
    );
    assert_eq!(json["bias_audit"]["exclusions"], standalone["exclusions"]);
    // With criteria judged on held-out rows, the LL144 tables still count every row.
    let split = hiring_session(
        directory.path(),
        &[
            "--thresholds",
            thresholds.to_str().unwrap(),
            "--holdout",
            "0.3",
            "--sex",
            "sex",
            "--race",
            "race",
            "--unknown",
            "Unknown",
            "--exclude-under",
            "0.02",
            "--audit-date",
            "2026-12-01",
        ],
    );
    let json: Value = serde_json::from_str(&report(&split, "json")).unwrap();
    assert_eq!(json["bias_audit"]["tables"], standalone["tables"]);

    // Without a context, intended use or LL144 record the report says what is missing.
    let plain = hiring_session(directory.path(), &["--threshold", "60"]);
    let markdown = report(&plain, "md");
    assert!(
        markdown.contains("No use context is recorded"),
        "{markdown}"
    );
    assert!(markdown.contains("not stated (fulcrum session describe --intended-use TEXT)"));
    assert!(!markdown.contains("Local Law 144 bias audit"));
}

#[test]
fn bad_session_context_and_ll144_flags_exit_2() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("s.json");
    let new = |extra: &[&str]| {
        fulcrum()
            .args([
                "session",
                "new",
                "sample_data/hiring.csv",
                "--score",
                "score",
            ])
            .args([
                "--label",
                "qualified",
                "--group",
                "sex,race",
                "--threshold",
                "60",
            ])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
    };
    fails_with(
        new(&[
            "--sex",
            "gender",
            "--race",
            "race",
            "--audit-date",
            "2026-12-01",
        ]),
        &["--sex", "`gender` is not a grouping attribute", "--group"],
    );
    fails_with(new(&["--sex", "sex", "--race", "race"]), &["--audit-date"]);
    fails_with(
        new(&[
            "--sex",
            "sex",
            "--race",
            "race",
            "--audit-date",
            "2026-13-01",
        ]),
        &["--audit-date", "month"],
    );
    fails_with(
        new(&[
            "--sex",
            "sex",
            "--race",
            "race",
            "--audit-date",
            "2026-12-01",
            "--exclude-under",
            "0.1",
        ]),
        &["0.1", "2%"],
    );
    fails_with(new(&["--unknown", "Unknown"]), &["--sex"]);
    assert!(!out.exists(), "no session written");

    // `session describe` adds a context to an existing session; earlier sign-offs no longer
    // cover it.
    new(&[]).success();
    fulcrum()
        .args(["session", "sign"])
        .arg(&out)
        .args([
            "--name",
            "Ada",
            "--date",
            "2026-12-02",
            "--decision",
            "approved",
        ])
        .assert()
        .success();
    let assert = fulcrum()
        .args(["session", "describe"])
        .arg(&out)
        .args(["--context", "employment", "--intended-use", "Screening"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("1 sign-off no longer covers it"),
        "{stderr}"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 2);
    assert_eq!(saved["context"], "employment");
    assert_eq!(saved["intended_use"], "Screening");
    fails_with(
        fulcrum()
            .args(["session", "describe"])
            .arg(&out)
            .args([
                "--sex",
                "sex",
                "--race",
                "sex",
                "--audit-date",
                "2026-12-01",
            ])
            .assert(),
        &["two attributes"],
    );
}

#[test]
fn a_session_written_before_schema_2_still_checks_reports_and_is_covered_by_its_sign_off() {
    let (_directory, fixture) = common::fixture_beside_the_old_sample("session_v1.json");
    fulcrum().arg("check").arg(&fixture).assert().success();
    let markdown = report(&fixture, "md");
    assert!(
        markdown.contains("from a session of schema 2 (migrated from schema 1)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| A. Reviewer | Model risk | 2026-12-04 | **Approved** |  | **yes** |"),
        "{markdown}"
    );
    assert!(markdown.contains("No use context is recorded"));
}
