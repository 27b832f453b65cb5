//! Command-line flags (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{Convention, DecisionRule};

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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-group confusion counts, rates, intervals and disparities at given thresholds.
    Audit(Box<AuditArgs>),
    /// Write a synthetic scored lending dataset (the bundled sample, or a large benchmark file).
    Sample(SampleArgs),
}

/// Which file to read and which column plays which role.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data file: .csv, .tsv, .parquet, .arrow/.ipc/.feather.
    pub file: PathBuf,
    /// Score column (numeric; higher means more likely positive).
    #[arg(long)]
    pub score: String,
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
    /// One threshold for every group (default: 0.5 for scores in [0, 1], else mid-range).
    #[arg(long, conflicts_with = "thresholds", allow_hyphen_values = true)]
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
    #[arg(long, default_value_t = crate::engine::audit::DEFAULT_MIN_COUNT, value_name = "N")]
    pub min_count: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// `fulcrum sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of rows.
    #[arg(long, default_value_t = crate::data::sample::SAMPLE_ROWS)]
    pub rows: usize,
    /// Output file (.csv, .parquet, .arrow).
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed; the same seed and row count always give the same file.
    #[arg(long, default_value_t = crate::data::sample::DEFAULT_SEED)]
    pub seed: u64,
}
