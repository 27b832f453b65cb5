//! `fulcrum profile`, `fulcrum proxies` and `fulcrum slices`: where harm hides, before and after
//! a threshold is chosen. Flags in, the library's numbers out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::{Map, Value, json};

use super::args::{RuleArg, bounded_count, confidence_level, finite_number, non_negative_number};
use super::progress_bar::CliProgress;
use super::{DataArgs, EXIT_OK, print_warnings, read_thresholds, write_stdout};
use crate::analysis::default_threshold;
use crate::data::discovery::{load_columns, load_profile};
use crate::data::{self, LoadOptions};
use crate::engine::grouping::{AttributeGrouping, Binning, GroupingSpec};
use crate::engine::profile::{ExpectedShares, ProfileSettings, profile};
use crate::engine::proxies::{ProxySettings, candidate_column, find_proxies, protected_column};
use crate::engine::slices::{
    DEFAULT_TOP, Direction, MAX_DEPTH, SliceSettings, decide_rows, search_slices, searchable,
    slice_cube,
};
use crate::engine::thresholds::ThresholdMap;
use crate::engine::{Metric, SortedDataset};
use crate::report::discovery::{
    profile_json, profile_table, proxies_json, proxies_table, slices_json, slices_table,
};
use crate::report::format::json_document;

/// Output format of the discovery commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DiscoveryFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// The documented JSON schema.
    Json,
}

/// Flags of `fulcrum profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Data and column roles (`--group` names the groups profiled; rows with a missing or
    /// invalid score, label or weight are always counted per group, so `--drop-invalid` changes
    /// nothing here).
    #[command(flatten)]
    pub data: DataArgs,
    /// Expected population shares: `{"sex": {"Female": 0.51, "Male": 0.49}}`; for an
    /// intersection the key joins the attribute names and the levels with " × ".
    #[arg(long, value_name = "FILE.json")]
    pub population: Option<PathBuf>,
    /// Flag groups with less weight than this as small.
    #[arg(long, value_name = "N", default_value_t = crate::engine::audit::DEFAULT_MIN_COUNT, value_parser = non_negative_number)]
    pub min_count: f64,
    /// Flag groups whose share is below this fraction of their expected share as
    /// under-represented.
    #[arg(long, value_name = "R", default_value_t = crate::engine::profile::DEFAULT_MIN_REPRESENTATION, value_parser = non_negative_number)]
    pub min_representation: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiscoveryFormat,
}

/// Flags of `fulcrum proxies`.
#[derive(Debug, Args)]
pub struct ProxiesArgs {
    /// Data: a file, a folder or glob of part files, or - for standard input.
    pub file: PathBuf,
    /// The protected attribute(s) the other columns may stand in for.
    #[arg(
        long,
        value_name = "COL[,COL…]",
        value_delimiter = ',',
        required = true
    )]
    pub protected: Vec<String>,
    /// The candidate columns (default: every other column but the weight).
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// The model's score column: always a candidate, and marked as the score in the output
    /// (how well the score alone reveals group membership).
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// Frequency-weight (count) column.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Bin a numeric protected attribute: COL=q4 or COL=25,35,50.
    #[arg(long = "bin", value_name = "COL=SPEC")]
    pub bins: Vec<String>,
    /// Quantile bins of a numeric candidate column (one level per value when it has no more).
    #[arg(long, value_name = "N", default_value_t = crate::engine::proxies::DEFAULT_PROXY_BINS, value_parser = proxy_bins)]
    pub numeric_bins: usize,
    /// Random tables per permutation test (0: no p-values).
    #[arg(long, value_name = "N", default_value_t = crate::engine::proxies::DEFAULT_PERMUTATIONS, value_parser = draws)]
    pub permutations: usize,
    /// Two-sided confidence of the intervals, strictly between 0.5 and 1.
    #[arg(long, value_name = "C", default_value_t = crate::engine::intervals::DEFAULT_CONFIDENCE, value_parser = confidence_level)]
    pub confidence: f64,
    /// Seed of the permutations: the same seed gives the same p-values.
    #[arg(long, value_name = "S", default_value_t = crate::engine::uncertainty::DEFAULT_INTERVAL_SEED)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiscoveryFormat,
}

