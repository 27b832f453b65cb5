//! The linked plots. Each draws from cached, screen-sized curves ([`PlotCurves`]) and the current
//! audit — never from rows — so a frame costs the same at 10 rows and 10 million.
//!
//! Thresholds can be dragged in the distribution and metric plots (grab a group's line), and
//! along the ROC curve (grab a group's operating point).

use egui::{Color32, Pos2};
use egui_plot::{
    HLine, HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints, PlotTransform,
    Points, Text, VLine,
};

use super::palette::{group_color, repeats_color};
use super::workspace::PlotCurves;
use crate::engine::curves::metric_sweep;
use crate::engine::{Audit, Convention, DecisionRule, GroupIndex, Metric};

/// Pixels within which a press grabs a threshold line or operating point.
const GRAB_DISTANCE: f32 = 10.0;

/// Metrics offered for the metric-versus-threshold plot.
pub const CURVE_METRICS: [Metric; 8] = [
    Metric::Tpr,
    Metric::Fpr,
    Metric::SelectionRate,
    Metric::Precision,
    Metric::Accuracy,
    Metric::Fnr,
    Metric::Npv,
    Metric::F1,
];

/// Metrics offered for the metrics-by-group plot.
pub const GROUP_METRICS: [Metric; 8] = [
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
    Metric::Accuracy,
    Metric::Fnr,
    Metric::Npv,
    Metric::BaseRate,
];

/// Which plot, for drag state and remembered transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlotKind {
    /// Score distributions with threshold lines.
    Distribution,
    /// A metric against the threshold.
    MetricCurve,
    /// ROC curves with operating points.
    Roc,
    /// Metrics by group with intervals.
    ByGroup,
    /// Reliability diagram.
    Calibration,
}

/// Interaction state of the plots, kept between frames.
#[derive(Default)]
pub struct PlotsState {
    /// The group whose threshold is being dragged, and in which plot.
    pub dragging: Option<(PlotKind, usize)>,
    /// Each plot's last transform (tests drag by screen position with it).
    pub transforms: Vec<(PlotKind, PlotTransform)>,
    /// Metric shown against the threshold.
    pub curve_metric: Option<Metric>,
    /// Metrics shown by group.
    pub group_metrics: Vec<Metric>,
    /// The by-group plot shows each group's ratio to the reference group (with bootstrap
    /// whiskers and the four-fifths band) instead of its values.
    pub group_ratios: bool,
    /// Cached metric sweeps: (metric, rule, convention, data generation) → per-group values.
    sweep_cache: Option<SweepCache>,
}

struct SweepCache {
    key: (Metric, DecisionRule, Convention, u64),
    values: Vec<Vec<Option<f64>>>,
}

impl PlotsState {
    /// The last transform of a plot.
    pub fn transform(&self, kind: PlotKind) -> Option<&PlotTransform> {
        self.transforms
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t)
    }

    fn remember(&mut self, kind: PlotKind, transform: PlotTransform) {
        self.transforms.retain(|(k, _)| *k != kind);
        self.transforms.push((kind, transform));
    }

    /// The metric of the metric-versus-threshold plot.
    pub fn curve_metric(&self) -> Metric {
        self.curve_metric.unwrap_or(Metric::Tpr)
    }

    /// The metrics of the by-group plot.
    pub fn group_metrics(&self) -> Vec<Metric> {
        if self.group_metrics.is_empty() {
            vec![Metric::SelectionRate, Metric::Tpr, Metric::Fpr]
        } else {
            self.group_metrics.clone()
        }
    }
}

/// Compare mode: another model's curves and audit, overlaid with the same group colours and
/// another line style.
pub struct ComparedPlot<'a> {
    /// The model's name.
    pub name: &'a str,
    /// Its cached curves (same groups).
    pub curves: &'a PlotCurves,
    /// Its audit at its thresholds (its operating points).
    pub audit: &'a Audit,
}

/// The line style of the compared model's curves.
fn compared_style() -> LineStyle {
    LineStyle::dashed_loose()
}

