//! The discovery results as JSON (documented in README.md) and as aligned text: the data profile
//! per group, the proxies ranked, the worst slices. Text from data (keys, levels, column names)
//! goes through [`terminal`] in tables.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::audit_json::interval_json;
use super::format::{count, count_json, optional_json};
use super::markup::terminal;
use crate::engine::profile::{DataProfile, GroupProfile};
use crate::engine::proxies::Proxy;
use crate::engine::slices::{MULTIPLICITY, SLICE_INTERVAL_METHOD, Slice, SliceReport};

/// Longest key or column name shown in full in a table.
const MAX_NAME_WIDTH: usize = 40;

/// `text` cut to `width` characters (with "…"), for tables.
fn shorten(text: &str, width: usize) -> String {
    let text = terminal(text);
    if text.chars().count() <= width {
        text
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(text.chars().count()))
    )
}

fn pad_left(text: &str, width: usize) -> String {
    format!(
        "{}{text}",
        " ".repeat(width.saturating_sub(text.chars().count()))
    )
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

/// Lines with their trailing spaces removed (padded columns leave some).
fn trimmed(text: &str) -> String {
    super::format::trim_line_ends(text)
}

/// The flags of a profile row, as JSON and table words.
fn flags(group: &GroupProfile) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if group.small {
        flags.push("small");
    }
    if group.under_represented {
        flags.push("under_represented");
    }
    flags
}

/// One profile row as JSON.
fn profile_group_json(group: &GroupProfile, profile: &DataProfile, overall: bool) -> Value {
    let mut object = Map::new();
    object.insert("key".into(), json!(group.key));
    let attributes: Map<String, Value> = profile
        .attribute_names
        .iter()
        .zip(&group.levels)
        .map(|(name, level)| (name.clone(), json!(level)))
        .collect();
    object.insert("attributes".into(), Value::Object(attributes));
    object.insert("count".into(), json!(group.rows));
    object.insert("weight".into(), count_json(group.weight));
    object.insert("share".into(), json!(group.share));
    if !overall {
        object.insert("expected_share".into(), optional_json(group.expected_share));
        object.insert(
            "representation_ratio".into(),
            optional_json(group.representation_ratio),
        );
    }
    object.insert("base_rate".into(), optional_json(group.base_rate));
    let missing: Map<String, Value> = profile
        .columns
        .iter()
        .zip(&group.missing)
        .map(|(column, fraction)| (column.clone(), optional_json(*fraction)))
        .collect();
    object.insert("missing".into(), Value::Object(missing));
    object.insert("dropped".into(), json!(group.dropped));
    object.insert(
        "dropped_fraction".into(),
        optional_json(group.dropped_fraction()),
    );
    object.insert("score_mean".into(), optional_json(group.score_mean));
    object.insert(
        "score_quartiles".into(),
        group
            .score_quartiles
            .map_or(Value::Null, |q| json!([q[0], q[1], q[2]])),
    );
    object.insert("flags".into(), json!(flags(group)));
    Value::Object(object)
}

/// The profile as the documented JSON object: `groups`, `overall`, `settings` (the caller's
/// echo of what was read, completed here with how the numbers were made).
pub fn profile_json(profile: &DataProfile, settings: Map<String, Value>) -> Value {
    let groups: Vec<Value> = profile
        .groups
        .iter()
        .map(|g| profile_group_json(g, profile, false))
        .collect();
    let mut settings = settings;
    settings.insert("missing_columns".into(), json!(profile.columns));
    settings.insert("quantile_method".into(), json!("inverted_cdf"));
    settings.insert("fulcrum_version".into(), json!(env!("CARGO_PKG_VERSION")));
    json!({
        "groups": groups,
        "overall": profile_group_json(&profile.overall, profile, true),
        "settings": settings,
    })
}

