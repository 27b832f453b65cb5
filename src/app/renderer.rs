//! Which of eframe's renderers draws the window: wgpu where there is a GPU, OpenGL (`egui_glow`)
//! where every adapter is a software one.
//!
//! Without a GPU (virtual machines, remote desktops, Xvfb) both renderers draw through Mesa's
//! software rasterizer, but not at the same cost. wgpu's egui shader (WGSL, with branches on
//! uniforms) runs llvmpipe's general shading path; `egui_glow`'s texture-times-colour shader runs
//! its fast linear path. On the sample at 1500×950 under Xvfb on 2 cores, the rasterizer's CPU per
//! mouse move over the plots is about 120 ms with wgpu (lavapipe) and about 30 ms with glow
//! (llvmpipe GL): the same pictures, four times cheaper (BENCHMARKS.md, "The window without a
//! GPU"). With a GPU, wgpu stays the renderer, as eframe chooses by default.
//!
//! `FULCRUM_RENDERER=wgpu` or `FULCRUM_RENDERER=glow` overrides the choice.

use eframe::egui_wgpu::{WgpuSetupCreateNew, wgpu};

/// The environment variable that overrides the choice of renderer.
pub const RENDERER_VARIABLE: &str = "FULCRUM_RENDERER";

/// The renderer the window opens with, and whether it draws on the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RendererChoice {
    /// eframe's renderer.
    pub renderer: eframe::Renderer,
    /// Every adapter found was a software one (the window then draws light unless the user
    /// chose otherwise). `None` when the choice was forced and no adapter was looked at.
    pub software: Option<bool>,
}

/// Chooses the renderer: `FULCRUM_RENDERER` when it is set, otherwise glow on Linux when every
/// adapter wgpu finds is a CPU one (Mesa's lavapipe/llvmpipe), otherwise wgpu.
///
/// # Errors
/// `FULCRUM_RENDERER` set to something other than `wgpu` or `glow`.
pub fn choose() -> Result<RendererChoice, String> {
    if let Ok(value) = std::env::var(RENDERER_VARIABLE) {
        return forced(&value).map(|renderer| RendererChoice {
            renderer,
            software: None,
        });
    }
    let software = only_software_adapters();
    let renderer = if software && cfg!(target_os = "linux") {
        eframe::Renderer::Glow
    } else {
        eframe::Renderer::Wgpu
    };
    Ok(RendererChoice {
        renderer,
        software: Some(software),
    })
}

/// The renderer a value of `FULCRUM_RENDERER` names.
fn forced(value: &str) -> Result<eframe::Renderer, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "wgpu" => Ok(eframe::Renderer::Wgpu),
        "glow" | "gl" | "opengl" => Ok(eframe::Renderer::Glow),
        other => Err(format!(
            "{RENDERER_VARIABLE} must be `wgpu` or `glow`, not `{}`",
            other.escape_debug()
        )),
    }
}

/// Whether wgpu finds adapters and every one of them renders on the CPU. It looks with the
/// backends eframe's wgpu renderer would use (`WGPU_BACKEND` is honoured). No adapter at all is
/// not "software": wgpu then reports its own error, as it would without this check.
fn only_software_adapters() -> bool {
    let descriptor = WgpuSetupCreateNew::without_display_handle().instance_descriptor;
    let backends = descriptor.backends;
    let instance = wgpu::Instance::new(descriptor);
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    !adapters.is_empty()
        && adapters
            .iter()
            .all(|adapter| adapter.get_info().device_type == wgpu::DeviceType::Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_names_a_renderer_or_is_refused() {
        assert_eq!(forced("wgpu"), Ok(eframe::Renderer::Wgpu));
        assert_eq!(forced(" GLOW "), Ok(eframe::Renderer::Glow));
        assert_eq!(forced("opengl"), Ok(eframe::Renderer::Glow));
        let refused = forced("vulkan\u{1b}[31m").unwrap_err();
        assert!(refused.contains("FULCRUM_RENDERER must be `wgpu` or `glow`"));
        assert!(!refused.contains('\u{1b}'), "{refused}");
    }
}
