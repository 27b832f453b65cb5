//! Sessions: round trips, migration, broken files with their messages, data checks.

use std::path::{Path, PathBuf};

use super::*;
use crate::progress::NoProgress;

const CSV: &str = "score,y,g\n0.9,1,a\n0.8,0,a\n0.3,1,a\n0.7,1,b\n0.2,0,b\n0.6,0,b\n";

/// A directory with `data.csv` and a session on it (threshold 0.5, one scenario, one
/// criterion, one sign-off).
fn session_on_disk() -> (tempfile::TempDir, PathBuf, Session) {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("data.csv");
    std::fs::write(&data, CSV).unwrap();
    let roles = ColumnRoles {
        score: "score".into(),
        label: "y".into(),
        positive: None,
        attributes: vec!["g".into()],
        weight: None,
        models: Vec::new(),
    };
    let analysis = Analysis::load(
        &data,
        &roles,
        &GroupingSpec::by_names(&["g"]),
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let mut session = Session::new(
        &analysis,
        ThresholdMap::uniform(0.5),
        &AuditOptions::default(),
    )
    .unwrap();
    session.title = "Small <test>".into();
    session.criteria = vec!["equal_opportunity_difference <= 0.6".parse().unwrap()];
    session.scenarios.push(Scenario {
        model: None,
        name: "Production today".into(),
        thresholds: ThresholdMap::from_json(&serde_json::json!({"default": 0.4, "b": "inf"}))
            .unwrap(),
        baseline: true,
        note: "as deployed".into(),
    });
    session.rationale = "Equal opportunity matters most here.".into();
    session.sign(
        "Ada",
        "Model risk",
        "2026-11-23".parse().unwrap(),
        Decision::ApprovedWithConditions,
        "Review in Q1.",
    );
    let path = directory.path().join("session.json");
    session.save(&path).unwrap();
    (directory, path, session)
}

fn load_error(text: &str) -> String {
    Session::from_json(text, Path::new("s.json"))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_saved_session_loads_back_equal() {
    let (directory, path, session) = session_on_disk();
    let loaded = Session::load(&path).unwrap();
    assert_eq!(loaded.base_directory.as_deref(), Some(directory.path()));
    assert_eq!(
        Session {
            base_directory: None,
            ..loaded.clone()
        },
        Session {
            data: DataFingerprint {
                path: "data.csv".into(),
                ..session.data.clone()
            },
            ..session
        }
    );
    assert_eq!(loaded.data.rows, Some(6));
    let names: Vec<&str> = loaded
        .data
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["score", "y", "g"]);
    assert_eq!(loaded.data.columns[0].dtype, "f64");
    assert_eq!(loaded.check_data(), DataStatus::Ok);
    // Saving again gives the same bytes.
    let again = directory.path().join("again.json");
    loaded.save(&again).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"schema_version\": 2,"), "{text}");
    assert!(text.contains("\"b\": \"inf\""), "{text}");
    assert!(
        text.contains("\"equal_opportunity_difference <= 0.6\""),
        "{text}"
    );
}

#[test]
fn sign_offs_cover_the_content_they_were_made_on() {
    let (_directory, path, _) = session_on_disk();
    let mut session = Session::load(&path).unwrap();
    let entry = session.sign_offs[0].clone();
    assert_eq!(session.covers(&entry), Some(true));
    session.data.path = "moved/data.csv".into();
    assert_eq!(
        session.covers(&entry),
        Some(true),
        "moving data changes nothing signed"
    );
    session.thresholds = ThresholdMap::uniform(0.45);
    assert_eq!(session.covers(&entry), Some(false));
}

#[test]
fn relative_data_paths_follow_the_session_file() {
    let (directory, path, session) = session_on_disk();
    let nested = directory.path().join("reviews/q3");
    std::fs::create_dir_all(&nested).unwrap();
    let moved = nested.join("session.json");
    Session::load(&path).unwrap().save(&moved).unwrap();
    let reloaded = Session::load(&moved).unwrap();
    assert_eq!(reloaded.data.path, "../../data.csv");
    assert_eq!(reloaded.check_data(), DataStatus::Ok);
    assert_eq!(session.content_digest(), reloaded.content_digest());
}

