//! Fulcrum: a what-if explorer for decision thresholds and fairness.
//!
//! Layout: [`data`] loads files (the only module using polars) into an [`engine::Dataset`];
//! [`engine`] computes every number; [`optimize`] searches thresholds; [`session`] and [`report`]
//! record decisions; `app` (the `gui` feature) and [`cli`] are the two front ends.

pub mod aggregate;
pub mod analysis;
#[cfg(feature = "gui")]
pub mod app;
pub mod atomic;
pub mod cli;
pub mod data;
pub mod engine;
pub mod json_text;
pub mod optimize;
pub mod progress;
pub mod report;
pub mod session;
