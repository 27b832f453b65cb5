//! The metrics table: one row per group plus overall, sortable, with the disparity summary under
//! it. Clicking a number explains it: counts, denominator, formula and convention.

use egui::RichText;

use super::derived::SplitAudits;
use super::palette::{PASS, WARNING, group_color};
use super::state::RowsShown;
use crate::engine::convention::passes_parity;
use crate::engine::uncertainty::AuditUncertainty;
use crate::engine::{Audit, Convention, GroupAudit, Metric};
use crate::report::format::{count, rate, threshold};

/// Metric columns of the table.
pub const TABLE_METRICS: [Metric; 9] = [
    Metric::BaseRate,
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
    Metric::Npv,
    Metric::Accuracy,
    Metric::F1,
    Metric::Fnr,
];

/// What a column sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    /// Index order (the grouping's order).
    Group,
    /// Group weight.
    Count,
    /// Threshold.
    Threshold,
    /// A metric.
    Metric(Metric),
    /// Selection rate over the reference group's.
    Disparity,
}

/// Table state kept between frames.
#[derive(Clone, Debug, PartialEq)]
pub struct TableState {
    /// Sort column.
    pub sort: SortColumn,
    /// Descending order.
    pub descending: bool,
    /// The cell being explained: (group index or `None` for overall, metric).
    pub explained: Option<(Option<usize>, Metric)>,
}

impl Default for TableState {
    fn default() -> Self {
        Self {
            sort: SortColumn::Group,
            descending: false,
            explained: None,
        }
    }
}

/// The order rows are shown in.
pub fn row_order(audit: &Audit, table: &TableState) -> Vec<usize> {
    let mut order: Vec<usize> = (0..audit.groups.len()).collect();
    let key = |i: usize| -> f64 {
        let Some(g) = audit.groups.get(i) else {
            return f64::NAN;
        };
        match table.sort {
            SortColumn::Group => i as f64,
            SortColumn::Count => g.weight,
            SortColumn::Threshold => g.threshold.unwrap_or(f64::NAN),
            SortColumn::Metric(m) => g.values.get(m).unwrap_or(f64::NEG_INFINITY),
            SortColumn::Disparity => g
                .disparity(Metric::SelectionRate)
                .unwrap_or(f64::NEG_INFINITY),
        }
    };
    order.sort_by(|a, b| key(*a).total_cmp(&key(*b)));
    if table.descending {
        order.reverse();
    }
    order
}

fn header_ui(
    ui: &mut egui::Ui,
    table: &mut TableState,
    title: &str,
    column: SortColumn,
    help: &str,
) {
    let arrow = if table.sort == column {
        if table.descending { " v" } else { " ^" }
    } else {
        ""
    };
    if ui
        .add(egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false))
        .on_hover_text(help)
        .clicked()
    {
        if table.sort == column {
            table.descending = !table.descending;
        } else {
            table.sort = column;
            table.descending = !matches!(column, SortColumn::Group);
        }
    }
}

/// Shows the table; `hidden` groups (small ones the user chose to hide) are left out.
pub fn metrics_table_ui(
    ui: &mut egui::Ui,
    audit: &Audit,
    table: &mut TableState,
    hidden: &[bool],
    reserved_below: f32,
) {
    let reference = audit
        .metric_summary(Metric::SelectionRate)
        .and_then(|s| s.reference_group);
    let rows: Vec<usize> = row_order(audit, table)
        .into_iter()
        .filter(|i| !hidden.get(*i).copied().unwrap_or(false))
        .collect();
    // Only the rows in view are laid out (hundreds of intersections cost nothing off screen); the
    // header is drawn above the first visible row, so it stays in view while scrolling.
    // The grid's row spacing is the same 3 points `show_rows` adds between rows.
    let row_height = ui
        .spacing()
        .interact_size
        .y
        .max(ui.text_style_height(&egui::TextStyle::Body));
    egui::ScrollArea::both()
        .id_salt("metrics-table")
        .auto_shrink([false, true])
        .max_height((ui.available_height() - reserved_below).max(3.0 * row_height))
        .show_rows(ui, row_height, rows.len() + 2, |ui, range| {
            egui::Grid::new("metrics-grid")
                .striped(true)
                .spacing([14.0, ui.spacing().item_spacing.y])
                .min_row_height(row_height)
                .show(ui, |ui| {
                    header_ui(ui, table, "Group", SortColumn::Group, "Group (click to sort)");
                    header_ui(ui, table, "n", SortColumn::Count, "Weight of the group (rows, or summed counts)");
                    header_ui(ui, table, "Threshold", SortColumn::Threshold, "Selected iff score ≥ threshold (or > with the strict rule)");
                    for metric in TABLE_METRICS {
                        header_ui(ui, table, metric.label(), SortColumn::Metric(metric), metric.formula());
                    }
                    header_ui(ui, table, "Sel./ref", SortColumn::Disparity, "Selection rate divided by the reference group's (four-fifths rule: 0.8–1.25 passes)");
                    ui.strong("Flags");
                    ui.end_row();
                    // Row 0 of the range is the header's place; the last is the overall row.
                    let first = range.start.min(rows.len());
                    let last = range.end.saturating_sub(1).min(rows.len());
                    for &i in rows.get(first..last).unwrap_or(&[]) {
                        if let Some(group) = audit.groups.get(i) {
                            row_ui(ui, audit, table, group, Some(i), reference == Some(i));
                        }
                    }
                    if range.end > rows.len() {
                        row_ui(ui, audit, table, &audit.overall, None, false);
                    }
                });
        });
}

