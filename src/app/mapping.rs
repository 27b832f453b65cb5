//! The column-mapping dialog shown when a file is opened: a preview of the first rows, roles
//! guessed from names and values, editable, with problems explained in words before loading.

use std::path::PathBuf;

use egui::RichText;

use super::palette::WARNING;
use crate::data::{
    ColumnKind, ColumnRoles, LoadOptions, MAX_MODELS, ModelColumn, Preview, guess_roles,
};

/// Rows of the preview shown.
const PREVIEW_ROWS: usize = 8;

/// The dialog's state.
#[derive(Clone, Debug, PartialEq)]
pub struct MappingDialog {
    /// The file's first rows.
    pub preview: Preview,
    /// Score column.
    pub score: Option<String>,
    /// The first model's display name (empty: the score column's name).
    pub score_name: String,
    /// Further models to compare: (display name, score column); an empty name is the column's.
    pub more_models: Vec<(String, Option<String>)>,
    /// Label column.
    pub label: Option<String>,
    /// Positive label value (empty: 1 / true).
    pub positive: String,
    /// Attribute columns.
    pub attributes: Vec<String>,
    /// Weight column.
    pub weight: Option<String>,
    /// Drop invalid rows instead of refusing the file.
    pub drop_invalid: bool,
}

/// What the user decided.
#[derive(Clone, Debug, PartialEq)]
pub enum MappingOutcome {
    /// Still deciding.
    Open,
    /// Closed without loading.
    Cancelled,
    /// Load with these roles.
    Load(PathBuf, ColumnRoles, LoadOptions),
}

impl MappingDialog {
    /// A dialog with roles guessed from the preview.
    pub fn new(preview: Preview) -> Self {
        let guess = guess_roles(&preview);
        Self {
            score: guess.score,
            score_name: String::new(),
            more_models: Vec::new(),
            label: guess.label,
            positive: String::new(),
            attributes: guess.attributes,
            weight: guess.weight,
            drop_invalid: false,
            preview,
        }
    }

    /// The roles chosen, when score and label are set (and every further model has a column).
    pub fn roles(&self) -> Option<ColumnRoles> {
        let score = self.score.clone()?;
        let mut roles = ColumnRoles {
            score: score.clone(),
            label: self.label.clone()?,
            positive: (!self.positive.trim().is_empty()).then(|| self.positive.trim().to_owned()),
            attributes: self.attributes.clone(),
            weight: self.weight.clone(),
            models: Vec::new(),
        };
        let named = |name: &str, column: &str| ModelColumn {
            name: if name.trim().is_empty() {
                column.to_owned()
            } else {
                name.trim().to_owned()
            },
            score: column.to_owned(),
        };
        let mut models = vec![named(&self.score_name, &score)];
        for (name, column) in &self.more_models {
            models.push(named(name, column.as_deref()?));
        }
        roles.set_models(models);
        Some(roles)
    }

    /// Every score column chosen (the first model's and the further models').
    fn score_columns(&self) -> Vec<&String> {
        self.score
            .iter()
            .chain(self.more_models.iter().filter_map(|(_, c)| c.as_ref()))
            .collect()
    }

