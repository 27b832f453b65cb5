//! Proxy detection: how strongly each column predicts each protected attribute.
//!
//! **Measure.** Every pair is measured on its weighted contingency table (frequency weights: a
//! row of weight `w` is `w` cases) by the bias-corrected Cramér's V of Bergsma (2013, "A
//! bias-correction for Cramér's V and Tschuprow's T", J. Korean Stat. Soc. 42:323–328):
//!
//! `φ² = χ²/n`, `φ̃² = max(0, φ² − (k−1)(r−1)/(n−1))`, `k̃ = k − (k−1)²/(n−1)`,
//! `r̃ = r − (r−1)²/(n−1)`, `Ṽ = √(φ̃² / min(k̃−1, r̃−1))`,
//!
//! with `k` and `r` the levels of the two columns that have weight and `n` the total weight. It
//! is 0 for independence and 1 when one column determines the other, and, unlike the plain V, it
//! does not reward a column for having many levels (an identifier column scores 0, not 1).
//! A missing value is a level of its own, so a column whose missingness follows the protected
//! attribute is a proxy too.
//!
//! **Numeric columns** are cut into `bins` quantile bins (by weight; ties never split) plus a
//! missing level, or kept as their distinct values when they have no more than `bins` of them,
//! and measured the same way: one scale for every column, so the ranking compares like with like,
//! and dependence of any shape counts (a group concentrated in the middle of a range, which a
//! one-vs-rest AUC would miss).
//!
//! **Uncertainty.** The p-value is a seeded permutation test of independence: tables with the
//! observed margins are drawn at random (what shuffling one column against the other gives,
//! drawn directly by sequential hypergeometric draws, so the cost does not grow with the rows),
//! and `p = (1 + #{χ²_perm ≥ χ²_obs}) / (1 + permutations)`; weighted cells are rounded to whole
//! cases. The interval is the noncentrality interval (Smithson 2003; R's `effectsize` computes
//! V's interval the same way): the noncentral χ² distributions (same degrees of freedom) whose
//! `1 − α/2` and `α/2` points are the observed χ² bound the noncentrality `λ`, and each bound is
//! turned into Ṽ at the χ² it expects (`df + λ`), so the estimate sits inside and a lower end of 0
//! means "independence cannot be ruled out". (A bootstrap of Ṽ was tried and dropped: redrawing a
//! table adds chance association to the observed one, so its percentile interval sat wholly above
//! weak estimates.) Columns with more than [`MAX_TESTED_LEVELS`] levels (identifiers, free text)
//! get their strength but no test.
//! `adjusted_p_value` is Bonferroni over every pair tested.

use rand::SeedableRng as _;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution as _, Hypergeometric};
use rayon::prelude::*;

use super::dataset::{Attribute, MISSING_LEVEL};
use super::grouping::{AttributeGrouping, Binning, CodedAttribute, GroupingError, code_attribute};
use super::intervals::Interval;

/// Quantile bins of a numeric column unless the user asks for another number.
pub const DEFAULT_PROXY_BINS: usize = 10;

/// Random tables per permutation test unless the user asks for another number.
pub const DEFAULT_PERMUTATIONS: usize = 999;

/// Columns with more levels than this get no test (each draw costs levels × protected levels).
pub const MAX_TESTED_LEVELS: usize = 200;

/// The measure of a categorical column.
pub const MEASURE_CATEGORICAL: &str = "cramers_v";

/// The measure of a binned numeric column.
pub const MEASURE_NUMERIC: &str = "binned_cramers_v";

/// How proxies are measured and tested.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxySettings {
    /// Random tables per permutation test (0: no test).
    pub permutations: usize,
    /// Two-sided confidence of the intervals.
    pub confidence: f64,
    /// Seed of every draw: the same seed gives the same p-values and intervals.
    pub seed: u64,
}