/// The profile as an aligned table: one line per group, then the missing values of the columns
/// that have any, then notes.
pub fn profile_table(profile: &DataProfile) -> String {
    let rows: Vec<&GroupProfile> = profile
        .groups
        .iter()
        .chain(std::iter::once(&profile.overall))
        .collect();
    let key_width = rows
        .iter()
        .map(|g| shorten(&g.key, MAX_NAME_WIDTH).chars().count())
        .max()
        .unwrap_or(5)
        .max(7);
    let count_width = count(profile.overall.weight).chars().count().max(5);
    let mut header = format!(
        "{} {} {}",
        pad("group", key_width),
        pad_left("n", count_width),
        pad_left("share", 6)
    );
    if profile.has_expected {
        header.push_str(&pad_left("exp.", 7));
        header.push_str(&pad_left("ratio", 7));
    }
    for title in ["base", "dropped", "mean", "q1", "median", "q3"] {
        header.push_str(&pad_left(title, 8));
    }
    header.push_str("  flags");
    let mut out = String::new();
    let rule = "─".repeat(header.chars().count());
    writeln!(out, "{header}\n{rule}").ok();
    let line = |out: &mut String, group: &GroupProfile, overall: bool| {
        let mut line = format!(
            "{} {} {}",
            pad(&shorten(&group.key, MAX_NAME_WIDTH), key_width),
            pad_left(&count(group.weight), count_width),
            pad_left(&number(Some(group.share), 3), 6)
        );
        if profile.has_expected {
            let (expected, ratio) = if overall {
                (String::new(), String::new())
            } else {
                (
                    number(group.expected_share, 3),
                    number(group.representation_ratio, 2),
                )
            };
            line.push_str(&pad_left(&expected, 7));
            line.push_str(&pad_left(&ratio, 7));
        }
        line.push_str(&pad_left(&number(group.base_rate, 3), 8));
        line.push_str(&pad_left(&group.dropped.to_string(), 8));
        line.push_str(&pad_left(&number(group.score_mean, 3), 8));
        for q in 0..3 {
            let value = group.score_quartiles.map(|quartiles| quartiles[q]);
            line.push_str(&pad_left(&number(value, 3), 8));
        }
        let flags = flags(group);
        if !flags.is_empty() {
            line.push_str("  ");
            line.push_str(&flags.join(" ").replace('_', "-"));
        }
        writeln!(out, "{line}").ok();
    };
    for group in &profile.groups {
        line(&mut out, group, false);
    }
    writeln!(out, "{rule}").ok();
    line(&mut out, &profile.overall, true);

    // Missing values: only the columns that miss something somewhere.
    let with_missing: Vec<usize> = (0..profile.columns.len())
        .filter(|c| {
            profile
                .overall
                .missing
                .get(*c)
                .copied()
                .flatten()
                .is_some_and(|f| f > 0.0)
        })
        .collect();
    out.push('\n');
    if with_missing.is_empty() {
        writeln!(
            out,
            "Missing values: none in the {} other column{}.",
            profile.columns.len(),
            if profile.columns.len() == 1 { "" } else { "s" }
        )
        .ok();
    } else {
        writeln!(out, "Missing values (share of each group's weight):").ok();
        let column_names: Vec<String> = with_missing
            .iter()
            .map(|c| shorten(profile.columns.get(*c).map_or("", String::as_str), 16))
            .collect();
        let widths: Vec<usize> = column_names
            .iter()
            .map(|n| n.chars().count().max(6) + 2)
            .collect();
        let mut header = pad("group", key_width);
        for (name, width) in column_names.iter().zip(&widths) {
            header.push_str(&pad_left(name, *width));
        }
        writeln!(out, "{header}").ok();
        for group in profile
            .groups
            .iter()
            .chain(std::iter::once(&profile.overall))
        {
            let mut line = pad(&shorten(&group.key, MAX_NAME_WIDTH), key_width);
            for (c, width) in with_missing.iter().zip(&widths) {
                let value = group.missing.get(*c).copied().flatten();
                line.push_str(&pad_left(&number(value, 3), *width));
            }
            writeln!(out, "{line}").ok();
        }
    }
    out.push('\n');
    writeln!(
        out,
        "n: weight kept.  base: share of positives.  dropped: rows with a missing or invalid score, label or weight."
    )
    .ok();
    writeln!(
        out,
        "mean, q1, median, q3: the score (weighted; a quartile is the smallest score reaching that share of the weight)."
    )
    .ok();
    if profile.has_expected {
        writeln!(
            out,
            "exp.: expected population share; ratio: share ÷ expected (under-represented below the minimum ratio)."
        )
        .ok();
    }
    trimmed(&out)
}

