//! One audit: every group's counts, metrics, intervals and disparities at given thresholds, plus
//! the cross-group summaries. This is the single source of every number Fulcrum shows.

use serde::{Deserialize, Serialize};

use super::calibration::GroupCalibration;
use super::convention::{Convention, passes_parity};
use super::index::{DecisionRule, GroupIndex};
use super::intervals::{DEFAULT_CONFIDENCE, Interval, wilson_at};
use super::metrics::{ConfusionCounts, Metric, MetricValues};
use super::thresholds::{ThresholdError, closest_key};

/// Groups (or rate denominators) with less weight than this are flagged `small` by default.
pub const DEFAULT_MIN_COUNT: f64 = 100.0;

/// Which group disparities are measured against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReferenceChoice {
    /// The group with the most weight (ties: the first in key order).
    #[default]
    Largest,
    /// Per metric, the group with the smallest defined value (as Aequitas' "min metric").
    Min,
    /// A group named by its key.
    Group(String),
}

impl std::str::FromStr for ReferenceChoice {
    type Err = std::convert::Infallible;

    /// `largest`, `min`, or any other text as a group key, in which `|` may separate values
    /// instead of ` × ` (`Female | Black`; see [`super::grouping::normalize_key`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "largest" => ReferenceChoice::Largest,
            "min" => ReferenceChoice::Min,
            key => ReferenceChoice::Group(super::grouping::normalize_key(key).into_owned()),
        })
    }
}

impl std::fmt::Display for ReferenceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferenceChoice::Largest => f.write_str("largest"),
            ReferenceChoice::Min => f.write_str("min"),
            ReferenceChoice::Group(key) => f.write_str(key),
        }
    }
}

impl Serialize for ReferenceChoice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReferenceChoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_default())
    }
}

/// How an audit computes: the decision rule, the convention, the reference group and the
/// minimum count under which a group is flagged small.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// `≥` or `>`.
    pub rule: DecisionRule,
    /// Which library's conventions to follow.
    pub convention: Convention,
    /// Reference group for disparities.
    pub reference: ReferenceChoice,
    /// Minimum weight of a group and of each rate's denominator.
    pub min_count: f64,
    /// Two-sided confidence of every interval (0.95 for 95%).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
}

fn default_confidence() -> f64 {
    DEFAULT_CONFIDENCE
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            rule: DecisionRule::AtLeast,
            convention: Convention::Native,
            reference: ReferenceChoice::Largest,
            min_count: DEFAULT_MIN_COUNT,
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

/// One row of the audit: a group, or everything together.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupAudit {
    /// Group key (`Female × Black`), or `Overall`.
    pub key: String,
    /// The level of each grouping attribute (empty for the overall row).
    pub levels: Vec<String>,
    /// The group's threshold; for the overall row, the common threshold if all groups share one.
    pub threshold: Option<f64>,
    /// Number of rows.
    pub rows: u64,
    /// Total weight (= rows when unweighted).
    pub weight: f64,
    /// Share of the total weight.
    pub share: f64,
    /// Weighted confusion counts.
    pub counts: ConfusionCounts,
    /// Metric values under the audit's convention.
    pub values: MetricValues,
    /// Wilson intervals at the audit's confidence, indexed like [`Metric::ALL`].
    pub intervals: [Option<Interval>; Metric::ALL.len()],
    /// Metrics whose denominator is under the minimum count (and `None` for the group itself).
    pub small_metrics: Vec<Metric>,
    /// Whether the group's weight, or a rate denominator, is under the minimum count.
    pub small: bool,
    /// Each metric's value divided by the reference group's, indexed like [`Metric::ALL`].
    pub disparities: [Option<f64>; Metric::ALL.len()],
}

impl GroupAudit {
    /// The interval of one metric.
    pub fn interval(&self, metric: Metric) -> Option<Interval> {
        self.intervals
            .get(metric_position(metric))
            .copied()
            .flatten()
    }

    /// The disparity of one metric against the reference group.
    pub fn disparity(&self, metric: Metric) -> Option<f64> {
        self.disparities
            .get(metric_position(metric))
            .copied()
            .flatten()
    }
}

