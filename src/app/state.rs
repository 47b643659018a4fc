//! The app's state and everything it does that is not drawing: loading in the background,
//! re-analysing on parameter changes (no new overlay), selections, the cut-zone list, the
//! jurisdiction view, exports and project files. Tests drive it without a GPU.

use super::jobs::Job;
use super::scene::Scene;
use crate::analysis::{LevelAnalysis, Params};
use crate::governance::{Body, JurisdictionView, jurisdiction_view, propose};
use crate::model::{Layer, LayerSpec};
use crate::progress::Progress;
use crate::project::Project;
use crate::report::{Report, build_report};
use crate::study::{Inputs, Study, StudyError, data_dir};
use crate::zone_levels::ZoneLevels;
use std::path::Path;
use std::sync::Arc;

/// What the user has selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Nothing.
    None,
    /// A zone: (eco layer, zone).
    Zone(usize, usize),
    /// An admin unit: (level, unit) — jurisdiction mode.
    Unit(usize, usize),
}

/// Per-layer display settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerStyle {
    /// Drawn at all.
    pub visible: bool,
    /// 0..1.
    pub opacity: f32,
    /// Boundary colour (RGBA).
    pub color: [u8; 4],
}

impl Default for LayerStyle {
    fn default() -> Self {
        LayerStyle { visible: true, opacity: 0.85, color: super::scene::ZONE_LINE }
    }
}

/// A loaded study with what is derived from it.
pub struct Loaded {
    /// Geometry stages, computed once.
    pub study: Arc<Study>,
    /// Analysis for the current parameters: `[eco][zone][level]`.
    pub analysis: Vec<ZoneLevels<LevelAnalysis>>,
    /// Proposed bodies for the current parameters.
    pub bodies: Vec<Body>,
    /// Meshes and labels.
    pub scene: Scene,
    /// The background land layer it was drawn with.
    pub land: Option<Arc<Layer>>,
    /// Each unit's coordination burden, `[level][unit]`, for the current analysis and bodies.
    pub burden: Vec<Vec<crate::burden::Burden>>,
}

/// Result of a bodies job: the study and parameters it was computed for, and the bodies.
type BodiesResult = (Arc<Study>, Params, Vec<Body>);

/// Result of a load job.
pub type LoadResult = Result<Loaded, String>;

/// The whole app state.
pub struct AppState {
    /// Layers and parameters (saved in project files and between sessions).
    pub project: Project,
    /// The admin level the analysis panels show.
    pub level: usize,
    /// Display settings: admin levels then eco layers.
    pub admin_style: Vec<LayerStyle>,
    /// Display settings of eco layers.
    pub eco_style: Vec<LayerStyle>,
    /// The loaded study, if any.
    pub loaded: Option<Loaded>,
    /// The running load job.
    pub job: Option<Job<LoadResult>>,
    /// Current selection.
    pub selection: Selection,
    /// Jurisdiction mode: clicks pick admin units instead of zones.
    pub jurisdiction_mode: bool,
    /// Search text of the cut-zone list.
    pub search: String,
    /// Messages for the user (errors, confirmations), newest last.
    pub messages: Vec<(bool, String)>,
    /// Set when the map should frame something on the next frame: lon/lat box.
    pub frame_request: Option<[f64; 4]>,
    /// Background land layer (bundled Natural Earth countries).
    pub land: Option<Arc<Layer>>,
    /// Inputs of the running load job (become the project's on success).
    pending: Option<Project>,
    /// Bodies being recomputed after a parameter change.
    bodies_job: Option<Job<BodiesResult>>,
    /// The lon/lat box the map shows (for image exports).
    pub view_extent: Option<[f64; 4]>,
    /// Attribute table filter text.
    pub table_filter: String,
    /// Attribute table sort: column and ascending.
    pub table_sort: (usize, bool),
    /// The reform scenario being built (Scenario panel).
    pub reform: super::reform::ScenarioState,
    /// What the map colours.
    pub map_mode: super::reform::MapMode,
    /// Eco layer of the per-layer burden columns.
    pub burden_layer: usize,
    /// A scenario to open once the study has loaded (`crossbound app --scenario`).
    pub pending_scenario: Option<crate::scenario::Scenario>,
    /// The context, for work started when a job finishes.
    ctx: Option<egui::Context>,
    /// Exports being written.
    pub(crate) export_jobs: Vec<Job<(std::path::PathBuf, Result<(), String>)>>,
}

