//! Turning attribute columns into groups: which attributes, how numeric ones are binned, which
//! levels are left out. The result is one small integer per row ([`RowGroups`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use super::dataset::{Attribute, AttributeValues, MISSING_LEVEL};
use super::index::DecisionRule;

/// The separator between attribute values in a group key (`Female × Black`).
pub const KEY_SEPARATOR: &str = " × ";

/// The separator that may be typed instead of [`KEY_SEPARATOR`] wherever a group key is written
/// (`--reference "Female | Black"`, thresholds and session files): plain ASCII, with or without
/// spaces around it. A level containing it is shown quoted ([`level_label`]), so a `|` outside
/// quotes always separates two values. Keys are shown, and written by Fulcrum, with ` × `.
pub const ASCII_KEY_SEPARATOR: char = '|';

/// The key of the single group formed when no attribute is chosen.
pub const ALL_ROWS_KEY: &str = "All";

/// The key of the row for everyone in an audit.
pub const OVERALL_KEY: &str = "Overall";

/// Words a group key or level has a meaning of its own for: a text value spelled like one of
/// them is shown quoted ([`level_label`]), so it can never be taken for that meaning.
const RESERVED_LEVELS: [&str; 3] = [MISSING_LEVEL, OVERALL_KEY, super::thresholds::DEFAULT_KEY];

/// The label of a text value as a level, chosen so that every group key names one tuple of
/// values and no two tuples share a key: a value is its own label unless it is empty, has
/// surrounding spaces, starts with `"`, contains [`KEY_SEPARATOR`], [`ASCII_KEY_SEPARATOR`] or a
/// control character, or is spelled like a reserved word (`(missing)`, `Overall`, `default`);
/// then it is written as a JSON string (`"p × q"`, `"a|b"`, `"(missing)"`, `""`). A key is then
/// read unambiguously from left to right: a quoted label runs to its closing quote, a bare one to
/// the next separator.
pub fn level_label(value: &str) -> Cow<'_, str> {
    let needs_quotes = value.is_empty()
        || value.starts_with('"')
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace)
        || value.contains(KEY_SEPARATOR)
        || value.contains(ASCII_KEY_SEPARATOR)
        || value.contains(char::is_control)
        || RESERVED_LEVELS.contains(&value);
    if needs_quotes {
        // A string always serializes; the fallback only keeps this total.
        Cow::Owned(serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}")))
    } else {
        Cow::Borrowed(value)
    }
}

/// A group key as typed, in the form Fulcrum shows it: every [`ASCII_KEY_SEPARATOR`] outside a
/// quoted label, with the spaces around it, becomes [`KEY_SEPARATOR`] (`Female | Black` and
/// `Female|Black` → `Female × Black`; `"a|b" | c` → `"a|b" × c`). A key without `|` is
/// returned as it is, and so is text that is not a well-formed key (a quote left open, text
/// after a closing quote): it then matches no group, and the error names the closest one.
///
/// Every place a user types a key reads it through this function (`--reference`, thresholds
/// JSON, a session's thresholds, scenarios and reference), so the two spellings are one key.
pub fn normalize_key(typed: &str) -> Cow<'_, str> {
    if !typed.contains(ASCII_KEY_SEPARATOR) {
        return Cow::Borrowed(typed);
    }
    // Pieces of the key between bars, in order; a piece may itself hold several labels joined
    // by ` × `, which the join below writes back as they are.
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = typed;
    loop {
        let (piece, after) = if rest.starts_with('"') {
            match closing_quote(rest) {
                Some(end) => rest.split_at(end),
                None => return Cow::Borrowed(typed),
            }
        } else {
            // A bare label runs to the first bar, or to a ` × ` that opens a quoted label (which
            // may hold a bar). A bare label never has surrounding spaces (those are quoted), so
            // the spaces before a bar belong to the separator.
            let quoted_next = rest
                .find(&format!("{KEY_SEPARATOR}\""))
                .unwrap_or(rest.len());
            let bar = rest.find(ASCII_KEY_SEPARATOR).unwrap_or(rest.len());
            let end = bar.min(quoted_next);
            let (piece, after) = rest.split_at(end);
            if bar < quoted_next {
                (piece.trim_end(), after)
            } else {
                (piece, after)
            }
        };
        pieces.push(piece);
        if after.is_empty() {
            break;
        }
        rest = if let Some(next) = after.strip_prefix(KEY_SEPARATOR) {
            next
        } else if let Some(next) = after.trim_start().strip_prefix(ASCII_KEY_SEPARATOR) {
            next.trim_start()
        } else {
            return Cow::Borrowed(typed);
        };
    }
    Cow::Owned(pieces.join(KEY_SEPARATOR))
}

/// The byte just past the quote closing the JSON string that `text` starts with.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, character) in text.char_indices().skip(1) {
        match character {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at + 1),
            _ => {}
        }
    }
    None
}

/// Numeric attributes with more distinct values than this must be binned before grouping.
pub const MAX_UNBINNED_NUMERIC_LEVELS: usize = 100;

/// Row marker for rows left out of every group (an excluded level).
pub const NO_GROUP: u32 = u32::MAX;

