//! The discovery commands end to end (`profile`, `proxies`, `slices`) and calibration by group in
//! the audit: documented JSON shapes, hand-computed numbers on small files, the findings on the
//! sample and on COMPAS, and every bad input ending in exit 2 with a clear message.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::path::PathBuf;

mod common;

use common::{fails_with, fulcrum};
use serde_json::Value;

const SAMPLE: &str = "sample_data/lending.csv";
const COMPAS: &str = "tests/data/compas.csv";

/// A file with `contents` in a fresh temporary directory.
fn file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (directory, path)
}

/// Runs `fulcrum ARGS…` and parses its standard output as JSON (it must succeed).
fn json(args: &[&str]) -> Value {
    let output = fulcrum()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let value: Value = serde_json::from_slice(&output).unwrap();
    let first = value.as_object().unwrap().keys().next().cloned();
    assert_eq!(first.as_deref(), Some("schema_version"));
    value
}

/// Score missing in row 2 (group a), label missing in row 3 (group b), a group c whose only row
/// is dropped, and column x missing in rows 4 (b) and 5 (a).
const DROPS: &str =
    "score,y,g,x\n0.9,1,a,1\n,0,a,2\n0.3,,b,3\n0.7,1,b,\n0.2,0,a,\n0.4,1,c,\n,1,c,6\n";

