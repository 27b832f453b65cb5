//! What `fulcrum check` prints: each criterion's outcome on the data, and, when monitoring new
//! data, how each group moved since the recorded data. A table for people, JSON for pipelines.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::markup::{fixed_or_na, signed};
use super::session_json::{criteria_json, drift_json, evaluation_protocol_json};
use super::session_text::{
    RATE_DECIMALS, VALUE_DECIMALS, criteria_verdict, group_thresholds_flagged,
    group_thresholds_warning, judged_in_sample, measured, measured_with_group, protocol_text,
    single_threshold_comparison, threshold_text,
};
use super::svg::shorten;
use crate::session::drift::DRIFT_METRICS;
use crate::session::{CriterionResult, DatasetComparison, Outcome, Session, SessionEvaluation};

/// Which groups of the recorded decision the checked data lacks, and which it adds. A gate
/// must not pass on evidence that is missing: a group recorded in the session with no rows in
/// the new data fails the check, whatever the criteria say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupCoverage {
    /// Groups of the recorded data (or named by the session's thresholds) with no rows here.
    pub absent: Vec<String>,
    /// Groups here that the recorded data did not have.
    pub new: Vec<String>,
}

impl GroupCoverage {
    /// Compares the checked data's groups with the recorded ones: from the drift comparison
    /// when the recorded data could be read, else with the groups the thresholds name.
    pub fn of(
        session: &Session,
        evaluation: &SessionEvaluation,
        drift: Option<&DatasetComparison>,
    ) -> GroupCoverage {
        if let Some(drift) = drift {
            let keys = |absent_after: bool| {
                drift
                    .groups
                    .iter()
                    .filter(|g| {
                        if absent_after {
                            g.after.is_none()
                        } else {
                            g.before.is_none()
                        }
                    })
                    .map(|g| g.key.clone())
                    .collect()
            };
            return GroupCoverage {
                absent: keys(true),
                new: keys(false),
            };
        }
        let present = &evaluation.comparison.decision.audit.groups;
        GroupCoverage {
            absent: session
                .thresholds
                .by_group
                .keys()
                .filter(|key| !present.iter().any(|g| &g.key == *key))
                .cloned()
                .collect(),
            new: Vec::new(),
        }
    }

    /// The check's outcome: the criteria's, but a failure when recorded groups are absent.
    pub fn outcome(&self, evaluation: &SessionEvaluation) -> Outcome {
        if self.absent.is_empty() {
            evaluation.outcome()
        } else {
            Outcome::Fail
        }
    }
}

/// Widest group key in the drift table.
const MAX_KEY_WIDTH: usize = 34;

fn pad(text: &str, width: usize) -> String {
    let length = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(length)))
}

fn pad_left(text: &str, width: usize) -> String {
    let length = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(length)))
}

/// What a check line says of a criterion after its name: the measured value (with the worst
/// group), the failing groups, and the note.
fn criterion_detail(result: &CriterionResult) -> String {
    let mut detail = measured_with_group(result);
    if !result.failing_groups.is_empty() {
        write!(detail, "; failing: {}", result.failing_groups.join(", ")).ok();
    }
    if let Some(note) = &result.note {
        write!(detail, " ({note})").ok();
    }
    detail
}

