//! Command-line flags (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{Convention, DecisionRule};
use crate::optimize::{Capacity, Constraint};

/// Fulcrum: explore decision thresholds and fairness on scored data.
///
/// Without a subcommand, opens the explorer window (on FILE, or on the bundled sample).
#[derive(Debug, Parser)]
#[command(name = "fulcrum", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A data file (CSV, Parquet, IPC) or session to open in the explorer.
    pub file: Option<PathBuf>,
}

/// Exit codes of the commands that produce a result (shown under `--help`; README lists them).
pub(super) const EXIT_CODES: &str = "Exit codes: 0 done; 2 bad input or usage (the message on stderr names file, column and row; no file is written or replaced).";
/// Exit codes of `optimize`.
const EXIT_CODES_OPTIMIZE: &str = "Exit codes: 0 done; 2 bad input or usage, or no thresholds meet the constraint (the message on stderr says which; no file is written).";
/// Exit codes of `check`.
const EXIT_CODES_CHECK: &str = "Exit codes: 0 every criterion passes; 1 a criterion fails or is undefined, or a recorded group is absent; 2 bad input or usage (message on stderr).";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-group confusion counts, rates, intervals and disparities at given thresholds.
    #[command(after_help = EXIT_CODES)]
    Audit(Box<AuditArgs>),
    /// Write a synthetic scored lending dataset (the bundled sample, or a large benchmark file).
    #[command(after_help = EXIT_CODES)]
    Sample(SampleArgs),
    /// Count rows per attributes, score and label: the small file an audit needs, computed here
    /// (`--out`), or the SQL that computes it where the data lives (`--sql duckdb|spark|…`).
    #[command(after_help = EXIT_CODES)]
    Aggregate(Box<super::aggregate::AggregateArgs>),
    /// The NYC Local Law 144 bias audit: selection or scoring rates and impact ratios by sex,
    /// race/ethnicity and their intersections, with unknowns counted and small categories
    /// optionally excluded (table, JSON, CSV, or a Markdown/HTML summary to publish).
    #[command(after_help = EXIT_CODES)]
    BiasAudit(Box<super::bias_audit::BiasAuditArgs>),
    /// Per-group thresholds that maximize accuracy (or minimize a cost) under a fairness
    /// constraint, exactly over every distinct score.
    #[command(after_help = EXIT_CODES_OPTIMIZE)]
    Optimize(Box<OptimizeArgs>),
    /// The best objective for every tolerance of a fairness constraint, beside one threshold
    /// for all and the randomized optimum.
    #[command(after_help = EXIT_CODES)]
    Frontier(Box<FrontierArgs>),
    /// Record a decision as a session file, or add a scenario, a sign-off or a data location.
    #[command(after_help = EXIT_CODES)]
    Session(super::governance::SessionArgs),
    /// Write a session's sign-off report (HTML, Markdown or JSON).
    #[command(after_help = EXIT_CODES)]
    Report(Box<super::governance::ReportArgs>),
    /// Evaluate a session's acceptance criteria (CI gate): exit 0 all pass, 1 any fails or is
    /// undefined, 2 error.
    #[command(after_help = EXIT_CODES_CHECK)]
    Check(Box<super::governance::CheckArgs>),
    /// Per group: count, share (against an expected population share), base rate, missing
    /// values of every other column, rows dropped as invalid, score mean and quartiles.
    #[command(after_help = EXIT_CODES)]
    Profile(Box<super::discovery::ProfileArgs>),
    /// How strongly each column predicts each protected attribute (bias-corrected Cramér's V,
    /// with a permutation p-value and a bootstrap interval), strongest first.
    #[command(after_help = EXIT_CODES)]
    Proxies(Box<super::discovery::ProxiesArgs>),
    /// The worst intersections: every conjunction of up to 3 attribute values compared with the
    /// rest on one metric, ranked by the conservative end of a simultaneous interval.
    #[command(after_help = EXIT_CODES)]
    Slices(Box<super::discovery::SlicesArgs>),
    /// Print the JSON Schema of a JSON document Fulcrum prints (audit, optimize, frontier,
    /// check, the JSON report), for CI pipelines that validate what they read. The same files
    /// are in the repository's `schemas/` folder.
    #[command(after_help = EXIT_CODES)]
    Schema(SchemaArgs),
}

