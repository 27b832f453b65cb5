//! `fulcrum aggregate`: the counts an audit needs, computed here or as SQL for the engine where
//! the rows live.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};

use super::progress_bar::CliProgress;
use super::{DataArgs, EXIT_OK, write_stdout};
use crate::aggregate::sql::{AggregateQuery, Dialect, aggregate_query};
use crate::aggregate::{
    Aggregate, AggregateMerger, AggregateValues, aggregate, max_threshold_shift,
};
use crate::data::LoadOptions;
use crate::data::{OutputColumn, write_columns};
use crate::engine::{Binning, GroupingSpec};

/// Flags of `fulcrum aggregate`.
#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// Data to aggregate here, as for `audit` (a file, a folder of part files, a glob or -).
    /// Not given with --sql.
    #[arg(required_unless_present = "sql", conflicts_with = "sql")]
    pub file: Option<PathBuf>,
    /// Score column.
    #[arg(long)]
    pub score: String,
    /// Label column: 0/1, boolean, or any values with --positive (written as 1 for that value,
    /// 0 for the rest).
    #[arg(long)]
    pub label: String,
    /// The label value that counts as positive.
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Attribute column(s) to keep (`--group sex,race`).
    #[arg(long = "group", value_name = "COL[,COL…]", value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Frequency-weight column: summed into a `weight` column beside `count`.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Bin a numeric attribute as `audit --bin` does: COL=25,35,50 (edges), or COL=q4 (quantiles;
    /// not with --sql, where the data is not read).
    #[arg(long = "bin", value_name = "COL=SPEC")]
    pub bins: Vec<String>,
    /// Drop rows with a missing or invalid score, label or weight (with a warning).
    #[arg(long, conflicts_with = "sql")]
    pub drop_invalid: bool,
    /// Round scores to D decimals (0–15): fewer rows, and every threshold moves by at most half a
    /// unit of the last decimal. The score column is then named `<score>_rounded_<D>`, from which
    /// `optimize`, `frontier` and the window know it. Default: scores as they are, and the audit
    /// of the result is exact.
    #[arg(long, value_name = "D", value_parser = super::args::decimals)]
    pub decimals: Option<u32>,
    /// Rows read at a time for the local aggregation: memory holds one piece of the data (up to
    /// about 100 bytes a row while a CSV piece is parsed) and the aggregate, so a file larger
    /// than memory can be aggregated.
    /// Quantile bins (`--bin COL=qN`) need every row at once and read the whole file.
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::data::DEFAULT_CHUNK_ROWS,
        allow_hyphen_values = true,
        value_parser = super::args::chunk_rows,
        conflicts_with = "sql"
    )]
    pub chunk_rows: usize,
    /// Output file for the local aggregation (.parquet, .csv, .arrow).
    #[arg(long, required_unless_present = "sql", conflicts_with = "sql")]
    pub out: Option<PathBuf>,
    /// Replace `--out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print the query for this engine instead of aggregating here.
    #[arg(long, value_enum, value_name = "ENGINE", requires = "table")]
    pub sql: Option<DialectArg>,
    /// The table the query reads, inserted as written: a (qualified) table name, or in `DuckDB` a
    /// table function such as `read_parquet('export/*/*.parquet')`.
    #[arg(long, value_name = "NAME", requires = "sql")]
    pub table: Option<String>,
}

/// `--sql` engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// `DuckDB`.
    Duckdb,
    /// Apache Spark SQL (also Databricks).
    Spark,
    /// Google `BigQuery`.
    Bigquery,
    /// Snowflake.
    Snowflake,
    /// `PostgreSQL`.
    Postgres,
}

impl From<DialectArg> for Dialect {
    fn from(dialect: DialectArg) -> Self {
        match dialect {
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Spark => Dialect::Spark,
            DialectArg::Bigquery => Dialect::BigQuery,
            DialectArg::Snowflake => Dialect::Snowflake,
            DialectArg::Postgres => Dialect::Postgres,
        }
    }
}

impl AggregateArgs {
    /// The same roles as `audit` flags, reading `file`.
    fn data(&self, file: PathBuf) -> DataArgs {
        DataArgs {
            file,
            score: Some(self.score.clone()),
            models: Vec::new(),
            label: self.label.clone(),
            positive: self.positive.clone(),
            groups: self.groups.clone(),
            weight: self.weight.clone(),
            bins: self.bins.clone(),
            drop_invalid: self.drop_invalid,
            scores_file: None,
            join: None,
        }
    }
}