/// What an export needs: a copy of the state's results (the study itself shared), so that it
/// can be written on a worker thread.
pub struct ExportData {
    /// The study shown (reformed when a scenario is applied).
    pub study: Arc<Study>,
    /// Its analysis.
    pub analysis: Vec<ZoneLevels<LevelAnalysis>>,
    /// Its bodies.
    pub bodies: Vec<Body>,
    /// Analysis parameters.
    pub params: Params,
    /// Governance parameters.
    pub gov: crate::governance::GovParams,
    /// The scenario applied, if any (recorded in the report).
    pub scenario: Option<crate::scenario::Scenario>,
    /// Background land.
    pub land: Option<Arc<Layer>>,
    /// Lon/lat box of the map image.
    pub view: [f64; 4],
    /// Which eco layers are drawn.
    pub eco_visible: Vec<bool>,
    /// Which admin levels are drawn.
    pub admin_visible: Vec<bool>,
    /// The viewed admin level.
    pub level: usize,
}

impl ExportData {
    /// The report of what is shown.
    pub fn report(&self) -> Report {
        let mut r = build_report(&self.study, &self.analysis, &self.bodies, &self.params, &self.gov);
        r.scenario = self.scenario.clone();
        r
    }

    /// Writes `what` to `path` (everything but the table, the project and the scenario, which
    /// the state writes itself).
    pub fn write(&self, what: Export, path: &Path) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        let report = self.report();
        let s = &self.study;
        match what {
            Export::Report => crate::export::write_report_json(path, &report).map_err(io),
            Export::Csv => crate::export::write_parts_csv(path, &report).map_err(io),
            Export::ZonesGeojson => crate::export::write_zones_geojson(path, s, &report).map_err(io),
            Export::BodiesGeojson => {
                crate::export::write_bodies_geojson(path, s, &self.bodies, &report.bodies).map_err(io)
            }
            Export::Brief(b) => {
                let body = self.bodies.get(b).ok_or("no such body")?;
                let html = crate::brief::brief_html(s, body, &report.bodies[b]);
                crate::io::write_atomic(path, html.as_bytes()).map_err(io)
            }
            Export::MapPng => crate::io::write_atomic(path, &self.map_png(1600, 1000)).map_err(io),
            Export::Gpkg => crate::export::gpkg::write_gpkg(path, s, &report, &self.bodies).map_err(io),
            Export::PartsParquet => crate::export::parquet::write_parts_parquet(path, s, false).map_err(io),
            Export::BurdenCsv => crate::export::write_burden_csv(path, &report).map_err(io),
            Export::Table(_) | Export::Project | Export::Scenario => Err("written by the app state".into()),
        }
    }

    /// The map at the view as PNG, drawn by the software renderer.
    pub fn map_png(&self, w: u32, h: u32) -> Vec<u8> {
        use crate::render::{Canvas, View};
        let mut c = Canvas::new(w, h, [205, 222, 235, 255]);
        let b = self.view;
        let view = View::fit(geo::Rect::new((b[0], b[1]), (b[2], b[3])), w, h);
        let window = geo::Rect::new((b[0], b[1]), (b[2], b[3]));
        if let Some(land) = &self.land {
            for u in &land.units {
                c.fill(&u.geometry, &view, super::scene::LAND);
            }
        }
        for (e, layer) in self.study.eco.iter().enumerate() {
            if !self.eco_visible.get(e).copied().unwrap_or(true) {
                continue;
            }
            for z in layer.candidates(window) {
                let mut col =
                    self.analysis[e][z].get(self.level).map_or(super::scene::NOT_CUT, super::scene::zone_color);
                col[3] = 200;
                c.fill(&layer.layer.units[z].geometry, &view, col);
            }
        }
        for (i, lv) in self.study.hierarchy.levels.iter().enumerate().rev() {
            if !self.admin_visible.get(i).copied().unwrap_or(true) {
                continue;
            }
            let (col, width) = super::scene::ADMIN_LINE[i.min(2)];
            for u in lv.indexed.candidates(window) {
                c.stroke(&lv.indexed.layer.units[u].geometry, &view, col, width as f64);
            }
        }
        for layer in &self.study.eco {
            for z in layer.candidates(window) {
                c.stroke(&layer.layer.units[z].geometry, &view, super::scene::ZONE_LINE, 1.0);
            }
        }
        c.to_png()
    }
}

