//! The sign-off report as one self-contained HTML file: inline CSS and SVG, no scripts, no
//! external assets, print styles for A4. Every user or data string is escaped; every number is
//! formatted from the evaluation, never recomputed; identical inputs give identical bytes.

use std::fmt::Write as _;

use super::format::count;
use super::markup::{fixed, fixed_or_na, html};
use super::session_text::{
    RATE_DECIMALS, VALUE_DECIMALS, coverage, criteria_verdict, grouping_lines, measured,
    measured_with_group, metrics_of_interest, reference_text, rule_text, sign_off_outcome,
    sign_off_verdict, threshold_text,
};
use super::svg::{frontier_svg, intervals_svg};
use crate::engine::convention::passes_parity;
use crate::engine::{GroupAudit, Metric};
use crate::session::criteria::{Outcome, SummaryName};
use crate::session::{SCHEMA_VERSION, ScenarioResult, Session, SessionEvaluation};

/// The stylesheet: light backgrounds only, tabular numbers, A4 print rules.
const STYLE: &str = r#"
:root { --ink: #1f2937; --muted: #6b7280; --line: #d1d5db; --head: #f3f4f6;
  --pass: #166534; --pass-bg: #dcfce7; --fail: #991b1b; --fail-bg: #fee2e2;
  --undefined: #92400e; --undefined-bg: #fef3c7; }
* { box-sizing: border-box; }
html { background: #ffffff; }
body { margin: 0 auto; max-width: 1020px; padding: 32px 40px 48px; background: #ffffff;
  color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 16px; }
h2 { font-size: 18px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink);
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 15px; margin: 20px 0 6px; break-after: avoid; page-break-after: avoid; }
p { margin: 6px 0 10px; }
h2 + p, h3 + p { break-after: avoid; page-break-after: avoid; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 12px;
  margin: 0; }
.muted { color: var(--muted); }
.verdicts { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.verdict { flex: 1 1 240px; border: 1px solid var(--line); border-left: 6px solid var(--muted);
  padding: 8px 12px; }
.verdict .what { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .05em; }
.verdict strong { font-size: 15px; }
.verdict.pass { border-left-color: var(--pass); }
.verdict.fail { border-left-color: var(--fail); }
.verdict.undefined { border-left-color: var(--undefined); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.92em; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left;
  vertical-align: top; }
thead th { background: var(--head); font-weight: 600; border-bottom: 2px solid var(--ink); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { min-width: 9em; overflow-wrap: break-word; }
.ci { display: block; color: var(--muted); font-size: 11px; }
tr.overall td { font-weight: 600; border-top: 2px solid var(--ink); }
.out { color: var(--fail); font-weight: 700; }
.badge { display: inline-block; padding: 0 8px; border: 1px solid; border-radius: 10px;
  font-size: 11px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); border-color: var(--pass); }
.badge.fail { color: var(--fail); background: var(--fail-bg); border-color: var(--fail); }
.badge.undefined { color: var(--undefined); background: var(--undefined-bg);
  border-color: var(--undefined); }
figure, .keep { margin: 10px 0 14px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.rationale { border-left: 4px solid var(--line); padding: 2px 14px; }
footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 12px; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h1 { font-size: 22px; }
  h2 { font-size: 15px; margin-top: 22px; }
  table { font-size: 10.5px; }
  thead { display: table-header-group; }
  tr, .verdict, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  td.key { min-width: 7em; }
  section.new-page { break-before: page; page-break-before: always; }
  .badge, .verdict, thead th, figure svg { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"#;

/// The complete HTML report of a session evaluated on its data.
pub fn session_html(session: &Session, evaluation: &SessionEvaluation) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = report_title(session);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    writeln!(
        out,
        "<meta name=\"generator\" content=\"Fulcrum {}\">\n<title>{} — Fulcrum decision report</title>",
        env!("CARGO_PKG_VERSION"),
        html(&title)
    )
    .ok();
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>").ok();
    header(&mut out, session, evaluation, &title);
    criteria_section(&mut out, evaluation);
    data_section(&mut out, session, evaluation);
    mapping_section(&mut out, session, evaluation);
    thresholds_section(&mut out, evaluation);
    groups_section(&mut out, session, evaluation);
    disparities_section(&mut out, evaluation);
    frontier_section(&mut out, evaluation);
    scenarios_section(&mut out, session, evaluation);
    rationale_section(&mut out, session);
    sign_off_section(&mut out, session);
    footer(&mut out, session, evaluation);
    out.push_str("</body>\n</html>\n");
    out
}

/// The session's title, or a generic one.
pub fn report_title(session: &Session) -> String {
    if session.title.trim().is_empty() {
        "Threshold decision".to_owned()
    } else {
        session.title.clone()
    }
}

fn outcome_class(outcome: Outcome) -> &'static str {
    outcome.key()
}

fn badge(outcome: Outcome) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        outcome_class(outcome),
        outcome.label()
    )
}

