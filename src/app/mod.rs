//! The explorer window (eframe + egui + `egui_plot)`: drag a group's threshold and every plot and
//! number follows. Loading and regrouping run on worker threads; each frame only binary-searches
//! the per-group curves and draws cached, screen-sized plot data.
//!
//! Where things are: the decision model and its one writer in [`state`]; every change as a
//! command in `commands`; what is derived from the state (audit, session, criteria) in
//! `derived`, computed once per change; menus, toolbar and status lines in `menus`; the
//! plots, legend and side panels in `central`; sessions and governance in `session_flow`.

mod central;
mod commands;
pub mod derived;
pub mod discovery;
pub mod error;
mod export;
pub mod governance;
mod jobs;
pub mod ll144;
mod mapping;
mod menus;
mod models;
pub mod optimize_panel;
pub mod palette;
pub mod plots;
pub mod population;
pub mod renderer;
mod session_flow;
pub mod settings;
mod slicing;
mod split;
pub mod state;
pub mod table;
pub mod thresholds;
pub mod workspace;

use std::path::{Path, PathBuf};

pub use self::commands::Command;
use self::derived::{Derived, DerivedKey};
use self::error::{AppError, AppResult};
use self::export::PngExport;
use self::governance::GovernancePanel;
use self::jobs::Job;
pub use self::mapping::{MappingDialog, MappingOutcome};
use self::optimize_panel::OptimizePanel;
use self::plots::PlotsState;
use self::session_flow::DataProblem;
pub use self::session_flow::PendingAction;
use self::settings::Settings;
use self::state::{Edit, ExplorerState};
use self::table::TableState;
use self::thresholds::ThresholdState;
use self::workspace::{Regrouped, Workspace};
use crate::data::{ColumnRoles, LoadOptions, Preview};
use crate::engine::uncertainty::AuditUncertainty;
use crate::engine::{Audit, AuditOptions, GroupingSpec, ThresholdMap};
use crate::session::{DataFingerprint, Session};

/// The bundled sample, embedded so an installed binary can open it anywhere.
const SAMPLE_CSV: &[u8] = include_bytes!("../../sample_data/lending.csv");

/// Groups drawn in plots by default (the largest ones) when there are more.
const DEFAULT_VISIBLE_GROUPS: usize = 12;

/// The bundled sample's file: the repository copy when present, else the embedded copy written
/// to the temporary directory.
pub fn sample_path() -> PathBuf {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/lending.csv");
    if bundled.exists() {
        return bundled;
    }
    let path = std::env::temp_dir().join("fulcrum-sample-lending.csv");
    if std::fs::read(&path).ok().as_deref() != Some(SAMPLE_CSV) {
        crate::atomic::write_atomically(&path, SAMPLE_CSV).ok();
    }
    path
}

/// The sample's column roles.
pub fn sample_roles() -> ColumnRoles {
    ColumnRoles {
        score: "score".into(),
        label: "repaid".into(),
        positive: None,
        attributes: ["sex", "race", "age_band", "region", "income"]
            .map(String::from)
            .to_vec(),
        weight: None,
        models: Vec::new(),
    }
}

/// The sample's column roles with both of its models: `production` (column `score`) and
/// `candidate` (`score_v2`, more accurate overall, worse for Black applicants).
pub fn sample_roles_with_models() -> ColumnRoles {
    let mut roles = sample_roles();
    roles.set_models(vec![
        crate::data::ModelColumn {
            name: "production".into(),
            score: "score".into(),
        },
        crate::data::ModelColumn {
            name: "candidate".into(),
            score: "score_v2".into(),
        },
    ]);
    roles
}

/// What the window opens with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartWith {
    /// The bundled sample, grouped by race.
    Sample,
    /// The bundled sample with both of its models, grouped by race.
    SampleModels,
    /// A data file (through the column-mapping dialog) or a session file (`.json`).
    File(PathBuf),
    /// Nothing.
    Nothing,
}

