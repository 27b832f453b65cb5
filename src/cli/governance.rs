//! Governance commands: `session new|scenario|sign|relocate` record a decision, `report` writes
//! its sign-off report, `check` is the CI gate and drift monitor.
//!
//! `check` exits 0 when every criterion passes, 1 when any fails or is undefined (a gate must not
//! pass on what it cannot measure), 2 on any error. A data file whose SHA-256 differs from the
//! session's is an error unless it is named with `--data` (then it is monitoring, reported as
//! such): a decision is re-checked on the data it was signed on, or explicitly on other data.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use super::args::{DataArgs, DecisionArgs};
use super::progress_bar::CliProgress;
use super::{EXIT_FAILED_CHECK, EXIT_OK, read_thresholds, write_stdout};
use crate::atomic::check_output;
use crate::engine::ThresholdMap;
use crate::optimize::Constraint;
use crate::report::{
    GroupCoverage, SessionReportFormat, check_json, check_junit, check_table, write_session_report,
};
use crate::session::{
    BiasAuditRecord, Criterion, DataChoice, Decision, Outcome, Scenario, Session, SignOffDate,
    UseContext, compare_datasets,
};

/// `fulcrum session`.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// What to do with a session.
    #[command(subcommand)]
    pub command: SessionCommand,
}

/// The `session` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Record a session: data (fingerprinted), mapping, grouping, thresholds, criteria.
    #[command(after_help = super::args::EXIT_CODES)]
    New(Box<SessionNewArgs>),
    /// Add a scenario (named thresholds) to a session.
    #[command(after_help = super::args::EXIT_CODES)]
    Scenario(SessionScenarioArgs),
    /// Add a sign-off entry to a session.
    #[command(after_help = super::args::EXIT_CODES)]
    Sign(SessionSignArgs),
    /// Point a session at its data file's new location (the contents must be unchanged).
    #[command(after_help = super::args::EXIT_CODES)]
    Relocate(SessionRelocateArgs),
    /// Set a session's title, use context, intended use, limitations or LL144 section (what
    /// was signed changes: earlier sign-offs no longer cover it).
    Describe(Box<SessionDescribeArgs>),
}

/// `fulcrum session new`.
#[derive(Debug, Args)]
pub struct SessionNewArgs {
    /// Data and column roles.
    #[command(flatten)]
    pub data: DataArgs,
    /// Thresholds and how to audit them.
    #[command(flatten)]
    pub decision: DecisionArgs,
    /// An acceptance criterion, e.g. '`equal_opportunity_difference` <= 0.05' or
    /// '`fpr_disparity` within [0.8, 1.25]' (repeatable).
    #[arg(long = "criterion", value_name = "RULE")]
    pub criteria: Vec<String>,
    /// Why these thresholds and this metric.
    #[arg(long, value_name = "TEXT")]
    pub rationale: Option<String>,
    /// A short name for the decision.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The gap constraint of the report's frontier (default: from the first gap criterion).
    #[arg(long, value_name = "CONSTRAINT", value_parser = parse_constraint)]
    pub frontier: Option<Constraint>,
    /// With several models: the model whose scores the decision's thresholds apply to, by
    /// name (default: the first).
    #[arg(long, value_name = "NAME")]
    pub use_model: Option<String>,
    /// Judge the criteria on rows the thresholds were not chosen on: a held-out share of the
    /// data (`--holdout F --seed S`, the same split `optimize --holdout F --seed S` fitted on)
    /// or another file (`--evaluate-on FILE`). `check` and reports then say so.
    #[command(flatten)]
    pub split: super::args::SplitArgs,
    /// Use context, intended use and limitations (the report's model-card summary).
    #[command(flatten)]
    pub description: DescriptionArgs,
    /// The NYC Local Law 144 section of the report.
    #[command(flatten)]
    pub ll144: Ll144Args,
    /// Session file to write.
    #[arg(long, value_name = "SESSION.json")]
    pub out: PathBuf,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    pub force: bool,
}