fn row_ui(
    ui: &mut egui::Ui,
    audit: &Audit,
    table: &mut TableState,
    group: &GroupAudit,
    index: Option<usize>,
    is_reference: bool,
) {
    ui.horizontal(|ui| {
        if let Some(i) = index {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, group_color(i));
            let mut name = RichText::new(&group.key);
            if is_reference {
                name = name.strong();
            }
            ui.label(name);
            if is_reference {
                ui.label("(ref)")
                    .on_hover_text("Reference group for disparities");
            }
        } else {
            ui.strong("Overall");
        }
    });
    let n = ui.label(count(group.weight));
    if group.weight != group.rows as f64 {
        n.on_hover_text(format!("{} rows", group.rows));
    }
    ui.label(threshold(group.threshold));
    for metric in TABLE_METRICS {
        let value = group.values.get(metric);
        let small = group.small_metrics.contains(&metric);
        let mut text = RichText::new(rate(value)).monospace();
        if small {
            text = text.italics().color(ui.visuals().weak_text_color());
        }
        let cell = ui
            .add(egui::Label::new(text).sense(egui::Sense::click()))
            .on_hover_text(exact_text(group, metric));
        if cell.clicked() {
            table.explained = Some((index, metric));
        }
    }
    if index.is_some() {
        match group.disparity(Metric::SelectionRate) {
            Some(d) if passes_parity(d) => ui.label(format!("{d:.2}")),
            Some(d) => ui
                .label(RichText::new(format!("{d:.2} fails")).color(WARNING))
                .on_hover_text(
                    "Outside 0.8–1.25: fails the four-fifths rule against the reference group",
                ),
            None => ui.label("n/a"),
        };
    } else {
        ui.label("");
    }
    let mut flags = Vec::new();
    if group.small {
        flags.push(format!("small (< {})", audit.options.min_count));
    }
    ui.label(RichText::new(flags.join(" ")).color(WARNING));
    ui.end_row();
}

fn exact_text(group: &GroupAudit, metric: Metric) -> String {
    let value = group
        .values
        .get(metric)
        .map_or_else(|| "undefined".to_owned(), |v| format!("{v}"));
    let interval = group
        .interval(metric)
        .map(|i| format!("\n95% interval [{:.4}, {:.4}]", i.low, i.high))
        .unwrap_or_default();
    format!("{} = {value}{interval}\nclick to explain", metric.label())
}

/// With an evaluation split, the switch between the rows the criteria are judged on and the
/// rows the thresholds are chosen on; returns the new choice when it changed.
pub fn rows_switch_ui(
    ui: &mut egui::Ui,
    shown: RowsShown,
    split: &SplitAudits,
) -> Option<RowsShown> {
    let mut choice = shown;
    ui.horizontal(|ui| {
        ui.label("Rows:");
        ui.selectable_value(
            &mut choice,
            RowsShown::Evaluation,
            format!("Evaluation ({})", count(split.evaluation.overall.weight)),
        )
        .on_hover_text(
            "Rows held out of the fit: the thresholds were not chosen on them, and the criteria are judged on them",
        );
        ui.selectable_value(
            &mut choice,
            RowsShown::Fit,
            format!("Fit ({})", count(split.fit.overall.weight)),
        )
        .on_hover_text(
            "Rows the optimizer chooses thresholds on: their numbers flatter the decision",
        );
    });
    (choice != shown).then_some(choice)
}