/// Every row's decision at one threshold, for [`assign_groups`] to split each group's rows by
/// label and decision while it groups them: a one-shot audit at a single threshold then needs no
/// second pass over the rows.
#[derive(Clone, Copy, Debug)]
pub struct DecisionSplit<'a> {
    /// Every row's score.
    pub scores: &'a [f64],
    /// Every row's label.
    pub labels: &'a [bool],
    /// The threshold every row is decided at.
    pub threshold: f64,
    /// How a score is compared with it.
    pub rule: DecisionRule,
}

/// Confusion cells per key with a [`DecisionSplit`]: [TN, FP, FN, TP], indexed by
/// `(positive << 1) | selected`.
pub const CELLS: usize = 4;

/// How rows are sliced into groups: the intersection of the listed attributes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupingSpec {
    /// Attributes in key order; empty means one group with every row.
    pub attributes: Vec<AttributeGrouping>,
    /// Merge every group with less weight than this into one "Other (small groups)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_below: Option<f64>,
}

impl GroupingSpec {
    /// Groups by the named attributes, without binning or exclusions.
    pub fn by_names<S: AsRef<str>>(names: &[S]) -> Self {
        Self {
            attributes: names
                .iter()
                .map(|n| AttributeGrouping::new(n.as_ref()))
                .collect(),
            merge_below: None,
        }
    }
}

/// One attribute of a grouping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeGrouping {
    /// Column name.
    pub name: String,
    /// How to cut a numeric attribute; `None` uses its distinct values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binning: Option<Binning>,
    /// Levels whose rows are left out of the analysis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_levels: Vec<String>,
}

impl AttributeGrouping {
    /// Groups by this attribute's values as they are.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            binning: None,
            excluded_levels: Vec::new(),
        }
    }
}

/// How a numeric attribute is cut into bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Binning {
    /// Bins holding (about) equal weight each.
    Quantiles {
        /// Number of bins wanted; fewer result when values repeat.
        bins: usize,
    },
    /// Bins cut at the given increasing edges: `< e1`, `[e1, e2)`, …, `≥ ek`.
    Edges {
        /// Increasing cut points.
        edges: Vec<f64>,
    },
}

impl std::str::FromStr for Binning {
    type Err = String;

    /// Parses `q4` (four quantile bins) or `18,25,35` (edges).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Some(bins) = text.strip_prefix('q') {
            return match bins.parse::<usize>() {
                Ok(bins) if bins >= 2 => Ok(Binning::Quantiles { bins }),
                _ => Err(format!(
                    "`{text}`: quantile bins are written q2, q3, q4, … (at least 2)"
                )),
            };
        }
        let edges = text
            .split(',')
            .map(|e| e.trim().parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                format!("`{text}`: expected qN or comma-separated numbers like 25,35,50")
            })?;
        if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("`{text}`: bin edges must be finite and increasing"));
        }
        Ok(Binning::Edges { edges })
    }
}

/// Why a grouping cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupingError {
    /// The attribute is not among the loaded columns.
    #[error("attribute `{name}` is not loaded (loaded: {})", loaded.join(", "))]
    UnknownAttribute {
        /// The requested name.
        name: String,
        /// The attributes that are loaded.
        loaded: Vec<String>,
    },
    /// A numeric attribute with too many distinct values to group by without binning.
    #[error(
        "attribute `{name}` is numeric with {levels} distinct values; bin it (for example quantiles q4, or edges like 25,35,50)"
    )]
    NeedsBinning {
        /// The attribute.
        name: String,
        /// Its number of distinct values.
        levels: usize,
    },
    /// Binning was asked for a text attribute.
    #[error("attribute `{name}` is not numeric and cannot be binned")]
    NotNumeric {
        /// The attribute.
        name: String,
    },
    /// Every row was excluded.
    #[error("no rows are left after excluding levels")]
    NothingLeft,
}

/// An attribute reduced to level codes, after binning (categorical codes are borrowed from the
/// dataset, not copied).
#[derive(Clone, Debug, PartialEq)]
pub struct CodedAttribute<'a> {
    /// Column name.
    pub name: String,
    /// Level labels in display order.
    pub levels: Vec<String>,
    /// Per row, an index into `levels`.
    pub codes: Cow<'a, [u32]>,
}

/// Codes every attribute `spec` names, found by name among `attributes` (an unknown name is an
/// error listing the loaded ones), each as [`code_attribute`] codes it.
pub fn code_attributes<'a>(
    attributes: &'a [Attribute],
    spec: &GroupingSpec,
    weights: Option<&[f64]>,
) -> Result<Vec<CodedAttribute<'a>>, GroupingError> {
    spec.attributes
        .iter()
        .map(|grouping| {
            let attribute = attributes
                .iter()
                .find(|a| a.name == grouping.name)
                .ok_or_else(|| GroupingError::UnknownAttribute {
                    name: grouping.name.clone(),
                    loaded: attributes.iter().map(|a| a.name.clone()).collect(),
                })?;
            code_attribute(attribute, grouping, weights)
        })
        .collect()
}

/// Codes an attribute according to its grouping: categorical codes as they are, numeric values
/// binned or by distinct value.
pub fn code_attribute<'a>(
    attribute: &'a Attribute,
    grouping: &AttributeGrouping,
    weights: Option<&[f64]>,
) -> Result<CodedAttribute<'a>, GroupingError> {
    let name = attribute.name.clone();
    match (&attribute.values, &grouping.binning) {
        (AttributeValues::Categorical { levels, codes }, None) => Ok(CodedAttribute {
            name,
            levels: levels.clone(),
            codes: Cow::Borrowed(codes),
        }),
        (AttributeValues::Categorical { .. }, Some(_)) => Err(GroupingError::NotNumeric { name }),
        (AttributeValues::Numeric { values }, None) => code_distinct_numbers(name, values),
        (AttributeValues::Numeric { values }, Some(binning)) => {
            let edges = match binning {
                Binning::Edges { edges } => edges.clone(),
                Binning::Quantiles { bins } => quantile_edges(values, weights, *bins),
            };
            Ok(code_bins(name, values, &edges))
        }
    }
}