/// One row of the attribute table.
#[derive(Debug, Clone)]
pub struct TableRow {
    /// What selecting the row selects.
    pub selection: Selection,
    /// Cell texts.
    pub cells: Vec<String>,
    /// Numeric sort keys (NaN: sort by text).
    pub keys: Vec<f64>,
}

impl AppState {
    /// An empty state with default parameters and the US demo as project.
    pub fn new() -> Self {
        AppState {
            project: Project::new(Inputs::us_demo(&data_dir())),
            level: 0,
            admin_style: Vec::new(),
            eco_style: Vec::new(),
            loaded: None,
            job: None,
            selection: Selection::None,
            jurisdiction_mode: false,
            search: String::new(),
            messages: Vec::new(),
            frame_request: None,
            land: None,
            pending: None,
            view_extent: None,
            bodies_job: None,
            table_filter: String::new(),
            table_sort: (3, false),
            reform: Default::default(),
            map_mode: super::reform::MapMode::Zones,
            burden_layer: 0,
            pending_scenario: None,
            ctx: None,
            export_jobs: Vec::new(),
        }
    }

    /// Starts loading `project` in the background; what is loaded stays until it succeeds.
    pub fn load(&mut self, ctx: &egui::Context, project: Project) {
        self.ctx = Some(ctx.clone());
        if let Some(j) = &self.job {
            j.progress.cancel.cancel();
        }
        let inputs = project.inputs.clone();
        let (params, gov) = (project.params, project.governance);
        let land = self.land.clone();
        let label = format!("Loading {} layer(s)", inputs.admin.len() + inputs.eco.len());
        self.job = Some(Job::spawn(label, ctx, move |p| {
            let land = land.or_else(|| {
                crate::io::load_layer(&LayerSpec::new(data_dir().join("world/countries.geojson"))).ok().map(Arc::new)
            });
            match Study::build(&inputs, p) {
                Ok(_) if p.is_cancelled() => Err("cancelled".to_string()),
                Ok(study) => {
                    // The zone layers' R-trees (built when first asked for) here, off the UI
                    // thread: the map asks them what is in view from the first frame.
                    for e in &study.eco {
                        e.tree();
                    }
                    p.update("triangulating", 0, 1);
                    let scene = Scene::build(&study, land.as_deref());
                    // The first analysis and proposals too, so the UI thread only recolours.
                    let analysis = study.analyse(&params);
                    let bodies = propose(&study, &analysis, &params, &gov);
                    let burden = crate::burden::burdens(&study, &analysis, &bodies);
                    Ok(Loaded { study: Arc::new(study), analysis, bodies, scene, land, burden })
                }
                Err(StudyError::Cancelled(_)) => Err("cancelled".to_string()),
                Err(e) => Err(e.to_string()),
            }
        }));
        self.pending = Some(project);
    }

    /// Loads the bundled US demo.
    pub fn load_us_demo(&mut self, ctx: &egui::Context) {
        self.load(ctx, Project::new(Inputs::us_demo(&data_dir())));
    }

