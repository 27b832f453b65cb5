//! Saving a plot as PNG: a screenshot of the next frame, cropped to the plot, written atomically.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A pending "save plot as PNG".
#[derive(Default)]
pub struct PngExport {
    pending: Option<Pending>,
}

struct Pending {
    path: PathBuf,
    rect: egui::Rect,
    image: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
}

impl PngExport {
    /// A small "PNG" button in the corner of a plot cell.
    pub fn button_ui(&mut self, ui: &mut egui::Ui, rect: egui::Rect, name: &str) {
        let button = egui::Rect::from_min_size(
            egui::pos2(rect.right() - 44.0, rect.top()),
            egui::vec2(42.0, 18.0),
        );
        let response = ui
            .put(
                button,
                egui::Button::new(egui::RichText::new("PNG").small()),
            )
            .on_hover_text("Save this plot as a PNG image");
        if response.clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("PNG image", &["png"])
                .set_file_name(format!("fulcrum-{name}.png"))
                .save_file()
        {
            let image = Arc::new(Mutex::new(None));
            let sink = Arc::clone(&image);
            let ctx = ui.ctx().clone();
            ui.ctx().request_screenshot(move |shot| {
                if let Ok(mut slot) = sink.lock() {
                    *slot = Some(shot);
                }
                ctx.request_repaint();
            });
            self.pending = Some(Pending { path, rect, image });
        }
    }

    /// Writes the PNG once the screenshot has arrived.
    pub fn poll(&mut self, ctx: &egui::Context, errors: &mut Vec<super::error::AppError>) {
        let Some(pending) = &self.pending else {
            return;
        };
        let Some(image) = pending.image.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        let scale = ctx.pixels_per_point();
        let region = image.region(&pending.rect, Some(scale));
        if let Err(message) = write_png(&pending.path, &region) {
            errors.push(super::error::AppError::Write {
                path: pending.path.clone(),
                problem: format!("cannot save the image: {message}"),
            });
        }
        self.pending = None;
    }
}

/// Encodes an image as PNG and writes it atomically.
pub fn write_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let [width, height] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(egui::Color32::to_array)
        .collect();
    let mut buffer = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut buffer, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    }
    crate::atomic::write_atomically(path, &buffer).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_is_written_with_the_image_size() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("plot.png");
        let image = egui::ColorImage::new([3, 2], vec![egui::Color32::RED; 6]);
        write_png(&path, &image).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height as big-endian u32 after the chunk header.
        assert_eq!(&bytes[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
    }
}
