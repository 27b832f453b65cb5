//! The aggregate of a whole dataset from the aggregates of its pieces, for data read a piece at a
//! time (`fulcrum aggregate FILE --out`, whatever the file's size): rows with the same attribute
//! values, score and label are one row, their counts and weights summed.

use std::collections::HashMap;

use super::{Aggregate, AggregateColumn, AggregateError, AggregateValues};
use crate::engine::grouping::{
    GroupingError, GroupingSpec, MAX_UNBINNED_NUMERIC_LEVELS, format_level_number,
};

/// One attribute value of an aggregated row, as a hash key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Level {
    /// A missing value.
    Missing,
    /// Text (a level or a bin's label).
    Text(String),
    /// A number, by its bits (`-0.0` made `0.0`).
    Number(u64),
}

impl Level {
    fn number(value: f64) -> Self {
        Level::Number(if value == 0.0 { 0 } else { value.to_bits() })
    }

    /// The order rows are written in: numbers ascending, then text, missing last.
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self, other) {
            (Level::Number(a), Level::Number(b)) => {
                f64::from_bits(*a).total_cmp(&f64::from_bits(*b))
            }
            (Level::Text(a), Level::Text(b)) => a.cmp(b),
            (Level::Missing, Level::Missing) => Ordering::Equal,
            (Level::Number(_), _) | (Level::Text(_), Level::Missing) => Ordering::Less,
            _ => Ordering::Greater,
        }
    }
}

/// An aggregated row's identity: its attribute values (each a code in its attribute's
/// [`Levels`]), score (bits) and label.
type RowKey = (Box<[u32]>, u64, bool);

/// The distinct values of one attribute, each stored once and numbered in the order seen (a
/// merged aggregate of a million rows then holds a few numbers per row, not its text).
#[derive(Debug, Default)]
struct Levels {
    codes: HashMap<Level, u32>,
    values: Vec<Level>,
}

impl Levels {
    fn code(&mut self, level: Level) -> u32 {
        if let Some(code) = self.codes.get(&level) {
            return *code;
        }
        // Fewer levels than rows, and rows of a piece fit in u32.
        let code = self.values.len() as u32;
        self.values.push(level.clone());
        self.codes.insert(level, code);
        code
    }

    fn get(&self, code: u32) -> &Level {
        self.values.get(code as usize).unwrap_or(&Level::Missing)
    }
}

/// Sums the aggregates of the pieces of one dataset ([`AggregateMerger::add`]) into the
/// aggregate of the whole ([`AggregateMerger::finish`]), equal to aggregating every row at once
/// (rows sorted by value, as `Level` orders them, the last attribute varying slowest).
#[derive(Debug, Default)]
pub struct AggregateMerger {
    /// Attribute names, from the first piece.
    names: Vec<String>,
    /// Each attribute's values.
    levels: Vec<Levels>,
    /// Count and summed weight per row.
    rows: HashMap<RowKey, (u64, f64)>,
    /// Whether the pieces were weighted.
    weighted: bool,
    /// Input rows of every piece.
    input_rows: usize,
    /// Pieces added.
    pieces: usize,
}

impl AggregateMerger {
    /// Adds the aggregate of one piece.
    pub fn add(&mut self, piece: &Aggregate) -> Result<(), AggregateError> {
        let names: Vec<String> = piece.attributes.iter().map(|a| a.name.clone()).collect();
        if self.pieces == 0 {
            self.levels = names.iter().map(|_| Levels::default()).collect();
            self.names = names;
            self.weighted = piece.weights.is_some();
        } else if names != self.names || piece.weights.is_some() != self.weighted {
            return Err(AggregateError::PiecesDiffer);
        }
        self.pieces += 1;
        self.input_rows += piece.input_rows;
        for row in 0..piece.len() {
            let levels = piece
                .attributes
                .iter()
                .zip(&mut self.levels)
                .map(|(column, levels)| {
                    levels.code(match &column.values {
                        AggregateValues::Text(values) => match values.get(row).cloned().flatten() {
                            Some(text) => Level::Text(text),
                            None => Level::Missing,
                        },
                        AggregateValues::Number(values) => {
                            match values.get(row).copied().flatten() {
                                Some(value) => Level::number(value),
                                None => Level::Missing,
                            }
                        }
                    })
                })
                .collect();
            let score = piece.scores.get(row).copied().unwrap_or_default();
            let score = if score == 0.0 { 0 } else { score.to_bits() };
            let label = piece.labels.get(row).copied().unwrap_or_default();
            let cell = self.rows.entry((levels, score, label)).or_insert((0, 0.0));
            cell.0 += piece.counts.get(row).copied().unwrap_or_default();
            cell.1 += piece
                .weights
                .as_ref()
                .and_then(|w| w.get(row))
                .copied()
                .unwrap_or_default();
        }
        Ok(())
    }

