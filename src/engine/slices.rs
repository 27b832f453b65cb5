//! Worst-slice search: every conjunction of up to `depth` attribute values (`sex = Female ∧
//! race = Black ∧ age_band = 18-24`) with enough weight, compared with the rest of the data on
//! one metric at the current decisions, ranked by how bad the gap is *at least*.
//!
//! **Enumeration, exact.** One parallel pass over the rows counts the confusion cells of every
//! combination of all the attributes' levels that occurs (the "cube"); every conjunction's cells
//! are sums over it. Conjunctions are enumerated level by level with `SliceLine`'s count pruning
//! (Sagadeeva & Boehm, SIGMOD 2021): a conjunction weighs at most as much as each conjunction it
//! refines, so a cube entry whose projection onto some parent of a conjunction is under the
//! minimum weight cannot add to any conjunction that passes, and is skipped; attribute sets none
//! of whose parents' slices pass are skipped whole. Nothing is sampled.
//!
//! **Comparison.** For a slice S, the metric's fraction in S (`x₁/n₁`, e.g. FP/(FP+TN)) is
//! compared with the rest of the data (`x₂/n₂`, every row not in S): `deviation = x₁/n₁ − x₂/n₂`.
//! Weights are frequency weights: n is the weighted denominator, as in every interval.
//!
//! **Uncertainty and multiplicity.** Slices whose metric is defined in the slice and in the rest
//! are *tested*; with `m` of them, each deviation gets Newcombe's hybrid score interval (method
//! 10 of Newcombe 1998, built from the two Wilson intervals) at confidence `1 − α/m` (Bonferroni),
//! so all `m` intervals hold together with probability at least `1 − α`. The p-value is the
//! two-proportion test used across Fulcrum (Fisher's exact test when an expected cell is under 5,
//! else the pooled z test); `adjusted_p_value = min(1, m · p)`.
//!
//! **Ranking.** By the conservative end of the interval on the side that is worse: the lower end
//! when a higher value is worse (FPR, FNR, FDR, FOR), minus the upper end when a lower value is
//! worse (TPR, TNR, precision, NPV, accuracy), the larger of the two when either way is a gap
//! (selection rate, base rate). A tiny slice with a large but noisy gap thus ranks below a solid
//! one; a positive key means the whole simultaneous interval lies on the worse side.
//!
//! **Conventions.** Fairlearn's "0 for an empty denominator" would invent a gap, so a slice
//! whose metric is undefined in it or in the rest is never tested, under every convention.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::dataset::Attribute;
use super::grouping::{
    CodedAttribute, GroupingError, GroupingSpec, KEY_SEPARATOR, assign_groups, code_attributes,
};
use super::index::DecisionRule;
use super::intervals::{Interval, normal_quantile, wilson_with_z};
use super::metrics::{ConfusionCounts, Fraction, Metric};
use super::thresholds::{ThresholdError, ThresholdMap};
use super::uncertainty::two_proportion_p_value;

/// The deepest conjunction the command line searches.
pub const MAX_DEPTH: usize = 3;

/// Slices listed unless the user asks for another number.
pub const DEFAULT_TOP: usize = 10;

/// The interval method, as `settings.interval_method` reports it.
pub const SLICE_INTERVAL_METHOD: &str = "newcombe_hybrid_score";

/// The multiplicity correction, as `settings.multiplicity` reports it.
pub const MULTIPLICITY: &str = "bonferroni";

/// Cube sizes up to this many combinations are indexed directly; larger ones through a sorted
/// list of the combinations that occur.
const DIRECT_CUBE_LIMIT: u64 = 1 << 22;

/// Marginal tables up to this many entries are arrays; larger ones hash maps.
const DIRECT_MARGIN_LIMIT: u128 = 1 << 20;

/// Rows per parallel task.
const BLOCK_ROWS: usize = 1 << 16;

/// Cubes up to this many cells are counted with one table per parallel task.
const PARALLEL_CUBE_CELLS: usize = 1 << 16;

/// Which side of the rest is worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A higher value than the rest is worse (error rates).
    Higher,
    /// A lower value is worse (rates of getting it right).
    Lower,
    /// Either way is a gap.
    Both,
}

impl Direction {
    /// The worse side of a metric: higher for the error rates, lower for the rates of being
    /// right, both for selection and base rates.
    pub fn worse_for(metric: Metric) -> Self {
        match metric {
            Metric::Fpr | Metric::Fnr | Metric::Fdr | Metric::For => Direction::Higher,
            Metric::Tpr | Metric::Tnr | Metric::Precision | Metric::Npv | Metric::Accuracy => {
                Direction::Lower
            }
            _ => Direction::Both,
        }
    }

