//! The bias audit of an automated employment decision tool as New York City's Local Law 144
//! and its rules (6 RCNY §§ 5-300 – 5-304) define it.
//!
//! - A **selection** tool decides who moves on. Per category: the number of applicants, the
//!   number selected, the *selection rate* (selected ÷ applicants) and the *impact ratio* (the
//!   category's selection rate ÷ the highest category's).
//! - A **scoring** tool gives a score. First the *median score of the full sample* (everyone in
//!   the data, including individuals whose sex or race/ethnicity is unknown: the rule asks for the
//!   sample's median, and one median keeps the three tables comparable); then per category the
//!   *scoring rate* (the share of its individuals scoring strictly above that median) and the
//!   impact ratio against the highest scoring rate.
//! - Each is computed **separately** for sex, for race/ethnicity and for their intersections.
//! - Individuals in an **unknown** category (a missing value, or a value the auditor marks as
//!   unknown) are left out of that table's calculations and counted: `unknown_count`.
//! - A category representing **less than 2%** of the data may be left out of the impact ratios
//!   (§ 5-301(d)), only with that justification stated, and its applicants and rate still shown.
//!   Here that happens only when asked ([`BiasAuditOptions::exclude_under`]); the share is of all
//!   individuals in the audit data, and the highest rate is taken over the categories kept.
//!
//! Counts are frequency weights (a row of weight 3 stands for three applicants), so they must be
//! whole numbers; the caller checks that. Rates are undefined for a category without applicants;
//! impact ratios are undefined when the highest rate is 0 (0/0), for undefined rates and for
//! excluded categories.

use super::adverse_impact::impact_ratios;
use super::dataset::MISSING_LEVEL;

/// The largest share below which § 5-301(d) lets a category be left out of the impact ratios.
pub const MAX_EXCLUDE_UNDER: f64 = 0.02;

/// What the audited tool does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolKind {
    /// It selects (or a threshold on its score selects): selection rates.
    Selection,
    /// It scores: scoring rates against the sample's median score.
    Scoring,
}

impl ToolKind {
    /// `selection` or `scoring`, as in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            ToolKind::Selection => "selection",
            ToolKind::Scoring => "scoring",
        }
    }

    /// The JSON key of a category's count: `selected` or `above_median`.
    pub fn count_key(self) -> &'static str {
        match self {
            ToolKind::Selection => "selected",
            ToolKind::Scoring => "above_median",
        }
    }

    /// The rate's name in tables: `Selection rate` or `Scoring rate`.
    pub fn rate_name(self) -> &'static str {
        match self {
            ToolKind::Selection => "Selection rate",
            ToolKind::Scoring => "Scoring rate",
        }
    }

    /// The count's name in tables: `Selected` or `Scored above the median`.
    pub fn count_name(self) -> &'static str {
        match self {
            ToolKind::Selection => "Selected",
            ToolKind::Scoring => "Above median",
        }
    }
}

/// Which of the three tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// Sex categories.
    Sex,
    /// Race/ethnicity categories.
    Race,
    /// Sex × race/ethnicity.
    Intersection,
}

impl TableKind {
    /// The three tables, in the order they are printed.
    pub const ALL: [TableKind; 3] = [TableKind::Sex, TableKind::Race, TableKind::Intersection];

    /// `sex`, `race` or `intersection`, as in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            TableKind::Sex => "sex",
            TableKind::Race => "race",
            TableKind::Intersection => "intersection",
        }
    }

    /// The table's name in running text (`Race/ethnicity`).
    pub fn label(self) -> &'static str {
        match self {
            TableKind::Sex => "Sex",
            TableKind::Race => "Race/ethnicity",
            TableKind::Intersection => "Intersectional",
        }
    }

    /// The table's title, as public summaries name it.
    pub fn title(self) -> &'static str {
        match self {
            TableKind::Sex => "Sex categories",
            TableKind::Race => "Race/ethnicity categories",
            TableKind::Intersection => "Intersectional categories",
        }
    }
}

/// The applicants of one sex × race/ethnicity combination (levels as the data spells them, a
/// missing value as [`MISSING_LEVEL`]) and how many of them were selected (scored above the
/// median).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Sex level.
    pub sex: String,
    /// Race/ethnicity level.
    pub race: String,
    /// Applicants (summed weights).
    pub applicants: f64,
    /// Of them, selected (or scoring above the median).
    pub selected: f64,
}

/// The auditor's choices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BiasAuditOptions {
    /// Levels that mean "unknown" (in either column), besides missing values.
    pub unknown: Vec<String>,
    /// Leave categories with a share of the data under this out of the impact ratios
    /// (0 < share ≤ [`MAX_EXCLUDE_UNDER`]); `None` keeps every category.
    pub exclude_under: Option<f64>,
}

