//! The JSON documents the CLI prints, as types: the machine contract CI pipelines read.
//!
//! The printers build their JSON as values (their fields are assembled from several rooms);
//! these types say what a consumer may rely on, and the JSON Schemas in `schemas/` are
//! generated from them (`fulcrum schema NAME`). Tests read real outputs of every command and
//! variant back into these types with unknown fields refused (`tests/cli.rs`), so a field added,
//! renamed or dropped in a printer fails until the type — and so the schema — says so; and the
//! committed schemas must equal what the types generate.
//!
//! Numbers that may be undefined (0/0, a group without positives) are `null`; an interval is
//! `[low, high]`, or `null` when undefined. Every document starts with `schema_version`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A number that is `null` when undefined.
pub type Number = Option<f64>;

/// An interval `[low, high]` at the stated confidence, `null` when undefined (an end is `null`
/// only when it is not finite).
pub type Interval = Option<[Option<f64>; 2]>;

/// A threshold: a number, or `"inf"` / `"-inf"` (nobody / everybody selected).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Threshold {
    /// A finite threshold.
    Value(f64),
    /// `"inf"` or `"-inf"`.
    Infinite(String),
}

/// Thresholds by group key (` × ` between an intersection's values), with an optional
/// `"default"` for groups not named.
pub type Thresholds = BTreeMap<String, Threshold>;

/// The documents Fulcrum prints, by the name `fulcrum schema NAME` takes, with each one's
/// JSON Schema.
pub fn schemas() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        ("audit", schemars::schema_for!(AuditDocument)),
        ("optimize", schemars::schema_for!(OptimizeDocument)),
        ("frontier", schemars::schema_for!(FrontierDocument)),
        ("check", schemars::schema_for!(CheckDocument)),
        ("report", schemars::schema_for!(ReportDocument)),
    ]
}

/// `fulcrum audit --format json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditDocument {
    /// The version of this document's shape (1).
    pub schema_version: u32,
    /// Every group, in key order.
    pub groups: Vec<GroupRow>,
    /// All rows together (`key` = "Overall").
    pub overall: GroupRow,
    /// The named summaries (`demographic_parity_difference`, …, `four_fifths_pass`,
    /// `calibration_difference`).
    pub summary: BTreeMap<String, SummaryValue>,
    /// An interval for every numeric summary.
    pub summary_intervals: BTreeMap<String, Interval>,
    /// Per metric: the spread across groups.
    pub by_metric: BTreeMap<String, MetricSpread>,
    /// Adverse impact against the most selected group (EEOC four-fifths rule, significance).
    pub adverse_impact: AdverseImpact,
    /// What produced the audit.
    pub settings: AuditSettings,
    /// With several models: each model's audit (the document's own numbers are the first's).
    #[serde(default)]
    pub models: Option<Vec<ModelAudit>>,
    /// With `--compare`: the models side by side with their differences.
    #[serde(default)]
    pub comparison: Option<ModelComparison>,
}

/// A summary value: a number (`null` when undefined) or a pass/fail.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SummaryValue {
    /// A difference, ratio or disparate impact.
    Number(Number),
    /// `four_fifths_pass`.
    Pass(bool),
}

