//! Conformance with the reference libraries: every count, rate and summary equals what Fairlearn
//! 0.15 and Aequitas 1.1 computed on the same data (goldens in tests/goldens/, made by
//! `tests/goldens/make_goldens.py`; see its README to re-run), within 1e-12.
//!
//! The COMPAS cases read tests/data/ (copied from ../shared/data; provenance in tests/data/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use fulcrum::analysis::Analysis;
use fulcrum::data::fingerprint::sha256_file;
use fulcrum::data::{self, ColumnRoles, LoadOptions};
use fulcrum::engine::convention::passes_parity;
use fulcrum::engine::{
    Audit, AuditOptions, Convention, Dataset, DecisionRule, GroupedRows, GroupingSpec, Metric,
    ReferenceChoice, ThresholdMap, audit,
};
use fulcrum::progress::NoProgress;
use serde_json::Value;

const TOLERANCE: f64 = 1e-12;

fn golden(name: &str) -> Value {
    let path = Path::new("tests/goldens").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let golden: Value = serde_json::from_str(&text).unwrap();
    // A golden computed from another version of its input would compare the wrong numbers.
    for (file, sha) in golden["inputs_sha256"].as_object().unwrap() {
        let actual = sha256_file(Path::new(file)).unwrap_or_else(|e| {
            panic!("{file}: {e} (tests/data/ holds the COMPAS files the goldens were made from)")
        });
        assert_eq!(
            &actual,
            sha.as_str().unwrap(),
            "{file} changed since {name} was made: re-run tests/goldens/make_goldens.py"
        );
    }
    golden
}

/// A case's data: loaded, sorted and grouped, with its thresholds resolved.
struct Prepared {
    /// The dataset as loaded (for the one-pass audit).
    dataset: Dataset,
    spec: GroupingSpec,
    analysis: Analysis,
    thresholds: Vec<f64>,
}

impl Prepared {
    /// The audit `fulcrum audit` makes: counted in one pass instead of read off the index. It
    /// must equal the index's audit exactly (the weights in the goldens are integers).
    ///
    /// With one threshold for all, `fulcrum audit` counts while it groups; that too must agree.
    fn assert_one_pass_equals(&self, name: &str, options: &AuditOptions, result: &Audit) {
        let grouped = GroupedRows::new(&self.dataset, &self.spec).unwrap();
        assert_eq!(
            &grouped.audit(&self.thresholds, options).unwrap(),
            result,
            "{name}: one-pass audit"
        );
        if let Some(&first) = self.thresholds.first()
            && self.thresholds.iter().all(|t| *t == first)
        {
            let counted =
                GroupedRows::counted_at(&self.dataset, &self.spec, first, options.rule).unwrap();
            assert_eq!(
                &counted.audit(&self.thresholds, options).unwrap(),
                result,
                "{name}: audit counted while grouping"
            );
        }
    }
}

/// Loads a case's data, groups it and resolves its thresholds.
fn prepare(settings: &Value) -> Prepared {
    let file = Path::new(settings["file"].as_str().unwrap());
    let groups: Vec<String> = settings["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_owned())
        .collect();
    let weighted = !settings["weight"].is_null();
    let mut attributes = groups.clone();
    if weighted {
        // The golden weighs each row by priors_count + 1.
        assert_eq!(settings["weight"], "priors_count_plus_1");
        attributes.push("priors_count".into());
    }
    let roles = ColumnRoles {
        score: settings["score"].as_str().unwrap().into(),
        label: settings["label"].as_str().unwrap().into(),
        positive: settings["positive"].as_str().map(str::to_owned),
        attributes,
        weight: None,
        models: Vec::new(),
    };
    let mut loaded = data::load(file, &roles, LoadOptions::default(), &NoProgress).unwrap();
    if weighted {
        let dataset = &loaded.dataset;
        let priors = dataset.attribute("priors_count").unwrap();
        let fulcrum::engine::AttributeValues::Numeric { values } = &priors.values else {
            panic!("priors_count is numeric")
        };
        let weights = values.iter().map(|p| p + 1.0).collect();
        let kept = dataset
            .attributes()
            .iter()
            .filter(|a| a.name != "priors_count")
            .cloned()
            .collect();
        loaded.dataset = Dataset::new(
            dataset.scores().to_vec(),
            dataset.labels().to_vec(),
            Some(weights),
            kept,
        )
        .unwrap();
    }
    let dataset = loaded.dataset.clone();
    let spec = GroupingSpec::by_names(&groups);
    let analysis = Analysis::from_loaded(loaded, &spec, &NoProgress).unwrap();
    let thresholds = ThresholdMap::from_json(&settings["thresholds"])
        .unwrap()
        .resolve(&analysis.index)
        .unwrap();
    Prepared {
        dataset,
        spec,
        analysis,
        thresholds,
    }
}

fn rule(settings: &Value) -> DecisionRule {
    settings["rule"].as_str().unwrap().parse().unwrap()
}

fn assert_close(context: &str, ours: Option<f64>, theirs: &Value) {
    match (ours, theirs.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= TOLERANCE,
            "{context}: ours {a}, theirs {b}"
        ),
        (a, _) => panic!("{context}: ours {a:?}, theirs {theirs}"),
    }
}

