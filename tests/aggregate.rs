//! `fulcrum aggregate`: the result, opened with `--weight count` (or `weight`), audits as the raw
//! rows do — computed here, and by the generated SQL run in a real `DuckDB` and a real local Spark
//! over the exports in `tests/data/exports/`.
//!
//! The engine tests need Python with the `duckdb` / `pyspark` packages. They use the interpreter
//! named by `FULCRUM_PYTHON` (`.ci/run` sets it to the virtual environment it installs them into;
//! then a missing package is a failure), else `python3`, and are skipped with a printed reason
//! when that interpreter lacks the package.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::path::{Path, PathBuf};

mod common;

use common::{fails_with, fulcrum};
use serde_json::Value;

const FLAT: &str = "tests/data/exports/flat.csv";
const SPARK_PARQUET: &str = "tests/data/exports/spark_parquet";
/// Binned as in the tests of `audit --bin`.
const INCOME_BINS: &str = "income=30000,60000";
/// How an aggregate of `--group sex,race,income --bin INCOME_BINS` is audited.
const AS_AGGREGATED: [&str; 4] = ["--group", "sex,race,income", "--weight", "count"];

/// Removes what differs between an audit of raw rows and of their aggregate although the numbers
/// are the same: the echoed settings, and each group's `count` (rows in the file — aggregated
/// rows there — while `weight` holds the rows they stand for).
fn numbers(mut audit: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("count");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    audit.as_object_mut().unwrap().remove("settings");
    strip(&mut audit);
    audit
}

/// `fulcrum audit SOURCE --score score --label LABEL … --format json` with `extra` flags.
fn audit(source: &Path, label: &str, extra: &[&str]) -> Value {
    audit_score(source, "score", label, extra)
}

/// The score column of an aggregate whose scores were rounded to two decimals.
const ROUNDED_2: &str = "score_rounded_2";

