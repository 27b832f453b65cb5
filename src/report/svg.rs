//! Inline SVG charts for the HTML report: the accuracy–fairness frontier with the decision and
//! scenarios on it, and per-group rates with their 95% intervals. Plain SVG, fixed sizes and
//! one-decimal coordinates, light colours that print.

use std::fmt::Write as _;

use super::markup::{coordinate as c, fixed, html};
use crate::engine::{Audit, Metric};
use crate::session::{FrontierSummary, GapAccuracy};

const INK: &str = "#1f2937";
const GRID: &str = "#e5e7eb";
const OPTIMAL: &str = "#1d4ed8";
const SINGLE: &str = "#b45309";
const RANDOMIZED: &str = "#6b7280";
const DECISION: &str = "#b91c1c";

/// Evenly spaced "nice" ticks (steps of 1, 2 or 5 × 10ⁿ) covering `[low, high]`.
pub fn ticks(low: f64, high: f64, target: usize) -> (Vec<f64>, usize) {
    let span = (high - low).abs().max(1e-12);
    let rough = span / target.max(1) as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let first = (low / step).ceil() as i64;
    let last = (high / step + 1e-9).floor() as i64;
    ((first..=last).map(|k| k as f64 * step).collect(), decimals)
}

/// A linear map from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    data: (f64, f64),
    pixels: (f64, f64),
}

impl Scale {
    fn at(self, value: f64) -> f64 {
        let (d0, d1) = self.data;
        let (p0, p1) = self.pixels;
        if (d1 - d0).abs() < f64::EPSILON {
            return (p0 + p1) / 2.0;
        }
        p0 + (value - d0) / (d1 - d0) * (p1 - p0)
    }
}

