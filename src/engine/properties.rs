//! Property tests: the index's counts equal a brute-force recount from raw rows, for random data
//! with ties, weights, empty and single-class groups, at random thresholds and both rules; and
//! the one-pass counts of a one-shot audit equal the index's.

use proptest::prelude::*;

use super::audit::{AuditOptions, audit};
use super::convention::Convention;
use super::dataset::{Attribute, AttributeValues, Dataset};
use super::grouping::{GroupingSpec, group_key};
use super::index::{DecisionRule, GroupIndex, SortedDataset};
use super::metrics::{ConfusionCounts, Metric};
use super::tally::GroupedRows;

#[derive(Clone, Debug)]
struct Rows {
    scores: Vec<f64>,
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
    a: Vec<u32>,
    b: Vec<u32>,
}

fn rows() -> impl Strategy<Value = Rows> {
    (1usize..80).prop_flat_map(|n| {
        (
            // Few distinct scores: many ties.
            prop::collection::vec((0u8..8).prop_map(|s| f64::from(s) / 4.0), n),
            prop::collection::vec(any::<bool>(), n),
            prop::option::of(prop::collection::vec(
                prop::sample::select(vec![0.0, 0.5, 1.0, 2.0, 3.25]),
                n,
            )),
            // Attribute a has 3 levels, b has 2; some combinations end up empty.
            prop::collection::vec(0u32..3, n),
            prop::collection::vec(0u32..2, n),
        )
            .prop_map(|(scores, labels, weights, a, b)| Rows {
                scores,
                labels,
                weights,
                a,
                b,
            })
    })
}

fn dataset(rows: &Rows) -> Dataset {
    let attribute = |name: &str, levels: &[&str], codes: &[u32]| Attribute {
        name: name.into(),
        values: AttributeValues::Categorical {
            levels: levels.iter().map(ToString::to_string).collect(),
            codes: codes.to_vec(),
        },
    };
    Dataset::new(
        rows.scores.clone(),
        rows.labels.clone(),
        rows.weights.clone(),
        vec![
            attribute("a", &["x", "y", "z"], &rows.a),
            attribute("b", &["p", "q"], &rows.b),
        ],
    )
    .unwrap()
}

/// Counts of the rows matching `member` at `threshold`, straight from the raw rows.
fn brute_force(
    rows: &Rows,
    member: impl Fn(usize) -> bool,
    threshold: f64,
    rule: DecisionRule,
) -> ConfusionCounts {
    let mut counts = ConfusionCounts::default();
    for i in 0..rows.scores.len() {
        if !member(i) {
            continue;
        }
        let w = rows.weights.as_ref().map_or(1.0, |w| w[i]);
        match (rule.selects(rows.scores[i], threshold), rows.labels[i]) {
            (true, true) => counts.tp += w,
            (true, false) => counts.fp += w,
            (false, false) => counts.tn += w,
            (false, true) => counts.fn_ += w,
        }
    }
    counts
}

