//! The explorer window driven headless with `egui_kittest`: find widgets by label, click, drag,
//! and check that what the window shows is exactly what the engine computes.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use fulcrum::app::error::AppError;
use fulcrum::app::plots::PlotKind;
use fulcrum::app::state::Edit;
use fulcrum::app::{FulcrumApp, StartWith, sample_roles};
use fulcrum::data::LoadOptions;
use fulcrum::engine::{AuditOptions, GroupingSpec, Metric, audit};
use fulcrum::report::format::rate;

fn explorer(start: StartWith) -> Harness<'static, FulcrumApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_eframe(move |cc| FulcrumApp::new(cc, start));
    settle(&mut harness);
    harness
}

/// Steps the window until no background job is running, then until it is idle.
fn settle(harness: &mut Harness<'static, FulcrumApp>) {
    for _ in 0..6000 {
        harness.step();
        if !harness.state().is_busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !harness.state().is_busy(),
        "a background job did not finish"
    );
    harness.run_steps(4);
}

/// The JSON report the window exports (File → Report…, through its command), as written.
fn exported_report(harness: &mut Harness<'static, FulcrumApp>) -> serde_json::Value {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("report.json");
    harness
        .state_mut()
        .execute(fulcrum::app::Command::ExportReport(path.clone()));
    harness.run_steps(1);
    settle(harness);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn keys(harness: &Harness<'static, FulcrumApp>) -> Vec<String> {
    harness
        .state()
        .thresholds()
        .keys()
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}

/// What a slider set to `value` gives group `key`: its lowest score at or above `value` (the
/// window snaps thresholds to real scores; decisions are the same).
fn snapped(harness: &Harness<'static, FulcrumApp>, key: &str, value: f64) -> f64 {
    let index = &harness.state().workspace().unwrap().index;
    let values = index.groups()[index.position(key).unwrap()].curve.values();
    values[values.partition_point(|v| *v < value)]
}

fn threshold_of(harness: &Harness<'static, FulcrumApp>, key: &str) -> f64 {
    let state = harness.state().thresholds();
    let i = state.position(&key.into()).unwrap();
    state.values()[i]
}

#[test]
fn it_starts_with_the_sample_grouped_by_race() {
    let harness = explorer(StartWith::Sample);
    let workspace = harness.state().workspace().expect("the sample is loaded");
    assert_eq!(workspace.file_name(), "lending.csv");
    assert_eq!(workspace.sorted.len(), 30_000);
    assert_eq!(
        keys(&harness),
        ["Asian", "Black", "Hispanic", "Other", "White"]
    );
    assert!(
        harness
            .state()
            .thresholds()
            .values()
            .iter()
            .all(|t| *t == 0.5)
    );
    // The table and the summary are on screen.
    harness.get_by_label("Overall");
    harness.get_by_label_contains("four-fifths rule");
}

#[test]
fn moving_a_slider_changes_that_groups_rates_to_the_engines_values() {
    let mut harness = explorer(StartWith::Sample);
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.7);
    harness.run_steps(3);
    assert_eq!(
        threshold_of(&harness, "Black"),
        snapped(&harness, "Black", 0.7)
    );
    // The engine, independently, at the same thresholds.
    let workspace = harness.state().workspace().unwrap();
    let thresholds: Vec<f64> = harness.state().thresholds().values().to_vec();
    let expected = audit(&workspace.index, &thresholds, &AuditOptions::default()).unwrap();
    let shown = harness.state().audit().unwrap();
    let black = workspace.index.position("Black").unwrap();
    for metric in [Metric::Tpr, Metric::Fpr, Metric::SelectionRate] {
        let value = expected.groups[black].values.get(metric);
        assert_eq!(shown.groups[black].values.get(metric), value);
        // The table shows it (to three decimals).
        assert!(
            !harness
                .query_all_by_label(&rate(value))
                .collect::<Vec<_>>()
                .is_empty(),
            "{metric:?} {} not in the table",
            rate(value)
        );
    }
    // Other groups did not move.
    assert_eq!(threshold_of(&harness, "White"), 0.5);
    assert_ne!(
        expected.groups[black].values.get(Metric::SelectionRate),
        expected.groups[workspace.index.position("White").unwrap()]
            .values
            .get(Metric::SelectionRate)
    );
}

#[test]
fn ticking_a_second_attribute_gives_the_intersections() {
    let mut harness = explorer(StartWith::Sample);
    harness.get_by_role_and_label(Role::CheckBox, "sex").click();
    harness.step();
    settle(&mut harness);
    let keys = keys(&harness);
    assert_eq!(keys.len(), 10, "{keys:?}");
    assert!(keys.contains(&"Black × Female".to_owned()), "{keys:?}");
    assert_eq!(
        harness.state().workspace().unwrap().index.attribute_names(),
        ["race", "sex"]
    );
}

#[test]
fn a_bad_file_shows_the_message_and_keeps_the_old_data() {
    let mut harness = explorer(StartWith::Sample);
    // A file that does not exist.
    harness
        .state_mut()
        .open_path(std::path::Path::new("no/such/data.csv"));
    settle(&mut harness);
    assert!(
        harness
            .state()
            .errors()
            .iter()
            .any(|e| matches!(e, AppError::Load(_)) && e.to_string().contains("no/such/data.csv")),
        "{:?}",
        harness.state().errors()
    );
    harness.get_by_label_contains("cannot read the file");
    // A file whose score column holds text.
    let directory = tempfile::tempdir().unwrap();
    let bad = directory.path().join("bad.csv");
    std::fs::write(
        &bad,
        "score,repaid,sex,race,age_band,region,income\n0.5,1,F,A,x,y,1\nhigh,0,M,B,x,y,2\n",
    )
    .unwrap();
    harness.state_mut().load(
        bad,
        sample_roles(),
        GroupingSpec::by_names(&["race"]),
        LoadOptions::default(),
    );
    settle(&mut harness);
    assert!(
        harness
            .state()
            .errors()
            .iter()
            .any(|e| matches!(e, AppError::Analysis(_))
                && e.to_string().contains("row 2 holds `high`")),
        "{:?}",
        harness.state().errors()
    );
    // The sample is still there.
    assert_eq!(
        harness.state().workspace().unwrap().file_name(),
        "lending.csv"
    );
    assert_eq!(keys(&harness).len(), 5);
}

