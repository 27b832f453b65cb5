//! Printers over engine results: the audit as JSON (a stable, documented schema), CSV and an
//! aligned text table. Machines and humans get separate printers over the same [`Audit`].
//!
//! [`Audit`]: crate::engine::Audit

mod audit_json;
mod audit_table;
pub mod format;

pub use audit_json::{AuditSettings, audit_csv, audit_json, group_json};
pub use audit_table::audit_table;
