//! The sign-off report as Markdown (GitHub-flavoured tables), for pull requests and wikis. Same
//! content as the HTML report without the charts; the frontier is a table of points.

use std::fmt::Write as _;

use super::format::count;
use super::markup::{fixed, fixed_or_na, markdown as md};
use super::session_html::report_title;
use super::session_text::{
    RATE_DECIMALS, VALUE_DECIMALS, coverage, criteria_verdict, grouping_lines, measured,
    measured_with_group, metrics_of_interest, reference_text, rule_text, sign_off_verdict,
    threshold_text,
};
use crate::engine::convention::passes_parity;
use crate::engine::{GroupAudit, Metric};
use crate::session::criteria::SummaryName;
use crate::session::{SCHEMA_VERSION, ScenarioResult, Session, SessionEvaluation};

/// A Markdown table row from cells (already escaped).
fn row(out: &mut String, cells: &[String]) {
    writeln!(out, "| {} |", cells.join(" | ")).ok();
}

/// A header row and its alignment row (`right` marks numeric columns).
fn header(out: &mut String, titles: &[String], right: &[bool]) {
    row(out, titles);
    let rule: Vec<String> = right
        .iter()
        .map(|r| {
            if *r {
                "---:".to_owned()
            } else {
                "---".to_owned()
            }
        })
        .collect();
    row(out, &rule);
}

