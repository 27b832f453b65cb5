//! Adverse impact as employment rules read it: each group's selection rate against the group
//! with the **highest** selection rate (not against a chosen reference group).
//!
//! - **Impact ratio** (NYC Local Law 144, 6 RCNY § 5-300; EEOC's "adverse impact ratio"): a
//!   group's rate ÷ the highest rate among the groups compared. The highest group's ratio is 1.
//!   Undefined (`None`) when the group's rate is undefined or the highest rate is 0 (nobody is
//!   selected anywhere: 0/0).
//! - **Four-fifths rule** (29 CFR 1607.4(D)): a ratio under 0.8 is evidence of adverse impact.
//! - **Significance**: the group against the highest group by the two-proportion test of
//!   [`uncertainty`](super::uncertainty) (Fisher's exact test for small expected counts, else the
//!   pooled z test), because the Uniform Guidelines read the four-fifths rule together with
//!   statistical significance.
//! - **Shortfall** (practical significance): how many more selections the group would need for
//!   its rate to reach four fifths of the highest.
//!
//! One definition each, shared by `fulcrum audit`, the sign-off report and the LL144 bias audit
//! ([`super::bias_audit`]).

use super::audit::Audit;
use super::convention::PARITY_TAU;
use super::uncertainty::{TwoProportionTest, two_proportion_test};

/// The rates' position of the highest among the `eligible` ones with a defined rate (ties: the
/// first), and every rate divided by it. A rate that is undefined has no ratio; when the highest
/// rate is 0 (or there is none) no ratio is defined. Ineligible rates (categories excluded from
/// the comparison) still get a ratio here; callers that exclude them drop it.
pub fn impact_ratios(
    rates: &[Option<f64>],
    eligible: &[bool],
) -> (Option<usize>, Vec<Option<f64>>) {
    let highest = rates
        .iter()
        .enumerate()
        .filter(|(i, _)| eligible.get(*i).copied().unwrap_or(false))
        .filter_map(|(i, r)| r.map(|r| (i, r)))
        .fold(None::<(usize, f64)>, |best, (i, r)| match best {
            Some((_, b)) if b >= r => best,
            _ => Some((i, r)),
        });
    let ratios = rates
        .iter()
        .map(|rate| match (rate, highest) {
            (Some(rate), Some((_, top))) if top > 0.0 => Some(rate / top),
            _ => None,
        })
        .collect();
    (highest.map(|(i, _)| i), ratios)
}

/// Whether an impact ratio meets the four-fifths rule (ratio ≥ 0.8); `None` when undefined.
pub fn four_fifths_pass(impact_ratio: Option<f64>) -> Option<bool> {
    impact_ratio.map(|r| r >= PARITY_TAU)
}

/// Selections (in weighted cases) a group of `total` with `selected` lacks to reach four fifths
/// of `highest_rate`: `ceil(0.8 · highest · total − selected)`, 0 when it already does; `None`
/// when the group is empty (its rate is undefined).
pub fn four_fifths_shortfall(selected: f64, total: f64, highest_rate: f64) -> Option<f64> {
    if total <= 0.0 {
        return None;
    }
    let target = PARITY_TAU * highest_rate;
    if selected / total >= target {
        return Some(0.0);
    }
    // Relative slack so that 0.8 × 0.5 × 100 − 30 is 10, not 10.000000000000002.
    let needed = target * total - selected;
    Some((needed * (1.0 - 1e-12)).ceil().max(0.0))
}

/// One group's adverse impact against the highest-rate group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupAdverseImpact {
    /// Selected weight (TP + FP).
    pub selected: f64,
    /// The group's weight.
    pub total: f64,
    /// Selected ÷ total; `None` for an empty group.
    pub selection_rate: Option<f64>,
    /// Selection rate ÷ the highest group's.
    pub impact_ratio: Option<f64>,
    /// Impact ratio ≥ 0.8.
    pub four_fifths_pass: Option<bool>,
    /// The two-sided test against the highest group; `None` for that group itself and for an
    /// empty group.
    pub test: Option<TwoProportionTest>,
    /// Whether the p-value is under the significance level.
    pub significant: bool,
    /// Selections needed to reach four fifths of the highest rate.
    pub shortfall: Option<f64>,
}

/// Every group of an audit against the group with the highest selection rate.
#[derive(Clone, Debug, PartialEq)]
pub struct AdverseImpact {
    /// The group with the highest selection rate (ties: the first key).
    pub highest_group: Option<usize>,
    /// The level a p-value must be under to be significant.
    pub significance_level: f64,
    /// Per group, in audit order.
    pub groups: Vec<GroupAdverseImpact>,
}

impl AdverseImpact {
    /// Groups failing the four-fifths rule.
    pub fn failing(&self) -> impl Iterator<Item = usize> + '_ {
        self.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.four_fifths_pass == Some(false))
            .map(|(i, _)| i)
    }
}

