//! Sessions: a decision recorded so a governance team can sign it and re-check it later — which
//! data (path and SHA-256 fingerprint), which columns and groups, which thresholds, the
//! acceptance criteria, the scenarios considered, the rationale and who signed off.
//!
//! A session is a JSON file with a `schema_version`. [`Session::load`] migrates older versions
//! (see [`migrate`]), refuses newer ones, and reports a broken file with its line, column and
//! JSON path; it never returns a half-loaded session. [`Session::save`] writes atomically.
//!
//! Relative data paths are relative to the session file's directory, so a folder holding a
//! session and its data can move as a whole.
//!
//! # Schema 2
//!
//! ```json
//! {
//!   "schema_version": 2,
//!   "title": "Consumer loans — Q3 cut-offs",                   // optional
//!   "context": "employment",              // optional: employment, credit, insurance, health, other
//!   "intended_use": "…", "limitations": "…",                  // optional, the model-card summary
//!   "bias_audit": {"sex": "sex", "race": "race", "unknown": ["Unknown"],   // optional: LL144
//!                  "exclude_under": 0.02, "audit_date": "2026-12-01",
//!                  "source": "…", "tool": "…"},
//!   "data": {"path": "lending.csv", "sha256": "470a…", "rows": 30000,
//!            "columns": [{"name": "score", "type": "f64"}, …]},
//!   "roles": {"score": "score", "label": "repaid", "positive": "yes",   // positive, weight optional
//!             "attributes": ["sex", "race"], "weight": "count"},
//!   "drop_invalid": true,                                     // optional, default false
//!   "grouping": {"attributes": [{"name": "sex"},
//!                               {"name": "income", "binning": {"kind": "edges", "edges": [25000, 50000]},
//!                                "excluded_levels": ["(missing)"]}],
//!                "merge_below": 50},                           // optional
//!   "thresholds": {"default": 0.5, "Female × Black": 0.46, "Male × Other": "inf"},
//!   "rule": "ge", "convention": "native", "reference": "largest", "min_count": 100.0,
//!   "criteria": ["equal_opportunity_difference <= 0.05", "fpr_disparity within [0.8, 1.25]"],
//!   "scenarios": [{"name": "Production today", "thresholds": {"default": 0.5},
//!                  "baseline": true, "note": "…"}],            // baseline, note optional
//!   "frontier_constraint": "equal_opportunity",               // optional
//!   "rationale": "…",
//!   "sign_offs": [{"name": "Ada", "role": "Model risk", "date": "2026-11-20",
//!                  "decision": "approved_with_conditions", "comment": "…",
//!                  "content_sha256": "…"}]
//! }
//! ```
//!
//! Schema 1 is the same without `context`, `intended_use`, `limitations` and `bias_audit`; it
//! loads as it is (and a schema-1 file holding one of them is refused). Sign-off digests are
//! taken as schema 1 ([`Session::content_digest`]), so a schema-1 sign-off still covers its
//! session.
//!
//! # Schema 3: several models
//!
//! A session comparing models (issue 15) records them in `roles.models` (each `{"name",
//! "score"}`, the first scoring with `roles.score`), the decision's model in `model`, and each
//! scenario's in its own `model`:
//!
//! ```json
//! {"schema_version": 3,
//!  "roles": {"score": "score", "label": "repaid", "attributes": ["race"],
//!            "models": [{"name": "production", "score": "score"},
//!                       {"name": "candidate", "score": "score_v2"}]},
//!  "model": "candidate",
//!  "thresholds": {"default": 0.55},
//!  "scenarios": [{"name": "Production today", "model": "production",
//!                 "thresholds": {"default": 0.5}, "baseline": true}], …}
//! ```
//!
//! A session is written at the lowest schema that holds it: one without models is still a
//! schema-2 file (older Fulcrum versions read it), one with models is schema 3. A schema-2 file
//! holding a schema-3 field is refused. Digests are unchanged for sessions without models.
//!
//! Unknown fields are refused (a misspelt field is an error, not silently dropped). `thresholds`
//! is the decision under sign-off; scenarios are alternatives, at most one the baseline of
//! `accuracy_drop`. A sign-off's `content_sha256` is [`Session::content_digest`] when it was
//! made, so the report can tell whether it still covers the session.

pub mod context;
pub mod criteria;
pub mod discovery;
pub mod drift;
mod error;
pub mod evaluate;
pub mod locate;
pub mod migrate;
pub mod scenario;
pub mod signoff;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use context::{BiasAuditRecord, UseContext};
pub use criteria::{Criterion, CriterionError, CriterionResult, Outcome, evaluate_criteria};
pub use drift::{DatasetComparison, GroupDrift, compare_datasets};
pub use error::SessionError;
pub use evaluate::{
    DataChoice, EvaluateOptions, EvaluatedData, FitComparison, FrontierSummary, GapAccuracy,
    SessionEvaluation, SplitIndexes, evaluate_session, evaluate_split,
};
pub use scenario::{KeyMatching, Scenario, ScenarioComparison, ScenarioResult, compare_scenarios};
pub use signoff::{Decision, SignOff, SignOffDate};

