//! Frame CPU time of the desktop app while panning and zooming, with the full-resolution
//! Natural Earth layers loaded (countries 549k and provinces 1.3M vertices; regions 258k).
//!
//!     CROSSBOUND_BENCH_DATA=../shared/data/bench cargo bench --bench frame
//!
//! The app runs in egui_kittest with the wgpu renderer (so the map takes its GPU path); each
//! frame's `step()` — the app's whole UI code and egui's layout and tessellation — is timed.
//! GPU execution is not included (see BENCHMARKS.md).

use crossbound::app::CrossboundApp;
use crossbound::model::LayerSpec;
use crossbound::project::Project;
use crossbound::study::Inputs;
use egui_kittest::Harness;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    // `cargo test --all-targets` runs bench binaries too (without `--bench`): skip the work there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("frame bench: run it with `cargo bench --bench frame`");
        return;
    }
    let dir = PathBuf::from(std::env::var("CROSSBOUND_BENCH_DATA").unwrap_or_else(|_| "../shared/data/bench".into()));
    let files =
        ["world_countries_full.geojson", "world_provinces_full.geojson", "world_geography_regions_full.geojson"];
    if files.iter().any(|f| !dir.join(f).exists()) {
        eprintln!(
            "frame bench skipped: put {files:?} in {} or set CROSSBOUND_BENCH_DATA (see BENCHMARKS.md)",
            dir.display()
        );
        return;
    }
    let project = Project::new(Inputs {
        admin: vec![LayerSpec::new(dir.join(files[0])), LayerSpec::new(dir.join(files[1]))],
        eco: vec![LayerSpec::new(dir.join(files[2]))],
        ..Default::default()
    });
    let mut h = Harness::builder().with_size([1400.0, 900.0]).wgpu().build_eframe(|cc| CrossboundApp::new(cc));
    h.state_mut().state.wait_for_job(); // the US demo started by default
    let t = Instant::now();
    let ctx = h.ctx.clone();
    h.state_mut().state.load(&ctx, project);
    assert!(h.state_mut().state.wait_for_job(), "{:?}", h.state().state.messages);
    let load_s = t.elapsed().as_secs_f64();
    h.state_mut().state.set_level(1);
    h.run_steps(5);
    let _ = h.render(); // upload the meshes once
    let centre = egui::pos2(700.0, 450.0);
    let mut frames = Vec::new();
    let mut map_ms = Vec::new();
    h.event(egui::Event::PointerMoved(centre));
    h.event(egui::Event::PointerButton {
        pos: centre,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    for i in 0..240 {
        let phase = i as f32 / 240.0 * std::f32::consts::TAU;
        let p = centre + egui::vec2(200.0 * phase.cos(), 120.0 * phase.sin());
        h.event(egui::Event::PointerMoved(p));
        if i % 40 == 20 {
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, if i < 120 { 120.0 } else { -120.0 }),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: Default::default(),
            });
        }
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed().as_secs_f64() * 1e3);
        map_ms.push(h.state().map.frame_ms as f64);
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (mean, v[v.len() * 95 / 100], v[v.len() - 1])
    };
    let (m, p95, max) = stats(&mut frames);
    let (mm, mp95, mmax) = stats(&mut map_ms);
    let l = h.state().state.loaded.as_ref().unwrap();
    let verts: usize = l.study.hierarchy.levels.iter().map(|x| x.indexed.layer.vertex_count()).sum::<usize>()
        + l.study.eco.iter().map(|e| e.layer.vertex_count()).sum::<usize>();
    println!("loaded {verts} vertices (admin + zones) in {load_s:.1} s (study + triangulation, background thread)");
    println!("frame CPU time while panning/zooming, 240 frames: mean {m:.2} ms, p95 {p95:.2} ms, max {max:.2} ms");
    println!("  of which the map widget: mean {mm:.2} ms, p95 {mp95:.2} ms, max {mmax:.2} ms");
}