/// `fulcrum schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The document: `audit`, `optimize`, `frontier`, `check` (`--format json` output) or `report` (`report --format json`).
    #[arg(value_parser = ["audit", "optimize", "frontier", "check", "report"])]
    pub document: String,
}

/// Which file to read and which column plays which role.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data: a .csv/.tsv (also .gz or .zst), .parquet or .arrow/.ipc/.feather file; a folder or
    /// quoted glob of part files (Spark, `BigQuery`; `key=value/` folders become columns); or - to
    /// read CSV or an Arrow IPC stream from standard input.
    pub file: PathBuf,
    /// Score column (numeric; higher means more likely positive). Several, comma-separated
    /// (`--score score,score_v2`), compare models on the same rows, each named after its
    /// column (audit, optimize --choose-model, frontier, session new).
    #[arg(long, value_name = "COL[,COL…]", required_unless_present = "models")]
    pub score: Option<String>,
    /// A model to compare, with the name it is shown under: NAME=COL, repeated
    /// (`--model production=score --model candidate=score_v2`); instead of --score.
    #[arg(long = "model", value_name = "NAME=COL", conflicts_with = "score")]
    pub models: Vec<String>,
    /// Label (true outcome) column: 0/1, boolean, or any values with --positive.
    #[arg(long)]
    pub label: String,
    /// The label value that counts as positive (one against the rest).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Attribute column(s) to group by; several give their intersections (`--group sex,race`).
    #[arg(long = "group", value_name = "COL[,COL…]", value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Frequency-weight (count) column; use it for pre-aggregated data.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Bin a numeric attribute: COL=q4 (4 quantile bins) or COL=25,35,50 (edges).
    #[arg(long = "bin", value_name = "COL=SPEC")]
    pub bins: Vec<String>,
    /// Drop rows with a missing or invalid score, label or weight (with a warning) instead of
    /// refusing the file.
    #[arg(long)]
    pub drop_invalid: bool,
    /// Scores kept in another file (CSV, Parquet, IPC or a folder of part files): the models'
    /// score columns that FILE lacks are read from it, joined on --join.
    #[arg(long, value_name = "FILE", requires = "join")]
    pub scores_file: Option<PathBuf>,
    /// The id column joining --scores-file to the data: in both files and unique in each;
    /// every case must be in both (else exit 2 naming the row and the id).
    #[arg(long, value_name = "COL", requires = "scores_file")]
    pub join: Option<String>,
}

/// Decision rule flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    /// Selected iff score ≥ threshold.
    #[default]
    Ge,
    /// Selected iff score > threshold.
    Gt,
}

impl From<RuleArg> for DecisionRule {
    fn from(rule: RuleArg) -> Self {
        match rule {
            RuleArg::Ge => DecisionRule::AtLeast,
            RuleArg::Gt => DecisionRule::Above,
        }
    }
}

/// Convention flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ConventionArg {
    /// Undefined stays undefined (n/a, null).
    #[default]
    Native,
    /// As Fairlearn / scikit-learn: empty denominators give 0.
    Fairlearn,
    /// As Aequitas: disparities x/0 = 10.
    Aequitas,
}

impl From<ConventionArg> for Convention {
    fn from(convention: ConventionArg) -> Self {
        match convention {
            ConventionArg::Native => Convention::Native,
            ConventionArg::Fairlearn => Convention::Fairlearn,
            ConventionArg::Aequitas => Convention::Aequitas,
        }
    }
}

/// Output format flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// The documented JSON schema.
    Json,
    /// One CSV row per group.
    Csv,
}

/// `fulcrum audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Data and column roles.
    #[command(flatten)]
    pub data: DataArgs,
    /// Thresholds and how to audit them.
    #[command(flatten)]
    pub decision: DecisionArgs,
    /// Intervals and significance.
    #[command(flatten)]
    pub uncertainty: UncertaintyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Shape of `--format csv`: `wide` (one row per group, a column per metric) or `long` (one
    /// row per group and metric, with Aequitas' `attribute_name` / `attribute_value` columns).
    #[arg(long, value_enum, default_value_t)]
    pub layout: CsvLayout,
    /// How each group's expected calibration error is binned.
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    /// With several models: one side-by-side table (each group's numbers per model and their
    /// differences from the first model) instead of a block per model; in JSON, a
    /// `comparison` object.
    #[arg(long)]
    pub compare: bool,
    /// With several models: model NAME's own thresholds (a thresholds JSON file as for
    /// --thresholds), repeated per model; models not named use --threshold/--thresholds.
    #[arg(long = "model-thresholds", value_name = "NAME=FILE.json")]
    pub model_thresholds: Vec<String>,
}