use crate::analysis::Analysis;
use crate::data::fingerprint::{hex, sha256_dataset};
use crate::data::{ColumnRoles, LoadOptions};
use crate::engine::audit::DEFAULT_MIN_COUNT;
use crate::engine::{
    AuditOptions, Convention, DecisionRule, GroupingSpec, ReferenceChoice, ThresholdMap,
};
use crate::optimize::Constraint;
use locate::Segment;

/// The newest session format this build reads and writes. Older versions are migrated on
/// load; a session is written at the lowest version that holds it
/// ([`Session::schema_needed`]).
pub const SCHEMA_VERSION: u32 = 3;

/// The version of sessions without models: what every session was before schema 3.
pub const SINGLE_MODEL_SCHEMA_VERSION: u32 = 2;

/// The fields schema 2 added (use context, model-card text, the LL144 section). A schema-1 file
/// holding one is refused: it was not written by a Fulcrum that knew what the field means.
pub const SCHEMA_2_FIELDS: [&str; 4] = ["context", "intended_use", "limitations", "bias_audit"];

/// The fields schema 3 added, as JSON paths: the models compared (`roles.models`), the
/// decision's model (`model`), each scenario's (`scenarios[i].model`), and the expected
/// population shares (`population`).
pub const SCHEMA_3_FIELDS: [&str; 4] = ["roles.models", "model", "scenarios[].model", "population"];

/// The schema version a sign-off's content digest is taken at. It stays 1 while the session
/// format only gains optional fields, so a sign-off made on a schema-1 session still covers the
/// same session read by a newer Fulcrum (the new fields are absent from both serializations).
const DIGEST_SCHEMA_VERSION: u32 = 1;

/// A column of the data file as fingerprinted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnFingerprint {
    /// Column name.
    pub name: String,
    /// The type the loader inferred (`f64`, `i64`, `str`, …).
    #[serde(rename = "type")]
    pub dtype: String,
}

/// Which data file a session was made on, and how to recognise it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFingerprint {
    /// The file, relative to the session file's directory unless absolute.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Rows in the file (not recorded by schema-0 sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Every column of the file, in file order (not recorded by schema-0 sessions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnFingerprint>,
}

/// Whether a session's data file is still the one it was made on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataStatus {
    /// Present, with the recorded SHA-256.
    Ok,
    /// No file at this path.
    Missing(PathBuf),
    /// Present, with other contents.
    Changed {
        /// The SHA-256 recorded in the session.
        expected: String,
        /// The SHA-256 of the file now.
        actual: String,
    },
    /// Present but not readable.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
}

/// Where a session's evaluation rows come from: rows its thresholds were not chosen on, so the
/// criteria a team signs hold beyond the rows that were tuned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvaluationSplit {
    /// A share of the session's own rows held out at random, stratified by group and label
    /// ([`crate::engine::split::holdout_mask`]); the rest are the fit rows.
    Holdout {
        /// The share held out, strictly between 0 and 1.
        fraction: f64,
        /// The split's seed: the same seed and data give the same split.
        seed: u64,
    },
    /// Every row of another file with the same columns (fingerprinted like the data).
    File {
        /// The file, relative to the session file's directory unless absolute, and its SHA-256.
        data: DataFingerprint,
    },
}

impl EvaluationSplit {
    /// In words, for reports: "30% of the rows held out at random (…, seed 7)".
    pub fn description(&self) -> String {
        match self {
            EvaluationSplit::Holdout { fraction, seed } => format!(
                "{}% of the rows held out at random (stratified by group and label, seed {seed})",
                (fraction * 100.0 * 1e6).round() / 1e6
            ),
            EvaluationSplit::File { data } => format!("the rows of {}", data.path),
        }
    }
}

/// A recorded decision: data, mapping, grouping, thresholds, criteria, scenarios, rationale and
/// sign-offs. See the module documentation for the file format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// The file format version: [`SCHEMA_VERSION`] for every session in memory.
    pub schema_version: u32,
    /// A short name for the decision (`Loan approvals, Q3 model`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// What the decision is used for (schema 2): decides the report's note on the rules, and
    /// whether thresholds that differ between groups are flagged (employment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<UseContext>,
    /// What the model and thresholds are for, and not for (schema 2; the report's model-card
    /// summary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intended_use: String,
    /// Known limitations, in the team's words (schema 2; the model-card summary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub limitations: String,
    /// The NYC Local Law 144 section of the report (schema 2): which grouping attributes are
    /// sex and race/ethnicity, and the auditor's choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias_audit: Option<BiasAuditRecord>,
    /// Expected population shares (schema 3), as `fulcrum profile --population` reads them:
    /// attribute key (`sex`, or `sex × race` for an intersection) → group key → share. The
    /// report's data profile judges each group's representation against them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<BTreeMap<String, BTreeMap<String, f64>>>,
    /// The data file and its fingerprint.
    pub data: DataFingerprint,
    /// Which column plays which role.
    pub roles: ColumnRoles,
    /// Whether rows with missing or invalid values were dropped when loading.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_invalid: bool,
    /// How rows are grouped (attributes, bins, exclusions).
    pub grouping: GroupingSpec,
    /// The model whose scores the decision's thresholds apply to, by name (schema 3); `None`:
    /// the first model (the only one, without `roles.models`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The decision: thresholds by group key, with an optional `"default"`.
    #[serde(with = "threshold_map_serde")]
    pub thresholds: ThresholdMap,
    /// `ge` or `gt`.
    #[serde(default)]
    pub rule: DecisionRule,
    /// Whose conventions the numbers follow.
    #[serde(default)]
    pub convention: Convention,
    /// Reference group for disparities: `largest`, `min` or a group key.
    #[serde(default)]
    pub reference: ReferenceChoice,
    /// Groups (and rate denominators) lighter than this are flagged small.
    #[serde(default = "default_min_count")]
    pub min_count: f64,
    /// Acceptance criteria, in their text form.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// Alternatives considered, at most one marked baseline.
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    /// The gap constraint the report's frontier is drawn for; by default the first criterion
    /// about a gap decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier_constraint: Option<Constraint>,
    /// Which rows the criteria are judged on when they are not the rows the thresholds were
    /// chosen on: a held-out share of the data, or another file. `None`: the same rows (the
    /// report then says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationSplit>,
    /// Why these thresholds and this metric.
    #[serde(default)]
    pub rationale: String,
    /// Who signed, in order.
    #[serde(default)]
    pub sign_offs: Vec<SignOff>,
    /// Where relative data paths are resolved from: the directory of the file the session was
    /// loaded from (`None`: the working directory). Not stored.
    #[serde(skip)]
    pub base_directory: Option<PathBuf>,
    /// The schema version the file had, when it was migrated on load. Not stored.
    #[serde(skip)]
    pub migrated_from: Option<u32>,
}

