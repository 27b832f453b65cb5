//! Background jobs: loading, previewing and regrouping run on worker threads so the window never
//! freezes. Each job reports its stage, can be cancelled, and wakes the UI when done.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};

use crate::progress::Progress;

/// Progress shared between a worker and the UI.
#[derive(Default)]
pub struct JobProgress {
    stage: Mutex<String>,
    cancelled: AtomicBool,
    ctx: Option<egui::Context>,
}

impl JobProgress {
    /// The current stage description.
    pub fn stage_text(&self) -> String {
        self.stage.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Progress for JobProgress {
    fn stage(&self, description: &str) {
        if let Ok(mut stage) = self.stage.lock() {
            description.clone_into(&mut stage);
        }
        if let Some(ctx) = &self.ctx {
            ctx.request_repaint();
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// A job running on a worker thread, producing one `T`.
pub struct Job<T> {
    /// What the job does, for the progress display.
    pub label: String,
    /// Its progress and cancel flag.
    pub progress: Arc<JobProgress>,
    receiver: Receiver<T>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread; the UI is repainted when it finishes.
    pub fn spawn(
        label: impl Into<String>,
        ctx: Option<egui::Context>,
        work: impl FnOnce(&JobProgress) -> T + Send + 'static,
    ) -> Self {
        let progress = Arc::new(JobProgress {
            ctx: ctx.clone(),
            ..JobProgress::default()
        });
        let (sender, receiver) = channel();
        let worker_progress = Arc::clone(&progress);
        std::thread::spawn(move || {
            let output = work(&worker_progress);
            // The window may have dropped the job (cancelled, replaced): nobody to tell.
            sender.send(output).ok();
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
        Self {
            label: label.into(),
            progress,
            receiver,
        }
    }

    /// The result, once ready. `Some(Err(()))` if the worker died without one.
    pub fn poll(&self) -> Option<Result<T, ()>> {
        match self.receiver.try_recv() {
            Ok(output) => Some(Ok(output)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(())),
        }
    }
}
