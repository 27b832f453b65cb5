//! Reading JSON the user gave (thresholds files, sessions) strictly: a UTF-8 byte-order mark,
//! which Windows editors write, is accepted; an object with the same key twice is refused with
//! its line and column, since keeping one of two thresholds for a group silently (as plain
//! `serde_json` does) would audit a decision nobody wrote.

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The byte-order mark some editors put at the start of UTF-8 text.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// `text` without a leading byte-order mark.
pub fn without_byte_order_mark(text: &str) -> &str {
    text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text)
}

/// Parses JSON, refusing duplicate object keys (the error names the key, line and column).
/// A leading byte-order mark is skipped; positions count from after it.
pub fn parse_strict(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<StrictValue>(without_byte_order_mark(text)).map(|v| v.0)
}

/// A JSON value whose objects have distinct keys.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(StrictValue(value)) = sequence.next_element()? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "the key \"{}\" appears twice in one object; keep one",
                    key.escape_debug()
                )));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_their_position_and_nested_ones_too() {
        let error = parse_strict("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert!(error.to_string().contains("\"a\" appears twice"), "{error}");
        assert_eq!(error.line(), 2);
        assert!(parse_strict("{\"x\": {\"b\": 1, \"b\": 1}}").is_err());
        assert!(parse_strict("[{\"b\": 1}, {\"b\": 1}]").is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_values_are_kept_exactly() {
        let text = "\u{feff}{\"default\": 0.5, \"g\": \"-inf\", \"n\": null, \"l\": [1, true]}";
        let value = parse_strict(text).unwrap();
        let plain: Value = serde_json::from_str(without_byte_order_mark(text)).unwrap();
        assert_eq!(value, plain);
    }
}