#[test]
fn data_status_tells_missing_from_changed_and_relocation_checks_the_hash() {
    let (directory, path, _) = session_on_disk();
    let data = directory.path().join("data.csv");
    let mut session = Session::load(&path).unwrap();
    std::fs::write(&data, CSV.replace("0.9,1,a", "0.9,0,a")).unwrap();
    let DataStatus::Changed { expected, actual } = session.check_data() else {
        panic!("expected Changed");
    };
    assert_eq!(expected, session.data.sha256);
    assert_ne!(actual, expected);
    let elsewhere = directory.path().join("archive.csv");
    std::fs::rename(&data, &elsewhere).unwrap();
    assert_eq!(session.check_data(), DataStatus::Missing(data));
    // The moved file has other contents: relocation is refused, the path kept.
    assert!(matches!(
        session.relocate_data(&elsewhere),
        Err(SessionError::DataChanged { .. })
    ));
    assert_eq!(session.data.path, "data.csv");
    std::fs::write(&elsewhere, CSV).unwrap();
    session.relocate_data(&elsewhere).unwrap();
    assert_eq!(session.data.path, "archive.csv");
    assert_eq!(session.check_data(), DataStatus::Ok);
}

#[test]
fn the_schema_0_fixture_migrates() {
    // The fixture beside the bundled sample as it was when the fixture was written (before
    // issue 15 added `score_v2`): the generator's output without that column.
    let tree = tempfile::tempdir().unwrap();
    let data = tree.path().join("sample_data");
    std::fs::create_dir_all(&data).unwrap();
    let columns = crate::data::sample::lending_columns(
        crate::data::sample::SAMPLE_ROWS,
        crate::data::sample::DEFAULT_SEED,
        0.0,
    )
    .into_iter()
    .filter(|c| c.name() != "score_v2")
    .collect();
    crate::data::write_columns(&data.join("lending.csv"), columns).unwrap();
    let folder = tree.path().join("tests").join("fixtures");
    std::fs::create_dir_all(&folder).unwrap();
    let fixture = folder.join("session_v0.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/session_v0.json"),
        &fixture,
    )
    .unwrap();
    let session = Session::load(&fixture).unwrap();
    assert_eq!(session.migrated_from, Some(0));
    assert_eq!(session.schema_version, SINGLE_MODEL_SCHEMA_VERSION);
    assert_eq!(session.roles.score, "score");
    assert_eq!(session.roles.label, "repaid");
    assert_eq!(session.roles.attributes, ["sex"]);
    assert_eq!(session.grouping, GroupingSpec::by_names(&["sex"]));
    assert_eq!(session.thresholds, ThresholdMap::uniform(0.5));
    assert_eq!(session.rule, DecisionRule::AtLeast);
    assert_eq!(
        session.criteria[0].to_string(),
        "demographic_parity_ratio >= 0.8"
    );
    assert_eq!(session.rationale, "Prototype review of the lending model.");
    assert_eq!(session.sign_offs[0].name, "A. Reviewer");
    assert_eq!(session.sign_offs[0].date.as_str(), "2025-06-30");
    assert_eq!(session.sign_offs[0].decision, Decision::Approved);
    assert_eq!(session.covers(&session.sign_offs[0]), None);
    assert_eq!(session.data.rows, None);
    assert_eq!(
        session.check_data(),
        DataStatus::Ok,
        "the fixture points at the sample"
    );
    // Saved, it is a current-schema session.
    let directory = tempfile::tempdir().unwrap();
    let saved = directory.path().join("upgraded.json");
    session.save(&saved).unwrap();
    let upgraded = Session::load(&saved).unwrap();
    assert_eq!(upgraded.migrated_from, None);
    assert_eq!(upgraded.check_data(), DataStatus::Ok);
    assert_eq!(upgraded.sign_offs, session.sign_offs);
}

#[test]
fn a_schema_0_file_with_a_wrong_type_is_located() {
    let text = "{\"schema_version\": 0, \"data_file\": \"d.csv\", \"data_sha256\": \"x\",\n \"score_column\": \"s\", \"label_column\": \"y\", \"threshold\": \"high\"}";
    let message = load_error(text);
    assert!(
        message.starts_with(
            "s.json: line 2, column 57, at `threshold`: threshold must be a number, \"inf\" or \"-inf\" (found \"high\")"
        ),
        "{message}"
    );
}

