//! Acceptance criteria: rules a decision must meet, written as text
//! (`equal_opportunity_difference <= 0.05`, `fpr_disparity within [0.8, 1.25]`), stored in the
//! session in that text form and evaluated against an [`Audit`].
//!
//! A criterion names a *measure* and a *condition*:
//!
//! | measure | what is measured |
//! |---|---|
//! | `demographic_parity_difference`, … (the audit JSON's `summary` names) | that summary |
//! | `<metric>_difference`, `<metric>_ratio` | the metric's max − min / min ÷ max across groups |
//! | `<metric>_disparity` | every group's value ÷ the reference group's |
//! | `accuracy_drop` | the baseline scenario's overall accuracy − this one's |
//! | `min_group_count` | every group's weight (its row count when unweighted) |
//!
//! The condition is `<= < >= > ==` and a number, or `within [low, high]`. Comparisons are exact
//! (no tolerance), the same floating-point tests the optimizer makes, so thresholds it found for
//! `ε = 0.05` pass `… <= 0.05`.
//!
//! A criterion may end in `at C%` (`equal_opportunity_difference <= 0.03 at 95%`): it then passes
//! only when the whole C-level interval of the value meets the condition — the interval's far end
//! for `<=`/`<` (its upper end) and `>=`/`>` (its lower end), both ends for `within`. The intervals
//! are the audit's bootstrap intervals (`engine::uncertainty`) at that level, default seed and
//! resamples. `==`, `accuracy_drop` and `min_group_count` take no `at`.
//!
//! Per-group measures skip groups whose value is undefined (as the audit's differences do) and
//! list them; such a criterion is undefined only when no group has a value.

use serde::{Deserialize, Serialize};

use crate::engine::intervals::Interval;
use crate::engine::{
    Audit, AuditUncertainty, FairnessSummary, Metric, UncertaintySettings, audit_uncertainty,
};

/// The named cross-group summaries of the audit JSON that criteria can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SummaryName {
    /// Selection-rate difference.
    DemographicParityDifference,
    /// Selection-rate ratio.
    DemographicParityRatio,
    /// TPR difference.
    EqualOpportunityDifference,
    /// TPR ratio.
    EqualOpportunityRatio,
    /// The larger of the TPR and FPR differences.
    EqualizedOddsDifference,
    /// The smaller of the TPR and FPR ratios.
    EqualizedOddsRatio,
    /// Precision difference.
    PredictiveParityDifference,
    /// Lowest selection rate over the highest.
    DisparateImpact,
}

impl SummaryName {
    /// Every summary, in the audit JSON's order.
    pub const ALL: [SummaryName; 8] = [
        SummaryName::DemographicParityDifference,
        SummaryName::DemographicParityRatio,
        SummaryName::EqualOpportunityDifference,
        SummaryName::EqualOpportunityRatio,
        SummaryName::EqualizedOddsDifference,
        SummaryName::EqualizedOddsRatio,
        SummaryName::PredictiveParityDifference,
        SummaryName::DisparateImpact,
    ];

    /// The key in the audit JSON's `summary`.
    pub fn key(self) -> &'static str {
        match self {
            SummaryName::DemographicParityDifference => "demographic_parity_difference",
            SummaryName::DemographicParityRatio => "demographic_parity_ratio",
            SummaryName::EqualOpportunityDifference => "equal_opportunity_difference",
            SummaryName::EqualOpportunityRatio => "equal_opportunity_ratio",
            SummaryName::EqualizedOddsDifference => "equalized_odds_difference",
            SummaryName::EqualizedOddsRatio => "equalized_odds_ratio",
            SummaryName::PredictiveParityDifference => "predictive_parity_difference",
            SummaryName::DisparateImpact => "disparate_impact",
        }
    }

    /// The summary's value in an audit.
    pub fn value(self, summary: &FairnessSummary) -> Option<f64> {
        match self {
            SummaryName::DemographicParityDifference => summary.demographic_parity_difference,
            SummaryName::DemographicParityRatio => summary.demographic_parity_ratio,
            SummaryName::EqualOpportunityDifference => summary.equal_opportunity_difference,
            SummaryName::EqualOpportunityRatio => summary.equal_opportunity_ratio,
            SummaryName::EqualizedOddsDifference => summary.equalized_odds_difference,
            SummaryName::EqualizedOddsRatio => summary.equalized_odds_ratio,
            SummaryName::PredictiveParityDifference => summary.predictive_parity_difference,
            SummaryName::DisparateImpact => summary.disparate_impact,
        }
    }
}

/// What a criterion measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// A named summary of the audit.
    Summary(SummaryName),
    /// A metric's largest minus smallest value across groups.
    Difference(Metric),
    /// A metric's smallest over largest value across groups.
    Ratio(Metric),
    /// Every group's value of a metric divided by the reference group's (per group).
    Disparity(Metric),
    /// The baseline scenario's overall accuracy minus this one's (positive: accuracy lost).
    AccuracyDrop,
    /// Every group's weight (per group).
    MinGroupCount,
}

/// The name of the accuracy-drop measure.
const ACCURACY_DROP: &str = "accuracy_drop";
/// The name of the group-weight measure.
const MIN_GROUP_COUNT: &str = "min_group_count";

