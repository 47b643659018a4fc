//! The one-page brief of a proposed body, for a council meeting: the zone(s), a map with the
//! member jurisdictions coloured, the share table, members, observers, convener, chair, cost
//! shares and the rules. A single self-contained HTML file (the map is an embedded PNG).

use crate::governance::Body;
use crate::render::{Canvas, PALETTE, View};
use crate::report::BodyReport;
use crate::study::Study;
use base64::Engine;
use geo::BoundingRect;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders the body's map: neighbouring units outlined in grey, each member's part of the zone(s)
/// in its palette colour, observers' parts in grey, the zone outline in black. PNG bytes, and
/// the pieces whose outline the boolean kernel could not build (left unfilled; their areas in
/// the brief's table stand). It draws outlines: `study` must have released none
/// ([`Study::release_admin_outlines`](crate::study::Study::release_admin_outlines)).
pub fn body_map_png(study: &Study, body: &Body, w: u32, h: u32) -> (Vec<u8>, Vec<crate::overlay::PieceGeometryError>) {
    debug_assert_eq!(study.released, Default::default(), "a brief's map draws outlines: release none");
    let mut missing = Vec::new();
    let extent = body.extent(study);
    let rect = extent.bounding_rect().unwrap_or(geo::Rect::new((0., 0.), (1., 1.)));
    let view = View::fit(rect, w, h);
    let mut c = Canvas::new(w, h, [250, 250, 247, 255]);
    let level = &study.hierarchy.levels[body.level].indexed;
    let zones = &study.eco[body.eco].layer.units;
    // Context: the member units whole, lightly.
    for (i, m) in body.members.iter().enumerate() {
        let mut col = PALETTE[i % PALETTE.len()];
        col[3] = 60;
        c.fill(&level.layer.units[m.unit].geometry, &view, col);
    }
    // The zone's pieces per jurisdiction.
    for &z in &body.zones {
        for p in &study.overlay[body.eco][z][body.level].pieces {
            let col = match body.members.iter().position(|m| m.unit == p.unit) {
                Some(i) => PALETTE[i % PALETTE.len()],
                None => [170, 170, 170, 255],
            };
            match p.to_multipolygon(&zones[z], &level.layer.units[p.unit]) {
                Ok(geom) => c.fill(&geom, &view, col),
                Err(e) => missing.push(e),
            }
        }
    }
    // Admin boundaries of every unit in view, then the zone outline.
    for u in level.candidates(rect) {
        c.stroke(&level.layer.units[u].geometry, &view, [90, 90, 90, 255], 1.0);
    }
    c.stroke(&extent, &view, [0, 0, 0, 255], 2.5);
    (c.to_png(), missing)
}

/// Renders the brief as a self-contained HTML page.
pub fn brief_html(study: &Study, body: &Body, report: &BodyReport) -> String {
    let (png, missing) = body_map_png(study, body, 720, 480);
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    let zones = &study.eco[body.eco].layer.units;
    let level = &study.hierarchy.levels[body.level].indexed.layer;
    let zone_names: Vec<String> = body.zones.iter().map(|&z| zones[z].name.clone()).collect();
    let area: f64 = body.zones.iter().map(|&z| zones[z].area_km2).sum();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>Joint body for {}</title>\n", esc(&zone_names.join(" + "))));
    h.push_str("<style>body{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;color:#222}table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}td.n{text-align:right}.sw{display:inline-block;width:12px;height:12px;border:1px solid #555;margin-right:6px}.muted{color:#666}img{max-width:100%;border:1px solid #ccc}</style>\n</head>\n<body>\n");
    h.push_str(&format!("<h1>Joint body for {}</h1>\n", esc(&zone_names.join(" + "))));
    h.push_str(&format!(
        "<p class=\"muted\">Body <code>{}</code> · level {} ({}) · {} zone(s) from {} · {:.0} km²</p>\n",
        esc(&report.id),
        body.level,
        esc(&level.name),
        body.zones.len(),
        esc(&study.eco[body.eco].layer.name),
        area
    ));
    if let Some(sc) = &report.scenario {
        h.push_str(&format!(
            "<p><b>From the reform scenario \u{201c}{}\u{201d}:</b> this body was set up by hand in the scenario, not proposed by crossbound's rules; the figures below are computed from the zones' parts.</p>\n",
            esc(sc)
        ));
    }
    h.push_str(&format!(
        "<img alt=\"Map of the zone with member jurisdictions coloured\" src=\"data:image/png;base64,{b64}\">\n"
    ));
    for e in &missing {
        h.push_str(&format!("<p class=\"muted\">Not drawn: {}.</p>\n", esc(&e.to_string())));
    }
    h.push_str("<h2>Members (one vote each)</h2>\n<table><tr><th>Jurisdiction</th><th>Share of zone</th><th>Cost share</th><th>Votes</th></tr>\n");
    for (i, m) in report.members.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        h.push_str(&format!(
            "<tr><td><span class=\"sw\" style=\"background:rgb({},{},{})\"></span>{}</td><td class=\"n\">{:.1}%</td><td class=\"n\">{:.1}%</td><td class=\"n\">{}</td></tr>\n",
            c[0], c[1], c[2], esc(&m.name), m.share * 100.0, m.cost_share * 100.0, m.votes
        ));
    }
    h.push_str("</table>\n");
    if !report.observers.is_empty() {
        h.push_str(
            "<h2>Observers (a voice, no vote)</h2>\n<table><tr><th>Jurisdiction</th><th>Share of zone</th></tr>\n",
        );
        for o in &report.observers {
            h.push_str(&format!(
                "<tr><td><span class=\"sw\" style=\"background:#aaa\"></span>{}</td><td class=\"n\">{:.2}%</td></tr>\n",
                esc(&o.name),
                o.share * 100.0
            ));
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Convener and chair</h2>\n<ul>\n");
    h.push_str(&format!("<li><b>Convener:</b> {}</li>\n", esc(&report.convener.name)));
    let name_of =
        |id: &str| report.members.iter().find(|m| m.id == id).map(|m| m.name.clone()).unwrap_or_else(|| id.to_string());
    h.push_str(&format!(
        "<li><b>First chair:</b> {}; then rotating every {} years: {}</li>\n",
        esc(&name_of(&report.chair.first)),
        report.chair.term_years,
        esc(&report.chair.rotation.iter().map(|id| name_of(id)).collect::<Vec<_>>().join(" → "))
    ));
    h.push_str(&format!("<li><b>Costs apportioned by:</b> {}</li>\n", esc(&report.cost_basis)));
    if let Some(p) = &report.parent_body {
        h.push_str(&format!("<li><b>Nested in body:</b> <code>{}</code></li>\n", esc(p)));
    }
    h.push_str("</ul>\n<h2>Why this body looks like this</h2>\n<ol>\n");
    for r in report.rules.iter() {
        h.push_str(&format!("<li>{}</li>\n", esc(r)));
    }
    h.push_str("</ol>\n<p class=\"muted\">Areas on the WGS 84 ellipsoid. Made with crossbound from: ");
    let srcs: Vec<String> = study
        .hierarchy
        .levels
        .iter()
        .map(|l| &l.indexed.layer)
        .chain(study.eco.iter().map(|e| &e.layer))
        .map(|l| esc(&l.spec.path.display().to_string()))
        .collect();
    h.push_str(&srcs.join(", "));
    h.push_str(".</p>\n</body>\n</html>\n");
    h
}
