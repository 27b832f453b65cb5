//! The explorer window (eframe + egui + egui_plot): drag a group's threshold and every plot and
//! number follows. Loading and regrouping run on worker threads; each frame only binary-searches
//! the per-group curves and draws cached, screen-sized plot data.

mod export;
mod governance;
mod jobs;
mod mapping;
pub mod optimize_panel;
pub mod palette;
pub mod plots;
mod session_flow;
pub mod settings;
mod slicing;
pub mod table;
pub mod thresholds;
pub mod workspace;

use std::path::{Path, PathBuf};

use egui::RichText;

use self::export::PngExport;
use self::governance::GovernancePanel;
use self::jobs::Job;
pub use self::mapping::{MappingDialog, MappingOutcome};
use self::optimize_panel::{OptimizeAction, OptimizePanel};
use self::plots::{PlotInputs, PlotsState};
use self::session_flow::DataProblem;
pub use self::session_flow::PendingAction;
use self::settings::{Settings, Theme};
use self::table::TableState;
use self::thresholds::{ThresholdAction, ThresholdState};
use self::workspace::{Regrouped, Workspace};
use crate::data::{ColumnRoles, LoadOptions, Preview};
use crate::engine::{
    Audit, AuditOptions, Convention, DecisionRule, GroupingSpec, ReferenceChoice, audit,
};

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
    }
}

/// What the window opens with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartWith {
    /// The bundled sample, grouped by race.
    Sample,
    /// A file, through the column-mapping dialog.
    File(PathBuf),
    /// Nothing.
    Nothing,
}

