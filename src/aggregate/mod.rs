//! The one aggregation Fulcrum needs, for data that lives in a warehouse: per combination of the
//! grouping attributes, score and label, the number of rows (and the sum of their weights).
//!
//! An audit reads nothing else: thresholds only compare scores, and each aggregated row carries
//! the count of the identical rows it stands for. So opening the aggregate with `--weight count`
//! (or `--weight weight` when the rows were weighted) gives exactly the audit of the raw rows when
//! the scores are kept as they are, and thresholds that move by at most half a unit of the last
//! kept decimal when they are rounded ([`max_threshold_shift`]). Rounded scores are written under
//! the name `<score>_rounded_<D>` ([`rounded_score_column`]), from which the optimizer, the
//! frontier and the window learn that they run on rounded scores
//! ([`crate::engine::ScoreRounding`]).
//!
//! [`aggregate`] computes it on rows already loaded; [`sql`] writes the same aggregation as a
//! query for the engine where the rows live (`DuckDB`, Spark, `BigQuery`, Snowflake, `PostgreSQL`), with
//! numeric attributes binned exactly as `--bin` bins them and under the same level labels.
//!
//! Pure: no file access, no polars; the command line writes the result.

mod merge;
pub mod sql;

use std::collections::HashMap;

use crate::engine::dataset::{AttributeValues, MISSING_LEVEL};
use crate::engine::grouping::{GroupingError, code_attribute};
use crate::engine::{Dataset, GroupingSpec};

pub use crate::engine::rounding::{MAX_DECIMALS, max_threshold_shift, rounded_score_column};
pub use merge::AggregateMerger;

/// Why the aggregation cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AggregateError {
    /// An attribute cannot be grouped by as asked.
    #[error(transparent)]
    Grouping(#[from] GroupingError),
    /// More decimals than [`MAX_DECIMALS`].
    #[error("--decimals {0}: at most {MAX_DECIMALS} decimals can be kept")]
    TooManyDecimals(u32),
    /// The attributes have more level combinations than can be numbered.
    #[error("the attributes have too many combinations of levels to aggregate")]
    TooManyCombinations,
    /// Pieces of one dataset with other attributes or weighting (a bug in the caller).
    #[error("the pieces of the data were aggregated with different attributes or weights")]
    PiecesDiffer,
}

/// One grouping attribute in the aggregate, one value per aggregated row.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateColumn {
    /// Column name, as in the data.
    pub name: String,
    /// The values, in the type that reads back as the same levels.
    pub values: AggregateValues,
}

/// An attribute's values in the aggregate; `None` is a missing value.
#[derive(Clone, Debug, PartialEq)]
pub enum AggregateValues {
    /// Text values (the data's text, or a bin's label such as `[25, 35)`).
    Text(Vec<Option<String>>),
    /// Numbers, for a numeric attribute grouped by its distinct values.
    Number(Vec<Option<f64>>),
}

/// The aggregated rows, sorted by attribute levels (in the audit's level order), score and
/// label.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// The grouping attributes.
    pub attributes: Vec<AggregateColumn>,
    /// The score of each aggregated row (rounded when asked).
    pub scores: Vec<f64>,
    /// The label of each aggregated row.
    pub labels: Vec<bool>,
    /// How many input rows each aggregated row stands for.
    pub counts: Vec<u64>,
    /// The sum of the input rows' weights, when the input was weighted.
    pub weights: Option<Vec<f64>>,
    /// Input rows read.
    pub input_rows: usize,
}

impl Aggregate {
    /// Number of aggregated rows.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when there are no aggregated rows (never, for a valid dataset).
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
}

