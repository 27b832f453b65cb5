//! Where in a JSON text something is: the JSON path at a byte offset (for serde errors, which
//! know the line and column but not the field), the offset of a JSON path (for checks made after
//! parsing, which know the field but not the line), and a one-line excerpt with a caret.

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Renders a path as `scenarios[0].thresholds["Female × Black"]`; `(top level)` when empty.
pub fn render_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                let plain = key
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                } else {
                    out.push('[');
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(']');
                }
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    if out.is_empty() {
        "(top level)".to_owned()
    } else {
        out
    }
}

/// An open object or array while scanning.
enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
        has_element: bool,
    },
}

fn frames_to_path(frames: &[Frame]) -> Vec<Segment> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            Frame::Object { key, .. } => key.clone().map(Segment::Key),
            Frame::Array {
                index,
                has_element: true,
            } => Some(Segment::Index(*index)),
            Frame::Array { .. } => None,
        })
        .collect()
}

/// Scans `text` (JSON, possibly truncated) up to byte `end`, calling `on_value(path, offset)` at
/// the start of every value until it returns true. Returns the open frames at the stop.
fn scan(text: &str, end: usize, mut on_value: impl FnMut(&[Frame], usize) -> bool) -> Vec<Frame> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut frames: Vec<Frame> = Vec::new();
    let mut position = 0;
    while position < end {
        let Some(&byte) = bytes.get(position) else {
            break;
        };
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => position += 1,
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Object { key, expecting_key }) => {
                        *key = None;
                        *expecting_key = true;
                    }
                    Some(Frame::Array { index, .. }) => *index += 1,
                    None => {}
                }
                position += 1;
            }
            b'}' | b']' => {
                frames.pop();
                position += 1;
            }
            b'"' if matches!(
                frames.last(),
                Some(Frame::Object {
                    expecting_key: true,
                    ..
                })
            ) =>
            {
                let close = string_end(bytes, position);
                let raw = text.get(position..close.min(bytes.len())).unwrap_or("");
                let decoded = serde_json::from_str::<String>(raw)
                    .unwrap_or_else(|_| raw.trim_matches('"').to_owned());
                if let Some(Frame::Object { key, expecting_key }) = frames.last_mut() {
                    *key = Some(decoded);
                    *expecting_key = false;
                }
                position = close;
            }
            _ => {
                if let Some(Frame::Array { has_element, .. }) = frames.last_mut() {
                    *has_element = true;
                }
                if on_value(&frames, position) {
                    return frames;
                }
                match byte {
                    b'{' => {
                        frames.push(Frame::Object {
                            key: None,
                            expecting_key: true,
                        });
                        position += 1;
                    }
                    b'[' => {
                        frames.push(Frame::Array {
                            index: 0,
                            has_element: false,
                        });
                        position += 1;
                    }
                    b'"' => position = string_end(bytes, position),
                    _ => {
                        while bytes.get(position).is_some_and(|b| {
                            !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                        }) {
                            position += 1;
                        }
                    }
                }
            }
        }
    }
    frames
}

/// The byte just after the string starting at `start` (a `"`), or the end of the text.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut position = start + 1;
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'\\' => position += 2,
            b'"' => return position + 1,
            _ => position += 1,
        }
    }
    bytes.len()
}

/// The JSON path of the innermost member or element open at byte `offset`.
pub fn path_at(text: &str, offset: usize) -> Vec<Segment> {
    frames_to_path(&scan(text, offset, |_, _| false))
}

/// The byte offset where the value at `path` starts, if the text has one.
pub fn offset_of(text: &str, path: &[Segment]) -> Option<usize> {
    let mut found = None;
    scan(text, text.len(), |frames, offset| {
        if frames_to_path(frames) == path {
            found = Some(offset);
            true
        } else {
            false
        }
    });
    found
}

/// The byte offset of a 1-based line and a column as `serde_json` counts it (bytes consumed on
/// that line).
pub fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column).min(text.len())
}