/// The check as text: one line per criterion, the verdict, then the drift table if any.
pub fn check_table(
    session: &Session,
    evaluation: &SessionEvaluation,
    drift: Option<&DatasetComparison>,
) -> String {
    let mut out = String::new();
    let data = &evaluation.data;
    let short_sha = data.sha256.get(..12).unwrap_or(&data.sha256);
    writeln!(
        out,
        "{}data {} (SHA-256 {short_sha}…, {})",
        if session.title.is_empty() {
            String::new()
        } else {
            format!("{}: ", session.title)
        },
        data.path,
        if data.matches_session {
            "as recorded in the session"
        } else {
            "NOT the data recorded in the session: monitoring"
        }
    )
    .ok();
    if session.has_models() {
        let decision = &evaluation.comparison.decision;
        let score = session
            .models()
            .get(decision.model)
            .map(|m| m.score.clone())
            .unwrap_or_default();
        writeln!(
            out,
            "Model: {} (column `{}`), one of {} models the session compares",
            super::markup::terminal(&decision.model_name),
            super::markup::terminal(&score),
            session.models().len()
        )
        .ok();
    }
    if let Some(protocol) = protocol_text(evaluation) {
        let label = if judged_in_sample(evaluation) {
            "warning: "
        } else {
            ""
        };
        writeln!(out, "{label}{protocol}").ok();
    }
    for warning in &evaluation.comparison.warnings {
        writeln!(out, "warning: {warning}").ok();
    }
    if let Some(warning) = group_thresholds_warning(session, evaluation) {
        writeln!(out, "warning: {warning}").ok();
        let rows = single_threshold_comparison(evaluation);
        if let Some(single) = &evaluation.single_threshold {
            let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
            let title = format!("one threshold ({})", threshold_text(single.threshold));
            writeln!(
                out,
                "  {}  {}  {title}",
                pad("", width),
                pad_left("decision", 8)
            )
            .ok();
            for (name, decision, alternative) in rows {
                writeln!(
                    out,
                    "  {}  {}  {}",
                    pad(name, width),
                    pad_left(&fixed_or_na(decision, VALUE_DECIMALS), 8),
                    pad_left(
                        &fixed_or_na(alternative, VALUE_DECIMALS),
                        title.chars().count()
                    )
                )
                .ok();
            }
        }
    }
    let criteria = &evaluation.comparison.decision.criteria;
    let fit_criteria = evaluation.split.as_ref().map(|s| &s.fit.decision.criteria);
    let width = criteria
        .iter()
        .map(|r| r.criterion.to_string().chars().count())
        .max()
        .unwrap_or(0);
    out.push('\n');
    for (position, result) in criteria.iter().enumerate() {
        let mut line = format!(
            "{} {}  {}",
            pad(result.outcome.label(), 9),
            pad(&result.criterion.to_string(), width),
            criterion_detail(result)
        );
        if let Some(fit) = fit_criteria.and_then(|c| c.get(position)) {
            write!(
                line,
                "   fit rows: {} ({})",
                measured(fit),
                fit.outcome.key()
            )
            .ok();
        }
        writeln!(out, "{}", line.trim_end()).ok();
    }
    let coverage = GroupCoverage::of(session, evaluation, drift);
    if !coverage.absent.is_empty() {
        writeln!(
            out,
            "{} groups recorded in the session have no rows in this data: {}",
            pad(Outcome::Fail.label(), 9),
            coverage.absent.join(", ")
        )
        .ok();
    }
    if !coverage.new.is_empty() {
        writeln!(
            out,
            "note: groups not in the recorded data (audited with the default threshold): {}",
            coverage.new.join(", ")
        )
        .ok();
    }
    let verdict = if coverage.absent.is_empty() {
        criteria_verdict(criteria)
    } else {
        let criteria_text = criteria_verdict(criteria);
        let mut letters = criteria_text.chars();
        let criteria_text = letters.next().map_or_else(String::new, |first| {
            first.to_lowercase().chain(letters).collect()
        });
        format!(
            "{} recorded group{} without rows here (the gate cannot vouch for {}); {criteria_text}",
            coverage.absent.len(),
            if coverage.absent.len() == 1 { "" } else { "s" },
            if coverage.absent.len() == 1 {
                "it"
            } else {
                "them"
            },
        )
    };
    writeln!(out, "\n{}: {verdict}", coverage.outcome(evaluation).label()).ok();
    if let Some(drift) = drift {
        out.push('\n');
        out.push_str(&drift_table(drift));
    }
    out
}

