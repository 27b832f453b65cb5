//! Optimizer benchmarks: exact accuracy–fairness frontiers on 10M rows in 16 groups, and single
//! optimizations on 1M rows, with scores rounded to 4 decimals (as the bundled sample: ≤ 10,001
//! distinct scores per group) and with every score distinct (the worst case: one cut per row).
//!
//! Run: `cargo bench --bench optimize` (release build). Targets: a 101-point demographic-parity
//! or equal-opportunity frontier on 10M rows in under 1 s; one optimization on ≤ 1M rows within
//! 16 ms (a frame). Set `FULCRUM_BENCH_ROWS` to change the frontier's row count (the single
//! optimizations use a tenth of it).
//!
//! The data is synthetic and built straight into a `GroupIndex` (no file, no sort of 10M rows):
//! 16 groups of unequal size, score distributions and base rates, labels drawn as calibrated
//! outcomes of the score, from a fixed seed.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fulcrum::engine::{
    Attribute, AttributeValues, Dataset, DecisionRule, Group, GroupIndex, GroupingSpec, ScoreCurve,
    SortedDataset, SplitRows,
};
use fulcrum::optimize::{
    Capacity, Constraint, FrontierRequest, Objective, OptimizeRequest, PreparedProblem,
    cross_validated_frontier, frontier, optimize, optimize_with_fixed,
};
use fulcrum::progress::NoProgress;

const GROUPS: usize = 16;

fn frontier_rows() -> usize {
    std::env::var("FULCRUM_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000)
}

/// `SplitMix64`: a tiny deterministic generator, so the data never depends on a crate's version.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Group `g` gets a share of the rows growing with g, a score skew and a calibration shift of
/// its own. Yields (score, positive) rows.
fn rows_of_group(
    group: usize,
    rows: usize,
    random: &mut SplitMix,
) -> impl Iterator<Item = (f64, bool)> + '_ {
    let skew = 0.6 + 0.06 * group as f64;
    let shift = 0.15 * ((group % 5) as f64 - 2.0);
    (0..rows).map(move |_| {
        let score = random.next_f64().powf(skew);
        let odds = (score / (1.0 - score).max(1e-9)).ln() + shift;
        let positive = random.next_f64() < 1.0 / (1.0 + (-odds).exp());
        (score, positive)
    })
}

fn group_sizes(rows: usize) -> Vec<usize> {
    let parts: usize = (1..=GROUPS).sum();
    (1..=GROUPS).map(|g| rows * g / parts).collect()
}

fn index_of(curves: Vec<ScoreCurve>) -> GroupIndex {
    let groups = curves
        .into_iter()
        .enumerate()
        .map(|(g, curve)| Group {
            key: format!("group {g:02}"),
            levels: vec![format!("group {g:02}")],
            curve,
        })
        .collect();
    GroupIndex::from_groups(vec!["group".into()], groups)
}

/// Scores rounded to 4 decimals, aggregated per (score, label) as frequency weights.
fn rounded_index(rows: usize) -> GroupIndex {
    let mut random = SplitMix(7);
    let curves = group_sizes(rows)
        .into_iter()
        .enumerate()
        .map(|(g, size)| {
            let mut counts = vec![[0u64; 2]; 10_001];
            for (score, positive) in rows_of_group(g, size, &mut random) {
                let bucket = (score * 10_000.0).round() as usize;
                counts[bucket.min(10_000)][usize::from(positive)] += 1;
            }
            ScoreCurve::from_sorted(counts.iter().enumerate().flat_map(|(bucket, [n, p])| {
                let score = bucket as f64 / 10_000.0;
                [(score, false, *n as f64), (score, true, *p as f64)]
                    .into_iter()
                    .filter(|row| row.2 > 0.0)
            }))
        })
        .collect();
    index_of(curves)
}

/// Every score distinct: one cut per row.
fn distinct_index(rows: usize) -> GroupIndex {
    let mut random = SplitMix(11);
    let curves = group_sizes(rows)
        .into_iter()
        .enumerate()
        .map(|(g, size)| {
            let mut rows: Vec<(f64, bool)> = rows_of_group(g, size, &mut random).collect();
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            ScoreCurve::from_sorted(rows.into_iter().map(|(s, p)| (s, p, 1.0)))
        })
        .collect();
    index_of(curves)
}

fn frontiers(c: &mut Criterion) {
    let rows = frontier_rows();
    let index = rounded_index(rows);
    let mut group = c.benchmark_group(format!("frontier-{rows}-rows-{GROUPS}-groups"));
    group.sample_size(10);
    for constraint in [Constraint::DemographicParity, Constraint::EqualOpportunity] {
        let request = FrontierRequest {
            constraint,
            points: 101,
            ..FrontierRequest::default()
        };
        group.bench_function(format!("{constraint}, 101 points, 4-decimal scores"), |b| {
            b.iter(|| black_box(frontier(&index, &request, &NoProgress).unwrap()));
        });
    }
    group.finish();
}

