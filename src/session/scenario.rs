//! Scenarios: named snapshots of thresholds ("Production today", "Equal opportunity ε = 0.02"),
//! one of which may be the baseline, compared side by side with the session's decision.

use serde::{Deserialize, Serialize};

use super::criteria::{CriterionResult, evaluate_criteria};
use super::{Session, SessionError};
use crate::engine::thresholds::closest_key;
use crate::engine::{Audit, GroupIndex, ThresholdError, ThresholdMap, audit};

/// The name of the decision's column in comparisons.
pub const DECISION_NAME: &str = "Decision";

/// A named set of thresholds kept for comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A unique, human name.
    pub name: String,
    /// The model whose scores these thresholds apply to, by name (schema 3); `None`: the first
    /// model (the only one, in a session without models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Thresholds by group key, with an optional `"default"`.
    #[serde(with = "super::threshold_map_serde")]
    pub thresholds: ThresholdMap,
    /// Whether this is the baseline that `accuracy_drop` is measured against (at most one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    /// Where the thresholds came from, or why they are considered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// How strictly threshold keys must match the data's groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyMatching {
    /// Every key must name a group (the session's own data: a stray key is a broken session).
    #[default]
    Strict,
    /// Keys naming no group are ignored with a warning (monitoring new data, where a group may
    /// be absent).
    Lenient,
}

/// Resolves `map` for every group of `index`; returns the thresholds and, when lenient, the keys
/// that were ignored.
pub fn resolve_thresholds(
    map: &ThresholdMap,
    index: &GroupIndex,
    matching: KeyMatching,
) -> Result<(Vec<f64>, Vec<String>), ThresholdError> {
    if matching == KeyMatching::Strict {
        return Ok((map.resolve(index)?, Vec::new()));
    }
    let mut narrowed = map.clone();
    narrowed
        .by_group
        .retain(|key, _| index.position(key).is_some());
    let ignored = map
        .by_group
        .keys()
        .filter(|key| !narrowed.by_group.contains_key(*key))
        .cloned()
        .collect();
    Ok((narrowed.resolve(index)?, ignored))
}

/// The decision or one scenario, audited.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioResult {
    /// [`DECISION_NAME`] or the scenario's name.
    pub name: String,
    /// Whether this is the session's decision (its `thresholds`).
    pub is_decision: bool,
    /// Whether this is the baseline scenario.
    pub baseline: bool,
    /// The scenario's note.
    pub note: String,
    /// The position of the model whose scores the thresholds apply to (see
    /// [`Session::models`]).
    pub model: usize,
    /// That model's name.
    pub model_name: String,
    /// The thresholds as stored.
    pub thresholds: ThresholdMap,
    /// The threshold of every group, in index order.
    pub resolved: Vec<f64>,
    /// The audit at those thresholds.
    pub audit: Audit,
    /// The session's criteria evaluated on this audit (against the baseline's).
    pub criteria: Vec<CriterionResult>,
    /// Whether every group's threshold equals the decision's.
    pub same_as_decision: bool,
}

/// The decision and every scenario side by side. Group `i` is the same group in every audit.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioComparison {
    /// Grouping attribute names, in key order.
    pub attribute_names: Vec<String>,
    /// The session's decision.
    pub decision: ScenarioResult,
    /// The scenarios, in session order.
    pub scenarios: Vec<ScenarioResult>,
    /// Threshold keys ignored because no group has them (lenient matching only).
    pub warnings: Vec<String>,
}

impl ScenarioComparison {
    /// The decision, then every scenario.
    pub fn columns(&self) -> impl Iterator<Item = &ScenarioResult> {
        std::iter::once(&self.decision).chain(&self.scenarios)
    }

    /// The baseline scenario, if one is marked.
    pub fn baseline(&self) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.baseline)
    }
}

