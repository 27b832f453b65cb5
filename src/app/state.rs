//! The window's one decision model: every group's threshold (with locks, "one for all" and undo),
//! the audit options, what the plots show, and the governance record (criteria, scenarios,
//! rationale, sign-offs) — and the one place they change, [`ExplorerState::apply`].
//!
//! Panels read this state and push [`Edit`]s (wrapped in the window's `Command`); nothing else
//! writes it. Every applied edit that changes something bumps [`ExplorerState::revision`], which
//! keys everything derived from the state (the audit, the scenario comparison, the session as it
//! would be saved), so derived results are computed once per change and never per frame. Edits
//! that change what a saved session records also bump the session edit count, so "unsaved
//! changes" is a comparison of two integers.

use crate::engine::{AuditOptions, GroupIndex, ThresholdMap};
use crate::session::scenario::{KeyMatching, resolve_thresholds};
use crate::session::signoff::{Decision, SignOffDate};
use crate::session::{BiasAuditRecord, Criterion, EvaluationSplit, Session, UseContext};

use super::thresholds::{GroupKey, Snapshot, ThresholdState};

/// One change to the decision model.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Moves group `group`'s threshold (slider, typed value, plot drag). Part of an interaction:
    /// the undo step is recorded when it settles ([`Edit::Settle`]).
    SetThreshold {
        /// Group position in the current grouping.
        group: usize,
        /// The new threshold.
        value: f64,
    },
    /// Steps group `group` to its next (`up`) or previous distinct score (arrow keys).
    Nudge {
        /// Group position.
        group: usize,
        /// Towards higher scores.
        up: bool,
    },
    /// Locks or unlocks a group's threshold.
    SetLocked {
        /// Group position.
        group: usize,
        /// Locked.
        locked: bool,
    },
    /// Turns "one threshold for all" on (aligning on `anchor`'s threshold) or off.
    SetUniform {
        /// On or off.
        uniform: bool,
        /// The group whose threshold the others take.
        anchor: usize,
    },
    /// Every unlocked group back to the default threshold.
    ResetThresholds,
    /// Thresholds by group key (optimizer result, frontier point, session); one undo step.
    ApplyThresholds(Snapshot),
    /// A saved scenario's thresholds, matched to the current groups; one undo step.
    ApplyScenario(ThresholdMap),
    /// A hold-parity result: every group except `fixed` (and locked ones) takes `values`. Not an
    /// undo step of its own: it belongs to the drag that asked for it.
    HoldParity {
        /// Thresholds in group order.
        values: Vec<f64>,
        /// Groups that keep theirs.
        fixed: Vec<usize>,
    },
    /// The user's interaction settled (no button held, no text focused): records one undo step
    /// if thresholds changed since the last one.
    Settle,
    /// Goes back one undo step.
    Undo,
    /// Goes forward one undo step.
    Redo,
    /// Selects a group (for arrow-key nudges), or none.
    Select(Option<usize>),
    /// Rule, convention, reference and minimum count.
    SetOptions(AuditOptions),
    /// Leaves groups under the minimum count out of plots and the table.
    SetHideSmall(bool),
    /// Shows or hides one group in the plots.
    SetVisible {
        /// Group position.
        group: usize,
        /// Shown.
        shown: bool,
    },
    /// Shows or hides every group in the plots.
    SetAllVisible(bool),
    /// Adds an acceptance criterion.
    AddCriterion(Criterion),
    /// Removes the criterion at this position.
    RemoveCriterion(usize),
    /// Saves the current thresholds as a scenario with this name.
    SaveScenario(String),
    /// Removes the scenario at this position.
    RemoveScenario(usize),
    /// Makes the scenario at this position the baseline (or none).
    SetBaseline(Option<usize>),
    /// Replaces the rationale text.
    SetRationale(String),
    /// Judges the criteria on rows the thresholds are not chosen on (a held-out share), or on
    /// every row (`None`). The optimizer then works on the fit rows.
    SetEvaluation(Option<EvaluationSplit>),
    /// With an evaluation split, which rows the table and plots show.
    ShowRows(RowsShown),
    /// Sets (or clears) the session's use context.
    SetContext(Option<UseContext>),
    /// Records (or removes) the session's NYC Local Law 144 settings, checked by the caller
    /// against the current grouping.
    SetBiasAudit(Option<BiasAuditRecord>),
    /// Records (or removes) the session's expected population shares (attribute key → group
    /// key → share), checked by the caller.
    SetPopulation(Option<super::population::Population>),
    /// Makes model `model` the decision's (the window has switched its data to that model's
    /// scores first): the thresholds become `thresholds` when given (a frontier-envelope point),
    /// else the ones last used with that model, else stay as they are. The undo history starts
    /// over: one model's thresholds are other decisions on another model's scores.
    SetModel {
        /// The model's position (in the order the models were mapped).
        model: usize,
        /// Thresholds by group key to apply with it.
        thresholds: Option<Snapshot>,
    },
    /// Overlays another model in the plots and the table (compare mode), or none.
    SetCompare(Option<usize>),
    /// Signs the session as it is now.
    Sign {
        /// Who.
        name: String,
        /// In what role.
        role: String,
        /// When.
        date: SignOffDate,
        /// What was decided.
        decision: Decision,
        /// Conditions or remarks.
        comment: String,
    },
}

