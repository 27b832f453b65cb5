//! Comparing the same decision on two datasets (the data it was signed on and newer data): each
//! group's audit on both, and the change in every metric.

use super::criteria::SummaryName;
use crate::engine::intervals::Interval;
use crate::engine::{Audit, FairnessSummary, GroupAudit, Metric};

/// The metrics drift tables show by default (every metric is available through
/// [`GroupDrift::delta`]).
pub const DRIFT_METRICS: [Metric; 6] = [
    Metric::BaseRate,
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
    Metric::Accuracy,
];

/// One group on both datasets.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupDrift {
    /// The group key.
    pub key: String,
    /// The group's audit on the first dataset; `None` when the group is absent there.
    pub before: Option<GroupAudit>,
    /// The group's audit on the second dataset; `None` when the group is absent there.
    pub after: Option<GroupAudit>,
}

impl GroupDrift {
    /// The metric on the first dataset.
    pub fn before_value(&self, metric: Metric) -> Option<f64> {
        self.before.as_ref().and_then(|g| g.values.get(metric))
    }

    /// The metric on the second dataset.
    pub fn after_value(&self, metric: Metric) -> Option<f64> {
        self.after.as_ref().and_then(|g| g.values.get(metric))
    }

    /// After minus before; `None` when either is undefined or the group is absent.
    pub fn delta(&self, metric: Metric) -> Option<f64> {
        Some(self.after_value(metric)? - self.before_value(metric)?)
    }

    /// The interval of [`GroupDrift::delta`]: Newcombe's hybrid score interval for a difference
    /// of two independent proportions, from each side's Wilson interval (at the audits'
    /// confidence). When it excludes 0 the change is more than the noise of two samples of these
    /// sizes, so a monitoring alarm on it is not a false one at that confidence.
    pub fn delta_interval(&self, metric: Metric) -> Option<Interval> {
        let (before, after) = (self.before.as_ref()?, self.after.as_ref()?);
        let (p1, i1) = (before.values.get(metric)?, before.interval(metric)?);
        let (p2, i2) = (after.values.get(metric)?, after.interval(metric)?);
        let delta = p2 - p1;
        Some(Interval {
            low: delta - ((p2 - i2.low).powi(2) + (i1.high - p1).powi(2)).sqrt(),
            high: delta + ((i2.high - p2).powi(2) + (p1 - i1.low).powi(2)).sqrt(),
        })
    }

    /// Whether the change of `metric` is beyond sampling noise: its interval excludes 0.
    pub fn changed(&self, metric: Metric) -> bool {
        self.delta_interval(metric)
            .is_some_and(|i| i.low > 0.0 || i.high < 0.0)
    }

    /// Change in the group's weight (`None` when absent from either dataset).
    pub fn weight_delta(&self) -> Option<f64> {
        Some(self.after.as_ref()?.weight - self.before.as_ref()?.weight)
    }
}

/// A decision's audit on two datasets, group by group.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetComparison {
    /// Groups of the first dataset in its order, then groups only the second one has.
    pub groups: Vec<GroupDrift>,
    /// Everyone, on both.
    pub overall: GroupDrift,
    /// Cross-group summaries on the first dataset.
    pub summary_before: FairnessSummary,
    /// Cross-group summaries on the second dataset.
    pub summary_after: FairnessSummary,
}

impl DatasetComparison {
    /// The change in a named summary (after minus before).
    pub fn summary_delta(&self, name: SummaryName) -> Option<f64> {
        Some(name.value(&self.summary_after)? - name.value(&self.summary_before)?)
    }
}

