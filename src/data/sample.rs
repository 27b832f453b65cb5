//! A deterministic generator of realistic synthetic lending data, for the bundled sample and for
//! benchmark files of any size (`fulcrum sample --rows 10000000 --out big.parquet`).
//!
//! Each applicant has a latent creditworthiness driven by income and age. Whether they repaid is
//! drawn from it. The model's score is a calibrated estimate of the repayment probability from a
//! noisy view of that creditworthiness — and the view is noisier for thin credit files (applicants
//! aged 18–24, Hispanic applicants, and the South region). Calibrated scores with unequal noise and
//! unequal base rates give exactly the disparities a review must find: lower selection rates for
//! groups with lower incomes, and qualified young Hispanic applicants rejected far more often than
//! others at one threshold.
//!
//! `drift` makes a later, shifted population for monitoring demos: the same applicants and the
//! same scores, but an economic shock lowers the repayment of young (18–24) and Black applicants
//! by `drift` on the log-odds scale, which the model, trained before, does not see. With drift 0
//! the output is exactly the undrifted file.
//!
//! A second model, `score_v2` (issue 15), scores the same applicants: a newer model with a
//! sharper view of creditworthiness for most applicants (its noise is smaller, so it is more
//! accurate overall) but a much blurrier one for Black applicants (say, it leans on a bureau
//! attribute that is often missing for them), so it is worse for exactly one group. Its noise is
//! drawn from a stream of its own, so every other column is exactly what it was before the
//! second model existed.
//!
//! Rows are generated in fixed-size chunks, each from its own seeded stream, so the output depends
//! only on the seed and the row count, not on the number of threads.

use std::path::Path;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, StandardNormal};
use rayon::prelude::*;

use super::{LoadError, OutputColumn, write_columns};
use crate::engine::{Attribute, AttributeValues, Dataset};

/// The seed of the bundled sample.
pub const DEFAULT_SEED: u64 = 20_261_123;

/// Rows in the bundled sample.
pub const SAMPLE_ROWS: usize = 30_000;

/// Rows generated per independent random stream.
const CHUNK_ROWS: usize = 65_536;

/// Sex levels and their shares.
const SEXES: [(&str, f64); 2] = [("Female", 0.48), ("Male", 0.52)];
/// Race levels and their shares.
const RACES: [(&str, f64); 5] = [
    ("White", 0.58),
    ("Black", 0.15),
    ("Hispanic", 0.17),
    ("Asian", 0.07),
    ("Other", 0.03),
];
/// Age bands and their shares.
const AGE_BANDS: [(&str, f64); 6] = [
    ("18-24", 0.14),
    ("25-34", 0.24),
    ("35-44", 0.22),
    ("45-54", 0.18),
    ("55-64", 0.13),
    ("65+", 0.09),
];
/// Regions and their shares.
const REGIONS: [(&str, f64); 4] = [
    ("North", 0.27),
    ("South", 0.25),
    ("East", 0.26),
    ("West", 0.22),
];

/// Log-income shift by race (historical income gaps).
const RACE_INCOME: [f64; 5] = [0.0, -0.28, -0.18, 0.08, -0.1];
/// Log-income shift by age band.
const AGE_INCOME: [f64; 6] = [-0.55, -0.15, 0.05, 0.12, 0.08, -0.2];
/// Creditworthiness shift by age band (beyond income).
const AGE_CREDIT: [f64; 6] = [-0.35, -0.1, 0.05, 0.15, 0.2, 0.1];

/// Mixed into each chunk's seed for the second model's stream (issue 15), so its draws never
/// touch the stream every other column comes from.
const SECOND_MODEL_STREAM: u64 = 0x5C0E_0000_0000_0002;

/// One generated applicant.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Applicant {
    sex: u8,
    race: u8,
    age_band: u8,
    region: u8,
    income: f64,
    income_missing: bool,
    score: f64,
    repaid: bool,
    /// The latent creditworthiness both models see through their own noise (not written).
    credit: f64,
    /// The second, newer model's score.
    score_v2: f64,
}

