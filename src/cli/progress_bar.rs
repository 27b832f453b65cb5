//! A progress spinner on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Progress;

/// Shows each stage of a long job on stderr.
pub struct CliProgress {
    bar: Option<ProgressBar>,
}

impl CliProgress {
    /// A spinner when stderr is a terminal; silent otherwise (pipes, CI logs).
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self { bar }
    }

    /// Clears the spinner.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for CliProgress {
    fn stage(&self, description: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(description.to_owned());
        }
    }
}