/// Formats a number for a level label: integers without a decimal point.
pub fn format_level_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

fn code_distinct_numbers(
    name: String,
    values: &[f64],
) -> Result<CodedAttribute<'static>, GroupingError> {
    let mut distinct: Vec<f64> = Vec::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut has_missing = false;
    for &v in values {
        if v.is_nan() {
            has_missing = true;
        } else if seen.insert(normalized_bits(v)) {
            distinct.push(v);
            if distinct.len() > MAX_UNBINNED_NUMERIC_LEVELS {
                let levels = values
                    .iter()
                    .filter(|v| !v.is_nan())
                    .map(|v| normalized_bits(*v))
                    .collect::<HashSet<_>>()
                    .len();
                return Err(GroupingError::NeedsBinning { name, levels });
            }
        }
    }
    distinct.sort_by(f64::total_cmp);
    let lookup: HashMap<u64, u32> = distinct
        .iter()
        .enumerate()
        .map(|(i, v)| (normalized_bits(*v), i as u32))
        .collect();
    let missing_code = distinct.len() as u32;
    let codes: Vec<u32> = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                missing_code
            } else {
                lookup
                    .get(&normalized_bits(*v))
                    .copied()
                    .unwrap_or(missing_code)
            }
        })
        .collect();
    let mut levels: Vec<String> = distinct.iter().map(|v| format_level_number(*v)).collect();
    if has_missing {
        levels.push(MISSING_LEVEL.to_owned());
    }
    Ok(CodedAttribute {
        name,
        levels,
        codes: Cow::Owned(codes),
    })
}

/// Bit pattern of a number with -0.0 folded into 0.0, for hashing.
fn normalized_bits(v: f64) -> u64 {
    if v == 0.0 { 0 } else { v.to_bits() }
}

/// Edges that split the (weighted) values into `bins` bins of about equal weight.
///
/// Each edge is a data value: of the two distinct values around a quantile, the one whose weight
/// below it is closer to the quantile. Runs of equal values are never split, so heavy ties give
/// fewer bins.
pub fn quantile_edges(values: &[f64], weights: Option<&[f64]>, bins: usize) -> Vec<f64> {
    use rayon::prelude::*;
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .map(|(i, v)| (*v, weights.and_then(|w| w.get(i).copied()).unwrap_or(1.0)))
        .collect();
    pairs.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    // Distinct values with the weight strictly below each.
    let mut distinct: Vec<f64> = Vec::new();
    let mut below: Vec<f64> = Vec::new();
    let mut cumulative = 0.0;
    for &(value, weight) in &pairs {
        if distinct.last() != Some(&value) {
            distinct.push(value);
            below.push(cumulative);
        }
        cumulative += weight;
    }
    let mut edges: Vec<f64> = Vec::new();
    for k in 1..bins {
        let target = cumulative * k as f64 / bins as f64;
        let j = below.partition_point(|b| *b < target);
        // Index 0 (the minimum) is never an edge: nothing lies below it.
        let candidate = match (j.checked_sub(1).filter(|i| *i >= 1), below.get(j)) {
            (Some(i), Some(b)) => {
                let before = below.get(i).copied().unwrap_or(0.0);
                if target - before < b - target { i } else { j }
            }
            (Some(i), None) => i,
            (None, Some(_)) if j >= 1 => j,
            _ => continue,
        };
        if let Some(&edge) = distinct.get(candidate)
            && edges.last().is_none_or(|&last| last < edge)
        {
            edges.push(edge);
        }
    }
    edges
}

fn code_bins(name: String, values: &[f64], edges: &[f64]) -> CodedAttribute<'static> {
    let mut levels = Vec::with_capacity(edges.len() + 2);
    match edges {
        [] => levels.push("all values".to_owned()),
        [first, ..] => {
            levels.push(format!("< {}", format_level_number(*first)));
            for pair in edges.windows(2) {
                levels.push(format!(
                    "[{}, {})",
                    format_level_number(pair[0]),
                    format_level_number(pair[1])
                ));
            }
            if let Some(last) = edges.last() {
                levels.push(format!("≥ {}", format_level_number(*last)));
            }
        }
    }
    let missing_code = levels.len() as u32;
    let mut has_missing = false;
    let codes: Vec<u32> = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                has_missing = true;
                missing_code
            } else {
                edges.partition_point(|e| e <= v) as u32
            }
        })
        .collect();
    if has_missing {
        levels.push(MISSING_LEVEL.to_owned());
    }
    CodedAttribute {
        name,
        levels,
        codes: Cow::Owned(codes),
    }
}