/// The text of a valid session, for breaking.
fn valid_text() -> String {
    let (_directory, path, _) = session_on_disk();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn truncated_json_names_the_line_and_column() {
    let text = valid_text();
    let cut = &text[..text.len() / 2];
    let message = load_error(cut);
    let lines = cut.lines().count();
    assert!(
        message.starts_with(&format!("s.json: not valid JSON (line {lines}, column ")),
        "{message}"
    );
    assert!(message.contains("EOF while parsing"), "{message}");
    assert!(message.contains(" | "), "an excerpt: {message}");
}

#[test]
fn wrong_types_name_the_json_path_and_what_was_expected() {
    let text = valid_text().replace("\"rule\": \"ge\"", "\"rule\": \"gte\"");
    let message = load_error(&text);
    assert!(
        message.contains("at `rule`: unknown variant `gte`, expected `ge` or `gt`"),
        "{message}"
    );
    let text = valid_text().replace("\"min_count\": 100.0", "\"min_count\": \"100\"");
    let message = load_error(&text);
    assert!(
        message.contains("at `min_count`: invalid type: string \"100\", expected f64"),
        "{message}"
    );
    let text = valid_text().replace("\"b\": \"inf\"", "\"b\": true");
    let message = load_error(&text);
    assert!(
        message.contains("at `scenarios[0].thresholds.b`"),
        "{message}"
    );
    assert!(
        message.contains("threshold for `b` must be a number, \"inf\" or \"-inf\" (found true)"),
        "{message}"
    );
    let text = valid_text().replace("\"2026-11-23\"", "\"2026-02-30\"");
    let message = load_error(&text);
    assert!(
        message.contains("at `sign_offs[0].date`: invalid date `2026-02-30`"),
        "{message}"
    );
    let text = valid_text().replace("<= 0.6", "<= lots");
    let message = load_error(&text);
    assert!(
        message.contains("at `criteria[0]`: criterion `equal_opportunity_difference <= lots`"),
        "{message}"
    );
}

#[test]
fn missing_and_unknown_fields_are_named() {
    let text = valid_text().replace("\"label\": \"y\",", "");
    let message = load_error(&text);
    assert!(
        message.contains("at `roles`: missing field `label`"),
        "{message}"
    );
    let text = valid_text().replace("\"rationale\"", "\"rationle\"");
    let message = load_error(&text);
    assert!(
        message.contains("at `rationle`: unknown field `rationle`, expected one of"),
        "{message}"
    );
}

#[test]
fn schema_versions_are_checked_first() {
    let future = valid_text().replace("\"schema_version\": 2", "\"schema_version\": 7");
    let message = load_error(&future);
    assert!(
        message.contains("schema_version 7 is newer than this Fulcrum"),
        "{message}"
    );
    assert!(message.contains("versions 0 to 3"), "{message}");
    let message = load_error("{\"groups\": []}");
    assert_eq!(
        message,
        "s.json: not a Fulcrum session: there is no \"schema_version\" field (sessions written by Fulcrum have one)"
    );
    let message = load_error("[1, 2]");
    assert!(message.contains("the top level is an array"), "{message}");
    let message =
        load_error(&valid_text().replace("\"schema_version\": 2", "\"schema_version\": \"1\""));
    assert!(
        message.starts_with("s.json: line 2, column 21, at `schema_version`: expected a whole number ≥ 0, found \"1\""),
        "{message}"
    );
}

#[test]
fn cross_field_problems_are_located() {
    let (_directory, path, _) = session_on_disk();
    let mut session = Session::load(&path).unwrap();
    let mut second = session.scenarios[0].clone();
    second.name = "Proposal".into();
    session.scenarios.push(second);
    let error = session.save(&path).unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid session: scenarios[1].baseline: only one scenario can be the baseline, and scenarios[0] already is"
    );
    // Hand-edited into the file, the same problem names the line.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"name\": \"Production today\"", "\"name\": \"Decision\"");
    let message = load_error(&text);
    assert!(
        message.contains("at `scenarios[0].name`: `Decision` is reserved"),
        "{message}"
    );
    assert!(message.starts_with("s.json: line "), "{message}");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&session.data.sha256, "abc");
    let message = load_error(&text);
    assert!(
        message
            .contains("at `data.sha256`: expected a SHA-256 (64 hexadecimal digits), found `abc`"),
        "{message}"
    );
}

