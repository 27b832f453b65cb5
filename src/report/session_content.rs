//! What a session's sign-off report says, built once as a [`Document`] from the session and its
//! evaluation; [`super::render_html`] and [`super::render_markdown`] only lay it out. Every
//! number is formatted from the evaluation, never recomputed, and the report reads no clock.

use super::context_content::{
    adverse_impact_blocks, context_section, ll144_section, model_card_section,
};
use super::discovery_content::{profile_section, proxies_section};
use super::document::{Block, Cell, Column, Document, Fact, Section, Span, Table, Text, Verdict};
use super::format::{count, percent_label};
use super::markup::{fixed, fixed_or_na};
use super::session_text::{
    RATE_DECIMALS, VALUE_DECIMALS, coverage, criteria_verdict, group_thresholds_warning,
    grouping_lines, judged_in_sample, measured, measured_with_group, metrics_of_interest,
    protocol_text, reference_text, rule_text, sign_off_outcome, sign_off_verdict, threshold_text,
};
use super::svg::{frontier_svg, intervals_svg};
use crate::engine::convention::passes_parity;
use crate::engine::intervals::Interval;
use crate::engine::{AuditUncertainty, GroupAudit, Metric, UncertaintySettings, audit_uncertainty};
use crate::session::criteria::{Outcome, SummaryName};
use crate::session::{ScenarioResult, Session, SessionEvaluation};

/// The session's title, or a generic one.
pub fn report_title(session: &Session) -> String {
    if session.title.trim().is_empty() {
        "Threshold decision".to_owned()
    } else {
        session.title.clone()
    }
}

/// The sign-off report's content.
pub fn session_document(session: &Session, evaluation: &SessionEvaluation) -> Document {
    let decision = &evaluation.comparison.decision;
    let uncertainty = audit_uncertainty(&decision.audit, &UncertaintySettings::default());
    let context = Context {
        evaluation,
        uncertainty: &uncertainty,
    };
    Document {
        title: report_title(session),
        kicker: "Fulcrum decision report".to_owned(),
        verdicts: verdicts(session, evaluation),
        warning: judged_in_sample(evaluation)
            .then(|| protocol_text(evaluation).map(Text::plain))
            .flatten(),
        facts: header_facts(session, evaluation),
        sections: [
            model_card_section(session, evaluation),
            context_section(session, evaluation),
            criteria_section(&context),
            evaluation_section(&context),
            data_section(session, evaluation),
            mapping_section(session, evaluation),
        ]
        .into_iter()
        .chain(profile_section(session, evaluation))
        .chain(proxies_section(session, evaluation))
        .chain([
            thresholds_section(session, evaluation),
            groups_section(session, evaluation),
            disparities_section(&context),
            frontier_section(evaluation),
        ])
        .chain(models_section(session, evaluation))
        .chain([scenarios_section(session, evaluation)])
        .chain(ll144_section(session, evaluation))
        .chain([rationale_section(session), sign_off_section(session)])
        .collect(),
        footer: footer(session, evaluation),
    }
}

/// What every section may read.
struct Context<'a> {
    evaluation: &'a SessionEvaluation,
    /// Bootstrap intervals of the decision's audit (on the rows the criteria are judged on).
    uncertainty: &'a AuditUncertainty,
}

fn verdicts(session: &Session, evaluation: &SessionEvaluation) -> Vec<Verdict> {
    let (data_outcome, data_text) = if evaluation.data.matches_session {
        (Outcome::Pass, "The data matches the session's fingerprint")
    } else {
        (
            Outcome::Undefined,
            "Evaluated on other data than the session records (monitoring)",
        )
    };
    vec![
        Verdict {
            outcome: evaluation.outcome(),
            what: "Acceptance criteria".to_owned(),
            text: criteria_verdict(&evaluation.comparison.decision.criteria),
        },
        Verdict {
            outcome: sign_off_outcome(session),
            what: "Sign-off".to_owned(),
            text: sign_off_verdict(session),
        },
        Verdict {
            outcome: data_outcome,
            what: "Data".to_owned(),
            text: data_text.to_owned(),
        },
    ]
}