/// One group's (or the overall row's) counts, rates and comparisons.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRow {
    /// The group key: its attribute values joined with ` × ` ("Overall" for all rows).
    pub key: String,
    /// Attribute → value (empty for the overall row).
    pub attributes: BTreeMap<String, String>,
    /// The group's threshold (`null` for the overall row of per-group thresholds).
    pub threshold: Option<Threshold>,
    /// Rows in the group.
    pub count: f64,
    /// Summed frequency weight (= count when unweighted).
    pub weight: f64,
    /// The group's share of all weight.
    pub share: Number,
    /// Weighted true positives.
    pub tp: f64,
    /// Weighted false positives.
    pub fp: f64,
    /// Weighted true negatives.
    pub tn: f64,
    /// Weighted false negatives.
    #[serde(rename = "fn")]
    pub fn_: f64,
    /// Selected ÷ all (0/0 → null).
    pub selection_rate: Number,
    /// True positive rate.
    pub tpr: Number,
    /// False positive rate.
    pub fpr: Number,
    /// True negative rate.
    pub tnr: Number,
    /// False negative rate.
    pub fnr: Number,
    /// Precision (positive predictive value).
    pub precision: Number,
    /// Negative predictive value.
    pub npv: Number,
    /// False discovery rate.
    pub fdr: Number,
    /// False omission rate.
    #[serde(rename = "for")]
    pub for_: Number,
    /// Accuracy.
    pub accuracy: Number,
    /// Mean of TPR and TNR.
    pub balanced_accuracy: Number,
    /// F1 score.
    pub f1: Number,
    /// Positives ÷ all.
    pub base_rate: Number,
    /// The group's share of everyone selected.
    pub selected_share: Number,
    /// FN ÷ FP.
    pub treatment_equality: Number,
    /// Intervals of the rates (Wilson), when computed.
    #[serde(default)]
    pub intervals: Option<BTreeMap<String, Interval>>,
    /// Whether the group is lighter than the minimum count.
    pub small: bool,
    /// The rates whose denominator is lighter than the minimum count.
    pub small_denominators: Vec<String>,
    /// Each metric ÷ the reference group's (groups only).
    #[serde(default)]
    pub disparities: Option<BTreeMap<String, Number>>,
    /// Whether each disparity is within the convention's parity band (groups only).
    #[serde(default)]
    pub parity: Option<BTreeMap<String, Option<bool>>>,
    /// Expected calibration error (scores in [0, 1]; `null` otherwise).
    #[serde(default)]
    pub ece: Number,
    /// Intervals of the disparities (groups only).
    #[serde(default)]
    pub disparity_intervals: Option<BTreeMap<String, Interval>>,
    /// p-values against the reference for selection rate, TPR and FPR (groups only).
    #[serde(default)]
    pub p_values: Option<BTreeMap<String, Number>>,
    /// The metrics whose difference from the reference is significant (groups only).
    #[serde(default)]
    pub significant: Option<Vec<String>>,
    /// Selections needed to reach four-fifths of the reference's selection rate (groups only).
    #[serde(default)]
    pub shortfall: Number,
}

/// One metric's spread across groups.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpread {
    /// Largest minus smallest group value.
    pub difference: Number,
    /// Its interval.
    pub difference_interval: Interval,
    /// Smallest ÷ largest group value.
    pub ratio: Number,
    /// Its interval.
    pub ratio_interval: Interval,
    /// The group with the largest value.
    pub max_group: Option<String>,
    /// The group with the smallest value.
    pub min_group: Option<String>,
    /// The reference group of the disparities.
    pub reference_group: Option<String>,
}

/// Adverse impact against the group with the highest selection rate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdverseImpact {
    /// The most selected group.
    pub highest_group: Option<String>,
    /// The significance level of the tests.
    pub significance_level: f64,
    /// Every group.
    pub groups: Vec<AdverseImpactGroup>,
}

/// One group's adverse-impact finding.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdverseImpactGroup {
    /// The group key.
    pub key: String,
    /// Weighted selections.
    pub selected: f64,
    /// Weighted total.
    pub total: f64,
    /// Selected ÷ total.
    pub selection_rate: Number,
    /// Selection rate ÷ the highest group's.
    pub impact_ratio: Number,
    /// Whether the impact ratio is at least 0.8 (`null` when no group selects anyone).
    pub four_fifths_pass: Option<bool>,
    /// The test's p-value against the highest group.
    pub p_value: Number,
    /// `fisher_exact` or `two_proportion_z`.
    pub test: Option<String>,
    /// Whether p < the significance level.
    pub significant: bool,
    /// Selections needed to reach four-fifths.
    pub shortfall: Number,
}

/// What produced an audit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// The data file.
    pub file: String,
    /// The score column.
    pub score: String,
    /// The label column.
    pub label: String,
    /// The label value counted as positive.
    pub positive: String,
    /// Grouping attributes, in key order.
    pub groups: Vec<String>,
    /// Binning per numeric attribute.
    pub bins: BTreeMap<String, String>,
    /// The weight column.
    pub weight: Option<String>,
    /// The thresholds as given.
    pub thresholds: Thresholds,
    /// `ge` or `gt`.
    pub rule: String,
    /// `native`, `fairlearn` or `aequitas`.
    pub convention: String,
    /// `largest`, `min` or a group key.
    pub reference: String,
    /// Groups lighter than this are flagged small.
    pub min_count: f64,
    /// Rows in the file.
    pub rows_read: u64,
    /// Rows dropped as invalid.
    pub rows_dropped: u64,
    /// The scores' rounding, when the score column records one.
    pub score_rounding: Option<ScoreRounding>,
    /// The confidence of every interval.
    pub confidence: f64,
    /// The Fulcrum version that printed it.
    pub fulcrum_version: String,
    /// How calibration error was binned (`fulcrum audit`; the report's audits compute no
    /// calibration error and leave it out).
    #[serde(default)]
    pub calibration: Option<CalibrationSettings>,
    /// How intervals of across-group numbers were computed.
    pub interval_method: String,
    /// Bootstrap resamples.
    pub resamples: u64,
    /// The resampling seed.
    pub seed: u64,
    /// Whether intervals are simultaneous across groups (Bonferroni).
    pub simultaneous: bool,
    /// The significance level of the tests (1 − confidence).
    pub significance_level: f64,
}