/// Which side of the rest is worse, for `slices --direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// A higher value than the rest is worse.
    Higher,
    /// A lower value is worse.
    Lower,
    /// Either way is a gap.
    Both,
}

impl From<DirectionArg> for Direction {
    fn from(direction: DirectionArg) -> Self {
        match direction {
            DirectionArg::Higher => Direction::Higher,
            DirectionArg::Lower => Direction::Lower,
            DirectionArg::Both => Direction::Both,
        }
    }
}

/// Flags of `fulcrum slices`.
#[derive(Debug, Args)]
pub struct SlicesArgs {
    /// Data and column roles (`--group` names the groups `--thresholds` gives thresholds to;
    /// without it one threshold holds for everyone).
    #[command(flatten)]
    pub data: DataArgs,
    /// The attributes whose conjunctions are searched (numeric ones with --bin).
    #[arg(
        long,
        value_name = "COL[,COL…]",
        value_delimiter = ',',
        required = true
    )]
    pub attributes: Vec<String>,
    /// One threshold for everyone (default: 0.5 for scores in [0, 1], else mid-range).
    #[arg(long, conflicts_with = "thresholds", allow_hyphen_values = true, value_parser = finite_number)]
    pub threshold: Option<f64>,
    /// JSON file mapping each `--group` key → threshold, with an optional "default".
    #[arg(long, value_name = "FILE.json")]
    pub thresholds: Option<PathBuf>,
    /// Decision rule: selected iff score ≥ threshold (ge) or > threshold (gt).
    #[arg(long, value_enum, default_value_t)]
    pub rule: RuleArg,
    /// The metric compared: `selection_rate`, tpr, fpr, tnr, fnr, precision, npv, fdr, for,
    /// accuracy or `base_rate`.
    #[arg(long, value_parser = metric)]
    pub metric: Metric,
    /// Most attributes in a conjunction (1 to 3).
    #[arg(long, value_name = "D", default_value_t = MAX_DEPTH, value_parser = depth)]
    pub depth: usize,
    /// Only slices with at least this weight are compared.
    #[arg(long, value_name = "N", default_value_t = crate::engine::audit::DEFAULT_MIN_COUNT, value_parser = non_negative_number)]
    pub min_count: f64,
    /// How many slices to list, worst first.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_TOP, value_parser = top)]
    pub top: usize,
    /// Confidence of all the intervals together (Bonferroni over the slices tested).
    #[arg(long, value_name = "C", default_value_t = crate::engine::intervals::DEFAULT_CONFIDENCE, value_parser = confidence_level)]
    pub confidence: f64,
    /// Which side is worse (default: higher for fpr, fnr, fdr, for; lower for tpr, tnr,
    /// precision, npv, accuracy; both for `selection_rate`, `base_rate`).
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiscoveryFormat,
}

fn depth(text: &str) -> Result<usize, String> {
    bounded_count(text, 1, MAX_DEPTH)
        .map_err(|e| format!("{e}: a slice is a conjunction of 1 to {MAX_DEPTH} attribute values"))
}

fn top(text: &str) -> Result<usize, String> {
    bounded_count(text, 1, 100_000)
}

fn proxy_bins(text: &str) -> Result<usize, String> {
    bounded_count(text, 2, 100)
}

fn draws(text: &str) -> Result<usize, String> {
    bounded_count(text, 0, 100_000)
}

fn metric(text: &str) -> Result<Metric, String> {
    match Metric::from_key(text.trim()) {
        Some(metric) if searchable(metric) => Ok(metric),
        _ => Err(format!(
            "`{text}` is not a metric slices can compare; use one of selection_rate, tpr, fpr, tnr, fnr, precision, npv, fdr, for, accuracy, base_rate"
        )),
    }
}

