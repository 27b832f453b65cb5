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
use crate::data::{self, ColumnRoles, LoadOptions, LoadedData, ModelColumn};
use crate::engine::thresholds::ThresholdMap;
use crate::engine::{AuditOptions, GroupedRows, GroupingSpec, audit_uncertainty};
use crate::report::model_comparison::{ModelLabel, comparison_json, comparison_table, model_json};
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
        Command::Schema(args) => run_schema(&args),
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
    /// The models these flags name: `--model NAME=COL`…, or the columns of `--score COL[,COL…]`
    /// named after themselves.
    pub fn model_columns(&self) -> Result<Vec<ModelColumn>> {
        if !self.models.is_empty() {
            return self
                .models
                .iter()
                .map(|text| match text.split_once('=') {
                    Some((name, column)) if !name.trim().is_empty() && !column.is_empty() => {
                        Ok(ModelColumn {
                            name: name.trim().to_owned(),
                            score: column.to_owned(),
                        })
                    }
                    _ => anyhow::bail!(
                        "--model `{text}`: expected NAME=COLUMN (e.g. --model candidate=score_v2)"
                    ),
                })
                .collect();
        }
        let score = self.score.as_deref().unwrap_or_default();
        if !score.contains(',') {
            return Ok(vec![ModelColumn::of_column(score)]);
        }
        score
            .split(',')
            .map(|column| {
                if column.is_empty() {
                    anyhow::bail!(
                        "--score `{score}`: an empty column name; separate score columns with single commas (--score score,score_v2)"
                    )
                }
                Ok(ModelColumn::of_column(column))
            })
            .collect()
    }

    /// The one score column of a command that reads one model's scores; several are refused,
    /// naming the command.
    pub fn single_score(&self, command: &str) -> Result<String> {
        let models = self.model_columns()?;
        match models.as_slice() {
            [one] => Ok(one.score.clone()),
            _ => anyhow::bail!(
                "fulcrum {command} reads one model's scores, and {} are mapped ({}); give one --score",
                models.len(),
                models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The column roles these flags name.
    pub fn roles(&self) -> Result<ColumnRoles> {
        let mut attributes: Vec<String> = Vec::new();
        for group in &self.groups {
            if !attributes.contains(group) {
                attributes.push(group.clone());
            }
        }
        let mut roles = ColumnRoles {
            score: String::new(),
            label: self.label.clone(),
            positive: self.positive.clone(),
            attributes,
            weight: self.weight.clone(),
            models: Vec::new(),
        };
        roles.set_models(self.model_columns()?);
        roles
            .check_models()
            .map_err(|problem| anyhow::anyhow!("{}: {problem}", self.file.display()))?;
        Ok(roles)
    }

    /// The grouping these flags name, with `--bin` specs applied.
    pub fn grouping(&self) -> Result<GroupingSpec> {
        let mut spec = GroupingSpec::by_names(&self.roles()?.attributes);
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
        let grouping = self.grouping()?;
        let progress = CliProgress::new();
        let analysis = self
            .load_with(&progress)
            .and_then(|loaded| Ok(Analysis::from_loaded(loaded, &grouping, &progress)?));
        progress.finish();
        let analysis = analysis?;
        print_warnings(&analysis.data.warnings);
        Ok(analysis)
    }

    /// Loads and validates the data without sorting it (for one-shot counts), with a progress
    /// bar on a terminal.
    pub fn load(&self) -> Result<LoadedData> {
        let progress = CliProgress::new();
        let loaded = self.load_with(&progress);
        progress.finish();
        let loaded = loaded?;
        print_warnings(&loaded.warnings);
        Ok(loaded)
    }

    /// Reads the data (and joins scores from `--scores-file` on `--join`), reporting to
    /// `progress`.
    fn load_with(&self, progress: &CliProgress) -> Result<LoadedData> {
        let roles = self.roles()?;
        let options = LoadOptions {
            drop_invalid: self.drop_invalid,
        };
        Ok(match (&self.scores_file, &self.join) {
            (Some(file), Some(id)) => {
                let join = data::ScoreJoin {
                    file: file.clone(),
                    id: id.clone(),
                };
                data::load_joined(&self.file, &roles, &join, options, progress)?
            }
            _ => data::load(&self.file, &roles, options, progress)?,
        })
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

/// One model's audit, as `fulcrum audit` of its column alone gives it.
struct ModelAudit {
    result: crate::engine::Audit,
    uncertainty: crate::engine::AuditUncertainty,
    thresholds: ThresholdMap,
    names: Vec<String>,
    /// The rounding a `<score>_rounded_<D>` column declares (see [`crate::engine::ScoreRounding`]).
    score_rounding: Option<crate::engine::ScoreRounding>,
}

/// The thresholds file `--model-thresholds NAME=FILE` names for model `model`, if any. A name
/// that is no model, or a model named twice, is an error.
fn model_thresholds_file(
    args: &AuditArgs,
    models: &[ModelColumn],
    model: usize,
) -> Result<Option<std::path::PathBuf>> {
    let mut found = None;
    let mut seen: Vec<&str> = Vec::new();
    for entry in &args.model_thresholds {
        let (name, file) = entry
            .split_once('=')
            .with_context(|| format!("--model-thresholds `{entry}`: expected NAME=FILE.json"))?;
        if !models.iter().any(|m| m.name == name) {
            let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
            anyhow::bail!(
                "--model-thresholds: no model is named `{name}`; the models are {}",
                names.join(", ")
            );
        }
        if seen.contains(&name) {
            anyhow::bail!("--model-thresholds: model `{name}` is named twice");
        }
        seen.push(name);
        if models.get(model).is_some_and(|m| m.name == name) {
            found = Some(std::path::PathBuf::from(file));
        }
    }
    Ok(found)
}

/// The audit of model `model` of the loaded rows: counted in one pass ([`GroupedRows`]), at
/// the thresholds the flags name (the default threshold from this model's own scores).
fn audit_model(
    args: &AuditArgs,
    loaded: &LoadedData,
    model: usize,
    spec: &GroupingSpec,
    options: &AuditOptions,
) -> Result<ModelAudit> {
    let decision = &args.decision;
    let (scores, range) = loaded
        .dataset
        .model_scores(model)
        .unwrap_or_else(|| (loaded.dataset.scores(), loaded.dataset.score_range()));
    let score_rounding = loaded
        .roles
        .models()
        .get(model)
        .and_then(|m| crate::engine::ScoreRounding::detect(&m.score, scores));
    let own = model_thresholds_file(args, &loaded.roles.models(), model)?;
    let thresholds = match &own {
        Some(path) => read_thresholds(path)?,
        None => decision.threshold_map(default_threshold(range))?,
    };
    let source = own.map_or_else(|| decision.thresholds_source(), |p| p.display().to_string());
    // One threshold for all: the rows are counted while they are grouped, in the same pass.
    let grouped = GroupedRows::of_model(
        &loaded.dataset,
        model,
        spec,
        thresholds.single().map(|t| (t, options.rule)),
    )
    .with_context(|| loaded.path.display().to_string())?;
    let resolved = thresholds
        .resolve_keys(&grouped.keys())
        .with_context(|| source.clone())?;
    let result = grouped
        .audit(&resolved, options)
        .context("--reference")?
        .with_calibration(grouped.calibration(&args.calibration.settings()));
    let uncertainty = audit_uncertainty(&result, &args.uncertainty.settings());
    Ok(ModelAudit {
        result,
        uncertainty,
        thresholds,
        names: grouped.attribute_names().to_vec(),
        score_rounding,
    })
}

/// `fulcrum audit`: one set of thresholds, so the rows are counted in one pass
/// ([`GroupedRows`]) rather than sorted into an index; the numbers are the same. With several
/// models, each is audited alone on the same rows and the outputs put them side by side.
fn run_audit(args: &AuditArgs) -> Result<u8> {
    let loaded = args.data.load()?;
    let spec = args.data.grouping()?;
    let options = AuditOptions {
        confidence: args.uncertainty.confidence,
        ..args.decision.options()
    };
    let models = loaded.roles.models();
    let audits = (0..models.len())
        .map(|model| audit_model(args, &loaded, model, &spec, &options))
        .collect::<Result<Vec<ModelAudit>>>()?;
    let labels: Vec<ModelLabel<'_>> = models
        .iter()
        .map(|m| ModelLabel {
            name: &m.name,
            score: &m.score,
        })
        .collect();
    if args.compare && audits.len() < 2 {
        anyhow::bail!(
            "--compare puts several models side by side; map them with --score a,b or --model NAME=COL (repeated)"
        );
    }
    let json_of = |audit: &ModelAudit, score: &str| {
        let settings = AuditSettings {
            file: args.data.file.display().to_string(),
            score: score.to_owned(),
            label: args.data.label.clone(),
            positive: loaded.positive_label.clone(),
            groups: audit.names.clone(),
            bins: args.data.bins_by_column(),
            weight: args.data.weight.clone(),
            thresholds: audit.thresholds.clone(),
            rows_read: loaded.rows_read,
            rows_dropped: loaded.rows_dropped,
            score_rounding: audit.score_rounding,
        };
        audit_json(
            &audit.result,
            &audit.names,
            &settings,
            Some(&audit.uncertainty),
        )
    };
    let text = match (audits.as_slice(), args.format) {
        ([], _) => String::new(),
        ([audit], OutputFormat::Table) => audit_table(&audit.result, Some(&audit.uncertainty)),
        ([audit], OutputFormat::Csv) => audit_csv_of(args, audit),
        ([audit], OutputFormat::Json) => {
            crate::report::format::json_document(json_of(audit, &loaded.roles.score))
        }
        (audits, OutputFormat::Table) if args.compare => {
            let results: Vec<&crate::engine::Audit> = audits.iter().map(|a| &a.result).collect();
            comparison_table(&labels, &results)
        }
        (audits, OutputFormat::Table) => {
            let mut text = String::new();
            for (audit, label) in audits.iter().zip(&labels) {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("Model {}:\n", label.title()));
                text.push_str(&audit_table(&audit.result, Some(&audit.uncertainty)));
            }
            text
        }
        (audits, OutputFormat::Csv) => {
            let mut text = String::new();
            for (position, (audit, label)) in audits.iter().zip(&labels).enumerate() {
                let csv = audit_csv_of(args, audit);
                let mut lines = crate::report::markup::csv_records(&csv).into_iter();
                let header = lines.next().unwrap_or_default();
                if position == 0 {
                    text.push_str(&format!("model,{header}\n"));
                }
                let model = crate::report::markup::csv_text(label.name);
                for line in lines {
                    text.push_str(&format!("{model},{line}\n"));
                }
            }
            text
        }
        (audits, OutputFormat::Json) => {
            let documents: Vec<serde_json::Value> = audits
                .iter()
                .zip(&models)
                .map(|(audit, model)| json_of(audit, &model.score))
                .collect();
            let mut json = documents.first().cloned().unwrap_or_default();
            let entries: Vec<serde_json::Value> = labels
                .iter()
                .zip(&documents)
                .map(|(label, document)| model_json(*label, document))
                .collect();
            if let Some(object) = json.as_object_mut() {
                object.insert("models".to_owned(), serde_json::Value::Array(entries));
                if args.compare {
                    let results: Vec<&crate::engine::Audit> =
                        audits.iter().map(|a| &a.result).collect();
                    object.insert("comparison".to_owned(), comparison_json(&labels, &results));
                }
            }
            crate::report::format::json_document(json)
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// One model's audit as CSV, in the layout asked for.
fn audit_csv_of(args: &AuditArgs, audit: &ModelAudit) -> String {
    match args.layout {
        args::CsvLayout::Wide => audit_csv(&audit.result, &audit.names),
        args::CsvLayout::Long => crate::report::audit_csv_long(&audit.result, &audit.names),
    }
}

/// Prints the JSON Schema generated from the document's type ([`crate::report::schema`]).
fn run_schema(args: &args::SchemaArgs) -> Result<u8> {
    let (_, schema) = crate::report::schema::schemas()
        .into_iter()
        .find(|(name, _)| *name == args.document)
        .with_context(|| format!("no schema named `{}`", args.document))?;
    write_stdout(&(serde_json::to_string_pretty(&schema)? + "\n"))?;
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