/// The group of every row under a grouping.
#[derive(Clone, Debug, PartialEq)]
pub struct RowGroups {
    /// Names of the attributes in key order.
    pub attribute_names: Vec<String>,
    /// For each non-empty group, its level per attribute, in lexicographic order of codes.
    pub group_levels: Vec<Vec<String>>,
    /// Per row, a key whose group is `group_of_key[key]` (the key is the row's combination of
    /// levels when they fit a table, its group otherwise): two small steps instead of a pass
    /// over every row to rewrite combinations into groups. Empty when `cells_by_key` is given:
    /// the counts were what the caller asked for, and the keys are not kept.
    pub row_keys: Vec<u32>,
    /// The group of each key, or [`NO_GROUP`] for combinations of excluded levels.
    pub group_of_key: Vec<u32>,
    /// Rows in each group.
    pub rows_per_group: Vec<u64>,
    /// Total weight of each group (its rows when unweighted).
    pub weight_per_group: Vec<f64>,
    /// With a [`DecisionSplit`], each key's rows (their weight when weighted) in [`CELLS`]
    /// cells, [`CELLS`] per key. `None` without a split, or when the combinations are too many
    /// to count that way (the caller then counts in a pass of its own).
    pub cells_by_key: Option<Vec<f64>>,
}

impl RowGroups {
    /// The group of row `row`, or [`NO_GROUP`].
    pub fn group_of_row(&self, row: usize) -> u32 {
        self.row_keys
            .get(row)
            .and_then(|key| self.group_of_key.get(*key as usize))
            .copied()
            .unwrap_or(NO_GROUP)
    }

    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.group_levels.len()
    }

    /// The key of group `index`, like `Female × Black`.
    pub fn key(&self, index: usize) -> String {
        group_key(self.group_levels.get(index).map_or(&[][..], Vec::as_slice))
    }
}

/// Joins levels into a group key.
pub fn group_key(levels: &[String]) -> String {
    if levels.is_empty() {
        ALL_ROWS_KEY.to_owned()
    } else {
        levels.join(KEY_SEPARATOR)
    }
}

/// Assigns every row to the intersection of its levels; empty combinations are omitted.
pub fn assign_groups(
    attributes: &[Attribute],
    spec: &GroupingSpec,
    weights: Option<&[f64]>,
    rows: usize,
    split: Option<DecisionSplit<'_>>,
) -> Result<RowGroups, GroupingError> {
    assign_groups_with_limit(attributes, spec, weights, rows, split, DIRECT_TABLE_LIMIT)
}

/// [`assign_groups`], numbering combinations through a direct table when there are at most
/// `direct_limit` of them (tests force the hash map with 0).
fn assign_groups_with_limit(
    attributes: &[Attribute],
    spec: &GroupingSpec,
    weights: Option<&[f64]>,
    rows: usize,
    split: Option<DecisionSplit<'_>>,
    direct_limit: u64,
) -> Result<RowGroups, GroupingError> {
    let coded = code_attributes(attributes, spec, weights)?;

    // Per attribute, which codes are excluded.
    let excluded: Vec<Vec<bool>> = coded
        .iter()
        .zip(&spec.attributes)
        .map(|(c, g)| {
            c.levels
                .iter()
                .map(|l| g.excluded_levels.contains(l))
                .collect()
        })
        .collect();

    // Mixed-radix combination number per row, lexicographic in attribute order.
    let radices: Vec<u64> = coded.iter().map(|c| c.levels.len().max(1) as u64).collect();
    let excluded_combination = |combo: u64| {
        let mut rest = combo;
        coded
            .iter()
            .zip(&radices)
            .zip(&excluded)
            .rev()
            .any(|((_, radix), excluded)| {
                let code = rest % radix;
                rest /= radix;
                excluded.get(code as usize).copied().unwrap_or(false)
            })
    };
    let space = radices
        .iter()
        .try_fold(1u64, |product, radix| product.checked_mul(*radix));
    let numbered = match space {
        Some(space) if space <= direct_limit => direct_groups(
            &coded,
            &radices,
            space as usize,
            excluded_combination,
            weights,
            rows,
            split,
        ),
        _ => {
            let combination: Vec<u64> = (0..rows)
                .into_par_iter()
                .map(|row| {
                    let mut combo = 0u64;
                    for ((attribute, radix), excluded) in coded.iter().zip(&radices).zip(&excluded)
                    {
                        let code = attribute.codes.get(row).copied().unwrap_or_default();
                        if excluded.get(code as usize).copied().unwrap_or(false) {
                            return NO_COMBINATION;
                        }
                        combo = combo * radix + u64::from(code);
                    }
                    combo
                })
                .collect();
            hashed_groups(&combination, weights)
        }
    };
    let NumberedGroups {
        present,
        row_keys,
        group_of_key,
        rows_per_group,
        weight_per_group,
        cells_by_key,
    } = numbered;
    if present.is_empty() {
        return Err(GroupingError::NothingLeft);
    }
    let group_levels = present
        .iter()
        .map(|&combo| {
            let mut rest = combo;
            let mut levels = vec![String::new(); coded.len()];
            for (slot, (attribute, radix)) in
                levels.iter_mut().zip(coded.iter().zip(&radices)).rev()
            {
                let code = (rest % radix) as usize;
                rest /= radix;
                *slot = attribute.levels.get(code).cloned().unwrap_or_default();
            }
            levels
        })
        .collect();
    Ok(RowGroups {
        attribute_names: coded.into_iter().map(|c| c.name).collect(),
        group_levels,
        row_keys,
        group_of_key,
        rows_per_group,
        weight_per_group,
        cells_by_key,
    })
}