/// A score column's declared rounding (`score_rounded_3`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRounding {
    /// Decimals kept.
    pub decimals: u32,
    /// The largest shift of a threshold on the raw scores.
    pub max_threshold_shift: f64,
    /// The sentence shown to users.
    pub note: String,
}

/// How calibration error was binned.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSettings {
    /// `equal_width` or `equal_mass`.
    pub strategy: String,
    /// Bins.
    pub bins: u32,
}

/// One model's audit within a several-model audit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelAudit {
    /// The model's display name.
    pub name: String,
    /// Its score column.
    pub score: String,
    /// As in the audit.
    pub groups: Vec<GroupRow>,
    /// As in the audit.
    pub overall: GroupRow,
    /// As in the audit.
    pub summary: BTreeMap<String, SummaryValue>,
    /// As in the audit.
    pub summary_intervals: BTreeMap<String, Interval>,
    /// As in the audit.
    pub by_metric: BTreeMap<String, MetricSpread>,
    /// As in the audit.
    pub adverse_impact: AdverseImpact,
}

/// Several models side by side.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelComparison {
    /// The model differences are taken from.
    pub reference_model: String,
    /// The metrics compared.
    pub metrics: Vec<String>,
    /// Per group.
    pub groups: Vec<ComparedGroup>,
    /// All rows.
    pub overall: ComparedGroup,
    /// Per summary: each model's value and difference.
    pub summary: BTreeMap<String, ComparedValues>,
}

/// One group's metrics for every model.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparedGroup {
    /// The group key.
    pub key: String,
    /// Per metric.
    pub metrics: BTreeMap<String, ComparedValues>,
}

/// One number for every model, and each model's difference from the reference model.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparedValues {
    /// Model name → value.
    pub values: BTreeMap<String, Number>,
    /// Model name → value − the reference model's.
    pub differences: BTreeMap<String, Number>,
}

/// `fulcrum optimize --format json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimizeDocument {
    /// The version of this document's shape (1).
    pub schema_version: u32,
    /// The thresholds found, by group key.
    pub thresholds: Thresholds,
    /// The objective's value (accuracy, or minus the cost).
    pub objective: f64,
    /// `accuracy` or `cost`.
    pub objective_kind: String,
    /// The cost of a false positive (`cost` objective).
    pub fp_cost: Number,
    /// The cost of a false negative (`cost` objective).
    pub fn_cost: Number,
    /// Accuracy at the thresholds.
    pub accuracy: f64,
    /// The constrained gap.
    pub gap: Number,
    /// Its interval.
    pub gap_interval: Interval,
    /// The constraint's name.
    pub constraint: String,
    /// The tolerance (`null` for constraints without a gap).
    pub tolerance: Number,
    /// The capacity as given.
    pub capacity: Option<String>,
    /// The capacity in weight.
    pub capacity_limit: Number,
    /// Weighted selections.
    pub selected: f64,
    /// What is guaranteed.
    pub guarantee: Guarantee,
    /// With `--confidence`: the robust choice.
    pub robust: Option<Robust>,
    /// `ge` or `gt`.
    pub rule: String,
    /// The audit of the fit rows at the thresholds.
    pub groups: Vec<GroupRow>,
    /// As in the audit.
    pub overall: GroupRow,
    /// As in the audit.
    pub summary: BTreeMap<String, SummaryValue>,
    /// As in the audit.
    pub summary_intervals: BTreeMap<String, Interval>,
    /// As in the audit.
    pub settings: AuditSettings,
    /// With `--choose-model`: the chosen model.
    #[serde(default)]
    pub model: Option<String>,
    /// With `--choose-model`: every model's optimum.
    #[serde(default)]
    pub models: Option<Vec<ModelCandidate>>,
    /// With `--holdout` / `--evaluate-on`: the fit rows' numbers.
    #[serde(default)]
    pub fit: Option<Fit>,
    /// With `--holdout` / `--evaluate-on`: the numbers on the rows the thresholds were not
    /// tuned on.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
}

