//! Hand-checked optimizer cases: every expected number is worked out in the comments.

use super::problem::{Problem, Tables};
use super::randomized::RandomizedModel;
use super::*;
use crate::engine::{Group, GroupIndex, ScoreCurve};
use crate::progress::NoProgress;

fn group(key: &str, rows: &[(f64, bool, f64)]) -> Group {
    Group {
        key: key.into(),
        levels: vec![key.into()],
        curve: ScoreCurve::from_sorted(rows.iter().copied()),
    }
}

/// A: 0.2(−) 0.4(+) 0.6(−) 0.8(+); B: 0.3(−) 0.5(−) 0.7(+) 0.9(+). Unweighted.
///
/// Correct decisions per cut (cut c selects values[c..]):
/// - A: cut 0 → 2, cut 1 (≥0.4) → 3, cut 2 → 2, cut 3 (≥0.8) → 3, cut 4 (nobody) → 2.
/// - B: cut 0 → 2, cut 1 → 3, cut 2 (≥0.7) → 4, cut 3 → 3, cut 4 → 2.
///
/// Selection rates per cut are 1, ¾, ½, ¼, 0 in both groups. TPR: A 1, 1, ½, ½, 0; B 1, 1, 1,
/// ½, 0. FPR: A 1, ½, ½, 0, 0; B 1, ½, 0, 0, 0.
fn two_groups() -> GroupIndex {
    let a = group(
        "A",
        &[
            (0.2, false, 1.0),
            (0.4, true, 1.0),
            (0.6, false, 1.0),
            (0.8, true, 1.0),
        ],
    );
    let b = group(
        "B",
        &[
            (0.3, false, 1.0),
            (0.5, false, 1.0),
            (0.7, true, 1.0),
            (0.9, true, 1.0),
        ],
    );
    GroupIndex::from_groups(vec!["g".into()], vec![a, b])
}

fn request(constraint: Constraint, tolerance: f64) -> OptimizeRequest {
    OptimizeRequest {
        constraint,
        tolerance,
        ..OptimizeRequest::default()
    }
}

fn run(index: &GroupIndex, request: &OptimizeRequest) -> Solution {
    optimize(index, request, &NoProgress).unwrap()
}

#[test]
fn without_a_constraint_each_group_takes_its_best_threshold() {
    let solution = run(&two_groups(), &request(Constraint::None, 0.0));
    // A ties at cuts 1 and 3 (3 correct each): the higher threshold wins. B: cut 2.
    assert_eq!(solution.thresholds, [0.8, 0.7]);
    assert_eq!(solution.cuts, [3, 2]);
    assert_eq!(solution.accuracy, 7.0 / 8.0);
    assert_eq!(solution.objective, 7.0 / 8.0);
    assert_eq!(solution.selected, 3.0);
    assert_eq!(solution.gap, None);
    assert_eq!(solution.guarantee, Guarantee::Exact);
}

#[test]
fn exact_demographic_parity_takes_the_smallest_best_band() {
    let solution = run(&two_groups(), &request(Constraint::DemographicParity, 0.0));
    // Equal rates mean equal cuts: totals 4, 6, 6, 6, 4 for cuts 0–4. The sweep keeps the first
    // best band from below: rate ¼ (cut 3 in both).
    assert_eq!(solution.thresholds, [0.8, 0.9]);
    assert_eq!(solution.accuracy, 6.0 / 8.0);
    assert_eq!(solution.gap, Some(0.0));
}

#[test]
fn equal_opportunity_can_raise_both_groups_to_full_recall() {
    let solution = run(&two_groups(), &request(Constraint::EqualOpportunity, 0.0));
    // TPR 1 in both: A's best is cut 1 (3 correct), B's cut 2 (4) → 7/8, as unconstrained, but
    // A must move from 0.8 (TPR ½) to 0.4.
    assert_eq!(solution.thresholds, [0.4, 0.7]);
    assert_eq!(solution.accuracy, 7.0 / 8.0);
    assert_eq!(solution.gap, Some(0.0));
}

