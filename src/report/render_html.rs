//! A [`Document`] as one self-contained HTML file: inline CSS and SVG, no scripts, no external
//! assets, print styles for A4. Every text is escaped here; identical documents give identical
//! bytes.

use std::fmt::Write as _;

use super::document::{Block, Cell, Column, Document, Fact, Section, Span, Table, Text};
use super::markup::html;

/// The stylesheet: light backgrounds only, tabular numbers, A4 print rules.
const STYLE: &str = r#"
:root { --ink: #1f2937; --muted: #6b7280; --line: #d1d5db; --head: #f3f4f6;
  --pass: #166534; --pass-bg: #dcfce7; --fail: #991b1b; --fail-bg: #fee2e2;
  --undefined: #92400e; --undefined-bg: #fef3c7; }
* { box-sizing: border-box; }
html { background: #ffffff; }
body { margin: 0 auto; max-width: 1020px; padding: 32px 40px 48px; background: #ffffff;
  color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 16px; }
h2 { font-size: 18px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink);
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 15px; margin: 20px 0 6px; break-after: avoid; page-break-after: avoid; }
p { margin: 6px 0 10px; }
h2 + p, h3 + p { break-after: avoid; page-break-after: avoid; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 12px;
  margin: 0; }
.muted { color: var(--muted); }
.verdicts { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.verdict { flex: 1 1 240px; border: 1px solid var(--line); border-left: 6px solid var(--muted);
  padding: 8px 12px; }
.verdict .what { display: block; color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .05em; }
.verdict strong { font-size: 15px; }
.verdict.pass { border-left-color: var(--pass); }
.verdict.fail { border-left-color: var(--fail); }
.verdict.undefined { border-left-color: var(--undefined); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.92em; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left;
  vertical-align: top; }
thead th { background: var(--head); font-weight: 600; border-bottom: 2px solid var(--ink); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { min-width: 9em; overflow-wrap: break-word; }
.ci { display: block; color: var(--muted); font-size: 11px; }
tr.overall td { font-weight: 600; border-top: 2px solid var(--ink); }
.out { color: var(--fail); font-weight: 700; }
.badge { display: inline-block; padding: 0 8px; border: 1px solid; border-radius: 10px;
  font-size: 11px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); border-color: var(--pass); }
.badge.fail { color: var(--fail); background: var(--fail-bg); border-color: var(--fail); }
.badge.undefined { color: var(--undefined); background: var(--undefined-bg);
  border-color: var(--undefined); }
figure, .keep { margin: 10px 0 14px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.rationale { border-left: 4px solid var(--line); padding: 2px 14px; }
.banner { border: 2px solid var(--fail); background: var(--fail-bg); padding: 8px 12px;
  font-weight: 600; }
footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 12px; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h1 { font-size: 22px; }
  h2 { font-size: 15px; margin-top: 22px; }
  table { font-size: 10.5px; }
  thead { display: table-header-group; }
  tr, .verdict, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  td.key { min-width: 7em; }
  section.new-page { break-before: page; page-break-before: always; }
  .badge, .verdict, .banner, thead th, figure svg { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"#;

/// The document as an HTML page.
pub fn render_html(document: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    writeln!(
        out,
        "<meta name=\"generator\" content=\"Fulcrum {}\">\n<title>{} — {}</title>",
        env!("CARGO_PKG_VERSION"),
        html(&document.title),
        html(&document.kicker)
    )
    .ok();
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>").ok();
    writeln!(
        out,
        "<header>\n<p class=\"kicker\">{}</p>\n<h1>{}</h1>",
        html(&document.kicker),
        html(&document.title)
    )
    .ok();
    if let Some(warning) = &document.warning {
        writeln!(out, "<p class=\"banner\">{}</p>", text(warning)).ok();
    }
    out.push_str("<div class=\"verdicts\">\n");
    for verdict in &document.verdicts {
        writeln!(
            out,
            "<div class=\"verdict {}\"><span class=\"what\">{}</span><strong>{}</strong></div>",
            verdict.outcome.key(),
            html(&verdict.what),
            html(&verdict.text)
        )
        .ok();
    }
    out.push_str("</div>\n");
    facts(&mut out, &document.facts);
    out.push_str("</header>\n");
    for (number, section) in document.sections.iter().enumerate() {
        render_section(&mut out, number + 1, section);
    }
    out.push_str("<footer>\n");
    for paragraph in &document.footer {
        writeln!(out, "<p>{}</p>", text(paragraph)).ok();
    }
    out.push_str("</footer>\n</body>\n</html>\n");
    out
}

fn render_section(out: &mut String, number: usize, section: &Section) {
    writeln!(
        out,
        "<section id=\"{}\"{}>\n<h2>{number}. {}</h2>",
        section.id,
        if section.new_page {
            " class=\"new-page\""
        } else {
            ""
        },
        html(&section.title)
    )
    .ok();
    for block in &section.blocks {
        match block {
            Block::Paragraph(content) => {
                writeln!(out, "<p>{}</p>", text(content)).ok();
            }
            Block::Note(content) => {
                writeln!(out, "<p class=\"muted\">{}</p>", text(content)).ok();
            }
            Block::Warning(content) => {
                writeln!(out, "<p class=\"banner\">{}</p>", text(content)).ok();
            }
            Block::Heading(title) => {
                writeln!(out, "<h3>{}</h3>", html(title)).ok();
            }
            Block::Facts(list) => facts(out, list),
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    writeln!(out, "<li>{}</li>", text(item)).ok();
                }
                out.push_str("</ul>\n");
            }
            Block::Quote(paragraphs) => {
                out.push_str("<div class=\"rationale\">\n");
                for lines in paragraphs {
                    let lines: Vec<String> = lines.iter().map(|l| html(l)).collect();
                    writeln!(out, "<p>{}</p>", lines.join("<br>")).ok();
                }
                out.push_str("</div>\n");
            }
            Block::Table(content) => table(out, content),
            Block::Figure { svg, caption } => {
                writeln!(
                    out,
                    "<figure>\n{svg}<figcaption>{}</figcaption>\n</figure>",
                    html(caption)
                )
                .ok();
            }
        }
    }
    out.push_str("</section>\n");
}

fn facts(out: &mut String, list: &[Fact]) {
    out.push_str("<dl class=\"facts\">\n");
    for fact in list {
        writeln!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            html(&fact.term),
            text(&fact.value)
        )
        .ok();
    }
    out.push_str("</dl>\n");
}

fn numeric(column: Option<&Column>) -> &'static str {
    if column.is_some_and(|c| c.numeric) {
        " class=\"num\""
    } else {
        ""
    }
}