/// What an optimum guarantees.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    /// `exact` or `bounded`.
    pub kind: String,
    /// `bounded`: the bound on the objective's shortfall.
    #[serde(default)]
    pub bound: Number,
    /// `bounded`: the shortfall.
    #[serde(default)]
    pub shortfall: Number,
}

/// Robust thresholds (`--confidence`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Robust {
    /// The confidence.
    pub confidence: f64,
    /// The tolerance the chosen thresholds were fitted at.
    pub fitted_tolerance: f64,
    /// The chosen thresholds' gap interval.
    pub gap_interval: Interval,
    /// Candidates tried.
    pub candidates: u64,
    /// What is guaranteed, in words.
    pub guarantee: String,
}

/// One model's optimum under `--choose-model`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelCandidate {
    /// The model's name.
    pub name: String,
    /// Its score column.
    pub score: String,
    /// Whether the constraint can be met.
    pub feasible: bool,
    /// Whether this model was chosen.
    pub chosen: bool,
    /// Feasible: the objective.
    #[serde(default)]
    pub objective: Number,
    /// Feasible: accuracy.
    #[serde(default)]
    pub accuracy: Number,
    /// Feasible: the gap.
    #[serde(default)]
    pub gap: Number,
    /// Feasible: weighted selections.
    #[serde(default)]
    pub selected: Number,
    /// Feasible: thresholds by group key.
    #[serde(default)]
    pub thresholds: Option<Thresholds>,
    /// Not feasible: why.
    #[serde(default)]
    pub problem: Option<String>,
    /// With `--holdout` or `--evaluate-on`: this model's optimum judged on the evaluation rows.
    #[serde(default)]
    pub evaluation: Option<CandidateEvaluation>,
}

/// A model's thresholds (fitted on the fit rows) judged on the evaluation rows: an optimum under
/// `--choose-model`, an envelope point of a frontier across models.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateEvaluation {
    /// The objective there.
    pub objective: Number,
    /// Accuracy there.
    pub accuracy: Number,
    /// The constraint's gap there.
    pub gap: Number,
    /// Its interval.
    pub gap_interval: Interval,
}

/// The fit rows' numbers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fit {
    /// Fit rows.
    pub rows: u64,
    /// The objective on them.
    pub objective: f64,
    /// Accuracy on them.
    pub accuracy: f64,
    /// The gap on them.
    pub gap: Number,
    /// Their groups, as in the audit.
    pub groups: Vec<GroupRow>,
}

/// Where evaluation rows come from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// `holdout` or the file.
    pub source: String,
    /// In words.
    pub description: String,
    /// With `--holdout`: the fraction held out.
    pub holdout_fraction: Number,
    /// With `--holdout`: the split's seed.
    pub split_seed: Option<u64>,
    /// Evaluation rows.
    pub rows: u64,
    /// Groups of the fit rows absent from the evaluation rows.
    pub absent_groups: Vec<String>,
    /// The objective on them (optimize).
    #[serde(default)]
    pub objective: Number,
    /// Accuracy on them (optimize).
    #[serde(default)]
    pub accuracy: Number,
    /// The gap on them (optimize).
    #[serde(default)]
    pub gap: Number,
    /// Its interval (optimize).
    #[serde(default)]
    pub gap_interval: Interval,
    /// Their groups, as in the audit (optimize).
    #[serde(default)]
    pub groups: Option<Vec<GroupRow>>,
    /// As in the audit (optimize).
    #[serde(default)]
    pub overall: Option<GroupRow>,
    /// As in the audit (optimize).
    #[serde(default)]
    pub summary: Option<BTreeMap<String, SummaryValue>>,
    /// As in the audit (optimize).
    #[serde(default)]
    pub summary_intervals: Option<BTreeMap<String, Interval>>,
    /// Every frontier point's thresholds on the evaluation rows (frontier).
    #[serde(default)]
    pub points: Option<Vec<EvaluatedPoint>>,
}

/// A frontier point's thresholds evaluated on other rows.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluatedPoint {
    /// The tolerance they were fitted at.
    pub tolerance: f64,
    /// The objective on the evaluation rows.
    pub objective: Number,
    /// Accuracy there.
    pub accuracy: Number,
    /// The gap there.
    pub gap: Number,
    /// Its interval.
    pub gap_interval: Interval,
}