#[test]
fn equalized_odds_needs_both_rates_equal() {
    let solution = run(&two_groups(), &request(Constraint::EqualizedOdds, 0.0));
    // Common (TPR, FPR) points: (1,1) → 4, (1,½) → 6, (½,0) → 6, (0,0) → 4.
    assert_eq!(solution.accuracy, 6.0 / 8.0);
    assert_eq!(solution.gap, Some(0.0));
    assert_eq!(solution.guarantee, Guarantee::Exact);
}

#[test]
fn equal_accuracy_within_a_quarter_is_unconstrained() {
    // Accuracies: A ½ ¾ ½ ¾ ½; B ½ ¾ 1 ¾ ½. At ε = 0 the best common value is ¾ (6 correct);
    // at ε = ¼, A at ¾ and B at 1 (7 correct).
    let tight = run(&two_groups(), &request(Constraint::EqualAccuracy, 0.0));
    assert_eq!(tight.accuracy, 6.0 / 8.0);
    assert_eq!(tight.thresholds, [0.8, 0.9]);
    let loose = run(&two_groups(), &request(Constraint::EqualAccuracy, 0.25));
    assert_eq!(loose.accuracy, 7.0 / 8.0);
    assert_eq!(loose.gap, Some(0.25));
}

#[test]
fn a_constraint_no_thresholds_meet_is_infeasible() {
    // C: one positive at 0.5 → accuracy 1 or 0. D: 0.5(+) 0.6(−) 0.7(+) → ⅔ or ⅓.
    let index = GroupIndex::from_groups(
        vec!["g".into()],
        vec![
            group("C", &[(0.5, true, 1.0)]),
            group(
                "D",
                &[(0.5, true, 1.0), (0.6, false, 1.0), (0.7, true, 1.0)],
            ),
        ],
    );
    let error = optimize(
        &index,
        &request(Constraint::EqualAccuracy, 0.1),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(error, OptimizeError::Infeasible(_)), "{error}");
    assert!(error.to_string().contains("accuracy gap"), "{error}");
    // The smallest reachable gap is ⅓.
    assert!(
        optimize(
            &index,
            &request(Constraint::EqualAccuracy, 0.34),
            &NoProgress
        )
        .is_ok()
    );
}

#[test]
fn costs_move_thresholds_toward_fewer_missed_positives() {
    let costly_misses = OptimizeRequest {
        objective: Objective::Cost {
            fp_cost: 1.0,
            fn_cost: 5.0,
        },
        ..request(Constraint::None, 0.0)
    };
    let solution = run(&two_groups(), &costly_misses);
    // A's costs per cut: FP 2 → 2, FP 1 → 1, FP 1 + 5·FN 1 → 6, 5·1 → 5, 5·2 → 10: cut 1.
    // B: cut 2 costs 0. Total 1 over 8.
    assert_eq!(solution.thresholds, [0.4, 0.7]);
    assert_eq!(solution.objective, 1.0 / 8.0);
    assert_eq!(solution.accuracy, 7.0 / 8.0);
}

#[test]
fn thresholds_follow_the_strict_rule() {
    let strict = OptimizeRequest {
        rule: DecisionRule::Above,
        ..request(Constraint::EqualOpportunity, 0.0)
    };
    let solution = run(&two_groups(), &strict);
    // The same cuts as with ≥ (1 and 2), written as the highest rejected score.
    assert_eq!(solution.cuts, [1, 2]);
    assert_eq!(solution.thresholds, [0.2, 0.5]);
}

#[test]
fn one_threshold_for_everybody_is_swept_over_every_score() {
    let solution = run(&two_groups(), &request(Constraint::Single, 0.0));
    // At 0.7: A selects 0.8 (3 correct), B 0.7 and 0.9 (4 correct). No other score reaches 7.
    assert_eq!(solution.thresholds, [0.7, 0.7]);
    assert_eq!(solution.accuracy, 7.0 / 8.0);
}

