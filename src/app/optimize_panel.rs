//! The optimization panel and the frontier plot: find the best thresholds under a fairness
//! constraint, see what each tolerance costs, click a frontier point to apply it, and "hold
//! parity" while dragging one group's threshold. Every search runs on a worker thread.

use std::sync::Arc;

use egui::{Color32, RichText};
use egui_plot::{HoverPosition, Line, LineStyle, MarkerShape, PlotPoint, Points};

use super::jobs::Job;
use super::palette::WARNING;
use super::thresholds::{GroupKey, Snapshot};
use crate::engine::split::DEFAULT_SPLIT_SEED;
use crate::engine::{
    Audit, DecisionRule, GroupIndex, GroupingSpec, Metric, ScoreRounding, SortedDataset, SplitRows,
};
use crate::optimize::{
    Capacity, Constraint, CrossValidation, Frontier, FrontierRequest, Guarantee, ModelsFrontier,
    Objective, PreparedProblem, Solution, cross_validated_frontier, frontier, models_frontier,
    optimize,
};

/// Pixels within which a click picks a frontier point.
const PICK_DISTANCE: f32 = 12.0;

/// Tolerances computed for the frontier in the window.
const FRONTIER_POINTS: usize = 101;

/// Folds of the window's cross-validated frontier band.
const BAND_FOLDS: usize = 5;

/// Every how many tolerances the band draws an interval cross (the line goes through all).
const BAND_CROSS_EVERY: usize = 20;

/// A frontier and, when asked, its cross-validated companion.
type FrontierResult = (Frontier, Option<CrossValidation>);

/// What identifies the rows thresholds are chosen on: the window's data generation (bumped when
/// the data or grouping is replaced) and the evaluation split's version (the fit rows change
/// with it). Never a memory address, which a later index could reuse.
pub type RowsKey = (u64, u64);

/// The rows thresholds are chosen on (all rows, or the fit rows of an evaluation split).
#[derive(Clone)]
pub struct TuningRows {
    /// Their groups, scored by the decision's model.
    pub index: Arc<GroupIndex>,
    /// What identifies them.
    pub key: RowsKey,
    /// Their scores' rounding, when the score column records one (`score_rounded_3`): the
    /// optimizer and frontier say they ran on rounded scores.
    pub rounding: Option<ScoreRounding>,
    /// The same rows scored by every model, in order, with the models' names (one model when
    /// only one is mapped).
    pub models: Vec<(String, Arc<GroupIndex>)>,
    /// The decision's model (its position in `models`).
    pub model: usize,
}

/// A result tied to the rows it was computed for.
struct Keyed<T> {
    value: T,
    keys: Vec<GroupKey>,
    rows: RowsKey,
}

/// What the window should do after the panel or the frontier plot was used.
#[derive(Clone, Debug, PartialEq)]
pub enum OptimizeAction {
    /// Nothing.
    None,
    /// Set these thresholds (one undo step).
    Apply(Snapshot),
    /// Make `model` the decision's model with these thresholds (a point of the envelope across
    /// models).
    ApplyModel {
        /// The model's position.
        model: usize,
        /// Its thresholds by group key.
        thresholds: Snapshot,
    },
}

type HoldOutput = Result<(RowsKey, Arc<PreparedProblem>, Solution), String>;

