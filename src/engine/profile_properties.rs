//! Property tests of the discovery numbers against brute-force recounts from raw rows: the
//! profile per group (counts, weights, base rates, means, quartiles, missing and dropped rows),
//! the expected calibration error (the one-pass and the curve computations, both bin kinds) and
//! the proxies' contingency tables.

use std::borrow::Cow;

use proptest::prelude::*;

use super::calibration::{
    BinStrategy, CalibrationSettings, calibration_of_curves, equal_width_bin,
};
use super::dataset::{Attribute, AttributeValues, Dataset, DroppedRows};
use super::grouping::{CodedAttribute, GroupingSpec};
use super::index::{GroupIndex, SortedDataset};
use super::profile::{MissingColumn, ProfileSettings, RowSet, profile};
use super::proxies::Contingency;
use super::tally::GroupedRows;

#[derive(Clone, Debug)]
struct Rows {
    scores: Vec<f64>,
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
    group: Vec<u32>,
    missing: Vec<bool>,
    dropped_groups: Vec<u32>,
}

fn rows() -> impl Strategy<Value = Rows> {
    (1usize..60).prop_flat_map(|n| {
        (
            prop::collection::vec((0u8..=8).prop_map(|s| f64::from(s) / 8.0), n),
            prop::collection::vec(any::<bool>(), n),
            // Dyadic weights: every sum is exact, whatever its order.
            prop::option::of(prop::collection::vec(
                prop::sample::select(vec![0.5, 1.0, 2.0, 3.25]),
                n,
            )),
            prop::collection::vec(0u32..3, n),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(0u32..4, 0..6),
        )
            .prop_map(
                |(scores, labels, weights, group, missing, dropped_groups)| Rows {
                    scores,
                    labels,
                    weights,
                    group,
                    missing,
                    dropped_groups,
                },
            )
    })
}

const LEVELS: [&str; 4] = ["a", "b", "c", "d"];

fn attribute(codes: Vec<u32>) -> Attribute {
    Attribute {
        name: "g".into(),
        values: AttributeValues::Categorical {
            levels: LEVELS.iter().map(ToString::to_string).collect(),
            codes,
        },
    }
}

fn dataset(rows: &Rows) -> Dataset {
    Dataset::new(
        rows.scores.clone(),
        rows.labels.clone(),
        rows.weights.clone(),
        vec![attribute(rows.group.clone())],
    )
    .unwrap()
}

fn weight(rows: &Rows, row: usize) -> f64 {
    rows.weights.as_ref().map_or(1.0, |w| w[row])
}