#[test]
fn evaluation_runs_the_decision_scenarios_and_criteria() {
    let (_directory, path, _) = session_on_disk();
    let session = Session::load(&path).unwrap();
    let evaluation = session
        .evaluate(&DataChoice::Recorded, Some(5), &NoProgress)
        .unwrap();
    assert!(evaluation.data.matches_session);
    let decision = &evaluation.comparison.decision;
    // At 0.5: a TPR 1/2, b TPR 1/1 → difference 0.5 ≤ 0.6.
    assert_eq!(
        decision.audit.summary.equal_opportunity_difference,
        Some(0.5)
    );
    assert_eq!(decision.criteria[0].outcome, Outcome::Pass);
    assert_eq!(evaluation.outcome(), Outcome::Pass);
    let production = &evaluation.comparison.scenarios[0];
    assert!(production.baseline);
    assert_eq!(production.resolved, [0.4, f64::INFINITY]);
    assert!(!production.same_as_decision);
    let frontier = evaluation.frontier.as_ref().unwrap();
    assert_eq!(frontier.constraint, Constraint::EqualOpportunity);
    assert_eq!(
        frontier.decision,
        Some(GapAccuracy {
            gap: 0.5,
            accuracy: decision
                .audit
                .overall
                .values
                .get(crate::engine::Metric::Accuracy)
                .unwrap()
        })
    );
}

#[test]
fn changed_data_is_refused_unless_named_and_then_compared() {
    let (directory, path, _) = session_on_disk();
    let session = Session::load(&path).unwrap();
    let newer = directory.path().join("newer.csv");
    // a's 0.3 positive now scores 0.95: a's TPR rises from 1/2 to 1.
    std::fs::write(&newer, CSV.replace("0.3,1,a", "0.95,1,a")).unwrap();
    let evaluation = session
        .evaluate(&DataChoice::Other(newer.clone()), None, &NoProgress)
        .unwrap();
    assert!(!evaluation.data.matches_session);
    assert_eq!(
        evaluation
            .comparison
            .decision
            .audit
            .summary
            .equal_opportunity_difference,
        Some(0.0)
    );
    let drift = session.compare_with_dataset(&newer, &NoProgress).unwrap();
    assert_eq!(drift.groups[0].delta(crate::engine::Metric::Tpr), Some(0.5));
    assert_eq!(drift.groups[1].delta(crate::engine::Metric::Tpr), Some(0.0));
    std::fs::copy(&newer, directory.path().join("data.csv")).unwrap();
    assert!(matches!(
        session.evaluate(&DataChoice::Recorded, None, &NoProgress),
        Err(SessionError::DataChanged { .. })
    ));
}

#[test]
fn paths_are_made_relative_lexically() {
    assert_eq!(
        relative_path(Path::new("/a/b/c"), Path::new("/a/d/e.csv")),
        Some(PathBuf::from("../../d/e.csv"))
    );
    assert_eq!(
        relative_path(Path::new("/a"), Path::new("/a/e.csv")),
        Some(PathBuf::from("e.csv"))
    );
    assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
}

