//! The audit as an aligned text table for terminals 80–120 columns wide.

use std::fmt::Write as _;

use super::format::{count, rate, threshold};
use crate::engine::adverse_impact::AdverseImpact;
use crate::engine::intervals::Interval;
use crate::engine::uncertainty::TestMethod;
use crate::engine::{Audit, AuditUncertainty, GroupAudit, Metric};

/// Longest group key shown in full; longer keys are shortened with "…".
const MAX_KEY_WIDTH: usize = 34;

/// Metrics shown as columns, with their headers.
const COLUMNS: [(Metric, &str); 6] = [
    (Metric::BaseRate, "base"),
    (Metric::SelectionRate, "select"),
    (Metric::Tpr, "TPR"),
    (Metric::Fpr, "FPR"),
    (Metric::Precision, "prec."),
    (Metric::Accuracy, "acc."),
];

/// The short column header of `metric` in the aligned tables (its full label when it has none).
pub(crate) fn short_header(metric: Metric) -> &'static str {
    COLUMNS
        .iter()
        .find(|(m, _)| *m == metric)
        .map_or_else(|| metric.label(), |(_, header)| *header)
}

fn shorten(key: &str, width: usize) -> String {
    if key.chars().count() <= width {
        key.to_owned()
    } else {
        let mut short: String = key.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn pad_left(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(len)))
}