fn default_min_count() -> f64 {
    DEFAULT_MIN_COUNT
}

/// Serde for [`ThresholdMap`] in its `audit --thresholds` JSON form.
pub(crate) mod threshold_map_serde {
    use serde::{Deserialize as _, Serialize as _};

    use crate::engine::ThresholdMap;

    /// Writes `{"default": 0.5, "Male": "inf"}`.
    pub fn serialize<S: serde::Serializer>(
        map: &ThresholdMap,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        map.to_json().serialize(serializer)
    }

    /// Reads the same form.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<ThresholdMap, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        ThresholdMap::from_json(&value).map_err(serde::de::Error::custom)
    }
}

impl Session {
    /// A new session on loaded data with the decision's thresholds and audit options; the data
    /// file is fingerprinted (SHA-256, rows, columns) and the thresholds and reference group
    /// are checked against the groups.
    ///
    /// Quantile bins are frozen to the edges they have on this data, so the same groups (and
    /// threshold keys) apply when the session is checked on newer data. `drop_invalid` is set
    /// when the loader dropped rows; set it yourself if the data was loaded with it regardless.
    pub fn new(
        analysis: &Analysis,
        thresholds: ThresholdMap,
        options: &AuditOptions,
    ) -> Result<Session, SessionError> {
        let data = fingerprint_file(&analysis.data.path, analysis.data.rows_read)?;
        Self::from_fingerprint(
            data,
            analysis,
            frozen_grouping(analysis),
            thresholds,
            options,
        )
    }

    /// [`Session::new`] from a fingerprint already taken ([`fingerprint_file`], which reads the
    /// whole file: the window takes it on a worker thread after the first frame) and the
    /// grouping already frozen ([`freeze_grouping`]).
    pub fn from_fingerprint(
        data: DataFingerprint,
        analysis: &Analysis,
        grouping: GroupingSpec,
        thresholds: ThresholdMap,
        options: &AuditOptions,
    ) -> Result<Session, SessionError> {
        let session = Session {
            schema_version: SCHEMA_VERSION,
            title: String::new(),
            context: None,
            intended_use: String::new(),
            limitations: String::new(),
            bias_audit: None,
            population: None,
            data,
            roles: analysis.data.roles.clone(),
            drop_invalid: analysis.data.rows_dropped > 0,
            grouping,
            model: analysis
                .has_models()
                .then(|| analysis.current_model().map(|m| m.name.clone()))
                .flatten(),
            thresholds,
            rule: options.rule,
            convention: options.convention,
            reference: options.reference.clone(),
            min_count: options.min_count,
            criteria: Vec::new(),
            scenarios: Vec::new(),
            frontier_constraint: None,
            evaluation: None,
            rationale: String::new(),
            sign_offs: Vec::new(),
            base_directory: None,
            migrated_from: None,
        };
        let mut session = session;
        session.schema_version = session.schema_needed();
        compare_scenarios(&session, &analysis.model_indexes(), KeyMatching::Strict)?;
        Ok(session)
    }

