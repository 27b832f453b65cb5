//! What `fulcrum check` prints: each criterion's outcome on the data, and, when monitoring new
//! data, how each group moved since the recorded data. A table for people, JSON for pipelines.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::markup::signed;
use super::session_json::{criteria_json, drift_json};
use super::session_text::{RATE_DECIMALS, criteria_verdict, measured_with_group};
use super::svg::shorten;
use crate::session::drift::DRIFT_METRICS;
use crate::session::{DatasetComparison, Session, SessionEvaluation};

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
    for warning in &evaluation.comparison.warnings {
        writeln!(out, "warning: {warning}").ok();
    }
    let criteria = &evaluation.comparison.decision.criteria;
    let width = criteria
        .iter()
        .map(|r| r.criterion.to_string().chars().count())
        .max()
        .unwrap_or(0);
    out.push('\n');
    for result in criteria {
        let mut line = format!(
            "{} {}  {}",
            pad(result.outcome.label(), 9),
            pad(&result.criterion.to_string(), width),
            measured_with_group(result)
        );
        if !result.failing_groups.is_empty() {
            write!(line, "; failing: {}", result.failing_groups.join(", ")).ok();
        }
        if let Some(note) = &result.note {
            write!(line, " ({note})").ok();
        }
        writeln!(out, "{}", line.trim_end()).ok();
    }
    writeln!(
        out,
        "\n{}: {}",
        evaluation.outcome().label(),
        criteria_verdict(criteria)
    )
    .ok();
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
            line.push_str(&pad_left(&signed(group.delta(metric), RATE_DECIMALS), 9));
        }
        writeln!(out, "{}", line.trim_end()).ok();
    }
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
    json!({
        "title": session.title,
        "outcome": evaluation.outcome().key(),
        "passed": evaluation.outcome() == crate::session::Outcome::Pass,
        "data": {
            "path": data.path,
            "sha256": data.sha256,
            "sha256_recorded": session.data.sha256,
            "matches_session": data.matches_session,
            "rows_read": data.rows_read,
            "rows_dropped": data.rows_dropped,
        },
        "warnings": evaluation.comparison.warnings,
        "criteria": criteria_json(&evaluation.comparison.decision.criteria),
        "summary": summary,
        "overall_accuracy": super::format::optional_json(
            evaluation.comparison.decision.audit.overall.values.get(crate::engine::Metric::Accuracy),
        ),
        "drift": drift.map_or(Value::Null, drift_json),
    })
}