#[test]
fn undo_and_redo_restore_thresholds() {
    let mut harness = explorer(StartWith::Sample);
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.7);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Slider, "White")
        .set_value_accesskit(0.3);
    harness.run_steps(2);
    let (black, white) = (
        snapped(&harness, "Black", 0.7),
        snapped(&harness, "White", 0.3),
    );
    assert_eq!(
        (
            threshold_of(&harness, "Black"),
            threshold_of(&harness, "White")
        ),
        (black, white)
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert_eq!(
        (
            threshold_of(&harness, "Black"),
            threshold_of(&harness, "White")
        ),
        (black, 0.5)
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert_eq!(
        (
            threshold_of(&harness, "Black"),
            threshold_of(&harness, "White")
        ),
        (0.5, 0.5)
    );
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    harness.run_steps(2);
    assert_eq!(threshold_of(&harness, "Black"), black);
}

#[test]
fn dragging_a_threshold_line_in_the_distribution_plot_moves_it() {
    let mut harness = explorer(StartWith::Sample);
    let transform = *harness
        .state()
        .plots()
        .transform(PlotKind::Distribution)
        .unwrap();
    let frame = *transform.frame();
    let y = frame.center().y;
    let x = |value: f64| transform.position_from_point_x(value);
    let start = egui::pos2(x(0.5), y);
    let end = egui::pos2(x(0.8), y);
    harness.drag_at(start);
    harness.step();
    for step in 1..=10 {
        let t = step as f32 / 10.0;
        harness.hover_at(start + (end - start) * t);
        harness.step();
    }
    harness.drop_at(end);
    harness.run_steps(3);
    // Every group starts at 0.5, so the grab takes the first drawn: one group moved to ≈ 0.8.
    let values = harness.state().thresholds().values().to_vec();
    let moved: Vec<f64> = values.iter().copied().filter(|v| *v != 0.5).collect();
    assert_eq!(moved.len(), 1, "{values:?}");
    assert!((moved[0] - 0.8).abs() < 0.01, "{values:?}");
    // One drag is one undo step.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .thresholds()
            .values()
            .iter()
            .all(|v| *v == 0.5)
    );
}

#[test]
fn arrow_keys_step_the_selected_group_to_its_next_score() {
    let mut harness = explorer(StartWith::Sample);
    // The group's name in the thresholds panel (the legend above the plots has one too).
    let name = harness
        .get_all_by_role_and_label(Role::Button, "Asian")
        .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .unwrap();
    name.click();
    harness.run_steps(2);
    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(2);
    let workspace = harness.state().workspace().unwrap();
    let asian = &workspace.index.groups()[workspace.index.position("Asian").unwrap()];
    let values = asian.curve.values();
    let next = values[values.partition_point(|v| *v <= 0.5)];
    assert_eq!(threshold_of(&harness, "Asian"), next);
}

/// An image snapshot of the first view (rendered on the CPU; see tests/snapshots/).
#[test]
fn snapshot_of_the_first_view() {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .wgpu()
        .build_eframe(|cc| FulcrumApp::new(cc, StartWith::Sample));
    // Where the harness renders on the CPU (lavapipe, as in CI) the window would draw light;
    // the image is of full drawing, since the harness does not clear to the window's colour,
    // which light drawing relies on.
    harness.state_mut().set_light_drawing(Some(false));
    settle(&mut harness);
    harness.snapshot("explorer_sample");
}

fn group_position(harness: &Harness<'static, FulcrumApp>, key: &str) -> usize {
    harness
        .state()
        .workspace()
        .unwrap()
        .index
        .position(key)
        .unwrap()
}

#[test]
fn optimized_thresholds_apply_in_one_undoable_step() {
    use fulcrum::optimize::{Constraint, Objective, OptimizeRequest, optimize};
    let mut harness = explorer(StartWith::Sample);
    {
        let panel = harness.state_mut().optimize_panel();
        panel.constraint = Constraint::EqualOpportunity;
        panel.tolerance = 0.02;
    }
    harness.get_by_label("Find thresholds").click();
    harness.step();
    settle(&mut harness);
    harness.get_by_label("Apply these thresholds").click();
    harness.run_steps(3);
    // The same optimization straight from the library.
    let index = harness.state().workspace().unwrap().index.clone();
    let expected = optimize(
        &index,
        &OptimizeRequest {
            constraint: Constraint::EqualOpportunity,
            tolerance: 0.02,
            objective: Objective::Accuracy,
            capacity: None,
            rule: fulcrum::engine::DecisionRule::AtLeast,
        },
        &fulcrum::progress::NoProgress,
    )
    .unwrap();
    assert_eq!(
        harness.state().thresholds().values(),
        expected.thresholds.as_slice()
    );
    let audit = harness.state().audit().unwrap();
    assert!(audit.summary.equal_opportunity_difference.unwrap() <= 0.02);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .thresholds()
            .values()
            .iter()
            .all(|t| *t == 0.5)
    );
}

#[test]
fn clicking_a_frontier_point_applies_its_thresholds() {
    // The frontier of the default constraint is computed on its own after loading: no click.
    let mut harness = explorer(StartWith::Sample);
    harness.run_steps(2);
    let rows = harness.state().tuning_rows().unwrap();
    let point = harness
        .state_mut()
        .optimize_panel()
        .frontier_points(&rows)
        .unwrap()[0]
        .clone();
    let transform = harness
        .state_mut()
        .optimize_panel()
        .frontier_transform
        .unwrap();
    let at = transform.position_from_point(&egui_plot::PlotPoint::new(
        point.solution.gap.unwrap_or(0.0),
        point.solution.objective,
    ));
    harness.hover_at(at);
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.run_steps(3);
    assert_eq!(
        harness.state().thresholds().values(),
        point.solution.thresholds.as_slice()
    );
}

#[test]
fn the_frontier_follows_the_chosen_constraint() {
    use fulcrum::optimize::{Constraint, FrontierRequest, Objective, frontier};
    use fulcrum::progress::NoProgress;
    let mut harness = explorer(StartWith::Sample);
    let rows = harness.state().tuning_rows().unwrap();
    let index = rows.index.clone();
    harness.state_mut().optimize_panel().constraint = Constraint::DemographicParity;
    harness.step();
    settle(&mut harness);
    let shown: Vec<f64> = harness
        .state_mut()
        .optimize_panel()
        .frontier_points(&rows)
        .expect("the frontier was recomputed for the new constraint")
        .iter()
        .map(|p| p.solution.objective)
        .collect();
    let request = FrontierRequest {
        constraint: Constraint::DemographicParity,
        objective: Objective::Accuracy,
        rule: fulcrum::engine::DecisionRule::AtLeast,
        points: shown.len(),
    };
    let expected: Vec<f64> = frontier(&index, &request, &NoProgress)
        .unwrap()
        .points
        .iter()
        .map(|p| p.solution.objective)
        .collect();
    assert_eq!(shown, expected);
}