/// The frontier chart: gap on x, overall accuracy on y.
pub fn frontier_svg(frontier: &FrontierSummary) -> String {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 440.0;
    const LEFT: f64 = 64.0;
    const RIGHT: f64 = 24.0;
    const TOP: f64 = 16.0;
    const PLOT_BOTTOM: f64 = 350.0;

    let mut all: Vec<GapAccuracy> = Vec::new();
    all.extend(&frontier.optimal);
    all.extend(&frontier.single_threshold);
    all.extend(&frontier.randomized);
    all.extend(frontier.decision);
    all.extend(frontier.scenarios.iter().map(|(_, p)| *p));
    let max_gap = all.iter().map(|p| p.gap).fold(0.0, f64::max);
    let x_high = if max_gap > 0.0 { max_gap * 1.05 } else { 0.1 };
    let (low_accuracy, high_accuracy) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.accuracy), hi.max(p.accuracy))
        });
    let (low_accuracy, high_accuracy) = if low_accuracy.is_finite() {
        let pad = ((high_accuracy - low_accuracy) * 0.08).max(0.005);
        (low_accuracy - pad, high_accuracy + pad)
    } else {
        (0.0, 1.0)
    };
    let x = Scale {
        data: (0.0, x_high),
        pixels: (LEFT, WIDTH - RIGHT),
    };
    let y = Scale {
        data: (low_accuracy, high_accuracy),
        pixels: (PLOT_BOTTOM, TOP),
    };

    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="frontier-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">"#
    )
    .ok();
    writeln!(
        svg,
        r#"<title id="frontier-title">Accuracy against the {} gap: best thresholds per tolerance, one threshold for all, randomized bound, the decision and the scenarios</title>"#,
        html(frontier.constraint.key())
    )
    .ok();
    writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    )
    .ok();
    axes(&mut svg, x, y, (LEFT, WIDTH - RIGHT, TOP, PLOT_BOTTOM));
    writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{INK}">{} gap across groups (max − min)</text>"#,
        c((LEFT + WIDTH - RIGHT) / 2.0),
        c(PLOT_BOTTOM + 34.0),
        html(&gap_axis_label(frontier))
    )
    .ok();
    writeln!(
        svg,
        r#"<text x="16" y="{}" text-anchor="middle" fill="{INK}" transform="rotate(-90 16 {})">Overall accuracy</text>"#,
        c((TOP + PLOT_BOTTOM) / 2.0),
        c((TOP + PLOT_BOTTOM) / 2.0)
    )
    .ok();

    // Randomized bound, then one threshold for all, then the deterministic frontier on top.
    polyline(&mut svg, &frontier.randomized, x, y, RANDOMIZED, "2 3");
    polyline(&mut svg, &frontier.single_threshold, x, y, SINGLE, "6 4");
    let mut optimal = frontier.optimal.clone();
    optimal.sort_by(|a, b| {
        a.gap
            .total_cmp(&b.gap)
            .then(a.accuracy.total_cmp(&b.accuracy))
    });
    if let Some(first) = optimal.first() {
        let mut path = format!("M{},{}", c(x.at(first.gap)), c(y.at(first.accuracy)));
        let mut best = first.accuracy;
        for point in optimal.iter().skip(1) {
            // A step: the best accuracy so far holds until a larger gap buys more.
            if point.accuracy > best {
                write!(
                    path,
                    " H{} V{}",
                    c(x.at(point.gap)),
                    c(y.at(point.accuracy))
                )
                .ok();
                best = point.accuracy;
            }
        }
        write!(path, " H{}", c(x.at(x_high))).ok();
        writeln!(
            svg,
            r#"<path d="{path}" fill="none" stroke="{OPTIMAL}" stroke-width="2"/>"#
        )
        .ok();
        for point in &optimal {
            writeln!(
                svg,
                r#"<circle cx="{}" cy="{}" r="2" fill="{OPTIMAL}"/>"#,
                c(x.at(point.gap)),
                c(y.at(point.accuracy))
            )
            .ok();
        }
    }
    let mut labels: Vec<(f64, f64, &str, bool)> = Vec::new();
    let mut markers: Vec<(f64, f64)> = Vec::new();
    for (name, point) in &frontier.scenarios {
        let (px, py) = (x.at(point.gap), y.at(point.accuracy));
        writeln!(
            svg,
            r##"<circle cx="{}" cy="{}" r="5" fill="#ffffff" stroke="{INK}" stroke-width="1.5"><title>{}: gap {}, accuracy {}</title></circle>"##,
            c(px),
            c(py),
            html(name),
            fixed(point.gap, 4),
            fixed(point.accuracy, 4)
        )
        .ok();
        labels.push((px, py, name.as_str(), false));
        markers.push((px, py));
    }
    if let Some(point) = frontier.decision {
        let (px, py) = (x.at(point.gap), y.at(point.accuracy));
        writeln!(
            svg,
            r##"<path d="M{},{} L{},{} L{},{} L{},{} Z" fill="{DECISION}" stroke="#7f1d1d" stroke-width="1"><title>Decision: gap {}, accuracy {}</title></path>"##,
            c(px),
            c(py - 7.0),
            c(px + 7.0),
            c(py),
            c(px),
            c(py + 7.0),
            c(px - 7.0),
            c(py),
            fixed(point.gap, 4),
            fixed(point.accuracy, 4)
        )
        .ok();
        // The decision's label is placed first, so it keeps its spot.
        labels.insert(0, (px, py, "Decision", true));
        markers.push((px, py));
    }
    // Markers are obstacles too, so labels do not cover another point.
    let mut placed: Vec<LabelBox> = markers
        .iter()
        .map(|(mx, my)| LabelBox {
            left: mx - 7.0,
            right: mx + 7.0,
            top: my - 7.0,
            bottom: my + 7.0,
        })
        .collect();
    for (px, py, text, bold) in labels {
        label(
            &mut svg,
            &mut placed,
            (px, py),
            (LEFT, WIDTH - RIGHT),
            text,
            bold,
        );
    }
    legend(&mut svg, LEFT, PLOT_BOTTOM + 58.0);
    svg.push_str("</svg>\n");
    svg
}

fn gap_axis_label(frontier: &FrontierSummary) -> String {
    let metrics: Vec<&str> = frontier
        .constraint
        .gap_metrics()
        .iter()
        .map(|m| m.label())
        .collect();
    if metrics.len() > 1 {
        format!("Larger of the {} gaps:", metrics.join(" and "))
    } else {
        metrics.join("")
    }
}

/// Grid, ticks and tick labels for a plot area `(left, right, top, bottom)`.
fn axes(svg: &mut String, x: Scale, y: Scale, (left, right, top, bottom): (f64, f64, f64, f64)) {
    let (x_ticks, x_decimals) = ticks(x.data.0, x.data.1, 6);
    for tick in x_ticks {
        let px = c(x.at(tick));
        writeln!(
            svg,
            r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{GRID}"/><text x="{px}" y="{}" text-anchor="middle" fill="{INK}">{}</text>"#,
            c(top),
            c(bottom),
            c(bottom + 16.0),
            fixed(tick, x_decimals)
        )
        .ok();
    }
    let (y_ticks, y_decimals) = ticks(y.data.0, y.data.1, 6);
    for tick in y_ticks {
        let py = c(y.at(tick));
        writeln!(
            svg,
            r#"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="{GRID}"/><text x="{}" y="{py}" dy="4" text-anchor="end" fill="{INK}">{}</text>"#,
            c(left),
            c(right),
            c(left - 6.0),
            fixed(tick, y_decimals)
        )
        .ok();
    }
    writeln!(
        svg,
        r#"<path d="M{},{} V{} H{}" fill="none" stroke="{INK}"/>"#,
        c(left),
        c(top),
        c(bottom),
        c(right)
    )
    .ok();
}

