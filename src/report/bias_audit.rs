//! The NYC Local Law 144 bias audit in five forms: a terminal table, JSON (documented in
//! README.md), CSV, and Markdown and HTML summaries shaped like the public summaries employers
//! post (tool, audit date, data source, applicants, unknowns, then one table per category kind).
//! The Markdown and HTML section functions also serve the sign-off report's LL144 section.
//!
//! Every number is formatted from [`BiasAudit`], never recomputed; every string from data or
//! users is escaped for its format; identical inputs give identical bytes.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::format::{count, count_json, optional_json};
use super::markup::{csv_row, csv_text, fixed, html, markdown as md, terminal};
use crate::engine::bias_audit::{
    BiasAudit, Category, CategoryTable, MAX_EXCLUDE_UNDER, TableKind, percent as share_percent,
};

/// What the audit was made from, echoed in every form so a summary can be traced and re-run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BiasAuditSettings {
    /// The data as named.
    pub file: String,
    /// SHA-256 of the data, when it could be taken.
    pub sha256: Option<String>,
    /// Sex column.
    pub sex: String,
    /// Race/ethnicity column.
    pub race: String,
    /// The column of recorded decisions (selection tools audited on their decisions).
    pub selected: Option<String>,
    /// The value of `selected` that means selected, as read.
    pub selected_value: Option<String>,
    /// The score column (a threshold on it, or a scoring tool).
    pub score: Option<String>,
    /// The thresholds applied to the score (selection by threshold), as JSON.
    pub thresholds: Option<Value>,
    /// `≥` or `>` (with thresholds).
    pub rule: Option<String>,
    /// How selection is decided, in words (`Selected: column hired = 1`).
    pub basis: String,
    /// Values treated as unknown, besides missing values.
    pub unknown: Vec<String>,
    /// Frequency-weight column.
    pub weight: Option<String>,
    /// The date of the bias audit (YYYY-MM-DD).
    pub audit_date: String,
    /// The date the tool was first used (distribution date), if given.
    pub distribution_date: Option<String>,
    /// Where the data came from, in the auditor's words.
    pub source: Option<String>,
    /// The tool's name.
    pub tool: Option<String>,
    /// Rows read and dropped as invalid.
    pub rows_read: usize,
    /// Rows dropped as invalid.
    pub rows_dropped: usize,
}

/// A rate as a percentage with two decimals (`34.09%`), `n/a` when undefined.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "n/a".to_owned(), |r| format!("{}%", fixed(r * 100.0, 2)))
}

/// An impact ratio with three decimals, `n/a` when undefined.
fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |r| fixed(r, 3))
}

/// The impact-ratio cell of a category: the ratio, `excluded`, or `n/a`.
fn ratio_cell(category: &Category) -> String {
    if category.excluded {
        "excluded".to_owned()
    } else {
        ratio(category.impact_ratio)
    }
}

/// The source line: the auditor's words, or a note that none were given.
fn source_text(settings: &BiasAuditSettings) -> String {
    settings.source.clone().unwrap_or_else(|| {
        "not stated (give --source: historical data of the employer, or test data and why)"
            .to_owned()
    })
}

/// The unknown-category sentence: how many individuals, and per table.
fn unknown_text(audit: &BiasAudit) -> String {
    let of = |kind: TableKind| audit.table(kind).map_or(0.0, |t| t.unknown_count);
    format!(
        "{} of {} (sex unknown: {}; race/ethnicity unknown: {}); they are not included in the calculations of the tables that need the unknown value",
        count(audit.unknown_count),
        count(audit.applicants),
        count(of(TableKind::Sex)),
        count(of(TableKind::Race))
    )
}

/// The justification of the exclusions, stated once for all excluded categories (each
/// category's own reason, with its share, is in the JSON).
fn exclusion_justification(audit: &BiasAudit) -> String {
    format!(
        "Each of these categories represents less than {} of the individuals in the audit data; 6 RCNY § 5-301(d) allows the auditor to leave such categories out of the impact ratio calculations, because a rate computed on so few people is too unstable to compare. Their numbers of applicants and {}s are shown in the tables, and the highest rate of each table is taken among the other categories.",
        share_percent(audit.exclude_under.unwrap_or(MAX_EXCLUDE_UNDER)),
        audit.kind.rate_name().to_lowercase()
    )
}

