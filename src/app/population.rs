//! Expected population shares in the window: for each group of the current grouping, the share
//! of the population the decision serves (a census, an applicant pool) — what `fulcrum session
//! describe --population FILE.json` records. The report's data profile then shows each group's
//! expected share and representation ratio and flags under-represented groups.
//!
//! The shares are typed in percent in a draft (view state) for the current grouping's attribute
//! key (`race`, or `race × sex` for an intersection); *Record* checks them as `fulcrum profile
//! --population` does and records them beside the shares of other attribute keys, which are
//! kept. A refusal names the group and the session keeps what it had.

use std::collections::BTreeMap;

use egui::RichText;

use super::palette::{PASS, WARNING};
use super::state::Edit;
use crate::engine::GroupIndex;
use crate::engine::grouping::KEY_SEPARATOR;
use crate::engine::profile::ExpectedShares;

/// Population shares as a session records them: attribute key → group key → share.
pub type Population = BTreeMap<String, BTreeMap<String, f64>>;

/// The shares being typed for one attribute key, in percent, one per group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PopulationDraft {
    /// The attribute key the draft is for.
    attribute: String,
    /// Group keys, in the grouping's order.
    groups: Vec<String>,
    /// Percent text per group (empty: no share for that group).
    percent: Vec<String>,
    /// The session's shares the draft was filled from.
    from: Option<Population>,
    /// Why the last *Record* was refused.
    problem: Option<String>,
}

impl PopulationDraft {
    /// Refills the draft when the grouping or the session's shares changed.
    fn follow(&mut self, index: &GroupIndex, recorded: Option<&Population>) {
        let attribute = index.attribute_names().join(KEY_SEPARATOR);
        let groups: Vec<String> = index.groups().iter().map(|g| g.key.clone()).collect();
        if self.attribute == attribute && self.groups == groups && self.from.as_ref() == recorded {
            return;
        }
        let shares = recorded.and_then(|p| p.get(&attribute));
        self.percent = groups
            .iter()
            .map(|group| {
                shares
                    .and_then(|s| s.get(group))
                    .map_or_else(String::new, |share| format!("{}", share * 100.0))
            })
            .collect();
        self.attribute = attribute;
        self.groups = groups;
        self.from = recorded.cloned();
        self.problem = None;
    }

    /// The session's shares with this attribute key's replaced by the draft's (removed when
    /// every field is empty), checked as `fulcrum profile --population` checks them; or what is
    /// wrong, naming the group.
    pub fn population(&self, recorded: Option<&Population>) -> Result<Option<Population>, String> {
        let mut shares = BTreeMap::new();
        for (group, text) in self.groups.iter().zip(&self.percent) {
            let text = text.trim().trim_end_matches('%').trim();
            if text.is_empty() {
                continue;
            }
            let percent: f64 = text
                .parse()
                .map_err(|_| format!("{}: `{}` is not a percentage", group, text.escape_debug()))?;
            if !(0.0..=100.0).contains(&percent) {
                return Err(format!("{group}: {percent}% is not between 0 and 100"));
            }
            shares.insert(group.clone(), percent / 100.0);
        }
        let mut population = recorded.cloned().unwrap_or_default();
        if shares.is_empty() {
            population.remove(&self.attribute);
        } else {
            population.insert(self.attribute.clone(), shares);
        }
        let value = serde_json::to_value(&population).map_err(|e| e.to_string())?;
        ExpectedShares::from_json(&value)?;
        Ok((!population.is_empty()).then_some(population))
    }
}

/// The share field of every group of the current grouping beside its share of the data, and
/// *Record*; returns the edit to the session's shares, if any.
pub fn population_ui(
    ui: &mut egui::Ui,
    draft: &mut PopulationDraft,
    recorded: Option<&Population>,
    index: &GroupIndex,
) -> Option<Edit> {
    draft.follow(index, recorded);
    let mut edit = None;
    ui.label(
        RichText::new(
            "The share of each group in the population the decision serves (a census, the applicant pool), in percent: the report's data profile judges each group's representation against it.",
        )
        .small()
        .weak(),
    );
    let total = index.total_weight();
    egui::Grid::new("population-shares")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("Group");
            ui.strong("Expected %");
            ui.strong("In the data");
            ui.end_row();
            for ((group, text), data) in draft
                .groups
                .iter()
                .zip(draft.percent.iter_mut())
                .zip(index.groups())
            {
                let label = ui.label(group.as_str());
                ui.add(egui::TextEdit::singleline(text).desired_width(60.0))
                    .labelled_by(label.id);
                let share = if total > 0.0 {
                    data.curve.weight() / total
                } else {
                    0.0
                };
                ui.label(format!("{:.1}%", 100.0 * share));
                ui.end_row();
            }
        });
    if ui
        .button("Record shares")
        .on_hover_text(
            "Record these shares in the session (as `fulcrum session describe --population FILE.json`)",
        )
        .clicked()
    {
        match draft.population(recorded) {
            Ok(population) => {
                draft.problem = None;
                if population.as_ref() != recorded {
                    edit = Some(Edit::SetPopulation(population));
                }
            }
            Err(problem) => draft.problem = Some(problem),
        }
    }
    if let Some(problem) = &draft.problem {
        ui.label(RichText::new(problem.as_str()).color(WARNING));
    } else if let Some(recorded) = recorded {
        let keys: Vec<&str> = recorded.keys().map(String::as_str).collect();
        ui.label(
            RichText::new(format!(
                "Recorded for {}: the report's data profile shows each group's representation ratio.",
                keys.join(", ")
            ))
            .small()
            .color(PASS),
        );
    }
    edit
}
