//! What a decision is used for, and what follows from it: a short, factual note per use context
//! for the report (background, not legal advice), the flag on thresholds that differ between
//! groups where employment law forbids them, and the NYC Local Law 144 tables of a hiring
//! decision recorded in a session.

use serde::{Deserialize, Serialize};

use super::signoff::SignOffDate;
use crate::engine::bias_audit::{
    BiasAudit, BiasAuditOptions, Cell, MAX_EXCLUDE_UNDER, ToolKind, bias_audit,
};
use crate::engine::grouping::level_label;
use crate::engine::{Audit, DecisionRule, GroupIndex, GroupingSpec};
use crate::optimize::{Constraint, Objective, OptimizeRequest, optimize};
use crate::progress::NoProgress;

/// The domain a decision is made in. Rules on group-specific thresholds differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UseContext {
    /// Hiring, promotion and other employment decisions.
    Employment,
    /// Lending and other credit decisions.
    Credit,
    /// Insurance underwriting and pricing.
    Insurance,
    /// Health care: triage, eligibility, care management.
    Health,
    /// Anything else.
    Other,
}

impl UseContext {
    /// Every context, for menus and messages.
    pub const ALL: [UseContext; 5] = [
        UseContext::Employment,
        UseContext::Credit,
        UseContext::Insurance,
        UseContext::Health,
        UseContext::Other,
    ];

    /// The name on the command line and in files.
    pub fn key(self) -> &'static str {
        match self {
            UseContext::Employment => "employment",
            UseContext::Credit => "credit",
            UseContext::Insurance => "insurance",
            UseContext::Health => "health",
            UseContext::Other => "other",
        }
    }

    /// The name in reports and the window.
    pub fn label(self) -> &'static str {
        match self {
            UseContext::Employment => "Employment",
            UseContext::Credit => "Credit",
            UseContext::Insurance => "Insurance",
            UseContext::Health => "Health",
            UseContext::Other => "Other",
        }
    }

    /// Whether thresholds that differ between groups are flagged wherever the decision is shown
    /// (employment: US law forbids different cutoff scores by protected class).
    pub fn flags_group_thresholds(self) -> bool {
        self == UseContext::Employment
    }

    /// A short, factual note on the rules of this context, for the report. Background to check
    /// with counsel, not legal advice.
    pub fn note(self) -> &'static str {
        match self {
            UseContext::Employment => {
                "In US employment, Title VII of the Civil Rights Act, § 703(l) (42 U.S.C. § 2000e-2(l)), makes it unlawful to adjust the scores of, use different cutoff scores for, or otherwise alter the results of employment-related tests on the basis of race, color, religion, sex or national origin. The EEOC's Uniform Guidelines (29 CFR 1607.4(D)) treat a selection rate under four fifths of the highest group's as evidence of adverse impact, read together with statistical and practical significance. In New York City, Local Law 144 requires a yearly independent bias audit of automated employment decision tools, with its summary published (6 RCNY §§ 5-300 – 5-304)."
            }
            UseContext::Credit => {
                "In US credit, the Equal Credit Opportunity Act and Regulation B (12 CFR part 1002) prohibit discrimination on the basis of race, color, religion, national origin, sex, marital status or age (among other grounds) in any aspect of a credit transaction, and require creditors to give applicants the specific reasons for an adverse action (12 CFR 1002.9). Treating applicants differently by a protected characteristic, including through group-specific cut-offs, is disparate treatment under these rules."
            }
            UseContext::Insurance => {
                "Insurance is regulated by each US state. State laws generally prohibit unfair discrimination between individuals of the same risk class, and several restrict the use of protected characteristics, or of external data and algorithms that act as proxies for them (for example Colorado's SB21-169)."
            }
            UseContext::Health => {
                "In US health care, Section 1557 of the Affordable Care Act prohibits discrimination on the basis of race, color, national origin, sex, age or disability in covered programs, and its 2024 rule (45 CFR 92.210) requires covered entities to identify and mitigate the risk of discrimination from patient care decision support tools."
            }
            UseContext::Other => {
                "No specific context is declared. Which rules apply, and whether thresholds may differ between groups, depends on the decision and the jurisdiction."
            }
        }
    }
}

