//! The NYC Local Law 144 settings of a session, in the window: which grouping attributes hold sex
//! and race/ethnicity, the values meaning "unknown", the exclusion share, the audit date, the
//! data source and the tool — what `fulcrum session describe --sex … --race …` records. Shown
//! under *Use context* when the decision is an employment one; once recorded, the report's
//! LL144 section and `fulcrum bias-audit`'s tables follow from the session.
//!
//! The fields are edited as text in a draft (view state) and become the session's record with
//! *Record*, checked as the command line checks them (`BiasAuditRecord::validate` against the
//! current grouping, a date `YYYY-MM-DD`, a share at most 2%); a problem is shown beside the
//! fields and the session keeps what it had.

use egui::RichText;

use super::palette::{PASS, WARNING};
use super::population::{percent_text, share_of_percent};
use super::state::Edit;
use crate::engine::GroupingSpec;
use crate::engine::bias_audit::MAX_EXCLUDE_UNDER;
use crate::session::context::BiasAuditRecord;
use crate::session::signoff::SignOffDate;

/// The LL144 fields being edited, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ll144Draft {
    /// The sex attribute's name (empty: none chosen).
    pub sex: String,
    /// The race/ethnicity attribute's name.
    pub race: String,
    /// Values meaning "unknown", one per line (a value may hold a comma).
    pub unknown: String,
    /// The exclusion share in percent (empty: none).
    pub exclude_under_percent: String,
    /// The audit date, `YYYY-MM-DD`.
    pub audit_date: String,
    /// Where the data comes from.
    pub source: String,
    /// The tool's name.
    pub tool: String,
    /// Why the last *Record* was refused.
    pub problem: Option<String>,
    /// The session's record the draft was last filled from (to follow a session opened or
    /// changed elsewhere).
    from: Option<BiasAuditRecord>,
}

impl Ll144Draft {
    /// Refills the draft when the session's record is not the one it was filled from.
    fn follow(&mut self, recorded: Option<&BiasAuditRecord>) {
        if self.from.as_ref() == recorded {
            return;
        }
        *self = match recorded {
            Some(record) => Self {
                sex: record.sex.clone(),
                race: record.race.clone(),
                unknown: record.unknown.join("\n"),
                exclude_under_percent: record.exclude_under.map_or_else(String::new, percent_text),
                audit_date: record.audit_date.as_str().to_owned(),
                source: record.source.clone(),
                tool: record.tool.clone(),
                problem: None,
                from: Some(record.clone()),
            },
            None => Self::default(),
        };
    }

    /// The record the draft describes, checked against `grouping`; or what is wrong, naming the
    /// field.
    pub fn record(&self, grouping: &GroupingSpec) -> Result<BiasAuditRecord, String> {
        if self.sex.is_empty() || self.race.is_empty() {
            return Err("choose the sex and the race/ethnicity attributes".to_owned());
        }
        let audit_date: SignOffDate = self
            .audit_date
            .trim()
            .parse()
            .map_err(|error| format!("audit date: {error}"))?;
        let exclude_under = match self
            .exclude_under_percent
            .trim()
            .trim_end_matches('%')
            .trim()
        {
            "" => None,
            text => {
                let share = share_of_percent(text).ok_or_else(|| {
                    format!(
                        "exclude under: `{}` is not a percentage",
                        text.escape_debug()
                    )
                })?;
                if !(share > 0.0 && share <= MAX_EXCLUDE_UNDER) {
                    return Err(format!(
                        "exclude under: {text}% is not above 0% and at most {}% (6 RCNY § 5-301(d))",
                        percent_text(MAX_EXCLUDE_UNDER)
                    ));
                }
                Some(share)
            }
        };
        let unknown = self
            .unknown
            .lines()
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect();
        let record = BiasAuditRecord {
            sex: self.sex.clone(),
            race: self.race.clone(),
            unknown,
            exclude_under,
            audit_date,
            source: self.source.trim().to_owned(),
            tool: self.tool.trim().to_owned(),
        };
        record
            .validate(grouping)
            .map_err(|(field, problem)| format!("{}: {problem}", field.replace('_', " ")))?;
        Ok(record)
    }
}