/// How the rates and ratios were computed, one sentence each.
fn method_lines(audit: &BiasAudit) -> Vec<String> {
    let mut lines = match audit.median_score {
        Some(median) => vec![
            format!(
                "Scoring rate: the share of a category's individuals whose score is above {}, the median score of the full sample (everyone in the data, including individuals in an unknown category).",
                super::format::threshold(Some(median))
            ),
            "Impact ratio: a category's scoring rate divided by the highest scoring rate in its table.".to_owned(),
        ],
        None => vec![
            "Selection rate: the number selected divided by the number of applicants in the category.".to_owned(),
            "Impact ratio: a category's selection rate divided by the highest selection rate in its table.".to_owned(),
        ],
    };
    lines.push("Sex, race/ethnicity and intersectional categories are computed separately; the categories are the data's own labels.".to_owned());
    if let Some(limit) = audit.exclude_under {
        lines.push(format!(
            "Categories representing less than {} of the data are excluded from the impact ratios (6 RCNY § 5-301(d)); the highest rate is taken among the other categories, and the excluded categories' applicants and rates are shown.",
            share_percent(limit)
        ));
    }
    lines
}

/// The audit as JSON: `kind`, `median_score`, `applicants`, `unknown_count`, `unknown_counts`,
/// `tables` (`sex`, `race`, `intersection`: each an array of categories), `highest`,
/// `exclusions` and `settings`.
pub fn bias_audit_json(audit: &BiasAudit, settings: &BiasAuditSettings) -> Value {
    let count_key = audit.kind.count_key();
    let mut tables = Map::new();
    let mut unknown_counts = Map::new();
    let mut highest = Map::new();
    for table in &audit.tables {
        let rows: Vec<Value> = table
            .categories
            .iter()
            .map(|c| {
                let mut row = Map::new();
                row.insert("category".into(), json!(c.name));
                if table.kind == TableKind::Intersection {
                    row.insert("sex".into(), json!(c.sex));
                    row.insert("race".into(), json!(c.race));
                }
                row.insert("applicants".into(), count_json(c.applicants));
                row.insert(count_key.into(), count_json(c.selected));
                row.insert("rate".into(), optional_json(c.rate));
                row.insert("impact_ratio".into(), optional_json(c.impact_ratio));
                row.insert("excluded".into(), json!(c.excluded));
                row.insert("share".into(), json!(c.share));
                Value::Object(row)
            })
            .collect();
        tables.insert(table.kind.key().into(), Value::Array(rows));
        unknown_counts.insert(table.kind.key().into(), count_json(table.unknown_count));
        highest.insert(
            table.kind.key().into(),
            table
                .highest
                .and_then(|h| table.categories.get(h))
                .map_or(Value::Null, |c| json!(c.name)),
        );
    }
    let exclusions: Vec<Value> = audit
        .exclusions()
        .map(|(kind, c)| {
            json!({
                "table": kind.key(),
                "category": c.name,
                "applicants": count_json(c.applicants),
                "share": c.share,
                "reason": c.exclusion_reason(audit.exclude_under),
            })
        })
        .collect();
    json!({
        "kind": audit.kind.key(),
        "median_score": optional_json(audit.median_score),
        "applicants": count_json(audit.applicants),
        "unknown_count": count_json(audit.unknown_count),
        "unknown_counts": unknown_counts,
        "tables": tables,
        "highest": highest,
        "exclusions": exclusions,
        "settings": {
            "file": settings.file,
            "sha256": settings.sha256,
            "sex": settings.sex,
            "race": settings.race,
            "selected": settings.selected,
            "selected_value": settings.selected_value,
            "score": settings.score,
            "thresholds": settings.thresholds,
            "rule": settings.rule,
            "unknown": settings.unknown,
            "exclude_under": audit.exclude_under,
            "weight": settings.weight,
            "audit_date": settings.audit_date,
            "distribution_date": settings.distribution_date,
            "source": settings.source,
            "tool": settings.tool,
            "rows_read": settings.rows_read,
            "rows_dropped": settings.rows_dropped,
            "fulcrum_version": env!("CARGO_PKG_VERSION"),
        },
    })
}

/// The audit as CSV: one row per table and category (`row` = `category`), and one per table for
/// its unknown count (`row` = `unknown`, only `applicants` filled).
pub fn bias_audit_csv(audit: &BiasAudit) -> String {
    let header = [
        "row",
        "table",
        "category",
        "sex",
        "race",
        "applicants",
        audit.kind.count_key(),
        "rate",
        "impact_ratio",
        "excluded",
        "share",
    ];
    let mut out = csv_row(&header);
    let number = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    for table in &audit.tables {
        for c in &table.categories {
            out.push_str(&csv_row(&[
                "category".to_owned(),
                table.kind.key().to_owned(),
                csv_text(&c.name),
                csv_text(c.sex.as_deref().unwrap_or("")),
                csv_text(c.race.as_deref().unwrap_or("")),
                format!("{}", c.applicants),
                format!("{}", c.selected),
                number(c.rate),
                number(c.impact_ratio),
                c.excluded.to_string(),
                format!("{}", c.share),
            ]));
        }
        out.push_str(&csv_row(&[
            "unknown".to_owned(),
            table.kind.key().to_owned(),
            String::new(),
            String::new(),
            String::new(),
            format!("{}", table.unknown_count),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("{}", table.unknown_count / audit.applicants),
        ]));
    }
    out
}