#[test]
fn profile_counts_dropped_rows_per_group_without_drop_invalid() {
    let (dir, path) = file("drops.csv", DROPS);
    let population = dir.path().join("population.json");
    std::fs::write(
        &population,
        r#"{"g": {"a": 0.4, "b": 0.4, "c": 0.1, "d": 0.1}}"#,
    )
    .unwrap();
    let value = json(&[
        "profile",
        path.to_str().unwrap(),
        "--score",
        "score",
        "--label",
        "y",
        "--group",
        "g",
        "--population",
        population.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let groups = value["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "b", "c", "d"]);
    // a: kept rows 1 (0.9, +) and 5 (0.2, -); row 2 dropped. 4 rows kept in all.
    let a = &groups[0];
    assert_eq!(a["count"], 2);
    assert_eq!(a["share"], 0.5);
    assert_eq!(a["expected_share"], 0.4);
    assert_eq!(a["representation_ratio"], 1.25);
    assert_eq!(a["base_rate"], 0.5);
    assert_eq!(a["dropped"], 1);
    assert_eq!(a["missing"]["x"], 0.5);
    assert!((a["score_mean"].as_f64().unwrap() - 0.55).abs() < 1e-12);
    assert_eq!(a["score_quartiles"], serde_json::json!([0.2, 0.2, 0.9]));
    assert_eq!(a["flags"], serde_json::json!(["small"]));
    // b: row 3 dropped (no label), row 4 kept and missing x.
    let b = &groups[1];
    assert_eq!(
        (b["count"].clone(), b["dropped"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(b["missing"]["x"], 1.0);
    // c: one kept row and one dropped; d: only in the population file.
    assert_eq!(groups[2]["dropped"], 1);
    assert_eq!(groups[2]["dropped_fraction"], 0.5);
    let d = &groups[3];
    assert_eq!(
        (d["count"].clone(), d["base_rate"].clone()),
        (0.into(), Value::Null)
    );
    assert_eq!(d["representation_ratio"], 0.0);
    assert_eq!(
        d["flags"],
        serde_json::json!(["small", "under_represented"])
    );
    let overall = &value["overall"];
    assert_eq!(overall["count"], 4);
    assert_eq!(overall["dropped"], 3);
    assert_eq!(overall["missing"]["x"], 0.75);
    assert!(overall.get("expected_share").is_none());
    let settings = &value["settings"];
    assert_eq!(settings["rows_read"], 7);
    assert_eq!(settings["rows_dropped"], 3);
    assert_eq!(settings["missing_columns"], serde_json::json!(["x"]));
}

#[test]
fn profile_table_shows_groups_missing_values_and_flags() {
    let output = fulcrum()
        .args(["profile", SAMPLE, "--score", "score", "--label", "repaid"])
        .args(["--group", "race"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for fragment in ["Asian", "White", "Overall", "30,000", "income", "dropped"] {
        assert!(text.contains(fragment), "{fragment} not in:\n{text}");
    }
    // The sample's only column with missing values is income (about 4% in every group).
    assert!(text.contains("Missing values (share"), "{text}");
}

#[test]
fn profile_refuses_bad_population_files() {
    let (dir, path) = file("drops.csv", DROPS);
    let population = dir.path().join("population.json");
    std::fs::write(&population, r#"{"g": {"a": 1.5}}"#).unwrap();
    fails_with(
        fulcrum()
            .args(["profile", path.to_str().unwrap(), "--score", "score"])
            .args(["--label", "y", "--group", "g", "--population"])
            .arg(&population)
            .assert(),
        &["population.json", "`g` → `a`", "not a share"],
    );
    std::fs::write(&population, r#"{"g": {"a × b": 0.5}}"#).unwrap();
    fails_with(
        fulcrum()
            .args(["profile", path.to_str().unwrap(), "--score", "score"])
            .args(["--label", "y", "--group", "g", "--population"])
            .arg(&population)
            .assert(),
        &["`a × b`", "one level of each of 1 attributes"],
    );
    fails_with(
        fulcrum()
            .args(["profile", path.to_str().unwrap(), "--score", "score"])
            .args(["--label", "y", "--group", "region"])
            .assert(),
        &["drops.csv", "`region`"],
    );
}

/// `fulcrum proxies` on COMPAS with the score.
fn compas_proxies(extra: &[&str]) -> Value {
    let mut args = vec![
        "proxies",
        COMPAS,
        "--protected",
        "race",
        "--score",
        "decile_score",
        "--columns",
        "age_cat,priors_count,c_charge_degree,sex",
        "--permutations",
        "199",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    json(&args)
}

#[test]
fn proxies_rank_the_score_first_for_race_on_compas() {
    let value = compas_proxies(&[]);
    let proxies = value["proxies"].as_array().unwrap();
    assert_eq!(proxies.len(), 5);
    let first = &proxies[0];
    assert_eq!(first["column"], "decile_score");
    assert_eq!(first["role"], "score");
    assert_eq!(first["protected"], "race");
    assert_eq!(first["measure"], "cramers_v");
    let strength = first["strength"].as_f64().unwrap();
    assert!((0.13..0.16).contains(&strength), "{strength}");
    let interval = first["interval"].as_array().unwrap();
    assert!(interval[0].as_f64().unwrap() < strength && strength < interval[1].as_f64().unwrap());
    // Nothing beats every one of 199 random tables by chance: p = 1/200.
    assert_eq!(first["p_value"], 0.005);
    assert_eq!(first["adjusted_p_value"], 0.025);
    // Strongest first; priors_count is numeric with many values: binned.
    let strengths: Vec<f64> = proxies
        .iter()
        .map(|p| p["strength"].as_f64().unwrap())
        .collect();
    assert!(strengths.windows(2).all(|w| w[0] >= w[1]), "{strengths:?}");
    let priors = proxies
        .iter()
        .find(|p| p["column"] == "priors_count")
        .unwrap();
    assert_eq!(priors["measure"], "binned_cramers_v");
    assert_eq!(value["settings"]["correction"], "bergsma_2013");
    assert_eq!(value["settings"]["tested"], 5);
    // The same seed gives the same answer; another seed the same strengths.
    assert_eq!(compas_proxies(&[]), value);
    let other = compas_proxies(&["--seed", "7"]);
    assert_eq!(other["proxies"][0]["strength"], first["strength"]);
}

#[test]
fn proxies_on_the_sample_find_income_and_the_score_but_not_region() {
    let value = json(&[
        "proxies",
        SAMPLE,
        "--protected",
        "race",
        "--score",
        "score",
        "--permutations",
        "99",
        "--format",
        "json",
    ]);
    let proxies = value["proxies"].as_array().unwrap();
    let strength = |column: &str| {
        proxies
            .iter()
            .find(|p| p["column"] == column)
            .unwrap_or_else(|| panic!("{column}"))["strength"]
            .as_f64()
            .unwrap()
    };
    // The second model's score (issue 15) is the strongest proxy: its noise is far larger
    // for Black applicants. Among the other columns, income comes first.
    assert_eq!(proxies[0]["column"], "score_v2");
    assert_eq!(proxies[1]["column"], "income");
    assert!(strength("score_v2") > strength("score"));
    assert!(strength("score") > 0.05, "{}", strength("score"));
    assert!(strength("region") < 0.02, "{}", strength("region"));
    // Every other column is a candidate by default, the protected one is not.
    assert!(proxies.iter().all(|p| p["column"] != "race"));
    assert!(proxies.iter().any(|p| p["column"] == "applicant_id"));
}

#[test]
fn proxies_refuse_bad_inputs() {
    fails_with(
        fulcrum()
            .args([
                "proxies",
                SAMPLE,
                "--protected",
                "race",
                "--columns",
                "region,race",
            ])
            .assert(),
        &["`race` is a protected attribute"],
    );
    fails_with(
        fulcrum()
            .args([
                "proxies",
                SAMPLE,
                "--protected",
                "race",
                "--columns",
                "regoin",
            ])
            .assert(),
        &["lending.csv", "`regoin`", "region"],
    );
    fails_with(
        fulcrum()
            .args(["proxies", SAMPLE, "--protected", "rase"])
            .assert(),
        &["lending.csv", "`rase`"],
    );
    fails_with(
        fulcrum()
            .args(["proxies", SAMPLE, "--protected", "income"])
            .assert(),
        &["`income`", "bin"],
    );
    fails_with(
        fulcrum()
            .args([
                "proxies",
                SAMPLE,
                "--protected",
                "race",
                "--numeric-bins",
                "1",
            ])
            .assert(),
        &["--numeric-bins", "outside 2 to 100"],
    );
}

/// sex F: 4 negatives, 3 selected; sex M: 4 negatives, 1 selected; one positive each, selected.
const TWO: &str = "score,y,sex,band\n0.9,0,F,x\n0.8,0,F,x\n0.7,0,F,y\n0.1,0,F,y\n0.9,1,F,x\n0.9,0,M,x\n0.1,0,M,y\n0.2,0,M,x\n0.3,0,M,y\n0.8,1,M,y\n";

#[test]
fn slices_json_has_the_documented_shape_and_hand_computed_numbers() {
    let (_dir, path) = file("two.csv", TWO);
    let value = json(&[
        "slices",
        path.to_str().unwrap(),
        "--score",
        "score",
        "--label",
        "y",
        "--attributes",
        "sex",
        "--metric",
        "fpr",
        "--threshold",
        "0.5",
        "--min-count",
        "1",
        "--format",
        "json",
    ]);
    let slices = value["slices"].as_array().unwrap();
    assert_eq!(slices.len(), 2);
    let worst = &slices[0];
    assert_eq!(worst["key"], "sex=F");
    assert_eq!(worst["attributes"]["sex"], "F");
    assert_eq!(worst["depth"], 1);
    assert_eq!(worst["count"], 5);
    assert_eq!(worst["value"], 0.75);
    assert_eq!(worst["rest_value"], 0.25);
    assert_eq!(worst["deviation"], 0.5);
    let interval = worst["deviation_interval"].as_array().unwrap();
    assert!(interval[0].as_f64().unwrap() < 0.0 && interval[1].as_f64().unwrap() > 0.5);
    assert_eq!(worst["significant"], false);
    // Fisher's exact test of 3/4 against 1/4 (two-sided) = 0.4857142857…; × 2 tests.
    assert!((worst["p_value"].as_f64().unwrap() - 0.485_714_285_714_285_7).abs() < 1e-9);
    assert!((worst["adjusted_p_value"].as_f64().unwrap() - 0.971_428_571_428_571_4).abs() < 1e-9);
    assert_eq!(value["overall"]["value"], 0.5);
    let settings = &value["settings"];
    assert_eq!(settings["metric"], "fpr");
    assert_eq!(settings["direction"], "higher");
    assert_eq!(settings["multiplicity"], "bonferroni");
    assert_eq!(settings["tested"], 2);
    assert_eq!(settings["interval_method"], "newcombe_hybrid_score");
}

#[test]
fn slices_on_compas_find_young_black_defendants_first_for_false_positives() {
    let value = json(&[
        "slices",
        COMPAS,
        "--score",
        "decile_score",
        "--label",
        "two_year_recid",
        "--attributes",
        "race,sex,age_cat",
        "--metric",
        "fpr",
        "--threshold",
        "5",
        "--format",
        "json",
    ]);
    let worst = &value["slices"][0];
    assert_eq!(worst["key"], "race=African-American × age_cat=Less than 25");
    assert_eq!(worst["significant"], true);
    let low = worst["deviation_interval"][0].as_f64().unwrap();
    assert!(low > 0.2, "{low}");
    // Ranked by the conservative end: each slice's lower end is at most the one above it.
    let lows: Vec<f64> = value["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["deviation_interval"][0].as_f64().unwrap())
        .collect();
    assert!(lows.windows(2).all(|w| w[0] >= w[1]), "{lows:?}");
    assert_eq!(value["settings"]["tested"], 46);
}

#[test]
fn slices_take_per_group_thresholds_from_a_file() {
    let (dir, path) = file("two.csv", TWO);
    let thresholds = dir.path().join("thresholds.json");
    // F decided at 0.95 (nobody selected), M at 0.5.
    std::fs::write(&thresholds, r#"{"F": 0.95, "M": 0.5}"#).unwrap();
    let value = json(&[
        "slices",
        path.to_str().unwrap(),
        "--score",
        "score",
        "--label",
        "y",
        "--group",
        "sex",
        "--thresholds",
        thresholds.to_str().unwrap(),
        "--attributes",
        "sex,band",
        "--metric",
        "selection_rate",
        "--min-count",
        "1",
        "--depth",
        "1",
        "--format",
        "json",
    ]);
    let f = value["slices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "sex=F")
        .unwrap();
    assert_eq!(f["value"], 0.0);
    assert_eq!(f["rest_value"], 0.4);
    assert_eq!(value["settings"]["direction"], "both");
}

#[test]
fn slices_refuse_bad_inputs() {
    let (_dir, path) = file("two.csv", TWO);
    let run = |extra: &[&str]| {
        fulcrum()
            .arg("slices")
            .arg(&path)
            .args(["--score", "score", "--label", "y"])
            .args(extra)
            .assert()
    };
    fails_with(
        run(&["--attributes", "sex", "--metric", "fpr", "--depth", "0"]),
        &["--depth", "outside 1 to 3"],
    );
    fails_with(
        run(&["--attributes", "sex", "--metric", "selected_share"]),
        &["`selected_share`", "use one of"],
    );
    fails_with(
        run(&["--attributes", "sexx", "--metric", "fpr"]),
        &["two.csv", "`sexx`", "sex"],
    );
    // Nobody selected: precision is undefined in every slice.
    fails_with(
        run(&[
            "--attributes",
            "sex",
            "--metric",
            "precision",
            "--threshold",
            "2",
            "--min-count",
            "1",
        ]),
        &["precision is undefined for every slice"],
    );
    fails_with(
        run(&[
            "--attributes",
            "sex",
            "--metric",
            "fpr",
            "--min-count",
            "50",
        ]),
        &["no slice has a weight of at least 50", "--min-count"],
    );
    fails_with(
        run(&["--attributes", "sex", "--metric", "fpr", "--bin", "band=q2"]),
        &["--bin band", "not one of the attributes"],
    );
}

const SMALL: &str = "score,y,g\n0.9,1,a\n0.8,0,a\n0.3,1,a\n0.7,1,b\n0.2,0,b\n0.6,0,b\n";

#[test]
fn the_audit_reports_calibration_by_group() {
    let (_dir, path) = file("small.csv", SMALL);
    let audit = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            path.to_str().unwrap(),
            "--score",
            "score",
            "--label",
            "y",
            "--group",
            "g",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    // Two equal-width bins. a: [0, 0.5) holds 0.3 (+): |0.3 − 1| = 0.7; [0.5, 1] holds 0.9 (+)
    // and 0.8 (−): |1.7 − 1| = 0.7; ECE 1.4/3. b: |0.2 − 0| = 0.2 and |1.3 − 1| = 0.3: 0.5/3.
    // Everyone: |0.5 − 1| + |3.0 − 2| = 1.5 over 6.
    let value = audit(&["--calibration-bins", "2"]);
    let ece = |v: &Value| v.as_f64().unwrap();
    assert!((ece(&value["groups"][0]["ece"]) - 1.4 / 3.0).abs() < 1e-12);
    assert!((ece(&value["groups"][1]["ece"]) - 0.5 / 3.0).abs() < 1e-12);
    assert!((ece(&value["overall"]["ece"]) - 0.25).abs() < 1e-12);
    assert!((ece(&value["summary"]["calibration_difference"]) - 0.3).abs() < 1e-12);
    assert_eq!(
        value["settings"]["calibration"],
        serde_json::json!({"strategy": "equal_width", "bins": 2})
    );
    // One equal-mass bin: a's mean score 2/3 equals its positive rate; b: |1.5 − 1| / 3.
    let value = audit(&[
        "--calibration-bins",
        "1",
        "--calibration-strategy",
        "equal-mass",
    ]);
    assert!(ece(&value["groups"][0]["ece"]).abs() < 1e-12);
    assert!((ece(&value["groups"][1]["ece"]) - 0.5 / 3.0).abs() < 1e-12);
    // Scores outside [0, 1] are not probabilities: no ECE.
    let (_dir, wide) = file("wide.csv", &SMALL.replace("0.9,1,a", "1.9,1,a"));
    let value = json(&[
        "audit",
        wide.to_str().unwrap(),
        "--score",
        "score",
        "--label",
        "y",
        "--group",
        "g",
        "--format",
        "json",
    ]);
    assert_eq!(value["groups"][0]["ece"], Value::Null);
    assert_eq!(value["summary"]["calibration_difference"], Value::Null);
    fails_with(
        fulcrum()
            .arg("audit")
            .arg(&path)
            .args([
                "--score",
                "score",
                "--label",
                "y",
                "--calibration-bins",
                "0",
            ])
            .assert(),
        &["--calibration-bins", "outside 1 to 1000"],
    );
}

#[test]
fn the_audit_table_shows_each_groups_ece_and_the_difference() {
    let output = fulcrum()
        .args([
            "audit", SAMPLE, "--score", "score", "--label", "repaid", "--group", "race",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(text.lines().next().unwrap().contains("ECE"), "{text}");
    assert!(text.contains("calibration (ECE)    difference"), "{text}");
}