    /// Loads the bundled world demo.
    pub fn load_world_demo(&mut self, ctx: &egui::Context) {
        self.load(ctx, Project::new(Inputs::world_demo(&data_dir())));
    }

    /// Takes a finished job's result. Returns true when something new was loaded.
    pub fn poll_job(&mut self) -> bool {
        self.poll_bodies();
        self.poll_scenario();
        self.poll_exports();
        let Some(job) = &mut self.job else { return false };
        let Some(result) = job.poll() else { return false };
        self.finish(result)
    }

    /// Blocks until the running job is done (tests).
    pub fn wait_for_job(&mut self) -> bool {
        let Some(job) = &mut self.job else { return false };
        let Some(result) = job.wait() else { return false };
        self.finish(result)
    }

    fn finish(&mut self, result: LoadResult) -> bool {
        self.job = None;
        let pending = self.pending.take();
        match result {
            Ok(loaded) => {
                // The project (layers and parameters) takes effect only once it has loaded.
                if let Some(p) = pending {
                    self.project = p;
                }
                self.land = loaded.land.clone();
                let study = loaded.study.clone();
                self.admin_style = (0..study.hierarchy.levels.len())
                    .map(|i| LayerStyle { color: super::scene::ADMIN_LINE[i.min(2)].0, ..LayerStyle::default() })
                    .collect();
                self.eco_style = vec![LayerStyle::default(); study.eco.len()];
                self.level = self.level.min(study.hierarchy.levels.len().saturating_sub(1));
                self.selection = Selection::None;
                let (s, e, n) = (study.hierarchy.levels.len(), study.eco.len(), study.warnings.len());
                self.loaded = Some(loaded);
                self.reset_scenario();
                self.burden_layer = 0;
                if let (Some(sc), Some(ctx)) = (self.pending_scenario.take(), self.ctx.clone()) {
                    self.reform.active = true;
                    self.set_scenario(&ctx, sc);
                }
                self.recolor();
                self.frame_request = self.extent();
                self.messages
                    .push((false, format!("Loaded {s} admin level(s) and {e} zone layer(s); {n} warning(s).")));
                true
            }
            Err(e) => {
                self.messages.push((true, format!("Could not load: {e}. What was loaded before is kept.")));
                false
            }
        }
    }

    /// Colours the zones from the current analysis at the viewed level.
    pub(crate) fn recolor(&mut self) {
        let level = self.level;
        let Some(l) = &mut self.loaded else { return };
        for e in 0..l.analysis.len() {
            l.scene.recolor_zones(e, &l.analysis[e], level);
        }
    }

    /// Re-derives only the analysis and colours (the fast path for live sliders, < 1 ms on the
    /// demos); bodies follow with [`AppState::refresh_bodies`].
    pub fn reanalyse_fast(&mut self) {
        let params = self.project.params;
        if let Some(l) = &mut self.loaded {
            l.analysis = l.study.analyse(&params);
        }
        self.refresh_burden();
        self.recolor();
    }

    /// Recomputes the bodies for the current parameters on a worker thread (tens of ms on the
    /// world demo: too long for a frame); the current bodies stay shown until the new ones are in.
    pub fn refresh_bodies(&mut self, ctx: &egui::Context) {
        // With a scenario, its bodies set up by hand and the before/after strip must follow too:
        // re-apply it (it proposes with them).
        if !self.reform.scenario.steps.is_empty() {
            self.apply_scenario(ctx);
            return;
        }
        let (params, gov) = (self.project.params, self.project.governance);
        let Some(l) = &self.loaded else { return };
        let study = l.study.clone();
        let analysis = l.analysis.clone();
        self.bodies_job = Some(Job::spawn("Proposing bodies", ctx, move |_| {
            let bodies = propose(&study, &analysis, &params, &gov);
            (study, params, bodies)
        }));
    }

