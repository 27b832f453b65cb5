//! The Discovery window: the data profile per group, the columns that proxy for a protected
//! attribute, and the worst slices at the thresholds on screen. Each runs on a worker thread with
//! its progress shown; a result remembers the data generation (and, for slices, the thresholds'
//! revision) it was computed for, and says so when the window has moved on. Clicking "Audit" on a
//! slice regroups the window by that slice's attributes (a [`Command::Regroup`]) and selects it.

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::RichText;

use super::jobs::{Job, JobProgress};
use super::state::Edit;
use super::workspace::Workspace;
use super::{Command, FulcrumApp};
use crate::data::discovery::{load_columns, missing_values};
use crate::engine::grouping::{AttributeGrouping, Binning, GroupingSpec, group_key};
use crate::engine::index::MERGED_KEY;
use crate::engine::profile::{DataProfile, ProfileSettings, profile};
use crate::engine::proxies::{
    Proxy, ProxySettings, candidate_column, find_proxies, protected_column,
};
use crate::engine::slices::{
    Direction, SliceReport, SliceSettings, decide_rows, search_slices, slice_cube,
};
use crate::engine::thresholds::ThresholdMap;
use crate::engine::{DecisionRule, Metric};
use crate::progress::Progress as _;

/// Quantile bins of a numeric attribute in the slice search.
const NUMERIC_SLICE_BINS: usize = 4;

/// Slices listed in the window.
const SLICES_SHOWN: usize = 25;

/// Metrics the slice search offers.
const SLICE_METRICS: [Metric; 6] = [
    Metric::Fpr,
    Metric::Fnr,
    Metric::Tpr,
    Metric::SelectionRate,
    Metric::Precision,
    Metric::Accuracy,
];

/// Which part of the window is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiscoveryTab {
    /// Who is in the data.
    #[default]
    Profile,
    /// Which columns stand in for a protected attribute.
    Proxies,
    /// Where the model fails.
    Slices,
}

/// A result with the key (data generation, revision) it was computed for.
struct Keyed<T> {
    key: (u64, u64),
    result: Result<T, String>,
}

/// A running job with the key it was started for.
type KeyedJob<T> = ((u64, u64), Job<Result<T, String>>);

/// The Discovery window's own state: its settings, jobs and results.
#[derive(Default)]
pub struct DiscoveryPanel {
    /// Whether the window is open.
    pub open: bool,
    /// The tab shown.
    pub tab: DiscoveryTab,
    profile_job: Option<KeyedJob<DataProfile>>,
    profile: Option<Keyed<DataProfile>>,
    proxies_job: Option<KeyedJob<Vec<Proxy>>>,
    proxies: Option<Keyed<Vec<Proxy>>>,
    slices_job: Option<KeyedJob<SliceReport>>,
    slices: Option<Keyed<SliceReport>>,
    /// The protected attribute proxies are measured against.
    protected: Option<String>,
    /// The attributes the slice search uses (by name; unset means the default choice).
    slice_attributes: BTreeMap<String, bool>,
    /// The metric compared.
    metric: Option<Metric>,
    /// Most attributes per slice.
    depth: usize,
    /// Slices need at least this weight (unset: the audit's minimum count).
    min_count: Option<f64>,
    /// A regrouping asked for by "Audit": once it is on screen, its group with this key is
    /// selected.
    pending_select: Option<(GroupingSpec, String)>,
}

impl DiscoveryPanel {
    /// Whether any of its jobs is running.
    pub fn is_busy(&self) -> bool {
        self.profile_job.is_some() || self.proxies_job.is_some() || self.slices_job.is_some()
    }

    /// The latest slice search, whatever it was computed for.
    pub fn slice_report(&self) -> Option<&SliceReport> {
        self.slices.as_ref().and_then(|s| s.result.as_ref().ok())
    }

