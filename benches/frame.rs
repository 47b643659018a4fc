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

    // MSAA's cost, offscreen through the map's own pipeline (here on Mesa's lavapipe, a CPU
    // rasteriser: a proxy for the GPU's fill cost, not a real-GPU time).
    for samples in [1, 4] {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let r = h.state_mut().render_map_image_with(&ctx, 1.0, samples);
            assert!(matches!(r, Some(Ok(_))), "offscreen render");
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("offscreen map render at screen size, {samples}x MSAA: best of 3 {best:.0} ms");
    }

    // Hostile input: a big layer (CROSSBOUND_BIG_LAYER, default the 1.2M-hexagon grid that
    // bench/run.sh writes, 335 MB) added while the world is shown. The UI keeps drawing while it
    // loads on a worker thread; then Cancel, and the loaded session stays.
    let big = std::env::var_os("CROSSBOUND_BIG_LAYER")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("target/bench-out/hex_0.25.geojson")).filter(|p| p.exists()));
    let Some(big) = big else {
        println!(
            "big-layer phase skipped: no CROSSBOUND_BIG_LAYER and no target/bench-out/hex_0.25.geojson (bench/run.sh writes it)"
        );
        return;
    };
    let mb = std::fs::metadata(&big).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let zones_before = h.state().state.loaded.as_ref().map(|l| l.study.eco[0].layer.units.len());
    let spec = LayerSpec::parse(&format!("{},id=hex", big.display())).unwrap();
    h.state_mut().state.add_layer(&ctx, spec, false);
    let mut loading = Vec::new();
    let t = Instant::now();
    while t.elapsed().as_secs_f64() < 4.0 && h.state().state.job.is_some() {
        let p = centre + egui::vec2(100.0 * (loading.len() as f32 * 0.1).cos(), 0.0);
        h.event(egui::Event::PointerMoved(p));
        let f = Instant::now();
        h.step();
        loading.push(f.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let stage = h.state().state.job.as_ref().map(|j| j.progress.snapshot().0.to_string()).unwrap_or_default();
    let (lm, lp95, lmax) = stats(&mut loading);
    println!(
        "while a {mb:.0} MB layer loads ({} frames over {:.1} s, at stage \"{stage}\"): frame CPU time mean {lm:.2} ms, p95 {lp95:.2} ms, max {lmax:.2} ms",
        loading.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(job) = &h.state().state.job {
        job.progress.cancel.cancel();
        let c = Instant::now();
        while h.state().state.job.is_some() {
            h.step();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let zones_after = h.state().state.loaded.as_ref().map(|l| l.study.eco[0].layer.units.len());
        println!(
            "Cancel: the load stopped {:.0} ms after the click; the session shown before is kept: {}",
            c.elapsed().as_secs_f64() * 1e3,
            zones_before == zones_after && h.state().state.project.inputs.eco.len() == 1
        );
    } else {
        println!("the layer loaded before Cancel could be tried");
    }
}