    /// Reads a session file: migrates older schema versions, refuses newer ones, and reports a
    /// broken file precisely (line, column, JSON path, expected vs found).
    pub fn load(path: &Path) -> Result<Session, SessionError> {
        let bytes = std::fs::read(path).map_err(|e| SessionError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| SessionError::Unreadable {
            path: path.to_path_buf(),
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        let mut session = Self::from_json(&text, path)?;
        session.base_directory = Some(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        );
        Ok(session)
    }

    /// Parses a session from its JSON text; `path` names the file in messages.
    pub fn from_json(text: &str, path: &Path) -> Result<Session, SessionError> {
        let text = crate::json_text::without_byte_order_mark(text);
        let value: Value = crate::json_text::parse_strict(text).map_err(|e| {
            let offset = locate::offset_of_line_column(text, e.line(), e.column());
            SessionError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: serde_message(&e),
                excerpt: locate::excerpt(text, offset.saturating_sub(1)),
            }
        })?;
        let not_a_session = |message: String| SessionError::NotASession {
            path: path.to_path_buf(),
            message,
        };
        let Value::Object(object) = &value else {
            return Err(not_a_session(format!(
                "the top level is {}, expected an object with \"schema_version\"",
                json_kind(&value)
            )));
        };
        let Some(version) = object.get("schema_version") else {
            return Err(not_a_session(
                "there is no \"schema_version\" field (sessions written by Fulcrum have one)"
                    .into(),
            ));
        };
        let Some(version) = version.as_u64() else {
            let segments = [Segment::Key("schema_version".into())];
            return Err(invalid_at(
                text,
                path,
                &segments,
                format!("expected a whole number ≥ 0, found {version}"),
            ));
        };
        if version > u64::from(SCHEMA_VERSION) {
            return Err(SessionError::FutureVersion {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if let Err((segments, message)) = check_syntax(&value, version) {
            return Err(invalid_at(text, path, &segments, message));
        }
        let typed = |e: serde_json::Error| typed_error(text, path, &e);
        if version < 3
            && let Some(field) = schema_3_field_in(object)
        {
            return Err(invalid_at(
                text,
                path,
                &field,
                format!(
                    "`{}` belongs to session schema 3 (several models, population shares), but this file says \"schema_version\": {version}",
                    locate::render_path(&field)
                ),
            ));
        }
        let session = if version == 0 {
            let old: migrate::SessionV0 = serde_json::from_str(text).map_err(typed)?;
            old.migrate()
                .map_err(|(segments, message)| invalid_at(text, path, &segments, message))?
        } else {
            if version == 1
                && let Some(field) = SCHEMA_2_FIELDS.iter().find(|f| object.contains_key(**f))
            {
                return Err(invalid_at(
                    text,
                    path,
                    &[Segment::Key((*field).to_owned())],
                    format!(
                        "`{field}` belongs to session schema 2, but this file says \"schema_version\": 1"
                    ),
                ));
            }
            let mut session = serde_json::from_str::<Session>(text).map_err(typed)?;
            // Schema 1 is schema 2 without its optional fields, and schema 2 is schema 3
            // without models: each reads as it is. A session is the lowest schema that holds
            // it, so a schema-2 file stays schema 2.
            let needed = session.schema_needed();
            session.schema_version = needed;
            session.migrated_from = (version < u64::from(needed)).then_some(version as u32);
            session
        };
        if let Err((segments, message)) = session.validate() {
            // Paths name current-schema fields; in a migrated file they may not exist.
            return Err(invalid_at(text, path, &segments, message));
        }
        Ok(session)
    }

    /// Checks what types alone cannot: a SHA-256 that is one, unique non-empty scenario names,
    /// at most one baseline, a usable minimum count, signers with names. Returns the JSON path
    /// of the first problem and what is wrong.
    pub fn validate(&self) -> Result<(), (Vec<Segment>, String)> {
        let key = |k: &str| Segment::Key(k.to_owned());
        let sha = &self.data.sha256;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err((
                vec![key("data"), key("sha256")],
                format!("expected a SHA-256 (64 hexadecimal digits), found `{sha}`"),
            ));
        }
        if self.data.path.trim().is_empty() {
            return Err((
                vec![key("data"), key("path")],
                "the data path is empty".into(),
            ));
        }
        if !(self.min_count.is_finite() && self.min_count >= 0.0) {
            return Err((
                vec![key("min_count")],
                format!("expected a number ≥ 0, found {}", self.min_count),
            ));
        }
        match &self.evaluation {
            Some(EvaluationSplit::Holdout { fraction, .. })
                if !(fraction.is_finite() && *fraction > 0.0 && *fraction < 1.0) =>
            {
                return Err((
                    vec![key("evaluation"), key("fraction")],
                    format!("expected a share strictly between 0 and 1, found {fraction}"),
                ));
            }
            Some(EvaluationSplit::File { data }) => {
                let sha = &data.sha256;
                if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err((
                        vec![key("evaluation"), key("data"), key("sha256")],
                        format!("expected a SHA-256 (64 hexadecimal digits), found `{sha}`"),
                    ));
                }
            }
            _ => {}
        }
        if let Some(population) = &self.population
            && let Err(problem) = expected_shares_of(population)
        {
            return Err((vec![key("population")], problem));
        }
        if let Err(message) = self.roles.check_models() {
            return Err((vec![key("roles"), key("models")], message));
        }
        if let Some(model) = &self.model
            && self.model_position(Some(model)).is_none()
        {
            return Err((vec![key("model")], self.unknown_model(model)));
        }
        let mut baseline: Option<usize> = None;
        for (position, scenario) in self.scenarios.iter().enumerate() {
            let at = |field: &str| vec![key("scenarios"), Segment::Index(position), key(field)];
            if let Some(model) = &scenario.model
                && self.model_position(Some(model)).is_none()
            {
                return Err((at("model"), self.unknown_model(model)));
            }
            if scenario.name.trim().is_empty() {
                return Err((at("name"), "a scenario needs a name".into()));
            }
            if scenario.name == scenario::DECISION_NAME {
                return Err((
                    at("name"),
                    format!(
                        "`{}` is reserved for the session's own thresholds; name the scenario otherwise",
                        scenario::DECISION_NAME
                    ),
                ));
            }
            if let Some(first) = self.scenarios.iter().position(|s| s.name == scenario.name)
                && first != position
            {
                return Err((
                    at("name"),
                    format!(
                        "the scenario name `{}` is already used by scenarios[{first}]",
                        scenario.name
                    ),
                ));
            }
            if scenario.baseline {
                if let Some(first) = baseline {
                    return Err((
                        at("baseline"),
                        format!(
                            "only one scenario can be the baseline, and scenarios[{first}] already is"
                        ),
                    ));
                }
                baseline = Some(position);
            }
        }
        if let Some(record) = &self.bias_audit
            && let Err((field, message)) = record.validate(&self.grouping)
        {
            return Err((vec![key("bias_audit"), key(field)], message));
        }
        for (position, entry) in self.sign_offs.iter().enumerate() {
            if entry.name.trim().is_empty() {
                return Err((
                    vec![key("sign_offs"), Segment::Index(position), key("name")],
                    "a sign-off needs the signer's name".into(),
                ));
            }
        }
        Ok(())
    }

    /// Writes the session to `path` atomically, as pretty JSON with the current schema
    /// version. A relative data path is rewritten relative to `path`'s directory, so the saved
    /// file still finds the data.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        self.validate()
            .map_err(|(segments, message)| SessionError::Inconsistent {
                location: locate::render_path(&segments),
                message,
            })?;
        let mut copy = self.clone();
        copy.schema_version = self.schema_needed();
        copy.data.path = self.stored_relative_to(&self.data.path, path);
        if let Some(EvaluationSplit::File { data }) = &mut copy.evaluation {
            data.path = self.stored_relative_to(&data.path, path);
        }
        let mut text =
            serde_json::to_string_pretty(&copy).map_err(|e| SessionError::Unwritable {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        text.push('\n');
        crate::atomic::write_atomically(path, text.as_bytes()).map_err(|e| {
            SessionError::Unwritable {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        })
    }

    /// The data file's path, resolved against the session's directory.
    pub fn data_path(&self) -> PathBuf {
        self.resolve(&self.data.path)
    }

    /// A path as stored in the session, resolved against the session's directory.
    pub fn resolve(&self, stored: &str) -> PathBuf {
        let stored = Path::new(stored);
        match &self.base_directory {
            Some(base) if stored.is_relative() => base.join(stored),
            _ => stored.to_path_buf(),
        }
    }

    /// A stored path as it should be written in a session file at `session_file`.
    fn stored_relative_to(&self, stored: &str, session_file: &Path) -> String {
        let directory = session_file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        stored_path(
            &self.resolve(stored),
            directory,
            Path::new(stored).is_absolute(),
        )
    }

    /// Whether the data file is where the session says, with the recorded contents.
    pub fn check_data(&self) -> DataStatus {
        let path = self.data_path();
        match sha256_dataset(&path) {
            Ok(actual) if actual == self.data.sha256 => DataStatus::Ok,
            Ok(actual) => DataStatus::Changed {
                expected: self.data.sha256.clone(),
                actual,
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DataStatus::Missing(path),
            Err(e) => DataStatus::Unreadable {
                path,
                message: e.to_string(),
            },
        }
    }

    /// The data file's path, if it is where the session says with the recorded contents; else
    /// the error saying what is wrong. Everything that records or re-evaluates a decision
    /// (scenarios, sign-offs, reports on the recorded data) asks this first, so none of them
    /// stands on evidence that changed or vanished.
    pub fn verify_data(&self) -> Result<PathBuf, SessionError> {
        match self.check_data() {
            DataStatus::Ok => Ok(self.data_path()),
            DataStatus::Missing(path) => Err(SessionError::DataMissing { path }),
            DataStatus::Unreadable { path, message } => {
                Err(SessionError::DataUnreadable { path, message })
            }
            DataStatus::Changed { expected, actual } => Err(SessionError::DataChanged {
                path: self.data_path(),
                expected,
                actual,
            }),
        }
    }

    /// Points the session at its data's new location; refused unless the file there has the
    /// recorded SHA-256 (use [`replace_data`](Self::replace_data) to adopt different data).
    pub fn relocate_data(&mut self, new_path: &Path) -> Result<(), SessionError> {
        let actual = sha256_dataset(new_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SessionError::DataMissing {
                path: new_path.to_path_buf(),
            },
            _ => SessionError::DataUnreadable {
                path: new_path.to_path_buf(),
                message: e.to_string(),
            },
        })?;
        if actual != self.data.sha256 {
            return Err(SessionError::DataChanged {
                path: new_path.to_path_buf(),
                expected: self.data.sha256.clone(),
                actual,
            });
        }
        self.data.path = self.path_from_working_directory(new_path);
        Ok(())
    }

    /// Records different data as the session's (new fingerprint, same mapping). Sign-offs made
    /// before no longer cover the session, since their digest includes the data's SHA-256.
    pub fn replace_data(&mut self, analysis: &Analysis) -> Result<(), SessionError> {
        let mut data = fingerprint_file(&analysis.data.path, analysis.data.rows_read)?;
        data.path = self.path_from_working_directory(&analysis.data.path);
        self.data = data;
        self.roles = analysis.data.roles.clone();
        self.grouping = analysis.grouping.clone();
        Ok(())
    }

    /// Takes over what changes while exploring the same data — the grouping (quantile bins
    /// frozen, as in [`Session::new`]), the decision's thresholds and the audit options —
    /// without fingerprinting the data again (the window calls this before saving or signing).
    pub fn refresh(
        &mut self,
        analysis: &Analysis,
        thresholds: ThresholdMap,
        options: &AuditOptions,
    ) {
        self.refresh_frozen(frozen_grouping(analysis), thresholds, options);
    }

    /// [`Session::refresh`] with the frozen grouping already worked out
    /// ([`freeze_grouping`]), so nothing reads every row.
    pub fn refresh_frozen(
        &mut self,
        frozen_grouping: GroupingSpec,
        thresholds: ThresholdMap,
        options: &AuditOptions,
    ) {
        self.grouping = frozen_grouping;
        self.thresholds = thresholds;
        self.rule = options.rule;
        self.convention = options.convention;
        self.reference = options.reference.clone();
        self.min_count = options.min_count;
    }

    /// A path named from the working directory, as the session stores it.
    fn path_from_working_directory(&self, path: &Path) -> String {
        stored_path(
            path,
            self.base_directory.as_deref().unwrap_or(Path::new(".")),
            path.is_absolute(),
        )
    }

    /// The options every audit of this session uses.
    pub fn audit_options(&self) -> AuditOptions {
        AuditOptions {
            rule: self.rule,
            convention: self.convention,
            reference: self.reference.clone(),
            min_count: self.min_count,
            confidence: crate::engine::intervals::DEFAULT_CONFIDENCE,
        }
    }

    /// How the data is loaded.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            drop_invalid: self.drop_invalid,
        }
    }

    /// The lowest schema version that holds this session: 3 when it records models, else 2.
    pub fn schema_needed(&self) -> u32 {
        let schema_3 = !self.roles.models.is_empty()
            || self.model.is_some()
            || self.scenarios.iter().any(|s| s.model.is_some())
            || self.population.is_some();
        if schema_3 {
            SCHEMA_VERSION
        } else {
            SINGLE_MODEL_SCHEMA_VERSION
        }
    }

    /// The expected population shares, checked as `fulcrum profile --population` checks them
    /// (`None` when the session records none).
    pub fn expected_shares(&self) -> Option<crate::engine::profile::ExpectedShares> {
        self.population
            .as_ref()
            .and_then(|p| expected_shares_of(p).ok())
    }

    /// The models the session compares, in order (one, named after the score column, without
    /// `roles.models`).
    pub fn models(&self) -> Vec<crate::data::ModelColumn> {
        self.roles.models()
    }

    /// Whether the session compares several models.
    pub fn has_models(&self) -> bool {
        self.roles.model_count() > 1
    }

    /// The position among [`models`](Self::models) of the model named `name` (`None`: the
    /// first); `None` when no model has that name.
    pub fn model_position(&self, name: Option<&str>) -> Option<usize> {
        match name {
            None => Some(0),
            Some(name) => self.roles.models().iter().position(|m| m.name == name),
        }
    }

    /// The position of the decision's model (0 when it names none, or none that exists).
    pub fn decision_model(&self) -> usize {
        self.model_position(self.model.as_deref()).unwrap_or(0)
    }

    /// The name of the model at `position`, for reports.
    pub fn model_name(&self, position: usize) -> String {
        self.roles
            .models()
            .get(position)
            .map_or_else(|| self.roles.score.clone(), |m| m.name.clone())
    }

    /// "no model `x` (the models are a, b)".
    fn unknown_model(&self, name: &str) -> String {
        let names: Vec<String> = self.roles.models().into_iter().map(|m| m.name).collect();
        format!(
            "no model `{name}` is mapped (the models are {})",
            names.join(", ")
        )
    }

    /// The baseline scenario, if one is marked.
    pub fn baseline(&self) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.baseline)
    }