fn header(out: &mut String, session: &Session, evaluation: &SessionEvaluation, title: &str) {
    let decision = &evaluation.comparison.decision;
    writeln!(
        out,
        "<header>\n<p class=\"kicker\">Fulcrum decision report</p>\n<h1>{}</h1>",
        html(title)
    )
    .ok();
    out.push_str("<div class=\"verdicts\">\n");
    let verdict = |out: &mut String, outcome: Outcome, what: &str, text: &str| {
        writeln!(
            out,
            "<div class=\"verdict {}\"><span class=\"what\">{}</span><strong>{}</strong></div>",
            outcome_class(outcome),
            html(what),
            html(text)
        )
        .ok();
    };
    verdict(
        out,
        evaluation.outcome(),
        "Acceptance criteria",
        &criteria_verdict(&decision.criteria),
    );
    verdict(
        out,
        sign_off_outcome(session),
        "Sign-off",
        &sign_off_verdict(session),
    );
    let (data_outcome, data_text) = if evaluation.data.matches_session {
        (Outcome::Pass, "The data matches the session's fingerprint")
    } else {
        (
            Outcome::Undefined,
            "Evaluated on other data than the session records (monitoring)",
        )
    };
    verdict(out, data_outcome, "Data", data_text);
    out.push_str("</div>\n<dl class=\"facts\">\n");
    let groups = decision.audit.groups.len();
    let facts = [
        (
            "Data file",
            format!("<code>{}</code>", html(&evaluation.data.path)),
        ),
        ("Rows", count(evaluation.data.rows_read as f64)),
        (
            "Groups",
            format!(
                "{groups} ({})",
                html(&evaluation.comparison.attribute_names.join(" × "))
            ),
        ),
        ("Decision rule", html(&rule_text(session))),
        (
            "Scenarios",
            evaluation.comparison.scenarios.len().to_string(),
        ),
    ];
    for (term, definition) in facts {
        writeln!(out, "<dt>{term}</dt><dd>{definition}</dd>").ok();
    }
    out.push_str("</dl>\n</header>\n");
}

