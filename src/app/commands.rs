//! Every change the window makes is a [`Command`], carried out in one place,
//! [`FulcrumApp::execute`]. Panels push commands while they draw; the window runs them after the
//! panels (and finished jobs run theirs when polled), then brings derived state up to date once.
//! To find every writer of thresholds, search for `Edit::`.

use std::path::PathBuf;

use super::session_flow::PendingAction;
use super::state::Edit;
use super::workspace::Regrouped;
use super::{FulcrumApp, Loaded};
use crate::engine::GroupingSpec;

/// One change, from a panel, a shortcut, a menu or a finished job.
pub enum Command {
    /// A change to the decision model (thresholds, options, view, governance record).
    Edit(Edit),
    /// Group the rows another way (worker thread; the current grouping stays until it is ready).
    Regroup(GroupingSpec),
    /// Open data, a session or the sample, or quit — after offering to save unsaved changes.
    Guarded(PendingAction),
    /// Save the session (`ask`: choose the file, as "Save as…").
    Save {
        /// Ask for the file even when the session has one.
        ask: bool,
    },
    /// Write the sign-off report here (worker thread).
    ExportReport(PathBuf),
    /// Compare the decision on the session's data and on this file (worker thread).
    CompareWith(PathBuf),
    /// A finished load: new data (and its session) replaces the current.
    Installed(Box<Loaded>),
    /// A finished regrouping replaces the current grouping.
    Regrouped(Box<Regrouped>),
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edit(edit) => f.debug_tuple("Edit").field(edit).finish(),
            Self::Regroup(spec) => f.debug_tuple("Regroup").field(spec).finish(),
            Self::Guarded(action) => f.debug_tuple("Guarded").field(action).finish(),
            Self::Save { ask } => f.debug_struct("Save").field("ask", ask).finish(),
            Self::ExportReport(path) => f.debug_tuple("ExportReport").field(path).finish(),
            Self::CompareWith(path) => f.debug_tuple("CompareWith").field(path).finish(),
            Self::Installed(_) => f.write_str("Installed(..)"),
            Self::Regrouped(_) => f.write_str("Regrouped(..)"),
        }
    }
}

impl From<Edit> for Command {
    fn from(edit: Edit) -> Self {
        Self::Edit(edit)
    }
}

impl FulcrumApp {
    /// Queues a command; it runs after this frame's panels have drawn.
    pub fn push(&mut self, command: impl Into<Command>) {
        self.commands.push(command.into());
    }

    /// Runs every queued command, then brings derived state up to date. Returns whether any ran.
    pub(super) fn run_commands(&mut self) -> bool {
        let mut ran = false;
        while !self.commands.is_empty() {
            let queued = std::mem::take(&mut self.commands);
            for command in queued {
                self.execute_one(command);
                ran = true;
            }
        }
        self.refresh_derived();
        ran
    }

    /// Carries out one command now and brings derived state up to date.
    pub fn execute(&mut self, command: impl Into<Command>) {
        self.execute_one(command.into());
        self.refresh_derived();
    }

    /// Carries out one command: the one place the window's state changes.
    fn execute_one(&mut self, command: Command) {
        match command {
            Command::Edit(edit) => self.apply_edit(edit),
            Command::Regroup(grouping) => self.regroup(grouping),
            Command::Guarded(action) => self.guard(action),
            Command::Save { ask } => {
                self.save_session(ask);
            }
            Command::ExportReport(path) => self.export_report(path),
            Command::CompareWith(path) => self.compare_with_dataset(path),
            Command::Installed(loaded) => self.install(*loaded),
            Command::Regrouped(regrouped) => self.install_grouping(*regrouped),
        }
    }

    fn apply_edit(&mut self, edit: Edit) {
        if let Edit::SetModel { model, .. } = &edit
            && *model != self.state.model()
        {
            // Another model's scores: the workspace switches first (its sorted rows, index and
            // curves), as a new data generation, so everything derived follows.
            let Some(workspace) = &mut self.workspace else {
                return;
            };
            if !workspace.select_model(*model) {
                self.errors.push(super::error::AppError::step(
                    "model",
                    format!("there is no model #{}", model + 1),
                ));
                return;
            }
            self.generation += 1;
            self.plots.dragging = None;
            self.table.explained = None;
        }
        let Some(workspace) = &self.workspace else {
            return;
        };
        let applied = self.state.apply(edit, &workspace.index, |state| {
            super::derived::session_now(state, workspace)
        });
        if let Some(problem) = applied.problem {
            self.errors
                .push(super::error::AppError::step("thresholds", problem));
        }
        // In hold-parity mode, a user's move of one group's threshold re-optimizes the others.
        if !self.optimize.hold_parity {
            self.held_group = None;
        } else if let Some(group) = applied.moved_alone {
            let values = self.state.thresholds().values();
            let mut fixed: Vec<(usize, f64)> = self
                .state
                .thresholds()
                .locked_groups()
                .into_iter()
                .filter_map(|i| values.get(i).map(|v| (i, *v)))
                .collect();
            if let Some(value) = values.get(group) {
                fixed.push((group, *value));
            }
            self.held_group = Some(group);
            let Some(rows) = self.tuning_rows() else {
                return;
            };
            self.optimize
                .request_hold(&rows, self.state.options().rule, fixed, self.ctx.clone());
        }
    }

    /// Brings derived state up to date (does nothing when nothing changed).
    pub(super) fn refresh_derived(&mut self) {
        if let Some(problem) = self.split.follow(
            self.generation,
            self.state.evaluation_split(),
            self.workspace.as_ref(),
            self.ctx.clone(),
        ) {
            self.errors.push(problem);
        }
        let split = self
            .split
            .current(self.generation, self.state.evaluation_split());
        self.derived.refresh(
            (self.generation, self.state.revision(), self.split.version()),
            self.workspace.as_ref(),
            &self.state,
            split,
        );
        self.start_intervals();
    }
}