impl Measure {
    /// The name as written in criteria.
    pub fn name(self) -> String {
        match self {
            Measure::Summary(summary) => summary.key().to_owned(),
            Measure::Difference(metric) => format!("{}_difference", metric.key()),
            Measure::Ratio(metric) => format!("{}_ratio", metric.key()),
            Measure::Disparity(metric) => format!("{}_disparity", metric.key()),
            Measure::AccuracyDrop => ACCURACY_DROP.to_owned(),
            Measure::MinGroupCount => MIN_GROUP_COUNT.to_owned(),
        }
    }

    /// Looks a measure up by name; summary names win over the `<metric>_…` forms.
    pub fn from_name(name: &str) -> Option<Measure> {
        if let Some(summary) = SummaryName::ALL.into_iter().find(|s| s.key() == name) {
            return Some(Measure::Summary(summary));
        }
        match name {
            ACCURACY_DROP => return Some(Measure::AccuracyDrop),
            MIN_GROUP_COUNT => return Some(Measure::MinGroupCount),
            _ => {}
        }
        if let Some(metric) = name.strip_suffix("_difference").and_then(Metric::from_key) {
            return Some(Measure::Difference(metric));
        }
        if let Some(metric) = name.strip_suffix("_ratio").and_then(Metric::from_key) {
            return Some(Measure::Ratio(metric));
        }
        name.strip_suffix("_disparity")
            .and_then(Metric::from_key)
            .map(Measure::Disparity)
    }

    /// Whether the measure has one value per group (and so can name failing groups).
    pub fn is_per_group(self) -> bool {
        matches!(self, Measure::Disparity(_) | Measure::MinGroupCount)
    }

    /// Whether the measure needs the baseline scenario's audit.
    pub fn needs_baseline(self) -> bool {
        self == Measure::AccuracyDrop
    }

    /// Every concrete name, for suggestions.
    fn all_names() -> Vec<String> {
        let mut names: Vec<String> = SummaryName::ALL.iter().map(|s| s.key().into()).collect();
        for metric in Metric::ALL {
            for measure in [
                Measure::Difference(metric),
                Measure::Ratio(metric),
                Measure::Disparity(metric),
            ] {
                names.push(measure.name());
            }
        }
        names.push(ACCURACY_DROP.into());
        names.push(MIN_GROUP_COUNT.into());
        names
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
    /// `==`
    Equal,
}

impl Comparison {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
            Comparison::Equal => "==",
        }
    }
}

/// What a measured value must satisfy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Condition {
    /// `value <op> bound`.
    Compare(Comparison, f64),
    /// `low ≤ value ≤ high`.
    Within {
        /// Smallest value allowed.
        low: f64,
        /// Largest value allowed.
        high: f64,
    },
}

impl Condition {
    /// Whether `value` meets the condition (exact floating-point comparison).
    pub fn holds(self, value: f64) -> bool {
        match self {
            Condition::Compare(Comparison::AtMost, bound) => value <= bound,
            Condition::Compare(Comparison::Below, bound) => value < bound,
            Condition::Compare(Comparison::AtLeast, bound) => value >= bound,
            Condition::Compare(Comparison::Above, bound) => value > bound,
            // `==` in a criterion means exactly equal.
            Condition::Compare(Comparison::Equal, bound) => value == bound,
            Condition::Within { low, high } => (low..=high).contains(&value),
        }
    }

    /// How far `value` is on the wrong side of the condition (larger is worse; ≤ 0 passes or
    /// is at the bound), used to pick the worst group.
    fn violation(self, value: f64) -> f64 {
        match self {
            Condition::Compare(Comparison::AtMost | Comparison::Below, bound) => value - bound,
            Condition::Compare(Comparison::AtLeast | Comparison::Above, bound) => bound - value,
            Condition::Compare(Comparison::Equal, bound) => (value - bound).abs(),
            Condition::Within { low, high } => (low - value).max(value - high),
        }
    }

    /// The end of `interval` the condition is judged on under `at C%`: the one that violates
    /// it more (the upper end of `<=`, the lower end of `>=`, the worse end of `within`).
    fn far_end(self, interval: Interval) -> f64 {
        if self.violation(interval.low) >= self.violation(interval.high) {
            interval.low
        } else {
            interval.high
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Compare(comparison, bound) => write!(f, "{} {bound}", comparison.symbol()),
            Condition::Within { low, high } => write!(f, "within [{low}, {high}]"),
        }
    }
}

/// One acceptance criterion: a measure and the condition it must meet.
///
/// Its text form (`Display` / `FromStr`) is also its serde form and round-trips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Criterion {
    /// What is measured.
    pub measure: Measure,
    /// What the measured value must satisfy.
    pub condition: Condition,
    /// `at C%`: the confidence level (a fraction, 0.95) the whole interval must meet it at.
    pub confidence: Option<f64>,
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.measure.name(), self.condition)?;
        if let Some(confidence) = self.confidence {
            // Rounded to 1e-9 so that 0.95 prints as 95, not 95.00000000000001.
            let percent = (confidence * 100.0 * 1e9).round() / 1e9;
            write!(f, " at {percent}%")?;
        }
        Ok(())
    }
}

/// Why a criterion's text does not parse: the text, where (a character range), what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("criterion `{text}`: {message}\n    {text}\n    {}{}{}", " ".repeat(*start), "^".repeat((*width).max(1)), hint.as_ref().map(|h| format!("\n  {h}")).unwrap_or_default())]
pub struct CriterionError {
    /// The criterion as written.
    pub text: String,
    /// First character (0-based) of the offending part.
    pub start: usize,
    /// Its length in characters.
    pub width: usize,
    /// What is wrong there.
    pub message: String,
    /// What would be valid, when helpful.
    pub hint: Option<String>,
}

