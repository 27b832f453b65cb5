//! The sign-off report's discovery sections (issue 14): the data profile per group of the
//! session's grouping and the columns that proxy for its grouping attributes. Built as document
//! blocks like the rest of the report (`session_content`) from the numbers the evaluation carries
//! ([`crate::session::discovery::SessionDiscovery`]: `fulcrum profile`'s and `fulcrum
//! proxies`'); every text is plain and escaped by the renderers.

use super::document::{Block, Cell, Column, Section, Span, Table, Text};
use super::format::{count, percent_label};
use super::markup::{fixed, fixed_or_na};
use super::session_text::RATE_DECIMALS;
use crate::engine::profile::{DataProfile, GroupProfile};
use crate::engine::proxies::Proxy;
use crate::session::discovery::{ProxyFindings, REPORT_TOP_PROXIES};
use crate::session::{Session, SessionEvaluation};

/// Columns listed in the missing-values table at most (those whose share missing differs most
/// between groups first).
const MISSING_COLUMNS_SHOWN: usize = 20;

/// Decimals of a proxy's p-value (as `fulcrum proxies` prints it).
const P_DECIMALS: usize = 4;

/// The data profile section, when the evaluation carries one.
pub(super) fn profile_section(
    session: &Session,
    evaluation: &SessionEvaluation,
) -> Option<Section> {
    let discovery = evaluation.discovery.as_ref()?;
    let mut section = Section::new("profile", "Data profile by group");
    let profile = match &discovery.profile {
        Ok(profile) => profile,
        Err(message) => {
            section.push(Block::Warning(Text::plain(format!(
                "The data profile could not be computed: {message}"
            ))));
            return Some(section);
        }
    };
    let weighted = session.roles.weight.is_some();
    let mut intro = Text::plain("Every row of ")
        .then(Span::Code(evaluation.data.path.clone()))
        .and(
            " before any threshold (and before any evaluation split), by the session's grouping \
             with small groups not merged: who is in the data, how often they are positive, how \
             many rows were dropped as invalid (a missing or invalid score, label or weight: \
             dropping can itself be biased) and how the scores are spread. ",
        );
    if weighted {
        intro = intro.and(
            "Rows counts rows; weight, share, base rate and the score statistics count \
             frequency weights. ",
        );
    }
    intro = intro.and(
        "The quartiles are the smallest scores reaching a quarter, half and three quarters of \
         the group's weight. The same numbers as ",
    );
    intro = intro
        .then(Span::Code("fulcrum profile".into()))
        .and(" on this file and grouping.");
    section.push(Block::Paragraph(intro));
    section.push(Block::Table(profile_table(profile, weighted)));
    let mut flags = Text::plain("Flags: ")
        .then(Span::Emphasis("small".into()))
        .and(format!(
            ": weight under {} (the session's small-group limit); ",
            count(discovery.profile_settings.min_count)
        ))
        .then(Span::Emphasis("under-represented".into()))
        .and(format!(
            ": share under {} of the expected population share.",
            fixed(discovery.profile_settings.min_representation, 2)
        ));
    if profile.has_expected {
        flags = flags.and(
            " Expected shares are the session's recorded population shares; the ratio is the \
             group's share ÷ its expected share.",
        );
    } else if session.population.is_some() {
        flags = flags.and(
            " The session's expected population shares name no group of this grouping, so \
             representation is not judged here.",
        );
    } else {
        flags = flags.and(
            " The session records no expected population shares, so representation is not \
             judged here (",
        );
        flags = flags
            .then(Span::Code(
                "fulcrum session describe SESSION --population FILE.json".into(),
            ))
            .and(" records them).");
    }
    section.push(Block::Paragraph(flags));
    missing_blocks(profile, &mut section);
    Some(section)
}