#[test]
fn capacity_selects_at_most_k_and_is_exact_here() {
    let limited = OptimizeRequest {
        capacity: Some(Capacity::Weight(2.0)),
        ..request(Constraint::None, 0.0)
    };
    let solution = run(&two_groups(), &limited);
    // Unconstrained selects 3. Within 2: A cut 3 + B cut 3 (3 + 3) or A nobody + B cut 2
    // (2 + 4): 6 correct either way.
    assert!(solution.selected <= 2.0);
    assert_eq!(solution.accuracy, 6.0 / 8.0);
    assert_eq!(solution.guarantee, Guarantee::Exact);
    let percent = OptimizeRequest {
        capacity: Some(Capacity::Percent(25.0)),
        ..limited
    };
    assert_eq!(run(&two_groups(), &percent).accuracy, 6.0 / 8.0);
    let nobody = OptimizeRequest {
        capacity: Some(Capacity::Weight(0.0)),
        ..limited
    };
    assert_eq!(run(&two_groups(), &nobody).thresholds, [f64::INFINITY; 2]);
}

#[test]
fn weights_count_as_repeated_rows() {
    let weighted = GroupIndex::from_groups(
        vec!["g".into()],
        vec![
            group("A", &[(0.2, false, 3.0), (0.6, true, 1.0)]),
            group("B", &[(0.4, true, 2.0), (0.8, false, 1.0)]),
        ],
    );
    let repeated = GroupIndex::from_groups(
        vec!["g".into()],
        vec![
            group(
                "A",
                &[
                    (0.2, false, 1.0),
                    (0.2, false, 1.0),
                    (0.2, false, 1.0),
                    (0.6, true, 1.0),
                ],
            ),
            group(
                "B",
                &[(0.4, true, 1.0), (0.4, true, 1.0), (0.8, false, 1.0)],
            ),
        ],
    );
    for constraint in Constraint::ALL {
        let r = request(constraint, 0.1);
        assert_eq!(run(&weighted, &r), run(&repeated, &r), "{constraint}");
    }
}