    /// A SHA-256 of everything a signer approves: the session without its sign-offs and
    /// without the data's path (moving the data changes nothing signed; changing its contents
    /// does, through its SHA-256).
    pub fn content_digest(&self) -> String {
        use sha2::{Digest as _, Sha256};
        let mut copy = self.clone();
        copy.schema_version = DIGEST_SCHEMA_VERSION;
        copy.sign_offs.clear();
        copy.data.path.clear();
        let text = serde_json::to_string(&copy).unwrap_or_default();
        hex(&Sha256::digest(text.as_bytes()))
    }

    /// Adds a sign-off covering the session as it is now.
    pub fn sign(
        &mut self,
        name: &str,
        role: &str,
        date: SignOffDate,
        decision: Decision,
        comment: &str,
    ) {
        let content_sha256 = Some(self.content_digest());
        self.sign_offs.push(SignOff {
            name: name.to_owned(),
            role: role.to_owned(),
            date,
            decision,
            comment: comment.to_owned(),
            content_sha256,
        });
    }

    /// Whether a sign-off was made on the session as it is now; `None` when the entry has no
    /// digest (migrated from an older schema).
    pub fn covers(&self, entry: &SignOff) -> Option<bool> {
        entry
            .content_sha256
            .as_ref()
            .map(|digest| *digest == self.content_digest())
    }
}