#[test]
fn hold_parity_keeps_the_gap_while_one_group_moves() {
    use fulcrum::optimize::Constraint;
    let mut harness = explorer(StartWith::Sample);
    {
        let panel = harness.state_mut().optimize_panel();
        panel.constraint = Constraint::EqualOpportunity;
        panel.tolerance = 0.03;
        panel.hold_parity = true;
    }
    harness
        .get_by_role_and_label(Role::Slider, "White")
        .set_value_accesskit(0.65);
    harness.run_steps(2);
    settle(&mut harness);
    let white = threshold_of(&harness, "White");
    assert_eq!(
        white,
        snapped(&harness, "White", 0.65),
        "the moved group stays put"
    );
    let audit = harness.state().audit().unwrap();
    let gap = audit.summary.equal_opportunity_difference.unwrap();
    assert!(
        gap <= 0.03,
        "TPR gap {gap} with {:?}",
        harness.state().thresholds().values()
    );
    // The others moved to keep it.
    assert_ne!(threshold_of(&harness, "Black"), 0.5);
}

#[test]
fn a_saved_session_reopens_with_the_same_thresholds_criteria_and_scenarios() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("decision.json");
    let mut harness = explorer(StartWith::Sample);
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.62);
    harness.run_steps(3);
    let thresholds = harness.state().thresholds().values().to_vec();
    // A scenario and a criterion, through the panel.
    let name = harness.get_by_role_and_label(Role::TextInput, "Name");
    name.click();
    name.type_text("Black at 0.62");
    harness.run_steps(1);
    harness.get_by_label("Save current").click();
    harness.run_steps(2);
    let field = harness.get_by_role_and_label(Role::TextInput, "New");
    field.click();
    field.type_text("demographic_parity_ratio >= 0.8");
    harness.run_steps(1);
    harness.get_by_label("Add").click();
    harness.run_steps(2);
    assert!(harness.state().is_dirty());
    assert!(harness.state_mut().save_session_to(&path));
    assert!(!harness.state().is_dirty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("demographic_parity_ratio >= 0.8"), "{text}");
    assert!(text.contains("Black at 0.62"), "{text}");

    let mut reopened = explorer(StartWith::Nothing);
    reopened.state_mut().open_session(&path);
    settle(&mut reopened);
    assert_eq!(
        reopened.state().thresholds().values(),
        thresholds.as_slice()
    );
    assert_eq!(reopened.state().session_path(), Some(path.as_path()));
    assert!(!reopened.state().is_dirty());
    // The criterion is evaluated live, and the scenario is there.
    reopened.get_by_label_contains("demographic_parity_ratio >= 0.8 (= ");
    reopened.get_by_label("Black at 0.62");
}

#[test]
fn unsaved_changes_are_offered_for_saving_before_opening_another_file() {
    let mut harness = explorer(StartWith::Sample);
    harness
        .get_by_role_and_label(Role::Slider, "Asian")
        .set_value_accesskit(0.4);
    harness.run_steps(3);
    harness
        .state_mut()
        .guard(fulcrum::app::PendingAction::OpenSample);
    harness.run_steps(2);
    harness.get_by_label("Save your changes?");
    harness.get_by_label("Don't save").click();
    harness.step();
    settle(&mut harness);
    assert!(
        harness
            .state()
            .thresholds()
            .values()
            .iter()
            .all(|t| *t == 0.5)
    );
}

#[test]
fn a_session_whose_data_changed_says_so_and_loads_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("lending.csv");
    std::fs::copy("sample_data/lending.csv", &data).unwrap();
    let session = directory.path().join("s.json");
    let mut harness = explorer(StartWith::Nothing);
    harness.state_mut().load(
        data.clone(),
        sample_roles(),
        GroupingSpec::by_names(&["sex"]),
        LoadOptions::default(),
    );
    settle(&mut harness);
    assert!(harness.state_mut().save_session_to(&session));
    // The data changes after the session was saved.
    let mut text = std::fs::read_to_string(&data).unwrap();
    text = text.replacen(",1,", ",0,", 50);
    std::fs::write(&data, text).unwrap();
    let mut reopened = explorer(StartWith::Nothing);
    reopened.state_mut().open_session(&session);
    reopened.run_steps(3);
    reopened.get_by_label("The session's data is not as recorded");
    reopened.get_by_label_contains("has changed since the session was saved");
    assert!(reopened.state().workspace().is_none());
    let _ = group_position;
}

#[test]
fn dragging_works_with_forty_intersectional_groups() {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(|cc| FulcrumApp::new(cc, StartWith::Nothing));
    let roles = sample_roles();
    harness.state_mut().load(
        std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample_data/lending.csv"
        )),
        roles,
        GroupingSpec::by_names(&["sex", "race", "region"]),
        LoadOptions::default(),
    );
    settle(&mut harness);
    assert_eq!(keys(&harness).len(), 40);
    let transform = *harness
        .state()
        .plots()
        .transform(PlotKind::Distribution)
        .unwrap();
    let y = transform.frame().center().y;
    let start = egui::pos2(transform.position_from_point_x(0.5), y);
    let end = egui::pos2(transform.position_from_point_x(0.8), y);
    harness.drag_at(start);
    harness.step();
    for step in 1..=10 {
        harness.hover_at(start + (end - start) * (step as f32 / 10.0));
        harness.step();
    }
    harness.drop_at(end);
    harness.run_steps(3);
    let values = harness.state().thresholds().values().to_vec();
    let moved = values.iter().filter(|v| **v != 0.5).count();
    assert_eq!(moved, 1, "{values:?}");
}

#[test]
fn idle_frames_never_regroup_the_rows_even_with_quantile_bins_and_the_governance_panel() {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_eframe(|cc| FulcrumApp::new(cc, StartWith::Nothing));
    let mut grouping = GroupingSpec::by_names(&["sex", "income"]);
    grouping.attributes[1].binning = Some("q5".parse().unwrap());
    harness.state_mut().load(
        std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample_data/lending.csv"
        )),
        sample_roles(),
        grouping,
        LoadOptions::default(),
    );
    settle(&mut harness);
    assert_eq!(keys(&harness).len(), 12, "{:?}", keys(&harness));
    // The new session records the edges the quantiles had (frozen on a worker after the first
    // frame, with the fingerprint).
    let workspace = harness.state().workspace().unwrap();
    let frozen =
        fulcrum::session::freeze_grouping(&workspace.sorted, &workspace.grouping, &workspace.index);
    assert!(matches!(
        frozen.attributes[1].binning,
        Some(fulcrum::engine::Binning::Edges { .. })
    ));
    assert_eq!(harness.state().state().session().unwrap().grouping, frozen);
    let builds = fulcrum::engine::index::group_index_builds();
    let refreshes = harness.state().derived_refreshes();
    harness.run_steps(100);
    assert_eq!(
        fulcrum::engine::index::group_index_builds(),
        builds,
        "idle frames rebuilt the group index"
    );
    assert_eq!(
        harness.state().derived_refreshes(),
        refreshes,
        "idle frames recomputed the audit, the session or the criteria"
    );
    // A change is still seen: moving a threshold makes the session dirty and recomputes derived
    // state once, then it is cached.
    harness.state_mut().execute(Edit::SetThreshold {
        group: 0,
        value: 0.9,
    });
    harness.run_steps(2);
    assert!(harness.state().is_dirty());
    assert_eq!(harness.state().derived_refreshes(), refreshes + 1);
    let after_change = fulcrum::engine::index::group_index_builds();
    harness.run_steps(50);
    assert_eq!(fulcrum::engine::index::group_index_builds(), after_change);
    assert_eq!(harness.state().derived_refreshes(), refreshes + 1);
}