    /// Takes finished bodies, if they still match the loaded study and the parameters.
    fn poll_bodies(&mut self) {
        let Some(job) = &mut self.bodies_job else { return };
        let Some((study, params, bodies)) = job.poll() else { return };
        self.bodies_job = None;
        if let Some(l) = &mut self.loaded
            && Arc::ptr_eq(&l.study, &study)
            && params == self.project.params
        {
            l.bodies = bodies;
            self.refresh_burden();
        }
    }

    /// True while bodies are being recomputed.
    pub fn bodies_pending(&self) -> bool {
        self.bodies_job.is_some()
    }

    /// Sets the viewed admin level and recolours.
    pub fn set_level(&mut self, level: usize) {
        self.level = level;
        self.reanalyse_fast();
    }

    /// Number of zones cut at the viewed level.
    pub fn cut_count(&self) -> usize {
        self.loaded
            .as_ref()
            .map_or(0, |l| l.analysis.iter().flatten().filter(|z| z.get(self.level).is_some_and(|a| a.cut)).count())
    }

    /// Cut zones at the viewed level, most severe first (more jurisdictions over the threshold,
    /// then a more even split), filtered by the search text: (eco, zone).
    pub fn cut_zones(&self) -> Vec<(usize, usize)> {
        let Some(l) = &self.loaded else { return Vec::new() };
        let q = self.search.to_lowercase();
        let mut v: Vec<(usize, usize, &LevelAnalysis)> = Vec::new();
        for (e, zs) in l.analysis.iter().enumerate() {
            for (z, levels) in zs.iter().enumerate() {
                let Some(a) = levels.get(self.level) else { continue };
                if !a.cut {
                    continue;
                }
                let unit = &l.study.eco[e].layer.units[z];
                if !q.is_empty() && !unit.name.to_lowercase().contains(&q) && !unit.id.to_lowercase().contains(&q) {
                    continue;
                }
                v.push((e, z, a));
            }
        }
        v.sort_by(|a, b| crate::analysis::severity_order(a.2, b.2));
        v.into_iter().map(|(e, z, _)| (e, z)).collect()
    }

    /// Finds a zone by name or id (first match).
    pub fn find_zone(&self, name: &str) -> Option<(usize, usize)> {
        let l = self.loaded.as_ref()?;
        l.study.eco.iter().enumerate().find_map(|(e, layer)| {
            layer.layer.units.iter().position(|u| u.name == name || u.id == name).map(|z| (e, z))
        })
    }

    /// Selects a zone and asks the map to frame it (with some of its surroundings).
    pub fn select_zone(&mut self, e: usize, z: usize) {
        self.selection = Selection::Zone(e, z);
        if let Some(l) = &self.loaded {
            let b = l.study.eco[e].layer.units[z].bbox;
            let (dx, dy) = (b.width() * 0.6, b.height() * 0.6);
            self.frame_request = Some([b.min().x - dx, b.min().y - dy, b.max().x + dx, b.max().y + dy]);
        }
    }

    /// Selects an admin unit (jurisdiction mode).
    pub fn select_unit(&mut self, level: usize, unit: usize) {
        self.selection = Selection::Unit(level, unit);
    }

    /// The body proposed for zone (e, z) at the viewed level, if any.
    pub fn body_of_zone(&self, e: usize, z: usize) -> Option<usize> {
        let l = self.loaded.as_ref()?;
        l.bodies.iter().position(|b| b.eco == e && b.level == self.level && b.zones.contains(&z))
    }

    /// The jurisdiction view of the selected unit.
    pub fn jurisdiction(&self) -> Option<JurisdictionView> {
        let Selection::Unit(level, unit) = self.selection else { return None };
        let l = self.loaded.as_ref()?;
        Some(jurisdiction_view(&l.study, &l.analysis, &l.bodies, level, unit))
    }

    /// The report for the current parameters.
    pub fn report(&self) -> Option<Report> {
        let l = self.loaded.as_ref()?;
        let mut r = build_report(&l.study, &l.analysis, &l.bodies, &self.project.params, &self.project.governance);
        if !self.reform.scenario.steps.is_empty() {
            r.scenario = Some(self.reform.scenario.clone());
        }
        Some(r)
    }