    /// The latest profile.
    pub fn profile(&self) -> Option<&DataProfile> {
        self.profile.as_ref().and_then(|p| p.result.as_ref().ok())
    }

    /// The latest proxies.
    pub fn proxies(&self) -> Option<&[Proxy]> {
        self.proxies
            .as_ref()
            .and_then(|p| p.result.as_ref().ok())
            .map(Vec::as_slice)
    }

    /// Collects finished jobs.
    fn poll(&mut self) {
        fn finish<T: Send + 'static>(job: &mut Option<KeyedJob<T>>, into: &mut Option<Keyed<T>>) {
            let Some(result) = job.as_ref().and_then(|(_, j)| j.poll()) else {
                return;
            };
            let Some((key, _)) = job.take() else {
                return;
            };
            *into = Some(Keyed {
                key,
                result: result.unwrap_or_else(|()| Err("the job failed unexpectedly".to_owned())),
            });
        }
        finish(&mut self.profile_job, &mut self.profile);
        finish(&mut self.proxies_job, &mut self.proxies);
        finish(&mut self.slices_job, &mut self.slices);
    }

    /// Whether `attribute` takes part in the slice search (default: every categorical one).
    fn slices_by(&self, attribute: &super::workspace::AttributeInfo) -> bool {
        self.slice_attributes
            .get(&attribute.name)
            .copied()
            .unwrap_or(!attribute.numeric)
    }
}

/// What the window needs to know to start a job.
struct Inputs<'a> {
    workspace: &'a Workspace,
    thresholds: Vec<f64>,
    rule: DecisionRule,
    min_count: f64,
    key: (u64, u64),
    ctx: Option<egui::Context>,
}

impl FulcrumApp {
    /// The Discovery window, when open; polls its jobs and carries out its "Audit" clicks.
    pub(super) fn discovery_window_ui(&mut self, ctx: &egui::Context) {
        self.discovery.poll();
        self.select_pending_slice();
        if !self.discovery.open {
            return;
        }
        let Some(workspace) = self.workspace.as_ref() else {
            return;
        };
        let inputs = Inputs {
            workspace,
            thresholds: self.state.thresholds().values().to_vec(),
            rule: self.state.options().rule,
            min_count: self.state.options().min_count,
            key: (self.generation, self.state.revision()),
            ctx: self.ctx.clone(),
        };
        let mut open = self.discovery.open;
        let mut command = None;
        egui::Window::new("Discovery")
            .open(&mut open)
            .default_size([760.0, 560.0])
            .vscroll(false)
            .show(ctx, |ui| {
                command = discovery_ui(ui, &mut self.discovery, &inputs);
            });
        self.discovery.open = open;
        if let Some(command) = command {
            self.push(command);
        }
    }

    /// Selects the slice "Audit" asked for once its grouping is on screen.
    fn select_pending_slice(&mut self) {
        let Some((spec, key)) = &self.discovery.pending_select else {
            return;
        };
        let Some(workspace) = &self.workspace else {
            return;
        };
        if &workspace.grouping != spec || self.regroup_job.is_some() {
            return;
        }
        let group = workspace.index.position(key);
        self.discovery.pending_select = None;
        self.push(Edit::Select(group));
    }
}

fn discovery_ui(
    ui: &mut egui::Ui,
    panel: &mut DiscoveryPanel,
    inputs: &Inputs<'_>,
) -> Option<Command> {
    ui.horizontal(|ui| {
        ui.selectable_value(&mut panel.tab, DiscoveryTab::Profile, "Profile");
        ui.selectable_value(&mut panel.tab, DiscoveryTab::Proxies, "Proxies");
        ui.selectable_value(&mut panel.tab, DiscoveryTab::Slices, "Slices");
    });
    ui.separator();
    match panel.tab {
        DiscoveryTab::Profile => {
            profile_tab_ui(ui, panel, inputs);
            None
        }
        DiscoveryTab::Proxies => {
            proxies_tab_ui(ui, panel, inputs);
            None
        }
        DiscoveryTab::Slices => slices_tab_ui(ui, panel, inputs),
    }
}