/// `fulcrum frontier --format json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontierDocument {
    /// The version of this document's shape (1).
    pub schema_version: u32,
    /// The constraint's name.
    pub constraint: String,
    /// `accuracy` or `cost`.
    pub objective_kind: String,
    /// The cost of a false positive.
    pub fp_cost: Number,
    /// The cost of a false negative.
    pub fn_cost: Number,
    /// `ge` or `gt`.
    pub rule: String,
    /// One model: the gap with no constraint.
    #[serde(default)]
    pub unconstrained_gap: Number,
    /// One model: the exact optimum at each tolerance.
    #[serde(default)]
    pub points: Option<Vec<FrontierPoint>>,
    /// One model: a single threshold for everyone, swept.
    #[serde(default)]
    pub single_threshold: Option<Vec<SingleThresholdPoint>>,
    /// One model: randomized thresholds' objective at each tolerance.
    #[serde(default)]
    pub randomized: Option<Vec<RandomizedPoint>>,
    /// When the score column records a rounding.
    #[serde(default)]
    pub score_rounding: Option<ScoreRounding>,
    /// With `--folds`: the out-of-fold curve.
    #[serde(default)]
    pub cross_validated: Option<Vec<CrossValidatedPoint>>,
    /// With `--folds`: how.
    #[serde(default)]
    pub cross_validation: Option<CrossValidation>,
    /// With `--holdout` / `--evaluate-on`: each point on the other rows.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// Several models: the shared grid of tolerances.
    #[serde(default)]
    pub tolerances: Option<Vec<f64>>,
    /// Several models: each model's frontier.
    #[serde(default)]
    pub models: Option<Vec<ModelFrontier>>,
    /// Several models: the best model and thresholds at each tolerance.
    #[serde(default)]
    pub envelope: Option<Vec<EnvelopePoint>>,
}

/// The exact optimum at one tolerance.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontierPoint {
    /// The tolerance.
    pub tolerance: f64,
    /// The objective.
    pub objective: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// The gap reached.
    pub gap: Number,
    /// Weighted selections.
    pub selected: f64,
    /// What is guaranteed.
    pub guarantee: Guarantee,
    /// Thresholds by group key.
    pub thresholds: Thresholds,
}

/// One threshold for everyone.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SingleThresholdPoint {
    /// The threshold.
    pub threshold: Threshold,
    /// The objective.
    pub objective: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// The gap.
    pub gap: Number,
}

/// Randomized thresholds' objective.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomizedPoint {
    /// The tolerance.
    pub tolerance: f64,
    /// The objective.
    pub objective: f64,
}

/// The out-of-fold objective and gap at one tolerance.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossValidatedPoint {
    /// The tolerance.
    pub tolerance: f64,
    /// Folds that gave a value.
    pub folds: u32,
    /// Mean out-of-fold objective.
    pub objective: Number,
    /// Its Student's t interval.
    pub objective_interval: Interval,
    /// Mean out-of-fold gap.
    pub gap: Number,
    /// Its interval.
    pub gap_interval: Interval,
    /// Each fold's objective.
    pub fold_objectives: Vec<Number>,
    /// Each fold's gap.
    pub fold_gaps: Vec<Number>,
}

/// How the frontier was cross-validated.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossValidation {
    /// Folds.
    pub folds: u32,
    /// The folds' seed.
    pub seed: u64,
    /// The intervals' confidence.
    pub confidence: f64,
    /// How the intervals were computed.
    pub interval_method: String,
}

/// One model's frontier among several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelFrontier {
    /// The model's name.
    pub name: String,
    /// Its score column.
    pub score: String,
    /// Its unconstrained gap.
    pub unconstrained_gap: Number,
    /// Its exact optima on the shared grid.
    pub points: Vec<FrontierPoint>,
    /// Its single-threshold curve.
    pub single_threshold: Vec<SingleThresholdPoint>,
    /// Its randomized curve.
    pub randomized: Vec<RandomizedPoint>,
    /// With `--holdout` or `--evaluate-on`: its points' thresholds on the evaluation rows.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// With `--folds`: the protocol of its cross-validation (the same folds for every model).
    #[serde(default)]
    pub cross_validation: Option<CrossValidation>,
    /// With `--folds`: its out-of-fold objective and gap at each shared tolerance.
    #[serde(default)]
    pub cross_validated: Option<Vec<CrossValidatedPoint>>,
}

/// The best model and thresholds at one tolerance.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopePoint {
    /// The tolerance.
    pub tolerance: f64,
    /// The objective.
    pub objective: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// The gap.
    pub gap: Number,
    /// Weighted selections.
    pub selected: f64,
    /// The best model's name.
    pub model: String,
    /// Its score column.
    pub score: String,
    /// Its thresholds by group key.
    pub thresholds: Thresholds,
    /// With `--holdout` or `--evaluate-on`: these thresholds on the evaluation rows.
    #[serde(default)]
    pub evaluation: Option<CandidateEvaluation>,
}