    /// The name in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
            Direction::Both => "both",
        }
    }

    /// The ranking key of a deviation interval (larger is worse).
    pub fn rank_key(self, interval: Interval) -> f64 {
        match self {
            Direction::Higher => interval.low,
            Direction::Lower => -interval.high,
            Direction::Both => interval.low.max(-interval.high),
        }
    }
}

/// Whether a metric can be searched: a proportion of one group's own counts.
pub fn searchable(metric: Metric) -> bool {
    metric.has_interval() && metric != Metric::SelectedShare
}

/// How the search runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceSettings {
    /// The metric compared.
    pub metric: Metric,
    /// Most attributes in a conjunction (at least 1).
    pub depth: usize,
    /// Slices with less weight are not considered.
    pub min_count: f64,
    /// Simultaneous confidence of all the intervals together.
    pub confidence: f64,
    /// Which side is worse.
    pub direction: Direction,
    /// How many slices to keep, worst first.
    pub top: usize,
}

/// One slice and its comparison with the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// `(attribute, level)` pairs, in attribute order.
    pub attributes: Vec<(String, String)>,
    /// Rows in the slice.
    pub rows: u64,
    /// Their weight.
    pub weight: f64,
    /// The slice's confusion counts.
    pub counts: ConfusionCounts,
    /// The metric in the slice.
    pub value: f64,
    /// The metric in the rest of the data.
    pub rest_value: f64,
    /// `value − rest_value`.
    pub deviation: f64,
    /// The deviation's simultaneous interval.
    pub interval: Interval,
    /// The ranking key ([`Direction::rank_key`] of the interval).
    pub rank_key: f64,
    /// Two-sided p-value of no difference.
    pub p_value: Option<f64>,
    /// `min(1, tested × p_value)`.
    pub adjusted_p_value: Option<f64>,
}

impl Slice {
    /// The slice's name: `attribute=level` pairs joined by ` × `.
    pub fn key(&self) -> String {
        self.attributes
            .iter()
            .map(|(name, level)| format!("{name}={level}"))
            .collect::<Vec<_>>()
            .join(KEY_SEPARATOR)
    }

    /// Number of attributes in the conjunction.
    pub fn depth(&self) -> usize {
        self.attributes.len()
    }

    /// Whether the whole simultaneous interval lies on the worse side of 0.
    pub fn significant(&self) -> bool {
        self.rank_key > 0.0
    }
}

/// The search's result.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceReport {
    /// The worst slices, worst first (at most `top`).
    pub slices: Vec<Slice>,
    /// The metric on every row.
    pub overall_value: Option<f64>,
    /// Rows and weight of every row.
    pub rows: u64,
    /// Their weight.
    pub weight: f64,
    /// Non-empty conjunctions looked at after pruning.
    pub enumerated: usize,
    /// Of those, with at least the minimum weight.
    pub considered: usize,
    /// Of those, with the metric defined in the slice and in the rest: the `m` of Bonferroni.
    pub tested: usize,
    /// Of those, whose interval lies wholly on the worse side.
    pub significant: usize,
    /// The settings used (`direction` resolved).
    pub settings: SliceSettings,
}

/// Why a search cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SliceError {
    /// An attribute cannot be sliced as asked.
    #[error(transparent)]
    Grouping(#[from] GroupingError),
    /// The thresholds do not fit the decision grouping.
    #[error(transparent)]
    Thresholds(#[from] ThresholdError),
    /// Depth 0.
    #[error("the depth must be at least 1 (one attribute per slice)")]
    Depth,
    /// No attribute to slice by.
    #[error("no attributes to slice by")]
    NoAttributes,
    /// A metric that is not a proportion of the slice's own counts.
    #[error(
        "`{0}` cannot be searched; use one of selection_rate, tpr, fpr, tnr, fnr, precision, npv, fdr, for, accuracy, base_rate"
    )]
    Metric(&'static str),
    /// Every slice is under the minimum weight.
    #[error(
        "no slice has a weight of at least {min_count} (the largest has {largest}); lower --min-count"
    )]
    NoSlice {
        /// The minimum asked for.
        min_count: f64,
        /// The heaviest slice's weight.
        largest: f64,
    },
    /// The metric is undefined in every slice or in the rest of each.
    #[error(
        "{metric} is undefined for every slice ({considered} slices of enough weight, none with {metric}'s denominator above 0 both in the slice and in the rest); try another metric or threshold"
    )]
    Undefined {
        /// The metric's key.
        metric: &'static str,
        /// Slices of enough weight.
        considered: usize,
    },
}