fn pad(text: &str, width: usize) -> String {
    let length = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(length)))
}

fn pad_left(text: &str, width: usize) -> String {
    let length = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(length)))
}

/// The audit as aligned text for a terminal.
pub fn bias_audit_table(audit: &BiasAudit, settings: &BiasAuditSettings) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "Bias audit (NYC Local Law 144, 6 RCNY §§ 5-300 – 5-304): {} tool{}",
        audit.kind.key(),
        settings
            .tool
            .as_deref()
            .map(|t| format!(", {}", terminal(t)))
            .unwrap_or_default()
    )
    .ok();
    writeln!(out, "Audit date: {}", terminal(&settings.audit_date)).ok();
    if let Some(date) = &settings.distribution_date {
        writeln!(out, "Distribution date: {}", terminal(date)).ok();
    }
    writeln!(out, "Data source: {}", terminal(&source_text(settings))).ok();
    writeln!(
        out,
        "Data: {}, {} applicants",
        terminal(&settings.file),
        count(audit.applicants)
    )
    .ok();
    writeln!(out, "{}", terminal(&settings.basis)).ok();
    writeln!(out, "Unknown category: {}.", unknown_text(audit)).ok();
    let rate_title = audit.kind.rate_name();
    let count_title = audit.kind.count_name();
    let name_width = audit
        .tables
        .iter()
        .flat_map(|t| t.categories.iter().map(|c| c.name.chars().count()))
        .chain(audit.tables.iter().map(|t| t.kind.title().chars().count()))
        .max()
        .unwrap_or(8)
        .min(56);
    let widths = [
        "Applicants"
            .len()
            .max(count(audit.applicants).chars().count()),
        count_title.chars().count(),
        rate_title.chars().count(),
        "Impact ratio".len(),
    ];
    for table in &audit.tables {
        out.push('\n');
        let header = format!(
            "{}  {}  {}  {}  {}",
            pad(table.kind.title(), name_width),
            pad_left("Applicants", widths[0]),
            pad_left(count_title, widths[1]),
            pad_left(rate_title, widths[2]),
            pad_left("Impact ratio", widths[3])
        );
        writeln!(out, "{header}").ok();
        writeln!(out, "{}", "─".repeat(header.chars().count())).ok();
        for c in &table.categories {
            writeln!(
                out,
                "{}  {}  {}  {}  {}",
                pad(&super::svg::shorten(&c.name, name_width), name_width),
                pad_left(&count(c.applicants), widths[0]),
                pad_left(&count(c.selected), widths[1]),
                pad_left(&percent(c.rate), widths[2]),
                pad_left(&ratio_cell(c), widths[3])
            )
            .ok();
        }
        writeln!(
            out,
            "{}  {}",
            pad("Unknown (not included)", name_width),
            pad_left(&count(table.unknown_count), widths[0])
        )
        .ok();
    }
    let exclusions: Vec<(TableKind, &Category)> = audit.exclusions().collect();
    if !exclusions.is_empty() {
        writeln!(
            out,
            "\nExcluded from the impact ratios: {}",
            exclusion_justification(audit)
        )
        .ok();
        for (kind, c) in exclusions {
            writeln!(
                out,
                "  {} · {}: {} applicants ({} of the data), {} {}",
                kind.label(),
                c.name,
                count(c.applicants),
                share_percent(c.share),
                audit.kind.rate_name().to_lowercase(),
                percent(c.rate)
            )
            .ok();
        }
    }
    out.push('\n');
    for line in method_lines(audit) {
        writeln!(out, "{line}").ok();
    }
    out
}