impl CriterionError {
    /// The error on one line (for places that cannot show a caret, such as a session file
    /// error that already names its line and column).
    pub fn one_line(&self) -> String {
        let mut line = format!(
            "criterion `{}`: {} (at character {})",
            self.text,
            self.message,
            self.start + 1
        );
        if let Some(hint) = &self.hint {
            line.push_str("; ");
            line.push_str(hint);
        }
        line
    }
}

/// The names a criterion may use, for error messages.
pub fn valid_names_hint() -> String {
    let summaries: Vec<&str> = SummaryName::ALL.iter().map(|s| s.key()).collect();
    let metrics: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
    format!(
        "valid names: {}, <metric>_difference, <metric>_ratio, <metric>_disparity, {ACCURACY_DROP}, {MIN_GROUP_COUNT} (metrics: {})",
        summaries.join(", "),
        metrics.join(", ")
    )
}

/// A tiny cursor over the criterion's characters.
struct Cursor<'a> {
    text: &'a str,
    chars: Vec<char>,
    position: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            chars: text.chars().collect(),
            position: 0,
        }
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    /// Takes characters while `keep` holds.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> (usize, String) {
        let start = self.position;
        while self.peek().is_some_and(&keep) {
            self.position += 1;
        }
        (
            start,
            self.chars
                .get(start..self.position)
                .unwrap_or_default()
                .iter()
                .collect(),
        )
    }

    fn eat(&mut self, expected: &str) -> bool {
        let wanted: Vec<char> = expected.chars().collect();
        let end = self.position + wanted.len();
        if self.chars.get(self.position..end) == Some(wanted.as_slice()) {
            self.position = end;
            true
        } else {
            false
        }
    }

    fn error(
        &self,
        start: usize,
        width: usize,
        message: String,
        hint: Option<String>,
    ) -> CriterionError {
        CriterionError {
            text: self.text.to_owned(),
            start,
            width,
            message,
            hint,
        }
    }

    /// The width of the next word-like token, for pointing at it.
    fn next_token_width(&self) -> usize {
        self.chars
            .get(self.position..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| !c.is_whitespace())
            .count()
            .max(1)
    }

    fn number(&mut self, what: &str) -> Result<f64, CriterionError> {
        self.skip_spaces();
        let (start, token) =
            self.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
        if token.is_empty() {
            return Err(self.error(
                start,
                self.next_token_width(),
                format!("expected {what} here"),
                None,
            ));
        }
        match token.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            _ => Err(self.error(
                start,
                token.chars().count(),
                format!("`{token}` is not a finite number ({what})"),
                None,
            )),
        }
    }
}

impl std::str::FromStr for Criterion {
    type Err = CriterionError;

    /// Parses `NAME OP NUMBER` or `NAME within [LOW, HIGH]`; `≤` and `≥` are accepted for
    /// `<=` and `>=`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut cursor = Cursor::new(text);
        cursor.skip_spaces();
        let (name_start, name) = cursor.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
        if name.is_empty() {
            return Err(cursor.error(
                name_start,
                cursor.next_token_width(),
                "expected a measure name first".into(),
                Some(valid_names_hint()),
            ));
        }
        let Some(measure) = Measure::from_name(&name) else {
            let closest = crate::engine::thresholds::closest_key(
                &name,
                Measure::all_names().iter().map(String::as_str),
            );
            let message = match closest {
                Some(closest) => format!("unknown name `{name}` (did you mean `{closest}`?)"),
                None => format!("unknown name `{name}`"),
            };
            return Err(cursor.error(
                name_start,
                name.chars().count(),
                message,
                Some(valid_names_hint()),
            ));
        };
        cursor.skip_spaces();
        let operator_start = cursor.position;
        let operators = [
            ("<=", Comparison::AtMost),
            ("≤", Comparison::AtMost),
            (">=", Comparison::AtLeast),
            ("≥", Comparison::AtLeast),
            ("==", Comparison::Equal),
            ("<", Comparison::Below),
            (">", Comparison::Above),
        ];
        let condition = if let Some(comparison) = operators
            .iter()
            .find_map(|(symbol, comparison)| cursor.eat(symbol).then_some(*comparison))
        {
            Condition::Compare(comparison, cursor.number("a number")?)
        } else if cursor.eat("within") {
            cursor.skip_spaces();
            if !cursor.eat("[") {
                return Err(cursor.error(
                    cursor.position,
                    cursor.next_token_width(),
                    "expected `[` after `within`, as in `within [0.8, 1.25]`".into(),
                    None,
                ));
            }
            let low = cursor.number("the lower bound")?;
            cursor.skip_spaces();
            if !cursor.eat(",") {
                return Err(cursor.error(
                    cursor.position,
                    cursor.next_token_width(),
                    "expected `,` between the bounds, as in `within [0.8, 1.25]`".into(),
                    None,
                ));
            }
            let high = cursor.number("the upper bound")?;
            cursor.skip_spaces();
            if !cursor.eat("]") {
                return Err(cursor.error(
                    cursor.position,
                    cursor.next_token_width(),
                    "expected `]` after the upper bound".into(),
                    None,
                ));
            }
            if low > high {
                return Err(cursor.error(
                    operator_start,
                    cursor.position - operator_start,
                    format!("the lower bound {low} is above the upper bound {high}"),
                    None,
                ));
            }
            Condition::Within { low, high }
        } else {
            return Err(cursor.error(
                operator_start,
                cursor.next_token_width(),
                if cursor.peek().is_none() {
                    "expected a condition after the name".into()
                } else {
                    "expected an operator".into()
                },
                Some("operators: <=, <, >=, >, ==, or `within [LOW, HIGH]`".into()),
            ));
        };
        cursor.skip_spaces();
        let at_start = cursor.position;
        let confidence = if cursor.eat("at") {
            let percent = cursor.number("a confidence level in percent, as in `at 95%`")?;
            if !cursor.eat("%") {
                return Err(cursor.error(
                    cursor.position,
                    cursor.next_token_width(),
                    "expected `%` after the confidence level, as in `at 95%`".into(),
                    None,
                ));
            }
            let whole = cursor.position - at_start;
            if !(percent > 50.0 && percent < 100.0) {
                return Err(cursor.error(
                    at_start,
                    whole,
                    format!("the confidence level {percent}% is not between 50% and 100%"),
                    None,
                ));
            }
            let refusal = match (measure, condition) {
                (_, Condition::Compare(Comparison::Equal, _)) => {
                    Some("`==` cannot hold over an interval; use `within [LOW, HIGH] at C%`")
                }
                (Measure::AccuracyDrop, _) => Some("accuracy_drop has no interval yet"),
                (Measure::MinGroupCount, _) => Some("a count has no interval"),
                _ => None,
            };
            if let Some(refusal) = refusal {
                return Err(cursor.error(at_start, whole, refusal.into(), None));
            }
            cursor.skip_spaces();
            Some(percent / 100.0)
        } else {
            None
        };
        if cursor.peek().is_some() {
            return Err(cursor.error(
                cursor.position,
                cursor.chars.len() - cursor.position,
                "unexpected text after the condition".into(),
                None,
            ));
        }
        Ok(Criterion {
            measure,
            condition,
            confidence,
        })
    }
}