#[test]
fn quantile_bins_are_frozen_to_their_edges() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("ages.csv");
    let mut csv = String::from("score,y,age\n");
    for row in 0..40 {
        csv.push_str(&format!(
            "{},{},{}\n",
            f64::from(row) / 40.0,
            row % 2,
            18 + row
        ));
    }
    std::fs::write(&data, csv).unwrap();
    let roles = ColumnRoles {
        score: "score".into(),
        label: "y".into(),
        positive: None,
        attributes: vec!["age".into()],
        weight: None,
        models: Vec::new(),
    };
    let mut grouping = GroupingSpec::by_names(&["age"]);
    grouping.attributes[0].binning = Some(crate::engine::Binning::Quantiles { bins: 4 });
    let analysis = Analysis::load(
        &data,
        &roles,
        &grouping,
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let session = Session::new(
        &analysis,
        ThresholdMap::uniform(0.5),
        &AuditOptions::default(),
    )
    .unwrap();
    let Some(crate::engine::Binning::Edges { edges }) = &session.grouping.attributes[0].binning
    else {
        panic!("expected edges, found {:?}", session.grouping);
    };
    assert_eq!(edges, &[28.0, 38.0, 48.0]);
    let keys: Vec<&str> = analysis
        .index
        .groups()
        .iter()
        .map(|g| g.key.as_str())
        .collect();
    assert_eq!(keys, ["< 28", "[28, 38)", "[38, 48)", "≥ 48"]);
    assert_eq!(bin_label_edges("[0.25, 1.5)"), [0.25, 1.5]);
    assert!(bin_label_edges("(missing)").is_empty());
}

/// Written by Fulcrum before schema 2 (`session new` and `session sign` of commit 658c05c).
const SESSION_V1: &str = "tests/fixtures/session_v1.json";

#[test]
fn a_schema_1_session_opens_and_its_sign_off_still_covers_it() {
    let session = Session::load(Path::new(SESSION_V1)).unwrap();
    assert_eq!(session.migrated_from, Some(1));
    assert_eq!(session.context, None);
    assert!(session.intended_use.is_empty() && session.bias_audit.is_none());
    let entry = session.sign_offs[0].clone();
    assert_eq!(
        session.covers(&entry),
        Some(true),
        "the digest a schema-1 Fulcrum took is the one this Fulcrum takes"
    );
    // Saved again it is schema 2, and the sign-off still covers it.
    let directory = tempfile::tempdir().unwrap();
    let copy = directory.path().join("v2.json");
    session.save(&copy).unwrap();
    let text = std::fs::read_to_string(&copy).unwrap();
    assert!(text.starts_with("{\n  \"schema_version\": 2,"), "{text}");
    let reloaded = Session::load(&copy).unwrap();
    assert_eq!(reloaded.migrated_from, None);
    assert_eq!(reloaded.covers(&entry), Some(true));
    // A schema-2 field changes what was signed.
    let mut employment = reloaded;
    employment.context = Some(UseContext::Employment);
    assert_eq!(employment.covers(&entry), Some(false));
}

#[test]
fn a_schema_1_file_with_a_schema_2_field_is_refused() {
    let text = std::fs::read_to_string(SESSION_V1).unwrap().replacen(
        "\"title\"",
        "\"context\": \"employment\",\n  \"title\"",
        1,
    );
    let message = load_error(&text);
    assert!(
        message.contains("at `context`: `context` belongs to session schema 2"),
        "{message}"
    );
    let text = valid_text().replacen(
        "\"title\"",
        "\"bias_audit\": {\"sex\": \"g\", \"race\": \"g\", \"audit_date\": \"2026-12-01\"},\n  \"title\"",
        1,
    );
    let message = load_error(&text);
    assert!(message.contains("at `bias_audit.race`"), "{message}");
    assert!(message.contains("two attributes"), "{message}");
}

