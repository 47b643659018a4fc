//! `crossbound bench`: times each stage on the US demo and on the full-resolution world files.
//! Not a test: run it on a quiet machine (see BENCHMARKS.md for the command and the results).

use anyhow::{Result, bail};
use clap::Args;
use crossbound::analysis::Params;
use crossbound::geometry::area_km2;
use crossbound::model::LayerSpec;
use crossbound::overlay::PieceGeometry;
use crossbound::progress::NoProgress;
use crossbound::report::build_report;
use crossbound::study::{Inputs, Study, data_dir};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Folder with world_provinces_full.geojson and world_geography_regions_full.geojson
    /// (default: $CROSSBOUND_BENCH_DATA, else ../shared/data/bench). Download: Natural Earth 10m
    /// admin-1 states/provinces and geography regions polys, https://www.naturalearthdata.com
    #[arg(long)]
    pub bench_data: Option<PathBuf>,
    /// Runs per case; the best is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Only this case: us or world.
    #[arg(long)]
    pub only: Option<String>,
    /// Write each case's part shares as CSV into this folder (for the peer comparison).
    #[arg(long)]
    pub csv_dir: Option<PathBuf>,
    /// Only time loading these layer files (any format; repeatable), best of --repeat.
    #[arg(long = "load", value_name = "FILE[,key=value]")]
    pub load: Vec<String>,
    /// Only time applying these scenario files to the US demo (states > counties; watersheds
    /// and parks): apply, analyse, propose and report, best of --repeat. Repeatable.
    #[arg(long = "scenario", value_name = "SCENARIO.json")]
    pub scenario: Vec<PathBuf>,
}

/// Times each scenario step on the US demo: the reformed world (no overlay), its analysis, its
/// bodies and its report (with the burden table). Best of `repeat`.
fn run_scenario(files: &[PathBuf], repeat: usize) -> Result<()> {
    let t = Instant::now();
    let study = Study::build(&Inputs::us_demo(&data_dir()), &NoProgress)?;
    println!("US demo loaded and overlaid in {:.0} ms (once)", t.elapsed().as_secs_f64() * 1e3);
    let (params, gov) = (Params::default(), crossbound::governance::GovParams::default());
    println!(
        "{:<36} {:>9} {:>10} {:>10} {:>9} {:>10} {:>9}",
        "scenario", "apply ms", "analyse ms", "propose ms", "report ms", "meshes ms", "total ms"
    );
    for f in files {
        let sc = crossbound::scenario::Scenario::load(f)?;
        let mut best = [f64::INFINITY; 5];
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let r = crossbound::scenario::apply(&study, &sc)?;
            let t1 = t.elapsed().as_secs_f64() * 1e3;
            let analysis = r.study.analyse(&params);
            let t2 = t.elapsed().as_secs_f64() * 1e3;
            let bodies =
                crossbound::governance::propose_with(&r.study, &analysis, &params, &gov, &r.manual_bodies, &sc.name);
            let t3 = t.elapsed().as_secs_f64() * 1e3;
            let report = build_report(&r.study, &analysis, &bodies, &params, &gov);
            let t4 = t.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(report);
            // The app also re-triangulates the admin levels whose units changed.
            #[cfg(feature = "app")]
            for l in 0..r.study.hierarchy.levels.len() {
                if crossbound::app::reform::level_differs(&r.study.hierarchy.levels[l], &study.hierarchy.levels[l]) {
                    std::hint::black_box(crossbound::app::scene::AdminMeshes::build(&r.study, l));
                }
            }
            let t5 = t.elapsed().as_secs_f64() * 1e3;
            for (b, v) in best.iter_mut().zip([t1, t2 - t1, t3 - t2, t4 - t3, t5 - t4]) {
                *b = b.min(v);
            }
        }
        println!(
            "{:<36} {:>9.1} {:>10.1} {:>10.1} {:>9.1} {:>10.1} {:>9.1}",
            sc.name,
            best[0],
            best[1],
            best[2],
            best[3],
            best[4],
            best.iter().sum::<f64>()
        );
    }
    Ok(())
}

/// Times loading each file (read, decode, reproject, repair, dissolve): the best of `repeat`.
fn run_load(files: &[String], repeat: usize) -> Result<()> {
    println!(
        "{:<48} {:>9} {:>8} {:>10} {:>9}   {:>7} {:>7} {:>7}",
        "file", "load ms", "units", "vertices", "MB/s", "read", "decode", "build"
    );
    for f in files {
        let spec = LayerSpec::parse(f).map_err(anyhow::Error::msg)?;
        let bytes = std::fs::metadata(&spec.path).map(|m| m.len()).unwrap_or(0) as f64;
        let mut best = f64::INFINITY;
        let mut layer = None;
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let l = crossbound::io::load_layer(&spec)?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if ms < best {
                best = ms;
                layer = Some(l);
            }
        }
        // repeat.max(1) iterations: at least one layer.
        let Some(l) = layer else { continue };
        let lt = l.load_times;
        println!(
            "{:<48} {:>9.0} {:>8} {:>10} {:>9.0}   {:>7.0} {:>7.0} {:>7.0}",
            spec.path.display(),
            best,
            l.units.len(),
            l.vertex_count(),
            bytes / 1e6 / (best / 1e3),
            lt.read_ms,
            lt.decode_ms,
            lt.build_ms
        );
    }
    println!("peak MB {:.0}", peak_rss_mb());
    Ok(())
}