/// How the expected calibration error (ECE) per group is computed.
#[derive(Debug, Args)]
pub struct CalibrationArgs {
    /// Bins of the expected calibration error (1–1,000).
    #[arg(long, value_name = "N", default_value_t = crate::engine::calibration::DEFAULT_CALIBRATION_BINS, value_parser = calibration_bins)]
    pub calibration_bins: usize,
    /// Equal-width bins over [0, 1] (default) or equal-mass bins within each group.
    #[arg(long, value_enum, default_value_t)]
    pub calibration_strategy: CalibrationStrategyArg,
}

impl CalibrationArgs {
    /// The engine's settings these flags name.
    pub fn settings(&self) -> crate::engine::calibration::CalibrationSettings {
        crate::engine::calibration::CalibrationSettings {
            strategy: match self.calibration_strategy {
                CalibrationStrategyArg::EqualWidth => {
                    crate::engine::calibration::BinStrategy::EqualWidth
                }
                CalibrationStrategyArg::EqualMass => {
                    crate::engine::calibration::BinStrategy::EqualMass
                }
            },
            bins: self.calibration_bins,
        }
    }
}

/// `--calibration-strategy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CalibrationStrategyArg {
    /// Bins of equal width over [0, 1].
    #[default]
    EqualWidth,
    /// Bins of about equal weight within each group (ties never split).
    EqualMass,
}

/// A `--calibration-bins` count: 1 to [`crate::engine::calibration::MAX_CALIBRATION_BINS`].
fn calibration_bins(text: &str) -> Result<usize, String> {
    bounded_count(text, 1, crate::engine::calibration::MAX_CALIBRATION_BINS)
}

/// Shape of the audit CSV.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CsvLayout {
    /// One row per group and for the whole population; a column per count, metric, interval
    /// bound and disparity.
    #[default]
    Wide,
    /// One row per group (and the whole population) and metric: scope, `attribute_name`,
    /// `attribute_value`, threshold, count, weight, metric, value, low, high, disparity.
    Long,
}

/// How sure the numbers are: the confidence of every interval and the resampling behind the
/// across-group ones.
#[derive(Debug, Args)]
pub struct UncertaintyArgs {
    /// Two-sided confidence of every interval, strictly between 0.5 and 1.
    #[arg(long, value_name = "C", default_value_t = crate::engine::intervals::DEFAULT_CONFIDENCE, value_parser = confidence_level)]
    pub confidence: f64,
    /// Bootstrap resamples behind the across-group intervals (10–100,000).
    #[arg(long, value_name = "N", default_value_t = crate::engine::uncertainty::DEFAULT_RESAMPLES, value_parser = resample_count)]
    pub resamples: usize,
    /// Seed of the resampling: the same seed gives the same intervals.
    #[arg(long = "interval-seed", value_name = "S", default_value_t = crate::engine::uncertainty::DEFAULT_INTERVAL_SEED)]
    pub interval_seed: u64,
    /// Make the per-group disparity intervals and significance marks hold together over all
    /// groups (Bonferroni), for claims about the worst group among many.
    #[arg(long)]
    pub simultaneous: bool,
}

impl UncertaintyArgs {
    /// The engine's settings these flags name.
    pub fn settings(&self) -> crate::engine::UncertaintySettings {
        crate::engine::UncertaintySettings {
            confidence: self.confidence,
            resamples: self.resamples,
            seed: self.interval_seed,
            simultaneous: self.simultaneous,
        }
    }
}

/// A confidence level: strictly between 0.5 and 1.
pub(super) fn confidence_level(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if value > 0.5 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not strictly between 0.5 and 1 (0.95 asks for 95% intervals)"
        ))
    }
}

