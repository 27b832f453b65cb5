//! Group colors: Paul Tol's colorblind-safe "muted" palette, one color per group in every plot.
//! Past ten groups colors repeat, and plots tell repeats apart by line style.

use egui::Color32;

/// Tol's muted qualitative palette (colorblind-safe), in his recommended order.
const MUTED: [Color32; 10] = [
    Color32::from_rgb(0x33, 0x22, 0x88), // indigo
    Color32::from_rgb(0x88, 0xCC, 0xEE), // cyan
    Color32::from_rgb(0x44, 0xAA, 0x99), // teal
    Color32::from_rgb(0x11, 0x77, 0x33), // green
    Color32::from_rgb(0x99, 0x99, 0x33), // olive
    Color32::from_rgb(0xDD, 0xCC, 0x77), // sand
    Color32::from_rgb(0xCC, 0x66, 0x77), // rose
    Color32::from_rgb(0x88, 0x22, 0x55), // wine
    Color32::from_rgb(0xAA, 0x44, 0x99), // purple
    Color32::from_rgb(0x66, 0x66, 0x66), // grey
];

/// The color of group `index`.
pub fn group_color(index: usize) -> Color32 {
    MUTED
        .get(index % MUTED.len())
        .copied()
        .unwrap_or(Color32::GRAY)
}

/// Whether group `index` repeats an earlier group's color (then plots draw it dashed).
pub fn repeats_color(index: usize) -> bool {
    index >= MUTED.len()
}

/// A warning color readable on light and dark backgrounds.
pub const WARNING: Color32 = Color32::from_rgb(0xCC, 0x33, 0x11);

/// Marks for passing checks.
pub const PASS: Color32 = Color32::from_rgb(0x11, 0x88, 0x44);
