//! The audit's JSON and CSV forms. The JSON schema is documented in README.md; keep the two in
//! step.

use serde_json::{Map, Value, json};

use super::format::{count_json, optional_json};
use super::markup::{csv_row, csv_text};
use crate::engine::adverse_impact::AdverseImpact;
use crate::engine::convention::passes_parity;
use crate::engine::intervals::Interval;
use crate::engine::thresholds::threshold_to_json;
use crate::engine::uncertainty::{INTERVAL_METHOD, TESTED_METRICS};
use crate::engine::{Audit, AuditUncertainty, GroupAudit, Metric, ScoreRounding, ThresholdMap};

/// An interval as `[low, high]`, or `null` when undefined.
pub fn interval_json(interval: Option<Interval>) -> Value {
    interval.map_or(Value::Null, |i| json!([i.low, i.high]))
}

/// What produced an audit, echoed in its `settings` so a result can be traced and re-run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditSettings {
    /// Data file.
    pub file: String,
    /// Score column.
    pub score: String,
    /// Label column.
    pub label: String,
    /// Label value counted as positive.
    pub positive: String,
    /// Grouping attributes, in key order.
    pub groups: Vec<String>,
    /// Binning per numeric attribute (`q4`, `25,35,50`).
    pub bins: std::collections::BTreeMap<String, String>,
    /// Weight column, if any.
    pub weight: Option<String>,
    /// The thresholds as given (`{"default": 0.5, …}`).
    pub thresholds: ThresholdMap,
    /// Rows in the file.
    pub rows_read: usize,
    /// Rows dropped as invalid.
    pub rows_dropped: usize,
    /// The scores' rounding, when the score column records one (`score_rounded_3`).
    pub score_rounding: Option<ScoreRounding>,
}

/// A score rounding as JSON: `{"decimals", "max_threshold_shift", "note"}`, or `null` for scores
/// as they are.
pub fn score_rounding_json(rounding: Option<ScoreRounding>) -> Value {
    rounding.map_or(Value::Null, |r| {
        json!({
            "decimals": r.decimals,
            "max_threshold_shift": r.max_threshold_shift(),
            "note": r.note(),
        })
    })
}

/// One group (or the overall row) as a JSON object.
pub fn group_json(group: &GroupAudit, attribute_names: &[String], with_disparities: bool) -> Value {
    let mut object = Map::new();
    object.insert("key".into(), json!(group.key));
    let attributes: Map<String, Value> = attribute_names
        .iter()
        .zip(&group.levels)
        .map(|(name, level)| (name.clone(), json!(level)))
        .collect();
    object.insert("attributes".into(), Value::Object(attributes));
    object.insert(
        "threshold".into(),
        group.threshold.map_or(Value::Null, threshold_to_json),
    );
    object.insert("count".into(), json!(group.rows));
    object.insert("weight".into(), count_json(group.weight));
    object.insert("share".into(), json!(group.share));
    object.insert("tp".into(), count_json(group.counts.tp));
    object.insert("fp".into(), count_json(group.counts.fp));
    object.insert("tn".into(), count_json(group.counts.tn));
    object.insert("fn".into(), count_json(group.counts.fn_));
    for metric in Metric::ALL {
        object.insert(metric.key().into(), optional_json(group.values.get(metric)));
    }
    let intervals: Map<String, Value> = Metric::ALL
        .into_iter()
        .filter(|m| m.has_interval())
        .map(|m| (m.key().to_owned(), interval_json(group.interval(m))))
        .collect();
    object.insert("intervals".into(), Value::Object(intervals));
    object.insert("small".into(), json!(group.small));
    object.insert(
        "small_denominators".into(),
        json!(
            group
                .small_metrics
                .iter()
                .map(|m| m.key())
                .collect::<Vec<_>>()
        ),
    );
    if with_disparities {
        let disparities: Map<String, Value> = Metric::ALL
            .into_iter()
            .map(|m| (m.key().to_owned(), optional_json(group.disparity(m))))
            .collect();
        object.insert("disparities".into(), Value::Object(disparities));
        let parity: Map<String, Value> = Metric::ALL
            .into_iter()
            .filter(|m| m.is_rate())
            .map(|m| {
                let pass = group
                    .disparity(m)
                    .map_or(Value::Null, |d| json!(passes_parity(d)));
                (m.key().to_owned(), pass)
            })
            .collect();
        object.insert("parity".into(), Value::Object(parity));
    }
    Value::Object(object)
}