/// The LL144 fields, *Record* and *Remove*; returns the edit to the session's record, if any.
pub fn ll144_ui(
    ui: &mut egui::Ui,
    draft: &mut Ll144Draft,
    recorded: Option<&BiasAuditRecord>,
    grouping: Option<&GroupingSpec>,
) -> Option<Edit> {
    draft.follow(recorded);
    let mut edit = None;
    ui.label(
        RichText::new(
            "NYC Local Law 144: the report's bias-audit section (impact ratios by sex, race/ethnicity and their intersections) needs these.",
        )
        .small()
        .weak(),
    );
    // Candidates: the grouping's attributes that are not binned.
    let names: Vec<String> = grouping
        .map(|g| {
            g.attributes
                .iter()
                .filter(|a| a.binning.is_none())
                .map(|a| a.name.clone())
                .collect()
        })
        .unwrap_or_default();
    egui::Grid::new("ll144-fields")
        .num_columns(2)
        .show(ui, |ui| {
            for (title, salt, value) in [
                ("Sex attribute", "ll144-sex", &mut draft.sex),
                ("Race/ethnicity", "ll144-race", &mut draft.race),
            ] {
                let label = ui.label(title);
                egui::ComboBox::from_id_salt(salt)
                    .selected_text(if value.is_empty() {
                        "choose…"
                    } else {
                        value.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for name in &names {
                            ui.selectable_value(value, name.clone(), name.as_str());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("Unknown values");
            ui.add(
                egui::TextEdit::multiline(&mut draft.unknown)
                    .desired_rows(2)
                    .hint_text("one per line, e.g. Unknown"),
            )
            .labelled_by(label.id);
            ui.end_row();
            for (title, hint, value) in [
                (
                    "Exclude under (%)",
                    "e.g. 2 (at most 2)",
                    &mut draft.exclude_under_percent,
                ),
                ("Audit date", "YYYY-MM-DD", &mut draft.audit_date),
                (
                    "Data source",
                    "historical data of the employer",
                    &mut draft.source,
                ),
                ("Tool", "the tool's name", &mut draft.tool),
            ] {
                let label = ui.label(title);
                ui.add(egui::TextEdit::singleline(value).hint_text(hint))
                    .labelled_by(label.id);
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        if ui
            .button("Record")
            .on_hover_text("Record these settings in the session (as `fulcrum session describe --sex … --race …`)")
            .clicked()
        {
            match grouping.map(|g| draft.record(g)) {
                Some(Ok(record)) => {
                    draft.problem = None;
                    if recorded != Some(&record) {
                        edit = Some(Edit::SetBiasAudit(Some(record)));
                    }
                }
                Some(Err(problem)) => draft.problem = Some(problem),
                None => draft.problem = Some("no data is loaded".to_owned()),
            }
        }
        if recorded.is_some() && ui.button("Remove").clicked() {
            edit = Some(Edit::SetBiasAudit(None));
        }
    });
    if let Some(problem) = &draft.problem {
        ui.label(RichText::new(problem.as_str()).color(WARNING));
    } else if let Some(record) = recorded {
        // The grouping may have changed since the record was made.
        if let Some(Err((field, problem))) = grouping.map(|g| record.validate(g)) {
            ui.label(
                RichText::new(format!(
                    "The recorded settings no longer fit the grouping ({}: {problem})",
                    field.replace('_', " ")
                ))
                .color(WARNING),
            );
        } else {
            let exclusion = record.exclude_under.map_or_else(
                || "every category is in the impact ratios".to_owned(),
                |share| {
                    format!(
                        "categories under {}% of the data are left out of the impact ratios",
                        percent_text(share)
                    )
                },
            );
            ui.label(
                RichText::new(format!(
                    "Recorded: the report has the LL144 section ({exclusion})."
                ))
                .small()
                .color(PASS),
            );
        }
    }
    edit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Ll144Draft {
        Ll144Draft {
            sex: "sex".to_owned(),
            race: "race".to_owned(),
            unknown: "Declined, not stated\n Unknown \n\n".to_owned(),
            exclude_under_percent: "1.7".to_owned(),
            audit_date: "2026-12-01".to_owned(),
            ..Ll144Draft::default()
        }
    }

    /// Unknown values are one per line (a value may hold a comma); the exclusion share is read
    /// in percent exactly as typed, and refused in percent.
    #[test]
    fn the_draft_becomes_the_record_the_command_line_would_write() {
        let grouping = GroupingSpec::by_names(&["sex", "race"]);
        let record = draft().record(&grouping).unwrap();
        assert_eq!(record.unknown, ["Declined, not stated", "Unknown"]);
        assert_eq!(record.exclude_under, Some(0.017));
        assert_eq!(record.audit_date.as_str(), "2026-12-01");
        let too_large = Ll144Draft {
            exclude_under_percent: "3".to_owned(),
            ..draft()
        };
        assert_eq!(
            too_large.record(&grouping).unwrap_err(),
            "exclude under: 3% is not above 0% and at most 2% (6 RCNY § 5-301(d))"
        );
        let ungrouped = draft()
            .record(&GroupingSpec::by_names(&["sex"]))
            .unwrap_err();
        assert!(
            ungrouped.starts_with("race: `race` is not a grouping attribute"),
            "{ungrouped}"
        );
        // A record read back into the draft gives the same record.
        let mut again = Ll144Draft::default();
        again.follow(Some(&record));
        assert_eq!(again.record(&grouping).unwrap(), record);
    }
}