/// `fulcrum check --format json`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDocument {
    /// The version of this document's shape (1).
    pub schema_version: u32,
    /// The session's title.
    pub title: String,
    /// `pass`, `fail` or `undefined`.
    pub outcome: String,
    /// Whether every criterion passed and every recorded group is present.
    pub passed: bool,
    /// Recorded groups missing from the data.
    pub absent_groups: Vec<String>,
    /// Groups in the data that the session did not record.
    pub new_groups: Vec<String>,
    /// The data checked.
    pub data: CheckedData,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The evaluation protocol: which rows the criteria were judged on.
    pub evaluation: CheckProtocol,
    /// Each criterion, judged on the evaluation rows.
    pub criteria: Vec<CriterionResult>,
    /// With an evaluation split: the criteria on the fit rows.
    pub fit_criteria: Option<Vec<CriterionResult>>,
    /// The named summaries at the decision.
    pub summary: BTreeMap<String, SummaryValue>,
    /// Overall accuracy at the decision.
    pub overall_accuracy: Number,
    /// With `--data NEW`: what changed since the recorded data.
    pub drift: Option<Drift>,
    /// The use context and what it flags.
    pub context: CheckContext,
    /// Sessions comparing models: the decision's model.
    #[serde(default)]
    pub model: Option<String>,
    /// Sessions comparing models: every model.
    #[serde(default)]
    pub models: Option<Vec<ModelName>>,
}

/// A model's name and score column.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelName {
    /// The name.
    pub name: String,
    /// The score column.
    pub score: String,
}

/// The data a check read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckedData {
    /// The file.
    pub path: String,
    /// Its SHA-256 now.
    pub sha256: String,
    /// The SHA-256 the session recorded.
    pub sha256_recorded: String,
    /// Whether they are equal.
    pub matches_session: bool,
    /// Rows read.
    pub rows_read: u64,
    /// Rows dropped as invalid.
    pub rows_dropped: u64,
}

/// Which rows the criteria were judged on. With an evaluation split every field is there;
/// without one only `judged_on`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckProtocol {
    /// `evaluation_rows` (a split), `fit_rows` (the rows the thresholds were chosen on) or
    /// `other_data` (a monitoring run on new data).
    pub judged_on: String,
    /// Split: `holdout` or `file`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Split: in words.
    #[serde(default)]
    pub description: Option<String>,
    /// Holdout: the fraction.
    #[serde(default)]
    pub holdout_fraction: Number,
    /// Holdout: the seed.
    #[serde(default)]
    pub split_seed: Option<u64>,
    /// File: its path.
    #[serde(default)]
    pub file: Option<String>,
    /// Split: fit rows.
    #[serde(default)]
    pub fit_rows: Option<u64>,
    /// Split: evaluation rows.
    #[serde(default)]
    pub evaluation_rows: Option<u64>,
}

/// One criterion's result.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionResult {
    /// The criterion as written.
    pub criterion: String,
    /// `pass`, `fail` or `undefined`.
    pub outcome: String,
    /// The value judged.
    pub value: Number,
    /// Its interval (`at C%` criteria).
    pub interval: Interval,
    /// Per-group criteria: the worst group.
    pub worst_group: Option<String>,
    /// Per-group criteria: the failing groups.
    pub failing_groups: Vec<String>,
    /// Per-group criteria: every group's value.
    pub groups: Vec<CriterionGroup>,
    /// Why a value is undefined, or other context.
    pub note: Option<String>,
}

/// One group's value under a per-group criterion.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionGroup {
    /// The group key.
    pub key: String,
    /// Its value.
    pub value: Number,
    /// Its interval.
    pub interval: Interval,
    /// `pass`, `fail` or `undefined`.
    pub outcome: String,
}

/// What changed between the recorded data and new data.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Drift {
    /// Per group.
    pub groups: Vec<GroupDrift>,
    /// All rows.
    pub overall: GroupDrift,
}

/// One group's drift.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDrift {
    /// The group key.
    pub key: String,
    /// Weight in the recorded data (`null`: the group is not in it).
    pub weight_before: Number,
    /// Weight in the new data (`null`: the group is not in it).
    pub weight_after: Number,
    /// Metric → value in the recorded data.
    pub before: BTreeMap<String, Number>,
    /// Metric → value in the new data.
    pub after: BTreeMap<String, Number>,
    /// Metric → after − before.
    pub delta: BTreeMap<String, Number>,
    /// Metric → the change's Newcombe interval.
    pub delta_interval: BTreeMap<String, Interval>,
    /// Metric → whether the interval excludes 0.
    pub changed: BTreeMap<String, bool>,
}