/// The brute-force ECE of the rows `members` with the bins of `settings`.
fn brute_ece(rows: &Rows, members: &[usize], settings: &CalibrationSettings) -> Option<f64> {
    let total: f64 = members.iter().map(|r| weight(rows, *r)).sum();
    if total <= 0.0 {
        return None;
    }
    let bin_of = |row: usize| -> usize {
        match settings.strategy {
            BinStrategy::EqualWidth => equal_width_bin(rows.scores[row], settings.bins),
            BinStrategy::EqualMass => {
                // The weight of the members scoring below this row's score, and at it.
                let score = rows.scores[row];
                let below: f64 = members
                    .iter()
                    .filter(|r| rows.scores[**r] < score)
                    .map(|r| weight(rows, *r))
                    .sum();
                let at: f64 = members
                    .iter()
                    .filter(|r| rows.scores[**r] == score)
                    .map(|r| weight(rows, *r))
                    .sum();
                let midpoint = (below + at / 2.0) / total;
                ((midpoint * settings.bins as f64).floor() as usize).min(settings.bins - 1)
            }
        }
    };
    let mut gaps = vec![0.0; settings.bins];
    for &row in members {
        let w = weight(rows, row);
        gaps[bin_of(row)] += rows.scores[row] * w - if rows.labels[row] { w } else { 0.0 };
    }
    Some(gaps.iter().map(|g: &f64| g.abs()).sum::<f64>() / total)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_profile_equals_a_recount(rows in rows()) {
        let data = dataset(&rows);
        let sorted = SortedDataset::new(data);
        let dropped = DroppedRows {
            rows: (0..rows.dropped_groups.len()).map(|i| rows.scores.len() + i).collect(),
            attributes: vec![attribute(rows.dropped_groups.clone())],
            weights: None,
        };
        let missing = [MissingColumn {
            name: "x".into(),
            rows: RowSet::from_fn(rows.scores.len(), |r| rows.missing[r]),
        }];
        let result = profile(
            &sorted,
            &GroupingSpec::by_names(&["g"]),
            &dropped,
            &missing,
            None,
            &ProfileSettings::default(),
        )
        .unwrap();
        let total: f64 = (0..rows.scores.len()).map(|r| weight(&rows, r)).sum();
        for group in &result.groups {
            let code = LEVELS.iter().position(|l| *l == group.key).unwrap() as u32;
            let members: Vec<usize> =
                (0..rows.scores.len()).filter(|r| rows.group[*r] == code).collect();
            let w: f64 = members.iter().map(|r| weight(&rows, *r)).sum();
            prop_assert_eq!(group.rows, members.len() as u64);
            prop_assert_eq!(group.weight, w);
            prop_assert_eq!(group.share, w / total);
            prop_assert_eq!(
                group.dropped,
                rows.dropped_groups.iter().filter(|g| **g == code).count() as u64
            );
            if w > 0.0 {
                let positives: f64 =
                    members.iter().filter(|r| rows.labels[**r]).map(|r| weight(&rows, *r)).sum();
                prop_assert_eq!(group.base_rate, Some(positives / w));
                let mean: f64 =
                    members.iter().map(|r| rows.scores[*r] * weight(&rows, *r)).sum::<f64>() / w;
                prop_assert!((group.score_mean.unwrap() - mean).abs() < 1e-12);
                // Quartiles: the smallest score whose cumulative weight reaches p × w.
                let mut sorted_members = members.clone();
                sorted_members.sort_by(|a, b| rows.scores[*a].total_cmp(&rows.scores[*b]));
                let quantile = |p: f64| {
                    for r in &sorted_members {
                        let score = rows.scores[*r];
                        let through: f64 = sorted_members
                            .iter()
                            .filter(|s| rows.scores[**s] <= score)
                            .map(|s| weight(&rows, *s))
                            .sum();
                        if through >= p * w {
                            return score;
                        }
                    }
                    f64::NAN
                };
                prop_assert_eq!(
                    group.score_quartiles,
                    Some([quantile(0.25), quantile(0.5), quantile(0.75)])
                );
                let missing_weight: f64 = members
                    .iter()
                    .filter(|r| rows.missing[**r])
                    .map(|r| weight(&rows, *r))
                    .sum();
                prop_assert_eq!(group.missing.clone(), vec![Some(missing_weight / w)]);
            } else {
                prop_assert_eq!(group.rows, 0);
                prop_assert_eq!(group.base_rate, None);
            }
        }
        // Every group with rows or dropped rows is listed once.
        let listed = |code: u32| result.groups.iter().filter(|g| g.key == LEVELS[code as usize]).count();
        for code in 0..4u32 {
            let present = rows.group.contains(&code) || rows.dropped_groups.contains(&code);
            prop_assert_eq!(listed(code), usize::from(present));
        }
        prop_assert_eq!(result.overall.dropped, rows.dropped_groups.len() as u64);
    }

    #[test]
    fn ece_equals_a_recount_by_rows_and_by_curves(
        rows in rows(),
        bins in 1usize..6,
        equal_mass in any::<bool>(),
    ) {
        let settings = CalibrationSettings {
            strategy: if equal_mass { BinStrategy::EqualMass } else { BinStrategy::EqualWidth },
            bins,
        };
        let data = dataset(&rows);
        let spec = GroupingSpec::by_names(&["g"]);
        let by_rows = GroupedRows::new(&data, &spec).unwrap().calibration(&settings);
        let sorted = SortedDataset::new(data);
        let index = GroupIndex::build(&sorted, &spec).unwrap();
        let curves: Vec<_> = index.groups().iter().map(|g| &g.curve).collect();
        let by_curves = calibration_of_curves(&curves, sorted.score_range(), &settings);
        for (i, group) in index.groups().iter().enumerate() {
            let code = LEVELS.iter().position(|l| *l == group.key).unwrap() as u32;
            let members: Vec<usize> =
                (0..rows.scores.len()).filter(|r| rows.group[*r] == code).collect();
            let expected = brute_ece(&rows, &members, &settings);
            for computed in [by_rows.ece[i], by_curves.ece[i]] {
                match (computed, expected) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{a} vs {b}"),
                    (a, b) => prop_assert_eq!(a, b),
                }
            }
        }
        let everyone: Vec<usize> = (0..rows.scores.len()).collect();
        let expected = brute_ece(&rows, &everyone, &settings);
        for computed in [by_rows.overall, by_curves.overall] {
            match (computed, expected) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{a} vs {b}"),
                (a, b) => prop_assert_eq!(a, b),
            }
        }
    }

    #[test]
    fn contingency_tables_equal_a_recount(
        pairs in prop::collection::vec((0u32..4, 0u32..3, prop::sample::select(vec![0.5, 1.0, 2.0])), 1..80),
    ) {
        let column = |name: &str, levels: usize, codes: Vec<u32>| CodedAttribute {
            name: name.into(),
            levels: (0..levels).map(|l| format!("{l}")).collect(),
            codes: Cow::Owned(codes),
        };
        let a = column("a", 4, pairs.iter().map(|p| p.0).collect());
        let b = column("b", 3, pairs.iter().map(|p| p.1).collect());
        let weights: Vec<f64> = pairs.iter().map(|p| p.2).collect();
        let table = Contingency::count(&a, &b, Some(&weights));
        // The recount: only levels that occur, in order.
        let rows: Vec<u32> = (0..4).filter(|i| pairs.iter().any(|p| p.0 == *i)).collect();
        let columns: Vec<u32> = (0..3).filter(|j| pairs.iter().any(|p| p.1 == *j)).collect();
        prop_assert_eq!((table.rows, table.columns), (rows.len(), columns.len()));
        let mut expected = Vec::new();
        for i in &rows {
            for j in &columns {
                expected.push(pairs.iter().filter(|p| p.0 == *i && p.1 == *j).map(|p| p.2).sum::<f64>());
            }
        }
        prop_assert_eq!(&table.cells, &expected);
        // χ² by its textbook formula: Σ (O − E)² / E.
        let n: f64 = expected.iter().sum();
        let row_total = |i: usize| (0..columns.len()).map(|j| expected[i * columns.len() + j]).sum::<f64>();
        let column_total = |j: usize| (0..rows.len()).map(|i| expected[i * columns.len() + j]).sum::<f64>();
        let mut chi2 = 0.0;
        for i in 0..rows.len() {
            for j in 0..columns.len() {
                let e = row_total(i) * column_total(j) / n;
                chi2 += (expected[i * columns.len() + j] - e).powi(2) / e;
            }
        }
        prop_assert!((table.chi_square() - chi2).abs() < 1e-9 * chi2.max(1.0));
        if let Some(v) = table.cramers_v() {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}
