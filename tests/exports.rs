//! Files as warehouses and pipelines write them: Spark's folders of part files (Parquet and
//! gzip CSV, Hive `key=value` partition folders, `_SUCCESS` and `.crc` side files), pyarrow's Hive
//! datasets with an integer partition key, globs, compressed CSV and standard input. Each must
//! audit exactly as the same rows in one plain CSV do. The exports under `tests/data/exports/`
//! were written by the real engines (`tests/data/exports/make_exports.py`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

use std::io::Write;
use std::path::{Path, PathBuf};

mod common;

use common::{fails_with, fulcrum};
use serde_json::Value;

const EXPORTS: &str = "tests/data/exports";

fn export(name: &str) -> PathBuf {
    Path::new(EXPORTS).join(name)
}

/// The audit's numbers (everything but the echoed settings) of `fulcrum audit SOURCE … --group
/// GROUP`, with `stdin` fed to the process when given.
fn audit_numbers(source: &str, group: &str, stdin: Option<Vec<u8>>) -> Value {
    let mut command = fulcrum();
    command.args([
        "audit", source, "--score", "score", "--label", "repaid", "--group", group, "--format",
        "json",
    ]);
    if let Some(bytes) = stdin {
        command.write_stdin(bytes);
    }
    let output = command.assert().success().get_output().stdout.clone();
    let mut value: Value = serde_json::from_slice(&output).unwrap();
    value.as_object_mut().unwrap().remove("settings");
    value
}

fn flat(group: &str) -> Value {
    audit_numbers(&export("flat.csv").to_string_lossy(), group, None)
}

fn audit_fails(source: &Path, group: &str) -> assert_cmd::assert::Assert {
    fulcrum()
        .arg("audit")
        .arg(source)
        .args(["--score", "score", "--label", "repaid", "--group", group])
        .assert()
}

