//! Per-group thresholds as users write them: a JSON object mapping group key → threshold, with an
//! optional `"default"` for groups not listed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::grouping::normalize_key;
use super::index::GroupIndex;

/// The key that sets the threshold of every group not named.
pub const DEFAULT_KEY: &str = "default";

/// Why thresholds do not fit the groups.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    /// A key that is no group.
    #[error("no group is called `{key}`{}; groups are: {}", suggestion(closest), available.join(", "))]
    UnknownGroup {
        /// The key as written.
        key: String,
        /// The most similar group key, if any is close.
        closest: Option<String>,
        /// Every group key.
        available: Vec<String>,
    },
    /// A group with no threshold and no default.
    #[error("group `{key}` has no threshold and there is no \"default\"")]
    Missing {
        /// The group key.
        key: String,
    },
    /// A value that is not a number.
    #[error("threshold for `{key}` must be a number, \"inf\" or \"-inf\" (found {found})")]
    NotANumber {
        /// The key.
        key: String,
        /// What was there.
        found: String,
    },
    /// The JSON is not an object.
    #[error("thresholds must be a JSON object mapping group key to threshold")]
    NotAnObject,
    /// Two keys name one group (`"a | b"` and `"a × b"`).
    #[error("`{first}` and `{second}` both name the group `{key}`; keep one")]
    SameGroupTwice {
        /// The group, as Fulcrum writes it.
        key: String,
        /// The first key as written.
        first: String,
        /// The second key as written.
        second: String,
    },
}

fn suggestion(closest: &Option<String>) -> String {
    closest
        .as_ref()
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// The group key most similar to `key`, if reasonably close.
pub fn closest_key<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&key.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_owned())
}

/// Thresholds by group key, with an optional default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThresholdMap {
    /// Threshold for groups not listed.
    pub default: Option<f64>,
    /// Thresholds of named groups.
    pub by_group: BTreeMap<String, f64>,
}

impl ThresholdMap {
    /// One threshold for every group.
    pub fn uniform(threshold: f64) -> Self {
        Self {
            default: Some(threshold),
            by_group: BTreeMap::new(),
        }
    }

    /// The map of an index's groups to resolved thresholds (`thresholds[i]` for group `i`).
    pub fn from_resolved(index: &GroupIndex, thresholds: &[f64]) -> Self {
        Self {
            default: None,
            by_group: index
                .groups()
                .iter()
                .zip(thresholds)
                .map(|(g, t)| (g.key.clone(), *t))
                .collect(),
        }
    }

    /// Parses `{"default": 0.5, "Female × Black": 0.6, "Male": "inf"}`. A key may separate
    /// values with `|` instead of ` × ` (`"Female | Black"`); it is stored as Fulcrum writes it
    /// ([`normalize_key`]), and two keys naming one group are refused.
    pub fn from_json(value: &Value) -> Result<Self, ThresholdError> {
        let object = value.as_object().ok_or(ThresholdError::NotAnObject)?;
        let mut map = Self::default();
        let mut written: BTreeMap<String, &str> = BTreeMap::new();
        for (key, value) in object {
            let threshold =
                threshold_from_json(value).ok_or_else(|| ThresholdError::NotANumber {
                    key: key.clone(),
                    found: value.to_string(),
                })?;
            if key == DEFAULT_KEY {
                map.default = Some(threshold);
                continue;
            }
            let group = normalize_key(key).into_owned();
            if let Some(first) = written.insert(group.clone(), key) {
                return Err(ThresholdError::SameGroupTwice {
                    key: group,
                    first: first.to_owned(),
                    second: key.clone(),
                });
            }
            map.by_group.insert(group, threshold);
        }
        Ok(map)
    }