impl Serialize for Criterion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Criterion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e: CriterionError| serde::de::Error::custom(e.one_line()))
    }
}

/// Whether a criterion holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The condition holds.
    Pass,
    /// The condition does not hold (for a group, or overall).
    Fail,
    /// Nothing could be measured (an undefined value, or no baseline for `accuracy_drop`).
    Undefined,
}

impl Outcome {
    /// `pass`, `fail` or `undefined`.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Undefined => "undefined",
        }
    }

    /// `PASS`, `FAIL` or `UNDEFINED`, for tables and badges.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Undefined => "UNDEFINED",
        }
    }
}

/// One group's value under a per-group criterion.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupOutcome {
    /// The group key.
    pub key: String,
    /// Its measured value (`None`: undefined, skipped).
    pub value: Option<f64>,
    /// Its interval at the criterion's `at C%` level (`None` without one, or when undefined).
    pub interval: Option<Interval>,
    /// Whether it passes.
    pub outcome: Outcome,
}

/// A criterion evaluated on one audit.
#[derive(Clone, Debug, PartialEq)]
pub struct CriterionResult {
    /// The criterion.
    pub criterion: Criterion,
    /// Pass, fail or undefined.
    pub outcome: Outcome,
    /// The measured value; for per-group measures, the worst group's.
    pub value: Option<f64>,
    /// Its interval at the criterion's `at C%` level, which decided the outcome.
    pub interval: Option<Interval>,
    /// For per-group measures, the group whose value is worst.
    pub worst_group: Option<String>,
    /// Groups that fail, in index order (empty for measures across groups).
    pub failing_groups: Vec<String>,
    /// Every group's value, for per-group measures (empty otherwise).
    pub groups: Vec<GroupOutcome>,
    /// Why the result is undefined, or which groups were skipped as undefined.
    pub note: Option<String>,
}

impl Criterion {
    /// Evaluates the criterion on `audit`; `baseline` is the baseline scenario's audit (only
    /// `accuracy_drop` uses it).
    ///
    /// A criterion with `at C%` uses the audit's intervals at that level, computed once per
    /// audit and level (remembered per thread, see `uncertainty_at`).
    pub fn evaluate(&self, audit: &Audit, baseline: Option<&Audit>) -> CriterionResult {
        let uncertainty = self.confidence.map(|c| uncertainty_at(audit, c));
        self.evaluate_with(audit, baseline, uncertainty.as_ref())
    }

