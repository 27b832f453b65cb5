//! Choosing and writing a session report: one entry point for the CLI and the window.

use std::path::Path;

use super::render_html::render_html;
use super::render_markdown::render_markdown;
use super::session_content::session_document;
use super::session_json;
use crate::session::{Session, SessionEvaluation};

/// The formats of a session's sign-off report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionReportFormat {
    /// One self-contained HTML page (inline CSS and SVG, prints to PDF).
    Html,
    /// Markdown with GitHub-flavoured tables.
    Markdown,
    /// JSON with every audit.
    Json,
}

impl SessionReportFormat {
    /// Every format, for menus.
    pub const ALL: [SessionReportFormat; 3] = [
        SessionReportFormat::Html,
        SessionReportFormat::Markdown,
        SessionReportFormat::Json,
    ];

    /// The format a file name asks for: `.html`/`.htm`, `.md`/`.markdown`, `.json`.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "html" | "htm" => Some(SessionReportFormat::Html),
            "md" | "markdown" => Some(SessionReportFormat::Markdown),
            "json" => Some(SessionReportFormat::Json),
            _ => None,
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            SessionReportFormat::Html => "html",
            SessionReportFormat::Markdown => "md",
            SessionReportFormat::Json => "json",
        }
    }

    /// The report's text.
    pub fn render(self, session: &Session, evaluation: &SessionEvaluation) -> String {
        match self {
            SessionReportFormat::Html => render_html(&session_document(session, evaluation)),
            SessionReportFormat::Markdown => {
                render_markdown(&session_document(session, evaluation))
            }
            SessionReportFormat::Json => {
                super::format::json_document(session_json(session, evaluation))
            }
        }
    }
}

/// Renders the report and writes it to `path` atomically (never a half-written file).
pub fn write_session_report(
    path: &Path,
    format: SessionReportFormat,
    session: &Session,
    evaluation: &SessionEvaluation,
) -> std::io::Result<()> {
    crate::atomic::write_atomically(path, format.render(session, evaluation).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            SessionReportFormat::from_path(Path::new("r.HTML")),
            Some(SessionReportFormat::Html)
        );
        assert_eq!(
            SessionReportFormat::from_path(Path::new("r.md")),
            Some(SessionReportFormat::Markdown)
        );
        assert_eq!(SessionReportFormat::from_path(Path::new("r.pdf")), None);
        assert_eq!(SessionReportFormat::from_path(Path::new("report")), None);
    }
}