/// Population shares checked as `fulcrum profile --population` checks them.
fn expected_shares_of(
    population: &BTreeMap<String, BTreeMap<String, f64>>,
) -> Result<crate::engine::profile::ExpectedShares, String> {
    let value = serde_json::to_value(population).map_err(|e| e.to_string())?;
    crate::engine::profile::ExpectedShares::from_json(&value)
}

/// The first schema-3 field in a session's JSON object, as a path (`roles.models`, `model`,
/// `scenarios[i].model`).
fn schema_3_field_in(object: &serde_json::Map<String, Value>) -> Option<Vec<Segment>> {
    let key = |k: &str| Segment::Key(k.to_owned());
    if object
        .get("roles")
        .and_then(Value::as_object)
        .is_some_and(|roles| roles.contains_key("models"))
    {
        return Some(vec![key("roles"), key("models")]);
    }
    if object.contains_key("model") {
        return Some(vec![key("model")]);
    }
    if object.contains_key("population") {
        return Some(vec![key("population")]);
    }
    let scenarios = object.get("scenarios").and_then(Value::as_array)?;
    scenarios
        .iter()
        .position(|s| s.as_object().is_some_and(|s| s.contains_key("model")))
        .map(|position| vec![key("scenarios"), Segment::Index(position), key("model")])
}