/// Per combination of levels: the four confusion cells ([TN, FP, FN, TP]) and the rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Totals {
    cells: [f64; 4],
    rows: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        for (a, b) in self.cells.iter_mut().zip(other.cells) {
            *a += b;
        }
        self.rows += other.rows;
    }

    fn weight(&self) -> f64 {
        self.cells.iter().sum()
    }

    fn counts(&self) -> ConfusionCounts {
        let [tn, fp, fn_, tp] = self.cells;
        ConfusionCounts { tp, fp, tn, fn_ }
    }
}

/// Every combination of all the attributes' levels that occurs, with its cells: what every
/// conjunction's counts are summed from.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceCube {
    names: Vec<String>,
    levels: Vec<Vec<String>>,
    /// Per entry, its code of each attribute (`attributes` codes per entry, flat).
    codes: Vec<u32>,
    totals: Vec<Totals>,
}

impl SliceCube {
    /// Counts the rows: `selected[row]` is each row's decision (at its own threshold),
    /// `labels[row]` its outcome, `weights` optional frequency weights.
    pub fn build(
        attributes: &[CodedAttribute<'_>],
        labels: &[bool],
        selected: &[bool],
        weights: Option<&[f64]>,
    ) -> Self {
        let rows = labels.len();
        let radices: Vec<u64> = attributes
            .iter()
            .map(|a| a.levels.len().max(1) as u64)
            .collect();
        let space = radices
            .iter()
            .try_fold(1u64, |product, radix| product.checked_mul(*radix));
        let combination = |row: usize| -> u64 {
            attributes
                .iter()
                .zip(&radices)
                .fold(0u64, |combo, (a, radix)| {
                    combo.wrapping_mul(*radix) + u64::from(a.codes.get(row).copied().unwrap_or(0))
                })
        };
        // Each row's entry: its combination directly, or its rank among the combinations that
        // occur when the space is too large for a table.
        let (entry_of_row, combos): (Vec<u32>, Option<Vec<u64>>) = match space {
            Some(space) if space <= DIRECT_CUBE_LIMIT => (
                (0..rows)
                    .into_par_iter()
                    .with_min_len(BLOCK_ROWS)
                    .map(|row| combination(row) as u32)
                    .collect(),
                None,
            ),
            _ => {
                let by_row: Vec<u64> = (0..rows)
                    .into_par_iter()
                    .with_min_len(BLOCK_ROWS)
                    .map(combination)
                    .collect();
                let mut distinct = by_row.clone();
                distinct.par_sort_unstable();
                distinct.dedup();
                let entry = by_row
                    .par_iter()
                    .map(|c| distinct.binary_search(c).unwrap_or_default() as u32)
                    .collect();
                (entry, Some(distinct))
            }
        };
        let entries = match (&combos, space) {
            (Some(distinct), _) => distinct.len(),
            (None, Some(space)) => space as usize,
            (None, None) => 0,
        };
        let cell_of = |row: usize| -> usize {
            usize::from(labels.get(row).copied().unwrap_or(false)) << 1
                | usize::from(selected.get(row).copied().unwrap_or(false))
        };
        let weight_of = |row: usize| weights.map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
        let count_block = |mut table: Vec<Totals>, start: usize, block: &[u32]| {
            for (offset, entry) in block.iter().enumerate() {
                let row = start + offset;
                if let Some(totals) = table.get_mut(*entry as usize) {
                    if let Some(cell) = totals.cells.get_mut(cell_of(row)) {
                        *cell += weight_of(row);
                    }
                    totals.rows += 1;
                }
            }
            table
        };
        let table = if entries * 4 <= PARALLEL_CUBE_CELLS {
            let empty = || vec![Totals::default(); entries];
            entry_of_row
                .par_chunks(BLOCK_ROWS)
                .enumerate()
                .fold(empty, |table, (block, entries)| {
                    count_block(table, block * BLOCK_ROWS, entries)
                })
                .reduce(empty, |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| x.add(y));
                    a
                })
        } else {
            count_block(vec![Totals::default(); entries], 0, &entry_of_row)
        };
        drop(entry_of_row);
        let mut codes = Vec::new();
        let mut totals = Vec::new();
        for (entry, entry_totals) in table.into_iter().enumerate() {
            if entry_totals.rows == 0 {
                continue;
            }
            let mut rest = combos
                .as_ref()
                .and_then(|c| c.get(entry).copied())
                .unwrap_or(entry as u64);
            let start = codes.len();
            codes.resize(start + attributes.len(), 0);
            for (slot, radix) in codes
                .get_mut(start..)
                .unwrap_or_default()
                .iter_mut()
                .zip(&radices)
                .rev()
            {
                *slot = (rest % radix) as u32;
                rest /= radix;
            }
            totals.push(entry_totals);
        }
        Self {
            names: attributes.iter().map(|a| a.name.clone()).collect(),
            levels: attributes.iter().map(|a| a.levels.clone()).collect(),
            codes,
            totals,
        }
    }

    /// Number of combinations that occur.
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    /// Whether no row was counted.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    /// The attributes' names.
    pub fn attribute_names(&self) -> &[String] {
        &self.names
    }

    fn entry_codes(&self, entry: usize) -> &[u32] {
        let width = self.names.len();
        self.codes
            .get(entry * width..(entry + 1) * width)
            .unwrap_or_default()
    }

    fn grand_total(&self) -> Totals {
        let mut total = Totals::default();
        for t in &self.totals {
            total.add(t);
        }
        total
    }
}