    /// Lon/lat box of the loaded zones, leaving out far-flung small outliers (a watershed region
    /// that includes Guam should not make the US demo start at a world view): the box of the
    /// zones whose centres lie within the 2–98% area-weighted quantiles of all centres.
    pub fn extent(&self) -> Option<[f64; 4]> {
        let l = self.loaded.as_ref()?;
        let mut boxes: Vec<([f64; 4], f64)> = Vec::new();
        for e in &l.study.eco {
            for u in &e.layer.units {
                for p in &u.geometry.0 {
                    let Some(r) = geo::BoundingRect::bounding_rect(p) else { continue };
                    let shift = super::tessellate::display_shift(&u.geometry);
                    let (x0, x1) = (shift(r.min().x), shift(r.max().x));
                    boxes.push((
                        [x0.min(x1), r.min().y, x0.max(x1), r.max().y],
                        crate::geometry::area::polygon_area_km2(p),
                    ));
                }
            }
        }
        if boxes.is_empty() {
            return None;
        }
        let total: f64 = boxes.iter().map(|b| b.1).sum();
        let quantiles = |coord: &dyn Fn(&[f64; 4]) -> f64| {
            let mut v: Vec<(f64, f64)> = boxes.iter().map(|(b, a)| (coord(b), *a)).collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (mut acc, mut lo, mut hi) = (0.0, v[0].0, v[v.len() - 1].0);
            let mut lo_set = false;
            for (x, a) in &v {
                acc += a;
                if !lo_set && acc >= 0.02 * total {
                    lo = *x;
                    lo_set = true;
                }
                if acc >= 0.98 * total {
                    hi = *x;
                    break;
                }
            }
            (lo, hi)
        };
        let (x0, x1) = quantiles(&|b| (b[0] + b[2]) / 2.0);
        let (y0, y1) = quantiles(&|b| (b[1] + b[3]) / 2.0);
        let mut out = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for (b, _) in &boxes {
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            if cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1 {
                out = [out[0].min(b[0]), out[1].min(b[1]), out[2].max(b[2]), out[3].max(b[3])];
            }
        }
        out[0].is_finite().then_some(out)
    }

    /// Writes an export and reports it in the messages. What the user sees as it is (the table,
    /// the project, the scenario) is written at once; the rest (reports, GeoPackage, Parquet,
    /// the map image, briefs) on a worker thread, so the UI never freezes; the message comes when
    /// it is done.
    pub fn export(&mut self, what: Export, path: &Path) {
        let quick = matches!(what, Export::Table(_) | Export::Project | Export::Scenario);
        if quick {
            let r = self.try_export(what, path);
            self.export_done(path, r);
            return;
        }
        let Some(data) = self.export_data() else {
            self.export_done(path, Err("nothing loaded".into()));
            return;
        };
        let path = path.to_path_buf();
        let label = format!("Writing {}", path.display());
        let work = move |_: &super::jobs::JobProgress| {
            let r = data.write(what, &path);
            (path, r)
        };
        match &self.ctx {
            Some(ctx) => self.export_jobs.push(Job::spawn(label, ctx, work)),
            // No window (never the case in the app): write here.
            None => {
                let (p, r) = work(&Default::default());
                self.export_done(&p, r);
            }
        }
    }

    fn export_done(&mut self, path: &Path, r: Result<(), String>) {
        match r {
            Ok(()) => self.messages.push((false, format!("Wrote {}", path.display()))),
            Err(e) => self.messages.push((true, format!("Could not write {}: {e}", path.display()))),
        }
    }

    /// Takes finished exports.
    fn poll_exports(&mut self) {
        let mut done = Vec::new();
        self.export_jobs.retain_mut(|j| match j.poll() {
            Some(r) => {
                done.push(r);
                false
            }
            None => true,
        });
        for (p, r) in done {
            self.export_done(&p, r);
        }
    }

