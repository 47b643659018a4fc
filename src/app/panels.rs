//! The panels around the map: menus, status bar, layers and analysis (left), zone details and
//! the jurisdiction view (right), the attribute table (bottom).

use super::CrossboundApp;
use super::dialogs::FilePurpose;
use super::map::{OBSERVER, member_color};
use super::state::{Export, Selection};
use crate::governance::{Convener, Role};
use egui::{Color32, RichText};

fn col(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.01 { format!("{:.2}%", x * 100.0) } else { format!("{:.1}%", x * 100.0) }
}

/// The menu bar.
pub fn menu_bar(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Add layer…  (Ctrl+O)").clicked() {
                    app.open_file(&ui.ctx().clone(), FilePurpose::AddLayer);
                }
                if ui.button("Open project…").clicked() {
                    app.open_file(&ui.ctx().clone(), FilePurpose::OpenProject);
                }
                if ui.button("Save project…  (Ctrl+S)").clicked() {
                    app.save_file(&ui.ctx().clone(), Export::Project, "session.crossbound.json");
                }
                if ui.button("Open scenario…").clicked() {
                    app.state.reform.active = true;
                    app.open_file(&ui.ctx().clone(), FilePurpose::OpenScenario);
                }
                if ui.button("Save scenario…").clicked() {
                    app.save_file(&ui.ctx().clone(), Export::Scenario, "scenario.json");
                }
                ui.separator();
                if ui.button("US demo (states, counties, watersheds, parks)").clicked() {
                    app.state.load_us_demo(ui.ctx());
                }
                if ui.button("World demo (countries, provinces, regions)").clicked() {
                    app.state.load_world_demo(ui.ctx());
                }
            });
            ui.menu_button("Export", |ui| {
                let loaded = app.state.loaded.is_some();
                for (label, what, name) in [
                    ("Report (JSON)…  (Ctrl+E)", Export::Report, "report.json"),
                    ("Shares (CSV)…", Export::Csv, "shares.csv"),
                    ("Zones (GeoJSON)…", Export::ZonesGeojson, "zones.geojson"),
                    ("Bodies (GeoJSON)…", Export::BodiesGeojson, "bodies.geojson"),
                    ("Zones and bodies (GeoPackage)…", Export::Gpkg, "crossbound.gpkg"),
                    ("Parts (Parquet)…", Export::PartsParquet, "parts.parquet"),
                    ("Burden of each jurisdiction (CSV)…", Export::BurdenCsv, "burden.csv"),
                ] {
                    if ui.add_enabled(loaded, egui::Button::new(label)).clicked() {
                        app.save_file(&ui.ctx().clone(), what, name);
                    }
                }
                let body = match app.state.selection {
                    Selection::Zone(e, z) => app.state.body_of_zone(e, z),
                    _ => None,
                };
                if ui
                    .add_enabled(body.is_some(), egui::Button::new("Brief of the selected zone's body (HTML)…"))
                    .clicked()
                    && let Some(b) = body
                {
                    app.save_file(&ui.ctx().clone(), Export::Brief(b), "brief.html");
                }
                if ui.add_enabled(loaded, egui::Button::new("Map image (PNG)…")).clicked() {
                    app.save_file(&ui.ctx().clone(), Export::MapPng, "map.png");
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Fit to layers  (Ctrl+0)").clicked() {
                    app.state.frame_request = app.state.extent();
                }
                if ui.button("Fit to selection  (Ctrl+9)").clicked() {
                    app.fit_selection();
                }
                ui.checkbox(&mut app.ui.show_table, "Attribute table  (Ctrl+T)");
                ui.checkbox(&mut app.state.jurisdiction_mode, "Jurisdiction mode  (Ctrl+J)");
                ui.checkbox(&mut app.state.reform.active, "Scenario mode  (Ctrl+R)");
                ui.separator();
                ui.label("Projection");
                for p in [super::camera::Projection::Equirectangular, super::camera::Projection::EqualEarth] {
                    if ui.radio(app.map.camera.projection == p, p.label()).clicked() {
                        app.map.set_projection(p);
                    }
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keyboard shortcuts  (F1)").clicked() {
                    app.ui.keys = true;
                }
                if ui.button("About and data provenance").clicked() {
                    app.ui.about = true;
                }
            });
        });
    });
}

