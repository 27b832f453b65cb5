//! Sign-off entries: who decided what about the session, when, and on which content.

use serde::{Deserialize, Serialize};

/// A calendar date written `YYYY-MM-DD`, validated (month 1–12, a day the month has).
///
/// Only dates are stored, never times read from a clock, so reports stay reproducible.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignOffDate(String);

impl SignOffDate {
    /// The date as written (`2026-11-23`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SignOffDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a date was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid date `{text}`: {reason} (expected YYYY-MM-DD, like 2026-11-23)")]
pub struct DateError {
    /// The text given.
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl std::str::FromStr for SignOffDate {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason| DateError {
            text: text.to_owned(),
            reason,
        };
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(error("not in the form YYYY-MM-DD"));
        }
        let number = |range: std::ops::Range<usize>| {
            text.get(range)
                .and_then(|s| s.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        if year == 0 {
            return Err(error("there is no year 0000"));
        }
        if !(1..=12).contains(&month) {
            return Err(error("the month must be 01 to 12"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(error("that month has no such day"));
        }
        Ok(SignOffDate(text.to_owned()))
    }
}

impl Serialize for SignOffDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SignOffDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What a signer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approved as it stands.
    Approved,
    /// Approved, subject to the conditions in the comment.
    ApprovedWithConditions,
    /// Not approved.
    Rejected,
}

impl Decision {
    /// Every decision, for menus.
    pub const ALL: [Decision; 3] = [
        Decision::Approved,
        Decision::ApprovedWithConditions,
        Decision::Rejected,
    ];

    /// The name used in files and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::ApprovedWithConditions => "approved_with_conditions",
            Decision::Rejected => "rejected",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Approved => "Approved",
            Decision::ApprovedWithConditions => "Approved with conditions",
            Decision::Rejected => "Rejected",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalized = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Decision::ALL
            .into_iter()
            .find(|d| d.key() == normalized)
            .ok_or_else(|| {
                format!(
                    "unknown decision `{text}` (expected approved, approved_with_conditions or rejected)"
                )
            })
    }
}

/// One sign-off entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    /// Who signed.
    pub name: String,
    /// In what capacity (`Model risk`, `Legal`).
    pub role: String,
    /// When.
    pub date: SignOffDate,
    /// What they decided.
    pub decision: Decision,
    /// Conditions, reasons or remarks.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// The session's [content digest](super::Session::content_digest) when signed, so a later
    /// change to thresholds, criteria or data shows the sign-off no longer covers it. `None`
    /// for entries migrated from files that did not record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_validated_against_the_calendar() {
        assert_eq!(
            "2024-02-29".parse::<SignOffDate>().unwrap().as_str(),
            "2024-02-29"
        );
        let reason = |text: &str| text.parse::<SignOffDate>().unwrap_err().reason;
        assert_eq!(reason("2023-02-29"), "that month has no such day");
        assert_eq!(reason("1900-02-29"), "that month has no such day");
        assert!("2000-02-29".parse::<SignOffDate>().is_ok());
        assert_eq!(reason("2026-04-31"), "that month has no such day");
        assert_eq!(reason("2026-13-01"), "the month must be 01 to 12");
        assert_eq!(reason("2026-1-01"), "not in the form YYYY-MM-DD");
        assert_eq!(reason("23/11/2026"), "not in the form YYYY-MM-DD");
        assert_eq!(reason("2026-11-23T10:00"), "not in the form YYYY-MM-DD");
        assert_eq!(
            "2026-00-10".parse::<SignOffDate>().unwrap_err().to_string(),
            "invalid date `2026-00-10`: the month must be 01 to 12 (expected YYYY-MM-DD, like 2026-11-23)"
        );
    }

    #[test]
    fn decisions_parse_from_loose_text() {
        assert_eq!(
            "Approved with conditions".parse::<Decision>(),
            Ok(Decision::ApprovedWithConditions)
        );
        assert_eq!("rejected".parse::<Decision>(), Ok(Decision::Rejected));
        assert!("maybe".parse::<Decision>().is_err());
        assert_eq!(
            serde_json::to_string(&Decision::ApprovedWithConditions).unwrap(),
            "\"approved_with_conditions\""
        );
    }
}