fn resample_count(text: &str) -> Result<usize, String> {
    let value: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if (10..=crate::engine::uncertainty::MAX_RESAMPLES).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{text}` is not between 10 and 100,000 resamples"))
    }
}

/// The thresholds to audit and the audit's settings, shared by `audit` and `session new`.
#[derive(Debug, Args)]
pub struct DecisionArgs {
    /// One threshold for every group (default: 0.5 for scores in [0, 1], else mid-range).
    #[arg(long, conflicts_with = "thresholds", allow_hyphen_values = true, value_parser = finite_number)]
    pub threshold: Option<f64>,
    /// JSON file mapping group key → threshold, with an optional "default".
    #[arg(long, value_name = "FILE.json")]
    pub thresholds: Option<PathBuf>,
    /// Decision rule: selected iff score ≥ threshold (ge) or > threshold (gt).
    #[arg(long, value_enum, default_value_t)]
    pub rule: RuleArg,
    /// Whose conventions to follow for undefined values and disparities.
    #[arg(long, value_enum, default_value_t)]
    pub convention: ConventionArg,
    /// Reference group for disparities: `largest`, `min` (per metric) or a group key.
    #[arg(long, default_value = "largest", value_name = "KEY|largest|min")]
    pub reference: String,
    /// Flag groups (and rate denominators) with less weight than this as small.
    #[arg(
        long,
        default_value_t = crate::engine::audit::DEFAULT_MIN_COUNT,
        value_name = "N",
        allow_hyphen_values = true,
        value_parser = non_negative_number
    )]
    pub min_count: f64,
}

/// Which synthetic dataset `fulcrum sample` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SampleKind {
    /// Loan applications with a credit score and repayment (the bundled `lending.csv`).
    #[default]
    Lending,
    /// Job applicants with sex, race/ethnicity (EEO-1 wording, two categories under 2%, an
    /// `Unknown` value), a screening score, the tool's decision and an interview outcome (the
    /// bundled `hiring.csv`).
    Hiring,
}

/// `fulcrum sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Which dataset.
    #[arg(long, value_enum, default_value_t)]
    pub kind: SampleKind,
    /// Number of rows (1 to 100,000,000; default 30,000 for lending, 2,000 for hiring).
    #[arg(long, value_parser = sample_rows)]
    pub rows: Option<usize>,
    /// Output file (.csv, .parquet, .arrow).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace `--out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Random seed; the same seed and row count always give the same file (default 20261123
    /// for lending, 20261205 for hiring).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A later, shifted population for monitoring (`check --data`): the same scores, but
    /// applicants aged 18-24 and Black applicants repay less, by DRIFT on the log-odds scale.
    #[arg(long, default_value_t = 0.0, value_name = "DRIFT", allow_hyphen_values = true, value_parser = drift_number)]
    pub drift: f64,
}

/// Constraint flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ConstraintArg {
    /// Each group its own best threshold.
    None,
    /// One threshold for every group.
    Single,
    /// Selection-rate gap ≤ tolerance.
    DemographicParity,
    /// TPR gap ≤ tolerance.
    EqualOpportunity,
    /// FPR gap ≤ tolerance.
    FprParity,
    /// TPR and FPR gaps ≤ tolerance.
    EqualizedOdds,
    /// Accuracy gap ≤ tolerance.
    EqualAccuracy,
}

impl From<ConstraintArg> for Constraint {
    fn from(constraint: ConstraintArg) -> Self {
        match constraint {
            ConstraintArg::None => Constraint::None,
            ConstraintArg::Single => Constraint::Single,
            ConstraintArg::DemographicParity => Constraint::DemographicParity,
            ConstraintArg::EqualOpportunity => Constraint::EqualOpportunity,
            ConstraintArg::FprParity => Constraint::FprParity,
            ConstraintArg::EqualizedOdds => Constraint::EqualizedOdds,
            ConstraintArg::EqualAccuracy => Constraint::EqualAccuracy,
        }
    }
}

/// Objective flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Maximize weighted accuracy.
    #[default]
    Accuracy,
    /// Minimize (fp-cost·FP + fn-cost·FN) / total weight.
    Cost,
}

/// What the thresholds optimize.
#[derive(Debug, Args)]
pub struct ObjectiveArgs {
    /// What to optimize.
    #[arg(long, value_enum, default_value_t)]
    pub objective: ObjectiveArg,
    /// Cost of selecting a negative (with --objective cost; default 1).
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = cost_number)]
    pub fp_cost: Option<f64>,
    /// Cost of rejecting a positive (with --objective cost; default 1).
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = cost_number)]
    pub fn_cost: Option<f64>,
}

/// Output format of `optimize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SolutionFormat {
    /// The thresholds and guarantee, then the audit table at those thresholds.
    #[default]
    Table,
    /// Thresholds, objective, guarantee and every group as in the audit JSON.
    Json,
}

/// Output format of `frontier`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FrontierFormat {
    /// One row per point of each curve (`optimal`, `single_threshold`, `randomized`).
    #[default]
    Csv,
    /// The three curves as arrays.
    Json,
}