/// The aggregation of `file` read `--chunk-rows` rows at a time, each piece aggregated and
/// merged before the next is read.
fn aggregate_in_pieces(
    args: &AggregateArgs,
    data: &DataArgs,
    grouping: &GroupingSpec,
    file: &Path,
) -> Result<Aggregate> {
    let progress = CliProgress::new();
    let mut merger = AggregateMerger::default();
    let mut dropped = (0, 0);
    let mut warnings: Vec<String> = Vec::new();
    let read = crate::data::load_in_chunks(
        file,
        &data.roles()?,
        LoadOptions {
            drop_invalid: args.drop_invalid,
        },
        args.chunk_rows,
        &progress,
        |piece| -> Result<()> {
            dropped.0 += piece.rows_dropped;
            dropped.1 += piece.rows_read;
            // The first piece's reasons name the columns; the count is the whole file's.
            if warnings.is_empty() {
                warnings = piece.warnings.iter().skip(1).cloned().collect();
            }
            let part = aggregate(&piece.dataset, grouping, args.decimals)
                .with_context(|| format!("{}", file.display()))?;
            merger.add(&part)?;
            Ok(())
        },
    );
    progress.finish();
    read?;
    if dropped.0 > 0 {
        eprintln!(
            "warning: dropped {} of {} rows as invalid{}",
            dropped.0,
            dropped.1,
            if warnings.is_empty() {
                ""
            } else {
                ", for instance:"
            }
        );
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
    }
    merger
        .finish(grouping)
        .with_context(|| format!("{}", file.display()))
}

/// Runs `fulcrum aggregate`.
pub fn run_aggregate(args: &AggregateArgs) -> Result<u8> {
    // The aggregation keeps one score column (each model needs its own aggregate).
    args.data(PathBuf::new()).single_score("aggregate")?;
    if let (Some(dialect), Some(table)) = (args.sql, &args.table) {
        let grouping = args.data(PathBuf::new()).grouping()?;
        let query = AggregateQuery {
            table,
            score: &args.score,
            label: &args.label,
            positive: args.positive.as_deref(),
            attributes: &grouping.attributes,
            weight: args.weight.as_deref(),
            decimals: args.decimals,
        };
        write_stdout(&aggregate_query(dialect.into(), &query)?)?;
        return Ok(EXIT_OK);
    }
    // clap requires both when --sql is absent.
    let (Some(file), Some(out)) = (&args.file, &args.out) else {
        anyhow::bail!("give a data file and --out, or --sql ENGINE --table NAME");
    };
    crate::atomic::check_output(out, args.force, &[file.as_path()])?;
    let data = args.data(file.clone());
    let grouping = data.grouping()?;
    let result = if grouping
        .attributes
        .iter()
        .any(|a| matches!(a.binning, Some(Binning::Quantiles { .. })))
    {
        // Quantile edges depend on every row: read them at once.
        let loaded = data.load()?;
        aggregate(&loaded.dataset, &grouping, args.decimals)
            .with_context(|| format!("{}", file.display()))?
    } else {
        aggregate_in_pieces(args, &data, &grouping, file)?
    };
    let mut columns: Vec<OutputColumn> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for column in &result.attributes {
        names.push(&column.name);
        columns.push(match &column.values {
            AggregateValues::Text(values) => {
                OutputColumn::OptionalText(column.name.clone(), values.clone())
            }
            AggregateValues::Number(values) => {
                OutputColumn::OptionalFloat(column.name.clone(), values.clone())
            }
        });
    }
    // Rounded scores are named for their rounding, so whatever opens the file knows it.
    let score_name = args.decimals.map_or_else(
        || args.score.clone(),
        |d| crate::aggregate::rounded_score_column(&args.score, d),
    );
    names.extend([score_name.as_str(), args.label.as_str(), "count"]);
    if result.weights.is_some() {
        names.push("weight");
    }
    if let Some(name) = names
        .iter()
        .enumerate()
        .find_map(|(i, n)| names[..i].contains(n).then_some(n))
    {
        anyhow::bail!(
            "the column name `{name}` would be used twice in {} (score, label, attributes, count, weight); rename it in the data",
            out.display()
        );
    }
    columns.push(OutputColumn::Float(score_name.clone(), result.scores));
    columns.push(OutputColumn::Int(
        args.label.clone(),
        result.labels.iter().map(|&l| i64::from(l)).collect(),
    ));
    let rows = result.counts.len();
    columns.push(OutputColumn::Int(
        "count".to_owned(),
        // Row counts are below 2^32 (the engine's row limit).
        result.counts.iter().map(|&c| c as i64).collect(),
    ));
    let weight_flag = if let Some(weights) = result.weights {
        columns.push(OutputColumn::Float("weight".to_owned(), weights));
        "weight"
    } else {
        "count"
    };
    write_columns(out, columns)?;
    let rounding = args.decimals.map_or_else(
        || "scores as they are: its audit is exact".to_owned(),
        |d| {
            format!(
                "scores rounded to {d} decimals, in column `{score_name}`: thresholds move by at most {}",
                max_threshold_shift(d)
            )
        },
    );
    let label = args.positive.as_ref().map_or_else(String::new, |positive| {
        format!(
            ", and without --positive: its `{}` is 1 for `{positive}`, else 0",
            args.label
        )
    });
    eprintln!(
        "wrote {}: {} rows standing for {} ({rounding}); open it with --score {score_name} --weight {weight_flag}{label}",
        out.display(),
        crate::report::format::group_thousands(rows as i64),
        crate::report::format::group_thousands(result.input_rows as i64),
    );
    Ok(EXIT_OK)
}
