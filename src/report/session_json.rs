//! The sign-off report as JSON, and the criteria results as JSON (shared with `fulcrum check`).
//! Each audit inside uses the documented audit JSON schema.

use serde_json::{Map, Value, json};

use super::audit_json::{AuditSettings, audit_json, interval_json};
use super::format::optional_json;
use crate::engine::{Binning, UncertaintySettings, audit_uncertainty};
use crate::session::{
    CriterionResult, DatasetComparison, GapAccuracy, ScenarioResult, Session, SessionEvaluation,
    drift::DRIFT_METRICS,
};

/// Criteria results as a JSON array: criterion, outcome, measured value, worst and failing
/// groups, every group's value (per-group criteria), note.
pub fn criteria_json(results: &[CriterionResult]) -> Value {
    Value::Array(
        results
            .iter()
            .map(|result| {
                json!({
                    "criterion": result.criterion.to_string(),
                    "outcome": result.outcome.key(),
                    "value": optional_json(result.value),
                    "interval": interval_json(result.interval),
                    "worst_group": result.worst_group,
                    "failing_groups": result.failing_groups,
                    "groups": result.groups.iter().map(|g| json!({
                        "key": g.key,
                        "value": optional_json(g.value),
                        "interval": interval_json(g.interval),
                        "outcome": g.outcome.key(),
                    })).collect::<Vec<_>>(),
                    "note": result.note,
                })
            })
            .collect(),
    )
}

/// Which rows the criteria were judged on: `{"judged_on": "evaluation_rows", "kind":
/// "holdout"|"file", "description", "holdout_fraction", "split_seed", "file", "fit_rows",
/// "evaluation_rows"}`, or `{"judged_on": "fit_rows"}` when the criteria are judged on the rows
/// the thresholds were chosen on, or `{"judged_on": "other_data"}` for monitoring runs.
pub fn evaluation_protocol_json(evaluation: &SessionEvaluation) -> Value {
    use crate::session::EvaluationSplit;
    match &evaluation.split {
        Some(split) => {
            let (kind, fraction, seed, file) = match &split.split {
                EvaluationSplit::Holdout { fraction, seed } => {
                    ("holdout", Some(*fraction), Some(*seed), None)
                }
                EvaluationSplit::File { data } => ("file", None, None, Some(data.path.clone())),
            };
            json!({
                "judged_on": "evaluation_rows",
                "kind": kind,
                "description": split.split.description(),
                "holdout_fraction": fraction,
                "split_seed": seed,
                "file": file,
                "fit_rows": split.fit_rows,
                "evaluation_rows": split.evaluation_rows,
            })
        }
        None if evaluation.data.matches_session => json!({"judged_on": "fit_rows"}),
        None => json!({"judged_on": "other_data"}),
    }
}

/// The settings block of each audit, from the session.
fn audit_settings(
    session: &Session,
    evaluation: &SessionEvaluation,
    column: &ScenarioResult,
) -> AuditSettings {
    AuditSettings {
        file: evaluation.data.path.clone(),
        score: session
            .models()
            .get(column.model)
            .map_or_else(|| session.roles.score.clone(), |m| m.score.clone()),
        label: session.roles.label.clone(),
        positive: evaluation.data.positive_label.clone(),
        groups: evaluation.comparison.attribute_names.clone(),
        bins: session
            .grouping
            .attributes
            .iter()
            .filter_map(|a| {
                a.binning.as_ref().map(|binning| {
                    let text = match binning {
                        Binning::Quantiles { bins } => format!("q{bins}"),
                        Binning::Edges { edges } => edges
                            .iter()
                            .map(|e| format!("{e}"))
                            .collect::<Vec<_>>()
                            .join(","),
                    };
                    (a.name.clone(), text)
                })
            })
            .collect(),
        weight: session.roles.weight.clone(),
        thresholds: column.thresholds.clone(),
        rows_read: evaluation.data.rows_read,
        rows_dropped: evaluation.data.rows_dropped,
        score_rounding: evaluation.data.score_rounding,
    }
}

fn point_json(point: &GapAccuracy) -> Value {
    json!({"gap": optional_json(Some(point.gap)), "accuracy": optional_json(Some(point.accuracy))})
}