fn polyline(
    svg: &mut String,
    points: &[GapAccuracy],
    x: Scale,
    y: Scale,
    colour: &str,
    dash: &str,
) {
    if points.is_empty() {
        return;
    }
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.gap.total_cmp(&b.gap));
    let coordinates: Vec<String> = sorted
        .iter()
        .map(|p| format!("{},{}", c(x.at(p.gap)), c(y.at(p.accuracy))))
        .collect();
    writeln!(
        svg,
        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>"#,
        coordinates.join(" ")
    )
    .ok();
}

/// The area a placed label covers.
struct LabelBox {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Places the label of the point `(px, py)` inside `(left, right)`: beside it, just above or
/// below, else further away with a leader line, wherever it overlaps no label or marker placed
/// before.
fn label(
    svg: &mut String,
    placed: &mut Vec<LabelBox>,
    (px, py): (f64, f64),
    (left, right): (f64, f64),
    text: &str,
    bold: bool,
) {
    let shown = shorten(text, 32);
    let width = shown.chars().count() as f64 * if bold { 7.0 } else { 6.3 };
    let beside_right = if px + 8.0 + width > right {
        (px - 8.0 - width).max(left)
    } else {
        px + 8.0
    };
    let beside_left = (px - 8.0 - width).max(left);
    let free = |x0: f64, baseline: f64| {
        !placed.iter().any(|b| {
            x0 < b.right
                && b.left < x0 + width
                && baseline - 10.0 < b.bottom
                && b.top < baseline + 3.0
        })
    };
    // Baseline offsets from the point: above, below, then further out alternately.
    let offsets = (0..12).map(|k| {
        let step = f64::from(k / 2) * 13.0;
        if k % 2 == 0 {
            -11.0 - step
        } else {
            15.0 + step
        }
    });
    let mut chosen = (beside_right, py - 11.0);
    'search: for offset in offsets {
        for x0 in [beside_right, beside_left] {
            if free(x0, py + offset) {
                chosen = (x0, py + offset);
                break 'search;
            }
        }
    }
    let (x0, baseline) = chosen;
    placed.push(LabelBox {
        left: x0,
        right: x0 + width,
        top: baseline - 10.0,
        bottom: baseline + 3.0,
    });
    if !(-12.0..=16.0).contains(&(baseline - py)) {
        let end_x = if x0 > px { x0 - 2.0 } else { x0 + width + 2.0 };
        writeln!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RANDOMIZED}" stroke-width="0.8"/>"#,
            c(px),
            c(py),
            c(end_x),
            c(baseline - 4.0)
        )
        .ok();
    }
    writeln!(
        svg,
        r##"<text x="{}" y="{}" font-weight="{}" fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
        c(x0),
        c(baseline),
        if bold { "bold" } else { "normal" },
        html(&shown)
    )
    .ok();
}

/// The legend below the plot: the three curves on one line, the markers on the next.
fn legend(svg: &mut String, left: f64, top: f64) {
    let items: [(&str, &str, &str); 3] = [
        (OPTIMAL, "", "Best per-group thresholds"),
        (SINGLE, "6 4", "One threshold for all"),
        (RANDOMIZED, "2 3", "Randomized bound"),
    ];
    let mut at = left;
    for (colour, dash, text) in items {
        writeln!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{}" y="{}" fill="{INK}">{text}</text>"#,
            c(at),
            c(top),
            c(at + 24.0),
            c(top),
            c(at + 30.0),
            c(top + 4.0)
        )
        .ok();
        at += 48.0 + text.len() as f64 * 6.3;
    }
    let (at, top) = (left, top + 20.0);
    writeln!(
        svg,
        r#"<path d="M{},{} l6,6 l-6,6 l-6,-6 Z" fill="{DECISION}"/><text x="{}" y="{}" fill="{INK}">Decision</text>"#,
        c(at + 12.0),
        c(top - 6.0),
        c(at + 30.0),
        c(top + 4.0)
    )
    .ok();
    let at = at + 90.0;
    writeln!(
        svg,
        r##"<circle cx="{}" cy="{}" r="5" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/><text x="{}" y="{}" fill="{INK}">Scenario</text>"##,
        c(at + 12.0),
        c(top),
        c(at + 30.0),
        c(top + 4.0)
    )
    .ok();
}

