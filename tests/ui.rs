//! UI tests of the desktop app with egui_kittest: the real app state and panels, driven like a
//! user would, without a window. One test renders through wgpu (Mesa's lavapipe here) and checks
//! the map's pixels.
#![cfg(feature = "app")]

use crossbound::app::CrossboundApp;
use crossbound::app::state::Selection;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness() -> Harness<'static, CrossboundApp> {
    let mut h =
        Harness::builder().with_size([1400.0, 900.0]).with_max_steps(20).build_eframe(|cc| CrossboundApp::new(cc));
    assert!(h.state_mut().state.wait_for_job(), "demo loads: {:?}", h.state().state.messages);
    h.run_steps(3);
    h
}

#[test]
fn demo_loads_and_lists_known_cut_watersheds() {
    let h = harness();
    let l = h.state().state.loaded.as_ref().unwrap();
    assert_eq!(l.study.hierarchy.levels.len(), 2);
    assert_eq!(l.study.eco.len(), 2);
    // The cut-zone list shows watersheds known to cross state lines.
    h.get_by_label_contains("Missouri Region");
    h.get_by_label_contains("Upper Colorado Region");
    h.get_by_label_contains("Yellowstone NP");
    assert!(h.query_by_label_contains("Cut zones at states level").is_some());
}

#[test]
fn load_warnings_are_readable_in_the_app() {
    let mut h = harness();
    h.get_by_label_contains("Warnings: ").click();
    h.run_steps(3);
    h.get_by_label_contains("null geometry skipped: \"51610\"");
}

#[test]
fn selecting_a_cut_zone_shows_its_body() {
    let mut h = harness();
    // Type into the search box of the cut-zone list, then click the entry.
    h.state_mut().state.search = "yellowstone".into();
    h.run_steps(2);
    assert_eq!(h.query_all_by_label_contains(" jurisdictions, largest").count(), 1, "the search filters the list");
    h.get_by_label_contains("Yellowstone NP —").click();
    h.run_steps(3);
    let (e, z) = h.state().state.find_zone("YELL").unwrap();
    assert_eq!(h.state().state.selection, Selection::Zone(e, z));
    h.get_by_label("Proposed body");
    h.get_by_label_contains("Body for Yellowstone NP");
    // Each member appears in the share table and in the members table.
    assert_eq!(h.get_all_by_label("Wyoming").count(), 2);
    assert_eq!(h.get_all_by_label("Montana").count(), 2);
    h.get_by_label_contains("Idaho (1.6%)");
    h.get_by_label_contains("Chair: Wyoming first");
}

