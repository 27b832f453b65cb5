//! The aggregation as one SQL query, for the engine where the rows live.
//!
//! The query groups by the attributes (numeric ones binned with a `CASE` that cuts exactly where
//! `--bin` cuts and names each bin as Fulcrum does: `< 25`, `[25, 35)`, `≥ 50`), the score
//! (rounded only when asked) and the label (turned into 0/1 when a positive value is named), and
//! counts the rows (and sums the weights). A rounded score is named for its rounding
//! (`score_rounded_3`). Names are quoted and text literals escaped in each
//! dialect's own way; the table is inserted as written, so it may be a qualified name or, in
//! `DuckDB`, a table function such as `read_parquet('export/*.parquet')`.

use crate::engine::grouping::{AttributeGrouping, Binning, format_level_number};

/// The SQL engines the query is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `DuckDB`.
    DuckDb,
    /// Apache Spark SQL (also Databricks).
    Spark,
    /// Google `BigQuery` (`GoogleSQL`).
    BigQuery,
    /// Snowflake.
    Snowflake,
    /// `PostgreSQL`.
    Postgres,
}

/// What to aggregate: the table and the columns' roles, as on the command line.
#[derive(Clone, Debug)]
pub struct AggregateQuery<'a> {
    /// The table (or table expression), inserted as written.
    pub table: &'a str,
    /// Score column.
    pub score: &'a str,
    /// Label column.
    pub label: &'a str,
    /// The label value that counts as positive, when the label is not 0/1 or boolean.
    pub positive: Option<&'a str>,
    /// Grouping attributes, with their binning.
    pub attributes: &'a [AttributeGrouping],
    /// Frequency-weight column, summed into `weight`.
    pub weight: Option<&'a str>,
    /// Decimals to round the score to; `None` keeps it as it is.
    pub decimals: Option<u32>,
}

/// Why the query cannot be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SqlError {
    /// Quantile bins depend on the data, which the query generator does not read.
    #[error(
        "--bin {column}=q{bins}: quantile edges depend on the data, which writing a query does not read; give the edges instead (`--bin {column}=e1,e2,…`; `fulcrum audit FILE --bin {column}=q{bins}` on a sample shows the edges it picks)"
    )]
    QuantileBins {
        /// The attribute.
        column: String,
        /// The bins asked for.
        bins: usize,
    },
    /// Two output columns would have one name.
    #[error(
        "the column name `{0}` is used twice in the result (score, label, attributes, count, weight)"
    )]
    DuplicateName(String),
}

impl Dialect {
    /// A column name, quoted.
    pub fn identifier(self, name: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Snowflake | Dialect::Postgres => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
        }
    }

    /// A text literal.
    pub fn text(self, value: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres => format!("'{}'", value.replace('\'', "''")),
            // These treat a backslash in a literal as an escape.
            Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => format!(
                "'{}'",
                value
                    .replace('\\', "\\\\")
                    .replace('\'', "\\'")
                    .replace('\n', "\\n")
                    .replace('\r', "\\r")
            ),
        }
    }

    /// The text type a value is cast to for comparison with the positive label.
    fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
            Dialect::Spark | Dialect::BigQuery => "STRING",
            Dialect::Postgres => "TEXT",
        }
    }

    /// A number literal that every dialect reads as the same double (Rust's shortest
    /// round-trip form, in exponent notation so that no dialect takes it for a decimal of
    /// another value).
    fn number(value: f64) -> String {
        format!("{value:e}")
    }

    /// `expr` (a double) rounded to `decimals` half away from zero on its decimal text, as
    /// [`round_score`](super::round_score) rounds, and back to a double. Spark's `ROUND` on a
    /// double already rounds its decimal text; the others round a decimal type, so the double
    /// is cast to one first (with 15 decimals, which reads `0.495` as `0.495000…`, not as the
    /// binary value just below it).
    fn round(self, expression: &str, decimals: u32) -> String {
        match self {
            Dialect::Spark => format!("ROUND({expression}, {decimals})"),
            Dialect::DuckDb => {
                format!("CAST(ROUND(CAST({expression} AS DECIMAL(38, 15)), {decimals}) AS DOUBLE)")
            }
            // NUMERIC keeps 9 decimals; BIGNUMERIC is needed beyond.
            Dialect::BigQuery if decimals <= 9 => {
                format!("CAST(ROUND(CAST({expression} AS NUMERIC), {decimals}) AS FLOAT64)")
            }
            Dialect::BigQuery => {
                format!("CAST(ROUND(CAST({expression} AS BIGNUMERIC), {decimals}) AS FLOAT64)")
            }
            Dialect::Snowflake => {
                format!("CAST(ROUND(CAST({expression} AS NUMBER(38, 15)), {decimals}) AS FLOAT)")
            }
            Dialect::Postgres => format!(
                "CAST(ROUND(CAST({expression} AS NUMERIC), {decimals}) AS DOUBLE PRECISION)"
            ),
        }
    }
}