/// The complete report as JSON.
pub fn session_json(session: &Session, evaluation: &SessionEvaluation) -> Value {
    let comparison = &evaluation.comparison;
    let column_json = |column: &ScenarioResult| {
        let mut object = Map::new();
        object.insert("name".into(), json!(column.name));
        if session.has_models() {
            object.insert("model".into(), json!(column.model_name));
        }
        if !column.is_decision {
            object.insert("baseline".into(), json!(column.baseline));
            object.insert("same_as_decision".into(), json!(column.same_as_decision));
            object.insert("note".into(), json!(column.note));
        }
        object.insert("thresholds".into(), column.thresholds.to_json());
        object.insert("criteria".into(), criteria_json(&column.criteria));
        object.insert(
            "audit".into(),
            audit_json(
                &column.audit,
                &comparison.attribute_names,
                &audit_settings(session, evaluation, column),
                Some(&audit_uncertainty(
                    &column.audit,
                    &UncertaintySettings::default(),
                )),
            ),
        );
        Value::Object(object)
    };
    let frontier = evaluation.frontier.as_ref().map_or(Value::Null, |f| {
        json!({
            "constraint": f.constraint.key(),
            "chosen_because": f.chosen_because,
            "optimal": f.optimal.iter().map(point_json).collect::<Vec<_>>(),
            "single_threshold": f.single_threshold.iter().map(point_json).collect::<Vec<_>>(),
            "randomized": f.randomized.iter().map(point_json).collect::<Vec<_>>(),
            "decision": f.decision.as_ref().map_or(Value::Null, point_json),
            "scenarios": f.scenarios.iter().map(|(name, p)| json!({
                "name": name,
                "gap": optional_json(Some(p.gap)),
                "accuracy": optional_json(Some(p.accuracy)),
            })).collect::<Vec<_>>(),
        })
    });
    let sign_offs: Vec<Value> = session
        .sign_offs
        .iter()
        .map(|entry| {
            json!({
                "name": entry.name,
                "role": entry.role,
                "date": entry.date.as_str(),
                "decision": entry.decision.key(),
                "comment": entry.comment,
                "content_sha256": entry.content_sha256,
                "covers_this_version": session.covers(entry),
            })
        })
        .collect();
    json!({
        "fulcrum_version": env!("CARGO_PKG_VERSION"),
        "session_schema_version": session.schema_needed(),
        "session_sha256": session.content_digest(),
        "title": session.title,
        "outcome": evaluation.outcome().key(),
        "data": {
            "path": evaluation.data.path,
            "sha256_recorded": session.data.sha256,
            "sha256": evaluation.data.sha256,
            "matches_session": evaluation.data.matches_session,
            "rows_read": evaluation.data.rows_read,
            "rows_dropped": evaluation.data.rows_dropped,
            "positive_label": evaluation.data.positive_label,
            "warnings": evaluation.data.warnings,
        },
        "warnings": comparison.warnings,
        "evaluation": evaluation_protocol_json(evaluation),
        "fit": evaluation.split.as_ref().map_or(Value::Null, |split| json!({
            "rows": split.fit_rows,
            "criteria": criteria_json(&split.fit.decision.criteria),
            "summary": split.fit.decision.audit.summary.numbers().iter()
                .map(|(key, value)| ((*key).to_owned(), optional_json(*value)))
                .collect::<Map<String, Value>>(),
            "overall_accuracy": optional_json(
                split.fit.decision.audit.overall.values.get(crate::engine::Metric::Accuracy),
            ),
        })),
        "decision": column_json(&comparison.decision),
        "scenarios": comparison.scenarios.iter().map(column_json).collect::<Vec<_>>(),
        "frontier": frontier,
        "frontier_note": evaluation.frontier_note,
        "rationale": session.rationale,
        "intended_use": session.intended_use,
        "limitations": session.limitations,
        "context": super::check::context_json(session, evaluation),
        "bias_audit": bias_audit_report_json(session, evaluation),
        "profile": profile_report_json(session, evaluation),
        "proxies": proxies_report_json(session, evaluation),
        "sign_offs": sign_offs,
        "session": serde_json::to_value(session).unwrap_or(Value::Null),
    })
}

/// The LL144 section as `bias-audit --format json` prints it (without `schema_version`), an
/// `{"error": …}` object when the tables cannot be computed, or `null` without an LL144 record.
fn bias_audit_report_json(session: &Session, evaluation: &SessionEvaluation) -> Value {
    use super::context_content::{session_bias_audit, session_bias_audit_settings};
    match (
        session_bias_audit(session, evaluation),
        session_bias_audit_settings(session, evaluation),
    ) {
        (Some(Ok(audit)), Some(settings)) => super::bias_audit::bias_audit_json(&audit, &settings),
        (Some(Err(message)), _) => json!({ "error": message }),
        _ => Value::Null,
    }
}