/// `fulcrum optimize`.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Data and column roles.
    #[command(flatten)]
    pub data: DataArgs,
    /// The fairness constraint.
    #[arg(long, value_enum)]
    pub constraint: ConstraintArg,
    /// The largest gap allowed (needed by every constraint but none and single).
    #[arg(long, value_name = "E", allow_hyphen_values = true, value_parser = tolerance_number)]
    pub tolerance: Option<f64>,
    /// What to optimize.
    #[command(flatten)]
    pub objective: ObjectiveArgs,
    /// Select at most K (weight) or K% of the total weight.
    #[arg(long, value_name = "K|K%", allow_hyphen_values = true)]
    pub capacity: Option<Capacity>,
    /// Decision rule of the thresholds: selected iff score ≥ threshold (ge) or > threshold (gt).
    #[arg(long, value_enum, default_value_t)]
    pub rule: RuleArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: SolutionFormat,
    /// Also write the thresholds as JSON, readable by `audit --thresholds`.
    #[arg(long, value_name = "FILE.json")]
    pub write_thresholds: Option<PathBuf>,
    /// Replace `--write-thresholds` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Fit and evaluation rows.
    #[command(flatten)]
    pub split: SplitArgs,
    /// Robust thresholds: choose, among the frontier's solutions at tolerances up to
    /// `--tolerance`, the best whose gap stays within the tolerance at the upper end of its
    /// bootstrap interval at this confidence (0.5 < C < 1), not only at the point estimate.
    /// Also the confidence of every interval printed.
    #[arg(long, value_name = "C", value_parser = confidence_level)]
    pub confidence: Option<f64>,
    /// Bootstrap resamples behind the gap intervals (10–100,000).
    #[arg(long, value_name = "N", default_value_t = crate::engine::uncertainty::DEFAULT_RESAMPLES, value_parser = resample_count)]
    pub resamples: usize,
    /// Seed of the resampling: the same seed gives the same intervals.
    #[arg(long = "interval-seed", value_name = "S", default_value_t = crate::engine::uncertainty::DEFAULT_INTERVAL_SEED)]
    pub interval_seed: u64,
    /// With several models (`--score a,b` or `--model NAME=COL`…): optimize each and choose the
    /// one whose thresholds reach the best objective under the constraint (the first listed on
    /// a tie); the output and `--write-thresholds` are the chosen model's.
    #[arg(long)]
    pub choose_model: bool,
}

impl OptimizeArgs {
    /// The intervals' settings: `--confidence` (95% unless given), `--resamples`,
    /// `--interval-seed`.
    pub fn uncertainty(&self) -> crate::engine::UncertaintySettings {
        crate::engine::UncertaintySettings {
            confidence: self
                .confidence
                .unwrap_or(crate::engine::intervals::DEFAULT_CONFIDENCE),
            resamples: self.resamples,
            seed: self.interval_seed,
            simultaneous: false,
        }
    }
}

/// Which rows thresholds are chosen on and which they are judged on: `optimize`, `frontier` and
/// `session new` share these, so a decision is fitted on some rows and reported on others.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// Choose the thresholds on part of the rows and report how they do on the rest: hold out
    /// this fraction (0 < F < 1) of every group's positives and negatives, at random (`--seed`).
    #[arg(long, value_name = "F", value_parser = holdout_fraction, conflicts_with = "evaluate_on")]
    pub holdout: Option<f64>,
    /// Choose the thresholds on FILE and report how they do on this other file (same columns).
    #[arg(long, value_name = "FILE")]
    pub evaluate_on: Option<PathBuf>,
    /// Seed of the `--holdout` split (and of `--folds`): the same seed and data give the same
    /// split.
    #[arg(long, value_name = "S", default_value_t = crate::engine::split::DEFAULT_SPLIT_SEED)]
    pub seed: u64,
}

/// A `--holdout` fraction: strictly between 0 and 1.
fn holdout_fraction(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not strictly between 0 and 1 (the share of rows held out)"
        ))
    }
}