/// Combination spaces up to this size are numbered through a direct table; larger ones (many
/// attributes with many levels) through a hash map.
const DIRECT_TABLE_LIMIT: u64 = 1 << 22;

/// The combination of a row with an excluded level.
const NO_COMBINATION: u64 = u64::MAX;

/// Rows per parallel task in the grouping passes.
const BLOCK_ROWS: usize = 1 << 16;

/// Combination spaces up to this size are counted with one table per parallel task; larger
/// ones with a single table.
const PARALLEL_TABLE_LIMIT: usize = 1 << 16;

/// The groups found: distinct kept combinations in ascending order, every row's key and each
/// key's group, and each group's rows and weight.
struct NumberedGroups {
    present: Vec<u64>,
    row_keys: Vec<u32>,
    group_of_key: Vec<u32>,
    rows_per_group: Vec<u64>,
    weight_per_group: Vec<f64>,
    cells_by_key: Option<Vec<f64>>,
}

/// Numbers groups through a table indexed by combination (`space` ≤ [`DIRECT_TABLE_LIMIT`], so
/// combinations fit in `u32` and are the rows' keys): one parallel pass computes each row's
/// combination and counts rows and weight per combination while the block is in cache (per
/// combination and [`CELLS`] cell with a `split`). O(rows), no hashing, no 64-bit copy of the
/// rows.
fn direct_groups(
    coded: &[CodedAttribute<'_>],
    radices: &[u64],
    space: usize,
    excluded_combination: impl Fn(u64) -> bool,
    weights: Option<&[f64]>,
    rows: usize,
    split: Option<DecisionSplit<'_>>,
) -> NumberedGroups {
    // The split is counted in the same pass when its tables are small enough to keep per task,
    // and its counts then stand in for the rows' keys, which are not kept.
    let split = split.filter(|_| space * CELLS <= PARALLEL_TABLE_LIMIT);
    let mut row_keys = match split {
        Some(_) => Vec::new(),
        None => vec![0u32; rows],
    };
    // Each row's combination, into `combos` (zeros on entry) for the block's rows.
    let combine = |block: usize, combos: &mut [u32]| {
        let start = block * BLOCK_ROWS;
        for (attribute, radix) in coded.iter().zip(radices) {
            // Every radix divides `space` ≤ 2^22, and every code is below its radix.
            let radix = *radix as u32;
            let codes = attribute
                .codes
                .get(start..start + combos.len())
                .unwrap_or_default();
            for (combo, code) in combos.iter_mut().zip(codes) {
                *combo = combo.wrapping_mul(radix).wrapping_add(*code);
            }
        }
    };
    let (stride, totals) = if let Some(split) = split {
        let table = space * CELLS;
        let totals = match split.rule {
            DecisionRule::AtLeast => {
                count_split(rows, combine, split, weights, table, |s, t| s >= t)
            }
            DecisionRule::Above => count_split(rows, combine, split, weights, table, |s, t| s > t),
        };
        (CELLS, totals)
    } else if space <= PARALLEL_TABLE_LIMIT {
        // Combine and count each block while it is in cache.
        let empty = || (vec![0u64; space], vec![0.0f64; space]);
        let totals = row_keys
            .par_chunks_mut(BLOCK_ROWS)
            .enumerate()
            .fold(empty, |totals, (block, combos)| {
                combine(block, combos);
                let start = block * BLOCK_ROWS;
                count_keys(totals, start, combos.iter().map(|&c| c as usize), weights)
            })
            .reduce(empty, add_totals);
        (1, totals)
    } else {
        row_keys
            .par_chunks_mut(BLOCK_ROWS)
            .enumerate()
            .for_each(|(block, combos)| combine(block, combos));
        let totals = row_keys.chunks(BLOCK_ROWS).enumerate().fold(
            (vec![0u64; space], vec![0.0f64; space]),
            |totals, (block, keys)| {
                let start = block * BLOCK_ROWS;
                count_keys(totals, start, keys.iter().map(|&k| k as usize), weights)
            },
        );
        (1, totals)
    };
    let (rows_by_cell, weight_by_cell) = totals;
    let mut group_of_key = vec![NO_GROUP; space];
    let mut present = Vec::new();
    let mut rows_per_group = Vec::new();
    let mut weight_per_group = Vec::new();
    for (combo, ((slot, rows), weight)) in group_of_key
        .iter_mut()
        .zip(rows_by_cell.chunks_exact(stride))
        .zip(weight_by_cell.chunks_exact(stride))
        .enumerate()
    {
        let rows: u64 = rows.iter().sum();
        if rows > 0 && !excluded_combination(combo as u64) {
            *slot = present.len() as u32;
            present.push(combo as u64);
            rows_per_group.push(rows);
            weight_per_group.push(match weights {
                Some(_) => weight.iter().sum(),
                // Counts below 2^53 convert exactly.
                None => rows as f64,
            });
        }
    }
    let cells_by_key = split.map(|_| match weights {
        Some(_) => weight_by_cell,
        None => rows_by_cell.iter().map(|&n| n as f64).collect(),
    });
    NumberedGroups {
        present,
        row_keys,
        group_of_key,
        rows_per_group,
        weight_per_group,
        cells_by_key,
    }
}

/// The pass of [`direct_groups`] with a split: each block's combinations, then each row's cell
/// (`combination × CELLS + (positive << 1 | selected)`), then the block's cells counted, into
/// tables of `table` entries. Generic over the decision so the comparison is inlined.
///
/// The three steps are separate loops over a block-sized buffer: the first two vectorize, and
/// counting from a plain list of indices is about three times faster than counting straight from
/// the comparison.
fn count_split(
    rows: usize,
    combine: impl Fn(usize, &mut [u32]) + Sync,
    split: DecisionSplit<'_>,
    weights: Option<&[f64]>,
    table: usize,
    selects: impl Fn(f64, f64) -> bool + Sync,
) -> (Vec<u64>, Vec<f64>) {
    let empty = || (vec![0u64; table], vec![0.0f64; table]);
    (0..rows.div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .fold(
            || (empty(), Vec::with_capacity(BLOCK_ROWS)),
            |(totals, mut cells), block| {
                let start = block * BLOCK_ROWS;
                cells.clear();
                cells.resize(BLOCK_ROWS.min(rows - start), 0u32);
                combine(block, &mut cells);
                let scores = split.scores.get(start..).unwrap_or_default();
                let labels = split.labels.get(start..).unwrap_or_default();
                for ((cell, &score), &positive) in cells.iter_mut().zip(scores).zip(labels) {
                    // Below `table` ≤ 2^16: the combination is below `space`.
                    *cell = *cell * CELLS as u32
                        + (u32::from(positive) << 1 | u32::from(selects(score, split.threshold)));
                }
                let totals = count_keys(totals, start, cells.iter().map(|&c| c as usize), weights);
                (totals, cells)
            },
        )
        .map(|(totals, _)| totals)
        .reduce(empty, add_totals)
}

/// Adds the rows (and, when weighted, the weights) at `indices`, rows `start..` of the data, to
/// the totals per index; indices beyond the tables are skipped.
fn count_keys(
    (mut rows, mut weight): (Vec<u64>, Vec<f64>),
    start: usize,
    indices: impl Iterator<Item = usize>,
    weights: Option<&[f64]>,
) -> (Vec<u64>, Vec<f64>) {
    match weights {
        None => {
            for index in indices {
                if let Some(n) = rows.get_mut(index) {
                    *n += 1;
                }
            }
        }
        Some(weights) => {
            let weights = weights.get(start..).unwrap_or_default();
            for (index, w) in indices.zip(weights) {
                if let (Some(n), Some(total)) = (rows.get_mut(index), weight.get_mut(index)) {
                    *n += 1;
                    *total += w;
                }
            }
        }
    }
    (rows, weight)
}

/// Adds two tables of totals.
fn add_totals(
    (mut rows, mut weight): (Vec<u64>, Vec<f64>),
    (more_rows, more_weight): (Vec<u64>, Vec<f64>),
) -> (Vec<u64>, Vec<f64>) {
    rows.iter_mut().zip(more_rows).for_each(|(a, b)| *a += b);
    weight
        .iter_mut()
        .zip(more_weight)
        .for_each(|(a, b)| *a += b);
    (rows, weight)
}

/// Numbers groups through a hash map, for combination spaces too large for a table (many
/// attributes with many levels); rows of [`NO_COMBINATION`] belong to no group.
fn hashed_groups(combination: &[u64], weights: Option<&[f64]>) -> NumberedGroups {
    let mut distinct: FxHashMap<u64, u32> = FxHashMap::default();
    for combo in combination {
        if *combo != NO_COMBINATION {
            distinct.entry(*combo).or_insert(0);
        }
    }
    let mut present: Vec<u64> = distinct.keys().copied().collect();
    present.sort_unstable();
    for (i, combo) in present.iter().enumerate() {
        distinct.insert(*combo, i as u32);
    }
    let row_keys: Vec<u32> = combination
        .par_iter()
        .map(|combo| distinct.get(combo).copied().unwrap_or(NO_GROUP))
        .collect();
    let groups = present.len();
    let (rows_per_group, weight) = row_keys
        .par_chunks(BLOCK_ROWS)
        .enumerate()
        .fold(
            || (vec![0u64; groups], vec![0.0f64; groups]),
            |totals, (block, keys)| {
                let start = block * BLOCK_ROWS;
                count_keys(totals, start, keys.iter().map(|&k| k as usize), weights)
            },
        )
        .reduce(|| (vec![0u64; groups], vec![0.0f64; groups]), add_totals);
    let weight_per_group = match weights {
        Some(_) => weight,
        // Counts below 2^53 convert exactly.
        None => rows_per_group.iter().map(|n| *n as f64).collect(),
    };
    NumberedGroups {
        present,
        row_keys,
        // Keys are groups here.
        group_of_key: (0..groups as u32).collect(),
        rows_per_group,
        weight_per_group,
        cells_by_key: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_typed_between_values_is_the_key_separator() {
        let normalized = |typed: &str| normalize_key(typed).into_owned();
        assert_eq!(normalized("Female | Black"), "Female × Black");
        assert_eq!(normalized("Female|Black"), "Female × Black");
        assert_eq!(
            normalized("Female  |  Black | 35-44"),
            "Female × Black × 35-44"
        );
        assert_eq!(normalized("a | b × c"), "a × b × c");
        // A level ending in ` ×` (shown bare) before a spaced bar, found by the property test.
        assert_eq!(normalized("+ × | r"), "+ × × r");
        assert_eq!(normalized("r × \"a|b\" | c"), "r × \"a|b\" × c");
        // A quoted label keeps its bar; the bar between labels separates.
        assert_eq!(normalized("\"a|b\" | c"), "\"a|b\" × c");
        assert_eq!(normalized("c|\"a \\\"|\\\" b\""), "c × \"a \\\"|\\\" b\"");
        // Keys without a bar, and text that is no key, are left as they are.
        assert!(matches!(normalize_key("Female × Black"), Cow::Borrowed(_)));
        assert_eq!(normalized("\"open|"), "\"open|");
        assert_eq!(normalized("\"p\" q|r"), "\"p\" q|r");
    }

    #[test]
    fn a_level_with_a_bar_is_quoted_so_a_typed_bar_always_separates() {
        assert_eq!(level_label("a|b"), "\"a|b\"");
        assert_eq!(level_label("a | b"), "\"a | b\"");
        assert_eq!(level_label("a x b"), "a x b");
        assert_eq!(
            normalize_key(&format!("{}|c", level_label("a|b"))),
            "\"a|b\" × c"
        );
    }

    #[test]
    fn direct_table_and_hash_map_number_groups_alike() {
        // Three attributes with gaps (unused levels), an excluded level and weights, over more
        // rows than one parallel block.
        let rows = 3 * BLOCK_ROWS + 5;
        let codes = |modulus: usize, skip: u32| -> Vec<u32> {
            (0..rows)
                .map(|i| ((i * 7919 + i / 3) % modulus) as u32)
                .map(|c| if c == skip { 0 } else { c })
                .collect()
        };
        let level_names = |n: usize| -> Vec<String> { (0..n).map(|i| format!("l{i}")).collect() };
        let attribute = |name: &str, levels: usize, skip: u32| Attribute {
            name: name.into(),
            values: AttributeValues::Categorical {
                levels: level_names(levels),
                codes: codes(levels, skip),
            },
        };
        let attributes = [
            attribute("a", 5, 3),
            attribute("b", 7, 1),
            attribute("c", 11, 99),
        ];
        let mut spec = GroupingSpec::by_names(&["a", "b", "c"]);
        spec.attributes[1].excluded_levels.push("l4".into());
        let weights: Vec<f64> = (0..rows).map(|i| (i % 4) as f64 * 0.5).collect();
        for weights in [None, Some(weights.as_slice())] {
            let direct = assign_groups(&attributes, &spec, weights, rows, None).unwrap();
            let hashed =
                assign_groups_with_limit(&attributes, &spec, weights, rows, None, 0).unwrap();
            // Keys differ (combinations, groups), groups do not.
            assert_eq!(direct.group_levels, hashed.group_levels);
            assert_eq!(direct.rows_per_group, hashed.rows_per_group);
            assert_eq!(direct.weight_per_group, hashed.weight_per_group);
            for row in 0..rows {
                assert_eq!(
                    direct.group_of_row(row),
                    hashed.group_of_row(row),
                    "row {row}"
                );
            }
            // Every row's group holds its levels; excluded rows are in none.
            for row in (0..rows).step_by(97) {
                let levels: Vec<String> = attributes
                    .iter()
                    .map(|a| match &a.values {
                        AttributeValues::Categorical { levels, codes } => {
                            levels[codes[row] as usize].clone()
                        }
                        AttributeValues::Numeric { .. } => unreachable!(),
                    })
                    .collect();
                match direct.group_of_row(row) {
                    NO_GROUP => assert_eq!(levels[1], "l4"),
                    group => assert_eq!(direct.group_levels[group as usize], levels),
                }
            }
            let counted: u64 = direct.rows_per_group.iter().sum();
            let kept = (0..rows)
                .filter(|row| direct.group_of_row(*row) != NO_GROUP)
                .count();
            assert_eq!(counted, kept as u64);
            assert_eq!(direct.cells_by_key, None);
        }
    }

    #[test]
    fn a_decision_split_counts_each_key_by_label_and_decision() {
        // Two attributes over more rows than one block; weights, an excluded level and both
        // rules. Each key's cells must equal a recount of its rows.
        let rows = 2 * BLOCK_ROWS + 11;
        let attributes = [
            categorical(
                "a",
                &["x", "y", "z"],
                &(0..rows).map(|i| (i % 3) as u32).collect::<Vec<_>>(),
            ),
            categorical(
                "b",
                &["p", "q"],
                &(0..rows).map(|i| (i / 5 % 2) as u32).collect::<Vec<_>>(),
            ),
        ];
        let scores: Vec<f64> = (0..rows).map(|i| (i % 10) as f64 / 10.0).collect();
        let labels: Vec<bool> = (0..rows).map(|i| i % 7 < 3).collect();
        let weights: Vec<f64> = (0..rows).map(|i| (i % 4) as f64 * 0.25).collect();
        let mut spec = GroupingSpec::by_names(&["a", "b"]);
        spec.attributes[0].excluded_levels.push("y".into());
        for weights in [None, Some(weights.as_slice())] {
            for rule in [DecisionRule::AtLeast, DecisionRule::Above] {
                let split = DecisionSplit {
                    scores: &scores,
                    labels: &labels,
                    threshold: 0.5,
                    rule,
                };
                let groups = assign_groups(&attributes, &spec, weights, rows, Some(split)).unwrap();
                let plain = assign_groups(&attributes, &spec, weights, rows, None).unwrap();
                assert_eq!(groups.group_levels, plain.group_levels);
                assert_eq!(groups.rows_per_group, plain.rows_per_group);
                assert_eq!(groups.weight_per_group, plain.weight_per_group);
                // The counts stand in for the keys, which are not kept.
                assert!(groups.row_keys.is_empty());
                let cells = groups.cells_by_key.as_ref().unwrap();
                let mut recount = vec![0.0; cells.len()];
                for row in 0..rows {
                    let selected = match rule {
                        DecisionRule::AtLeast => scores[row] >= 0.5,
                        DecisionRule::Above => scores[row] > 0.5,
                    };
                    let cell = usize::from(labels[row]) << 1 | usize::from(selected);
                    let key = plain.row_keys[row] as usize;
                    recount[key * CELLS + cell] += weights.map_or(1.0, |w| w[row]);
                }
                assert_eq!(cells, &recount, "{rule:?}, weighted {}", weights.is_some());
            }
        }
    }

    fn categorical(name: &str, levels: &[&str], codes: &[u32]) -> Attribute {
        Attribute {
            name: name.into(),
            values: AttributeValues::Categorical {
                levels: levels.iter().map(ToString::to_string).collect(),
                codes: codes.to_vec(),
            },
        }
    }

    #[test]
    fn intersections_omit_empty_combinations_and_keep_attribute_order() {
        let sex = categorical("sex", &["Female", "Male"], &[0, 1, 1, 0]);
        let race = categorical("race", &["Black", "White"], &[1, 0, 1, 1]);
        let spec = GroupingSpec::by_names(&["sex", "race"]);
        let groups = assign_groups(&[sex, race], &spec, None, 4, None).unwrap();
        let keys: Vec<String> = (0..groups.group_count()).map(|i| groups.key(i)).collect();
        // Female × Black has no rows and is omitted.
        assert_eq!(keys, ["Female × White", "Male × Black", "Male × White"]);
        let group_of_row: Vec<u32> = (0..4).map(|row| groups.group_of_row(row)).collect();
        assert_eq!(group_of_row, [0, 1, 2, 0]);
    }

    #[test]
    fn excluded_levels_drop_rows() {
        let sex = categorical("sex", &["Female", "Male"], &[0, 1, 1, 0]);
        let mut spec = GroupingSpec::by_names(&["sex"]);
        spec.attributes[0].excluded_levels.push("Male".into());
        let groups = assign_groups(&[sex], &spec, None, 4, None).unwrap();
        let group_of_row: Vec<u32> = (0..4).map(|row| groups.group_of_row(row)).collect();
        assert_eq!(group_of_row, [0, NO_GROUP, NO_GROUP, 0]);
    }

    #[test]
    fn no_attributes_give_one_group_with_every_row() {
        let groups = assign_groups(&[], &GroupingSpec::default(), None, 3, None).unwrap();
        assert_eq!(groups.group_count(), 1);
        assert_eq!(groups.key(0), "All");
    }

    #[test]
    fn numeric_attributes_bin_at_edges_and_keep_missing_apart() {
        let age = Attribute {
            name: "age".into(),
            values: AttributeValues::Numeric {
                values: vec![18.0, 25.0, 40.0, f64::NAN, 70.0],
            },
        };
        let grouping = AttributeGrouping {
            name: "age".into(),
            binning: Some("25,50".parse().unwrap()),
            excluded_levels: vec![],
        };
        let coded = code_attribute(&age, &grouping, None).unwrap();
        assert_eq!(coded.levels, ["< 25", "[25, 50)", "≥ 50", "(missing)"]);
        assert_eq!(*coded.codes, [0, 1, 1, 3, 2]);
    }

    #[test]
    fn quantile_edges_split_weight_evenly() {
        let values: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(quantile_edges(&values, None, 4), [3.0, 5.0, 7.0]);
        // Repeated values cannot be split: fewer edges.
        assert_eq!(quantile_edges(&[1.0, 1.0, 1.0, 2.0], None, 4), [2.0]);
        // Weights move the edges.
        assert_eq!(
            quantile_edges(&[1.0, 2.0, 3.0], Some(&[3.0, 1.0, 0.0]), 2),
            [2.0]
        );
    }

    #[test]
    fn unbinned_numbers_become_levels_and_many_values_need_binning() {
        let small = Attribute {
            name: "region".into(),
            values: AttributeValues::Numeric {
                values: vec![3.0, 1.0, 3.0, 2.5],
            },
        };
        let coded = code_attribute(&small, &AttributeGrouping::new("region"), None).unwrap();
        assert_eq!(coded.levels, ["1", "2.5", "3"]);
        assert_eq!(*coded.codes, [2, 0, 2, 1]);
        let many = Attribute {
            name: "income".into(),
            values: AttributeValues::Numeric {
                values: (0..500).map(f64::from).collect(),
            },
        };
        assert_eq!(
            code_attribute(&many, &AttributeGrouping::new("income"), None),
            Err(GroupingError::NeedsBinning {
                name: "income".into(),
                levels: 500
            })
        );
    }

    #[test]
    fn binning_specs_parse() {
        assert_eq!("q4".parse(), Ok(Binning::Quantiles { bins: 4 }));
        assert_eq!(
            "25, 35,50".parse(),
            Ok(Binning::Edges {
                edges: vec![25.0, 35.0, 50.0]
            })
        );
        assert!("q1".parse::<Binning>().is_err());
        assert!("50,25".parse::<Binning>().is_err());
        assert!("abc".parse::<Binning>().is_err());
    }
}
