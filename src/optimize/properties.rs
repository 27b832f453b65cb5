//! Property tests: on small random datasets (2–4 groups, few distinct scores, ties, weights) the
//! optimizer equals brute force over every combination of thresholds, meets its constraints, and
//! its bounds hold.

use proptest::prelude::*;

use super::band::{Outcome, RateOrder};
use super::capacity::solve_with_budget;
use super::odds::solve_within;
use super::problem::{Problem, Tables, rate};
use super::randomized::RandomizedModel;
use super::solver::{Solver, rate_orders};
use super::*;
use crate::engine::{AuditOptions, ConfusionCounts, Group, GroupIndex, ScoreCurve, audit};
use crate::progress::NoProgress;

/// Rows per group: (score in quarters, positive, weight).
#[derive(Clone, Debug)]
struct Case {
    groups: Vec<Vec<(u8, bool, f64)>>,
}

/// 2–4 groups of 1–5 rows with scores 0, ¼, …, 1: many ties.
fn case() -> impl Strategy<Value = Case> {
    case_with(5, 6, 5)
}

/// 2–3 groups of up to 11 rows with up to 10 distinct scores: deeper searches.
fn finer_case() -> impl Strategy<Value = Case> {
    case_with(10, 12, 4)
}

fn case_with(scores: u8, rows: usize, groups: usize) -> impl Strategy<Value = Case> {
    let row = (
        0u8..scores,
        any::<bool>(),
        prop::sample::select(vec![0.5, 1.0, 2.0, 3.0]),
    );
    (
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(row, 1..rows), 2..groups),
    )
        .prop_map(|(weighted, mut groups)| {
            if !weighted {
                for row in groups.iter_mut().flatten() {
                    row.2 = 1.0;
                }
            }
            Case { groups }
        })
}

fn index(case: &Case) -> GroupIndex {
    let groups = case
        .groups
        .iter()
        .enumerate()
        .map(|(i, rows)| {
            let mut rows: Vec<(f64, bool, f64)> = rows
                .iter()
                .map(|&(s, l, w)| (f64::from(s) / 4.0, l, w))
                .collect();
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            Group {
                key: format!("g{i}"),
                levels: vec![format!("g{i}")],
                curve: ScoreCurve::from_sorted(rows),
            }
        })
        .collect();
    GroupIndex::from_groups(vec!["g".into()], groups)
}

/// Includes ⅓, whose float gaps (⅔ − ⅓) are the boundary cases.
const TOLERANCES: [f64; 8] = [0.0, 0.05, 0.1, 0.2, 0.25, 1.0 / 3.0, 0.5, 1.0];

fn tolerance() -> impl Strategy<Value = f64> {
    prop::sample::select(TOLERANCES.to_vec())
}

fn gap_constraint() -> impl Strategy<Value = Constraint> {
    prop::sample::select(
        Constraint::ALL
            .into_iter()
            .filter(|c| c.has_gap())
            .collect::<Vec<_>>(),
    )
}

fn objective() -> impl Strategy<Value = Objective> {
    let cost = prop::sample::select(vec![0.5, 1.0, 2.0, 3.0]);
    prop_oneof![
        Just(Objective::Accuracy),
        (cost.clone(), cost).prop_map(|(fp_cost, fn_cost)| Objective::Cost { fp_cost, fn_cost }),
    ]
}

fn rule() -> impl Strategy<Value = DecisionRule> {
    any::<bool>().prop_map(|strict| {
        if strict {
            DecisionRule::Above
        } else {
            DecisionRule::AtLeast
        }
    })
}

fn utility(objective: Objective, counts: &[ConfusionCounts]) -> f64 {
    let (fp_cost, fn_cost) = objective.costs();
    counts
        .iter()
        .map(|c| -(fp_cost * c.fp + fn_cost * c.fn_))
        .sum()
}

fn meets_gaps(constraint: Constraint, epsilon: f64, counts: &[ConfusionCounts]) -> bool {
    constraint.gap_metrics().iter().all(|&metric| {
        let rates: Vec<f64> = counts.iter().filter_map(|c| rate(metric, c)).collect();
        let low = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let high = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        rates.is_empty() || high - low <= epsilon
    })
}

