//! Several models' audits of the same groups as the command line prints them (issue 15): one
//! block per model, a side-by-side comparison with each group's differences against the first
//! model, and the JSON `models` array and `comparison` object.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::audit_table::short_header;
use super::format::{count, optional_json, rate, threshold};
use super::markup::{signed, terminal};
use crate::engine::models::{COMPARED_METRICS, group_value, model_difference};
use crate::engine::{Audit, Metric};

/// A model as the outputs name it.
#[derive(Clone, Copy, Debug)]
pub struct ModelLabel<'a> {
    /// Its display name.
    pub name: &'a str,
    /// Its score column.
    pub score: &'a str,
}

impl ModelLabel<'_> {
    /// `candidate (score_v2)`, or the name alone when it is the column's.
    pub fn title(&self) -> String {
        if self.name == self.score {
            terminal(self.name)
        } else {
            format!("{} ({})", terminal(self.name), terminal(self.score))
        }
    }
}

/// Longest group key shown in full in the comparison.
const MAX_KEY_WIDTH: usize = 30;
/// Longest model name shown in full in the comparison.
const MAX_MODEL_WIDTH: usize = 16;

fn fit(text: &str, width: usize) -> String {
    let shown: String = if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    };
    format!("{shown:<width$}")
}

/// The summaries compared between models, with their labels.
const SUMMARIES: [(&str, &str); 5] = [
    (
        "demographic_parity_difference",
        "demographic parity difference",
    ),
    (
        "equal_opportunity_difference",
        "equal opportunity difference",
    ),
    ("equalized_odds_difference", "equalized odds difference"),
    (
        "predictive_parity_difference",
        "predictive parity difference",
    ),
    ("disparate_impact", "disparate impact"),
];

/// A named summary of an audit.
fn summary_value(audit: &Audit, key: &str) -> Option<f64> {
    audit
        .summary
        .numbers()
        .into_iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v)
}

/// The side-by-side comparison: per group one line per model with its threshold and the
/// compared rates, then a `Δ` line per further model (its value minus the first model's); the
/// same for everyone; then the summaries across groups and the overall accuracy per model with
/// their differences. `audits` are of the same groups in the same order.
pub fn comparison_table(models: &[ModelLabel<'_>], audits: &[&Audit]) -> String {
    let Some(first) = audits.first() else {
        return String::new();
    };
    let key_width = first
        .groups
        .iter()
        .map(|g| terminal(&g.key).chars().count())
        .chain([7])
        .max()
        .unwrap_or(7)
        .min(MAX_KEY_WIDTH);
    let names: Vec<String> = models.iter().map(|m| terminal(m.name)).collect();
    let model_width = names
        .iter()
        .map(|n| n.chars().count() + 2)
        .chain([7])
        .max()
        .unwrap_or(7)
        .min(MAX_MODEL_WIDTH);
    let count_width = count(first.overall.weight).chars().count().max(5);
    let threshold_width = audits
        .iter()
        .flat_map(|a| {
            a.groups
                .iter()
                .map(|g| threshold(g.threshold).chars().count())
        })
        .max()
        .unwrap_or(5)
        .clamp(5, 10);
    let mut out = String::new();
    let reference = names.first().cloned().unwrap_or_default();
    let titles: Vec<String> = models.iter().map(ModelLabel::title).collect();
    writeln!(
        out,
        "Models compared: {}. Δ: the model's value minus {reference}'s.",
        titles.join(", ")
    )
    .ok();
    let mut header = format!(
        "{} {} {:>count_width$} {:>threshold_width$}",
        fit("group", key_width),
        fit("model", model_width),
        "n",
        "thr."
    );
    for metric in COMPARED_METRICS {
        write!(header, "{:>8}", short_header(metric)).ok();
    }
    let rule = "─".repeat(header.chars().count());
    writeln!(out, "{header}").ok();
    writeln!(out, "{rule}").ok();
    let block = |out: &mut String, group: Option<usize>| {
        let key = match group {
            Some(g) => first
                .groups
                .get(g)
                .map_or(String::new(), |g| terminal(&g.key)),
            None => "Overall".to_owned(),
        };
        for (position, (audit, name)) in audits.iter().zip(&names).enumerate() {
            let row = match group {
                Some(g) => audit.groups.get(g),
                None => Some(&audit.overall),
            };
            let Some(row) = row else {
                continue;
            };
            let n = if position == 0 {
                count(row.weight)
            } else {
                String::new()
            };
            let mut line = format!(
                "{} {} {n:>count_width$} {:>threshold_width$}",
                fit(if position == 0 { &key } else { "" }, key_width),
                fit(name, model_width),
                threshold(row.threshold),
            );
            for metric in COMPARED_METRICS {
                write!(line, "{:>8}", rate(row.values.get(metric))).ok();
            }
            writeln!(out, "{}", line.trim_end()).ok();
        }
        for (audit, name) in audits.iter().zip(&names).skip(1) {
            let mut line = format!(
                "{} {} {:>count_width$} {:>threshold_width$}",
                fit("", key_width),
                fit(&format!("Δ {name}"), model_width),
                "",
                ""
            );
            for metric in COMPARED_METRICS {
                let difference = model_difference(
                    group_value(audit, group, metric),
                    group_value(first, group, metric),
                );
                write!(line, "{:>8}", signed(difference, 3)).ok();
            }
            writeln!(out, "{}", line.trim_end()).ok();
        }
    };
    for group in 0..first.groups.len() {
        block(&mut out, Some(group));
    }
    writeln!(out, "{rule}").ok();
    block(&mut out, None);
    out.push('\n');
    let label_width = 32;
    let column_width = names
        .iter()
        .map(|n| n.chars().count() + 3)
        .chain([9])
        .max()
        .unwrap_or(9)
        .min(MAX_MODEL_WIDTH + 3);
    let mut header = format!("{:<label_width$}", "Across groups");
    for name in &names {
        write!(header, "{:>column_width$}", fit_right(name, column_width)).ok();
    }
    for name in names.iter().skip(1) {
        write!(
            header,
            "{:>column_width$}",
            fit_right(&format!("Δ {name}"), column_width)
        )
        .ok();
    }
    writeln!(out, "{}", header.trim_end()).ok();
    let mut line_of = |label: &str, value: &dyn Fn(&Audit) -> Option<f64>| {
        let mut line = format!("{label:<label_width$}");
        for audit in audits {
            write!(line, "{:>column_width$}", rate(value(audit))).ok();
        }
        for audit in audits.iter().skip(1) {
            let difference = model_difference(value(audit), value(first));
            write!(line, "{:>column_width$}", signed(difference, 3)).ok();
        }
        writeln!(out, "{}", line.trim_end()).ok();
    };
    for (key, label) in SUMMARIES {
        line_of(label, &|audit: &Audit| summary_value(audit, key));
    }
    line_of("accuracy (everyone)", &|audit: &Audit| {
        audit.overall.values.get(Metric::Accuracy)
    });
    out
}

/// `text` cut to `width` characters from the left, for right-aligned columns.
fn fit_right(text: &str, width: usize) -> String {
    if text.chars().count() <= width.saturating_sub(1) {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(2)).collect();
        short.push('…');
        short
    }
}