/// The use context in a check.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckContext {
    /// `employment`, `credit`, `insurance`, `health`, `other` or `null`.
    #[serde(rename = "use")]
    pub use_: Option<String>,
    /// The factual note for the context.
    pub note: String,
    /// Whether the decision's thresholds differ between groups.
    pub thresholds_differ: bool,
    /// Whether that is flagged (employment).
    pub flagged: bool,
    /// The flag's warning.
    pub warning: Option<String>,
    /// The single-threshold alternative's numbers beside the decision's.
    pub single_threshold: Option<SingleThresholdAlternative>,
}

/// The single-threshold alternative.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SingleThresholdAlternative {
    /// The single threshold.
    pub threshold: Threshold,
    /// Metric → the decision's value.
    pub decision: BTreeMap<String, Number>,
    /// Metric → the single threshold's value.
    pub single: BTreeMap<String, Number>,
}

/// `fulcrum report SESSION --format json`: the sign-off report as data.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDocument {
    /// The version of this document's shape (1).
    pub schema_version: u32,
    /// The Fulcrum version that wrote it.
    pub fulcrum_version: String,
    /// The schema version the session needs (2, or 3 when it compares models).
    pub session_schema_version: u32,
    /// SHA-256 of the session's signed content (what a sign-off's `content_sha256` covers).
    pub session_sha256: String,
    /// The session's title.
    pub title: String,
    /// `pass`, `fail` or `undefined`: the decision's criteria.
    pub outcome: String,
    /// The data the report was computed on.
    pub data: ReportData,
    /// Warnings about the evaluation.
    pub warnings: Vec<String>,
    /// Which rows the criteria were judged on.
    pub evaluation: CheckProtocol,
    /// With an evaluation split: the decision on the fit rows.
    pub fit: Option<ReportFit>,
    /// The decision: its thresholds, criteria and audit.
    pub decision: ReportEntry,
    /// The alternatives considered.
    pub scenarios: Vec<ReportEntry>,
    /// The exact frontier of the decision's constraint, when one was computed.
    pub frontier: Option<ReportFrontier>,
    /// Why no frontier was drawn, when none was.
    pub frontier_note: Option<String>,
    /// The rationale, in the team's words.
    pub rationale: String,
    /// The intended use (model-card summary).
    pub intended_use: String,
    /// Known limitations (model-card summary).
    pub limitations: String,
    /// The use context and what it flags.
    pub context: CheckContext,
    /// The NYC Local Law 144 section: as `fulcrum bias-audit --format json` prints it (without
    /// `schema_version`), `{"error": …}`, or `null` without an LL144 record.
    pub bias_audit: Option<serde_json::Value>,
    /// The data profile: as `fulcrum profile --format json` prints it (without
    /// `schema_version`), `{"error": …}`, or `null`.
    pub profile: Option<serde_json::Value>,
    /// The proxies: as `fulcrum proxies --format json` prints it (without `schema_version`),
    /// `{"error": …}`, or `null`.
    pub proxies: Option<serde_json::Value>,
    /// The sign-offs.
    pub sign_offs: Vec<SignOff>,
    /// The session file itself (its own format, documented in README).
    pub session: serde_json::Value,
}

/// The data a report was computed on.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportData {
    /// The file.
    pub path: String,
    /// The SHA-256 the session recorded.
    pub sha256_recorded: String,
    /// Its SHA-256 now.
    pub sha256: String,
    /// Whether they are equal.
    pub matches_session: bool,
    /// Rows read.
    pub rows_read: u64,
    /// Rows dropped as invalid.
    pub rows_dropped: u64,
    /// The label value counted as positive.
    pub positive_label: String,
    /// The loader's warnings.
    pub warnings: Vec<String>,
}

/// The decision on the fit rows of an evaluation split.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportFit {
    /// Fit rows.
    pub rows: u64,
    /// The criteria on them.
    pub criteria: Vec<CriterionResult>,
    /// The named summaries on them.
    pub summary: BTreeMap<String, SummaryValue>,
    /// Overall accuracy on them.
    pub overall_accuracy: Number,
}