/// The position of a metric in [`Metric::ALL`].
pub fn metric_position(metric: Metric) -> usize {
    Metric::ALL
        .iter()
        .position(|m| *m == metric)
        .unwrap_or_default()
}

/// One metric summarised across groups.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSummary {
    /// The metric.
    pub metric: Metric,
    /// Largest minus smallest value.
    pub difference: Option<f64>,
    /// Smallest over largest value.
    pub ratio: Option<f64>,
    /// Group with the smallest defined value.
    pub min_group: Option<usize>,
    /// Group with the largest defined value.
    pub max_group: Option<usize>,
    /// Group the disparities of this metric are measured against.
    pub reference_group: Option<usize>,
}

/// The named fairness summaries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FairnessSummary {
    /// Selection-rate difference.
    pub demographic_parity_difference: Option<f64>,
    /// Selection-rate ratio.
    pub demographic_parity_ratio: Option<f64>,
    /// TPR difference.
    pub equal_opportunity_difference: Option<f64>,
    /// TPR ratio.
    pub equal_opportunity_ratio: Option<f64>,
    /// The larger of the TPR and FPR differences.
    pub equalized_odds_difference: Option<f64>,
    /// The smaller of the TPR and FPR ratios.
    pub equalized_odds_ratio: Option<f64>,
    /// Precision difference.
    pub predictive_parity_difference: Option<f64>,
    /// Lowest selection rate over the highest (the EEOC's adverse-impact ratio).
    pub disparate_impact: Option<f64>,
    /// Whether `disparate_impact` ≥ 0.8.
    pub four_fifths_pass: Option<bool>,
}

impl FairnessSummary {
    /// Every numeric summary with its JSON key, in the documented order (everything but
    /// `four_fifths_pass`): the list the audit JSON's `summary` and the bootstrap intervals walk.
    pub fn numbers(&self) -> [(&'static str, Option<f64>); 8] {
        [
            (
                "demographic_parity_difference",
                self.demographic_parity_difference,
            ),
            ("demographic_parity_ratio", self.demographic_parity_ratio),
            (
                "equal_opportunity_difference",
                self.equal_opportunity_difference,
            ),
            ("equal_opportunity_ratio", self.equal_opportunity_ratio),
            ("equalized_odds_difference", self.equalized_odds_difference),
            ("equalized_odds_ratio", self.equalized_odds_ratio),
            (
                "predictive_parity_difference",
                self.predictive_parity_difference,
            ),
            ("disparate_impact", self.disparate_impact),
        ]
    }
}

/// A complete audit of one grouping at one set of thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    /// One entry per group, in index order.
    pub groups: Vec<GroupAudit>,
    /// All groups together (counts summed at each group's own threshold).
    pub overall: GroupAudit,
    /// Per metric, in [`Metric::ALL`] order.
    pub by_metric: Vec<MetricSummary>,
    /// Named summaries.
    pub summary: FairnessSummary,
    /// The options used.
    pub options: AuditOptions,
    /// Each group's expected calibration error, when the caller computed it (it depends on the
    /// grouping and the scores, not on the thresholds: see [`Audit::with_calibration`]).
    pub calibration: Option<GroupCalibration>,
}

impl Audit {
    /// The audit with each group's calibration attached (in the audit's group order).
    pub fn with_calibration(mut self, calibration: GroupCalibration) -> Self {
        self.calibration = Some(calibration);
        self
    }

    /// Group `index`'s expected calibration error, when computed and defined.
    pub fn ece(&self, index: usize) -> Option<f64> {
        self.calibration
            .as_ref()
            .and_then(|c| c.ece.get(index).copied().flatten())
    }

    /// The summary of one metric.
    pub fn metric_summary(&self, metric: Metric) -> Option<&MetricSummary> {
        self.by_metric.iter().find(|s| s.metric == metric)
    }
}

/// Runs an audit: `thresholds[i]` is group `i`'s threshold.
///
/// Fails only when the reference names no group.
pub fn audit(
    index: &GroupIndex,
    thresholds: &[f64],
    options: &AuditOptions,
) -> Result<Audit, ThresholdError> {
    let counts = index.counts(thresholds, options.rule);
    audit_counts(index, &counts, thresholds, options)
}