/// The facts at the head of a summary, as (term, plain text) pairs.
fn facts(audit: &BiasAudit, settings: &BiasAuditSettings) -> Vec<(&'static str, String)> {
    let mut facts = vec![
        (
            "Automated employment decision tool",
            settings
                .tool
                .clone()
                .unwrap_or_else(|| "not named (give --tool)".to_owned()),
        ),
        ("Date of the bias audit", settings.audit_date.clone()),
    ];
    if let Some(date) = &settings.distribution_date {
        facts.push(("Distribution date of the tool", date.clone()));
    }
    facts.extend([
        ("Source of the data", source_text(settings)),
        ("Data file", settings.file.clone()),
    ]);
    if let Some(sha) = &settings.sha256 {
        facts.push(("Data SHA-256", sha.clone()));
    }
    facts.push((
        "Type of tool",
        match audit.median_score {
            Some(median) => format!(
                "scoring (scoring rates above the median score of the full sample, {})",
                super::format::threshold(Some(median))
            ),
            None => "selection (selection rates)".to_owned(),
        },
    ));
    facts.push(("How selection is read", settings.basis.clone()));
    facts.push(("Number of applicants", count(audit.applicants)));
    facts.push(("Individuals in an unknown category", unknown_text(audit)));
    facts
}

/// One table in Markdown.
fn table_markdown(out: &mut String, audit: &BiasAudit, table: &CategoryTable, heading: &str) {
    writeln!(out, "{heading} {}\n", table.kind.title()).ok();
    writeln!(
        out,
        "| Category | Number of applicants | {} | {} | Impact ratio |\n|---|---:|---:|---:|---:|",
        audit.kind.count_name(),
        audit.kind.rate_name()
    )
    .ok();
    for c in &table.categories {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(&c.name),
            count(c.applicants),
            count(c.selected),
            percent(c.rate),
            if c.excluded {
                "excluded¹".to_owned()
            } else {
                ratio(c.impact_ratio)
            }
        )
        .ok();
    }
    writeln!(
        out,
        "\nUnknown category (not included in this table): {}.\n",
        count(table.unknown_count)
    )
    .ok();
}

/// The LL144 tables and notes in Markdown, headed at `level` (`##` in the standalone summary,
/// `###` inside the sign-off report).
pub fn bias_audit_markdown_section(
    out: &mut String,
    audit: &BiasAudit,
    settings: &BiasAuditSettings,
    level: usize,
) {
    for (term, text) in facts(audit, settings) {
        writeln!(out, "- **{term}:** {}", md(&text)).ok();
    }
    out.push('\n');
    let heading = "#".repeat(level);
    for table in &audit.tables {
        table_markdown(out, audit, table, &heading);
    }
    let exclusions: Vec<(TableKind, &Category)> = audit.exclusions().collect();
    if !exclusions.is_empty() {
        writeln!(
            out,
            "{heading} Categories excluded from the impact ratios\n\n¹ {}\n",
            md(&exclusion_justification(audit))
        )
        .ok();
        writeln!(
            out,
            "| Table | Category | Number of applicants | Share of the data | {} |\n|---|---|---:|---:|---:|",
            audit.kind.rate_name()
        )
        .ok();
        for (kind, c) in exclusions {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                kind.label(),
                md(&c.name),
                count(c.applicants),
                share_percent(c.share),
                percent(c.rate)
            )
            .ok();
        }
        out.push('\n');
    }
    writeln!(out, "{heading} How the numbers were computed\n").ok();
    for line in method_lines(audit) {
        writeln!(out, "- {}", md(&line)).ok();
    }
    out.push('\n');
}

/// The standalone Markdown summary.
pub fn bias_audit_markdown(audit: &BiasAudit, settings: &BiasAuditSettings) -> String {
    let mut out = String::new();
    out.push_str("# Summary of bias audit results\n\n");
    out.push_str("*NYC Local Law 144 of 2021; rules 6 RCNY §§ 5-300 – 5-304*\n\n");
    bias_audit_markdown_section(&mut out, audit, settings, 2);
    writeln!(
        out,
        "---\n\nComputed by Fulcrum {} from the data named above. Fulcrum computes the numbers; the independence of the auditor and the publication of this summary are for the employer and the auditor.",
        env!("CARGO_PKG_VERSION")
    )
    .ok();
    out
}

/// The stylesheet of the standalone HTML summary (the sign-off report has its own).
const STYLE: &str = r#"
:root { --ink: #1f2937; --muted: #6b7280; --line: #d1d5db; --head: #f3f4f6; --fail: #991b1b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 900px; padding: 32px 40px 48px; background: #ffffff;
  color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 16px; }
h2 { font-size: 18px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 12px;
  margin: 0; }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em;
  overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 6px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; border-bottom: 2px solid var(--ink); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.low { color: var(--fail); font-weight: 600; }