    /// Blocks until every export is written (tests).
    pub fn wait_for_exports(&mut self) {
        for mut j in std::mem::take(&mut self.export_jobs) {
            if let Some((p, r)) = j.wait() {
                self.export_done(&p, r);
            }
        }
    }

    /// True while an export is being written.
    pub fn exports_pending(&self) -> bool {
        !self.export_jobs.is_empty()
    }

    fn try_export(&self, what: Export, path: &Path) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        match what {
            Export::Project => return self.project.save(path).map_err(io),
            Export::Scenario => {
                return crate::io::write_atomic(path, self.reform.scenario.to_json().as_bytes()).map_err(io);
            }
            _ => {}
        }
        let Export::Table(units) = what else {
            return self.export_data().ok_or("nothing loaded")?.write(what, path);
        };
        let (header, rows) = self.table(units);
        crate::io::atomic::write_atomic_with(path, |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(&header)?;
            for r in &rows {
                c.write_record(&r.cells)?;
            }
            c.flush()
        })
        .map_err(io)
    }

    /// The attribute table: zones with their metrics at the viewed level, or the units of the
    /// level; filtered by `table_filter`, sorted by `table_sort`.
    pub fn table(&self, units: bool) -> (Vec<&'static str>, Vec<TableRow>) {
        let Some(l) = &self.loaded else { return (Vec::new(), Vec::new()) };
        let level = self.level;
        let q = self.table_filter.to_lowercase();
        let pct = |x: f64| format!("{:.2}", x * 100.0);
        let mut rows = Vec::new();
        let header: Vec<&'static str>;
        if units {
            header = vec!["id", "name", "area_km2", "shared_zones", "bodies"];
            let lv = &l.study.hierarchy.levels[level].indexed.layer;
            for (u, unit) in lv.units.iter().enumerate() {
                if !q.is_empty() && !unit.name.to_lowercase().contains(&q) && !unit.id.to_lowercase().contains(&q) {
                    continue;
                }
                let shared = l
                    .analysis
                    .iter()
                    .flatten()
                    .filter(|zs| zs[level].parts.len() > 1 && zs[level].parts.iter().any(|p| p.unit == u))
                    .count();
                let bodies =
                    l.bodies.iter().filter(|b| b.level == level && b.members.iter().any(|m| m.unit == u)).count();
                rows.push(TableRow {
                    selection: Selection::Unit(level, u),
                    cells: vec![
                        unit.id.clone(),
                        unit.name.clone(),
                        format!("{:.1}", unit.area_km2),
                        shared.to_string(),
                        bodies.to_string(),
                    ],
                    keys: vec![f64::NAN, f64::NAN, unit.area_km2, shared as f64, bodies as f64],
                });
            }
        } else {
            header = vec![
                "layer",
                "id",
                "name",
                "area_km2",
                "cut",
                "parts",
                "largest_share_pct",
                "effective_n",
                "uncovered_pct",
                "border_km",
            ];
            for (e, zs) in l.analysis.iter().enumerate() {
                for (z, levels) in zs.iter().enumerate() {
                    let zone = &l.study.eco[e].layer.units[z];
                    if !q.is_empty() && !zone.name.to_lowercase().contains(&q) && !zone.id.to_lowercase().contains(&q) {
                        continue;
                    }
                    let a = &levels[level];
                    rows.push(TableRow {
                        selection: Selection::Zone(e, z),
                        cells: vec![
                            l.study.eco[e].layer.name.clone(),
                            zone.id.clone(),
                            zone.name.clone(),
                            format!("{:.1}", zone.area_km2),
                            if a.cut { "yes".into() } else { "no".into() },
                            a.parts.len().to_string(),
                            pct(a.largest_share()),
                            format!("{:.3}", a.effective_n),
                            pct(a.uncovered_share),
                            format!("{:.1}", a.border_km),
                        ],
                        keys: vec![
                            f64::NAN,
                            f64::NAN,
                            f64::NAN,
                            zone.area_km2,
                            a.cut as u8 as f64,
                            a.parts.len() as f64,
                            a.largest_share(),
                            a.effective_n,
                            a.uncovered_share,
                            a.border_km,
                        ],
                    });
                }
            }
        }
        let (sc, asc) = self.table_sort;
        let sc = sc.min(header.len().saturating_sub(1));
        rows.sort_by(|a, b| {
            let o = if a.keys[sc].is_nan() { a.cells[sc].cmp(&b.cells[sc]) } else { a.keys[sc].total_cmp(&b.keys[sc]) };
            if asc { o } else { o.reverse() }
        });
        (header, rows)
    }

    /// Renders the current view as a PNG (the same colours as the map, software-rendered).
    pub fn map_png(&self, w: u32, h: u32) -> Vec<u8> {
        match self.export_data() {
            Some(d) => d.map_png(w, h),
            None => crate::render::Canvas::new(w, h, [205, 222, 235, 255]).to_png(),
        }
    }

    /// What the exports need, copied (the study shared) so they can be written off the UI thread.
    pub fn export_data(&self) -> Option<ExportData> {
        let l = self.loaded.as_ref()?;
        Some(ExportData {
            study: l.study.clone(),
            analysis: l.analysis.clone(),
            bodies: l.bodies.clone(),
            params: self.project.params,
            gov: self.project.governance,
            scenario: (!self.reform.scenario.steps.is_empty()).then(|| self.reform.scenario.clone()),
            land: self.land.clone(),
            view: self.view_extent.or_else(|| self.extent()).unwrap_or([-180.0, -60.0, 180.0, 80.0]),
            eco_visible: self.eco_style.iter().map(|s| s.visible).collect(),
            admin_visible: self.admin_style.iter().map(|s| s.visible).collect(),
            level: self.level,
        })
    }

    /// Adds a layer (admin level appended as the finest, or an eco layer) and reloads.
    pub fn add_layer(&mut self, ctx: &egui::Context, spec: LayerSpec, as_admin: bool) {
        let mut p = self.project.clone();
        if as_admin {
            p.inputs.admin.push(spec);
        } else {
            p.inputs.eco.push(spec);
        }
        self.load(ctx, p);
    }

    /// Removes a layer and reloads (refuses to remove the last admin or eco layer).
    pub fn remove_layer(&mut self, ctx: &egui::Context, admin: bool, index: usize) {
        let mut p = self.project.clone();
        let list = if admin { &mut p.inputs.admin } else { &mut p.inputs.eco };
        if list.len() <= 1 {
            self.messages.push((true, "At least one admin level and one zone layer are needed.".into()));
            return;
        }
        list.remove(index);
        self.load(ctx, p);
    }

    /// Moves admin level `index` one step coarser (up) and reloads.
    pub fn move_level_up(&mut self, ctx: &egui::Context, index: usize) {
        if index == 0 {
            return;
        }
        let mut p = self.project.clone();
        p.inputs.admin.swap(index - 1, index);
        self.load(ctx, p);
    }

    /// Opens a project file.
    pub fn open_project(&mut self, ctx: &egui::Context, path: &Path) {
        match Project::load(path) {
            Ok(p) => self.load(ctx, p),
            Err(e) => self.messages.push((true, e)),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The JSON report.
    Report,
    /// Parts as CSV.
    Csv,
    /// Zones GeoJSON.
    ZonesGeojson,
    /// Bodies GeoJSON.
    BodiesGeojson,
    /// The brief of a body (index).
    Brief(usize),
    /// The project file.
    Project,
    /// The attribute table as shown (zones, or units of the viewed level when true).
    Table(bool),
    /// The map at the current view, as PNG.
    MapPng,
    /// Zones, bodies and parts as a GeoPackage.
    Gpkg,
    /// The overlay's parts table as Parquet.
    PartsParquet,
    /// The scenario being built (crossbound.scenario/1).
    Scenario,
    /// Each jurisdiction's burden as CSV.
    BurdenCsv,
}
