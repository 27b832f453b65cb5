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
use crate::engine::grouping::{KEY_SEPARATOR, normalize_key};
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
        // Drawn every frame while open: the group keys are compared, not copied.
        let attribute = index.attribute_names().join(KEY_SEPARATOR);
        let same_groups = self.groups.iter().eq(index.groups().iter().map(|g| &g.key));
        if self.attribute == attribute && same_groups && self.from.as_ref() == recorded {
            return;
        }
        let groups: Vec<String> = index.groups().iter().map(|g| g.key.clone()).collect();
        let shares = recorded
            .and_then(|p| p.get(&attribute))
            .map(normalized)
            .unwrap_or_default();
        self.percent = groups
            .iter()
            .map(|group| {
                shares
                    .get(group)
                    .map_or_else(String::new, |s| percent_text(*s))
            })
            .collect();
        self.attribute = attribute;
        self.groups = groups;
        self.from = recorded.cloned();
        self.problem = None;
    }

    /// The session's shares with the shown groups' replaced by the draft's (a group whose field
    /// is empty loses its share; groups the data lacks keep theirs; the attribute key goes when
    /// no share is left), checked as `fulcrum profile --population` checks them; or what is
    /// wrong, naming the group.
    pub fn population(&self, recorded: Option<&Population>) -> Result<Option<Population>, String> {
        // Groups the shares name but the data lacks are kept: only the groups shown change.
        let mut shares = recorded
            .and_then(|p| p.get(&self.attribute))
            .map(normalized)
            .unwrap_or_default();
        for (group, text) in self.groups.iter().zip(&self.percent) {
            let text = text.trim().trim_end_matches('%').trim();
            if text.is_empty() {
                shares.remove(group);
                continue;
            }
            let share = share_of_percent(text).ok_or_else(|| {
                format!("{}: `{}` is not a percentage", group, text.escape_debug())
            })?;
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{group}: {text}% is not between 0 and 100"));
            }
            shares.insert(group.clone(), share);
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

/// Shares by group key as Fulcrum writes keys (`Female | Black` → `Female × Black`).
fn normalized(shares: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    shares
        .iter()
        .map(|(key, share)| (normalize_key(key).into_owned(), *share))
        .collect()
}

/// A share typed in percent, read exactly as written (`1.7` → 0.017, not 0.017000000000000001).
pub fn share_of_percent(text: &str) -> Option<f64> {
    let share: f64 = format!("{}e-2", text.trim()).parse().ok()?;
    share.is_finite().then_some(share)
}

/// A share shown in percent, without the binary noise of multiplying by 100.
pub fn percent_text(share: f64) -> String {
    let percent = share * 100.0;
    let rounded = (percent * 1e9).round() / 1e9;
    format!("{rounded}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_and_shown_as_typed() {
        assert_eq!(share_of_percent("1.7"), Some(0.017));
        assert_eq!(share_of_percent(" 0.9 "), Some(0.009));
        assert_eq!(share_of_percent("60"), Some(0.6));
        assert_eq!(share_of_percent("abc"), None);
        assert_eq!(share_of_percent("1e400"), None);
        assert_eq!(percent_text(0.017), "1.7");
        assert_eq!(percent_text(0.6), "60");
        assert_eq!(percent_text(0.07), "7");
    }

    /// Recording changes only the groups shown: a share for a group the data lacks is kept,
    /// one written with `|` is read as Fulcrum writes the key, and an emptied field removes
    /// that group's share.
    #[test]
    fn recording_keeps_the_shares_of_groups_not_shown() {
        let recorded: Population = BTreeMap::from([(
            "race × sex".to_owned(),
            BTreeMap::from([
                ("A | F".to_owned(), 0.5),
                ("B × F".to_owned(), 0.3),
                ("C × F".to_owned(), 0.2),
            ]),
        )]);
        let draft = PopulationDraft {
            attribute: "race × sex".to_owned(),
            groups: vec!["A × F".to_owned(), "B × F".to_owned()],
            percent: vec!["40".to_owned(), String::new()],
            ..PopulationDraft::default()
        };
        let population = draft.population(Some(&recorded)).unwrap().unwrap();
        assert_eq!(
            population["race × sex"],
            BTreeMap::from([("A × F".to_owned(), 0.4), ("C × F".to_owned(), 0.2)])
        );
        let refused = PopulationDraft {
            percent: vec!["101".to_owned(), "x".to_owned()],
            ..draft
        };
        assert_eq!(
            refused.population(None).unwrap_err(),
            "A × F: 101% is not between 0 and 100"
        );
    }
}
