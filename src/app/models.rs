//! Several models in the window (issue 15): the model selector and the compare-mode switch (in
//! the left panel), and the comparison table that replaces the metrics table in compare mode —
//! each group's numbers under both models and their difference. The panel reads the state and
//! returns edits; the numbers come from the derived audits, the differences from
//! [`crate::engine::models::model_difference`].

use egui::RichText;

use super::derived::ComparedModel;
use super::palette::group_color;
use super::state::Edit;
use crate::engine::models::{COMPARED_METRICS, group_value, model_difference};
use crate::engine::{Audit, Metric};
use crate::report::format::{count, rate};
use crate::report::markup::signed;

/// The model selector and compare switch: `models` are (name, score column) in order. Returns
/// the edits the user asked for.
pub fn models_ui(
    ui: &mut egui::Ui,
    models: &[(String, String)],
    current: usize,
    compare: Option<usize>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let title = |position: usize| {
        models
            .get(position)
            .map_or_else(String::new, |(name, score)| {
                if name == score {
                    name.clone()
                } else {
                    format!("{name} ({score})")
                }
            })
    };
    egui::Grid::new("models-grid")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui
                .label("Model")
                .on_hover_text("Whose scores the thresholds apply to: the decision's model");
            let mut chosen = current;
            egui::ComboBox::from_id_salt("model-select")
                .selected_text(title(current))
                .show_ui(ui, |ui| {
                    for position in 0..models.len() {
                        ui.selectable_value(&mut chosen, position, title(position));
                    }
                })
                .response
                .labelled_by(label.id);
            if chosen != current {
                edits.push(Edit::SetModel {
                    model: chosen,
                    thresholds: None,
                });
            }
            ui.end_row();
            let label = ui.label("Compare with").on_hover_text(
                "Overlay another model: dashed curves in the distribution and ROC plots, both \
             models' values and their difference in the table, every model's frontier and the \
             envelope across them",
            );
            let mut compared = compare;
            egui::ComboBox::from_id_salt("model-compare")
                .selected_text(compared.map_or_else(|| "(none)".to_owned(), title))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut compared, None, "(none)");
                    for position in (0..models.len()).filter(|p| *p != current) {
                        ui.selectable_value(&mut compared, Some(position), title(position));
                    }
                })
                .response
                .labelled_by(label.id);
            if compared != compare {
                edits.push(Edit::SetCompare(compared));
            }
            ui.end_row();
        });
    edits
}

/// The comparison table: per group (and overall) each compared metric under the decision's
/// model, under the compared model, and their difference (compared − decision's). `hidden`
/// groups are left out, as in the metrics table.
pub fn comparison_table_ui(
    ui: &mut egui::Ui,
    current: &str,
    audit: &Audit,
    compared: &ComparedModel,
    hidden: &[bool],
) {
    ui.label(
        RichText::new(format!(
            "Compare mode — A: {current} (the thresholds on screen) · B: {} (at its own \
             thresholds) · Δ = B − A",
            compared.name
        ))
        .weak(),
    );
    egui::ScrollArea::both()
        .id_salt("comparison-table")
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("comparison-grid")
                .striped(true)
                .spacing([10.0, ui.spacing().item_spacing.y])
                .show(ui, |ui| {
                    ui.strong("Group");
                    ui.strong("n");
                    for metric in COMPARED_METRICS {
                        ui.strong(format!("{} A", metric_header(metric)))
                            .on_hover_text(format!("{} under {current}", metric.label()));
                        ui.strong("B").on_hover_text(format!(
                            "{} under {}",
                            metric.label(),
                            compared.name
                        ));
                        ui.strong("Δ").on_hover_text(format!(
                            "{} under {} minus under {current}",
                            metric.label(),
                            compared.name
                        ));
                    }
                    ui.end_row();
                    for (i, group) in audit.groups.iter().enumerate() {
                        if hidden.get(i).copied().unwrap_or(false) {
                            continue;
                        }
                        ui.horizontal(|ui| {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                            ui.painter().rect_filled(rect, 2.0, group_color(i));
                            ui.label(&group.key);
                        });
                        ui.label(count(group.weight));
                        row_cells(ui, audit, &compared.audit, Some(i));
                        ui.end_row();
                    }
                    ui.strong("Overall");
                    ui.label(count(audit.overall.weight));
                    row_cells(ui, audit, &compared.audit, None);
                    ui.end_row();
                });
        });
}

/// A short column title.
fn metric_header(metric: Metric) -> &'static str {
    match metric {
        Metric::SelectionRate => "Sel.",
        Metric::Tpr => "TPR",
        Metric::Fpr => "FPR",
        Metric::Precision => "Prec.",
        Metric::Accuracy => "Acc.",
        other => other.label(),
    }
}

/// One group's cells: each metric under both models and the difference.
fn row_cells(ui: &mut egui::Ui, current: &Audit, compared: &Audit, group: Option<usize>) {
    for metric in COMPARED_METRICS {
        let mine = group_value(current, group, metric);
        let theirs = group_value(compared, group, metric);
        ui.monospace(rate(mine));
        ui.monospace(rate(theirs));
        ui.monospace(signed(model_difference(theirs, mine), 3));
    }
}
