//! The desktop app (feature `app`): an eframe/egui window over the library — it runs the
//! engine on a worker thread and shows the analysis and the proposals; it holds no analysis
//! logic of its own.
//!
//! - [`state`]: everything the app does except drawing (testable without a GPU);
//! - [`map`], [`camera`], [`tessellate`], [`scene`], [`gpu`]: the map (wgpu + WGSL shaders);
//! - [`panels`]: the side panels, the attribute table and the menus;
//! - [`dialogs`], [`jobs`]: file and field-mapping dialogs, background work.

pub mod camera;
pub mod dialogs;
pub mod gpu;
pub mod jobs;
pub mod map;
pub mod panels;
pub mod reform;
pub mod scenario_panel;
pub mod scene;
pub mod state;
pub mod tessellate;

/// Every layer extension, for file filters.
const ALL_LAYER_EXTENSIONS: &[&str] = &["geojson", "json", "shp", "gpkg", "fgb", "parquet", "geoparquet"];

use dialogs::{FieldDialog, FileDialog, FilePurpose, NativeDialog, NativeOutcome};
use map::MapView;
use state::{AppState, Export};

/// Storage key of the last session.
const SESSION_KEY: &str = "crossbound.session";

/// What is restored at start.
#[derive(serde::Serialize, serde::Deserialize)]
struct Session {
    project: crate::project::Project,
    camera: camera::Camera,
    level: usize,
}

/// Transient UI state.
#[derive(Default)]
pub struct UiState {
    /// Show the attribute table.
    pub show_table: bool,
    /// Table shows units of the level instead of zones.
    pub table_units: bool,
    /// Open file dialog.
    pub file: Option<FileDialog>,
    /// Open field-mapping dialog.
    pub fields: Option<FieldDialog>,
    /// The platform's file dialog, while it is open.
    pub native: Option<NativeDialog>,
    /// Help > About.
    pub about: bool,
    /// Keyboard shortcuts window.
    pub keys: bool,
    /// Load warnings window.
    pub warnings: bool,
    /// Request focus for the search box.
    pub focus_search: bool,
    /// `CROSSBOUND_SCREENSHOT`: save the window as PNG once loaded, then close (for docs and
    /// headless checks under Xvfb). (path, frames to wait, requested)
    pub screenshot: Option<(std::path::PathBuf, u32, bool)>,
}

/// The app.
pub struct CrossboundApp {
    /// Analysis and data.
    pub state: AppState,
    /// The map.
    pub map: MapView,
    /// Panels and dialogs.
    pub ui: UiState,
    /// The GPU, for drawing map images with the screen's pipeline (PNG export).
    render_state: Option<eframe::egui_wgpu::RenderState>,
}

