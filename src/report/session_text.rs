//! Wording shared by the session reports (HTML, Markdown) and `fulcrum check`: how a criterion's
//! measured value, a grouping or a set of sign-offs reads. Plain text; each printer escapes it.

use super::format::{count, threshold};
use super::markup::fixed;
use crate::engine::{Audit, Binning, GroupingSpec, Metric, ReferenceChoice};
use crate::session::context::SingleThresholdAlternative;
use crate::session::criteria::{Measure, Outcome};
use crate::session::{CriterionResult, Decision, Session, SessionEvaluation, UseContext};

/// Decimals of measured criterion values and summaries.
pub const VALUE_DECIMALS: usize = 4;

/// Decimals of rates in tables.
pub const RATE_DECIMALS: usize = 3;

/// The measured value of a criterion, as text (`0.0312`, `1,204` for counts, `n/a`); with
/// `at C%`, its interval too (`0.0312 [0.0201, 0.0455]`), which decided the outcome.
pub fn measured(result: &CriterionResult) -> String {
    let point = match (result.value, result.criterion.measure) {
        (None, _) => "n/a".to_owned(),
        (Some(v), Measure::MinGroupCount) => count(v),
        (Some(v), _) => fixed(v, VALUE_DECIMALS),
    };
    match result.interval {
        Some(i) if result.value.is_some() => format!(
            "{point} [{}, {}]",
            fixed(i.low, VALUE_DECIMALS),
            fixed(i.high, VALUE_DECIMALS)
        ),
        _ => point,
    }
}

/// The measured value with the worst group for per-group criteria (`0.7120 (worst: B)`).
pub fn measured_with_group(result: &CriterionResult) -> String {
    match &result.worst_group {
        Some(group) if result.value.is_some() => {
            format!("{} (worst: {group})", measured(result))
        }
        _ => measured(result),
    }
}

/// `All 3 criteria pass`, `1 of 3 criteria fails`, `No criteria recorded`, ….
pub fn criteria_verdict(results: &[CriterionResult]) -> String {
    let total = results.len();
    let failed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .count();
    let undefined = results
        .iter()
        .filter(|r| r.outcome == Outcome::Undefined)
        .count();
    let plural = |n: usize| if n == 1 { "criterion" } else { "criteria" };
    match (total, failed, undefined) {
        (0, _, _) => "No criteria recorded".to_owned(),
        (_, 0, 0) if total == 1 => "The criterion passes".to_owned(),
        (_, 0, 0) => format!("All {total} criteria pass"),
        (_, 0, u) => format!("{u} of {total} {} undefined", plural(total)),
        (_, f, 0) => format!(
            "{f} of {total} {} {}",
            plural(total),
            if f == 1 { "fails" } else { "fail" }
        ),
        (_, f, u) => format!("{f} of {total} {} failed, {u} undefined", plural(total)),
    }
}

/// `Approved by 2 · rejected by 1`, or `Not signed`.
pub fn sign_off_verdict(session: &Session) -> String {
    if session.sign_offs.is_empty() {
        return "Not signed".to_owned();
    }
    let parts: Vec<String> = Decision::ALL
        .into_iter()
        .filter_map(|decision| {
            let n = session
                .sign_offs
                .iter()
                .filter(|s| s.decision == decision)
                .count();
            (n > 0).then(|| format!("{} × {n}", decision.label()))
        })
        .collect();
    let stale = session
        .sign_offs
        .iter()
        .filter(|s| session.covers(s) == Some(false))
        .count();
    let mut text = parts.join(" · ");
    if stale > 0 {
        text.push_str(&format!(
            " ({stale} signed an earlier version of this session)"
        ));
    }
    text
}