/// Opens the explorer window.
pub fn run(start: StartWith) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Fulcrum")
            .with_inner_size([1500.0, 950.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Fulcrum",
        options,
        Box::new(move |cc| Ok(Box::new(FulcrumApp::new(cc, start)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// How numbers are computed, as chosen in the toolbar.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewOptions {
    /// Audit options (rule, convention, reference, minimum count).
    pub audit: AuditOptions,
    /// Leave groups under the minimum count out of plots and the table.
    pub hide_small: bool,
}

/// A finished load: the workspace, and the session file it came from.
pub struct Loaded {
    /// The loaded dataset.
    pub workspace: Workspace,
    /// The session file, when a session was opened.
    pub session_path: Option<PathBuf>,
}

/// The explorer application.
pub struct FulcrumApp {
    settings: Settings,
    workspace: Option<Workspace>,
    thresholds: ThresholdState,
    view: ViewOptions,
    visible: Vec<bool>,
    selected: Option<usize>,
    plots: PlotsState,
    table: TableState,
    mapping: Option<MappingDialog>,
    errors: Vec<String>,
    notices: Vec<String>,
    preview_job: Option<Job<Result<Preview, String>>>,
    load_job: Option<Job<Result<Loaded, String>>>,
    regroup_job: Option<Job<Result<Regrouped, String>>>,
    queued_grouping: Option<GroupingSpec>,
    png: PngExport,
    optimize: OptimizePanel,
    held_group: Option<usize>,
    governance: GovernancePanel,
    session_path: Option<PathBuf>,
    saved_json: Option<String>,
    pending: Option<PendingAction>,
    data_problem: Option<DataProblem>,
    allow_close: bool,
    show_about: bool,
    ctx: Option<egui::Context>,
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
            thresholds: ThresholdState::default(),
            view: ViewOptions {
                audit: AuditOptions::default(),
                hide_small: false,
            },
            visible: Vec::new(),
            selected: None,
            plots: PlotsState::default(),
            table: TableState::default(),
            mapping: None,
            errors: Vec::new(),
            notices: Vec::new(),
            preview_job: None,
            load_job: None,
            regroup_job: None,
            queued_grouping: None,
            png: PngExport::default(),
            optimize: OptimizePanel::default(),
            held_group: None,
            governance: GovernancePanel::default(),
            session_path: None,
            saved_json: None,
            pending: None,
            data_problem: None,
            allow_close: false,
            show_about: false,
            ctx: Some(cc.egui_ctx.clone()),
        };
        app.settings.apply(&cc.egui_ctx);
        match start {
            StartWith::Sample => app.open_sample(),
            StartWith::File(path)
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
            {
                app.open_session(&path);
            }
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

    /// Starts opening a data file: its preview, then the column-mapping dialog.
    pub fn open_path(&mut self, path: &Path) {
        let preview_path = path.to_path_buf();
        self.preview_job = Some(Job::spawn(
            format!("reading {}", path.display()),
            self.ctx.clone(),
            move |_| crate::data::preview(&preview_path, 200).map_err(|e| e.to_string()),
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
                let workspace = Workspace::load(&path, &roles, &grouping, options, None, progress)?;
                Ok(Loaded {
                    workspace,
                    session_path: None,
                })
            },
        ));
    }

    /// Asks for another grouping, computed on a worker thread.
    pub fn regroup(&mut self, grouping: GroupingSpec) {
        if self.regroup_job.is_some() {
            // One at a time: the latest request runs when the current one finishes.
            self.queued_grouping = Some(grouping);
            return;
        }
        let Some(workspace) = &self.workspace else {
            return;
        };
        let sorted = std::sync::Arc::clone(&workspace.sorted);
        self.regroup_job = Some(Job::spawn("regrouping", self.ctx.clone(), move |_| {
            Workspace::regroup(&sorted, &grouping).map_err(|e| e.to_string())
        }));
    }

    /// The dataset on screen.
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.as_ref()
    }

    /// Thresholds and their undo history.
    pub fn thresholds(&self) -> &ThresholdState {
        &self.thresholds
    }

    /// Thresholds, for changes.
    pub fn thresholds_mut(&mut self) -> &mut ThresholdState {
        &mut self.thresholds
    }

    /// The audit options in use.
    pub fn view_mut(&mut self) -> &mut ViewOptions {
        &mut self.view
    }

    /// Error messages shown in the window.
    pub fn errors(&self) -> &[String] {
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
            || self.optimize.is_busy()
            || self.governance.job.is_some()
    }

    /// The optimization panel (constraint, tolerance, results).
    pub fn optimize_panel(&mut self) -> &mut OptimizePanel {
        &mut self.optimize
    }

    /// Applies an optimizer's thresholds (one undo step; locked groups keep theirs).
    fn apply_optimized(&mut self, action: OptimizeAction) {
        if let OptimizeAction::Apply(snapshot) = action {
            self.thresholds.apply(&snapshot);
        }
    }

    /// The audit of the current thresholds (what the table and plots show).
    pub fn audit(&self) -> Option<Audit> {
        let workspace = self.workspace.as_ref()?;
        audit(&workspace.index, self.thresholds.values(), &self.view.audit).ok()
    }

    fn poll_jobs(&mut self) {
        if let Some(result) = self.preview_job.as_ref().and_then(Job::poll) {
            self.preview_job = None;
            match result {
                Ok(Ok(preview)) => self.mapping = Some(MappingDialog::new(preview)),
                Ok(Err(message)) => self.errors.push(message),
                Err(()) => self
                    .errors
                    .push("reading the file failed unexpectedly".into()),
            }
        }
        if let Some(result) = self.load_job.as_ref().and_then(Job::poll) {
            self.load_job = None;
            match result {
                Ok(Ok(loaded)) => {
                    self.install(loaded.workspace);
                    self.adopt_session(loaded.session_path);
                }
                Ok(Err(message)) => self.errors.push(message),
                Err(()) => self.errors.push("loading failed unexpectedly".into()),
            }
        }
        if let Some(result) = self.regroup_job.as_ref().and_then(Job::poll) {
            self.regroup_job = None;
            match result {
                Ok(Ok(regrouped)) => self.install_grouping(regrouped),
                Ok(Err(message)) => self.errors.push(message),
                Err(()) => self.errors.push("regrouping failed unexpectedly".into()),
            }
            if let Some(next) = self.queued_grouping.take() {
                self.regroup(next);
            }
        }
    }

    fn install(&mut self, workspace: Workspace) {
        self.settings.remember(workspace.data.path.clone());
        self.notices = workspace.data.warnings.clone();
        let keys = workspace
            .index
            .groups()
            .iter()
            .map(|g| g.key.clone())
            .collect();
        self.thresholds = ThresholdState::new(keys, workspace.default_threshold());
        self.view.audit.reference = ReferenceChoice::Largest;
        self.selected = None;
        self.table.explained = None;
        self.plots.dragging = None;
        self.visible = default_visible(&workspace);
        self.workspace = Some(workspace);
    }

    fn install_grouping(&mut self, regrouped: Regrouped) {
        let Some(workspace) = &mut self.workspace else {
            return;
        };
        workspace.apply(regrouped);
        let keys = workspace
            .index
            .groups()
            .iter()
            .map(|g| g.key.clone())
            .collect();
        self.thresholds.regroup(keys, workspace.default_threshold());
        if let ReferenceChoice::Group(key) = &self.view.audit.reference
            && workspace.index.position(key).is_none()
        {
            self.view.audit.reference = ReferenceChoice::Largest;
        }
        self.visible = default_visible(workspace);
        self.selected = None;
        self.table.explained = None;
        self.plots.dragging = None;
    }

    fn hidden(&self, audit: &Audit) -> Vec<bool> {
        audit
            .groups
            .iter()
            .map(|g| self.view.hide_small && g.weight < self.view.audit.min_count)
            .collect()
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open data…").clicked() {
                    if let Some(path) = rfd::FileDialog::new()
                        .add_filter(
                            "Data",
                            &["csv", "tsv", "parquet", "pq", "arrow", "ipc", "feather"],
                        )
                        .pick_file()
                    {
                        self.guard(PendingAction::OpenData(path));
                    }
                    ui.close();
                }
                if ui.button("Open session…").clicked() {
                    if let Some(path) = rfd::FileDialog::new()
                        .add_filter("Fulcrum session", &["json"])
                        .pick_file()
                    {
                        self.guard(PendingAction::OpenSession(path));
                    }
                    ui.close();
                }
                let loaded = self.workspace.is_some();
                if ui
                    .add_enabled(loaded, egui::Button::new("Save session"))
                    .clicked()
                {
                    self.save_session(false);
                    ui.close();
                }
                if ui
                    .add_enabled(loaded, egui::Button::new("Save session as…"))
                    .clicked()
                {
                    self.save_session(true);
                    ui.close();
                }
                if ui
                    .add_enabled(loaded, egui::Button::new("Export report…"))
                    .clicked()
                {
                    if let Some(path) = rfd::FileDialog::new()
                        .add_filter("HTML report", &["html"])
                        .add_filter("Markdown", &["md"])
                        .add_filter("JSON", &["json"])
                        .set_file_name("fulcrum-report.html")
                        .save_file()
                    {
                        self.export_report(path);
                    }
                    ui.close();
                }
                if ui
                    .add_enabled(loaded, egui::Button::new("Compare with another dataset…"))
                    .clicked()
                {
                    if let Some(path) = rfd::FileDialog::new().pick_file() {
                        self.compare_with_dataset(path);
                    }
                    ui.close();
                }
                ui.separator();
                ui.menu_button("Open recent", |ui| {
                    if self.settings.recent_files.is_empty() {
                        ui.label("(none yet)");
                    }
                    for path in self.settings.recent_files.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.guard(PendingAction::OpenData(path));
                            ui.close();
                        }
                    }
                });
                if ui.button("Open the sample").clicked() {
                    self.guard(PendingAction::OpenSample);
                    ui.close();
                }
                ui.separator();
                let audit = self.audit();
                if ui
                    .add_enabled(audit.is_some(), egui::Button::new("Export table as CSV…"))
                    .clicked()
                {
                    if let (Some(audit), Some(workspace)) = (&audit, &self.workspace) {
                        let names = workspace.index.attribute_names().to_vec();
                        self.export_csv(audit, &names);
                    }
                    ui.close();
                }
                if ui
                    .add_enabled(audit.is_some(), egui::Button::new("Copy table as CSV"))
                    .clicked()
                {
                    if let (Some(audit), Some(workspace)) = (&audit, &self.workspace) {
                        ui.ctx().copy_text(crate::report::audit_csv(
                            audit,
                            workspace.index.attribute_names(),
                        ));
                    }
                    ui.close();
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    self.guard(PendingAction::Quit);
                    ui.close();
                }
            });
            ui.menu_button("View", |ui| {
                ui.selectable_value(&mut self.settings.theme, Theme::Light, "Light theme");
                ui.selectable_value(&mut self.settings.theme, Theme::Dark, "Dark theme");
                ui.checkbox(
                    &mut self.settings.presentation,
                    "Presentation mode (larger text)",
                );
                ui.checkbox(
                    &mut self.view.hide_small,
                    "Hide groups under the minimum count",
                );
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About Fulcrum").clicked() {
                    self.show_about = true;
                    ui.close();
                }
            });
        });
    }

    fn export_csv(&mut self, audit: &Audit, attribute_names: &[String]) {
        let Some(path) = rfd::FileDialog::new()
            .add_filter("CSV", &["csv"])
            .set_file_name("fulcrum-metrics.csv")
            .save_file()
        else {
            return;
        };
        let csv = crate::report::audit_csv(audit, attribute_names);
        if let Err(e) = crate::atomic::write_atomically(&path, csv.as_bytes()) {
            self.errors
                .push(format!("{}: cannot write: {e}", path.display()));
        }
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.strong(workspace.file_name());
            ui.label(format!(
                "{} rows · {} groups · positive = {} = {}",
                crate::report::format::group_thousands(workspace.sorted.len() as i64),
                workspace.index.len(),
                workspace.data.roles.label,
                workspace.data.positive_label
            ));
            ui.separator();
            let options = &mut self.view.audit;
            let label = ui.label("Rule:");
            egui::ComboBox::from_id_salt("rule")
                .selected_text(format!("score {} threshold", options.rule.symbol()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut options.rule, DecisionRule::AtLeast, "score ≥ threshold");
                    ui.selectable_value(&mut options.rule, DecisionRule::Above, "score > threshold");
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Convention:");
            egui::ComboBox::from_id_salt("convention")
                .selected_text(options.convention.key())
                .show_ui(ui, |ui| {
                    for convention in Convention::ALL {
                        ui.selectable_value(&mut options.convention, convention, convention.key());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text("native: undefined stays n/a · fairlearn: empty denominators are 0 · aequitas: disparities x/0 = 10");
            let label = ui.label("Reference:");
            egui::ComboBox::from_id_salt("reference")
                .selected_text(options.reference.to_string())
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut options.reference, ReferenceChoice::Largest, "largest group");
                    ui.selectable_value(&mut options.reference, ReferenceChoice::Min, "min per metric");
                    for group in workspace.index.groups() {
                        ui.selectable_value(
                            &mut options.reference,
                            ReferenceChoice::Group(group.key.clone()),
                            &group.key,
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui
                .label("Min count:")
                .on_hover_text("Groups, or rate denominators, under this weight are flagged small");
            ui.add(egui::DragValue::new(&mut options.min_count).range(0.0..=1e12).speed(1.0))
                .labelled_by(label.id);
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        let jobs = [
            self.preview_job.as_ref().map(|j| (&j.label, &j.progress)),
            self.load_job.as_ref().map(|j| (&j.label, &j.progress)),
            self.regroup_job.as_ref().map(|j| (&j.label, &j.progress)),
        ];
        let mut cancel = false;
        for (label, progress) in jobs.into_iter().flatten() {
            ui.horizontal(|ui| {
                ui.spinner();
                let stage = progress.stage_text();
                ui.label(if stage.is_empty() {
                    label.clone()
                } else {
                    format!("{label}: {stage}")
                });
                if ui.button("Cancel").clicked() {
                    progress.cancel();
                    cancel = true;
                }
            });
        }
        if cancel {
            // The worker stops at its next check; its result is ignored.
            self.preview_job = None;
            self.load_job = None;
        }
        let mut dismissed = None;
        for (i, error) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.colored_label(palette::WARNING, format!("Error: {error}"));
                if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    dismissed = Some(i);
                }
            });
        }
        if let Some(i) = dismissed {
            self.errors.remove(i);
        }
        if !self.notices.is_empty() {
            let mut close = false;
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(self.notices.join(" ")).weak());
                close = ui.small_button("x").on_hover_text("Dismiss").clicked();
            });
            if close {
                self.notices.clear();
            }
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        let mut new_grouping = None;
        egui::CollapsingHeader::new(RichText::new("Slicing").strong())
            .default_open(true)
            .show(ui, |ui| {
                new_grouping = slicing::slicing_ui(
                    ui,
                    &workspace.attributes,
                    &workspace.grouping,
                    self.view.audit.min_count,
                );
            });
        ui.separator();
        ui.strong("Thresholds");
        let action = thresholds::thresholds_ui(
            ui,
            &mut self.thresholds,
            &workspace.index,
            workspace.score_range,
            self.view.audit.rule,
            &mut self.selected,
        );
        if action == ThresholdAction::Reset {
            let default = workspace.default_threshold();
            self.thresholds.reset(default);
        }
        if let Some(grouping) = new_grouping {
            self.regroup(grouping);
        }
    }

    fn legend_ui(&mut self, ui: &mut egui::Ui, hidden: &[bool]) {
        if self.workspace.is_none() {
            return;
        }
        // Many groups wrap onto several lines; beyond three the legend scrolls.
        egui::ScrollArea::vertical()
            .id_salt("legend-scroll")
            .max_height(3.0 * ui.spacing().interact_size.y + 2.0 * ui.spacing().item_spacing.y)
            .show(ui, |ui| self.legend_rows_ui(ui, hidden));
    }

    fn legend_rows_ui(&mut self, ui: &mut egui::Ui, hidden: &[bool]) {
        let Some(workspace) = self.workspace.as_ref() else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Show in plots:").weak());
            for (i, group) in workspace.index.groups().iter().enumerate() {
                if hidden.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let mut shown = self.visible.get(i).copied().unwrap_or(true);
                let (swatch, _) =
                    ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                let color = if shown {
                    palette::group_color(i)
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.painter().rect_filled(swatch, 2.0, color);
                if ui
                    .toggle_value(&mut shown, group.key.as_str())
                    .on_hover_text("Show or hide this group in the plots")
                    .changed()
                    && let Some(slot) = self.visible.get_mut(i)
                {
                    *slot = shown;
                }
            }
            if ui.small_button("all").clicked() {
                self.visible.iter_mut().for_each(|v| *v = true);
            }
            if ui.small_button("none").clicked() {
                self.visible.iter_mut().for_each(|v| *v = false);
            }
        });
    }

    fn plots_ui(
        &mut self,
        ui: &mut egui::Ui,
        audit: &Audit,
        hidden: &[bool],
    ) -> (Option<(usize, f64)>, OptimizeAction) {
        let Some(workspace) = self.workspace.as_ref() else {
            return (None, OptimizeAction::None);
        };
        let scenario_points = self
            .optimize
            .frontier_for(&workspace.index)
            .map(|(_, constraint, objective)| self.scenario_points(constraint, objective))
            .unwrap_or_default();
        let visible: Vec<bool> = self
            .visible
            .iter()
            .zip(hidden)
            .map(|(v, h)| *v && !h)
            .collect();
        let inputs = PlotInputs {
            index: &workspace.index,
            curves: &workspace.curves,
            audit,
            thresholds: self.thresholds.values(),
            visible: &visible,
            score_range: workspace.score_range,
        };
        let spacing = ui.spacing().item_spacing;
        let size = ui.available_size();
        // Never a negative size, however small the window or long the legend.
        let cell = egui::vec2(
            ((size.x - 2.0 * spacing.x) / 3.0).max(120.0),
            ((size.y - spacing.y) / 2.0).max(120.0),
        );
        let mut edit = None;
        let state = &mut self.plots;
        let png = &mut self.png;
        let mut cell_ui =
            |ui: &mut egui::Ui,
             width: f32,
             name: &str,
             draw: &mut dyn FnMut(&mut egui::Ui) -> Option<(usize, f64)>| {
                ui.allocate_ui_with_layout(
                    egui::vec2(width, cell.y),
                    egui::Layout::top_down(egui::Align::Min),
                    |ui| {
                        ui.set_min_size(egui::vec2(width, cell.y));
                        ui.set_max_size(egui::vec2(width, cell.y));
                        let rect = ui.max_rect();
                        let result = draw(ui);
                        png.button_ui(ui, rect, name);
                        result
                    },
                )
                .inner
            };
        ui.horizontal(|ui| {
            edit = edit.or(cell_ui(ui, cell.x, "distribution", &mut |ui| {
                plots::distribution_plot_ui(ui, state, &inputs)
            }));
            edit = edit.or(cell_ui(ui, cell.x, "metric-curve", &mut |ui| {
                plots::metric_curve_plot_ui(ui, state, &inputs)
            }));
            edit = edit.or(cell_ui(ui, cell.x, "roc", &mut |ui| {
                plots::roc_plot_ui(ui, state, &inputs)
            }));
        });
        let optimize = &mut self.optimize;
        let mut action = OptimizeAction::None;
        let rule = audit.options.rule;
        let ctx = self.ctx.clone();
        ui.horizontal(|ui| {
            cell_ui(ui, cell.x, "by-group", &mut |ui| {
                plots::by_group_plot_ui(ui, state, &inputs);
                None
            });
            cell_ui(ui, cell.x, "calibration", &mut |ui| {
                plots::calibration_plot_ui(ui, state, &inputs);
                None
            });
            cell_ui(ui, cell.x, "frontier", &mut |ui| {
                action = optimize_panel::frontier_plot_ui(
                    ui,
                    optimize,
                    &workspace.index,
                    audit,
                    &scenario_points,
                    rule,
                    ctx.clone(),
                );
                None
            });
        });
        (edit, action)
    }

    fn side_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        let index = std::sync::Arc::clone(&workspace.index);
        let mut action = OptimizeAction::None;
        egui::CollapsingHeader::new(RichText::new("Optimize").strong())
            .default_open(true)
            .show(ui, |ui| {
                action = self
                    .optimize
                    .ui(ui, &index, self.view.audit.rule, &self.ctx);
            });
        self.apply_optimized(action);
        ui.separator();
        egui::CollapsingHeader::new(RichText::new("Governance").strong())
            .default_open(true)
            .show(ui, |ui| self.governance_ui(ui));
    }

    /// In hold-parity mode, a user's move of one group's threshold re-optimizes the others.
    fn hold_parity_after_edits(&mut self, before: &[f64]) {
        if !self.optimize.hold_parity {
            self.held_group = None;
            return;
        }
        let Some(workspace) = &self.workspace else {
            return;
        };
        let values = self.thresholds.values();
        if values.len() != before.len() {
            return;
        }
        let changed: Vec<usize> = (0..values.len())
            .filter(|i| values[*i] != before[*i])
            .collect();
        let [group] = changed.as_slice() else {
            return;
        };
        let mut fixed: Vec<(usize, f64)> = self
            .thresholds
            .locked_groups()
            .into_iter()
            .map(|i| (i, values[i]))
            .collect();
        fixed.push((*group, values[*group]));
        self.held_group = Some(*group);
        let index = std::sync::Arc::clone(&workspace.index);
        self.optimize
            .request_hold(&index, self.view.audit.rule, fixed, self.ctx.clone());
    }

    fn about_ui(&mut self, ctx: &egui::Context) {
        egui::Window::new("About Fulcrum")
            .open(&mut self.show_about)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(format!("Fulcrum {}", env!("CARGO_PKG_VERSION")));
                ui.label("A what-if explorer for decision thresholds and fairness.");
                ui.label("Every number comes from one engine; each metric's definition and 0/0 rule are in README.md.");
            });
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                self.guard(PendingAction::OpenSession(path));
            } else {
                self.guard(PendingAction::OpenData(path));
            }
        }
    }
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
        self.poll_jobs();
        self.handle_dropped_files(&ctx);
        self.settings.apply(&ctx);
        self.png.poll(&ctx, &mut self.errors);
        if let Some(workspace) = &self.workspace {
            let rule = self.view.audit.rule;
            if let Some(held) = self.optimize.poll(&workspace.index, rule, self.ctx.clone()) {
                let mut fixed = self.thresholds.locked_groups();
                fixed.extend(self.held_group);
                self.thresholds.set_others(&held, &fixed);
            }
            thresholds::handle_keys(&ctx, &mut self.thresholds, &workspace.index, self.selected);
        }
        let before = self.thresholds.values().to_vec();
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.is_dirty() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(PendingAction::Quit);
        }
        if self.workspace.is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S))
        {
            self.save_session(false);
        }
        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_ui(ui);
            self.toolbar_ui(ui);
            self.status_ui(ui);
        });
        let audit = self.audit();
        match &audit {
            Some(audit) => {
                let hidden = self.hidden(audit);
                egui::Panel::left("controls")
                    .resizable(true)
                    .default_size(300.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical()
                            .id_salt("controls-scroll")
                            .show(ui, |ui| {
                                self.controls_ui(ui);
                            });
                    });
                egui::Panel::right("optimize")
                    .resizable(true)
                    .default_size(250.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical()
                            .id_salt("right-scroll")
                            .show(ui, |ui| {
                                self.side_ui(ui);
                            });
                    });
                // At most 45% of the height, so 40 groups' rows never squeeze the plots away
                // (the table scrolls instead).
                let table_max = (ui.available_height() * 0.45).max(160.0);
                egui::Panel::bottom("table")
                    .resizable(true)
                    .default_size(300.0_f32.min(table_max))
                    .max_size(table_max)
                    .show(ui, |ui| {
                        table::metrics_table_ui(ui, audit, &mut self.table, &hidden);
                        ui.separator();
                        table::summary_ui(ui, audit);
                    });
                let (edit, action) = egui::CentralPanel::default()
                    .show(ui, |ui| {
                        self.legend_ui(ui, &hidden);
                        self.plots_ui(ui, audit, &hidden)
                    })
                    .inner;
                self.apply_optimized(action);
                if let (Some((group, value)), Some(workspace)) = (edit, &self.workspace) {
                    let rule = self.view.audit.rule;
                    let value =
                        thresholds::canonical_threshold(&workspace.index, group, value, rule);
                    self.thresholds.set(group, value);
                    self.selected = Some(group);
                }
                table::explain_ui(&ctx, audit, &mut self.table);
            }
            None => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(ui.available_height() / 3.0);
                        ui.heading("Fulcrum");
                        if self.is_busy() {
                            ui.spinner();
                        } else {
                            ui.label("Open a scored dataset (File > Open data…, or drop a file here), or the sample.");
                            if ui.button("Open the sample").clicked() {
                                self.open_sample();
                            }
                        }
                    });
                });
            }
        }
        if let Some(dialog) = &mut self.mapping {
            match mapping::mapping_ui(&ctx, dialog) {
                MappingOutcome::Open => {}
                MappingOutcome::Cancelled => self.mapping = None,
                MappingOutcome::Load(path, roles, options) => {
                    let first = roles
                        .attributes
                        .first()
                        .cloned()
                        .into_iter()
                        .collect::<Vec<_>>();
                    self.mapping = None;
                    self.load(path, roles, GroupingSpec::by_names(&first), options);
                }
            }
        }
        self.about_ui(&ctx);
        self.governance_windows_ui(&ctx);
        self.modals_ui(&ctx);
        self.hold_parity_after_edits(&before);
        // A drag, a typed value or a key press is one undo step once the interaction settles.
        if !ctx.input(|i| i.pointer.any_down()) && !ctx.egui_wants_keyboard_input() {
            self.thresholds.commit();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}