/// [`audit`] of the score column `score`.
fn audit_score(source: &Path, score: &str, label: &str, extra: &[&str]) -> Value {
    let output = fulcrum()
        .arg("audit")
        .arg(source)
        .args(["--score", score, "--label", label, "--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

/// `fulcrum aggregate SOURCE --score score --label repaid --out OUT` with `extra` flags; returns
/// its message on stderr.
fn aggregate(source: &Path, out: &Path, extra: &[&str]) -> String {
    let output = fulcrum()
        .arg("aggregate")
        .arg(source)
        .args(["--score", "score", "--label", "repaid", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(output.stderr).unwrap()
}

fn sql(engine: &str, table: &str, extra: &[&str]) -> String {
    let output = fulcrum()
        .args(["aggregate", "--sql", engine, "--table", table])
        .args(["--score", "score", "--label", "repaid"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

fn rows_of(audit: &Value) -> f64 {
    audit["overall"]["count"].as_f64().unwrap()
}

#[test]
fn the_local_aggregate_audits_exactly_as_the_raw_rows() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("agg.parquet");
    let grouping = ["--group", "sex,race,income", "--bin", INCOME_BINS];
    let message = aggregate(Path::new(FLAT), &out, &grouping);
    let raw = audit(Path::new(FLAT), "repaid", &grouping);
    let aggregated = audit(&out, "repaid", &AS_AGGREGATED);
    assert!(
        rows_of(&aggregated) < rows_of(&raw),
        "the aggregate has fewer rows"
    );
    assert!(message.contains("standing for 3,000"), "{message}");
    assert!(message.contains("--weight count"), "{message}");
    let keys: Vec<&str> = aggregated["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["attributes"]["income"].as_str())
        .collect();
    assert!(keys.contains(&"[30000, 60000)"), "{keys:?}");
    assert_eq!(numbers(aggregated), numbers(raw));
}

#[test]
fn an_aggregate_of_weighted_rows_sums_their_weights() {
    // The first aggregate is a weighted file (`count` is its frequency weight); aggregating it
    // again by fewer attributes sums those weights into `weight`.
    let directory = tempfile::tempdir().unwrap();
    let first = directory.path().join("first.csv");
    aggregate(Path::new(FLAT), &first, &["--group", "sex,race,region"]);
    let second = directory.path().join("second.parquet");
    let message = aggregate(&first, &second, &["--group", "sex", "--weight", "count"]);
    assert!(message.contains("--weight weight"), "{message}");
    let raw = audit(Path::new(FLAT), "repaid", &["--group", "sex"]);
    let twice = audit(&second, "repaid", &["--group", "sex", "--weight", "weight"]);
    assert_eq!(numbers(twice), numbers(raw));
}

#[test]
fn a_text_label_with_positive_is_written_as_zero_and_one() {
    let directory = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(FLAT).unwrap();
    let mut lines = text.lines();
    let mut relabelled = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields[2] = if fields[2] == "1" {
            "repaid"
        } else {
            "default"
        };
        relabelled.push_str(&fields.join(","));
        relabelled.push('\n');
    }
    let source = directory.path().join("text_label.csv");
    std::fs::write(&source, relabelled).unwrap();
    let out = directory.path().join("agg.parquet");
    let message = aggregate(&source, &out, &["--group", "race", "--positive", "repaid"]);
    assert!(message.contains("without --positive"), "{message}");
    let raw = audit(
        &source,
        "repaid",
        &["--group", "race", "--positive", "repaid"],
    );
    let aggregated = audit(&out, "repaid", &["--group", "race", "--weight", "count"]);
    assert_eq!(numbers(aggregated), numbers(raw));
}

/// Selected weight per group in an audit at one threshold.
fn selected(audit: &Value) -> Vec<f64> {
    audit["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["tp"].as_f64().unwrap() + g["fp"].as_f64().unwrap())
        .collect()
}

#[test]
fn rounded_scores_move_each_threshold_by_at_most_half_a_unit() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("agg.parquet");
    let message = aggregate(
        Path::new(FLAT),
        &out,
        &["--group", "sex", "--decimals", "2"],
    );
    assert!(message.contains("at most 0.005"), "{message}");
    assert!(message.contains("--score score_rounded_2"), "{message}");
    let exact = directory.path().join("exact.parquet");
    aggregate(Path::new(FLAT), &exact, &["--group", "sex"]);
    let rounded_rows = rows_of(&audit_score(
        &out,
        ROUNDED_2,
        "repaid",
        &["--weight", "count"],
    ));
    let exact_rows = rows_of(&audit(&exact, "repaid", &["--weight", "count"]));
    assert!(
        rounded_rows * 5.0 < exact_rows,
        "{rounded_rows} rounded rows against {exact_rows}"
    );
    for threshold in [0.3, 0.4137, 0.5, 0.62, 0.755] {
        let at = |source: &Path, score: &str, t: f64, weight: &[&str]| {
            let t = t.to_string();
            selected(&audit_score(
                source,
                score,
                "repaid",
                &[&["--group", "sex", "--threshold", &t][..], weight].concat(),
            ))
        };
        let rounded = at(&out, ROUNDED_2, threshold, &["--weight", "count"]);
        // Selecting `rounded score ≥ t` selects every raw score ≥ t + 0.005 and none < t − 0.005.
        let fewest = at(Path::new(FLAT), "score", threshold + 0.005, &[]);
        let most = at(Path::new(FLAT), "score", threshold - 0.005 - 1e-9, &[]);
        for group in 0..rounded.len() {
            assert!(
                fewest[group] <= rounded[group] && rounded[group] <= most[group],
                "threshold {threshold}, group {group}: {} not within [{}, {}]",
                rounded[group],
                fewest[group],
                most[group]
            );
        }
    }
}

/// Read 1,000 rows at a time (a folder of Parquet parts, gzip CSV parts, one CSV file), the
/// aggregate is the same file as read at once, and audits as the raw rows.
#[test]
fn the_local_aggregate_reads_a_piece_at_a_time() {
    let directory = tempfile::tempdir().unwrap();
    for (source, grouping) in [
        (FLAT, "sex,race,income"),
        (SPARK_PARQUET, "region,sex,income"),
        ("tests/data/exports/spark_csv_gz", "region,sex,income"),
    ] {
        let flags = ["--group", grouping, "--bin", INCOME_BINS];
        let pieces = directory.path().join("pieces.csv");
        let whole = directory.path().join("whole.csv");
        aggregate(
            Path::new(source),
            &pieces,
            &[&flags[..], &["--chunk-rows", "1000", "--force"]].concat(),
        );
        aggregate(
            Path::new(source),
            &whole,
            &[&flags[..], &["--chunk-rows", "1000000", "--force"]].concat(),
        );
        assert_eq!(
            std::fs::read_to_string(&pieces).unwrap(),
            std::fs::read_to_string(&whole).unwrap(),
            "{source}"
        );
        let raw = audit(Path::new(FLAT), "repaid", &flags);
        let aggregated = audit(
            &pieces,
            "repaid",
            &["--group", grouping, "--weight", "count"],
        );
        assert_eq!(numbers(aggregated), numbers(raw), "{source}");
    }
}

/// A bad value in a later piece is reported at its row of the file, in the file's name.
#[test]
fn a_bad_value_in_a_later_piece_names_the_files_row() {
    let directory = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(FLAT).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Data row 2,345 (line 2,346 with the header): a score that is not a number.
    lines[2345] = lines[2345].replacen(",0.", ",high0.", 1);
    let bad = directory.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = directory.path().join("out.parquet");
    for chunk in ["1000", "1000000"] {
        fails_with(
            fulcrum()
                .arg("aggregate")
                .arg(&bad)
                .args([
                    "--score",
                    "score",
                    "--label",
                    "repaid",
                    "--chunk-rows",
                    chunk,
                    "--out",
                ])
                .arg(&out)
                .assert(),
            &["bad.csv", "row 2345", "high0."],
        );
    }
    // A row with a field too many, in the third piece.
    lines[2345] = text.lines().nth(2345).unwrap().to_owned() + ",extra";
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    fails_with(
        fulcrum()
            .arg("aggregate")
            .arg(&bad)
            .args([
                "--score",
                "score",
                "--label",
                "repaid",
                "--chunk-rows",
                "1000",
                "--out",
            ])
            .arg(&out)
            .assert(),
        &["bad.csv", "row 2345", "fields"],
    );
    assert!(!out.exists());
}

/// The sentence every front end prints about an aggregate rounded to two decimals.
const ROUNDED_NOTE: &str = "scores rounded to 2 decimals: thresholds are exact on the rounded \
    scores; the shift is at most 0.5·10^-2 = 0.005 on the raw scores";

/// `optimize` (table and JSON) and `frontier` (JSON and CSV) on `source`, read with the score
/// column [`ROUNDED_2`], say they ran on scores rounded to two decimals.
fn assert_says_rounded(source: &Path, extra: &[&str]) {
    let run = |command: &str, format: &str| {
        let output = fulcrum()
            .arg(command)
            .arg(source)
            .args([
                "--score", ROUNDED_2, "--label", "repaid", "--format", format,
            ])
            .args(["--constraint", "demographic_parity"])
            .args(if command == "optimize" {
                &["--tolerance", "0.05"][..]
            } else {
                &[]
            })
            .args(extra)
            .assert()
            .success()
            .get_output()
            .clone();
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (table, _) = run("optimize", "table");
    assert!(
        table.contains(&format!("Rounding: {ROUNDED_NOTE}")),
        "{table}"
    );
    let (json, _) = run("optimize", "json");
    let json: Value = serde_json::from_str(&json).unwrap();
    let rounding = &json["settings"]["score_rounding"];
    assert_eq!(rounding["decimals"], 2);
    assert_eq!(rounding["max_threshold_shift"], 0.005);
    assert_eq!(rounding["note"], ROUNDED_NOTE);
    let (json, _) = run("frontier", "json");
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["score_rounding"]["decimals"], 2);
    let (_, stderr) = run("frontier", "csv");
    assert!(stderr.contains(ROUNDED_NOTE), "{stderr}");
}

#[test]
fn optimize_and_frontier_say_when_they_ran_on_rounded_scores() {
    let directory = tempfile::tempdir().unwrap();
    let rounded = directory.path().join("rounded.parquet");
    aggregate(
        Path::new(FLAT),
        &rounded,
        &["--group", "sex", "--decimals", "2"],
    );
    assert_says_rounded(&rounded, &["--group", "sex", "--weight", "count"]);
    // Not rounded: nothing said, `null` in JSON.
    let exact = directory.path().join("exact.parquet");
    aggregate(Path::new(FLAT), &exact, &["--group", "sex"]);
    let output = fulcrum()
        .args(["optimize"])
        .arg(&exact)
        .args(["--score", "score", "--label", "repaid", "--group", "sex"])
        .args([
            "--weight",
            "count",
            "--format",
            "json",
            "--constraint",
            "single",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["settings"]["score_rounding"], Value::Null);
    // A column only named like a rounded one, whose values have more decimals, claims nothing.
    let renamed = directory.path().join("renamed.csv");
    let text = std::fs::read_to_string(FLAT).unwrap();
    let header = text.lines().next().unwrap().replace("score", ROUNDED_2);
    let body: String = text.lines().skip(1).flat_map(|l| [l, "\n"]).collect();
    std::fs::write(&renamed, format!("{header}\n{body}")).unwrap();
    let raw = audit_score(&renamed, ROUNDED_2, "repaid", &["--group", "sex"]);
    assert_eq!(raw["settings"]["score_rounding"], Value::Null);
}

#[test]
fn the_output_is_never_overwritten_without_force() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("agg.csv");
    std::fs::write(&out, "precious").unwrap();
    fails_with(
        fulcrum()
            .arg("aggregate")
            .arg(FLAT)
            .args(["--score", "score", "--label", "repaid", "--out"])
            .arg(&out)
            .assert(),
        &["agg.csv", "--force"],
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    aggregate(Path::new(FLAT), &out, &["--force"]);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("score"));
}

#[test]
fn bad_requests_end_in_exit_2_with_a_reason() {
    let directory = tempfile::tempdir().unwrap();
    fails_with(
        fulcrum()
            .args(["aggregate", "--sql", "duckdb", "--table", "t"])
            .args(["--score", "score", "--label", "repaid", "--group", "income"])
            .args(["--bin", "income=q4"])
            .assert(),
        &["income", "quantile"],
    );
    fails_with(
        fulcrum()
            .arg("aggregate")
            .arg(FLAT)
            .args(["--score", "score", "--label", "repaid", "--decimals", "16"])
            .arg("--out")
            .arg(directory.path().join("a.csv"))
            .assert(),
        &["--decimals", "15"],
    );
    // An attribute named like a column the aggregate adds.
    let clash = directory.path().join("clash.csv");
    std::fs::write(&clash, "score,repaid,count\n0.2,0,a\n0.7,1,b\n").unwrap();
    let out = directory.path().join("clash_agg.csv");
    fails_with(
        fulcrum()
            .arg("aggregate")
            .arg(&clash)
            .args(["--score", "score", "--label", "repaid", "--group", "count"])
            .arg("--out")
            .arg(&out)
            .assert(),
        &["count", "twice"],
    );
    assert!(!out.exists(), "nothing written");
    for rows in ["0", "999", "-5", "1e9", "NaN"] {
        fails_with(
            fulcrum()
                .arg("aggregate")
                .arg(FLAT)
                .args([
                    "--score",
                    "score",
                    "--label",
                    "repaid",
                    "--chunk-rows",
                    rows,
                ])
                .arg("--out")
                .arg(&out)
                .assert(),
            &["--chunk-rows"],
        );
    }
}

#[test]
fn the_sql_quotes_names_and_text_for_each_engine() {
    let grouping = ["--group", "O'Brien,sex", "--weight", "w"];
    let duckdb = sql("duckdb", "scores", &grouping);
    assert!(duckdb.contains(r#""O'Brien" AS "O'Brien""#), "{duckdb}");
    assert!(duckdb.contains(r#"SUM("w") AS "weight""#), "{duckdb}");
    let spark = sql("spark", "db.scores", &grouping);
    assert!(spark.contains("`O'Brien` AS `O'Brien`"), "{spark}");
    assert!(spark.contains("FROM db.scores"), "{spark}");
    let bigquery = sql(
        "bigquery",
        "p.d.t",
        &["--positive", "it's yes", "--group", "sex"],
    );
    assert!(bigquery.contains(r"'it\'s yes'"), "{bigquery}");
    let postgres = sql("postgres", "t", &["--decimals", "3"]);
    assert!(postgres.contains("NUMERIC"), "{postgres}");
    for engine in ["duckdb", "spark", "bigquery", "snowflake", "postgres"] {
        let query = sql(engine, "t", &["--group", "income", "--bin", INCOME_BINS]);
        assert!(query.contains("[30000, 60000)"), "{engine}: {query}");
        assert!(query.contains("GROUP BY 1, 2, 3"), "{engine}: {query}");
    }
}

// ---- real engines -------------------------------------------------------------------------

/// The Python interpreter with `module`, or `None` (with the reason printed) when the test
/// should be skipped. With `FULCRUM_PYTHON` set, a missing module fails the test instead.
fn python_with(module: &str) -> Option<PathBuf> {
    let (python, required) = match std::env::var_os("FULCRUM_PYTHON") {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from("python3"), false),
    };
    let found = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return Some(python);
    }
    assert!(
        !required,
        "FULCRUM_PYTHON={} cannot import {module}",
        python.display()
    );
    eprintln!(
        "skipped: {} cannot import {module} (set FULCRUM_PYTHON to an interpreter that can)",
        python.display()
    );
    None
}

/// Runs a Python script with arguments; panics with its stderr when it fails.
fn run_python(python: &Path, script: &str, args: &[&Path]) {
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const DUCKDB_SCRIPT: &str = r"
import sys, duckdb
query = open(sys.argv[1]).read()
duckdb.sql(query).write_parquet(sys.argv[2])
";

#[test]
fn the_duckdb_query_run_in_duckdb_audits_as_the_raw_rows() {
    let Some(python) = python_with("duckdb") else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let grouping = ["--group", "sex,race,income", "--bin", INCOME_BINS];
    let flat = std::fs::canonicalize(FLAT).unwrap();
    let table = format!("read_csv('{}')", flat.display());
    let query_file = directory.path().join("query.sql");
    std::fs::write(&query_file, sql("duckdb", &table, &grouping)).unwrap();
    let out = directory.path().join("duckdb.parquet");
    run_python(&python, DUCKDB_SCRIPT, &[&query_file, &out]);
    let raw = audit(Path::new(FLAT), "repaid", &grouping);
    let aggregated = audit(&out, "repaid", &AS_AGGREGATED);
    assert!(rows_of(&aggregated) < rows_of(&raw));
    assert_eq!(numbers(aggregated), numbers(raw));

    // Rounded in DuckDB as Fulcrum rounds: the same aggregate as the local one.
    let rounded = [&grouping[..], &["--decimals", "2"]].concat();
    std::fs::write(&query_file, sql("duckdb", &table, &rounded)).unwrap();
    run_python(&python, DUCKDB_SCRIPT, &[&query_file, &out]);
    let local = directory.path().join("local.parquet");
    aggregate(Path::new(FLAT), &local, &rounded);
    assert_eq!(
        audit_score(&out, ROUNDED_2, "repaid", &AS_AGGREGATED)["groups"],
        audit_score(&local, ROUNDED_2, "repaid", &AS_AGGREGATED)["groups"]
    );
    // The rounding's record, the score column's name, survived DuckDB.
    assert_says_rounded(&out, &AS_AGGREGATED);
}

const SPARK_SCRIPT: &str = r#"
import sys
from pyspark.sql import SparkSession
spark = (
    SparkSession.builder.master("local[2]")
    .appName("fulcrum-aggregate-test")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "4")
    .getOrCreate()
)
spark.read.parquet(sys.argv[1]).createOrReplaceTempView("scores")
for query, out in zip(sys.argv[2::2], sys.argv[3::2]):
    spark.sql(open(query).read()).coalesce(2).write.parquet(out)
spark.stop()
"#;

#[test]
fn the_spark_query_run_in_spark_over_part_files_audits_as_the_raw_rows() {
    let Some(python) = python_with("pyspark") else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    // `region` is a Hive partition folder of the export; `income` is binned in Spark.
    let grouping = ["--group", "region,sex,income", "--bin", INCOME_BINS];
    let query_file = directory.path().join("query.sql");
    std::fs::write(&query_file, sql("spark", "scores", &grouping)).unwrap();
    let out = directory.path().join("spark_out");
    // And rounded in Spark as Fulcrum rounds.
    let rounded = [&grouping[..], &["--decimals", "2"]].concat();
    let rounded_query = directory.path().join("rounded.sql");
    std::fs::write(&rounded_query, sql("spark", "scores", &rounded)).unwrap();
    let rounded_out = directory.path().join("spark_rounded");
    let input = std::fs::canonicalize(SPARK_PARQUET).unwrap();
    run_python(
        &python,
        SPARK_SCRIPT,
        &[&input, &query_file, &out, &rounded_query, &rounded_out],
    );
    assert!(out.join("_SUCCESS").exists(), "Spark wrote its folder");
    let raw = audit(Path::new(FLAT), "repaid", &grouping);
    // Spark's output is itself a folder of part files.
    let aggregated = audit(
        &out,
        "repaid",
        &["--group", "region,sex,income", "--weight", "count"],
    );
    assert!(rows_of(&aggregated) < rows_of(&raw));
    assert_eq!(numbers(aggregated), numbers(raw));
    let local = directory.path().join("local.parquet");
    aggregate(Path::new(FLAT), &local, &rounded);
    let as_aggregated = ["--group", "region,sex,income", "--weight", "count"];
    assert_eq!(
        audit_score(&rounded_out, ROUNDED_2, "repaid", &as_aggregated)["groups"],
        audit_score(&local, ROUNDED_2, "repaid", &as_aggregated)["groups"]
    );
    // The rounding's record, the score column's name, survived Spark.
    assert_says_rounded(&rounded_out, &as_aggregated);
}