/// The optimization controls, results and jobs.
pub struct OptimizePanel {
    /// The constraint.
    pub constraint: Constraint,
    /// ε.
    pub tolerance: f64,
    /// Optimize an expected cost instead of accuracy.
    pub use_cost: bool,
    /// Cost of a false positive.
    pub fp_cost: f64,
    /// Cost of a false negative.
    pub fn_cost: f64,
    /// Capacity as typed (`5000` or `20%`); empty for none.
    pub capacity: String,
    /// Re-optimize the other groups while one group's threshold is dragged.
    pub hold_parity: bool,
    /// Draw the cross-validated frontier beside the in-sample one.
    pub cross_validate: bool,
    /// The rows cross-validation folds (the whole data and its grouping), when it is possible
    /// (not with held-out evaluation rows, which already judge the thresholds).
    cross_validation_rows: Option<(Arc<SortedDataset>, GroupingSpec)>,
    /// The last problem, in words.
    pub message: Option<String>,
    /// The frontier plot's last transform (tests click points by screen position with it).
    pub frontier_transform: Option<egui_plot::PlotTransform>,
    solution: Option<Keyed<Solution>>,
    frontier: Option<Keyed<(Frontier, Constraint, Objective)>>,
    cross_validation: Option<CrossValidation>,
    optimize_job: Option<Job<Result<Solution, String>>>,
    frontier_job: Option<Job<Result<FrontierResult, String>>>,
    hold_job: Option<Job<HoldOutput>>,
    queued_hold: Option<Vec<(usize, f64)>>,
    prepared: Option<(RowsKey, Arc<PreparedProblem>)>,
    /// What the last frontier was asked for: it is recomputed on its own when the data, the
    /// constraint, the objective or the rule change (at most once per change, even on failure).
    frontier_asked: Option<FrontierKey>,
    /// Compare mode: every model's frontier on one grid of tolerances and their envelope
    /// (computed only while comparing models; the window sets this each frame).
    pub compare_models: bool,
    models_frontier: Option<Keyed<(ModelsFrontier, Constraint, Objective)>>,
    models_job: Option<Job<Result<ModelsFrontier, String>>>,
    models_asked: Option<FrontierKey>,
    /// The envelope's points as last drawn, in plot coordinates (gap, objective) with their
    /// model, in the envelope's order (tests click them by screen position with the frontier
    /// transform).
    pub envelope_points: Vec<([f64; 2], usize)>,
}

/// What a frontier depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FrontierKey {
    rows: RowsKey,
    constraint: Constraint,
    objective: Objective,
    rule: DecisionRule,
    cross_validate: bool,
}

impl Default for OptimizePanel {
    fn default() -> Self {
        Self {
            constraint: Constraint::EqualOpportunity,
            tolerance: 0.02,
            use_cost: false,
            fp_cost: 1.0,
            fn_cost: 1.0,
            capacity: String::new(),
            hold_parity: false,
            cross_validate: false,
            cross_validation_rows: None,
            message: None,
            frontier_transform: None,
            solution: None,
            frontier: None,
            cross_validation: None,
            optimize_job: None,
            frontier_job: None,
            hold_job: None,
            queued_hold: None,
            prepared: None,
            frontier_asked: None,
            compare_models: false,
            models_frontier: None,
            models_job: None,
            models_asked: None,
            envelope_points: Vec::new(),
        }
    }
}

fn keys_of(index: &GroupIndex) -> Vec<GroupKey> {
    GroupKey::all_of(index)
}

/// Thresholds by key.
fn snapshot(keys: &[GroupKey], thresholds: &[f64]) -> Snapshot {
    keys.iter()
        .cloned()
        .zip(thresholds.iter().copied())
        .collect()
}

impl OptimizePanel {
    /// The objective chosen.
    pub fn objective(&self) -> Objective {
        if self.use_cost {
            Objective::Cost {
                fp_cost: self.fp_cost,
                fn_cost: self.fn_cost,
            }
        } else {
            Objective::Accuracy
        }
    }

    fn capacity(&self) -> Result<Option<Capacity>, String> {
        let text = self.capacity.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<Capacity>()
            .map(Some)
            .map_err(|e| format!("capacity: {e}"))
    }

    /// The frontier's points, when computed for `index` (for tests and hover text).
    pub fn frontier_points(&self, rows: &TuningRows) -> Option<&[crate::optimize::FrontierPoint]> {
        self.frontier_for(rows).map(|f| f.0.points.as_slice())
    }

    /// Whether a search runs.
    pub fn is_busy(&self) -> bool {
        self.optimize_job.is_some()
            || self.frontier_job.is_some()
            || self.hold_job.is_some()
            || self.models_job.is_some()
    }

    /// Every model's frontier and the envelope, when computed for `rows` with the current
    /// constraint and objective (compare mode).
    pub fn models_frontier_for(&self, rows: &TuningRows) -> Option<&ModelsFrontier> {
        self.models_frontier
            .as_ref()
            .filter(|f| {
                f.rows == rows.key && f.value.1 == self.constraint && f.value.2 == self.objective()
            })
            .map(|f| &f.value.0)
    }

    /// Starts computing every model's frontier and the envelope on a worker thread.
    fn start_models_frontier(
        &mut self,
        rows: &TuningRows,
        rule: DecisionRule,
        ctx: Option<egui::Context>,
    ) {
        let request = FrontierRequest {
            constraint: self.constraint,
            objective: self.objective(),
            rule,
            points: FRONTIER_POINTS,
        };
        self.models_asked = Some(self.frontier_key(rows, rule));
        let indexes: Vec<Arc<GroupIndex>> =
            rows.models.iter().map(|(_, i)| Arc::clone(i)).collect();
        self.models_job = Some(Job::spawn(
            "computing every model's frontier",
            ctx,
            move |progress| {
                let indexes: Vec<&GroupIndex> = indexes.iter().map(AsRef::as_ref).collect();
                models_frontier(&indexes, &request, progress).map_err(|e| e.to_string())
            },
        ));
    }

