//! Engine benchmarks on 10M synthetic rows with 40 intersectional groups (sex × race × region).
//!
//! Run: `cargo bench --bench engine` (release build). Results and the machine are recorded in
//! BENCHMARKS.md. Set `FULCRUM_BENCH_ROWS` to try other sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group};
use fulcrum::analysis::Analysis;
use fulcrum::data::sample::{
    DEFAULT_SEED, lending_dataset, lending_dataset_with_second_model, write_lending_sample,
};
use fulcrum::data::{self, ColumnRoles, LoadOptions};
use fulcrum::engine::{
    AuditOptions, DecisionRule, GroupIndex, GroupedRows, GroupingSpec, SortedDataset,
    UncertaintySettings, audit, audit_uncertainty,
};
use fulcrum::progress::NoProgress;

/// The allocator the `fulcrum` binary uses, so in-process figures (the bare polars read
/// included) are measured as the binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rows() -> usize {
    std::env::var("FULCRUM_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000)
}

fn grouping() -> GroupingSpec {
    GroupingSpec::by_names(&["sex", "race", "region"])
}

/// The benchmark Parquet file, generated once under target/bench-data/.
pub fn parquet_file(rows: usize) -> PathBuf {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(format!("lending-{rows}.parquet"));
    if !path.exists() {
        write_lending_sample(&path, rows, DEFAULT_SEED, 0.0).unwrap();
    }
    path
}

fn roles() -> ColumnRoles {
    ColumnRoles {
        score: "score".into(),
        label: "repaid".into(),
        positive: None,
        attributes: vec!["sex".into(), "race".into(), "region".into()],
        weight: None,
        models: Vec::new(),
    }
}

/// The mapping with both of the sample's models (issue 15).
fn roles_with_two_models() -> ColumnRoles {
    let mut roles = roles();
    roles.set_models(vec![
        data::ModelColumn::of_column("score"),
        data::ModelColumn::of_column("score_v2"),
    ]);
    roles
}