fn pick<R: rand::Rng + ?Sized>(rng: &mut R, shares: &[(&str, f64)]) -> u8 {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    for (i, (_, share)) in shares.iter().enumerate() {
        cumulative += share;
        if u < cumulative {
            return i as u8;
        }
    }
    (shares.len() - 1) as u8
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn generate_one<R: rand::Rng + ?Sized>(rng: &mut R, drift: f64) -> Applicant {
    let normal = |rng: &mut R| -> f64 { StandardNormal.sample(rng) };
    let sex = pick(rng, &SEXES);
    let race = pick(rng, &RACES);
    let age_band = pick(rng, &AGE_BANDS);
    let region = pick(rng, &REGIONS);
    let at = |table: &[f64], i: u8| table.get(usize::from(i)).copied().unwrap_or(0.0);
    let log_income = 10.9
        + at(&RACE_INCOME, race)
        + at(&AGE_INCOME, age_band)
        + if sex == 0 { -0.12 } else { 0.0 }
        + 0.45 * normal(rng);
    let income = (log_income.exp() / 100.0).round() * 100.0;
    let income_missing = rng.random::<f64>() < 0.04;
    // Latent creditworthiness: income, age and everything else.
    let credit = 0.9 * (log_income - 10.8) + at(&AGE_CREDIT, age_band) + normal(rng);
    // The shock hits repayment only: the model's view below is of the old creditworthiness.
    let shock = drift * (if age_band == 0 { 1.0 } else { 0.0 } + if race == 1 { 1.0 } else { 0.0 });
    let repaid = rng.random::<f64>() < sigmoid(0.9 + credit - shock);
    // The model sees creditworthiness through noise that is larger for thin credit files.
    let noise = 0.55
        + if age_band == 0 { 0.75 } else { 0.0 }
        + if race == 2 { 0.45 } else { 0.0 }
        + if region == 1 { 0.25 } else { 0.0 };
    let observed = credit + noise * normal(rng);
    Applicant {
        sex,
        race,
        age_band,
        region,
        income,
        income_missing,
        score: calibrated_score(observed, noise),
        repaid,
        credit,
        score_v2: 0.0,
    }
}

/// The calibrated repayment probability given a view `observed` of the creditworthiness through
/// noise of standard deviation `noise`, rounded to four decimals: shrink toward the prior mean
/// by the signal share, then account for the remaining uncertainty (probit approximation of
/// E[sigmoid]).
fn calibrated_score(observed: f64, noise: f64) -> f64 {
    let prior_variance = 0.9f64.powi(2) * 0.45f64.powi(2) + 1.0;
    let signal_share = prior_variance / (prior_variance + noise * noise);
    let mean = -0.1 + signal_share * (observed + 0.1);
    let variance = prior_variance * noise * noise / (prior_variance + noise * noise);
    let score = sigmoid((0.9 + mean) / (1.0 + std::f64::consts::PI * variance / 8.0).sqrt());
    (score * 10_000.0).round() / 10_000.0
}

/// The second model's score of `applicant`, its noise drawn from `rng` (the second model's own
/// stream): less noise than the first model for thin files and everyone else, far more for
/// Black applicants.
fn second_model_score<R: rand::Rng + ?Sized>(rng: &mut R, applicant: &Applicant) -> f64 {
    let noise = 0.35
        + if applicant.age_band == 0 { 0.45 } else { 0.0 }
        + if applicant.race == 2 { 0.2 } else { 0.0 }
        + if applicant.region == 1 { 0.1 } else { 0.0 }
        + if applicant.race == 1 { 1.0 } else { 0.0 };
    let draw: f64 = StandardNormal.sample(rng);
    calibrated_score(applicant.credit + noise * draw, noise)
}

fn generate(rows: usize, seed: u64, drift: f64) -> Vec<Applicant> {
    let chunks = rows.div_ceil(CHUNK_ROWS);
    (0..chunks)
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let chunk_seed = seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(chunk_seed);
            let mut second = Xoshiro256PlusPlus::seed_from_u64(chunk_seed ^ SECOND_MODEL_STREAM);
            let count = CHUNK_ROWS.min(rows - chunk * CHUNK_ROWS);
            (0..count)
                .map(move |_| {
                    let mut applicant = generate_one(&mut rng, drift);
                    applicant.score_v2 = second_model_score(&mut second, &applicant);
                    applicant
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Generates `rows` applicants from `seed` as output columns: `applicant_id`, `score`,
/// `score_v2` (the second model), `repaid`, `sex`, `race`, `age_band`, `region`, `income`
/// (missing for about 4% of rows); `drift` shifts repayment as the module documentation says (0
/// for none).
pub fn lending_columns(rows: usize, seed: u64, drift: f64) -> Vec<OutputColumn> {
    let applicants = generate(rows, seed, drift);
    let text = |name: &str, levels: &[(&str, f64)], field: fn(&Applicant) -> u8| {
        OutputColumn::Text(
            name.to_owned(),
            applicants
                .iter()
                .map(|a| {
                    levels
                        .get(usize::from(field(a)))
                        .map(|l| l.0)
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect(),
        )
    };
    vec![
        OutputColumn::Int("applicant_id".into(), (1..=rows as i64).collect()),
        OutputColumn::Float("score".into(), applicants.iter().map(|a| a.score).collect()),
        OutputColumn::Float(
            "score_v2".into(),
            applicants.iter().map(|a| a.score_v2).collect(),
        ),
        OutputColumn::Int(
            "repaid".into(),
            applicants.iter().map(|a| i64::from(a.repaid)).collect(),
        ),
        text("sex", &SEXES, |a| a.sex),
        text("race", &RACES, |a| a.race),
        text("age_band", &AGE_BANDS, |a| a.age_band),
        text("region", &REGIONS, |a| a.region),
        OutputColumn::OptionalFloat(
            "income".into(),
            applicants
                .iter()
                .map(|a| (!a.income_missing).then_some(a.income))
                .collect(),
        ),
    ]
}

/// Generates `rows` applicants as an engine [`Dataset`] (score, `repaid` label, attributes `sex`,
/// `race`, `age_band`, `region` and numeric `income`), without any file: for benchmarks and
/// tests.
pub fn lending_dataset(rows: usize, seed: u64) -> Result<Dataset, crate::engine::DatasetError> {
    lending_dataset_of(&generate(rows, seed, 0.0))
}

/// [`lending_dataset`] scored by both models: `score`, then `score_v2` as the second model.
pub fn lending_dataset_with_second_model(
    rows: usize,
    seed: u64,
) -> Result<Dataset, crate::engine::DatasetError> {
    let applicants = generate(rows, seed, 0.0);
    lending_dataset_of(&applicants)?
        .with_other_scores(vec![applicants.iter().map(|a| a.score_v2).collect()])
}

fn lending_dataset_of(applicants: &[Applicant]) -> Result<Dataset, crate::engine::DatasetError> {
    let categorical = |name: &str, levels: &[(&str, f64)], field: fn(&Applicant) -> u8| {
        // Levels sorted as the loader sorts them, so codes match a loaded file.
        let mut sorted: Vec<(usize, &str)> =
            levels.iter().enumerate().map(|(i, l)| (i, l.0)).collect();
        sorted.sort_by_key(|(_, name)| *name);
        let mut remap = vec![0u32; levels.len()];
        for (new, (old, _)) in sorted.iter().enumerate() {
            if let Some(slot) = remap.get_mut(*old) {
                *slot = new as u32;
            }
        }
        Attribute {
            name: name.to_owned(),
            values: AttributeValues::Categorical {
                levels: sorted.iter().map(|(_, n)| (*n).to_owned()).collect(),
                codes: applicants
                    .iter()
                    .map(|a| remap.get(usize::from(field(a))).copied().unwrap_or(0))
                    .collect(),
            },
        }
    };
    Dataset::new(
        applicants.iter().map(|a| a.score).collect(),
        applicants.iter().map(|a| a.repaid).collect(),
        None,
        vec![
            categorical("sex", &SEXES, |a| a.sex),
            categorical("race", &RACES, |a| a.race),
            categorical("age_band", &AGE_BANDS, |a| a.age_band),
            categorical("region", &REGIONS, |a| a.region),
            Attribute {
                name: "income".to_owned(),
                values: AttributeValues::Numeric {
                    values: applicants
                        .iter()
                        .map(|a| if a.income_missing { f64::NAN } else { a.income })
                        .collect(),
                },
            },
        ],
    )
}

/// Writes a generated lending dataset to `path` (CSV, Parquet or IPC by extension); `drift` as
/// in [`lending_columns`].
pub fn write_lending_sample(
    path: &Path,
    rows: usize,
    seed: u64,
    drift: f64,
) -> Result<(), LoadError> {
    write_columns(path, lending_columns(rows, seed, drift))
}

/// Rows in the bundled hiring sample.
pub const HIRING_ROWS: usize = 2_000;

/// The seed of the bundled hiring sample.
pub const HIRING_SEED: u64 = 20_261_205;

/// The hiring sample's sex levels and shares; the rest (1.5%) is left empty (missing).
const HIRING_SEXES: [(&str, f64); 2] = [("Female", 0.49), ("Male", 0.495)];

/// The hiring sample's race/ethnicity levels (EEO-1 wording) and shares. Two are under 2% of
/// the applicants, and `Unknown` stands for applicants who declined to say.
const HIRING_RACES: [(&str, f64); 8] = [
    ("White", 0.46),
    ("Hispanic or Latino", 0.18),
    ("Black or African American", 0.15),
    ("Asian", 0.11),
    ("Two or More Races", 0.035),
    ("American Indian or Alaska Native", 0.012),
    ("Native Hawaiian or Other Pacific Islander", 0.008),
    ("Unknown", 0.045),
];

/// Points the screening tool's score moves by race/ethnicity (its bias), in `HIRING_RACES` order.
const HIRING_RACE_SHIFT: [f64; 8] = [0.0, -4.0, -5.0, 1.0, -1.0, -3.0, -2.0, 0.0];

/// The score at or above which the tool advanced an applicant (its recorded decision).
pub const HIRING_CUTOFF: f64 = 60.0;

/// One generated job applicant.
#[derive(Clone, Copy, Debug, PartialEq)]
struct JobApplicant {
    /// Index into `HIRING_SEXES`, or `None` when not stated.
    sex: Option<u8>,
    race: u8,
    score: f64,
    qualified: bool,
}

fn generate_applicant<R: rand::Rng + ?Sized>(rng: &mut R) -> JobApplicant {
    let normal = |rng: &mut R| -> f64 { StandardNormal.sample(rng) };
    let u: f64 = rng.random();
    let sex = if u < HIRING_SEXES[0].1 {
        Some(0)
    } else if u < HIRING_SEXES[0].1 + HIRING_SEXES[1].1 {
        Some(1)
    } else {
        None
    };
    let race = pick(rng, &HIRING_RACES);
    // Job-relevant skill, which the structured interview later measures (`qualified`).
    let skill = normal(rng);
    let qualified = rng.random::<f64>() < sigmoid(1.4 * skill - 0.3);
    // The screening tool sees skill through noise and moves some groups' scores.
    let shift = HIRING_RACE_SHIFT
        .get(usize::from(race))
        .copied()
        .unwrap_or(0.0)
        + if sex == Some(0) { -2.0 } else { 0.0 };
    let score = (55.0 + 14.0 * (0.75 * skill + 0.66 * normal(rng)) + shift)
        .round()
        .clamp(0.0, 100.0);
    JobApplicant {
        sex,
        race,
        score,
        qualified,
    }
}

fn generate_applicants(rows: usize, seed: u64) -> Vec<JobApplicant> {
    let chunks = rows.div_ceil(CHUNK_ROWS);
    (0..chunks)
        .into_par_iter()
        .flat_map_iter(|chunk| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let count = CHUNK_ROWS.min(rows - chunk * CHUNK_ROWS);
            (0..count)
                .map(move |_| generate_applicant(&mut rng))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Generates `rows` job applicants from `seed` as output columns: `applicant_id`, `sex`
/// (`Female`, `Male`, missing for about 1.5%), `race` (EEO-1 wording; two categories under 2%
/// and `Unknown` for about 4.5%), `score` (the screening tool's 0–100 score), `selected` (1 when
/// the tool advanced the applicant: score ≥ [`HIRING_CUTOFF`]) and `qualified` (1 when the
/// structured interview found the applicant qualified: the outcome).
pub fn hiring_columns(rows: usize, seed: u64) -> Vec<OutputColumn> {
    let applicants = generate_applicants(rows, seed);
    vec![
        OutputColumn::Int("applicant_id".into(), (1..=rows as i64).collect()),
        OutputColumn::OptionalText(
            "sex".into(),
            applicants
                .iter()
                .map(|a| {
                    a.sex
                        .and_then(|s| HIRING_SEXES.get(usize::from(s)))
                        .map(|(name, _)| (*name).to_owned())
                })
                .collect(),
        ),
        OutputColumn::Text(
            "race".into(),
            applicants
                .iter()
                .map(|a| {
                    HIRING_RACES
                        .get(usize::from(a.race))
                        .map(|(name, _)| (*name).to_owned())
                        .unwrap_or_default()
                })
                .collect(),
        ),
        OutputColumn::Int(
            "score".into(),
            applicants.iter().map(|a| a.score as i64).collect(),
        ),
        OutputColumn::Int(
            "selected".into(),
            applicants
                .iter()
                .map(|a| i64::from(a.score >= HIRING_CUTOFF))
                .collect(),
        ),
        OutputColumn::Int(
            "qualified".into(),
            applicants.iter().map(|a| i64::from(a.qualified)).collect(),
        ),
    ]
}

/// Writes a generated hiring dataset to `path` (CSV, Parquet or IPC by extension).
pub fn write_hiring_sample(path: &Path, rows: usize, seed: u64) -> Result<(), LoadError> {
    write_columns(path, hiring_columns(rows, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_chunk_independent() {
        let a = generate(100_000, 7, 0.0);
        let b = generate(100_000, 7, 0.0);
        assert_eq!(a, b);
        // The first chunk does not depend on how many rows follow.
        assert_eq!(&generate(10, 7, 0.0)[..], &a[..10]);
        assert_ne!(generate(10, 8, 0.0), generate(10, 7, 0.0));
    }

    #[test]
    fn without_the_second_model_the_bundled_file_is_what_it_was() {
        // The SHA-256 of sample_data/lending.csv before `score_v2` was added (issue 15): the
        // second model's draws come from their own stream, so every other column is unchanged,
        // and so is every number computed from `score`.
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("lending.csv");
        let columns = lending_columns(SAMPLE_ROWS, DEFAULT_SEED, 0.0)
            .into_iter()
            .filter(|c| c.name() != "score_v2")
            .collect();
        write_columns(&path, columns).unwrap();
        assert_eq!(
            crate::data::fingerprint::sha256_file(&path).unwrap(),
            "470a6e49ee696b4b0aa01894ad040d39aa0fccaca611e4da4aa6823100ebf3e7"
        );
    }

    #[test]
    fn the_in_memory_dataset_matches_the_written_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("s.csv");
        write_lending_sample(&path, 2_000, 5, 0.0).unwrap();
        let roles = crate::data::ColumnRoles {
            score: "score".into(),
            label: "repaid".into(),
            positive: None,
            attributes: vec![
                "sex".into(),
                "race".into(),
                "age_band".into(),
                "region".into(),
                "income".into(),
            ],
            weight: None,
            models: Vec::new(),
        };
        let loaded = crate::data::load(
            &path,
            &roles,
            crate::data::LoadOptions::default(),
            &crate::progress::NoProgress,
        )
        .unwrap();
        let generated = lending_dataset(2_000, 5).unwrap();
        assert_eq!(loaded.dataset.scores(), generated.scores());
        let mut both = roles;
        both.set_models(vec![
            crate::data::ModelColumn::of_column("score"),
            crate::data::ModelColumn::of_column("score_v2"),
        ]);
        let loaded_both = crate::data::load(
            &path,
            &both,
            crate::data::LoadOptions::default(),
            &crate::progress::NoProgress,
        )
        .unwrap();
        let generated_both = lending_dataset_with_second_model(2_000, 5).unwrap();
        assert_eq!(loaded_both.dataset.model_count(), 2);
        assert_eq!(
            loaded_both.dataset.model_scores(1),
            generated_both.model_scores(1)
        );
        assert_eq!(loaded_both.dataset.scores(), generated.scores());
        assert_eq!(loaded.dataset.labels(), generated.labels());
        // Compared as bits: missing incomes are NaN, which is not equal to itself.
        let bits = |d: &Dataset| -> Vec<Vec<u64>> {
            d.attributes()
                .iter()
                .map(|a| match &a.values {
                    AttributeValues::Categorical { levels, codes } => codes
                        .iter()
                        .map(|c| levels[*c as usize].len() as u64 * 1000 + u64::from(*c))
                        .collect(),
                    AttributeValues::Numeric { values } => {
                        values.iter().map(|v| v.to_bits()).collect()
                    }
                })
                .collect()
        };
        assert_eq!(bits(&loaded.dataset), bits(&generated));
    }

    #[test]
    fn the_sample_has_realistic_shares() {
        let rows = generate(SAMPLE_ROWS, DEFAULT_SEED, 0.0);
        let share = |f: &dyn Fn(&Applicant) -> bool| {
            rows.iter().filter(|a| f(a)).count() as f64 / rows.len() as f64
        };
        let female = share(&|a| a.sex == 0);
        assert!((0.45..0.51).contains(&female), "{female}");
        let repaid = share(&|a| a.repaid);
        assert!((0.55..0.85).contains(&repaid), "{repaid}");
        assert!(rows.iter().all(|a| (0.0..=1.0).contains(&a.score)));
    }

    #[test]
    fn drift_lowers_repayment_of_the_shocked_groups_only_and_keeps_the_scores() {
        let before = generate(50_000, 3, 0.0);
        let after = generate(50_000, 3, 0.8);
        let repaid = |rows: &[Applicant], f: &dyn Fn(&Applicant) -> bool| {
            let group: Vec<_> = rows.iter().filter(|a| f(a)).collect();
            group.iter().filter(|a| a.repaid).count() as f64 / group.len() as f64
        };
        let shocked = |a: &Applicant| a.age_band == 0 || a.race == 1;
        let spared = |a: &Applicant| !shocked(a);
        assert!(repaid(&after, &shocked) < repaid(&before, &shocked) - 0.08);
        assert_eq!(repaid(&after, &spared), repaid(&before, &spared));
        let scores = |rows: &[Applicant]| rows.iter().map(|a| a.score).collect::<Vec<_>>();
        assert_eq!(scores(&after), scores(&before));
    }

    #[test]
    fn the_hiring_sample_has_a_small_category_unknowns_and_the_recorded_cutoff() {
        let rows = generate_applicants(HIRING_ROWS, HIRING_SEED);
        let share = |f: &dyn Fn(&JobApplicant) -> bool| {
            rows.iter().filter(|a| f(a)).count() as f64 / rows.len() as f64
        };
        // Native Hawaiian or Other Pacific Islander (index 6) is under 2%, but present.
        let small = share(&|a| a.race == 6);
        assert!(small > 0.0 && small < 0.02, "{small}");
        let unknown = share(&|a| a.race == 7);
        assert!((0.02..0.08).contains(&unknown), "{unknown}");
        let missing_sex = share(&|a| a.sex.is_none());
        assert!(missing_sex > 0.0 && missing_sex < 0.04, "{missing_sex}");
        assert!(
            rows.iter()
                .all(|a| (0.0..=100.0).contains(&a.score) && a.score.fract() == 0.0)
        );
        let selected = share(&|a| a.score >= HIRING_CUTOFF);
        assert!((0.2..0.6).contains(&selected), "{selected}");
        assert_eq!(generate_applicants(100, 3), generate_applicants(100, 3));
    }
}
