//! Dialogs: the platform's file dialog (through `rfd` and the XDG desktop portal) when one is
//! available, else an in-app file browser; and the field-mapping dialog for new layers, with
//! a layer picker for multi-layer GeoPackages.

use super::jobs::Job;
use crate::io::Preview;
use crate::model::{FieldMapping, LayerSpec};
use std::path::{Path, PathBuf};

/// What a chosen file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilePurpose {
    /// Add a layer (then map its fields).
    AddLayer,
    /// Open a project file.
    OpenProject,
    /// Open a scenario file.
    OpenScenario,
    /// Save something.
    Save(super::state::Export),
}

/// A simple file browser with a path field.
pub struct FileDialog {
    /// Why it is open.
    pub purpose: FilePurpose,
    /// Folder shown.
    pub dir: PathBuf,
    /// The path being typed or chosen.
    pub path: String,
    /// File extensions shown (lowercase, without dot); empty: all.
    pub exts: Vec<&'static str>,
}

impl FileDialog {
    /// A dialog starting in `dir` with `name` proposed.
    pub fn new(purpose: FilePurpose, dir: &Path, name: &str, exts: Vec<&'static str>) -> Self {
        FileDialog { purpose, dir: dir.to_path_buf(), path: dir.join(name).display().to_string(), exts }
    }

    /// Shows it; returns the chosen path when confirmed, `Err(())` when cancelled.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Result<PathBuf, ()>> {
        let mut out = None;
        let title = match self.purpose {
            FilePurpose::AddLayer => "Add a layer (GeoJSON, Shapefile, GeoPackage, FlatGeobuf, GeoParquet)",
            FilePurpose::OpenProject => "Open a project",
            FilePurpose::OpenScenario => "Open a scenario",
            FilePurpose::Save(_) => "Save as",
        };
        egui::Window::new(title).collapsible(false).resizable(true).default_size([520.0, 420.0]).show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui.button("Up").clicked()
                    && let Some(p) = self.dir.parent()
                {
                    self.dir = p.to_path_buf();
                }
                ui.label(self.dir.display().to_string());
            });
            egui::ScrollArea::vertical().max_height(280.0).show(ui, |ui| {
                let mut entries: Vec<(bool, PathBuf)> = std::fs::read_dir(&self.dir)
                    .map(|rd| rd.filter_map(|e| e.ok()).map(|e| (e.path().is_dir(), e.path())).collect())
                    .unwrap_or_default();
                entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                for (is_dir, p) in entries {
                    let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                    if name.starts_with('.') {
                        continue;
                    }
                    let ext = p.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
                    if !is_dir && !self.exts.is_empty() && !self.exts.contains(&ext.as_str()) {
                        continue;
                    }
                    let label = if is_dir { format!("[{name}]") } else { name.clone() };
                    let r = ui.selectable_label(self.path == p.display().to_string(), label);
                    if r.clicked() {
                        if is_dir {
                            self.dir = p.clone();
                        } else {
                            self.path = p.display().to_string();
                        }
                    }
                    if r.double_clicked() && !is_dir {
                        out = Some(Ok(p.clone()));
                    }
                }
            });
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("Path:");
                ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(380.0));
            });
            ui.horizontal(|ui| {
                let ok = matches!(self.purpose, FilePurpose::Save(_)) || Path::new(&self.path).is_file();
                if ui.add_enabled(ok, egui::Button::new("OK")).clicked() {
                    out = Some(Ok(PathBuf::from(&self.path)));
                }
                if ui.button("Cancel").clicked() {
                    out = Some(Err(()));
                }
            });
        });
        out
    }
}

/// The platform's file dialog, run on a worker thread so the UI keeps drawing.
///
/// Linux desktops show it through the XDG desktop portal (D-Bus). Without a session bus it is
/// not tried; when it answers "nothing chosen" within half a second, no dialog was shown (no
/// portal), and the caller falls back to the in-app browser.
pub struct NativeDialog {
    /// Why it is open.
    pub purpose: FilePurpose,
    started: std::time::Instant,
    job: Job<Option<PathBuf>>,
}

