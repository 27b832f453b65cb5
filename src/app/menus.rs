//! The window's top: the menu bar (with its keyboard shortcuts), the toolbar of audit options,
//! and the status lines (running jobs, errors, notices); also the empty start screen, the
//! column-mapping dialog's outcome and the About window.

use egui::{Key, KeyboardShortcut, Modifiers, RichText};

use super::mapping::{self, MappingOutcome};
use super::session_flow::PendingAction;
use super::settings::Theme;
use super::state::Edit;
use super::{Command, FulcrumApp, palette};
use crate::engine::{Convention, DecisionRule, GroupingSpec, ReferenceChoice};

/// Ctrl+O: open data.
const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
/// Ctrl+S: save the session.
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
/// Ctrl+Shift+S: save the session as another file.
const SAVE_AS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::S);
/// Ctrl+Q: quit (after offering to save).
const QUIT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);

/// File types the open dialog offers.
const DATA_EXTENSIONS: [&str; 11] = [
    "csv", "tsv", "gz", "zst", "parquet", "pq", "arrow", "ipc", "feather", "txt", "zstd",
];

/// Asks for a data file to open.
fn pick_data_file() -> Option<std::path::PathBuf> {
    rfd::FileDialog::new()
        .add_filter("Data", &DATA_EXTENSIONS)
        .pick_file()
}

/// Asks for a folder of part files (a Spark or `BigQuery` export) to open as one dataset.
fn pick_data_folder() -> Option<std::path::PathBuf> {
    rfd::FileDialog::new().pick_folder()
}

/// Asks where to write the sign-off report.
pub(super) fn pick_report_file() -> Option<std::path::PathBuf> {
    rfd::FileDialog::new()
        .add_filter("HTML report", &["html"])
        .add_filter("Markdown", &["md"])
        .add_filter("JSON", &["json"])
        .set_file_name("fulcrum-report.html")
        .save_file()
}