/// Audits the session's decision and every scenario, each on the index of its model
/// (`indexes` holds the session's models' indexes in the order of [`Session::models`], grouped
/// alike; one index serves a session without models), and evaluates the criteria on each
/// (`accuracy_drop` against the baseline scenario): every model is judged on the same
/// criteria.
pub fn compare_scenarios(
    session: &Session,
    indexes: &[&GroupIndex],
    matching: KeyMatching,
) -> Result<ScenarioComparison, SessionError> {
    let Some(first) = indexes.first().copied() else {
        return Err(SessionError::Inconsistent {
            location: "roles".into(),
            message: "no data to evaluate the session on".into(),
        });
    };
    let index_of = |model: usize| indexes.get(model).copied().unwrap_or(first);
    let model_of = |name: Option<&str>, context: &str| {
        session
            .model_position(name)
            .ok_or_else(|| SessionError::Inconsistent {
                location: context.to_owned(),
                message: format!("no model `{}` is mapped", name.unwrap_or_default()),
            })
    };
    let options = session.audit_options();
    let mut warnings = Vec::new();
    let mut run = |context: String,
                   model: usize,
                   map: &ThresholdMap|
     -> Result<(Vec<f64>, Audit), SessionError> {
        let index = index_of(model);
        let (resolved, ignored) = resolve_thresholds(map, index, matching).map_err(|source| {
            SessionError::Thresholds {
                context: context.clone(),
                problem: source,
            }
        })?;
        for key in ignored {
            let closest = closest_key(&key, index.groups().iter().map(|g| g.key.as_str()));
            warnings.push(format!(
                "{context}: no group `{key}` in this data{}; its threshold is ignored",
                closest
                    .map(|c| format!(" (closest: `{c}`)"))
                    .unwrap_or_default()
            ));
        }
        let result =
            audit(index, &resolved, &options).map_err(|source| SessionError::Thresholds {
                context: "reference".into(),
                problem: source,
            })?;
        Ok((resolved, result))
    };
    let decision_model = model_of(session.model.as_deref(), "model")?;
    let (decision_resolved, decision_audit) =
        run("thresholds".into(), decision_model, &session.thresholds)?;
    let mut audited = Vec::with_capacity(session.scenarios.len());
    for (position, scenario) in session.scenarios.iter().enumerate() {
        let context = format!("scenarios[{position}] \"{}\"", scenario.name);
        let model = model_of(scenario.model.as_deref(), &context)?;
        let (resolved, audit) = run(context, model, &scenario.thresholds)?;
        audited.push((model, resolved, audit));
    }
    let baseline_audit = session
        .scenarios
        .iter()
        .zip(&audited)
        .find(|(s, _)| s.baseline)
        .map(|(_, (_, _, a))| a.clone());
    let criteria =
        |audit: &Audit| evaluate_criteria(&session.criteria, audit, baseline_audit.as_ref());
    let decision = ScenarioResult {
        name: DECISION_NAME.into(),
        is_decision: true,
        baseline: false,
        note: String::new(),
        model: decision_model,
        model_name: session.model_name(decision_model),
        thresholds: session.thresholds.clone(),
        criteria: criteria(&decision_audit),
        same_as_decision: true,
        resolved: decision_resolved,
        audit: decision_audit,
    };
    let scenarios = session
        .scenarios
        .iter()
        .zip(audited)
        .map(|(scenario, (model, resolved, audit))| ScenarioResult {
            name: scenario.name.clone(),
            is_decision: false,
            baseline: scenario.baseline,
            note: scenario.note.clone(),
            model,
            model_name: session.model_name(model),
            thresholds: scenario.thresholds.clone(),
            criteria: criteria(&audit),
            same_as_decision: model == decision_model
                && same_thresholds(&resolved, &decision.resolved),
            resolved,
            audit,
        })
        .collect();
    Ok(ScenarioComparison {
        attribute_names: first.attribute_names().to_vec(),
        decision,
        scenarios,
        warnings,
    })
}

/// Bitwise equality of two threshold vectors (so ∞ equals ∞).
fn same_thresholds(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}