/// `--bin COL=SPEC` flags as a map, each column one of `allowed` (the flag named in messages).
fn bins_for(bins: &[String], allowed: &[String]) -> Result<BTreeMap<String, Binning>> {
    let mut by_column = BTreeMap::new();
    for bin in bins {
        let (column, spec) = bin
            .split_once('=')
            .with_context(|| format!("--bin `{bin}`: expected COLUMN=qN or COLUMN=e1,e2,…"))?;
        if !allowed.iter().any(|a| a == column) {
            bail!(
                "--bin {column}: `{column}` is not one of the attributes ({})",
                allowed.join(", ")
            );
        }
        let binning: Binning = spec
            .parse()
            .map_err(|e: String| anyhow::anyhow!("--bin {column}: {e}"))?;
        by_column.insert(column.to_owned(), binning);
    }
    Ok(by_column)
}

/// A grouping of `names`, binned as `bins` says.
fn spec_of(names: &[String], bins: &BTreeMap<String, Binning>) -> GroupingSpec {
    GroupingSpec {
        attributes: names
            .iter()
            .map(|name| AttributeGrouping {
                binning: bins.get(name).cloned(),
                ..AttributeGrouping::new(name)
            })
            .collect(),
        merge_below: None,
    }
}

/// The data flags echoed in every `settings`.
fn data_settings(data: &DataArgs, positive: &str) -> Map<String, Value> {
    let mut settings = Map::new();
    settings.insert("file".into(), json!(data.file.display().to_string()));
    let roles = data.roles().unwrap_or_default();
    settings.insert("score".into(), json!(roles.score));
    settings.insert("label".into(), json!(data.label));
    settings.insert("positive".into(), json!(positive));
    settings.insert("groups".into(), json!(roles.attributes));
    let bins: BTreeMap<&str, &str> = data.bins.iter().filter_map(|b| b.split_once('=')).collect();
    settings.insert("bins".into(), json!(bins));
    settings.insert("weight".into(), json!(data.weight));
    settings
}

/// Reads a population file.
pub(super) fn read_population(path: &Path) -> Result<ExpectedShares> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the population file", path.display()))?;
    let value = crate::json_text::parse_strict(&text)
        .with_context(|| format!("{}: not a valid population file", path.display()))?;
    ExpectedShares::from_json(&value).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `fulcrum profile`.
