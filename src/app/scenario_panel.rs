//! The Scenario panel: pick admin units on the map, then merge them, move one to another
//! parent, split one along its finer units, or set up a body by hand; the steps, undo, save and
//! load, and the before/after strip.

use super::CrossboundApp;
use super::dialogs::FilePurpose;
use super::reform::describe;
use super::state::Export;
use crate::scenario::{BodyStep, Id, Merge, Split, SplitPart, Step, Transfer};
use egui::RichText;

/// The panel (shown on the right while scenario mode is on).
pub fn scenario_panel(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    ui.heading("Scenario");
    ui.label("Click admin units on the map to pick them (at the viewed level), then choose a step. The map, the lists and the burden follow each step; nothing new is overlaid.");
    ui.horizontal(|ui| {
        ui.label("Name");
        ui.text_edit_singleline(&mut app.state.reform.scenario.name);
    });
    if app.state.scenario_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Applying…");
        });
    }
    ui.separator();
    actions(ui, app);
    ui.separator();
    steps(ui, app);
    ui.separator();
    strip(ui, app);
}

fn actions(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    let ctx = ui.ctx().clone();
    let Some(l) = &app.state.loaded else { return };
    let study = l.study.clone();
    let picked = app.state.reform.picked.clone();
    let Some(&(level, first)) = picked.first() else {
        ui.label("No unit picked.");
        return;
    };
    let levels = &study.hierarchy.levels;
    let units = &levels[level].indexed.layer.units;
    ui.strong(format!("Picked ({}):", levels[level].indexed.layer.name));
    for &(_, u) in &picked {
        ui.label(format!("  {} ({})", units[u].name, units[u].id));
    }
    let ids = app.state.picked_ids();

    // Merge.
    if picked.len() >= 2 {
        ui.horizontal(|ui| {
            ui.label("New name");
            ui.text_edit_singleline(&mut app.state.reform.merge_name);
        });
        if ui.button("Merge").on_hover_text("The picked units become one; their finer units follow.").clicked() {
            let name = app.state.reform.merge_name.trim().to_string();
            let id = ids.iter().map(|i| i.0.as_str()).collect::<Vec<_>>().join("+");
            app.state.push_step(&ctx, Step::Merge(Merge { level, units: ids.clone(), id: Id(id), name }));
            return;
        }
    }

    if picked.len() == 1 {
        // Move to another parent.
        if level >= 1 {
            let parents = &levels[level - 1].indexed.layer.units;
            let own = levels[level].parents[first];
            // Parents of the unit's neighbours first: the moves that keep territory contiguous.
            let mut touching: Vec<usize> = study.borders[level]
                .of(first)
                .filter_map(|(n, _)| levels[level].parents[n])
                .filter(|p| Some(*p) != own)
                .collect();
            touching.sort_unstable();
            touching.dedup();
            let mut others: Vec<usize> =
                (0..parents.len()).filter(|p| Some(*p) != own && !touching.contains(p)).collect();
            others.sort_by(|a, b| parents[*a].name.cmp(&parents[*b].name));
            let mut to = app.state.reform.move_to;
            let text = to.map_or("choose…".to_string(), |p| parents[p].name.clone());
            egui::ComboBox::from_label("move to").selected_text(text).show_ui(ui, |ui| {
                for p in touching.iter().chain(&others) {
                    let t = if touching.contains(p) {
                        format!("{} (touches)", parents[*p].name)
                    } else {
                        parents[*p].name.clone()
                    };
                    ui.selectable_value(&mut to, Some(*p), t);
                }
            });
            app.state.reform.move_to = to;
            if ui.add_enabled(to.is_some(), egui::Button::new("Move")).clicked()
                && let Some(p) = to
            {
                let step = Step::Transfer(Transfer { level, unit: ids[0].clone(), to: Id(parents[p].id.clone()) });
                app.state.push_step(&ctx, step);
                return;
            }
        }
        // Split along the finer units.
        if level + 1 < levels.len() {
            let children: Vec<usize> =
                (0..levels[level + 1].parents.len()).filter(|&c| levels[level + 1].parents[c] == Some(first)).collect();
            if children.len() >= 2 {
                egui::CollapsingHeader::new(format!("Split {} in two…", units[first].name)).show(ui, |ui| {
                    let second = &mut app.state.reform.split_second;
                    second.resize(children.len(), false);
                    ui.label("Tick the units that form the second part:");
                    egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                        for (i, &c) in children.iter().enumerate() {
                            ui.checkbox(&mut second[i], &levels[level + 1].indexed.layer.units[c].name);
                        }
                    });
                    let n2 = second.iter().filter(|b| **b).count();
                    if ui.add_enabled(n2 > 0 && n2 < children.len(), egui::Button::new("Split")).clicked() {
                        let part = |k: bool, suffix: &str| SplitPart {
                            id: Id(format!("{}-{suffix}", units[first].id)),
                            name: format!("{} {suffix}", units[first].name),
                            children: children
                                .iter()
                                .zip(second.iter())
                                .filter(|(_, s)| **s == k)
                                .map(|(&c, _)| Id(levels[level + 1].indexed.layer.units[c].id.clone()))
                                .collect(),
                        };
                        let into = vec![part(false, "I"), part(true, "II")];
                        app.state.push_step(&ctx, Step::Split(Split { level, unit: ids[0].clone(), into }));
                    }
                });
            }
        }
    }

    // A body by hand: the picked units are its members, for one zone they have a part of.
    let Some(l) = &app.state.loaded else { return };
    let mut zones: Vec<(usize, usize, f64)> = Vec::new();
    for (e, zs) in l.analysis.iter().enumerate() {
        for (z, levels) in zs.iter().enumerate() {
            if levels[level].parts.iter().any(|p| picked.iter().any(|q| q.1 == p.unit)) {
                zones.push((e, z, study.eco[e].layer.units[z].area_km2));
            }
        }
    }
    zones.sort_by(|a, b| b.2.total_cmp(&a.2));
    if zones.is_empty() {
        return;
    }
    let mut chosen = app.state.reform.body_zone;
    let name = |(e, z): (usize, usize)| format!("{} ({})", study.eco[e].layer.units[z].name, study.eco[e].layer.name);
    egui::ComboBox::from_label("zone").selected_text(chosen.map_or("choose…".into(), name)).show_ui(ui, |ui| {
        for &(e, z, _) in &zones {
            ui.selectable_value(&mut chosen, Some((e, z)), name((e, z)));
        }
    });
    app.state.reform.body_zone = chosen;
    if ui
        .add_enabled(chosen.is_some(), egui::Button::new("Set up body"))
        .on_hover_text(
            "A body negotiated by hand: the picked units are its members; it replaces the proposal for the zone.",
        )
        .clicked()
        && let Some((e, z)) = chosen
    {
        let step = Step::Body(BodyStep {
            level,
            layer: Some(study.eco[e].layer.name.clone()),
            zones: vec![Id(study.eco[e].layer.units[z].id.clone())],
            members: ids,
            observers: vec![],
            convener: None,
            name: None,
        });
        app.state.push_step(&ctx, step);
    }
}