/// Opens the explorer window, with the renderer [`renderer::choose`] picks.
pub fn run(start: StartWith) -> anyhow::Result<()> {
    let choice = renderer::choose().map_err(|e| anyhow::anyhow!(e))?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Fulcrum")
            .with_inner_size([1500.0, 950.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        renderer: choice.renderer,
        // Dithering smooths gradients, which the window does not draw; on a CPU rasterizer it
        // is arithmetic for every pixel.
        dithering: choice.software != Some(true),
        ..Default::default()
    };
    eframe::run_native(
        "Fulcrum",
        options,
        Box::new(move |cc| {
            let mut app = FulcrumApp::new(cc, start);
            if choice.software == Some(true) {
                app.set_renders_in_software(&cc.egui_ctx);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| match choice.renderer {
        eframe::Renderer::Glow => anyhow::anyhow!(
            "cannot open the window with OpenGL: {e} (set {}=wgpu to draw with wgpu)",
            renderer::RENDERER_VARIABLE
        ),
        eframe::Renderer::Wgpu => anyhow::anyhow!("cannot open the window: {e}"),
    })
}

/// A new data file's fingerprint and, when its grouping has quantile bins, that grouping and its
/// frozen form (worked out after the first frame).
type Fingerprinted = (DataFingerprint, Option<(GroupingSpec, GroupingSpec)>);

/// A finished load: the workspace, its governance record, and the session file it came from.
pub struct Loaded {
    /// The loaded dataset.
    pub workspace: Workspace,
    /// The opened session; none for a data file, whose new session is started once its
    /// fingerprint is taken (after the first frame, on a worker thread).
    pub session: Option<Session>,
    /// The session file, when a session was opened.
    pub session_path: Option<PathBuf>,
}

/// The explorer application: the data, the decision model, what is derived from them, and the
/// panels' own view state.
pub struct FulcrumApp {
    settings: Settings,
    workspace: Option<Workspace>,
    /// Bumped whenever the workspace or its grouping is replaced; keys derived state.
    generation: u64,
    state: ExplorerState,
    derived: Derived,
    commands: Vec<Command>,
    plots: PlotsState,
    table: TableState,
    mapping: Option<MappingDialog>,
    errors: Vec<AppError>,
    notices: Vec<String>,
    preview_job: Option<Job<AppResult<Preview>>>,
    load_job: Option<Job<AppResult<Loaded>>>,
    regroup_job: Option<Job<AppResult<Regrouped>>>,
    /// Bootstrap intervals of the audit of derived key `.0` (worker thread; never per frame).
    uncertainty_job: Option<(DerivedKey, Job<AuditUncertainty>)>,
    /// The intervals on screen and the derived key they belong to.
    uncertainty: Option<(DerivedKey, AuditUncertainty)>,
    /// The fit and evaluation rows of the session's evaluation split.
    split: split::SplitRows,
    /// The new session's fingerprint, taken after the first frame, for data generation `.0`.
    fingerprint_job: Option<(u64, Job<AppResult<Fingerprinted>>)>,
    queued_grouping: Option<GroupingSpec>,
    png: PngExport,
    optimize: OptimizePanel,
    held_group: Option<usize>,
    governance: GovernancePanel,
    session_path: Option<PathBuf>,
    pending: Option<PendingAction>,
    data_problem: Option<DataProblem>,
    allow_close: bool,
    show_about: bool,
    /// The Discovery window (profile, proxies, worst slices).
    discovery: discovery::DiscoveryPanel,
    title: String,
    ctx: Option<egui::Context>,
    /// The window renders without a GPU (Mesa's llvmpipe, a VM or remote desktop): drawing is
    /// lightened unless the user chose otherwise.
    software_rendering: bool,
}

impl FulcrumApp {
    /// Creates the app and starts loading what it opens with.
    pub fn new(cc: &eframe::CreationContext<'_>, start: StartWith) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        let mut app = Self {
            settings,
            workspace: None,
            generation: 0,
            state: ExplorerState::default(),
            derived: Derived::default(),
            commands: Vec::new(),
            plots: PlotsState::default(),
            table: TableState::default(),
            mapping: None,
            errors: Vec::new(),
            notices: Vec::new(),
            preview_job: None,
            load_job: None,
            regroup_job: None,
            fingerprint_job: None,
            uncertainty_job: None,
            uncertainty: None,
            split: split::SplitRows::default(),
            queued_grouping: None,
            png: PngExport::default(),
            optimize: OptimizePanel::default(),
            held_group: None,
            governance: GovernancePanel::default(),
            session_path: None,
            pending: None,
            data_problem: None,
            allow_close: false,
            show_about: false,
            discovery: discovery::DiscoveryPanel::default(),
            title: String::new(),
            ctx: Some(cc.egui_ctx.clone()),
            software_rendering: cc
                .wgpu_render_state
                .as_ref()
                .is_some_and(renders_in_software),
        };
        app.settings.apply(&cc.egui_ctx, app.software_rendering);
        match start {
            StartWith::Sample => app.open_sample(),
            StartWith::SampleModels => app.open_sample_with_models(),
            StartWith::File(path) if is_session_file(&path) => app.open_session(&path),
            StartWith::File(path) => app.open_path(&path),
            StartWith::Nothing => {}
        }
        app
    }

    /// Loads the bundled sample, grouped by race.
    pub fn open_sample(&mut self) {
        self.load(
            sample_path(),
            sample_roles(),
            GroupingSpec::by_names(&["race"]),
            LoadOptions::default(),
        );
    }

    /// Loads the bundled sample with both of its models, grouped by race.
    pub fn open_sample_with_models(&mut self) {
        self.load(
            sample_path(),
            sample_roles_with_models(),
            GroupingSpec::by_names(&["race"]),
            LoadOptions::default(),
        );
    }

    /// Starts opening a data file: its preview, then the column-mapping dialog.
    pub fn open_path(&mut self, path: &Path) {
        let preview_path = path.to_path_buf();
        self.preview_job = Some(Job::spawn(
            format!("reading {}", path.display()),
            self.ctx.clone(),
            move |_| Ok(crate::data::preview(&preview_path, 200)?),
        ));
    }

    /// Starts loading `path` with `roles`, grouped by `grouping`; the current dataset stays until
    /// the new one is ready.
    pub fn load(
        &mut self,
        path: PathBuf,
        roles: ColumnRoles,
        grouping: GroupingSpec,
        options: LoadOptions,
    ) {
        self.load_job = Some(Job::spawn(
            format!("loading {}", path.display()),
            self.ctx.clone(),
            move |progress| {
                let workspace = Workspace::load(&path, &roles, &grouping, options, progress)?;
                Ok(Loaded {
                    workspace,
                    session: None,
                    session_path: None,
                })
            },
        ));
    }

    /// Asks for another grouping, computed on a worker thread.
    fn regroup(&mut self, grouping: GroupingSpec) {
        if self.regroup_job.is_some() {
            // One at a time: the latest request runs when the current one finishes.
            self.queued_grouping = Some(grouping);
            return;
        }
        let Some(workspace) = &self.workspace else {
            return;
        };
        let sorted: Vec<std::sync::Arc<crate::engine::SortedDataset>> = workspace
            .models
            .iter()
            .map(|m| std::sync::Arc::clone(&m.sorted))
            .collect();
        self.regroup_job = Some(Job::spawn("regrouping", self.ctx.clone(), move |_| {
            Ok(Workspace::regroup(&sorted, &grouping)?)
        }));
    }

    /// The dataset on screen.
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.as_ref()
    }

    /// The decision model (thresholds, options, governance record).
    pub fn state(&self) -> &ExplorerState {
        &self.state
    }

    /// Thresholds and their undo history.
    pub fn thresholds(&self) -> &ThresholdState {
        self.state.thresholds()
    }

    /// The failures shown in the window's status line.
    pub fn errors(&self) -> &[AppError] {
        &self.errors
    }

    /// Plot interaction state (tests drag with the remembered transforms).
    pub fn plots(&self) -> &PlotsState {
        &self.plots
    }

    /// The open column-mapping dialog.
    pub fn mapping_dialog(&mut self) -> Option<&mut MappingDialog> {
        self.mapping.as_mut()
    }

    /// Whether a worker is loading or regrouping.
    pub fn is_busy(&self) -> bool {
        self.preview_job.is_some()
            || self.load_job.is_some()
            || self.regroup_job.is_some()
            || self.fingerprint_job.is_some()
            || self.uncertainty_job.is_some()
            || self.split.is_busy()
            || self.optimize.is_busy()
            || self.governance.job.is_some()
            || self.discovery.is_busy()
    }

    /// The Discovery window's state (open it, read its results).
    pub fn discovery(&mut self) -> &mut discovery::DiscoveryPanel {
        &mut self.discovery
    }

    /// The optimization panel (constraint, tolerance, results).
    pub fn optimize_panel(&mut self) -> &mut OptimizePanel {
        &mut self.optimize
    }

    /// The audit of the current thresholds (what the table and plots show).
    pub fn audit(&self) -> Option<&Audit> {
        self.derived.audit()
    }

    /// The bootstrap intervals of the audit on screen, once worked out (a worker computes them
    /// after each change; until then the window shows the numbers without intervals).
    pub fn intervals(&self) -> Option<&AuditUncertainty> {
        self.uncertainty
            .as_ref()
            .filter(|(key, _)| *key == self.derived_key())
            .map(|(_, u)| u)
    }

    /// Whether the window renders on the CPU (a software adapter): it then draws light unless
    /// the user chose otherwise.
    pub fn renders_in_software(&self) -> bool {
        self.software_rendering
    }

    /// Records that the window renders on the CPU when the renderer cannot say so itself (glow,
    /// chosen because every adapter was a software one), and draws light accordingly.
    pub fn set_renders_in_software(&mut self, ctx: &egui::Context) {
        self.software_rendering = true;
        self.settings.apply(ctx, self.software_rendering);
    }

    /// Chooses light drawing (`Some`), or leaves it to whether the window renders in software
    /// (`None`). The View menu's checkbox does the same.
    pub fn set_light_drawing(&mut self, light: Option<bool>) {
        self.settings.light_drawing = light;
    }

    /// The key derived state is computed for: (data generation, state revision, split rows).
    fn derived_key(&self) -> DerivedKey {
        (self.generation, self.state.revision(), self.split.version())
    }

    /// The rows thresholds are chosen on: the fit rows of the evaluation split when there is
    /// one (and it is worked out), else every row.
    pub fn tuning_index(&self) -> Option<std::sync::Arc<crate::engine::GroupIndex>> {
        self.tuning_rows().map(|rows| rows.index)
    }

    /// [`FulcrumApp::tuning_index`] with what identifies it (data generation, split version),
    /// which keys the optimizer's results.
    pub fn tuning_rows(&self) -> Option<optimize_panel::TuningRows> {
        let workspace = self.workspace.as_ref()?;
        let split = self
            .split
            .current(self.generation, self.state.evaluation_split());
        let index = split.map_or_else(
            || std::sync::Arc::clone(&workspace.index),
            |rows| std::sync::Arc::clone(&rows.fit),
        );
        // Every model's tuning rows (only computed on for the envelope in compare mode).
        let models = workspace
            .models
            .iter()
            .enumerate()
            .map(|(position, model)| {
                let index = split
                    .and_then(|rows| rows.fit_by_model.get(position))
                    .unwrap_or(&model.index);
                let index = std::sync::Arc::clone(index);
                (model.name.clone(), index)
            })
            .collect();
        Some(optimize_panel::TuningRows {
            index,
            key: (self.generation, self.split.version()),
            rounding: workspace.data.score_rounding,
            models,
            model: workspace.current,
        })
    }

    /// Compare mode: the other model's audit at its thresholds, once derived.
    pub fn compared(&self) -> Option<&derived::ComparedModel> {
        self.derived.compared()
    }

    /// The decision on the fit and evaluation rows, when the session has an evaluation split.
    pub fn split_audits(&self) -> Option<&derived::SplitAudits> {
        self.derived.split.as_ref()
    }

    /// How many times derived state (audit, session, criteria) was recomputed: once per change,
    /// never per idle frame.
    pub fn derived_refreshes(&self) -> u64 {
        self.derived.refreshes
    }

    /// What the governance panel shows about the session's use context (the flag on
    /// thresholds that differ between groups and the single-threshold numbers beside them).
    pub fn context_view(&self) -> &governance::ContextView {
        &self.derived.context_view
    }

    /// The window's title: the session file (or data file) and an unsaved mark.
    pub fn window_title(&self) -> String {
        let Some(workspace) = &self.workspace else {
            return "Fulcrum".to_owned();
        };
        let name = self
            .session_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or_else(
                || format!("{} (new session)", workspace.file_name()),
                |n| n.to_string_lossy().into_owned(),
            );
        let mark = if self.is_dirty() { "● " } else { "" };
        format!("{mark}{name} — Fulcrum")
    }

    fn poll_jobs(&mut self) {
        if let Some(result) = self.preview_job.as_ref().and_then(Job::poll) {
            self.preview_job = None;
            match result {
                Ok(Ok(preview)) => self.mapping = Some(MappingDialog::new(preview)),
                Ok(Err(error)) => self.errors.push(error),
                Err(()) => self.errors.push(AppError::Stopped {
                    what: "reading the file",
                }),
            }
        }
        if let Some(result) = self.load_job.as_ref().and_then(Job::poll) {
            self.load_job = None;
            match result {
                Ok(Ok(loaded)) => self.push(Command::Installed(Box::new(loaded))),
                Ok(Err(error)) => self.errors.push(error),
                Err(()) => self.errors.push(AppError::Stopped { what: "loading" }),
            }
        }
        if let Some(result) = self.regroup_job.as_ref().and_then(Job::poll) {
            self.regroup_job = None;
            match result {
                Ok(Ok(regrouped)) => self.push(Command::Regrouped(Box::new(regrouped))),
                Ok(Err(error)) => self.errors.push(error),
                Err(()) => self.errors.push(AppError::Stopped { what: "regrouping" }),
            }
            if let Some(next) = self.queued_grouping.take() {
                self.regroup(next);
            }
        }
        if let Some(result) = self
            .fingerprint_job
            .as_ref()
            .and_then(|(_, job)| job.poll())
        {
            let generation = self.fingerprint_job.take().map(|(g, _)| g);
            match (result, &mut self.workspace) {
                (Ok(Ok((fingerprint, frozen))), Some(workspace))
                    if generation == Some(self.generation) =>
                {
                    // Frozen for the grouping of the load; a regrouping since brought its own.
                    if let Some((grouping, frozen)) = frozen
                        && workspace.frozen_grouping.is_none()
                        && workspace.grouping == grouping
                    {
                        workspace.frozen_grouping = Some(frozen);
                    }
                    match Session::from_fingerprint(
                        fingerprint,
                        &workspace.analysis,
                        workspace.recorded_grouping(),
                        ThresholdMap::uniform(workspace.default_threshold()),
                        &AuditOptions::default(),
                    ) {
                        Ok(session) => self.state.adopt_new_session(session),
                        Err(error) => self.errors.push(error.into()),
                    }
                }
                (Ok(Ok(_)), _) => {} // the data was replaced meanwhile
                (Ok(Err(error)), _) => self.errors.push(error),
                (Err(()), _) => self.errors.push(AppError::Stopped {
                    what: "fingerprinting the data",
                }),
            }
        }
        if let Some(result) = self
            .uncertainty_job
            .as_ref()
            .and_then(|(_, job)| job.poll())
        {
            if let (Some((key, _)), Ok(uncertainty)) = (self.uncertainty_job.take(), result) {
                self.uncertainty = Some((key, uncertainty));
            }
            self.start_intervals();
        }
        if let Some(rows) = self.tuning_rows() {
            let rule = self.state.options().rule;
            if let Some(values) = self.optimize.poll(&rows, rule, self.ctx.clone()) {
                let mut fixed = self.state.thresholds().locked_groups();
                fixed.extend(self.held_group);
                self.push(Edit::HoldParity { values, fixed });
            }
        }
    }

    fn install(&mut self, loaded: Loaded) {
        let Loaded {
            mut workspace,
            session,
            session_path,
        } = loaded;
        // A session's decision is on its model's scores.
        if let Some(session) = &session {
            workspace.select_model(session.decision_model());
        }
        self.settings.remember(workspace.data.path.clone());
        self.notices = workspace.data.warnings.clone();
        let problem = self.state.install(
            &workspace.index,
            workspace.default_threshold(),
            default_visible(&workspace),
            session,
            session_path.is_some(),
        );
        self.errors
            .extend(problem.map(|p| AppError::step("session", p)));
        self.session_path = session_path;
        self.table.explained = None;
        self.plots.dragging = None;
        self.generation += 1;
        if self.state.session().is_none() {
            // The first frame needs neither the file's SHA-256 nor the frozen quantile edges:
            // work them out in the background.
            let (path, rows) = (workspace.data.path.clone(), workspace.data.rows_read);
            let freeze = workspace.frozen_grouping.is_none().then(|| {
                (
                    std::sync::Arc::clone(&workspace.sorted),
                    workspace.grouping.clone(),
                    std::sync::Arc::clone(&workspace.index),
                )
            });
            let job = Job::spawn("fingerprinting the file", self.ctx.clone(), move |_| {
                let fingerprint = crate::session::fingerprint_file(&path, rows)?;
                let frozen = freeze.map(|(sorted, grouping, index)| {
                    let frozen = crate::session::freeze_grouping(&sorted, &grouping, &index);
                    (grouping, frozen)
                });
                Ok((fingerprint, frozen))
            });
            self.fingerprint_job = Some((self.generation, job));
        }
        self.workspace = Some(workspace);
    }

    fn install_grouping(&mut self, regrouped: Regrouped) {
        let Some(workspace) = &mut self.workspace else {
            return;
        };
        workspace.apply(regrouped);
        self.state
            .regroup(&workspace.index, default_visible(workspace));
        self.table.explained = None;
        self.plots.dragging = None;
        self.generation += 1;
    }

    /// Starts working out the intervals of the audit on screen, unless they are known or being
    /// worked out (a drag asks once per settled change: a running job finishes first, then the
    /// latest audit gets its turn).
    fn start_intervals(&mut self) {
        let key = self.derived_key();
        let known = self.uncertainty.as_ref().is_some_and(|(k, _)| *k == key);
        if known || self.uncertainty_job.is_some() {
            return;
        }
        let Some(audit) = self.derived.audit().cloned() else {
            return;
        };
        let job = Job::spawn("intervals", self.ctx.clone(), move |_| {
            crate::engine::uncertainty::audit_uncertainty(&audit, &Default::default())
        });
        self.uncertainty_job = Some((key, job));
    }

    /// Keeps the window's title in step with the session file and its unsaved mark.
    fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Option<PathBuf> =
            ctx.input(|i| i.raw.dropped_files.first().map(|f| f.path().to_path_buf()));
        if let Some(path) = dropped {
            let action = if is_session_file(&path) {
                PendingAction::OpenSession(path)
            } else {
                PendingAction::OpenData(path)
            };
            self.push(Command::Guarded(action));
        }
    }
}

/// Whether the window draws on the CPU: wgpu reports a CPU device for Mesa's lavapipe and
/// llvmpipe, `SwiftShader` and WARP (virtual machines, remote desktops, Xvfb).
fn renders_in_software(render_state: &eframe::egui_wgpu::RenderState) -> bool {
    render_state.adapter.get_info().device_type == eframe::egui_wgpu::wgpu::DeviceType::Cpu
}

/// Whether a path names a session (`.json`) rather than data.
fn is_session_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn default_visible(workspace: &Workspace) -> Vec<bool> {
    let groups = workspace.index.groups();
    if groups.len() <= DEFAULT_VISIBLE_GROUPS {
        return vec![true; groups.len()];
    }
    let mut by_weight: Vec<usize> = (0..groups.len()).collect();
    by_weight.sort_by(|a, b| {
        let weight = |i: &usize| groups.get(*i).map_or(0.0, |g| g.curve.weight());
        weight(b).total_cmp(&weight(a))
    });
    let mut visible = vec![false; groups.len()];
    for i in by_weight.into_iter().take(DEFAULT_VISIBLE_GROUPS) {
        if let Some(slot) = visible.get_mut(i) {
            *slot = true;
        }
    }
    visible
}

impl eframe::App for FulcrumApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.ctx.get_or_insert_with(|| ctx.clone());
        let seen = self.derived_key();
        // Finished jobs and dropped files first, so this frame draws their results.
        self.poll_jobs();
        self.handle_dropped_files(&ctx);
        self.run_commands();
        self.settings.apply(&ctx, self.software_rendering);
        self.png.poll(&ctx, &mut self.errors);
        self.shortcuts(&ctx);
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.is_dirty() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(PendingAction::Quit);
        }
        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_ui(ui);
            self.toolbar_ui(ui);
            self.status_ui(ui);
        });
        if self.workspace.is_some() && self.derived.audit().is_some() {
            self.panels_ui(ui, &ctx);
        } else {
            self.empty_ui(ui);
        }
        self.mapping_ui(&ctx);
        self.about_ui(&ctx);
        self.discovery_window_ui(&ctx);
        self.governance_windows_ui(&ctx);
        self.modals_ui(&ctx);
        // A drag, a typed value or a key press is one undo step once the interaction settles.
        if !ctx.input(|i| i.pointer.any_down()) && !ctx.egui_wants_keyboard_input() {
            self.push(Edit::Settle);
        }
        self.run_commands();
        self.update_title(&ctx);
        if self.derived_key() != seen {
            // Commands ran after the panels drew: draw their result.
            ctx.request_repaint();
        }
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        // The panels' colour, so that with light drawing they need not paint it again.
        settings::clear_color(self.settings.theme).to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}