struct Case {
    name: &'static str,
    inputs: Inputs,
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn run(a: &BenchArgs) -> Result<()> {
    if !a.load.is_empty() {
        return run_load(&a.load, a.repeat);
    }
    if !a.scenario.is_empty() {
        return run_scenario(&a.scenario, a.repeat);
    }
    let data = data_dir();
    let bench_dir = a
        .bench_data
        .clone()
        .or_else(|| std::env::var_os("CROSSBOUND_BENCH_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/data/bench"));
    let mut cases = vec![Case {
        name: "us",
        inputs: Inputs {
            admin: vec![
                LayerSpec::new(data.join("us/states.geojson")),
                LayerSpec::new(data.join("us/counties.geojson")),
            ],
            eco: vec![LayerSpec::new(data.join("us/huc2_watersheds.geojson"))],
            ..Default::default()
        },
    }];
    let provinces = bench_dir.join("world_provinces_full.geojson");
    let regions = bench_dir.join("world_geography_regions_full.geojson");
    if provinces.exists() && regions.exists() {
        cases.push(Case {
            name: "world",
            inputs: Inputs {
                admin: vec![LayerSpec::new(provinces)],
                eco: vec![LayerSpec::new(regions)],
                ..Default::default()
            },
        });
    } else {
        eprintln!(
            "world case skipped: {} not found. Get Natural Earth 10m admin-1 (unsimplified) and geography regions as GeoJSON, and point --bench-data or CROSSBOUND_BENCH_DATA at their folder.",
            provinces.display()
        );
    }
    if let Some(o) = &a.only {
        cases.retain(|c| c.name == o);
        if cases.is_empty() {
            bail!("--only {o}: no such case (us, world)");
        }
    }
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "{:<6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8} {:>8}",
        "case",
        "load ms",
        "index ms",
        "overlay",
        "borders",
        "analyse",
        "total ms",
        "areas ms*",
        "pairs",
        "exact",
        "peak MB"
    );
    for c in &cases {
        let mut best: Option<(f64, Vec<f64>, Study)> = None;
        for _ in 0..a.repeat.max(1) {
            let t = Instant::now();
            let study = Study::build(&c.inputs, &NoProgress)?;
            let t_an = Instant::now();
            let analysis = study.analyse(&Params::default());
            let analyse_ms = t_an.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(&analysis);
            let total = t.elapsed().as_secs_f64() * 1e3;
            let tm = &study.timings;
            let row = vec![tm.load_ms, tm.index_ms, tm.overlay_ms, tm.borders_ms, analyse_ms, total];
            if best.as_ref().is_none_or(|b| total < b.0) {
                best = Some((total, row, study));
            }
        }
        // repeat.max(1) runs, each setting `best` on the first: always Some.
        let Some((_, row, study)) = best else { continue };
        // Areas, timed on their own: every unit and every piece that is not a whole unit/zone.
        let t = Instant::now();
        let mut sink = 0.0;
        for l in study.hierarchy.levels.iter().map(|l| &l.indexed).chain(&study.eco) {
            for u in &l.layer.units {
                sink += area_km2(&u.geometry);
            }
        }
        for e in &study.overlay {
            for z in e {
                for lvl in z {
                    for p in &lvl.pieces {
                        if let PieceGeometry::Part(mp) = &p.geometry {
                            sink += area_km2(mp);
                        }
                    }
                }
            }
        }
        std::hint::black_box(sink);
        let areas_ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "{:<6} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>9.1} {:>9.0} {:>10.0} {:>8} {:>8} {:>8.0}",
            c.name,
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            areas_ms,
            study.pair_stats.candidates,
            study.pair_stats.exact,
            peak_rss_mb()
        );
        if let Some(dir) = &a.csv_dir {
            std::fs::create_dir_all(dir)?;
            let params = Params::default();
            let analysis = study.analyse(&params);
            let report = build_report(&study, &analysis, &[], &params, &Default::default());
            crossbound::export::write_parts_csv(&dir.join(format!("{}_crossbound.csv", c.name)), &report)?;
        }
    }
    println!(
        "* areas: one sequential pass over every unit and every intersection piece, timed on its own (already inside load and overlay above)."
    );
    Ok(())
}