#[test]
fn holding_parity_fits_the_other_groups_around_a_fixed_one() {
    let index = two_groups();
    let parity = request(Constraint::DemographicParity, 0.0);
    // A fixed at 0.6 selects ½: B must select ½ too (cut 2, threshold 0.7): 2 + 4 correct.
    let held = optimize_with_fixed(&index, &parity, &[(0, 0.6)], &NoProgress).unwrap();
    assert_eq!(held.thresholds, [0.6, 0.7]);
    assert_eq!(held.accuracy, 6.0 / 8.0);
    // A fixed at 0.2 selects everybody: within ¼, B selects ¾ (cut 1, 3 correct) or all (2).
    let loose = request(Constraint::DemographicParity, 0.25);
    let held = optimize_with_fixed(&index, &loose, &[(0, 0.2)], &NoProgress).unwrap();
    assert_eq!(held.thresholds, [0.2, 0.5]);
    assert_eq!(held.accuracy, 5.0 / 8.0);
    // Both fixed a gap of ¾ apart.
    let error = optimize_with_fixed(&index, &loose, &[(0, 0.2), (1, 0.9)], &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`A`") && error.contains("`B`"), "{error}");
    assert!(matches!(
        optimize_with_fixed(&index, &loose, &[(2, 0.5)], &NoProgress),
        Err(OptimizeError::UnknownFixedGroup {
            group: 2,
            groups: 2
        })
    ));
}

#[test]
fn randomizing_beats_deterministic_parity_here() {
    let index = two_groups();
    let tables = Tables::new(
        &index,
        Constraint::DemographicParity,
        Objective::Accuracy,
        DecisionRule::AtLeast,
    )
    .unwrap();
    // Envelopes of (selection rate, −errors): A through (¼,−1) and (¾,−1); B peaks at (½, 0).
    // At ε = 0 both at ½: A −1 (mixing cuts 1 and 3) + B 0 → 7/8 correct, against 6/8
    // deterministic.
    let utility = RandomizedModel::new(&tables).optimum(0.0).unwrap();
    assert_eq!(utility, -1.0);
}

#[test]
fn the_frontier_runs_from_exact_parity_to_the_unconstrained_optimum() {
    let request = FrontierRequest {
        points: 3,
        ..FrontierRequest::default()
    };
    let frontier = frontier(&two_groups(), &request, &NoProgress).unwrap();
    // Unconstrained: A selects ¼, B ½.
    assert_eq!(frontier.unconstrained_gap, 0.25);
    let tolerances: Vec<f64> = frontier.points.iter().map(|p| p.tolerance).collect();
    assert_eq!(tolerances, [0.0, 0.125, 0.25]);
    let accuracies: Vec<f64> = frontier
        .points
        .iter()
        .map(|p| p.solution.accuracy)
        .collect();
    // Rates move in quarters: nothing better until the gap may reach ¼.
    assert_eq!(accuracies, [0.75, 0.75, 0.875]);
    let randomized: Vec<f64> = frontier.randomized.iter().map(|p| p.objective).collect();
    assert_eq!(randomized, [0.875, 0.875, 0.875]);
    // One threshold: 0.7 reaches 7/8 with a gap of ¼ (A ¼, B ½); lower gaps cost accuracy.
    let best_single = frontier.single_threshold.last().unwrap();
    assert_eq!(best_single.threshold, 0.7);
    assert_eq!(best_single.accuracy, 0.875);
    assert_eq!(best_single.gap, Some(0.25));
    assert!(
        frontier
            .single_threshold
            .windows(2)
            .all(|w| w[0].gap <= w[1].gap && w[0].objective < w[1].objective)
    );
}

#[test]
fn requests_are_validated() {
    let index = two_groups();
    let bad = |r: OptimizeRequest| optimize(&index, &r, &NoProgress).unwrap_err();
    assert_eq!(
        bad(request(Constraint::DemographicParity, -0.1)),
        OptimizeError::InvalidTolerance(-0.1)
    );
    assert!(matches!(
        bad(OptimizeRequest {
            objective: Objective::Cost {
                fp_cost: 0.0,
                fn_cost: 0.0
            },
            ..request(Constraint::None, 0.0)
        }),
        OptimizeError::InvalidCosts { .. }
    ));
    assert_eq!("5%".parse::<Capacity>(), Ok(Capacity::Percent(5.0)));
    assert_eq!("120".parse::<Capacity>(), Ok(Capacity::Weight(120.0)));
    assert!("150%".parse::<Capacity>().is_err());
    assert!("-3".parse::<Capacity>().is_err());
    assert_eq!(
        "equalized_odds".parse::<Constraint>(),
        Ok(Constraint::EqualizedOdds)
    );
    assert!(
        "parity"
            .parse::<Constraint>()
            .unwrap_err()
            .contains("demographic_parity")
    );
    assert!(matches!(
        frontier(
            &index,
            &FrontierRequest {
                constraint: Constraint::Single,
                ..FrontierRequest::default()
            },
            &NoProgress
        ),
        Err(OptimizeError::NoGapConstraint(Constraint::Single))
    ));
}

#[test]
fn cancelling_stops_the_search() {
    struct Cancelled;
    impl Progress for Cancelled {
        fn stage(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            true
        }
    }
    let result = optimize(
        &two_groups(),
        &request(Constraint::DemographicParity, 0.0),
        &Cancelled,
    );
    assert_eq!(result, Err(OptimizeError::Cancelled));
}

/// COMPAS deciles by race (tests/data/compas.csv).
fn compas() -> Arc<GroupIndex> {
    use crate::analysis::Analysis;
    use crate::data::{ColumnRoles, LoadOptions};
    use crate::engine::GroupingSpec;
    let roles = ColumnRoles {
        score: "decile_score".into(),
        label: "two_year_recid".into(),
        positive: None,
        attributes: vec!["race".into()],
        weight: None,
        models: Vec::new(),
    };
    Analysis::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/compas.csv"
        )),
        &roles,
        &GroupingSpec::by_names(&["race"]),
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap()
    .index
}