/// The complete Markdown report of a session evaluated on its data.
pub fn session_markdown(session: &Session, evaluation: &SessionEvaluation) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let comparison = &evaluation.comparison;
    let decision = &comparison.decision;
    let audit = &decision.audit;
    writeln!(out, "# {}\n", md(&report_title(session))).ok();
    writeln!(out, "*Fulcrum decision report*\n").ok();
    writeln!(
        out,
        "- **Acceptance criteria:** {}\n- **Sign-off:** {}\n- **Data:** {}\n",
        md(&criteria_verdict(&decision.criteria)),
        md(&sign_off_verdict(session)),
        if evaluation.data.matches_session {
            "matches the session's fingerprint"
        } else {
            "**other data than the session records (monitoring)**"
        }
    )
    .ok();

    out.push_str("## 1. Acceptance criteria\n\n");
    if decision.criteria.is_empty() {
        out.push_str("No acceptance criteria are recorded in this session.\n\n");
    } else {
        header(
            &mut out,
            &["Criterion", "Result", "Measured", "Failing groups", "Note"].map(String::from),
            &[false, false, true, false, false],
        );
        for result in &decision.criteria {
            row(
                &mut out,
                &[
                    format!("`{}`", result.criterion),
                    format!("**{}**", result.outcome.label()),
                    md(&measured_with_group(result)),
                    if result.failing_groups.is_empty() {
                        "—".into()
                    } else {
                        md(&result.failing_groups.join(", "))
                    },
                    md(result.note.as_deref().unwrap_or("")),
                ],
            );
        }
        out.push('\n');
    }

    out.push_str("## 2. Data\n\n");
    let data = &evaluation.data;
    writeln!(out, "- File: `{}`", data.path.replace('`', "'")).ok();
    writeln!(out, "- SHA-256 recorded: `{}`", md(&session.data.sha256)).ok();
    if !data.matches_session {
        writeln!(
            out,
            "- SHA-256 evaluated: `{}` — **differs: these numbers are on other data**",
            md(&data.sha256)
        )
        .ok();
    }
    writeln!(out, "- Rows read: {}", count(data.rows_read as f64)).ok();
    writeln!(
        out,
        "- Rows dropped as invalid: {}",
        count(data.rows_dropped as f64)
    )
    .ok();
    for warning in &data.warnings {
        writeln!(out, "- Warning: {}", md(warning)).ok();
    }
    out.push('\n');
    if !session.data.columns.is_empty() {
        header(
            &mut out,
            &["Column", "Type"].map(String::from),
            &[false, false],
        );
        for column in &session.data.columns {
            row(&mut out, &[md(&column.name), md(&column.dtype)]);
        }
        out.push('\n');
    }

    out.push_str("## 3. Mapping and grouping\n\n");
    let roles = &session.roles;
    writeln!(out, "- Score: {}", md(&roles.score)).ok();
    writeln!(
        out,
        "- Label: {} (positive outcome: {})",
        md(&roles.label),
        md(&data.positive_label)
    )
    .ok();
    writeln!(
        out,
        "- Weight: {}",
        roles
            .weight
            .as_deref()
            .map_or_else(|| "none".to_owned(), md)
    )
    .ok();
    let grouping: Vec<String> = grouping_lines(&session.grouping)
        .iter()
        .map(|l| md(l))
        .collect();
    writeln!(out, "- Groups by: {}", grouping.join("; ")).ok();
    writeln!(out, "- Decision rule: {}", md(&rule_text(session))).ok();
    writeln!(out, "- Convention: {}", md(session.convention.key())).ok();
    writeln!(out, "- Reference group: {}", md(&reference_text(audit))).ok();
    writeln!(out, "- Small-group limit: {}\n", count(session.min_count)).ok();

    out.push_str("## 4. Thresholds\n\n");
    let columns: Vec<&ScenarioResult> = comparison.columns().collect();
    let mut titles = vec!["Group".to_owned()];
    titles.extend(columns.iter().map(|c| md(&c.name)));
    let mut right = vec![false];
    right.extend(columns.iter().map(|_| true));
    header(&mut out, &titles, &right);
    for (position, group) in audit.groups.iter().enumerate() {
        let mut cells = vec![md(&group.key)];
        cells.extend(columns.iter().map(|c| {
            c.resolved
                .get(position)
                .map_or_else(|| "—".to_owned(), |t| threshold_text(*t))
        }));
        row(&mut out, &cells);
    }
    out.push('\n');
    for warning in &comparison.warnings {
        writeln!(out, "- **Warning:** {}", md(warning)).ok();
    }

    out.push_str("## 5. Results by group\n\nRates with their 95% Wilson intervals.\n\n");
    let metrics = [
        Metric::BaseRate,
        Metric::SelectionRate,
        Metric::Tpr,
        Metric::Fpr,
        Metric::Precision,
        Metric::Accuracy,
    ];
    let mut titles: Vec<String> = ["Group", "n", "Share", "Threshold"]
        .map(String::from)
        .to_vec();
    titles.extend(metrics.iter().map(|m| md(m.label())));
    titles.push("Flags".into());
    let mut right = vec![false, true, true, true];
    right.extend(metrics.iter().map(|_| true));
    right.push(false);
    header(&mut out, &titles, &right);
    let group_row = |out: &mut String, group: &GroupAudit, bold: bool| {
        let strong = |text: String| if bold { format!("**{text}**") } else { text };
        let mut cells = vec![
            strong(md(&group.key)),
            count(group.weight),
            fixed(group.share, RATE_DECIMALS),
            group
                .threshold
                .map_or_else(|| "varies".to_owned(), threshold_text),
        ];
        cells.extend(metrics.iter().map(|m| {
            let value = fixed_or_na(group.values.get(*m), RATE_DECIMALS);
            match group.interval(*m) {
                Some(i) => format!(
                    "{value} \\[{}, {}\\]",
                    fixed(i.low, RATE_DECIMALS),
                    fixed(i.high, RATE_DECIMALS)
                ),
                None => value,
            }
        }));
        cells.push(if group.small {
            "small".into()
        } else {
            String::new()
        });
        row(out, &cells);
    };
    for group in &audit.groups {
        group_row(&mut out, group, false);
    }
    group_row(&mut out, &audit.overall, true);
    out.push('\n');

    out.push_str("## 6. Disparities\n\n");
    header(
        &mut out,
        &["Summary", "Value"].map(String::from),
        &[false, true],
    );
    for name in SummaryName::ALL {
        row(
            &mut out,
            &[
                format!("`{}`", name.key()),
                fixed_or_na(name.value(&audit.summary), VALUE_DECIMALS),
            ],
        );
    }
    let four_fifths = match audit.summary.four_fifths_pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "UNDEFINED",
    };
    row(
        &mut out,
        &[
            "Four-fifths rule (disparate impact ≥ 0.8)".into(),
            four_fifths.into(),
        ],
    );
    writeln!(
        out,
        "\nEach group against the reference ({}); values outside \\[0.8, 1.25\\] in bold.\n",
        md(&reference_text(audit))
    )
    .ok();
    let disparity_metrics = [
        Metric::SelectionRate,
        Metric::Tpr,
        Metric::Fpr,
        Metric::Precision,
    ];
    let mut titles = vec!["Group".to_owned()];
    titles.extend(disparity_metrics.iter().map(|m| md(m.label())));
    let mut right = vec![false];
    right.extend(disparity_metrics.iter().map(|_| true));
    header(&mut out, &titles, &right);
    for group in &audit.groups {
        let mut cells = vec![md(&group.key)];
        cells.extend(disparity_metrics.iter().map(|m| match group.disparity(*m) {
            None => "n/a".to_owned(),
            Some(d) if passes_parity(d) => fixed(d, RATE_DECIMALS),
            Some(d) => format!("**{}**", fixed(d, RATE_DECIMALS)),
        }));
        row(&mut out, &cells);
    }
    out.push('\n');

    out.push_str("## 7. Accuracy–fairness frontier\n\n");
    match &evaluation.frontier {
        None => {
            writeln!(
                out,
                "No frontier: {}.\n",
                md(evaluation
                    .frontier_note
                    .as_deref()
                    .unwrap_or("not computed"))
            )
            .ok();
        }
        Some(frontier) => {
            writeln!(
                out,
                "For {} ({}). The chart is in the HTML report; the decision, the scenarios and the best per-group thresholds by gap:\n",
                md(frontier.constraint.label()),
                md(&frontier.chosen_because)
            )
            .ok();
            header(
                &mut out,
                &["Thresholds", "Gap", "Overall accuracy"].map(String::from),
                &[false, true, true],
            );
            let point_row =
                |out: &mut String, name: String, gap: Option<f64>, accuracy: Option<f64>| {
                    row(
                        out,
                        &[
                            name,
                            fixed_or_na(gap, VALUE_DECIMALS),
                            fixed_or_na(accuracy, VALUE_DECIMALS),
                        ],
                    );
                };
            point_row(
                &mut out,
                "**Decision**".into(),
                frontier.decision.map(|p| p.gap),
                frontier.decision.map(|p| p.accuracy),
            );
            for (name, point) in &frontier.scenarios {
                point_row(&mut out, md(name), Some(point.gap), Some(point.accuracy));
            }
            // The steps of the frontier: each point that buys accuracy with a larger gap.
            let mut steps = frontier.optimal.clone();
            steps.sort_by(|a, b| a.gap.total_cmp(&b.gap));
            let mut best = f64::NEG_INFINITY;
            steps.retain(|p| {
                let improves = p.accuracy > best;
                best = best.max(p.accuracy);
                improves
            });
            for point in &steps {
                point_row(
                    &mut out,
                    "best per-group thresholds".into(),
                    Some(point.gap),
                    Some(point.accuracy),
                );
            }
            out.push('\n');
        }
    }

    out.push_str("## 8. Scenarios compared\n\n");
    if comparison.scenarios.is_empty() {
        out.push_str("No scenarios are recorded; only the decision is evaluated.\n\n");
    } else {
        let mut titles = vec![String::new()];
        titles.extend(columns.iter().map(|c| md(&c.name)));
        let mut right = vec![false];
        right.extend(columns.iter().map(|_| true));
        header(&mut out, &titles, &right);
        let line = |out: &mut String, label: String, cell: &dyn Fn(&ScenarioResult) -> String| {
            let mut cells = vec![label];
            cells.extend(columns.iter().map(|c| cell(c)));
            row(out, &cells);
        };
        line(&mut out, "Role".into(), &|c| {
            if c.is_decision {
                "decision".into()
            } else if c.baseline {
                "baseline".into()
            } else if c.same_as_decision {
                "= decision".into()
            } else {
                "alternative".into()
            }
        });
        for metric in [Metric::Accuracy, Metric::SelectionRate] {
            line(
                &mut out,
                format!("Overall {}", md(&metric.label().to_lowercase())),
                &|c| fixed_or_na(c.audit.overall.values.get(metric), VALUE_DECIMALS),
            );
        }
        for name in SummaryName::ALL {
            line(&mut out, format!("`{}`", name.key()), &|c| {
                fixed_or_na(name.value(&c.audit.summary), VALUE_DECIMALS)
            });
        }
        for (position, criterion) in session.criteria.iter().enumerate() {
            line(&mut out, format!("`{criterion}`"), &|c| {
                c.criteria.get(position).map_or_else(String::new, |r| {
                    format!("{} {}", r.outcome.label(), md(&measured(r)))
                })
            });
        }
        out.push('\n');
        for metric in metrics_of_interest(session, 4) {
            writeln!(out, "### {} by group\n", md(metric.label())).ok();
            let mut titles = vec!["Group".to_owned()];
            titles.extend(columns.iter().map(|c| md(&c.name)));
            header(&mut out, &titles, &right);
            for (position, group) in audit.groups.iter().enumerate() {
                let mut cells = vec![md(&group.key)];
                cells.extend(columns.iter().map(|c| {
                    fixed_or_na(
                        c.audit
                            .groups
                            .get(position)
                            .and_then(|g| g.values.get(metric)),
                        RATE_DECIMALS,
                    )
                }));
                row(&mut out, &cells);
            }
            out.push('\n');
        }
        for scenario in comparison.scenarios.iter().filter(|s| !s.note.is_empty()) {
            writeln!(out, "- **{}:** {}", md(&scenario.name), md(&scenario.note)).ok();
        }
        out.push('\n');
    }

    out.push_str("## 9. Rationale\n\n");
    if session.rationale.trim().is_empty() {
        out.push_str("No rationale is recorded.\n\n");
    } else {
        for paragraph in session
            .rationale
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
        {
            writeln!(out, "> {}\n", md(paragraph.trim())).ok();
        }
    }

    out.push_str("## 10. Sign-off\n\n");
    if session.sign_offs.is_empty() {
        out.push_str("Nobody has signed this session.\n\n");
    } else {
        header(
            &mut out,
            &[
                "Name",
                "Role",
                "Date",
                "Decision",
                "Comment",
                "Covers this version",
            ]
            .map(String::from),
            &[false, false, false, false, false, false],
        );
        for (position, entry) in session.sign_offs.iter().enumerate() {
            row(
                &mut out,
                &[
                    md(&entry.name),
                    if entry.role.is_empty() {
                        "—".into()
                    } else {
                        md(&entry.role)
                    },
                    entry.date.to_string(),
                    entry.decision.label().into(),
                    md(&entry.comment),
                    coverage(session, position).0.into(),
                ],
            );
        }
        out.push('\n');
    }

    writeln!(
        out,
        "---\n\nGenerated by Fulcrum {} from a session of schema {SCHEMA_VERSION}; session content SHA-256 `{}`; data SHA-256 `{}`. Intervals are 95% Wilson score intervals; the only dates are those recorded in the session.",
        env!("CARGO_PKG_VERSION"),
        session.content_digest(),
        md(&evaluation.data.sha256)
    )
    .ok();
    out
}