/// The decision or a scenario, with its numbers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportEntry {
    /// Its name (`decision` for the decision).
    pub name: String,
    /// Sessions comparing models: the model it uses.
    #[serde(default)]
    pub model: Option<String>,
    /// Scenarios: whether it is the baseline.
    #[serde(default)]
    pub baseline: Option<bool>,
    /// Scenarios: whether its thresholds equal the decision's.
    #[serde(default)]
    pub same_as_decision: Option<bool>,
    /// Scenarios: its note.
    #[serde(default)]
    pub note: Option<String>,
    /// Its thresholds by group key.
    pub thresholds: Thresholds,
    /// The criteria at them.
    pub criteria: Vec<CriterionResult>,
    /// The audit at them (as `fulcrum audit --format json`, without `schema_version`).
    pub audit: ReportAudit,
}

/// An audit inside the report.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportAudit {
    /// As in the audit.
    pub groups: Vec<GroupRow>,
    /// As in the audit.
    pub overall: GroupRow,
    /// As in the audit.
    pub summary: BTreeMap<String, SummaryValue>,
    /// As in the audit.
    pub summary_intervals: BTreeMap<String, Interval>,
    /// As in the audit.
    pub by_metric: BTreeMap<String, MetricSpread>,
    /// As in the audit.
    pub adverse_impact: AdverseImpact,
    /// As in the audit.
    pub settings: AuditSettings,
}

/// The report's frontier.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportFrontier {
    /// The constraint.
    pub constraint: String,
    /// Why this constraint was drawn.
    pub chosen_because: String,
    /// The exact optima.
    pub optimal: Vec<GapAccuracy>,
    /// One threshold for everyone.
    pub single_threshold: Vec<GapAccuracy>,
    /// Randomized thresholds.
    pub randomized: Vec<GapAccuracy>,
    /// Where the decision lies.
    pub decision: Option<GapAccuracy>,
    /// Where each scenario lies.
    pub scenarios: Vec<NamedGapAccuracy>,
}

/// A point of a frontier: the gap and the accuracy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapAccuracy {
    /// The gap.
    pub gap: Number,
    /// The accuracy.
    pub accuracy: Number,
}

/// A scenario's point on the frontier plot.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedGapAccuracy {
    /// The scenario.
    pub name: String,
    /// The gap.
    pub gap: Number,
    /// The accuracy.
    pub accuracy: Number,
}

/// A sign-off.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    /// Who signed.
    pub name: String,
    /// In which role.
    pub role: String,
    /// When (YYYY-MM-DD).
    pub date: String,
    /// `approved`, `approved_with_conditions` or `rejected`.
    pub decision: String,
    /// Their comment.
    pub comment: String,
    /// SHA-256 of the content signed.
    pub content_sha256: String,
    /// Whether the signature covers the session as it is now.
    pub covers_this_version: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed `schemas/NAME.schema.json` must be what the types generate; run with
    /// `UPDATE_SCHEMAS=1` to rewrite them after changing a type on purpose.
    #[test]
    fn the_committed_schemas_are_the_ones_the_types_generate() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        for (name, schema) in schemas() {
            let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            let path = folder.join(format!("{name}.schema.json"));
            if std::env::var_os("UPDATE_SCHEMAS").is_some() {
                std::fs::create_dir_all(&folder).unwrap();
                std::fs::write(&path, &generated).unwrap();
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == generated,
                "{} differs from what report::schema generates; run UPDATE_SCHEMAS=1 cargo test --lib schema",
                path.display()
            );
        }
    }

    #[test]
    fn undefined_numbers_and_infinite_thresholds_read_as_the_printers_write_them() {
        let row: MetricSpread = serde_json::from_str(
            r#"{"difference": null, "difference_interval": null, "ratio": 0.5,
                "ratio_interval": [0.25, null], "max_group": "A", "min_group": null,
                "reference_group": "A"}"#,
        )
        .unwrap();
        assert_eq!(row.difference, None);
        assert_eq!(row.ratio_interval, Some([Some(0.25), None]));
        let thresholds: Thresholds =
            serde_json::from_str(r#"{"A": 0.5, "B": "inf", "default": "-inf"}"#).unwrap();
        assert!(matches!(thresholds["A"], Threshold::Value(v) if v == 0.5));
        assert!(matches!(&thresholds["B"], Threshold::Infinite(t) if t == "inf"));
        // A field the type does not know is refused: the contract changed.
        assert!(
            serde_json::from_str::<CalibrationSettings>(
                r#"{"strategy": "equal_width", "bins": 10, "extra": 1}"#
            )
            .is_err()
        );
    }
}