/// Per group: weight before → after and the change of each drift metric.
fn drift_table(drift: &DatasetComparison) -> String {
    let mut out = String::from("Change since the recorded data (new − recorded):\n");
    let key_width = drift
        .groups
        .iter()
        .map(|g| g.key.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7)
        .min(MAX_KEY_WIDTH);
    let mut header = format!(
        "{} {} {}",
        pad("group", key_width),
        pad_left("n before", 9),
        pad_left("n after", 9)
    );
    for metric in DRIFT_METRICS {
        let title = format!("Δ {}", super::audit_table::short_header(metric));
        header.push_str(&pad_left(&title, 9));
    }
    writeln!(out, "{header}").ok();
    writeln!(out, "{}", "─".repeat(header.chars().count())).ok();
    for group in drift.groups.iter().chain(std::iter::once(&drift.overall)) {
        let weight = |g: Option<&crate::engine::GroupAudit>| {
            g.map_or_else(|| "absent".to_owned(), |g| super::format::count(g.weight))
        };
        let mut line = format!(
            "{} {} {}",
            pad(&shorten(&group.key, key_width), key_width),
            pad_left(&weight(group.before.as_ref()), 9),
            pad_left(&weight(group.after.as_ref()), 9)
        );
        for metric in DRIFT_METRICS {
            let mark = if group.changed(metric) { "*" } else { " " };
            let delta = format!("{}{mark}", signed(group.delta(metric), RATE_DECIMALS));
            line.push_str(&pad_left(&delta, 9));
        }
        writeln!(out, "{}", line.trim_end()).ok();
    }
    writeln!(
        out,
        "*: the change's 95% interval (Newcombe, from both datasets' Wilson intervals) excludes 0: \
         more than sampling noise."
    )
    .ok();
    out
}

/// The check as JSON: data identity, outcome, criteria results and drift (or `null`).
pub fn check_json(
    session: &Session,
    evaluation: &SessionEvaluation,
    drift: Option<&DatasetComparison>,
) -> Value {
    let data = &evaluation.data;
    let summary: serde_json::Map<String, Value> = crate::session::criteria::SummaryName::ALL
        .iter()
        .map(|s| {
            (
                s.key().to_owned(),
                super::format::optional_json(
                    s.value(&evaluation.comparison.decision.audit.summary),
                ),
            )
        })
        .collect();
    let coverage = GroupCoverage::of(session, evaluation, drift);
    let outcome = coverage.outcome(evaluation);
    let mut json = json!({
        "title": session.title,
        "outcome": outcome.key(),
        "passed": outcome == Outcome::Pass,
        "absent_groups": coverage.absent,
        "new_groups": coverage.new,
        "data": {
            "path": data.path,
            "sha256": data.sha256,
            "sha256_recorded": session.data.sha256,
            "matches_session": data.matches_session,
            "rows_read": data.rows_read,
            "rows_dropped": data.rows_dropped,
        },
        "warnings": evaluation.comparison.warnings,
        "evaluation": evaluation_protocol_json(evaluation),
        "criteria": criteria_json(&evaluation.comparison.decision.criteria),
        "fit_criteria": evaluation
            .split
            .as_ref()
            .map_or(Value::Null, |s| criteria_json(&s.fit.decision.criteria)),
        "summary": summary,
        "overall_accuracy": super::format::optional_json(
            evaluation.comparison.decision.audit.overall.values.get(crate::engine::Metric::Accuracy),
        ),
        "drift": drift.map_or(Value::Null, drift_json),
        "context": context_json(session, evaluation),
    });
    if session.has_models()
        && let Some(object) = json.as_object_mut()
    {
        let decision = &evaluation.comparison.decision;
        object.insert("model".to_owned(), json!(decision.model_name));
        object.insert(
            "models".to_owned(),
            json!(
                session
                    .models()
                    .iter()
                    .map(|m| json!({"name": m.name, "score": m.score}))
                    .collect::<Vec<_>>()
            ),
        );
    }
    json
}