/// Shortens text to `width` characters with "…".
pub fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// Per-group values of `metrics` with their 95% intervals, one panel per metric, the overall
/// value as a dashed line.
pub fn intervals_svg(audit: &Audit, metrics: &[Metric]) -> String {
    const WIDTH: f64 = 720.0;
    const LABELS: f64 = 190.0;
    const GAP: f64 = 28.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 30.0;
    let panels = metrics.len().max(1) as f64;
    let panel_width = (WIDTH - LABELS - 12.0 - GAP * (panels - 1.0)) / panels;
    let rows = audit.groups.len() as f64;
    let bottom = TOP + rows * ROW + 6.0;
    let height = bottom + 26.0;

    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {}" width="{WIDTH}" height="{}" role="img" aria-labelledby="intervals-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">"#,
        c(height),
        c(height)
    )
    .ok();
    let names: Vec<&str> = metrics.iter().map(|m| m.label()).collect();
    writeln!(
        svg,
        r#"<title id="intervals-title">{} by group with 95% intervals; dashed line: overall</title>"#,
        html(&names.join(" and "))
    )
    .ok();
    writeln!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{}" fill="#ffffff"/>"##,
        c(height)
    )
    .ok();
    for (row, group) in audit.groups.iter().enumerate() {
        let py = TOP + (row as f64 + 0.5) * ROW;
        if row % 2 == 1 {
            writeln!(
                svg,
                r##"<rect x="0" y="{}" width="{WIDTH}" height="{ROW}" fill="#f9fafb"/>"##,
                c(py - ROW / 2.0)
            )
            .ok();
        }
        let small = if group.small { " (small)" } else { "" };
        writeln!(
            svg,
            r#"<text x="{}" y="{}" dy="4" text-anchor="end" fill="{INK}"><title>{}</title>{}{small}</text>"#,
            c(LABELS - 8.0),
            c(py),
            html(&group.key),
            html(&shorten(&group.key, 28))
        )
        .ok();
    }
    for (panel, metric) in metrics.iter().enumerate() {
        let left = LABELS + panel as f64 * (panel_width + GAP);
        let x = Scale {
            data: (0.0, 1.0),
            pixels: (left, left + panel_width),
        };
        writeln!(
            svg,
            r#"<text x="{}" y="16" text-anchor="middle" font-weight="bold" fill="{INK}">{}</text>"#,
            c(left + panel_width / 2.0),
            html(metric.label())
        )
        .ok();
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let px = c(x.at(tick));
            writeln!(
                svg,
                r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{GRID}"/>"#,
                c(TOP),
                c(bottom)
            )
            .ok();
        }
        for (tick, text) in [(0.0, "0"), (0.5, "0.5"), (1.0, "1")] {
            writeln!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="middle" fill="{INK}">{text}</text>"#,
                c(x.at(tick)),
                c(bottom + 14.0)
            )
            .ok();
        }
        if let Some(overall) = audit.overall.values.get(*metric) {
            let px = c(x.at(overall));
            writeln!(
                svg,
                r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{INK}" stroke-dasharray="4 3"><title>Overall {}: {}</title></line>"#,
                c(TOP - 4.0),
                c(bottom),
                html(metric.label()),
                fixed(overall, 3)
            )
            .ok();
        }
        for (row, group) in audit.groups.iter().enumerate() {
            let py = c(TOP + (row as f64 + 0.5) * ROW);
            let Some(value) = group.values.get(*metric) else {
                writeln!(
                    svg,
                    r#"<text x="{}" y="{py}" dy="4" fill="{RANDOMIZED}">n/a</text>"#,
                    c(left + 4.0)
                )
                .ok();
                continue;
            };
            if let Some(interval) = group.interval(*metric) {
                writeln!(
                    svg,
                    r#"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="{OPTIMAL}" stroke-width="2"/>"#,
                    c(x.at(interval.low)),
                    c(x.at(interval.high))
                )
                .ok();
            }
            let fill = if group.small { "#ffffff" } else { OPTIMAL };
            writeln!(
                svg,
                r#"<circle cx="{}" cy="{py}" r="4" fill="{fill}" stroke="{OPTIMAL}" stroke-width="1.5"><title>{}: {} {}</title></circle>"#,
                c(x.at(value)),
                html(&group.key),
                html(metric.label()),
                fixed(value, 3)
            )
            .ok();
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            (vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0], 1)
        );
        let (t, decimals) = ticks(0.71, 0.83, 6);
        assert_eq!(decimals, 2);
        assert!(t.first().is_some_and(|f| *f >= 0.71));
        assert!(t.last().is_some_and(|l| *l <= 0.83));
        assert!(t.len() >= 4, "{t:?}");
    }

    #[test]
    fn labels_are_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