impl Default for ProxySettings {
    fn default() -> Self {
        Self {
            permutations: DEFAULT_PERMUTATIONS,
            confidence: super::intervals::DEFAULT_CONFIDENCE,
            seed: super::uncertainty::DEFAULT_INTERVAL_SEED,
        }
    }
}

/// A column coded into levels, ready to be measured.
#[derive(Clone, Debug)]
pub struct ProxyColumn<'a> {
    /// The coded values (levels and per-row codes).
    pub coded: CodedAttribute<'a>,
    /// Whether it is a numeric column cut into quantile bins (measured as
    /// [`MEASURE_NUMERIC`]).
    pub binned: bool,
}

/// A candidate column coded for measuring: a categorical column as it is; a numeric one as its
/// distinct values when it has at most `bins` of them, else cut into `bins` quantile bins (by
/// weight), with missing values a level of their own.
pub fn candidate_column<'a>(
    attribute: &'a Attribute,
    bins: usize,
    weights: Option<&[f64]>,
) -> ProxyColumn<'a> {
    let numeric = attribute.is_numeric();
    let as_is = AttributeGrouping::new(&attribute.name);
    if let Ok(coded) = code_attribute(attribute, &as_is, weights) {
        let values = coded
            .levels
            .iter()
            .filter(|l| l.as_str() != MISSING_LEVEL)
            .count();
        if !numeric || values <= bins {
            return ProxyColumn {
                coded,
                binned: false,
            };
        }
    }
    let binned = AttributeGrouping {
        binning: Some(Binning::Quantiles { bins: bins.max(2) }),
        ..as_is
    };
    let coded = code_attribute(attribute, &binned, weights).unwrap_or_else(|_| CodedAttribute {
        // Only a numeric attribute gets here, and numbers always bin.
        name: attribute.name.clone(),
        levels: vec![MISSING_LEVEL.to_owned()],
        codes: std::borrow::Cow::Owned(vec![0; attribute.values.len()]),
    });
    ProxyColumn {
        coded,
        binned: true,
    }
}

/// A protected attribute coded for measuring: its levels, or a numeric one's distinct values
/// (at most 100) or bins as `grouping` says.
pub fn protected_column<'a>(
    attribute: &'a Attribute,
    grouping: &AttributeGrouping,
    weights: Option<&[f64]>,
) -> Result<ProxyColumn<'a>, GroupingError> {
    Ok(ProxyColumn {
        coded: code_attribute(attribute, grouping, weights)?,
        binned: grouping.binning.is_some(),
    })
}

/// How strongly one column predicts one protected attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Proxy {
    /// The candidate column.
    pub column: String,
    /// The protected attribute.
    pub protected: String,
    /// [`MEASURE_CATEGORICAL`] or [`MEASURE_NUMERIC`].
    pub measure: &'static str,
    /// Levels of the candidate with weight (bins for a numeric column).
    pub levels: usize,
    /// Bias-corrected Cramér's V, in [0, 1]; `None` when the protected attribute has one level
    /// or the data are too few to correct the bias.
    pub strength: Option<f64>,
    /// Noncentrality interval of the strength.
    pub interval: Option<Interval>,
    /// Permutation p-value of independence.
    pub p_value: Option<f64>,
    /// `p_value` × pairs tested, at most 1 (Bonferroni).
    pub adjusted_p_value: Option<f64>,
}

/// A weighted contingency table: `cells[i * columns + j]` for candidate level `i` and protected
/// level `j`, with only the levels that have weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Contingency {
    /// Candidate levels with weight.
    pub rows: usize,
    /// Protected levels with weight.
    pub columns: usize,
    /// The cells, row-major.
    pub cells: Vec<f64>,
}