fn header_facts(session: &Session, evaluation: &SessionEvaluation) -> Vec<Fact> {
    let groups = evaluation.comparison.decision.audit.groups.len();
    vec![
        Fact::code("Data file", evaluation.data.path.clone()),
        Fact::plain("Rows", count(evaluation.data.rows_read as f64)),
        Fact::plain(
            "Groups",
            format!(
                "{groups} ({})",
                evaluation.comparison.attribute_names.join(" × ")
            ),
        ),
        Fact::plain("Decision rule", rule_text(session)),
        Fact::plain(
            "Use context",
            session
                .context
                .map_or("not declared", |c| c.label())
                .to_owned(),
        ),
        Fact::plain(
            "Judged on",
            match &evaluation.split {
                Some(split) => split.split.description(),
                None if evaluation.data.matches_session => {
                    "the rows the thresholds were chosen on".to_owned()
                }
                None => "other data than the session records".to_owned(),
            },
        ),
        Fact::plain(
            "Scenarios",
            evaluation.comparison.scenarios.len().to_string(),
        ),
    ]
}

fn interval_text(interval: Option<Interval>, decimals: usize) -> Option<Text> {
    interval.map(|i| {
        Text::plain(format!(
            "[{}, {}]",
            fixed(i.low, decimals),
            fixed(i.high, decimals)
        ))
    })
}

fn criteria_section(context: &Context<'_>) -> Section {
    let evaluation = context.evaluation;
    let decision = &evaluation.comparison.decision;
    let mut section = Section::new("criteria", "Acceptance criteria");
    if decision.criteria.is_empty() {
        section.push(Block::Note(
            "No acceptance criteria are recorded in this session.".into(),
        ));
        return section;
    }
    let judged_on = match &evaluation.split {
        Some(split) => format!(
            " on {} — rows the thresholds were not chosen on; the fit rows' values are shown \
             beside them",
            split.split.description()
        ),
        None => String::new(),
    };
    section.push(Block::Paragraph(
        Text::plain(format!(
            "Each criterion is evaluated on the decision's thresholds{judged_on}; "
        ))
        .then(Span::Code("accuracy_drop".into()))
        .and(" against the baseline scenario. A criterion ending in “at C%” passes only when its whole interval meets the bound."),
    ));
    let fit = evaluation.split.as_ref().map(|s| &s.fit.decision.criteria);
    let mut columns = vec![
        Column::text("Criterion"),
        Column::text("Result"),
        Column::number("Measured"),
    ];
    if fit.is_some() {
        columns.push(Column::number("Fit rows"));
    }
    columns.extend([Column::text("Failing groups"), Column::text("Note")]);
    let mut table = Table::new(columns);
    for (position, result) in decision.criteria.iter().enumerate() {
        let mut cells = vec![
            Text::code(result.criterion.to_string()).into(),
            Text::badge(result.outcome).into(),
            Cell::plain(measured_with_group(result)),
        ];
        if let Some(fit) = fit {
            cells.push(fit.get(position).map_or_else(
                || Cell::plain("—"),
                |r| Cell::with_detail(measured(r), Text::badge(r.outcome)),
            ));
        }
        cells.push(Cell::plain(if result.failing_groups.is_empty() {
            "—".to_owned()
        } else {
            result.failing_groups.join(", ")
        }));
        cells.push(Cell::plain(result.note.clone().unwrap_or_default()));
        table.row(cells);
    }
    section.push(Block::Table(table));
    section
}

fn evaluation_section(context: &Context<'_>) -> Section {
    let evaluation = context.evaluation;
    let settings = &context.uncertainty.settings;
    let mut section = Section::new("evaluation", "How the numbers were judged");
    if let Some(protocol) = protocol_text(evaluation) {
        section.push(if judged_in_sample(evaluation) {
            Block::Warning(protocol.into())
        } else {
            Block::Paragraph(protocol.into())
        });
    } else {
        section.push(Block::Paragraph(
            "Evaluated on other data than the session records (monitoring): every row is new \
             to the thresholds."
                .into(),
        ));
    }
    let mut facts = Vec::new();
    if let Some(split) = &evaluation.split {
        facts.push(Fact::plain("Evaluation rows", split.split.description()));
        facts.push(Fact::plain(
            "Rows",
            format!(
                "{} fit, {} evaluation",
                count(split.fit_rows as f64),
                count(split.evaluation_rows as f64)
            ),
        ));
    }
    facts.push(Fact::plain(
        "Per-group rates",
        "95% Wilson score intervals (frequency weights count as cases)",
    ));
    facts.push(Fact::plain(
        "Across-group numbers",
        format!(
            "{} percentile intervals from {} bootstrap resamples of each group's confusion \
             counts (seed {}); max − min gaps are biased upward by resampling, so an interval \
             may lie above a small measured gap",
            percent_label(settings.confidence),
            settings.resamples,
            settings.seed
        ),
    ));
    section.push(Block::Facts(facts));
    section
}

