//! `fulcrum bias-audit`: the NYC Local Law 144 bias audit of a selection or scoring tool, from
//! recorded decisions (`--selected`), a threshold on a score (`--score --threshold[s]`) or the
//! score alone (`--score --scoring`). The numbers come from `engine::bias_audit`; this module
//! reads the flags and the file and picks the printer.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};

use super::args::{RuleArg, finite_number};
use super::progress_bar::CliProgress;
use super::{EXIT_OK, read_thresholds, write_stdout};
use crate::data::{self, ColumnRoles, LoadOptions, LoadedData};
use crate::engine::bias_audit::{
    BiasAuditOptions, Cell, MAX_EXCLUDE_UNDER, ToolKind, bias_audit, median_score,
};
use crate::engine::grouping::level_label;
use crate::engine::{DecisionRule, GroupedRows, GroupingSpec};
use crate::report::bias_audit::{
    BiasAuditSettings, bias_audit_csv, bias_audit_html, bias_audit_json, bias_audit_markdown,
    bias_audit_table,
};
use crate::report::format::json_document;
use crate::session::SignOffDate;

/// Output format of `bias-audit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BiasAuditFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// The documented JSON.
    Json,
    /// One row per table and category, and one per table for its unknown count.
    Csv,
    /// A Markdown summary shaped like the public summaries employers post.
    Md,
    /// A self-contained HTML summary shaped like the public summaries employers post.
    Html,
}

/// `fulcrum bias-audit`.
#[derive(Debug, Args)]
pub struct BiasAuditArgs {
    /// Data: one row per individual the tool assessed (CSV, Parquet, IPC, a folder of part files,
    /// or - for standard input).
    pub file: PathBuf,
    /// The sex column (its values are the sex categories; see README for EEO-1 labels).
    #[arg(long, value_name = "COL")]
    pub sex: String,
    /// The race/ethnicity column.
    #[arg(long, value_name = "COL")]
    pub race: String,
    /// A selection tool's recorded decisions: the column saying who was selected (0/1, boolean,
    /// or any values with --selected-value).
    #[arg(long, value_name = "COL", conflicts_with = "score")]
    pub selected: Option<String>,
    /// The value of --selected that means selected (needed unless 0/1 or boolean).
    #[arg(long, value_name = "VALUE", requires = "selected")]
    pub selected_value: Option<String>,
    /// The tool's score column: with --threshold/--thresholds a selection tool (selected iff
    /// score ≥ threshold), with --scoring a scoring tool (scoring rates above the median).
    #[arg(long, value_name = "COL", required_unless_present = "selected")]
    pub score: Option<String>,
    /// One threshold for everyone: selected iff score ≥ T (--rule gt: > T).
    #[arg(long, value_name = "T", requires = "score", conflicts_with = "thresholds", allow_hyphen_values = true, value_parser = finite_number)]
    pub threshold: Option<f64>,
    /// Thresholds by sex × race group (JSON as for `audit --thresholds`, keys like
    /// "Female × Black", with an optional "default").
    #[arg(long, value_name = "FILE.json", requires = "score")]
    pub thresholds: Option<PathBuf>,
    /// A scoring tool: rates are the share of each category scoring above the median score of
    /// the full sample.
    #[arg(long, requires = "score", conflicts_with_all = ["threshold", "thresholds"])]
    pub scoring: bool,
    /// With thresholds: selected iff score ≥ threshold (ge) or > threshold (gt).
    #[arg(long, value_enum, default_value_t)]
    pub rule: RuleArg,
    /// A value meaning "unknown" in the sex or race column (repeatable); missing values are
    /// always unknown. Individuals in an unknown category are counted, not rated.
    #[arg(long = "unknown", value_name = "VALUE")]
    pub unknown: Vec<String>,
    /// Leave categories representing less than this share of the data out of the impact ratios
    /// (at most 0.02, as 6 RCNY § 5-301(d) allows); their counts and rates are still shown, with
    /// the justification. Default: no category is left out.
    #[arg(long, value_name = "SHARE", value_parser = exclusion_share)]
    pub exclude_under: Option<f64>,
    /// The date of the bias audit, YYYY-MM-DD (required: Fulcrum reads no clock, so the same
    /// data always gives the same summary).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub audit_date: String,
    /// The date the employer began using the tool, YYYY-MM-DD (the summary's distribution date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub distribution_date: Option<String>,
    /// Where the data comes from: the employer's historical data, or test data and why (the
    /// summary must say).
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
    /// The tool's name, for the summary's title.
    #[arg(long, value_name = "TEXT")]
    pub tool: Option<String>,
    /// A frequency-weight column: each row stands for that many individuals (whole numbers).
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Drop rows with a missing or invalid decision, score or weight (with a warning) instead of
    /// refusing the file.
    #[arg(long)]
    pub drop_invalid: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: BiasAuditFormat,
}