impl Contingency {
    /// Counts the rows (their weight) by the two columns' codes, dropping empty levels.
    pub fn count(
        candidate: &CodedAttribute<'_>,
        protected: &CodedAttribute<'_>,
        weights: Option<&[f64]>,
    ) -> Self {
        let (k, r) = (candidate.levels.len().max(1), protected.levels.len().max(1));
        let empty = || vec![0.0; k * r];
        let cells = candidate
            .codes
            .par_iter()
            .zip(protected.codes.par_iter())
            .enumerate()
            .with_min_len(1 << 16)
            .fold(empty, |mut cells, (row, (a, b))| {
                let w = weights.map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
                if let Some(cell) = cells.get_mut(*a as usize * r + *b as usize) {
                    *cell += w;
                }
                cells
            })
            .reduce(empty, |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            });
        Self::from_cells(k, r, &cells)
    }

    /// A table from full `k × r` cells, keeping the rows and columns with weight.
    pub fn from_cells(k: usize, r: usize, cells: &[f64]) -> Self {
        let row_total =
            |i: usize| (0..r).map(move |j| cells.get(i * r + j).copied().unwrap_or(0.0));
        let kept_rows: Vec<usize> = (0..k)
            .filter(|i| row_total(*i).sum::<f64>() > 0.0)
            .collect();
        let kept_columns: Vec<usize> = (0..r)
            .filter(|j| {
                (0..k)
                    .map(|i| cells.get(i * r + j).copied().unwrap_or(0.0))
                    .sum::<f64>()
                    > 0.0
            })
            .collect();
        let mut kept = Vec::with_capacity(kept_rows.len() * kept_columns.len());
        for i in &kept_rows {
            for j in &kept_columns {
                kept.push(cells.get(i * r + j).copied().unwrap_or(0.0));
            }
        }
        Self {
            rows: kept_rows.len(),
            columns: kept_columns.len(),
            cells: kept,
        }
    }

    fn row_totals(&self) -> Vec<f64> {
        self.cells
            .chunks(self.columns.max(1))
            .map(|row| row.iter().sum())
            .collect()
    }

    fn column_totals(&self) -> Vec<f64> {
        let mut totals = vec![0.0; self.columns];
        for row in self.cells.chunks(self.columns.max(1)) {
            totals.iter_mut().zip(row).for_each(|(t, c)| *t += c);
        }
        totals
    }

    /// Pearson's χ² of independence.
    pub fn chi_square(&self) -> f64 {
        let rows = self.row_totals();
        let columns = self.column_totals();
        let n: f64 = rows.iter().sum();
        if n <= 0.0 {
            return 0.0;
        }
        // χ² = n (Σ n_ij² / (a_i b_j) − 1), summed over cells with weight.
        let mut sum = 0.0;
        for (i, row) in self.cells.chunks(self.columns.max(1)).enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let expected =
                    rows.get(i).copied().unwrap_or(0.0) * columns.get(j).copied().unwrap_or(0.0);
                if expected > 0.0 {
                    sum += cell * cell / expected;
                }
            }
        }
        (n * (sum - 1.0)).max(0.0)
    }

    /// Bergsma's bias-corrected Cramér's V (see the module documentation): 0 when the candidate
    /// has one level; `None` when the protected attribute has one level, or when too few cases
    /// leave the corrected denominator at or below 0 while some association remains.
    pub fn cramers_v(&self) -> Option<f64> {
        if self.columns < 2 {
            return None;
        }
        if self.rows < 2 {
            return Some(0.0);
        }
        let n: f64 = self.cells.iter().sum();
        if n <= 1.0 {
            return None;
        }
        let (k, r) = (self.rows as f64, self.columns as f64);
        let phi2 = self.chi_square() / n;
        let corrected = phi2 - (k - 1.0) * (r - 1.0) / (n - 1.0);
        // Within rounding of 0 is 0 (an identifier column: φ² equals the correction exactly).
        if corrected <= 1e-12 * phi2.max(1.0) {
            return Some(0.0);
        }
        let k_tilde = k - (k - 1.0).powi(2) / (n - 1.0);
        let r_tilde = r - (r - 1.0).powi(2) / (n - 1.0);
        let denominator = (k_tilde - 1.0).min(r_tilde - 1.0);
        (denominator > 0.0).then(|| (corrected / denominator).sqrt().min(1.0))
    }

    /// Whole cases per cell (frequency weights rounded), for the random draws.
    fn cases(&self) -> Vec<u64> {
        self.cells
            .iter()
            .map(|c| c.round().max(0.0) as u64)
            .collect()
    }
}