/// What every plot needs to draw one frame.
pub struct PlotInputs<'a> {
    /// The groups.
    pub index: &'a GroupIndex,
    /// Their cached curves.
    pub curves: &'a PlotCurves,
    /// Compare mode: the other model.
    pub compare: Option<ComparedPlot<'a>>,
    /// The current audit.
    pub audit: &'a Audit,
    /// Current thresholds, by group.
    pub thresholds: &'a [f64],
    /// Which groups to draw.
    pub visible: &'a [bool],
    /// Smallest and largest score.
    pub score_range: (f64, f64),
    /// The window's data generation (bumped whenever the data or grouping is replaced): keys the
    /// cached metric curves, so a new grouping never reuses the old one's.
    pub data_generation: u64,
    /// The audit's bootstrap intervals, once worked out (whiskers of the ratios to the
    /// reference).
    pub intervals: Option<&'a crate::engine::AuditUncertainty>,
}

impl PlotInputs<'_> {
    fn visible(&self, i: usize) -> bool {
        self.visible.get(i).copied().unwrap_or(true)
    }

    fn threshold(&self, i: usize) -> f64 {
        self.thresholds.get(i).copied().unwrap_or(0.0)
    }

    /// Where a threshold line is drawn: "nobody" / "everybody" at the ends of the range.
    fn shown_threshold(&self, i: usize) -> f64 {
        let (low, high) = self.score_range;
        self.threshold(i).clamp(low, high)
    }
}

fn style(i: usize) -> LineStyle {
    if repeats_color(i) {
        LineStyle::dashed_dense()
    } else {
        LineStyle::Solid
    }
}

/// A plot with its own navigation off, so drags are ours and the transform stays put.
fn fixed_plot(id: &str, ui: &egui::Ui) -> Plot<'static> {
    Plot::new(id)
        .show_background(!super::settings::light_drawing(ui.ctx()))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_crosshair(false)
}

/// Finds the visible group whose mark is nearest `press` (within [`GRAB_DISTANCE`]).
fn grab(
    press: Pos2,
    marks: impl Iterator<Item = (usize, Pos2)>,
    horizontal_only: bool,
) -> Option<usize> {
    marks
        .map(|(i, at)| {
            let distance = if horizontal_only {
                (at.x - press.x).abs()
            } else {
                at.distance(press)
            };
            (i, distance)
        })
        .filter(|(_, d)| *d <= GRAB_DISTANCE)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Handles grabbing and dragging a threshold along the x axis; returns the new threshold.
fn drag_threshold_x(
    state: &mut PlotsState,
    kind: PlotKind,
    response: &egui::Response,
    transform: &PlotTransform,
    inputs: &PlotInputs<'_>,
) -> Option<(usize, f64)> {
    if response.drag_started() {
        let press = response.ctx.input(|i| i.pointer.press_origin())?;
        let marks = (0..inputs.index.len())
            .filter(|i| inputs.visible(*i))
            .map(|i| {
                let x = transform.position_from_point_x(inputs.shown_threshold(i));
                (i, Pos2::new(x, press.y))
            });
        if let Some(group) = grab(press, marks, true) {
            state.dragging = Some((kind, group));
        }
    }
    if response.drag_stopped() {
        state.dragging = None;
    }
    let (dragged_kind, group) = state.dragging?;
    if dragged_kind != kind || !response.dragged() {
        return None;
    }
    let pointer = response.interact_pointer_pos()?;
    let (low, high) = inputs.score_range;
    let value = transform.value_from_position(pointer).x.clamp(low, high);
    Some((group, value))
}

/// A hover label for data points: `format(item name, point)`; nothing for unnamed items or
/// empty space.
fn hover<'a>(
    format: impl Fn(&str, &PlotPoint) -> String + 'a,
) -> impl Fn(&HoverPosition<'_>) -> Option<String> + 'a {
    move |position| match position {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } if !plot_name.is_empty() => Some(format(plot_name, position)),
        _ => None,
    }
}