    /// The frontier, when computed for `index`.
    pub fn frontier_for(&self, rows: &TuningRows) -> Option<(&Frontier, Constraint, Objective)> {
        self.frontier
            .as_ref()
            .filter(|f| {
                f.rows == rows.key && f.value.1 == self.constraint && f.value.2 == self.objective()
            })
            .map(|f| (&f.value.0, f.value.1, f.value.2))
    }

    /// Starts optimizing on a worker thread.
    pub fn start_optimize(
        &mut self,
        rows: &TuningRows,
        rule: DecisionRule,
        ctx: Option<egui::Context>,
    ) {
        let capacity = match self.capacity() {
            Ok(c) => c,
            Err(message) => {
                self.message = Some(message);
                return;
            }
        };
        let request = crate::optimize::OptimizeRequest {
            constraint: self.constraint,
            tolerance: self.tolerance,
            objective: self.objective(),
            capacity,
            rule,
        };
        let index = Arc::clone(&rows.index);
        self.message = None;
        self.optimize_job = Some(Job::spawn("optimizing", ctx, move |progress| {
            optimize(&index, &request, progress).map_err(|e| e.to_string())
        }));
        self.solution = None;
    }

    /// Starts computing the frontier on a worker thread.
    pub fn start_frontier(
        &mut self,
        rows: &TuningRows,
        rule: DecisionRule,
        ctx: Option<egui::Context>,
    ) {
        if !self.constraint.has_gap() {
            self.message = Some("The frontier needs a constraint with a gap (demographic parity, equal opportunity, …).".into());
            return;
        }
        let request = FrontierRequest {
            constraint: self.constraint,
            objective: self.objective(),
            rule,
            points: FRONTIER_POINTS,
        };
        let folds = self
            .cross_validation_rows
            .clone()
            .filter(|_| self.cross_validate);
        self.frontier_asked = Some(self.frontier_key(rows, rule));
        let index = Arc::clone(&rows.index);
        self.message = None;
        self.frontier_job = Some(Job::spawn("computing the frontier", ctx, move |progress| {
            let computed = frontier(&index, &request, progress).map_err(|e| e.to_string())?;
            let Some((sorted, grouping)) = folds else {
                return Ok((computed, None));
            };
            let tolerances: Vec<f64> = computed.points.iter().map(|p| p.tolerance).collect();
            let folded = SplitRows::folds(&sorted, &grouping, BAND_FOLDS, DEFAULT_SPLIT_SEED)
                .map_err(|e| e.to_string())?;
            let cross = cross_validated_frontier(
                &folded,
                &request,
                &tolerances,
                crate::engine::intervals::DEFAULT_CONFIDENCE,
                progress,
            )
            .map_err(|e| format!("cross-validation: {e}"))?;
            Ok((computed, Some(cross)))
        }));
    }

    /// What a frontier computed now for `index` would be keyed by.
    fn frontier_key(&self, rows: &TuningRows, rule: DecisionRule) -> FrontierKey {
        FrontierKey {
            rows: rows.key,
            constraint: self.constraint,
            objective: self.objective(),
            rule,
            cross_validate: self.cross_validate && self.cross_validation_rows.is_some(),
        }
    }

    /// The rows the cross-validated band folds: the whole data and its grouping, or `None`
    /// when the session holds rows out for evaluation (those already judge the thresholds).
    pub fn set_cross_validation_rows(&mut self, rows: Option<(Arc<SortedDataset>, GroupingSpec)>) {
        self.cross_validation_rows = rows;
    }

    /// The cross-validated frontier drawn beside the frontier, when computed.
    pub fn cross_validation(&self) -> Option<&CrossValidation> {
        self.cross_validation.as_ref()
    }