/// Adds a group's uncertainty to its JSON object: `disparity_intervals`, `p_values`, `shortfall`.
fn add_group_uncertainty(object: &mut Value, uncertainty: &AuditUncertainty, group: usize) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    let disparities: Map<String, Value> = Metric::ALL
        .into_iter()
        .map(|m| {
            (
                m.key().to_owned(),
                interval_json(uncertainty.disparity_interval(group, m)),
            )
        })
        .collect();
    object.insert("disparity_intervals".into(), Value::Object(disparities));
    let significance = uncertainty.groups.get(group);
    let p_values: Map<String, Value> = TESTED_METRICS
        .into_iter()
        .map(|m| {
            (
                m.key().to_owned(),
                optional_json(significance.and_then(|s| s.p_value(m))),
            )
        })
        .collect();
    object.insert("p_values".into(), Value::Object(p_values));
    let significant: Vec<&str> = TESTED_METRICS
        .into_iter()
        .filter(|m| uncertainty.significant(group, *m))
        .map(Metric::key)
        .collect();
    object.insert("significant".into(), json!(significant));
    object.insert(
        "shortfall".into(),
        optional_json(significance.and_then(|s| s.shortfall)),
    );
}

/// The audit as the documented JSON object: `groups`, `overall`, `summary`, `by_metric`,
/// `settings`; with `uncertainty`, also `summary_intervals`, the intervals in `by_metric` and
/// per group, and the interval settings.
pub fn audit_json(
    audit: &Audit,
    attribute_names: &[String],
    settings: &AuditSettings,
    uncertainty: Option<&AuditUncertainty>,
) -> Value {
    let key_of = |i: Option<usize>| {
        i.and_then(|i| audit.groups.get(i))
            .map_or(Value::Null, |g| json!(g.key))
    };
    let summary = &audit.summary;
    let by_metric: Map<String, Value> = audit
        .by_metric
        .iter()
        .map(|s| {
            let mut object = json!({
                "difference": optional_json(s.difference),
                "ratio": optional_json(s.ratio),
                "min_group": key_of(s.min_group),
                "max_group": key_of(s.max_group),
                "reference_group": key_of(s.reference_group),
            });
            if let (Some(u), Some(map)) = (uncertainty, object.as_object_mut()) {
                map.insert(
                    "difference_interval".into(),
                    interval_json(u.difference_interval(s.metric)),
                );
                map.insert(
                    "ratio_interval".into(),
                    interval_json(u.ratio_interval(s.metric)),
                );
            }
            (s.metric.key().to_owned(), object)
        })
        .collect();
    let groups: Vec<Value> = audit
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut object = group_json(g, attribute_names, true);
            if audit.calibration.is_some()
                && let Some(map) = object.as_object_mut()
            {
                map.insert("ece".into(), optional_json(audit.ece(i)));
            }
            if let Some(u) = uncertainty {
                add_group_uncertainty(&mut object, u, i);
            }
            object
        })
        .collect();
    let mut summary_json: Map<String, Value> = summary
        .numbers()
        .into_iter()
        .map(|(key, value)| (key.to_owned(), optional_json(value)))
        .collect();
    summary_json.insert(
        "four_fifths_pass".into(),
        summary.four_fifths_pass.map_or(Value::Null, Value::from),
    );
    let mut overall = group_json(&audit.overall, attribute_names, false);
    if let (Some(calibration), Some(map)) = (&audit.calibration, overall.as_object_mut()) {
        map.insert("ece".into(), optional_json(calibration.overall));
        summary_json.insert(
            "calibration_difference".into(),
            optional_json(calibration.difference),
        );
    }
    let mut out = json!({
        "groups": groups,
        "overall": overall,
        "summary": summary_json,
        "by_metric": by_metric,
        "settings": {
            "file": settings.file,
            "score": settings.score,
            "label": settings.label,
            "positive": settings.positive,
            "groups": settings.groups,
            "bins": settings.bins,
            "weight": settings.weight,
            "thresholds": settings.thresholds.to_json(),
            "rule": audit.options.rule.key(),
            "convention": audit.options.convention.key(),
            "reference": audit.options.reference.to_string(),
            "min_count": audit.options.min_count,
            "rows_read": settings.rows_read,
            "rows_dropped": settings.rows_dropped,
            "score_rounding": score_rounding_json(settings.score_rounding),
            "confidence": audit.options.confidence,
            "fulcrum_version": env!("CARGO_PKG_VERSION"),
        },
    });
    if let (Some(calibration), Some(settings)) = (
        &audit.calibration,
        out.get_mut("settings").and_then(Value::as_object_mut),
    ) {
        settings.insert(
            "calibration".into(),
            json!({
                "strategy": calibration.settings.strategy.key(),
                "bins": calibration.settings.bins,
            }),
        );
    }
    if let (Some(u), Some(map)) = (uncertainty, out.as_object_mut()) {
        let intervals: Map<String, Value> = u
            .summary
            .iter()
            .map(|(key, interval)| ((*key).to_owned(), interval_json(*interval)))
            .collect();
        // Placed right after `summary`, the numbers they belong to.
        let mut placed = Map::new();
        for (key, value) in std::mem::take(map) {
            let after_summary = key == "summary";
            placed.insert(key, value);
            if after_summary {
                placed.insert("summary_intervals".into(), Value::Object(intervals.clone()));
            }
        }
        *map = placed;
        // Before `settings`, so the results come first.
        let settings = map.remove("settings");
        map.insert(
            "adverse_impact".into(),
            adverse_impact_json(audit, &u.adverse_impact),
        );
        if let Some(settings) = settings {
            map.insert("settings".into(), settings);
        }
        if let Some(settings) = map.get_mut("settings").and_then(Value::as_object_mut) {
            settings.insert("confidence".into(), json!(u.settings.confidence));
            settings.insert("interval_method".into(), json!(INTERVAL_METHOD));
            settings.insert("resamples".into(), json!(u.settings.resamples));
            settings.insert("seed".into(), json!(u.settings.seed));
            settings.insert("simultaneous".into(), json!(u.settings.simultaneous));
            settings.insert("significance_level".into(), json!(u.significance_level()));
        }
    }
    out
}