/// The best total utility over every combination of cuts meeting the gap constraint, selecting
/// at most `limit` and keeping the `fixed` (group, cut) pairs; `None` when none does.
fn brute_force(
    index: &GroupIndex,
    constraint: Constraint,
    epsilon: f64,
    objective: Objective,
    limit: f64,
    fixed: &[(usize, usize)],
) -> Option<f64> {
    let groups = index.groups();
    let mut cuts = vec![0usize; groups.len()];
    let mut best: Option<f64> = None;
    loop {
        if fixed.iter().all(|&(g, c)| cuts[g] == c) {
            let counts: Vec<ConfusionCounts> = groups
                .iter()
                .zip(&cuts)
                .map(|(g, &c)| g.curve.counts_at_cut(c))
                .collect();
            let selected: f64 = counts.iter().map(ConfusionCounts::selected).sum();
            if meets_gaps(constraint, epsilon, &counts) && selected <= limit {
                let u = utility(objective, &counts);
                best = Some(best.map_or(u, |b: f64| b.max(u)));
            }
        }
        let mut g = 0;
        loop {
            if g == groups.len() {
                return best;
            }
            cuts[g] += 1;
            if cuts[g] < groups[g].curve.cut_count() {
                break;
            }
            cuts[g] = 0;
            g += 1;
        }
    }
}