fn parse_constraint(text: &str) -> Result<Constraint, String> {
    text.parse()
}

/// What a session says about its use: the context (which decides the report's note and whether
/// thresholds that differ between groups are flagged) and the model-card text.
#[derive(Debug, Args)]
pub struct DescriptionArgs {
    /// What the decision is used for: employment flags thresholds that differ between groups
    /// (US law forbids different cutoffs by protected class); every context adds a short note
    /// on its rules to the report.
    #[arg(long, value_name = "CONTEXT", value_parser = parse_context)]
    pub context: Option<UseContext>,
    /// What the model and thresholds are for (and not for), for the report's model-card summary.
    #[arg(long, value_name = "TEXT")]
    pub intended_use: Option<String>,
    /// Known limitations of the model, data or thresholds, for the model-card summary.
    #[arg(long, value_name = "TEXT")]
    pub limitations: Option<String>,
    /// Expected population shares, as for `fulcrum profile --population` (`{"sex": {"Female":
    /// 0.51, "Male": 0.49}}`): the report's data profile judges representation against them.
    #[arg(long, value_name = "FILE.json")]
    pub population: Option<PathBuf>,
}

fn parse_context(text: &str) -> Result<UseContext, String> {
    text.parse()
}

impl DescriptionArgs {
    /// Writes the given fields into `session` (fields not given are left as they are).
    fn apply(&self, session: &mut Session) -> Result<()> {
        if let Some(path) = &self.population {
            session.population = Some(super::discovery::read_population(path)?.0);
        }
        if let Some(context) = self.context {
            session.context = Some(context);
        }
        if let Some(text) = &self.intended_use {
            session.intended_use.clone_from(text);
        }
        if let Some(text) = &self.limitations {
            session.limitations.clone_from(text);
        }
        Ok(())
    }
}

/// The report's NYC Local Law 144 section: which grouping attributes hold sex and
/// race/ethnicity, and the auditor's choices (as `fulcrum bias-audit` takes them). The tables
/// are the decision's selections, summed from the session's groups.
#[derive(Debug, Args)]
pub struct Ll144Args {
    /// The sex attribute (one of the --group columns); adds the LL144 section to the report.
    #[arg(long, value_name = "COL", requires_all = ["race", "audit_date"])]
    pub sex: Option<String>,
    /// The race/ethnicity attribute (one of the --group columns).
    #[arg(long, value_name = "COL", requires = "sex")]
    pub race: Option<String>,
    /// A value meaning "unknown" in either column (repeatable); missing values always are.
    #[arg(long = "unknown", value_name = "VALUE", requires = "sex")]
    pub unknown: Vec<String>,
    /// Leave categories under this share of the data (at most 0.02) out of the impact ratios.
    #[arg(long, value_name = "SHARE", requires = "sex", value_parser = super::bias_audit::exclusion_share)]
    pub exclude_under: Option<f64>,
    /// The date of the bias audit, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "sex")]
    pub audit_date: Option<String>,
    /// Where the data comes from (historical data of the employer, or test data and why).
    #[arg(long, value_name = "TEXT", requires = "sex")]
    pub source: Option<String>,
    /// The tool's name.
    #[arg(long, value_name = "TEXT", requires = "sex")]
    pub tool: Option<String>,
}

impl Ll144Args {
    /// The record these flags name, if `--sex` is given.
    fn record(&self) -> Result<Option<BiasAuditRecord>> {
        let (Some(sex), Some(race)) = (&self.sex, &self.race) else {
            return Ok(None);
        };
        let audit_date = self
            .audit_date
            .as_deref()
            .context("--sex and --race need --audit-date YYYY-MM-DD")?
            .parse::<SignOffDate>()
            .context("--audit-date")?;
        Ok(Some(BiasAuditRecord {
            sex: sex.clone(),
            race: race.clone(),
            unknown: self.unknown.clone(),
            exclude_under: self.exclude_under,
            audit_date,
            source: self.source.clone().unwrap_or_default(),
            tool: self.tool.clone().unwrap_or_default(),
        }))
    }
}