/// A directory with `data.csv` scored by two models (`s1` named production, `s2` candidate)
/// and a session whose decision is the candidate's, with a scenario of the production model.
fn session_of_two_models() -> (tempfile::TempDir, PathBuf, Session) {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("data.csv");
    std::fs::write(
        &data,
        "s1,s2,y,g\n0.9,0.6,1,a\n0.8,0.2,0,a\n0.3,0.7,1,a\n0.7,0.9,1,b\n0.2,0.1,0,b\n0.6,0.3,0,b\n",
    )
    .unwrap();
    let mut roles = ColumnRoles {
        label: "y".into(),
        attributes: vec!["g".into()],
        ..ColumnRoles::default()
    };
    roles.set_models(vec![
        crate::data::ModelColumn {
            name: "production".into(),
            score: "s1".into(),
        },
        crate::data::ModelColumn {
            name: "candidate".into(),
            score: "s2".into(),
        },
    ]);
    let mut analysis = Analysis::load(
        &data,
        &roles,
        &GroupingSpec::by_names(&["g"]),
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert!(analysis.select_model(1));
    let mut session = Session::new(
        &analysis,
        ThresholdMap::uniform(0.5),
        &AuditOptions::default(),
    )
    .unwrap();
    session.criteria = vec!["tpr_difference <= 0.6".parse().unwrap()];
    session.scenarios.push(Scenario {
        model: Some("production".into()),
        name: "Production today".into(),
        thresholds: ThresholdMap::uniform(0.5),
        baseline: true,
        note: String::new(),
    });
    let path = directory.path().join("session.json");
    session.save(&path).unwrap();
    (directory, path, session)
}

#[test]
fn a_session_of_several_models_is_schema_3_and_judges_each_threshold_on_its_model() {
    let (_directory, path, session) = session_of_two_models();
    assert_eq!(session.model.as_deref(), Some("candidate"));
    assert_eq!(session.decision_model(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"schema_version\": 3,"), "{text}");
    let loaded = Session::load(&path).unwrap();
    assert_eq!(loaded.schema_version, 3);
    assert_eq!(loaded.migrated_from, None);
    assert_eq!(loaded.roles.models.len(), 2);
    let evaluation = loaded
        .evaluate(&DataChoice::Recorded, None, &NoProgress)
        .unwrap();
    let decision = &evaluation.comparison.decision;
    let scenario = &evaluation.comparison.scenarios[0];
    assert_eq!(
        (decision.model, decision.model_name.as_str()),
        (1, "candidate")
    );
    assert_eq!(
        (scenario.model, scenario.model_name.as_str()),
        (0, "production")
    );
    // The same threshold 0.5 on each model's own scores. Group a: s1 0.9(+) 0.8(-) 0.3(+)
    // selects 2 (TP 1, FP 1); s2 0.6(+) 0.2(-) 0.7(+) selects both positives (TP 2, FP 0).
    assert_eq!(decision.audit.groups[0].counts.tp, 2.0);
    assert_eq!(decision.audit.groups[0].counts.fp, 0.0);
    assert_eq!(scenario.audit.groups[0].counts.tp, 1.0);
    assert_eq!(scenario.audit.groups[0].counts.fp, 1.0);
    assert!(!scenario.same_as_decision, "same thresholds, another model");
}

#[test]
fn schema_3_fields_need_schema_3_and_models_must_exist() {
    let (_directory, path, _) = session_of_two_models();
    let text = std::fs::read_to_string(&path).unwrap();
    let as_schema_2 = text.replace("\"schema_version\": 3", "\"schema_version\": 2");
    let message = load_error(&as_schema_2);
    assert!(
        message.contains("`roles.models` belongs to session schema 3 (several models, population shares), but this file says \"schema_version\": 2"),
        "{message}"
    );
    let unknown = text.replace("\"model\": \"production\"", "\"model\": \"legacy\"");
    let message = load_error(&unknown);
    assert!(message.contains("at `scenarios[0].model`"), "{message}");
    assert!(
        message.contains("no model `legacy` is mapped (the models are production, candidate)"),
        "{message}"
    );
    let one = valid_text().replacen("\"thresholds\"", "\"model\": \"x\",\n  \"thresholds\"", 1);
    let message = load_error(&one);
    assert!(
        message.contains("`model` belongs to session schema 3"),
        "{message}"
    );
    // A session without models is written as schema 2 (older Fulcrum versions read it).
    assert!(valid_text().starts_with("{\n  \"schema_version\": 2,"));
    // Population shares are schema 3 too, and are checked as `profile --population` checks them.
    let population = valid_text().replacen(
        "\"thresholds\"",
        "\"population\": {\"sex\": {\"F\": 0.37}},\n  \"thresholds\"",
        1,
    );
    let message = load_error(&population);
    assert!(
        message.contains("`population` belongs to session schema 3"),
        "{message}"
    );
    let as_schema_3 = population.replace("\"schema_version\": 2", "\"schema_version\": 3");
    let out_of_range = as_schema_3.replace("0.37", "1.37");
    let message = load_error(&out_of_range);
    assert!(message.contains("at `population`"), "{message}");
}