    /// [`Criterion::evaluate`] with the audit's intervals at this criterion's level already
    /// computed (`None` for a criterion without `at`).
    fn evaluate_with(
        &self,
        audit: &Audit,
        baseline: Option<&Audit>,
        uncertainty: Option<&AuditUncertainty>,
    ) -> CriterionResult {
        let scalar = |value: Option<f64>, interval: Option<Interval>, undefined_note: String| {
            self.scalar_result(value, interval, undefined_note)
        };
        match self.measure {
            Measure::Summary(summary) => scalar(
                summary.value(&audit.summary),
                uncertainty.and_then(|u| u.summary_interval(summary.key())),
                format!("the audit leaves {} undefined", summary.key()),
            ),
            Measure::Difference(metric) => scalar(
                audit.metric_summary(metric).and_then(|s| s.difference),
                uncertainty.and_then(|u| u.difference_interval(metric)),
                format!("no group has a defined {}", metric.key()),
            ),
            Measure::Ratio(metric) => scalar(
                audit.metric_summary(metric).and_then(|s| s.ratio),
                uncertainty.and_then(|u| u.ratio_interval(metric)),
                format!(
                    "no group has a defined {}, or its largest value is 0",
                    metric.key()
                ),
            ),
            Measure::AccuracyDrop => match baseline {
                None => scalar(
                    None,
                    None,
                    "the session marks no scenario as the baseline".into(),
                ),
                Some(baseline) => {
                    let before = baseline.overall.values.get(Metric::Accuracy);
                    let after = audit.overall.values.get(Metric::Accuracy);
                    scalar(
                        before.zip(after).map(|(before, after)| before - after),
                        None,
                        "overall accuracy is undefined".into(),
                    )
                }
            },
            Measure::Disparity(metric) => {
                self.per_group_result(audit.groups.iter().enumerate().map(|(index, g)| {
                    (
                        g.key.as_str(),
                        g.disparity(metric),
                        uncertainty.and_then(|u| u.disparity_interval(index, metric)),
                    )
                }))
            }
            Measure::MinGroupCount => self.per_group_result(
                audit
                    .groups
                    .iter()
                    .map(|g| (g.key.as_str(), Some(g.weight), None)),
            ),
        }
    }

    /// The value the outcome is judged on: the point, or under `at C%` the interval's far end
    /// (`None` when either is undefined).
    fn judged(&self, value: Option<f64>, interval: Option<Interval>) -> Option<f64> {
        match self.confidence {
            None => value,
            Some(_) => value.and(interval).map(|i| self.condition.far_end(i)),
        }
    }

    fn outcome_of(&self, value: Option<f64>, interval: Option<Interval>) -> Outcome {
        match self.judged(value, interval) {
            Some(v) if self.condition.holds(v) => Outcome::Pass,
            Some(_) => Outcome::Fail,
            None => Outcome::Undefined,
        }
    }

    fn scalar_result(
        &self,
        value: Option<f64>,
        interval: Option<Interval>,
        undefined_note: String,
    ) -> CriterionResult {
        let outcome = self.outcome_of(value, interval);
        let note = match (value, self.judged(value, interval)) {
            (None, _) => Some(undefined_note),
            (Some(_), None) => Some(
                "no interval: the value is undefined in more than half of the resamples".into(),
            ),
            _ => None,
        };
        CriterionResult {
            criterion: *self,
            outcome,
            value,
            interval,
            worst_group: None,
            failing_groups: Vec::new(),
            groups: Vec::new(),
            note,
        }
    }

    fn per_group_result<'a>(
        &self,
        values: impl Iterator<Item = (&'a str, Option<f64>, Option<Interval>)>,
    ) -> CriterionResult {
        let groups: Vec<GroupOutcome> = values
            .map(|(key, value, interval)| GroupOutcome {
                key: key.to_owned(),
                value,
                interval: self.confidence.and(interval),
                outcome: self.outcome_of(value, interval),
            })
            .collect();
        let worst = groups
            .iter()
            .filter_map(|g| {
                self.judged(g.value, g.interval)
                    .map(|v| (g, self.condition.violation(v)))
            })
            .fold(
                None::<(&GroupOutcome, f64)>,
                |worst, (g, violation)| match worst {
                    Some((_, w)) if w >= violation => worst,
                    _ => Some((g, violation)),
                },
            )
            .map(|(g, _)| g);
        let failing_groups: Vec<String> = groups
            .iter()
            .filter(|g| g.outcome == Outcome::Fail)
            .map(|g| g.key.clone())
            .collect();
        let undefined: Vec<&str> = groups
            .iter()
            .filter(|g| g.outcome == Outcome::Undefined)
            .map(|g| g.key.as_str())
            .collect();
        let outcome = match (worst, failing_groups.is_empty()) {
            (None, _) => Outcome::Undefined,
            (Some(_), false) => Outcome::Fail,
            (Some(_), true) => Outcome::Pass,
        };
        let note = match (worst, undefined.is_empty()) {
            (None, _) => Some("no group has a defined value".to_owned()),
            (Some(_), false) => Some(format!("undefined for {}", undefined.join(", "))),
            (Some(_), true) => None,
        };
        CriterionResult {
            criterion: *self,
            outcome,
            value: worst.and_then(|g| g.value),
            interval: worst.and_then(|g| g.interval),
            worst_group: worst.map(|g| g.key.clone()),
            failing_groups,
            groups,
            note,
        }
    }
}

/// Evaluates every criterion on `audit` (with the baseline scenario's audit, if any).
pub fn evaluate_criteria(
    criteria: &[Criterion],
    audit: &Audit,
    baseline: Option<&Audit>,
) -> Vec<CriterionResult> {
    // Criteria at one level share its bootstrap through `uncertainty_at`'s memory.
    criteria
        .iter()
        .map(|c| c.evaluate(audit, baseline))
        .collect()
}

/// What an audit's intervals depend on: the level, the options and every group's key and counts.
#[derive(Clone, PartialEq)]
struct UncertaintyKey {
    confidence: f64,
    options: crate::engine::AuditOptions,
    groups: Vec<(String, crate::engine::ConfusionCounts)>,
}