/// The across-groups summary: each difference and ratio with its bootstrap interval, and with an
/// evaluation split the same number on the other rows; then plain-words warnings where a group
/// is too small for the claim its number seems to make.
pub fn summary_ui(
    ui: &mut egui::Ui,
    audit: &Audit,
    intervals: Option<&AuditUncertainty>,
    split: Option<(RowsShown, &SplitAudits)>,
) {
    let s = &audit.summary;
    let number = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"));
    let interval = |key: &str, value: Option<f64>| match (value, intervals) {
        (None, _) => String::new(),
        (Some(_), None) => "[…]".to_owned(),
        (Some(_), Some(u)) => u.summary_interval(key).map_or_else(
            || "[n/a]".to_owned(),
            |i| format!("[{:.3}, {:.3}]", i.low, i.high),
        ),
    };
    let confidence = intervals.map_or(crate::engine::intervals::DEFAULT_CONFIDENCE, |u| {
        u.settings.confidence
    });
    let reference = audit
        .metric_summary(Metric::SelectionRate)
        .and_then(|m| m.reference_group)
        .and_then(|i| audit.groups.get(i))
        .map_or("n/a", |g| g.key.as_str());
    // With a split: the other rows' summary, and what to call them.
    let other = split.map(|(shown, audits)| match shown {
        RowsShown::Evaluation => ("fit rows", &audits.fit.summary),
        RowsShown::Fit => ("evaluation rows", &audits.evaluation.summary),
    });
    egui::Grid::new("summary-grid")
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            ui.strong("Across groups");
            ui.label("difference");
            ui.label(format!("{:.0}% interval", confidence * 100.0))
                .on_hover_text("Bootstrap percentile interval: each group's confusion counts resampled 1000 times (seeded), the audit recomputed each time. See README, \"Intervals\".");
            ui.label("ratio");
            ui.label(format!("{:.0}% interval", confidence * 100.0));
            if let Some((name, _)) = other {
                ui.label(format!("difference on {name}"))
                    .on_hover_text("The same difference on the other side of the evaluation split");
            }
            ui.label(format!(
                "reference: {reference} ({})",
                audit.options.reference
            ));
            ui.end_row();
            for (name, key, difference, ratio, other_difference) in [
                (
                    "Demographic parity (selection rate)",
                    "demographic_parity",
                    s.demographic_parity_difference,
                    s.demographic_parity_ratio,
                    other.and_then(|o| o.1.demographic_parity_difference),
                ),
                (
                    "Equal opportunity (TPR)",
                    "equal_opportunity",
                    s.equal_opportunity_difference,
                    s.equal_opportunity_ratio,
                    other.and_then(|o| o.1.equal_opportunity_difference),
                ),
                (
                    "Equalized odds (TPR and FPR)",
                    "equalized_odds",
                    s.equalized_odds_difference,
                    s.equalized_odds_ratio,
                    other.and_then(|o| o.1.equalized_odds_difference),
                ),
                (
                    "Predictive parity (precision)",
                    "predictive_parity",
                    s.predictive_parity_difference,
                    None,
                    other.and_then(|o| o.1.predictive_parity_difference),
                ),
            ] {
                ui.label(name);
                ui.monospace(number(difference));
                ui.monospace(interval(&format!("{key}_difference"), difference));
                ui.monospace(number(ratio));
                ui.monospace(interval(&format!("{key}_ratio"), ratio));
                if other.is_some() {
                    ui.monospace(number(other_difference));
                }
                ui.label("");
                ui.end_row();
            }
            ui.label("Disparate impact (lowest / highest selection rate)");
            ui.monospace(number(s.disparate_impact));
            ui.monospace(interval("disparate_impact", s.disparate_impact));
            ui.label("");
            ui.label("");
            if let Some((_, summary)) = other {
                ui.monospace(number(summary.disparate_impact));
            }
            match s.four_fifths_pass {
                Some(true) => ui.colored_label(PASS, "PASS: the four-fifths rule holds"),
                Some(false) => ui.colored_label(WARNING, "FAIL: the four-fifths rule (< 0.8)"),
                None => ui.label("four-fifths rule: n/a"),
            };
            ui.end_row();
        });
    if let Some(intervals) = intervals {
        let warnings = undecided_groups(audit, intervals);
        for warning in warnings.iter().take(MAX_WARNINGS) {
            ui.colored_label(WARNING, warning);
        }
        if warnings.len() > MAX_WARNINGS {
            ui.label(format!(
                "… and {} more groups like these",
                warnings.len() - MAX_WARNINGS
            ));
        }
    }
}

/// Warnings shown under the summary at most.
const MAX_WARNINGS: usize = 4;

/// The height of one table row, spacing included.
pub fn row_height(ui: &egui::Ui) -> f32 {
    ui.spacing()
        .interact_size
        .y
        .max(ui.text_style_height(&egui::TextStyle::Body))
        + ui.spacing().item_spacing.y
}

