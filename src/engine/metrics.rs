//! Confusion counts and the metrics defined on them, with one definition each.
//!
//! Every metric is a [`Fraction`] of (weighted) confusion counts, except balanced accuracy, which
//! averages two of them. A fraction whose denominator is zero is *undefined*; what that becomes is
//! decided by a [`Convention`], never here.

use serde::{Deserialize, Serialize};

use super::convention::Convention;

/// Weighted confusion counts of one group at one threshold.
///
/// With no weight column every row weighs 1, so these are plain counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfusionCounts {
    /// Positives predicted positive.
    pub tp: f64,
    /// Negatives predicted positive.
    pub fp: f64,
    /// Negatives predicted negative.
    pub tn: f64,
    /// Positives predicted negative.
    #[serde(rename = "fn")]
    pub fn_: f64,
}

impl ConfusionCounts {
    /// Actual positives (TP + FN).
    pub fn positives(&self) -> f64 {
        self.tp + self.fn_
    }

    /// Actual negatives (FP + TN).
    pub fn negatives(&self) -> f64 {
        self.fp + self.tn
    }

    /// Predicted positives (TP + FP): the cases selected.
    pub fn selected(&self) -> f64 {
        self.tp + self.fp
    }

    /// Predicted negatives (TN + FN).
    pub fn rejected(&self) -> f64 {
        self.tn + self.fn_
    }

    /// All cases.
    pub fn total(&self) -> f64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Correct decisions (TP + TN).
    pub fn correct(&self) -> f64 {
        self.tp + self.tn
    }

    /// Element-wise sum, used to build the overall counts from the groups'.
    pub fn add(&self, other: &Self) -> Self {
        Self {
            tp: self.tp + other.tp,
            fp: self.fp + other.fp,
            tn: self.tn + other.tn,
            fn_: self.fn_ + other.fn_,
        }
    }
}

/// A numerator over a denominator, kept apart so that callers can show the counts behind a rate
/// and compute intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fraction {
    /// What is counted.
    pub numerator: f64,
    /// Out of how many.
    pub denominator: f64,
}

impl Fraction {
    /// The quotient, or `None` when the denominator is zero (undefined).
    pub fn value(&self) -> Option<f64> {
        (self.denominator > 0.0).then(|| self.numerator / self.denominator)
    }
}

/// Every per-group metric Fulcrum reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of the group selected (predicted positive): (TP + FP) / n.
    SelectionRate,
    /// True positive rate (recall, sensitivity): TP / (TP + FN).
    Tpr,
    /// False positive rate: FP / (FP + TN).
    Fpr,
    /// True negative rate (specificity): TN / (FP + TN).
    Tnr,
    /// False negative rate: FN / (TP + FN).
    Fnr,
    /// Positive predictive value: TP / (TP + FP).
    Precision,
    /// Negative predictive value: TN / (TN + FN).
    Npv,
    /// False discovery rate: FP / (TP + FP).
    Fdr,
    /// False omission rate: FN / (TN + FN).
    For,
    /// Share of correct decisions: (TP + TN) / n.
    Accuracy,
    /// Mean of TPR and TNR.
    BalancedAccuracy,
    /// Harmonic mean of precision and recall: 2TP / (2TP + FP + FN).
    F1,
    /// Share of actual positives: (TP + FN) / n.
    BaseRate,
    /// The group's share of everyone selected: (TP + FP) / all selected (Aequitas' `ppr`).
    SelectedShare,
    /// Treatment equality: FN / FP.
    TreatmentEquality,
}

impl Metric {
    /// All metrics, in the order tables and JSON list them.
    pub const ALL: [Metric; 15] = [
        Metric::SelectionRate,
        Metric::Tpr,
        Metric::Fpr,
        Metric::Tnr,
        Metric::Fnr,
        Metric::Precision,
        Metric::Npv,
        Metric::Fdr,
        Metric::For,
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::F1,
        Metric::BaseRate,
        Metric::SelectedShare,
        Metric::TreatmentEquality,
    ];