/// The best total utility of one threshold for every group: every distinct score and ±∞.
fn brute_force_single(
    index: &GroupIndex,
    objective: Objective,
    rule: DecisionRule,
    limit: f64,
) -> f64 {
    let mut thresholds: Vec<f64> = index
        .groups()
        .iter()
        .flat_map(|g| g.curve.values().to_vec())
        .collect();
    thresholds.extend([f64::INFINITY, f64::NEG_INFINITY]);
    thresholds
        .into_iter()
        .filter_map(|t| {
            let counts = index.counts(&vec![t; index.len()], rule);
            let selected: f64 = counts.iter().map(ConfusionCounts::selected).sum();
            (selected <= limit).then(|| utility(objective, &counts))
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The solution's gaps recomputed by the audit.
fn audited_gaps_hold(
    index: &GroupIndex,
    solution: &Solution,
    constraint: Constraint,
    epsilon: f64,
    rule: DecisionRule,
) -> bool {
    let options = AuditOptions {
        rule,
        ..AuditOptions::default()
    };
    let result = audit(index, &solution.thresholds, &options).unwrap();
    let counts: Vec<ConfusionCounts> = result.groups.iter().map(|g| g.counts).collect();
    meets_gaps(constraint, epsilon, &counts)
}

/// Whether `ours` is at least as good as `theirs` (within 1e-9), in the objective's direction.
fn at_least_as_good(objective: Objective, ours: f64, theirs: f64) -> bool {
    if objective.is_maximized() {
        ours >= theirs - 1e-9
    } else {
        ours <= theirs + 1e-9
    }
}

fn tables(index: &GroupIndex, constraint: Constraint, objective: Objective) -> Tables {
    Tables::new(index, constraint, objective, DecisionRule::AtLeast).unwrap()
}

fn outcome_is_feasible(problem: &Tables, outcome: &Outcome, epsilon: f64, limit: f64) -> bool {
    let (_, selected) = problem.evaluate(&outcome.cuts);
    problem.is_feasible(&outcome.cuts, epsilon) && selected <= limit
}

proptest! {
    #[test]
    fn the_optimum_equals_brute_force_over_all_thresholds(
        case in case(),
        constraint in prop::sample::select(Constraint::ALL.to_vec()),
        epsilon in tolerance(),
        objective in objective(),
        rule in rule(),
    ) {
        let index = index(&case);
        let request = OptimizeRequest { constraint, tolerance: epsilon, objective, capacity: None, rule };
        let result = optimize(&index, &request, &NoProgress);
        let total = index.total_weight();
        let expected = if constraint == Constraint::Single {
            Some(brute_force_single(&index, objective, rule, f64::INFINITY))
        } else {
            brute_force(&index, constraint, epsilon, objective, f64::INFINITY, &[])
        };
        match expected {
            None => prop_assert!(matches!(result, Err(OptimizeError::Infeasible(_))), "{:?}", result),
            Some(best) => {
                let solution = result.unwrap();
                prop_assert_eq!(solution.guarantee, Guarantee::Exact);
                let expected = objective.objective_of(best, total);
                prop_assert!((solution.objective - expected).abs() <= 1e-9,
                    "ours {} brute force {}", solution.objective, expected);
                prop_assert!(audited_gaps_hold(&index, &solution, constraint, epsilon, rule));
                if constraint == Constraint::Single {
                    prop_assert!(solution.thresholds.iter().all(|&t| t == solution.thresholds[0]));
                }
            }
        }
    }

    #[test]
    fn capacity_is_respected_and_the_optimum_or_its_bound_holds(
        case in case(),
        constraint in prop::sample::select(Constraint::ALL.to_vec()),
        epsilon in tolerance(),
        objective in objective(),
        share in prop::sample::select(vec![0.0, 20.0, 35.0, 50.0, 80.0]),
    ) {
        let index = index(&case);
        let capacity = Capacity::Percent(share);
        let limit = capacity.limit(index.total_weight());
        let request = OptimizeRequest {
            constraint, tolerance: epsilon, objective, capacity: Some(capacity),
            rule: DecisionRule::AtLeast,
        };
        let result = optimize(&index, &request, &NoProgress);
        let expected = if constraint == Constraint::Single {
            Some(brute_force_single(&index, objective, DecisionRule::AtLeast, limit))
        } else {
            brute_force(&index, constraint, epsilon, objective, limit, &[])
        };
        match expected {
            None => prop_assert!(matches!(result, Err(OptimizeError::Infeasible(_))), "{:?}", result),
            Some(best) => {
                let solution = result.unwrap();
                let expected = objective.objective_of(best, index.total_weight());
                prop_assert!(solution.selected <= limit, "{} > {}", solution.selected, limit);
                prop_assert!(audited_gaps_hold(&index, &solution, constraint, epsilon, DecisionRule::AtLeast));
                prop_assert!(at_least_as_good(objective, expected, solution.objective));
                match solution.guarantee {
                    Guarantee::Exact => prop_assert!((solution.objective - expected).abs() <= 1e-9,
                        "ours {} brute force {}", solution.objective, expected),
                    Guarantee::Bounded { bound } => prop_assert!(at_least_as_good(objective, bound, expected)),
                }
            }
        }
    }

    #[test]
    fn the_price_search_alone_bounds_the_capacity_optimum(
        case in case(),
        constraint in gap_constraint(),
        epsilon in tolerance(),
        objective in objective(),
        share in prop::sample::select(vec![0.0, 0.2, 0.35, 0.5]),
    ) {
        let index = index(&case);
        let tables = tables(&index, constraint, objective);
        let orders = rate_orders(&tables);
        let problem = Problem::free(&tables);
        let solver = Solver::new(&problem, &orders);
        let limit = share * problem.total_weight;
        let expected = brute_force(&index, constraint, epsilon, objective, limit, &[]);
        match (solve_with_budget(&solver, epsilon, limit, 0, &NoProgress), expected) {
            (Ok(outcome), Some(best)) => {
                prop_assert!(outcome_is_feasible(&problem, &outcome, epsilon, limit));
                prop_assert!(outcome.value <= best + 1e-9);
                prop_assert!(outcome.bound >= best - 1e-9, "bound {} < optimum {}", outcome.bound, best);
            }
            (Err(OptimizeError::Infeasible(_)), None) => {}
            (other, expected) => prop_assert!(false, "{:?} against {:?}", other, expected),
        }
    }

    #[test]
    fn equalized_odds_cut_short_is_feasible_and_bounded(
        case in case(),
        epsilon in tolerance(),
        objective in objective(),
        budget in 0usize..4,
    ) {
        let index = index(&case);
        let tables = tables(&index, Constraint::EqualizedOdds, objective);
        let orders = rate_orders(&tables);
        let problem = Problem::free(&tables);
        let solver = Solver::new(&problem, &orders);
        let expected = brute_force(&index, Constraint::EqualizedOdds, epsilon, objective, f64::INFINITY, &[]);
        match (solve_within(&solver, &problem.utility, epsilon, budget, &NoProgress), expected) {
            (Ok(Some(outcome)), Some(best)) => {
                prop_assert!(outcome_is_feasible(&problem, &outcome, epsilon, f64::INFINITY));
                prop_assert!(outcome.value <= best + 1e-9);
                prop_assert!(outcome.bound >= best - 1e-9, "bound {} < optimum {}", outcome.bound, best);
            }
            (Ok(None), None) | (Err(OptimizeError::NotFound(_)), _) => {}
            (other, expected) => prop_assert!(false, "{:?} against {:?}", other, expected),
        }
    }

    #[test]
    fn the_randomized_optimum_is_never_below_the_deterministic_one(
        case in case(),
        constraint in gap_constraint(),
        epsilon in tolerance(),
        objective in objective(),
    ) {
        let index = index(&case);
        let randomized = RandomizedModel::new(&tables(&index, constraint, objective)).optimum(epsilon);
        if let Some(best) = brute_force(&index, constraint, epsilon, objective, f64::INFINITY, &[]) {
            let randomized = randomized.unwrap();
            prop_assert!(randomized >= best - 1e-9, "randomized {} < deterministic {}", randomized, best);
        }
        // And it never beats the unconstrained optimum.
        if let Some(randomized) = randomized {
            let free = brute_force(&index, Constraint::None, 0.0, objective, f64::INFINITY, &[]).unwrap();
            prop_assert!(randomized <= free + 1e-9);
        }
    }

    #[test]
    fn fixed_groups_keep_their_threshold_and_the_others_are_optimal(
        case in case(),
        constraint in prop::sample::select(
            Constraint::ALL.into_iter().filter(|c| *c != Constraint::Single).collect::<Vec<_>>()),
        epsilon in tolerance(),
        objective in objective(),
        rule in rule(),
        fixed_cut in 0usize..8,
    ) {
        let index = index(&case);
        let curve = &index.groups()[0].curve;
        let fixed_cut = fixed_cut % curve.cut_count();
        let threshold = curve.threshold_for_cut(fixed_cut, rule);
        let request = OptimizeRequest { constraint, tolerance: epsilon, objective, capacity: None, rule };
        let result = optimize_with_fixed(&index, &request, &[(0, threshold)], &NoProgress);
        match brute_force(&index, constraint, epsilon, objective, f64::INFINITY, &[(0, fixed_cut)]) {
            None => prop_assert!(matches!(result, Err(OptimizeError::Infeasible(_))), "{:?}", result),
            Some(best) => {
                let solution = result.unwrap();
                prop_assert_eq!(solution.thresholds[0], threshold);
                prop_assert_eq!(solution.guarantee, Guarantee::Exact);
                let expected = objective.objective_of(best, index.total_weight());
                prop_assert!((solution.objective - expected).abs() <= 1e-9,
                    "ours {} brute force {}", solution.objective, expected);
                prop_assert!(audited_gaps_hold(&index, &solution, constraint, epsilon, rule));
            }
        }
    }

    #[test]
    fn every_frontier_point_is_the_optimum_at_its_tolerance(
        case in case(),
        constraint in gap_constraint(),
        objective in objective(),
    ) {
        let index = index(&case);
        let request = FrontierRequest { constraint, objective, rule: DecisionRule::AtLeast, points: 5 };
        let frontier = frontier(&index, &request, &NoProgress).unwrap();
        let total = index.total_weight();
        for point in &frontier.points {
            let best = brute_force(&index, constraint, point.tolerance, objective, f64::INFINITY, &[]).unwrap();
            prop_assert!((point.solution.objective - objective.objective_of(best, total)).abs() <= 1e-9);
            prop_assert!(point.solution.gap.is_none_or(|g| g <= point.tolerance));
            let randomized = frontier.randomized.iter().find(|r| r.tolerance == point.tolerance).unwrap();
            prop_assert!(at_least_as_good(objective, randomized.objective, point.solution.objective));
        }
        prop_assert!(frontier.points.windows(2).all(|w|
            at_least_as_good(objective, w[1].solution.objective, w[0].solution.objective)));
        // The last point is the unconstrained optimum.
        let free = brute_force(&index, Constraint::None, 0.0, objective, f64::INFINITY, &[]).unwrap();
        let last = frontier.points.last().unwrap();
        prop_assert!((last.solution.objective - objective.objective_of(free, total)).abs() <= 1e-9);
    }

    #[test]
    fn the_optimum_equals_brute_force_on_finer_scores(
        case in finer_case(),
        constraint in gap_constraint(),
        epsilon in tolerance(),
        objective in objective(),
        share in prop::option::of(prop::sample::select(vec![10.0, 30.0, 60.0])),
    ) {
        let index = index(&case);
        let capacity = share.map(Capacity::Percent);
        let limit = capacity.map_or(f64::INFINITY, |c| c.limit(index.total_weight()));
        let request = OptimizeRequest {
            constraint, tolerance: epsilon, objective, capacity, rule: DecisionRule::AtLeast,
        };
        let result = optimize(&index, &request, &NoProgress);
        match brute_force(&index, constraint, epsilon, objective, limit, &[]) {
            None => prop_assert!(matches!(result, Err(OptimizeError::Infeasible(_))), "{:?}", result),
            Some(best) => {
                let solution = result.unwrap();
                let expected = objective.objective_of(best, index.total_weight());
                prop_assert_eq!(solution.guarantee, Guarantee::Exact);
                prop_assert!((solution.objective - expected).abs() <= 1e-9,
                    "ours {} brute force {}", solution.objective, expected);
                prop_assert!(solution.selected <= limit);
                prop_assert!(audited_gaps_hold(&index, &solution, constraint, epsilon, DecisionRule::AtLeast));
            }
        }
    }
}

/// The equalized-odds optimum by trying every TPR band start: for each, the groups keep to the
/// cuts whose TPR lies in the band, and the FPR sweep over those is exact.
fn equalized_odds_by_every_band(
    problem: &Problem<'_>,
    orders: &[RateOrder],
    epsilon: f64,
) -> Option<f64> {
    let tpr = &problem.rates[0];
    let solver = Solver::new(problem, orders);
    let mut starts: Vec<f64> = tpr.values.clone();
    starts.sort_by(f64::total_cmp);
    starts.dedup();
    let mut best: Option<f64> = None;
    for lower in starts {
        let ranges: Option<Vec<std::ops::Range<usize>>> = (0..problem.group_count())
            .map(|g| {
                let all = 0..problem.cut_count(g);
                if !tpr.defined[g] {
                    return Some(all);
                }
                let cuts: Vec<usize> = all
                    .filter(|&c| {
                        let r = tpr.values[problem.offsets[g] + c];
                        r >= lower && r - lower <= epsilon
                    })
                    .collect();
                Some(*cuts.first()?..*cuts.last()? + 1)
            })
            .collect();
        let Some(ranges) = ranges else { continue };
        let search = solver.band(1, &problem.utility, &ranges).unwrap();
        if let Some(outcome) = search.best(epsilon, &NoProgress).unwrap() {
            best = Some(best.map_or(outcome.value, |b: f64| b.max(outcome.value)));
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn equalized_odds_branch_and_bound_equals_trying_every_band(
        case in case_with(20, 40, 4),
        epsilon in prop::sample::select(vec![0.0, 0.02, 0.05, 0.1, 0.2]),
        objective in objective(),
    ) {
        let index = index(&case);
        let tables = tables(&index, Constraint::EqualizedOdds, objective);
        let orders = rate_orders(&tables);
        let problem = Problem::free(&tables);
        let solver = Solver::new(&problem, &orders);
        let ours = solver.solve(&tables.utility, epsilon, &NoProgress).unwrap();
        let expected = equalized_odds_by_every_band(&problem, &orders, epsilon);
        match (ours, expected) {
            (Some(ours), Some(best)) => {
                prop_assert!((ours.value - best).abs() <= 1e-9, "ours {} every band {}", ours.value, best);
                prop_assert_eq!(ours.bound, ours.value);
                prop_assert!(tables.is_feasible(&ours.cuts, epsilon));
            }
            (None, None) => {}
            (ours, best) => prop_assert!(false, "{:?} against {:?}", ours, best),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Branch and bound over band starts finds the sweep's answer at every tolerance: the same
    /// cuts, value and bound — ties included (the same, lowest, band). Groups of up to 250
    /// distinct scores, so that ranges of starts are bounded and split, not only evaluated
    /// one by one, and range maxima cross several blocks.
    #[test]
    fn branch_and_bound_over_band_starts_finds_the_sweeps_answer(
        case in prop_oneof![finer_case(), case_with(250, 700, 5)],
        constraint in prop::sample::select(vec![
            Constraint::DemographicParity,
            Constraint::EqualOpportunity,
            Constraint::FprParity,
            Constraint::EqualAccuracy,
        ]),
        objective in objective(),
    ) {
        let index = index(&case);
        let tables = tables(&index, constraint, objective);
        let orders = rate_orders(&tables);
        let problem = Problem::free(&tables);
        let solver = Solver::new(&problem, &orders);
        let band_index = solver.band_index().unwrap();
        for epsilon in [0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0] {
            let sweep = solver.solve(&problem.utility, epsilon, &NoProgress).unwrap();
            let bounded = solver.solve_indexed(epsilon, &band_index, &NoProgress).unwrap();
            prop_assert_eq!(sweep, bounded, "epsilon {}", epsilon);
        }
    }
}
