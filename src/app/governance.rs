//! Governance in the window: acceptance criteria with live pass/fail badges, scenarios compared
//! side by side, the rationale, sign-off entries, and the comparison with another dataset. The
//! record itself is a [`Session`] in the window's decision model; this panel reads it and returns
//! [`Edit`]s.

use std::path::PathBuf;

use egui::RichText;

use super::error::{AppError, AppResult};
use super::jobs::Job;
use super::palette::{PASS, WARNING, group_color};
use super::state::Edit;
use crate::engine::split::DEFAULT_SPLIT_SEED;
use crate::engine::{Metric, ThresholdMap};
use crate::report::format::rate;
use crate::session::criteria::{CriterionResult, Outcome};
use crate::session::drift::{DRIFT_METRICS, DatasetComparison};
use crate::session::scenario::{Scenario, ScenarioComparison};
use crate::session::signoff::{Decision, SignOffDate};
use crate::session::{Criterion, EvaluationSplit, Session, UseContext};

/// Draft of a sign-off entry.
#[derive(Clone, Debug, PartialEq)]
struct SignOffForm {
    name: String,
    role: String,
    date: String,
    decision: Decision,
    comment: String,
    error: Option<String>,
}

impl Default for SignOffForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            role: String::new(),
            date: String::new(),
            decision: Decision::Approved,
            comment: String::new(),
            error: None,
        }
    }
}

/// The governance panel's own state.
#[derive(Default)]
pub struct GovernancePanel {
    criterion_text: String,
    criterion_error: Option<String>,
    scenario_name: String,
    form: SignOffForm,
    /// Whether the scenario comparison window is open.
    pub show_comparison: bool,
    /// The last comparison with another dataset, and that file.
    pub drift: Option<(PathBuf, DatasetComparison)>,
    /// A running report export or dataset comparison.
    pub job: Option<Job<AppResult<GovernanceOutput>>>,
    /// The last confirmation for the user ("report written to …").
    pub notice: Option<String>,
    /// The NYC Local Law 144 fields being edited (employment decisions).
    ll144: super::ll144::Ll144Draft,
    /// The expected population shares being edited.
    population: super::population::PopulationDraft,
}

/// What a governance job produces.
pub enum GovernanceOutput {
    /// A report was written here.
    Report(PathBuf),
    /// A comparison with another dataset.
    Drift(PathBuf, Box<DatasetComparison>),
}

/// Share of rows held out when the user turns the split on.
const DEFAULT_HOLDOUT: f64 = 0.3;

/// Whether the criteria are judged on held-out rows: a checkbox, the share and the seed.
fn evaluation_ui(ui: &mut egui::Ui, session: &Session) -> Option<Edit> {
    if let Some(EvaluationSplit::File { data }) = &session.evaluation {
        ui.label(format!(
            "Criteria are judged on the rows of {} by `fulcrum check` and the report; the window shows this file's rows.",
            data.path
        ));
        return None;
    }
    let current = match &session.evaluation {
        Some(EvaluationSplit::Holdout { fraction, seed }) => Some((*fraction, *seed)),
        _ => None,
    };
    let mut on = current.is_some();
    let (mut fraction, mut seed) = current.unwrap_or((DEFAULT_HOLDOUT, DEFAULT_SPLIT_SEED));
    let mut changed = ui
        .checkbox(&mut on, "Hold out rows for evaluation")
        .on_hover_text(
            "Thresholds are chosen (optimizer, frontier, hold parity) on the other rows; the criteria are judged on these, which the thresholds were not tuned on",
        )
        .changed();
    if on {
        ui.horizontal(|ui| {
            let label = ui.label("Share");
            let mut percent = fraction * 100.0;
            // A share set elsewhere (`session new --holdout 0.9`) is shown as it is, never
            // clamped into the range a drag offers.
            changed |= ui
                .add(
                    egui::DragValue::new(&mut percent)
                        .range(1.0..=99.0)
                        .clamp_existing_to_range(false)
                        .speed(1.0)
                        .suffix("%"),
                )
                .labelled_by(label.id)
                .changed();
            fraction = percent / 100.0;
            let label = ui.label("Seed");
            changed |= ui
                .add(egui::DragValue::new(&mut seed))
                .labelled_by(label.id)
                .changed();
        });
        ui.label(
            RichText::new("Stratified by group and label; the same share and seed as `fulcrum optimize --holdout` give the same rows.")
                .small()
                .weak(),
        );
    } else {
        ui.label(
            RichText::new("Criteria are judged on the rows the thresholds are chosen on, which flatters them.")
                .small()
                .color(WARNING),
        );
    }
    changed.then(|| Edit::SetEvaluation(on.then_some(EvaluationSplit::Holdout { fraction, seed })))
}