impl std::fmt::Display for UseContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for UseContext {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.key() == text.trim())
            .ok_or_else(|| {
                format!(
                    "unknown context `{text}`; expected one of {}",
                    Self::ALL.map(UseContext::key).join(", ")
                )
            })
    }
}

/// The note shown when a session declares no context.
pub const NO_CONTEXT_NOTE: &str = "No use context is recorded (fulcrum session describe --context employment, credit, insurance, health or other). Whether thresholds may differ between groups depends on it.";

/// Whether a decision's thresholds (one per group, bitwise) are not all the same.
pub fn thresholds_differ(resolved: &[f64]) -> bool {
    resolved
        .split_first()
        .is_some_and(|(first, rest)| rest.iter().any(|t| t.to_bits() != first.to_bits()))
}

/// One threshold for every group, the most accurate, shown beside a decision whose thresholds
/// differ between groups where the context forbids that: what the single-threshold alternative
/// costs and gives.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleThresholdAlternative {
    /// The threshold (±∞ selects nobody / everybody).
    pub threshold: f64,
    /// The audit at that threshold for every group, with the session's options.
    pub audit: Audit,
}

/// The most accurate single threshold on `index` under `rule` (every distinct score tried,
/// exactly); `None` when the index has no groups or no weight.
pub fn best_single_threshold(index: &GroupIndex, rule: DecisionRule) -> Option<f64> {
    let request = OptimizeRequest {
        constraint: Constraint::Single,
        tolerance: 0.0,
        objective: Objective::Accuracy,
        capacity: None,
        rule,
    };
    optimize(index, &request, &NoProgress)
        .ok()
        .and_then(|solution| solution.thresholds.first().copied())
}

/// The single-threshold alternative of a session's decision: the most accurate single threshold
/// chosen on `fit` and audited on `evaluate` (the same index without an evaluation split). `None`
/// unless the session's context flags group thresholds and `decision_thresholds` differ.
pub fn single_threshold_alternative(
    session: &super::Session,
    decision_thresholds: &[f64],
    fit: &GroupIndex,
    evaluate: &GroupIndex,
) -> Option<SingleThresholdAlternative> {
    if !session
        .context
        .is_some_and(UseContext::flags_group_thresholds)
        || !thresholds_differ(decision_thresholds)
    {
        return None;
    }
    let threshold = best_single_threshold(fit, session.rule)?;
    let thresholds = vec![threshold; evaluate.len()];
    let audit = crate::engine::audit(evaluate, &thresholds, &session.audit_options()).ok()?;
    Some(SingleThresholdAlternative { threshold, audit })
}

/// The settings of a session's NYC Local Law 144 section: which grouping attributes hold sex and
/// race/ethnicity, the auditor's choices, and the facts the summary states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiasAuditRecord {
    /// The sex attribute (one of the grouping attributes).
    pub sex: String,
    /// The race/ethnicity attribute (one of the grouping attributes).
    pub race: String,
    /// Values meaning "unknown", besides missing values (as the data spells them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// Leave categories under this share of the data out of the impact ratios (≤ 0.02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_under: Option<f64>,
    /// The date of the bias audit.
    pub audit_date: SignOffDate,
    /// Where the data came from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The tool's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tool: String,
}

impl BiasAuditRecord {
    /// Checks the record against the session's grouping: both attributes grouped, distinct, not
    /// binned, no level left out and no groups merged (the tables must count everyone), and an
    /// exclusion share the rule allows. Returns the field at fault and why.
    pub fn validate(&self, grouping: &GroupingSpec) -> Result<(), (&'static str, String)> {
        if self.sex == self.race {
            return Err((
                "race",
                format!(
                    "sex and race/ethnicity both name `{}`; they must be two attributes",
                    self.sex
                ),
            ));
        }
        for (field, name) in [("sex", &self.sex), ("race", &self.race)] {
            let Some(attribute) = grouping.attributes.iter().find(|a| &a.name == name) else {
                return Err((
                    field,
                    format!(
                        "`{name}` is not a grouping attribute; the LL144 tables are summed from the session's groups, so group by it (--group …,{name})"
                    ),
                ));
            };
            if attribute.binning.is_some() {
                return Err((
                    field,
                    format!("`{name}` is binned; its categories must be its own values"),
                ));
            }
            if !attribute.excluded_levels.is_empty() {
                return Err((
                    field,
                    format!(
                        "levels of `{name}` are left out of the grouping; the LL144 tables must count everyone (mark values unknown instead)"
                    ),
                ));
            }
        }
        if grouping.merge_below.is_some() {
            return Err((
                "sex",
                "the grouping merges small groups, which would hide LL144 categories; the LL144 tables need every group".to_owned(),
            ));
        }
        if let Some(limit) = self.exclude_under
            && !(limit > 0.0 && limit <= MAX_EXCLUDE_UNDER)
        {
            return Err((
                "exclude_under",
                format!("{limit} is not above 0 and at most 0.02 (6 RCNY § 5-301(d))"),
            ));
        }
        Ok(())
    }