/// Progress, messages, cursor position.
pub fn status_bar(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            if let Some(job) = &app.state.job {
                let (stage, f) = job.progress.snapshot();
                ui.label(&job.label);
                ui.add(egui::ProgressBar::new(f).desired_width(220.0).text(stage));
                if ui.button("Cancel").clicked() {
                    job.progress.cancel.cancel();
                }
                ui.separator();
            }
            if app.state.exports_pending() || app.state.scenario_pending() {
                ui.spinner();
                ui.label(if app.state.scenario_pending() { "Applying the scenario…" } else { "Writing…" });
                ui.separator();
            }
            if let Some((err, m)) = app.state.messages.last() {
                let t = if *err { RichText::new(m).color(Color32::RED) } else { RichText::new(m) };
                ui.label(t);
                if ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    app.state.messages.pop();
                }
            }
            if let Some(l) = &app.state.loaded
                && ui
                    .small_button(format!("Warnings: {}", l.study.warnings.len()))
                    .on_hover_text("Repairs and skips made while loading")
                    .clicked()
            {
                app.ui.warnings = true;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(c) = app.map.cursor {
                    let lon = if c[0] < -180.0 {
                        c[0] + 360.0
                    } else if c[0] > 180.0 {
                        c[0] - 360.0
                    } else {
                        c[0]
                    };
                    ui.monospace(format!("{:>9.4}°, {:>8.4}°", lon, c[1]));
                }
                ui.weak(format!("frame {:.1} ms{}", app.map.frame_ms, if app.map.gpu { " · GPU" } else { " · CPU" }));
            });
        });
    });
}

/// Layers, parameters and the cut-zone list.
pub fn left_panel(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    egui::Panel::left("left").default_size(300.0).show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            layers_section(ui, app);
            ui.separator();
            analysis_section(ui, app);
        });
    });
}

fn layers_section(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    ui.heading("Layers");
    let Some(l) = &app.state.loaded else {
        ui.label("Nothing loaded yet.");
        return;
    };
    let admin: Vec<(String, usize, String)> = l
        .study
        .hierarchy
        .levels
        .iter()
        .map(|lv| (lv.indexed.layer.name.clone(), lv.indexed.layer.units.len(), lv.indexed.layer.crs.clone()))
        .collect();
    let eco: Vec<(String, usize, String)> =
        l.study.eco.iter().map(|e| (e.layer.name.clone(), e.layer.units.len(), e.layer.crs.clone())).collect();
    let mut action: Option<(bool, usize, &str)> = None;
    ui.label(RichText::new("Admin levels (coarse to fine)").strong());
    for (i, (name, n, crs)) in admin.iter().enumerate() {
        ui.horizontal(|ui| {
            let st = &mut app.state.admin_style[i];
            ui.checkbox(&mut st.visible, format!("{i}: {name} ({n})")).on_hover_text(format!("CRS read: {crs}"));
            if ui.small_button("up").on_hover_text("Make coarser").clicked() {
                action = Some((true, i, "up"));
            }
            if ui.small_button("remove").on_hover_text("Remove").clicked() {
                action = Some((true, i, "remove"));
            }
        });
        ui.horizontal(|ui| {
            ui.color_edit_button_srgba_unmultiplied(&mut app.state.admin_style[i].color)
                .on_hover_text("Boundary colour");
            ui.add(egui::Slider::new(&mut app.state.admin_style[i].opacity, 0.0..=1.0).text("opacity"));
        });
    }
    ui.label(RichText::new("Ecological zones").strong());
    for (i, (name, n, crs)) in eco.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut app.state.eco_style[i].visible, format!("{name} ({n})"))
                .on_hover_text(format!("CRS read: {crs}"));
            if ui.small_button("remove").on_hover_text("Remove").clicked() {
                action = Some((false, i, "remove"));
            }
        });
        ui.horizontal(|ui| {
            ui.color_edit_button_srgba_unmultiplied(&mut app.state.eco_style[i].color).on_hover_text("Outline colour");
            ui.add(egui::Slider::new(&mut app.state.eco_style[i].opacity, 0.0..=1.0).text("opacity"));
        });
    }
    if ui.button("+ Add layer…").clicked() {
        app.open_file(&ui.ctx().clone(), FilePurpose::AddLayer);
    }
    let ctx = ui.ctx().clone();
    match action {
        Some((true, i, "up")) => app.state.move_level_up(&ctx, i),
        Some((admin, i, "remove")) => app.state.remove_layer(&ctx, admin, i),
        _ => {}
    }
}