/// With an evaluation split, which rows the table and plots show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RowsShown {
    /// The rows the criteria are judged on (never seen by the optimizer).
    #[default]
    Evaluation,
    /// The rows the thresholds are chosen on.
    Fit,
}

/// What applying an edit did, for the window's follow-ups (hold parity, messages).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// Exactly one group's threshold was moved by the user (hold parity re-optimizes the others).
    pub moved_alone: Option<usize>,
    /// The edit could not be carried out, in words.
    pub problem: Option<String>,
}

/// The decision on screen and its record. See the module documentation.
#[derive(Clone, Debug)]
pub struct ExplorerState {
    thresholds: ThresholdState,
    options: AuditOptions,
    hide_small: bool,
    visible: Vec<bool>,
    selected: Option<usize>,
    rows_shown: RowsShown,
    session: Option<Session>,
    /// The decision's model (its position): the window shows this model's scores.
    model: usize,
    /// The thresholds last used with each other model, so switching back restores them.
    model_thresholds: Vec<(usize, Snapshot)>,
    /// The model overlaid in compare mode.
    compare: Option<usize>,
    /// Default threshold of the current data (for resets and new groups).
    default_threshold: f64,
    revision: u64,
    session_edits: u64,
    saved_edits: Option<u64>,
}

impl Default for ExplorerState {
    fn default() -> Self {
        Self {
            thresholds: ThresholdState::default(),
            options: AuditOptions::default(),
            hide_small: false,
            visible: Vec::new(),
            selected: None,
            rows_shown: RowsShown::default(),
            session: None,
            model: 0,
            model_thresholds: Vec::new(),
            compare: None,
            default_threshold: 0.5,
            revision: 0,
            session_edits: 0,
            saved_edits: None,
        }
    }
}

impl ExplorerState {
    /// Thresholds, locks and undo history (read-only: change them with [`Edit`]s).
    pub fn thresholds(&self) -> &ThresholdState {
        &self.thresholds
    }

    /// The audit options in use.
    pub fn options(&self) -> &AuditOptions {
        &self.options
    }

    /// Whether groups under the minimum count are left out of plots and the table.
    pub fn hide_small(&self) -> bool {
        self.hide_small
    }

    /// Which groups the plots draw, in group order.
    pub fn visible(&self) -> &[bool] {
        &self.visible
    }

    /// The selected group.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// With an evaluation split, which rows the table and plots show.
    pub fn rows_shown(&self) -> RowsShown {
        self.rows_shown
    }

    /// The session's evaluation split, if any.
    pub fn evaluation_split(&self) -> Option<&EvaluationSplit> {
        self.session.as_ref().and_then(|s| s.evaluation.as_ref())
    }

    /// The governance record as last installed, saved or edited (its thresholds and options are
    /// refreshed from the state when the session is saved; see the window's derived session).
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The decision's model (its position in the order the models were mapped).
    pub fn model(&self) -> usize {
        self.model
    }

    /// The model overlaid in compare mode.
    pub fn compare(&self) -> Option<usize> {
        self.compare.filter(|m| *m != self.model)
    }

    /// The thresholds `model` is shown at: the current ones for the decision's model, those last
    /// used with another (or the current ones when it was never used: same groups, other
    /// scores).
    pub fn thresholds_of_model(&self, model: usize) -> Snapshot {
        if model != self.model
            && let Some((_, snapshot)) = self.model_thresholds.iter().find(|(m, _)| *m == model)
        {
            return snapshot.clone();
        }
        self.thresholds.snapshot()
    }

    /// Sets one field of the session's record to `value`; whether it changed (no session yet:
    /// nothing to change).
    fn set_in_session<T: PartialEq>(
        &mut self,
        field: impl FnOnce(&mut Session) -> &mut T,
        value: T,
    ) -> bool {
        let Some(slot) = self.session.as_mut().map(field) else {
            return false;
        };
        if *slot == value {
            return false;
        }
        *slot = value;
        true
    }

    /// Counts every change; keys all derived state.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether the session changed since it was opened, saved or its data loaded.
    pub fn is_dirty(&self) -> bool {
        self.session.is_some() && self.saved_edits != Some(self.session_edits)
    }