/// One row of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    /// The category as the data names it (`Female`, `Black`, `Female × Black`).
    pub name: String,
    /// Its sex level (sex and intersection tables).
    pub sex: Option<String>,
    /// Its race/ethnicity level (race and intersection tables).
    pub race: Option<String>,
    /// Applicants.
    pub applicants: f64,
    /// Selected, or scoring above the median.
    pub selected: f64,
    /// Applicants ÷ everyone in the audit data (unknowns included).
    pub share: f64,
    /// Selected ÷ applicants; `None` without applicants.
    pub rate: Option<f64>,
    /// Rate ÷ the highest rate of the categories kept; `None` when excluded or undefined.
    pub impact_ratio: Option<f64>,
    /// Left out of the impact ratios for representing less than the exclusion share.
    pub excluded: bool,
}

impl Category {
    /// Why an excluded category has no impact ratio (the justification § 5-301(d) asks for);
    /// `None` when it is not excluded.
    pub fn exclusion_reason(&self, exclude_under: Option<f64>) -> Option<String> {
        let limit = exclude_under.filter(|_| self.excluded)?;
        Some(format!(
            "represents {} of the individuals in the audit data, under the {} below which 6 RCNY § 5-301(d) allows a category to be left out of the impact ratio calculations; its applicants and rate are shown",
            percent(self.share),
            percent(limit)
        ))
    }
}

/// A share as a percentage with up to two decimals (`1.25%`, `2%`), for justifications.
pub fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// One of the three tables.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryTable {
    /// Sex, race/ethnicity or intersectional.
    pub kind: TableKind,
    /// Its categories, in the data's level order.
    pub categories: Vec<Category>,
    /// Individuals left out of this table because a value it needs is unknown.
    pub unknown_count: f64,
    /// The category with the highest rate among those kept (the impact ratios' denominator).
    pub highest: Option<usize>,
}

/// A complete LL144 bias audit.
#[derive(Clone, Debug, PartialEq)]
pub struct BiasAudit {
    /// Selection or scoring tool.
    pub kind: ToolKind,
    /// The median score of the full sample (scoring tools).
    pub median_score: Option<f64>,
    /// Everyone in the audit data.
    pub applicants: f64,
    /// Individuals in an unknown category of sex or race/ethnicity (left out of at least one
    /// table; the intersectional table's unknown count).
    pub unknown_count: f64,
    /// Sex, race/ethnicity and intersectional tables, in that order.
    pub tables: Vec<CategoryTable>,
    /// The exclusion share asked for.
    pub exclude_under: Option<f64>,
    /// `unknown` values that match no level of either column (probably misspelt).
    pub unmatched_unknown: Vec<String>,
}

impl BiasAudit {
    /// One table.
    pub fn table(&self, kind: TableKind) -> Option<&CategoryTable> {
        self.tables.iter().find(|t| t.kind == kind)
    }

    /// Every excluded category with its table.
    pub fn exclusions(&self) -> impl Iterator<Item = (TableKind, &Category)> {
        self.tables.iter().flat_map(|t| {
            t.categories
                .iter()
                .filter(|c| c.excluded)
                .map(move |c| (t.kind, c))
        })
    }
}

/// Why a bias audit cannot be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BiasAuditError {
    /// An exclusion share outside (0, 2%].
    #[error(
        "the exclusion share must be above 0 and at most 0.02 (6 RCNY § 5-301(d) allows leaving out only categories under 2% of the data); found {0}"
    )]
    ExcludeUnder(f64),
    /// The data has nobody in it.
    #[error("the data has no applicants")]
    NoApplicants,
    /// Every individual's value of one attribute is unknown.
    #[error("every individual's {0} is unknown, so the {0} table would be empty")]
    AllUnknown(&'static str),
}

/// The median score of a sample with frequency weights: the smallest score at which the
/// cumulative weight reaches half the total, averaged with the next score when it reaches
/// exactly half (so unit weights give the usual median: the middle value, or the mean of the two
/// middle values). `scores` need not be sorted. `None` for an empty or weightless sample.
pub fn median_score(scores: &[f64], weights: Option<&[f64]>) -> Option<f64> {
    let mut pairs: Vec<(f64, f64)> = match weights {
        Some(weights) => scores
            .iter()
            .zip(weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(s, w)| (*s, *w))
            .collect(),
        None => scores.iter().map(|s| (*s, 1.0)).collect(),
    };
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return None;
    }
    let half = total / 2.0;
    let mut cumulative = 0.0;
    for (position, (score, weight)) in pairs.iter().enumerate() {
        cumulative += weight;
        if cumulative > half {
            return Some(*score);
        }
        if cumulative == half {
            // Exactly half at or below this score: the middle lies between it and the next.
            let next = pairs.get(position + 1).map_or(*score, |(s, _)| *s);
            return Some((score + next) / 2.0);
        }
    }
    pairs.last().map(|(s, _)| *s)
}