/// The proxies as the documented JSON object: `proxies` (strongest first) and `settings`.
pub fn proxies_json(proxies: &[Proxy], score: Option<&str>, settings: Map<String, Value>) -> Value {
    let rows: Vec<Value> = proxies
        .iter()
        .map(|p| {
            let mut object = json!({
                "column": p.column,
                "protected": p.protected,
                "measure": p.measure,
                "levels": p.levels,
                "strength": optional_json(p.strength),
                "interval": interval_json(p.interval),
                "p_value": optional_json(p.p_value),
                "adjusted_p_value": optional_json(p.adjusted_p_value),
            });
            if score == Some(p.column.as_str())
                && let Some(map) = object.as_object_mut()
            {
                map.insert("role".into(), json!("score"));
            }
            object
        })
        .collect();
    let mut settings = settings;
    settings.insert("correction".into(), json!("bergsma_2013"));
    settings.insert("p_value_method".into(), json!("permutation"));
    settings.insert("interval_method".into(), json!("noncentral_chi_square"));
    settings.insert("multiplicity".into(), json!(MULTIPLICITY));
    settings.insert(
        "tested".into(),
        json!(proxies.iter().filter(|p| p.p_value.is_some()).count()),
    );
    settings.insert("fulcrum_version".into(), json!(env!("CARGO_PKG_VERSION")));
    json!({ "proxies": rows, "settings": settings })
}