/// Checks a session's LL144 record against its grouping, naming the flag at fault.
fn check_bias_audit_record(session: &Session) -> Result<()> {
    if let Some(record) = &session.bias_audit
        && let Err((field, message)) = record.validate(&session.grouping)
    {
        bail!("--{}: {message}", field.replace('_', "-"));
    }
    Ok(())
}

/// `fulcrum session describe`.
#[derive(Debug, Args)]
pub struct SessionDescribeArgs {
    /// The session file (updated in place).
    pub session: PathBuf,
    /// A short name for the decision.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Use context, intended use and limitations.
    #[command(flatten)]
    pub description: DescriptionArgs,
    /// The NYC Local Law 144 section of the report.
    #[command(flatten)]
    pub ll144: Ll144Args,
}

/// `fulcrum session scenario`.
#[derive(Debug, Args)]
pub struct SessionScenarioArgs {
    /// The session file (updated in place).
    pub session: PathBuf,
    /// The scenario's name (unique in the session).
    #[arg(long)]
    pub name: String,
    /// One threshold for every group.
    #[arg(
        long,
        conflicts_with = "thresholds",
        allow_hyphen_values = true,
        required_unless_present = "thresholds",
        value_parser = super::args::finite_number
    )]
    pub threshold: Option<f64>,
    /// JSON file mapping group key → threshold, with an optional "default".
    #[arg(long, value_name = "FILE.json")]
    pub thresholds: Option<PathBuf>,
    /// Make this the baseline (`accuracy_drop` is measured against it).
    #[arg(long)]
    pub baseline: bool,
    /// Where the thresholds come from, or why they are considered.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
    /// In a session comparing models: the model whose scores these thresholds apply to, by
    /// name (default: the decision's model).
    #[arg(long, value_name = "NAME")]
    pub use_model: Option<String>,
}

/// `fulcrum session sign`.
#[derive(Debug, Args)]
pub struct SessionSignArgs {
    /// The session file (updated in place).
    pub session: PathBuf,
    /// Who signs.
    #[arg(long)]
    pub name: String,
    /// In what capacity.
    #[arg(long, default_value = "")]
    pub role: String,
    /// The date, YYYY-MM-DD (Fulcrum reads no clock: give it explicitly).
    #[arg(long)]
    pub date: String,
    /// approved, `approved_with_conditions` or rejected.
    #[arg(long)]
    pub decision: String,
    /// Conditions, reasons or remarks.
    #[arg(long, default_value = "")]
    pub comment: String,
}

/// `fulcrum session relocate`.
#[derive(Debug, Args)]
pub struct SessionRelocateArgs {
    /// The session file (updated in place).
    pub session: PathBuf,
    /// The data file's new location.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
}

/// Report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page (prints to PDF).
    Html,
    /// Markdown (GitHub-flavoured tables).
    Md,
    /// JSON with every audit.
    Json,
}

/// `fulcrum report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session file.
    pub session: PathBuf,
    /// Report file to write (.html, .md or .json unless --format is given), or `-` for standard
    /// output (then --format is needed).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Output format (default: from the extension of --out).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Replace `--out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Evaluate on another data file than the session's (the report says so).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per criterion.
    #[default]
    Table,
    /// Outcome, criteria and drift as JSON.
    Json,
    /// `JUnit` XML for CI test reports: one test case per criterion, and one for the recorded
    /// groups being present.
    Junit,
}

/// `fulcrum check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The session file.
    pub session: PathBuf,
    /// Check on this data file instead of the session's (monitoring new data with the
    /// session's thresholds); shows the change since the recorded data when that is available.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
}

