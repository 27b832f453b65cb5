//! Worst-slice search benchmark: 10M rows, 6 attributes of 2 to 10 levels (2 × 3 × 4 × 5 × 8 ×
//! 10 = 9,600 combinations), every conjunction up to depth 3 compared with the rest on FPR.
//!
//! Run: `cargo bench --bench slices` (release build). Target: the whole search (decisions
//! already made: one pass over the rows to count the cube, then the enumeration) in under 5 s.
//! `FULCRUM_BENCH_ROWS` changes the row count.
//!
//! The data is synthetic and built in memory from a fixed seed (no file): uniform levels,
//! scores uniform, labels drawn as calibrated outcomes, with one planted intersection (levels 0
//! of the first three attributes) whose negatives are selected more often.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fulcrum::engine::Metric;
use fulcrum::engine::grouping::CodedAttribute;
use fulcrum::engine::slices::{Direction, SliceCube, SliceSettings, search_slices};

const LEVELS: [usize; 6] = [2, 3, 4, 5, 8, 10];

fn rows() -> usize {
    std::env::var("FULCRUM_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000)
}

/// `SplitMix64`: a tiny deterministic generator.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Data {
    attributes: Vec<CodedAttribute<'static>>,
    labels: Vec<bool>,
    selected: Vec<bool>,
}

fn data(rows: usize) -> Data {
    let mut random = SplitMix(20_261_205);
    let mut codes: Vec<Vec<u32>> = LEVELS.iter().map(|_| Vec::with_capacity(rows)).collect();
    let mut labels = Vec::with_capacity(rows);
    let mut selected = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut planted = true;
        for (i, (column, levels)) in codes.iter_mut().zip(LEVELS).enumerate() {
            let code = (random.next() % levels as u64) as u32;
            planted &= i >= 3 || code == 0;
            column.push(code);
        }
        let score = random.unit();
        let positive = random.unit() < score;
        let threshold = if planted && !positive { 0.4 } else { 0.5 };
        labels.push(positive);
        selected.push(score >= threshold);
    }
    let attributes = codes
        .into_iter()
        .zip(LEVELS)
        .enumerate()
        .map(|(i, (codes, levels))| CodedAttribute {
            name: format!("a{i}"),
            levels: (0..levels).map(|l| format!("l{l}")).collect(),
            codes: Cow::Owned(codes),
        })
        .collect();
    Data {
        attributes,
        labels,
        selected,
    }
}

fn slices(c: &mut Criterion) {
    let rows = rows();
    let data = data(rows);
    let settings = SliceSettings {
        metric: Metric::Fpr,
        depth: 3,
        min_count: 1_000.0,
        confidence: 0.95,
        direction: Direction::Higher,
        top: 10,
    };
    let cube = SliceCube::build(&data.attributes, &data.labels, &data.selected, None);
    let report = search_slices(&cube, &settings).unwrap();
    assert_eq!(
        report.slices[0].key(),
        "a0=l0 × a1=l0 × a2=l0",
        "the planted slice is the worst"
    );
    eprintln!(
        "{rows} rows: {} combinations in the cube, {} conjunctions looked at, {} tested",
        cube.len(),
        report.enumerated,
        report.tested
    );
    let mut group = c.benchmark_group("slices");
    group.sample_size(10);
    group.bench_function(
        format!("count the cube, {rows} rows × 6 attributes"),
        |b| {
            b.iter(|| {
                black_box(SliceCube::build(
                    &data.attributes,
                    &data.labels,
                    &data.selected,
                    None,
                ))
            });
        },
    );
    group.bench_function("enumerate and rank every conjunction to depth 3", |b| {
        b.iter(|| black_box(search_slices(&cube, &settings).unwrap()));
    });
    group.bench_function(format!("whole search, {rows} rows, depth 3"), |b| {
        b.iter(|| {
            let cube = SliceCube::build(&data.attributes, &data.labels, &data.selected, None);
            black_box(search_slices(&cube, &settings).unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, slices);
criterion_main!(benches);