impl FulcrumApp {
    /// Keyboard shortcuts that work anywhere in the window (menus show them).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let loaded = self.workspace.is_some();
        let (open, save_as, save, quit) = ctx.input_mut(|i| {
            (
                i.consume_shortcut(&OPEN),
                // Ctrl+Shift+S first: it would also match plain Ctrl+S.
                loaded && i.consume_shortcut(&SAVE_AS),
                loaded && i.consume_shortcut(&SAVE),
                i.consume_shortcut(&QUIT),
            )
        });
        if open && let Some(path) = pick_data_file() {
            self.push(Command::Guarded(PendingAction::OpenData(path)));
        }
        if save_as {
            self.push(Command::Save { ask: true });
        } else if save {
            self.push(Command::Save { ask: false });
        }
        if quit {
            self.push(Command::Guarded(PendingAction::Quit));
        }
        if let Some(workspace) = &self.workspace {
            let edits =
                super::thresholds::handle_keys(ctx, &workspace.index, self.state.selected());
            for edit in edits {
                self.push(edit);
            }
        }
    }

    pub(super) fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let shortcut = |s: &KeyboardShortcut| ui.ctx().format_shortcut(s);
        let (open, save, save_as, quit) = (
            shortcut(&OPEN),
            shortcut(&SAVE),
            shortcut(&SAVE_AS),
            shortcut(&QUIT),
        );
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("Open data…").shortcut_text(open))
                    .clicked()
                {
                    if let Some(path) = pick_data_file() {
                        self.push(Command::Guarded(PendingAction::OpenData(path)));
                    }
                    ui.close();
                }
                if ui
                    .button("Open folder of part files…")
                    .on_hover_text(
                        "A folder written by Spark, BigQuery or Hive: every data file in it is one dataset; key=value folders become columns",
                    )
                    .clicked()
                {
                    if let Some(path) = pick_data_folder() {
                        self.push(Command::Guarded(PendingAction::OpenData(path)));
                    }
                    ui.close();
                }
                if ui.button("Open session…").clicked() {
                    if let Some(path) = rfd::FileDialog::new()
                        .add_filter("Fulcrum session", &["json"])
                        .pick_file()
                    {
                        self.push(Command::Guarded(PendingAction::OpenSession(path)));
                    }
                    ui.close();
                }
                let loaded = self.workspace.is_some();
                if ui
                    .add_enabled(
                        loaded,
                        egui::Button::new("Save session").shortcut_text(save),
                    )
                    .clicked()
                {
                    self.push(Command::Save { ask: false });
                    ui.close();
                }
                if ui
                    .add_enabled(
                        loaded,
                        egui::Button::new("Save session as…").shortcut_text(save_as),
                    )
                    .clicked()
                {
                    self.push(Command::Save { ask: true });
                    ui.close();
                }
                if ui
                    .add_enabled(loaded, egui::Button::new("Export report…"))
                    .clicked()
                {
                    if let Some(path) = pick_report_file() {
                        self.push(Command::ExportReport(path));
                    }
                    ui.close();
                }
                if ui
                    .add_enabled(loaded, egui::Button::new("Compare with another dataset…"))
                    .clicked()
                {
                    if let Some(path) = rfd::FileDialog::new().pick_file() {
                        self.push(Command::CompareWith(path));
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
                            self.push(Command::Guarded(PendingAction::OpenData(path)));
                            ui.close();
                        }
                    }
                });
                if ui.button("Open the sample").clicked() {
                    self.push(Command::Guarded(PendingAction::OpenSample));
                    ui.close();
                }
                if ui
                    .button("Open the sample with two models")
                    .on_hover_text(
                        "The production model (score) and a candidate (score_v2): more \
                         accurate overall, worse for one group",
                    )
                    .clicked()
                {
                    self.push(Command::Guarded(PendingAction::OpenSampleModels));
                    ui.close();
                }
                ui.separator();
                let has_audit = self.derived.audit().is_some();
                if ui
                    .add_enabled(has_audit, egui::Button::new("Export table as CSV…"))
                    .clicked()
                {
                    self.export_csv();
                    ui.close();
                }
                if ui
                    .add_enabled(has_audit, egui::Button::new("Copy table as CSV"))
                    .clicked()
                {
                    if let Some(csv) = self.table_csv() {
                        ui.ctx().copy_text(csv);
                    }
                    ui.close();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Quit").shortcut_text(quit))
                    .clicked()
                {
                    self.push(Command::Guarded(PendingAction::Quit));
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
                let mut light = self.settings.is_light(self.software_rendering);
                if ui
                    .checkbox(&mut light, "Light drawing (faster without a GPU)")
                    .on_hover_text(if self.software_rendering {
                        "This window renders on the CPU: without plot backgrounds and animations each frame costs about a third as much"
                    } else {
                        "Plots without backgrounds and no animations: for virtual machines and remote desktops, which render on the CPU"
                    })
                    .changed()
                {
                    self.settings.light_drawing = Some(light);
                }
                if ui
                    .add_enabled(self.workspace.is_some(), egui::Button::new("Discovery…"))
                    .on_hover_text("The data profile per group, proxies for a protected attribute, the worst slices")
                    .clicked()
                {
                    self.discovery.open = true;
                    ui.close();
                }
                let mut hide_small = self.state.hide_small();
                if ui
                    .checkbox(&mut hide_small, "Hide groups under the minimum count")
                    .changed()
                {
                    self.push(Edit::SetHideSmall(hide_small));
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About Fulcrum").clicked() {
                    self.show_about = true;
                    ui.close();
                }
            });
        });
    }

    /// The metrics table as CSV (what "Export table" writes).
    fn table_csv(&self) -> Option<String> {
        let (audit, workspace) = (self.derived.audit()?, self.workspace.as_ref()?);
        Some(crate::report::audit_csv(
            audit,
            workspace.index.attribute_names(),
        ))
    }

    fn export_csv(&mut self) {
        let Some(csv) = self.table_csv() else {
            return;
        };
        let Some(path) = rfd::FileDialog::new()
            .add_filter("CSV", &["csv"])
            .set_file_name("fulcrum-metrics.csv")
            .save_file()
        else {
            return;
        };
        if let Err(e) = crate::atomic::write_atomically(&path, csv.as_bytes()) {
            self.errors.push(super::error::AppError::Write {
                path,
                problem: e.to_string(),
            });
        }
    }

    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workspace) = &self.workspace else {
            return;
        };
        let mut options = self.state.options().clone();
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
        if &options != self.state.options() {
            self.push(Edit::SetOptions(options));
        }
    }

    pub(super) fn status_ui(&mut self, ui: &mut egui::Ui) {
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
        let derived_errors = [
            self.derived.audit.as_ref().and_then(|a| a.as_ref().err()),
            self.derived
                .comparison
                .as_ref()
                .and_then(|c| c.as_ref().err()),
        ];
        for error in derived_errors.into_iter().flatten() {
            ui.colored_label(palette::WARNING, format!("Error: {error}"));
        }
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

    /// The start screen: nothing loaded yet (or its audit failed; the status line says why).
    pub(super) fn empty_ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.heading("Fulcrum");
                if self.is_busy() {
                    ui.spinner();
                } else {
                    ui.label("Open a scored dataset (File > Open data…, or drop a file here), or the sample.");
                    if ui.button("Open the sample").clicked() {
                        self.push(Command::Guarded(PendingAction::OpenSample));
                    }
                    if ui.button("Open the sample with two models").clicked() {
                        self.push(Command::Guarded(PendingAction::OpenSampleModels));
                    }
                }
            });
        });
    }

    /// The column-mapping dialog, and loading what it maps.
    pub(super) fn mapping_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.mapping else {
            return;
        };
        match mapping::mapping_ui(ctx, dialog) {
            MappingOutcome::Open => {}
            MappingOutcome::Cancelled => self.mapping = None,
            MappingOutcome::Load(path, roles, options) => {
                let first: Vec<String> = roles.attributes.first().cloned().into_iter().collect();
                self.mapping = None;
                self.load(path, roles, GroupingSpec::by_names(&first), options);
            }
        }
    }

    pub(super) fn about_ui(&mut self, ctx: &egui::Context) {
        egui::Window::new("About Fulcrum")
            .open(&mut self.show_about)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(format!("Fulcrum {}", env!("CARGO_PKG_VERSION")));
                ui.label("A what-if explorer for decision thresholds and fairness.");
                ui.label("Every number comes from one engine; each metric's definition and 0/0 rule are in README.md.");
            });
    }
}