/// A file dropped on the window, as the platform layer hands it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_session_file_opens_like_a_document_and_the_title_follows_it() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("review.json");
    let mut harness = explorer(StartWith::Sample);
    assert_eq!(
        harness.state().window_title(),
        "lending.csv (new session) — Fulcrum"
    );
    harness
        .get_by_role_and_label(Role::Slider, "White")
        .set_value_accesskit(0.7);
    harness.run_steps(3);
    assert_eq!(
        harness.state().window_title(),
        "● lending.csv (new session) — Fulcrum",
        "an unsaved change is marked"
    );
    // The rationale is edited through the panel too.
    harness.get_by_label("Rationale").click();
    harness.run_steps(1);
    let rationale = harness.get_by_role_and_label(Role::MultilineTextInput, "Rationale");
    rationale.click();
    rationale.type_text("Equal opportunity within 0.03.");
    harness.run_steps(2);
    assert!(harness.state_mut().save_session_to(&path));
    assert_eq!(harness.state().window_title(), "review.json — Fulcrum");
    let thresholds = harness.state().thresholds().values().to_vec();

    let mut reopened = explorer(StartWith::Nothing);
    assert_eq!(reopened.state().window_title(), "Fulcrum");
    reopened
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path)));
    reopened.step();
    settle(&mut reopened);
    assert_eq!(
        reopened.state().thresholds().values(),
        thresholds.as_slice()
    );
    assert_eq!(reopened.state().window_title(), "review.json — Fulcrum");
    assert_eq!(
        reopened.state().state().session().unwrap().rationale,
        "Equal opportunity within 0.03."
    );
    assert!(!reopened.state().is_dirty());
}

#[test]
fn ctrl_s_saves_the_open_session_and_clears_the_unsaved_mark() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("s.json");
    let mut harness = explorer(StartWith::Sample);
    assert!(harness.state_mut().save_session_to(&path));
    let saved = std::fs::read_to_string(&path).unwrap();
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.3);
    harness.run_steps(3);
    assert!(harness.state().is_dirty());
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    harness.run_steps(3);
    assert!(!harness.state().is_dirty());
    let now = std::fs::read_to_string(&path).unwrap();
    assert_ne!(saved, now, "Ctrl+S wrote the moved threshold");
    assert_eq!(harness.state().window_title(), "s.json — Fulcrum");
}

#[test]
fn a_toolbar_option_change_is_one_command_and_marks_the_session_unsaved() {
    let mut harness = explorer(StartWith::Sample);
    let revision = harness.state().state().revision();
    harness
        .get_by_role_and_label(Role::ComboBox, "Convention:")
        .click();
    harness.run_steps(2);
    harness.get_by_label("fairlearn").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state().revision(), revision + 1);
    assert!(harness.state().is_dirty());
    assert_eq!(
        harness.state().audit().unwrap().options.convention,
        fulcrum::engine::Convention::Fairlearn,
        "the derived audit follows the state"
    );
}

#[test]
fn the_summary_shows_the_engines_bootstrap_intervals_worked_out_off_the_ui_thread() {
    let mut harness = explorer(StartWith::Sample);
    let audit = harness.state().audit().unwrap().clone();
    let expected = fulcrum::engine::uncertainty::audit_uncertainty(&audit, &Default::default());
    assert_eq!(harness.state().intervals(), Some(&expected));
    let interval = expected
        .summary_interval("demographic_parity_difference")
        .unwrap();
    harness.get_by_label(&format!("[{:.3}, {:.3}]", interval.low, interval.high));
    // A threshold move makes the old intervals stale: they are not shown for the new numbers
    // until the worker has recomputed them.
    harness.state_mut().execute(Edit::SetThreshold {
        group: 0,
        value: 0.8,
    });
    assert_eq!(harness.state().intervals(), None);
    settle(&mut harness);
    let audit = harness.state().audit().unwrap().clone();
    let expected = fulcrum::engine::uncertainty::audit_uncertainty(&audit, &Default::default());
    assert_eq!(harness.state().intervals(), Some(&expected));
}

#[test]
fn holding_out_rows_judges_the_criteria_on_them_and_optimizes_on_the_rest() {
    use fulcrum::app::state::RowsShown;
    use fulcrum::engine::SortedDataset;
    use fulcrum::session::SplitIndexes;
    let mut harness = explorer(StartWith::Sample);
    // A new data file's session is started once its fingerprint is taken.
    settle(&mut harness);
    harness.get_by_label("Hold out rows for evaluation").click();
    settle(&mut harness);
    let split = harness.state().state().evaluation_split().cloned();
    let Some(fulcrum::session::EvaluationSplit::Holdout { fraction, seed }) = split else {
        panic!("no holdout split: {split:?}");
    };
    assert_eq!(fraction, 0.3);
    // The same rows as the library's holdout, audited at the window's thresholds.
    let workspace = harness.state().workspace().unwrap();
    let sorted: &SortedDataset = &workspace.sorted;
    let rows = SplitIndexes::holdout(&[sorted], &workspace.grouping, fraction, seed).unwrap();
    let thresholds = harness.state().thresholds().values().to_vec();
    let fit = audit(&rows.fit[0], &thresholds, &AuditOptions::default()).unwrap();
    let held_out = audit(&rows.held_out[0], &thresholds, &AuditOptions::default()).unwrap();
    let audits = harness
        .state()
        .split_audits()
        .expect("the split is worked out");
    assert_eq!(audits.fit, fit);
    assert_eq!(audits.evaluation, held_out);
    // The table shows the evaluation rows by default; the switch shows the fit rows.
    assert_eq!(harness.state().audit(), Some(&held_out));
    harness.get_by_label_contains("Fit (").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state().rows_shown(), RowsShown::Fit);
    assert_eq!(harness.state().audit(), Some(&fit));
    // The optimizer works on the fit rows.
    let tuning = harness.state().tuning_index().unwrap();
    assert_eq!(*tuning, rows.fit[0]);
    // Turning it off judges every row again.
    harness.get_by_label("Hold out rows for evaluation").click();
    settle(&mut harness);
    assert!(harness.state().split_audits().is_none());
    assert!(harness.state().state().evaluation_split().is_none());
}

