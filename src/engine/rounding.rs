//! Scores rounded to a number of decimals, as `fulcrum aggregate --decimals D` writes them, and
//! how the rest of Fulcrum knows they are: the aggregate names its score column
//! `<score>_rounded_<D>` (`risk_rounded_3`). A column name survives every engine and file format
//! an aggregate passes through (`DuckDB`, Spark, `BigQuery`, CSV), where file metadata would not, and
//! it is there when the user runs the generated SQL themselves.
//!
//! On rounded scores the optimizer's thresholds are exact for the rounded scores; read against
//! the raw scores, each threshold moves by at most half a unit of the last kept decimal
//! ([`max_threshold_shift`]).

use rayon::prelude::*;

/// The most decimals a score may be rounded to (beyond this, rounding of an `f64` is noise).
pub const MAX_DECIMALS: u32 = 15;

/// What the name of a rounded score column ends with, before the number of decimals.
pub const ROUNDED_SUFFIX: &str = "_rounded_";

/// How far a threshold can move when scores are rounded to `decimals`: half a unit of the last
/// kept decimal. A row is selected at threshold `t` on rounded scores iff its raw score is at
/// least `t` shifted by less than this.
pub fn max_threshold_shift(decimals: u32) -> f64 {
    0.5 * 10f64.powi(-(decimals.min(MAX_DECIMALS) as i32))
}

/// The name of the score column of an aggregate whose scores are rounded to `decimals`:
/// `risk` → `risk_rounded_3`.
pub fn rounded_score_column(score: &str, decimals: u32) -> String {
    format!("{score}{ROUNDED_SUFFIX}{decimals}")
}

/// Scores known to be rounded to a number of decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreRounding {
    /// Decimals kept (0 to [`MAX_DECIMALS`]).
    pub decimals: u32,
}

impl ScoreRounding {
    /// The rounding a score column's name records (`…_rounded_3`, in any letter case, as an
    /// engine that upper-cases names writes it), when every finite score lies on that grid of
    /// decimals; `None` otherwise. Checking the values keeps a column that only happens to be
    /// named so from claiming what its values do not show.
    pub fn detect(score_column: &str, scores: &[f64]) -> Option<Self> {
        let lower = score_column.to_ascii_lowercase();
        let (_, digits) = lower.rsplit_once(ROUNDED_SUFFIX)?;
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let decimals: u32 = digits.parse().ok().filter(|d| *d <= MAX_DECIMALS)?;
        let on_grid = scores.par_iter().all(|&score| on_grid(score, decimals));
        on_grid.then_some(Self { decimals })
    }

    /// How far a threshold can move against the raw scores.
    pub fn max_threshold_shift(self) -> f64 {
        max_threshold_shift(self.decimals)
    }

    /// What the optimizer, the frontier and the window say about results on these scores.
    pub fn note(self) -> String {
        let d = self.decimals;
        format!(
            "scores rounded to {d} decimal{}: thresholds are exact on the rounded scores; the \
             shift is at most 0.5·10^-{d} = {} on the raw scores",
            if d == 1 { "" } else { "s" },
            self.max_threshold_shift()
        )
    }
}

/// Whether `score` is the double nearest to a multiple of `10^-decimals` (as rounding its decimal
/// text gives), or not finite.
fn on_grid(score: f64, decimals: u32) -> bool {
    /// Beyond 2^53 units, multiples are no longer exact integers in a double.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !score.is_finite() {
        return true;
    }
    let scale = 10f64.powi(decimals as i32);
    let units = (score * scale).round();
    // `units / scale` divides two exact doubles, so it is the double nearest the decimal.
    units.abs() < EXACT && units / scale == score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rounding_is_read_from_the_name_when_the_scores_agree() {
        let rounded = [0.123, 0.5, 0.999, 0.0, 1.0, -0.25];
        assert_eq!(
            ScoreRounding::detect("risk_rounded_3", &rounded),
            Some(ScoreRounding { decimals: 3 })
        );
        assert_eq!(
            ScoreRounding::detect("RISK_ROUNDED_3", &rounded),
            Some(ScoreRounding { decimals: 3 })
        );
        // More decimals than the name says: no claim.
        assert_eq!(ScoreRounding::detect("risk_rounded_2", &rounded), None);
        assert_eq!(ScoreRounding::detect("risk", &rounded), None);
        assert_eq!(ScoreRounding::detect("risk_rounded_", &rounded), None);
        assert_eq!(ScoreRounding::detect("risk_rounded_x", &rounded), None);
        assert_eq!(ScoreRounding::detect("risk_rounded_16", &rounded), None);
        assert_eq!(
            ScoreRounding::detect("decile_rounded_0", &[1.0, 7.0, 10.0]),
            Some(ScoreRounding { decimals: 0 })
        );
        // 0.1 + 0.2 is not the double nearest 0.3.
        assert_eq!(
            ScoreRounding::detect("s_rounded_1", &[0.1 + 0.2]),
            None,
            "0.30000000000000004 is not on the grid"
        );
    }

    #[test]
    fn the_note_states_the_shift() {
        assert_eq!(
            ScoreRounding { decimals: 3 }.note(),
            "scores rounded to 3 decimals: thresholds are exact on the rounded scores; the shift \
             is at most 0.5·10^-3 = 0.0005 on the raw scores"
        );
        assert_eq!(rounded_score_column("risk", 3), "risk_rounded_3");
        assert_eq!(max_threshold_shift(1), 0.05);
    }
}