fn single_optimizations(c: &mut Criterion) {
    let rows = frontier_rows() / 10;
    for (name, index) in [
        ("4-decimal scores", rounded_index(rows)),
        ("distinct scores", distinct_index(rows)),
    ] {
        let mut group = c.benchmark_group(format!("optimize-{rows}-rows-{GROUPS}-groups-{name}"));
        group.sample_size(10);
        for constraint in Constraint::ALL {
            let request = OptimizeRequest {
                constraint,
                tolerance: 0.01,
                ..OptimizeRequest::default()
            };
            group.bench_function(format!("{constraint} within 0.01"), |b| {
                b.iter(|| black_box(optimize(&index, &request, &NoProgress).unwrap()));
            });
        }
        let parity = OptimizeRequest {
            constraint: Constraint::DemographicParity,
            tolerance: 0.01,
            ..OptimizeRequest::default()
        };
        let held = index.groups()[0].curve.values()[index.groups()[0].curve.values().len() / 2];
        group.bench_function("hold demographic parity with one group fixed", |b| {
            b.iter(|| {
                black_box(optimize_with_fixed(&index, &parity, &[(0, held)], &NoProgress).unwrap())
            });
        });
        let prepared = PreparedProblem::new(
            Arc::new(index.clone()),
            Constraint::DemographicParity,
            Objective::Accuracy,
            DecisionRule::AtLeast,
        )
        .unwrap();
        group.bench_function("hold demographic parity, prepared once", |b| {
            b.iter(|| {
                black_box(
                    prepared
                        .optimize(0.01, None, &[(0, held)], &NoProgress)
                        .unwrap(),
                )
            });
        });
        let capacity = OptimizeRequest {
            capacity: Some(Capacity::Percent(30.0)),
            ..parity
        };
        group.bench_function("demographic parity within 0.01, at most 30%", |b| {
            b.iter(|| black_box(optimize(&index, &capacity, &NoProgress).unwrap()));
        });
        group.finish();
    }
}

/// The rows of [`distinct_index`] as a sorted dataset (cross-validation deals rows, so it needs
/// them, not only the curves): every score distinct, one attribute of 16 groups.
fn distinct_rows(rows: usize) -> SortedDataset {
    let mut random = SplitMix(11);
    let (mut scores, mut labels, mut codes) = (Vec::new(), Vec::new(), Vec::new());
    for (g, size) in group_sizes(rows).into_iter().enumerate() {
        for (score, positive) in rows_of_group(g, size, &mut random) {
            scores.push(score);
            labels.push(positive);
            codes.push(g as u32);
        }
    }
    let attribute = Attribute {
        name: "group".into(),
        values: AttributeValues::Categorical {
            levels: (0..GROUPS).map(|g| format!("group {g:02}")).collect(),
            codes,
        },
    };
    SortedDataset::new(Dataset::new(scores, labels, None, vec![attribute]).unwrap())
}

/// The cross-validated frontier of the target: 1M rows with every score distinct, 100
/// tolerances, 5 folds (each fold's fit and held-out indexes built, fitted and scored).
fn cross_validated(c: &mut Criterion) {
    let rows = frontier_rows() / 10;
    let sorted = distinct_rows(rows);
    let spec = GroupingSpec::by_names(&["group"]);
    let request = FrontierRequest {
        constraint: Constraint::DemographicParity,
        points: 100,
        ..FrontierRequest::default()
    };
    let whole = GroupIndex::build(&sorted, &spec).unwrap();
    let tolerances: Vec<f64> = frontier(&whole, &request, &NoProgress)
        .unwrap()
        .points
        .iter()
        .map(|p| p.tolerance)
        .collect();
    let mut group = c.benchmark_group(format!("cross-validated-{rows}-rows-distinct-scores"));
    group.sample_size(10);
    group.bench_function("demographic parity, 100 points, 5 folds", |b| {
        b.iter(|| {
            let folds = SplitRows::folds(&sorted, &spec, 5, 1).unwrap();
            black_box(
                cross_validated_frontier(&folds, &request, &tolerances, 0.95, &NoProgress).unwrap(),
            )
        });
    });
    group.bench_function("the plain frontier, for comparison", |b| {
        b.iter(|| black_box(frontier(&whole, &request, &NoProgress).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, frontiers, single_optimizations, cross_validated);
criterion_main!(benches);
