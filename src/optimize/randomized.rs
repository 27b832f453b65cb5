//! The randomized optimum (Hardt, Price & Srebro 2016, as Fairlearn's `ThresholdOptimizer`):
//! each group may mix two thresholds at random, so it can reach any point of the convex hull of
//! its cuts' (TP, FP). Utility and every constrained rate are linear in (TP, FP), so
//!
//! - **one rate**: a group's best utility at rate `r` is the upper concave envelope `f(r)` of its
//!   cuts' points `(rate, utility)`, and the best over the band `[L, L + ε]` is `f` at the
//!   envelope's peak clamped into the band — concave in `L`, with breakpoints at envelope
//!   vertices `v` and `v − ε`. The sum over groups is evaluated at every breakpoint: exact.
//! - **equalized odds**: a group's reachable (TPR, FPR) set is the convex hull of its ROC points.
//!   For a fixed TPR band start `L₁` the hulls are clipped to the band and the FPR problem is the
//!   one-rate case above (exact); the best value over `L₁` is concave in `L₁` and found by
//!   golden-section search to floating-point precision.
//!
//! Every deterministic choice is one of these mixtures, so the randomized optimum bounds the
//! deterministic one from above: the gap is the price of deterministic thresholds.

use super::problem::Tables;

/// Golden-section steps over the TPR band start (the interval shrinks to 0.618⁹⁰ ≈ 1e-19).
const GOLDEN_STEPS: usize = 90;

/// The upper concave envelope of (x, y) points, x ascending, with the index of its peak.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Envelope {
    points: Vec<(f64, f64)>,
    peak: usize,
}

impl Envelope {
    /// The envelope of `points` (any order); `None` when there are none.
    pub fn new(mut points: Vec<(f64, f64)>) -> Option<Self> {
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        points.dedup_by(|next, kept| next.0 == kept.0);
        let mut hull: Vec<(f64, f64)> = Vec::with_capacity(points.len());
        for point in points {
            while let [.., o, a] = hull.as_slice()
                && cross(*o, *a, point) >= 0.0
            {
                hull.pop();
            }
            hull.push(point);
        }
        let peak = hull
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1).then(b.0.cmp(&a.0)))?
            .0;
        Some(Self { points: hull, peak })
    }

    fn first_x(&self) -> f64 {
        self.points.first().map_or(f64::NAN, |p| p.0)
    }

    fn last_x(&self) -> f64 {
        self.points.last().map_or(f64::NAN, |p| p.0)
    }

    /// The envelope at `x` (within its range).
    fn at(&self, x: f64) -> f64 {
        let right = self.points.partition_point(|p| p.0 < x);
        match (
            right.checked_sub(1).and_then(|i| self.points.get(i)),
            self.points.get(right),
        ) {
            (Some(&(x0, y0)), Some(&(x1, y1))) if x1 > x0 => y0 + (y1 - y0) * (x - x0) / (x1 - x0),
            (_, Some(&(_, y))) | (Some(&(_, y)), None) => y,
            (None, None) => f64::NEG_INFINITY,
        }
    }

    /// The slope of the envelope just right of `x` (−∞ at or beyond its end).
    fn slope_right(&self, x: f64) -> f64 {
        let right = self.points.partition_point(|p| p.0 <= x);
        match (
            right.checked_sub(1).and_then(|i| self.points.get(i)),
            self.points.get(right),
        ) {
            (Some(&(x0, y0)), Some(&(x1, y1))) => (y1 - y0) / (x1 - x0),
            (None, Some(_)) => f64::INFINITY,
            _ => f64::NEG_INFINITY,
        }
    }

    /// The right derivative in L of [`best_in`](Self::best_in)`(L, L + ε)`: the slope at
    /// `L + ε` while the band is left of the peak, at `L` once L has passed it, 0 in between.
    fn band_slope(&self, lower: f64, epsilon: f64) -> f64 {
        let Some(&(peak, _)) = self.points.get(self.peak) else {
            return 0.0;
        };
        if lower >= peak {
            self.slope_right(lower.max(self.first_x()))
        } else if lower + epsilon < peak {
            self.slope_right(lower + epsilon)
        } else {
            0.0
        }
    }

    /// The envelope's maximum over `[low, high]`; `None` when the interval misses its range.
    fn best_in(&self, low: f64, high: f64) -> Option<f64> {
        let low = low.max(self.first_x());
        let high = high.min(self.last_x());
        if low > high {
            return None;
        }
        let peak = self.points.get(self.peak)?.0;
        Some(self.at(peak.clamp(low, high)))
    }
}