#[test]
fn compas_demographic_parity_within_one_point_selects_nobody() {
    let index = compas();
    let solution = run(&index, &request(Constraint::DemographicParity, 0.01));
    // Deciles are too coarse for six races' selection rates to come within 0.01 of each other
    // anywhere but at 0 (or at 1, which is less accurate): select nobody.
    assert_eq!(solution.thresholds, [f64::INFINITY; 6]);
    assert_eq!(solution.selected, 0.0);
    let negatives: f64 = index.groups().iter().map(|g| g.curve.negatives()).sum();
    assert_eq!(solution.accuracy, negatives / index.total_weight());
    assert_eq!(solution.guarantee, Guarantee::Exact);
    // Not a degenerate dataset: without the constraint, people are selected and it is better.
    let free = run(&index, &request(Constraint::None, 0.0));
    assert!(free.selected > 1000.0);
    assert!(free.accuracy > solution.accuracy + 0.1);
}

#[test]
fn the_branch_and_bound_closes_the_gap_the_price_search_leaves() {
    // g0, g1: negatives only (best: nobody). g2: 0(−½) 0.25(+) 0.5(+). g3: 0(−½, −½) 0.5(+2)
    // 1.0(−½). Total weight 10, capacity 3.5.
    let index = GroupIndex::from_groups(
        vec!["g".into()],
        vec![
            group("g0", &[(0.0, false, 1.0), (0.0, false, 1.0)]),
            group("g1", &[(0.0, false, 2.0)]),
            group(
                "g2",
                &[(0.0, false, 0.5), (0.25, true, 1.0), (0.5, true, 1.0)],
            ),
            group(
                "g3",
                &[
                    (0.0, false, 0.5),
                    (0.0, false, 0.5),
                    (0.5, true, 2.0),
                    (1.0, false, 0.5),
                ],
            ),
        ],
    );
    let tables = Tables::new(
        &index,
        Constraint::None,
        Objective::Accuracy,
        DecisionRule::AtLeast,
    )
    .unwrap();
    let orders = solver::rate_orders(&tables);
    let problem = Problem::free(&tables);
    let solver = solver::Solver::new(&problem, &orders);
    // Unconstrained, g2 ≥ 0.25 (2 selected, no error) and g3 ≥ 0.5 (2.5 selected, ½ error)
    // select 4.5. The price search ends at λ = 0.6 between "g2 ≥ 0.25, g3 nobody" (2 errors)
    // and the unconstrained choice, with the dual bound −1.1.
    let priced = capacity::solve_with_budget(&solver, 0.0, 3.5, 0, &NoProgress).unwrap();
    assert_eq!(
        (priced.cuts.clone(), priced.value),
        (vec![1, 1, 1, 3], -2.0)
    );
    assert!((priced.bound - -1.1).abs() < 1e-12);
    // The optimum mixes neither end: g2 ≥ 0.5 (1 selected, 1 error) and g3 ≥ 0.5: 1.5 errors.
    let exact = capacity::solve_with_capacity(&solver, 0.0, 3.5, &NoProgress).unwrap();
    assert_eq!(exact.cuts, [1, 1, 2, 1]);
    assert_eq!((exact.value, exact.bound), (-1.5, -1.5));
}

#[test]
fn a_prepared_problem_answers_like_a_fresh_optimization() {
    let index = Arc::new(two_groups());
    for constraint in Constraint::ALL {
        let prepared = PreparedProblem::new(
            index.clone(),
            constraint,
            Objective::Accuracy,
            DecisionRule::AtLeast,
        )
        .unwrap();
        for tolerance in [0.0, 0.25, 0.5] {
            for capacity in [None, Some(Capacity::Weight(2.0))] {
                for fixed in [&[][..], &[(0, 0.6)][..]] {
                    let request = OptimizeRequest {
                        capacity,
                        ..request(constraint, tolerance)
                    };
                    assert_eq!(
                        prepared.optimize(tolerance, capacity, fixed, &NoProgress),
                        optimize_with_fixed(&index, &request, fixed, &NoProgress),
                        "{constraint} {tolerance} {capacity:?} {fixed:?}"
                    );
                }
            }
        }
    }
}