    /// The key used in JSON and CSV output (`selection_rate`, `tpr`, …).
    pub fn key(self) -> &'static str {
        match self {
            Metric::SelectionRate => "selection_rate",
            Metric::Tpr => "tpr",
            Metric::Fpr => "fpr",
            Metric::Tnr => "tnr",
            Metric::Fnr => "fnr",
            Metric::Precision => "precision",
            Metric::Npv => "npv",
            Metric::Fdr => "fdr",
            Metric::For => "for",
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::F1 => "f1",
            Metric::BaseRate => "base_rate",
            Metric::SelectedShare => "selected_share",
            Metric::TreatmentEquality => "treatment_equality",
        }
    }

    /// Looks a metric up by its [`key`](Self::key).
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == key)
    }

    /// A short human name for tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Metric::SelectionRate => "Selection rate",
            Metric::Tpr => "TPR",
            Metric::Fpr => "FPR",
            Metric::Tnr => "TNR",
            Metric::Fnr => "FNR",
            Metric::Precision => "Precision",
            Metric::Npv => "NPV",
            Metric::Fdr => "FDR",
            Metric::For => "FOR",
            Metric::Accuracy => "Accuracy",
            Metric::BalancedAccuracy => "Balanced acc.",
            Metric::F1 => "F1",
            Metric::BaseRate => "Base rate",
            Metric::SelectedShare => "Share of selected",
            Metric::TreatmentEquality => "FN/FP",
        }
    }

    /// The definition in words, shown when a user asks what a number means.
    pub fn formula(self) -> &'static str {
        match self {
            Metric::SelectionRate => "(TP + FP) / n — share of the group selected",
            Metric::Tpr => "TP / (TP + FN) — share of actual positives selected (recall)",
            Metric::Fpr => "FP / (FP + TN) — share of actual negatives selected",
            Metric::Tnr => "TN / (FP + TN) — share of actual negatives rejected",
            Metric::Fnr => "FN / (TP + FN) — share of actual positives rejected",
            Metric::Precision => "TP / (TP + FP) — share of the selected who are positive",
            Metric::Npv => "TN / (TN + FN) — share of the rejected who are negative",
            Metric::Fdr => "FP / (TP + FP) — share of the selected who are negative",
            Metric::For => "FN / (TN + FN) — share of the rejected who are positive",
            Metric::Accuracy => "(TP + TN) / n — share of correct decisions",
            Metric::BalancedAccuracy => "(TPR + TNR) / 2",
            Metric::F1 => "2·TP / (2·TP + FP + FN)",
            Metric::BaseRate => "(TP + FN) / n — share of actual positives",
            Metric::SelectedShare => {
                "(TP + FP) / everyone selected — the group's share of all selections"
            }
            Metric::TreatmentEquality => "FN / FP — missed positives per false alarm",
        }
    }

    /// The metric as a fraction of counts; `None` for balanced accuracy, which is a mean of two.
    ///
    /// `all_selected` is the weight selected across every group (only the selected share uses
    /// it).
    pub fn fraction(self, c: &ConfusionCounts, all_selected: f64) -> Option<Fraction> {
        let f = |numerator, denominator| {
            Some(Fraction {
                numerator,
                denominator,
            })
        };
        match self {
            Metric::SelectionRate => f(c.selected(), c.total()),
            Metric::Tpr => f(c.tp, c.positives()),
            Metric::Fpr => f(c.fp, c.negatives()),
            Metric::Tnr => f(c.tn, c.negatives()),
            Metric::Fnr => f(c.fn_, c.positives()),
            Metric::Precision => f(c.tp, c.selected()),
            Metric::Npv => f(c.tn, c.rejected()),
            Metric::Fdr => f(c.fp, c.selected()),
            Metric::For => f(c.fn_, c.rejected()),
            Metric::Accuracy => f(c.correct(), c.total()),
            Metric::F1 => f(2.0 * c.tp, 2.0 * c.tp + c.fp + c.fn_),
            Metric::BaseRate => f(c.positives(), c.total()),
            Metric::SelectedShare => f(c.selected(), all_selected),
            Metric::TreatmentEquality => f(c.fn_, c.fp),
            Metric::BalancedAccuracy => None,
        }
    }

    /// True when the metric is a proportion with a binomial 95% interval.
    pub fn has_interval(self) -> bool {
        !matches!(
            self,
            Metric::BalancedAccuracy | Metric::F1 | Metric::TreatmentEquality
        )
    }

    /// True when a higher value is better for the people scored (used to phrase disparities).
    pub fn is_rate(self) -> bool {
        !matches!(self, Metric::TreatmentEquality)
    }

    /// The metric's value on `counts` under `convention`; `None` means undefined.
    ///
    /// `all_selected` is the weight selected across every group (see [`Metric::fraction`]).
    pub fn value(
        self,
        counts: &ConfusionCounts,
        all_selected: f64,
        convention: Convention,
    ) -> Option<f64> {
        match self.fraction(counts, all_selected) {
            Some(fraction) => convention.fraction_value(fraction),
            None => convention.balanced_accuracy(
                Metric::Tpr.fraction(counts, 0.0).and_then(|f| f.value()),
                Metric::Tnr.fraction(counts, 0.0).and_then(|f| f.value()),
            ),
        }
    }
}

