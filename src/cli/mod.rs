//! The command line: argument parsing, output and exit codes. Everything that decides something
//! lives in the library; this module only wires it to flags and streams.
//!
//! Exit codes: 0 success, 1 a `check` criterion failed, 2 bad input or any other error.

mod aggregate;
mod args;
mod bias_audit;
mod discovery;
mod evaluation;
mod governance;
mod optimize;
mod progress_bar;

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};

pub use args::{
    AuditArgs, Cli, Command, DataArgs, DecisionArgs, FrontierArgs, OptimizeArgs, OutputFormat,
    SampleArgs, SampleKind,
};
pub use discovery::{DiscoveryFormat, ProfileArgs, ProxiesArgs, SlicesArgs};
use progress_bar::CliProgress;

use crate::analysis::{Analysis, default_threshold};
use crate::data::{self, ColumnRoles, LoadOptions, LoadedData};
use crate::engine::thresholds::ThresholdMap;
use crate::engine::{AuditOptions, GroupedRows, GroupingSpec, audit_uncertainty};
use crate::report::{AuditSettings, audit_csv, audit_json, audit_table};

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when a `check` criterion fails.
pub const EXIT_FAILED_CHECK: u8 = 1;
/// Exit code for bad input and every other error.
pub const EXIT_ERROR: u8 = 2;

/// Runs one subcommand; returns the exit code, or the error to print (exit code 2).
pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Audit(args) => run_audit(&args),
        Command::Sample(args) => run_sample(&args),
        Command::Aggregate(args) => aggregate::run_aggregate(&args),
        Command::BiasAudit(args) => bias_audit::run_bias_audit(&args),
        Command::Optimize(args) => optimize::run_optimize(&args),
        Command::Frontier(args) => optimize::run_frontier(&args),
        Command::Session(args) => governance::run_session(&args),
        Command::Report(args) => governance::run_report(&args),
        Command::Check(args) => governance::run_check(&args),
        Command::Profile(args) => discovery::run_profile(&args),
        Command::Proxies(args) => discovery::run_proxies(&args),
        Command::Slices(args) => discovery::run_slices(&args),
    }
}

impl DataArgs {
    /// The column roles these flags name.
    pub fn roles(&self) -> ColumnRoles {
        let mut attributes: Vec<String> = Vec::new();
        for group in &self.groups {
            if !attributes.contains(group) {
                attributes.push(group.clone());
            }
        }
        ColumnRoles {
            score: self.score.clone(),
            label: self.label.clone(),
            positive: self.positive.clone(),
            attributes,
            weight: self.weight.clone(),
        }
    }

    /// The grouping these flags name, with `--bin` specs applied.
    pub fn grouping(&self) -> Result<GroupingSpec> {
        let mut spec = GroupingSpec::by_names(&self.roles().attributes);
        for bin in &self.bins {
            let (column, binning) = bin
                .split_once('=')
                .with_context(|| format!("--bin `{bin}`: expected COLUMN=qN or COLUMN=e1,e2,…"))?;
            let binning = binning
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--bin {column}: {e}"))?;
            let attribute = spec
                .attributes
                .iter_mut()
                .find(|a| a.name == column)
                .with_context(|| {
                    format!("--bin {column}: `{column}` is not one of the --group columns")
                })?;
            attribute.binning = Some(binning);
        }
        Ok(spec)
    }

    /// Loads, sorts and groups the data, with a progress bar on a terminal.
    pub fn analysis(&self) -> Result<Analysis> {
        let progress = CliProgress::new();
        let analysis = Analysis::load(
            &self.file,
            &self.roles(),
            &self.grouping()?,
            LoadOptions {
                drop_invalid: self.drop_invalid,
            },
            &progress,
        );
        progress.finish();
        let analysis = analysis?;
        print_warnings(&analysis.data.warnings);
        Ok(analysis)
    }

    /// Loads and validates the data without sorting it (for one-shot counts), with a progress
    /// bar on a terminal.
    pub fn load(&self) -> Result<LoadedData> {
        let progress = CliProgress::new();
        let loaded = data::load(
            &self.file,
            &self.roles(),
            LoadOptions {
                drop_invalid: self.drop_invalid,
            },
            &progress,
        );
        progress.finish();
        let loaded = loaded?;
        print_warnings(&loaded.warnings);
        Ok(loaded)
    }

    /// The bins as written, for the audit's `settings`.
    fn bins_by_column(&self) -> std::collections::BTreeMap<String, String> {
        self.bins
            .iter()
            .filter_map(|b| b.split_once('='))
            .map(|(c, s)| (c.to_owned(), s.to_owned()))
            .collect()
    }
}

fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