/// The adverse-impact block of an audit: every group's selections against the group with the
/// highest selection rate, with p-values judged at `significance_level`.
pub fn adverse_impact(audit: &Audit, significance_level: f64) -> AdverseImpact {
    let counts: Vec<(f64, f64)> = audit
        .groups
        .iter()
        .map(|g| (g.counts.selected(), g.counts.total()))
        .collect();
    let rates: Vec<Option<f64>> = counts
        .iter()
        .map(|(selected, total)| (*total > 0.0).then(|| selected / total))
        .collect();
    let (highest_group, ratios) = impact_ratios(&rates, &vec![true; rates.len()]);
    let highest = highest_group.and_then(|h| counts.get(h).copied());
    let highest_rate = highest_group.and_then(|h| rates.get(h).copied().flatten());
    let groups = counts
        .iter()
        .zip(&rates)
        .zip(ratios)
        .enumerate()
        .map(|(index, ((&(selected, total), &rate), impact_ratio))| {
            let test = match highest {
                Some((top_selected, top_total)) if Some(index) != highest_group => {
                    two_proportion_test(selected, total, top_selected, top_total)
                }
                _ => None,
            };
            GroupAdverseImpact {
                selected,
                total,
                selection_rate: rate,
                impact_ratio,
                four_fifths_pass: four_fifths_pass(impact_ratio),
                significant: test.is_some_and(|t| t.p_value < significance_level),
                test,
                shortfall: highest_rate.and_then(|h| four_fifths_shortfall(selected, total, h)),
            }
        })
        .collect();
    AdverseImpact {
        highest_group,
        significance_level,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{AuditOptions, GroupHeading, audit_groups};
    use crate::engine::metrics::ConfusionCounts;
    use crate::engine::uncertainty::TestMethod;

    #[test]
    fn impact_ratios_divide_by_the_highest_eligible_rate() {
        // Rates 0.5, 0.25, 0.9 (ineligible), undefined: the highest eligible is 0.5.
        let rates = [Some(0.5), Some(0.25), Some(0.9), None];
        let (highest, ratios) = impact_ratios(&rates, &[true, true, false, true]);
        assert_eq!(highest, Some(0));
        assert_eq!(ratios, vec![Some(1.0), Some(0.5), Some(1.8), None]);
        // Nobody selected anywhere: 0/0, no ratio.
        let (highest, ratios) = impact_ratios(&[Some(0.0), Some(0.0)], &[true, true]);
        assert_eq!(highest, Some(0));
        assert_eq!(ratios, vec![None, None]);
        // Ties go to the first.
        assert_eq!(
            impact_ratios(&[Some(0.3), Some(0.3)], &[true, true]).0,
            Some(0)
        );
    }

    #[test]
    fn shortfall_rounds_up_to_whole_selections() {
        // 0.8 × 0.5 × 100 − 30 = 10.
        assert_eq!(four_fifths_shortfall(30.0, 100.0, 0.5), Some(10.0));
        // 0.8 × 0.6 × 7 − 2 = 1.36 → 2.
        assert_eq!(four_fifths_shortfall(2.0, 7.0, 0.6), Some(2.0));
        assert_eq!(four_fifths_shortfall(45.0, 100.0, 0.5), Some(0.0));
        assert_eq!(four_fifths_shortfall(0.0, 0.0, 0.5), None);
    }

    #[test]
    fn every_group_is_compared_with_the_highest_not_the_reference() {
        // A: 600 of whom 300 selected (0.5), the largest group and so the reference group.
        // B: 100, 60 selected (0.6): the highest rate. C: 50, 10 selected (0.2).
        let cells = [
            ConfusionCounts {
                tp: 200.0,
                fp: 100.0,
                tn: 200.0,
                fn_: 100.0,
            },
            ConfusionCounts {
                tp: 40.0,
                fp: 20.0,
                tn: 30.0,
                fn_: 10.0,
            },
            ConfusionCounts {
                tp: 5.0,
                fp: 5.0,
                tn: 30.0,
                fn_: 10.0,
            },
        ];
        let levels: Vec<Vec<String>> = ["A", "B", "C"].iter().map(|k| vec![(*k).into()]).collect();
        let headings: Vec<GroupHeading> = ["A", "B", "C"]
            .iter()
            .zip(&levels)
            .zip(&cells)
            .map(|((key, levels), c)| GroupHeading {
                key,
                levels,
                rows: c.total() as u64,
                weight: c.total(),
            })
            .collect();
        let audit = audit_groups(&headings, &cells, &[0.5; 3], &AuditOptions::default()).unwrap();
        let block = adverse_impact(&audit, 0.05);
        assert_eq!(block.highest_group, Some(1));
        let ratio = |g: usize| block.groups[g].impact_ratio.unwrap();
        assert!((ratio(0) - 0.5 / 0.6).abs() < 1e-15);
        assert_eq!(ratio(1), 1.0);
        assert!((ratio(2) - 0.2 / 0.6).abs() < 1e-15);
        assert_eq!(block.groups[0].four_fifths_pass, Some(true)); // 0.833
        assert_eq!(block.groups[2].four_fifths_pass, Some(false)); // 0.333
        assert_eq!(block.failing().collect::<Vec<_>>(), vec![2]);
        // The highest group is not tested against itself.
        assert_eq!(block.groups[1].test, None);
        // A vs B: 300/600 vs 60/100, expected cells all ≥ 5: the pooled z test.
        // pooled = 360/700; z = (0.5 − 0.6) / sqrt(p(1−p)(1/600 + 1/100)).
        let a = block.groups[0].test.unwrap();
        assert_eq!(a.method, TestMethod::PooledZ);
        let pooled: f64 = 360.0 / 700.0;
        let z = -0.1 / (pooled * (1.0 - pooled) * (1.0 / 600.0 + 1.0 / 100.0)).sqrt();
        let expected = libm::erfc(z.abs() / std::f64::consts::SQRT_2);
        assert!((a.p_value - expected).abs() < 1e-15, "{}", a.p_value);
        // Shortfall of C: 0.8 × 0.6 × 50 − 10 = 14.
        assert_eq!(block.groups[2].shortfall, Some(14.0));
        assert_eq!(block.groups[0].shortfall, Some(0.0));
    }
}