/// Every row's decision: selected when its score passes its group's threshold (the groups of
/// `decision_spec`, which `thresholds` names; one threshold for all needs no grouping). A row of
/// no group (an excluded level) is not selected.
pub fn decide_rows(
    attributes: &[Attribute],
    scores: &[f64],
    weights: Option<&[f64]>,
    decision_spec: &GroupingSpec,
    thresholds: &ThresholdMap,
    rule: DecisionRule,
) -> Result<Vec<bool>, SliceError> {
    if let Some(threshold) = thresholds.single() {
        return Ok(scores
            .par_iter()
            .map(|s| rule.selects(*s, threshold))
            .collect());
    }
    let groups = assign_groups(attributes, decision_spec, weights, scores.len(), None)?;
    let keys: Vec<String> = (0..groups.group_count()).map(|g| groups.key(g)).collect();
    let by_group = thresholds.resolve_keys(&keys.iter().map(String::as_str).collect::<Vec<_>>())?;
    Ok(scores
        .par_iter()
        .enumerate()
        .map(|(row, score)| {
            by_group
                .get(groups.group_of_row(row) as usize)
                .is_some_and(|t| rule.selects(*score, *t))
        })
        .collect())
}

/// The cube of the attributes `search` names (numeric ones binned as it says), over rows with
/// these labels and decisions.
pub fn slice_cube(
    attributes: &[Attribute],
    search: &GroupingSpec,
    labels: &[bool],
    selected: &[bool],
    weights: Option<&[f64]>,
) -> Result<SliceCube, SliceError> {
    let coded = code_attributes(attributes, search, weights)?;
    Ok(SliceCube::build(&coded, labels, selected, weights))
}

/// The marginal table of one attribute set: each conjunction's totals by its codes.
enum Margin {
    /// Indexed by the mixed-radix number of the codes.
    Direct(Vec<Totals>),
    /// Keyed by it.
    Hashed(FxHashMap<u128, Totals>),
}

impl Margin {
    fn get(&self, key: u128) -> Option<&Totals> {
        match self {
            Margin::Direct(table) => usize::try_from(key).ok().and_then(|k| table.get(k)),
            Margin::Hashed(map) => map.get(&key),
        }
    }

    fn entries(&self) -> Vec<(u128, Totals)> {
        match self {
            Margin::Direct(table) => table
                .iter()
                .enumerate()
                .filter(|(_, t)| t.rows > 0)
                .map(|(k, t)| (k as u128, *t))
                .collect(),
            Margin::Hashed(map) => map.iter().map(|(k, t)| (*k, *t)).collect(),
        }
    }
}

/// Every `size`-element subset of `0..n`, in lexicographic order.
fn subsets(n: usize, size: usize) -> Vec<Vec<usize>> {
    fn extend(
        start: usize,
        n: usize,
        size: usize,
        current: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if current.len() == size {
            out.push(current.clone());
            return;
        }
        for i in start..n {
            current.push(i);
            extend(i + 1, n, size, current, out);
            current.pop();
        }
    }
    let mut out = Vec::new();
    extend(0, n, size, &mut Vec::with_capacity(size), &mut out);
    out
}