/// How many audits' intervals [`uncertainty_at`] remembers per thread.
const REMEMBERED_UNCERTAINTIES: usize = 16;

thread_local! {
    /// The last intervals computed, newest last. The window re-evaluates the session's criteria
    /// on audits that mostly did not change (every scenario but the one being dragged); this
    /// keeps a bootstrap from running again for counts it has already seen.
    static REMEMBERED: std::cell::RefCell<Vec<(UncertaintyKey, AuditUncertainty)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The audit's bootstrap intervals at `confidence`, default resamples and seed (so a criterion
/// gives the same verdict every time it is checked). Deterministic, hence safe to remember.
fn uncertainty_at(audit: &Audit, confidence: f64) -> AuditUncertainty {
    let key = UncertaintyKey {
        confidence,
        options: audit.options.clone(),
        groups: audit
            .groups
            .iter()
            .map(|g| (g.key.clone(), g.counts))
            .collect(),
    };
    let remembered = REMEMBERED.with_borrow(|entries| {
        entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, u)| u.clone())
    });
    if let Some(uncertainty) = remembered {
        return uncertainty;
    }
    let uncertainty = audit_uncertainty(
        audit,
        &UncertaintySettings {
            confidence,
            ..UncertaintySettings::default()
        },
    );
    REMEMBERED.with_borrow_mut(|entries| {
        if entries.len() >= REMEMBERED_UNCERTAINTIES {
            entries.remove(0);
        }
        entries.push((key, uncertainty.clone()));
    });
    uncertainty
}