    /// The LL144 tables of a selection decision from its audits: each group's applicants and
    /// selections, summed over the other grouping attributes. Pass every audit whose rows
    /// together make the data (the fit and evaluation rows of a split): their groups are added.
    pub fn tables(
        &self,
        attribute_names: &[String],
        audits: &[&Audit],
    ) -> Result<BiasAudit, String> {
        let position = |name: &str| {
            attribute_names
                .iter()
                .position(|a| a == name)
                .ok_or_else(|| format!("`{name}` is not a grouping attribute of this data"))
        };
        let (sex, race) = (position(&self.sex)?, position(&self.race)?);
        let mut cells: Vec<Cell> = Vec::new();
        for group in audits.iter().flat_map(|a| &a.groups) {
            let (Some(sex), Some(race)) = (group.levels.get(sex), group.levels.get(race)) else {
                continue;
            };
            let (applicants, selected) = (group.counts.total(), group.counts.selected());
            match cells.iter_mut().find(|c| &c.sex == sex && &c.race == race) {
                Some(cell) => {
                    cell.applicants += applicants;
                    cell.selected += selected;
                }
                None => cells.push(Cell {
                    sex: sex.clone(),
                    race: race.clone(),
                    applicants,
                    selected,
                }),
            }
        }
        let options = BiasAuditOptions {
            unknown: self
                .unknown
                .iter()
                .map(|u| level_label(u).into_owned())
                .collect(),
            exclude_under: self.exclude_under,
        };
        bias_audit(ToolKind::Selection, None, &cells, &options).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_parse_and_only_employment_flags_group_thresholds() {
        for context in UseContext::ALL {
            assert_eq!(context.key().parse::<UseContext>(), Ok(context));
            assert!(!context.note().is_empty());
        }
        assert!(
            "hiring"
                .parse::<UseContext>()
                .unwrap_err()
                .contains("employment, credit")
        );
        assert!(UseContext::Employment.flags_group_thresholds());
        assert!(!UseContext::Credit.flags_group_thresholds());
        assert!(UseContext::Employment.note().contains("703(l)"));
    }

    #[test]
    fn thresholds_differ_bitwise() {
        assert!(!thresholds_differ(&[0.5, 0.5, 0.5]));
        assert!(thresholds_differ(&[0.5, 0.5, 0.6]));
        assert!(thresholds_differ(&[f64::INFINITY, 0.5]));
        assert!(!thresholds_differ(&[f64::INFINITY, f64::INFINITY]));
        assert!(!thresholds_differ(&[]));
    }

    #[test]
    fn a_record_must_name_two_plain_grouping_attributes() {
        let record = |sex: &str, race: &str| BiasAuditRecord {
            sex: sex.into(),
            race: race.into(),
            unknown: Vec::new(),
            exclude_under: None,
            audit_date: "2026-12-01".parse().unwrap(),
            source: String::new(),
            tool: String::new(),
        };
        let grouping = GroupingSpec::by_names(&["sex", "race", "age"]);
        assert_eq!(record("sex", "race").validate(&grouping), Ok(()));
        assert_eq!(
            record("sex", "sex").validate(&grouping).unwrap_err().0,
            "race"
        );
        let missing = record("gender", "race").validate(&grouping).unwrap_err();
        assert_eq!(missing.0, "sex");
        assert!(missing.1.contains("--group"), "{}", missing.1);
        let mut merged = grouping.clone();
        merged.merge_below = Some(10.0);
        assert!(record("sex", "race").validate(&merged).is_err());
        let mut bad = record("sex", "race");
        bad.exclude_under = Some(0.05);
        assert_eq!(bad.validate(&grouping).unwrap_err().0, "exclude_under");
    }
}