fn analysis_section(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    ui.heading("Analysis");
    let Some(l) = &app.state.loaded else { return };
    let names: Vec<String> = l.study.hierarchy.levels.iter().map(|x| x.indexed.layer.name.clone()).collect();
    let mut level = app.state.level;
    egui::ComboBox::from_label("admin level").selected_text(names.get(level).cloned().unwrap_or_default()).show_ui(
        ui,
        |ui| {
            for (i, n) in names.iter().enumerate() {
                ui.selectable_value(&mut level, i, n);
            }
        },
    );
    if level != app.state.level {
        app.state.set_level(level);
        app.state.refresh_bodies(ui.ctx());
    }
    let mut p = app.state.project.params;
    let r1 = ui.add(
        egui::Slider::new(&mut p.threshold, 0.0..=0.5)
            .text("cut threshold")
            .custom_formatter(|v, _| format!("{:.1}%", v * 100.0)),
    );
    let r2 = ui.add(egui::Slider::new(&mut p.min_area_km2, 0.0..=1000.0).logarithmic(true).text("sliver < km²"));
    if p != app.state.project.params {
        // Live: shares and colours now (no overlay); bodies when the slider is let go.
        app.state.project.params = p;
        app.state.reanalyse_fast();
    }
    if r1.drag_stopped() || r2.drag_stopped() || ((r1.changed() || r2.changed()) && !r1.dragged() && !r2.dragged()) {
        app.state.refresh_bodies(ui.ctx());
    }
    ui.checkbox(&mut app.state.jurisdiction_mode, "Jurisdiction mode (click a unit)");
    ui.checkbox(&mut app.state.reform.active, "Scenario mode (pick units, reform)");
    map_mode(ui, app);
    ui.separator();
    let cut = app.state.cut_zones();
    ui.label(
        RichText::new(format!(
            "Cut zones at {} level: {}",
            names.get(app.state.level).cloned().unwrap_or_default(),
            app.state.cut_count()
        ))
        .strong(),
    );
    let search = ui.add(egui::TextEdit::singleline(&mut app.state.search).hint_text("search zones…"));
    if app.ui.focus_search {
        search.request_focus();
        app.ui.focus_search = false;
    }
    let Some(l) = &app.state.loaded else { return };
    let mut clicked = None;
    for (e, z) in cut {
        let zone = &l.study.eco[e].layer.units[z];
        let a = &l.analysis[e][z][app.state.level];
        let n = a.significant;
        let selected = app.state.selection == Selection::Zone(e, z);
        let text = format!("{} — cut across {n} jurisdictions, largest {}", zone.name, pct(a.largest_share()));
        if ui
            .selectable_label(selected, text)
            .on_hover_text(format!("{} / {}", l.study.eco[e].layer.name, zone.id))
            .clicked()
        {
            clicked = Some((e, z));
        }
    }
    if let Some((e, z)) = clicked {
        app.state.select_zone(e, z);
    }
}

/// Details of the selection: zone (shares, body) or jurisdiction view.
/// Map colours: zones (cut, n_eff) or the burden of the viewed level's units.
fn map_mode(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    use super::reform::{BurdenColumn, MapMode};
    let mut mode = app.state.map_mode;
    let text = match mode {
        MapMode::Zones => "zones: cut and n_eff".to_string(),
        MapMode::Burden(c) => format!("burden: {}", c.label()),
    };
    egui::ComboBox::from_label("map colours").selected_text(text).show_ui(ui, |ui| {
        ui.selectable_value(&mut mode, MapMode::Zones, "zones: cut and n_eff");
        for c in BurdenColumn::ALL {
            ui.selectable_value(&mut mode, MapMode::Burden(c), format!("burden: {}", c.label()));
        }
    });
    app.state.map_mode = mode;
    if let (MapMode::Burden(BurdenColumn::CutAreaShare | BurdenColumn::BorderKm), Some(l)) = (mode, &app.state.loaded) {
        let names: Vec<String> = l.study.eco.iter().map(|e| e.layer.name.clone()).collect();
        let mut e = app.state.burden_layer.min(names.len().saturating_sub(1));
        egui::ComboBox::from_label("of zones in").selected_text(names.get(e).cloned().unwrap_or_default()).show_ui(
            ui,
            |ui| {
                for (i, n) in names.iter().enumerate() {
                    ui.selectable_value(&mut e, i, n);
                }
            },
        );
        app.state.burden_layer = e;
    }
}