/// Builds the three tables from the cells (`kind` and `median_score` are carried into the
/// result; for a scoring tool each cell's `selected` counts its individuals above the median).
pub fn bias_audit(
    kind: ToolKind,
    median_score: Option<f64>,
    cells: &[Cell],
    options: &BiasAuditOptions,
) -> Result<BiasAudit, BiasAuditError> {
    if let Some(limit) = options.exclude_under
        && !(limit > 0.0 && limit <= MAX_EXCLUDE_UNDER)
    {
        return Err(BiasAuditError::ExcludeUnder(limit));
    }
    let applicants: f64 = cells.iter().map(|c| c.applicants).sum();
    if applicants <= 0.0 {
        return Err(BiasAuditError::NoApplicants);
    }
    let unknown =
        |level: &str| level == MISSING_LEVEL || options.unknown.iter().any(|u| u == level);
    let mut tables = Vec::with_capacity(3);
    for table_kind in TableKind::ALL {
        let mut categories: Vec<Category> = Vec::new();
        let mut unknown_count = 0.0;
        for cell in cells {
            let (sex, race) = match table_kind {
                TableKind::Sex => (Some(&cell.sex), None),
                TableKind::Race => (None, Some(&cell.race)),
                TableKind::Intersection => (Some(&cell.sex), Some(&cell.race)),
            };
            if sex.is_some_and(|s| unknown(s)) || race.is_some_and(|r| unknown(r)) {
                unknown_count += cell.applicants;
                continue;
            }
            let name = match (sex, race) {
                (Some(s), Some(r)) => format!("{s} × {r}"),
                (Some(s), None) => s.clone(),
                (None, Some(r)) => r.clone(),
                (None, None) => String::new(),
            };
            match categories.iter_mut().find(|c| c.name == name) {
                Some(category) => {
                    category.applicants += cell.applicants;
                    category.selected += cell.selected;
                }
                None => categories.push(Category {
                    name,
                    sex: sex.cloned(),
                    race: race.cloned(),
                    applicants: cell.applicants,
                    selected: cell.selected,
                    share: 0.0,
                    rate: None,
                    impact_ratio: None,
                    excluded: false,
                }),
            }
        }
        // Sex and race/ethnicity in the order of their labels; intersections by that order of
        // their sex, then of their race/ethnicity.
        match table_kind {
            TableKind::Sex | TableKind::Race => {
                categories.sort_by(|a, b| a.name.cmp(&b.name));
            }
            TableKind::Intersection => {
                let position = |kind: TableKind, level: Option<&String>| {
                    tables
                        .iter()
                        .find(|t: &&CategoryTable| t.kind == kind)
                        .and_then(|t| {
                            t.categories.iter().position(|c| {
                                let own = if kind == TableKind::Sex {
                                    &c.sex
                                } else {
                                    &c.race
                                };
                                own.as_ref() == level
                            })
                        })
                        .unwrap_or(usize::MAX)
                };
                categories.sort_by_key(|c| {
                    (
                        position(TableKind::Sex, c.sex.as_ref()),
                        position(TableKind::Race, c.race.as_ref()),
                    )
                });
            }
        }
        if categories.is_empty() && table_kind != TableKind::Intersection {
            return Err(BiasAuditError::AllUnknown(match table_kind {
                TableKind::Sex => "sex",
                _ => "race/ethnicity",
            }));
        }
        for category in &mut categories {
            category.share = category.applicants / applicants;
            category.rate =
                (category.applicants > 0.0).then(|| category.selected / category.applicants);
            category.excluded = options
                .exclude_under
                .is_some_and(|limit| category.share < limit);
        }
        let rates: Vec<Option<f64>> = categories.iter().map(|c| c.rate).collect();
        let kept: Vec<bool> = categories.iter().map(|c| !c.excluded).collect();
        let (highest, ratios) = impact_ratios(&rates, &kept);
        for (category, ratio) in categories.iter_mut().zip(ratios) {
            category.impact_ratio = ratio.filter(|_| !category.excluded);
        }
        tables.push(CategoryTable {
            kind: table_kind,
            categories,
            unknown_count,
            highest,
        });
    }
    let unknown_count = tables
        .iter()
        .find(|t| t.kind == TableKind::Intersection)
        .map_or(0.0, |t| t.unknown_count);
    let unmatched_unknown = options
        .unknown
        .iter()
        .filter(|u| !cells.iter().any(|c| c.sex == **u || c.race == **u))
        .cloned()
        .collect();
    Ok(BiasAudit {
        kind,
        median_score,
        applicants,
        unknown_count,
        tables,
        exclude_under: options.exclude_under,
        unmatched_unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(sex: &str, race: &str, applicants: f64, selected: f64) -> Cell {
        Cell {
            sex: sex.into(),
            race: race.into(),
            applicants,
            selected,
        }
    }

    /// 100 applicants: F × A 30 (12 selected), F × B 10 (2), M × A 40 (20), M × B 15 (3),
    /// M × C 1 (1), F × Unknown 4 (1).
    fn cells() -> Vec<Cell> {
        vec![
            cell("F", "A", 30.0, 12.0),
            cell("F", "B", 10.0, 2.0),
            cell("F", "Unknown", 4.0, 1.0),
            cell("M", "A", 40.0, 20.0),
            cell("M", "B", 15.0, 3.0),
            cell("M", "C", 1.0, 1.0),
        ]
    }

    #[test]
    fn every_number_matches_a_hand_count() {
        let options = BiasAuditOptions {
            unknown: vec!["Unknown".into()],
            exclude_under: None,
        };
        let audit = bias_audit(ToolKind::Selection, None, &cells(), &options).unwrap();
        assert_eq!(audit.applicants, 100.0);
        // Sex: F 44 applicants (30 + 10 + 4: the unknown race still has a known sex), 15
        // selected; M 56, 24 selected. Rates 15/44 and 24/56 = 3/7; M highest.
        let sex = audit.table(TableKind::Sex).unwrap();
        assert_eq!(sex.unknown_count, 0.0);
        let f = &sex.categories[0];
        assert_eq!(
            (f.name.as_str(), f.applicants, f.selected),
            ("F", 44.0, 15.0)
        );
        assert_eq!(f.rate, Some(15.0 / 44.0));
        assert_eq!(f.share, 0.44);
        assert_eq!(sex.highest, Some(1));
        assert_eq!(sex.categories[1].impact_ratio, Some(1.0));
        assert_eq!(f.impact_ratio, Some((15.0 / 44.0) / (24.0 / 56.0)));
        // Race: A 70 (32 selected, 0.457…), B 25 (5, 0.2), C 1 (1, 1.0): C is highest; 4 unknown.
        let race = audit.table(TableKind::Race).unwrap();
        assert_eq!(race.unknown_count, 4.0);
        let names: Vec<&str> = race.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert_eq!(race.highest, Some(2));
        assert_eq!(race.categories[0].rate, Some(32.0 / 70.0));
        assert_eq!(race.categories[0].impact_ratio, Some(32.0 / 70.0));
        assert_eq!(race.categories[1].impact_ratio, Some(0.2));
        // Intersections: five known, the F × Unknown 4 left out.
        let both = audit.table(TableKind::Intersection).unwrap();
        assert_eq!(both.unknown_count, 4.0);
        assert_eq!(audit.unknown_count, 4.0);
        let names: Vec<&str> = both.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["F × A", "F × B", "M × A", "M × B", "M × C"]);
        assert_eq!(both.categories[2].rate, Some(0.5));
        assert_eq!(both.categories[2].impact_ratio, Some(0.5));
        assert_eq!(both.categories[0].sex.as_deref(), Some("F"));
        assert_eq!(both.categories[0].race.as_deref(), Some("A"));
        assert!(audit.unmatched_unknown.is_empty());
    }

    #[test]
    fn small_categories_are_excluded_from_the_impact_ratios_only_when_asked() {
        let options = BiasAuditOptions {
            unknown: vec!["Unknown".into()],
            exclude_under: Some(0.02),
        };
        let audit = bias_audit(ToolKind::Selection, None, &cells(), &options).unwrap();
        // C is 1 of 100 = 1% < 2%: excluded; its count and rate stay. The highest among the
        // rest is A (32/70), so B's ratio is 0.2 / (32/70) = 0.4375.
        let race = audit.table(TableKind::Race).unwrap();
        let c = &race.categories[2];
        assert!(c.excluded);
        assert_eq!(
            (c.applicants, c.rate, c.impact_ratio),
            (1.0, Some(1.0), None)
        );
        assert_eq!(race.highest, Some(0));
        assert_eq!(race.categories[0].impact_ratio, Some(1.0));
        assert_eq!(race.categories[1].impact_ratio, Some(0.2 / (32.0 / 70.0)));
        assert_eq!(
            c.exclusion_reason(audit.exclude_under).unwrap(),
            "represents 1% of the individuals in the audit data, under the 2% below which 6 RCNY § 5-301(d) allows a category to be left out of the impact ratio calculations; its applicants and rate are shown"
        );
        // M × C too (1%); every other category is at least 2%: B × F is 10%.
        let excluded: Vec<(TableKind, &str)> = audit
            .exclusions()
            .map(|(t, c)| (t, c.name.as_str()))
            .collect();
        assert_eq!(
            excluded,
            [(TableKind::Race, "C"), (TableKind::Intersection, "M × C")]
        );
        // Exactly 2% is not under 2%.
        let two = [cell("F", "A", 98.0, 10.0), cell("M", "A", 2.0, 1.0)];
        let audit = bias_audit(ToolKind::Selection, None, &two, &options).unwrap();
        assert!(!audit.table(TableKind::Sex).unwrap().categories[1].excluded);
        // Without the option nothing is excluded.
        let audit = bias_audit(
            ToolKind::Selection,
            None,
            &cells(),
            &BiasAuditOptions::default(),
        )
        .unwrap();
        assert_eq!(audit.exclusions().count(), 0);
    }

    #[test]
    fn missing_values_are_unknown_and_counted() {
        let cells = [
            cell("F", "A", 3.0, 1.0),
            cell(MISSING_LEVEL, "A", 2.0, 2.0),
            cell("M", MISSING_LEVEL, 5.0, 0.0),
        ];
        let options = BiasAuditOptions {
            unknown: vec!["Declined".into()],
            exclude_under: None,
        };
        let audit = bias_audit(ToolKind::Selection, None, &cells, &options).unwrap();
        assert_eq!(audit.table(TableKind::Sex).unwrap().unknown_count, 2.0);
        assert_eq!(audit.table(TableKind::Race).unwrap().unknown_count, 5.0);
        assert_eq!(audit.unknown_count, 7.0);
        assert_eq!(audit.unmatched_unknown, vec!["Declined".to_owned()]);
    }

    #[test]
    fn bad_options_and_empty_tables_are_refused() {
        for bad in [0.0, -0.01, 0.03, f64::NAN] {
            let options = BiasAuditOptions {
                unknown: Vec::new(),
                exclude_under: Some(bad),
            };
            assert!(matches!(
                bias_audit(ToolKind::Selection, None, &cells(), &options),
                Err(BiasAuditError::ExcludeUnder(_))
            ));
        }
        let options = BiasAuditOptions {
            unknown: vec!["F".into(), "M".into()],
            exclude_under: None,
        };
        assert_eq!(
            bias_audit(ToolKind::Selection, None, &cells(), &options),
            Err(BiasAuditError::AllUnknown("sex"))
        );
        assert_eq!(
            bias_audit(ToolKind::Selection, None, &[], &BiasAuditOptions::default()),
            Err(BiasAuditError::NoApplicants)
        );
    }

    #[test]
    fn nobody_selected_anywhere_gives_no_impact_ratio() {
        let cells = [cell("F", "A", 3.0, 0.0), cell("M", "A", 5.0, 0.0)];
        let audit = bias_audit(
            ToolKind::Selection,
            None,
            &cells,
            &BiasAuditOptions::default(),
        )
        .unwrap();
        let sex = audit.table(TableKind::Sex).unwrap();
        assert_eq!(sex.categories[0].rate, Some(0.0));
        assert_eq!(sex.categories[0].impact_ratio, None);
    }

    #[test]
    fn the_median_is_the_middle_of_the_sample() {
        assert_eq!(median_score(&[3.0, 1.0, 2.0], None), Some(2.0));
        assert_eq!(median_score(&[4.0, 1.0, 3.0, 2.0], None), Some(2.5));
        assert_eq!(median_score(&[1.0, 1.0, 1.0, 5.0], None), Some(1.0));
        assert_eq!(median_score(&[], None), None);
        // Weights as counts: 1 ×2, 2 ×1, 9 ×1 → 1, 1, 2, 9 → (1 + 2) / 2.
        assert_eq!(
            median_score(&[9.0, 1.0, 2.0], Some(&[1.0, 2.0, 1.0])),
            Some(1.5)
        );
        // Zero weights take no part: 5 ×0, 1 ×1, 3 ×1 → (1 + 3) / 2.
        assert_eq!(
            median_score(&[5.0, 1.0, 3.0], Some(&[0.0, 1.0, 1.0])),
            Some(2.0)
        );
        assert_eq!(median_score(&[1.0], Some(&[0.0])), None);
    }
}