#[test]
fn the_cross_validated_frontier_is_the_librarys_and_ratios_show_their_intervals() {
    use fulcrum::engine::SplitRows;
    use fulcrum::engine::split::DEFAULT_SPLIT_SEED;
    use fulcrum::optimize::{FrontierRequest, Objective, cross_validated_frontier};
    use fulcrum::progress::NoProgress;
    let mut harness = explorer(StartWith::Sample);
    harness
        .get_by_label("Cross-validated frontier (5 folds)")
        .click();
    harness.step();
    settle(&mut harness);
    let workspace = harness.state().workspace().unwrap();
    let (sorted, grouping) = (workspace.sorted.clone(), workspace.grouping.clone());
    let rows = harness.state().tuning_rows().unwrap();
    let constraint = harness.state_mut().optimize_panel().constraint;
    let tolerances: Vec<f64> = harness
        .state_mut()
        .optimize_panel()
        .frontier_points(&rows)
        .unwrap()
        .iter()
        .map(|p| p.tolerance)
        .collect();
    let request = FrontierRequest {
        constraint,
        objective: Objective::Accuracy,
        rule: fulcrum::engine::DecisionRule::AtLeast,
        points: tolerances.len(),
    };
    let folded = SplitRows::folds(&sorted, &grouping, 5, DEFAULT_SPLIT_SEED).unwrap();
    let expected =
        cross_validated_frontier(&folded, &request, &tolerances, 0.95, &NoProgress).unwrap();
    let shown = harness
        .state_mut()
        .optimize_panel()
        .cross_validation()
        .cloned()
        .expect("the band was computed");
    assert_eq!(shown, expected);
    // The by-group plot switches to ratios to the reference, whose whiskers are the bootstrap
    // intervals of the audit on screen.
    harness.get_by_label("ratio to ref.").click();
    harness.run_steps(2);
    assert!(harness.state().plots().group_ratios);
    assert!(harness.state().intervals().is_some());
}

#[test]
fn an_employment_session_flags_thresholds_that_differ_in_the_governance_panel() {
    use fulcrum::engine::DecisionRule;
    use fulcrum::session::UseContext;
    use fulcrum::session::context::best_single_threshold;
    const FLAG: &str = "Thresholds differ between groups";
    let mut harness = explorer(StartWith::Sample);
    harness
        .state_mut()
        .execute(Edit::SetContext(Some(UseContext::Employment)));
    harness.run_steps(3);
    assert!(
        harness.state().is_dirty(),
        "the context is part of the record"
    );
    assert!(
        harness.query_by_label(FLAG).is_none(),
        "one threshold for every group: nothing to flag"
    );
    harness.get_by_label_contains("Title VII of the Civil Rights Act, § 703(l)");
    let white = group_position(&harness, "White");
    harness.state_mut().execute(Edit::SetThreshold {
        group: white,
        value: 0.7,
    });
    harness.run_steps(3);
    harness.get_by_label(FLAG);
    harness.get_by_label_contains("the decision's thresholds differ between groups (0.5 to 0.7");
    // Beside the decision: the engine's most accurate single threshold and its audit.
    let index = &harness.state().workspace().unwrap().index;
    let best = best_single_threshold(index, DecisionRule::AtLeast).unwrap();
    let view = harness.state().context_view().clone();
    assert_eq!(view.single_threshold, Some(best));
    let alternative = audit(index, &vec![best; index.len()], &AuditOptions::default()).unwrap();
    assert_eq!(view.rows[0].0, "overall accuracy");
    assert_eq!(
        view.rows[0].2,
        alternative.overall.values.get(Metric::Accuracy)
    );
    assert_eq!(
        view.rows[4].2, alternative.summary.disparate_impact,
        "disparate impact at one threshold"
    );
    // Going back to one threshold for all clears the flag; a credit context never raises it.
    harness.get_by_label("One threshold for all").click();
    harness.run_steps(3);
    assert!(harness.query_by_label(FLAG).is_none());
    harness.state_mut().execute(Edit::SetThreshold {
        group: white,
        value: 0.7,
    });
    harness
        .state_mut()
        .execute(Edit::SetContext(Some(UseContext::Credit)));
    harness.run_steps(3);
    assert!(harness.query_by_label(FLAG).is_none());
    assert_eq!(harness.state().context_view().warning, None);
}

#[test]
fn discovery_finds_the_worst_slice_on_a_worker_and_audit_regroups_by_it() {
    let mut harness = explorer(StartWith::Sample);
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness.get_by_label("Discovery…").click();
    harness.run_steps(2);
    assert!(harness.state_mut().discovery().open);
    harness.get_by_label("Slices").click();
    harness.run_steps(2);
    harness.get_by_label("Find the worst slices").click();
    harness.run_steps(1);
    assert!(harness.state().is_busy(), "the search runs on a worker");
    settle(&mut harness);
    // The window shows the engine's search over the same rows, decided at the thresholds on
    // screen: every categorical attribute, FPR, depth 3, the audit's minimum count.
    let report = harness
        .state_mut()
        .discovery()
        .slice_report()
        .expect("a search result")
        .clone();
    let workspace = harness.state().workspace().unwrap();
    let (scores, labels, weights) = workspace.sorted.rows_in_original_order();
    let selected: Vec<bool> = scores.iter().map(|s| *s >= 0.5).collect();
    let search = GroupingSpec::by_names(&["sex", "race", "age_band", "region"]);
    let cube = fulcrum::engine::slices::slice_cube(
        workspace.sorted.attributes(),
        &search,
        &labels,
        &selected,
        weights.as_deref(),
    )
    .unwrap();
    let expected = fulcrum::engine::slices::search_slices(&cube, &report.settings).unwrap();
    assert_eq!(report, expected);
    let worst = report.slices[0].clone();
    harness.get_by_label(&worst.key());
    // "Audit" on the worst slice: the window regroups by its attributes and selects it.
    harness.get_all_by_label("Audit").next().unwrap().click();
    harness.run_steps(1);
    settle(&mut harness);
    let names: Vec<&str> = worst.attributes.iter().map(|(n, _)| n.as_str()).collect();
    let workspace = harness.state().workspace().unwrap();
    assert_eq!(workspace.index.attribute_names(), names.as_slice());
    let levels: Vec<&str> = worst.attributes.iter().map(|(_, l)| l.as_str()).collect();
    let key = levels.join(" × ");
    assert_eq!(
        harness.state().state().selected(),
        workspace.index.position(&key),
        "{key} is selected"
    );
    // The table's row for it shows the slice's own numbers.
    let group = workspace.index.position(&key).unwrap();
    assert_eq!(
        harness.state().audit().unwrap().groups[group].weight,
        worst.weight
    );
}