fn group<'a>(audit: &'a Audit, key: &str) -> &'a fulcrum::engine::GroupAudit {
    audit
        .groups
        .iter()
        .find(|g| g.key == key)
        .unwrap_or_else(|| panic!("no group {key}"))
}

const FAIRLEARN_METRICS: [(&str, Metric); 10] = [
    ("selection_rate", Metric::SelectionRate),
    ("tpr", Metric::Tpr),
    ("fpr", Metric::Fpr),
    ("tnr", Metric::Tnr),
    ("fnr", Metric::Fnr),
    ("precision", Metric::Precision),
    ("accuracy", Metric::Accuracy),
    ("balanced_accuracy", Metric::BalancedAccuracy),
    ("f1", Metric::F1),
    ("base_rate", Metric::BaseRate),
];

fn assert_counts(
    context: &str,
    ours: &fulcrum::engine::GroupAudit,
    theirs: &Value,
    size_key: &str,
) {
    assert_eq!(
        ours.rows,
        theirs[size_key].as_u64().unwrap(),
        "{context}: count"
    );
    for (key, value) in [
        ("tp", ours.counts.tp),
        ("fp", ours.counts.fp),
        ("tn", ours.counts.tn),
        ("fn", ours.counts.fn_),
    ] {
        assert_close(&format!("{context} {key}"), Some(value), &theirs[key]);
    }
}

#[test]
fn every_number_matches_fairlearn() {
    let golden = golden("fairlearn.json");
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 8, "expected the COMPAS and sample cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let settings = &case["settings"];
        let prepared = prepare(settings);
        let (analysis, thresholds) = (&prepared.analysis, &prepared.thresholds);
        let options = AuditOptions {
            rule: rule(settings),
            convention: Convention::Fairlearn,
            ..AuditOptions::default()
        };
        let result = audit(&analysis.index, thresholds, &options).unwrap();
        prepared.assert_one_pass_equals(name, &options, &result);
        let expected_groups = case["groups"].as_object().unwrap();
        assert_eq!(
            result.groups.len(),
            expected_groups.len(),
            "{name}: number of groups"
        );
        for (key, theirs) in expected_groups {
            let ours = group(&result, key);
            let context = format!("{name} / {key}");
            assert_counts(&context, ours, theirs, "count");
            assert_close(
                &format!("{context} weight"),
                Some(ours.weight),
                &theirs["weight"],
            );
            for (metric_key, metric) in FAIRLEARN_METRICS {
                assert_close(
                    &format!("{context} {metric_key}"),
                    ours.values.get(metric),
                    &theirs[metric_key],
                );
            }
        }
        let overall = &case["overall"];
        assert_counts(
            &format!("{name} / overall"),
            &result.overall,
            overall,
            "count",
        );
        for (metric_key, metric) in FAIRLEARN_METRICS {
            assert_close(
                &format!("{name} overall {metric_key}"),
                result.overall.values.get(metric),
                &overall[metric_key],
            );
        }
        let summary = &case["summary"];
        let ours = &result.summary;
        for (key, value) in [
            (
                "demographic_parity_difference",
                ours.demographic_parity_difference,
            ),
            ("demographic_parity_ratio", ours.demographic_parity_ratio),
            (
                "equal_opportunity_difference",
                ours.equal_opportunity_difference,
            ),
            ("equal_opportunity_ratio", ours.equal_opportunity_ratio),
            ("equalized_odds_difference", ours.equalized_odds_difference),
            ("equalized_odds_ratio", ours.equalized_odds_ratio),
        ] {
            assert_close(&format!("{name} {key}"), value, &summary[key]);
        }
        for (metric_key, metric) in FAIRLEARN_METRICS {
            let by_metric = result.metric_summary(metric).unwrap();
            assert_close(
                &format!("{name} difference of {metric_key}"),
                by_metric.difference,
                &case["differences"][metric_key],
            );
            assert_close(
                &format!("{name} ratio of {metric_key}"),
                by_metric.ratio,
                &case["ratios"][metric_key],
            );
        }
    }
}