/// All metric values of one group, indexed like [`Metric::ALL`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricValues(pub [Option<f64>; Metric::ALL.len()]);

impl MetricValues {
    /// Computes every metric on `counts` under `convention`, given the weight selected across
    /// every group.
    pub fn compute(counts: &ConfusionCounts, all_selected: f64, convention: Convention) -> Self {
        Self(Metric::ALL.map(|m| m.value(counts, all_selected, convention)))
    }

    /// The value of one metric.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        let index = Metric::ALL
            .iter()
            .position(|m| *m == metric)
            .unwrap_or_default();
        self.0.get(index).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTS: ConfusionCounts = ConfusionCounts {
        tp: 30.0,
        fp: 10.0,
        tn: 50.0,
        fn_: 10.0,
    };

    #[test]
    fn rates_match_hand_computed_values() {
        let v = MetricValues::compute(&COUNTS, 80.0, Convention::Native);
        // n = 100, positives 40, negatives 60, selected 40, rejected 60.
        assert_eq!(v.get(Metric::SelectionRate), Some(0.4));
        assert_eq!(v.get(Metric::Tpr), Some(0.75));
        assert_eq!(v.get(Metric::Fpr), Some(10.0 / 60.0));
        assert_eq!(v.get(Metric::Tnr), Some(50.0 / 60.0));
        assert_eq!(v.get(Metric::Fnr), Some(0.25));
        assert_eq!(v.get(Metric::Precision), Some(0.75));
        assert_eq!(v.get(Metric::Npv), Some(50.0 / 60.0));
        assert_eq!(v.get(Metric::Fdr), Some(0.25));
        assert_eq!(v.get(Metric::For), Some(10.0 / 60.0));
        assert_eq!(v.get(Metric::Accuracy), Some(0.8));
        assert_eq!(
            v.get(Metric::BalancedAccuracy),
            Some((0.75 + 50.0 / 60.0) / 2.0)
        );
        assert_eq!(v.get(Metric::F1), Some(60.0 / 80.0));
        assert_eq!(v.get(Metric::BaseRate), Some(0.4));
        assert_eq!(v.get(Metric::SelectedShare), Some(0.5));
        assert_eq!(v.get(Metric::TreatmentEquality), Some(1.0));
    }

    #[test]
    fn tpr_is_undefined_for_a_group_without_positives() {
        let counts = ConfusionCounts {
            tp: 0.0,
            fp: 3.0,
            tn: 7.0,
            fn_: 0.0,
        };
        assert_eq!(Metric::Tpr.value(&counts, 0.0, Convention::Native), None);
        assert_eq!(Metric::Fnr.value(&counts, 0.0, Convention::Aequitas), None);
        assert_eq!(
            Metric::BalancedAccuracy.value(&counts, 0.0, Convention::Native),
            None
        );
        // Fairlearn (through scikit-learn) reports 0 for an empty denominator …
        assert_eq!(
            Metric::Tpr.value(&counts, 0.0, Convention::Fairlearn),
            Some(0.0)
        );
        // … and balanced accuracy as the mean of the recalls that exist: TNR = 0.7.
        assert_eq!(
            Metric::BalancedAccuracy.value(&counts, 0.0, Convention::Fairlearn),
            Some(0.7)
        );
    }

    #[test]
    fn metric_keys_round_trip() {
        for metric in Metric::ALL {
            assert_eq!(Metric::from_key(metric.key()), Some(metric));
        }
        assert_eq!(Metric::from_key("nope"), None);
    }
}