#[test]
fn discovery_profiles_the_groups_and_ranks_proxies_and_the_calibration_plot_names_ece() {
    let mut harness = explorer(StartWith::Sample);
    // The calibration plot's title carries the ECE gap the audit reports.
    let difference = harness
        .state()
        .audit()
        .unwrap()
        .calibration
        .as_ref()
        .and_then(|c| c.difference)
        .unwrap();
    harness.get_by_label(&format!("Calibration (ECE gap {difference:.3})"));
    harness.state_mut().discovery().open = true;
    harness.run_steps(2);
    harness.get_by_label("Run profile").click();
    harness.run_steps(1);
    settle(&mut harness);
    let profile = harness.state_mut().discovery().profile().unwrap().clone();
    let keys: Vec<&str> = profile.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["Asian", "Black", "Hispanic", "Other", "White"]);
    assert_eq!(profile.overall.rows, 30_000);
    // The sample's unmapped columns: applicant_id (never missing) and the second model's
    // score (issue 15; not mapped when the sample opens with one model); income is mapped.
    assert_eq!(profile.columns, ["applicant_id", "score_v2"]);
    harness.get_by_label("Proxies").click();
    harness.run_steps(2);
    harness.get_by_label("Run proxies").click();
    harness.run_steps(1);
    settle(&mut harness);
    let proxies = harness.state_mut().discovery().proxies().unwrap().to_vec();
    assert!(proxies.iter().all(|p| p.protected == "race"));
    // The second model's score is the strongest proxy for race (its noise is far larger for
    // Black applicants), then income.
    assert_eq!(proxies[0].column, "score_v2");
    assert_eq!(proxies[1].column, "income");
    harness.get_by_label("score (score)");

    // The report the window exports carries the same profile and proxies (the grouping is
    // race, so race is the protected attribute), computed by the library on a worker.
    let report = exported_report(&mut harness);
    // serde_json reads a number back to within one unit in the last place.
    let same = |json: &serde_json::Value, value: Option<f64>| match (json.as_f64(), value) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-15 * b.abs().max(1.0),
        (a, b) => a.is_none() && b.is_none(),
    };
    let groups = report["profile"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), profile.groups.len());
    for (json, group) in groups.iter().zip(&profile.groups) {
        assert_eq!(json["key"], group.key.as_str());
        assert_eq!(json["count"], group.rows);
        assert!(same(&json["base_rate"], group.base_rate), "{json}");
        assert!(same(&json["score_mean"], group.score_mean), "{json}");
    }
    let rows = report["proxies"]["proxies"].as_array().unwrap();
    let columns: Vec<&str> = rows.iter().map(|r| r["column"].as_str().unwrap()).collect();
    let expected: Vec<&str> = proxies.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, expected);
    for (json, proxy) in rows.iter().zip(&proxies) {
        assert!(same(&json["strength"], proxy.strength), "{json}");
        assert!(same(&json["p_value"], proxy.p_value), "{json}");
    }
}

#[test]
fn light_drawing_leaves_backgrounds_to_the_clear_colour_and_can_be_turned_on_and_off() {
    let mut harness = explorer(StartWith::Sample);
    // The headless harness has no software adapter of eframe's: full drawing by default.
    assert!(!fulcrum::app::settings::light_drawing(&harness.ctx));
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness
        .get_by_label("Light drawing (faster without a GPU)")
        .click();
    harness.run_steps(3);
    assert!(fulcrum::app::settings::light_drawing(&harness.ctx));
    assert_eq!(
        harness.ctx.global_style().visuals.panel_fill,
        egui::Color32::TRANSPARENT
    );
    assert_eq!(harness.ctx.global_style().animation_time, 0.0);
    // Everything still draws.
    harness.get_by_label("Overall");
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness
        .get_by_label("Light drawing (faster without a GPU)")
        .click();
    harness.run_steps(3);
    assert!(!fulcrum::app::settings::light_drawing(&harness.ctx));
    assert_ne!(
        harness.ctx.global_style().visuals.panel_fill,
        egui::Color32::TRANSPARENT
    );
}

#[test]
fn the_optimizer_and_frontier_say_when_scores_are_rounded() {
    let mut harness = explorer(StartWith::Sample);
    let rows = harness.state().tuning_rows().unwrap();
    assert_eq!(rows.rounding, None, "the sample's scores are as they are");
    // An aggregate of `fulcrum aggregate --decimals 2`: its score column is named so.
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("rounded.csv");
    let mut text = String::from("score_rounded_2,repaid,race,count\n");
    for i in 0..400 {
        let race = ["A", "B"][i % 2];
        text.push_str(&format!(
            "{:.2},{},{race},{}\n",
            (i % 100) as f64 / 100.0,
            (i * 7) % 3 == 0,
            1 + i % 4
        ));
    }
    std::fs::write(&path, text).unwrap();
    let roles = fulcrum::data::ColumnRoles {
        score: "score_rounded_2".into(),
        label: "repaid".into(),
        positive: None,
        attributes: vec!["race".into()],
        weight: Some("count".into()),
        models: Vec::new(),
    };
    harness.state_mut().load(
        path,
        roles,
        GroupingSpec::by_names(&["race"]),
        LoadOptions::default(),
    );
    settle(&mut harness);
    let rows = harness.state().tuning_rows().unwrap();
    assert_eq!(rows.rounding.map(|r| r.decimals), Some(2));
    let note = "Scores rounded to 2 decimals: thresholds are exact on the rounded scores; the \
                shift is at most 0.5·10^-2 = 0.005 on the raw scores";
    // The frontier (computed on its own after loading) says it.
    assert_eq!(harness.query_all_by_label(note).count(), 1);
    harness.get_by_label("Find thresholds").click();
    harness.step();
    settle(&mut harness);
    // And so does the optimizer's result.
    assert_eq!(harness.query_all_by_label(note).count(), 2);
}

// ------------------------------------------------------------------------------------------
// Several models (issue 15).

/// Opens a combo box by its label and picks an entry by its text.
fn pick(harness: &mut Harness<'static, FulcrumApp>, combo: &str, entry: &str) {
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    harness.run_steps(2);
    harness.get_by_label(entry).click();
    harness.step();
    settle(harness);
}