/// One entry of the audit JSON's `models` array: the model's name and score column, then its
/// audit document's `groups`, `overall`, `summary`, `summary_intervals`, `by_metric` and
/// `adverse_impact` (each exactly as the audit of that column alone prints them).
pub fn model_json(model: ModelLabel<'_>, audit_document: &Value) -> Value {
    let mut entry = Map::new();
    entry.insert("name".to_owned(), json!(model.name));
    entry.insert("score".to_owned(), json!(model.score));
    for key in [
        "groups",
        "overall",
        "summary",
        "summary_intervals",
        "by_metric",
        "adverse_impact",
    ] {
        if let Some(value) = audit_document.get(key) {
            entry.insert(key.to_owned(), value.clone());
        }
    }
    Value::Object(entry)
}

/// The JSON `comparison`: the reference model (the first), the metrics compared, and per group
/// (and overall) every model's value and each further model's difference from the reference;
/// the same for the summaries across groups.
pub fn comparison_json(models: &[ModelLabel<'_>], audits: &[&Audit]) -> Value {
    let Some(first) = audits.first() else {
        return Value::Null;
    };
    let by_model = |value: &dyn Fn(&Audit) -> Option<f64>| {
        let values: Map<String, Value> = models
            .iter()
            .zip(audits)
            .map(|(m, a)| (m.name.to_owned(), optional_json(value(a))))
            .collect();
        let differences: Map<String, Value> = models
            .iter()
            .zip(audits)
            .skip(1)
            .map(|(m, a)| {
                (
                    m.name.to_owned(),
                    optional_json(model_difference(value(a), value(first))),
                )
            })
            .collect();
        json!({"values": values, "differences": differences})
    };
    let group_entry = |key: &str, group: Option<usize>| {
        let metrics: Map<String, Value> = COMPARED_METRICS
            .iter()
            .map(|&metric| {
                (
                    metric.key().to_owned(),
                    by_model(&|a: &Audit| group_value(a, group, metric)),
                )
            })
            .collect();
        json!({"key": key, "metrics": metrics})
    };
    let groups: Vec<Value> = first
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| group_entry(&g.key, Some(i)))
        .collect();
    let summary: Map<String, Value> = SUMMARIES
        .iter()
        .map(|(key, _)| {
            (
                (*key).to_owned(),
                by_model(&|a: &Audit| summary_value(a, key)),
            )
        })
        .collect();
    json!({
        "reference_model": models.first().map(|m| m.name),
        "metrics": COMPARED_METRICS.iter().map(|m| m.key()).collect::<Vec<_>>(),
        "groups": groups,
        "overall": group_entry("Overall", None),
        "summary": summary,
    })
}
