//! Progress reporting and cancellation for long jobs (loading, indexing, frontiers), shared by the
//! CLI's progress bar and the window's progress display.

use std::sync::atomic::{AtomicBool, Ordering};

/// Receives progress from a long job and may ask it to stop.
pub trait Progress: Send + Sync {
    /// A new stage began (`"reading data.parquet"`, `"sorting 10,000,000 rows"`).
    fn stage(&self, description: &str);

    /// Fraction of the current stage done, in [0, 1], for jobs that know it.
    fn fraction(&self, _done: f64) {}

    /// Whether the job should stop at the next opportunity.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere: for tests and quiet runs.
#[derive(Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _description: &str) {}
}

/// A cancel flag that a UI can set while a background job polls it.
#[derive(Debug, Default)]
pub struct CancelFlag(AtomicBool);

impl CancelFlag {
    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