    /// Problems with the current choice, in words; loading is possible when there are none.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let column = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| self.preview.columns.iter().find(|c| &c.name == n))
        };
        match column(&self.score) {
            None => problems.push("Choose the score column (the model's output).".to_owned()),
            Some(c) if c.kind != ColumnKind::Numeric => problems.push(format!(
                "The score column `{}` is not numeric (its first values look like {}).",
                c.name,
                c.examples.join(", ")
            )),
            Some(_) => {}
        }
        match column(&self.label) {
            None => problems.push("Choose the label column (the true outcome).".to_owned()),
            Some(c) => {
                let binary_values = c.examples.iter().all(|e| {
                    matches!(
                        e.to_lowercase().as_str(),
                        "0" | "1" | "true" | "false" | "0.0" | "1.0"
                    )
                });
                if self.positive.trim().is_empty() && (c.distinct > 2 || !binary_values) {
                    problems.push(format!(
                        "The label `{}` has values {}{}: choose which one is the positive outcome.",
                        c.name,
                        c.examples.join(", "),
                        if c.distinct > c.examples.len() {
                            ", …"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
        if self.score.is_some() && self.score == self.label {
            problems.push("Score and label must be different columns.".to_owned());
        }
        for (position, (name, model)) in self.more_models.iter().enumerate() {
            let shown = if name.trim().is_empty() {
                format!("model {}", position + 2)
            } else {
                format!("model `{}`", name.trim())
            };
            match column(model) {
                None => problems.push(format!("Choose the score column of {shown}.")),
                Some(c) if c.kind != ColumnKind::Numeric => problems.push(format!(
                    "The score column `{}` of {shown} is not numeric (its first values look like {}).",
                    c.name,
                    c.examples.join(", ")
                )),
                Some(_) => {}
            }
        }
        if let Some(roles) = self.roles()
            && let Err(problem) = roles.check_models()
        {
            problems.push(format!("Models: {problem}."));
        }
        if let Some(w) = column(&self.weight)
            && w.kind != ColumnKind::Numeric
        {
            problems.push(format!("The weight column `{}` is not numeric.", w.name));
        }
        if self.attributes.is_empty() {
            problems.push(
                "Tick at least one attribute to slice by (sex, race, age band, …).".to_owned(),
            );
        }
        problems
    }
}

fn column_choice(
    ui: &mut egui::Ui,
    label: egui::Id,
    id: &str,
    value: &mut Option<String>,
    names: &[String],
    optional: bool,
) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(value.clone().unwrap_or_else(|| "(none)".to_owned()))
        .show_ui(ui, |ui| {
            if optional {
                ui.selectable_value(value, None, "(none)");
            }
            for name in names {
                ui.selectable_value(value, Some(name.clone()), name);
            }
        })
        .response
        .labelled_by(label);
}

/// Shows the dialog.
pub fn mapping_ui(ctx: &egui::Context, dialog: &mut MappingDialog) -> MappingOutcome {
    let mut outcome = MappingOutcome::Open;
    let mut open = true;
    // Columns the reader cannot read are shown, but can play no role.
    let names: Vec<String> = dialog
        .preview
        .columns
        .iter()
        .filter(|c| c.kind != ColumnKind::Unreadable)
        .map(|c| c.name.clone())
        .collect();
    let title = format!(
        "Map the columns of {}",
        dialog
            .preview
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    egui::Window::new(title)
        .id(egui::Id::unique("mapping-dialog"))
        .open(&mut open)
        .collapsible(false)
        .default_width(720.0)
        .show(ctx, |ui| {
            if let Some(rows) = dialog.preview.total_rows {
                ui.label(format!(
                    "{} rows, {} columns.",
                    crate::report::format::group_thousands(rows as i64),
                    dialog.preview.columns.len()
                ));
            }
            let unreadable: Vec<&str> = dialog
                .preview
                .columns
                .iter()
                .filter(|c| c.kind == ColumnKind::Unreadable)
                .map(|c| c.name.as_str())
                .collect();
            if !unreadable.is_empty() {
                ui.colored_label(
                    WARNING,
                    format!(
                        "Left out (cannot be read here, so it can play no role): {}.",
                        unreadable.join(", ")
                    ),
                );
            }
            egui::ScrollArea::horizontal()
                .id_salt("preview")
                .show(ui, |ui| {
                    egui::Grid::new("preview-grid")
                        .striped(true)
                        .show(ui, |ui| {
                            for column in &dialog.preview.columns {
                                ui.vertical(|ui| {
                                    ui.strong(&column.name);
                                    let dtype =
                                        ui.label(RichText::new(&column.dtype).small().weak());
                                    if let Some(problem) = &column.problem {
                                        ui.label(
                                            RichText::new("cannot be read").small().color(WARNING),
                                        )
                                        .on_hover_text(problem.as_str());
                                        dtype.on_hover_text(problem.as_str());
                                    }
                                });
                            }
                            ui.end_row();
                            for row in dialog.preview.rows.iter().take(PREVIEW_ROWS) {
                                for cell in row {
                                    ui.monospace(cell);
                                }
                                ui.end_row();
                            }
                        });
                });
            ui.separator();
            egui::Grid::new("roles-grid").num_columns(2).show(ui, |ui| {
                let label = ui
                    .label("Score")
                    .on_hover_text("The model's output; higher means more likely positive");
                ui.horizontal(|ui| {
                    column_choice(ui, label.id, "role-score", &mut dialog.score, &names, false);
                    let name = ui.label("shown as");
                    ui.add(
                        egui::TextEdit::singleline(&mut dialog.score_name)
                            .hint_text(dialog.score.clone().unwrap_or_default())
                            .desired_width(110.0),
                    )
                    .labelled_by(name.id);
                });
                ui.end_row();
                ui.label("Other models").on_hover_text(
                    "Further score columns of the same rows, to compare models (each with the \
                     name it is shown under)",
                );
                ui.vertical(|ui| {
                    let mut remove = None;
                    for (position, (name, column)) in dialog.more_models.iter_mut().enumerate() {
                        ui.horizontal(|ui| {
                            let label = ui.label(format!("Model {}", position + 2));
                            column_choice(
                                ui,
                                label.id,
                                &format!("role-model-{position}"),
                                column,
                                &names,
                                false,
                            );
                            let shown = ui.label("shown as");
                            ui.add(
                                egui::TextEdit::singleline(name)
                                    .hint_text(column.clone().unwrap_or_default())
                                    .desired_width(110.0),
                            )
                            .labelled_by(shown.id);
                            if ui
                                .small_button("Remove")
                                .on_hover_text("Stop comparing this model")
                                .clicked()
                            {
                                remove = Some(position);
                            }
                        });
                    }
                    if let Some(position) = remove {
                        dialog.more_models.remove(position);
                    }
                    if dialog.more_models.len() + 1 < MAX_MODELS
                        && ui
                            .button("Add a model")
                            .on_hover_text("Compare another score column on the same rows")
                            .clicked()
                    {
                        dialog.more_models.push((String::new(), None));
                    }
                });
                ui.end_row();
                let label = ui.label("Label").on_hover_text("The true outcome");
                column_choice(ui, label.id, "role-label", &mut dialog.label, &names, false);
                ui.end_row();
                let positive_label = ui
                    .label("Positive value")
                    .on_hover_text("Which label value counts as positive; empty means 1 or true");
                let examples = dialog
                    .label
                    .as_ref()
                    .and_then(|l| dialog.preview.columns.iter().find(|c| &c.name == l))
                    .map(|c| c.examples.clone())
                    .unwrap_or_default();
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut dialog.positive)
                            .hint_text("1 / true")
                            .desired_width(100.0),
                    )
                    .labelled_by(positive_label.id);
                    for example in examples {
                        if ui.small_button(&example).clicked() {
                            dialog.positive = example;
                        }
                    }
                });
                ui.end_row();
                let label = ui
                    .label("Weight")
                    .on_hover_text("Optional count per row (pre-aggregated data)");
                column_choice(
                    ui,
                    label.id,
                    "role-weight",
                    &mut dialog.weight,
                    &names,
                    true,
                );
                ui.end_row();
                ui.label("Attributes").on_hover_text("Columns to slice by");
                ui.horizontal_wrapped(|ui| {
                    let scores: Vec<String> = dialog.score_columns().into_iter().cloned().collect();
                    for column in &dialog.preview.columns {
                        let name = &column.name;
                        if scores.contains(name)
                            || Some(name) == dialog.label.as_ref()
                            || column.kind == ColumnKind::Unreadable
                        {
                            continue;
                        }
                        let mut ticked = dialog.attributes.contains(name);
                        if ui.checkbox(&mut ticked, name).changed() {
                            if ticked {
                                dialog.attributes.push(name.clone());
                            } else {
                                dialog.attributes.retain(|a| a != name);
                            }
                        }
                    }
                });
                ui.end_row();
            });
            ui.checkbox(
                &mut dialog.drop_invalid,
                "Drop rows with a missing or invalid score, label or weight",
            );
            let problems = dialog.problems();
            for problem in &problems {
                ui.colored_label(WARNING, format!("Problem: {problem}"));
            }
            ui.horizontal(|ui| {
                let roles = dialog.roles().filter(|_| problems.is_empty());
                if ui
                    .add_enabled(roles.is_some(), egui::Button::new("Load"))
                    .clicked()
                    && let Some(roles) = roles
                {
                    outcome = MappingOutcome::Load(
                        dialog.preview.path.clone(),
                        roles,
                        LoadOptions {
                            drop_invalid: dialog.drop_invalid,
                        },
                    );
                }
                if ui.button("Cancel").clicked() {
                    outcome = MappingOutcome::Cancelled;
                }
            });
        });
    if !open {
        outcome = MappingOutcome::Cancelled;
    }
    outcome
}
