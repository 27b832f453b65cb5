//! What the window remembers between runs: theme, presentation mode and recent files. (egui
//! itself remembers panel sizes and window geometry.)

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Most recent files kept.
const MAX_RECENT: usize = 10;

/// Light or dark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Dark background.
    #[default]
    Dark,
    /// Light background (better on most projectors).
    Light,
}

/// Persisted preferences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Color theme.
    pub theme: Theme,
    /// Larger text for projectors.
    pub presentation: bool,
    /// Recently opened data files, newest first.
    pub recent_files: Vec<PathBuf>,
}

impl Settings {
    /// Records a file as most recently opened.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent_files.retain(|p| p != &path);
        self.recent_files.insert(0, path);
        self.recent_files.truncate(MAX_RECENT);
    }

    /// Applies theme and zoom to the context.
    pub fn apply(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.theme {
            Theme::Dark => egui::ThemePreference::Dark,
            Theme::Light => egui::ThemePreference::Light,
        });
        let zoom = if self.presentation { 1.5 } else { 1.0 };
        if (ctx.zoom_factor() - zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(zoom);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_and_newest_first() {
        let mut settings = Settings::default();
        for name in ["a", "b", "a"] {
            settings.remember(PathBuf::from(name));
        }
        assert_eq!(
            settings.recent_files,
            [PathBuf::from("a"), PathBuf::from("b")]
        );
    }
}