#[test]
fn the_reference_export_has_groups_to_compare() {
    let reference = flat("region,sex");
    let groups = reference["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 8, "4 regions × 2 sexes");
    let total: f64 = groups.iter().map(|g| g["count"].as_f64().unwrap()).sum();
    assert_eq!(total, 3000.0);
}

#[test]
fn a_spark_parquet_folder_partitioned_by_the_group_audits_as_the_flat_file() {
    // `region` exists only in the folder names (`region=East/part-….parquet`).
    let folder = export("spark_parquet");
    assert_eq!(
        audit_numbers(&folder.to_string_lossy(), "region,sex", None),
        flat("region,sex")
    );
}

#[test]
fn a_spark_gzip_csv_folder_audits_as_the_flat_file() {
    let folder = export("spark_csv_gz");
    assert_eq!(
        audit_numbers(&folder.to_string_lossy(), "race", None),
        flat("race")
    );
}

#[test]
fn a_glob_over_part_files_audits_as_the_folder() {
    let pattern = format!("{EXPORTS}/spark_parquet/region=*/part-*.parquet");
    assert_eq!(audit_numbers(&pattern, "region", None), flat("region"));
}

#[test]
fn a_glob_that_matches_nothing_names_the_pattern() {
    let pattern = format!("{EXPORTS}/spark_parquet/region=*/nothing-*.parquet");
    fails_with(
        audit_fails(Path::new(&pattern), "region"),
        &["nothing-*.parquet", "matches no files"],
    );
}

#[test]
fn a_pyarrow_hive_dataset_groups_by_its_integer_partition_key() {
    let folder = export("pyarrow_hive");
    let numbers = audit_numbers(&folder.to_string_lossy(), "cohort", None);
    let keys: Vec<&str> = numbers["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["0", "1", "2"], "cohort = row index mod 3");
    let sizes: Vec<f64> = numbers["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_f64().unwrap())
        .collect();
    assert_eq!(sizes, [1000.0, 1000.0, 1000.0]);
    // Grouped by a data column, the partitioned rows are the flat file's rows.
    assert_eq!(
        audit_numbers(&folder.to_string_lossy(), "sex", None),
        flat("sex")
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn compressed_csv_files_audit_as_the_plain_file() {
    let plain = std::fs::read(export("flat.csv")).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let gz = directory.path().join("lending.csv.gz");
    std::fs::write(&gz, gzip(&plain)).unwrap();
    let zst = directory.path().join("lending.csv.zst");
    std::fs::write(&zst, zstd::encode_all(plain.as_slice(), 3).unwrap()).unwrap();
    // A gzip file whose name does not say so is recognised by its magic bytes.
    let disguised = directory.path().join("lending.csv");
    std::fs::write(&disguised, gzip(&plain)).unwrap();
    let reference = flat("age_band");
    for path in [&gz, &zst, &disguised] {
        assert_eq!(
            audit_numbers(&path.to_string_lossy(), "age_band", None),
            reference,
            "{}",
            path.display()
        );
    }
}

#[test]
fn standard_input_takes_csv_compressed_csv_and_arrow_streams() {
    let plain = std::fs::read(export("flat.csv")).unwrap();
    let reference = flat("sex");
    assert_eq!(audit_numbers("-", "sex", Some(plain.clone())), reference);
    assert_eq!(audit_numbers("-", "sex", Some(gzip(&plain))), reference);
    let stream = std::fs::read(export("flat.arrows")).unwrap();
    assert_eq!(audit_numbers("-", "sex", Some(stream)), reference);
}

#[test]
fn empty_standard_input_is_refused_with_a_message() {
    let assert = fulcrum()
        .args(["audit", "-", "--score", "score", "--label", "repaid"])
        .write_stdin(Vec::new())
        .assert();
    fails_with(assert, &["standard input"]);
}

#[test]
fn a_bad_row_in_a_part_names_the_part_file_and_its_own_row() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("export");
    for (region, body) in [
        ("A", "score,repaid\n0.1,0\n0.9,1\n"),
        ("B", "score,repaid\n0.4,1\nabc,0\n"),
    ] {
        let folder = root.join(format!("region={region}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("part-0.csv"), body).unwrap();
    }
    std::fs::write(root.join("_SUCCESS"), "").unwrap();
    fails_with(
        audit_fails(&root, "region"),
        &["region=B", "part-0.csv", "score", "row 2", "abc"],
    );
}

#[test]
fn folders_that_are_not_one_dataset_are_refused() {
    let directory = tempfile::tempdir().unwrap();
    // Parts in different formats.
    let mixed = directory.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::copy(export("flat.csv"), mixed.join("a.csv")).unwrap();
    std::fs::copy(
        export("pyarrow_hive/cohort=0/part-0.parquet"),
        mixed.join("b.parquet"),
    )
    .unwrap();
    fails_with(audit_fails(&mixed, "sex"), &["mixed", "format"]);

    // Partition folders that do not agree on their keys.
    let uneven = directory.path().join("uneven");
    for folder in ["region=A", "cohort=1"] {
        std::fs::create_dir_all(uneven.join(folder)).unwrap();
        std::fs::copy(export("flat.csv"), uneven.join(folder).join("part.csv")).unwrap();
    }
    fails_with(audit_fails(&uneven, "sex"), &["partition"]);

    // A folder with side files only.
    let empty = directory.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("_SUCCESS"), "").unwrap();
    fails_with(audit_fails(&empty, "sex"), &["empty", "no data files"]);
}

#[test]
fn a_folder_previews_with_its_partition_column_and_standard_input_is_refused() {
    let preview = fulcrum::data::preview(&export("spark_parquet"), 5).unwrap();
    let names: Vec<&str> = preview.columns.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"region"), "{names:?}");
    assert!(names.contains(&"score"), "{names:?}");
    assert_eq!(preview.total_rows, Some(3000), "rows summed over the parts");
    assert_eq!(preview.rows.len(), 5);
    let error = fulcrum::data::preview(Path::new(fulcrum::data::STDIN), 5).unwrap_err();
    assert!(error.to_string().contains("standard input"), "{error}");
}

#[test]
fn a_session_on_a_folder_notices_when_a_part_changes() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("export");
    copy_tree(&export("spark_csv_gz"), &root);
    let session = directory.path().join("decision.fulcrum.json");
    fulcrum()
        .arg("session")
        .arg("new")
        .arg(&root)
        .args(["--score", "score", "--label", "repaid", "--group", "sex"])
        .args(["--criterion", "min_group_count >= 1"])
        .arg("--out")
        .arg(&session)
        .assert()
        .success();
    fulcrum().arg("check").arg(&session).assert().success();

    // One part rewritten (a row dropped): the dataset is no longer the one decided on.
    let part = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.to_string_lossy().ends_with(".csv.gz") && !path.to_string_lossy().contains(".crc")
        })
        .unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&part).unwrap()),
        &mut text,
    )
    .unwrap();
    let shorter: String = text
        .lines()
        .take(10)
        .flat_map(|line| [line, "\n"])
        .collect();
    std::fs::write(&part, gzip(shorter.as_bytes())).unwrap();
    fails_with(
        fulcrum().arg("check").arg(&session).assert(),
        &["the data changed since the session was made"],
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