/// The engine's audit of model `model` of the window's data at `thresholds`.
fn engine_audit(
    harness: &Harness<'static, FulcrumApp>,
    model: usize,
    thresholds: &[f64],
) -> fulcrum::engine::Audit {
    let workspace = harness.state().workspace().unwrap();
    audit(
        &workspace.models[model].index,
        thresholds,
        &AuditOptions::default(),
    )
    .unwrap()
}

#[test]
fn the_model_selector_switches_scores_and_each_model_keeps_its_thresholds() {
    let mut harness = explorer(StartWith::SampleModels);
    let workspace = harness.state().workspace().unwrap();
    let names: Vec<&str> = workspace.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["production", "candidate"]);
    assert_eq!(workspace.current, 0);
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.7);
    harness.run_steps(3);
    let production_black = threshold_of(&harness, "Black");
    pick(&mut harness, "Model", "candidate (score_v2)");
    assert_eq!(harness.state().state().model(), 1);
    assert_eq!(harness.state().workspace().unwrap().current, 1);
    // Never used yet: the candidate starts at the thresholds on screen, on its own scores.
    assert_eq!(threshold_of(&harness, "Black"), production_black);
    let thresholds = harness.state().thresholds().values().to_vec();
    let expected = engine_audit(&harness, 1, &thresholds);
    assert_eq!(harness.state().audit().unwrap().groups, expected.groups);
    assert_ne!(
        engine_audit(&harness, 0, &thresholds).groups,
        expected.groups,
        "the models score differently"
    );
    harness
        .get_by_role_and_label(Role::Slider, "Black")
        .set_value_accesskit(0.55);
    harness.run_steps(3);
    let candidate_black = threshold_of(&harness, "Black");
    assert_ne!(candidate_black, production_black);
    pick(&mut harness, "Model", "production (score)");
    assert_eq!(threshold_of(&harness, "Black"), production_black);
    pick(&mut harness, "Model", "candidate (score_v2)");
    assert_eq!(threshold_of(&harness, "Black"), candidate_black);
    // The session as it would be saved names the decision's model and both models.
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("models.json");
    assert!(harness.state_mut().save_session_to(&path));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["schema_version"], 3);
    assert_eq!(saved["model"], "candidate");
    assert_eq!(saved["roles"]["models"][1]["score"], "score_v2");
    // Reopened, the window shows the candidate's scores at its thresholds.
    let mut reopened = explorer(StartWith::Nothing);
    reopened.state_mut().open_session(&path);
    settle(&mut reopened);
    assert_eq!(reopened.state().state().model(), 1);
    assert_eq!(reopened.state().workspace().unwrap().current, 1);
    assert_eq!(threshold_of(&reopened, "Black"), candidate_black);
}

#[test]
fn compare_mode_shows_both_models_values_and_their_difference() {
    let mut harness = explorer(StartWith::SampleModels);
    pick(&mut harness, "Compare with", "candidate (score_v2)");
    assert_eq!(harness.state().state().compare(), Some(1));
    let thresholds = harness.state().thresholds().values().to_vec();
    let compared = harness.state().compared().expect("the candidate's audit");
    assert_eq!(compared.name, "candidate");
    let expected = engine_audit(&harness, 1, &thresholds);
    assert_eq!(compared.audit.groups, expected.groups);
    // The table shows the difference the engine defines, for Black applicants' selection rate.
    let black = harness
        .state()
        .workspace()
        .unwrap()
        .index
        .position("Black")
        .unwrap();
    let mine = harness.state().audit().unwrap().groups[black]
        .values
        .get(Metric::SelectionRate);
    let theirs = expected.groups[black].values.get(Metric::SelectionRate);
    let difference = fulcrum::engine::models::model_difference(theirs, mine);
    assert!(
        difference.unwrap() > 0.05,
        "the candidate selects more Black applicants"
    );
    harness.get_by_label_contains("Compare mode — A: production");
    harness.get_by_label(&fulcrum::report::markup::signed(difference, 3));
    // Idle frames recompute nothing, compare mode included.
    let refreshes = harness.state().derived_refreshes();
    harness.run_steps(50);
    assert_eq!(harness.state().derived_refreshes(), refreshes);
    pick(&mut harness, "Compare with", "(none)");
    assert!(harness.state().compared().is_none());
    harness.get_by_label("Overall");
}

#[test]
fn clicking_an_envelope_point_applies_that_model_and_its_thresholds() {
    use fulcrum::optimize::{Constraint, FrontierRequest, Objective, models_frontier};
    use fulcrum::progress::NoProgress;
    let mut harness = explorer(StartWith::SampleModels);
    pick(&mut harness, "Compare with", "candidate (score_v2)");
    harness.run_steps(2);
    let rows = harness.state().tuning_rows().unwrap();
    let shown = harness
        .state_mut()
        .optimize_panel()
        .models_frontier_for(&rows)
        .expect("every model's frontier, computed in compare mode")
        .clone();
    // The library's frontier across the same models, at the window's settings.
    let indexes: Vec<&fulcrum::engine::GroupIndex> = rows
        .models
        .iter()
        .map(|(_, index)| index.as_ref())
        .collect();
    let request = FrontierRequest {
        constraint: Constraint::EqualOpportunity,
        objective: Objective::Accuracy,
        rule: fulcrum::engine::DecisionRule::AtLeast,
        points: 101,
    };
    assert_eq!(
        shown,
        models_frontier(&indexes, &request, &NoProgress).unwrap()
    );
    // A point of the envelope where the candidate is best, clicked on the plot.
    let position = shown.envelope.iter().position(|p| p.model == 1).unwrap();
    let point = shown.envelope[position].clone();
    let (at, model) = harness.state_mut().optimize_panel().envelope_points[position];
    assert_eq!(model, 1);
    let transform = harness
        .state_mut()
        .optimize_panel()
        .frontier_transform
        .unwrap();
    let at = transform.position_from_point(&egui_plot::PlotPoint::new(at[0], at[1]));
    harness.hover_at(at);
    harness.step();
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    settle(&mut harness);
    assert_eq!(harness.state().state().model(), 1);
    assert_eq!(harness.state().workspace().unwrap().current, 1);
    assert_eq!(
        harness.state().thresholds().values(),
        point.solution.thresholds.as_slice()
    );
    // The window's numbers are the candidate's at those thresholds: the point's accuracy.
    let accuracy = harness
        .state()
        .audit()
        .unwrap()
        .overall
        .values
        .get(Metric::Accuracy);
    assert!((accuracy.unwrap() - point.solution.accuracy).abs() < 1e-12);
}