/// Runs an audit on confusion counts already computed for each group.
pub fn audit_counts(
    index: &GroupIndex,
    counts: &[ConfusionCounts],
    thresholds: &[f64],
    options: &AuditOptions,
) -> Result<Audit, ThresholdError> {
    let headings: Vec<GroupHeading<'_>> = index
        .groups()
        .iter()
        .map(|g| GroupHeading {
            key: &g.key,
            levels: &g.levels,
            rows: g.curve.rows(),
            weight: g.curve.weight(),
        })
        .collect();
    audit_groups(&headings, counts, thresholds, options)
}

/// What an audit reports about a group besides its counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupHeading<'a> {
    /// Key like `Female × Black`.
    pub key: &'a str,
    /// The group's level of each grouping attribute.
    pub levels: &'a [String],
    /// Rows in the group.
    pub rows: u64,
    /// Total weight of the group (its share of the data is this over the sum).
    pub weight: f64,
}

/// Runs an audit of groups described by `headings`, with `counts[i]` and `thresholds[i]` for
/// group `i`: the one place every audit's numbers come from, whether the counts were read off a
/// [`GroupIndex`] or counted in one pass ([`GroupedRows`](super::tally::GroupedRows)).
///
/// Fails only when the reference names no group.
pub fn audit_groups(
    headings: &[GroupHeading<'_>],
    counts: &[ConfusionCounts],
    thresholds: &[f64],
    options: &AuditOptions,
) -> Result<Audit, ThresholdError> {
    let total_weight: f64 = headings.iter().map(|h| h.weight).sum();
    let overall_counts = counts
        .iter()
        .fold(ConfusionCounts::default(), |acc, c| acc.add(c));
    let all_selected = overall_counts.selected();
    let mut groups: Vec<GroupAudit> = headings
        .iter()
        .zip(counts)
        .zip(thresholds)
        .map(|((group, counts), threshold)| {
            row_audit(
                group.key.to_owned(),
                group.levels.to_vec(),
                Some(*threshold),
                group.rows,
                *counts,
                (total_weight, all_selected),
                options,
            )
        })
        .collect();
    let common_threshold = thresholds
        .first()
        .copied()
        .filter(|t| thresholds.iter().all(|u| u == t));
    let overall = row_audit(
        super::grouping::OVERALL_KEY.into(),
        Vec::new(),
        common_threshold,
        headings.iter().map(|g| g.rows).sum(),
        overall_counts,
        (total_weight, all_selected),
        options,
    );

    let named = match &options.reference {
        ReferenceChoice::Group(key) => {
            Some(headings.iter().position(|h| h.key == key).ok_or_else(|| {
                ThresholdError::UnknownGroup {
                    key: key.clone(),
                    closest: closest_key(key, headings.iter().map(|h| h.key)),
                    available: headings.iter().map(|h| h.key.to_owned()).collect(),
                }
            })?)
        }
        _ => None,
    };
    let weights: Vec<f64> = groups.iter().map(|g| g.weight).collect();
    let values: Vec<MetricValues> = groups.iter().map(|g| g.values).collect();
    let mut disparities = vec![[None; Metric::ALL.len()]; groups.len()];
    let by_metric = compare_groups(
        &values,
        fixed_reference(&weights, named, &options.reference),
        options.convention,
        &mut disparities,
    );
    for (group, row) in groups.iter_mut().zip(disparities) {
        group.disparities = row;
    }
    let summary = fairness_summary(&by_metric, options.convention);
    Ok(Audit {
        groups,
        overall,
        by_metric,
        summary,
        options: options.clone(),
        calibration: None,
    })
}

fn row_audit(
    key: String,
    levels: Vec<String>,
    threshold: Option<f64>,
    rows: u64,
    counts: ConfusionCounts,
    (total_weight, all_selected): (f64, f64),
    options: &AuditOptions,
) -> GroupAudit {
    let values = MetricValues::compute(&counts, all_selected, options.convention);
    let intervals = Metric::ALL.map(|m| {
        m.has_interval()
            .then(|| {
                m.fraction(&counts, all_selected)
                    .and_then(|f| wilson_at(f, options.confidence))
            })
            .flatten()
    });
    let weight = counts.total();
    let small_metrics: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| m.has_interval())
        .filter(|m| {
            m.fraction(&counts, all_selected)
                .is_some_and(|f| f.denominator < options.min_count)
        })
        .collect();
    GroupAudit {
        key,
        levels,
        threshold,
        rows,
        weight,
        share: if total_weight > 0.0 {
            weight / total_weight
        } else {
            0.0
        },
        counts,
        values,
        intervals,
        small: weight < options.min_count || !small_metrics.is_empty(),
        small_metrics,
        disparities: [None; Metric::ALL.len()],
    }
}