const AEQUITAS_METRICS: [(&str, Metric); 12] = [
    ("tpr", Metric::Tpr),
    ("tnr", Metric::Tnr),
    ("fpr", Metric::Fpr),
    ("fnr", Metric::Fnr),
    ("precision", Metric::Precision),
    ("npv", Metric::Npv),
    ("fdr", Metric::Fdr),
    ("for", Metric::For),
    ("pprev", Metric::SelectionRate),
    ("ppr", Metric::SelectedShare),
    ("prev", Metric::BaseRate),
    ("accuracy", Metric::Accuracy),
];

/// Aequitas' per-metric parity columns and the metric each tests.
const AEQUITAS_PARITIES: [(&str, Metric); 10] = [
    ("TPR Parity", Metric::Tpr),
    ("TNR Parity", Metric::Tnr),
    ("FPR Parity", Metric::Fpr),
    ("FNR Parity", Metric::Fnr),
    ("Precision Parity", Metric::Precision),
    ("NPV Parity", Metric::Npv),
    ("FDR Parity", Metric::Fdr),
    ("FOR Parity", Metric::For),
    ("Impact Parity", Metric::SelectionRate),
    ("Statistical Parity", Metric::SelectedShare),
];

#[test]
fn every_number_matches_aequitas() {
    let golden = golden("aequitas.json");
    assert_eq!(golden["fill_divbyzero"], 10.0);
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let settings = &case["settings"];
        let prepared = prepare(settings);
        let (analysis, thresholds) = (&prepared.analysis, &prepared.thresholds);
        for (reference_name, reference) in [
            ("largest", ReferenceChoice::Largest),
            ("min", ReferenceChoice::Min),
            (
                "named",
                ReferenceChoice::Group(case["named_reference"].as_str().unwrap().to_owned()),
            ),
        ] {
            let options = AuditOptions {
                rule: rule(settings),
                convention: Convention::Aequitas,
                reference,
                ..AuditOptions::default()
            };
            let result = audit(&analysis.index, thresholds, &options).unwrap();
            prepared.assert_one_pass_equals(name, &options, &result);
            let expected_groups = case["groups"].as_object().unwrap();
            assert_eq!(result.groups.len(), expected_groups.len(), "{name}");
            for (key, theirs) in expected_groups {
                let ours = group(&result, key);
                let context = format!("{name} / {key}");
                assert_counts(&context, ours, theirs, "group_size");
                for (metric_key, metric) in AEQUITAS_METRICS {
                    assert_close(
                        &format!("{context} {metric_key}"),
                        ours.values.get(metric),
                        &theirs[metric_key],
                    );
                }
                let disparities = &case["disparities"][reference_name][key];
                for (metric_key, metric) in AEQUITAS_METRICS {
                    let column = format!("{metric_key}_disparity");
                    if disparities.get(&column).is_none() {
                        continue;
                    }
                    let context = format!("{context} {column} vs {reference_name}");
                    assert_close(&context, ours.disparity(metric), &disparities[&column]);
                    // The reference group Aequitas used for this metric is ours too (when defined).
                    let summary = result.metric_summary(metric).unwrap();
                    if let Some(reference) = summary.reference_group {
                        assert_eq!(
                            result.groups[reference].key,
                            disparities[format!("{metric_key}_ref_group_value")]
                                .as_str()
                                .unwrap(),
                            "{context}: reference group"
                        );
                    }
                }
                let fairness = &case["fairness"][reference_name][key];
                for (column, metric) in AEQUITAS_PARITIES {
                    let ours = ours.disparity(metric).map(passes_parity);
                    assert_eq!(
                        ours,
                        fairness[column].as_bool(),
                        "{context} {column} vs {reference_name}"
                    );
                }
            }
        }
    }
}