fn table(out: &mut String, content: &Table) {
    out.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for column in &content.columns {
        write!(out, "<th{}>{}", numeric(Some(column)), html(&column.title)).ok();
        if let Some(detail) = &column.detail {
            write!(out, "<span class=\"ci\">{}</span>", html(detail)).ok();
        }
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &content.rows {
        out.push_str(if row.total {
            "<tr class=\"overall\">"
        } else {
            "<tr>"
        });
        for (position, cell) in row.cells.iter().enumerate() {
            write!(
                out,
                "<td{}>{}</td>",
                numeric(content.columns.get(position)),
                cell_html(cell)
            )
            .ok();
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn cell_html(cell: &Cell) -> String {
    match &cell.detail {
        Some(detail) => format!(
            "{}<span class=\"ci\">{}</span>",
            text(&cell.text),
            text(detail)
        ),
        None => text(&cell.text),
    }
}

/// Inline text as HTML, every piece escaped.
fn text(content: &Text) -> String {
    let mut out = String::new();
    for span in &content.0 {
        let piece = match span {
            Span::Plain(s) => html(s),
            Span::Code(s) => format!("<code>{}</code>", html(s)),
            Span::Strong(s) => format!("<strong>{}</strong>", html(s)),
            Span::Emphasis(s) => format!("<em>{}</em>", html(s)),
            Span::Flagged(s) => format!("<span class=\"out\">{}</span>", html(s)),
            Span::Badge(outcome) => format!(
                "<span class=\"badge {}\">{}</span>",
                outcome.key(),
                outcome.label()
            ),
            Span::Tag(outcome, label) => format!(
                "<span class=\"badge {}\">{}</span>",
                outcome.key(),
                html(label)
            ),
            Span::Break => "<br>".to_owned(),
        };
        out.push_str(&piece);
    }
    out
}