/// The reference group when it does not depend on the metric: the largest group (ties: the
/// first) or the one named. `None` for [`ReferenceChoice::Min`], which is per metric.
pub(crate) fn fixed_reference(
    weights: &[f64],
    named: Option<usize>,
    choice: &ReferenceChoice,
) -> Option<Option<usize>> {
    match choice {
        ReferenceChoice::Largest => Some(
            weights
                .iter()
                .enumerate()
                .fold(None::<(usize, f64)>, |best, (i, &w)| match best {
                    Some((_, b)) if b >= w => best,
                    _ => Some((i, w)),
                })
                .map(|(i, _)| i),
        ),
        ReferenceChoice::Group(_) => Some(named),
        ReferenceChoice::Min => None,
    }
}

/// The cross-group numbers of one table of group values: per metric the difference, ratio and
/// extreme groups, and (into `disparities[group][metric]`) each group's value over the
/// reference's. `reference` is [`fixed_reference`]'s answer; `None` means per metric, the group
/// with the smallest value. The audit and its resampled copies both go through here, so an
/// interval is always about the very number the audit shows.
pub(crate) fn compare_groups(
    values: &[MetricValues],
    reference: Option<Option<usize>>,
    convention: Convention,
    disparities: &mut [[Option<f64>; Metric::ALL.len()]],
) -> Vec<MetricSummary> {
    let mut by_metric = Vec::with_capacity(Metric::ALL.len());
    let mut column: Vec<Option<f64>> = Vec::with_capacity(values.len());
    for (position, metric) in Metric::ALL.into_iter().enumerate() {
        column.clear();
        column.extend(values.iter().map(|v| v.0.get(position).copied().flatten()));
        let min_group = arg_extreme(&column, |a, b| a < b);
        let max_group = arg_extreme(&column, |a, b| a > b);
        let reference_group = reference.unwrap_or(min_group);
        let reference_value = reference_group.and_then(|r| column.get(r).copied().flatten());
        for (row, value) in disparities.iter_mut().zip(&column) {
            if let Some(slot) = row.get_mut(position) {
                *slot = convention.disparity(*value, reference_value);
            }
        }
        by_metric.push(MetricSummary {
            metric,
            difference: convention.difference(&column),
            ratio: convention.ratio(&column),
            min_group,
            max_group,
            reference_group,
        });
    }
    by_metric
}