fn criteria_section(out: &mut String, evaluation: &SessionEvaluation) {
    let decision = &evaluation.comparison.decision;
    out.push_str("<section id=\"criteria\">\n<h2>1. Acceptance criteria</h2>\n");
    if decision.criteria.is_empty() {
        out.push_str("<p class=\"muted\">No acceptance criteria are recorded in this session.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p>Each criterion is evaluated on the decision's thresholds; <code>accuracy_drop</code> against the baseline scenario.</p>\n",
    );
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Criterion</th><th>Result</th><th class=\"num\">Measured</th><th>Failing groups</th><th>Note</th></tr></thead>\n<tbody>\n");
    for result in &decision.criteria {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"key\">{}</td><td>{}</td></tr>",
            html(&result.criterion.to_string()),
            badge(result.outcome),
            html(&measured_with_group(result)),
            if result.failing_groups.is_empty() {
                "—".to_owned()
            } else {
                html(&result.failing_groups.join(", "))
            },
            html(result.note.as_deref().unwrap_or(""))
        )
        .ok();
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn data_section(out: &mut String, session: &Session, evaluation: &SessionEvaluation) {
    let data = &evaluation.data;
    out.push_str("<section id=\"data\">\n<h2>2. Data</h2>\n<dl class=\"facts\">\n");
    let mut facts: Vec<(&str, String)> = vec![
        ("File", format!("<code>{}</code>", html(&data.path))),
        (
            "SHA-256 recorded",
            format!("<code>{}</code>", html(&session.data.sha256)),
        ),
    ];
    if !data.matches_session {
        facts.push((
            "SHA-256 evaluated",
            format!(
                "<code>{}</code> <span class=\"out\">differs: these numbers are on other data than the session records</span>",
                html(&data.sha256)
            ),
        ));
    }
    facts.push(("Rows read", count(data.rows_read as f64)));
    if let Some(rows) = session.data.rows
        && rows as usize != data.rows_read
    {
        facts.push(("Rows recorded", count(rows as f64)));
    }
    facts.push(("Rows dropped as invalid", count(data.rows_dropped as f64)));
    for (term, definition) in facts {
        writeln!(out, "<dt>{term}</dt><dd>{definition}</dd>").ok();
    }
    out.push_str("</dl>\n");
    if !data.warnings.is_empty() {
        out.push_str("<ul>\n");
        for warning in &data.warnings {
            writeln!(out, "<li>{}</li>", html(warning)).ok();
        }
        out.push_str("</ul>\n");
    }
    if session.data.columns.is_empty() {
        out.push_str("<p class=\"muted\">The session does not record the file's columns (it was written by an older Fulcrum).</p>\n");
    } else {
        out.push_str("<h3>Columns recorded</h3>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Column</th><th>Type</th><th>Role</th></tr></thead>\n<tbody>\n");
        for column in &session.data.columns {
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                html(&column.name),
                html(&column.dtype),
                html(&column_role(session, &column.name))
            )
            .ok();
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    out.push_str("</section>\n");
}

/// The role a column plays in the session, for the columns table.
fn column_role(session: &Session, name: &str) -> String {
    let roles = &session.roles;
    let mut played = Vec::new();
    if roles.score == name {
        played.push("score");
    }
    if roles.label == name {
        played.push("label");
    }
    if roles.weight.as_deref() == Some(name) {
        played.push("weight");
    }
    if roles.attributes.iter().any(|a| a == name) {
        played.push("group attribute");
    }
    if played.is_empty() {
        "—".to_owned()
    } else {
        played.join(", ")
    }
}

fn mapping_section(out: &mut String, session: &Session, evaluation: &SessionEvaluation) {
    let audit = &evaluation.comparison.decision.audit;
    out.push_str(
        "<section id=\"mapping\">\n<h2>3. Mapping and grouping</h2>\n<dl class=\"facts\">\n",
    );
    let roles = &session.roles;
    let grouping: Vec<String> = grouping_lines(&session.grouping)
        .iter()
        .map(|l| html(l))
        .collect();
    let facts = [
        ("Score", format!("<code>{}</code>", html(&roles.score))),
        (
            "Label",
            format!(
                "<code>{}</code>, positive outcome <code>{}</code>",
                html(&roles.label),
                html(&evaluation.data.positive_label)
            ),
        ),
        (
            "Weight",
            roles.weight.as_ref().map_or_else(
                || "none (every row counts 1)".to_owned(),
                |w| format!("<code>{}</code> (frequency weights)", html(w)),
            ),
        ),
        ("Groups by", grouping.join("<br>")),
        ("Decision rule", html(&rule_text(session))),
        (
            "Convention",
            format!("<code>{}</code>", html(session.convention.key())),
        ),
        ("Reference group", html(&reference_text(audit))),
        (
            "Small-group flag",
            format!(
                "weight or rate denominator under {}",
                count(session.min_count)
            ),
        ),
    ];
    for (term, definition) in facts {
        writeln!(out, "<dt>{term}</dt><dd>{definition}</dd>").ok();
    }
    out.push_str("</dl>\n</section>\n");
}

fn thresholds_section(out: &mut String, evaluation: &SessionEvaluation) {
    let comparison = &evaluation.comparison;
    out.push_str("<section id=\"thresholds\">\n<h2>4. Thresholds</h2>\n");
    out.push_str("<p>Each group's threshold under the decision and every scenario (<em>nobody</em>: no one in the group is selected; <em>everybody</em>: all are).</p>\n");
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Group</th>");
    for column in comparison.columns() {
        writeln!(out, "<th class=\"num\">{}</th>", html(&column.name)).ok();
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (position, group) in comparison.decision.audit.groups.iter().enumerate() {
        write!(out, "<tr><td class=\"key\">{}</td>", html(&group.key)).ok();
        for column in comparison.columns() {
            let text = column
                .resolved
                .get(position)
                .map_or_else(|| "—".to_owned(), |t| threshold_text(*t));
            write!(out, "<td class=\"num\">{}</td>", html(&text)).ok();
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    if !comparison.warnings.is_empty() {
        out.push_str("<ul>\n");
        for warning in &comparison.warnings {
            writeln!(out, "<li class=\"out\">{}</li>", html(warning)).ok();
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// A rate with its 95% interval on a second line.
fn rate_cell(group: &GroupAudit, metric: Metric) -> String {
    let value = fixed_or_na(group.values.get(metric), RATE_DECIMALS);
    match group.interval(metric) {
        Some(interval) => format!(
            "{value}<span class=\"ci\">[{}, {}]</span>",
            fixed(interval.low, RATE_DECIMALS),
            fixed(interval.high, RATE_DECIMALS)
        ),
        None => value,
    }
}

/// Metrics in the per-group table.
const GROUP_TABLE_METRICS: [Metric; 6] = [
    Metric::BaseRate,
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
    Metric::Accuracy,
];

fn groups_section(out: &mut String, session: &Session, evaluation: &SessionEvaluation) {
    let audit = &evaluation.comparison.decision.audit;
    out.push_str("<section id=\"groups\">\n<h2>5. Results by group</h2>\n");
    out.push_str("<p>At the decision's thresholds. Under each rate, its 95% Wilson interval. <em>Small</em>: the group, or a rate's denominator, weighs less than the small-group limit, so its rates are uncertain.</p>\n");
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Group</th><th class=\"num\">n<span class=\"ci\">share</span></th><th class=\"num\">Threshold</th>");
    for metric in GROUP_TABLE_METRICS {
        writeln!(out, "<th class=\"num\">{}</th>", html(metric.label())).ok();
    }
    out.push_str("<th>Flags</th></tr></thead>\n<tbody>\n");
    let row = |out: &mut String, group: &GroupAudit, class: &str| {
        write!(
            out,
            "<tr{class}><td class=\"key\">{}</td><td class=\"num\">{}<span class=\"ci\">{}%</span></td><td class=\"num\">{}</td>",
            html(&group.key),
            count(group.weight),
            fixed(group.share * 100.0, 1),
            html(&group.threshold.map_or_else(|| "varies".to_owned(), threshold_text))
        )
        .ok();
        for metric in GROUP_TABLE_METRICS {
            write!(out, "<td class=\"num\">{}</td>", rate_cell(group, metric)).ok();
        }
        let flag = if group.small { "small" } else { "" };
        writeln!(out, "<td>{flag}</td></tr>").ok();
    };
    for group in &audit.groups {
        row(out, group, "");
    }
    row(out, &audit.overall, " class=\"overall\"");
    out.push_str("</tbody>\n</table></div>\n");
    let metrics = metrics_of_interest(session, 3);
    writeln!(
        out,
        "<figure>\n{}<figcaption>Dots: each group's value; bars: 95% intervals; hollow dots: small groups; dashed line: everyone together.</figcaption>\n</figure>",
        intervals_svg(audit, &metrics)
    )
    .ok();
    out.push_str("</section>\n");
}

/// Metrics in the disparity table.
const DISPARITY_METRICS: [Metric; 4] = [
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
];

fn disparities_section(out: &mut String, evaluation: &SessionEvaluation) {
    let audit = &evaluation.comparison.decision.audit;
    out.push_str("<section id=\"disparities\">\n<h2>6. Disparities</h2>\n");
    out.push_str("<h3>Across groups</h3>\n<div class=\"table-wrap\"><table>\n<thead><tr><th>Summary</th><th class=\"num\">Value</th></tr></thead>\n<tbody>\n");
    for name in SummaryName::ALL {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
            name.key(),
            fixed_or_na(name.value(&audit.summary), VALUE_DECIMALS)
        )
        .ok();
    }
    let four_fifths = match audit.summary.four_fifths_pass {
        Some(true) => badge(Outcome::Pass),
        Some(false) => badge(Outcome::Fail),
        None => badge(Outcome::Undefined),
    };
    writeln!(
        out,
        "<tr><td>Four-fifths rule (disparate impact ≥ 0.8)</td><td class=\"num\">{four_fifths}</td></tr>"
    )
    .ok();
    out.push_str("</tbody>\n</table></div>\n");
    writeln!(
        out,
        "<h3>Each group against the reference</h3>\n<p>A group's value divided by the reference group's ({}). Values outside [0.8, 1.25] (the four-fifths band) are marked.</p>",
        html(&reference_text(audit))
    )
    .ok();
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Group</th>");
    for metric in DISPARITY_METRICS {
        writeln!(out, "<th class=\"num\">{}</th>", html(metric.label())).ok();
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for group in &audit.groups {
        write!(out, "<tr><td class=\"key\">{}</td>", html(&group.key)).ok();
        for metric in DISPARITY_METRICS {
            let cell = match group.disparity(metric) {
                None => "n/a".to_owned(),
                Some(d) if passes_parity(d) => fixed(d, RATE_DECIMALS),
                Some(d) => format!("<span class=\"out\">{}</span>", fixed(d, RATE_DECIMALS)),
            };
            write!(out, "<td class=\"num\">{cell}</td>").ok();
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn frontier_section(out: &mut String, evaluation: &SessionEvaluation) {
    out.push_str("<section id=\"frontier\">\n<h2>7. Accuracy–fairness frontier</h2>\n");
    let Some(frontier) = &evaluation.frontier else {
        writeln!(
            out,
            "<p class=\"muted\">No frontier: {}.</p>\n</section>",
            html(
                evaluation
                    .frontier_note
                    .as_deref()
                    .unwrap_or("not computed")
            )
        )
        .ok();
        return;
    };
    writeln!(
        out,
        "<div class=\"keep\">\n<p>For {} ({}). The solid line is the most accurate choice of per-group thresholds for each allowed gap; the dashed line uses one threshold for everyone; the dotted line bounds what any thresholds, even randomized ones, could reach. Points below the solid line are improvable at the same gap.</p>",
        html(frontier.constraint.label()),
        html(&frontier.chosen_because)
    )
    .ok();
    writeln!(out, "<figure>\n{}</figure>\n</div>", frontier_svg(frontier)).ok();
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Thresholds</th><th class=\"num\">Gap</th><th class=\"num\">Overall accuracy</th></tr></thead>\n<tbody>\n");
    let mut row = |name: &str, point: Option<crate::session::GapAccuracy>| {
        let (gap, accuracy) = point.map_or((None, None), |p| (Some(p.gap), Some(p.accuracy)));
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            html(name),
            fixed_or_na(gap, VALUE_DECIMALS),
            fixed_or_na(accuracy, VALUE_DECIMALS)
        )
        .ok();
    };
    row("Decision", frontier.decision);
    for (name, point) in &frontier.scenarios {
        row(name, Some(*point));
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn scenarios_section(out: &mut String, session: &Session, evaluation: &SessionEvaluation) {
    let comparison = &evaluation.comparison;
    out.push_str("<section id=\"scenarios\">\n<h2>8. Scenarios compared</h2>\n");
    if comparison.scenarios.is_empty() {
        out.push_str("<p class=\"muted\">No scenarios are recorded; only the decision is evaluated.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th></th>");
    for column in comparison.columns() {
        writeln!(out, "<th class=\"num\">{}</th>", html(&column.name)).ok();
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let columns: Vec<&ScenarioResult> = comparison.columns().collect();
    let text_row = |out: &mut String, label: &str, cell: &dyn Fn(&ScenarioResult) -> String| {
        write!(out, "<tr><td>{label}</td>").ok();
        for column in &columns {
            write!(out, "<td class=\"num\">{}</td>", cell(column)).ok();
        }
        out.push_str("</tr>\n");
    };
    text_row(out, "Role", &|c| {
        if c.is_decision {
            "decision".to_owned()
        } else if c.baseline {
            "baseline".to_owned()
        } else if c.same_as_decision {
            "= decision".to_owned()
        } else {
            "alternative".to_owned()
        }
    });
    for metric in [Metric::Accuracy, Metric::SelectionRate] {
        text_row(
            out,
            &format!("Overall {}", html(&metric.label().to_lowercase())),
            &|c| fixed_or_na(c.audit.overall.values.get(metric), VALUE_DECIMALS),
        );
    }
    for name in SummaryName::ALL {
        text_row(out, &format!("<code>{}</code>", name.key()), &|c| {
            fixed_or_na(name.value(&c.audit.summary), VALUE_DECIMALS)
        });
    }
    for (position, criterion) in session.criteria.iter().enumerate() {
        text_row(
            out,
            &format!("<code>{}</code>", html(&criterion.to_string())),
            &|c| {
                c.criteria.get(position).map_or_else(String::new, |r| {
                    format!(
                        "{}<span class=\"ci\">{}</span>",
                        badge(r.outcome),
                        html(&measured(r))
                    )
                })
            },
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    for metric in metrics_of_interest(session, 4) {
        writeln!(out, "<h3>{} by group</h3>", html(metric.label())).ok();
        out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Group</th>");
        for column in &columns {
            write!(out, "<th class=\"num\">{}</th>", html(&column.name)).ok();
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (position, group) in comparison.decision.audit.groups.iter().enumerate() {
            write!(out, "<tr><td class=\"key\">{}</td>", html(&group.key)).ok();
            for column in &columns {
                let value = column
                    .audit
                    .groups
                    .get(position)
                    .and_then(|g| g.values.get(metric));
                write!(
                    out,
                    "<td class=\"num\">{}</td>",
                    fixed_or_na(value, RATE_DECIMALS)
                )
                .ok();
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    let notes: Vec<&ScenarioResult> = comparison
        .scenarios
        .iter()
        .filter(|s| !s.note.is_empty())
        .collect();
    if !notes.is_empty() {
        out.push_str("<h3>Notes</h3>\n<dl class=\"facts\">\n");
        for scenario in notes {
            writeln!(
                out,
                "<dt>{}</dt><dd>{}</dd>",
                html(&scenario.name),
                html(&scenario.note)
            )
            .ok();
        }
        out.push_str("</dl>\n");
    }
    out.push_str("</section>\n");
}

fn rationale_section(out: &mut String, session: &Session) {
    out.push_str("<section id=\"rationale\" class=\"new-page\">\n<h2>9. Rationale</h2>\n");
    if session.rationale.trim().is_empty() {
        out.push_str("<p class=\"muted\">No rationale is recorded.</p>\n");
    } else {
        out.push_str("<div class=\"rationale\">\n");
        for paragraph in session
            .rationale
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
        {
            let lines: Vec<String> = paragraph.trim().lines().map(html).collect();
            writeln!(out, "<p>{}</p>", lines.join("<br>")).ok();
        }
        out.push_str("</div>\n");
    }
    out.push_str("</section>\n");
}

fn sign_off_section(out: &mut String, session: &Session) {
    out.push_str("<section id=\"sign-off\">\n<h2>10. Sign-off</h2>\n");
    if session.sign_offs.is_empty() {
        out.push_str("<p class=\"muted\">Nobody has signed this session.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr><th>Name</th><th>Role</th><th>Date</th><th>Decision</th><th>Comment</th><th>Covers this version</th></tr></thead>\n<tbody>\n");
    for (position, entry) in session.sign_offs.iter().enumerate() {
        let decision_outcome = match entry.decision {
            crate::session::Decision::Approved => Outcome::Pass,
            crate::session::Decision::ApprovedWithConditions => Outcome::Undefined,
            crate::session::Decision::Rejected => Outcome::Fail,
        };
        let (covers, covers_outcome) = coverage(session, position);
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td><span class=\"badge {}\">{}</span></td><td>{}</td><td><span class=\"badge {}\">{}</span></td></tr>",
            html(&entry.name),
            if entry.role.is_empty() { "—".to_owned() } else { html(&entry.role) },
            html(entry.date.as_str()),
            outcome_class(decision_outcome),
            html(entry.decision.label()),
            html(&entry.comment),
            outcome_class(covers_outcome),
            html(covers)
        )
        .ok();
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn footer(out: &mut String, session: &Session, evaluation: &SessionEvaluation) {
    let migrated = session
        .migrated_from
        .map(|v| format!(" (migrated from schema {v})"))
        .unwrap_or_default();
    writeln!(
        out,
        "<footer>\n<p>Generated by Fulcrum {} from a session of schema {SCHEMA_VERSION}{migrated}; session content SHA-256 <code>{}</code>; data SHA-256 <code>{}</code>.</p>\n<p>Every number comes from Fulcrum's audit of the data at the recorded thresholds (convention <code>{}</code>); intervals are 95% Wilson score intervals. The report reads no clock: the only dates are those recorded in the session.</p>\n</footer>",
        env!("CARGO_PKG_VERSION"),
        session.content_digest(),
        html(&evaluation.data.sha256),
        html(session.convention.key())
    )
    .ok();
}
