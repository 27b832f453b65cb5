//! The NYC Local Law 144 bias audit in five forms: a terminal table, JSON (documented in
//! README.md), CSV, and Markdown and HTML summaries shaped like the public summaries employers
//! post (tool, audit date, data source, applicants, unknowns, then one table per category kind).
//! The summaries are a [`Document`] laid out by the report renderers; [`bias_audit_blocks`] is
//! the same content as the sign-off report's LL144 section.
//!
//! Every number is formatted from [`BiasAudit`], never recomputed; every string from data or
//! users is escaped for its format; identical inputs give identical bytes.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::document::{Block, Cell, Column, Document, Fact, Section, Table, Text};
use super::format::{count, count_json, optional_json};
use super::markup::{csv_row, csv_text, fixed, terminal};
use super::render_html::render_html;
use super::render_markdown::render_markdown;
use crate::engine::bias_audit::{
    BiasAudit, Category, CategoryTable, MAX_EXCLUDE_UNDER, TableKind, percent as share_percent,
};
use crate::engine::convention::PARITY_TAU;

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

/// The facts at the head of a summary.
fn summary_facts(audit: &BiasAudit, settings: &BiasAuditSettings) -> Vec<Fact> {
    facts(audit, settings)
        .into_iter()
        .map(|(term, text)| match term {
            "Data file" | "Data SHA-256" => Fact::code(term, text),
            _ => Fact::plain(term, text),
        })
        .collect()
}

/// One table as document blocks: the categories, then its unknown count. Impact ratios under
/// 0.8 are marked (the four-fifths rule's line; the law itself sets no pass mark).
fn table_blocks(audit: &BiasAudit, table: &CategoryTable) -> Vec<Block> {
    let mut content = Table::new(vec![
        Column::text("Category"),
        Column::number("Number of applicants"),
        Column::number(audit.kind.count_name()),
        Column::number(audit.kind.rate_name()),
        Column::number("Impact ratio"),
    ]);
    for c in &table.categories {
        let impact = match (c.excluded, c.impact_ratio) {
            (true, _) => Text::plain("excluded¹"),
            (false, Some(r)) if r < PARITY_TAU => Text::flagged(ratio(Some(r))),
            (false, r) => Text::plain(ratio(r)),
        };
        content.row(vec![
            Cell::plain(c.name.clone()),
            Cell::plain(count(c.applicants)),
            Cell::plain(count(c.selected)),
            Cell::plain(percent(c.rate)),
            impact.into(),
        ]);
    }
    vec![
        Block::Table(content),
        Block::Note(Text::plain(format!(
            "Unknown category (not included in this table): {}.",
            count(table.unknown_count)
        ))),
    ]
}

/// The excluded categories (when any): the justification, then a table of them.
fn exclusion_blocks(audit: &BiasAudit) -> Vec<Block> {
    let exclusions: Vec<(TableKind, &Category)> = audit.exclusions().collect();
    if exclusions.is_empty() {
        return Vec::new();
    }
    let mut content = Table::new(vec![
        Column::text("Table"),
        Column::text("Category"),
        Column::number("Number of applicants"),
        Column::number("Share of the data"),
        Column::number(audit.kind.rate_name()),
    ]);
    for (kind, c) in exclusions {
        content.row(vec![
            Cell::plain(kind.label()),
            Cell::plain(c.name.clone()),
            Cell::plain(count(c.applicants)),
            Cell::plain(share_percent(c.share)),
            Cell::plain(percent(c.rate)),
        ]);
    }
    vec![
        Block::Paragraph(Text::plain(format!("¹ {}", exclusion_justification(audit)))),
        Block::Table(content),
    ]
}

/// How the numbers were computed, as a list.
fn method_block(audit: &BiasAudit) -> Block {
    let mut lines: Vec<Text> = method_lines(audit).into_iter().map(Text::plain).collect();
    lines.push(Text::plain(
        "Impact ratios under 0.800 are marked: the EEOC's four-fifths rule of thumb (29 CFR 1607.4(D)). Local Law 144 requires the ratios to be published; it sets no pass mark.",
    ));
    Block::List(lines)
}

/// The LL144 facts, tables and notes as the blocks of one section (the sign-off report's LL144
/// section), each table under its own sub-heading.
pub fn bias_audit_blocks(audit: &BiasAudit, settings: &BiasAuditSettings) -> Vec<Block> {
    let mut blocks = vec![Block::Facts(summary_facts(audit, settings))];
    for table in &audit.tables {
        blocks.push(Block::Heading(table.kind.title().to_owned()));
        blocks.extend(table_blocks(audit, table));
    }
    let exclusions = exclusion_blocks(audit);
    if !exclusions.is_empty() {
        blocks.push(Block::Heading(
            "Categories excluded from the impact ratios".to_owned(),
        ));
        blocks.extend(exclusions);
    }
    blocks.push(Block::Heading("How the numbers were computed".to_owned()));
    blocks.push(method_block(audit));
    blocks
}

/// The standalone summary as a document: the facts, a section per table, the exclusions and
/// the method, laid out by the report renderers.
pub fn bias_audit_document(audit: &BiasAudit, settings: &BiasAuditSettings) -> Document {
    let mut sections: Vec<Section> = audit
        .tables
        .iter()
        .map(|table| {
            let mut section = Section::new(table.kind.key(), table.kind.title());
            for block in table_blocks(audit, table) {
                section.push(block);
            }
            section
        })
        .collect();
    let exclusions = exclusion_blocks(audit);
    if !exclusions.is_empty() {
        let mut section = Section::new("excluded", "Categories excluded from the impact ratios");
        for block in exclusions {
            section.push(block);
        }
        sections.push(section);
    }
    let mut method = Section::new("method", "How the numbers were computed");
    method.push(method_block(audit));
    sections.push(method);
    Document {
        title: "Summary of bias audit results".to_owned(),
        kicker: "NYC Local Law 144 of 2021 · 6 RCNY §§ 5-300 – 5-304".to_owned(),
        verdicts: Vec::new(),
        warning: None,
        facts: summary_facts(audit, settings),
        sections,
        footer: vec![Text::plain(format!(
            "Computed by Fulcrum {} from the data named above; the same data and options give the same bytes. Fulcrum computes the numbers; the independence of the auditor and the publication of this summary are for the employer and the auditor.",
            env!("CARGO_PKG_VERSION")
        ))],
    }
}

/// The standalone Markdown summary.
pub fn bias_audit_markdown(audit: &BiasAudit, settings: &BiasAuditSettings) -> String {
    render_markdown(&bias_audit_document(audit, settings))
}

/// The standalone HTML summary: one self-contained page (inline CSS, no scripts), printable.
pub fn bias_audit_html(audit: &BiasAudit, settings: &BiasAuditSettings) -> String {
    render_html(&bias_audit_document(audit, settings))
}
