//! Older session formats and their migration to the current one.
//!
//! Schema 0 (Fulcrum's prototype) kept everything flat: one data file with its SHA-256, the
//! column names, one threshold for every group, criteria in today's text form, free-text notes
//! and an optional single approval:
//!
//! ```json
//! {"schema_version": 0, "data_file": "lending.csv", "data_sha256": "…",
//!  "score_column": "score", "label_column": "repaid", "group_columns": ["sex"],
//!  "threshold": 0.5, "criteria": ["demographic_parity_ratio >= 0.8"],
//!  "notes": "…", "approved_by": "A. Reviewer", "approved_on": "2025-06-30"}
//! ```
//!
//! Migration keeps every value; what schema 0 did not record takes today's defaults (rule `ge`,
//! native convention, largest group as reference, minimum count 100, no scenarios), and the
//! approval becomes a sign-off without a content digest (schema 0 had none).

use serde::Deserialize;

use super::criteria::Criterion;
use super::locate::Segment;
use super::signoff::{Decision, SignOff, SignOffDate};
use super::{DataFingerprint, SINGLE_MODEL_SCHEMA_VERSION, Session};
use crate::data::ColumnRoles;
use crate::engine::audit::DEFAULT_MIN_COUNT;
use crate::engine::thresholds::threshold_from_json;
use crate::engine::{Convention, DecisionRule, GroupingSpec, ReferenceChoice, ThresholdMap};

/// A schema-0 session as written by the prototype.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SessionV0 {
    /// Always 0.
    #[allow(
        dead_code,
        reason = "read to accept the field; the version is checked before"
    )]
    schema_version: u32,
    data_file: String,
    data_sha256: String,
    score_column: String,
    label_column: String,
    #[serde(default)]
    positive_label: Option<String>,
    #[serde(default)]
    group_columns: Vec<String>,
    #[serde(default)]
    weight_column: Option<String>,
    #[serde(deserialize_with = "threshold")]
    threshold: f64,
    #[serde(default)]
    criteria: Vec<Criterion>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    approved_by: Option<String>,
    #[serde(default)]
    approved_on: Option<SignOffDate>,
}

/// A threshold: a number, or `"inf"` / `"-inf"`.
fn threshold<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    threshold_from_json(&value).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "invalid threshold {value}: expected a number, \"inf\" or \"-inf\""
        ))
    })
}

impl SessionV0 {
    /// The same session in the current schema; fails (with the JSON path in the schema-0 file)
    /// only when an approval has no date.
    pub(super) fn migrate(self) -> Result<Session, (Vec<Segment>, String)> {
        let sign_offs = match (self.approved_by, self.approved_on) {
            (None, _) => Vec::new(),
            (Some(name), Some(date)) => vec![SignOff {
                name,
                role: String::new(),
                date,
                decision: Decision::Approved,
                comment: "Recorded by a schema-0 session (approved_by / approved_on).".into(),
                content_sha256: None,
            }],
            (Some(_), None) => {
                return Err((
                    vec![Segment::Key("approved_on".into())],
                    "`approved_by` needs the approval date in `approved_on` (YYYY-MM-DD)".into(),
                ));
            }
        };
        Ok(Session {
            schema_version: SINGLE_MODEL_SCHEMA_VERSION,
            title: String::new(),
            context: None,
            intended_use: String::new(),
            limitations: String::new(),
            bias_audit: None,
            population: None,
            data: DataFingerprint {
                path: self.data_file,
                sha256: self.data_sha256,
                rows: None,
                columns: Vec::new(),
            },
            roles: ColumnRoles {
                score: self.score_column,
                label: self.label_column,
                positive: self.positive_label,
                attributes: self.group_columns.clone(),
                weight: self.weight_column,
                models: Vec::new(),
            },
            drop_invalid: false,
            grouping: GroupingSpec::by_names(&self.group_columns),
            model: None,
            thresholds: ThresholdMap::uniform(self.threshold),
            rule: DecisionRule::AtLeast,
            convention: Convention::Native,
            reference: ReferenceChoice::Largest,
            min_count: DEFAULT_MIN_COUNT,
            criteria: self.criteria,
            scenarios: Vec::new(),
            frontier_constraint: None,
            evaluation: None,
            rationale: self.notes,
            sign_offs,
            base_directory: None,
            migrated_from: Some(0),
        })
    }
}
