//! Sessions in the window: open, save (atomically), unsaved-changes prompts, a session whose data
//! moved or changed, report export and the comparison with another dataset.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::AppError;
use super::governance::{self, GovernanceOutput};
use super::jobs::Job;
use super::workspace::Workspace;
use super::{Command, FulcrumApp, Loaded, palette};
use crate::report::SessionReportFormat;
use crate::session::evaluate::{EvaluateOptions, EvaluatedData};
use crate::session::scenario::KeyMatching;
use crate::session::{DataStatus, Session, evaluate_session, evaluate_split};

/// What the user asked for before being offered to save unsaved changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingAction {
    /// Close the window.
    Quit,
    /// Open a data file.
    OpenData(PathBuf),
    /// Open a session file.
    OpenSession(PathBuf),
    /// Open the bundled sample.
    OpenSample,
    /// Open the bundled sample with both of its models.
    OpenSampleModels,
}

/// A session whose data file is not as recorded.
#[derive(Clone, Debug)]
pub struct DataProblem {
    /// The session.
    pub session: Box<Session>,
    /// Where the session file is.
    pub session_path: PathBuf,
    /// What is wrong, in words.
    pub message: String,
    /// Whether a file exists that could be used anyway (its contents differ).
    pub changed: bool,
}

/// Rows for the frontier plot's scenario markers: (name, gap, objective).
pub type ScenarioPoints = Vec<(String, [f64; 2])>;

impl FulcrumApp {
    /// Whether there are changes since the session was opened, saved or the data loaded: two
    /// counters compared, nothing serialised or recomputed per frame.
    pub fn is_dirty(&self) -> bool {
        self.state.is_dirty()
    }

    /// The session file, when the work was saved or opened from one.
    pub fn session_path(&self) -> Option<&Path> {
        self.session_path.as_deref()
    }

    /// Runs `action` now, or first offers to save unsaved changes.
    pub fn guard(&mut self, action: PendingAction) {
        if self.is_dirty() {
            self.pending = Some(action);
        } else {
            self.run_pending(action);
        }
    }