fn data_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let data = &evaluation.data;
    let mut section = Section::new("data", "Data");
    let mut facts = vec![
        Fact::code("File", data.path.clone()),
        Fact::code("SHA-256 recorded", session.data.sha256.clone()),
    ];
    if !data.matches_session {
        facts.push(Fact {
            term: "SHA-256 evaluated".to_owned(),
            value: Text::code(data.sha256.clone()).and(" ").then(Span::Flagged(
                "differs: these numbers are on other data than the session records".into(),
            )),
        });
    }
    facts.push(Fact::plain("Rows read", count(data.rows_read as f64)));
    if let Some(rows) = session.data.rows
        && rows as usize != data.rows_read
    {
        facts.push(Fact::plain("Rows recorded", count(rows as f64)));
    }
    facts.push(Fact::plain(
        "Rows dropped as invalid",
        count(data.rows_dropped as f64),
    ));
    section.push(Block::Facts(facts));
    if !data.warnings.is_empty() {
        section.push(Block::List(
            data.warnings.iter().map(|w| w.as_str().into()).collect(),
        ));
    }
    if session.data.columns.is_empty() {
        section.push(Block::Note(
            "The session does not record the file's columns (it was written by an older Fulcrum)."
                .into(),
        ));
    } else {
        section.push(Block::Heading("Columns recorded".to_owned()));
        let mut table = Table::new(vec![
            Column::text("Column"),
            Column::text("Type"),
            Column::text("Role"),
        ]);
        for column in &session.data.columns {
            table.row(vec![
                Text::code(column.name.clone()).into(),
                Cell::plain(column.dtype.clone()),
                Cell::plain(column_role(session, &column.name)),
            ]);
        }
        section.push(Block::Table(table));
    }
    section
}

/// The role a column plays in the session, for the columns table.
fn column_role(session: &Session, name: &str) -> String {
    let roles = &session.roles;
    let mut played: Vec<String> = Vec::new();
    if session.has_models() {
        for model in session.models().iter().filter(|m| m.score == name) {
            played.push(format!("score of model {}", model.name));
        }
    } else if roles.score == name {
        played.push("score".to_owned());
    }
    if roles.label == name {
        played.push("label".to_owned());
    }
    if roles.weight.as_deref() == Some(name) {
        played.push("weight".to_owned());
    }
    if roles.attributes.iter().any(|a| a == name) {
        played.push("group attribute".to_owned());
    }
    if played.is_empty() {
        "—".to_owned()
    } else {
        played.join(", ")
    }
}

fn mapping_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let audit = &evaluation.comparison.decision.audit;
    let roles = &session.roles;
    let mut section = Section::new("mapping", "Mapping and grouping");
    let mut grouping = Text::default();
    for (position, line) in grouping_lines(&session.grouping).into_iter().enumerate() {
        if position > 0 {
            grouping = grouping.then(Span::Break);
        }
        grouping = grouping.and(line);
    }
    let score = if session.has_models() {
        let decision = session.decision_model();
        let mut text = Text::default();
        for (position, model) in session.models().iter().enumerate() {
            if position > 0 {
                text = text.then(Span::Break);
            }
            text = text
                .and(format!("{}: ", model.name))
                .then(Span::Code(model.score.clone()));
            if position == decision {
                text = text.and(" (the decision's model)");
            }
        }
        Fact {
            term: "Models (score columns)".to_owned(),
            value: text,
        }
    } else {
        Fact::code("Score", roles.score.clone())
    };
    section.push(Block::Facts(vec![
        score,
        Fact {
            term: "Label".to_owned(),
            value: Text::code(roles.label.clone())
                .and(", positive outcome ")
                .then(Span::Code(evaluation.data.positive_label.clone())),
        },
        Fact {
            term: "Weight".to_owned(),
            value: roles.weight.as_ref().map_or_else(
                || Text::plain("none (every row counts 1)"),
                |w| Text::code(w.clone()).and(" (frequency weights)"),
            ),
        },
        Fact {
            term: "Groups by".to_owned(),
            value: grouping,
        },
        Fact::plain("Decision rule", rule_text(session)),
        Fact::code("Convention", session.convention.key()),
        Fact::plain("Reference group", reference_text(audit)),
        Fact::plain(
            "Small-group flag",
            format!(
                "weight or rate denominator under {}",
                count(session.min_count)
            ),
        ),
    ]));
    section
}

