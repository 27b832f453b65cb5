//! The working view: slicing and thresholds on the left, optimizer and governance on the right,
//! the metrics table at the bottom, the legend and the six plots in the middle. Everything here
//! reads the decision model and derived state and pushes commands; nothing writes state.

use egui::RichText;

use super::optimize_panel::{self, OptimizeAction};
use super::plots::{self, PlotInputs};
use super::state::Edit;
use super::{Command, FulcrumApp, models, palette, slicing, table, thresholds};

impl FulcrumApp {
    /// The panels around the plots, then the plots.
    pub(super) fn panels_ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("controls-scroll")
                    .show(ui, |ui| self.controls_ui(ui));
            });
        egui::Panel::right("optimize")
            .resizable(true)
            .default_size(250.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("right-scroll")
                    .show(ui, |ui| self.side_ui(ui));
            });
        // At most 45% of the height, so 40 groups' rows never squeeze the plots away (the table
        // scrolls instead).
        let table_max = (ui.available_height() * 0.45).max(160.0);
        let Some(audit) = self.derived.audit() else {
            return;
        };
        let hidden = &self.derived.hidden;
        let key = self.derived_key();
        let intervals = self
            .uncertainty
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, u)| u);
        let split = self.derived.split.as_ref();
        let rows_shown = self.state.rows_shown();
        let mut show_rows = None;
        let warnings = intervals.map_or(0, |u| table::undecided_groups(audit, u).len());
        let reserved = table::summary_height(ui, warnings);
        // Room for every row when it fits in the table's share of the height (else it scrolls).
        let shown_rows = hidden.iter().filter(|h| !**h).count() + 2 + usize::from(split.is_some());
        let wanted = table::row_height(ui) * shown_rows as f32 + reserved + 16.0;
        egui::Panel::bottom("table")
            .resizable(true)
            .default_size(wanted.min(table_max))
            .min_size(wanted.min(table_max))
            .max_size(table_max)
            .show(ui, |ui| {
                if let Some(split) = split {
                    show_rows = table::rows_switch_ui(ui, rows_shown, split);
                }
                match (self.derived.compared(), &self.workspace) {
                    (Some(compared), Some(workspace)) => {
                        let current = workspace.current_model().map_or("", |m| m.name.as_str());
                        models::comparison_table_ui(ui, current, audit, compared, hidden);
                    }
                    _ => table::metrics_table_ui(ui, audit, &mut self.table, hidden, reserved),
                }
                ui.separator();
                table::summary_ui(ui, audit, intervals, split.map(|s| (rows_shown, s)));
            });
        if let Some(rows) = show_rows {
            // Not `self.push`: the audit drawn above is still borrowed.
            self.commands.push(Command::Edit(Edit::ShowRows(rows)));
        }
        table::explain_ui(ctx, audit, &mut self.table);
        egui::CentralPanel::default().show(ui, |ui| {
            self.legend_ui(ui);
            self.plots_ui(ui);
        });
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
                    self.state.options().min_count,
                );
            });
        if workspace.models.len() > 1 {
            let models: Vec<(String, String)> = workspace
                .models
                .iter()
                .map(|m| (m.name.clone(), m.score.clone()))
                .collect();
            ui.separator();
            egui::CollapsingHeader::new(RichText::new("Models").strong())
                .default_open(true)
                .show(ui, |ui| {
                    let edits =
                        models::models_ui(ui, &models, self.state.model(), self.state.compare());
                    self.commands.extend(edits.into_iter().map(Command::Edit));
                });
        }
        ui.separator();
        ui.strong("Thresholds");
        let edits = thresholds::thresholds_ui(
            ui,
            self.state.thresholds(),
            &workspace.index,
            workspace.score_range,
            self.state.options().rule,
            self.state.selected(),
        );
        for edit in edits {
            self.push(edit);
        }
        if let Some(grouping) = new_grouping {
            self.push(Command::Regroup(grouping));
        }
    }

    fn legend_ui(&mut self, ui: &mut egui::Ui) {
        // Many groups wrap onto several lines; beyond three the legend scrolls.
        egui::ScrollArea::vertical()
            .id_salt("legend-scroll")
            .max_height(3.0 * ui.spacing().interact_size.y + 2.0 * ui.spacing().item_spacing.y)
            .show(ui, |ui| self.legend_rows_ui(ui));
    }

    fn legend_rows_ui(&mut self, ui: &mut egui::Ui) {
        let Some(workspace) = self.workspace.as_ref() else {
            return;
        };
        let mut edits = Vec::new();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Show in plots:").weak());
            for (i, group) in workspace.index.groups().iter().enumerate() {
                if self.derived.hidden.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let mut shown = self.state.visible().get(i).copied().unwrap_or(true);
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
                {
                    edits.push(Edit::SetVisible { group: i, shown });
                }
            }
            if ui.small_button("all").clicked() {
                edits.push(Edit::SetAllVisible(true));
            }
            if ui.small_button("none").clicked() {
                edits.push(Edit::SetAllVisible(false));
            }
        });
        for edit in edits {
            self.push(edit);
        }
    }

    fn plots_ui(&mut self, ui: &mut egui::Ui) {
        let (Some(workspace), Some(audit)) = (self.workspace.as_ref(), self.derived.audit()) else {
            return;
        };
        let Some(tuning) = self.tuning_rows() else {
            return;
        };
        // The frontier is the fit rows' (where thresholds are chosen): place the current
        // thresholds by their fit-row numbers.
        let tuning_audit = self.derived.split.as_ref().map_or(audit, |s| &s.fit);
        let scenario_points = self
            .optimize
            .frontier_for(&tuning)
            .map(|(_, constraint, objective)| self.scenario_points(constraint, objective))
            .unwrap_or_default();
        let visible: Vec<bool> = self
            .state
            .visible()
            .iter()
            .zip(&self.derived.hidden)
            .map(|(v, h)| *v && !h)
            .collect();
        let compare = self.derived.compared().and_then(|compared| {
            Some(plots::ComparedPlot {
                name: compared.name.as_str(),
                curves: workspace.model_curves.get(compared.model)?,
                audit: &compared.audit,
            })
        });
        let inputs = PlotInputs {
            index: &workspace.index,
            curves: &workspace.curves,
            compare,
            audit,
            thresholds: self.state.thresholds().values(),
            visible: &visible,
            score_range: workspace.score_range,
            data_generation: self.generation,
            intervals: self
                .uncertainty
                .as_ref()
                .filter(|(k, _)| *k == self.derived_key())
                .map(|(_, u)| u),
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
                    &tuning,
                    tuning_audit,
                    &scenario_points,
                    rule,
                    ctx.clone(),
                );
                None
            });
        });
        if let Some((group, value)) = edit {
            let value = thresholds::canonical_threshold(&workspace.index, group, value, rule);
            self.push(Edit::SetThreshold { group, value });
        }
        self.push_optimized(action);
    }

    /// Applies an optimizer's thresholds (one undo step; locked groups keep theirs), or an
    /// envelope point's model and thresholds.
    fn push_optimized(&mut self, action: OptimizeAction) {
        match action {
            OptimizeAction::None => {}
            OptimizeAction::Apply(snapshot) => self.push(Edit::ApplyThresholds(snapshot)),
            OptimizeAction::ApplyModel { model, thresholds } => self.push(Edit::SetModel {
                model,
                thresholds: Some(thresholds),
            }),
        }
    }

    fn side_ui(&mut self, ui: &mut egui::Ui) {
        let Some(rows) = self.tuning_rows() else {
            return;
        };
        // Cross-validation folds every row; with held-out evaluation rows it is not offered.
        let folds = self
            .workspace
            .as_ref()
            .filter(|_| self.state.evaluation_split().is_none())
            .map(|w| (std::sync::Arc::clone(&w.sorted), w.grouping.clone()));
        self.optimize.set_cross_validation_rows(folds);
        // The envelope across models is computed while models are compared.
        self.optimize.compare_models = self.state.compare().is_some();
        let mut action = OptimizeAction::None;
        egui::CollapsingHeader::new(RichText::new("Optimize").strong())
            .default_open(true)
            .show(ui, |ui| {
                action = self
                    .optimize
                    .ui(ui, &rows, self.state.options().rule, &self.ctx);
            });
        self.push_optimized(action);
        ui.separator();
        egui::CollapsingHeader::new(RichText::new("Governance").strong())
            .default_open(true)
            .show(ui, |ui| self.governance_ui(ui));
    }
}