    fn run_pending(&mut self, action: PendingAction) {
        match action {
            PendingAction::Quit => {
                self.allow_close = true;
                if let Some(ctx) = &self.ctx {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            PendingAction::OpenData(path) => self.open_path(&path),
            PendingAction::OpenSession(path) => self.open_session(&path),
            PendingAction::OpenSample => self.open_sample(),
            PendingAction::OpenSampleModels => self.open_sample_with_models(),
        }
    }

    /// Opens a session file: reads it, checks its data, then loads the data in the background.
    pub fn open_session(&mut self, path: &Path) {
        let session = match Session::load(path) {
            Ok(session) => session,
            Err(error) => {
                self.errors.push(error.into());
                return;
            }
        };
        let problem = match session.check_data() {
            DataStatus::Ok => None,
            DataStatus::Missing(data) => Some((
                format!(
                    "The session's data file {} is not there (moved or deleted). Locate it to continue.",
                    data.display()
                ),
                false,
            )),
            DataStatus::Changed { expected, actual } => Some((
                format!(
                    "The session's data file {} has changed since the session was saved (SHA-256 {}… recorded, {}… now). \
                     Locate the original file, or open the changed data: the numbers will differ and earlier sign-offs no longer cover the session.",
                    session.data_path().display(),
                    expected.get(..12).unwrap_or(&expected),
                    actual.get(..12).unwrap_or(&actual)
                ),
                true,
            )),
            DataStatus::Unreadable {
                path: data,
                message,
            } => Some((
                format!(
                    "The session's data file {} cannot be read: {message}",
                    data.display()
                ),
                false,
            )),
        };
        match problem {
            None => self.load_session_data(session, path.to_path_buf(), false),
            Some((message, changed)) => {
                self.data_problem = Some(DataProblem {
                    session: Box::new(session),
                    session_path: path.to_path_buf(),
                    message,
                    changed,
                });
            }
        }
    }

    /// Loads a session's data on a worker thread; with `replace`, the session takes the file's
    /// new fingerprint.
    fn load_session_data(&mut self, session: Session, session_path: PathBuf, replace: bool) {
        let data = session.data_path();
        self.load_job = Some(Job::spawn(
            format!("loading {}", data.display()),
            self.ctx.clone(),
            move |progress| {
                let roles = session.roles.clone();
                let grouping = session.grouping.clone();
                let options = session.load_options();
                let mut session = session;
                let workspace = Workspace::load(&data, &roles, &grouping, options, progress)?;
                if replace {
                    session.replace_data(&workspace.analysis)?;
                }
                Ok(Loaded {
                    workspace,
                    session: Some(session),
                    session_path: Some(session_path),
                })
            },
        ));
    }

    /// Saves to the session file, asking for one the first time. Returns whether it saved.
    pub fn save_session(&mut self, ask: bool) -> bool {
        let path = if let (Some(path), false) = (&self.session_path, ask) {
            path.clone()
        } else {
            let Some(path) = rfd::FileDialog::new()
                .add_filter("Fulcrum session", &["json"])
                .set_file_name("fulcrum-session.json")
                .save_file()
            else {
                return false;
            };
            path
        };
        self.save_session_to(&path)
    }

    /// Saves the session to `path` atomically.
    pub fn save_session_to(&mut self, path: &Path) -> bool {
        self.refresh_derived();
        let Some(session) = self.derived.session.clone() else {
            if self.workspace.is_some() {
                self.errors.push(AppError::step(
                    "saving",
                    "the data file's fingerprint is still being taken; save again in a moment",
                ));
            }
            return false;
        };
        match session.save(path) {
            Ok(()) => {
                self.state.mark_saved(session);
                self.session_path = Some(path.to_path_buf());
                true
            }
            Err(error) => {
                self.errors.push(error.into());
                false
            }
        }
    }

    /// Exports the report (HTML, Markdown or JSON by extension) on a worker thread.
    pub fn export_report(&mut self, path: PathBuf) {
        let (Some(workspace), Some(session)) = (&self.workspace, self.derived.session.clone())
        else {
            return;
        };
        let Some(format) = SessionReportFormat::from_path(&path) else {
            self.errors.push(AppError::Write {
                path,
                problem: "reports are .html, .md or .json".into(),
            });
            return;
        };
        let indexes: Vec<Arc<crate::engine::GroupIndex>> = workspace
            .models
            .iter()
            .map(|m| Arc::clone(&m.index))
            .collect();
        // With an evaluation split, the report judges the criteria on the held-out rows, as
        // `fulcrum report` does.
        let split = self
            .split
            .current(self.generation, self.state.evaluation_split())
            .map(super::split::SplitReady::indexes);
        // Another file as evaluation rows is not held in the window: the report reads it, as
        // `fulcrum report` does.
        let file_split = matches!(
            self.state.evaluation_split(),
            Some(crate::session::EvaluationSplit::File { .. })
        );
        let mut session = session;
        if let Some(path) = &self.session_path {
            session.base_directory = path.parent().map(Path::to_path_buf);
        }
        // The data profile and proxies are read from the file the window loaded, for the
        // decision's model, as `fulcrum report` reads them.
        let summary = workspace.data.clone();
        let sorted = workspace
            .models
            .get(session.decision_model())
            .map_or_else(|| Arc::clone(&workspace.sorted), |m| Arc::clone(&m.sorted));
        let data = EvaluatedData {
            path: session.data.path.clone(),
            sha256: session.data.sha256.clone(),
            matches_session: true,
            rows_read: workspace.data.rows_read,
            rows_dropped: workspace.data.rows_dropped,
            positive_label: workspace.data.positive_label.clone(),
            warnings: workspace.data.warnings.clone(),
            score_rounding: workspace.data.score_rounding,
        };
        self.governance.job =
            Some(Job::spawn(
                "writing the report",
                self.ctx.clone(),
                move |progress| {
                    let options = EvaluateOptions {
                        frontier_points: Some(41),
                        matching: KeyMatching::Strict,
                    };
                    let mut evaluation = match &split {
                        _ if file_split => session
                            .evaluate_for_report(&crate::session::DataChoice::Recorded, progress),
                        Some(rows) => evaluate_split(&session, rows, data, &options, progress),
                        None => {
                            let indexes: Vec<&crate::engine::GroupIndex> =
                                indexes.iter().map(AsRef::as_ref).collect();
                            evaluate_session(&session, &indexes, data, &options, progress)
                        }
                    }?;
                    if evaluation.discovery.is_none() {
                        evaluation.discovery = Some(crate::session::discovery::discover(
                            &session, &summary, &sorted, progress,
                        ));
                    }
                    crate::report::write_session_report(&path, format, &session, &evaluation)
                        .map_err(|e| AppError::Write {
                            path: path.clone(),
                            problem: e.to_string(),
                        })?;
                    Ok(GovernanceOutput::Report(path))
                },
            ));
    }

    /// Compares the current decision on the session's data and on `other` (worker thread).
    pub fn compare_with_dataset(&mut self, other: PathBuf) {
        let Some(mut session) = self.derived.session.clone() else {
            return;
        };
        if let Some(path) = &self.session_path {
            session.base_directory = path.parent().map(Path::to_path_buf);
        }
        self.governance.job = Some(Job::spawn(
            "comparing datasets",
            self.ctx.clone(),
            move |progress| {
                let comparison = session.compare_with_dataset(&other, progress)?;
                Ok(GovernanceOutput::Drift(other, Box::new(comparison)))
            },
        ));
    }

    /// The "save changes?" prompt and the "data moved or changed" dialog.
    pub(super) fn modals_ui(&mut self, ctx: &egui::Context) {
        if let Some(action) = self.pending.clone() {
            let mut choice = None;
            egui::Modal::new(egui::Id::unique("unsaved-changes")).show(ctx, |ui| {
                ui.heading("Save your changes?");
                ui.label("The thresholds, criteria, scenarios or notes changed since the session was last saved.");
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        choice = Some(0);
                    }
                    if ui.button("Don't save").clicked() {
                        choice = Some(1);
                    }
                    if ui.button("Cancel").clicked() {
                        choice = Some(2);
                    }
                });
            });
            match choice {
                Some(0) if self.save_session(false) => {
                    self.pending = None;
                    self.run_pending(action);
                }
                Some(0) => {}
                Some(1) => {
                    self.pending = None;
                    self.run_pending(action);
                }
                Some(_) => self.pending = None,
                None => {}
            }
        }
        let Some(problem) = &self.data_problem else {
            return;
        };
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("data-problem")).show(ctx, |ui| {
            ui.heading("The session's data is not as recorded");
            ui.label(problem.message.as_str());
            ui.horizontal(|ui| {
                if ui.button("Locate the file…").clicked() {
                    choice = Some(0);
                }
                if problem.changed && ui.button("Open the changed data").clicked() {
                    choice = Some(1);
                }
                if ui.button("Cancel").clicked() {
                    choice = Some(2);
                }
            });
        });
        match choice {
            Some(0) => {
                if let Some(file) = rfd::FileDialog::new().pick_file()
                    && let Some(problem) = self.data_problem.take()
                {
                    self.locate_data(*problem.session, problem.session_path, &file);
                }
            }
            Some(1) => {
                if let Some(problem) = self.data_problem.take() {
                    self.load_session_data(*problem.session, problem.session_path, true);
                }
            }
            Some(_) => self.data_problem = None,
            None => {}
        }
    }

    /// Points a session at its data's new place (same contents), then loads it.
    pub fn locate_data(&mut self, mut session: Session, session_path: PathBuf, file: &Path) {
        match session.relocate_data(file) {
            Ok(()) => self.load_session_data(session, session_path, false),
            Err(error) => {
                self.data_problem = Some(DataProblem {
                    message: format!("{error}"),
                    changed: true,
                    session: Box::new(session),
                    session_path,
                });
            }
        }
    }

    /// The governance section of the side panel.
    pub(super) fn governance_ui(&mut self, ui: &mut egui::Ui) {
        let dirty = self.is_dirty();
        let name = self
            .session_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or_else(
                || "not saved yet".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
        ui.horizontal(|ui| {
            ui.strong("Session");
            ui.label(if dirty {
                format!("{name} (modified)")
            } else {
                name
            });
        });
        ui.horizontal(|ui| {
            if ui.button("Save").on_hover_text("Ctrl+S").clicked() {
                self.push(Command::Save { ask: false });
            }
            if ui
                .button("Save as…")
                .on_hover_text("Ctrl+Shift+S")
                .clicked()
            {
                self.push(Command::Save { ask: true });
            }
            if ui
                .button("Report…")
                .on_hover_text("Export the sign-off report (HTML, Markdown or JSON)")
                .clicked()
                && let Some(path) = super::menus::pick_report_file()
            {
                self.push(Command::ExportReport(path));
            }
        });
        if self.governance.job.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("working…");
            });
        }
        let Some(session) = self.state.session() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("fingerprinting the data…").on_hover_text(
                    "The session records the data file's SHA-256; saving waits for it.",
                );
            });
            return;
        };
        let results = self
            .derived
            .comparison()
            .map(|c| c.decision.criteria.as_slice())
            .unwrap_or_default();
        let edits = self.governance.ui(
            ui,
            session,
            results,
            &self.derived.context_view,
            self.workspace.as_ref().map(|w| &w.grouping),
            self.workspace.as_ref().map(|w| w.index.as_ref()),
        );
        let failing = results
            .iter()
            .any(|c| c.outcome == crate::session::Outcome::Fail);
        if failing {
            ui.colored_label(
                palette::WARNING,
                "Some acceptance criteria fail at the current thresholds.",
            );
        }
        for edit in edits {
            self.push(edit);
        }
    }

    /// Windows opened from the governance panel.
    pub(super) fn governance_windows_ui(&mut self, ctx: &egui::Context) {
        if let Some(error) = self.governance.poll() {
            self.errors.push(error);
        }
        if self.governance.show_comparison
            && let Some(comparison) = self.derived.comparison()
        {
            let mut open = true;
            governance::comparison_window(ctx, &mut open, comparison);
            self.governance.show_comparison = open;
        }
        governance::drift_window(ctx, &mut self.governance.drift);
    }

    /// Scenario markers for the frontier plot.
    pub(super) fn scenario_points(
        &self,
        constraint: crate::optimize::Constraint,
        objective: crate::optimize::Objective,
    ) -> ScenarioPoints {
        self.derived
            .comparison()
            .map(|c| {
                c.scenarios
                    .iter()
                    .filter_map(|s| {
                        super::optimize_panel::current_point(&s.audit, constraint, objective)
                            .map(|p| (s.name.clone(), p))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
