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
use super::state::Edit;
use crate::engine::GroupingSpec;
use crate::session::context::BiasAuditRecord;
use crate::session::signoff::SignOffDate;

/// The LL144 fields being edited, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ll144Draft {
    /// The sex attribute's name (empty: none chosen).
    pub sex: String,
    /// The race/ethnicity attribute's name.
    pub race: String,
    /// Values meaning "unknown", comma-separated.
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
                unknown: record.unknown.join(", "),
                exclude_under_percent: record
                    .exclude_under
                    .map_or_else(String::new, |share| format!("{}", share * 100.0)),
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
        let exclude_under = match self.exclude_under_percent.trim() {
            "" => None,
            text => {
                let percent: f64 = text.trim_end_matches('%').trim().parse().map_err(|_| {
                    format!(
                        "exclude under: `{}` is not a percentage",
                        text.escape_debug()
                    )
                })?;
                Some(percent / 100.0)
            }
        };
        let unknown = self
            .unknown
            .split(',')
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
            for (title, hint, value) in [
                (
                    "Unknown values",
                    "e.g. Unknown, Declined",
                    &mut draft.unknown,
                ),
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
                        share * 100.0
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
