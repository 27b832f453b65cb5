//! The content model of a report: sections of paragraphs, facts, tables and figures, built once
//! from a session's evaluation (`session_content`) and rendered by
//! [`super::render_html`] and [`super::render_markdown`]. A section written here appears in
//! both renderings; what differs between them is markup only.
//!
//! Text in the model is plain (unescaped): each renderer escapes it for its format, so no text
//! from data or users can reach HTML or Markdown as markup.

use crate::session::criteria::Outcome;

/// A whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The title (the session's, or a generic one).
    pub title: String,
    /// The line above the title (`Fulcrum decision report`).
    pub kicker: String,
    /// The verdicts at the top: criteria, sign-off, data.
    pub verdicts: Vec<Verdict>,
    /// A warning shown above everything else, when the numbers need one to be read right.
    pub warning: Option<Text>,
    /// Key facts under the verdicts.
    pub facts: Vec<Fact>,
    /// The numbered sections.
    pub sections: Vec<Section>,
    /// Paragraphs at the end (provenance).
    pub footer: Vec<Text>,
}

/// A verdict box: what was judged, the outcome and its one-line explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Pass, fail or undefined (colours the box).
    pub outcome: Outcome,
    /// What is judged (`Acceptance criteria`).
    pub what: String,
    /// The verdict in words.
    pub text: String,
}

/// A term and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// The term.
    pub term: String,
    /// Its value.
    pub value: Text,
}

impl Fact {
    /// A fact whose value is plain text.
    pub fn plain(term: &str, value: impl Into<String>) -> Self {
        Self {
            term: term.to_owned(),
            value: Text::plain(value),
        }
    }

    /// A fact whose value is code (a file, a column, a hash).
    pub fn code(term: &str, value: impl Into<String>) -> Self {
        Self {
            term: term.to_owned(),
            value: Text::code(value),
        }
    }
}

/// One numbered section.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The anchor (`criteria`).
    pub id: &'static str,
    /// The heading, numbered by the renderer.
    pub title: String,
    /// Whether printing starts it on a new page.
    pub new_page: bool,
    /// Its content.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(id: &'static str, title: &str) -> Self {
        Self {
            id,
            title: title.to_owned(),
            new_page: false,
            blocks: Vec::new(),
        }
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }
}

/// A piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Text),
    /// A muted paragraph (nothing recorded, not computed).
    Note(Text),
    /// A paragraph that must not be missed.
    Warning(Text),
    /// A sub-heading.
    Heading(String),
    /// Terms and values.
    Facts(Vec<Fact>),
    /// A bulleted list.
    List(Vec<Text>),
    /// Quoted paragraphs, each a list of lines (the rationale, as the user wrote it).
    Quote(Vec<Vec<String>>),
    /// A table.
    Table(Table),
    /// A chart (inline SVG, already escaped by [`super::svg`]) with its caption; Markdown has no
    /// charts and says where to find it.
    Figure {
        /// The SVG element.
        svg: String,
        /// What the chart shows.
        caption: String,
    },
}

/// A table with a header row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row of cells.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row {
            cells,
            total: false,
        });
    }

    /// Appends a total row (set apart, in bold).
    pub fn total_row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row { cells, total: true });
    }
}

/// A column: its title, an optional second title line, and whether it holds numbers (right
/// aligned).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The title.
    pub title: String,
    /// A second, smaller title line.
    pub detail: Option<String>,
    /// Right-aligned numbers.
    pub numeric: bool,
}

impl Column {
    /// A text column.
    pub fn text(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            detail: None,
            numeric: false,
        }
    }

    /// A numeric column.
    pub fn number(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            detail: None,
            numeric: true,
        }
    }
}

/// A row of cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// One per column.
    pub cells: Vec<Cell>,
    /// A total row (`Overall`).
    pub total: bool,
}

/// A cell: its text and an optional detail under it (an interval, a share).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The value.
    pub text: Text,
    /// A smaller second line.
    pub detail: Option<Text>,
}

impl Cell {
    /// A cell of plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        Text::plain(text).into()
    }

    /// A cell with a detail line.
    pub fn with_detail(text: impl Into<Text>, detail: impl Into<Text>) -> Self {
        Self {
            text: text.into(),
            detail: Some(detail.into()),
        }
    }
}

impl From<Text> for Cell {
    fn from(text: Text) -> Self {
        Self { text, detail: None }
    }
}

/// Inline text: a run of spans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Text(pub Vec<Span>);

impl Text {
    /// Plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        Self(vec![Span::Plain(text.into())])
    }

    /// Code.
    pub fn code(text: impl Into<String>) -> Self {
        Self(vec![Span::Code(text.into())])
    }

    /// Bold text.
    pub fn strong(text: impl Into<String>) -> Self {
        Self(vec![Span::Strong(text.into())])
    }

    /// A value outside its acceptable band (marked in red, or bold in Markdown).
    pub fn flagged(text: impl Into<String>) -> Self {
        Self(vec![Span::Flagged(text.into())])
    }

    /// An outcome badge.
    pub fn badge(outcome: Outcome) -> Self {
        Self(vec![Span::Badge(outcome)])
    }

    /// Appends a span.
    #[must_use]
    pub fn then(mut self, span: Span) -> Self {
        self.0.push(span);
        self
    }

    /// Appends plain text.
    #[must_use]
    pub fn and(self, text: impl Into<String>) -> Self {
        self.then(Span::Plain(text.into()))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self::plain(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::plain(text)
    }
}

/// A piece of inline text.
#[derive(Clone, Debug, PartialEq)]
pub enum Span {
    /// Plain text.
    Plain(String),
    /// Code (names of columns, criteria, files).
    Code(String),
    /// Bold.
    Strong(String),
    /// Italic.
    Emphasis(String),
    /// A value outside its acceptable band.
    Flagged(String),
    /// An outcome badge (`PASS`).
    Badge(Outcome),
    /// A badge coloured by an outcome with its own text (`Approved`).
    Tag(Outcome, String),
    /// A line break.
    Break,
}