/// The outcome class the sign-offs deserve: fail when anyone rejected or a sign-off is stale,
/// undefined when nobody signed, pass otherwise.
pub fn sign_off_outcome(session: &Session) -> Outcome {
    if session.sign_offs.is_empty() {
        Outcome::Undefined
    } else if session
        .sign_offs
        .iter()
        .any(|s| s.decision == Decision::Rejected || session.covers(s) == Some(false))
    {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

/// Whether a sign-off covers the session as it is: `yes`, `no — signed an earlier version`, or
/// `not recorded`.
pub fn coverage(session: &Session, index: usize) -> (&'static str, Outcome) {
    match session
        .sign_offs
        .get(index)
        .and_then(|entry| session.covers(entry))
    {
        Some(true) => ("yes", Outcome::Pass),
        Some(false) => ("no — signed an earlier version", Outcome::Fail),
        None => ("not recorded", Outcome::Undefined),
    }
}

/// One attribute of a grouping in words: `income (4 quantile bins; excluding (missing))`.
pub fn grouping_lines(spec: &GroupingSpec) -> Vec<String> {
    if spec.attributes.is_empty() {
        return vec!["everyone as one group".to_owned()];
    }
    let mut lines: Vec<String> = spec
        .attributes
        .iter()
        .map(|attribute| {
            let mut details = Vec::new();
            match &attribute.binning {
                None => {}
                Some(Binning::Quantiles { bins }) => details.push(format!("{bins} quantile bins")),
                Some(Binning::Edges { edges }) => {
                    let edges: Vec<String> = edges.iter().map(|e| format!("{e}")).collect();
                    details.push(format!("bins cut at {}", edges.join(", ")));
                }
            }
            if !attribute.excluded_levels.is_empty() {
                details.push(format!(
                    "excluding {}",
                    attribute.excluded_levels.join(", ")
                ));
            }
            if details.is_empty() {
                attribute.name.clone()
            } else {
                format!("{} ({})", attribute.name, details.join("; "))
            }
        })
        .collect();
    if let Some(below) = spec.merge_below {
        lines.push(format!(
            "groups lighter than {} merged into one",
            count(below)
        ));
    }
    lines
}

/// The reference group in words, with the group it resolved to for selection rate.
pub fn reference_text(audit: &Audit) -> String {
    let resolved = audit
        .metric_summary(Metric::SelectionRate)
        .and_then(|s| s.reference_group)
        .and_then(|i| audit.groups.get(i))
        .map(|g| g.key.clone());
    match (&audit.options.reference, resolved) {
        (ReferenceChoice::Largest, Some(key)) => format!("the largest group ({key})"),
        (ReferenceChoice::Largest, None) => "the largest group".to_owned(),
        (ReferenceChoice::Min, _) => "per metric, the group with the smallest value".to_owned(),
        (ReferenceChoice::Group(key), _) => key.clone(),
    }
}

/// The decision rule in words.
pub fn rule_text(session: &Session) -> String {
    format!(
        "selected when score {} threshold (rule {})",
        session.rule.symbol(),
        session.rule.key()
    )
}

/// A threshold for tables (`0.5`, `nobody`, `everybody`).
pub fn threshold_text(value: f64) -> String {
    threshold(Some(value))
}

/// The metrics worth showing per group: selection rate and TPR, then every metric a criterion
/// names, in the audit's order (at most `limit`).
pub fn metrics_of_interest(session: &Session, limit: usize) -> Vec<Metric> {
    let mut wanted = vec![Metric::SelectionRate, Metric::Tpr];
    for criterion in &session.criteria {
        match criterion.measure {
            Measure::Difference(m) | Measure::Ratio(m) | Measure::Disparity(m) => wanted.push(m),
            Measure::Summary(_) | Measure::AccuracyDrop | Measure::MinGroupCount => {}
        }
    }
    Metric::ALL
        .into_iter()
        .filter(|m| wanted.contains(m))
        .take(limit)
        .collect()
}

/// Which rows the numbers were judged on, in one sentence: the evaluation split when the
/// session has one, a warning when the criteria are judged on the rows the thresholds were
/// chosen on, nothing for monitoring runs on other data (those rows are new by definition).
pub fn protocol_text(evaluation: &SessionEvaluation) -> Option<String> {
    match &evaluation.split {
        Some(split) => {
            let fit = count(split.fit_rows as f64);
            let fit_rows = match split.split {
                crate::session::EvaluationSplit::Holdout { .. } => format!("the other {fit} rows"),
                crate::session::EvaluationSplit::File { .. } => {
                    format!("the {fit} rows of the session's data")
                }
            };
            Some(format!(
                "Criteria judged on {} ({} rows); the thresholds were chosen on {fit_rows}.",
                split.split.description(),
                count(split.evaluation_rows as f64),
            ))
        }
        None if evaluation.data.matches_session => Some(
            "Criteria judged on the same rows the thresholds were chosen on: these numbers \
             flatter the decision. Record an evaluation split (session new --holdout F, or \
             --evaluate-on FILE) to judge it on rows it was not tuned on."
                .to_owned(),
        ),
        None => None,
    }
}

/// Whether the criteria were judged on the rows the thresholds were chosen on (the report's
/// prominent warning).
pub fn judged_in_sample(evaluation: &SessionEvaluation) -> bool {
    evaluation.split.is_none() && evaluation.data.matches_session
}

/// Whether the session's context forbids thresholds that differ between groups and the
/// decision's do (`check`, the report and the window flag it).
pub fn group_thresholds_flagged(session: &Session, evaluation: &SessionEvaluation) -> bool {
    thresholds_flagged(session.context, &evaluation.comparison.decision.resolved)
}

/// Whether thresholds that differ between groups are flagged in `context`, and `resolved` (every
/// group's threshold) differ.
pub fn thresholds_flagged(context: Option<UseContext>, resolved: &[f64]) -> bool {
    context.is_some_and(UseContext::flags_group_thresholds)
        && crate::session::context::thresholds_differ(resolved)
}

/// The flag on thresholds that differ between groups in an employment context, in words
/// (`None` when not flagged).
pub fn group_thresholds_warning(
    session: &Session,
    evaluation: &SessionEvaluation,
) -> Option<String> {
    thresholds_warning(
        session.context,
        &evaluation.comparison.decision.resolved,
        evaluation.single_threshold.as_ref(),
    )
}

/// [`group_thresholds_warning`] from its parts: the context, every group's threshold and the
/// single-threshold alternative (the window has no evaluation).
pub fn thresholds_warning(
    context: Option<UseContext>,
    resolved: &[f64],
    single: Option<&SingleThresholdAlternative>,
) -> Option<String> {
    if !thresholds_flagged(context, resolved) {
        return None;
    }
    let low = resolved.iter().copied().fold(f64::INFINITY, f64::min);
    let high = resolved.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(format!(
        "{} context: the decision's thresholds differ between groups ({} to {}). Title VII § 703(l) makes it unlawful in US employment to use different cutoff scores on the basis of race, color, religion, sex or national origin.{}",
        context.map_or("", UseContext::label),
        threshold_text(low),
        threshold_text(high),
        match single {
            Some(single) => format!(
                " One threshold for all, the most accurate on these data, is {}; its numbers are beside the decision's.",
                threshold_text(single.threshold)
            ),
            None => String::new(),
        }
    ))
}

/// One number compared between the decision and the single-threshold alternative: its name,
/// the decision's value and the alternative's.
pub type ComparedNumber = (&'static str, Option<f64>, Option<f64>);

/// The numbers compared between the decision and the single-threshold alternative.
pub fn single_threshold_comparison(evaluation: &SessionEvaluation) -> Vec<ComparedNumber> {
    single_threshold_rows(
        &evaluation.comparison.decision.audit,
        evaluation.single_threshold.as_ref(),
    )
}

/// [`single_threshold_comparison`] from the decision's audit and the alternative.
pub fn single_threshold_rows(
    decision: &Audit,
    single: Option<&SingleThresholdAlternative>,
) -> Vec<ComparedNumber> {
    let Some(single) = single else {
        return Vec::new();
    };
    let alternative = &single.audit;
    let overall = |audit: &Audit, metric: Metric| audit.overall.values.get(metric);
    vec![
        (
            "overall accuracy",
            overall(decision, Metric::Accuracy),
            overall(alternative, Metric::Accuracy),
        ),
        (
            "overall selection rate",
            overall(decision, Metric::SelectionRate),
            overall(alternative, Metric::SelectionRate),
        ),
        (
            "demographic_parity_difference",
            decision.summary.demographic_parity_difference,
            alternative.summary.demographic_parity_difference,
        ),
        (
            "equal_opportunity_difference",
            decision.summary.equal_opportunity_difference,
            alternative.summary.equal_opportunity_difference,
        ),
        (
            "disparate_impact",
            decision.summary.disparate_impact,
            alternative.summary.disparate_impact,
        ),
    ]
}