/// The 1-based line and column of the character at byte `offset`.
pub fn line_column_of(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Longest part of a line shown in an excerpt.
const EXCERPT_WIDTH: usize = 100;

/// The line holding byte `offset`, numbered, with a caret under the offset's character:
///
/// ```text
///    14 |       "default": true,
///       |                  ^
/// ```
pub fn excerpt(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_start = text
        .get(..offset)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)
        .and_then(|a| a.find('\n'))
        .map_or(text.len(), |i| offset + i);
    let line_text = text
        .get(line_start..line_end)
        .unwrap_or("")
        .trim_end_matches('\r');
    let caret_column = text
        .get(line_start..offset)
        .map_or(0, |b| b.chars().count());
    let chars: Vec<char> = line_text.chars().collect();
    let first = if chars.len() <= EXCERPT_WIDTH {
        0
    } else {
        caret_column
            .saturating_sub(EXCERPT_WIDTH / 2)
            .min(chars.len() - EXCERPT_WIDTH)
    };
    let shown: String = chars.iter().skip(first).take(EXCERPT_WIDTH).collect();
    let (line_number, _) = line_column_of(text, offset);
    let gutter = line_number.to_string().len().max(4);
    format!(
        "{line_number:>gutter$} | {}{shown}\n{:>gutter$} | {}^",
        if first > 0 { "…" } else { "" },
        "",
        " ".repeat(caret_column - first + usize::from(first > 0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "roles": {"score": "s", "attributes": ["a", "b"]},
  "scenarios": [
    {"name": "one", "thresholds": {"default": 0.5}},
    {"name": "two", "thresholds": {"Female × Black": true}}
  ]
}"#;

    fn path_before(needle: &str) -> String {
        let offset = TEXT.find(needle).unwrap() + needle.len();
        render_path(&path_at(TEXT, offset))
    }

    #[test]
    fn paths_at_offsets_name_members_and_elements() {
        assert_eq!(path_before(r#""score": "s""#), "roles.score");
        assert_eq!(path_before(r#"["a", "b""#), "roles.attributes[1]");
        assert_eq!(
            path_before(r#""default": 0.5"#),
            "scenarios[0].thresholds.default"
        );
        assert_eq!(
            path_before(r#""Female × Black": true"#),
            r#"scenarios[1].thresholds["Female × Black"]"#
        );
        // Just past a closing brace: the object itself (where serde reports missing fields).
        assert_eq!(path_before(r#""b"]}"#), "roles");
        assert_eq!(path_before(r"0.5}}"), "scenarios[0]");
        assert_eq!(render_path(&path_at(TEXT, 0)), "(top level)");
        assert_eq!(render_path(&path_at(TEXT, TEXT.len())), "(top level)");
    }

    #[test]
    fn offsets_of_paths_point_at_values() {
        let path = [
            Segment::Key("scenarios".into()),
            Segment::Index(1),
            Segment::Key("name".into()),
        ];
        let offset = offset_of(TEXT, &path).unwrap();
        assert!(TEXT[offset..].starts_with(r#""two""#));
        assert_eq!(line_column_of(TEXT, offset), (5, 14));
        assert_eq!(offset_of(TEXT, &[Segment::Key("nope".into())]), None);
    }

    #[test]
    fn excerpts_show_the_line_and_a_caret() {
        let offset = TEXT.find("true").unwrap();
        let excerpt = excerpt(TEXT, offset);
        let lines: Vec<&str> = excerpt.lines().collect();
        assert_eq!(
            lines[0],
            r#"   5 |     {"name": "two", "thresholds": {"Female × Black": true}}"#
        );
        let caret = lines[1].chars().position(|c| c == '^').unwrap();
        let true_position = lines[0]
            .find("true")
            .map(|b| lines[0][..b].chars().count())
            .unwrap();
        assert_eq!(caret, true_position, "{excerpt}");
        let long = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(300));
        let excerpt = super::excerpt(&long, long.find("\"b\"").unwrap());
        let lines: Vec<&str> = excerpt.lines().collect();
        assert!(lines[0].starts_with("   1 | …"), "{excerpt}");
        assert!(lines[0].ends_with("\"b\": 1}"), "{excerpt}");
        let caret = lines[1].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[0].chars().nth(caret), Some('"'), "{excerpt}");
        assert_eq!(
            offset_of_line_column(TEXT, 2, 3),
            TEXT.find(r#""roles""#).unwrap() + 1
        );
    }
}