fn engine(c: &mut Criterion) {
    let rows = rows();
    let dataset = lending_dataset(rows, DEFAULT_SEED).unwrap();
    let mut group = c.benchmark_group(format!("engine-{rows}"));
    group.sample_size(10);
    group.bench_function("sort rows by score", |b| {
        b.iter_batched(
            || dataset.clone(),
            |d| black_box(SortedDataset::new(d)),
            criterion::BatchSize::PerIteration,
        );
    });
    group.bench_function("one-pass: group rows into 40 intersections", |b| {
        b.iter(|| black_box(GroupedRows::new(&dataset, &grouping()).unwrap()));
    });
    let grouped = GroupedRows::new(&dataset, &grouping()).unwrap();
    group.bench_function("one-pass: count all rows at one threshold", |b| {
        let thresholds = vec![0.5; grouped.groups().len()];
        b.iter(|| black_box(grouped.counts(&thresholds, DecisionRule::AtLeast)));
    });
    drop(grouped);
    group.bench_function(
        "one-pass: group and count at one threshold (fulcrum audit)",
        |b| {
            b.iter(|| {
                black_box(
                    GroupedRows::counted_at(&dataset, &grouping(), 0.5, DecisionRule::AtLeast)
                        .unwrap(),
                )
            });
        },
    );
    // A second model costs its own sort and partition; the attributes are shared and the rows
    // are assigned to groups once.
    let two_models = lending_dataset_with_second_model(rows, DEFAULT_SEED).unwrap();
    group.bench_function(
        "two models: sort both, group both into 40 intersections",
        |b| {
            b.iter_batched(
                || two_models.clone(),
                |d| {
                    let sorted = SortedDataset::models(d);
                    let sorted: Vec<&SortedDataset> = sorted.iter().collect();
                    black_box(GroupIndex::build_models(&sorted, &grouping()).unwrap())
                },
                criterion::BatchSize::PerIteration,
            );
        },
    );
    group.bench_function("one model: sort, group into 40 intersections", |b| {
        b.iter_batched(
            || dataset.clone(),
            |d| {
                let sorted = SortedDataset::new(d);
                black_box(GroupIndex::build(&sorted, &grouping()).unwrap())
            },
            criterion::BatchSize::PerIteration,
        );
    });
    drop(two_models);
    let sorted = SortedDataset::new(dataset);
    group.bench_function("group 40 intersections (after the sort)", |b| {
        b.iter(|| black_box(GroupIndex::build(&sorted, &grouping()).unwrap()));
    });
    let index = GroupIndex::build(&sorted, &grouping()).unwrap();
    assert_eq!(index.len(), 40);
    group.finish();

    let mut group = c.benchmark_group(format!("threshold-move-{rows}"));
    let options = AuditOptions::default();
    let mut thresholds = vec![0.5; index.len()];
    let mut step = 0usize;
    group.bench_function("all 40 groups' counts after one move", |b| {
        b.iter(|| {
            step = step.wrapping_add(1);
            thresholds[step % 40] = 0.3 + (step % 97) as f64 / 200.0;
            black_box(index.counts(&thresholds, options.rule))
        });
    });
    group.bench_function(
        "full audit (metrics, intervals, disparities) after one move",
        |b| {
            b.iter(|| {
                step = step.wrapping_add(1);
                thresholds[step % 40] = 0.3 + (step % 97) as f64 / 200.0;
                black_box(audit(&index, &thresholds, &options).unwrap())
            });
        },
    );
    // Counts only: the cost does not depend on the rows, only on groups × resamples.
    let audited = audit(&index, &thresholds, &options).unwrap();
    group.bench_function(
        "bootstrap intervals and p-values: 40 groups × 1000 resamples",
        |b| {
            b.iter(|| black_box(audit_uncertainty(&audited, &UncertaintySettings::default())));
        },
    );
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let rows = rows();
    let path = parquet_file(rows);
    let mut group = c.benchmark_group(format!("parquet-{rows}"));
    group.sample_size(10);
    group.bench_function("polars read of the 5 mapped columns", |b| {
        b.iter(|| black_box(read_mapped_columns(&path)));
    });
    group.bench_function(
        "polars read of the 5 mapped columns as a process (start, read, exit)",
        |b| {
            b.iter(|| {
                // This bench binary again, told to read the columns and exit (see `main`).
                let status = std::process::Command::new(std::env::current_exe().unwrap())
                    .env(READ_ONLY_ENV, &path)
                    .status()
                    .unwrap();
                assert!(status.success());
            });
        },
    );
    group.bench_function(
        "audit in process (read, validate, group, count, audit)",
        |b| {
            b.iter(|| {
                let loaded =
                    data::load(&path, &roles(), LoadOptions::default(), &NoProgress).unwrap();
                let grouped = GroupedRows::counted_at(
                    &loaded.dataset,
                    &grouping(),
                    0.5,
                    DecisionRule::AtLeast,
                )
                .unwrap();
                let thresholds = vec![0.5; grouped.groups().len()];
                black_box(
                    grouped
                        .audit(&thresholds, &AuditOptions::default())
                        .unwrap(),
                )
            });
        },
    );
    group.bench_function(
        "`fulcrum audit --format json` as a process (start, audit, print, exit)",
        |b| {
            b.iter(|| {
                let output = std::process::Command::new(env!("CARGO_BIN_EXE_fulcrum"))
                    .args(["audit", "--score", "score", "--label", "repaid"])
                    .args(["--group", "sex,race,region", "--format", "json"])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(output.status.success());
                black_box(output.stdout.len())
            });
        },
    );
    group.bench_function(
        "explorer load (read, validate, sort, group into the index)",
        |b| {
            b.iter(|| {
                black_box(
                    Analysis::load(
                        &path,
                        &roles(),
                        &grouping(),
                        LoadOptions::default(),
                        &NoProgress,
                    )
                    .unwrap(),
                )
            });
        },
    );
    group.bench_function(
        "explorer load of two models (read, validate, sort and group each)",
        |b| {
            b.iter(|| {
                black_box(
                    Analysis::load(
                        &path,
                        &roles_with_two_models(),
                        &grouping(),
                        LoadOptions::default(),
                        &NoProgress,
                    )
                    .unwrap(),
                )
            });
        },
    );
    group.finish();
}

/// The mapped columns of the benchmark file, read by polars and nothing else: the yardstick of
/// the end-to-end target.
fn read_mapped_columns(path: &std::path::Path) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let file = std::fs::File::open(path).unwrap();
    ParquetReader::new(file)
        .with_columns(Some(vec![
            "score".into(),
            "repaid".into(),
            "sex".into(),
            "race".into(),
            "region".into(),
        ]))
        .finish()
        .unwrap()
}

/// When set to a file, this binary reads its mapped columns and exits, so that the bare read can
/// be timed as a process too, like `fulcrum audit`.
const READ_ONLY_ENV: &str = "FULCRUM_BENCH_READ_ONLY";

criterion_group!(benches, engine, end_to_end);

fn main() {
    if let Some(path) = std::env::var_os(READ_ONLY_ENV) {
        black_box(read_mapped_columns(std::path::Path::new(&path)).height());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