fn thresholds_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let comparison = &evaluation.comparison;
    let mut section = Section::new("thresholds", "Thresholds");
    if let Some(warning) = group_thresholds_warning(session, evaluation) {
        section.push(Block::Warning(
            format!("{warning} See the section Use context.").into(),
        ));
    }
    section.push(Block::Paragraph(
        Text::plain("Each group's threshold under the decision and every scenario (")
            .then(Span::Emphasis("nobody".into()))
            .and(": no one in the group is selected; ")
            .then(Span::Emphasis("everybody".into()))
            .and(": all are)."),
    ));
    let mut columns = vec![Column::text("Group")];
    columns.extend(comparison.columns().map(|c| Column::number(&c.name)));
    let mut table = Table::new(columns);
    for (position, group) in comparison.decision.audit.groups.iter().enumerate() {
        let mut cells = vec![Cell::plain(group.key.clone())];
        cells.extend(comparison.columns().map(|column| {
            Cell::plain(
                column
                    .resolved
                    .get(position)
                    .map_or_else(|| "—".to_owned(), |t| threshold_text(*t)),
            )
        }));
        table.row(cells);
    }
    section.push(Block::Table(table));
    if !comparison.warnings.is_empty() {
        section.push(Block::List(
            comparison
                .warnings
                .iter()
                .map(|w| Text::flagged(w.clone()))
                .collect(),
        ));
    }
    section
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

/// A rate with its 95% interval as the detail line.
fn rate_cell(group: &GroupAudit, metric: Metric) -> Cell {
    let value = fixed_or_na(group.values.get(metric), RATE_DECIMALS);
    match interval_text(group.interval(metric), RATE_DECIMALS) {
        Some(interval) => Cell::with_detail(value, interval),
        None => Cell::plain(value),
    }
}

fn groups_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let audit = &evaluation.comparison.decision.audit;
    let mut section = Section::new("groups", "Results by group");
    section.push(Block::Paragraph(
        Text::plain(
            "At the decision's thresholds. Under each rate, its 95% Wilson interval. ",
        )
        .then(Span::Emphasis("Small".into()))
        .and(": the group, or a rate's denominator, weighs less than the small-group limit, so its rates are uncertain."),
    ));
    let mut columns = vec![
        Column::text("Group"),
        Column {
            title: "n".to_owned(),
            detail: Some("share".to_owned()),
            numeric: true,
        },
        Column::number("Threshold"),
    ];
    columns.extend(GROUP_TABLE_METRICS.map(|m| Column::number(m.label())));
    columns.push(Column::text("Flags"));
    let mut table = Table::new(columns);
    let cells = |group: &GroupAudit| {
        let mut cells = vec![
            Cell::plain(group.key.clone()),
            Cell::with_detail(
                count(group.weight),
                format!("{}%", fixed(group.share * 100.0, 1)),
            ),
            Cell::plain(
                group
                    .threshold
                    .map_or_else(|| "varies".to_owned(), threshold_text),
            ),
        ];
        cells.extend(GROUP_TABLE_METRICS.map(|m| rate_cell(group, m)));
        cells.push(Cell::plain(if group.small { "small" } else { "" }));
        cells
    };
    for group in &audit.groups {
        table.row(cells(group));
    }
    table.total_row(cells(&audit.overall));
    section.push(Block::Table(table));
    section.push(Block::Figure {
        svg: intervals_svg(audit, &metrics_of_interest(session, 3)),
        caption: "Dots: each group's value; bars: 95% intervals; hollow dots: small groups; \
                  dashed line: everyone together."
            .to_owned(),
    });
    section
}

/// Metrics in the disparity table.
const DISPARITY_METRICS: [Metric; 4] = [
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
];