/// The height [`summary_ui`] takes with `warnings` warning lines (of [`undecided_groups`]), so
/// the table above leaves it room instead of pushing the panel past its size.
pub fn summary_height(ui: &egui::Ui, warnings: usize) -> f32 {
    let lines = 6 + warnings.min(MAX_WARNINGS + 1);
    lines as f32 * row_height(ui) + 12.0
}

/// Groups whose selection-rate ratio to the reference cannot be told inside or outside the
/// four-fifths band [0.8, 1.25]: the interval straddles a bound, so the point value alone would
/// claim more than the data supports. In plain words, one line each.
pub fn undecided_groups(audit: &Audit, intervals: &AuditUncertainty) -> Vec<String> {
    let mut warnings = Vec::new();
    for (position, group) in audit.groups.iter().enumerate() {
        let (Some(ratio), Some(interval)) = (
            group.disparity(Metric::SelectionRate),
            intervals.disparity_interval(position, Metric::SelectionRate),
        ) else {
            continue;
        };
        let straddles = |bound: f64| interval.low < bound && bound < interval.high;
        if straddles(0.8) || straddles(1.25) {
            warnings.push(format!(
                "{}: selection-rate ratio {ratio:.2}, {:.0}% interval [{:.2}, {:.2}] — with {} cases the data cannot tell whether it meets the four-fifths band",
                group.key,
                intervals.settings.confidence * 100.0,
                interval.low,
                interval.high,
                count(group.weight)
            ));
        }
    }
    warnings
}

/// A window explaining one number: its counts, denominator, formula and convention.
pub fn explain_ui(ctx: &egui::Context, audit: &Audit, table: &mut TableState) {
    let Some((index, metric)) = table.explained else {
        return;
    };
    let group = match index {
        Some(i) => audit.groups.get(i),
        None => Some(&audit.overall),
    };
    let Some(group) = group else {
        table.explained = None;
        return;
    };
    let mut open = true;
    egui::Window::new(format!("{} of {}", metric.label(), group.key))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            explanation_ui(ui, audit, group, metric);
        });
    if !open {
        table.explained = None;
    }
}

fn explanation_ui(ui: &mut egui::Ui, audit: &Audit, group: &GroupAudit, metric: Metric) {
    let c = &group.counts;
    ui.label(RichText::new(metric.formula()).strong());
    ui.add_space(4.0);
    egui::Grid::new("explain-counts").show(ui, |ui| {
        for (name, value) in [("TP", c.tp), ("FP", c.fp), ("TN", c.tn), ("FN", c.fn_)] {
            ui.label(name);
            ui.monospace(count(value));
            ui.end_row();
        }
    });
    let all_selected = audit.overall.counts.selected();
    match metric.fraction(c, all_selected) {
        Some(f) => {
            ui.label(format!(
                "= {} / {}",
                count(f.numerator),
                count(f.denominator)
            ));
            match f.value() {
                Some(v) => ui.label(format!("= {v}")),
                None => ui.label("The denominator is 0: the value is undefined."),
            };
        }
        None => {
            ui.label("= (TPR + TNR) / 2");
        }
    }
    let shown = group
        .values
        .get(metric)
        .map_or_else(|| "n/a (undefined)".to_owned(), |v| format!("{v}"));
    ui.label(format!("Shown: {shown}"));
    if let Some(interval) = group.interval(metric) {
        ui.label(format!(
            "95% Wilson interval: [{:.4}, {:.4}] (n = the denominator, as weighted counts)",
            interval.low, interval.high
        ));
    }
    if group.small_metrics.contains(&metric) {
        ui.colored_label(
            WARNING,
            format!(
                "The denominator is under the minimum count ({}): treat this rate with care.",
                audit.options.min_count
            ),
        );
    }
    ui.label(
        RichText::new(match audit.options.convention {
            Convention::Native => {
                "Convention: native — an empty denominator leaves the value undefined (n/a)."
            }
            Convention::Fairlearn => {
                "Convention: fairlearn — an empty denominator gives 0, as scikit-learn does."
            }
            Convention::Aequitas => {
                "Convention: aequitas — an empty denominator is undefined; disparities x/0 = 10."
            }
        })
        .weak(),
    );
    if let Some(d) = group.disparity(metric) {
        ui.label(format!(
            "Against the reference group: {d:.4} ({})",
            if passes_parity(d) {
                "within 0.8–1.25"
            } else {
                "outside 0.8–1.25"
            }
        ));
    }
}