    /// The aggregate of every piece added. An attribute grouped by its numeric values may have
    /// at most [`MAX_UNBINNED_NUMERIC_LEVELS`] of them over the whole data, as when it is read
    /// at once; one whose pieces were read as numbers in some and text in others (a CSV column
    /// whose type changes partway) is written as text.
    pub fn finish(mut self, grouping: &GroupingSpec) -> Result<Aggregate, AggregateError> {
        for (name, levels) in self.names.iter().zip(&self.levels) {
            let binned = grouping
                .attributes
                .iter()
                .any(|a| &a.name == name && a.binning.is_some());
            let numbers = levels
                .values
                .iter()
                .filter(|l| matches!(l, Level::Number(_)))
                .count();
            if !binned && numbers > MAX_UNBINNED_NUMERIC_LEVELS {
                return Err(GroupingError::NeedsBinning {
                    name: name.clone(),
                    levels: numbers,
                }
                .into());
            }
        }
        // Columns with both numbers and text are written as text: each number's code is
        // redirected to its text's, and rows that then coincide are one row.
        let text_columns: Vec<bool> = self
            .levels
            .iter()
            .map(|levels| levels.values.iter().any(|l| matches!(l, Level::Text(_))))
            .collect();
        let mut rows = std::mem::take(&mut self.rows);
        if text_columns.iter().any(|t| *t) {
            let redirect: Vec<Vec<u32>> =
                self.levels
                    .iter_mut()
                    .zip(&text_columns)
                    .map(|(levels, text)| {
                        let count = levels.values.len() as u32;
                        (0..count)
                            .map(|code| match levels.get(code).clone() {
                                Level::Number(bits) if *text => levels
                                    .code(Level::Text(format_level_number(f64::from_bits(bits)))),
                                _ => code,
                            })
                            .collect()
                    })
                    .collect();
            let mut as_text: HashMap<RowKey, (u64, f64)> = HashMap::with_capacity(rows.len());
            for ((codes, score, label), (count, weight)) in rows {
                let codes: Box<[u32]> = codes
                    .iter()
                    .zip(&redirect)
                    .map(|(code, to)| to.get(*code as usize).copied().unwrap_or(*code))
                    .collect();
                let cell = as_text.entry((codes, score, label)).or_insert((0, 0.0));
                cell.0 += count;
                cell.1 += weight;
            }
            rows = as_text;
        }
        let levels = &self.levels;
        let mut keys: Vec<&RowKey> = rows.keys().collect();
        // The last attribute varies slowest, as in [`super::aggregate`].
        keys.sort_unstable_by(|a, b| {
            a.0.iter()
                .zip(b.0.iter())
                .zip(levels)
                .rev()
                .map(|((x, y), levels)| levels.get(*x).order(levels.get(*y)))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(f64::from_bits(a.1).total_cmp(&f64::from_bits(b.1)))
                .then(a.2.cmp(&b.2))
        });
        let mut attributes: Vec<AggregateColumn> = self
            .names
            .iter()
            .zip(&text_columns)
            .map(|(name, text)| AggregateColumn {
                name: name.clone(),
                values: if *text {
                    AggregateValues::Text(Vec::with_capacity(keys.len()))
                } else {
                    AggregateValues::Number(Vec::with_capacity(keys.len()))
                },
            })
            .collect();
        let mut scores = Vec::with_capacity(keys.len());
        let mut labels = Vec::with_capacity(keys.len());
        let mut counts = Vec::with_capacity(keys.len());
        let mut weights = Vec::with_capacity(keys.len());
        for key in keys {
            let (count, weight) = rows.get(key).copied().unwrap_or_default();
            for ((column, code), levels) in attributes.iter_mut().zip(&key.0).zip(levels) {
                match (&mut column.values, levels.get(*code)) {
                    (AggregateValues::Text(out), Level::Text(text)) => out.push(Some(text.clone())),
                    (AggregateValues::Text(out), _) => out.push(None),
                    (AggregateValues::Number(out), Level::Number(bits)) => {
                        out.push(Some(f64::from_bits(*bits)));
                    }
                    (AggregateValues::Number(out), _) => out.push(None),
                }
            }
            scores.push(f64::from_bits(key.1));
            labels.push(key.2);
            counts.push(count);
            weights.push(weight);
        }
        Ok(Aggregate {
            attributes,
            scores,
            labels,
            counts,
            weights: self.weighted.then_some(weights),
            input_rows: self.input_rows,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::aggregate::aggregate;
    use crate::engine::Dataset;
    use crate::engine::dataset::{Attribute, AttributeValues as Values};

    fn dataset(rows: std::ops::Range<usize>, numeric_g: bool) -> Dataset {
        let scores: Vec<f64> = rows.clone().map(|i| (i % 7) as f64 / 10.0).collect();
        let labels: Vec<bool> = rows.clone().map(|i| i % 3 == 0).collect();
        let weights: Vec<f64> = rows.clone().map(|i| (i % 4) as f64 + 0.5).collect();
        let g = if numeric_g {
            Values::Numeric {
                values: rows
                    .clone()
                    .map(|i| {
                        if i % 11 == 0 {
                            f64::NAN
                        } else {
                            (i % 2) as f64
                        }
                    })
                    .collect(),
            }
        } else {
            Values::Categorical {
                levels: vec!["0".into(), "1".into(), "(missing)".into()],
                codes: rows
                    .clone()
                    .map(|i| if i % 11 == 0 { 2 } else { (i % 2) as u32 })
                    .collect(),
            }
        };
        let h = Values::Categorical {
            levels: vec!["x".into(), "y".into()],
            codes: rows.map(|i| u32::from(i % 5 == 0)).collect(),
        };
        Dataset::new(
            scores,
            labels,
            Some(weights),
            vec![
                Attribute {
                    name: "g".into(),
                    values: g,
                },
                Attribute {
                    name: "h".into(),
                    values: h,
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn pieces_merge_into_the_aggregate_of_every_row() {
        let spec = GroupingSpec::by_names(&["g", "h"]);
        let whole = aggregate(&dataset(0..500, true), &spec, None).unwrap();
        let mut merger = AggregateMerger::default();
        for range in [0..120, 120..121, 121..400, 400..500] {
            merger
                .add(&aggregate(&dataset(range, true), &spec, None).unwrap())
                .unwrap();
        }
        let merged = merger.finish(&spec).unwrap();
        assert_eq!(merged.input_rows, 500);
        // The same rows with the same counts and weights, in the same order here (numbers
        // ascending, missing last, scores ascending, labels false first).
        assert_eq!(merged, whole);
    }

    #[test]
    fn a_column_read_as_numbers_in_one_piece_and_text_in_another_is_text() {
        let spec = GroupingSpec::by_names(&["g", "h"]);
        let mut merger = AggregateMerger::default();
        merger
            .add(&aggregate(&dataset(0..50, true), &spec, None).unwrap())
            .unwrap();
        merger
            .add(&aggregate(&dataset(50..100, false), &spec, None).unwrap())
            .unwrap();
        let merged = merger.finish(&spec).unwrap();
        let AggregateValues::Text(values) = &merged.attributes[0].values else {
            panic!("g is text");
        };
        assert!(
            values
                .iter()
                .all(|v| matches!(v.as_deref(), Some("0" | "1") | None))
        );
        // Rows of "1" read as a number and as text are one row.
        let mut all_text = AggregateMerger::default();
        all_text
            .add(&aggregate(&dataset(0..100, false), &spec, None).unwrap())
            .unwrap();
        let all_text = all_text.finish(&spec).unwrap();
        assert_eq!(merged.counts, all_text.counts);
        assert_eq!(merged.weights, all_text.weights);
    }

    #[test]
    fn too_many_numeric_levels_over_the_pieces_need_binning() {
        let piece = |first: usize| {
            let values: Vec<f64> = (first..first + 60).map(|i| i as f64).collect();
            Dataset::new(
                vec![0.5; 60],
                vec![true; 60],
                None,
                vec![Attribute {
                    name: "age".into(),
                    values: Values::Numeric { values },
                }],
            )
            .unwrap()
        };
        let spec = GroupingSpec::by_names(&["age"]);
        let mut merger = AggregateMerger::default();
        merger
            .add(&aggregate(&piece(0), &spec, None).unwrap())
            .unwrap();
        merger
            .add(&aggregate(&piece(60), &spec, None).unwrap())
            .unwrap();
        assert_eq!(
            merger.finish(&spec).unwrap_err(),
            AggregateError::Grouping(GroupingError::NeedsBinning {
                name: "age".into(),
                levels: 120
            })
        );
    }
}