/// The cross product (a − o) × (b − o): ≥ 0 when `a` lies on or below the segment o→b (for
/// x ascending), so that it can be dropped from an upper envelope.
fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// The best total over bands `[L, L + ε]` of concave per-group envelopes, plus `free` (groups the
/// rate does not constrain); `None` when no band meets every envelope.
pub(crate) fn band_optimum(envelopes: &[Envelope], free: f64, epsilon: f64) -> Option<f64> {
    if envelopes.is_empty() {
        return Some(free);
    }
    let lowest = envelopes
        .iter()
        .map(|e| e.first_x() - epsilon)
        .fold(f64::NEG_INFINITY, f64::max);
    let highest = envelopes
        .iter()
        .map(Envelope::last_x)
        .fold(f64::INFINITY, f64::min);
    if lowest
        .partial_cmp(&highest)
        .is_none_or(std::cmp::Ordering::is_gt)
    {
        return None;
    }
    let mut candidates: Vec<f64> = vec![lowest, highest];
    for envelope in envelopes {
        for &(x, _) in &envelope.points {
            candidates.extend([x, x - epsilon]);
        }
    }
    candidates.retain(|&l| (lowest..=highest).contains(&l));
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    let value = |at: usize| {
        candidates
            .get(at)
            .and_then(|&lower| {
                envelopes
                    .iter()
                    .map(|e| e.best_in(lower, lower + epsilon))
                    .sum::<Option<f64>>()
            })
            .unwrap_or(f64::NEG_INFINITY)
    };
    // The total is concave in L and linear between candidates: it peaks at the first candidate
    // where its right derivative is no longer positive. Derivatives are sums of segment slopes,
    // so rounding cannot fake a flat stretch the way comparing nearly equal totals would.
    let rising = |at: usize| {
        candidates.get(at).is_some_and(|&lower| {
            envelopes
                .iter()
                .map(|e| e.band_slope(lower, epsilon))
                .sum::<f64>()
                > 0.0
        })
    };
    let (mut low, mut high) = (0, candidates.len().saturating_sub(1));
    while low < high {
        let middle = low + (high - low) / 2;
        if rising(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    let best = (low.saturating_sub(1)..=low + 1)
        .map(value)
        .fold(f64::NEG_INFINITY, f64::max);
    (best > f64::NEG_INFINITY).then_some(free + best)
}

/// A ROC-hull vertex: the rates and the utility there (affine in the rates within a group).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Vertex {
    tpr: f64,
    fpr: f64,
    utility: f64,
}

/// The full convex hull of the vertices in (TPR, FPR), counter-clockwise.
fn convex_hull(mut points: Vec<Vertex>) -> Vec<Vertex> {
    points.sort_by(|a, b| a.tpr.total_cmp(&b.tpr).then(a.fpr.total_cmp(&b.fpr)));
    points.dedup_by(|next, kept| next.tpr == kept.tpr && next.fpr == kept.fpr);
    if points.len() <= 2 {
        return points;
    }
    let turn = |o: &Vertex, a: &Vertex, b: &Vertex| {
        (a.tpr - o.tpr) * (b.fpr - o.fpr) - (a.fpr - o.fpr) * (b.tpr - o.tpr)
    };
    let chain = |iter: &mut dyn Iterator<Item = Vertex>| {
        let mut half: Vec<Vertex> = Vec::new();
        for point in iter {
            while let [.., o, a] = half.as_slice()
                && turn(o, a, &point) <= 0.0
            {
                half.pop();
            }
            half.push(point);
        }
        half.pop();
        half
    };
    let mut hull = chain(&mut points.iter().copied());
    hull.extend(chain(&mut points.iter().rev().copied()));
    hull
}

/// Keeps the part of a convex polygon with TPR ≥ `bound` (`above`) or ≤ `bound`
/// (Sutherland–Hodgman), carrying the other coordinates along each cut edge. New vertices are
/// put exactly on the bound, so that clipping to a band of width 0 keeps a segment instead of
/// losing it to rounding.
fn clip(polygon: &[Vertex], bound: f64, above: bool) -> Vec<Vertex> {
    let inside = |v: &Vertex| if above { v.tpr - bound } else { bound - v.tpr };
    let mut kept = Vec::with_capacity(polygon.len() + 2);
    let Some(mut previous) = polygon.last().copied() else {
        return kept;
    };
    for &current in polygon {
        let (d_previous, d_current) = (inside(&previous), inside(&current));
        if (d_previous >= 0.0) != (d_current >= 0.0) {
            let t = d_previous / (d_previous - d_current);
            kept.push(Vertex {
                tpr: bound,
                fpr: previous.fpr + t * (current.fpr - previous.fpr),
                utility: previous.utility + t * (current.utility - previous.utility),
            });
        }
        if d_current >= 0.0 {
            kept.push(current);
        }
        previous = current;
    }
    kept
}

/// The precomputed hulls of one problem, to evaluate the randomized optimum at any tolerance.
pub(crate) enum RandomizedModel {
    /// One constrained rate: each constrained group's envelope, and the free groups' best total.
    OneRate {
        /// Envelopes of the groups the rate constrains.
        envelopes: Vec<Envelope>,
        /// Best utility summed over the other groups.
        free: f64,
    },
    /// Equalized odds: each group's ROC hull and which rates it defines.
    Odds {
        /// Per group, its hull with utilities.
        hulls: Vec<Vec<Vertex>>,
        /// Per group, whether it has positives / negatives.
        defined: Vec<(bool, bool)>,
    },
}

impl RandomizedModel {
    /// Builds the envelopes or hulls of every group (all cuts allowed).
    pub fn new(problem: &Tables) -> Self {
        let group_cuts = |group: usize| {
            let offset = problem.offsets.get(group).copied().unwrap_or(0);
            offset..offset + problem.cut_count(group)
        };
        let utility = |flat: usize| problem.utility.get(flat).copied().unwrap_or(0.0);
        match problem.rates.as_slice() {
            [tpr, fpr] => {
                let rate = |values: &[f64], flat: usize| values.get(flat).copied().unwrap_or(0.0);
                let hulls = (0..problem.group_count())
                    .map(|g| {
                        convex_hull(
                            group_cuts(g)
                                .map(|flat| Vertex {
                                    tpr: rate(&tpr.values, flat),
                                    fpr: rate(&fpr.values, flat),
                                    utility: utility(flat),
                                })
                                .collect(),
                        )
                    })
                    .collect();
                let defined = (0..problem.group_count())
                    .map(|g| {
                        let is = |d: &[bool]| d.get(g).copied().unwrap_or(false);
                        (is(&tpr.defined), is(&fpr.defined))
                    })
                    .collect();
                RandomizedModel::Odds { hulls, defined }
            }
            tables => {
                let mut envelopes = Vec::new();
                let mut free = 0.0;
                for group in 0..problem.group_count() {
                    let table = tables
                        .first()
                        .filter(|t| t.defined.get(group).copied().unwrap_or(false));
                    match table {
                        Some(table) => envelopes.extend(Envelope::new(
                            group_cuts(group)
                                .map(|flat| {
                                    (
                                        table.values.get(flat).copied().unwrap_or(0.0),
                                        utility(flat),
                                    )
                                })
                                .collect(),
                        )),
                        None => {
                            free += group_cuts(group)
                                .map(utility)
                                .fold(f64::NEG_INFINITY, f64::max);
                        }
                    }
                }
                RandomizedModel::OneRate { envelopes, free }
            }
        }
    }

    /// The best total utility of randomized thresholds with every gap within `epsilon`; `None`
    /// when infeasible.
    pub fn optimum(&self, epsilon: f64) -> Option<f64> {
        match self {
            RandomizedModel::OneRate { envelopes, free } => band_optimum(envelopes, *free, epsilon),
            RandomizedModel::Odds { hulls, defined } => odds_optimum(hulls, defined, epsilon),
        }
    }
}

/// Golden-section search over the TPR band start of the concave best value.
fn odds_optimum(hulls: &[Vec<Vertex>], defined: &[(bool, bool)], epsilon: f64) -> Option<f64> {
    let value =
        |lower: f64| odds_value(hulls, defined, lower, epsilon).unwrap_or(f64::NEG_INFINITY);
    if !defined.iter().any(|d| d.0) {
        return odds_value(hulls, defined, 0.0, epsilon);
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (0.0f64, 1.0f64);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (value(c), value(d));
    let mut best = value(0.0).max(value(1.0)).max(fc).max(fd);
    for _ in 0..GOLDEN_STEPS {
        if fc == f64::NEG_INFINITY && fd == f64::NEG_INFINITY {
            // The feasible starts form an interval containing 0: it ends before c.
            b = c;
            c = b - ratio * (b - a);
            d = a + ratio * (b - a);
            fc = value(c);
            fd = value(d);
        } else if fc < fd {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = value(d);
        } else {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = value(c);
        }
        best = best.max(fc).max(fd);
    }
    (best > f64::NEG_INFINITY).then_some(best)
}

/// The best total with the TPR band `[lower, lower + ε]`: hulls clipped to the band, then the
/// exact one-rate optimum over FPR.
fn odds_value(
    hulls: &[Vec<Vertex>],
    defined: &[(bool, bool)],
    lower: f64,
    epsilon: f64,
) -> Option<f64> {
    let mut envelopes = Vec::with_capacity(hulls.len());
    let mut free = 0.0;
    for (hull, &(has_tpr, has_fpr)) in hulls.iter().zip(defined) {
        let clipped = if has_tpr {
            clip(&clip(hull, lower, true), lower + epsilon, false)
        } else {
            hull.clone()
        };
        if clipped.is_empty() {
            return None;
        }
        if has_fpr {
            envelopes.push(Envelope::new(
                clipped.iter().map(|v| (v.fpr, v.utility)).collect(),
            )?);
        } else {
            free += clipped
                .iter()
                .map(|v| v.utility)
                .fold(f64::NEG_INFINITY, f64::max);
        }
    }
    band_optimum(&envelopes, free, epsilon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DecisionRule, Group, GroupIndex, ScoreCurve};
    use crate::optimize::{Constraint, Objective};

    /// Three groups of 30 rows from a fixed pseudo-random sequence, scores in tenths.
    fn index(seed: u64) -> GroupIndex {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let groups = (0..3)
            .map(|g| {
                let mut rows: Vec<(f64, bool, f64)> = (0..30)
                    .map(|_| {
                        let score = (next() * 10.0).floor() / 10.0;
                        let positive = next() < 0.2 + 0.6 * score - 0.1 * f64::from(g);
                        (score, positive, 1.0)
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                Group {
                    key: format!("g{g}"),
                    levels: vec![format!("g{g}")],
                    curve: ScoreCurve::from_sorted(rows),
                }
            })
            .collect();
        GroupIndex::from_groups(vec!["g".into()], groups)
    }

    #[test]
    fn golden_section_finds_the_best_tpr_band_of_a_dense_scan() {
        for seed in 0..20 {
            let index = index(seed);
            let tables = Tables::new(
                &index,
                Constraint::EqualizedOdds,
                Objective::Accuracy,
                DecisionRule::AtLeast,
            )
            .unwrap();
            let RandomizedModel::Odds { hulls, defined } = RandomizedModel::new(&tables) else {
                panic!("equalized odds builds hulls");
            };
            for epsilon in [0.0, 0.001, 0.05, 0.2] {
                let scanned = (0..=2000)
                    .filter_map(|i| odds_value(&hulls, &defined, f64::from(i) / 2000.0, epsilon))
                    .fold(f64::NEG_INFINITY, f64::max);
                let searched = odds_optimum(&hulls, &defined, epsilon).unwrap();
                assert!(
                    searched >= scanned - 1e-9,
                    "seed {seed}, ε {epsilon}: {searched} < {scanned}"
                );
            }
        }
    }

    #[test]
    fn the_envelope_is_concave_and_interpolates() {
        let envelope =
            Envelope::new(vec![(0.0, 0.0), (0.5, 2.0), (0.25, 0.5), (1.0, 1.0)]).unwrap();
        // (0.25, 0.5) lies below the chord from (0, 0) to (0.5, 2).
        assert_eq!(envelope.points, [(0.0, 0.0), (0.5, 2.0), (1.0, 1.0)]);
        assert_eq!(envelope.at(0.25), 1.0);
        assert_eq!(envelope.best_in(0.7, 0.9), Some(1.6));
        assert_eq!(envelope.best_in(1.5, 2.0), None);
    }
}