pub(super) fn run_profile(args: &ProfileArgs) -> Result<u8> {
    let data = &args.data;
    data.single_score("profile")?;
    let expected = args
        .population
        .as_deref()
        .map(read_population)
        .transpose()?;
    let spec = data.grouping()?;
    let progress = CliProgress::new();
    let read = load_profile(&data.file, &data.roles()?, &progress);
    progress.finish();
    let read = read?;
    // The warnings name the dropped rows; the profile counts them per group.
    print_warnings(&read.loaded.warnings);
    let rows_read = read.loaded.rows_read;
    let rows_dropped = read.loaded.rows_dropped;
    let positive = read.loaded.positive_label.clone();
    let dropped = read.loaded.dropped;
    let sorted = SortedDataset::new(read.loaded.dataset);
    let settings = ProfileSettings {
        min_count: args.min_count,
        min_representation: args.min_representation,
    };
    let result = profile(
        &sorted,
        &spec,
        &dropped,
        &read.missing,
        expected.as_ref(),
        &settings,
    )
    .with_context(|| data.file.display().to_string())?;
    if let (Some(path), false) = (&args.population, result.has_expected) {
        eprintln!(
            "warning: {} has no shares for `{}`; expected_share is null",
            path.display(),
            result.attribute_names.join(" × ")
        );
    }
    let text = match args.format {
        DiscoveryFormat::Table => profile_table(&result),
        DiscoveryFormat::Json => {
            let mut echo = data_settings(data, &positive);
            echo.insert(
                "population".into(),
                json!(args.population.as_ref().map(|p| p.display().to_string())),
            );
            echo.insert("min_count".into(), json!(args.min_count));
            echo.insert("min_representation".into(), json!(args.min_representation));
            echo.insert("rows_read".into(), json!(rows_read));
            echo.insert("rows_dropped".into(), json!(rows_dropped));
            json_document(profile_json(&result, echo))
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// `fulcrum proxies`.
pub(super) fn run_proxies(args: &ProxiesArgs) -> Result<u8> {
    let mut protected: Vec<String> = Vec::new();
    for name in &args.protected {
        if !protected.contains(name) {
            protected.push(name.clone());
        }
    }
    for name in args.columns.iter().chain(&args.score) {
        if protected.contains(name) {
            bail!(
                "`{name}` is a protected attribute; it cannot also be a candidate (--columns, --score)"
            );
        }
    }
    if let Some(weight) = &args.weight
        && (protected.contains(weight) || args.columns.contains(weight))
    {
        bail!(
            "`{weight}` is the weight column; it cannot also be a protected attribute or a candidate"
        );
    }
    let bins = bins_for(&args.bins, &protected)?;
    // Everything read at once: the candidates named (with the score), or every column.
    let wanted: Option<Vec<String>> = (!args.columns.is_empty()).then(|| {
        let mut wanted = protected.clone();
        for name in args.columns.iter().chain(&args.score) {
            if !wanted.contains(name) {
                wanted.push(name.clone());
            }
        }
        wanted
    });
    let progress = CliProgress::new();
    let table = load_columns(
        &args.file,
        wanted.as_deref(),
        args.weight.as_deref(),
        &progress,
    );
    progress.finish();
    let table = table?;
    // The protected attributes must be among the columns read (`load_columns` names a missing
    // one only when they are asked for by name).
    for name in &protected {
        if !table.columns.iter().any(|c| &c.name == name) {
            let available: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            bail!(
                "{}: no column `{name}` (--protected); columns are: {}",
                args.file.display(),
                available.join(", ")
            );
        }
    }
    if let Some(score) = &args.score
        && !table.columns.iter().any(|c| &c.name == score)
    {
        bail!("{}: no column `{score}` (--score)", args.file.display());
    }
    let weights = table.weights.as_deref();
    let protected_columns = protected
        .iter()
        .filter_map(|name| table.columns.iter().find(|c| &c.name == name))
        .map(|attribute| {
            let grouping = AttributeGrouping {
                binning: bins.get(&attribute.name).cloned(),
                ..AttributeGrouping::new(&attribute.name)
            };
            protected_column(attribute, &grouping, weights)
                .with_context(|| format!("{}: --protected", args.file.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let candidates: Vec<_> = table
        .columns
        .iter()
        .filter(|c| !protected.contains(&c.name))
        .map(|c| candidate_column(c, args.numeric_bins, weights))
        .collect();
    if candidates.is_empty() {
        bail!(
            "{}: no candidate columns besides the protected ones; name some with --columns",
            args.file.display()
        );
    }
    let settings = ProxySettings {
        permutations: args.permutations,
        confidence: args.confidence,
        seed: args.seed,
    };
    let proxies = find_proxies(&candidates, &protected_columns, weights, &settings);
    for skipped in &table.skipped {
        eprintln!("warning: column `{skipped}` holds lists or bytes and was left out");
    }
    let text = match args.format {
        DiscoveryFormat::Table => proxies_table(&proxies, args.score.as_deref(), args.confidence),
        DiscoveryFormat::Json => {
            let mut echo = Map::new();
            echo.insert("file".into(), json!(args.file.display().to_string()));
            echo.insert("protected".into(), json!(protected));
            echo.insert(
                "columns".into(),
                json!(candidates.iter().map(|c| &c.coded.name).collect::<Vec<_>>()),
            );
            echo.insert("score".into(), json!(args.score));
            echo.insert("weight".into(), json!(args.weight));
            let bins: BTreeMap<&str, &str> =
                args.bins.iter().filter_map(|b| b.split_once('=')).collect();
            echo.insert("bins".into(), json!(bins));
            echo.insert("numeric_bins".into(), json!(args.numeric_bins));
            echo.insert("permutations".into(), json!(args.permutations));
            echo.insert("confidence".into(), json!(args.confidence));
            echo.insert("seed".into(), json!(args.seed));
            echo.insert("rows_read".into(), json!(table.rows));
            echo.insert("skipped".into(), json!(table.skipped));
            json_document(proxies_json(&proxies, args.score.as_deref(), echo))
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// `fulcrum slices`.
pub(super) fn run_slices(args: &SlicesArgs) -> Result<u8> {
    let data = &args.data;
    data.single_score("slices")?;
    let decision_groups = data.roles()?.attributes;
    let mut attributes: Vec<String> = Vec::new();
    for name in &args.attributes {
        if !attributes.contains(name) {
            attributes.push(name.clone());
        }
    }
    let mut all = decision_groups.clone();
    for name in &attributes {
        if !all.contains(name) {
            all.push(name.clone());
        }
    }
    let bins = bins_for(&data.bins, &all)?;
    let mut roles = data.roles()?;
    roles.attributes = all;
    let progress = CliProgress::new();
    let loaded = data::load(
        &data.file,
        &roles,
        LoadOptions {
            drop_invalid: data.drop_invalid,
        },
        &progress,
    );
    progress.finish();
    let loaded = loaded?;
    print_warnings(&loaded.warnings);
    let dataset = &loaded.dataset;
    let thresholds = match (&args.thresholds, args.threshold) {
        (Some(path), _) => read_thresholds(path)?,
        (None, Some(t)) => ThresholdMap::uniform(t),
        (None, None) => ThresholdMap::uniform(default_threshold(dataset.score_range())),
    };
    let source = args
        .thresholds
        .as_ref()
        .map_or_else(|| "--threshold".to_owned(), |p| p.display().to_string());
    let selected = decide_rows(
        dataset.attributes(),
        dataset.scores(),
        dataset.weights(),
        &spec_of(&decision_groups, &bins),
        &thresholds,
        args.rule.into(),
    )
    .with_context(|| format!("{source} (thresholds for the --group groups)"))?;
    let cube = slice_cube(
        dataset.attributes(),
        &spec_of(&attributes, &bins),
        dataset.labels(),
        &selected,
        dataset.weights(),
    )
    .with_context(|| format!("{}: --attributes", data.file.display()))?;
    drop(selected);
    let settings = SliceSettings {
        metric: args.metric,
        depth: args.depth,
        min_count: args.min_count,
        confidence: args.confidence,
        direction: args
            .direction
            .map_or_else(|| Direction::worse_for(args.metric), Direction::from),
        top: args.top,
    };
    let report = search_slices(&cube, &settings)
        .with_context(|| format!("{}: --metric {}", data.file.display(), args.metric.key()))?;
    let text = match args.format {
        DiscoveryFormat::Table => slices_table(&report),
        DiscoveryFormat::Json => {
            let mut echo = data_settings(data, &loaded.positive_label);
            echo.insert("groups".into(), json!(decision_groups));
            echo.insert("attributes".into(), json!(attributes));
            echo.insert("thresholds".into(), thresholds.to_json());
            echo.insert(
                "rule".into(),
                json!(crate::engine::DecisionRule::from(args.rule).key()),
            );
            echo.insert("rows_read".into(), json!(loaded.rows_read));
            echo.insert("rows_dropped".into(), json!(loaded.rows_dropped));
            json_document(slices_json(&report, echo))
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}