/// The mixed-radix key of an entry's codes on an attribute set.
fn margin_key(codes: &[u32], set: &[usize], radices: &[u128]) -> u128 {
    set.iter().fold(0u128, |key, a| {
        key * radices.get(*a).copied().unwrap_or(1)
            + u128::from(codes.get(*a).copied().unwrap_or(0))
    })
}

/// One tested slice before ranking.
struct Tested {
    set: usize,
    key: u128,
    totals: Totals,
    slice: Fraction,
    rest: Fraction,
}

/// Finds the worst slices of `cube` (see the module documentation).
pub fn search_slices(
    cube: &SliceCube,
    settings: &SliceSettings,
) -> Result<SliceReport, SliceError> {
    if settings.depth == 0 {
        return Err(SliceError::Depth);
    }
    if cube.names.is_empty() {
        return Err(SliceError::NoAttributes);
    }
    if !searchable(settings.metric) {
        return Err(SliceError::Metric(settings.metric.key()));
    }
    let attributes = cube.names.len();
    let radices: Vec<u128> = cube.levels.iter().map(|l| l.len().max(1) as u128).collect();
    let total = cube.grand_total();
    let min_count = settings.min_count;

    // Level by level: each attribute set's margin over the cube entries not pruned by a parent.
    let mut margins: Vec<(Vec<usize>, Margin)> = Vec::new();
    // Per margin, whether any of its slices passes the minimum weight.
    let mut passing: Vec<bool> = Vec::new();
    let mut enumerated = 0;
    for size in 1..=settings.depth.min(attributes) {
        let sets: Vec<Vec<usize>> = subsets(attributes, size)
            .into_iter()
            .filter(|set| {
                // A set is worth counting only if each parent set has a slice that passes.
                size == 1
                    || parents(set).iter().all(|parent| {
                        margins
                            .iter()
                            .zip(&passing)
                            .any(|((s, _), passes)| s == parent && *passes)
                    })
            })
            .collect();
        let level: Vec<(Vec<usize>, Margin)> = sets
            .into_par_iter()
            .map(|set| {
                let parent_margins: Vec<(&Vec<usize>, &Margin)> = if size == 1 {
                    Vec::new()
                } else {
                    let parent_sets = parents(&set);
                    margins
                        .iter()
                        .filter(|(s, _)| parent_sets.contains(s))
                        .map(|(s, m)| (s, m))
                        .collect()
                };
                let passes_parents = |codes: &[u32]| {
                    parent_margins.iter().all(|(parent, margin)| {
                        margin
                            .get(margin_key(codes, parent, &radices))
                            .is_some_and(|t| t.weight() >= min_count)
                    })
                };
                let space = set.iter().try_fold(1u128, |p, a| {
                    p.checked_mul(radices.get(*a).copied().unwrap_or(1))
                });
                let mut margin = match space {
                    Some(space) if space <= DIRECT_MARGIN_LIMIT => {
                        Margin::Direct(vec![Totals::default(); space as usize])
                    }
                    _ => Margin::Hashed(FxHashMap::default()),
                };
                for (entry, totals) in cube.totals.iter().enumerate() {
                    let codes = cube.entry_codes(entry);
                    if !passes_parents(codes) {
                        continue;
                    }
                    let key = margin_key(codes, &set, &radices);
                    match &mut margin {
                        Margin::Direct(table) => {
                            if let Some(slot) =
                                usize::try_from(key).ok().and_then(|k| table.get_mut(k))
                            {
                                slot.add(totals);
                            }
                        }
                        Margin::Hashed(map) => map.entry(key).or_default().add(totals),
                    }
                }
                (set, margin)
            })
            .collect();
        for (_, margin) in &level {
            passing.push(
                margin
                    .entries()
                    .iter()
                    .any(|(_, t)| t.weight() >= min_count),
            );
        }
        margins.extend(level);
    }

    // Slices of enough weight, and those the metric is defined for.
    let all_selected = total.counts().selected();
    let fraction = |counts: &ConfusionCounts| settings.metric.fraction(counts, all_selected);
    let mut considered = 0;
    let mut largest: f64 = 0.0;
    let mut tested: Vec<Tested> = Vec::new();
    for (set_index, (_, margin)) in margins.iter().enumerate() {
        for (key, totals) in margin.entries() {
            enumerated += 1;
            let weight = totals.weight();
            largest = largest.max(weight);
            if weight < min_count {
                continue;
            }
            considered += 1;
            let counts = totals.counts();
            let rest_totals = Totals {
                cells: [0, 1, 2, 3].map(|i| {
                    (total.cells.get(i).copied().unwrap_or(0.0)
                        - totals.cells.get(i).copied().unwrap_or(0.0))
                    .max(0.0)
                }),
                rows: total.rows.saturating_sub(totals.rows),
            };
            let rest = rest_totals.counts();
            if let (Some(slice), Some(rest)) = (fraction(&counts), fraction(&rest))
                && slice.denominator > 0.0
                && rest.denominator > 0.0
            {
                tested.push(Tested {
                    set: set_index,
                    key,
                    totals,
                    slice,
                    rest,
                });
            }
        }
    }
    if considered == 0 {
        return Err(SliceError::NoSlice { min_count, largest });
    }
    if tested.is_empty() {
        return Err(SliceError::Undefined {
            metric: settings.metric.key(),
            considered,
        });
    }

    // Simultaneous intervals (Bonferroni over the m tested), then the ranking.
    let m = tested.len();
    let alpha = (1.0 - settings.confidence) / m as f64;
    let z = normal_quantile(1.0 - alpha / 2.0);
    let direction = settings.direction;
    let mut slices: Vec<Slice> = tested
        .par_iter()
        .filter_map(|t| {
            let (p1, p2) = (t.slice.value()?, t.rest.value()?);
            let (w1, w2) = (wilson_with_z(t.slice, z)?, wilson_with_z(t.rest, z)?);
            let deviation = p1 - p2;
            // Newcombe's hybrid score interval for a difference of independent proportions.
            let interval = Interval {
                low: deviation - ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt(),
                high: deviation + ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt(),
            };
            let p_value = two_proportion_p_value(
                t.slice.numerator,
                t.slice.denominator,
                t.rest.numerator,
                t.rest.denominator,
            );
            let (set, _) = margins.get(t.set)?;
            Some(Slice {
                attributes: slice_levels(cube, set, t.key, &radices),
                rows: t.totals.rows,
                weight: t.totals.weight(),
                counts: t.totals.counts(),
                value: p1,
                rest_value: p2,
                deviation,
                interval,
                rank_key: direction.rank_key(interval),
                p_value,
                adjusted_p_value: p_value.map(|p| (p * m as f64).min(1.0)),
            })
        })
        .collect();
    let significant = slices.iter().filter(|s| s.significant()).count();
    slices.sort_by(|a, b| {
        b.rank_key
            .total_cmp(&a.rank_key)
            .then_with(|| b.deviation.abs().total_cmp(&a.deviation.abs()))
            .then_with(|| b.weight.total_cmp(&a.weight))
            .then_with(|| a.key().cmp(&b.key()))
    });
    slices.truncate(settings.top);
    Ok(SliceReport {
        slices,
        overall_value: fraction(&total.counts()).and_then(|f| f.value()),
        rows: total.rows,
        weight: total.weight(),
        enumerated,
        considered,
        tested: m,
        significant,
        settings: settings.clone(),
    })
}