/// Compares two audits of the same decision on different data, matching groups by key.
pub fn compare_datasets(before: &Audit, after: &Audit) -> DatasetComparison {
    let mut groups: Vec<GroupDrift> = before
        .groups
        .iter()
        .map(|group| GroupDrift {
            key: group.key.clone(),
            before: Some(group.clone()),
            after: after.groups.iter().find(|g| g.key == group.key).cloned(),
        })
        .collect();
    groups.extend(
        after
            .groups
            .iter()
            .filter(|g| !before.groups.iter().any(|b| b.key == g.key))
            .map(|group| GroupDrift {
                key: group.key.clone(),
                before: None,
                after: Some(group.clone()),
            }),
    );
    DatasetComparison {
        groups,
        overall: GroupDrift {
            key: before.overall.key.clone(),
            before: Some(before.overall.clone()),
            after: Some(after.overall.clone()),
        },
        summary_before: before.summary.clone(),
        summary_after: after.summary.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::{Group, GroupIndex, ScoreCurve};
    use crate::engine::{AuditOptions, audit};

    fn index(groups: &[(&str, &[(f64, bool)])]) -> GroupIndex {
        GroupIndex::from_groups(
            vec!["g".into()],
            groups
                .iter()
                .map(|(key, rows)| Group {
                    key: (*key).into(),
                    levels: vec![(*key).into()],
                    curve: ScoreCurve::from_sorted(rows.iter().map(|(s, y)| (*s, *y, 1.0))),
                })
                .collect(),
        )
    }

    #[test]
    fn deltas_match_groups_by_key_and_keep_absent_groups() {
        let before = index(&[
            ("A", &[(0.2, false), (0.8, true)]),
            ("B", &[(0.3, true), (0.9, true)]),
        ]);
        // Later: A's positive now scores low; B is gone; C appears.
        let after = index(&[("A", &[(0.2, true), (0.8, false)]), ("C", &[(0.6, true)])]);
        let options = AuditOptions::default();
        let before = audit(&before, &[0.5, 0.5], &options).unwrap();
        let after = audit(&after, &[0.5, 0.5], &options).unwrap();
        let comparison = compare_datasets(&before, &after);
        let keys: Vec<&str> = comparison.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C"]);
        let a = &comparison.groups[0];
        assert_eq!(a.before_value(Metric::Tpr), Some(1.0));
        assert_eq!(a.after_value(Metric::Tpr), Some(0.0));
        assert_eq!(a.delta(Metric::Tpr), Some(-1.0));
        assert_eq!(a.delta(Metric::Accuracy), Some(-1.0));
        assert_eq!(a.weight_delta(), Some(0.0));
        assert_eq!(comparison.groups[1].after, None);
        assert_eq!(comparison.groups[1].delta(Metric::Tpr), None);
        assert_eq!(comparison.groups[2].before, None);
        // Overall accuracy: before 3/4 (B's 0.3 positive is missed), after 1/3.
        assert_eq!(
            comparison.overall.delta(Metric::Accuracy),
            Some(1.0 / 3.0 - 0.75)
        );
        assert!(
            comparison
                .summary_delta(SummaryName::DemographicParityDifference)
                .is_some()
        );
    }

    #[test]
    fn a_change_is_significant_only_beyond_the_noise_of_both_samples() {
        use crate::engine::intervals::wilson;
        use crate::engine::metrics::Fraction;
        // 100 rows each: selection rate 0.5 → 0.6, and 0.5 → 0.9.
        // Sorted by score, as curves are built.
        let rows = |selected: usize| -> Vec<(f64, bool)> {
            (0..100)
                .map(|i| (if i < 100 - selected { 0.1 } else { 0.9 }, i % 2 == 0))
                .collect()
        };
        let before = rows(50);
        let (small, large) = (rows(60), rows(90));
        let options = AuditOptions::default();
        let at = |rows: &[(f64, bool)]| {
            let index = index(&[("g", rows)]);
            audit(&index, &[0.5], &options).unwrap()
        };
        let drift_small = compare_datasets(&at(&before), &at(&small));
        let drift_large = compare_datasets(&at(&before), &at(&large));
        let g = &drift_small.groups[0];
        // Newcombe's interval by hand from the two Wilson intervals.
        let w1 = wilson(Fraction {
            numerator: 50.0,
            denominator: 100.0,
        })
        .unwrap();
        let w2 = wilson(Fraction {
            numerator: 60.0,
            denominator: 100.0,
        })
        .unwrap();
        let interval = g.delta_interval(Metric::SelectionRate).unwrap();
        let low = 0.1 - ((0.6 - w2.low).powi(2) + (w1.high - 0.5).powi(2)).sqrt();
        let high = 0.1 + ((w2.high - 0.6).powi(2) + (0.5 - w1.low).powi(2)).sqrt();
        assert!(
            (interval.low - low).abs() < 1e-12 && (interval.high - high).abs() < 1e-12,
            "{interval:?} against [{low}, {high}]"
        );
        assert!(
            !g.changed(Metric::SelectionRate),
            "0.5 → 0.6 on 100 rows is noise"
        );
        assert!(drift_large.groups[0].changed(Metric::SelectionRate));
    }
}
