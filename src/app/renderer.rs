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
    /// chose otherwise). `None` where the adapters are not looked at (outside Linux).
    pub software: Option<bool>,
}

/// What the adapters wgpu finds say, on Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Probe {
    /// There are adapters, and every one of them renders on the CPU.
    software: bool,
    /// An OpenGL adapter exists (so eframe's OpenGL renderer can open a context).
    opengl: bool,
}

/// Chooses the renderer: `FULCRUM_RENDERER` when it is set, otherwise glow on Linux when every
/// adapter wgpu finds is a CPU one (Mesa's lavapipe/llvmpipe) and OpenGL is there, otherwise
/// wgpu. Whether the window renders in software is looked up either way, so that a forced
/// renderer still draws light without a GPU.
///
/// # Errors
/// `FULCRUM_RENDERER` set to something other than `wgpu` or `glow`.
pub fn choose() -> Result<RendererChoice, String> {
    let forced = match std::env::var(RENDERER_VARIABLE) {
        Ok(value) => Some(forced(&value)?),
        Err(_) => None,
    };
    let probe = probe();
    let automatic = if probe.is_some_and(|p| p.software && p.opengl) {
        eframe::Renderer::Glow
    } else {
        eframe::Renderer::Wgpu
    };
    Ok(RendererChoice {
        renderer: forced.unwrap_or(automatic),
        software: probe.map(|p| p.software),
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

/// On Linux: whether wgpu finds adapters and every one renders on the CPU (looking with the
/// backends eframe's wgpu renderer would use; `WGPU_BACKEND` is honoured), and whether an OpenGL
/// adapter exists. Elsewhere `None`: there is no Mesa rasterizer to avoid.
fn probe() -> Option<Probe> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let adapters = |backends: Option<wgpu::Backends>| {
        let mut descriptor = WgpuSetupCreateNew::without_display_handle().instance_descriptor;
        if let Some(backends) = backends {
            descriptor.backends = backends;
        }
        let backends = descriptor.backends;
        let instance = wgpu::Instance::new(descriptor);
        pollster::block_on(instance.enumerate_adapters(backends))
    };
    let found = adapters(None);
    let software = !found.is_empty()
        && found
            .iter()
            .all(|adapter| adapter.get_info().device_type == wgpu::DeviceType::Cpu);
    let opengl = software
        && (found
            .iter()
            .any(|adapter| adapter.get_info().backend == wgpu::Backend::Gl)
            || !adapters(Some(wgpu::Backends::GL)).is_empty());
    Some(Probe { software, opengl })
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