    /// Starts over on new data: every group of `index` at `default_threshold`, `session` as the
    /// record (none yet while a new data file is being fingerprinted, see
    /// [`ExplorerState::adopt_new_session`]), nothing to undo, nothing unsaved. With
    /// `from_session`, the session's thresholds and options are taken (resolved against `index`).
    pub fn install(
        &mut self,
        index: &GroupIndex,
        default_threshold: f64,
        visible: Vec<bool>,
        session: Option<Session>,
        from_session: bool,
    ) -> Option<String> {
        let keys = group_keys(index);
        self.thresholds = ThresholdState::new(keys.clone(), default_threshold);
        self.default_threshold = default_threshold;
        self.options = AuditOptions::default();
        self.selected = None;
        self.model = session.as_ref().map_or(0, Session::decision_model);
        self.model_thresholds.clear();
        self.compare = None;
        self.visible = visible;
        let mut problem = None;
        if from_session && let Some(session) = &session {
            self.options = session.audit_options();
            match session.thresholds.resolve(index) {
                Ok(values) => {
                    self.thresholds
                        .apply(&keys.into_iter().zip(values).collect());
                    self.thresholds.clear_history();
                }
                Err(error) => problem = Some(format!("session thresholds: {error}")),
            }
        }
        self.session = session;
        self.revision += 1;
        self.session_edits += 1;
        self.saved_edits = Some(self.session_edits);
        problem
    }

    /// The record of newly loaded data, once its fingerprint is taken (after the first frame).
    /// Changes made meanwhile stay unsaved changes.
    pub fn adopt_new_session(&mut self, session: Session) {
        self.session = Some(session);
        self.revision += 1;
    }

    /// Follows a new grouping of the same data: groups that keep their key keep their threshold;
    /// a reference group that no longer exists falls back to the largest group.
    pub fn regroup(&mut self, index: &GroupIndex, visible: Vec<bool>) {
        self.thresholds
            .regroup(group_keys(index), self.default_threshold);
        if let crate::engine::ReferenceChoice::Group(key) = &self.options.reference
            && index.position(key).is_none()
        {
            self.options.reference = crate::engine::ReferenceChoice::Largest;
        }
        self.visible = visible;
        self.selected = None;
        self.revision += 1;
        // The grouping is part of what a session records.
        self.session_edits += 1;
    }

    /// Records that `session` (the current decision, as derived) was just saved. Nothing derived
    /// changes, so the revision stays.
    pub fn mark_saved(&mut self, session: Session) {
        self.session = Some(session);
        self.saved_edits = Some(self.session_edits);
    }

