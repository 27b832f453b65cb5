//! Printers over engine results: the audit as JSON (a stable, documented schema), CSV and an
//! aligned text table; a session's sign-off report as HTML, Markdown and JSON; `check` results.
//! Machines and humans get separate printers over the same [`Audit`] or [`SessionEvaluation`].
//!
//! [`Audit`]: crate::engine::Audit
//! [`SessionEvaluation`]: crate::session::SessionEvaluation

pub mod audit_json;
mod audit_table;
pub mod bias_audit;
mod check;
pub mod context_content;
pub mod discovery;
mod discovery_content;
pub mod document;
pub mod format;
pub mod markup;
pub mod model_comparison;
mod render_html;
mod render_markdown;
pub mod schema;
mod session_content;
mod session_json;
mod session_report;
pub mod session_text;
pub mod svg;

pub use audit_json::{
    AuditSettings, audit_csv, audit_csv_long, audit_json, group_json, score_rounding_json,
};
pub use audit_table::audit_table;
pub use check::{GroupCoverage, check_json, check_junit, check_table};
pub use render_html::render_html;
pub use render_markdown::render_markdown;
pub use session_content::{report_title, session_document};
pub use session_json::{criteria_json, drift_json, session_json};
pub use session_report::{SessionReportFormat, write_session_report};
pub use session_text::measured_with_group;