impl DecisionArgs {
    /// The thresholds named by `--thresholds` or `--threshold`, else `default` for every group.
    pub fn threshold_map(&self, default: f64) -> Result<ThresholdMap> {
        Ok(match (&self.thresholds, self.threshold) {
            (Some(path), _) => read_thresholds(path)?,
            (None, Some(t)) => ThresholdMap::uniform(t),
            (None, None) => ThresholdMap::uniform(default),
        })
    }

    /// Where the thresholds came from, for messages about them.
    pub fn thresholds_source(&self) -> String {
        self.thresholds
            .as_ref()
            .map_or_else(|| "--threshold".into(), |p| p.display().to_string())
    }

    /// The audit settings these flags name.
    pub fn options(&self) -> AuditOptions {
        AuditOptions {
            rule: self.rule.into(),
            convention: self.convention.into(),
            reference: self.reference.parse().unwrap_or_default(),
            min_count: self.min_count,
            confidence: crate::engine::intervals::DEFAULT_CONFIDENCE,
        }
    }
}

/// Reads a thresholds JSON file.
pub fn read_thresholds(path: &Path) -> Result<ThresholdMap> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the thresholds file", path.display()))?;
    let value = crate::json_text::parse_strict(&text)
        .with_context(|| format!("{}: not a valid thresholds file", path.display()))?;
    ThresholdMap::from_json(&value).with_context(|| format!("{}", path.display()))
}

/// `fulcrum audit`: one set of thresholds, so the rows are counted in one pass
/// ([`GroupedRows`]) rather than sorted into an index; the numbers are the same.
fn run_audit(args: &AuditArgs) -> Result<u8> {
    let loaded = args.data.load()?;
    let spec = args.data.grouping()?;
    let decision = &args.decision;
    let options = AuditOptions {
        confidence: args.uncertainty.confidence,
        ..decision.options()
    };
    let thresholds = decision.threshold_map(default_threshold(loaded.dataset.score_range()))?;
    // One threshold for all: the rows are counted while they are grouped, in the same pass.
    let grouped = match thresholds.single() {
        Some(threshold) => GroupedRows::counted_at(&loaded.dataset, &spec, threshold, options.rule),
        None => GroupedRows::new(&loaded.dataset, &spec),
    }
    .with_context(|| loaded.path.display().to_string())?;
    let resolved = thresholds
        .resolve_keys(&grouped.keys())
        .with_context(|| decision.thresholds_source())?;
    let result = grouped
        .audit(&resolved, &options)
        .context("--reference")?
        .with_calibration(grouped.calibration(&args.calibration.settings()));
    let names = grouped.attribute_names();
    let uncertainty = audit_uncertainty(&result, &args.uncertainty.settings());
    let text = match args.format {
        OutputFormat::Table => audit_table(&result, Some(&uncertainty)),
        OutputFormat::Csv => match args.layout {
            args::CsvLayout::Wide => audit_csv(&result, names),
            args::CsvLayout::Long => crate::report::audit_csv_long(&result, names),
        },
        OutputFormat::Json => {
            let settings = AuditSettings {
                file: args.data.file.display().to_string(),
                score: args.data.score.clone(),
                label: args.data.label.clone(),
                positive: loaded.positive_label.clone(),
                groups: names.to_vec(),
                bins: args.data.bins_by_column(),
                weight: args.data.weight.clone(),
                thresholds,
                rows_read: loaded.rows_read,
                rows_dropped: loaded.rows_dropped,
                score_rounding: crate::engine::ScoreRounding::detect(
                    &args.data.score,
                    loaded.dataset.scores(),
                ),
            };
            crate::report::format::json_document(audit_json(
                &result,
                names,
                &settings,
                Some(&uncertainty),
            ))
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

fn run_sample(args: &SampleArgs) -> Result<u8> {
    use crate::data::sample;
    crate::atomic::check_output(&args.out, args.force, &[])?;
    let (rows, seed) = match args.kind {
        SampleKind::Lending => (
            args.rows.unwrap_or(sample::SAMPLE_ROWS),
            args.seed.unwrap_or(sample::DEFAULT_SEED),
        ),
        SampleKind::Hiring => (
            args.rows.unwrap_or(sample::HIRING_ROWS),
            args.seed.unwrap_or(sample::HIRING_SEED),
        ),
    };
    match args.kind {
        SampleKind::Lending => sample::write_lending_sample(&args.out, rows, seed, args.drift)?,
        SampleKind::Hiring if args.drift != 0.0 => {
            anyhow::bail!(
                "--drift shifts the lending sample's repayment; the hiring sample has none"
            )
        }
        SampleKind::Hiring => sample::write_hiring_sample(&args.out, rows, seed)?,
    }
    let drift = if args.drift == 0.0 {
        String::new()
    } else {
        format!(", drift {}", args.drift)
    };
    eprintln!(
        "wrote {} rows to {} (seed {seed}{drift})",
        crate::report::format::group_thousands(rows as i64),
        args.out.display(),
    );
    Ok(EXIT_OK)
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