/// Whether to try the platform's file dialog at all.
pub fn native_dialogs_available() -> bool {
    std::env::var_os("CROSSBOUND_NO_NATIVE_DIALOG").is_none()
        && (cfg!(not(target_os = "linux")) || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some())
}

/// What a native dialog came to.
pub enum NativeOutcome {
    /// A file was chosen.
    Chosen(PathBuf),
    /// The user cancelled.
    Cancelled,
    /// No dialog could be shown: use the in-app browser.
    Unavailable,
}

impl NativeDialog {
    /// Opens the dialog for `purpose` in `dir`, showing `filters` (label, extensions).
    pub fn open(
        ctx: &egui::Context,
        purpose: FilePurpose,
        dir: &Path,
        name: &str,
        filters: &[(&'static str, &'static [&'static str])],
    ) -> Self {
        let mut d = rfd::FileDialog::new().set_directory(dir);
        if !name.is_empty() {
            d = d.set_file_name(name);
        }
        for (label, exts) in filters {
            d = d.add_filter(*label, exts);
        }
        let save = matches!(purpose, FilePurpose::Save(_));
        let job = Job::spawn("File dialog", ctx, move |_| if save { d.save_file() } else { d.pick_file() });
        NativeDialog { purpose, started: std::time::Instant::now(), job }
    }

    /// The outcome, once the dialog has closed.
    pub fn poll(&mut self) -> Option<NativeOutcome> {
        self.job.poll().map(|r| match r {
            Some(p) => NativeOutcome::Chosen(p),
            None if self.started.elapsed() < std::time::Duration::from_millis(500) => NativeOutcome::Unavailable,
            None => NativeOutcome::Cancelled,
        })
    }
}

/// Maps the fields of a file being added as a layer.
pub struct FieldDialog {
    /// The file.
    pub path: PathBuf,
    /// The layer chosen in a multi-layer file (GeoPackage).
    pub layer: Option<String>,
    /// Its preview, once read (read in the background).
    pub preview: Option<Result<Preview, String>>,
    job: Option<Job<Result<Preview, String>>>,
    /// Chosen mapping (None = detect).
    pub fields: FieldMapping,
    /// CRS override; empty = as declared (or WGS 84).
    pub crs: String,
    /// Add as an admin level (finest) rather than a zone layer.
    pub as_admin: bool,
}

impl FieldDialog {
    /// Starts reading the preview.
    pub fn new(ctx: &egui::Context, path: PathBuf) -> Self {
        let mut d = FieldDialog {
            path,
            layer: None,
            preview: None,
            job: None,
            fields: FieldMapping::default(),
            crs: String::new(),
            as_admin: false,
        };
        d.read_preview(ctx);
        d
    }

    /// (Re)reads the preview of the chosen layer in the background.
    fn read_preview(&mut self, ctx: &egui::Context) {
        let (p, layer) = (self.path.clone(), self.layer.clone());
        self.preview = None;
        self.fields = FieldMapping::default();
        self.job = Some(Job::spawn("Reading fields", ctx, move |_| {
            crate::io::preview(&p, layer.as_deref(), 5).map_err(|e| e.to_string())
        }));
    }

    /// Shows it; returns the spec and role when confirmed, `Err(())` when cancelled.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Result<(LayerSpec, bool), ()>> {
        if let Some(j) = &mut self.job
            && let Some(r) = j.poll()
        {
            self.preview = Some(r);
            self.job = None;
        }
        let mut out = None;
        let mut pick_layer: Option<String> = None;
        egui::Window::new("Map the fields of the new layer").collapsible(false).default_size([640.0, 420.0]).show(
            ctx,
            |ui| {
                ui.label(self.path.display().to_string());
                match &self.preview {
                    None => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Reading…");
                        });
                    }
                    Some(Err(e)) => {
                        ui.colored_label(egui::Color32::RED, e);
                        if ui.button("Close").clicked() {
                            out = Some(Err(()));
                        }
                    }
                    Some(Ok(p)) if p.layer.is_none() => {
                        ui.label(format!(
                            "This {} holds {} polygon layers. Which one?",
                            p.format.name(),
                            p.layers.len()
                        ));
                        for l in &p.layers {
                            if ui.button(l).clicked() {
                                pick_layer = Some(l.clone());
                            }
                        }
                        if ui.button("Cancel").clicked() {
                            out = Some(Err(()));
                        }
                    }
                    Some(Ok(p)) => {
                        if p.layers.len() > 1 {
                            ui.horizontal(|ui| {
                                ui.label("Layer:");
                                let current = p.layer.clone().unwrap_or_default();
                                egui::ComboBox::from_id_salt("gpkg-layer").selected_text(&current).show_ui(ui, |ui| {
                                    for l in &p.layers {
                                        if ui.selectable_label(*l == current, l).clicked() && *l != current {
                                            pick_layer = Some(l.clone());
                                        }
                                    }
                                });
                            });
                        }
                        ui.label(format!(
                            "{}: {} features; CRS: {}",
                            p.format.name(),
                            p.feature_count,
                            p.declared_crs
                                .as_deref()
                                .map(crate::crs::short_label)
                                .unwrap_or_else(|| "none declared (WGS 84 lon/lat)".into())
                        ));
                        ui.horizontal(|ui| {
                            ui.radio_value(&mut self.as_admin, false, "Ecological zones");
                            ui.radio_value(&mut self.as_admin, true, "Admin level (finest)");
                        });
                        egui::Grid::new("fields").num_columns(2).show(ui, |ui| {
                            let keys = p.keys.clone();
                            let combo = |ui: &mut egui::Ui,
                                         label: &str,
                                         value: &mut Option<String>,
                                         detected: &Option<String>| {
                                ui.label(label);
                                let shown = value.clone().unwrap_or_else(|| {
                                    format!("auto ({})", detected.clone().unwrap_or_else(|| "none".into()))
                                });
                                egui::ComboBox::from_id_salt(label).selected_text(shown).show_ui(ui, |ui| {
                                    ui.selectable_value(value, None, "auto");
                                    for k in &keys {
                                        ui.selectable_value(value, Some(k.clone()), k);
                                    }
                                });
                                ui.end_row();
                            };
                            combo(ui, "Id", &mut self.fields.id, &p.detected.id);
                            combo(ui, "Name", &mut self.fields.name, &p.detected.name);
                            combo(ui, "Parent id", &mut self.fields.parent, &None);
                            combo(ui, "Population", &mut self.fields.population, &p.detected.population);
                            ui.label("CRS override");
                            ui.add(egui::TextEdit::singleline(&mut self.crs).hint_text("e.g. EPSG:3857"));
                            ui.end_row();
                        });
                        ui.separator();
                        ui.label("First features:");
                        egui::ScrollArea::both().max_height(150.0).show(ui, |ui| {
                            egui::Grid::new("sample").striped(true).show(ui, |ui| {
                                for k in &p.keys {
                                    ui.strong(k);
                                }
                                ui.end_row();
                                for row in &p.sample {
                                    for k in &p.keys {
                                        let v = row.get(k).map(|v| match v {
                                            serde_json::Value::String(s) => s.clone(),
                                            other => other.to_string(),
                                        });
                                        ui.label(v.unwrap_or_default());
                                    }
                                    ui.end_row();
                                }
                            });
                        });
                        ui.horizontal(|ui| {
                            if ui.button("Add layer").clicked() {
                                let spec = LayerSpec {
                                    path: self.path.clone(),
                                    layer: if p.layers.len() > 1 { p.layer.clone() } else { None },
                                    fields: self.fields.clone(),
                                    crs: (!self.crs.trim().is_empty()).then(|| self.crs.trim().to_string()),
                                    drop_properties: false,
                                };
                                out = Some(Ok((spec, self.as_admin)));
                            }
                            if ui.button("Cancel").clicked() {
                                out = Some(Err(()));
                            }
                        });
                    }
                }
            },
        );
        if let Some(l) = pick_layer {
            self.layer = Some(l);
            self.read_preview(ctx);
        }
        out
    }
}