/// A score rounded to `decimals`, half away from zero, on its decimal text: the score as it is
/// printed (the shortest text that reads back as the same `f64`, `0.495`) is rounded, so `0.495`
/// becomes `0.5` although the double nearest 0.495 lies just below it. This is what a decimal
/// `ROUND` gives (Spark, and the casts to a decimal type that [`sql`] writes for the other
/// engines); rounding the binary value instead would split such ties differently per engine.
/// Non-finite scores are returned as they are.
pub fn round_score(score: f64, decimals: u32) -> f64 {
    let decimals = decimals.min(MAX_DECIMALS);
    if !score.is_finite() {
        return score;
    }
    // `{:e}` prints the shortest round-trip digits: `4.95e-1`.
    let text = format!("{:e}", score.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let (Ok(exponent), Ok(significand)) = (exponent.parse::<i64>(), digits.parse::<u128>()) else {
        return score;
    };
    // score = significand × 10^scale_exponent, exactly, in decimal.
    let scale_exponent = exponent - (digits.len() as i64 - 1);
    let dropped = -i64::from(decimals) - scale_exponent;
    if dropped <= 0 {
        return score; // no more decimals than asked
    }
    let rounded = if dropped > 38 {
        0 // the score is below a hundredth of the last kept unit (at most 17 digits)
    } else {
        let unit = 10u128.pow(dropped as u32);
        let (quotient, remainder) = (significand / unit, significand % unit);
        quotient + u128::from(remainder * 2 >= unit)
    };
    let magnitude = format!("{rounded}e-{decimals}")
        .parse::<f64>()
        .unwrap_or(score.abs());
    magnitude.copysign(score)
}

/// The raw text behind a categorical level label: `None` for the missing level, the JSON string
/// unquoted for a quoted label (`"(missing)"` is the text `(missing)`), else the label itself.
fn raw_text(label: &str) -> Option<String> {
    if label == MISSING_LEVEL {
        None
    } else if label.starts_with('"') {
        Some(serde_json::from_str::<String>(label).unwrap_or_else(|_| label.to_owned()))
    } else {
        Some(label.to_owned())
    }
}

/// What each level code of one attribute is written as.
enum LevelValues {
    Text(Vec<Option<String>>),
    Number(Vec<Option<f64>>),
}

/// Aggregates the rows of `dataset` by the attributes of `grouping` (binned as it says), the
/// score (rounded to `decimals` when given) and the label.
pub fn aggregate(
    dataset: &Dataset,
    grouping: &GroupingSpec,
    decimals: Option<u32>,
) -> Result<Aggregate, AggregateError> {
    if let Some(d) = decimals.filter(|d| *d > MAX_DECIMALS) {
        return Err(AggregateError::TooManyDecimals(d));
    }
    let loaded: Vec<String> = dataset
        .attributes()
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let mut coded = Vec::with_capacity(grouping.attributes.len());
    let mut level_values = Vec::with_capacity(grouping.attributes.len());
    for wanted in &grouping.attributes {
        let attribute =
            dataset
                .attribute(&wanted.name)
                .ok_or_else(|| GroupingError::UnknownAttribute {
                    name: wanted.name.clone(),
                    loaded: loaded.clone(),
                })?;
        let codes = code_attribute(attribute, wanted, dataset.weights())?;
        let values = match (&attribute.values, &wanted.binning) {
            (AttributeValues::Numeric { values }, None) => {
                let mut numbers = vec![None; codes.levels.len()];
                for (row, &code) in codes.codes.iter().enumerate() {
                    let value = values.get(row).copied().filter(|v| !v.is_nan());
                    if let Some(slot) = numbers.get_mut(code as usize)
                        && slot.is_none()
                    {
                        *slot = value;
                    }
                }
                LevelValues::Number(numbers)
            }
            _ => LevelValues::Text(codes.levels.iter().map(|l| raw_text(l)).collect()),
        };
        coded.push(codes);
        level_values.push(values);
    }
    // Each row's combination of levels as one mixed-radix number.
    let mut radix: Vec<u64> = Vec::with_capacity(coded.len());
    let mut combinations: u64 = 1;
    for attribute in &coded {
        radix.push(combinations);
        combinations = combinations
            .checked_mul((attribute.levels.len() as u64).max(1))
            .ok_or(AggregateError::TooManyCombinations)?;
    }
    let scores = dataset.scores();
    let labels = dataset.labels();
    let weights = dataset.weights();
    let mut cells: HashMap<(u64, u64, bool), (u64, f64)> = HashMap::new();
    for (row, (&score, &label)) in scores.iter().zip(labels).enumerate() {
        let combination: u64 = coded
            .iter()
            .zip(&radix)
            .map(|(attribute, r)| u64::from(attribute.codes[row]) * r)
            .sum();
        let score = decimals.map_or(score, |d| round_score(score, d));
        // -0.0 and 0.0 are one score.
        let score_bits = if score == 0.0 { 0 } else { score.to_bits() };
        let cell = cells
            .entry((combination, score_bits, label))
            .or_insert((0, 0.0));
        cell.0 += 1;
        cell.1 += weights.map_or(1.0, |w| w[row]);
    }
    let mut keys: Vec<(u64, u64, bool)> = cells.keys().copied().collect();
    keys.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1)))
            .then(a.2.cmp(&b.2))
    });
    let mut attributes: Vec<AggregateColumn> = coded
        .iter()
        .zip(&level_values)
        .map(|(attribute, values)| AggregateColumn {
            name: attribute.name.clone(),
            values: match values {
                LevelValues::Text(_) => AggregateValues::Text(Vec::with_capacity(keys.len())),
                LevelValues::Number(_) => AggregateValues::Number(Vec::with_capacity(keys.len())),
            },
        })
        .collect();
    let mut out_scores = Vec::with_capacity(keys.len());
    let mut out_labels = Vec::with_capacity(keys.len());
    let mut counts = Vec::with_capacity(keys.len());
    let mut sums = Vec::with_capacity(keys.len());
    for key in &keys {
        let (count, weight) = cells[key];
        for (((column, values), attribute), r) in attributes
            .iter_mut()
            .zip(&level_values)
            .zip(&coded)
            .zip(&radix)
        {
            let levels = (attribute.levels.len() as u64).max(1);
            let code = ((key.0 / r) % levels) as usize;
            match (&mut column.values, values) {
                (AggregateValues::Text(out), LevelValues::Text(by_code)) => {
                    out.push(by_code.get(code).cloned().flatten());
                }
                (AggregateValues::Number(out), LevelValues::Number(by_code)) => {
                    out.push(by_code.get(code).copied().flatten());
                }
                // Each column was made with the kind of its level values just above.
                _ => {}
            }
        }
        out_scores.push(f64::from_bits(key.1));
        out_labels.push(key.2);
        counts.push(count);
        sums.push(weight);
    }
    Ok(Aggregate {
        attributes,
        scores: out_scores,
        labels: out_labels,
        counts,
        weights: weights.map(|_| sums),
        input_rows: dataset.len(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::engine::dataset::Attribute;
    use crate::engine::grouping::{AttributeGrouping, Binning};

    fn text(name: &str, levels: &[&str], codes: &[u32]) -> Attribute {
        Attribute {
            name: name.to_owned(),
            values: AttributeValues::Categorical {
                levels: levels.iter().map(|l| (*l).to_owned()).collect(),
                codes: codes.to_vec(),
            },
        }
    }

    #[test]
    fn identical_rows_collapse_into_one_counted_row() {
        // g: a a a b b ; scores 0.5 0.5 0.7 0.5 0.5 ; labels 1 1 0 1 0
        let dataset = Dataset::new(
            vec![0.5, 0.5, 0.7, 0.5, 0.5],
            vec![true, true, false, true, false],
            None,
            vec![text("g", &["a", "b"], &[0, 0, 0, 1, 1])],
        )
        .unwrap();
        let result = aggregate(&dataset, &GroupingSpec::by_names(&["g"]), None).unwrap();
        assert_eq!(
            result.attributes[0].values,
            AggregateValues::Text(vec![
                Some("a".into()),
                Some("a".into()),
                Some("b".into()),
                Some("b".into())
            ])
        );
        assert_eq!(result.scores, [0.5, 0.7, 0.5, 0.5]);
        assert_eq!(result.labels, [true, false, false, true]);
        assert_eq!(result.counts, [2, 1, 1, 1]);
        assert_eq!(result.weights, None);
        assert_eq!(result.input_rows, 5);
    }

    #[test]
    fn weights_are_summed_and_rows_counted() {
        let dataset = Dataset::new(
            vec![0.2, 0.2, 0.2],
            vec![true, true, true],
            Some(vec![1.5, 2.0, 0.25]),
            vec![],
        )
        .unwrap();
        let result = aggregate(&dataset, &GroupingSpec::default(), None).unwrap();
        assert_eq!(result.counts, [3]);
        assert_eq!(result.weights, Some(vec![3.75]));
    }

    #[test]
    fn missing_and_quoted_levels_are_written_as_their_raw_values() {
        let dataset = Dataset::new(
            vec![0.1, 0.2, 0.3],
            vec![false, true, true],
            None,
            vec![text(
                "g",
                &["\"(missing)\"", "x", MISSING_LEVEL],
                &[0, 1, 2],
            )],
        )
        .unwrap();
        let result = aggregate(&dataset, &GroupingSpec::by_names(&["g"]), None).unwrap();
        assert_eq!(
            result.attributes[0].values,
            AggregateValues::Text(vec![Some("(missing)".into()), Some("x".into()), None])
        );
    }

    #[test]
    fn numeric_attributes_keep_numbers_or_take_bin_labels() {
        let age = Attribute {
            name: "age".to_owned(),
            values: AttributeValues::Numeric {
                values: vec![20.0, 30.0, f64::NAN, 60.0],
            },
        };
        let dataset = Dataset::new(
            vec![0.1, 0.1, 0.1, 0.1],
            vec![true, true, true, true],
            None,
            vec![age],
        )
        .unwrap();
        let by_value = aggregate(&dataset, &GroupingSpec::by_names(&["age"]), None).unwrap();
        assert_eq!(
            by_value.attributes[0].values,
            AggregateValues::Number(vec![Some(20.0), Some(30.0), Some(60.0), None])
        );
        let mut binned = AttributeGrouping::new("age");
        binned.binning = Some(Binning::Edges {
            edges: vec![25.0, 50.0],
        });
        let spec = GroupingSpec {
            attributes: vec![binned],
            merge_below: None,
        };
        let by_bin = aggregate(&dataset, &spec, None).unwrap();
        assert_eq!(
            by_bin.attributes[0].values,
            AggregateValues::Text(vec![
                Some("< 25".into()),
                Some("[25, 50)".into()),
                Some("≥ 50".into()),
                None
            ])
        );
    }

    #[test]
    fn rounding_merges_scores_and_moves_thresholds_by_at_most_half_a_unit() {
        let dataset = Dataset::new(
            vec![0.123, 0.1249, 0.126, -0.0004],
            vec![true, true, true, false],
            None,
            vec![],
        )
        .unwrap();
        let result = aggregate(&dataset, &GroupingSpec::default(), Some(2)).unwrap();
        assert_eq!(result.scores, [0.0, 0.12, 0.13]);
        assert_eq!(result.counts, [1, 2, 1]);
        assert_eq!(max_threshold_shift(2), 0.005);
        assert_eq!(round_score(0.125, 2), 0.13, "half away from zero");
        assert_eq!(round_score(-0.125, 2), -0.13);
        // Ties of the printed text, whose nearest doubles lie below or above the tie.
        assert_eq!(round_score(0.495, 2), 0.5);
        assert_eq!(round_score(0.565, 2), 0.57);
        assert_eq!(round_score(1.005, 2), 1.01);
        assert_eq!(round_score(0.4949999, 2), 0.49);
        assert_eq!(round_score(1234.5, 0), 1235.0);
        assert_eq!(round_score(0.12, 5), 0.12, "already short enough");
        assert_eq!(round_score(1e-30, 3), 0.0);
        assert_eq!(round_score(2.5e20, 2), 2.5e20);
        assert_eq!(round_score(0.0, 2), 0.0);
        assert!(matches!(
            aggregate(&dataset, &GroupingSpec::default(), Some(16)),
            Err(AggregateError::TooManyDecimals(16))
        ));
    }
}
