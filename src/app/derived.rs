//! What the window derives from the decision model and the data: the audit, the session as it
//! would be saved now, the decision and scenarios audited with their criteria, and which groups
//! are hidden. Recomputed only when the key — (data generation, state revision) — changes, so
//! an idle frame or a mouse move that changes nothing costs no audit, no serialisation and no
//! criteria evaluation.

use super::error::AppError;
use super::governance::ContextView;
use super::split::SplitReady;
use super::state::{ExplorerState, RowsShown};
use super::workspace::Workspace;
use crate::engine::{Audit, DecisionRule, ThresholdMap, audit};
use crate::report::session_text::{single_threshold_rows, thresholds_flagged, thresholds_warning};
use crate::session::Session;
use crate::session::context::{SingleThresholdAlternative, best_single_threshold};
use crate::session::scenario::{KeyMatching, ScenarioComparison, compare_scenarios};

/// The session as it would be saved now: the record plus the state's thresholds, options and the
/// workspace's frozen grouping.
pub fn session_now(state: &ExplorerState, workspace: &Workspace) -> Option<Session> {
    let mut session = state.session()?.clone();
    let thresholds = ThresholdMap::from_resolved(&workspace.index, state.thresholds().values());
    session.refresh_frozen(workspace.recorded_grouping(), thresholds, state.options());
    if session.has_models() {
        session.model = Some(session.model_name(state.model()));
    }
    Some(session)
}

/// What derived state is computed for: (data generation, state revision, split rows version).
pub type DerivedKey = (u64, u64, u64);

/// The decision audited on both sides of an evaluation split.
pub struct SplitAudits {
    /// On the rows the thresholds are chosen on.
    pub fit: Audit,
    /// On the rows the criteria are judged on.
    pub evaluation: Audit,
}

/// Compare mode: another model's audit at the thresholds it is shown at, on the rows the table
/// shows.
pub struct ComparedModel {
    /// The model's position.
    pub model: usize,
    /// Its name.
    pub name: String,
    /// Its thresholds, in group order.
    pub thresholds: Vec<f64>,
    /// Its audit.
    pub audit: Audit,
}

/// Results derived from (data, state), computed once per change.
#[derive(Default)]
pub struct Derived {
    key: Option<DerivedKey>,
    /// How many times this was recomputed (tests check that idle frames do not recompute).
    pub refreshes: u64,
    /// The audit of the current thresholds (what the table and plots show), or why it failed.
    pub audit: Option<Result<Audit, AppError>>,
    /// The session as it would be saved now.
    pub session: Option<Session>,
    /// The decision and the scenarios audited on the current data, with criteria, or why that
    /// failed.
    pub comparison: Option<Result<ScenarioComparison, AppError>>,
    /// Groups left out of the plots and the table (under the minimum count, when asked).
    pub hidden: Vec<bool>,
    /// With an evaluation split, the decision on its fit and evaluation rows (`audit` is the one
    /// [`ExplorerState::rows_shown`] picks).
    pub split: Option<SplitAudits>,
    /// One threshold for all beside the decision, when the session's context forbids thresholds
    /// that differ between groups (employment) and the current ones do.
    pub single_threshold: Option<SingleThresholdAlternative>,
    /// What the governance panel shows about the use context (the flag, the numbers beside).
    pub context_view: ContextView,
    /// Compare mode: the other model's audit.
    pub compared: Option<ComparedModel>,
    /// The most accurate single threshold, for the (data generation, split rows version, rule)
    /// it was found for: it does not depend on the thresholds, so a drag does not search for it
    /// again.
    best_single: Option<((u64, u64, DecisionRule), Option<f64>)>,
}

