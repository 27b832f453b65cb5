//! The sign-off report's sections about a decision's use (issue 16): the model-card summary
//! (intended use, data, metrics declared, limitations), the use context with its note and the
//! flag on thresholds that differ between groups, adverse impact against the highest selection
//! rate, and the NYC Local Law 144 section. Built as document blocks like the rest of the
//! report (`session_content`); every text is plain and escaped by the renderers.

use super::bias_audit::{BiasAuditSettings, bias_audit_blocks};
use super::document::{Block, Cell, Column, Fact, Section, Span, Table, Text};
use super::format::count;
use super::markup::{fixed, fixed_or_na};
use super::session_text::{
    RATE_DECIMALS, VALUE_DECIMALS, group_thresholds_warning, judged_in_sample, rule_text,
    single_threshold_comparison, threshold_text,
};
use crate::engine::bias_audit::BiasAudit;
use crate::engine::uncertainty::TestMethod;
use crate::engine::{Audit, AuditUncertainty};
use crate::session::context::{NO_CONTEXT_NOTE, thresholds_differ};
use crate::session::criteria::Outcome;
use crate::session::{Session, SessionEvaluation};

/// The model-card summary: what the decision is for, on what data, judged by which metrics, and
/// what limits it (the team's words, then what Fulcrum observes in these numbers).
pub(super) fn model_card_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let decision = &evaluation.comparison.decision;
    let mut section = Section::new("model-card", "Model card summary");
    let not_stated = |text: &str, flag: &str| {
        if text.trim().is_empty() {
            Text(vec![Span::Emphasis(format!(
                "not stated (fulcrum session describe {flag} TEXT)"
            ))])
        } else {
            Text::plain(text.trim().to_owned())
        }
    };
    let data = &evaluation.data;
    let thresholds = if thresholds_differ(&decision.resolved) {
        let distinct = {
            let mut bits: Vec<u64> = decision.resolved.iter().map(|t| t.to_bits()).collect();
            bits.sort_unstable();
            bits.dedup();
            bits.len()
        };
        format!(
            "{distinct} different thresholds over {} groups; {}",
            decision.resolved.len(),
            rule_text(session)
        )
    } else {
        format!(
            "one threshold for every group ({}); {}",
            decision
                .resolved
                .first()
                .map_or_else(|| "none".to_owned(), |t| threshold_text(*t)),
            rule_text(session)
        )
    };
    let mut metrics = Text::default();
    for (position, criterion) in session.criteria.iter().enumerate() {
        if position > 0 {
            metrics = metrics.and(", ");
        }
        metrics = metrics.then(Span::Code(criterion.to_string()));
    }
    if session.criteria.is_empty() {
        metrics = Text(vec![Span::Emphasis(
            "no acceptance criteria recorded".to_owned(),
        )]);
    }
    section.push(Block::Facts(vec![
        Fact {
            term: "Intended use".to_owned(),
            value: not_stated(&session.intended_use, "--intended-use"),
        },
        Fact::plain(
            "Use context",
            session
                .context
                .map_or("not declared", |c| c.label())
                .to_owned(),
        ),
        Fact {
            term: "Data".to_owned(),
            value: Text::code(data.path.clone()).and(format!(
                ": {} rows, SHA-256 {}…",
                count(data.rows_read as f64),
                data.sha256.get(..12).unwrap_or(&data.sha256)
            )),
        },
        Fact {
            term: "Model output".to_owned(),
            value: Text::plain("score ")
                .then(Span::Code(session.roles.score.clone()))
                .and(", judged against the outcome ")
                .then(Span::Code(session.roles.label.clone()))
                .and(format!(" (positive: {})", data.positive_label)),
        },
        Fact::plain("Decision", thresholds),
        Fact {
            term: "Metrics declared".to_owned(),
            value: metrics,
        },
        Fact {
            term: "Limitations stated".to_owned(),
            value: not_stated(&session.limitations, "--limitations"),
        },
    ]));
    let observed = observed_limitations(session, evaluation);
    if !observed.is_empty() {
        section.push(Block::Paragraph(Text::strong(
            "Limitations Fulcrum observes in these numbers:",
        )));
        section.push(Block::List(observed));
    }
    section
}