fn disparities_section(context: &Context<'_>) -> Section {
    let evaluation = context.evaluation;
    let uncertainty = context.uncertainty;
    let audit = &evaluation.comparison.decision.audit;
    let fit = evaluation.split.as_ref().map(|s| &s.fit.decision.audit);
    let confidence = percent_label(uncertainty.settings.confidence);
    let mut section = Section::new("disparities", "Disparities");
    section.push(Block::Heading("Across groups".to_owned()));
    let mut columns = vec![
        Column::text("Summary"),
        Column::number("Value"),
        Column::number(&format!("{confidence} interval")),
    ];
    if fit.is_some() {
        columns.push(Column::number("Fit rows"));
    }
    let mut table = Table::new(columns);
    for name in SummaryName::ALL {
        let mut cells = vec![
            Text::code(name.key()).into(),
            Cell::plain(fixed_or_na(name.value(&audit.summary), VALUE_DECIMALS)),
            interval_text(uncertainty.summary_interval(name.key()), VALUE_DECIMALS)
                .map_or_else(|| Cell::plain("—"), Cell::from),
        ];
        if let Some(fit) = fit {
            cells.push(Cell::plain(fixed_or_na(
                name.value(&fit.summary),
                VALUE_DECIMALS,
            )));
        }
        table.row(cells);
    }
    let four_fifths = |pass: Option<bool>| match pass {
        Some(true) => Text::badge(Outcome::Pass),
        Some(false) => Text::badge(Outcome::Fail),
        None => Text::badge(Outcome::Undefined),
    };
    let mut cells = vec![
        Cell::plain("Four-fifths rule (disparate impact ≥ 0.8)"),
        four_fifths(audit.summary.four_fifths_pass).into(),
        Cell::plain(""),
    ];
    if let Some(fit) = fit {
        cells.push(four_fifths(fit.summary.four_fifths_pass).into());
    }
    table.row(cells);
    section.push(Block::Table(table));
    section.push(Block::Heading(
        "Each group against the reference".to_owned(),
    ));
    section.push(Block::Paragraph(Text::plain(format!(
        "A group's value divided by the reference group's ({}), with its {confidence} bootstrap \
         interval. Values outside [0.8, 1.25] (the four-fifths band) are marked.",
        reference_text(audit)
    ))));
    let mut columns = vec![Column::text("Group")];
    columns.extend(DISPARITY_METRICS.map(|m| Column::number(m.label())));
    let mut table = Table::new(columns);
    for (position, group) in audit.groups.iter().enumerate() {
        let mut cells = vec![Cell::plain(group.key.clone())];
        cells.extend(DISPARITY_METRICS.map(|metric| {
            let value = match group.disparity(metric) {
                None => Text::plain("n/a"),
                Some(d) if passes_parity(d) => Text::plain(fixed(d, RATE_DECIMALS)),
                Some(d) => Text::flagged(fixed(d, RATE_DECIMALS)),
            };
            match interval_text(
                uncertainty.disparity_interval(position, metric),
                RATE_DECIMALS,
            ) {
                Some(interval) => Cell::with_detail(value, interval),
                None => value.into(),
            }
        }));
        table.row(cells);
    }
    section.push(Block::Table(table));
    for block in adverse_impact_blocks(audit, uncertainty) {
        section.push(block);
    }
    section
}