/// An `--exclude-under` share: above 0 and at most 0.02.
pub(super) fn exclusion_share(text: &str) -> Result<f64, String> {
    let value = finite_number(text)?;
    if value > 0.0 && value <= MAX_EXCLUDE_UNDER {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not above 0 and at most 0.02: 6 RCNY § 5-301(d) allows leaving out of the impact ratios only categories under 2% of the data"
        ))
    }
}

/// Runs `fulcrum bias-audit`.
pub fn run_bias_audit(args: &BiasAuditArgs) -> Result<u8> {
    if args.sex == args.race {
        bail!(
            "--sex and --race both name `{}`; the sex and race/ethnicity categories must come from two columns",
            args.sex
        );
    }
    let audit_date: SignOffDate = args.audit_date.parse().context("--audit-date")?;
    let distribution_date = args
        .distribution_date
        .as_deref()
        .map(|d| d.parse::<SignOffDate>().context("--distribution-date"))
        .transpose()?;
    let kind = if args.scoring {
        ToolKind::Scoring
    } else {
        ToolKind::Selection
    };
    if let Some(score) = &args.score
        && !args.scoring
        && args.threshold.is_none()
        && args.thresholds.is_none()
    {
        bail!(
            "--score {score}: say how the score is used: --threshold T (or --thresholds FILE.json) for a tool that selects above a cut-off, or --scoring for a tool whose score is the result"
        );
    }
    let loaded = load(args)?;
    let dataset = &loaded.dataset;
    if let (Some(weights), Some(column)) = (dataset.weights(), &args.weight)
        && let Some(row) = weights.iter().position(|w| w.fract() != 0.0)
    {
        bail!(
            "{}: column `{column}`: the weight {} at row {}{} is not a whole number; a bias audit counts individuals, so a weight must say how many a row stands for",
            args.file.display(),
            weights.get(row).copied().unwrap_or_default(),
            row + 1,
            if loaded.rows_dropped > 0 {
                " (of the rows kept)"
            } else {
                ""
            }
        );
    }
    let spec = GroupingSpec::by_names(&[args.sex.clone(), args.race.clone()]);
    let grouped =
        GroupedRows::new(dataset, &spec).with_context(|| loaded.path.display().to_string())?;
    let groups = grouped.groups().len();
    let (thresholds, rule, median) = match (kind, &args.selected) {
        (_, Some(_)) => (vec![0.5; groups], DecisionRule::AtLeast, None),
        (ToolKind::Scoring, None) => {
            let median = median_score(dataset.scores(), dataset.weights())
                .context("the data has no weight, so no median score")?;
            // Strictly above the median.
            (vec![median; groups], DecisionRule::Above, Some(median))
        }
        (ToolKind::Selection, None) => {
            let map = match (&args.thresholds, args.threshold) {
                (Some(path), _) => read_thresholds(path)?,
                (None, Some(t)) => crate::engine::ThresholdMap::uniform(t),
                (None, None) => bail!("--score needs --threshold, --thresholds or --scoring"),
            };
            let resolved = map.resolve_keys(&grouped.keys()).with_context(|| {
                args.thresholds.as_ref().map_or_else(
                    || "--threshold".to_owned(),
                    |p| format!("{} (keys are sex × race groups)", p.display()),
                )
            })?;
            (resolved, args.rule.into(), None)
        }
    };
    let counts = grouped.counts(&thresholds, rule);
    let cells: Vec<Cell> = grouped
        .groups()
        .iter()
        .zip(&counts)
        .map(|(group, counts)| Cell {
            sex: group.levels.first().cloned().unwrap_or_default(),
            race: group.levels.get(1).cloned().unwrap_or_default(),
            applicants: counts.total(),
            selected: counts.selected(),
        })
        .collect();
    let options = BiasAuditOptions {
        unknown: args
            .unknown
            .iter()
            .map(|u| level_label(u).into_owned())
            .collect(),
        exclude_under: args.exclude_under,
    };
    let audit = bias_audit(kind, median, &cells, &options).with_context(|| {
        format!(
            "{}: columns `{}` and `{}`",
            args.file.display(),
            args.sex,
            args.race
        )
    })?;
    for value in &audit.unmatched_unknown {
        eprintln!(
            "warning: --unknown {value}: no value of `{}` or `{}` is spelled so (values are compared exactly)",
            args.sex, args.race
        );
    }
    if args.source.is_none() {
        eprintln!(
            "note: no --source given; a published summary states where the data came from (the employer's historical data, or test data and why)"
        );
    }
    let settings = BiasAuditSettings {
        file: args.file.display().to_string(),
        sha256: data::fingerprint::sha256_dataset(&args.file).ok(),
        sex: args.sex.clone(),
        race: args.race.clone(),
        selected: args.selected.clone(),
        selected_value: args
            .selected
            .as_ref()
            .map(|_| loaded.positive_label.clone()),
        score: args.score.clone(),
        thresholds: match (kind, &args.thresholds, args.threshold) {
            (ToolKind::Selection, Some(path), _) => Some(read_thresholds(path)?.to_json()),
            (ToolKind::Selection, None, Some(t)) => {
                Some(crate::engine::ThresholdMap::uniform(t).to_json())
            }
            _ => None,
        },
        rule: (args.score.is_some() && kind == ToolKind::Selection)
            .then(|| DecisionRule::from(args.rule).key().to_owned()),
        basis: basis(args, &loaded, median),
        unknown: args.unknown.clone(),
        weight: args.weight.clone(),
        audit_date: audit_date.to_string(),
        distribution_date: distribution_date.map(|d| d.to_string()),
        source: args.source.clone(),
        tool: args.tool.clone(),
        rows_read: loaded.rows_read,
        rows_dropped: loaded.rows_dropped,
    };
    let text = match args.format {
        BiasAuditFormat::Table => bias_audit_table(&audit, &settings),
        BiasAuditFormat::Json => json_document(bias_audit_json(&audit, &settings)),
        BiasAuditFormat::Csv => bias_audit_csv(&audit),
        BiasAuditFormat::Md => bias_audit_markdown(&audit, &settings),
        BiasAuditFormat::Html => bias_audit_html(&audit, &settings),
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// Reads the mapped columns: the decisions, or the score without outcomes.
fn load(args: &BiasAuditArgs) -> Result<LoadedData> {
    let progress = CliProgress::new();
    let options = LoadOptions {
        drop_invalid: args.drop_invalid,
    };
    let attributes = vec![args.sex.clone(), args.race.clone()];
    let loaded = match (&args.selected, &args.score) {
        (Some(selected), _) => data::load_decisions(
            &args.file,
            &ColumnRoles {
                score: selected.clone(),
                label: selected.clone(),
                positive: args.selected_value.clone(),
                attributes,
                weight: args.weight.clone(),
                models: Vec::new(),
            },
            options,
            &progress,
        ),
        (None, Some(score)) => data::load_scores(
            &args.file,
            &ColumnRoles {
                score: score.clone(),
                label: score.clone(),
                positive: None,
                attributes,
                weight: args.weight.clone(),
                models: Vec::new(),
            },
            options,
            &progress,
        ),
        (None, None) => {
            progress.finish();
            bail!("give --selected COL (recorded decisions) or --score COL");
        }
    };
    progress.finish();
    let loaded = loaded?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(loaded)
}

/// How selection is read from the data, in words for the summary.
fn basis(args: &BiasAuditArgs, loaded: &LoadedData, median: Option<f64>) -> String {
    let rule = DecisionRule::from(args.rule).symbol();
    match (&args.selected, &args.score, median) {
        (Some(column), _, _) => format!(
            "Selected: the recorded decisions in column “{column}” (value {} means selected)",
            loaded.positive_label
        ),
        (None, Some(score), Some(median)) => format!(
            "Scores in column “{score}”; scoring rate: the share scoring above the median score of the full sample, {}",
            crate::report::format::threshold(Some(median))
        ),
        (None, Some(score), None) => match (&args.thresholds, args.threshold) {
            (Some(path), _) => format!(
                "Selected: score “{score}” {rule} the threshold of the individual's sex × race group (from {})",
                path.display()
            ),
            (None, Some(t)) => format!(
                "Selected: score “{score}” {rule} {}",
                crate::report::format::threshold(Some(t))
            ),
            (None, None) => String::new(),
        },
        (None, None, _) => String::new(),
    }
}