/// Renders the audit: one line per group plus overall, then the fairness summary and notes; with
/// `uncertainty`, every summary carries its interval and significant selection-rate
/// differences are starred.
pub fn audit_table(audit: &Audit, uncertainty: Option<&AuditUncertainty>) -> String {
    let key_width = audit
        .groups
        .iter()
        .map(|g| g.key.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(7, MAX_KEY_WIDTH);
    let threshold_width = audit
        .groups
        .iter()
        .map(|g| threshold(g.threshold).chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 10);
    let count_width = count(audit.overall.weight).chars().count().max(5);
    let mut out = String::new();
    let mut header = format!(
        "{} {} {}",
        pad("group", key_width),
        pad_left("n", count_width),
        pad_left("thr.", threshold_width)
    );
    for (_, title) in COLUMNS {
        header.push_str(&pad_left(title, 7));
    }
    // The calibration column, when any group's ECE is defined.
    let with_ece = audit
        .calibration
        .as_ref()
        .is_some_and(|c| c.ece.iter().any(Option::is_some));
    if with_ece {
        header.push_str(&pad_left("ECE", 7));
    }
    header.push_str("  S/ref   flags");
    out.push_str(&header);
    out.push('\n');
    out.push_str(&"─".repeat(header.chars().count()));
    out.push('\n');
    let row = |out: &mut String, group: &GroupAudit, index: Option<usize>| {
        let is_overall = index.is_none();
        let star = match (uncertainty, index) {
            (Some(u), Some(i)) if u.significant(i, Metric::SelectionRate) => "*",
            _ => " ",
        };
        let mut line = format!(
            "{} {} {}",
            pad(&shorten(&group.key, key_width), key_width),
            pad_left(&count(group.weight), count_width),
            pad_left(&threshold(group.threshold), threshold_width)
        );
        for (metric, _) in COLUMNS {
            line.push_str(&pad_left(&rate(group.values.get(metric)), 7));
        }
        if with_ece {
            let ece = match index {
                Some(i) => audit.ece(i),
                None => audit.calibration.as_ref().and_then(|c| c.overall),
            };
            line.push_str(&pad_left(&rate(ece), 7));
        }
        let disparity = group.disparity(Metric::SelectionRate);
        line.push_str(&pad_left(
            &if is_overall {
                String::new()
            } else {
                disparity.map_or_else(|| "n/a".into(), |d| format!("{d:.2}{star}"))
            },
            8,
        ));
        let mut flags = Vec::new();
        if group.small {
            flags.push("small");
        }
        if !is_overall && disparity.is_some_and(|d| !crate::engine::convention::passes_parity(d)) {
            flags.push("4/5✗");
        }
        if !flags.is_empty() {
            line.push_str("  ");
            line.push_str(&flags.join(" "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    for (i, group) in audit.groups.iter().enumerate() {
        row(&mut out, group, Some(i));
    }
    out.push_str(&"─".repeat(header.chars().count()));
    out.push('\n');
    row(&mut out, &audit.overall, None);

    let summary = &audit.summary;
    let reference = audit
        .metric_summary(Metric::SelectionRate)
        .and_then(|s| s.reference_group)
        .and_then(|i| audit.groups.get(i))
        .map_or("n/a", |g| g.key.as_str());
    let number = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"));
    // A summary with its interval: `0.123 [0.080, 0.170]`, padded so the columns line up.
    let with_interval = |key: &str, v: Option<f64>| match uncertainty {
        None => format!("{:>6}", number(v)),
        Some(u) => {
            let interval = u.summary_interval(key).map_or_else(
                || " ".repeat(16),
                |Interval { low, high }| format!(" [{low:.3}, {high:.3}]"),
            );
            format!("{:>6}{interval:<16}", number(v))
        }
    };
    out.push('\n');
    writeln!(
        out,
        "Across groups (convention {}, reference {} = {}):",
        audit.options.convention, audit.options.reference, reference
    )
    .ok();
    writeln!(
        out,
        "  demographic parity   difference {}  ratio {}",
        with_interval(
            "demographic_parity_difference",
            summary.demographic_parity_difference
        ),
        with_interval("demographic_parity_ratio", summary.demographic_parity_ratio)
    )
    .ok();
    writeln!(
        out,
        "  equal opportunity    difference {}  ratio {}",
        with_interval(
            "equal_opportunity_difference",
            summary.equal_opportunity_difference
        ),
        with_interval("equal_opportunity_ratio", summary.equal_opportunity_ratio)
    )
    .ok();
    writeln!(
        out,
        "  equalized odds       difference {}  ratio {}",
        with_interval(
            "equalized_odds_difference",
            summary.equalized_odds_difference
        ),
        with_interval("equalized_odds_ratio", summary.equalized_odds_ratio)
    )
    .ok();
    writeln!(
        out,
        "  predictive parity    difference {}",
        with_interval(
            "predictive_parity_difference",
            summary.predictive_parity_difference
        )
    )
    .ok();
    if let Some(calibration) = audit.calibration.as_ref().filter(|_| with_ece) {
        writeln!(
            out,
            "  calibration (ECE)    difference {:>6}  ({} {} bins)",
            number(calibration.difference),
            calibration.settings.bins,
            calibration.settings.strategy.key().replace('_', "-")
        )
        .ok();
    }
    let verdict = match summary.four_fifths_pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "n/a",
    };
    writeln!(
        out,
        "  disparate impact     {}  four-fifths rule: {verdict}",
        with_interval("disparate_impact", summary.disparate_impact)
    )
    .ok();
    if let Some(u) = uncertainty {
        out.push('\n');
        out.push_str(&adverse_impact_table(audit, &u.adverse_impact, key_width));
    }
    let small: Vec<&str> = audit
        .groups
        .iter()
        .filter(|g| g.small)
        .map(|g| g.key.as_str())
        .collect();
    out.push('\n');
    writeln!(
        out,
        "n: weight of the group.  thr.: threshold (selected iff score {} thr.).",
        audit.options.rule.symbol()
    )
    .ok();
    writeln!(
        out,
        "S/ref: selection rate over the reference group's (4/5✗: outside 0.8–1.25)."
    )
    .ok();
    if let Some(u) = uncertainty {
        writeln!(
            out,
            "[…]: {:.0}% intervals ({} bootstrap resamples of the groups' counts, seed {}).",
            100.0 * u.settings.confidence,
            u.settings.resamples,
            u.settings.seed
        )
        .ok();
        writeln!(
            out,
            "*: selection rate differs from the reference's, p < {} (two-proportion test{}).",
            (u.significance_level() * 1e6).round() / 1e6,
            if u.settings.simultaneous {
                ", Bonferroni over the groups"
            } else {
                ""
            }
        )
        .ok();
    }
    if !small.is_empty() {
        writeln!(
            out,
            "small: {} group{} with a weight or a rate denominator under {};",
            small.len(),
            if small.len() == 1 { "" } else { "s" },
            audit.options.min_count
        )
        .ok();
        writeln!(
            out,
            "       their rates are uncertain (intervals: --format json or csv)."
        )
        .ok();
    }
    // The padded interval columns leave spaces at some line ends; a table has none.
    let mut trimmed = super::format::trim_line_ends(&out);
    if !out.ends_with('\n') {
        trimmed.pop();
    }
    trimmed
}

/// A p-value for a table: three significant decimals, `<0.001` below that.
fn p_value_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_owned()
    } else {
        format!("{p:.3}")
    }
}

/// The adverse-impact block: each group's selection rate against the highest group's, the
/// four-fifths verdict, the test against the highest group and the shortfall in selections.
fn adverse_impact_table(audit: &Audit, block: &AdverseImpact, key_width: usize) -> String {
    let mut out = String::new();
    let highest = block
        .highest_group
        .and_then(|h| Some((audit.groups.get(h)?, block.groups.get(h)?)));
    match highest {
        Some((group, impact)) => writeln!(
            out,
            "Adverse impact against the highest selection rate ({}, {}):",
            group.key,
            rate(impact.selection_rate)
        ),
        None => writeln!(
            out,
            "Adverse impact: no group has a selection rate to compare with."
        ),
    }
    .ok();
    let selected_width = count(audit.overall.counts.selected())
        .chars()
        .count()
        .max("selected".len());
    let shortfall_width = block
        .groups
        .iter()
        .map(|g| g.shortfall.map_or(3, |n| count(n).chars().count()))
        .max()
        .unwrap_or(0)
        .max("shortfall".len());
    let header = format!(
        "  {} {} {} {} {} {} {} {}",
        pad("group", key_width),
        pad_left("selected", selected_width),
        pad_left("rate", 6),
        pad_left("impact", 7),
        pad_left("4/5", 5),
        pad_left("p", 8) + " ",
        pad("test", 6),
        pad_left("shortfall", shortfall_width)
    );
    writeln!(out, "{}", header.trim_end()).ok();
    for (group, impact) in audit.groups.iter().zip(&block.groups) {
        let verdict = match impact.four_fifths_pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "n/a",
        };
        let is_highest = block
            .highest_group
            .and_then(|h| audit.groups.get(h))
            .map(|g| &g.key)
            == Some(&group.key);
        let (p, test) = match impact.test {
            Some(t) => (
                format!(
                    "{}{}",
                    pad_left(&p_value_text(t.p_value), 8),
                    if impact.significant { "*" } else { " " }
                ),
                match t.method {
                    TestMethod::FisherExact => "exact",
                    TestMethod::PooledZ => "z",
                },
            ),
            None if is_highest => (pad_left("highest", 8) + " ", ""),
            None => (pad_left("n/a", 8) + " ", ""),
        };
        let line = format!(
            "  {} {} {} {} {} {} {} {}",
            pad(&shorten(&group.key, key_width), key_width),
            pad_left(&count(impact.selected), selected_width),
            pad_left(&rate(impact.selection_rate), 6),
            pad_left(&rate(impact.impact_ratio), 7),
            pad_left(verdict, 5),
            p,
            pad(test, 6),
            pad_left(
                &impact.shortfall.map_or_else(|| "n/a".to_owned(), count),
                shortfall_width
            )
        );
        writeln!(out, "{}", line.trim_end()).ok();
    }
    writeln!(
        out,
        "  impact: selection rate ÷ the highest group's (4/5 FAIL: under 0.8, 29 CFR 1607.4(D)).\n  p: two-sided test against the highest group (exact: Fisher's, for small counts; *: p < {}).\n  shortfall: selections the group lacks to reach 0.8 × the highest rate.",
        (block.significance_level * 1e6).round() / 1e6
    )
    .ok();
    out
}