// --------------------------------------------------------------------------------------------
// The optimizer against Fairlearn's ThresholdOptimizer (tests/goldens/threshold_optimizer.json,
// made by tests/goldens/make_threshold_optimizer_goldens.py; its docstring says how to re-run).

/// How far below Fairlearn's randomized accuracy our deterministic optimum may fall before the
/// test fails: generous, since deterministic thresholds on coarse scores (COMPAS deciles) can
/// lose a lot. The trail is printed either way.
const DETERMINISTIC_TRAIL_LIMIT: f64 = 0.15;

#[test]
fn the_optimizer_brackets_fairlearns_threshold_optimizer() {
    use fulcrum::optimize::{Constraint, OptimizeRequest, optimize, randomized_optimum};

    let golden = golden("threshold_optimizer.json");
    let cases = golden["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12, "2 datasets × 2 constraints × 3 tolerances");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let settings = &case["settings"];
        let mut settings_with_thresholds = settings.clone();
        settings_with_thresholds["thresholds"] = serde_json::json!({"default": 0.5});
        settings_with_thresholds["weight"] = Value::Null;
        let analysis = prepare(&settings_with_thresholds).analysis;
        let constraint = match case["constraints"].as_str().unwrap() {
            "demographic_parity" => Constraint::DemographicParity,
            "true_positive_rate_parity" => Constraint::EqualOpportunity,
            other => panic!("unexpected constraint {other}"),
        };
        // Fairlearn's tol=None asks for equal rates: ε = 0.
        let tolerance = case["tol"].as_f64().unwrap_or(0.0);
        let request = OptimizeRequest {
            constraint,
            tolerance,
            ..OptimizeRequest::default()
        };
        let ours = optimize(&analysis.index, &request, &NoProgress).unwrap();
        let randomized = randomized_optimum(&analysis.index, &request)
            .unwrap()
            .unwrap();
        let theirs = case["accuracy"].as_f64().unwrap();
        println!(
            "{name}: deterministic {:.6} (gap {:.4}), Fairlearn randomized {theirs:.6} \
             (expected gap {:.4}), exact randomized {randomized:.6}; deterministic trails \
             Fairlearn by {:+.6}, Fairlearn trails the exact randomized optimum by {:+.6}",
            ours.accuracy,
            ours.gap.unwrap_or(0.0),
            case["expected_gap"].as_f64().unwrap(),
            theirs - ours.accuracy,
            randomized - theirs,
        );
        // Fairlearn's solution is one randomized solution within the tolerance (its expected
        // gap is at most tol), restricted to a grid: the exact randomized optimum is at least as
        // good.
        assert!(case["expected_gap"].as_f64().unwrap() <= tolerance + 1e-12);
        assert!(
            randomized >= theirs - 1e-9,
            "{name}: {randomized} < {theirs}"
        );
        assert!(ours.accuracy <= randomized + 1e-12, "{name}");
        assert!(
            ours.gap.is_some_and(|g| g <= tolerance),
            "{name}: gap {:?}",
            ours.gap
        );
        assert!(
            theirs - ours.accuracy <= DETERMINISTIC_TRAIL_LIMIT,
            "{name}: the deterministic optimum trails Fairlearn by {}",
            theirs - ours.accuracy
        );
        // With 4-decimal scores and some tolerance, determinism costs little on the sample.
        if name.starts_with("lending") && tolerance > 0.0 {
            assert!(theirs - ours.accuracy < 0.002, "{name}");
        }
        // Fairlearn's own objective is the expected accuracy it reports.
        assert!(
            (case["y_best"].as_f64().unwrap() - theirs).abs() < 1e-9,
            "{name}"
        );
    }
}
