//! The command line: `analyze`, `jurisdiction`, `brief` and `bench`, thin over the library.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use crossbound::analysis::{LevelAnalysis, Params};
use crossbound::governance::{Body, GovParams, jurisdiction_view, propose};
use crossbound::model::LayerSpec;
use crossbound::overlay::Outlines;
use crossbound::progress::Progress;
use crossbound::project::Project;
use crossbound::report::{Report, ZoneBuilder, Zones, build_report, build_report_without_zones};
use crossbound::scenario::Scenario;
use crossbound::study::{Inputs, Study, data_dir};
use crossbound::zone_levels::ZoneLevels;
use crossbound::{brief, export};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Mutex;

/// crossbound: which ecological zones are cut across jurisdictions, and who should govern them.
///
/// Without a subcommand, opens the desktop app on the bundled US demo.
#[derive(Parser, Debug)]
#[command(name = "crossbound", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Overlay ecological zones on admin levels, report cut zones and proposed bodies.
    Analyze(AnalyzeArgs),
    /// The border-jurisdiction view of one admin unit: shared zones, partners, bodies, neighbours.
    Jurisdiction(JurisdictionArgs),
    /// A one-page HTML brief of a proposed body, with its map.
    Brief(BriefArgs),
    /// Time load, index, overlay and areas on the demo and benchmark files.
    Bench(crate::bench::BenchArgs),
    /// Open the desktop app on a project or a demo (without arguments: the last session).
    App(AppArgs),
    /// Write the overlay as an Apache Sedona job (GeoParquet layers, SQL, a SedonaDB runner).
    ExportJob(ExportJobArgs),
    /// The baseline beside one or more reform scenarios: cut zones, fragmentation, bodies, burden.
    Compare(CompareArgs),
    /// Rank single transfers of border units that would leave fewer zones cut (for exploring, not deciding).
    Suggest(SuggestArgs),
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub layers: LayerArgs,
    /// The level whose units give and receive (0 = coarsest); units of the next finer level move.
    #[arg(long)]
    pub level: usize,
    /// How many suggestions.
    #[arg(long, default_value_t = 10)]
    pub moves: usize,
    /// Largest population change (share 0..1) a move may cause to the giving or receiving unit.
    #[arg(long = "max-population-change")]
    pub max_population_change: Option<f64>,
    /// Write the suggestions, each with its scenario (crossbound.scenario/1), as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub layers: LayerArgs,
    /// A scenario file (crossbound.scenario/1); repeat to compare several.
    #[arg(long = "scenario", required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Write the comparison as JSON (crossbound.compare/1) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the comparison as one long CSV table here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportJobArgs {
    #[command(flatten)]
    pub layers: LayerArgs,
    /// The folder to write the job into (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Densify edges to at most this many degrees (points on the edges: the same regions).
    #[arg(long = "densify-deg", default_value_t = 0.1)]
    pub densify_deg: f64,
}

#[derive(Args, Debug)]
pub struct AppArgs {
    /// A project file to open.
    #[arg(long, conflicts_with = "demo")]
    pub project: Option<PathBuf>,
    /// A bundled demo to open.
    #[arg(long, value_enum)]
    pub demo: Option<Demo>,
    /// A parts table computed elsewhere (e.g. by Sedona from `export-job`) to use instead of
    /// the local overlay.
    #[arg(long, visible_alias = "from-parts")]
    pub parts: Option<PathBuf>,
    /// A reform scenario (crossbound.scenario/1) to open in the Scenario panel once loaded.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Open the map in the Equal Earth projection (equal-area, for world views) instead of
    /// equirectangular; View > Projection switches at any time.
    #[arg(long)]
    pub equal_earth: bool,
}

impl AppArgs {
    /// The scenario to open, read now so a bad file fails before the window opens.
    pub fn initial_scenario(&self) -> Result<Option<Scenario>> {
        self.scenario.as_deref().map(load_scenario).transpose()
    }

