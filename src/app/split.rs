//! The window's evaluation split: when the session holds rows out for evaluation, the fit and
//! held-out rows are indexed on a worker thread (one pass over the rows, once per data
//! generation and split), the optimizer works on the fit rows, and the criteria are judged on
//! the held-out rows. Derived state is keyed on [`SplitRows::version`], so a finished split
//! recomputes the audit once.

use std::sync::Arc;

use super::jobs::Job;
use super::workspace::Workspace;
use crate::engine::GroupIndex;
use crate::session::{EvaluationSplit, SplitIndexes};

/// What a split was computed for: the data generation and the split.
type SplitKey = (u64, EvaluationSplit);

/// The fit and held-out rows of the current data under the session's split.
pub struct SplitReady {
    key: SplitKey,
    /// The rows the thresholds are chosen on, scored by the current model.
    pub fit: Arc<GroupIndex>,
    /// The rows the criteria are judged on, scored by the current model.
    pub held_out: Arc<GroupIndex>,
    /// The same rows for every model, in order (a scenario of another model is judged on them).
    pub models: Arc<SplitIndexes>,
    /// Every model's fit rows, shared (the envelope across models is computed on them).
    pub fit_by_model: Vec<Arc<GroupIndex>>,
}

impl SplitReady {
    /// As the library's [`SplitIndexes`] (for reports).
    pub fn indexes(&self) -> SplitIndexes {
        (*self.models).clone()
    }

    /// Every model's held-out rows, in order.
    pub fn held_out_by_model(&self) -> Vec<&GroupIndex> {
        self.models.held_out.iter().collect()
    }
}

/// The split rows and the job working them out.
#[derive(Default)]
pub struct SplitRows {
    ready: Option<SplitReady>,
    job: Option<(SplitKey, Job<Result<SplitReady, String>>)>,
    /// A split that could not be made (not retried until the data or the split change).
    failed: Option<SplitKey>,
    /// Bumped whenever the rows in use change (keys derived state).
    version: u64,
}

impl SplitRows {
    /// Counts every change of the rows in use.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether the split is being worked out.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The split rows when they match `generation` and `wanted`.
    pub fn current(
        &self,
        generation: u64,
        wanted: Option<&EvaluationSplit>,
    ) -> Option<&SplitReady> {
        let wanted = wanted?;
        self.ready
            .as_ref()
            .filter(|r| r.key.0 == generation && &r.key.1 == wanted)
    }

    /// Follows the session's split: starts indexing the rows it names (a held-out share; another
    /// file is judged by `check` and the report, not live) and drops rows that no longer apply.
    /// Returns an error message from a finished job.
    pub fn follow(
        &mut self,
        generation: u64,
        wanted: Option<&EvaluationSplit>,
        workspace: Option<&Workspace>,
        ctx: Option<egui::Context>,
    ) -> Option<super::error::AppError> {
        let mut problem = None;
        if let Some(result) = self.job.as_ref().and_then(|(_, job)| job.poll()) {
            let key = self.job.take().map(|(k, _)| k);
            match result {
                Ok(Ok(ready)) => {
                    self.ready = Some(ready);
                    self.version += 1;
                }
                Ok(Err(message)) => {
                    problem = Some(super::error::AppError::step("evaluation rows", message));
                }
                Err(()) => {
                    problem = Some(super::error::AppError::Stopped {
                        what: "splitting the rows",
                    });
                }
            }
            if problem.is_some() {
                self.failed = key;
            }
        }
        let wanted = wanted.filter(|s| matches!(s, EvaluationSplit::Holdout { .. }));
        let Some(wanted) = wanted else {
            if self.ready.take().is_some() {
                self.version += 1;
            }
            return problem;
        };
        let key = (generation, wanted.clone());
        let current = self.ready.as_ref().is_some_and(|r| r.key == key);
        let running = self.job.as_ref().is_some_and(|(k, _)| *k == key);
        if current || running || self.failed.as_ref() == Some(&key) {
            return problem;
        }
        if self.job.is_some() {
            // One at a time (a share being dragged asks every frame): the latest split starts
            // when the running one finishes.
            return problem;
        }
        if self.ready.take().is_some() {
            self.version += 1;
        }
        let (Some(workspace), EvaluationSplit::Holdout { fraction, seed }) = (workspace, wanted)
        else {
            return problem;
        };
        let sorted: Vec<Arc<crate::engine::SortedDataset>> = workspace
            .models
            .iter()
            .map(|m| Arc::clone(&m.sorted))
            .collect();
        let current = workspace.current;
        let grouping = workspace.grouping.clone();
        let (fraction, seed) = (*fraction, *seed);
        let job_key = key.clone();
        self.job = Some((
            key,
            Job::spawn("holding out evaluation rows", ctx, move |_| {
                let sorted: Vec<&crate::engine::SortedDataset> =
                    sorted.iter().map(AsRef::as_ref).collect();
                let indexes = SplitIndexes::holdout(&sorted, &grouping, fraction, seed)
                    .map_err(|e| e.to_string())?;
                let (Some(fit), Some(held_out)) =
                    (indexes.fit_of(current), indexes.held_out_of(current))
                else {
                    return Err("no model to split".to_owned());
                };
                Ok(SplitReady {
                    key: job_key,
                    fit: Arc::new(fit.clone()),
                    held_out: Arc::new(held_out.clone()),
                    fit_by_model: indexes.fit.iter().cloned().map(Arc::new).collect(),
                    models: Arc::new(indexes),
                })
            }),
        ));
        problem
    }
}