/// What the numbers themselves say about their limits.
fn observed_limitations(session: &Session, evaluation: &SessionEvaluation) -> Vec<Text> {
    let audit = &evaluation.comparison.decision.audit;
    let mut items = Vec::new();
    if judged_in_sample(evaluation) {
        items.push(Text::plain(
            "The criteria are judged on the rows the thresholds were chosen on, which flatters the decision.",
        ));
    }
    if !evaluation.data.matches_session {
        items.push(Text::plain(
            "These numbers are on other data than the session records (monitoring).",
        ));
    }
    let small: Vec<&str> = audit
        .groups
        .iter()
        .filter(|g| g.small)
        .map(|g| g.key.as_str())
        .collect();
    if !small.is_empty() {
        items.push(Text::plain(format!(
            "{} of {} groups {} less than {} (or a rate's denominator does), so their rates are uncertain: {}.",
            small.len(),
            audit.groups.len(),
            if small.len() == 1 { "weighs" } else { "weigh" },
            count(session.min_count),
            small.join(", ")
        )));
    }
    if session.roles.weight.is_some() {
        items.push(Text::plain(
            "Rows are weighted; every count and interval treats the weights as frequencies.",
        ));
    }
    items.push(Text::plain(
        "The numbers describe this data at these thresholds; a shift in the population needs a new check (fulcrum check --data).",
    ));
    items
}

/// The use context: the note on its rules, and in employment the flag on thresholds that
/// differ between groups with the single-threshold alternative beside the decision.
pub(super) fn context_section(session: &Session, evaluation: &SessionEvaluation) -> Section {
    let mut section = Section::new("context", "Use context");
    match session.context {
        Some(context) => {
            section.push(Block::Paragraph(
                Text::strong(context.label()).and(". ").and(context.note()),
            ));
        }
        None => section.push(Block::Note(NO_CONTEXT_NOTE.into())),
    }
    if let Some(warning) = group_thresholds_warning(session, evaluation) {
        section.push(Block::Warning(warning.into()));
        let rows = single_threshold_comparison(evaluation);
        if let Some(single) = &evaluation.single_threshold {
            let mut table = Table::new(vec![
                Column::text(""),
                Column::number("Decision (thresholds by group)"),
                Column::number(&format!(
                    "One threshold for all ({})",
                    threshold_text(single.threshold)
                )),
            ]);
            for (name, decision, alternative) in rows {
                table.row(vec![
                    if name.contains('_') {
                        Text::code(name).into()
                    } else {
                        Cell::plain(name)
                    },
                    Cell::plain(fixed_or_na(decision, VALUE_DECIMALS)),
                    Cell::plain(fixed_or_na(alternative, VALUE_DECIMALS)),
                ]);
            }
            section.push(Block::Table(table));
        }
    }
    if session.context.is_some() {
        section.push(Block::Note(
            "This note is factual background on the rules of the declared context, not legal advice."
                .into(),
        ));
    }
    section
}

/// A p-value for the report: three decimals, `<0.001` below that.
fn p_value_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_owned()
    } else {
        fixed(p, 3)
    }
}

