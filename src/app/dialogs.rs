//! In-app dialogs: a file browser (native dialogs need a D-Bus session and a desktop portal,
//! which many Linux machines lack) and the field-mapping dialog for new layers.

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
            FilePurpose::AddLayer => "Add a layer (GeoJSON)",
            FilePurpose::OpenProject => "Open a project",
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

/// Maps the fields of a file being added as a layer.
pub struct FieldDialog {
    /// The file.
    pub path: PathBuf,
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
        let p = path.clone();
        let job = Job::spawn("Reading fields", ctx, move |_| crate::io::preview(&p, 5).map_err(|e| e.to_string()));
        FieldDialog {
            path,
            preview: None,
            job: Some(job),
            fields: FieldMapping::default(),
            crs: String::new(),
            as_admin: false,
        }
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
                    Some(Ok(p)) => {
                        ui.label(format!(
                            "{} features; CRS: {}",
                            p.feature_count,
                            p.declared_crs.clone().unwrap_or_else(|| "none declared (WGS 84 lon/lat)".into())
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
                                    fields: self.fields.clone(),
                                    crs: (!self.crs.trim().is_empty()).then(|| self.crs.trim().to_string()),
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
        out
    }
}
