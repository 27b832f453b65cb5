//! The engine: pure, fast computation of per-group confusion counts, metrics, intervals and
//! disparities. No I/O, no GUI, no polars: it takes owned columns ([`Dataset`]) and answers
//! threshold questions by binary search over per-group cumulative counts.

pub mod adverse_impact;
pub mod audit;
pub mod bias_audit;
pub mod calibration;
pub mod convention;
pub mod curves;
pub mod dataset;
pub mod grouping;
pub mod index;
pub mod intervals;
pub mod metrics;
pub mod models;
pub mod profile;
#[cfg(test)]
mod profile_properties;
#[cfg(test)]
mod properties;
pub mod proxies;
pub mod rounding;
pub mod slices;
pub mod split;
pub mod tally;
pub mod thresholds;
pub mod uncertainty;

pub use audit::{
    Audit, AuditOptions, FairnessSummary, GroupAudit, GroupHeading, MetricSummary, ReferenceChoice,
    audit, audit_groups,
};
pub use convention::Convention;
pub use dataset::{
    Attribute, AttributeValues, Dataset, DatasetError, DroppedRows, MAX_TOTAL_WEIGHT,
};
pub use grouping::{AttributeGrouping, Binning, GroupingError, GroupingSpec};
pub use index::{
    DecisionRule, Group, GroupIndex, HELD_OUT_PART, ScoreCurve, SortedDataset, SplitRows,
};
pub use metrics::{ConfusionCounts, Fraction, Metric, MetricValues};
pub use rounding::ScoreRounding;
pub use tally::{GroupedRows, RowGroup};
pub use thresholds::{ThresholdError, ThresholdMap};
pub use uncertainty::{AuditUncertainty, UncertaintySettings, audit_uncertainty};