fn frontier_section(evaluation: &SessionEvaluation) -> Section {
    let mut section = Section::new("frontier", "Accuracy–fairness frontier");
    let Some(frontier) = &evaluation.frontier else {
        section.push(Block::Note(
            format!(
                "No frontier: {}.",
                evaluation
                    .frontier_note
                    .as_deref()
                    .unwrap_or("not computed")
            )
            .into(),
        ));
        return section;
    };
    let rows = if evaluation.split.is_some() {
        " Drawn on the fit rows, where the thresholds are chosen."
    } else {
        ""
    };
    section.push(Block::Paragraph(Text::plain(format!(
        "For {} ({}). The solid line is the most accurate choice of per-group thresholds for \
         each allowed gap; the dashed line uses one threshold for everyone; the dotted line \
         bounds what any thresholds, even randomized ones, could reach. Points below the solid \
         line are improvable at the same gap.{rows}",
        frontier.constraint.label(),
        frontier.chosen_because
    ))));
    section.push(Block::Figure {
        svg: frontier_svg(frontier),
        caption: "The accuracy–fairness frontier, with the decision and the scenarios.".to_owned(),
    });
    let mut table = Table::new(vec![
        Column::text("Thresholds"),
        Column::number("Gap"),
        Column::number("Overall accuracy"),
    ]);
    let point_cells = |name: Text, point: Option<crate::session::GapAccuracy>| {
        let (gap, accuracy) = point.map_or((None, None), |p| (Some(p.gap), Some(p.accuracy)));
        vec![
            name.into(),
            Cell::plain(fixed_or_na(gap, VALUE_DECIMALS)),
            Cell::plain(fixed_or_na(accuracy, VALUE_DECIMALS)),
        ]
    };
    table.row(point_cells(Text::strong("Decision"), frontier.decision));
    for (name, point) in &frontier.scenarios {
        table.row(point_cells(name.as_str().into(), Some(*point)));
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
    for point in steps {
        table.row(point_cells("best per-group thresholds".into(), Some(point)));
    }
    section.push(Block::Table(table));
    section
}

fn scenarios_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let comparison = &evaluation.comparison;
    let mut section = Section::new("scenarios", "Scenarios compared");
    if comparison.scenarios.is_empty() {
        section.push(Block::Note(
            "No scenarios are recorded; only the decision is evaluated.".into(),
        ));
        return section;
    }
    let columns: Vec<&ScenarioResult> = comparison.columns().collect();
    let mut titles = vec![Column::text("")];
    titles.extend(columns.iter().map(|c| Column::number(&c.name)));
    let mut table = Table::new(titles.clone());
    let mut line = |label: Text, cell: &dyn Fn(&ScenarioResult) -> Cell| {
        let mut cells = vec![label.into()];
        cells.extend(columns.iter().map(|c| cell(c)));
        table.row(cells);
    };
    if session.has_models() {
        line("Model".into(), &|c| Cell::plain(c.model_name.clone()));
    }
    line("Role".into(), &|c| {
        Cell::plain(if c.is_decision {
            "decision"
        } else if c.baseline {
            "baseline"
        } else if c.same_as_decision {
            "= decision"
        } else {
            "alternative"
        })
    });
    for metric in [Metric::Accuracy, Metric::SelectionRate] {
        line(
            format!("Overall {}", metric.label().to_lowercase()).into(),
            &|c| {
                Cell::plain(fixed_or_na(
                    c.audit.overall.values.get(metric),
                    VALUE_DECIMALS,
                ))
            },
        );
    }
    for name in SummaryName::ALL {
        line(Text::code(name.key()), &|c| {
            Cell::plain(fixed_or_na(name.value(&c.audit.summary), VALUE_DECIMALS))
        });
    }
    for (position, criterion) in session.criteria.iter().enumerate() {
        line(Text::code(criterion.to_string()), &|c| {
            c.criteria.get(position).map_or_else(
                || Cell::plain(""),
                |r| Cell::with_detail(Text::badge(r.outcome), measured(r)),
            )
        });
    }
    section.push(Block::Table(table));
    for metric in metrics_of_interest(session, 4) {
        section.push(Block::Heading(format!("{} by group", metric.label())));
        let mut by_group = Table::new({
            let mut columns = titles.clone();
            if let Some(first) = columns.first_mut() {
                *first = Column::text("Group");
            }
            columns
        });
        for (position, group) in comparison.decision.audit.groups.iter().enumerate() {
            let mut cells = vec![Cell::plain(group.key.clone())];
            cells.extend(columns.iter().map(|column| {
                Cell::plain(fixed_or_na(
                    column
                        .audit
                        .groups
                        .get(position)
                        .and_then(|g| g.values.get(metric)),
                    RATE_DECIMALS,
                ))
            }));
            by_group.row(cells);
        }
        section.push(Block::Table(by_group));
    }
    let notes: Vec<Fact> = comparison
        .scenarios
        .iter()
        .filter(|s| !s.note.is_empty())
        .map(|s| Fact::plain(&s.name, s.note.clone()))
        .collect();
    if !notes.is_empty() {
        section.push(Block::Heading("Notes".to_owned()));
        section.push(Block::Facts(notes));
    }
    section
}

/// How many of an entry's criteria pass.
fn passed(result: &ScenarioResult) -> usize {
    result
        .criteria
        .iter()
        .filter(|c| c.outcome == Outcome::Pass)
        .count()
}