    /// The JSON form read by [`from_json`](Self::from_json) (`audit --thresholds`).
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        if let Some(default) = self.default {
            object.insert(DEFAULT_KEY.to_owned(), threshold_to_json(default));
        }
        for (key, threshold) in &self.by_group {
            object.insert(key.clone(), threshold_to_json(*threshold));
        }
        Value::Object(object)
    }

    /// Resolves a threshold for every group of `index`, refusing keys that match no group.
    pub fn resolve(&self, index: &GroupIndex) -> Result<Vec<f64>, ThresholdError> {
        let keys: Vec<&str> = index.groups().iter().map(|g| g.key.as_str()).collect();
        self.resolve_keys(&keys)
    }

    /// The one threshold every group gets, when the map names no group.
    pub fn single(&self) -> Option<f64> {
        self.default.filter(|_| self.by_group.is_empty())
    }

    /// Resolves a threshold for every group key (`keys[i]` gets `result[i]`), refusing map keys
    /// that match no group: a typo must not silently leave a group at the default.
    pub fn resolve_keys(&self, keys: &[&str]) -> Result<Vec<f64>, ThresholdError> {
        if let Some(unknown) = self.by_group.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(ThresholdError::UnknownGroup {
                key: unknown.clone(),
                closest: closest_key(unknown, keys.iter().copied()),
                available: keys.iter().map(|k| (*k).to_owned()).collect(),
            });
        }
        keys.iter()
            .map(|key| {
                self.by_group
                    .get(*key)
                    .copied()
                    .or(self.default)
                    .ok_or_else(|| ThresholdError::Missing {
                        key: (*key).to_owned(),
                    })
            })
            .collect()
    }
}

/// Reads a threshold: a number, or `"inf"` / `"-inf"` for "nobody" / "everybody".
pub fn threshold_from_json(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
            "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Writes a threshold: finite numbers as numbers, infinities as `"inf"` / `"-inf"` (JSON has no
/// infinity).
pub fn threshold_to_json(threshold: f64) -> Value {
    if threshold.is_finite() {
        serde_json::json!(threshold)
    } else if threshold > 0.0 {
        Value::String("inf".into())
    } else {
        Value::String("-inf".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::index::{Group, ScoreCurve};

    fn index() -> GroupIndex {
        let group = |key: &str| Group {
            key: key.into(),
            levels: vec![key.into()],
            curve: ScoreCurve::default(),
        };
        GroupIndex::from_groups(vec!["sex".into()], vec![group("Female"), group("Male")])
    }

    #[test]
    fn default_fills_groups_not_listed() {
        let map =
            ThresholdMap::from_json(&serde_json::json!({"default": 0.5, "Male": "inf"})).unwrap();
        assert_eq!(map.resolve(&index()).unwrap(), [0.5, f64::INFINITY]);
        assert_eq!(
            map.to_json(),
            serde_json::json!({"default": 0.5, "Male": "inf"})
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_a_suggestion() {
        let map = ThresholdMap::from_json(&serde_json::json!({"female": 0.4})).unwrap();
        let error = map.resolve(&index()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no group is called `female` (did you mean `Female`?); groups are: Female, Male"
        );
        let missing = ThresholdMap::from_json(&serde_json::json!({"Male": 0.4})).unwrap();
        assert_eq!(
            missing.resolve(&index()),
            Err(ThresholdError::Missing {
                key: "Female".into()
            })
        );
        assert_eq!(
            ThresholdMap::from_json(&serde_json::json!([1])),
            Err(ThresholdError::NotAnObject)
        );
    }

    #[test]
    fn keys_may_separate_values_with_a_bar() {
        let keys = ["Female × Black", "Female × White", "\"a|b\" × White"];
        let map = ThresholdMap::from_json(&serde_json::json!({
            "Female | Black": 0.6, "Female|White": 0.7, "\"a|b\"|White": 0.8
        }))
        .unwrap();
        assert_eq!(map.resolve_keys(&keys).unwrap(), [0.6, 0.7, 0.8]);
        // Written back as Fulcrum shows keys.
        assert_eq!(
            map.to_json(),
            serde_json::json!({"Female × Black": 0.6, "Female × White": 0.7, "\"a|b\" × White": 0.8})
        );
        assert_eq!(
            ThresholdMap::from_json(&serde_json::json!({"a | b": 0.6, "a × b": 0.7})),
            Err(ThresholdError::SameGroupTwice {
                key: "a × b".into(),
                first: "a | b".into(),
                second: "a × b".into(),
            })
        );
    }
}