    /// Applies one edit; the only writer of the decision model. `index` is the current grouping
    /// (thresholds are positions in it). `current` builds the session as it would be saved now
    /// (for signing).
    pub fn apply(
        &mut self,
        edit: Edit,
        index: &GroupIndex,
        current: impl FnOnce(&Self) -> Option<Session>,
    ) -> Applied {
        let before = self.thresholds.values().to_vec();
        let mut record_changed = false;
        let mut view_changed = false;
        let mut applied = Applied::default();
        let mut user_moved = None;
        match edit {
            Edit::SetThreshold { group, value } => {
                self.thresholds.set(group, value);
                self.selected = Some(group);
                user_moved = Some(group);
            }
            Edit::Nudge { group, up } => {
                self.thresholds.nudge(index, group, up);
                user_moved = Some(group);
            }
            Edit::SetLocked { group, locked } => {
                view_changed = self.thresholds.is_locked(group) != locked;
                self.thresholds.set_locked(group, locked);
            }
            Edit::SetUniform { uniform, anchor } => {
                view_changed = self.thresholds.uniform != uniform;
                self.thresholds.set_uniform(uniform, anchor);
            }
            Edit::ResetThresholds => self.thresholds.reset(self.default_threshold),
            Edit::ApplyThresholds(snapshot) => self.thresholds.apply(&snapshot),
            Edit::ApplyScenario(map) => {
                match resolve_thresholds(&map, index, KeyMatching::Lenient) {
                    Ok((values, _)) => {
                        let snapshot = group_keys(index).into_iter().zip(values).collect();
                        self.thresholds.apply(&snapshot);
                    }
                    Err(error) => applied.problem = Some(format!("scenario: {error}")),
                }
            }
            Edit::HoldParity { values, fixed } => self.thresholds.set_others(&values, &fixed),
            Edit::Settle => self.thresholds.commit(),
            Edit::Undo => self.thresholds.undo(),
            Edit::Redo => self.thresholds.redo(),
            Edit::Select(group) => self.selected = group,
            Edit::SetOptions(options) => {
                record_changed = self.options != options;
                self.options = options;
            }
            Edit::SetHideSmall(hide) => {
                view_changed = self.hide_small != hide;
                self.hide_small = hide;
            }
            Edit::SetVisible { group, shown } => {
                if let Some(slot) = self.visible.get_mut(group) {
                    view_changed = *slot != shown;
                    *slot = shown;
                }
            }
            Edit::SetAllVisible(shown) => {
                view_changed = self.visible.iter().any(|v| *v != shown);
                self.visible.iter_mut().for_each(|v| *v = shown);
            }
            Edit::AddCriterion(criterion) => {
                if let Some(session) = &mut self.session {
                    session.criteria.push(criterion);
                    record_changed = true;
                }
            }
            Edit::RemoveCriterion(i) => {
                if let Some(session) = &mut self.session
                    && i < session.criteria.len()
                {
                    session.criteria.remove(i);
                    record_changed = true;
                }
            }
            Edit::SaveScenario(name) => {
                let thresholds = ThresholdMap::from_resolved(index, self.thresholds.values());
                let model = self.model;
                if let Some(session) = &mut self.session {
                    let mut scenario = super::governance::scenario(name, thresholds);
                    // A session of several models records which model the scenario's
                    // thresholds apply to.
                    scenario.model = session.has_models().then(|| session.model_name(model));
                    session.scenarios.push(scenario);
                    record_changed = true;
                }
            }
            Edit::RemoveScenario(i) => {
                if let Some(session) = &mut self.session
                    && i < session.scenarios.len()
                {
                    session.scenarios.remove(i);
                    record_changed = true;
                }
            }
            Edit::SetBaseline(baseline) => {
                if let Some(session) = &mut self.session {
                    for (i, scenario) in session.scenarios.iter_mut().enumerate() {
                        let is_baseline = baseline == Some(i);
                        record_changed |= scenario.baseline != is_baseline;
                        scenario.baseline = is_baseline;
                    }
                }
            }
            Edit::SetRationale(text) => {
                record_changed |= self.set_in_session(|session| &mut session.rationale, text);
            }
            Edit::SetEvaluation(split) => {
                record_changed |= self.set_in_session(|session| &mut session.evaluation, split);
            }
            Edit::ShowRows(rows) => {
                view_changed = self.rows_shown != rows;
                self.rows_shown = rows;
            }
            Edit::SetContext(context) => {
                record_changed |= self.set_in_session(|session| &mut session.context, context);
            }
            Edit::SetBiasAudit(record) => {
                record_changed |= self.set_in_session(|session| &mut session.bias_audit, record);
            }
            Edit::SetPopulation(population) => {
                record_changed |=
                    self.set_in_session(|session| &mut session.population, population);
            }
            Edit::SetModel { model, thresholds } => {
                if model != self.model {
                    let previous = self.thresholds.snapshot();
                    self.model_thresholds.retain(|(m, _)| *m != self.model);
                    self.model_thresholds.push((self.model, previous));
                    let remembered = self
                        .model_thresholds
                        .iter()
                        .find(|(m, _)| *m == model)
                        .map(|(_, s)| s.clone());
                    self.model = model;
                    if self.compare == Some(model) {
                        self.compare = None;
                    }
                    record_changed = true;
                    if let Some(snapshot) = thresholds.as_ref().or(remembered.as_ref()) {
                        self.thresholds.apply(snapshot);
                    }
                    self.thresholds.clear_history();
                } else if let Some(snapshot) = &thresholds {
                    self.thresholds.apply(snapshot);
                }
            }
            Edit::SetCompare(compare) => {
                view_changed = self.compare != compare;
                self.compare = compare;
            }
            Edit::Sign {
                name,
                role,
                date,
                decision,
                comment,
            } => {
                if let Some(mut session) = current(self) {
                    session.sign(&name, &role, date, decision, &comment);
                    self.session = Some(session);
                    record_changed = true;
                }
            }
        }
        let thresholds_changed = self.thresholds.values() != before.as_slice();
        if thresholds_changed || record_changed {
            self.session_edits += 1;
        }
        if thresholds_changed || record_changed || view_changed {
            self.revision += 1;
        }
        // Hold parity follows a user's move of one group only (not "one for all", not a lock).
        let changed: Vec<usize> = (0..before.len())
            .filter(|&i| self.thresholds.values().get(i) != before.get(i))
            .collect();
        if let (Some(group), [only]) = (user_moved, changed.as_slice())
            && group == *only
        {
            applied.moved_alone = Some(group);
        }
        applied
    }
}

/// The current grouping's keys, in group order.
fn group_keys(index: &GroupIndex) -> Vec<GroupKey> {
    GroupKey::all_of(index)
}