/// The adverse-impact table: every group against the group with the highest selection rate.
pub(super) fn adverse_impact_blocks(audit: &Audit, uncertainty: &AuditUncertainty) -> Vec<Block> {
    let block = &uncertainty.adverse_impact;
    let highest = block
        .highest_group
        .and_then(|h| audit.groups.get(h))
        .map_or_else(|| "none".to_owned(), |g| g.key.clone());
    let mut table = Table::new(vec![
        Column::text("Group"),
        Column::number("Selected"),
        Column::number("Selection rate"),
        Column::number("Impact ratio"),
        Column::text("Four-fifths"),
        Column {
            title: "p-value".to_owned(),
            detail: Some("test".to_owned()),
            numeric: true,
        },
        Column::number("Shortfall"),
    ]);
    for (position, (group, impact)) in audit.groups.iter().zip(&block.groups).enumerate() {
        let ratio = match impact.impact_ratio {
            Some(r) if impact.four_fifths_pass == Some(false) => {
                Text::flagged(fixed(r, RATE_DECIMALS))
            }
            r => Text::plain(fixed_or_na(r, RATE_DECIMALS)),
        };
        let verdict = match impact.four_fifths_pass {
            Some(true) => Text::badge(Outcome::Pass),
            Some(false) => Text::badge(Outcome::Fail),
            None => Text::badge(Outcome::Undefined),
        };
        let test = match impact.test {
            Some(t) => Cell::with_detail(
                format!(
                    "{}{}",
                    p_value_text(t.p_value),
                    if impact.significant { " *" } else { "" }
                ),
                match t.method {
                    TestMethod::FisherExact => "Fisher exact",
                    TestMethod::PooledZ => "two-proportion z",
                },
            ),
            None if Some(position) == block.highest_group => Cell::plain("highest"),
            None => Cell::plain("n/a"),
        };
        table.row(vec![
            Cell::plain(group.key.clone()),
            Cell::plain(count(impact.selected)),
            Cell::plain(fixed_or_na(impact.selection_rate, RATE_DECIMALS)),
            ratio.into(),
            verdict.into(),
            test,
            Cell::plain(impact.shortfall.map_or_else(|| "n/a".to_owned(), count)),
        ]);
    }
    vec![
        Block::Heading("Adverse impact: against the highest selection rate".to_owned()),
        Block::Paragraph(Text::plain(format!(
            "Each group's selection rate divided by the highest group's ({highest}), as employment rules compare them: a ratio under 0.8 fails the four-fifths rule (29 CFR 1607.4(D)), which the Uniform Guidelines read together with statistical significance (a two-sided test against the highest group; * marks p < {}) and practical significance (the shortfall: selections the group lacks to reach four fifths of the highest rate).",
            (block.significance_level * 1e6).round() / 1e6
        ))),
        Block::Table(table),
    ]
}

/// The LL144 tables of the session's decision, when the session records an LL144 section: on
/// every row of the data (the fit and evaluation rows together, when split).
pub fn session_bias_audit(
    session: &Session,
    evaluation: &SessionEvaluation,
) -> Option<Result<BiasAudit, String>> {
    let record = session.bias_audit.as_ref()?;
    let mut audits = vec![&evaluation.comparison.decision.audit];
    if let Some(split) = &evaluation.split {
        audits.push(&split.fit.decision.audit);
    }
    Some(record.tables(&evaluation.comparison.attribute_names, &audits))
}

/// The settings the LL144 section states.
pub fn session_bias_audit_settings(
    session: &Session,
    evaluation: &SessionEvaluation,
) -> Option<BiasAuditSettings> {
    let record = session.bias_audit.as_ref()?;
    let non_empty = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    Some(BiasAuditSettings {
        file: evaluation.data.path.clone(),
        sha256: Some(evaluation.data.sha256.clone()),
        sex: record.sex.clone(),
        race: record.race.clone(),
        selected: None,
        selected_value: None,
        score: Some(session.roles.score.clone()),
        thresholds: Some(session.thresholds.to_json()),
        rule: Some(session.rule.key().to_owned()),
        basis: format!(
            "Selected: the session's decision, score “{}” {} the threshold of the individual's group (section Thresholds)",
            session.roles.score,
            session.rule.symbol()
        ),
        unknown: record.unknown.clone(),
        weight: session.roles.weight.clone(),
        audit_date: record.audit_date.to_string(),
        distribution_date: None,
        source: non_empty(&record.source),
        tool: non_empty(&record.tool),
        rows_read: evaluation.data.rows_read,
        rows_dropped: evaluation.data.rows_dropped,
    })
}

/// The NYC Local Law 144 section, when the session records one.
pub(super) fn ll144_section(session: &Session, evaluation: &SessionEvaluation) -> Option<Section> {
    let result = session_bias_audit(session, evaluation)?;
    let settings = session_bias_audit_settings(session, evaluation)?;
    let mut section = Section::new("ll144", "NYC Local Law 144 bias audit");
    section.new_page = true;
    section.push(Block::Paragraph(Text::plain(
        "The bias audit's tables for the decision as a selection tool (6 RCNY § 5-301(b)): per sex, race/ethnicity and intersectional category, the applicants, the number selected at the decision's thresholds, the selection rate and the impact ratio, on every row of the data. The same numbers as fulcrum bias-audit with the same choices.",
    )));
    match result {
        Ok(audit) => {
            for block in bias_audit_blocks(&audit, &settings) {
                section.push(block);
            }
        }
        Err(message) => section.push(Block::Warning(
            format!("The LL144 tables cannot be computed: {message}.").into(),
        )),
    }
    Some(section)
}
