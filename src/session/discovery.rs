//! What the sign-off report shows about the data before any threshold: the data profile per
//! group of the session's grouping and the columns that proxy for its grouping attributes.
//! The numbers are `fulcrum profile`'s and `fulcrum proxies`' (`engine::profile`,
//! `engine::proxies`, read by `data::discovery`), computed on the rows the evaluation loaded.

use crate::analysis::{Analysis, DataSummary};
use crate::data::discovery::{ColumnTable, load_discovery_columns};
use crate::engine::SortedDataset;
use crate::engine::grouping::AttributeGrouping;
use crate::engine::profile::{DataProfile, ProfileSettings, profile};
use crate::engine::proxies::{
    DEFAULT_PROXY_BINS, Proxy, ProxySettings, candidate_column, find_proxies, protected_column,
};
use crate::progress::Progress;

use super::Session;

/// Proxies listed in the report's section (the JSON report lists every pair).
pub const REPORT_TOP_PROXIES: usize = 10;

/// The proxies found for a session's grouping attributes, with how they were measured.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyFindings {
    /// The protected attributes: the session's grouping attributes.
    pub protected: Vec<String>,
    /// Every candidate column (every column of the file but the protected ones and the weight).
    pub columns: Vec<String>,
    /// The score columns among them (the session's models), marked in the report.
    pub scores: Vec<String>,
    /// Every (candidate, protected) pair, strongest first ([`find_proxies`]).
    pub proxies: Vec<Proxy>,
    /// How they were measured and tested (`fulcrum proxies`' defaults).
    pub settings: ProxySettings,
    /// Quantile bins of numeric candidates.
    pub numeric_bins: usize,
    /// Columns that hold lists or bytes, left out.
    pub skipped: Vec<String>,
    /// Rows read.
    pub rows_read: usize,
}

/// The report's discovery sections: each a result or why it could not be computed (the report
/// is still written, saying so).
#[derive(Clone, Debug, PartialEq)]
pub struct SessionDiscovery {
    /// The data profile per group of the session's grouping (every row of the file evaluated).
    pub profile: Result<DataProfile, String>,
    /// The settings the profile flags with.
    pub profile_settings: ProfileSettings,
    /// The proxies for the session's grouping attributes; `None` when the session groups by no
    /// attribute.
    pub proxies: Option<Result<ProxyFindings, String>>,
}

impl Session {
    /// The profile and proxies of the data `analysis` loaded (the decision's model's scores),
    /// as `fulcrum profile` and `fulcrum proxies` compute them on the same file and grouping.
    pub fn discover(&self, analysis: &Analysis, progress: &dyn Progress) -> SessionDiscovery {
        let model = analysis
            .models
            .get(self.decision_model())
            .map_or(&analysis.sorted, |m| &m.sorted);
        discover(self, &analysis.data, model, progress)
    }
}

/// [`Session::discover`] on the pieces of a loaded analysis: the file's summary (path, roles,
/// rows dropped) and the decision's model's sorted rows (the window passes its own). The file's
/// other columns are read once, for both.
pub fn discover(
    session: &Session,
    data: &DataSummary,
    sorted: &SortedDataset,
    progress: &dyn Progress,
) -> SessionDiscovery {
    let profile_settings = ProfileSettings {
        min_count: session.min_count,
        ..ProfileSettings::default()
    };
    progress.stage("reading the other columns");
    let read = load_discovery_columns(
        &data.path,
        &data.roles,
        data.rows_read,
        &data.dropped.rows,
        progress,
    );
    let (table, missing) = match read {
        Ok(read) => read,
        Err(error) => {
            let message = error.to_string();
            return SessionDiscovery {
                profile: Err(message.clone()),
                profile_settings,
                proxies: (!session.grouping.attributes.is_empty()).then_some(Err(message)),
            };
        }
    };
    progress.stage("profiling the groups");
    let expected = session.expected_shares();
    let profile = profile(
        sorted,
        &session.grouping,
        &data.dropped,
        &missing,
        expected.as_ref(),
        &profile_settings,
    )
    .map_err(|e| e.to_string());
    let proxies =
        (!session.grouping.attributes.is_empty()).then(|| proxies_of(session, &table, progress));
    SessionDiscovery {
        profile,
        profile_settings,
        proxies,
    }
}

/// Every other column of the file against each grouping attribute (binned as the session bins
/// it), as `fulcrum proxies --protected ATTRIBUTES --score SCORE` measures them.
fn proxies_of(
    session: &Session,
    table: &ColumnTable,
    progress: &dyn Progress,
) -> Result<ProxyFindings, String> {
    progress.stage("measuring proxies");
    let weights = table.weights.as_deref();
    let protected: Vec<String> = session
        .grouping
        .attributes
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let protected_columns = session
        .grouping
        .attributes
        .iter()
        .map(|grouping| {
            let attribute = table
                .columns
                .iter()
                .find(|c| c.name == grouping.name)
                .ok_or_else(|| format!("no column `{}` in the file", grouping.name))?;
            let grouping = AttributeGrouping {
                binning: grouping.binning.clone(),
                ..AttributeGrouping::new(&grouping.name)
            };
            protected_column(attribute, &grouping, weights)
                .map_err(|e| format!("`{}`: {e}", grouping.name))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let candidates: Vec<_> = table
        .columns
        .iter()
        .filter(|c| !protected.contains(&c.name))
        .map(|c| candidate_column(c, DEFAULT_PROXY_BINS, weights))
        .collect();
    let settings = ProxySettings::default();
    let proxies = find_proxies(&candidates, &protected_columns, weights, &settings);
    let columns: Vec<String> = candidates.iter().map(|c| c.coded.name.clone()).collect();
    let scores = session
        .models()
        .into_iter()
        .map(|m| m.score)
        .filter(|s| columns.contains(s))
        .collect();
    Ok(ProxyFindings {
        protected,
        columns,
        scores,
        proxies,
        settings,
        numeric_bins: DEFAULT_PROXY_BINS,
        skipped: table.skipped.clone(),
        rows_read: table.rows,
    })
}