/// The session's use context and what it flags: whether the decision's thresholds differ
/// between groups, whether that is flagged (employment), and the single-threshold alternative.
pub fn context_json(session: &Session, evaluation: &SessionEvaluation) -> Value {
    let metrics = |pick: fn(&super::session_text::ComparedNumber) -> Option<f64>| {
        single_threshold_comparison(evaluation)
            .iter()
            .map(|row| {
                (
                    row.0.replace(' ', "_"),
                    super::format::optional_json(pick(row)),
                )
            })
            .collect::<serde_json::Map<String, Value>>()
    };
    json!({
        "use": session.context.map(crate::session::UseContext::key),
        "note": session.context.map_or(crate::session::context::NO_CONTEXT_NOTE, crate::session::UseContext::note),
        "thresholds_differ": crate::session::context::thresholds_differ(&evaluation.comparison.decision.resolved),
        "flagged": group_thresholds_flagged(session, evaluation),
        "warning": group_thresholds_warning(session, evaluation),
        "single_threshold": evaluation.single_threshold.as_ref().map(|single| json!({
            "threshold": crate::engine::thresholds::threshold_to_json(single.threshold),
            "decision": metrics(|row| row.1),
            "single": metrics(|row| row.2),
        })),
    })
}

/// The check as `JUnit` XML, the test-report format CI systems (GitLab, Jenkins, GitHub actions
/// that read test reports) display: one `<testcase>` per criterion, failing when the criterion
/// fails or is undefined (as `check` exits 1 for both), and one for the recorded groups being
/// present. `session_file` names the suite when the session has no title. Every text from the
/// session or the data is escaped for XML.
pub fn check_junit(
    session: &Session,
    session_file: &std::path::Path,
    evaluation: &SessionEvaluation,
    drift: Option<&DatasetComparison>,
) -> String {
    use super::markup::xml;
    let suite = if session.title.is_empty() {
        session_file.display().to_string()
    } else {
        session.title.clone()
    };
    let coverage = GroupCoverage::of(session, evaluation, drift);
    let criteria = &evaluation.comparison.decision.criteria;
    let mut cases = String::new();
    let mut failures = 0;
    for result in criteria {
        let name = result.criterion.to_string();
        let message = criterion_detail(result);
        writeln!(
            cases,
            "    <testcase classname=\"fulcrum.criteria\" name=\"{}\">",
            xml(&name)
        )
        .ok();
        if result.outcome != Outcome::Pass {
            failures += 1;
            writeln!(
                cases,
                "      <failure type=\"{}\" message=\"{}\"/>",
                result.outcome.key(),
                xml(&format!("{name}: measured {message}"))
            )
            .ok();
        }
        write!(
            cases,
            "      <system-out>{}: {}</system-out>\n    </testcase>\n",
            result.outcome.label(),
            xml(&message)
        )
        .ok();
    }
    cases.push_str(
        "    <testcase classname=\"fulcrum.groups\" name=\"every recorded group is present\">\n",
    );
    if !coverage.absent.is_empty() {
        failures += 1;
        writeln!(
            cases,
            "      <failure type=\"fail\" message=\"{}\"/>",
            xml(&format!(
                "groups with no rows in this data: {}",
                coverage.absent.join(", ")
            ))
        )
        .ok();
    }
    cases.push_str("    </testcase>\n");
    let tests = criteria.len() + 1;
    let data = &evaluation.data;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write!(
        out,
        "<testsuites name=\"fulcrum check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n    <properties>\n      <property name=\"data\" value=\"{}\"/>\n      <property name=\"data_sha256\" value=\"{}\"/>\n      <property name=\"matches_session\" value=\"{}\"/>\n      <property name=\"judged_on\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n</testsuites>\n",
        xml(&suite),
        xml(&data.path),
        xml(&data.sha256),
        data.matches_session,
        xml(&protocol_text(evaluation).unwrap_or_else(|| "other data (monitoring)".to_owned())),
    )
    .ok();
    out
}
