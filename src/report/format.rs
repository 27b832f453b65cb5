//! Number formatting shared by every printer, so that one value reads the same everywhere.

use serde_json::Value;

/// The version of the JSON documents the command line writes (audit, optimize, frontier,
/// check, the JSON report): raised when a field changes meaning or disappears, not when one is
/// added, so a consumer can refuse a document it does not know.
pub const OUTPUT_SCHEMA_VERSION: u32 = 1;

/// A JSON document as the command line writes it: `"schema_version"` first, then `value`'s
/// fields, pretty-printed, ending in a newline.
pub fn json_document(value: Value) -> String {
    let mut document = serde_json::Map::new();
    document.insert(
        "schema_version".to_owned(),
        Value::from(OUTPUT_SCHEMA_VERSION),
    );
    match value {
        Value::Object(fields) => document.extend(fields),
        other => {
            document.insert("result".to_owned(), other);
        }
    }
    // A `Value` with string keys always serialises.
    let mut text = serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default();
    text.push('\n');
    text
}

pub use crate::engine::intervals::confidence_label as percent_label;

/// A count: integral values as integers (`12`, not `12.0`), others as floats.
pub fn count_json(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

/// An optional number: `null` when undefined.
pub fn optional_json(value: Option<f64>) -> Value {
    value
        .filter(|v| v.is_finite())
        .map_or(Value::Null, Value::from)
}

/// A rate for tables: three decimals, `n/a` when undefined.
pub fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
}

/// A count for tables: integers without decimals, weighted counts with one.
pub fn count(value: f64) -> String {
    if value.fract() == 0.0 {
        group_thousands(value as i64)
    } else {
        format!("{value:.1}")
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A threshold for display: `nobody` / `everybody` for the infinities, otherwise the shortest
/// exact representation.
pub fn threshold(value: Option<f64>) -> String {
    match value {
        None => "varies".to_owned(),
        Some(v) if v == f64::INFINITY => "nobody".to_owned(),
        Some(v) if v == f64::NEG_INFINITY => "everybody".to_owned(),
        Some(v) => format!("{v}"),
    }
}

/// `text` with the spaces at each line's end removed (padded columns leave some), every line
/// ending in a newline.
pub fn trim_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_intended() {
        assert_eq!(count_json(12.0), serde_json::json!(12));
        assert_eq!(count_json(2.5), serde_json::json!(2.5));
        assert_eq!(optional_json(None), Value::Null);
        assert_eq!(rate(Some(0.12345)), "0.123");
        assert_eq!(rate(None), "n/a");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(12.25), "12.2");
        assert_eq!(group_thousands(-1000), "-1,000");
        assert_eq!(threshold(Some(0.5)), "0.5");
        assert_eq!(threshold(Some(f64::INFINITY)), "nobody");
    }
}