/// Index of the first group whose defined value beats all others under `better`.
fn arg_extreme(values: &[Option<f64>], better: impl Fn(f64, f64) -> bool) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .fold(None::<(usize, f64)>, |best, (i, v)| match best {
            Some((_, b)) if !better(v, b) => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

/// The named summaries from the per-metric ones.
pub(crate) fn fairness_summary(
    by_metric: &[MetricSummary],
    convention: Convention,
) -> FairnessSummary {
    let find = |metric: Metric| by_metric.iter().find(|s| s.metric == metric);
    let difference = |metric| find(metric).and_then(|s| s.difference);
    let ratio = |metric| find(metric).and_then(|s| s.ratio);
    let disparate_impact = ratio(Metric::SelectionRate);
    FairnessSummary {
        demographic_parity_difference: difference(Metric::SelectionRate),
        demographic_parity_ratio: ratio(Metric::SelectionRate),
        equal_opportunity_difference: difference(Metric::Tpr),
        equal_opportunity_ratio: ratio(Metric::Tpr),
        equalized_odds_difference: convention.worst_of(
            difference(Metric::Tpr),
            difference(Metric::Fpr),
            f64::max,
        ),
        equalized_odds_ratio: convention.worst_of(ratio(Metric::Tpr), ratio(Metric::Fpr), f64::min),
        predictive_parity_difference: difference(Metric::Precision),
        disparate_impact,
        four_fifths_pass: disparate_impact.map(|d| d >= super::convention::PARITY_TAU),
    }
}

/// Whether a group's disparity of `metric` passes the τ = 0.8 rule; `None` when undefined.
pub fn parity_pass(group: &GroupAudit, metric: Metric) -> Option<bool> {
    group.disparity(metric).map(passes_parity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::{Group, ScoreCurve};

    /// Two groups: A has 4 rows (scores 1..4, positives at 3 and 4), B has 2 rows (both negative).
    fn index() -> GroupIndex {
        let a = ScoreCurve::from_sorted([
            (1.0, false, 1.0),
            (2.0, false, 1.0),
            (3.0, true, 1.0),
            (4.0, true, 1.0),
        ]);
        let b = ScoreCurve::from_sorted([(1.0, false, 1.0), (3.0, false, 1.0)]);
        GroupIndex::from_groups(
            vec!["g".into()],
            vec![
                Group {
                    key: "A".into(),
                    levels: vec!["A".into()],
                    curve: a,
                },
                Group {
                    key: "B".into(),
                    levels: vec!["B".into()],
                    curve: b,
                },
            ],
        )
    }

    #[test]
    fn audit_computes_groups_overall_and_summaries() {
        let options = AuditOptions {
            min_count: 1.0,
            ..AuditOptions::default()
        };
        let audit = audit(&index(), &[3.0, 3.0], &options).unwrap();
        let a = &audit.groups[0];
        assert_eq!(a.counts.tp, 2.0);
        assert_eq!(a.values.get(Metric::SelectionRate), Some(0.5));
        assert_eq!(a.share, 4.0 / 6.0);
        let b = &audit.groups[1];
        assert_eq!(b.values.get(Metric::SelectionRate), Some(0.5));
        assert_eq!(b.values.get(Metric::Tpr), None, "B has no positives");
        assert_eq!(audit.overall.counts.fp, 1.0);
        assert_eq!(audit.overall.threshold, Some(3.0));
        assert_eq!(audit.summary.demographic_parity_difference, Some(0.0));
        assert_eq!(audit.summary.four_fifths_pass, Some(true));
        // TPR is defined for A only: difference 0 over one group.
        assert_eq!(audit.summary.equal_opportunity_difference, Some(0.0));
        // FPR: A 0/2, B 1/2.
        assert_eq!(audit.summary.equalized_odds_difference, Some(0.5));
        assert_eq!(audit.summary.equalized_odds_ratio, Some(0.0));
        // Largest group A is the reference.
        assert_eq!(
            b.disparity(Metric::Fpr),
            None,
            "0.5 / 0 is undefined natively"
        );
        assert_eq!(audit.groups[0].disparity(Metric::SelectionRate), Some(1.0));
        assert!(audit.groups[1].small_metrics.contains(&Metric::Tpr));
    }

    #[test]
    fn aequitas_references_and_fill() {
        let options = AuditOptions {
            convention: Convention::Aequitas,
            reference: ReferenceChoice::Group("A".into()),
            ..AuditOptions::default()
        };
        let audit = audit(&index(), &[3.0, 3.0], &options).unwrap();
        assert_eq!(audit.groups[1].disparity(Metric::Fpr), Some(10.0));
        assert!(
            audit.groups[1].small,
            "two rows are under the default minimum of 100"
        );
        let min = AuditOptions {
            reference: ReferenceChoice::Min,
            ..options
        };
        let audit = super::audit(&index(), &[3.0, 3.0], &min).unwrap();
        let fpr = audit.metric_summary(Metric::Fpr).unwrap();
        assert_eq!(fpr.reference_group, Some(0));
        let unknown = AuditOptions {
            reference: ReferenceChoice::Group("C".into()),
            ..AuditOptions::default()
        };
        assert!(matches!(
            super::audit(&index(), &[3.0, 3.0], &unknown),
            Err(ThresholdError::UnknownGroup { .. })
        ));
    }

    #[test]
    fn overall_threshold_is_unset_when_groups_differ() {
        let audit = audit(&index(), &[3.0, 2.0], &AuditOptions::default()).unwrap();
        assert_eq!(audit.overall.threshold, None);
    }
}
