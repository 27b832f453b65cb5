//! Frame time of the real explorer while a threshold is dragged, driven headless by `egui_kittest`.
//!
//! Loads a synthetic Parquet file (10M rows by default; `FULCRUM_BENCH_ROWS` to change) grouped
//! into 40 intersections (sex × race × region), drags one group's threshold line across the
//! distribution plot for 200 frames, and reports milliseconds per frame: the UI pass (layout,
//! audit, plots, table) plus tessellation, i.e. the CPU work of a frame before the GPU draws it.
//!
//! Run: `cargo bench --bench frame` (release build); `FULCRUM_BENCH_GROUPING=binned` or `many` for
//! the other groupings. Figures go to BENCHMARKS.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use fulcrum::app::plots::PlotKind;
use fulcrum::app::{FulcrumApp, StartWith};
use fulcrum::data::sample::{DEFAULT_SEED, write_lending_sample};
use fulcrum::data::{ColumnRoles, LoadOptions};
use fulcrum::engine::GroupingSpec;

const FRAMES: usize = 200;

fn main() {
    let rows: usize = std::env::var("FULCRUM_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000);
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(format!("lending-{rows}.parquet"));
    if !path.exists() {
        write_lending_sample(&path, rows, DEFAULT_SEED, 0.0).unwrap();
    }
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| FulcrumApp::new(cc, StartWith::Nothing));
    let mut roles = ColumnRoles {
        score: "score".into(),
        label: "repaid".into(),
        positive: None,
        attributes: ["sex", "race", "age_band", "region", "income"]
            .map(String::from)
            .to_vec(),
        weight: None,
        models: Vec::new(),
    };
    // FULCRUM_BENCH_MODELS=2: both of the sample's models loaded, dragged in compare mode
    // (the second model overlaid in every plot and the table; issue 15).
    let models: usize = std::env::var("FULCRUM_BENCH_MODELS")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1);
    if models > 1 {
        roles.set_models(vec![
            fulcrum::data::ModelColumn::of_column("score"),
            fulcrum::data::ModelColumn::of_column("score_v2"),
        ]);
    }
    // FULCRUM_BENCH_GROUPING: `intersections` (sex × race × region, 40 groups, the default),
    // `binned` (sex × income in 5 quantile bins, 10 groups) or `many` (sex × race × region ×
    // age band, 200+ groups).
    let grouping_name =
        std::env::var("FULCRUM_BENCH_GROUPING").unwrap_or_else(|_| "intersections".into());
    let grouping = match grouping_name.as_str() {
        "binned" => {
            let mut grouping = GroupingSpec::by_names(&["sex", "income"]);
            grouping.attributes[1].binning = Some("q5".parse().unwrap());
            grouping
        }
        "many" => GroupingSpec::by_names(&["sex", "race", "region", "age_band"]),
        _ => GroupingSpec::by_names(&["sex", "race", "region"]),
    };
    let started = Instant::now();
    harness
        .state_mut()
        .load(path, roles, grouping, LoadOptions::default());
    // The first frame that draws the data (the fingerprint may still be running).
    while harness.state().workspace().is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    let first_frame = started.elapsed();
    while harness.state().is_busy() {
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let loaded = started.elapsed();
    if models > 1 {
        harness
            .state_mut()
            .execute(fulcrum::app::state::Edit::SetCompare(Some(1)));
        while harness.state().is_busy() {
            harness.step();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    harness.run_steps(5);
    let groups = harness.state().thresholds().keys().len();
    assert!(
        harness.state().workspace().is_some(),
        "{:?}",
        harness.state().errors()
    );
    // Every group visible, so the plots draw all 40.
    let transform = *harness
        .state()
        .plots()
        .transform(PlotKind::Distribution)
        .unwrap();
    let y = transform.frame().center().y;
    let start = egui::pos2(transform.position_from_point_x(0.5), y);
    let end = egui::pos2(transform.position_from_point_x(0.85), y);
    harness.drag_at(start);
    harness.step();
    let mut frames = Vec::with_capacity(FRAMES);
    let mut last = start;
    for i in 0..FRAMES {
        // Back and forth twice, ending part-way (never where the drag started).
        let t = (i as f32 / (FRAMES - 1) as f32 * std::f32::consts::PI * 2.25)
            .sin()
            .abs();
        last = start + (end - start) * t;
        harness.hover_at(last);
        let frame = Instant::now();
        harness.step();
        let shapes = harness.output().shapes.clone();
        let pixels_per_point = harness.output().pixels_per_point;
        std::hint::black_box(harness.ctx.tessellate(shapes, pixels_per_point));
        frames.push(frame.elapsed());
    }
    harness.drop_at(last);
    harness.step();
    let moved = harness
        .state()
        .thresholds()
        .values()
        .iter()
        .filter(|v| **v != 0.5)
        .count();
    frames.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let percentile = |p: f64| ms(frames[((frames.len() - 1) as f64 * p).round() as usize]);
    println!(
        "explorer frame while dragging: {rows} rows, {groups} groups ({grouping_name}), {models} model(s){}, {FRAMES} frames",
        if models > 1 { " in compare mode" } else { "" }
    );
    println!(
        "  Load to first drawn frame: {:.2} s; to idle (fingerprint, frontier): {:.2} s",
        first_frame.as_secs_f64(),
        loaded.as_secs_f64()
    );
    println!(
        "  frame ms: p50 {:.2}  p95 {:.2}  max {:.2}  (groups whose threshold moved: {})",
        percentile(0.5),
        percentile(0.95),
        ms(*frames.last().unwrap()),
        moved
    );
}