pub fn right_panel(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    egui::Panel::right("right").default_size(360.0).show(ui, |ui| {
        if app.state.reform.active {
            egui::ScrollArea::vertical().show(ui, |ui| super::scenario_panel::scenario_panel(ui, app));
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| match app.state.selection {
            Selection::Zone(e, z) => zone_details(ui, app, e, z),
            Selection::Unit(..) => jurisdiction_details(ui, app),
            Selection::None => {
                ui.heading("Details");
                ui.label("Click a zone on the map or in the list of cut zones to see how it is split and the body proposed for it.");
                ui.label("In jurisdiction mode (Ctrl+J), click an admin unit to see the zones it shares, its partners, its bodies and its neighbours.");
            }
        });
    });
}

fn zone_details(ui: &mut egui::Ui, app: &mut CrossboundApp, e: usize, z: usize) {
    let level = app.state.level;
    let body_ix = app.state.body_of_zone(e, z);
    let Some(l) = &app.state.loaded else { return };
    let zone = &l.study.eco[e].layer.units[z];
    let units = &l.study.hierarchy.levels[level].indexed.layer.units;
    let a = &l.analysis[e][z][level];
    ui.heading(&zone.name);
    ui.label(format!("{} · id {} · {:.0} km²", l.study.eco[e].layer.name, zone.id, zone.area_km2));
    ui.label(if a.cut {
        RichText::new(format!(
            "Cut across {} ({} parts, n_eff {:.2})",
            l.study.hierarchy.levels[level].indexed.layer.name,
            a.parts.len(),
            a.effective_n
        ))
        .strong()
    } else {
        RichText::new("Not cut at this level")
    });
    ui.separator();
    ui.strong("Shares by jurisdiction");
    let members: Vec<usize> = a.significant(app.state.project.params.threshold).map(|p| p.unit).collect();
    let w = ui.available_width().min(330.0);
    egui::Grid::new("shares").striped(true).show(ui, |ui| {
        for p in &a.parts {
            let c = members.iter().position(|&m| m == p.unit).map_or(OBSERVER, member_color);
            ui.label(&units[p.unit].name);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(w * 0.45, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, Color32::from_gray(230));
            let mut bar = rect;
            bar.set_width(rect.width() * p.share as f32);
            ui.painter().rect_filled(bar, 2.0, col(c));
            ui.label(pct(p.share));
            ui.end_row();
        }
    });
    if a.sliver_count > 0 {
        ui.label(format!("Slivers: {} pieces, {:.2} km² in total", a.sliver_count, a.sliver_area_km2));
    }
    ui.label(format!("Outside every unit: {}", pct(a.uncovered_share)));
    ui.label(format!("Borders inside the zone: {:.0} km", a.border_km));
    ui.separator();
    ui.horizontal(|ui| {
        ui.heading("Proposed body");
        if app.state.bodies_pending() {
            ui.spinner();
        }
    });
    let Some(b) = body_ix.and_then(|i| l.bodies.get(i)) else {
        ui.label("No body: the zone is not cut at this level.");
        return;
    };
    ui.label(format!("Body for {}", b.title(&l.study))).on_hover_text(&b.id);
    ui.strong("Members (one vote each)");
    egui::Grid::new("members").striped(true).show(ui, |ui| {
        ui.label("");
        ui.label("share");
        ui.label("cost share");
        ui.end_row();
        for (i, m) in b.members.iter().enumerate() {
            ui.label(RichText::new(&units[m.unit].name).color(col(member_color(i))));
            ui.label(pct(m.share));
            ui.label(pct(m.cost_share));
            ui.end_row();
        }
    });
    if !b.observers.is_empty() {
        ui.strong("Observers");
        for o in &b.observers {
            ui.label(format!("{} ({})", units[o.unit].name, pct(o.share)));
        }
    }
    let convener = match b.convener {
        Convener::Unit(lv, u) => l.study.hierarchy.levels[lv].indexed.layer.units[u].name.clone(),
        Convener::AboveTop => {
            format!("above the top loaded level: {}", crate::governance::body::above_top_label(&l.study))
        }
    };
    ui.label(format!("Convener: {convener}"));
    ui.label(format!(
        "Chair: {} first, then every {} years: {}",
        units[b.chair.first].name,
        b.chair.term_years,
        b.chair.rotation.iter().map(|&u| units[u].name.clone()).collect::<Vec<_>>().join(" -> ")
    ));
    ui.collapsing("Why (the rules)", |ui| {
        for r in b.rules(&l.study, &l.bodies) {
            ui.label(format!("- {r}"));
        }
    });
    if ui.button("Export brief (HTML)…").clicked()
        && let Some(i) = body_ix
    {
        app.save_file(&ui.ctx().clone(), Export::Brief(i), "brief.html");
    }
}