    /// Asks for the other groups' best thresholds with `fixed` groups held (hold parity); only
    /// the latest request runs when one is already running.
    pub fn request_hold(
        &mut self,
        rows: &TuningRows,
        rule: DecisionRule,
        fixed: Vec<(usize, f64)>,
        ctx: Option<egui::Context>,
    ) {
        if self.hold_job.is_some() {
            self.queued_hold = Some(fixed);
            return;
        }
        let capacity = match self.capacity() {
            Ok(c) => c,
            Err(message) => {
                self.message = Some(message);
                return;
            }
        };
        let (constraint, objective, tolerance) =
            (self.constraint, self.objective(), self.tolerance);
        let prepared = self
            .prepared
            .clone()
            .filter(|(key, p)| {
                *key == rows.key
                    && p.request(tolerance, capacity).constraint == constraint
                    && p.request(tolerance, capacity).objective == objective
                    && p.request(tolerance, capacity).rule == rule
            })
            .map(|(_, p)| p);
        let index = Arc::clone(&rows.index);
        let key = rows.key;
        self.hold_job = Some(Job::spawn("holding parity", ctx, move |progress| {
            let prepared = match prepared {
                Some(p) => p,
                None => Arc::new(
                    PreparedProblem::new(index, constraint, objective, rule)
                        .map_err(|e| e.to_string())?,
                ),
            };
            let solution = prepared
                .optimize(tolerance, capacity, &fixed, progress)
                .map_err(|e| e.to_string())?;
            Ok((key, prepared, solution))
        }));
    }

    /// Collects finished jobs; returns thresholds to set from a hold-parity result (not an
    /// undo step of its own: it belongs to the drag).
    pub fn poll(
        &mut self,
        rows: &TuningRows,
        rule: DecisionRule,
        ctx: Option<egui::Context>,
    ) -> Option<Vec<f64>> {
        if let Some(result) = self.optimize_job.as_ref().and_then(Job::poll) {
            self.optimize_job = None;
            match result {
                Ok(Ok(solution)) => {
                    self.solution = Some(Keyed {
                        value: solution,
                        keys: keys_of(&rows.index),
                        rows: rows.key,
                    });
                }
                Ok(Err(message)) => self.message = Some(message),
                Err(()) => self.message = Some("the optimization failed unexpectedly".into()),
            }
        }
        if let Some(result) = self.frontier_job.as_ref().and_then(Job::poll) {
            self.frontier_job = None;
            match result {
                Ok(Ok((frontier, cross_validation))) => {
                    self.cross_validation = cross_validation;
                    let asked = self.frontier_asked;
                    self.frontier = Some(Keyed {
                        value: (
                            frontier,
                            asked.map_or(self.constraint, |k| k.constraint),
                            asked.map_or(self.objective(), |k| k.objective),
                        ),
                        keys: keys_of(&rows.index),
                        rows: rows.key,
                    });
                }
                Ok(Err(message)) => self.message = Some(message),
                Err(()) => self.message = Some("the frontier failed unexpectedly".into()),
            }
        }
        let wanted = self.frontier_key(rows, rule);
        if self.frontier_job.is_none()
            && self.constraint.has_gap()
            && self.frontier_asked != Some(wanted)
        {
            self.start_frontier(rows, rule, ctx.clone());
        }
        if let Some(result) = self.models_job.as_ref().and_then(Job::poll) {
            self.models_job = None;
            match result {
                Ok(Ok(models)) => {
                    let asked = self.models_asked;
                    self.models_frontier = Some(Keyed {
                        value: (
                            models,
                            asked.map_or(self.constraint, |k| k.constraint),
                            asked.map_or(self.objective(), |k| k.objective),
                        ),
                        keys: keys_of(&rows.index),
                        rows: asked.map_or(rows.key, |k| k.rows),
                    });
                }
                Ok(Err(message)) => self.message = Some(format!("models' frontiers: {message}")),
                Err(()) => self.message = Some("the models' frontiers failed unexpectedly".into()),
            }
        }
        if self.compare_models
            && rows.models.len() > 1
            && self.models_job.is_none()
            && self.constraint.has_gap()
            && self.models_asked != Some(wanted)
        {
            self.start_models_frontier(rows, rule, ctx.clone());
        }
        let mut held = None;
        if let Some(result) = self.hold_job.as_ref().and_then(Job::poll) {
            self.hold_job = None;
            match result {
                Ok(Ok((key, prepared, solution))) => {
                    if key == rows.key && self.hold_parity {
                        held = Some(solution.thresholds);
                    }
                    self.prepared = Some((key, prepared));
                    self.message = None;
                }
                Ok(Err(message)) => self.message = Some(format!("hold parity: {message}")),
                Err(()) => self.message = Some("hold parity failed unexpectedly".into()),
            }
            if let Some(fixed) = self.queued_hold.take() {
                self.request_hold(rows, rule, fixed, ctx);
            }
        }
        held
    }