/// A running job's stage with a spinner and a cancel button; true when cancelled.
fn progress_ui(ui: &mut egui::Ui, progress: &JobProgress) -> bool {
    let mut cancelled = false;
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(progress.stage_text());
        if ui.button("Cancel").clicked() {
            progress.cancel();
            cancelled = true;
        }
    });
    cancelled
}

/// A note when a result belongs to an earlier grouping or earlier thresholds.
fn stale_ui(ui: &mut egui::Ui, stale: bool, what: &str) {
    if stale {
        ui.label(
            RichText::new(format!(
                "Computed for {what} no longer on screen: run again."
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

fn profile_tab_ui(ui: &mut egui::Ui, panel: &mut DiscoveryPanel, inputs: &Inputs<'_>) {
    let workspace = inputs.workspace;
    ui.label(format!(
        "Per group of the current grouping ({}): who is in the data, what is missing, what was dropped.",
        if workspace.grouping.attributes.is_empty() {
            "everyone".to_owned()
        } else {
            workspace
                .grouping
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(" × ")
        }
    ));
    if let Some((_, job)) = &panel.profile_job {
        if progress_ui(ui, &job.progress) {
            panel.profile_job = None;
        }
    } else if ui.button("Run profile").clicked() {
        let sorted = Arc::clone(&workspace.sorted);
        let grouping = workspace.grouping.clone();
        let data = workspace.data.clone();
        let settings = ProfileSettings {
            min_count: inputs.min_count,
            ..ProfileSettings::default()
        };
        let job = Job::spawn("profile", inputs.ctx.clone(), move |progress| {
            progress.stage("reading the other columns' missing values");
            let missing = missing_values(
                &data.path,
                &data.roles,
                data.rows_read,
                &data.dropped.rows,
                progress,
            )
            .map_err(|e| e.to_string())?;
            progress.stage("profiling the groups");
            profile(&sorted, &grouping, &data.dropped, &missing, None, &settings)
                .map_err(|e| e.to_string())
        });
        panel.profile_job = Some(((inputs.key.0, 0), job));
    }
    let Some(result) = &panel.profile else {
        return;
    };
    stale_ui(ui, result.key.0 != inputs.key.0, "a grouping");
    match &result.result {
        Err(message) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        Ok(profile) => profile_grid_ui(ui, profile),
    }
}

fn profile_grid_ui(ui: &mut egui::Ui, profile: &DataProfile) {
    let with_missing: Vec<usize> = (0..profile.columns.len())
        .filter(|c| {
            profile
                .overall
                .missing
                .get(*c)
                .copied()
                .flatten()
                .is_some_and(|f| f > 0.0)
        })
        .collect();
    egui::ScrollArea::both()
        .id_salt("profile-scroll")
        .show(ui, |ui| {
            egui::Grid::new("profile-grid")
                .striped(true)
                .num_columns(9 + with_missing.len())
                .show(ui, |ui| {
                    for title in [
                        "group",
                        "n",
                        "share",
                        "base rate",
                        "dropped",
                        "mean",
                        "q1",
                        "median",
                        "q3",
                    ] {
                        ui.strong(title);
                    }
                    for c in &with_missing {
                        ui.strong(format!(
                            "missing {}",
                            profile.columns.get(*c).map_or("", String::as_str)
                        ));
                    }
                    ui.end_row();
                    for group in profile
                        .groups
                        .iter()
                        .chain(std::iter::once(&profile.overall))
                    {
                        let mut key = RichText::new(&group.key);
                        if group.small {
                            key = key.color(ui.visuals().warn_fg_color);
                        }
                        ui.label(key).on_hover_text(if group.small {
                            "small: under the minimum count"
                        } else {
                            ""
                        });
                        ui.label(crate::report::format::count(group.weight));
                        ui.label(number(Some(group.share), 3));
                        ui.label(number(group.base_rate, 3));
                        ui.label(group.dropped.to_string());
                        ui.label(number(group.score_mean, 3));
                        for q in 0..3 {
                            ui.label(number(group.score_quartiles.map(|v| v[q]), 3));
                        }
                        for c in &with_missing {
                            ui.label(number(group.missing.get(*c).copied().flatten(), 3));
                        }
                        ui.end_row();
                    }
                });
            if with_missing.is_empty() {
                ui.label(
                    RichText::new(format!(
                        "No missing values in the {} other columns.",
                        profile.columns.len()
                    ))
                    .weak(),
                );
            }
        });
}

fn proxies_tab_ui(ui: &mut egui::Ui, panel: &mut DiscoveryPanel, inputs: &Inputs<'_>) {
    let workspace = inputs.workspace;
    let categorical: Vec<&str> = workspace
        .attributes
        .iter()
        .filter(|a| !a.numeric)
        .map(|a| a.name.as_str())
        .collect();
    let default = workspace
        .grouping
        .attributes
        .first()
        .map(|a| a.name.clone())
        .or_else(|| categorical.first().map(|s| (*s).to_owned()));
    let protected = panel.protected.clone().or(default);
    ui.horizontal(|ui| {
        ui.label("Which columns stand in for");
        egui::ComboBox::from_id_salt("protected")
            .selected_text(protected.as_deref().unwrap_or("—"))
            .show_ui(ui, |ui| {
                for name in &categorical {
                    if ui
                        .selectable_label(protected.as_deref() == Some(*name), *name)
                        .clicked()
                    {
                        panel.protected = Some((*name).to_owned());
                    }
                }
            });
        ui.label("? Every column of the file, and the score.");
    });
    if let Some((_, job)) = &panel.proxies_job {
        if progress_ui(ui, &job.progress) {
            panel.proxies_job = None;
        }
    } else if let Some(protected) = protected
        && ui.button("Run proxies").clicked()
    {
        let data = workspace.data.clone();
        let job = Job::spawn("proxies", inputs.ctx.clone(), move |progress| {
            let table = load_columns(&data.path, None, data.roles.weight.as_deref(), progress)
                .map_err(|e| e.to_string())?;
            let weights = table.weights.as_deref();
            let attribute = table
                .columns
                .iter()
                .find(|c| c.name == protected)
                .ok_or_else(|| format!("no column `{protected}`"))?;
            let protected_column =
                protected_column(attribute, &AttributeGrouping::new(&protected), weights)
                    .map_err(|e| e.to_string())?;
            let candidates: Vec<_> = table
                .columns
                .iter()
                .filter(|c| c.name != protected)
                .map(|c| candidate_column(c, crate::engine::proxies::DEFAULT_PROXY_BINS, weights))
                .collect();
            progress.stage("measuring and testing");
            Ok(find_proxies(
                &candidates,
                &[protected_column],
                weights,
                &ProxySettings::default(),
            ))
        });
        panel.proxies_job = Some(((inputs.key.0, 0), job));
    }
    let Some(result) = &panel.proxies else {
        return;
    };
    match &result.result {
        Err(message) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        Ok(proxies) => {
            let score = &workspace.data.roles.score;
            egui::ScrollArea::vertical()
                .id_salt("proxies-scroll")
                .show(ui, |ui| {
                    egui::Grid::new("proxies-grid")
                        .striped(true)
                        .num_columns(6)
                        .show(ui, |ui| {
                            for title in ["column", "protected", "strength (V)", "95% interval", "p", "measure"] {
                                ui.strong(title);
                            }
                            ui.end_row();
                            for proxy in proxies {
                                let name = if &proxy.column == score {
                                    format!("{} (score)", proxy.column)
                                } else {
                                    proxy.column.clone()
                                };
                                ui.label(name);
                                ui.label(&proxy.protected);
                                let strength = proxy.strength.unwrap_or(0.0) as f32;
                                ui.add(
                                    egui::ProgressBar::new(strength)
                                        .desired_width(90.0)
                                        .text(number(proxy.strength, 3)),
                                );
                                ui.label(proxy.interval.map_or_else(String::new, |i| {
                                    format!("[{:.3}, {:.3}]", i.low, i.high)
                                }));
                                ui.label(number(proxy.p_value, 4));
                                ui.label(proxy.measure);
                                ui.end_row();
                            }
                        });
                    ui.label(
                        RichText::new(
                            "Bias-corrected Cramér's V (Bergsma 2013): 0 independent, 1 one column determines the other; numeric columns in 10 quantile bins; p from 999 permuted tables.",
                        )
                        .weak(),
                    );
                });
        }
    }
}

/// The attributes of the slice search, as a grouping (numeric ones in quantile bins).
fn search_spec(panel: &DiscoveryPanel, workspace: &Workspace) -> GroupingSpec {
    GroupingSpec {
        attributes: workspace
            .attributes
            .iter()
            .filter(|a| panel.slices_by(a))
            .map(|a| AttributeGrouping {
                binning: a.numeric.then_some(Binning::Quantiles {
                    bins: NUMERIC_SLICE_BINS,
                }),
                ..AttributeGrouping::new(&a.name)
            })
            .collect(),
        merge_below: None,
    }
}

fn slices_tab_ui(
    ui: &mut egui::Ui,
    panel: &mut DiscoveryPanel,
    inputs: &Inputs<'_>,
) -> Option<Command> {
    let workspace = inputs.workspace;
    let metric = panel.metric.unwrap_or(Metric::Fpr);
    if panel.depth == 0 {
        panel.depth = crate::engine::slices::MAX_DEPTH;
    }
    let mut min_count = panel.min_count.unwrap_or(inputs.min_count);
    ui.horizontal_wrapped(|ui| {
        ui.label("Slice by:");
        for attribute in &workspace.attributes {
            let mut on = panel.slices_by(attribute);
            let label = if attribute.numeric {
                format!("{} (q{NUMERIC_SLICE_BINS})", attribute.name)
            } else {
                attribute.name.clone()
            };
            if ui.checkbox(&mut on, label).changed() {
                panel.slice_attributes.insert(attribute.name.clone(), on);
            }
        }
    });
    ui.horizontal(|ui| {
        ui.label("metric");
        egui::ComboBox::from_id_salt("slice-metric")
            .selected_text(metric.label())
            .show_ui(ui, |ui| {
                for m in SLICE_METRICS {
                    if ui.selectable_label(m == metric, m.label()).clicked() {
                        panel.metric = Some(m);
                    }
                }
            });
        ui.label("depth");
        ui.add(egui::Slider::new(
            &mut panel.depth,
            1..=crate::engine::slices::MAX_DEPTH,
        ));
        ui.label("min. weight");
        if ui
            .add(egui::DragValue::new(&mut min_count).range(0.0..=f64::MAX))
            .changed()
        {
            panel.min_count = Some(min_count);
        }
    });
    let spec = search_spec(panel, workspace);
    if let Some((_, job)) = &panel.slices_job {
        if progress_ui(ui, &job.progress) {
            panel.slices_job = None;
        }
    } else if ui
        .add_enabled(
            !spec.attributes.is_empty(),
            egui::Button::new("Find the worst slices"),
        )
        .clicked()
    {
        let sorted = Arc::clone(&workspace.sorted);
        let index = Arc::clone(&workspace.index);
        let decision_spec = GroupingSpec {
            merge_below: None,
            ..workspace.grouping.clone()
        };
        let thresholds = inputs.thresholds.clone();
        let rule = inputs.rule;
        let settings = SliceSettings {
            metric,
            depth: panel.depth,
            min_count,
            confidence: crate::engine::intervals::DEFAULT_CONFIDENCE,
            direction: Direction::worse_for(metric),
            top: SLICES_SHOWN,
        };
        let job = Job::spawn("slices", inputs.ctx.clone(), move |progress| {
            progress.stage("deciding every row at the current thresholds");
            let (scores, labels, weights) = sorted.rows_in_original_order();
            // Each group's threshold by key; groups merged into "Other (small groups)" take
            // that group's.
            let mut map = ThresholdMap::default();
            for (group, threshold) in index.groups().iter().zip(&thresholds) {
                if group.key == MERGED_KEY {
                    map.default = Some(*threshold);
                } else {
                    map.by_group.insert(group.key.clone(), *threshold);
                }
            }
            let selected = decide_rows(
                sorted.attributes(),
                &scores,
                weights.as_deref(),
                &decision_spec,
                &map,
                rule,
            )
            .map_err(|e| e.to_string())?;
            if progress.is_cancelled() {
                return Err("cancelled".to_owned());
            }
            progress.stage("counting every combination of levels");
            let cube = slice_cube(
                sorted.attributes(),
                &spec,
                &labels,
                &selected,
                weights.as_deref(),
            )
            .map_err(|e| e.to_string())?;
            progress.stage("searching the slices");
            search_slices(&cube, &settings).map_err(|e| e.to_string())
        });
        panel.slices_job = Some((inputs.key, job));
    }
    let result = panel.slices.as_ref()?;
    stale_ui(ui, result.key != inputs.key, "thresholds or a grouping");
    let report = match &result.result {
        Err(message) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
            return None;
        }
        Ok(report) => report,
    };
    let mut command = None;
    ui.label(format!(
        "{} overall: {}. {} slices tested (Bonferroni); worse is {}; ranked by the end of the 95% simultaneous interval nearest 0.",
        report.settings.metric.label(),
        number(report.overall_value, 3),
        report.tested,
        report.settings.direction.key()
    ));
    egui::ScrollArea::vertical()
        .id_salt("slices-scroll")
        .show(ui, |ui| {
            egui::Grid::new("slices-grid")
                .striped(true)
                .num_columns(7)
                .show(ui, |ui| {
                    for title in ["slice", "n", "value", "rest", "gap", "interval", ""] {
                        ui.strong(title);
                    }
                    ui.end_row();
                    for slice in &report.slices {
                        let key = slice.key();
                        let label = if slice.significant() {
                            RichText::new(&key).strong()
                        } else {
                            RichText::new(&key)
                        };
                        ui.label(label);
                        ui.label(crate::report::format::count(slice.weight));
                        ui.label(format!("{:.3}", slice.value));
                        ui.label(format!("{:.3}", slice.rest_value));
                        ui.label(format!("{:+.3}", slice.deviation));
                        ui.label(format!(
                            "[{:+.3}, {:+.3}]",
                            slice.interval.low, slice.interval.high
                        ));
                        if ui
                            .button("Audit")
                            .on_hover_text(format!("Group the window by {key} and select it"))
                            .clicked()
                        {
                            let grouping = GroupingSpec {
                                attributes: slice
                                    .attributes
                                    .iter()
                                    .map(|(name, _)| AttributeGrouping {
                                        binning: workspace
                                            .attributes
                                            .iter()
                                            .find(|a| &a.name == name && a.numeric)
                                            .map(|_| Binning::Quantiles {
                                                bins: NUMERIC_SLICE_BINS,
                                            }),
                                        ..AttributeGrouping::new(name)
                                    })
                                    .collect(),
                                merge_below: None,
                            };
                            let levels: Vec<String> =
                                slice.attributes.iter().map(|(_, l)| l.clone()).collect();
                            panel.pending_select = Some((grouping.clone(), group_key(&levels)));
                            command = Some(Command::Regroup(grouping));
                        }
                        ui.end_row();
                    }
                });
        });
    command
}
