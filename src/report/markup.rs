//! Escaping and fixed number formats for the session reports. Every string that comes from
//! data or users goes through [`html`] or [`markdown`]; every number through a fixed format, so
//! identical inputs give identical bytes.

/// Text escaped for HTML (and inline SVG) element content and attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Text escaped for XML 1.0 element content and attribute values: the HTML escapes, and the
/// control characters XML cannot hold at all replaced by U+FFFD.
pub fn xml(text: &str) -> String {
    let allowed: String = text
        .chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') && (c as u32) < 0x20 {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    html(&allowed)
}

/// Text escaped for Markdown (inline text and table cells): markup characters are
/// backslash-escaped, `<`, `>` and `&` become entities (so no HTML passes through), and line
/// breaks become spaces.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

/// Text from data (a column name, a level) for a terminal: control characters (escape
/// sequences, line breaks, bidirectional overrides) are written as `\u{…}` escapes, so a file
/// cannot move the cursor, recolour the screen or break a table's lines.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A CSV cell holding text from data or users (group keys, levels, column names): a leading
/// `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front, so a spreadsheet shows the text
/// instead of running it as a formula (OWASP's advice on CSV injection); then the cell is quoted
/// per RFC 4180 if it holds a comma, quote or line break. Numbers Fulcrum computed are written
/// as they are, never through this, so they stay numbers.
pub fn csv_text(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One CSV line of cells already made safe ([`csv_text`] for text, plain numbers otherwise).
pub fn csv_row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// The records of CSV text as [`csv_row`] writes it, without their line ends: a line end
/// inside a quoted cell (a column or level name with a line break) belongs to its record.
pub fn csv_records(text: &str) -> Vec<&str> {
    let mut records = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                records.push(text.get(start..at).unwrap_or_default());
                start = at + 1;
            }
            _ => {}
        }
    }
    if let Some(rest) = text.get(start..).filter(|r| !r.is_empty()) {
        records.push(rest);
    }
    records
}

/// A number with a fixed count of decimals; `-0.000` reads `0.000`.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text.trim_start_matches(['-', '0', '.']).is_empty() {
        text.trim_start_matches('-').to_owned()
    } else {
        text
    }
}

/// [`fixed`], or `n/a` when undefined.
pub fn fixed_or_na(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| fixed(v, decimals))
}

/// A change with its sign (`+0.012`, `-0.003`, `0.000`), or `n/a`.
pub fn signed(value: Option<f64>, decimals: usize) -> String {
    match value {
        None => "n/a".to_owned(),
        Some(v) => {
            let text = fixed(v, decimals);
            if v > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
                format!("+{text}")
            } else {
                text
            }
        }
    }
}

/// A coordinate for SVG: one decimal.
pub fn coordinate(value: f64) -> String {
    fixed(value, 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_records_keep_line_breaks_inside_quoted_cells() {
        let text = csv_row(&["key", &csv_text("g\nx"), "n"])
            + &csv_row(&["a", &csv_text("say \"hi\"\r\nthere"), "1"]);
        assert_eq!(
            csv_records(&text),
            ["key,\"g\nx\",n", "a,\"say \"\"hi\"\"\r\nthere\",1"]
        );
        assert_eq!(csv_records("a\nb"), ["a", "b"]);
        assert!(csv_records("").is_empty());
    }

    use super::*;

    #[test]
    fn terminal_text_cannot_carry_escape_sequences() {
        assert_eq!(terminal("race"), "race");
        assert_eq!(terminal("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal("Größe × Ü"), "Größe × Ü");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            html("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(
            markdown("a|b *c* <script>\n[x](y)"),
            "a\\|b \\*c\\* &lt;script&gt; \\[x\\](y)"
        );
    }

    #[test]
    fn numbers_have_fixed_forms() {
        assert_eq!(fixed(-0.0001, 3), "0.000");
        assert_eq!(fixed(-0.25, 2), "-0.25");
        assert_eq!(fixed(1.0 / 3.0, 3), "0.333");
        assert_eq!(fixed_or_na(None, 3), "n/a");
        assert_eq!(signed(Some(0.0123), 3), "+0.012");
        assert_eq!(signed(Some(0.0001), 3), "0.000");
        assert_eq!(signed(Some(-0.5), 2), "-0.50");
    }
}