/// The overall outcome of several results: fail if any fails, else undefined if any is
/// undefined, else pass (also for no criteria at all).
pub fn overall_outcome(results: &[CriterionResult]) -> Outcome {
    if results.iter().any(|r| r.outcome == Outcome::Fail) {
        Outcome::Fail
    } else if results.iter().any(|r| r.outcome == Outcome::Undefined) {
        Outcome::Undefined
    } else {
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::{Group, GroupIndex, ScoreCurve};
    use crate::engine::{AuditOptions, audit};

    fn parse(text: &str) -> Criterion {
        text.parse().unwrap()
    }

    /// A has scores 1..4 with positives at 3 and 4; B has 1(+) 2(-) 3(+) and 4(-).
    fn index() -> GroupIndex {
        let a = ScoreCurve::from_sorted([
            (1.0, false, 1.0),
            (2.0, false, 1.0),
            (3.0, true, 1.0),
            (4.0, true, 1.0),
        ]);
        let b = ScoreCurve::from_sorted([
            (1.0, true, 1.0),
            (2.0, false, 1.0),
            (3.0, true, 1.0),
            (4.0, false, 1.0),
        ]);
        let group = |key: &str, curve| Group {
            key: key.into(),
            levels: vec![key.into()],
            curve,
        };
        GroupIndex::from_groups(vec!["g".into()], vec![group("A", a), group("B", b)])
    }

    fn audit_at(thresholds: &[f64]) -> Audit {
        let options = AuditOptions {
            reference: crate::engine::ReferenceChoice::Group("A".into()),
            ..AuditOptions::default()
        };
        audit(&index(), thresholds, &options).unwrap()
    }

    #[test]
    fn text_forms_round_trip() {
        for text in [
            "equal_opportunity_difference <= 0.05",
            "fpr_disparity within [0.8, 1.25]",
            "accuracy_drop < 0.01",
            "min_group_count >= 100",
            "disparate_impact > 0.8",
            "tpr_ratio == 1",
            "selection_rate_difference <= 0.1",
        ] {
            let criterion = parse(text);
            assert_eq!(criterion.to_string(), text);
            assert_eq!(parse(&criterion.to_string()), criterion);
        }
        assert_eq!(
            parse("  fpr_disparity   within[0.8,1.25] "),
            parse("fpr_disparity within [0.8, 1.25]")
        );
        assert_eq!(
            parse("tpr_difference ≤ 0.05"),
            parse("tpr_difference <= 0.05")
        );
        let json = serde_json::to_string(&parse("accuracy_drop <= 0.05")).unwrap();
        assert_eq!(json, "\"accuracy_drop <= 0.05\"");
        let back: Criterion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, parse("accuracy_drop <= 0.05"));
    }

    #[test]
    fn names_resolve_to_measures() {
        assert_eq!(
            parse("equal_opportunity_difference <= 0.05").measure,
            Measure::Summary(SummaryName::EqualOpportunityDifference)
        );
        assert_eq!(
            parse("tpr_difference <= 0.05").measure,
            Measure::Difference(Metric::Tpr)
        );
        assert_eq!(
            parse("for_ratio >= 0.5").measure,
            Measure::Ratio(Metric::For)
        );
        assert_eq!(
            parse("selected_share_disparity >= 0.5").measure,
            Measure::Disparity(Metric::SelectedShare)
        );
        assert_eq!(
            parse("accuracy_difference <= 0.1").measure,
            Measure::Difference(Metric::Accuracy)
        );
    }

    #[test]
    fn a_misspelled_name_is_pointed_at_with_a_suggestion() {
        let error = "equal_oportunity_difference <= 0.05"
            .parse::<Criterion>()
            .unwrap_err();
        assert_eq!(error.start, 0);
        assert_eq!(error.width, 27);
        assert_eq!(
            error.message,
            "unknown name `equal_oportunity_difference` (did you mean `equal_opportunity_difference`?)"
        );
        let text = error.to_string();
        assert!(
            text.contains(
                "\n    equal_oportunity_difference <= 0.05\n    ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("valid names: demographic_parity_difference"),
            "{text}"
        );
        assert!(text.contains("<metric>_disparity"), "{text}");
        assert!(text.contains("metrics: selection_rate, tpr"), "{text}");
    }

    #[test]
    fn bad_operators_numbers_and_ranges_are_pointed_at() {
        let error = |text: &str| text.parse::<Criterion>().unwrap_err();
        let e = error("tpr_difference => 0.05");
        assert_eq!((e.start, e.message.as_str()), (15, "expected an operator"));
        let e = error("tpr_difference <= abc");
        assert_eq!(e.start, 18);
        assert_eq!(e.message, "`abc` is not a finite number (a number)");
        let e = error("tpr_difference <= inf");
        assert!(e.message.contains("not a finite number"), "{}", e.message);
        let e = error("fpr_disparity within [1.25, 0.8]");
        assert_eq!(
            e.message,
            "the lower bound 1.25 is above the upper bound 0.8"
        );
        let e = error("fpr_disparity within 0.8, 1.25");
        assert_eq!(e.start, 21);
        assert!(e.message.starts_with("expected `[`"));
        let e = error("fpr_disparity within [0.8 1.25]");
        assert!(e.message.starts_with("expected `,`"), "{}", e.message);
        let e = error("tpr_difference <= 0.05 and more");
        assert_eq!((e.start, e.width), (23, 8));
        let e = error("tpr_difference");
        assert_eq!(e.message, "expected a condition after the name");
        let e = error("");
        assert_eq!(e.message, "expected a measure name first");
        assert!(e.one_line().contains("valid names:"));
    }

    #[test]
    fn summaries_pass_and_fail_on_the_audit_value() {
        // At 3 for both: A selects 3,4 (TP 2): TPR 1. B selects 3(+),4(-): TPR 1/2.
        let audit = audit_at(&[3.0, 3.0]);
        let result = parse("equal_opportunity_difference <= 0.5").evaluate(&audit, None);
        assert_eq!(result.outcome, Outcome::Pass);
        assert_eq!(result.value, Some(0.5));
        let result = parse("equal_opportunity_difference < 0.5").evaluate(&audit, None);
        assert_eq!(result.outcome, Outcome::Fail);
        assert!(result.failing_groups.is_empty());
        assert_eq!(
            parse("tpr_ratio >= 0.5").evaluate(&audit, None).value,
            Some(0.5)
        );
    }

    #[test]
    fn disparities_name_the_failing_groups() {
        // Reference A. FPR: A 0/2 = 0 → every FPR disparity is undefined (x / 0).
        let audit = audit_at(&[3.0, 1.0]);
        let fpr = parse("fpr_disparity within [0.8, 1.25]").evaluate(&audit, None);
        assert_eq!(fpr.outcome, Outcome::Undefined);
        assert_eq!(fpr.note.as_deref(), Some("no group has a defined value"));
        // Selection rate: A 2/4 = 0.5, B 4/4 = 1 → B's disparity is 2.
        let selection = parse("selection_rate_disparity within [0.8, 1.25]").evaluate(&audit, None);
        assert_eq!(selection.outcome, Outcome::Fail);
        assert_eq!(selection.failing_groups, ["B"]);
        assert_eq!(selection.worst_group.as_deref(), Some("B"));
        assert_eq!(selection.value, Some(2.0));
        assert_eq!(selection.groups[0].value, Some(1.0));
        assert_eq!(selection.groups[0].outcome, Outcome::Pass);
        assert_eq!(
            parse("selection_rate_disparity <= 2")
                .evaluate(&audit, None)
                .outcome,
            Outcome::Pass
        );
    }

    #[test]
    fn min_group_count_checks_every_group_weight() {
        let audit = audit_at(&[3.0, 3.0]);
        let result = parse("min_group_count >= 5").evaluate(&audit, None);
        assert_eq!(result.outcome, Outcome::Fail);
        assert_eq!(result.failing_groups, ["A", "B"]);
        assert_eq!(result.value, Some(4.0));
        assert_eq!(
            parse("min_group_count >= 4").evaluate(&audit, None).outcome,
            Outcome::Pass
        );
    }

    #[test]
    fn accuracy_drop_compares_with_the_baseline() {
        // Baseline at 3/3: A correct 4, B correct 2 (3+ selected, 4- selected wrongly, 1+
        // rejected wrongly, 2- rejected) → 6/8. Nobody selected: A 2, B 2 correct → 4/8.
        let baseline = audit_at(&[3.0, 3.0]);
        let nobody = audit_at(&[f64::INFINITY, f64::INFINITY]);
        let result = parse("accuracy_drop <= 0.2").evaluate(&nobody, Some(&baseline));
        assert_eq!(result.value, Some(0.25));
        assert_eq!(result.outcome, Outcome::Fail);
        let undefined = parse("accuracy_drop <= 0.2").evaluate(&nobody, None);
        assert_eq!(undefined.outcome, Outcome::Undefined);
        assert_eq!(
            undefined.note.as_deref(),
            Some("the session marks no scenario as the baseline")
        );
    }

    #[test]
    fn overall_outcome_is_the_worst() {
        let audit = audit_at(&[3.0, 3.0]);
        let results = evaluate_criteria(
            &[parse("min_group_count >= 1"), parse("accuracy_drop <= 0.1")],
            &audit,
            None,
        );
        assert_eq!(overall_outcome(&results), Outcome::Undefined);
        assert_eq!(overall_outcome(&results[..1]), Outcome::Pass);
        let failing = evaluate_criteria(&[parse("min_group_count >= 100")], &audit, None);
        assert_eq!(overall_outcome(&failing), Outcome::Fail);
    }

    /// The groups of `index()` with every row weighing 100 (frequency weights: 400 cases each).
    fn heavy_audit() -> Audit {
        let curve =
            |rows: [(f64, bool); 4]| ScoreCurve::from_sorted(rows.map(|(s, y)| (s, y, 100.0)));
        let group = |key: &str, curve| Group {
            key: key.into(),
            levels: vec![key.into()],
            curve,
        };
        let index = GroupIndex::from_groups(
            vec!["g".into()],
            vec![
                group(
                    "A",
                    curve([(1.0, false), (2.0, false), (3.0, true), (4.0, true)]),
                ),
                group(
                    "B",
                    curve([(1.0, true), (2.0, false), (3.0, true), (4.0, false)]),
                ),
            ],
        );
        audit(&index, &[3.0, 3.0], &AuditOptions::default()).unwrap()
    }

    #[test]
    fn at_a_confidence_level_parses_prints_and_is_refused_where_meaningless() {
        let criterion = parse("equal_opportunity_difference <= 0.03 at 95%");
        assert_eq!(criterion.confidence, Some(0.95));
        assert_eq!(
            criterion.to_string(),
            "equal_opportunity_difference <= 0.03 at 95%"
        );
        assert_eq!(parse(&criterion.to_string()), criterion);
        assert_eq!(
            parse("selection_rate_disparity within [0.8, 1.25] at 99.5%").confidence,
            Some(0.995)
        );
        for (text, message) in [
            ("tpr_difference == 0.1 at 95%", "`==` cannot hold"),
            ("min_group_count >= 5 at 95%", "a count has no interval"),
            (
                "accuracy_drop <= 0.1 at 95%",
                "accuracy_drop has no interval",
            ),
            ("tpr_difference <= 0.1 at 120%", "not between 50% and 100%"),
            ("tpr_difference <= 0.1 at 95", "expected `%`"),
            ("tpr_difference <= 0.1 at", "a confidence level in percent"),
        ] {
            let error = text.parse::<Criterion>().unwrap_err();
            assert!(error.message.contains(message), "{text}: {}", error.message);
        }
    }

    #[test]
    fn at_a_confidence_level_the_far_end_of_the_interval_decides() {
        let audit = heavy_audit();
        // TPR: A 200/200 = 1, B 100/200 = 0.5, so the difference is 0.5; B's TPR is uncertain
        // by about ±0.07, A's is 1 in every resample.
        let point = parse("equal_opportunity_difference <= 0.55").evaluate(&audit, None);
        assert_eq!(point.outcome, Outcome::Pass);
        assert_eq!(point.interval, None);
        let tight = parse("equal_opportunity_difference <= 0.55 at 95%").evaluate(&audit, None);
        let interval = tight.interval.unwrap();
        assert_eq!(tight.value, Some(0.5));
        assert!(interval.low < 0.5 && 0.55 < interval.high, "{interval:?}");
        assert_eq!(tight.outcome, Outcome::Fail, "the upper end is above 0.55");
        let loose = parse("equal_opportunity_difference <= 0.7 at 95%").evaluate(&audit, None);
        assert_eq!(loose.outcome, Outcome::Pass);
        // `>=` is judged on the lower end: the ratio is 0.5 and its interval reaches below 0.45.
        assert_eq!(
            parse("tpr_ratio >= 0.45").evaluate(&audit, None).outcome,
            Outcome::Pass
        );
        assert_eq!(
            parse("tpr_ratio >= 0.45 at 95%")
                .evaluate(&audit, None)
                .outcome,
            Outcome::Fail
        );
        // Per group: both select half, disparity 1; B's interval is about ±0.14 around it.
        let narrow = "selection_rate_disparity within [0.95, 1.05]";
        assert_eq!(parse(narrow).evaluate(&audit, None).outcome, Outcome::Pass);
        let narrow = parse(&format!("{narrow} at 95%")).evaluate(&audit, None);
        assert_eq!(narrow.outcome, Outcome::Fail);
        assert_eq!(narrow.failing_groups, vec!["B".to_owned()]);
        assert!(narrow.groups[1].interval.is_some());
        let wide =
            parse("selection_rate_disparity within [0.7, 1.4] at 95%").evaluate(&audit, None);
        assert_eq!(wide.outcome, Outcome::Pass);
        // evaluate_criteria gives the same answers as one criterion at a time.
        let criteria = [
            parse("equal_opportunity_difference <= 0.55 at 95%"),
            parse("tpr_ratio >= 0.45 at 95%"),
            parse("tpr_ratio >= 0.45 at 90%"),
        ];
        let shared = evaluate_criteria(&criteria, &audit, None);
        for (criterion, result) in criteria.iter().zip(&shared) {
            assert_eq!(*result, criterion.evaluate(&audit, None));
        }
        // A 90% interval is inside the 95% one.
        let (i90, i95) = (shared[2].interval.unwrap(), shared[1].interval.unwrap());
        assert!(i95.low < i90.low && i90.high < i95.high);
    }
}