/// One row per group, then everyone together.
fn profile_table(profile: &DataProfile, weighted: bool) -> Table {
    let mut columns = vec![Column::text("Group"), Column::number("Rows")];
    if weighted {
        columns.push(Column::number("Weight"));
    }
    columns.push(Column::number("Share"));
    if profile.has_expected {
        columns.push(Column::number("Expected share"));
        columns.push(Column::number("Representation ratio"));
    }
    columns.extend([
        Column::number("Base rate"),
        Column {
            title: "Dropped".to_owned(),
            detail: Some("share of rows read".to_owned()),
            numeric: true,
        },
        Column::number("Score mean"),
        Column::number("Q1"),
        Column::number("Median"),
        Column::number("Q3"),
        Column::text("Flags"),
    ]);
    let mut table = Table::new(columns);
    let cells = |group: &GroupProfile, overall: bool| {
        let mut cells = vec![
            Cell::plain(group.key.clone()),
            Cell::plain(count(group.rows as f64)),
        ];
        if weighted {
            cells.push(Cell::plain(count(group.weight)));
        }
        cells.push(Cell::plain(fixed(group.share, RATE_DECIMALS)));
        if profile.has_expected {
            let (expected, ratio) = if overall {
                (String::new(), String::new())
            } else {
                (
                    fixed_or_na(group.expected_share, RATE_DECIMALS),
                    fixed_or_na(group.representation_ratio, 2),
                )
            };
            cells.push(Cell::plain(expected));
            cells.push(Cell::plain(ratio));
        }
        cells.push(Cell::plain(fixed_or_na(group.base_rate, RATE_DECIMALS)));
        let dropped = count(group.dropped as f64);
        cells.push(match group.dropped_fraction() {
            Some(fraction) if group.dropped > 0 => {
                Cell::with_detail(dropped, format!("{}%", fixed(fraction * 100.0, 1)))
            }
            _ => Cell::plain(dropped),
        });
        cells.push(Cell::plain(fixed_or_na(group.score_mean, RATE_DECIMALS)));
        for q in 0..3 {
            cells.push(Cell::plain(fixed_or_na(
                group.score_quartiles.map(|v| v[q]),
                RATE_DECIMALS,
            )));
        }
        let mut flags = Vec::new();
        if group.small {
            flags.push("small");
        }
        if group.under_represented {
            flags.push("under-represented");
        }
        cells.push(if flags.is_empty() {
            Cell::plain("")
        } else {
            Text::flagged(flags.join(", ")).into()
        });
        cells
    };
    for group in &profile.groups {
        table.row(cells(group, false));
    }
    table.total_row(cells(&profile.overall, true));
    table
}

/// A group's key and a share of its weight.
type GroupShare<'a> = (&'a str, f64);

/// The other columns' missing values: for each column missing somewhere, the share missing
/// overall and in the groups where it is highest and lowest.
fn missing_blocks(profile: &DataProfile, section: &mut Section) {
    section.push(Block::Heading(
        "Missing values in the other columns".to_owned(),
    ));
    // A tiny group's share missing is noise: the groups that are not small are compared, unless
    // every group is small.
    let mut judged: Vec<&GroupProfile> = profile.groups.iter().filter(|g| !g.small).collect();
    let all_small = judged.is_empty();
    if all_small {
        judged = profile.groups.iter().collect();
    }
    // (column, overall, highest, lowest).
    let mut rows: Vec<(&str, f64, GroupShare<'_>, GroupShare<'_>)> = Vec::new();
    for (position, column) in profile.columns.iter().enumerate() {
        let Some(overall) = profile.overall.missing.get(position).copied().flatten() else {
            continue;
        };
        if overall <= 0.0 {
            continue;
        }
        let shares: Vec<(&str, f64)> = judged
            .iter()
            .filter_map(|g| {
                g.missing
                    .get(position)
                    .copied()
                    .flatten()
                    .map(|s| (g.key.as_str(), s))
            })
            .collect();
        let highest = shares
            .iter()
            .copied()
            .reduce(|a, b| if b.1 > a.1 { b } else { a });
        let lowest = shares
            .iter()
            .copied()
            .reduce(|a, b| if b.1 < a.1 { b } else { a });
        if let (Some(highest), Some(lowest)) = (highest, lowest) {
            rows.push((column.as_str(), overall, highest, lowest));
        }
    }
    if rows.is_empty() {
        section.push(Block::Paragraph(Text::plain(format!(
            "No missing values in the {} other column{} of the file.",
            profile.columns.len(),
            if profile.columns.len() == 1 { "" } else { "s" }
        ))));
        return;
    }
    let with_missing = rows.len();
    // The columns whose missingness differs most between groups first; ties in file order.
    rows.sort_by(|a, b| (b.2.1 - b.3.1).total_cmp(&(a.2.1 - a.3.1)));
    rows.truncate(MISSING_COLUMNS_SHOWN);
    section.push(Block::Paragraph(Text::plain(format!(
        "The share of each group's weight with no value (empty, or NaN) in the columns the \
         session does not map: overall, and where it is highest and lowest among the {}. A \
         column missing more often in one group can carry that group's identity, or hide its \
         outcomes.",
        if all_small {
            "groups"
        } else {
            "groups that are not small"
        }
    ))));
    let mut table = Table::new(vec![
        Column::text("Column"),
        Column::number("Missing overall"),
        Column::text("Highest in"),
        Column::text("Lowest in"),
    ]);
    let group_cell = |(key, share): (&str, f64)| {
        Cell::with_detail(key.to_owned(), format!("{}%", fixed(share * 100.0, 1)))
    };
    for (column, overall, highest, lowest) in rows {
        table.row(vec![
            Text::code(column.to_owned()).into(),
            Cell::plain(format!("{}%", fixed(overall * 100.0, 1))),
            group_cell(highest),
            group_cell(lowest),
        ]);
    }
    section.push(Block::Table(table));
    if with_missing > MISSING_COLUMNS_SHOWN {
        section.push(Block::Note(Text::plain(format!(
            "{} more columns have missing values; the JSON report lists every column.",
            with_missing - MISSING_COLUMNS_SHOWN
        ))));
    }
}