/// The data profile as `fulcrum profile --format json` prints it (without `schema_version`), an
/// `{"error": …}` object when it could not be computed, or `null` when it was not.
fn profile_report_json(session: &Session, evaluation: &SessionEvaluation) -> Value {
    let Some(discovery) = &evaluation.discovery else {
        return Value::Null;
    };
    match &discovery.profile {
        Ok(profile) => {
            let mut echo = Map::new();
            echo.insert("file".into(), json!(evaluation.data.path));
            echo.insert(
                "score".into(),
                json!(
                    session
                        .models()
                        .get(session.decision_model())
                        .map_or_else(|| session.roles.score.clone(), |m| m.score.clone())
                ),
            );
            echo.insert("label".into(), json!(session.roles.label));
            echo.insert("positive".into(), json!(evaluation.data.positive_label));
            echo.insert("groups".into(), json!(profile.attribute_names));
            echo.insert("weight".into(), json!(session.roles.weight));
            echo.insert(
                "population".into(),
                session
                    .population
                    .as_ref()
                    .map_or(Value::Null, |p| json!(p)),
            );
            echo.insert(
                "min_count".into(),
                json!(discovery.profile_settings.min_count),
            );
            echo.insert(
                "min_representation".into(),
                json!(discovery.profile_settings.min_representation),
            );
            echo.insert("rows_read".into(), json!(evaluation.data.rows_read));
            echo.insert("rows_dropped".into(), json!(evaluation.data.rows_dropped));
            super::discovery::profile_json(profile, echo)
        }
        Err(message) => json!({ "error": message }),
    }
}

/// Every proxy pair as `fulcrum proxies --format json` prints it (without `schema_version`;
/// the report's tables show the strongest), an `{"error": …}` object when they could not be
/// measured, or `null` when they were not (or the session groups by no attribute).
fn proxies_report_json(session: &Session, evaluation: &SessionEvaluation) -> Value {
    let Some(Some(findings)) = evaluation.discovery.as_ref().map(|d| d.proxies.as_ref()) else {
        return Value::Null;
    };
    match findings {
        Ok(findings) => {
            let score = session
                .models()
                .get(session.decision_model())
                .map(|m| m.score.clone())
                .filter(|s| findings.scores.contains(s));
            let mut echo = Map::new();
            echo.insert("file".into(), json!(evaluation.data.path));
            echo.insert("protected".into(), json!(findings.protected));
            echo.insert("columns".into(), json!(findings.columns));
            echo.insert("score".into(), json!(score));
            echo.insert("weight".into(), json!(session.roles.weight));
            echo.insert("numeric_bins".into(), json!(findings.numeric_bins));
            echo.insert("permutations".into(), json!(findings.settings.permutations));
            echo.insert("confidence".into(), json!(findings.settings.confidence));
            echo.insert("seed".into(), json!(findings.settings.seed));
            echo.insert("rows_read".into(), json!(findings.rows_read));
            echo.insert("skipped".into(), json!(findings.skipped));
            echo.insert(
                "shown_in_report".into(),
                json!(crate::session::discovery::REPORT_TOP_PROXIES),
            );
            super::discovery::proxies_json(&findings.proxies, score.as_deref(), echo)
        }
        Err(message) => json!({ "error": message }),
    }
}

/// A dataset comparison as JSON: per group (and overall) the weight and [`DRIFT_METRICS`]
/// before, after and their change.
pub fn drift_json(comparison: &DatasetComparison) -> Value {
    let group = |drift: &crate::session::GroupDrift| {
        let values = |side: &dyn Fn(crate::engine::Metric) -> Option<f64>| -> Map<String, Value> {
            DRIFT_METRICS
                .iter()
                .map(|m| (m.key().to_owned(), optional_json(side(*m))))
                .collect()
        };
        json!({
            "key": drift.key,
            "weight_before": drift.before.as_ref().map(|g| g.weight),
            "weight_after": drift.after.as_ref().map(|g| g.weight),
            "before": values(&|m| drift.before_value(m)),
            "after": values(&|m| drift.after_value(m)),
            "delta": values(&|m| drift.delta(m)),
            "delta_interval": DRIFT_METRICS
                .iter()
                .map(|m| (m.key().to_owned(), interval_json(drift.delta_interval(*m))))
                .collect::<Map<String, Value>>(),
            "changed": DRIFT_METRICS
                .iter()
                .map(|m| (m.key().to_owned(), Value::Bool(drift.changed(*m))))
                .collect::<Map<String, Value>>(),
        })
    };
    json!({
        "groups": comparison.groups.iter().map(group).collect::<Vec<_>>(),
        "overall": group(&comparison.overall),
    })
}