/// A title row with an explanation.
fn title_ui(ui: &mut egui::Ui, title: &str, help: &str) {
    ui.horizontal(|ui| {
        ui.strong(title);
        ui.label(egui::RichText::new("(?)").weak())
            .on_hover_text(help);
    });
}

/// Score distributions per group, positives above the axis and negatives below, with each
/// group's threshold as a draggable vertical line.
pub fn distribution_plot_ui(
    ui: &mut egui::Ui,
    state: &mut PlotsState,
    inputs: &PlotInputs<'_>,
) -> Option<(usize, f64)> {
    title_ui(
        ui,
        "Scores (positives up, negatives down)",
        "Share of each group's positives (above the axis) and negatives (below) per score bin.\nDrag a group's vertical line to move its threshold.",
    );
    let response = fixed_plot("distribution", ui)
        .x_axis_label("score")
        .y_axis_formatter(|mark, _| format!("{:.2}", mark.value.abs()))
        .label_formatter(hover(|name, point| {
            if name.is_empty() {
                format!("score {:.3}", point.x)
            } else {
                format!("{name}\nscore {:.3}\nshare {:.4}", point.x, point.y.abs())
            }
        }))
        .show(ui, |plot_ui| {
            plot_ui.hline(HLine::new("", 0.0).color(Color32::GRAY).width(0.5));
            for (i, histogram) in inputs.curves.histograms.iter().enumerate() {
                if !inputs.visible(i) {
                    continue;
                }
                let key = inputs.index.groups().get(i).map_or("", |g| g.key.as_str());
                let total: f64 = histogram.positives.iter().chain(&histogram.negatives).sum();
                let total = if total > 0.0 { total } else { 1.0 };
                let steps = |masses: &[f64], sign: f64| -> Vec<[f64; 2]> {
                    let mut points = Vec::with_capacity(masses.len() * 2);
                    for (bin, mass) in masses.iter().enumerate() {
                        let (Some(lo), Some(hi)) =
                            (histogram.edges.get(bin), histogram.edges.get(bin + 1))
                        else {
                            continue;
                        };
                        let y = sign * mass / total;
                        points.push([*lo, y]);
                        points.push([*hi, y]);
                    }
                    points
                };
                let color = group_color(i);
                plot_ui.line(
                    Line::new(
                        format!("{key} · positives"),
                        steps(&histogram.positives, 1.0),
                    )
                    .color(color)
                    .style(style(i))
                    .width(1.5),
                );
                plot_ui.line(
                    Line::new(
                        format!("{key} · negatives"),
                        steps(&histogram.negatives, -1.0),
                    )
                    .color(color)
                    .style(style(i))
                    .width(1.0),
                );
                if let Some(compared) = &inputs.compare
                    && let Some(other) = compared.curves.histograms.get(i)
                {
                    let total: f64 = other.positives.iter().chain(&other.negatives).sum();
                    let total = if total > 0.0 { total } else { 1.0 };
                    for (masses, sign, part) in [
                        (&other.positives, 1.0, "positives"),
                        (&other.negatives, -1.0, "negatives"),
                    ] {
                        let mut points = Vec::with_capacity(masses.len() * 2);
                        for (bin, mass) in masses.iter().enumerate() {
                            if let (Some(lo), Some(hi)) =
                                (other.edges.get(bin), other.edges.get(bin + 1))
                            {
                                points.push([*lo, sign * mass / total]);
                                points.push([*hi, sign * mass / total]);
                            }
                        }
                        plot_ui.line(
                            Line::new(format!("{key} · {} · {part}", compared.name), points)
                                .color(color)
                                .style(compared_style())
                                .width(1.0),
                        );
                    }
                }
                plot_ui.vline(
                    VLine::new(format!("{key} · threshold"), inputs.shown_threshold(i))
                        .color(color)
                        .width(if state.dragging.is_some_and(|d| d.1 == i) {
                            3.0
                        } else {
                            2.0
                        }),
                );
            }
        });
    state.remember(PlotKind::Distribution, response.transform);
    drag_threshold_x(
        state,
        PlotKind::Distribution,
        &response.response,
        &response.transform,
        inputs,
    )
}