/// The proxies as an aligned table, strongest first.
pub fn proxies_table(proxies: &[Proxy], score: Option<&str>, confidence: f64) -> String {
    let name = |p: &Proxy| {
        let mut name = shorten(&p.column, MAX_NAME_WIDTH);
        if score == Some(p.column.as_str()) {
            name.push_str(" (score)");
        }
        name
    };
    let column_width = proxies
        .iter()
        .map(|p| name(p).chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let protected_width = proxies
        .iter()
        .map(|p| shorten(&p.protected, MAX_NAME_WIDTH).chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    let header = format!(
        "{} {} {} {}  {}  {}  measure",
        pad("column", column_width),
        pad("protected", protected_width),
        pad_left("V", 6),
        pad(&format!("{:.0}% interval", 100.0 * confidence), 15),
        pad_left("p", 7),
        pad_left("levels", 6),
    );
    let mut out = String::new();
    writeln!(out, "{header}\n{}", "─".repeat(header.chars().count())).ok();
    for p in proxies {
        let interval = p
            .interval
            .map_or_else(String::new, |i| format!("[{:.3}, {:.3}]", i.low, i.high));
        let p_value = p
            .p_value
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"));
        writeln!(
            out,
            "{} {} {} {}  {}  {}  {}",
            pad(&name(p), column_width),
            pad(&shorten(&p.protected, MAX_NAME_WIDTH), protected_width),
            pad_left(&number(p.strength, 3), 6),
            pad(&interval, 15),
            pad_left(&p_value, 7),
            pad_left(&p.levels.to_string(), 6),
            p.measure
        )
        .ok();
    }
    out.push('\n');
    writeln!(
        out,
        "V: bias-corrected Cramér's V (Bergsma 2013), 0 = independent, 1 = one column determines the other;"
    )
    .ok();
    writeln!(
        out,
        "   numeric columns in quantile bins (binned_cramers_v), missing values a level of their own."
    )
    .ok();
    writeln!(
        out,
        "p: permutation test of independence (not adjusted; JSON has adjusted_p_value, Bonferroni)."
    )
    .ok();
    trimmed(&out)
}

/// One slice as JSON.
fn slice_json(slice: &Slice) -> Value {
    let attributes: Map<String, Value> = slice
        .attributes
        .iter()
        .map(|(name, level)| (name.clone(), json!(level)))
        .collect();
    json!({
        "key": slice.key(),
        "attributes": attributes,
        "depth": slice.depth(),
        "count": slice.rows,
        "weight": count_json(slice.weight),
        "value": slice.value,
        "rest_value": slice.rest_value,
        "deviation": slice.deviation,
        "deviation_interval": [slice.interval.low, slice.interval.high],
        "p_value": optional_json(slice.p_value),
        "adjusted_p_value": optional_json(slice.adjusted_p_value),
        "significant": slice.significant(),
    })
}

/// The slices as the documented JSON object: `slices` (worst first), `overall`, `settings`.
pub fn slices_json(report: &SliceReport, settings: Map<String, Value>) -> Value {
    let mut settings = settings;
    let s = &report.settings;
    settings.insert("metric".into(), json!(s.metric.key()));
    settings.insert("direction".into(), json!(s.direction.key()));
    settings.insert("depth".into(), json!(s.depth));
    settings.insert("min_count".into(), json!(s.min_count));
    settings.insert(
        "top".into(),
        if s.top == usize::MAX {
            Value::Null
        } else {
            json!(s.top)
        },
    );
    settings.insert("confidence".into(), json!(s.confidence));
    settings.insert("interval_method".into(), json!(SLICE_INTERVAL_METHOD));
    settings.insert("multiplicity".into(), json!(MULTIPLICITY));
    settings.insert("enumerated".into(), json!(report.enumerated));
    settings.insert("considered".into(), json!(report.considered));
    settings.insert("tested".into(), json!(report.tested));
    settings.insert("significant".into(), json!(report.significant));
    settings.insert("fulcrum_version".into(), json!(env!("CARGO_PKG_VERSION")));
    json!({
        "slices": report.slices.iter().map(slice_json).collect::<Vec<_>>(),
        "overall": {
            "count": report.rows,
            "weight": count_json(report.weight),
            "value": optional_json(report.overall_value),
        },
        "settings": settings,
    })
}

/// The slices as an aligned table, worst first.
pub fn slices_table(report: &SliceReport) -> String {
    let s = &report.settings;
    let key_width = report
        .slices
        .iter()
        .map(|sl| shorten(&sl.key(), 60).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let count_width = count(report.weight).chars().count().max(5);
    let metric = super::audit_table::short_header(s.metric);
    let header = format!(
        "{} {} {} {} {}  {}  {}",
        pad("slice", key_width),
        pad_left("n", count_width),
        pad_left(metric, 8),
        pad_left("rest", 7),
        pad_left("gap", 7),
        pad(
            &format!("{:.0}% simult. interval", 100.0 * s.confidence),
            21
        ),
        pad_left("p adj.", 8)
    );
    let mut out = String::new();
    writeln!(out, "{header}\n{}", "─".repeat(header.chars().count())).ok();
    for slice in &report.slices {
        let star = if slice.significant() { " *" } else { "" };
        writeln!(
            out,
            "{} {} {} {} {}  {}  {}{star}",
            pad(&shorten(&slice.key(), 60), key_width),
            pad_left(&count(slice.weight), count_width),
            pad_left(&format!("{:.3}", slice.value), 8),
            pad_left(&format!("{:.3}", slice.rest_value), 7),
            pad_left(&format!("{:+.3}", slice.deviation), 7),
            pad(
                &format!("[{:+.3}, {:+.3}]", slice.interval.low, slice.interval.high),
                21
            ),
            pad_left(&number(slice.adjusted_p_value, 4), 8),
        )
        .ok();
    }
    out.push('\n');
    writeln!(
        out,
        "{} overall: {} on {} (weight).  Worse is {} here; ranked by the interval's end nearest 0 on that side.",
        s.metric.label(),
        number(report.overall_value, 3),
        count(report.weight),
        match s.direction {
            crate::engine::slices::Direction::Higher => "higher",
            crate::engine::slices::Direction::Lower => "lower",
            crate::engine::slices::Direction::Both => "either way",
        }
    )
    .ok();
    writeln!(
        out,
        "{} conjunctions of up to {} attributes looked at, {} with weight ≥ {}, {} tested; intervals hold together",
        report.enumerated,
        s.depth,
        report.considered,
        s.min_count,
        report.tested
    )
    .ok();
    writeln!(
        out,
        "(Bonferroni over the {} tested, Newcombe's score interval); *: the whole interval is on the worse side ({}).",
        report.tested, report.significant
    )
    .ok();
    trimmed(&out)
}