fn steps(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    let ctx = ui.ctx().clone();
    let n = app.state.reform.scenario.steps.len();
    ui.strong(format!("Steps ({n})"));
    for (i, s) in app.state.reform.scenario.steps.iter().enumerate() {
        ui.label(format!("{}. {}", i + 1, describe(s)));
    }
    ui.horizontal(|ui| {
        if ui.add_enabled(n > 0, egui::Button::new("Undo")).clicked() {
            app.state.undo_step(&ctx);
        }
        if ui.add_enabled(n > 0, egui::Button::new("Clear")).clicked() {
            app.state.reform.scenario.steps.clear();
            app.state.apply_scenario(&ctx);
        }
        if ui.button("Save…").clicked() {
            app.save_file(&ctx, Export::Scenario, "scenario.json");
        }
        if ui.button("Open…").clicked() {
            app.open_file(&ctx, FilePurpose::OpenScenario);
        }
    });
}

/// Before/after: cut zones and fragmentation at the viewed level, bodies.
fn strip(ui: &mut egui::Ui, app: &mut CrossboundApp) {
    let Some(c) = &app.state.reform.comparison else {
        ui.label("Before/after appears with the first step.");
        return;
    };
    let Some(s) = c.scenarios.first() else { return };
    let lv = app.state.level;
    ui.strong("Before -> after");
    egui::Grid::new("before_after").striped(true).show(ui, |ui| {
        if let (Some(a), Some(b)) = (c.baseline.cut_zones.get(lv), s.summary.cut_zones.get(lv)) {
            ui.label("cut zones (this level)");
            ui.label(RichText::new(format!("{a} -> {b}")).strong());
            ui.end_row();
        }
        if let (Some(a), Some(b)) = (c.baseline.fragmentation.get(lv), s.summary.fragmentation.get(lv)) {
            ui.label("fragmentation (area-weighted n_eff)");
            ui.label(RichText::new(format!("{a:.2} -> {b:.2}")).strong());
            ui.end_row();
        }
        ui.label("bodies");
        ui.label(RichText::new(format!("{} -> {}", c.baseline.bodies, s.summary.bodies)).strong());
        ui.end_row();
        ui.label("added / removed / changed");
        ui.label(format!("{} / {} / {}", s.bodies_added.len(), s.bodies_removed.len(), s.bodies_changed.len()));
        ui.end_row();
        ui.label("jurisdictions whose burden changed");
        ui.label(s.burden.len().to_string());
        ui.end_row();
    });
}