impl CrossboundApp {
    /// Creates the app: GPU resources when a wgpu device is there, the last session (or the US
    /// demo) loading in the background.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        Self::with_project(cc, None)
    }

    /// Like [`CrossboundApp::new`], starting with `project` instead of the last session.
    pub fn with_project(cc: &eframe::CreationContext<'_>, project: Option<crate::project::Project>) -> Self {
        Self::with_options(cc, project, 1)
    }

    /// Like [`CrossboundApp::with_project`], for a window whose render pass uses `msaa`
    /// samples (eframe's `NativeOptions::multisampling`).
    pub fn with_options(cc: &eframe::CreationContext<'_>, project: Option<crate::project::Project>, msaa: u32) -> Self {
        let mut map = MapView::default();
        let render_state = cc.wgpu_render_state.clone();
        if let Some(rs) = &cc.wgpu_render_state {
            gpu::MapGpu::install(rs, msaa);
            map.gpu = true;
        }
        let mut state = AppState::new();
        let session: Option<Session> = cc.storage.and_then(|s| eframe::get_value(s, SESSION_KEY));
        match (project, session) {
            (Some(p), _) => state.load(&cc.egui_ctx, p),
            (None, Some(s)) if s.project.inputs.admin.iter().chain(&s.project.inputs.eco).all(|l| l.path.exists()) => {
                map.camera = s.camera;
                state.level = s.level;
                state.load(&cc.egui_ctx, s.project);
            }
            _ => state.load_us_demo(&cc.egui_ctx),
        }
        let mut ui = UiState::default();
        if let Some(p) = std::env::var_os("CROSSBOUND_SCREENSHOT") {
            ui.screenshot = Some((p.into(), 30, false));
        }
        // For screenshots of the map modes: CROSSBOUND_MAP_MODE=burden-bodies, burden-partners,
        // burden-cut or burden-border.
        if let Ok(m) = std::env::var("CROSSBOUND_MAP_MODE") {
            use reform::{BurdenColumn, MapMode};
            let col = match m.as_str() {
                "burden-bodies" => Some(BurdenColumn::MemberOf),
                "burden-partners" => Some(BurdenColumn::Partners),
                "burden-cut" => Some(BurdenColumn::CutAreaShare),
                "burden-border" => Some(BurdenColumn::BorderKm),
                _ => None,
            };
            if let Some(c) = col {
                state.map_mode = MapMode::Burden(c);
            }
        }
        CrossboundApp { state, map, ui, render_state }
    }

    /// The screenshot mode: once loaded, optionally select a zone (`CROSSBOUND_SELECT`), wait a
    /// few frames, save the window as PNG and close.
    fn screenshot(&mut self, ctx: &egui::Context) {
        let Some((path, wait, requested)) = &mut self.ui.screenshot else { return };
        if self.state.loaded.is_none()
            || self.state.job.is_some()
            || self.state.scenario_pending()
            || self.state.pending_scenario.is_some()
            || self.map.busy()
            || *requested
        {
            return;
        }
        if *wait == 30
            && let Some(sel) = std::env::var("CROSSBOUND_SELECT").ok().and_then(|n| self.state.find_zone(&n))
        {
            self.state.select_zone(sel.0, sel.1);
        }
        if *wait > 0 {
            *wait -= 1;
            ctx.request_repaint();
            return;
        }
        *requested = true;
        let path = path.clone();
        let c = ctx.clone();
        ctx.request_screenshot(move |img| {
            let mut out = Vec::new();
            {
                let mut enc = png::Encoder::new(&mut out, img.size[0] as u32, img.size[1] as u32);
                enc.set_color(png::ColorType::Rgba);
                enc.set_depth(png::BitDepth::Eight);
                if let Ok(mut w) = enc.write_header() {
                    let _ = w.write_image_data(img.as_raw());
                }
            }
            match crate::io::write_atomic(&path, &out) {
                Ok(()) => eprintln!("crossbound: screenshot saved to {}", path.display()),
                Err(e) => eprintln!("crossbound: could not save the screenshot: {e}"),
            }
            c.send_viewport_cmd(egui::ViewportCommand::Close);
            c.request_repaint();
        });
        ctx.request_repaint();
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let sc = |m, k| KeyboardShortcut::new(m, k);
        let reform = ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::R)));
        if reform {
            self.state.reform.active = !self.state.reform.active;
        }
        let (open, save, export, fit, fit_sel, juris, esc, find, help, table) = ctx.input_mut(|i| {
            (
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::O)),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::S)),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::E)),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::Num0)),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::Num9)),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::J)),
                i.consume_key(Modifiers::NONE, Key::Escape),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::F)),
                i.consume_key(Modifiers::NONE, Key::F1),
                i.consume_shortcut(&sc(Modifiers::COMMAND, Key::T)),
            )
        });
        if open {
            self.open_file(ctx, FilePurpose::AddLayer);
        }
        if save {
            self.save_file(ctx, Export::Project, "session.crossbound.json");
        }
        if export {
            self.save_file(ctx, Export::Report, "report.json");
        }
        if fit {
            self.state.frame_request = self.state.extent();
        }
        if fit_sel {
            self.fit_selection();
        }
        if juris {
            self.state.jurisdiction_mode = !self.state.jurisdiction_mode;
        }
        if esc {
            self.state.selection = state::Selection::None;
        }
        if find {
            self.ui.focus_search = true;
        }
        if help {
            self.ui.keys = true;
        }
        if table {
            self.ui.show_table = !self.ui.show_table;
        }
    }

    /// Frames the current selection.
    pub fn fit_selection(&mut self) {
        let Some(l) = &self.state.loaded else { return };
        let b = match self.state.selection {
            state::Selection::Zone(e, z) => Some(l.study.eco[e].layer.units[z].bbox),
            state::Selection::Unit(lv, u) => Some(l.study.hierarchy.levels[lv].indexed.layer.units[u].bbox),
            state::Selection::None => None,
        };
        if let Some(b) = b {
            self.state.frame_request = Some([b.min().x, b.min().y, b.max().x, b.max().y]);
        }
    }

    /// Opens a file dialog for `purpose`: the platform's when available, else the in-app one.
    pub fn open_file(&mut self, ctx: &egui::Context, purpose: FilePurpose) {
        let dir = crate::study::data_dir();
        if dialogs::native_dialogs_available() {
            let filters: Vec<(&'static str, &'static [&'static str])> = match purpose {
                FilePurpose::AddLayer => {
                    let mut v = vec![("All supported layers", ALL_LAYER_EXTENSIONS)];
                    v.extend_from_slice(crate::io::EXTENSIONS);
                    v
                }
                FilePurpose::OpenScenario => vec![("crossbound scenario", &["json"])],
                _ => vec![("crossbound project", &["json"])],
            };
            self.ui.native = Some(NativeDialog::open(ctx, purpose, &dir, "", &filters));
        } else {
            self.open_builtin(purpose, "");
        }
    }

    fn open_builtin(&mut self, purpose: FilePurpose, name: &str) {
        let (dir, exts) = match purpose {
            FilePurpose::AddLayer => (crate::study::data_dir(), ALL_LAYER_EXTENSIONS.to_vec()),
            FilePurpose::OpenProject => (crate::study::data_dir(), vec!["json"]),
            FilePurpose::OpenScenario => (crate::study::data_dir().join("scenarios"), vec!["json"]),
            FilePurpose::Save(_) => (std::env::current_dir().unwrap_or_default(), vec![]),
        };
        self.ui.file = Some(FileDialog::new(purpose, &dir, name, exts));
    }

    /// Opens the save dialog for an export, proposing `name`.
    pub fn save_file(&mut self, ctx: &egui::Context, what: Export, name: &str) {
        let dir = std::env::current_dir().unwrap_or_default();
        if dialogs::native_dialogs_available() {
            self.ui.native = Some(NativeDialog::open(ctx, FilePurpose::Save(what), &dir, name, &[]));
        } else {
            self.open_builtin(FilePurpose::Save(what), name);
        }
    }

    fn chosen(&mut self, ctx: &egui::Context, purpose: FilePurpose, path: std::path::PathBuf) {
        match purpose {
            FilePurpose::AddLayer => self.ui.fields = Some(FieldDialog::new(ctx, path)),
            FilePurpose::OpenProject => self.state.open_project(ctx, &path),
            FilePurpose::OpenScenario => self.state.open_scenario(ctx, &path),
            FilePurpose::Save(Export::MapPng) if self.render_state.is_some() => self.export_map_png(ctx, path, 2.0),
            FilePurpose::Save(what) => self.state.export(what, &path),
        }
    }

    /// The map as the screen shows it, `factor` times the map's size, drawn offscreen by the
    /// screen's own pipeline now: (width, height, RGBA pixels). `None` without a GPU or before
    /// the first frame.
    pub fn render_map_image(&mut self, ctx: &egui::Context, factor: f32) -> Option<Result<MapImage, String>> {
        self.render_map_image_with(ctx, factor, EXPORT_MSAA)
    }

    /// [`CrossboundApp::render_map_image`] with `samples`× MSAA (for measuring its cost).
    pub fn render_map_image_with(
        &mut self,
        ctx: &egui::Context,
        factor: f32,
        samples: u32,
    ) -> Option<Result<MapImage, String>> {
        self.map_image_work(ctx, factor, samples).map(|work| work())
    }

    /// The drawing of a map image, ready to run on any thread: the screen's draw commands and
    /// camera taken now, the offscreen render done when called. `None` without a GPU or before
    /// the first frame.
    fn map_image_work(
        &mut self,
        ctx: &egui::Context,
        factor: f32,
        samples: u32,
    ) -> Option<impl FnOnce() -> Result<MapImage, String> + Send + 'static> {
        let rs = self.render_state.clone()?;
        let (cb, clear) = self.map.export_callback(ctx, &self.state, factor)?;
        Some(move || gpu::render_offscreen(&rs.device, &rs.queue, rs.target_format, &cb, clear, samples))
    }

    /// Writes the map as the screen shows it, `factor` times the map's size, drawn offscreen
    /// by the screen's own wgpu pipeline, off the UI thread. Without a GPU, the state's
    /// software rendering of the view is written instead.
    pub fn export_map_png(&mut self, ctx: &egui::Context, path: std::path::PathBuf, factor: f32) {
        let Some(work) = self.map_image_work(ctx, factor, EXPORT_MSAA) else {
            self.state.export(Export::MapPng, &path);
            return;
        };
        let label = format!("Writing {}", path.display());
        self.state.export_jobs.push(jobs::Job::spawn(label, ctx, move |_| {
            let r = work().and_then(|(w, h, rgba)| {
                let png = crate::render::Canvas::from_rgba(w, h, rgba).ok_or("the image has the wrong size")?.to_png();
                crate::io::write_atomic(&path, &png).map_err(|e| e.to_string())
            });
            (path, r)
        }));
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        if let Some(d) = &mut self.ui.native
            && let Some(outcome) = d.poll()
        {
            let purpose = d.purpose;
            self.ui.native = None;
            match outcome {
                NativeOutcome::Chosen(path) => self.chosen(ctx, purpose, path),
                NativeOutcome::Cancelled => {}
                NativeOutcome::Unavailable => self.open_builtin(purpose, ""),
            }
        }
        if let Some(d) = &mut self.ui.file
            && let Some(r) = d.show(ctx)
        {
            let purpose = d.purpose;
            self.ui.file = None;
            if let Ok(path) = r {
                self.chosen(ctx, purpose, path);
            }
        }
        if let Some(d) = &mut self.ui.fields
            && let Some(r) = d.show(ctx)
        {
            self.ui.fields = None;
            if let Ok((spec, as_admin)) = r {
                self.state.add_layer(ctx, spec, as_admin);
            }
        }
        // Files dropped on the window are added as zone layers through the field dialog.
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).filter(|p| !p.as_os_str().is_empty()).collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.ui.fields = Some(FieldDialog::new(ctx, p));
        }
        if self.ui.about {
            egui::Window::new("About crossbound").open(&mut self.ui.about).default_size([560.0, 420.0]).show(
                ctx,
                |ui| {
                    ui.heading(format!("crossbound {}", env!("CARGO_PKG_VERSION")));
                    ui.label(
                        "Which ecological zones are cut across jurisdictions, and who should govern them together.",
                    );
                    ui.label(
                        "Areas on the WGS 84 ellipsoid; overlay exact (geo BooleanOps); PROJ for coordinate systems.",
                    );
                    ui.separator();
                    ui.strong("Data provenance (data/README.md)");
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        ui.label(include_str!("../../data/README.md"));
                    });
                },
            );
        }
        if self.ui.warnings
            && let Some(l) = &self.state.loaded
        {
            egui::Window::new("Warnings from loading").open(&mut self.ui.warnings).default_size([600.0, 300.0]).show(
                ctx,
                |ui| {
                    if l.study.warnings.is_empty() {
                        ui.label("None: every feature was used as read.");
                    }
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        for w in &l.study.warnings {
                            ui.label(format!("{}: {}", w.source, w.message));
                        }
                    });
                },
            );
        }
        if self.ui.keys {
            egui::Window::new("Keyboard shortcuts").open(&mut self.ui.keys).show(ctx, |ui| {
                egui::Grid::new("keys").show(ui, |ui| {
                    for (k, what) in [
                        ("Ctrl+O", "add a layer"),
                        ("Ctrl+S", "save the project"),
                        ("Ctrl+E", "export the report (JSON)"),
                        ("Ctrl+0", "fit to the layers"),
                        ("Ctrl+9", "fit to the selection"),
                        ("Ctrl+J", "jurisdiction mode on/off"),
                        ("Ctrl+R", "scenario mode on/off (pick units, reform)"),
                        ("Ctrl+F", "search cut zones"),
                        ("Ctrl+T", "attribute table"),
                        ("+ / -, wheel, pinch", "zoom"),
                        ("arrows, drag", "pan"),
                        ("Esc", "clear the selection"),
                        ("F1", "this list"),
                    ] {
                        ui.monospace(k);
                        ui.label(what);
                        ui.end_row();
                    }
                });
            });
        }
    }
}