tr.excluded td { color: var(--muted); }
p.unknown { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
footer { margin-top: 36px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 12px; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print { body { max-width: none; padding: 0; font-size: 11px; } table { font-size: 10.5px; }
  thead { display: table-header-group; } tr { break-inside: avoid; page-break-inside: avoid; }
  thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"#;

/// One table in HTML. Impact ratios under 0.8 are marked (the four-fifths rule's line; the
/// law itself sets no pass mark).
fn table_html(out: &mut String, audit: &BiasAudit, table: &CategoryTable, heading: &str) {
    writeln!(
        out,
        "<{heading}>{}</{heading}>\n<table>\n<thead><tr><th>Category</th><th class=\"num\">Number of applicants</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">Impact ratio</th></tr></thead>\n<tbody>",
        table.kind.title(),
        audit.kind.count_name(),
        audit.kind.rate_name()
    )
    .ok();
    for c in &table.categories {
        let ratio_class = if c.impact_ratio.is_some_and(|r| r < 0.8) {
            "num low"
        } else {
            "num"
        };
        writeln!(
            out,
            "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{ratio_class}\">{}</td></tr>",
            if c.excluded { " class=\"excluded\"" } else { "" },
            html(&c.name),
            count(c.applicants),
            count(c.selected),
            percent(c.rate),
            if c.excluded {
                "excluded<sup>1</sup>".to_owned()
            } else {
                ratio(c.impact_ratio)
            }
        )
        .ok();
    }
    writeln!(
        out,
        "</tbody>\n</table>\n<p class=\"unknown\">Unknown category (not included in this table): {}.</p>",
        count(table.unknown_count)
    )
    .ok();
}

/// The LL144 facts, tables and notes in HTML, with headings of `heading` (`h2` standalone,
/// `h3` inside the sign-off report).
pub fn bias_audit_html_section(
    out: &mut String,
    audit: &BiasAudit,
    settings: &BiasAuditSettings,
    heading: &str,
) {
    out.push_str("<dl class=\"facts\">\n");
    for (term, text) in facts(audit, settings) {
        writeln!(out, "<dt>{term}</dt><dd>{}</dd>", html(&text)).ok();
    }
    out.push_str("</dl>\n");
    for table in &audit.tables {
        table_html(out, audit, table, heading);
    }
    let exclusions: Vec<(TableKind, &Category)> = audit.exclusions().collect();
    if !exclusions.is_empty() {
        writeln!(
            out,
            "<{heading}>Categories excluded from the impact ratios</{heading}>\n<p><sup>1</sup> {}</p>",
            html(&exclusion_justification(audit))
        )
        .ok();
        writeln!(
            out,
            "<table>\n<thead><tr><th>Table</th><th>Category</th><th class=\"num\">Number of applicants</th><th class=\"num\">Share of the data</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
            audit.kind.rate_name()
        )
        .ok();
        for (kind, c) in exclusions {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                kind.label(),
                html(&c.name),
                count(c.applicants),
                share_percent(c.share),
                percent(c.rate)
            )
            .ok();
        }
        out.push_str("</tbody>\n</table>\n");
    }
    writeln!(
        out,
        "<{heading}>How the numbers were computed</{heading}>\n<ul>"
    )
    .ok();
    for line in method_lines(audit) {
        writeln!(out, "<li>{}</li>", html(&line)).ok();
    }
    out.push_str("<li>Impact ratios under 0.800 are shown in red: the EEOC's four-fifths rule of thumb (29 CFR 1607.4(D)). Local Law 144 requires the ratios to be published; it sets no pass mark.</li>\n</ul>\n");
}

/// The standalone HTML summary: one self-contained page (inline CSS, no scripts), printable.
pub fn bias_audit_html(audit: &BiasAudit, settings: &BiasAuditSettings) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    writeln!(
        out,
        "<meta name=\"generator\" content=\"Fulcrum {}\">\n<title>Summary of bias audit results{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        env!("CARGO_PKG_VERSION"),
        settings
            .tool
            .as_deref()
            .map(|t| format!(" — {}", html(t)))
            .unwrap_or_default()
    )
    .ok();
    out.push_str("<header>\n<p class=\"kicker\">NYC Local Law 144 of 2021 · 6 RCNY §§ 5-300 – 5-304</p>\n<h1>Summary of bias audit results</h1>\n</header>\n");
    bias_audit_html_section(&mut out, audit, settings, "h2");
    writeln!(
        out,
        "<footer>\n<p>Computed by Fulcrum {} from the data named above; the same data and options give the same page. Fulcrum computes the numbers; the independence of the auditor and the publication of this summary are for the employer and the auditor.</p>\n</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    )
    .ok();
    out
}
