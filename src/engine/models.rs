//! Several models audited on the same rows and groups (issue 15): the one definition of a
//! difference between two models' numbers, used by the CLI's comparison, the window's compare
//! mode and the report's model section.
//!
//! A difference is `model − reference` (the reference is the first model: the one in
//! production). It is undefined when either number is: a rate undefined for one model (no
//! one selected, say) has no difference, never a silent 0.

use super::audit::Audit;
use super::metrics::Metric;

/// `value − reference`, undefined when either is.
pub fn model_difference(value: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (value, reference) {
        (Some(value), Some(reference)) => Some(value - reference),
        _ => None,
    }
}

/// Whether `audits` have the same groups, in the same order: the audits of several models of
/// one dataset under one grouping, whose group rows can stand side by side.
pub fn same_groups(audits: &[&Audit]) -> bool {
    let Some(first) = audits.first() else {
        return true;
    };
    audits.iter().all(|audit| {
        audit.groups.len() == first.groups.len()
            && audit
                .groups
                .iter()
                .zip(&first.groups)
                .all(|(a, b)| a.key == b.key)
    })
}

/// One metric of one group (`None`: overall) in `audit`.
pub fn group_value(audit: &Audit, group: Option<usize>, metric: Metric) -> Option<f64> {
    match group {
        Some(group) => audit.groups.get(group)?.values.get(metric),
        None => audit.overall.values.get(metric),
    }
}

/// The metrics compared between models, in the order tables show them: what a decision changes
/// for a group (who is selected, whose errors are made) and how accurate it is.
pub const COMPARED_METRICS: [Metric; 5] = [
    Metric::SelectionRate,
    Metric::Tpr,
    Metric::Fpr,
    Metric::Precision,
    Metric::Accuracy,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_needs_both_numbers() {
        assert_eq!(model_difference(Some(0.75), Some(0.5)), Some(0.25));
        assert_eq!(model_difference(Some(0.5), Some(0.75)), Some(-0.25));
        assert_eq!(model_difference(None, Some(0.5)), None);
        assert_eq!(model_difference(Some(0.5), None), None);
    }
}
