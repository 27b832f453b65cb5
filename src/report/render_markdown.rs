//! A [`Document`] as Markdown (GitHub-flavoured tables), for pull requests and wikis: the same
//! content as the HTML rendering, without the charts (each says where to find it). Every text is
//! escaped here; identical documents give identical bytes.

use std::fmt::Write as _;

use super::document::{Block, Cell, Document, Fact, Section, Span, Table, Text};
use super::markup::markdown as md;

/// The document as Markdown.
pub fn render_markdown(document: &Document) -> String {
    let mut out = String::with_capacity(32 * 1024);
    writeln!(out, "# {}\n", md(&document.title)).ok();
    writeln!(out, "*{}*\n", md(&document.kicker)).ok();
    if let Some(warning) = &document.warning {
        writeln!(out, "> **Warning:** {}\n", text(warning)).ok();
    }
    for verdict in &document.verdicts {
        writeln!(
            out,
            "- **{}:** {} ({})",
            md(&verdict.what),
            md(&verdict.text),
            verdict.outcome.label()
        )
        .ok();
    }
    out.push('\n');
    facts(&mut out, &document.facts);
    for (number, section) in document.sections.iter().enumerate() {
        render_section(&mut out, number + 1, section);
    }
    out.push_str("---\n\n");
    for paragraph in &document.footer {
        writeln!(out, "{}\n", text(paragraph)).ok();
    }
    // One newline at the end, as editors write files.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn render_section(out: &mut String, number: usize, section: &Section) {
    writeln!(out, "## {number}. {}\n", md(&section.title)).ok();
    for block in &section.blocks {
        match block {
            Block::Paragraph(content) => {
                writeln!(out, "{}\n", text(content)).ok();
            }
            Block::Note(content) => {
                writeln!(out, "*{}*\n", text(content)).ok();
            }
            Block::Warning(content) => {
                writeln!(out, "> **Warning:** {}\n", text(content)).ok();
            }
            Block::Heading(title) => {
                writeln!(out, "### {}\n", md(title)).ok();
            }
            Block::Facts(list) => facts(out, list),
            Block::List(items) => {
                for item in items {
                    writeln!(out, "- {}", text(item)).ok();
                }
                out.push('\n');
            }
            Block::Quote(paragraphs) => {
                for lines in paragraphs {
                    let lines: Vec<String> = lines.iter().map(|l| md(l)).collect();
                    writeln!(out, "> {}\n", lines.join(" ")).ok();
                }
            }
            Block::Table(content) => table(out, content),
            Block::Figure { caption, .. } => {
                writeln!(out, "*Chart in the HTML report: {}*\n", md(caption)).ok();
            }
        }
    }
}

fn facts(out: &mut String, list: &[Fact]) {
    if list.is_empty() {
        return;
    }
    for fact in list {
        writeln!(out, "- {}: {}", md(&fact.term), text(&fact.value)).ok();
    }
    out.push('\n');
}

fn row(out: &mut String, cells: &[String]) {
    writeln!(out, "| {} |", cells.join(" | ")).ok();
}

fn table(out: &mut String, content: &Table) {
    let titles: Vec<String> = content
        .columns
        .iter()
        .map(|c| match &c.detail {
            Some(detail) => format!("{} ({})", md(&c.title), md(detail)),
            None => md(&c.title),
        })
        .collect();
    row(out, &titles);
    let rule: Vec<String> = content
        .columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" }.to_owned())
        .collect();
    row(out, &rule);
    for line in &content.rows {
        let cells: Vec<String> = line
            .cells
            .iter()
            .map(|cell| {
                let rendered = cell_markdown(cell);
                if line.total && !rendered.is_empty() && !rendered.starts_with("**") {
                    format!("**{rendered}**")
                } else {
                    rendered
                }
            })
            .collect();
        row(out, &cells);
    }
    out.push('\n');
}

fn cell_markdown(cell: &Cell) -> String {
    match &cell.detail {
        Some(detail) => format!("{} {}", text(&cell.text), text(detail)),
        None => text(&cell.text),
    }
}

/// A code span that cannot end early or split a table cell: backticks become quotes and pipes
/// are escaped (GitHub splits table cells on `|` even inside code).
fn code(text: &str) -> String {
    let safe = text
        .replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ");
    format!("`{safe}`")
}

/// Inline text as Markdown, every piece escaped.
fn text(content: &Text) -> String {
    let mut out = String::new();
    for span in &content.0 {
        let piece = match span {
            Span::Plain(s) => md(s),
            Span::Code(s) => code(s),
            Span::Strong(s) | Span::Flagged(s) => format!("**{}**", md(s)),
            Span::Emphasis(s) => format!("*{}*", md(s)),
            Span::Badge(outcome) => format!("**{}**", outcome.label()),
            Span::Tag(_, label) => format!("**{}**", md(label)),
            Span::Break => "; ".to_owned(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_cannot_break_out_of_a_table_cell() {
        assert_eq!(code("a|b`c"), "`a\\|b'c`");
        let cell = Cell::plain("x|<b>");
        assert_eq!(cell_markdown(&cell), "x\\|&lt;b&gt;");
    }
}