impl Derived {
    /// Brings everything up to date with `state` on `workspace` (of data generation
    /// `generation`); does nothing when neither changed since the last call.
    pub fn refresh(
        &mut self,
        key: DerivedKey,
        workspace: Option<&Workspace>,
        state: &ExplorerState,
        split: Option<&SplitReady>,
    ) {
        if self.key == Some(key) {
            return;
        }
        self.refreshes += 1;
        self.key = Some(key);
        let Some(workspace) = workspace else {
            *self = Self {
                key: Some(key),
                refreshes: self.refreshes,
                ..Self::default()
            };
            return;
        };
        let thresholds = state.thresholds().values();
        let audit_of = |index| audit(index, thresholds, state.options()).map_err(AppError::Audit);
        self.split = None;
        let audited = match split {
            Some(rows) => match (audit_of(&rows.fit), audit_of(&rows.held_out)) {
                (Ok(fit), Ok(evaluation)) => {
                    let shown = match state.rows_shown() {
                        RowsShown::Fit => fit.clone(),
                        RowsShown::Evaluation => evaluation.clone(),
                    };
                    self.split = Some(SplitAudits { fit, evaluation });
                    Ok(shown)
                }
                (Err(error), _) | (_, Err(error)) => Err(error),
            },
            // The groups' calibration is worked out once per grouping, on every row: it is
            // attached to the audit of every row, not to a split's parts.
            None => audit_of(&workspace.index)
                .map(|audit| audit.with_calibration(workspace.curves.ece.clone())),
        };
        self.hidden = match &audited {
            Ok(audit) => audit
                .groups
                .iter()
                .map(|g| state.hide_small() && g.weight < state.options().min_count)
                .collect(),
            Err(_) => Vec::new(),
        };
        self.audit = Some(audited);
        self.compared = state
            .compare()
            .and_then(|model| compared_model(model, workspace, state, split));
        self.session = session_now(state, workspace);
        // With a split, the criteria are judged on the evaluation rows.
        let judged_on = split.map_or(&workspace.index, |rows| &rows.held_out);
        // Every model's rows: a scenario of another model is judged on its own scores.
        let judged_on_by_model =
            split.map_or_else(|| workspace.model_indexes(), SplitReady::held_out_by_model);
        self.comparison = self.session.as_ref().map(|session| {
            compare_scenarios(session, &judged_on_by_model, KeyMatching::Lenient)
                .map_err(AppError::Session)
        });
        self.single_threshold = None;
        let flagged = thresholds_flagged(
            self.session.as_ref().and_then(|s| s.context),
            state.thresholds().values(),
        );
        if flagged {
            // As `check`: chosen on the rows thresholds are chosen on, judged where the
            // criteria are.
            let chosen_on = split.map_or(&workspace.index, |rows| &rows.fit);
            let rule = state.options().rule;
            let best = match self.best_single {
                Some((cached, best)) if cached == (key.0, key.2, rule) => best,
                _ => {
                    let best = best_single_threshold(chosen_on, rule);
                    self.best_single = Some(((key.0, key.2, rule), best));
                    best
                }
            };
            self.single_threshold = best.and_then(|threshold| {
                let thresholds = vec![threshold; judged_on.len()];
                audit(judged_on, &thresholds, state.options())
                    .ok()
                    .map(|audit| SingleThresholdAlternative { threshold, audit })
            });
        }
        let single = self.single_threshold.as_ref();
        let decision = match &self.split {
            Some(split) => Some(&split.evaluation),
            None => self.audit(),
        };
        self.context_view = ContextView {
            warning: thresholds_warning(
                self.session.as_ref().and_then(|s| s.context),
                state.thresholds().values(),
                single,
            ),
            single_threshold: single.map(|s| s.threshold),
            rows: decision
                .map(|audit| single_threshold_rows(audit, single))
                .unwrap_or_default(),
        };
    }

    /// The compared model (compare mode), when its audit succeeded.
    pub fn compared(&self) -> Option<&ComparedModel> {
        self.compared.as_ref()
    }

    /// The audit, when it succeeded.
    pub fn audit(&self) -> Option<&Audit> {
        self.audit.as_ref().and_then(|a| a.as_ref().ok())
    }

    /// The scenario comparison, when it succeeded.
    pub fn comparison(&self) -> Option<&ScenarioComparison> {
        self.comparison.as_ref().and_then(|c| c.as_ref().ok())
    }
}

/// Model `model`'s audit at the thresholds it is shown at ([`ExplorerState::thresholds_of_model`],
/// by group key; a group without one takes the default threshold), on the rows the table shows:
/// every row, or the split's part [`ExplorerState::rows_shown`] picks.
fn compared_model(
    model: usize,
    workspace: &Workspace,
    state: &ExplorerState,
    split: Option<&SplitReady>,
) -> Option<ComparedModel> {
    let name = workspace.models.get(model)?.name.clone();
    let index = match split {
        Some(rows) => match state.rows_shown() {
            RowsShown::Fit => rows.models.fit_of(model)?,
            RowsShown::Evaluation => rows.models.held_out_of(model)?,
        },
        None => workspace.models.get(model)?.index.as_ref(),
    };
    let snapshot = state.thresholds_of_model(model);
    let thresholds: Vec<f64> = index
        .groups()
        .iter()
        .map(|g| {
            snapshot
                .iter()
                .find(|(key, _)| key.is_of(g))
                .map_or(workspace.default_threshold(), |(_, t)| *t)
        })
        .collect();
    let audit = audit(index, &thresholds, state.options()).ok()?;
    Some(ComparedModel {
        model,
        name,
        thresholds,
        audit,
    })
}
