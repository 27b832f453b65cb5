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
    /// Lighter drawing for software rendering (virtual machines, remote desktops, where a CPU
    /// rasterizes every pixel of every frame): panels and plots leave their backgrounds to the
    /// window's clear colour instead of shading them again, and nothing animates. `None`: on
    /// exactly when the window renders in software.
    pub light_drawing: Option<bool>,
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

    /// Applies theme, zoom and drawing weight to the context. `software` says whether the
    /// window renders without a GPU (it decides [`Settings::light_drawing`] when that is
    /// `None`).
    pub fn apply(&self, ctx: &egui::Context, software: bool) {
        ctx.set_theme(match self.theme {
            Theme::Dark => egui::ThemePreference::Dark,
            Theme::Light => egui::ThemePreference::Light,
        });
        let zoom = if self.presentation { 1.5 } else { 1.0 };
        if (ctx.zoom_factor() - zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(zoom);
        }
        let light = self.light_drawing.unwrap_or(software);
        if light_drawing(ctx) == light {
            return;
        }
        ctx.data_mut(|data| data.insert_temp(light_drawing_id(), light));
        for (theme, visuals) in [
            (egui::Theme::Dark, egui::Visuals::dark()),
            (egui::Theme::Light, egui::Visuals::light()),
        ] {
            ctx.style_mut_of(theme, |style| {
                // The clear colour is the panels' colour (FulcrumApp::clear_color): a panel
                // that paints it again costs a full-screen pass on a CPU rasterizer.
                style.visuals.panel_fill = if light {
                    egui::Color32::TRANSPARENT
                } else {
                    visuals.panel_fill
                };
                style.animation_time = if light { 0.0 } else { DEFAULT_ANIMATION_TIME };
                style.spacing.scroll = if light {
                    egui::style::ScrollStyle::solid()
                } else {
                    egui::style::ScrollStyle::default()
                };
            });
        }
    }
}

/// egui's default animation time, restored when light drawing is turned off.
const DEFAULT_ANIMATION_TIME: f32 = 0.2;

fn light_drawing_id() -> egui::Id {
    egui::Id::unique("fulcrum-light-drawing")
}

/// Whether the window draws light (see [`Settings::light_drawing`]): plots then leave out their
/// background.
pub fn light_drawing(ctx: &egui::Context) -> bool {
    ctx.data(|data| data.get_temp(light_drawing_id()))
        .unwrap_or(false)
}

/// The colour the window is cleared to each frame: the theme's panel colour, which panels then
/// need not paint (see [`Settings::light_drawing`]).
pub fn clear_color(theme: Theme) -> egui::Color32 {
    match theme {
        Theme::Dark => egui::Visuals::dark().panel_fill,
        Theme::Light => egui::Visuals::light().panel_fill,
    }
}

impl Settings {
    /// Whether drawing is light, given whether the window renders in software.
    pub fn is_light(&self, software: bool) -> bool {
        self.light_drawing.unwrap_or(software)
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