/// `fulcrum frontier`.
#[derive(Debug, Args)]
pub struct FrontierArgs {
    /// Data and column roles.
    #[command(flatten)]
    pub data: DataArgs,
    /// The fairness constraint whose tolerance varies (not none or single).
    #[arg(long, value_enum)]
    pub constraint: ConstraintArg,
    /// What to optimize.
    #[command(flatten)]
    pub objective: ObjectiveArgs,
    /// How many tolerances, evenly spaced from 0 to the unconstrained optimum's gap (2 to
    /// 10,001).
    #[arg(long, value_name = "N", default_value_t = crate::optimize::DEFAULT_POINTS, value_parser = point_count)]
    pub points: usize,
    /// Decision rule of the thresholds.
    #[arg(long, value_enum, default_value_t)]
    pub rule: RuleArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: FrontierFormat,
    /// Cross-validate: for every tolerance, fit thresholds on K−1 of K stratified folds
    /// (`--seed`) and score them on the fold left out; reports the mean and a Student's t
    /// interval of the held-out objective and gap (2 to 20 folds).
    #[arg(long, value_name = "K", value_parser = fold_count, conflicts_with_all = ["holdout", "evaluate_on"])]
    pub folds: Option<usize>,
    /// Fit and evaluation rows (`--holdout`, `--evaluate-on`); `--seed` also seeds `--folds`.
    #[command(flatten)]
    pub split: SplitArgs,
    /// Confidence of the held-out intervals (0.5 < C < 1).
    #[arg(long, value_name = "C", default_value_t = crate::engine::intervals::DEFAULT_CONFIDENCE, value_parser = confidence_level)]
    pub confidence: f64,
}

/// A `--folds` count: 2 to [`crate::engine::index::MAX_FOLDS`].
fn fold_count(text: &str) -> Result<usize, String> {
    bounded_count(text, 2, crate::engine::index::MAX_FOLDS)
}

/// A number that must be finite (NaN and infinities are refused: no decision can be made with
/// them, and they would print as numbers that are not).
pub(super) fn finite_number(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!("`{text}` is not a finite number"))
    }
}

/// A finite number ≥ 0 (`--min-count`).
pub(super) fn non_negative_number(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("`{text}` is negative; give a number ≥ 0"))
    }
}

/// A misclassification cost: finite, ≥ 0 and at most [`crate::optimize::MAX_COST`] (only the
/// ratio of the two costs matters, so larger ones are never needed and could overflow).
fn cost_number(text: &str) -> Result<f64, String> {
    let value = non_negative_number(text)?;
    if value <= crate::optimize::MAX_COST {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is larger than {:e}; only the ratio of the two costs matters, so scale both down (e.g. 1 and 5)",
            crate::optimize::MAX_COST
        ))
    }
}

/// A gap tolerance: a finite number from 0 to 1 (every rate is in [0, 1]).
fn tolerance_number(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is outside [0, 1]; a tolerance bounds a gap between rates"
        ))
    }
}

/// The largest `--drift` accepted, on the log-odds scale (beyond it every outcome is certain).
pub const MAX_DRIFT: f64 = 20.0;

/// A `--drift` shift: finite, with magnitude at most [`MAX_DRIFT`].
fn drift_number(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if value.abs() <= MAX_DRIFT {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is outside [-{MAX_DRIFT}, {MAX_DRIFT}] (log-odds)"
        ))
    }
}

/// The most rows `fulcrum sample` writes (the file is built in memory first).
pub const MAX_SAMPLE_ROWS: usize = 100_000_000;

/// A `--rows` count: 1 to [`MAX_SAMPLE_ROWS`].
fn sample_rows(text: &str) -> Result<usize, String> {
    bounded_count(text, 1, MAX_SAMPLE_ROWS)
}

/// A `--points` count: 2 to [`crate::optimize::MAX_POINTS`].
fn point_count(text: &str) -> Result<usize, String> {
    bounded_count(text, 2, crate::optimize::MAX_POINTS)
}

/// A `--chunk-rows` count: 1,000 to 1,000,000,000 rows.
pub(super) fn chunk_rows(text: &str) -> Result<usize, String> {
    bounded_count(text, 1_000, 1_000_000_000)
}

/// A `--decimals` count: 0 to [`crate::aggregate::MAX_DECIMALS`].
pub(super) fn decimals(text: &str) -> Result<u32, String> {
    bounded_count(text, 0, crate::aggregate::MAX_DECIMALS as usize).map(|d| d as u32)
}

/// A whole number in `[low, high]`, checked before anything is allocated for it.
pub(super) fn bounded_count(text: &str, low: usize, high: usize) -> Result<usize, String> {
    let value: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number ≥ 0"))?;
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{text}` is outside {low} to {high}"))
    }
}