/// Runs a `session` subcommand.
pub fn run_session(args: &SessionArgs) -> Result<u8> {
    match &args.command {
        SessionCommand::New(args) => run_session_new(args),
        SessionCommand::Scenario(args) => run_session_scenario(args),
        SessionCommand::Sign(args) => run_session_sign(args),
        SessionCommand::Relocate(args) => run_session_relocate(args),
        SessionCommand::Describe(args) => run_session_describe(args),
    }
}

/// Parses `--criterion` texts, naming the flag in errors.
fn parse_criteria(texts: &[String]) -> Result<Vec<Criterion>> {
    texts
        .iter()
        .map(|text| {
            text.parse::<Criterion>()
                .map_err(|e| anyhow::anyhow!("--criterion: {e}"))
        })
        .collect()
}

fn run_session_new(args: &SessionNewArgs) -> Result<u8> {
    if let Some(file) = &args.data.scores_file {
        bail!(
            "--scores-file {}: a session records one data file (its fingerprint is what `check` \
             verifies); write the scores into the data file first, then record the session",
            file.display()
        );
    }
    let criteria = parse_criteria(&args.criteria)?;
    let mut inputs = vec![args.data.file.as_path()];
    inputs.extend(args.decision.thresholds.as_deref());
    inputs.extend(args.description.population.as_deref());
    check_output(&args.out, args.force, &inputs)?;
    let mut analysis = args.data.analysis()?;
    if let Some(name) = &args.use_model {
        let Some(position) = analysis.model_position(name) else {
            bail!(
                "--use-model {name}: no model of that name is mapped (the models are {})",
                analysis
                    .models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        analysis.select_model(position);
    }
    let thresholds = args.decision.threshold_map(analysis.default_threshold())?;
    let options = args.decision.options();
    let mut session = Session::new(&analysis, thresholds, &options)?;
    session.drop_invalid = args.data.drop_invalid;
    session.criteria = criteria;
    session.title = args.title.clone().unwrap_or_default();
    session.rationale = args.rationale.clone().unwrap_or_default();
    session.frontier_constraint = args.frontier;
    session.evaluation = evaluation_split(&args.split, &session)?;
    args.description.apply(&mut session)?;
    session.bias_audit = args.ll144.record()?;
    check_bias_audit_record(&session)?;
    if let Some(split) = &session.evaluation {
        // Judge once now, so a split that cannot serve (a file with other columns or groups)
        // is refused before the session is written.
        let progress = CliProgress::new();
        let rows = session.split_indexes(split, &analysis, &progress);
        progress.finish();
        let rows = rows?;
        crate::session::compare_scenarios(
            &session,
            &rows.held_out.iter().collect::<Vec<_>>(),
            crate::session::KeyMatching::Lenient,
        )?;
    }
    session.save(&args.out)?;
    eprintln!(
        "wrote {}: {} groups, {} criteria, data SHA-256 {}{}",
        args.out.display(),
        analysis.index.len(),
        session.criteria.len(),
        session.data.sha256,
        session
            .evaluation
            .as_ref()
            .map(|s| format!("; criteria judged on {}", s.description()))
            .unwrap_or_default()
    );
    Ok(EXIT_OK)
}

/// The session's evaluation split as `--holdout`/`--evaluate-on` name it (another file is
/// fingerprinted).
fn evaluation_split(
    split: &super::args::SplitArgs,
    session: &Session,
) -> Result<Option<crate::session::EvaluationSplit>> {
    use crate::session::EvaluationSplit;
    if let Some(fraction) = split.holdout {
        return Ok(Some(EvaluationSplit::Holdout {
            fraction,
            seed: split.seed,
        }));
    }
    let Some(file) = &split.evaluate_on else {
        return Ok(None);
    };
    let progress = CliProgress::new();
    let loaded = crate::data::load(file, &session.roles, session.load_options(), &progress);
    progress.finish();
    let loaded = loaded?;
    let data = crate::session::fingerprint_file(file, loaded.rows_read)?;
    Ok(Some(EvaluationSplit::File { data }))
}

fn run_session_scenario(args: &SessionScenarioArgs) -> Result<u8> {
    let mut session = Session::load(&args.session)?;
    let thresholds = match (&args.thresholds, args.threshold) {
        (Some(path), _) => read_thresholds(path)?,
        (_, Some(t)) => ThresholdMap::uniform(t),
        (None, None) => bail!("give the scenario's thresholds with --threshold or --thresholds"),
    };
    if args.baseline {
        for scenario in &mut session.scenarios {
            scenario.baseline = false;
        }
    }
    let model = match &args.use_model {
        Some(name) if session.model_position(Some(name)).is_none() => bail!(
            "--use-model {name}: no model of that name is mapped in {} (the models are {})",
            args.session.display(),
            session
                .models()
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(name) => Some(name.clone()),
        // Recorded explicitly in a session of several models, so the file says which.
        None if session.has_models() => Some(session.model_name(session.decision_model())),
        None => None,
    };
    session.scenarios.retain(|s| s.name != args.name);
    session.scenarios.push(Scenario {
        name: args.name.clone(),
        model,
        thresholds,
        baseline: args.baseline,
        note: args.note.clone(),
    });
    // Check the thresholds fit the data's groups before writing.
    let progress = CliProgress::new();
    let checked = session.evaluate(&DataChoice::Recorded, None, &progress);
    progress.finish();
    checked?;
    session.save(&args.session)?;
    eprintln!(
        "{}: scenario `{}` recorded{}",
        args.session.display(),
        args.name,
        if args.baseline {
            " as the baseline"
        } else {
            ""
        }
    );
    Ok(EXIT_OK)
}

fn run_session_sign(args: &SessionSignArgs) -> Result<u8> {
    let mut session = Session::load(&args.session)?;
    let date: SignOffDate = args.date.parse().context("--date")?;
    let decision: Decision = args
        .decision
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--decision: {e}"))?;
    // A sign-off vouches for the numbers on the recorded data: refuse when it changed or vanished.
    session
        .verify_data()
        .context("the session's data must be as recorded to sign it (`fulcrum session relocate` if it moved)")?;
    session.sign(&args.name, &args.role, date, decision, &args.comment);
    session.save(&args.session)?;
    eprintln!(
        "{}: signed by {} ({})",
        args.session.display(),
        args.name,
        decision.label()
    );
    Ok(EXIT_OK)
}

fn run_session_describe(args: &SessionDescribeArgs) -> Result<u8> {
    let mut session = Session::load(&args.session)?;
    let covered = session
        .sign_offs
        .iter()
        .filter(|entry| session.covers(entry) == Some(true))
        .count();
    if let Some(title) = &args.title {
        session.title.clone_from(title);
    }
    args.description.apply(&mut session)?;
    if let Some(record) = args.ll144.record()? {
        session.bias_audit = Some(record);
    }
    check_bias_audit_record(&session)?;
    session.save(&args.session)?;
    let still = session
        .sign_offs
        .iter()
        .filter(|entry| session.covers(entry) == Some(true))
        .count();
    eprintln!(
        "{}: described (context {}){}",
        args.session.display(),
        session.context.map_or("not set", UseContext::key),
        if still < covered {
            format!(
                "; {} sign-off{} no longer cover{} it",
                covered - still,
                if covered - still == 1 { "" } else { "s" },
                if covered - still == 1 { "s" } else { "" }
            )
        } else {
            String::new()
        }
    );
    Ok(EXIT_OK)
}

fn run_session_relocate(args: &SessionRelocateArgs) -> Result<u8> {
    let mut session = Session::load(&args.session)?;
    session.relocate_data(&args.data)?;
    session.save(&args.session)?;
    eprintln!(
        "{}: data is now {}",
        args.session.display(),
        session.data.path
    );
    Ok(EXIT_OK)
}

/// The report format: `--format`, else the extension of `--out`.
fn report_format(args: &ReportArgs) -> Result<SessionReportFormat> {
    match args.format {
        Some(ReportFormat::Html) => Ok(SessionReportFormat::Html),
        Some(ReportFormat::Md) => Ok(SessionReportFormat::Markdown),
        Some(ReportFormat::Json) => Ok(SessionReportFormat::Json),
        None if is_stdout(&args.out) => {
            bail!("--out -: name the report format for standard output with --format html|md|json")
        }
        None => SessionReportFormat::from_path(&args.out).with_context(|| {
            format!(
                "{}: cannot tell the report format from the file name; use .html, .md or .json, or pass --format",
                args.out.display()
            )
        }),
    }
}

/// `--out -`: standard output rather than a file.
fn is_stdout(out: &Path) -> bool {
    out.as_os_str() == "-"
}

fn data_choice(data: Option<&Path>) -> DataChoice {
    data.map_or(DataChoice::Recorded, |p| DataChoice::Other(p.to_path_buf()))
}

/// Runs `fulcrum report`.
pub fn run_report(args: &ReportArgs) -> Result<u8> {
    let format = report_format(args)?;
    let session = Session::load(&args.session)?;
    let recorded_data = session.data_path();
    let mut inputs = vec![args.session.as_path(), recorded_data.as_path()];
    inputs.extend(args.data.as_deref());
    let to_stdout = is_stdout(&args.out);
    if !to_stdout {
        check_output(&args.out, args.force, &inputs)?;
    }
    let progress = CliProgress::new();
    let evaluation = session.evaluate_for_report(&data_choice(args.data.as_deref()), &progress);
    progress.finish();
    let evaluation = evaluation?;
    for warning in &evaluation.data.warnings {
        eprintln!("warning: {warning}");
    }
    if to_stdout {
        write_stdout(&format.render(&session, &evaluation))?;
        eprintln!(
            "wrote the report to standard output (criteria: {})",
            evaluation.outcome().key()
        );
        return Ok(EXIT_OK);
    }
    write_session_report(&args.out, format, &session, &evaluation)
        .with_context(|| format!("{}: cannot write the report", args.out.display()))?;
    eprintln!(
        "wrote {} (criteria: {})",
        args.out.display(),
        evaluation.outcome().key()
    );
    Ok(EXIT_OK)
}

/// Runs `fulcrum check`: exit 0 all pass, 1 any fails or is undefined, 2 errors.
pub fn run_check(args: &CheckArgs) -> Result<u8> {
    let session = Session::load(&args.session)?;
    if session.criteria.is_empty() {
        bail!(
            "{}: the session has no acceptance criteria, so there is nothing to check; add some (`fulcrum session new … --criterion RULE`)",
            args.session.display()
        );
    }
    let progress = CliProgress::new();
    let evaluation = session.evaluate(&data_choice(args.data.as_deref()), None, &progress);
    let drift = match (&evaluation, &args.data) {
        (Ok(newer), Some(_)) => {
            match session.evaluate_rows(&DataChoice::Recorded, None, false, &progress) {
                Ok(recorded) => Some(compare_datasets(
                    &recorded.comparison.decision.audit,
                    &newer.comparison.decision.audit,
                )),
                Err(error) => {
                    eprintln!("note: no comparison with the recorded data: {error}");
                    None
                }
            }
        }
        _ => None,
    };
    progress.finish();
    let evaluation = evaluation?;
    for warning in &evaluation.data.warnings {
        eprintln!("warning: {warning}");
    }
    let text = match args.format {
        CheckFormat::Table => check_table(&session, &evaluation, drift.as_ref()),
        CheckFormat::Json => {
            crate::report::format::json_document(check_json(&session, &evaluation, drift.as_ref()))
        }
        CheckFormat::Junit => check_junit(&session, &args.session, &evaluation, drift.as_ref()),
    };
    write_stdout(&text)?;
    Ok(
        match GroupCoverage::of(&session, &evaluation, drift.as_ref()).outcome(&evaluation) {
            Outcome::Pass => EXIT_OK,
            Outcome::Fail | Outcome::Undefined => EXIT_FAILED_CHECK,
        },
    )
}