/// The adverse-impact block: every group's selection rate against the highest group's (impact
/// ratio, four-fifths rule, two-sided test, shortfall).
pub fn adverse_impact_json(audit: &Audit, block: &AdverseImpact) -> Value {
    let key_of = |i: Option<usize>| {
        i.and_then(|i| audit.groups.get(i))
            .map_or(Value::Null, |g| json!(g.key))
    };
    let groups: Vec<Value> = audit
        .groups
        .iter()
        .zip(&block.groups)
        .map(|(group, g)| {
            json!({
                "key": group.key,
                "selected": count_json(g.selected),
                "total": count_json(g.total),
                "selection_rate": optional_json(g.selection_rate),
                "impact_ratio": optional_json(g.impact_ratio),
                "four_fifths_pass": g.four_fifths_pass,
                "p_value": optional_json(g.test.map(|t| t.p_value)),
                "test": g.test.map(|t| t.method.key()),
                "significant": g.significant,
                "shortfall": g.shortfall.map_or(Value::Null, count_json),
            })
        })
        .collect();
    json!({
        "highest_group": key_of(block.highest_group),
        "significance_level": block.significance_level,
        "groups": groups,
    })
}

/// The audit as CSV: one row per group and one for overall, every count, rate and interval.
pub fn audit_csv(audit: &Audit, attribute_names: &[String]) -> String {
    let mut header: Vec<String> = vec!["key".into()];
    header.extend(attribute_names.iter().cloned());
    header.extend(
        [
            "threshold",
            "count",
            "weight",
            "share",
            "tp",
            "fp",
            "tn",
            "fn",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    for metric in Metric::ALL {
        header.push(metric.key().to_owned());
        if metric.has_interval() {
            header.push(format!("{}_low", metric.key()));
            header.push(format!("{}_high", metric.key()));
        }
    }
    for metric in Metric::ALL {
        header.push(format!("{}_disparity", metric.key()));
    }
    header.push("small".into());
    let header: Vec<String> = header.iter().map(|h| csv_text(h)).collect();
    let mut out = csv_row(&header);
    let number = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    for group in audit.groups.iter().chain(std::iter::once(&audit.overall)) {
        let mut cells: Vec<String> = vec![csv_text(&group.key)];
        for i in 0..attribute_names.len() {
            cells.push(csv_text(group.levels.get(i).map_or("", String::as_str)));
        }
        cells.push(number(group.threshold));
        cells.push(group.rows.to_string());
        for v in [
            group.weight,
            group.share,
            group.counts.tp,
            group.counts.fp,
            group.counts.tn,
            group.counts.fn_,
        ] {
            cells.push(format!("{v}"));
        }
        for metric in Metric::ALL {
            cells.push(number(group.values.get(metric)));
            if metric.has_interval() {
                let interval = group.interval(metric);
                cells.push(number(interval.map(|i| i.low)));
                cells.push(number(interval.map(|i| i.high)));
            }
        }
        let is_overall = std::ptr::eq(group, &audit.overall);
        for metric in Metric::ALL {
            cells.push(if is_overall {
                String::new()
            } else {
                number(group.disparity(metric))
            });
        }
        cells.push(group.small.to_string());
        out.push_str(&csv_row(&cells));
    }
    out
}

/// The audit as long CSV, the shape Aequitas and dataframe tools read: one row per group (and one
/// set for the whole population) and metric, with `attribute_name` (the grouping attributes
/// joined by ` × `) and `attribute_value` (the group's levels joined the same way).
///
/// `scope` is `group` or `overall`, so a level that happens to be named `Overall` is never taken
/// for the whole population. `low`/`high` are the metric's interval (empty when it has none),
/// `disparity` the group's value ÷ the reference group's (empty for the overall rows).
pub fn audit_csv_long(audit: &Audit, attribute_names: &[String]) -> String {
    let header = [
        "scope",
        "attribute_name",
        "attribute_value",
        "threshold",
        "count",
        "weight",
        "metric",
        "value",
        "low",
        "high",
        "disparity",
    ];
    let mut out = csv_row(&header);
    let number = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    let attribute_name = csv_text(&attribute_names.join(" × "));
    let rows = audit
        .groups
        .iter()
        .map(|group| (group, true))
        .chain(std::iter::once((&audit.overall, false)));
    for (group, is_group) in rows {
        let value_of_attributes = if is_group {
            csv_text(&group.levels.join(" × "))
        } else {
            String::new()
        };
        for metric in Metric::ALL {
            let interval = group.interval(metric);
            let cells = [
                (if is_group { "group" } else { "overall" }).to_owned(),
                attribute_name.clone(),
                value_of_attributes.clone(),
                number(group.threshold),
                group.rows.to_string(),
                format!("{}", group.weight),
                metric.key().to_owned(),
                number(group.values.get(metric)),
                number(interval.map(|i| i.low)),
                number(interval.map(|i| i.high)),
                if is_group {
                    number(group.disparity(metric))
                } else {
                    String::new()
                },
            ];
            out.push_str(&csv_row(&cells));
        }
    }
    out
}