fn sweeps<'s>(
    state: &'s mut PlotsState,
    inputs: &PlotInputs<'_>,
    metric: Metric,
) -> &'s [Vec<Option<f64>>] {
    let options = &inputs.audit.options;
    let key = (
        metric,
        options.rule,
        options.convention,
        inputs.data_generation,
    );
    let stale = state.sweep_cache.as_ref().is_none_or(|c| c.key != key);
    if stale {
        let values = inputs
            .index
            .groups()
            .iter()
            .map(|g| {
                metric_sweep(
                    &g.curve,
                    metric,
                    &inputs.curves.sweep_thresholds,
                    options.rule,
                    options.convention,
                )
            })
            .collect();
        state.sweep_cache = Some(SweepCache { key, values });
    }
    state
        .sweep_cache
        .as_ref()
        .map_or(&[], |c| c.values.as_slice())
}

/// A metric against the threshold per group, with each group's current point; drag a point
/// sideways to move its threshold.
pub fn metric_curve_plot_ui(
    ui: &mut egui::Ui,
    state: &mut PlotsState,
    inputs: &PlotInputs<'_>,
) -> Option<(usize, f64)> {
    let mut metric = state.curve_metric();
    ui.horizontal(|ui| {
        let label = ui.strong("Metric vs threshold:");
        egui::ComboBox::from_id_salt("curve-metric")
            .selected_text(metric.label())
            .show_ui(ui, |ui| {
                for m in CURVE_METRICS {
                    ui.selectable_value(&mut metric, m, m.label());
                }
            })
            .response
            .labelled_by(label.id);
        ui.label(egui::RichText::new("(?)").weak())
            .on_hover_text("Each group's metric at every threshold; dots are the current thresholds.\nDrag a dot (or anywhere on its vertical) to move that group's threshold.");
    });
    state.curve_metric = Some(metric);
    let thresholds = inputs.curves.sweep_thresholds.clone();
    let sweeps = sweeps(state, inputs, metric).to_vec();
    let response = fixed_plot("metric-curve", ui)
        .x_axis_label("threshold")
        .y_axis_label(metric.label())
        .include_y(0.0)
        .include_y(1.0)
        .label_formatter(hover(|name, point| {
            if name.is_empty() {
                String::new()
            } else {
                format!("{name}\nthreshold {:.4}\nvalue {:.4}", point.x, point.y)
            }
        }))
        .show(ui, |plot_ui| {
            for (i, sweep) in sweeps.iter().enumerate() {
                if !inputs.visible(i) {
                    continue;
                }
                let key = inputs.index.groups().get(i).map_or("", |g| g.key.as_str());
                let color = group_color(i);
                // Undefined stretches break the line.
                let mut segment: Vec<[f64; 2]> = Vec::new();
                let mut segments = Vec::new();
                for (t, v) in thresholds.iter().zip(sweep) {
                    match v {
                        Some(v) => segment.push([*t, *v]),
                        None if !segment.is_empty() => segments.push(std::mem::take(&mut segment)),
                        None => {}
                    }
                }
                segments.push(segment);
                for points in segments.into_iter().filter(|s| !s.is_empty()) {
                    plot_ui.line(
                        Line::new(key.to_owned(), points)
                            .color(color)
                            .style(style(i))
                            .width(1.5),
                    );
                }
                if let Some(value) = inputs
                    .audit
                    .groups
                    .get(i)
                    .and_then(|g| g.values.get(metric))
                {
                    plot_ui.points(
                        Points::new(
                            format!("{key} · current"),
                            vec![[inputs.shown_threshold(i), value]],
                        )
                        .color(color)
                        .radius(5.0)
                        .shape(MarkerShape::Circle),
                    );
                }
            }
        });
    state.remember(PlotKind::MetricCurve, response.transform);
    drag_threshold_x(
        state,
        PlotKind::MetricCurve,
        &response.response,
        &response.transform,
        inputs,
    )
}