/// The proxies section, when the evaluation carries discovery results.
pub(super) fn proxies_section(
    session: &Session,
    evaluation: &SessionEvaluation,
) -> Option<Section> {
    let discovery = evaluation.discovery.as_ref()?;
    let mut section = Section::new("proxies", "Proxies for the grouping attributes");
    let findings = match &discovery.proxies {
        None => {
            section.push(Block::Note(Text::plain(
                "The session groups by no attribute, so there is no protected attribute for \
                 another column to stand in for.",
            )));
            return Some(section);
        }
        Some(Err(message)) => {
            section.push(Block::Warning(Text::plain(format!(
                "The proxies could not be measured: {message}"
            ))));
            return Some(section);
        }
        Some(Ok(findings)) => findings,
    };
    section.push(Block::Paragraph(explanation(findings)));
    let confidence = percent_label(findings.settings.confidence);
    let mut table = Table::new(vec![
        Column::text("Column"),
        Column::text("Stands in for"),
        Column {
            title: "Strength".to_owned(),
            detail: Some(format!("{confidence} interval")),
            numeric: true,
        },
        Column::number("p"),
        Column::text("Measure"),
    ]);
    for proxy in findings.proxies.iter().take(REPORT_TOP_PROXIES) {
        table.row(proxy_cells(session, findings, proxy));
    }
    section.push(Block::Table(table));
    let pairs = findings.proxies.len();
    let mut notes = vec![format!(
        "{} of {pairs} pairs ({} column{} × {} attribute{}), strongest first; the JSON report \
         lists every pair, with p-values adjusted for the {} tested (Bonferroni).",
        if pairs > REPORT_TOP_PROXIES {
            format!("The {REPORT_TOP_PROXIES} strongest")
        } else {
            "All".to_owned()
        },
        findings.columns.len(),
        if findings.columns.len() == 1 { "" } else { "s" },
        findings.protected.len(),
        if findings.protected.len() == 1 {
            ""
        } else {
            "s"
        },
        findings
            .proxies
            .iter()
            .filter(|p| p.p_value.is_some())
            .count()
    )];
    if !findings.skipped.is_empty() {
        notes.push(format!(
            "Left out (lists or bytes): {}.",
            findings.skipped.join(", ")
        ));
    }
    section.push(Block::Note(Text::plain(notes.join(" "))));
    Some(section)
}

/// What the strength means and how it was measured.
fn explanation(findings: &ProxyFindings) -> Text {
    Text::plain(
        "A proxy is a column that reveals group membership: leaving the protected attribute out \
         of a model does not leave out what such a column tells about it. Every other column of \
         the file, the score included (how well the score alone reveals the group), is \
         measured against each grouping attribute. ",
    )
    .then(Span::Strong("Strength".into()))
    .and(format!(
        " is the bias-corrected Cramér's V (Bergsma 2013) of the two columns' weighted table: 0 \
         when the column says nothing about the group, 1 when it determines it (as a rough \
         guide for two groups, 0.1 is a small association, 0.3 a medium and 0.5 a large one). \
         Numeric columns are cut into {} quantile bins, and a missing value is a level of its \
         own. Under each strength, its {} interval (noncentral χ²); p is a permutation test of \
         independence from {} random tables (seed {}), not adjusted. The same numbers as ",
        findings.numeric_bins,
        percent_label(findings.settings.confidence),
        findings.settings.permutations,
        findings.settings.seed
    ))
    .then(Span::Code(format!(
        "fulcrum proxies FILE --protected {}",
        findings.protected.join(",")
    )))
    .and(" on this file.")
}

/// A proxy's row: the column (marked when it is a model's score), the attribute, the strength
/// with its interval, p and the measure.
fn proxy_cells(session: &Session, findings: &ProxyFindings, proxy: &Proxy) -> Vec<Cell> {
    let mut column = Text::code(proxy.column.clone());
    if findings.scores.contains(&proxy.column) {
        let model = session
            .models()
            .into_iter()
            .find(|m| m.score == proxy.column)
            .filter(|_| session.has_models())
            .map(|m| m.name);
        column = column.and(match model {
            Some(name) => format!(" (score of model {name})"),
            None => " (score)".to_owned(),
        });
    }
    let strength = fixed_or_na(proxy.strength, RATE_DECIMALS);
    let strength = match proxy.interval {
        Some(interval) => Cell::with_detail(
            strength,
            format!(
                "[{}, {}]",
                fixed(interval.low, RATE_DECIMALS),
                fixed(interval.high, RATE_DECIMALS)
            ),
        ),
        None => Cell::plain(strength),
    };
    vec![
        column.into(),
        Text::code(proxy.protected.clone()).into(),
        strength,
        Cell::plain(fixed_or_na(proxy.p_value, P_DECIMALS)),
        Cell::with_detail(
            proxy.measure.to_owned(),
            format!(
                "{} level{}",
                proxy.levels,
                if proxy.levels == 1 { "" } else { "s" }
            ),
        ),
    ]
}