impl eframe::App for CrossboundApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.state.poll_job();
        if self.state.job.is_some()
            || self.state.bodies_pending()
            || self.state.scenario_pending()
            || self.state.exports_pending()
        {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        self.shortcuts(&ctx);
        panels::menu_bar(ui, self);
        panels::status_bar(ui, self);
        panels::left_panel(ui, self);
        panels::right_panel(ui, self);
        if self.ui.show_table {
            panels::table_panel(ui, self);
        }
        egui::CentralPanel::no_frame().show(ui, |ui| {
            self.map.ui(ui, &mut self.state);
        });
        if let Some(r) = self.map.rect {
            self.state.view_extent = Some(self.map.camera.visible(r));
        }
        self.dialogs(&ctx);
        self.screenshot(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let s = Session { project: self.state.project.clone(), camera: self.map.camera, level: self.state.level };
        eframe::set_value(storage, SESSION_KEY, &s);
    }
}

/// MSAA samples of exported map images.
const EXPORT_MSAA: u32 = 4;

pub use gpu::MapImage;

/// Opens the window (blocking until it is closed), on `project` or else the last session, with
/// `scenario` open in the Scenario panel once loaded.
pub fn run(
    project: Option<crate::project::Project>,
    scenario: Option<crate::scenario::Scenario>,
    equal_earth: bool,
) -> anyhow::Result<()> {
    // Anti-aliased fills: 4× MSAA (lavapipe and every desktop GPU support it);
    // CROSSBOUND_MSAA=1 turns it off (for measuring its cost, or a very weak GPU).
    let msaa: u16 = std::env::var("CROSSBOUND_MSAA")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| matches!(n, 1 | 2 | 4 | 8))
        .unwrap_or(4);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("crossbound — cross-boundary ecological governance")
            .with_inner_size([1400.0, 880.0])
            .with_drag_and_drop(true),
        multisampling: if msaa > 1 { msaa } else { 0 },
        ..Default::default()
    };
    eframe::run_native(
        "crossbound",
        options,
        Box::new(move |cc| {
            let mut app = CrossboundApp::with_options(cc, project, msaa as u32);
            if equal_earth {
                app.map.camera.projection = camera::Projection::EqualEarth;
            }
            app.state.pending_scenario = scenario;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}