/// The analysis's grouping with every quantile binning replaced by the edges it produced (read
/// back from the bin labels, which print edges exactly); unchanged when that would change any
/// group key.
fn frozen_grouping(analysis: &Analysis) -> GroupingSpec {
    freeze_grouping(&analysis.sorted, &analysis.grouping, &analysis.index)
}

/// [`Session::new`]'s frozen grouping from its parts: `grouping` with quantile bins replaced by
/// the edges they produced on `sorted` (grouped as `index`). It regroups every row to check the
/// keys, so the window computes it once per grouping, on the worker thread that groups.
pub fn freeze_grouping(
    sorted: &crate::engine::SortedDataset,
    grouping: &GroupingSpec,
    index: &crate::engine::GroupIndex,
) -> GroupingSpec {
    use crate::engine::Binning;
    let mut frozen = grouping.clone();
    let groups = index.groups();
    let mut changed = false;
    for (position, attribute) in frozen.attributes.iter_mut().enumerate() {
        if !matches!(attribute.binning, Some(Binning::Quantiles { .. })) {
            continue;
        }
        let mut edges: Vec<f64> = groups
            .iter()
            .filter_map(|g| g.levels.get(position))
            .flat_map(|level| bin_label_edges(level))
            .collect();
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        attribute.binning = Some(Binning::Edges { edges });
        changed = true;
    }
    if !changed {
        return frozen;
    }
    let same_keys = crate::engine::GroupIndex::build(sorted, &frozen).is_ok_and(|index| {
        index
            .groups()
            .iter()
            .map(|g| &g.key)
            .eq(groups.iter().map(|g| &g.key))
    });
    if same_keys { frozen } else { grouping.clone() }
}

/// The edges a bin label names: `< 25` → 25, `[25, 35)` → 25 and 35, `≥ 50` → 50; none for
/// other labels (`(missing)`, `all values`).
fn bin_label_edges(label: &str) -> Vec<f64> {
    let parse = |text: &str| text.trim().parse::<f64>().ok();
    if let Some(rest) = label.strip_prefix("< ") {
        return parse(rest).into_iter().collect();
    }
    if let Some(rest) = label.strip_prefix("≥ ") {
        return parse(rest).into_iter().collect();
    }
    if let Some(inner) = label.strip_prefix('[').and_then(|l| l.strip_suffix(')'))
        && let Some((low, high)) = inner.split_once(", ")
        && let (Some(low), Some(high)) = (parse(low), parse(high))
    {
        return vec![low, high];
    }
    Vec::new()
}

/// Fingerprints a data file of which `rows_read` rows were read: SHA-256, rows, and every column
/// with its type. Reads the whole file.
pub fn fingerprint_file(path: &Path, rows_read: usize) -> Result<DataFingerprint, SessionError> {
    let unreadable = |message: String| SessionError::DataUnreadable {
        path: path.to_path_buf(),
        message,
    };
    let sha256 = sha256_dataset(path).map_err(|e| unreadable(e.to_string()))?;
    let preview = crate::data::preview(path, 100).map_err(|e| unreadable(e.to_string()))?;
    Ok(DataFingerprint {
        path: path.display().to_string(),
        sha256,
        rows: Some(rows_read as u64),
        columns: preview
            .columns
            .into_iter()
            .map(|c| ColumnFingerprint {
                name: c.name,
                dtype: c.dtype,
            })
            .collect(),
    })
}