/// ROC curves per group with their operating points; drag a point along its curve.
pub fn roc_plot_ui(
    ui: &mut egui::Ui,
    state: &mut PlotsState,
    inputs: &PlotInputs<'_>,
) -> Option<(usize, f64)> {
    title_ui(
        ui,
        "ROC",
        "True positive rate against false positive rate for every threshold of each group.\nDots are the current operating points: drag one along its curve.",
    );
    let rule = inputs.audit.options.rule;
    let operating_point = |i: usize| -> Option<[f64; 2]> {
        let g = inputs.audit.groups.get(i)?;
        let rate = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
        Some([
            rate(g.counts.fp, g.counts.negatives()),
            rate(g.counts.tp, g.counts.positives()),
        ])
    };
    let response = fixed_plot("roc", ui)
        .data_aspect(1.0)
        .x_axis_label("FPR")
        .y_axis_label("TPR")
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .label_formatter(hover(|name, point| {
            if name.is_empty() {
                String::new()
            } else {
                format!("{name}\nFPR {:.4}\nTPR {:.4}", point.x, point.y)
            }
        }))
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("", vec![[0.0, 0.0], [1.0, 1.0]])
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_loose())
                    .width(0.5),
            );
            for (i, roc) in inputs.curves.roc.iter().enumerate() {
                if !inputs.visible(i) {
                    continue;
                }
                let key = inputs.index.groups().get(i).map_or("", |g| g.key.as_str());
                let color = group_color(i);
                let points: PlotPoints<'_> = roc.iter().map(|p| [p.fpr, p.tpr]).collect();
                plot_ui.line(
                    Line::new(key.to_owned(), points)
                        .color(color)
                        .style(style(i))
                        .width(1.5),
                );
                if let Some(point) = operating_point(i) {
                    plot_ui.points(
                        Points::new(format!("{key} · current"), vec![point])
                            .color(color)
                            .radius(5.0),
                    );
                }
                if let Some(compared) = &inputs.compare {
                    if let Some(other) = compared.curves.roc.get(i) {
                        let points: PlotPoints<'_> = other.iter().map(|p| [p.fpr, p.tpr]).collect();
                        plot_ui.line(
                            Line::new(format!("{key} · {}", compared.name), points)
                                .color(color)
                                .style(compared_style())
                                .width(1.5),
                        );
                    }
                    if let Some(g) = compared.audit.groups.get(i) {
                        let rate =
                            |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
                        let point = [
                            rate(g.counts.fp, g.counts.negatives()),
                            rate(g.counts.tp, g.counts.positives()),
                        ];
                        plot_ui.points(
                            Points::new(
                                format!("{key} · {} · current", compared.name),
                                vec![point],
                            )
                            .color(color)
                            .shape(MarkerShape::Diamond)
                            .filled(false)
                            .radius(6.0),
                        );
                    }
                }
            }
        });
    let transform = response.transform;
    state.remember(PlotKind::Roc, transform);
    let drag = &response.response;
    if drag.drag_started()
        && let Some(press) = drag.ctx.input(|i| i.pointer.press_origin())
    {
        let marks = (0..inputs.index.len())
            .filter(|i| inputs.visible(*i))
            .filter_map(|i| {
                let [x, y] = operating_point(i)?;
                Some((i, transform.position_from_point(&PlotPoint::new(x, y))))
            });
        if let Some(group) = grab(press, marks, false) {
            state.dragging = Some((PlotKind::Roc, group));
        }
    }
    if drag.drag_stopped() {
        state.dragging = None;
    }
    let (PlotKind::Roc, group) = state.dragging? else {
        return None;
    };
    let pointer = drag.interact_pointer_pos()?;
    let roc = inputs.curves.roc.get(group)?;
    let curve = &inputs.index.groups().get(group)?.curve;
    // The curve point nearest the pointer, on screen.
    let nearest = roc.iter().min_by(|a, b| {
        let da = transform
            .position_from_point(&PlotPoint::new(a.fpr, a.tpr))
            .distance(pointer);
        let db = transform
            .position_from_point(&PlotPoint::new(b.fpr, b.tpr))
            .distance(pointer);
        da.total_cmp(&db)
    })?;
    Some((group, curve.threshold_for_cut(nearest.cut, rule)))
}