#[test]
fn the_mapping_dialog_maps_a_second_model_with_its_name() {
    let mut harness = explorer(StartWith::Nothing);
    harness.state_mut().open_path(&fulcrum::app::sample_path());
    settle(&mut harness);
    harness.get_by_label("Add a model").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Choose the score column of model 2");
    let dialog = harness.state_mut().mapping_dialog().unwrap();
    dialog.more_models[0] = ("candidate".into(), Some("score_v2".into()));
    dialog.score_name = "production".into();
    dialog.attributes = vec!["race".into()];
    harness.run_steps(2);
    harness.get_by_label("Load").click();
    harness.step();
    settle(&mut harness);
    let workspace = harness.state().workspace().expect("loaded");
    let models: Vec<(&str, &str)> = workspace
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.score.as_str()))
        .collect();
    assert_eq!(models, [("production", "score"), ("candidate", "score_v2")]);
    harness.get_by_role_and_label(Role::ComboBox, "Model");
}

/// An employment decision's NYC Local Law 144 settings are entered in the window: a refused
/// record says why and changes nothing; a good one is recorded in the session (as `session
/// describe --sex … --race …` records it), marks it unsaved, and the exported report carries
/// the LL144 section with the same impact ratios as `fulcrum bias-audit`.
#[test]
fn ll144_settings_are_recorded_from_the_window_and_reach_the_report() {
    use fulcrum::session::UseContext;
    let mut harness = explorer(StartWith::Sample);
    harness.get_by_role_and_label(Role::CheckBox, "sex").click();
    harness.step();
    settle(&mut harness);
    harness
        .state_mut()
        .execute(Edit::SetContext(Some(UseContext::Employment)));
    harness.run_steps(3);
    harness.get_by_label("NYC Local Law 144 bias audit");
    // Nothing chosen yet: refused, with the reason, and the session has no record.
    harness.get_by_label("Record").click();
    harness.run_steps(2);
    harness.get_by_label("choose the sex and the race/ethnicity attributes");
    assert!(
        harness
            .state()
            .state()
            .session()
            .unwrap()
            .bias_audit
            .is_none()
    );
    for (combo, attribute) in [("Sex attribute", "sex"), ("Race/ethnicity", "race")] {
        harness.get_by_role_and_label(Role::ComboBox, combo).click();
        harness.run_steps(2);
        harness
            .get_by_role_and_label(Role::Button, attribute)
            .click();
        harness.run_steps(2);
    }
    // A bad date is refused, naming the field.
    let date = harness.get_by_role_and_label(Role::TextInput, "Audit date");
    date.click();
    date.type_text("2026-13-40");
    harness.run_steps(2);
    harness.get_by_label("Record").click();
    harness.run_steps(2);
    harness.get_by_label_contains("audit date:");
    assert!(
        harness
            .state()
            .state()
            .session()
            .unwrap()
            .bias_audit
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::TextInput, "Audit date")
        .set_text_value_accesskit("2026-12-01");
    let exclusion = harness.get_by_role_and_label(Role::TextInput, "Exclude under (%)");
    exclusion.click();
    exclusion.type_text("2");
    harness.run_steps(2);
    let revision = harness.state().state().revision();
    harness.get_by_label("Record").click();
    harness.run_steps(3);
    let record = harness
        .state()
        .state()
        .session()
        .unwrap()
        .bias_audit
        .clone()
        .expect("recorded");
    assert_eq!((record.sex.as_str(), record.race.as_str()), ("sex", "race"));
    assert_eq!(record.audit_date.as_str(), "2026-12-01");
    assert_eq!(record.exclude_under, Some(0.02));
    assert_eq!(harness.state().state().revision(), revision + 1);
    assert!(harness.state().is_dirty());
    harness.get_by_label_contains("Recorded: the report has the LL144 section");

    // The report the window exports has the LL144 section, with the impact ratios the
    // bias-audit command computes on the same data and grouping.
    let report = exported_report(&mut harness);
    let section = &report["bias_audit"];
    assert!(section.is_object(), "{report}");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/lending.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fulcrum"))
        .args(["bias-audit"])
        .arg(&sample)
        .args(["--score", "score", "--threshold", "0.5"])
        .args(["--sex", "sex", "--race", "race", "--exclude-under", "0.02"])
        .args(["--audit-date", "2026-12-01"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let command: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "applicants",
        "unknown_count",
        "tables",
        "highest",
        "exclusions",
    ] {
        assert_eq!(section[key], command[key], "{key}");
    }
    // Grouped by race alone, the record no longer fits: the panel says so.
    harness.get_by_role_and_label(Role::CheckBox, "sex").click();
    harness.step();
    settle(&mut harness);
    harness.get_by_label_contains("The recorded settings no longer fit the grouping (sex:");
}

/// Expected population shares are typed in the window for the current grouping's groups: a
/// share outside 0–100% is refused naming the group; recorded ones go into the session (as
/// `session describe --population` records them) and the exported report's data profile
/// judges each group's representation against them.
#[test]
fn population_shares_are_recorded_from_the_window_and_reach_the_reports_profile() {
    let mut harness = explorer(StartWith::Sample);
    harness.get_by_label("Expected population").click();
    harness.run_steps(2);
    let expected = [
        ("Asian", "6"),
        ("Black", "13"),
        ("Hispanic", "19"),
        ("Other", "150"),
        ("White", "60"),
    ];
    for (group, percent) in expected {
        harness
            .get_by_role_and_label(Role::TextInput, group)
            .set_text_value_accesskit(percent);
        harness.run_steps(1);
    }
    harness.get_by_label("Record shares").click();
    harness.run_steps(2);
    harness.get_by_label("Other: 150% is not between 0 and 100");
    assert!(
        harness
            .state()
            .state()
            .session()
            .unwrap()
            .population
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::TextInput, "Other")
        .set_text_value_accesskit("2");
    harness.run_steps(1);
    harness.get_by_label("Record shares").click();
    harness.run_steps(3);
    let population = harness
        .state()
        .state()
        .session()
        .unwrap()
        .population
        .clone()
        .expect("recorded");
    let race = &population["race"];
    assert_eq!(race.len(), 5);
    assert_eq!(race["Asian"], 0.06);
    assert_eq!(race["Other"], 0.02);
    assert_eq!(race["White"], 0.6);
    assert!(harness.state().is_dirty());
    harness.get_by_label_contains("Recorded for race");

    let report = exported_report(&mut harness);
    let index = &harness.state().workspace().unwrap().index;
    let total = index.total_weight();
    for json in report["profile"]["groups"].as_array().unwrap() {
        let key = json["key"].as_str().unwrap();
        let share = race[key];
        assert_eq!(json["expected_share"].as_f64(), Some(share), "{key}");
        let group = &index.groups()[index.position(key).unwrap()];
        let ratio = group.curve.weight() / total / share;
        let reported = json["representation_ratio"].as_f64().unwrap();
        assert!(
            (reported - ratio).abs() < 1e-12,
            "{key}: {reported} {ratio}"
        );
    }
}