#[test]
fn moving_the_threshold_slider_changes_the_cut_count() {
    let mut h = harness();
    let before = h.state().state.cut_count();
    let bodies_before = h.state().state.loaded.as_ref().unwrap().bodies.len();
    // Drive the real slider with the keyboard: focus it, then step it up.
    h.get_all_by_label("cut threshold").next().unwrap().focus();
    h.run_steps(2);
    for _ in 0..20 {
        h.key_press(egui::Key::ArrowRight);
        h.run_steps(1);
    }
    let t = h.state().state.project.params.threshold;
    assert!(t > 0.05, "threshold moved: {t}");
    let after = h.state().state.cut_count();
    assert!(after < before, "cut count {before} -> {after} at threshold {t}");
    // The bodies follow from a worker thread.
    for _ in 0..500 {
        if !h.state().state.bodies_pending() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    h.step();
    let bodies_after = h.state().state.loaded.as_ref().unwrap().bodies.len();
    assert!(bodies_after < bodies_before, "bodies {bodies_before} -> {bodies_after}");
    // Re-thresholding uses the kept pieces: the study is the same object.
    let study_before = std::sync::Arc::as_ptr(&h.state().state.loaded.as_ref().unwrap().study);
    h.state_mut().state.reanalyse_fast();
    assert_eq!(study_before, std::sync::Arc::as_ptr(&h.state().state.loaded.as_ref().unwrap().study));
}

#[test]
fn jurisdiction_mode_lists_partners_and_neighbours() {
    let mut h = harness();
    let wy = {
        let l = h.state().state.loaded.as_ref().unwrap();
        l.study.hierarchy.levels[0].indexed.layer.units.iter().position(|u| u.name == "Wyoming").unwrap()
    };
    h.state_mut().state.jurisdiction_mode = true;
    h.state_mut().state.select_unit(0, wy);
    h.run_steps(3);
    h.get_by_label_contains("Partners (");
    h.get_by_label_contains("Montana (");
    h.get_by_label_contains("Neighbours (shared border)");
    h.get_by_label_contains("Yellowstone NP (states) — member");
}

#[test]
fn malformed_file_shows_an_error_and_keeps_the_layers() {
    let mut h = harness();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.geojson");
    std::fs::write(&bad, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"").unwrap();
    let ctx = h.ctx.clone();
    h.state_mut().state.add_layer(&ctx, crossbound::model::LayerSpec::new(&bad), false);
    assert!(!h.state_mut().state.wait_for_job());
    h.run_steps(2);
    h.get_by_label_contains("Could not load");
    h.get_by_label_contains("broken.geojson");
    let l = h.state().state.loaded.as_ref().unwrap();
    assert_eq!(l.study.eco.len(), 2, "the loaded layers are kept");
    assert_eq!(h.state().state.project.inputs.eco.len(), 2);
}

#[test]
fn map_renders_on_the_gpu() {
    let mut h = Harness::builder()
        .with_size([1200.0, 800.0])
        .with_max_steps(20)
        .wgpu()
        .build_eframe(|cc| CrossboundApp::new(cc));
    assert!(h.state().map.gpu, "the wgpu path is used");
    assert!(h.state_mut().state.wait_for_job());
    h.run_steps(3);
    let img = h.render().expect("wgpu renders");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui_map.png");
    img.save(&out).unwrap();
    // The map area (between the side panels) shows the analysis colours: count pixels near
    // each cut-ramp colour and the sea colour.
    let near = |p: &image::Rgba<u8>, c: [u8; 3], tol: i32| (0..3).all(|i| (p.0[i] as i32 - c[i] as i32).abs() <= tol);
    let (w, hgt) = img.dimensions();
    let mut ramp = 0;
    let mut sea = 0;
    for y in (hgt / 5..hgt * 4 / 5).step_by(2) {
        for x in (w * 3 / 10..w * 7 / 10).step_by(2) {
            let p = img.get_pixel(x, y);
            if crossbound::app::scene::CUT_RAMP.iter().any(|c| near(p, [c[0], c[1], c[2]], 60)) {
                ramp += 1;
            }
            if near(p, [205, 222, 235], 6) {
                sea += 1;
            }
        }
    }
    assert!(ramp > 1000, "cut zones drawn ({ramp} pixels); see {}", out.display());
    assert!(sea > 100, "sea background drawn ({sea} pixels)");

    // The PNG export is drawn by the same pipeline: at the screen's size it matches the map's
    // pixels (labels, legend and scale bar are drawn by egui on screen only, so the bottom
    // 30% with the legend and scale bar is left out; the export has 4× MSAA, the test renderer
    // none, so edges differ slightly).
    let ctx = h.ctx.clone();
    let rect = h.state().map.rect.unwrap();
    let (ew, eh, px) = h.state_mut().render_map_image(&ctx, 1.0).expect("a GPU and a map").expect("offscreen render");
    let export = image::RgbaImage::from_raw(ew, eh, px).unwrap();
    export.save(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui_map_export.png")).unwrap();
    let agree = |dx: i32| {
        let (mut same, mut n) = (0, 0);
        for y in (10..(eh.min(hgt) as i32) * 7 / 10).step_by(3) {
            for x in (10..ew as i32 - 60).step_by(3) {
                let (sx, sy) = (rect.min.x as i32 + x, rect.min.y as i32 + y);
                let (a, b) = (img.get_pixel(sx as u32, sy as u32), export.get_pixel((x + dx) as u32, y as u32));
                n += 1;
                if (0..3).map(|i| (a.0[i] as i32 - b.0[i] as i32).abs()).sum::<i32>() <= 30 {
                    same += 1;
                }
            }
        }
        same as f64 / n as f64
    };
    let (aligned, shifted) = (agree(0), agree(40));
    assert!(aligned > 0.9, "export matches the screen at {:.1}% of pixels", aligned * 100.0);
    assert!(shifted < aligned - 0.1, "the comparison can tell views apart ({:.1}% when shifted)", shifted * 100.0);
}

#[test]
fn attribute_table_selects_and_exports() {
    let mut h = harness();
    h.state_mut().ui.show_table = true;
    h.state_mut().state.table_filter = "colorado".into();
    h.run_steps(3);
    // Only the two Colorado regions (and no parks) pass the filter.
    let (_, rows) = h.state().state.table(false);
    assert_eq!(rows.len(), 2, "{:?}", rows.iter().map(|r| r.cells[2].clone()).collect::<Vec<_>>());
    // Clicking a row selects the zone (the table cell holds the bare name).
    h.get_by_label("Upper Colorado Region").click();
    h.run_steps(3);
    let (e, z) = h.state().state.find_zone("14").unwrap();
    assert_eq!(h.state().state.selection, crossbound::app::state::Selection::Zone(e, z));
    // Exported as shown.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("table.csv");
    h.state_mut().state.export(crossbound::app::state::Export::Table(false), &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("layer,id,name,area_km2,cut,parts"), "{text}");
    assert_eq!(text.lines().count(), 3);
    // And the map image export writes a PNG.
    let png = dir.path().join("map.png");
    h.state_mut().state.export(crossbound::app::state::Export::MapPng, &png);
    // Written off the UI thread: the message comes when it is done.
    assert!(h.state().state.exports_pending());
    h.state_mut().state.wait_for_exports();
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    assert!(h.state().state.messages.iter().any(|(err, m)| !err && m.starts_with("Wrote ") && m.ends_with("map.png")));
}

/// Steps the UI until `done` holds (a background job has finished), or fails after ~10 s.
fn step_until(
    h: &mut Harness<'static, CrossboundApp>,
    what: &str,
    done: impl Fn(&Harness<'static, CrossboundApp>) -> bool,
) {
    for _ in 0..500 {
        if done(h) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run_steps(1);
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn a_two_layer_geopackage_shows_a_layer_picker_and_adds_the_chosen_layer() {
    let mut h = harness();
    let gpkg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/formats/us_albers.gpkg");
    let ctx = h.ctx.clone();
    h.state_mut().ui.fields = Some(crossbound::app::dialogs::FieldDialog::new(&ctx, gpkg));
    step_until(&mut h, "the layer list", |h| h.query_by_label_contains("holds 2 polygon layers").is_some());
    h.get_by_label("huc2_watersheds").click();
    step_until(&mut h, "the chosen layer's fields", |h| h.query_by_label_contains("22 features").is_some());
    h.get_by_label_contains("EPSG:5070");
    h.get_by_label("Add layer").click();
    h.run_steps(2);
    assert!(h.state_mut().state.wait_for_job(), "{:?}", h.state().state.messages);
    let l = h.state().state.loaded.as_ref().unwrap();
    assert_eq!(l.study.eco.len(), 3);
    assert_eq!(l.study.eco[2].layer.name, "huc2_watersheds");
    assert_eq!(h.state().state.project.inputs.eco[2].layer.as_deref(), Some("huc2_watersheds"));
}

#[test]
fn merging_two_states_in_the_scenario_panel_changes_the_cut_count() {
    let mut h = harness();
    let before = h.state().state.cut_count();
    h.state_mut().state.reform.active = true;
    h.run_steps(2);
    h.get_by_label_contains("Click admin units on the map to pick them");
    // Pick Wyoming and Montana (what two clicks on the map do), then press Merge.
    let (wy, mt) = {
        let l = h.state().state.loaded.as_ref().unwrap();
        let units = &l.study.hierarchy.levels[0].indexed.layer.units;
        (units.iter().position(|u| u.id == "56").unwrap(), units.iter().position(|u| u.id == "30").unwrap())
    };
    h.state_mut().state.toggle_pick(0, wy);
    h.state_mut().state.toggle_pick(0, mt);
    h.run_steps(2);
    h.get_by_label("Merge").click();
    h.run_steps(2);
    assert!(h.state_mut().state.wait_for_scenario(), "{:?}", h.state().state.messages);
    h.run_steps(3);
    let after = h.state().state.cut_count();
    assert_eq!(after, before - 2, "Yellowstone and Bighorn Canyon are no longer cut at state level");
    h.get_by_label_contains("merge 56, 30 (level 0)");
    h.get_by_label(&format!("{before} -> {after}"));
    // The merged state is on the map's level and in the burden table.
    let l = h.state().state.loaded.as_ref().unwrap();
    assert!(l.study.hierarchy.levels[0].indexed.layer.units.iter().any(|u| u.name == "Wyoming-Montana"));
    assert_eq!(l.burden[0].len(), l.study.hierarchy.levels[0].indexed.layer.units.len());
    // Undo brings the baseline back.
    h.get_by_label("Undo").click();
    h.run_steps(2);
    assert!(h.state_mut().state.wait_for_scenario());
    assert_eq!(h.state().state.cut_count(), before);
}

#[test]
fn burden_map_mode_colours_units_and_reports_in_the_tooltip_data() {
    let mut h = harness();
    h.state_mut().state.map_mode =
        crossbound::app::reform::MapMode::Burden(crossbound::app::reform::BurdenColumn::MemberOf);
    h.run_steps(3);
    let (colors, breaks, _) = crossbound::app::map::burden_colors(&h.state().state).unwrap();
    // 49 states (and DC) in the demo: some vote in no body, others in several.
    assert_eq!(
        colors.len(),
        h.state().state.loaded.as_ref().unwrap().study.hierarchy.levels[0].indexed.layer.units.len()
    );
    assert!(colors.iter().any(|c| *c != colors[0]), "{breaks:?}");
    assert!(breaks[3] >= breaks[1]);
}

#[test]
fn clicking_the_legend_title_folds_it() {
    let mut h = harness();
    assert!(!h.state().map.legend_folded);
    // US demo, zones mode: 9 legend rows (not cut, 4 classes, 2 levels, 2 zone layers), so the
    // legend is 9 × 17 + 26 = 179 points high, 10 points above the map's bottom edge.
    let r = h.state().map.rect.unwrap();
    let title = egui::pos2(r.left() + 60.0, r.bottom() - 10.0 - 179.0 + 12.0);
    let click = |h: &mut Harness<'static, CrossboundApp>, at: egui::Pos2| {
        for pressed in [true, false] {
            h.input_mut().events.push(egui::Event::PointerMoved(at));
            h.input_mut().events.push(egui::Event::PointerButton {
                pos: at,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: Default::default(),
            });
            h.run_steps(1);
        }
        h.run_steps(1);
    };
    click(&mut h, title);
    assert!(h.state().map.legend_folded, "a click on the title folds the legend");
    // Folded, the title sits 24 points high at the bottom: click it there to show it again.
    click(&mut h, egui::pos2(r.left() + 60.0, r.bottom() - 10.0 - 12.0));
    assert!(!h.state().map.legend_folded);
}

#[test]
fn a_body_set_up_by_hand_survives_a_parameter_change() {
    let mut h = harness();
    let sc = crossbound::scenario::Scenario::load(&crossbound::study::data_dir().join("scenarios/yellowstone.json"))
        .unwrap();
    let ctx = h.ctx.clone();
    h.state_mut().state.set_scenario(&ctx, sc);
    assert!(h.state_mut().state.wait_for_scenario());
    let by_hand = |h: &Harness<'static, CrossboundApp>| {
        h.state().state.loaded.as_ref().unwrap().bodies.iter().filter(|b| b.manual.is_some()).count()
    };
    assert_eq!(by_hand(&h), 1);
    // A slider let go re-derives the bodies: with a scenario, through it.
    h.state_mut().state.project.params.threshold = 0.1;
    h.state_mut().state.reanalyse_fast();
    h.state_mut().state.refresh_bodies(&ctx);
    assert!(h.state_mut().state.wait_for_scenario());
    assert_eq!(by_hand(&h), 1, "the body set up by hand is still there");
    let c = h.state().state.reform.comparison.as_ref().unwrap();
    assert!(c.baseline.cut_zones[0] < 23, "the strip follows the new threshold: {:?}", c.baseline.cut_zones);
}

/// The world demo drawn through wgpu: the first view covers the data; Russia (across ±180°) is
/// drawn in one piece with Europe, Chukotka included; no seam along the bottom of Antarctica;
/// Equal Earth draws the globe with nothing outside it, and Russia where it is.
#[test]
fn world_map_renders_right_in_both_projections() {
    use crossbound::app::camera::Projection;
    use geo::Contains;
    let project =
        crossbound::project::Project::new(crossbound::study::Inputs::world_demo(&crossbound::study::data_dir()));
    let mut h = Harness::builder()
        .with_size([1200.0, 800.0])
        .with_max_steps(20)
        .wgpu()
        .build_eframe(move |cc| CrossboundApp::with_project(cc, Some(project)));
    assert!(h.state_mut().state.wait_for_job(), "world demo loads: {:?}", h.state().state.messages);
    h.run_steps(3);
    let rect = h.state().map.rect.expect("map drawn");
    let cam = h.state().map.camera;

    // The first view covers the data.
    let extent = h.state().state.extent().unwrap();
    let v = cam.visible(rect);
    assert!(
        v[0] <= extent[0] && v[1] <= extent[1] && v[2] >= extent[2] && v[3] >= extent[3],
        "view {v:?}, data {extent:?}"
    );

    let save = |img: &image::RgbaImage, name: &str| {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        img.save(&out).unwrap();
        out
    };
    let before = h.render().expect("wgpu renders");
    save(&before, "ui_world.png");
    let px = |img: &image::RgbaImage, p: egui::Pos2| *img.get_pixel(p.x.round() as u32, p.y.round() as u32);
    let dark = |p: image::Rgba<u8>| (p.0[0] as u32 + p.0[1] as u32 + p.0[2] as u32) < 200;

    // No seam along the bottom of Antarctica: the row just above the pole is not outline-dark.
    let y = cam.to_screen(rect, 0.0, -90.0).y - 2.0;
    let row: Vec<_> =
        (-170..=170).map(|lon| px(&before, egui::Pos2::new(cam.to_screen(rect, lon as f64, 0.0).x, y))).collect();
    let seam = row.iter().filter(|p| dark(**p)).count();
    assert!(seam * 10 < row.len(), "{seam} of {} pixels dark along the bottom of Antarctica", row.len());

    // Select Russia (countries): the highlight shows where Russia is drawn.
    let (russia, geom) = {
        let l = h.state().state.loaded.as_ref().unwrap();
        let units = &l.study.hierarchy.levels[0].indexed.layer.units;
        let i = units.iter().position(|u| u.name == "Russia").expect("Russia in the world demo");
        (i, units[i].geometry.clone())
    };
    h.state_mut().state.select_unit(0, russia);
    h.run_steps(4);
    let after = h.render().expect("wgpu renders");
    let out = save(&after, "ui_world_russia.png");
    // Changed somewhere within 3 pixels (at this scale, outlines cover many sample points).
    let changed = |a: &image::RgbaImage, b: &image::RgbaImage, p: egui::Pos2| {
        (-3..=3).any(|dx| {
            (-3..=3).any(|dy| {
                let q = p + egui::Vec2::new(dx as f32, dy as f32);
                let (x, y) = (px(a, q), px(b, q));
                (0..3).map(|i| (x.0[i] as i32 - y.0[i] as i32).abs()).sum::<i32>() > 40
            })
        })
    };
    // Points inside Russia along 60°N from the Urals' west to the Pacific, Moscow, and a point
    // of Chukotka east of 180° (drawn at lon + 360°, next to the rest of Russia).
    let inside = |lon: f64, lat: f64| geom.contains(&geo::Point::new(lon, lat));
    let mut pts: Vec<(f64, f64)> =
        (30..170).step_by(4).map(|lon| (lon as f64, 60.0)).filter(|&(x, y)| inside(x, y)).collect();
    pts.push((37.6, 55.75));
    let chukotka = (0..40)
        .flat_map(|i| (0..20).map(move |j| (-179.5 + i as f64 * 0.25, 64.5 + j as f64 * 0.2)))
        .find(|&(x, y)| inside(x, y))
        .expect("a point of Chukotka east of 180°");
    let n = pts.len();
    assert!(n > 20, "{n} sample points in Russia");
    let shown = |cam: &crossbound::app::camera::Camera,
                 before: &image::RgbaImage,
                 after: &image::RgbaImage,
                 lon: f64,
                 lat: f64| { changed(before, after, cam.to_screen(rect, lon, lat)) };
    let hit = pts.iter().filter(|&&(x, y)| shown(&cam, &before, &after, x, y)).count();
    assert!(hit * 10 >= n * 9, "Russia highlighted at {hit} of {n} points; see {}", out.display());
    assert!(
        shown(&cam, &before, &after, chukotka.0 + 360.0, chukotka.1),
        "Chukotka {chukotka:?} drawn beside Russia (at +360°); see {}",
        out.display()
    );

    // Equal Earth: the same highlight where Russia is, sea inside the globe, nothing outside.
    h.state_mut().map.set_projection(Projection::EqualEarth);
    h.run_steps(3);
    let ee = h.state().map.camera;
    assert_eq!(ee.projection, Projection::EqualEarth);
    let ee_after = h.render().expect("wgpu renders");
    let out = save(&ee_after, "ui_world_equal_earth.png");
    h.state_mut().state.selection = Selection::None;
    h.run_steps(4);
    let ee_before = h.render().expect("wgpu renders");
    let hit = pts.iter().filter(|&&(x, y)| shown(&ee, &ee_before, &ee_after, x, y)).count();
    assert!(hit * 10 >= n * 9, "Equal Earth: Russia highlighted at {hit} of {n} points; see {}", out.display());
    assert!(shown(&ee, &ee_before, &ee_after, chukotka.0, chukotka.1), "Equal Earth: Chukotka at its own longitude");
    // Just outside the globe's edge at the equator (both sides): the neutral background.
    for lon in [-181.0, 181.0] {
        let mut p = ee.to_screen(rect, lon, 0.0);
        p.x += if lon < 0.0 { -4.0 } else { 4.0 };
        if rect.contains(p) {
            let c = px(&ee_before, p);
            assert!(
                (0..3).all(|i| (c.0[i] as i32 - [236, 236, 232][i]).abs() <= 6),
                "outside the globe at {p:?}: {c:?}"
            );
        }
    }
    // The scale bar measures the Equal Earth view: km per point agrees with the geodesic
    // length of a short east-west screen segment at the view centre.
    let (a, b) = (rect.center() - egui::Vec2::new(5.0, 0.0), rect.center() + egui::Vec2::new(5.0, 0.0));
    let (la, lb) = (ee.to_lonlat(rect, a), ee.to_lonlat(rect, b));
    let km =
        crossbound::geometry::area::segment_km(geo::Coord { x: la[0], y: la[1] }, geo::Coord { x: lb[0], y: lb[1] });
    assert!((ee.km_per_point() * 10.0 / km - 1.0).abs() < 1e-2, "{} vs {km}", ee.km_per_point() * 10.0);
}

#[test]
fn the_legend_moves_off_a_selection_under_it() {
    let mut h = harness();
    let rect = h.state().map.rect.unwrap();
    let legend = h.state().map.legend_rect.expect("legend drawn");
    assert!(legend.max.y > rect.center().y, "the legend starts at the bottom");
    // Pan so that a small zone sits under the legend; pick another clear of both corners.
    let cam = h.state().map.camera;
    let screen = |h: &Harness<'static, CrossboundApp>, z: usize| {
        let cam = h.state().map.camera;
        let b = h.state().state.loaded.as_ref().unwrap().study.eco[0].layer.units[z].bbox;
        egui::Rect::from_two_pos(cam.to_screen(rect, b.min().x, b.min().y), cam.to_screen(rect, b.max().x, b.max().y))
    };
    let n = h.state().state.loaded.as_ref().unwrap().study.eco[0].layer.units.len();
    let under = (0..n).min_by(|&a, &b| screen(&h, a).area().total_cmp(&screen(&h, b).area())).unwrap();
    let offset = screen(&h, under).center() - legend.center();
    h.state_mut().map.camera.center = cam.to_lonlat(rect, rect.center() + offset);
    h.run_steps(2);
    assert!(screen(&h, under).intersects(legend), "the zone is under the legend's place");
    let top = legend.translate(egui::vec2(0.0, rect.min.y + 10.0 - legend.min.y));
    let clear = (0..n)
        .find(|&z| {
            rect.contains_rect(screen(&h, z)) && !screen(&h, z).intersects(legend) && !screen(&h, z).intersects(top)
        })
        .expect("a zone clear of both corners");
    h.state_mut().state.selection = Selection::Zone(0, under);
    h.run_steps(2);
    let moved = h.state().map.legend_rect.unwrap();
    assert!(moved.min.y < rect.min.y + 20.0, "legend moved to the top: {moved:?}");
    h.state_mut().state.selection = Selection::Zone(0, clear);
    h.run_steps(2);
    let back = h.state().map.legend_rect.unwrap();
    assert_eq!(
        (back.min.x, back.max.y),
        (legend.min.x, legend.max.y),
        "back at the bottom when the selection is elsewhere"
    );
}