/// A random table with the margins of `cases` (`rows × columns`): each row's cases dealt among
/// the columns' remaining cases by sequential hypergeometric draws, which is what a random
/// permutation of one column against the other gives.
fn permuted_table(
    row_totals: &[u64],
    column_totals: &[u64],
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<u64> {
    let columns = column_totals.len();
    let mut remaining_columns = column_totals.to_vec();
    let mut remaining_total: u64 = column_totals.iter().sum();
    let mut table = vec![0u64; row_totals.len() * columns];
    for (i, &row_total) in row_totals.iter().enumerate() {
        let mut left = row_total;
        let mut population = remaining_total;
        for j in 0..columns {
            let Some(available) = remaining_columns.get(j).copied() else {
                break;
            };
            let drawn = if j + 1 == columns {
                left
            } else if left == 0 || available == 0 {
                0
            } else {
                Hypergeometric::new(population, available, left).map_or(0, |d| d.sample(rng))
            };
            if let Some(cell) = table.get_mut(i * columns + j) {
                *cell = drawn;
            }
            if let Some(slot) = remaining_columns.get_mut(j) {
                *slot = slot.saturating_sub(drawn);
            }
            population = population.saturating_sub(available);
            left = left.saturating_sub(drawn);
        }
        remaining_total = remaining_total.saturating_sub(row_total);
    }
    table
}

/// The regularized lower incomplete gamma function `P(a, x)` (Numerical Recipes' `gammp`: the
/// series below `a + 1`, the continued fraction above).
pub fn regularized_gamma(a: f64, x: f64) -> f64 {
    const EPSILON: f64 = 1e-15;
    const ITERATIONS: usize = 100_000;
    if x <= 0.0 || a <= 0.0 {
        return if x <= 0.0 { 0.0 } else { 1.0 };
    }
    let log_prefix = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut denominator) = (1.0 / a, 1.0 / a, a);
        for _ in 0..ITERATIONS {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * EPSILON {
                break;
            }
        }
        (sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        // Lentz's method for the continued fraction of Q(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..ITERATIONS {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < EPSILON {
                break;
            }
        }
        (1.0 - log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// P(X ≤ x) for X noncentral χ² with `df` degrees of freedom and noncentrality `lambda`: the
/// Poisson(λ/2)-weighted mixture of central χ² with `df + 2j` degrees of freedom, summed outward
/// from the heaviest term (the central terms by the recurrence of `P(a, ·)` in `a`) until the
/// weights are negligible.
pub fn noncentral_chi_square_cdf(x: f64, df: f64, lambda: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let half_x = x / 2.0;
    let mean = lambda / 2.0;
    if mean <= 0.0 {
        return regularized_gamma(df / 2.0, half_x);
    }
    let mode = mean.floor();
    let ln_x = half_x.ln();
    let ln_mean = mean.ln();
    let a0 = df / 2.0 + mode;
    let central0 = regularized_gamma(a0, half_x);
    let log_weight0 = -mean + mode * ln_mean - libm::lgamma(mode + 1.0);
    let mut sum = log_weight0.exp() * central0;
    // Upward: P(a + 1) = P(a) − e^{t(a)} with t(a) = a ln x − x − ln Γ(a + 1), and the Poisson
    // weight w(j + 1) = w(j) · mean / (j + 1), both carried in logs.
    let (mut central, mut a, mut j) = (central0, a0, mode);
    let mut log_term = a0 * ln_x - half_x - libm::lgamma(a0 + 1.0);
    let mut log_weight = log_weight0;
    loop {
        central -= log_term.exp();
        a += 1.0;
        log_term += ln_x - a.ln();
        log_weight += ln_mean - (j + 1.0).ln();
        j += 1.0;
        let weight = log_weight.exp();
        sum += weight * central.max(0.0);
        if (j > mean && weight < 1e-17) || j > mode + 1e8 {
            break;
        }
    }
    // Downward: P(a − 1) = P(a) + e^{t(a − 1)}, t(a − 1) = t(a) + ln(a) − ln x.
    let (mut central, mut a, mut j) = (central0, a0, mode);
    let mut log_term = a0 * ln_x - half_x - libm::lgamma(a0 + 1.0);
    let mut log_weight = log_weight0;
    while j >= 1.0 {
        log_term += a.ln() - ln_x;
        central += log_term.exp();
        a -= 1.0;
        log_weight += j.ln() - ln_mean;
        j -= 1.0;
        let weight = log_weight.exp();
        sum += weight * central.min(1.0);
        if weight < 1e-17 && j < mean {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

/// Ṽ's interval at `1 − alpha` by the noncentrality method (see the module documentation).
fn noncentrality_interval(table: &Contingency, alpha: f64) -> Option<Interval> {
    let n: f64 = table.cells.iter().sum();
    if table.columns < 2 || table.rows < 2 || n <= 1.0 {
        return None;
    }
    let chi2 = table.chi_square();
    let df = ((table.rows - 1) * (table.columns - 1)) as f64;
    let (k, r) = (table.rows as f64, table.columns as f64);
    let denominator =
        (k - 1.0 - (k - 1.0).powi(2) / (n - 1.0)).min(r - 1.0 - (r - 1.0).powi(2) / (n - 1.0));
    if denominator <= 0.0 {
        return None;
    }
    let v_at = |lambda: f64| {
        let corrected = (df + lambda) / n - df / (n - 1.0);
        (corrected.max(0.0) / denominator).sqrt().min(1.0)
    };
    // The λ at which the observed χ² is the `p`-point: the CDF falls as λ grows.
    let solve = |p: f64| -> f64 {
        if noncentral_chi_square_cdf(chi2, df, 0.0) <= p {
            return 0.0;
        }
        let mut high = chi2.max(1.0);
        while noncentral_chi_square_cdf(chi2, df, high) > p && high < 1e12 {
            high *= 2.0;
        }
        let mut low = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (low + high);
            if noncentral_chi_square_cdf(chi2, df, mid) > p {
                low = mid;
            } else {
                high = mid;
            }
            if high - low <= 1e-9 * high.max(1.0) {
                break;
            }
        }
        0.5 * (low + high)
    };
    let low = v_at(solve(1.0 - alpha / 2.0));
    let high = v_at(solve(alpha / 2.0));
    let estimate = table.cramers_v()?;
    // The estimate is Ṽ at λ = χ² − df, which the bounds hold but in corner cases (a χ² below
    // df, the bisection's last digits): the interval is widened to hold it.
    Some(Interval {
        low: low.min(estimate),
        high: high.max(estimate),
    })
}

/// A seed of its own for pair `index`, from the user's seed (`SplitMix64`'s mixing).
fn pair_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The permutation p-value and the noncentrality interval of one table.
fn test_table(
    table: &Contingency,
    settings: &ProxySettings,
    seed: u64,
) -> (Option<f64>, Option<Interval>) {
    if table.rows > MAX_TESTED_LEVELS || table.columns > MAX_TESTED_LEVELS || table.columns < 2 {
        return (None, None);
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let cases = table.cases();
    let case_table = Contingency {
        cells: cases.iter().map(|c| *c as f64).collect(),
        ..table.clone()
    };
    let row_totals: Vec<u64> = cases
        .chunks(table.columns.max(1))
        .map(|row| row.iter().sum())
        .collect();
    let mut column_totals = vec![0u64; table.columns];
    for row in cases.chunks(table.columns.max(1)) {
        column_totals.iter_mut().zip(row).for_each(|(t, c)| *t += c);
    }
    let p_value = (settings.permutations > 0 && row_totals.iter().sum::<u64>() > 1).then(|| {
        let observed = case_table.chi_square();
        // Ties within rounding count as "at least as extreme".
        let cutoff = observed * (1.0 - 1e-9) - 1e-9;
        let extreme = (0..settings.permutations)
            .filter(|_| {
                let drawn = permuted_table(&row_totals, &column_totals, &mut rng);
                let drawn = Contingency {
                    cells: drawn.iter().map(|c| *c as f64).collect(),
                    ..table.clone()
                };
                drawn.chi_square() >= cutoff
            })
            .count();
        (1 + extreme) as f64 / (1 + settings.permutations) as f64
    });
    let interval = (settings.confidence > 0.0 && settings.confidence < 1.0)
        .then(|| noncentrality_interval(table, 1.0 - settings.confidence))
        .flatten();
    (p_value, interval)
}

/// Measures every candidate against every protected attribute, strongest first (ties: the
/// smaller p-value, then the column name).
pub fn find_proxies(
    candidates: &[ProxyColumn<'_>],
    protected: &[ProxyColumn<'_>],
    weights: Option<&[f64]>,
    settings: &ProxySettings,
) -> Vec<Proxy> {
    let pairs: Vec<(&ProxyColumn<'_>, &ProxyColumn<'_>)> = candidates
        .iter()
        .flat_map(|c| protected.iter().map(move |p| (c, p)))
        .collect();
    let mut proxies: Vec<Proxy> = pairs
        .par_iter()
        .enumerate()
        .map(|(index, (candidate, protected))| {
            let table = Contingency::count(&candidate.coded, &protected.coded, weights);
            let strength = table.cramers_v();
            let (p_value, interval) = if strength.is_some() {
                test_table(&table, settings, pair_seed(settings.seed, index))
            } else {
                (None, None)
            };
            Proxy {
                column: candidate.coded.name.clone(),
                protected: protected.coded.name.clone(),
                measure: if candidate.binned {
                    MEASURE_NUMERIC
                } else {
                    MEASURE_CATEGORICAL
                },
                levels: table.rows,
                strength,
                interval,
                p_value,
                adjusted_p_value: None,
            }
        })
        .collect();
    let tested = proxies.iter().filter(|p| p.p_value.is_some()).count();
    for proxy in &mut proxies {
        proxy.adjusted_p_value = proxy.p_value.map(|p| (p * tested as f64).min(1.0));
    }
    proxies.sort_by(|a, b| {
        let strength = |p: &Proxy| p.strength.unwrap_or(f64::NEG_INFINITY);
        strength(b)
            .total_cmp(&strength(a))
            .then_with(|| {
                a.p_value
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.p_value.unwrap_or(f64::INFINITY))
            })
            .then_with(|| a.column.cmp(&b.column))
            .then_with(|| a.protected.cmp(&b.protected))
    });
    proxies
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn coded(name: &str, levels: usize, codes: Vec<u32>) -> CodedAttribute<'static> {
        CodedAttribute {
            name: name.into(),
            levels: (0..levels).map(|l| format!("l{l}")).collect(),
            codes: Cow::Owned(codes),
        }
    }

    #[test]
    fn cramers_v_matches_a_hand_computed_value() {
        // The 2×2 table [[30, 10], [10, 50]]: n = 100, margins (40, 60) × (40, 60).
        // χ² = 100 (900/1600 + 100/2400 + 100/2400 + 2500/3600 − 1) = 34.02777…,
        // φ² = 0.3402777…; correction (1·1)/99 = 0.0101010…, φ̃² = 0.3301767…;
        // k̃ = r̃ = 2 − 1/99, so min(k̃ − 1, r̃ − 1) = 98/99 and Ṽ = √(0.3301767… · 99/98)
        // = 0.577534… (scipy.stats.contingency.association(..., method="cramer",
        // correction=False) gives the uncorrected √0.3402777 = 0.583333).
        let table = Contingency::from_cells(2, 2, &[30.0, 10.0, 10.0, 50.0]);
        let chi2 = table.chi_square();
        assert!((chi2 - 34.027_777_777_777_78).abs() < 1e-9, "{chi2}");
        let phi2 = chi2 / 100.0;
        let expected = ((phi2 - 1.0 / 99.0) / (98.0 / 99.0)).sqrt();
        assert!((expected - 0.577_534_343_9).abs() < 1e-9, "{expected}");
        assert!((table.cramers_v().unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn independence_scores_zero_and_determination_scores_one() {
        // Exact independence: every row proportional.
        let table = Contingency::from_cells(2, 3, &[10.0, 20.0, 30.0, 20.0, 40.0, 60.0]);
        assert_eq!(table.cramers_v(), Some(0.0));
        // The candidate determines the protected level (and vice versa).
        let table =
            Contingency::from_cells(3, 3, &[50.0, 0.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 60.0]);
        let v = table.cramers_v().unwrap();
        assert!((v - 1.0).abs() < 1e-12, "{v}");
        // An identifier (one case per level) is not a proxy, however many levels it has.
        let cells: Vec<f64> = (0..20)
            .flat_map(|i| [f64::from(i % 2 == 0), f64::from(i % 2 == 1)])
            .collect();
        assert_eq!(
            Contingency::from_cells(20, 2, &cells).cramers_v(),
            Some(0.0)
        );
        // A single protected level: nothing to predict.
        assert_eq!(Contingency::from_cells(2, 1, &[3.0, 4.0]).cramers_v(), None);
        // Empty levels are dropped.
        let table = Contingency::from_cells(3, 2, &[30.0, 10.0, 0.0, 0.0, 10.0, 50.0]);
        assert_eq!((table.rows, table.columns), (2, 2));
    }

    #[test]
    fn chi_square_distributions_match_known_values() {
        // Central: P(χ²₁ ≤ 3.841458820694124) = 0.95; P(χ²₂ ≤ x) = 1 − e^{−x/2}.
        assert!((noncentral_chi_square_cdf(3.841_458_820_694_124, 1.0, 0.0) - 0.95).abs() < 1e-12);
        for x in [0.1, 1.0, 5.0, 30.0] {
            let exact = 1.0 - (-x / 2.0_f64).exp();
            assert!(
                (noncentral_chi_square_cdf(x, 2.0, 0.0) - exact).abs() < 1e-13,
                "{x}"
            );
        }
        // Noncentral, df = 2: the Poisson mixture summed term by term with the closed form of
        // each central term (P(χ²_{2+2j} ≤ x) = 1 − e^{−x/2} Σ_{i≤j} (x/2)^i / i!).
        for (x, lambda) in [(3.0, 1.0), (10.0, 4.0), (25.0, 20.0), (400.0, 350.0)] {
            let mean: f64 = lambda / 2.0;
            let half: f64 = x / 2.0;
            let mut expected = 0.0;
            for j in 0..2000 {
                let weight =
                    (-mean + f64::from(j) * mean.ln() - libm::lgamma(f64::from(j) + 1.0)).exp();
                let tail: f64 = (0..=j)
                    .map(|i| {
                        (-half + f64::from(i) * half.ln() - libm::lgamma(f64::from(i) + 1.0)).exp()
                    })
                    .sum();
                expected += weight * (1.0 - tail);
            }
            let computed = noncentral_chi_square_cdf(x, 2.0, lambda);
            assert!(
                (computed - expected).abs() < 1e-10,
                "{x} {lambda}: {computed} vs {expected}"
            );
        }
        // A large noncentrality (a strong proxy in 10M rows) stays finite and ordered.
        let big = noncentral_chi_square_cdf(2.0e6, 9.0, 2.0e6);
        assert!(big > 0.4 && big < 0.6, "{big}");
    }

    #[test]
    fn the_interval_brackets_the_estimate_and_narrows_with_data() {
        let small = Contingency::from_cells(2, 2, &[30.0, 10.0, 10.0, 50.0]);
        let large = Contingency::from_cells(2, 2, &[300.0, 100.0, 100.0, 500.0]);
        let (i_small, i_large) = (
            noncentrality_interval(&small, 0.05).unwrap(),
            noncentrality_interval(&large, 0.05).unwrap(),
        );
        let (v_small, v_large) = (small.cramers_v().unwrap(), large.cramers_v().unwrap());
        assert!(
            i_small.low < v_small && v_small < i_small.high,
            "{i_small:?}"
        );
        assert!(
            i_large.low < v_large && v_large < i_large.high,
            "{i_large:?}"
        );
        assert!(i_large.high - i_large.low < i_small.high - i_small.low);
        // Weak association in few rows: the lower end is 0.
        let weak = Contingency::from_cells(2, 2, &[11.0, 9.0, 9.0, 11.0]);
        assert_eq!(noncentrality_interval(&weak, 0.05).unwrap().low, 0.0);
    }

    #[test]
    fn permuted_tables_keep_their_margins() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for _ in 0..50 {
            let table = permuted_table(&[5, 0, 12, 3], &[8, 7, 5], &mut rng);
            for (i, total) in [5u64, 0, 12, 3].iter().enumerate() {
                assert_eq!(table[i * 3..i * 3 + 3].iter().sum::<u64>(), *total);
            }
            for (j, total) in [8u64, 7, 5].iter().enumerate() {
                assert_eq!((0..4).map(|i| table[i * 3 + j]).sum::<u64>(), *total);
            }
        }
    }

    #[test]
    fn a_strong_proxy_is_significant_and_noise_is_not() {
        // 400 rows: `zip` equals `race` in 90% of rows; `noise` is unrelated.
        let rows = 400;
        let race: Vec<u32> = (0..rows).map(|i| (i % 2) as u32).collect();
        let zip: Vec<u32> = (0..rows)
            .map(|i| {
                if i % 10 == 0 {
                    1 - (i % 2) as u32
                } else {
                    (i % 2) as u32
                }
            })
            .collect();
        let noise: Vec<u32> = (0..rows).map(|i| ((i / 2) % 3) as u32).collect();
        let candidates = [
            ProxyColumn {
                coded: coded("zip", 2, zip),
                binned: false,
            },
            ProxyColumn {
                coded: coded("noise", 3, noise),
                binned: false,
            },
        ];
        let protected = [ProxyColumn {
            coded: coded("race", 2, race),
            binned: false,
        }];
        let settings = ProxySettings {
            permutations: 199,
            ..ProxySettings::default()
        };
        let found = find_proxies(&candidates, &protected, None, &settings);
        assert_eq!(found[0].column, "zip");
        assert_eq!(found[0].p_value, Some(1.0 / 200.0));
        let interval = found[0].interval.unwrap();
        let strength = found[0].strength.unwrap();
        assert!(
            interval.low <= strength && strength <= interval.high,
            "{interval:?}"
        );
        assert!(strength > 0.75, "{strength}");
        assert_eq!(found[1].column, "noise");
        assert_eq!(found[1].strength, Some(0.0));
        assert!(found[1].p_value.unwrap() > 0.5);
        // A V of 0 with a χ² of 0: independence cannot be ruled out.
        assert_eq!(found[1].interval.map(|i| i.low), Some(0.0));
        // Bonferroni over the two pairs tested.
        assert_eq!(found[0].adjusted_p_value, Some(2.0 / 200.0));
        // Same seed, same answers.
        assert_eq!(
            found,
            find_proxies(&candidates, &protected, None, &settings)
        );
    }
}