/// A model's best recorded entry (the decision or a scenario applying thresholds to it): the
/// one passing the most criteria, then the most accurate, the decision first on a tie.
fn best_entry<'a>(columns: &[&'a ScenarioResult], model: usize) -> Option<&'a ScenarioResult> {
    let mut best: Option<&ScenarioResult> = None;
    for column in columns.iter().copied().filter(|c| c.model == model) {
        let accuracy = |c: &ScenarioResult| {
            c.audit
                .overall
                .values
                .get(Metric::Accuracy)
                .unwrap_or(f64::MIN)
        };
        let better =
            best.is_none_or(|b| (passed(column), accuracy(column)) > (passed(b), accuracy(b)));
        if better {
            best = Some(column);
        }
    }
    best
}

/// The models compared (sessions of several models only): every model's best recorded entry
/// judged on the same criteria and rows, and which model the decision uses and how it compares.
fn models_section(session: &Session, evaluation: &SessionEvaluation) -> Option<Section> {
    if !session.has_models() {
        return None;
    }
    let comparison = &evaluation.comparison;
    let columns: Vec<&ScenarioResult> = comparison.columns().collect();
    let models = session.models();
    let decision = &comparison.decision;
    let mut section = Section::new("models", "Models compared");
    let criteria = session.criteria.len();
    section.push(Block::Paragraph(
        Text::plain(format!(
            "{} models score the same rows; the decision applies its thresholds to ",
            models.len()
        ))
        .then(Span::Strong(decision.model_name.clone()))
        .and(" (column ")
        .then(Span::Code(
            models
                .get(decision.model)
                .map(|m| m.score.clone())
                .unwrap_or_default(),
        ))
        .and(format!(
            "). Each model is shown at its best recorded thresholds (the decision, or the \
             scenario of that model passing the most of the {criteria} criteria, then the most \
             accurate), judged on the same rows and criteria."
        )),
    ));
    let mut table = Table::new(vec![
        Column::text("Model"),
        Column::text("Score column"),
        Column::text("Thresholds"),
        Column::number("Criteria passed"),
        Column::number("Accuracy"),
        Column::number("Selection rate"),
        Column::number("Equal opportunity diff."),
        Column::number("Disparate impact"),
    ]);
    let mut missing = Vec::new();
    for (position, model) in models.iter().enumerate() {
        let Some(entry) = best_entry(&columns, position) else {
            missing.push(model.name.clone());
            table.row(vec![
                Cell::plain(model.name.clone()),
                Text::code(model.score.clone()).into(),
                Cell::plain("none recorded"),
                Cell::plain("—"),
                Cell::plain("—"),
                Cell::plain("—"),
                Cell::plain("—"),
                Cell::plain("—"),
            ]);
            continue;
        };
        let overall = |metric: Metric| {
            Cell::plain(fixed_or_na(
                entry.audit.overall.values.get(metric),
                VALUE_DECIMALS,
            ))
        };
        let name = if position == decision.model {
            Text::strong(model.name.clone()).and(" (decision)")
        } else {
            Text::plain(model.name.clone())
        };
        table.row(vec![
            name.into(),
            Text::code(model.score.clone()).into(),
            Cell::plain(entry.name.clone()),
            Cell::plain(format!("{} of {criteria}", passed(entry))),
            overall(Metric::Accuracy),
            overall(Metric::SelectionRate),
            Cell::plain(fixed_or_na(
                entry.audit.summary.equal_opportunity_difference,
                VALUE_DECIMALS,
            )),
            Cell::plain(fixed_or_na(
                entry.audit.summary.disparate_impact,
                VALUE_DECIMALS,
            )),
        ]);
    }
    section.push(Block::Table(table));
    // Why this model, in the numbers: the decision against each other model's best.
    let accuracy = |c: &ScenarioResult| c.audit.overall.values.get(Metric::Accuracy);
    let mut why = vec![Text::plain(format!(
        "The decision ({}) passes {} of {criteria} criteria at accuracy {}.",
        decision.model_name,
        passed(decision),
        fixed_or_na(accuracy(decision), VALUE_DECIMALS)
    ))];
    for (position, model) in models.iter().enumerate() {
        if position == decision.model {
            continue;
        }
        let Some(entry) = best_entry(&columns, position) else {
            continue;
        };
        let verdict = match passed(entry).cmp(&passed(decision)) {
            std::cmp::Ordering::Greater => Span::Flagged(format!(
                "passes more criteria than the decision ({} of {criteria})",
                passed(entry)
            )),
            std::cmp::Ordering::Less => Span::Plain(format!(
                "passes fewer criteria ({} of {criteria})",
                passed(entry)
            )),
            std::cmp::Ordering::Equal => Span::Plain(format!(
                "passes as many criteria ({} of {criteria})",
                passed(entry)
            )),
        };
        let difference =
            crate::engine::models::model_difference(accuracy(entry), accuracy(decision));
        why.push(
            Text::plain(format!("{} at “{}”: ", model.name, entry.name))
                .then(verdict)
                .and(format!(
                    ", accuracy {} ({} against the decision).",
                    fixed_or_na(accuracy(entry), VALUE_DECIMALS),
                    super::markup::signed(difference, VALUE_DECIMALS)
                )),
        );
    }
    if !session.rationale.trim().is_empty() {
        why.push(Text::plain(
            "The team's reasons are in the section Rationale.",
        ));
    }
    section.push(Block::List(why));
    if !missing.is_empty() {
        section.push(Block::Note(Text::plain(format!(
            "No thresholds are recorded for {}: record a scenario with `fulcrum session scenario \
             SESSION --use-model NAME …` to judge it on the criteria.",
            missing.join(", ")
        ))));
    }
    Some(section)
}