/// What the governance panel shows about the use context, derived once per change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContextView {
    /// The flag on thresholds that differ between groups, in words, when the context forbids
    /// them (employment).
    pub warning: Option<String>,
    /// The single-threshold alternative's threshold.
    pub single_threshold: Option<f64>,
    /// (name, decision's value, single threshold's value) for the numbers compared.
    pub rows: Vec<crate::report::session_text::ComparedNumber>,
}

/// The context picker, its note, and the visible warning with the single-threshold numbers.
fn context_ui(ui: &mut egui::Ui, session: &Session, view: &ContextView, edits: &mut Vec<Edit>) {
    let name = |context: Option<UseContext>| context.map_or("not declared", UseContext::label);
    ui.horizontal(|ui| {
        let label = ui.label("Used for");
        egui::ComboBox::from_id_salt("use-context")
            .selected_text(name(session.context))
            .show_ui(ui, |ui| {
                for choice in std::iter::once(None).chain(UseContext::ALL.map(Some)) {
                    if ui
                        .selectable_label(session.context == choice, name(choice))
                        .clicked()
                        && session.context != choice
                    {
                        edits.push(Edit::SetContext(choice));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    match session.context {
        Some(context) => {
            ui.label(RichText::new(context.note()).small().weak())
                .on_hover_text("Factual background for the report, not legal advice.");
        }
        None => {
            ui.label(
                RichText::new("Declare what the decision is used for: the report states the rules that apply, and employment flags thresholds that differ between groups.")
                    .small()
                    .weak(),
            );
        }
    }
    let Some(warning) = &view.warning else {
        return;
    };
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, WARNING))
        .show(ui, |ui| {
            ui.label(
                RichText::new("Thresholds differ between groups")
                    .strong()
                    .color(WARNING),
            );
            ui.label(warning.as_str());
            if let Some(threshold) = view.single_threshold {
                egui::Grid::new("single-threshold")
                    .num_columns(3)
                    .striped(true)
                    .show(ui, |ui| {
                        ui.label("");
                        ui.strong("Decision");
                        ui.strong(format!(
                            "One threshold ({})",
                            crate::report::session_text::threshold_text(threshold)
                        ));
                        ui.end_row();
                        for (name, decision, single) in &view.rows {
                            ui.label(name.replace('_', " "));
                            ui.label(rate(*decision));
                            ui.label(rate(*single));
                            ui.end_row();
                        }
                    });
            }
        });
}

fn outcome_badge(ui: &mut egui::Ui, outcome: Outcome) {
    let (text, color) = match outcome {
        Outcome::Pass => ("PASS", PASS),
        Outcome::Fail => ("FAIL", WARNING),
        Outcome::Undefined => ("n/a", ui.visuals().weak_text_color()),
    };
    ui.label(RichText::new(text).strong().color(color));
}

impl GovernancePanel {
    /// Collects a finished job; returns an error message, if any.
    pub fn poll(&mut self) -> Option<AppError> {
        let result = self.job.as_ref().and_then(Job::poll)?;
        self.job = None;
        match result {
            Ok(Ok(GovernanceOutput::Report(path))) => {
                self.notice = Some(format!("Report written to {}", path.display()));
                None
            }
            Ok(Ok(GovernanceOutput::Drift(path, comparison))) => {
                self.drift = Some((path, *comparison));
                None
            }
            Ok(Err(error)) => Some(error),
            Err(()) => Some(AppError::Stopped {
                what: "the governance job",
            }),
        }
    }

    /// Use context (with the LL144 settings of an employment decision, checked against the
    /// current `grouping`), expected population shares for the groups of `index`, criteria, scenarios, rationale and sign-offs. `results` are the
    /// decision's criteria on the current thresholds; `context` what the use context flags about
    /// them.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        results: &[CriterionResult],
        context: &ContextView,
        grouping: Option<&crate::engine::GroupingSpec>,
        index: Option<&crate::engine::GroupIndex>,
    ) -> Vec<Edit> {
        let mut edits = Vec::new();
        egui::CollapsingHeader::new(RichText::new("Evaluation rows").strong())
            .default_open(true)
            .show(ui, |ui| edits.extend(evaluation_ui(ui, session)));
        egui::CollapsingHeader::new(RichText::new("Use context").strong())
            .default_open(true)
            .show(ui, |ui| {
                context_ui(ui, session, context, &mut edits);
                if session.context == Some(UseContext::Employment) || session.bias_audit.is_some() {
                    egui::CollapsingHeader::new("NYC Local Law 144 bias audit")
                        .default_open(session.bias_audit.is_none())
                        .show(ui, |ui| {
                            edits.extend(super::ll144::ll144_ui(
                                ui,
                                &mut self.ll144,
                                session.bias_audit.as_ref(),
                                grouping,
                            ));
                        });
                }
            });
        if let Some(index) = index {
            egui::CollapsingHeader::new(RichText::new("Expected population").strong())
                .default_open(false)
                .show(ui, |ui| {
                    edits.extend(super::population::population_ui(
                        ui,
                        &mut self.population,
                        session.population.as_ref(),
                        index,
                    ));
                });
        }
        egui::CollapsingHeader::new(RichText::new("Acceptance criteria").strong())
            .default_open(true)
            .show(ui, |ui| self.criteria_ui(ui, results, &mut edits));
        egui::CollapsingHeader::new(RichText::new("Scenarios").strong())
            .default_open(true)
            .show(ui, |ui| self.scenarios_ui(ui, session, &mut edits));
        egui::CollapsingHeader::new(RichText::new("Rationale").strong())
            .default_open(false)
            .show(ui, |ui| {
                ui.label(
                    RichText::new("Why these metrics and thresholds; the trade-offs accepted.")
                        .small()
                        .weak(),
                );
                let label = ui.label("Rationale");
                let mut rationale = session.rationale.clone();
                if ui
                    .add(
                        egui::TextEdit::multiline(&mut rationale)
                            .desired_rows(5)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id)
                    .changed()
                {
                    edits.push(Edit::SetRationale(rationale));
                }
            });
        egui::CollapsingHeader::new(RichText::new("Sign-off").strong())
            .default_open(false)
            .show(ui, |ui| edits.extend(self.signoff_ui(ui, session)));
        if let Some(notice) = &self.notice {
            ui.label(RichText::new(notice.as_str()).weak());
        }
        edits
    }

    fn criteria_ui(
        &mut self,
        ui: &mut egui::Ui,
        results: &[CriterionResult],
        edits: &mut Vec<Edit>,
    ) {
        let mut remove = None;
        for (i, result) in results.iter().enumerate() {
            ui.horizontal_wrapped(|ui| {
                outcome_badge(ui, result.outcome);
                // The same text as `check` and the report: counts as counts, the worst group.
                let value = if result.value.is_some() {
                    format!(" (= {})", crate::report::measured_with_group(result))
                } else {
                    String::new()
                };
                ui.label(format!("{}{value}", result.criterion));
                if ui
                    .small_button("x")
                    .on_hover_text("Remove this criterion")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
            if !result.failing_groups.is_empty() {
                ui.label(
                    RichText::new(format!("fails for: {}", result.failing_groups.join(", ")))
                        .small()
                        .color(WARNING),
                );
            }
            if let Some(note) = &result.note {
                ui.label(RichText::new(note.as_str()).small().weak());
            }
        }
        if let Some(i) = remove {
            edits.push(Edit::RemoveCriterion(i));
        }
        ui.horizontal(|ui| {
            let label = ui.label("New");
            let response = ui
                .add(
                    egui::TextEdit::singleline(&mut self.criterion_text)
                        .hint_text("equal_opportunity_difference <= 0.05")
                        .desired_width(170.0),
                )
                .labelled_by(label.id);
            let submitted = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Add").clicked() || submitted {
                match self.criterion_text.parse::<Criterion>() {
                    Ok(criterion) => {
                        edits.push(Edit::AddCriterion(criterion));
                        self.criterion_text.clear();
                        self.criterion_error = None;
                    }
                    Err(error) => self.criterion_error = Some(error.to_string()),
                }
            }
        });
        ui.label(
            RichText::new(
                "e.g. demographic_parity_ratio >= 0.8 · fpr_disparity within [0.8, 1.25] · accuracy_drop <= 0.05 · min_group_count >= 100",
            )
            .small()
            .weak(),
        );
        if let Some(error) = &self.criterion_error {
            ui.colored_label(WARNING, RichText::new(error.as_str()).monospace().small());
        }
    }

    fn scenarios_ui(&mut self, ui: &mut egui::Ui, session: &Session, edits: &mut Vec<Edit>) {
        let mut remove = None;
        let was_baseline = session.scenarios.iter().position(|s| s.baseline);
        let mut baseline = was_baseline;
        for (i, scenario) in session.scenarios.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.radio_value(&mut baseline, Some(i), "")
                    .on_hover_text("Baseline (accuracy_drop is measured against it)");
                let model = session.model_position(scenario.model.as_deref());
                if session.has_models() {
                    ui.label(format!(
                        "{} · {}",
                        scenario.name,
                        session.model_name(model.unwrap_or(0))
                    ));
                } else {
                    ui.label(&scenario.name);
                }
                if ui
                    .small_button("Apply")
                    .on_hover_text("Set these thresholds (and the scenario's model)")
                    .clicked()
                {
                    // A scenario of another model switches to that model first.
                    if session.has_models()
                        && let Some(model) = model
                    {
                        edits.push(Edit::SetModel {
                            model,
                            thresholds: None,
                        });
                    }
                    edits.push(Edit::ApplyScenario(scenario.thresholds.clone()));
                }
                if ui
                    .small_button("x")
                    .on_hover_text("Delete this scenario")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if baseline != was_baseline {
            edits.push(Edit::SetBaseline(baseline));
        }
        if let Some(i) = remove {
            edits.push(Edit::RemoveScenario(i));
        }
        ui.horizontal(|ui| {
            let label = ui.label("Name");
            ui.add(
                egui::TextEdit::singleline(&mut self.scenario_name)
                    .hint_text("Production today")
                    .desired_width(130.0),
            )
            .labelled_by(label.id);
            let name = self.scenario_name.trim().to_owned();
            let taken = session.scenarios.iter().any(|s| s.name == name)
                || name == crate::session::scenario::DECISION_NAME;
            if ui
                .add_enabled(
                    !name.is_empty() && !taken,
                    egui::Button::new("Save current"),
                )
                .on_hover_text("Save the current thresholds as a named scenario")
                .clicked()
            {
                edits.push(Edit::SaveScenario(name));
                self.scenario_name.clear();
            }
        });
        if ui.button("Compare scenarios").clicked() {
            self.show_comparison = true;
        }
    }

    fn signoff_ui(&mut self, ui: &mut egui::Ui, session: &Session) -> Option<Edit> {
        for entry in &session.sign_offs {
            let covers = match session.covers(entry) {
                Some(true) => "covers this version",
                Some(false) => "signed an earlier version",
                None => "version not recorded",
            };
            ui.label(format!(
                "{} ({}), {}: {} — {covers}",
                entry.name,
                entry.role,
                entry.date,
                entry.decision.label()
            ));
            if !entry.comment.is_empty() {
                ui.label(RichText::new(entry.comment.as_str()).small().weak());
            }
        }
        let form = &mut self.form;
        egui::Grid::new("signoff-form")
            .num_columns(2)
            .show(ui, |ui| {
                let label = ui.label("Name");
                ui.text_edit_singleline(&mut form.name)
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Role");
                ui.text_edit_singleline(&mut form.role)
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Date");
                ui.add(egui::TextEdit::singleline(&mut form.date).hint_text("YYYY-MM-DD"))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Decision");
                egui::ComboBox::from_id_salt("signoff-decision")
                    .selected_text(form.decision.label())
                    .show_ui(ui, |ui| {
                        for decision in Decision::ALL {
                            ui.selectable_value(&mut form.decision, decision, decision.label());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Comment");
                ui.text_edit_singleline(&mut form.comment)
                    .labelled_by(label.id);
                ui.end_row();
            });
        let mut action = None;
        if ui.button("Sign").clicked() {
            match (
                form.name.trim().is_empty(),
                form.date.parse::<SignOffDate>(),
            ) {
                (true, _) => form.error = Some("Enter the signer's name.".into()),
                (false, Err(error)) => form.error = Some(error.to_string()),
                (false, Ok(date)) => {
                    action = Some(Edit::Sign {
                        name: form.name.trim().to_owned(),
                        role: form.role.trim().to_owned(),
                        date,
                        decision: form.decision,
                        comment: form.comment.trim().to_owned(),
                    });
                    *form = SignOffForm::default();
                }
            }
        }
        if let Some(error) = &form.error {
            ui.colored_label(WARNING, error.as_str());
        }
        action
    }
}

/// A new scenario from the current thresholds.
pub fn scenario(name: String, thresholds: ThresholdMap) -> Scenario {
    Scenario {
        name,
        model: None,
        thresholds,
        baseline: false,
        note: String::new(),
    }
}

/// Reads one named summary.
type SummaryOf = fn(&crate::engine::FairnessSummary) -> Option<f64>;

/// The decision and every scenario side by side: overall numbers, gaps, criteria, and each
/// group's selection rate and TPR.
pub fn comparison_window(ctx: &egui::Context, open: &mut bool, comparison: &ScenarioComparison) {
    egui::Window::new("Scenarios side by side")
        .open(open)
        .default_width(760.0)
        .show(ctx, |ui| {
            egui::ScrollArea::both().show(ui, |ui| {
                egui::Grid::new("scenario-grid")
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("");
                        for column in comparison.columns() {
                            let mut title = RichText::new(column.name.as_str()).strong();
                            if column.baseline {
                                title = title.underline();
                            }
                            ui.label(title);
                        }
                        ui.end_row();
                        let summaries: [(&str, SummaryOf); 4] = [
                            ("demographic parity diff.", |s| {
                                s.demographic_parity_difference
                            }),
                            ("equal opportunity diff.", |s| {
                                s.equal_opportunity_difference
                            }),
                            ("equalized odds diff.", |s| s.equalized_odds_difference),
                            ("disparate impact", |s| s.disparate_impact),
                        ];
                        for metric in [
                            Metric::Accuracy,
                            Metric::SelectionRate,
                            Metric::Tpr,
                            Metric::Fpr,
                        ] {
                            ui.label(format!("overall {}", metric.label()));
                            for column in comparison.columns() {
                                ui.monospace(rate(column.audit.overall.values.get(metric)));
                            }
                            ui.end_row();
                        }
                        for (name, value) in summaries {
                            ui.label(name);
                            for column in comparison.columns() {
                                ui.monospace(rate(value(&column.audit.summary)));
                            }
                            ui.end_row();
                        }
                        ui.label("criteria passed");
                        for column in comparison.columns() {
                            let passed = column
                                .criteria
                                .iter()
                                .filter(|c| c.outcome == Outcome::Pass)
                                .count();
                            ui.label(format!("{passed} of {}", column.criteria.len()));
                        }
                        ui.end_row();
                        for (i, group) in comparison.decision.audit.groups.iter().enumerate() {
                            for metric in [Metric::SelectionRate, Metric::Tpr] {
                                ui.label(
                                    RichText::new(format!("{} {}", group.key, metric.label()))
                                        .color(group_color(i)),
                                );
                                for column in comparison.columns() {
                                    ui.monospace(rate(
                                        column
                                            .audit
                                            .groups
                                            .get(i)
                                            .and_then(|g| g.values.get(metric)),
                                    ));
                                }
                                ui.end_row();
                            }
                        }
                    });
                for warning in &comparison.warnings {
                    ui.colored_label(WARNING, warning.as_str());
                }
            });
        });
}

/// Each group's metrics on the session's data and on another file, with the changes.
pub fn drift_window(ctx: &egui::Context, drift: &mut Option<(PathBuf, DatasetComparison)>) {
    let Some((path, comparison)) = drift.as_ref() else {
        return;
    };
    let mut open = true;
    egui::Window::new(format!("Compared with {}", path.display()))
        .open(&mut open)
        .default_width(760.0)
        .show(ctx, |ui| {
            ui.label(
                RichText::new("The same thresholds on the session's data (before) and on the other file (after).")
                    .weak(),
            );
            egui::ScrollArea::both().show(ui, |ui| {
                egui::Grid::new("drift-grid").striped(true).show(ui, |ui| {
                    ui.strong("Group");
                    for metric in DRIFT_METRICS {
                        ui.strong(format!("{} before → after (Δ)", metric.label()));
                    }
                    ui.end_row();
                    for group in comparison.groups.iter().chain(std::iter::once(&comparison.overall)) {
                        ui.label(group.key.as_str());
                        for metric in DRIFT_METRICS {
                            let delta = group.delta(metric);
                            let text = format!(
                                "{} → {} ({})",
                                rate(group.before_value(metric)),
                                rate(group.after_value(metric)),
                                delta.map_or("n/a".to_owned(), |d| format!("{d:+.3}"))
                            );
                            let color = if delta.is_some_and(|d| d.abs() >= 0.05) {
                                WARNING
                            } else {
                                ui.visuals().text_color()
                            };
                            ui.label(RichText::new(text).monospace().color(color));
                        }
                        ui.end_row();
                    }
                });
            });
        });
    if !open {
        *drift = None;
    }
}