    /// The optimization controls.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        rows: &TuningRows,
        rule: DecisionRule,
        ctx: &Option<egui::Context>,
    ) -> OptimizeAction {
        let mut action = OptimizeAction::None;
        let label = ui.label("Constraint");
        egui::ComboBox::from_id_salt("constraint")
            .selected_text(self.constraint.label())
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                for constraint in Constraint::ALL {
                    ui.selectable_value(&mut self.constraint, constraint, constraint.label());
                }
            })
            .response
            .labelled_by(label.id);
        ui.horizontal(|ui| {
            let label = ui
                .label("Tolerance ε")
                .on_hover_text("The largest gap allowed (max − min over groups)");
            ui.add_enabled(
                self.constraint.has_gap(),
                egui::DragValue::new(&mut self.tolerance)
                    .range(0.0..=1.0)
                    .speed(0.001)
                    .max_decimals(4),
            )
            .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.use_cost, false, "Maximize accuracy");
            ui.radio_value(&mut self.use_cost, true, "Minimize cost");
        });
        if self.use_cost {
            ui.horizontal(|ui| {
                let label = ui.label("FP cost");
                ui.add(
                    egui::DragValue::new(&mut self.fp_cost)
                        .range(0.0..=1e6)
                        .speed(0.05),
                )
                .labelled_by(label.id);
                let label = ui.label("FN cost");
                ui.add(
                    egui::DragValue::new(&mut self.fn_cost)
                        .range(0.0..=1e6)
                        .speed(0.05),
                )
                .labelled_by(label.id);
            });
        }
        ui.horizontal(|ui| {
            let label = ui
                .label("Capacity")
                .on_hover_text("Select at most K cases, or K% of them (leave empty for no limit)");
            ui.add(
                egui::TextEdit::singleline(&mut self.capacity)
                    .hint_text("e.g. 5000 or 20%")
                    .desired_width(110.0),
            )
            .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    self.optimize_job.is_none(),
                    egui::Button::new("Find thresholds"),
                )
                .clicked()
            {
                self.start_optimize(rows, rule, ctx.clone());
            }
            if ui
                .add_enabled(
                    self.frontier_job.is_none() && self.constraint.has_gap(),
                    egui::Button::new("Compute frontier"),
                )
                .on_hover_text("The best objective for every ε from 0 to the unconstrained gap")
                .clicked()
            {
                self.start_frontier(rows, rule, ctx.clone());
            }
            if self.optimize_job.is_some() || self.frontier_job.is_some() {
                ui.spinner();
            }
        });
        if let Some(result) = self.solution.as_ref().filter(|s| s.rows == rows.key) {
            let s = &result.value;
            let guarantee = match s.guarantee {
                Guarantee::Exact => "exact optimum".to_owned(),
                Guarantee::Bounded { bound } => format!(
                    "within {:.4} of the best possible",
                    (bound - s.objective).abs()
                ),
            };
            let objective = if self.use_cost {
                format!("cost {:.4}", s.objective)
            } else {
                format!("accuracy {:.4}", s.objective)
            };
            let gap = s.gap.map(|g| format!(" · gap {g:.4}")).unwrap_or_default();
            ui.label(format!(
                "{objective}{gap} · selected {} · {guarantee}",
                crate::report::format::count(s.selected)
            ));
            if let Some(rounding) = rows.rounding {
                ui.label(RichText::new(capitalized(&rounding.note())).small().weak());
            }
            if ui
                .button("Apply these thresholds")
                .on_hover_text("Undo with Ctrl+Z")
                .clicked()
            {
                action = OptimizeAction::Apply(snapshot(&result.keys, &s.thresholds));
            }
        }
        ui.add_enabled(
            self.cross_validation_rows.is_some(),
            egui::Checkbox::new(&mut self.cross_validate, "Cross-validated frontier (5 folds)"),
        )
        .on_hover_text("Beside the frontier, what each tolerance gives on rows the thresholds were not fitted on: fitted on four folds, judged on the fifth, averaged (crosses: 95% intervals)")
        .on_disabled_hover_text("Off while rows are held out for evaluation: those rows already judge the thresholds");
        ui.checkbox(&mut self.hold_parity, "Hold parity while dragging")
            .on_hover_text("Dragging one group's threshold moves the other unlocked groups to the best thresholds that keep the gap ≤ ε");
        if let Some(message) = &self.message {
            ui.colored_label(WARNING, message.as_str());
        }
        action
    }
}