proptest! {
    #[test]
    fn counts_equal_a_brute_force_recount(
        rows in rows(),
        threshold in (-1i8..10).prop_map(|t| f64::from(t) / 4.0),
        strict in any::<bool>(),
        by_both in any::<bool>(),
    ) {
        let rule = if strict { DecisionRule::Above } else { DecisionRule::AtLeast };
        let sorted = SortedDataset::new(dataset(&rows));
        let names: &[&str] = if by_both { &["a", "b"] } else { &["a"] };
        let index = GroupIndex::build(&sorted, &GroupingSpec::by_names(names)).unwrap();
        let levels_a = ["x", "y", "z"];
        let levels_b = ["p", "q"];
        // Every non-empty combination is a group, and only those.
        let mut expected_keys = Vec::new();
        for (ia, la) in levels_a.iter().enumerate() {
            let b_levels: Vec<Option<(usize, &str)>> = if by_both {
                levels_b.iter().enumerate().map(|(i, l)| Some((i, *l))).collect()
            } else {
                vec![None]
            };
            for lb in b_levels {
                let member = |i: usize| rows.a[i] as usize == ia && lb.is_none_or(|(ib, _)| rows.b[i] as usize == ib);
                if (0..rows.scores.len()).any(member) {
                    let mut key = vec![la.to_string()];
                    key.extend(lb.map(|(_, l)| l.to_string()));
                    expected_keys.push((group_key(&key), ia, lb.map(|(ib, _)| ib)));
                }
            }
        }
        prop_assert_eq!(index.len(), expected_keys.len());
        let thresholds = vec![threshold; index.len()];
        let counts = index.counts(&thresholds, rule);
        for ((key, ia, ib), (group, got)) in expected_keys.iter().zip(index.groups().iter().zip(&counts)) {
            prop_assert_eq!(&group.key, key);
            let expected = brute_force(&rows, |i| rows.a[i] as usize == *ia && ib.is_none_or(|ib| rows.b[i] as usize == ib), threshold, rule);
            prop_assert_eq!(*got, expected, "group {}", key);
            let row_count = (0..rows.scores.len()).filter(|&i| rows.a[i] as usize == *ia && ib.is_none_or(|ib| rows.b[i] as usize == ib)).count();
            prop_assert_eq!(group.curve.rows(), row_count as u64);
        }
        // The overall row is the recount over every row.
        let result = audit(&index, &thresholds, &AuditOptions { rule, ..AuditOptions::default() }).unwrap();
        let overall = brute_force(&rows, |_| true, threshold, rule);
        prop_assert_eq!(result.overall.counts, overall);
    }

    #[test]
    fn metric_values_follow_their_definitions(
        tp in 0u8..5, fp in 0u8..5, tn in 0u8..5, fn_ in 0u8..5,
    ) {
        let c = ConfusionCounts { tp: tp.into(), fp: fp.into(), tn: tn.into(), fn_: fn_.into() };
        let ratio = |n: f64, d: f64| if d > 0.0 { Some(n / d) } else { None };
        let (tp, fp, tn, fn_) = (c.tp, c.fp, c.tn, c.fn_);
        let n = tp + fp + tn + fn_;
        let expected = [
            (Metric::SelectionRate, ratio(tp + fp, n)),
            (Metric::Tpr, ratio(tp, tp + fn_)),
            (Metric::Fpr, ratio(fp, fp + tn)),
            (Metric::Tnr, ratio(tn, fp + tn)),
            (Metric::Fnr, ratio(fn_, tp + fn_)),
            (Metric::Precision, ratio(tp, tp + fp)),
            (Metric::Npv, ratio(tn, tn + fn_)),
            (Metric::Fdr, ratio(fp, tp + fp)),
            (Metric::For, ratio(fn_, tn + fn_)),
            (Metric::Accuracy, ratio(tp + tn, n)),
            (Metric::F1, ratio(2.0 * tp, 2.0 * tp + fp + fn_)),
            (Metric::BaseRate, ratio(tp + fn_, n)),
            (Metric::SelectedShare, ratio(tp + fp, 2.0 * (tp + fp))),
            (Metric::TreatmentEquality, ratio(fn_, fp)),
        ];
        for (metric, value) in expected {
            prop_assert_eq!(metric.value(&c, 2.0 * (tp + fp), Convention::Native), value, "{:?}", metric);
            prop_assert_eq!(metric.value(&c, 2.0 * (tp + fp), Convention::Aequitas), value, "{:?}", metric);
            prop_assert_eq!(metric.value(&c, 2.0 * (tp + fp), Convention::Fairlearn), Some(value.unwrap_or(0.0)), "{:?}", metric);
        }
    }

    #[test]
    fn regrouping_equals_a_fresh_build(rows in rows(), threshold in 0u8..8) {
        let sorted = SortedDataset::new(dataset(&rows));
        let both = GroupingSpec::by_names(&["a", "b"]);
        let first = GroupIndex::build(&sorted, &GroupingSpec::by_names(&["b"])).unwrap();
        let again = GroupIndex::build(&sorted, &both).unwrap();
        let fresh = GroupIndex::build(&SortedDataset::new(dataset(&rows)), &both).unwrap();
        prop_assert_eq!(&again, &fresh);
        // Grouping by b only: the groups' counts add up to the overall recount.
        let t = f64::from(threshold) / 4.0;
        let total = first
            .counts(&vec![t; first.len()], DecisionRule::AtLeast)
            .iter()
            .fold(ConfusionCounts::default(), |acc, c| acc.add(c));
        prop_assert_eq!(total, brute_force(&rows, |_| true, t, DecisionRule::AtLeast));
    }

    #[test]
    fn one_pass_counts_equal_the_index(
        rows in rows(),
        thresholds in prop::collection::vec((-1i8..10).prop_map(|t| f64::from(t) / 4.0), 6),
        strict in any::<bool>(),
        exclude_z in any::<bool>(),
        merge_below in prop::option::of(0u8..6),
    ) {
        let rule = if strict { DecisionRule::Above } else { DecisionRule::AtLeast };
        let data = dataset(&rows);
        let mut spec = GroupingSpec::by_names(&["a", "b"]);
        if exclude_z {
            spec.attributes[0].excluded_levels.push("z".into());
        }
        spec.merge_below = merge_below.map(f64::from);
        let index = GroupIndex::build(&SortedDataset::new(data.clone()), &spec);
        let grouped = GroupedRows::new(&data, &spec);
        let (index, grouped) = match (index, grouped) {
            (Ok(index), Ok(grouped)) => (index, grouped),
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.to_string(), b.to_string());
                return Ok(());
            }
            (a, b) => {
                prop_assert!(false, "index {:?} but one pass {:?}", a.err(), b.err());
                unreachable!()
            }
        };
        let keys: Vec<&str> = index.groups().iter().map(|g| g.key.as_str()).collect();
        prop_assert_eq!(grouped.keys(), keys);
        let thresholds: Vec<f64> = thresholds.iter().cycle().take(index.len()).copied().collect();
        // Dyadic weights add up exactly in any order, so the counts must be equal, not close.
        prop_assert_eq!(grouped.counts(&thresholds, rule), index.counts(&thresholds, rule));
        let options = AuditOptions { rule, ..AuditOptions::default() };
        prop_assert_eq!(grouped.audit(&thresholds, &options).unwrap(), audit(&index, &thresholds, &options).unwrap());
        // Counted while grouping, at one threshold for all: the same counts as the index gives,
        // and other thresholds still counted from the rows.
        let single = vec![thresholds[0]; index.len()];
        let counted = GroupedRows::counted_at(&data, &spec, thresholds[0], rule).unwrap();
        prop_assert_eq!(counted.keys(), grouped.keys());
        prop_assert_eq!(counted.counts(&single, rule), index.counts(&single, rule));
        prop_assert_eq!(counted.counts(&thresholds, rule), index.counts(&thresholds, rule));
        let other_rule = if strict { DecisionRule::AtLeast } else { DecisionRule::Above };
        prop_assert_eq!(counted.counts(&single, other_rule), index.counts(&single, other_rule));
    }
}