fn jurisdiction_details(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    let Some(v) = app.state.jurisdiction() else { return };
    let Some(l) = &app.state.loaded else { return };
    let units = &l.study.hierarchy.levels[v.level].indexed.layer.units;
    let me = &units[v.unit];
    ui.heading(&me.name);
    ui.label(format!(
        "{} · id {} · {:.0} km²",
        l.study.hierarchy.levels[v.level].indexed.layer.name, me.id, me.area_km2
    ));
    ui.separator();
    ui.strong(format!("Shared zones ({})", v.zones.len()));
    let mut go = None;
    for s in &v.zones {
        let z = &l.study.eco[s.eco].layer.units[s.zone];
        let with: Vec<String> =
            s.others.iter().take(4).map(|(u, sh)| format!("{} {}", units[*u].name, pct(*sh))).collect();
        if ui
            .selectable_label(
                false,
                format!(
                    "{}{}: {} of it ({} of {})",
                    z.name,
                    if s.cut { " (cut)" } else { "" },
                    pct(s.share),
                    pct(s.fraction_of_unit),
                    me.name
                ),
            )
            .on_hover_text(format!("with {}", with.join(", ")))
            .clicked()
        {
            go = Some((s.eco, s.zone));
        }
    }
    ui.separator();
    ui.strong(format!("Partners ({})", v.partners.len()));
    ui.label(v.partners.iter().map(|(u, n)| format!("{} ({n})", units[*u].name)).collect::<Vec<_>>().join(", "));
    ui.separator();
    ui.strong(format!("Bodies ({})", v.bodies.len()));
    for (b, role) in &v.bodies {
        let body = &l.bodies[*b];
        ui.label(format!(
            "{} ({}) — {}",
            body.title(&l.study),
            l.study.hierarchy.levels[body.level].indexed.layer.name,
            if *role == Role::Member { "member" } else { "observer" }
        ))
        .on_hover_text(&body.id);
    }
    ui.separator();
    ui.strong("Neighbours (shared border)");
    egui::Grid::new("neighbours").striped(true).show(ui, |ui| {
        for (u, km) in &v.neighbours {
            ui.label(&units[*u].name);
            ui.label(format!("{km:.1} km"));
            ui.end_row();
        }
    });
    if let Some((e, z)) = go {
        app.state.jurisdiction_mode = false;
        app.state.select_zone(e, z);
    }
}

/// The attribute table of zones (or of the units of the viewed level), sortable by any column,
/// filterable, in step with the map selection, exportable as CSV.
pub fn table_panel(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    use egui_extras::{Column, TableBuilder};
    egui::Panel::bottom("table").resizable(true).default_size(240.0).show(ui, |ui| {
        if app.state.loaded.is_none() {
            return;
        }
        ui.horizontal(|ui| {
            ui.strong("Attribute table");
            ui.radio_value(&mut app.ui.table_units, false, "zones");
            ui.radio_value(&mut app.ui.table_units, true, "units of the level");
            ui.add(egui::TextEdit::singleline(&mut app.state.table_filter).hint_text("filter…").desired_width(160.0));
            if ui.button("Export CSV…").clicked() {
                app.save_file(&ui.ctx().clone(), Export::Table(app.ui.table_units), "table.csv");
            }
        });
        let (header, rows) = app.state.table(app.ui.table_units);
        let mut clicked = None;
        let mut sort = app.state.table_sort;
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .columns(Column::auto().resizable(true), header.len())
            .header(20.0, |mut h| {
                for (i, name) in header.iter().enumerate() {
                    h.col(|ui| {
                        let arrow = if sort.0 == i { if sort.1 { " ^" } else { " v" } } else { "" };
                        if ui.button(format!("{name}{arrow}")).clicked() {
                            sort = if sort.0 == i { (i, !sort.1) } else { (i, false) };
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, rows.len(), |mut row| {
                    let r = &rows[row.index()];
                    row.set_selected(r.selection == app.state.selection);
                    for c in &r.cells {
                        row.col(|ui| {
                            // Not selectable text, so a click on it selects the row.
                            ui.add(egui::Label::new(c).selectable(false));
                        });
                    }
                    if row.response().clicked() {
                        clicked = Some(r.selection);
                    }
                });
            });
        app.state.table_sort = sort;
        match clicked {
            Some(Selection::Zone(e, z)) => app.state.select_zone(e, z),
            Some(s @ Selection::Unit(..)) => {
                app.state.selection = s;
                app.fit_selection();
            }
            _ => {}
        }
    });
}