/// `text` with its first letter in upper case (a note shown as a sentence of its own).
fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default()
}

/// What the current thresholds achieve: (gap of the constraint, objective).
pub fn current_point(
    audit: &Audit,
    constraint: Constraint,
    objective: Objective,
) -> Option<[f64; 2]> {
    let gap = constraint
        .gap_metrics()
        .iter()
        .map(|m| audit.metric_summary(*m).and_then(|s| s.difference))
        .collect::<Option<Vec<f64>>>()?
        .into_iter()
        .reduce(f64::max)?;
    let value = match objective {
        Objective::Accuracy => audit.overall.values.get(Metric::Accuracy)?,
        Objective::Cost { fp_cost, fn_cost } => {
            let c = &audit.overall.counts;
            (fp_cost * c.fp + fn_cost * c.fn_) / c.total()
        }
    };
    Some([gap, value])
}

/// The frontier plot: best objective against the gap, beside one threshold for all and the
/// randomized bound, with the current thresholds as a point. Clicking a frontier point applies
/// its thresholds; hovering shows them.
pub fn frontier_plot_ui(
    ui: &mut egui::Ui,
    panel: &mut OptimizePanel,
    rows: &TuningRows,
    audit: &Audit,
    scenarios: &[(String, [f64; 2])],
    rule: DecisionRule,
    ctx: Option<egui::Context>,
) -> OptimizeAction {
    ui.horizontal(|ui| {
        ui.strong("Frontier");
        ui.label(RichText::new("(?)").weak()).on_hover_text(
            "Best objective for each tolerance ε (dots: the optimal deterministic thresholds, at the gap they reach).\n\
             Dashed: randomized thresholds (Hardt et al.), an upper bound. Squares: one threshold for all.\n\
             The ring is where the current thresholds are; diamonds are saved scenarios. Click a dot to apply its thresholds.",
        );
    });
    let Some((frontier, constraint, objective)) = panel.frontier_for(rows) else {
        ui.add_space(20.0);
        ui.vertical_centered(|ui| {
            ui.label(format!("Constraint: {}", panel.constraint.label()));
            if panel.frontier_job.is_some() {
                ui.spinner();
            } else if ui
                .add_enabled(
                    panel.constraint.has_gap(),
                    egui::Button::new("Compute the frontier"),
                )
                .clicked()
            {
                panel.start_frontier(rows, rule, ctx);
            }
        });
        return OptimizeAction::None;
    };
    if let Some(rounding) = rows.rounding {
        ui.label(RichText::new(capitalized(&rounding.note())).small().weak());
    }
    let keys: Vec<GroupKey> = panel
        .frontier
        .as_ref()
        .map(|f| f.keys.clone())
        .unwrap_or_default();
    let optimal: Vec<[f64; 2]> = frontier
        .points
        .iter()
        .map(|p| [p.solution.gap.unwrap_or(0.0), p.solution.objective])
        .collect();
    let steps: Vec<[f64; 2]> = frontier
        .points
        .iter()
        .map(|p| [p.tolerance, p.solution.objective])
        .collect();
    let randomized: Vec<[f64; 2]> = frontier
        .randomized
        .iter()
        .map(|p| [p.tolerance, p.objective])
        .collect();
    let single: Vec<[f64; 2]> = frontier
        .single_threshold
        .iter()
        .filter_map(|p| Some([p.gap?, p.objective]))
        .filter(|p| p[0] <= frontier.unconstrained_gap * 1.5 + 1e-9)
        .collect();
    let current = current_point(audit, constraint, objective);
    let cross = panel
        .cross_validation
        .clone()
        .filter(|_| panel.frontier_asked.is_some_and(|k| k.cross_validate));
    let describe = |i: usize| -> String {
        let Some(point) = frontier.points.get(i) else {
            return String::new();
        };
        let mut text = format!(
            "ε ≤ {:.4}: objective {:.4}, accuracy {:.4}, gap {}\n",
            point.tolerance,
            point.solution.objective,
            point.solution.accuracy,
            point
                .solution
                .gap
                .map_or("n/a".to_owned(), |g| format!("{g:.4}"))
        );
        for (key, t) in keys.iter().zip(&point.solution.thresholds).take(12) {
            text.push_str(&format!(
                "{key}: {}\n",
                crate::report::format::threshold(Some(*t))
            ));
        }
        if keys.len() > 12 {
            text.push_str(&format!(
                "… and {} more groups\nclick to apply",
                keys.len() - 12
            ));
        } else {
            text.push_str("click to apply");
        }
        text
    };
    let y_label = if objective.is_maximized() {
        "accuracy"
    } else {
        "cost per case"
    };
    // Compare mode: every other model's optimal points and the envelope across the models.
    let models = panel
        .models_frontier_for(rows)
        .filter(|_| panel.compare_models);
    let envelope: Vec<([f64; 2], [f64; 2], usize)> = models
        .map(|m| {
            m.envelope
                .iter()
                .map(|p| {
                    (
                        [p.solution.gap.unwrap_or(0.0), p.solution.objective],
                        [p.tolerance, p.solution.objective],
                        p.model,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let envelope_thresholds = |i: usize| -> Option<Snapshot> {
        let point = models?.envelope.get(i)?;
        Some(snapshot(&keys, &point.solution.thresholds))
    };
    let model_name = |model: usize| {
        rows.models
            .get(model)
            .map_or_else(String::new, |(name, _)| name.clone())
    };
    let describe_envelope = |i: usize| -> String {
        let (Some((at, _, model)), Some(thresholds)) = (envelope.get(i), envelope_thresholds(i))
        else {
            return String::new();
        };
        let mut text = format!(
            "envelope: best model {}\ngap {:.4}, objective {:.4}\n",
            model_name(*model),
            at[0],
            at[1]
        );
        for (key, t) in thresholds.iter().take(12) {
            text.push_str(&format!(
                "{key}: {}\n",
                crate::report::format::threshold(Some(*t))
            ));
        }
        text.push_str("click to apply this model and its thresholds");
        text
    };
    let envelope_color = ui.visuals().strong_text_color();
    let response = egui_plot::Plot::new("frontier")
        .show_background(!super::settings::light_drawing(ui.ctx()))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .x_axis_label(format!("{} gap", constraint.key().replace('_', " ")))
        .y_axis_label(y_label)
        .label_formatter(|position: &HoverPosition<'_>| match position {
            HoverPosition::NearDataPoint {
                plot_name,
                index,
                position,
            } => match *plot_name {
                "optimal thresholds" => Some(describe(*index)),
                ENVELOPE_NAME => Some(describe_envelope(*index)),
                "" => None,
                name => Some(format!(
                    "{name}\ngap {:.4}\n{y_label} {:.4}",
                    position.x, position.y
                )),
            },
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("best for ε", steps.clone())
                    .color(Color32::from_rgb(0x44, 0x77, 0xAA))
                    .width(1.0),
            );
            plot_ui.line(
                Line::new("randomized (upper bound)", randomized)
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
            plot_ui.points(
                Points::new("one threshold for all", single)
                    .color(Color32::from_rgb(0xCC, 0xBB, 0x44))
                    .shape(MarkerShape::Square)
                    .radius(2.5),
            );
            plot_ui.points(
                Points::new("optimal thresholds", optimal.clone())
                    .color(Color32::from_rgb(0x44, 0x77, 0xAA))
                    .radius(3.5),
            );
            for (name, point) in scenarios {
                plot_ui.points(
                    Points::new(format!("scenario: {name}"), vec![*point])
                        .color(Color32::from_rgb(0xAA, 0x33, 0x77))
                        .shape(MarkerShape::Diamond)
                        .radius(5.0),
                );
                plot_ui.text(
                    egui_plot::Text::new(
                        "",
                        PlotPoint::new(point[0], point[1]),
                        format!("  {name}"),
                    )
                    .anchor(egui::Align2::LEFT_CENTER)
                    .color(Color32::from_rgb(0xAA, 0x33, 0x77)),
                );
            }
            if let Some(cross) = &cross {
                band_ui(plot_ui, cross);
            }
            if let Some(models) = models {
                let others = models
                    .frontiers
                    .iter()
                    .enumerate()
                    .filter(|(model, _)| *model != rows.model);
                for (rank, (model, frontier)) in others.enumerate() {
                    let color = model_color(rank);
                    let points: Vec<[f64; 2]> = frontier
                        .points
                        .iter()
                        .map(|p| [p.solution.gap.unwrap_or(0.0), p.solution.objective])
                        .collect();
                    plot_ui.line(
                        Line::new(format!("model {}", model_name(model)), points.clone())
                            .color(color)
                            .style(LineStyle::dashed_loose())
                            .width(1.5),
                    );
                    plot_ui.points(
                        Points::new(format!("model {}", model_name(model)), points)
                            .color(color)
                            .radius(2.5),
                    );
                }
                let steps: Vec<[f64; 2]> = envelope.iter().map(|e| e.1).collect();
                plot_ui.line(
                    Line::new("envelope across models", steps)
                        .color(envelope_color)
                        .width(1.5),
                );
                // Hollow, so the dot of the model each point belongs to shows through.
                plot_ui.points(
                    Points::new(
                        ENVELOPE_NAME,
                        envelope.iter().map(|e| e.0).collect::<Vec<_>>(),
                    )
                    .color(envelope_color)
                    .shape(MarkerShape::Diamond)
                    .filled(false)
                    .radius(5.5),
                );
            }
            if let Some(point) = current {
                plot_ui.points(
                    Points::new("current thresholds", vec![point])
                        .color(Color32::from_rgb(0xEE, 0x66, 0x77))
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(7.0),
                );
            }
        });
    let mut action = OptimizeAction::None;
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let distance = |p: &[f64; 2]| {
            response
                .transform
                .position_from_point(&PlotPoint::new(p[0], p[1]))
                .distance(pointer)
        };
        let nearest = |points: &mut dyn Iterator<Item = [f64; 2]>| {
            points
                .enumerate()
                .map(|(i, p)| (i, distance(&p)))
                .filter(|(_, d)| *d <= PICK_DISTANCE)
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        let on_frontier = nearest(&mut optimal.iter().copied());
        let on_envelope = nearest(&mut envelope.iter().map(|e| e.0));
        match (on_frontier, on_envelope) {
            // An envelope point wins a tie: it names the model.
            (_, Some((i, d))) if on_frontier.is_none_or(|(_, f)| d <= f) => {
                if let (Some((_, _, model)), Some(thresholds)) =
                    (envelope.get(i), envelope_thresholds(i))
                {
                    action = if *model == rows.model {
                        OptimizeAction::Apply(thresholds)
                    } else {
                        OptimizeAction::ApplyModel {
                            model: *model,
                            thresholds,
                        }
                    };
                }
            }
            (Some((i, _)), _) => {
                if let Some(point) = frontier.points.get(i) {
                    action = OptimizeAction::Apply(snapshot(&keys, &point.solution.thresholds));
                }
            }
            (None, _) => {}
        }
    }
    panel.envelope_points = envelope
        .into_iter()
        .map(|(at, _, model)| (at, model))
        .collect();
    panel.frontier_transform = Some(response.transform);
    action
}

/// The name of the envelope's points (hover text and clicks pick them by it).
const ENVELOPE_NAME: &str = "best model at ε";

/// The colour of another model's frontier in compare mode, by its rank among the other models
/// (the decision's model keeps the frontier's own blue; Paul Tol's palette).
fn model_color(rank: usize) -> Color32 {
    const COLORS: [Color32; 3] = [
        Color32::from_rgb(0x22, 0x88, 0x33),
        Color32::from_rgb(0xCC, 0xBB, 0x44),
        Color32::from_rgb(0x66, 0xCC, 0xEE),
    ];
    COLORS
        .get(rank % COLORS.len())
        .copied()
        .unwrap_or(Color32::GRAY)
}

/// The colour of the cross-validated band.
const BAND_COLOR: Color32 = Color32::from_rgb(0xEE, 0x77, 0x33);

/// The cross-validated frontier: a line through each tolerance's mean held-out (gap,
/// objective), and every few tolerances a cross of their intervals.
fn band_ui(plot_ui: &mut egui_plot::PlotUi<'_>, cross: &CrossValidation) {
    let mut points: Vec<[f64; 2]> = cross
        .points
        .iter()
        .filter_map(|p| Some([p.gap?, p.objective]))
        .collect();
    points.sort_by(|a, b| a[0].total_cmp(&b[0]));
    plot_ui.line(
        Line::new("cross-validated (held-out folds)", points)
            .color(BAND_COLOR)
            .width(1.5),
    );
    for point in cross.points.iter().step_by(BAND_CROSS_EVERY) {
        let Some(gap) = point.gap else {
            continue;
        };
        if let Some(interval) = point.objective_interval {
            plot_ui.line(
                Line::new("", vec![[gap, interval.low], [gap, interval.high]])
                    .color(BAND_COLOR)
                    .width(1.0),
            );
        }
        if let Some(interval) = point.gap_interval {
            plot_ui.line(
                Line::new(
                    "",
                    vec![
                        [interval.low, point.objective],
                        [interval.high, point.objective],
                    ],
                )
                .color(BAND_COLOR)
                .width(1.0),
            );
        }
    }
}