fn rationale_section(session: &Session) -> Section {
    let mut section = Section::new("rationale", "Rationale");
    section.new_page = true;
    if session.rationale.trim().is_empty() {
        section.push(Block::Note("No rationale is recorded.".into()));
    } else {
        section.push(Block::Quote(
            session
                .rationale
                .split("\n\n")
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().lines().map(str::to_owned).collect())
                .collect(),
        ));
    }
    section
}

fn sign_off_section(session: &Session) -> Section {
    let mut section = Section::new("sign-off", "Sign-off");
    if session.sign_offs.is_empty() {
        section.push(Block::Note("Nobody has signed this session.".into()));
        return section;
    }
    let mut table = Table::new(vec![
        Column::text("Name"),
        Column::text("Role"),
        Column::number("Date"),
        Column::text("Decision"),
        Column::text("Comment"),
        Column::text("Covers this version"),
    ]);
    for (position, entry) in session.sign_offs.iter().enumerate() {
        let decision_outcome = match entry.decision {
            crate::session::Decision::Approved => Outcome::Pass,
            crate::session::Decision::ApprovedWithConditions => Outcome::Undefined,
            crate::session::Decision::Rejected => Outcome::Fail,
        };
        let (covers, covers_outcome) = coverage(session, position);
        table.row(vec![
            Cell::plain(entry.name.clone()),
            Cell::plain(if entry.role.is_empty() {
                "—".to_owned()
            } else {
                entry.role.clone()
            }),
            Cell::plain(entry.date.as_str()),
            Text(vec![Span::Tag(
                decision_outcome,
                entry.decision.label().to_owned(),
            )])
            .into(),
            Cell::plain(entry.comment.clone()),
            Text(vec![Span::Tag(covers_outcome, covers.to_owned())]).into(),
        ]);
    }
    section.push(Block::Table(table));
    section
}

fn footer(session: &Session, evaluation: &SessionEvaluation) -> Vec<Text> {
    let migrated = session
        .migrated_from
        .map(|v| format!(" (migrated from schema {v})"))
        .unwrap_or_default();
    vec![
        Text::plain(format!(
            "Generated by Fulcrum {} from a session of schema {}{migrated}; \
             session content SHA-256 ",
            env!("CARGO_PKG_VERSION"),
            session.schema_needed()
        ))
        .then(Span::Code(session.content_digest()))
        .and("; data SHA-256 ")
        .then(Span::Code(evaluation.data.sha256.clone()))
        .and("."),
        Text::plain(
            "Every number comes from Fulcrum's audit of the data at the recorded thresholds \
             (convention ",
        )
        .then(Span::Code(session.convention.key().to_owned()))
        .and(
            "); per-group intervals are 95% Wilson score intervals, across-group intervals \
             seeded bootstrap intervals. The report reads no clock: the only dates are those \
             recorded in the session.",
        ),
    ]
}