    /// The project to start with, if one was asked for.
    pub fn initial_project(&self) -> Result<Option<Project>> {
        let mut project = if let Some(p) = &self.project {
            Some(Project::load(p).map_err(|e| anyhow!(e))?)
        } else {
            self.demo.map(|d| {
                let dir = data_dir();
                Project::new(match d {
                    Demo::Us => Inputs::us_demo(&dir),
                    Demo::World => Inputs::world_demo(&dir),
                })
            })
        };
        if let Some(parts) = &self.parts {
            let p = project
                .as_mut()
                .ok_or_else(|| anyhow!("--parts needs --project or --demo (the layers it was computed from)"))?;
            p.inputs.parts = Some(parts.clone());
        }
        Ok(project)
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demo {
    /// US: states > counties; HUC2 watershed regions, national parks.
    Us,
    /// World: countries > provinces; geography regions.
    World,
}

/// Where the layers come from and the parameters.
#[derive(Args, Debug, Clone)]
pub struct LayerArgs {
    /// Admin layer, coarse to fine; repeat for each level. FILE[,layer=L][,id=F][,name=F][,parent=F][,population=F][,crs=CRS].
    /// FILE: GeoJSON, Shapefile (.shp), GeoPackage (.gpkg), FlatGeobuf (.fgb) or GeoParquet (.parquet)
    #[arg(long = "admin", value_name = "FILE[,key=value]")]
    pub admin: Vec<String>,
    /// Ecological zone layer; repeatable. FILE[,layer=L][,id=F][,name=F][,crs=CRS]
    #[arg(long = "eco", value_name = "FILE[,key=value]")]
    pub eco: Vec<String>,
    /// A project file (crossbound.project/1) with layers and parameters.
    #[arg(long, conflicts_with_all = ["admin", "eco", "demo"])]
    pub project: Option<PathBuf>,
    /// A bundled demo (the default when no layers are given: us).
    #[arg(long, value_enum, conflicts_with_all = ["admin", "eco"])]
    pub demo: Option<Demo>,
    /// A parts table computed elsewhere (Sedona running `export-job`'s job, or `--parts` of an
    /// earlier run) for these same layers: skips the local overlay.
    #[arg(long = "from-parts", value_name = "PARTS.parquet")]
    pub from_parts: Option<PathBuf>,
    /// CRS of layers that declare none (e.g. EPSG:3857); a layer's own crs= wins.
    #[arg(long)]
    pub crs: Option<String>,
    /// Share (0..1) from which a jurisdiction counts in a cut; a share equal to it counts.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Pieces smaller than this many km² are slivers.
    #[arg(long = "min-area-km2")]
    pub min_area_km2: Option<f64>,
    /// Share (0..1) needed to be a member of a body (default: --threshold).
    #[arg(long = "member-threshold")]
    pub member_threshold: Option<f64>,
    /// Share (0..1) needed to be an observer (default 0: any part that is not a sliver).
    #[arg(long = "observer-threshold")]
    pub observer_threshold: Option<f64>,
    /// One body for zones of a layer that all touch one another and have the same members
    /// (default: one body per zone).
    #[arg(long = "merge-touching-zones")]
    pub merge_touching_zones: bool,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub layers: LayerArgs,
    /// Write the JSON report (crossbound.report/1) here instead of printing a summary.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write one CSV row per part here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write the zones with their results as GeoJSON here.
    #[arg(long)]
    pub geojson: Option<PathBuf>,
    /// Write each body's extent with its members as GeoJSON here.
    #[arg(long = "geojson-bodies")]
    pub geojson_bodies: Option<PathBuf>,
    /// Write zones (with their analysis), bodies and parts as a GeoPackage here.
    #[arg(long)]
    pub gpkg: Option<PathBuf>,
    /// Write the overlay's parts table (zone, level, unit, area km², share) as Parquet here.
    #[arg(long)]
    pub parts: Option<PathBuf>,
    /// With --parts: add each part's geometry (WKB), making the file GeoParquet.
    #[arg(long = "parts-geometry", requires = "parts")]
    pub parts_geometry: bool,
    /// Analyse the world as reformed by this scenario (crossbound.scenario/1); the report
    /// records it.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Write each jurisdiction's coordination burden as CSV here (one row per unit and eco layer).
    #[arg(long = "burden-csv")]
    pub burden_csv: Option<PathBuf>,
    /// Print every stage's time (load … writing) and the peak memory on stderr.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Args, Debug)]
pub struct JurisdictionArgs {
    /// Id (or, failing that, name) of the admin unit.
    #[arg(long)]
    pub id: String,
    /// Admin level index (0 = coarsest); default: the first level with that id.
    #[arg(long)]
    pub level: Option<usize>,
    #[command(flatten)]
    pub layers: LayerArgs,
    /// Write JSON here instead of printing a table.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// In the world as reformed by this scenario (crossbound.scenario/1).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BriefArgs {
    /// Body id, as in the report (e.g. nps_parks/states/YELL); a zone id also works.
    #[arg(long)]
    pub body: String,
    #[command(flatten)]
    pub layers: LayerArgs,
    /// The HTML file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// In the world as reformed by this scenario (crossbound.scenario/1).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

/// Progress bars on stderr (hidden when stderr is not a terminal).
pub struct BarProgress {
    bar: ProgressBar,
    stage: Mutex<String>,
}

impl BarProgress {
    pub fn new() -> Self {
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template("{msg:>32} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        BarProgress { bar, stage: Mutex::new(String::new()) }
    }
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for BarProgress {
    fn update(&self, stage: &str, done: usize, total: usize) {
        // A poisoned lock only means another thread panicked while updating the label.
        let mut s = self.stage.lock().unwrap_or_else(|e| e.into_inner());
        if *s != stage {
            *s = stage.to_string();
            self.bar.set_message(stage.to_string());
            self.bar.set_length(total as u64);
        }
        self.bar.set_position(done as u64);
    }
}

fn check_share(name: &str, v: Option<f64>) -> Result<()> {
    if let Some(v) = v
        && !(0.0..=1.0).contains(&v)
    {
        bail!("--{name} must be a share between 0 and 1, got {v}");
    }
    Ok(())
}

/// Resolves the layer arguments into inputs and parameters.
pub fn resolve(args: &LayerArgs) -> Result<(Inputs, Params, GovParams)> {
    check_share("threshold", args.threshold)?;
    check_share("member-threshold", args.member_threshold)?;
    check_share("observer-threshold", args.observer_threshold)?;
    if let Some(m) = args.min_area_km2
        && !(m >= 0.0 && m.is_finite())
    {
        bail!("--min-area-km2 must be a non-negative number, got {m}");
    }
    let (mut inputs, mut params, mut gov) = if let Some(p) = &args.project {
        let p = Project::load(p).map_err(|e| anyhow!(e))?;
        (p.inputs, p.params, p.governance)
    } else if !args.admin.is_empty() || !args.eco.is_empty() {
        let parse =
            |v: &[String]| v.iter().map(|s| LayerSpec::parse(s).map_err(|e| anyhow!(e))).collect::<Result<Vec<_>>>();
        let inputs = Inputs { admin: parse(&args.admin)?, eco: parse(&args.eco)?, parts: None };
        if inputs.admin.is_empty() {
            bail!("give at least one --admin layer (or none at all for the US demo)");
        }
        if inputs.eco.is_empty() {
            bail!("give at least one --eco layer (or none at all for the US demo)");
        }
        (inputs, Params::default(), GovParams::default())
    } else {
        let d = data_dir();
        let inputs = match args.demo.unwrap_or(Demo::Us) {
            Demo::Us => Inputs::us_demo(&d),
            Demo::World => Inputs::world_demo(&d),
        };
        (inputs, Params::default(), GovParams::default())
    };
    if let Some(p) = &args.from_parts {
        inputs.parts = Some(p.clone());
    }
    if let Some(crs) = &args.crs {
        for s in inputs.admin.iter_mut().chain(inputs.eco.iter_mut()) {
            if s.crs.is_none() {
                s.crs = Some(crs.clone());
            }
        }
    }
    if let Some(t) = args.threshold {
        params.threshold = t;
    }
    if let Some(m) = args.min_area_km2 {
        params.min_area_km2 = m;
    }
    if args.member_threshold.is_some() {
        gov.member_threshold = args.member_threshold;
    }
    if let Some(o) = args.observer_threshold {
        gov.observer_threshold = o;
    }
    if args.merge_touching_zones {
        gov.merge_touching = true;
    }
    Ok((inputs, params, gov))
}

/// Study + analysis + bodies + report for the layer arguments.
pub struct Run {
    pub study: Study,
    pub analysis: Vec<ZoneLevels<LevelAnalysis>>,
    pub bodies: Vec<Body>,
    pub report: Report,
    /// The report's `zones` were left empty, to be built as they are written
    /// ([`ZoneBuilder`] over `study` and `analysis`).
    pub zones_streamed: bool,
}

impl Run {
    /// The report's zones, held or to be built from the study.
    fn zone_builder(&self) -> Option<ZoneBuilder<'_>> {
        self.zones_streamed.then(|| ZoneBuilder::new(&self.study, &self.analysis))
    }
}

/// Whether a run's report holds its zones or leaves them to be built as they are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ZonesIn {
    /// In the report (whatever reads it needs them all).
    Report,
    /// Built as written: only the JSON report and the parts CSV read them.
    Stream,
}

/// What a command draws or writes of the geometry, which decides what its study keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Drawn {
    /// The parts' polygons (a brief's map, the parts table with geometry): everything kept.
    Parts,
    /// Zones' or bodies' outlines (GeoJSON, GeoPackage): the parts' polygons are dropped
    /// (rebuilt if asked for), the units' outlines kept.
    Outlines,
    /// Nothing: numbers and text. The parts' polygons are dropped, and each layer's outlines
    /// are freed once the last stage that reads them is done: the admin units' after the
    /// overlay, the zones' after the proposals (unless a scenario reforms the units).
    Nothing,
}

fn load_scenario(path: &std::path::Path) -> Result<Scenario> {
    Scenario::load(path).map_err(|e| anyhow!(e))
}

/// Study, analysis, bodies and report for the layer arguments; of the world as reformed by
/// `scenario` (read from the given file) when one is given.
pub fn run_layers_with(
    args: &LayerArgs,
    scenario: Option<(&Scenario, &std::path::Path)>,
    zones: ZonesIn,
    drawn: Drawn,
) -> Result<Run> {
    let outlines = if drawn == Drawn::Parts { Outlines::Keep } else { Outlines::Drop };
    let (mut study, params, gov) = load_study(args, outlines)?;
    if let Some((sc, path)) = scenario {
        let o = crossbound::scenario::evaluate(&study, sc, &params, &gov)
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        return Ok(Run {
            study: o.study,
            analysis: o.analysis,
            bodies: o.bodies,
            report: o.report,
            zones_streamed: false,
        });
    }
    let release = drawn == Drawn::Nothing;
    let (analysis, bodies, report) = analyse_timed(&mut study, &params, &gov, zones, release);
    Ok(Run { study, analysis, bodies, report, zones_streamed: zones == ZonesIn::Stream })
}

/// Loads and overlays the layers of `args`, with progress bars: the study and the parameters.
/// `outlines`: whether the parts' polygons are kept (a brief draws its body's; an export of the
/// parts with geometry writes them all); dropped, they are rebuilt when asked for.
fn load_study(args: &LayerArgs, outlines: Outlines) -> Result<(Study, Params, GovParams)> {
    let (mut inputs, params, gov) = resolve(args)?;
    // No command reads a zone's attributes beyond its id, name and population (an admin
    // unit's serve to link levels): on the 1.2M-hexagon grid they held 67 MB to the end.
    for spec in &mut inputs.eco {
        spec.drop_properties = true;
    }
    let progress = BarProgress::new();
    let study = crossbound::study::Prepared::load(&inputs, &progress)
        .and_then(|p| Study::from_prepared(crossbound::study::Prepared { outlines, ..p }, &progress));
    progress.finish();
    Ok((study?, params, gov))
}

/// Analysis, bodies and report of `study`, with the three stages timed in the report.
/// `release`: nothing after the report reads an outline (see [`Drawn::Nothing`]); the admin
/// units' are freed before the analysis (timed with it) and the zones' after the proposals
/// (timed with the report).
fn analyse_timed(
    study: &mut Study,
    params: &Params,
    gov: &GovParams,
    zones: ZonesIn,
    release: bool,
) -> (Vec<ZoneLevels<LevelAnalysis>>, Vec<Body>, Report) {
    let t = std::time::Instant::now();
    if release {
        study.release_admin_outlines();
    }
    let analysis = study.analyse(params);
    let analysis_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = std::time::Instant::now();
    let bodies = propose(study, &analysis, params, gov);
    let proposals_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = std::time::Instant::now();
    if release {
        study.release_zone_outlines();
    }
    let study = &*study;
    let mut report = match zones {
        ZonesIn::Report => build_report(study, &analysis, &bodies, params, gov),
        ZonesIn::Stream => build_report_without_zones(study, &analysis, &bodies, params, gov),
    };
    report.timings_ms.analysis_ms = analysis_ms;
    report.timings_ms.proposals_ms = proposals_ms;
    report.timings_ms.report_ms = t.elapsed().as_secs_f64() * 1e3;
    (analysis, bodies, report)
}

/// Peak resident memory of this process so far, MB (Linux; `None` elsewhere).
fn peak_memory_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// `crossbound suggest`.
pub fn suggest(a: &SuggestArgs) -> Result<()> {
    check_share("max-population-change", a.max_population_change)?;
    let (study, params, gov) = load_study(&a.layers, Outlines::Drop)?;
    let sp = crossbound::scenario::suggest::SuggestParams {
        level: a.level,
        moves: a.moves,
        max_population_change: a.max_population_change,
    };
    let v = crossbound::scenario::suggest::suggest(&study, &params, &gov, &sp).map_err(|e| anyhow!(e))?;
    if let Some(p) = &a.out {
        let json = serde_json::to_vec_pretty(&serde_json::json!({
            "schema": "crossbound.suggestions/1",
            "note": "Options to explore, not a verdict: only the ecological zones are weighed.",
            "suggestions": v,
        }))?;
        crossbound::io::atomic::write_atomic(p, &json).with_context(|| format!("writing {}", p.display()))?;
    }
    let level = study.hierarchy.levels.get(a.level).map(|l| l.indexed.layer.name.clone()).unwrap_or_default();
    println!("Single moves that leave fewer zones cut across {level}, or the zones less fragmented.");
    println!("Options to explore, not a verdict: crossbound weighs only the ecological zones, not services,");
    println!("taxes, representation or identity; the giving unit's contiguity is not checked.\n");
    if v.is_empty() {
        println!("No single move of a border unit reduces the cut zones or the fragmentation.");
    }
    for (i, s) in v.iter().enumerate() {
        println!(
            "{:>2}. move {} ({}) from {} to {}: cut zones {} -> {}, fragmentation {:.3} -> {:.3}{}",
            i + 1,
            s.unit.name,
            s.unit.id,
            s.from.name,
            s.to.name,
            s.cut_zones[0],
            s.cut_zones[1],
            s.fragmentation[0],
            s.fragmentation[1],
            s.population_change
                .map(|[a, b]| format!(", population {:+.1}% / {:+.1}%", -a * 100.0, b * 100.0))
                .unwrap_or_default()
        );
    }
    if a.out.is_none() && !v.is_empty() {
        println!("\n--out FILE writes each as a scenario to apply with: crossbound analyze --scenario");
    }
    Ok(())
}

/// `crossbound compare`: the baseline and each scenario, from one load and one overlay.
pub fn compare(a: &CompareArgs) -> Result<()> {
    // Every scenario file is read and parsed before the (long) load, so a typo fails at once.
    let scenarios = a.scenarios.iter().map(|p| load_scenario(p)).collect::<Result<Vec<_>>>()?;
    let (mut study, params, gov) = load_study(&a.layers, Outlines::Drop)?;
    // Each scenario reforms the units from their outlines: none is released.
    let (_, _, baseline) = analyse_timed(&mut study, &params, &gov, ZonesIn::Report, false);
    let mut reports = Vec::new();
    for (sc, path) in scenarios.iter().zip(&a.scenarios) {
        let o = crossbound::scenario::evaluate(&study, sc, &params, &gov)
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        reports.push((sc.name.clone(), o.report));
    }
    let c = crossbound::scenario::compare::compare(&baseline, &reports);
    if let Some(p) = &a.out {
        let json = serde_json::to_vec_pretty(&c)?;
        crossbound::io::atomic::write_atomic(p, &json).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &a.csv {
        crossbound::io::atomic::write_atomic(p, c.to_csv().as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    print_comparison(&c, &baseline);
    Ok(())
}

fn print_comparison(c: &crossbound::scenario::compare::Comparison, r: &Report) {
    let level = |l: usize| r.levels.get(l).map(|x| x.name.as_str()).unwrap_or("?");
    for s in &c.scenarios {
        println!("scenario \"{}\" against the baseline", s.summary.name);
        println!(
            "  {:<14} {:>14} {:>14} {:>16} {:>16}",
            "level", "cut (before)", "cut (after)", "n_eff (before)", "n_eff (after)"
        );
        for l in 0..c.baseline.cut_zones.len() {
            println!(
                "  {:<14} {:>14} {:>14} {:>16.3} {:>16.3}",
                truncate(level(l), 14),
                c.baseline.cut_zones[l],
                s.summary.cut_zones[l],
                c.baseline.fragmentation[l],
                s.summary.fragmentation[l]
            );
        }
        println!(
            "  bodies: {} before, {} after; {} added, {} removed, {} changed",
            c.baseline.bodies,
            s.summary.bodies,
            s.bodies_added.len(),
            s.bodies_removed.len(),
            s.bodies_changed.len()
        );
        for (what, ids) in [("added", &s.bodies_added), ("removed", &s.bodies_removed), ("changed", &s.bodies_changed)]
        {
            for id in ids.iter().take(8) {
                println!("    {what:<8} {id}");
            }
            if ids.len() > 8 {
                println!("    {what:<8} … and {} more", ids.len() - 8);
            }
        }
        println!("  jurisdictions whose burden changed: {}", s.burden.len());
        let fmt = |f: &Option<crossbound::scenario::compare::BurdenFigures>| match f {
            Some(f) => format!("{} bodies, {} partners", f.member_of, f.partners),
            None => "-".into(),
        };
        for b in s.burden.iter().take(12) {
            println!(
                "    {:<10} {:<28} {:>24} -> {}",
                truncate(level(b.level), 10),
                truncate(&b.name, 28),
                fmt(&b.before),
                fmt(&b.after)
            );
        }
        if s.burden.len() > 12 {
            println!("    … and {} more (--out or --csv for all)", s.burden.len() - 12);
        }
        println!();
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub fn analyze(a: &AnalyzeArgs) -> Result<()> {
    let scenario = a.scenario.as_deref().map(load_scenario).transpose()?;
    // With a report file and no output that needs every zone at once (the summary, maps of
    // zones), the zones are built a batch at a time as they are written, never all held.
    let stream = a.out.is_some() && a.geojson.is_none() && a.gpkg.is_none();
    // Only the parts table with geometry writes the parts' polygons.
    let drawn = if a.parts.is_some() && a.parts_geometry {
        Drawn::Parts
    } else if a.geojson.is_some() || a.geojson_bodies.is_some() || a.gpkg.is_some() {
        Drawn::Outlines
    } else {
        Drawn::Nothing
    };
    let run = run_layers_with(
        &a.layers,
        scenario.as_ref().zip(a.scenario.as_deref()),
        if stream { ZonesIn::Stream } else { ZonesIn::Report },
        drawn,
    )?;
    let r = &run.report;
    let builder = run.zone_builder();
    let zones = &match &builder {
        Some(b) => Zones::Built(b),
        None => Zones::Held(&r.zones),
    };
    let t_write = std::time::Instant::now();
    // The outputs are independent files: they are written side by side (the report's JSON
    // and the parts CSV of a million zones take seconds each), each atomically; the first
    // failure, in the order below, is the error.
    type Writer<'a> = (&'a std::path::Path, Box<dyn FnOnce() -> std::io::Result<()> + Send + 'a>);
    let (study, bodies) = (&run.study, &run.bodies);
    let mut writers: Vec<Writer> = Vec::new();
    if let Some(p) = &a.out {
        writers.push((p, Box::new(move || export::write_report_json_with(p, r, zones))));
    }
    if let Some(p) = &a.csv {
        writers.push((p, Box::new(move || export::write_parts_csv_with(p, zones))));
    }
    if let Some(p) = &a.burden_csv {
        writers.push((p, Box::new(move || export::write_burden_csv(p, r))));
    }
    if let Some(p) = &a.geojson {
        writers.push((p, Box::new(move || export::write_zones_geojson(p, study, r))));
    }
    if let Some(p) = &a.geojson_bodies {
        writers.push((p, Box::new(move || export::write_bodies_geojson(p, study, bodies, &r.bodies))));
    }
    if let Some(p) = &a.gpkg {
        writers.push((p, Box::new(move || export::gpkg::write_gpkg(p, study, r, bodies))));
    }
    if let Some(p) = &a.parts {
        writers.push((p, Box::new(move || export::parquet::write_parts_parquet(p, study, a.parts_geometry))));
    }
    std::thread::scope(|s| -> Result<()> {
        let jobs: Vec<_> = writers.into_iter().map(|(p, w)| (p, s.spawn(w))).collect();
        for (p, job) in jobs {
            match job.join() {
                Ok(r) => r.with_context(|| format!("writing {}", p.display()))?,
                Err(_) => bail!("writing {}: the writer failed", p.display()),
            }
        }
        Ok(())
    })?;
    let write_ms = t_write.elapsed().as_secs_f64() * 1e3;
    if a.out.is_none() {
        print_summary(r, &run.analysis);
    }
    if a.timings {
        let t = &r.timings_ms;
        eprintln!(
            "stages (ms): load {:.0}, index {:.0}, overlay {:.0}, borders {:.0}, analysis {:.0}, proposals {:.0}, report {:.0}, writing {:.0}; peak memory {}",
            t.load_ms,
            t.index_ms,
            t.overlay_ms,
            t.borders_ms,
            t.analysis_ms,
            t.proposals_ms,
            t.report_ms,
            write_ms,
            peak_memory_mb().map_or("unknown".into(), |m| format!("{m:.0} MB"))
        );
        for l in &t.load_layers {
            eprintln!(
                "  load {} (ms): read {:.0}, decode {:.0}, build {:.0}",
                l.layer, l.times.read_ms, l.times.decode_ms, l.times.build_ms
            );
        }
    }
    for w in &r.warnings {
        eprintln!("warning: {}: {}", w.source, w.message);
    }
    // The process ends here: its data (with a million zones, gigabytes in tens of millions of
    // allocations) is left to the operating system rather than freed piece by piece, which
    // took seconds at that scale. Nothing in it holds a file or other resource.
    std::mem::forget(run);
    Ok(())
}

/// Zones listed by the summary, most severe first; the rest are counted (a million-zone grid
/// printed line by line helps no one, and took seconds).
const SUMMARY_ZONES: usize = 60;

fn print_summary(r: &Report, analysis: &[ZoneLevels<LevelAnalysis>]) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (e.g. `| head`) ends the listing quietly.
    let _ = write_summary(&mut out, r, analysis).and_then(|()| out.flush());
}

fn write_summary(
    out: &mut impl std::io::Write,
    r: &Report,
    analysis: &[ZoneLevels<LevelAnalysis>],
) -> std::io::Result<()> {
    // The report lists zones in the analysis' order (layer by layer); sort by the one severity
    // order (crossbound::analysis::zone_severity_order), ties by layer and id.
    let flat: Vec<&[LevelAnalysis]> = analysis.iter().flatten().collect();
    let mut order: Vec<usize> = (0..r.zones.len()).collect();
    order.sort_by(|&a, &b| {
        crossbound::analysis::zone_severity_order(flat[a], flat[b])
            .then_with(|| r.zones[a].layer.cmp(&r.zones[b].layer).then(r.zones[a].id.cmp(&r.zones[b].id)))
    });
    let zones: Vec<&crossbound::report::ZoneReport> = order.iter().map(|&i| &r.zones[i]).collect();
    let cut = zones.iter().filter(|z| z.levels.iter().any(|l| l.cut)).count();
    writeln!(
        out,
        "{} of {} zones are cut across jurisdictions (threshold {}, slivers < {} km²)\n",
        cut,
        zones.len(),
        pct(r.params.threshold),
        r.params.min_area_km2
    )?;
    writeln!(
        out,
        "{:<18} {:<34} {:>11}  {:<10} {:>4} {:>6}  jurisdictions (share)",
        "layer/zone", "name", "area km²", "level", "cut", "n_eff"
    )?;
    let shown = zones.len().min(SUMMARY_ZONES);
    for z in &zones[..shown] {
        for (i, l) in z.levels.iter().enumerate() {
            let level_name = r.levels.get(l.level).map(|x| x.name.as_str()).unwrap_or("?");
            let top: Vec<String> = l.parts.iter().take(4).map(|p| format!("{} {}", p.name, pct(p.share))).collect();
            let more = if l.parts.len() > 4 { format!(" +{}", l.parts.len() - 4) } else { String::new() };
            let unc = if l.uncovered_share > 0.005 {
                format!(" [outside: {}]", pct(l.uncovered_share))
            } else {
                String::new()
            };
            let (id, name, area) = if i == 0 {
                (format!("{}/{}", z.layer, z.id), z.name.clone(), format!("{:.0}", z.area_km2))
            } else {
                (String::new(), String::new(), String::new())
            };
            writeln!(
                out,
                "{:<18} {:<34} {:>11}  {:<10} {:>4} {:>6.2}  {}{}{}",
                truncate(&id, 18),
                truncate(&name, 34),
                area,
                truncate(level_name, 10),
                if l.cut { "CUT" } else { "-" },
                l.effective_n,
                top.join(", "),
                more,
                unc
            )?;
        }
    }
    if zones.len() > shown {
        writeln!(
            out,
            "… and {} more zones, less severe (all of them: --out report.json or --csv parts.csv)",
            zones.len() - shown
        )?;
    }
    writeln!(
        out,
        "\n{} proposed bodies; write them with --out report.json, or: crossbound brief --body ID --out brief.html",
        r.bodies.len()
    )?;
    for b in r.bodies.iter().take(12) {
        writeln!(
            out,
            "  {:<36} members: {}; convener: {}",
            b.id,
            b.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "),
            b.convener.name
        )?;
    }
    if r.bodies.len() > 12 {
        writeln!(out, "  … and {} more", r.bodies.len() - 12)?;
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

pub fn jurisdiction(a: &JurisdictionArgs) -> Result<()> {
    let scenario = a.scenario.as_deref().map(load_scenario).transpose()?;
    let run =
        run_layers_with(&a.layers, scenario.as_ref().zip(a.scenario.as_deref()), ZonesIn::Report, Drawn::Nothing)?;
    let levels = &run.study.hierarchy.levels;
    let find = |l: usize| {
        let layer = &levels[l].indexed.layer;
        layer.find(&a.id).or_else(|| layer.units.iter().position(|u| u.name.eq_ignore_ascii_case(&a.id)))
    };
    let (level, unit) = match a.level {
        Some(l) if l >= levels.len() => {
            bail!("--level {l}: there are {} admin levels (0..{})", levels.len(), levels.len() - 1)
        }
        Some(l) => (
            l,
            find(l).ok_or_else(|| {
                anyhow!("no unit with id or name \"{}\" in level {l} ({})", a.id, levels[l].indexed.layer.name)
            })?,
        ),
        None => (0..levels.len())
            .find_map(|l| find(l).map(|u| (l, u)))
            .ok_or_else(|| anyhow!("no unit with id or name \"{}\" in any admin level", a.id))?,
    };
    let v = jurisdiction_view(&run.study, &run.analysis, &run.bodies, level, unit);
    let units = &levels[level].indexed.layer.units;
    let me = &units[unit];
    let zone_of = |e: usize, z: usize| &run.study.eco[e].layer.units[z];
    let json = serde_json::json!({
        "schema": "crossbound.jurisdiction/1",
        "level": level,
        "level_name": levels[level].indexed.layer.name,
        "id": me.id,
        "name": me.name,
        "area_km2": me.area_km2,
        "zones": v.zones.iter().map(|s| serde_json::json!({
            "layer": run.study.eco[s.eco].layer.name,
            "id": zone_of(s.eco, s.zone).id,
            "name": zone_of(s.eco, s.zone).name,
            "share": s.share,
            "fraction_of_unit": s.fraction_of_unit,
            "cut": s.cut,
            "others": s.others.iter().map(|(u, sh)| serde_json::json!({"id": units[*u].id, "name": units[*u].name, "share": sh})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "partners": v.partners.iter().map(|(u, n)| serde_json::json!({"id": units[*u].id, "name": units[*u].name, "shared_zones": n})).collect::<Vec<_>>(),
        "bodies": v.bodies.iter().map(|(b, role)| serde_json::json!({"id": run.bodies[*b].id, "role": format!("{role:?}").to_lowercase()})).collect::<Vec<_>>(),
        "neighbours": v.neighbours.iter().map(|(u, km)| serde_json::json!({"id": units[*u].id, "name": units[*u].name, "border_km": km})).collect::<Vec<_>>(),
    });
    if let Some(out) = &a.out {
        let text = serde_json::to_string_pretty(&json)?;
        crossbound::io::write_atomic(out, format!("{text}\n").as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
        return Ok(());
    }
    println!("{} ({}, level {} {}), {:.0} km²\n", me.name, me.id, level, levels[level].indexed.layer.name, me.area_km2);
    println!("Shared zones ({}):", v.zones.len());
    for s in &v.zones {
        let z = zone_of(s.eco, s.zone);
        let others: Vec<String> =
            s.others.iter().take(5).map(|(u, sh)| format!("{} {}", units[*u].name, pct(*sh))).collect();
        println!(
            "  {:<34} {:>6} of the zone ({} of {}){}  with: {}",
            truncate(&format!("{}/{} {}", run.study.eco[s.eco].layer.name, z.id, z.name), 34),
            pct(s.share),
            pct(s.fraction_of_unit),
            me.name,
            if s.cut { " CUT" } else { "" },
            others.join(", ")
        );
    }
    println!(
        "\nPartners: {}",
        v.partners.iter().map(|(u, n)| format!("{} ({n})", units[*u].name)).collect::<Vec<_>>().join(", ")
    );
    println!("\nBodies ({}):", v.bodies.len());
    for (b, role) in &v.bodies {
        println!("  {:<40} {:?}", run.bodies[*b].id, role);
    }
    println!("\nNeighbours (shared border):");
    for (u, km) in &v.neighbours {
        println!("  {:<30} {:>8.1} km", units[*u].name, km);
    }
    Ok(())
}

pub fn brief(a: &BriefArgs) -> Result<()> {
    let scenario = a.scenario.as_deref().map(load_scenario).transpose()?;
    let run = run_layers_with(&a.layers, scenario.as_ref().zip(a.scenario.as_deref()), ZonesIn::Report, Drawn::Parts)?;
    let idx = run
        .bodies
        .iter()
        .position(|b| b.id == a.body)
        .or_else(|| run.report.bodies.iter().position(|b| b.zones.contains(&a.body)))
        .ok_or_else(|| {
            let ids: Vec<&str> = run.report.bodies.iter().take(10).map(|b| b.id.as_str()).collect();
            anyhow!("no body \"{}\"; bodies include: {}", a.body, ids.join(", "))
        })?;
    let html = brief::brief_html(&run.study, &run.bodies[idx], &run.report.bodies[idx]);
    crossbound::io::write_atomic(&a.out, html.as_bytes()).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!("wrote {} (body {})", a.out.display(), run.bodies[idx].id);
    Ok(())
}

pub fn export_job(a: &ExportJobArgs) -> Result<()> {
    if !(a.densify_deg > 0.0 && a.densify_deg.is_finite()) {
        bail!("--densify-deg must be a positive number of degrees, got {}", a.densify_deg);
    }
    let (inputs, _, _) = resolve(&a.layers)?;
    let progress = BarProgress::new();
    let prepared = crossbound::study::Prepared::load(&inputs, &progress);
    progress.finish();
    let prepared = prepared?;
    for w in &prepared.warnings {
        eprintln!("warning: {}: {}", w.source, w.message);
    }
    let s = crossbound::scaleout::export_job(&prepared, &a.out, a.densify_deg)
        .with_context(|| format!("writing the job into {}", a.out.display()))?;
    println!(
        "wrote a Sedona overlay job for {} zones x {} admin units into {}: run `python {}` (SedonaDB) or see its README.md for Spark",
        s.zones,
        s.units,
        a.out.display(),
        a.out.join("run_sedonadb.py").display()
    );
    Ok(())
}