/// Chosen metrics per group with 95% interval whiskers; the reference group is marked.
pub fn by_group_plot_ui(ui: &mut egui::Ui, state: &mut PlotsState, inputs: &PlotInputs<'_>) {
    let mut metrics = state.group_metrics();
    ui.horizontal(|ui| {
        ui.strong("By group");
        ui.menu_button("Metrics", |ui| {
            for m in GROUP_METRICS {
                let mut on = metrics.contains(&m);
                if ui.checkbox(&mut on, m.label()).changed() {
                    if on {
                        metrics.push(m);
                    } else if metrics.len() > 1 {
                        metrics.retain(|x| *x != m);
                    }
                }
            }
        });
        ui.toggle_value(&mut state.group_ratios, "ratio to ref.")
            .on_hover_text("Each group's value divided by the reference group's, with its 95% bootstrap interval; the shaded band is the four-fifths rule's [0.8, 1.25]");
        ui.label(egui::RichText::new("(?)").weak()).on_hover_text(
            "Each group's value with its 95% Wilson interval (or, as a ratio to the reference group, its 95% bootstrap interval); marker shape tells the metrics apart\n(circle, diamond, square, …, in the order of the Metrics menu). The reference group is labelled.",
        );
    });
    metrics.sort_by_key(|m| GROUP_METRICS.iter().position(|x| x == m));
    state.group_metrics.clone_from(&metrics);
    let groups = inputs.index.groups();
    let count = groups.len();
    let keys: Vec<String> = groups.iter().map(|g| g.key.clone()).collect();
    let shapes = [
        MarkerShape::Circle,
        MarkerShape::Diamond,
        MarkerShape::Square,
        MarkerShape::Up,
        MarkerShape::Down,
        MarkerShape::Cross,
        MarkerShape::Plus,
        MarkerShape::Asterisk,
    ];
    let ratios = state.group_ratios;
    let (x_low, x_high) = if ratios { (0.5, 1.5) } else { (0.0, 1.0) };
    let response = fixed_plot("by-group", ui)
        .include_x(x_low)
        .include_x(x_high)
        .include_y(-0.5)
        .include_y(count as f64 - 0.5)
        .y_axis_formatter(move |mark, _| {
            let row = mark.value.round();
            if (mark.value - row).abs() > 1e-6 || row < 0.0 {
                return String::new();
            }
            let i = count.saturating_sub(1).saturating_sub(row as usize);
            keys.get(i).cloned().unwrap_or_default()
        })
        .y_grid_spacer(move |_| {
            (0..count)
                .map(|i| egui_plot::GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .label_formatter(hover(|name, point| {
            if name.is_empty() {
                String::new()
            } else {
                format!("{name}\nvalue {:.4}", point.x)
            }
        }))
        .show(ui, |plot_ui| {
            let reference = inputs
                .audit
                .metric_summary(metrics.first().copied().unwrap_or(Metric::SelectionRate))
                .and_then(|s| s.reference_group);
            if ratios {
                four_fifths_band_ui(plot_ui, count);
            }
            for (i, group) in inputs.audit.groups.iter().enumerate() {
                let y = (count - 1 - i) as f64;
                let color = group_color(i);
                for (m, metric) in metrics.iter().enumerate() {
                    let offset = (m as f64 - (metrics.len() as f64 - 1.0) / 2.0) * 0.18;
                    let (value, interval) = if ratios {
                        (
                            group.disparity(*metric),
                            inputs
                                .intervals
                                .and_then(|u| u.disparity_interval(i, *metric)),
                        )
                    } else {
                        (group.values.get(*metric), group.interval(*metric))
                    };
                    let Some(value) = value else {
                        continue;
                    };
                    if let Some(interval) = interval {
                        plot_ui.line(
                            Line::new(
                                format!("{} · {} 95% interval", group.key, metric.label()),
                                vec![[interval.low, y + offset], [interval.high, y + offset]],
                            )
                            .color(color)
                            .width(1.5),
                        );
                    }
                    plot_ui.points(
                        Points::new(
                            format!("{} · {}", group.key, metric.label()),
                            vec![[value, y + offset]],
                        )
                        .color(color)
                        .radius(4.5)
                        .shape(shapes.get(m).copied().unwrap_or(MarkerShape::Circle)),
                    );
                }
                if reference == Some(i) {
                    plot_ui.text(
                        Text::new("", PlotPoint::new(1.0, y), "(reference)")
                            .anchor(egui::Align2::RIGHT_CENTER)
                            .color(color),
                    );
                }
            }
        });
    state.remember(PlotKind::ByGroup, response.transform);
}

/// The four-fifths band [0.8, 1.25] and parity (1) as vertical lines across `rows` rows.
fn four_fifths_band_ui(plot_ui: &mut egui_plot::PlotUi<'_>, rows: usize) {
    let (bottom, top) = (-0.5, rows as f64 - 0.5);
    for (x, style) in [
        (0.8, LineStyle::dashed_loose()),
        (1.0, LineStyle::Solid),
        (1.25, LineStyle::dashed_loose()),
    ] {
        plot_ui.line(
            Line::new("", vec![[x, bottom], [x, top]])
                .color(Color32::GRAY)
                .style(style)
                .width(0.5),
        );
    }
}

/// Observed positive rate against mean score per score bin, per group.
pub fn calibration_plot_ui(ui: &mut egui::Ui, state: &mut PlotsState, inputs: &PlotInputs<'_>) {
    let calibration = inputs.audit.calibration.as_ref();
    let title = match calibration.and_then(|c| c.difference) {
        Some(difference) => format!("Calibration (ECE gap {difference:.3})"),
        None => "Calibration".to_owned(),
    };
    title_ui(
        ui,
        &title,
        "Observed share of positives against the mean score in ten score bins, per group.\nOn the dashed diagonal a score means what it says.\nECE (expected calibration error): the weight-averaged gap between mean score and observed rate over ten equal-width bins; the gap is the largest group ECE minus the smallest (scores in [0, 1] only).",
    );
    let (low, high) = inputs.score_range;
    let response = fixed_plot("calibration", ui)
        .x_axis_label("mean score")
        .y_axis_label("observed positive rate")
        .include_y(0.0)
        .include_y(1.0)
        .label_formatter(hover(|name, point| {
            if name.is_empty() {
                String::new()
            } else {
                format!("{name}\nmean score {:.4}\nobserved {:.4}", point.x, point.y)
            }
        }))
        .show(ui, |plot_ui| {
            if low >= 0.0 && high <= 1.0 {
                plot_ui.line(
                    Line::new("", vec![[0.0, 0.0], [1.0, 1.0]])
                        .color(Color32::GRAY)
                        .style(LineStyle::dashed_loose())
                        .width(0.5),
                );
            }
            for (i, bins) in inputs.curves.calibration.iter().enumerate() {
                if !inputs.visible(i) {
                    continue;
                }
                let group = inputs.index.groups().get(i).map_or("", |g| g.key.as_str());
                let key = match inputs.audit.ece(i) {
                    Some(ece) => format!("{group} (ECE {ece:.3})"),
                    None => group.to_owned(),
                };
                let points: Vec<[f64; 2]> = bins
                    .iter()
                    .map(|b| [b.mean_score, b.observed_rate])
                    .collect();
                plot_ui.line(
                    Line::new(key.clone(), points.clone())
                        .color(group_color(i))
                        .style(style(i))
                        .width(1.5),
                );
                plot_ui.points(
                    Points::new(key.clone(), points)
                        .color(group_color(i))
                        .radius(2.5),
                );
            }
        });
    state.remember(PlotKind::Calibration, response.transform);
}