/// The sets one attribute smaller.
fn parents(set: &[usize]) -> Vec<Vec<usize>> {
    (0..set.len())
        .map(|skip| {
            set.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, a)| *a)
                .collect()
        })
        .collect()
}

/// The `(attribute, level)` pairs of a margin key.
fn slice_levels(
    cube: &SliceCube,
    set: &[usize],
    key: u128,
    radices: &[u128],
) -> Vec<(String, String)> {
    let mut rest = key;
    let mut pairs: Vec<(String, String)> = set
        .iter()
        .rev()
        .map(|a| {
            let radix = radices.get(*a).copied().unwrap_or(1);
            let code = (rest % radix) as usize;
            rest /= radix;
            (
                cube.names.get(*a).cloned().unwrap_or_default(),
                cube.levels
                    .get(*a)
                    .and_then(|l| l.get(code))
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    pairs.reverse();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::borrow::Cow;

    fn coded(name: &str, levels: &[&str], codes: Vec<u32>) -> CodedAttribute<'static> {
        CodedAttribute {
            name: name.into(),
            levels: levels.iter().map(ToString::to_string).collect(),
            codes: Cow::Owned(codes),
        }
    }

    fn settings(metric: Metric, depth: usize, min_count: f64) -> SliceSettings {
        SliceSettings {
            metric,
            depth,
            min_count,
            confidence: 0.95,
            direction: Direction::worse_for(metric),
            top: usize::MAX,
        }
    }

    #[test]
    fn a_two_slice_search_matches_hand_computed_numbers() {
        // sex F: 4 negatives, 3 selected (FPR 3/4); sex M: 4 negatives, 1 selected (FPR 1/4).
        // Positives: one per sex, both selected.
        let sex = coded("sex", &["F", "M"], vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
        let labels = [
            false, false, false, false, true, false, false, false, false, true,
        ];
        let selected = [
            true, true, true, false, true, true, false, false, false, true,
        ];
        let cube = SliceCube::build(&[sex], &labels, &selected, None);
        let report = search_slices(&cube, &settings(Metric::Fpr, 1, 1.0)).unwrap();
        assert_eq!(report.tested, 2);
        assert_eq!(report.overall_value, Some(0.5));
        let worst = &report.slices[0];
        assert_eq!(worst.key(), "sex=F");
        assert_eq!(
            (worst.value, worst.rest_value, worst.deviation),
            (0.75, 0.25, 0.5)
        );
        // Newcombe at 1 − 0.05/2: z = Φ⁻¹(1 − 0.0125) = 2.241402727604947.
        let z = 2.241_402_727_604_947;
        let w = |x: f64, n: f64| {
            wilson_with_z(
                Fraction {
                    numerator: x,
                    denominator: n,
                },
                z,
            )
            .unwrap()
        };
        let (a, b) = (w(3.0, 4.0), w(1.0, 4.0));
        let low = 0.5 - ((0.75 - a.low).powi(2) + (b.high - 0.25).powi(2)).sqrt();
        let high = 0.5 + ((a.high - 0.75).powi(2) + (0.25 - b.low).powi(2)).sqrt();
        assert!(
            (worst.interval.low - low).abs() < 1e-9,
            "{:?}",
            worst.interval
        );
        assert!((worst.interval.high - high).abs() < 1e-9);
        // A gap of 4 cases either way is not significant.
        assert!(!worst.significant());
        assert_eq!(report.slices[1].key(), "sex=M");
        assert!(report.slices[1].rank_key < worst.rank_key);
    }

    #[test]
    fn bad_searches_are_refused() {
        let sex = coded("sex", &["F", "M"], vec![0, 1]);
        let cube = SliceCube::build(&[sex], &[false, false], &[false, false], None);
        assert_eq!(
            search_slices(&cube, &settings(Metric::Fpr, 0, 1.0)),
            Err(SliceError::Depth)
        );
        assert!(matches!(
            search_slices(&cube, &settings(Metric::Fpr, 1, 5.0)),
            Err(SliceError::NoSlice { .. })
        ));
        // No positives anywhere: TPR is undefined for every slice.
        assert!(matches!(
            search_slices(&cube, &settings(Metric::Tpr, 1, 1.0)),
            Err(SliceError::Undefined { .. })
        ));
        assert!(matches!(
            search_slices(&cube, &settings(Metric::SelectedShare, 1, 1.0)),
            Err(SliceError::Metric(_))
        ));
    }

    /// Every conjunction counted straight from the rows, with the same formulas: what the search
    /// must find, in the same order.
    fn exhaustive(
        attributes: &[CodedAttribute<'_>],
        labels: &[bool],
        selected: &[bool],
        weights: Option<&[f64]>,
        settings: &SliceSettings,
    ) -> Vec<(String, u64, f64, f64, f64)> {
        /// A conjunction's (attribute, code) pairs, cells and rows.
        type Found = (Vec<(usize, u32)>, [f64; 4], u64);
        let n = attributes.len();
        let rows = labels.len();
        let mut found: Vec<Found> = Vec::new();
        for size in 1..=settings.depth.min(n) {
            for set in subsets(n, size) {
                let mut seen: Vec<Vec<u32>> = Vec::new();
                for row in 0..rows {
                    let codes: Vec<u32> = set.iter().map(|a| attributes[*a].codes[row]).collect();
                    if !seen.contains(&codes) {
                        seen.push(codes);
                    }
                }
                for codes in seen {
                    let mut cells = [0.0; 4];
                    let mut count = 0;
                    for row in 0..rows {
                        if set
                            .iter()
                            .zip(&codes)
                            .all(|(a, c)| attributes[*a].codes[row] == *c)
                        {
                            let cell = usize::from(labels[row]) << 1 | usize::from(selected[row]);
                            cells[cell] += weights.map_or(1.0, |w| w[row]);
                            count += 1;
                        }
                    }
                    found.push((set.iter().copied().zip(codes).collect(), cells, count));
                }
            }
        }
        let mut grand = [0.0; 4];
        for row in 0..rows {
            grand[usize::from(labels[row]) << 1 | usize::from(selected[row])] +=
                weights.map_or(1.0, |w| w[row]);
        }
        let counts = |c: [f64; 4]| ConfusionCounts {
            tn: c[0],
            fp: c[1],
            fn_: c[2],
            tp: c[3],
        };
        let all_selected = counts(grand).selected();
        let tested: Vec<_> = found
            .into_iter()
            .filter(|(_, cells, _)| cells.iter().sum::<f64>() >= settings.min_count)
            .filter_map(|(levels, cells, count)| {
                let rest = [0, 1, 2, 3].map(|i| grand[i] - cells[i]);
                let slice = settings.metric.fraction(&counts(cells), all_selected)?;
                let rest = settings.metric.fraction(&counts(rest), all_selected)?;
                (slice.denominator > 0.0 && rest.denominator > 0.0).then_some((
                    levels,
                    count,
                    cells.iter().sum::<f64>(),
                    slice,
                    rest,
                ))
            })
            .collect();
        let m = tested.len() as f64;
        let z = normal_quantile(1.0 - (1.0 - settings.confidence) / m / 2.0);
        let mut ranked: Vec<(String, u64, f64, f64, f64)> = tested
            .into_iter()
            .map(|(levels, count, weight, slice, rest)| {
                let (p1, p2) = (slice.value().unwrap(), rest.value().unwrap());
                let (a, b) = (
                    wilson_with_z(slice, z).unwrap(),
                    wilson_with_z(rest, z).unwrap(),
                );
                let d = p1 - p2;
                let interval = Interval {
                    low: d - ((p1 - a.low).powi(2) + (b.high - p2).powi(2)).sqrt(),
                    high: d + ((a.high - p1).powi(2) + (p2 - b.low).powi(2)).sqrt(),
                };
                let key = levels
                    .iter()
                    .map(|(a, c)| {
                        format!(
                            "{}={}",
                            attributes[*a].name, attributes[*a].levels[*c as usize]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(KEY_SEPARATOR);
                (key, count, weight, d, settings.direction.rank_key(interval))
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.4.total_cmp(&a.4)
                .then_with(|| b.3.abs().total_cmp(&a.3.abs()))
                .then_with(|| b.2.total_cmp(&a.2))
                .then_with(|| a.0.cmp(&b.0))
        });
        ranked
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        #[test]
        fn the_search_equals_an_exhaustive_recount(
            rows in prop::collection::vec(
                (0u32..3, 0u32..2, 0u32..4, any::<bool>(), any::<bool>(),
                 prop::sample::select(vec![1.0, 2.0, 0.5])),
                1..120,
            ),
            weighted in any::<bool>(),
            depth in 1usize..=3,
            min_count in prop::sample::select(vec![0.0, 3.0, 10.0]),
            metric in prop::sample::select(vec![Metric::Fpr, Metric::Tpr, Metric::SelectionRate, Metric::Precision, Metric::Accuracy]),
        ) {
            let column = |i: usize, name: &str, levels: &[&str]| {
                coded(name, levels, rows.iter().map(|r| [r.0, r.1, r.2][i]).collect())
            };
            let attributes = [
                column(0, "a", &["a0", "a1", "a2"]),
                column(1, "b", &["b0", "b1"]),
                column(2, "c", &["c0", "c1", "c2", "c3"]),
            ];
            let labels: Vec<bool> = rows.iter().map(|r| r.3).collect();
            let selected: Vec<bool> = rows.iter().map(|r| r.4).collect();
            let weights: Option<Vec<f64>> = weighted.then(|| rows.iter().map(|r| r.5).collect());
            let settings = settings(metric, depth, min_count);
            let cube = SliceCube::build(&attributes, &labels, &selected, weights.as_deref());
            let expected = exhaustive(&attributes, &labels, &selected, weights.as_deref(), &settings);
            match search_slices(&cube, &settings) {
                Ok(report) => {
                    prop_assert_eq!(report.tested, expected.len());
                    prop_assert_eq!(report.slices.len(), expected.len());
                    for (slice, (key, count, _, deviation, rank)) in report.slices.iter().zip(&expected) {
                        prop_assert_eq!(&slice.key(), key);
                        prop_assert_eq!(slice.rows, *count);
                        prop_assert!((slice.deviation - deviation).abs() < 1e-12);
                        prop_assert!((slice.rank_key - rank).abs() < 1e-12);
                    }
                }
                Err(SliceError::NoSlice { .. } | SliceError::Undefined { .. }) => {
                    prop_assert!(expected.is_empty());
                }
                Err(other) => prop_assert!(false, "{other}"),
            }
        }
    }
}