/// Checks the values with a syntax of their own (criteria, thresholds, dates) on the JSON tree,
/// so an error names the exact field: serde reports such errors only after the enclosing array
/// or object. Type errors are left to serde.
fn check_syntax(value: &Value, version: u64) -> Result<(), (Vec<Segment>, String)> {
    let key = |k: &str| Segment::Key(k.to_owned());
    let mut problems: Vec<(Vec<Segment>, String)> = Vec::new();
    if let Some(Value::Array(criteria)) = value.get("criteria") {
        for (position, criterion) in criteria.iter().enumerate() {
            if let Some(text) = criterion.as_str()
                && let Err(error) = text.parse::<Criterion>()
            {
                problems.push((
                    vec![key("criteria"), Segment::Index(position)],
                    error.one_line(),
                ));
            }
        }
    }
    let mut check_thresholds = |map: Option<&Value>, at: Vec<Segment>| {
        let Some(Value::Object(map)) = map else {
            return;
        };
        if let Err(error) = ThresholdMap::from_json(&Value::Object(map.clone())) {
            let mut at = at;
            if let crate::engine::ThresholdError::NotANumber { key: name, .. } = &error {
                at.push(Segment::Key(name.clone()));
            }
            problems.push((at, error.to_string()));
        }
    };
    if version == 0 {
        check_thresholds(
            value
                .get("threshold")
                .map(|t| serde_json::json!({ "default": t }))
                .as_ref(),
            Vec::new(),
        );
    } else {
        check_thresholds(value.get("thresholds"), vec![key("thresholds")]);
        if let Some(Value::Array(scenarios)) = value.get("scenarios") {
            for (position, scenario) in scenarios.iter().enumerate() {
                check_thresholds(
                    scenario.get("thresholds"),
                    vec![
                        key("scenarios"),
                        Segment::Index(position),
                        key("thresholds"),
                    ],
                );
            }
        }
    }
    // Schema 0's single threshold is reported under its own name.
    for (at, message) in &mut problems {
        if version == 0 && at.first() == Some(&Segment::Key("default".into())) {
            *at = vec![key("threshold")];
            *message = message.replace("threshold for `default`", "threshold");
        }
    }
    let mut check_date = |date: Option<&Value>, at: Vec<Segment>| {
        if let Some(Value::String(text)) = date
            && let Err(error) = text.parse::<SignOffDate>()
        {
            problems.push((at, error.to_string()));
        }
    };
    if version == 0 {
        check_date(value.get("approved_on"), vec![key("approved_on")]);
    } else if let Some(Value::Array(entries)) = value.get("sign_offs") {
        for (position, entry) in entries.iter().enumerate() {
            check_date(
                entry.get("date"),
                vec![key("sign_offs"), Segment::Index(position), key("date")],
            );
        }
    }
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// `e`'s message without `serde_json`'s ` at line L column C` suffix.
fn serde_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_owned(),
        None => text,
    }
}

/// A type error from serde, located by line, column and JSON path.
fn typed_error(text: &str, path: &Path, error: &serde_json::Error) -> SessionError {
    let offset = locate::offset_of_line_column(text, error.line(), error.column());
    let segments = locate::path_at(text, offset);
    SessionError::Invalid {
        path: path.to_path_buf(),
        location: format!(
            "line {}, column {}, at `{}`",
            error.line(),
            error.column(),
            locate::render_path(&segments)
        ),
        message: serde_message(error),
        excerpt: Some(locate::excerpt(text, offset.saturating_sub(1))),
    }
}

/// A problem at a JSON path, with its line and column when the text has that path.
fn invalid_at(text: &str, path: &Path, segments: &[Segment], message: String) -> SessionError {
    let rendered = locate::render_path(segments);
    let (location, excerpt) = match locate::offset_of(text, segments) {
        Some(offset) => {
            let (line, column) = locate::line_column_of(text, offset);
            (
                format!("line {line}, column {column}, at `{rendered}`"),
                Some(locate::excerpt(text, offset)),
            )
        }
        None => (format!("at `{rendered}`"), None),
    };
    SessionError::Invalid {
        path: path.to_path_buf(),
        location,
        message,
        excerpt,
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// How a session in `session_directory` stores the path of `data` (both as usable from the
/// working directory): relative when the data lies in that directory or below, or when the path
/// was given relative (`keep_absolute` false; re-expressed from the session's directory, so a
/// folder holding both can move); otherwise absolute, so sessions elsewhere keep pointing at a
/// shared location.
fn stored_path(data: &Path, session_directory: &Path, keep_absolute: bool) -> String {
    let (Ok(data_absolute), Ok(directory)) = (
        std::path::absolute(data),
        std::path::absolute(session_directory),
    ) else {
        return data.display().to_string();
    };
    let (data_absolute, directory) = (normalize(&data_absolute), normalize(&directory));
    if let Ok(inside) = data_absolute.strip_prefix(&directory) {
        return inside.display().to_string();
    }
    if keep_absolute {
        return data_absolute.display().to_string();
    }
    relative_path(&directory, &data_absolute).map_or_else(
        || data_absolute.display().to_string(),
        |p| p.display().to_string(),
    )
}

/// `path` without `.` components and with `..` applied (lexically).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the directory `from` (both absolute and normalized); `None` when they share
/// no root (different drives).
fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for component in to.get(common..).unwrap_or_default() {
        out.push(component);
    }
    Some(out)
}

#[cfg(test)]
mod tests;