/// The bin `CASE` of a numeric attribute cut at `edges`, with Fulcrum's bin labels.
fn bin_case(dialect: Dialect, column: &str, edges: &[f64]) -> String {
    let Some((first, _)) = edges.split_first() else {
        return format!(
            "CASE WHEN {column} IS NULL THEN NULL ELSE {} END",
            dialect.text("all values")
        );
    };
    let mut case = format!("CASE WHEN {column} IS NULL THEN NULL");
    case.push_str(&format!(
        " WHEN {column} < {} THEN {}",
        Dialect::number(*first),
        dialect.text(&format!("< {}", format_level_number(*first)))
    ));
    for pair in edges.windows(2) {
        case.push_str(&format!(
            " WHEN {column} < {} THEN {}",
            Dialect::number(pair[1]),
            dialect.text(&format!(
                "[{}, {})",
                format_level_number(pair[0]),
                format_level_number(pair[1])
            ))
        ));
    }
    if let Some(last) = edges.last() {
        case.push_str(&format!(
            " ELSE {} END",
            dialect.text(&format!("≥ {}", format_level_number(*last)))
        ));
    }
    case
}

/// The aggregation query for `dialect`.
pub fn aggregate_query(dialect: Dialect, query: &AggregateQuery<'_>) -> Result<String, SqlError> {
    // (expression, output name) in order; the grouped ones first.
    let mut columns: Vec<(String, &str)> = Vec::new();
    for attribute in query.attributes {
        let column = dialect.identifier(&attribute.name);
        let expression = match &attribute.binning {
            None => column,
            Some(Binning::Edges { edges }) => bin_case(dialect, &column, edges),
            Some(Binning::Quantiles { bins }) => {
                return Err(SqlError::QuantileBins {
                    column: attribute.name.clone(),
                    bins: *bins,
                });
            }
        };
        columns.push((expression, &attribute.name));
    }
    let score = dialect.identifier(query.score);
    // Rounded scores are named for their rounding (`score_rounded_3`), so whatever reads the
    // result knows it ([`crate::engine::ScoreRounding`]).
    let (score, score_name) = match query.decimals {
        Some(decimals) => (
            dialect.round(&score, decimals),
            super::rounded_score_column(query.score, decimals),
        ),
        None => (score, query.score.to_owned()),
    };
    columns.push((score, &score_name));
    let label = dialect.identifier(query.label);
    let label = match query.positive {
        Some(positive) => format!(
            "CASE WHEN {label} IS NULL THEN NULL WHEN CAST({label} AS {}) = {} THEN 1 ELSE 0 END",
            dialect.text_type(),
            dialect.text(positive)
        ),
        None => label,
    };
    columns.push((label, query.label));
    let grouped = columns.len();
    columns.push(("COUNT(*)".to_owned(), "count"));
    if let Some(weight) = query.weight {
        columns.push((format!("SUM({})", dialect.identifier(weight)), "weight"));
    }
    for (i, (_, name)) in columns.iter().enumerate() {
        if columns[..i].iter().any(|(_, other)| other == name) {
            return Err(SqlError::DuplicateName((*name).to_owned()));
        }
    }
    let select: Vec<String> = columns
        .iter()
        .map(|(expression, name)| format!("{expression} AS {}", dialect.identifier(name)))
        .collect();
    let positions: Vec<String> = (1..=grouped).map(|i| i.to_string()).collect();
    Ok(format!(
        "SELECT\n  {}\nFROM {}\nGROUP BY {}\nORDER BY {}\n",
        select.join(",\n  "),
        query.table,
        positions.join(", "),
        positions.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn query<'a>(attributes: &'a [AttributeGrouping]) -> AggregateQuery<'a> {
        AggregateQuery {
            table: "scores",
            score: "score",
            label: "repaid",
            positive: None,
            attributes,
            weight: None,
            decimals: None,
        }
    }

    #[test]
    fn the_duckdb_query_groups_by_every_role_and_counts() {
        let attributes = [AttributeGrouping::new("sex")];
        let sql = aggregate_query(Dialect::DuckDb, &query(&attributes)).unwrap();
        assert_eq!(
            sql,
            "SELECT\n  \"sex\" AS \"sex\",\n  \"score\" AS \"score\",\n  \"repaid\" AS \"repaid\",\n  COUNT(*) AS \"count\"\nFROM scores\nGROUP BY 1, 2, 3\nORDER BY 1, 2, 3\n"
        );
    }

    #[test]
    fn bins_cut_where_the_engine_cuts_with_its_labels() {
        let mut age = AttributeGrouping::new("age");
        age.binning = Some(Binning::Edges {
            edges: vec![25.0, 35.5],
        });
        let sql = aggregate_query(Dialect::Spark, &query(&[age])).unwrap();
        assert!(
            sql.contains(
                "CASE WHEN `age` IS NULL THEN NULL WHEN `age` < 2.5e1 THEN '< 25' WHEN `age` < 3.55e1 THEN '[25, 35.5)' ELSE '≥ 35.5' END AS `age`"
            ),
            "{sql}"
        );
    }

    #[test]
    fn names_and_literals_are_escaped_per_dialect() {
        assert_eq!(Dialect::DuckDb.identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Spark.identifier("a`b"), "`a``b`");
        assert_eq!(Dialect::BigQuery.identifier("a`b"), "`a\\`b`");
        assert_eq!(Dialect::Postgres.text("it's"), "'it''s'");
        assert_eq!(Dialect::Spark.text("it's \\"), "'it\\'s \\\\'");
        assert_eq!(Dialect::Snowflake.text("a\nb"), "'a\\nb'");
    }

    #[test]
    fn a_positive_value_weights_and_rounding_appear_in_the_query() {
        let attributes = [];
        let mut q = query(&attributes);
        q.positive = Some("yes");
        q.weight = Some("w");
        q.decimals = Some(3);
        let sql = aggregate_query(Dialect::Postgres, &q).unwrap();
        assert!(
            sql.contains(
                "CAST(ROUND(CAST(\"score\" AS NUMERIC), 3) AS DOUBLE PRECISION) AS \"score_rounded_3\""
            ),
            "{sql}"
        );
        assert!(
            sql.contains("WHEN CAST(\"repaid\" AS TEXT) = 'yes' THEN 1 ELSE 0 END AS \"repaid\""),
            "{sql}"
        );
        assert!(sql.contains("SUM(\"w\") AS \"weight\""), "{sql}");
        assert!(sql.contains("GROUP BY 1, 2\n"), "{sql}");
    }

    #[test]
    fn quantile_bins_and_clashing_names_are_refused() {
        let mut income = AttributeGrouping::new("income");
        income.binning = Some(Binning::Quantiles { bins: 4 });
        let error = aggregate_query(Dialect::DuckDb, &query(&[income])).unwrap_err();
        assert!(error.to_string().contains("--bin income=e1,e2"), "{error}");
        let clash = [AttributeGrouping::new("count")];
        assert_eq!(
            aggregate_query(Dialect::DuckDb, &query(&clash)).unwrap_err(),
            SqlError::DuplicateName("count".into())
        );
    }
}
