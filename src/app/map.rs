//! The interactive map: pan (drag, arrows), zoom (wheel, pinch, +/-) around the cursor, hover
//! and click picking, GPU drawing through [`super::gpu`] (or egui meshes when no wgpu device is
//! available, as in headless tests), labels thinned by zoom, legend, scale bar and tooltips.

use super::camera::{Camera, nice_km};
use super::gpu::{DrawCmd, MapCallback, Mesh, MeshData};
use super::scene::{
    ADMIN_LINE, CUT_RAMP, CUT_RAMP_LABELS, LabelAnchor, NOT_CUT, admin_highlight, highlight_mesh, outline_mesh,
};
use super::state::{AppState, Selection};
use crate::render::PALETTE;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};
use std::sync::Arc;

/// What the pointer is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A zone (eco layer, zone).
    Zone(usize, usize),
    /// An admin unit (level, unit).
    Unit(usize, usize),
}

/// The longitudes the drawn data can span: ±180° and the units drawn across the antimeridian
/// (tessellate::display_shift), for [`Camera::wraps`].
const DATA_LON: [f64; 2] = [-200.0, 200.0];

/// The sea, and the background off the Equal Earth globe.
pub const SEA: [u8; 4] = [205, 222, 235, 255];
/// Off the Equal Earth globe.
pub const OFF_GLOBE: [u8; 4] = [236, 236, 232, 255];

/// The whole globe as one sea-coloured fill in lon/lat (a rectangle, densified along the ±180°
/// meridians so that it follows the Equal Earth outline), built once.
fn globe_mesh() -> Arc<Mesh> {
    static GLOBE: std::sync::OnceLock<Arc<Mesh>> = std::sync::OnceLock::new();
    GLOBE.get_or_init(build_globe_mesh).clone()
}

fn build_globe_mesh() -> Arc<Mesh> {
    use super::tessellate::{FillMesh, FillVertex};
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    for lat in -90..=90 {
        for lon in [-180.0f32, 180.0] {
            vertices.push(FillVertex { pos: [lon, lat as f32], color: SEA });
        }
        if lat > -90 {
            let i = vertices.len() as u32 - 4;
            indices.extend_from_slice(&[i, i + 1, i + 3, i, i + 3, i + 2]);
        }
    }
    let n = vertices.len();
    Mesh::new(MeshData::Fill(FillMesh { vertices, indices, feature_of_vertex: vec![0; n] }))
}

/// The selected zone's pieces as a mesh, and the pieces that could not be built.
type PiecesMesh = (Arc<Mesh>, Vec<String>);

/// Map state that is not part of the analysis: camera, hover, cached overlay meshes.
#[derive(Default)]
pub struct MapView {
    /// The camera.
    pub camera: Camera,
    /// Under the pointer.
    pub hover: Option<Hit>,
    /// Lon/lat under the pointer.
    pub cursor: Option<[f64; 2]>,
    hover_mesh: Option<(Hit, Arc<Mesh>)>,
    /// (key, fill once ready, outline) of the current selection.
    selection_mesh: Option<(String, Option<Arc<Mesh>>, Arc<Mesh>)>,
    /// The selected zone's pieces are built off the UI thread (large pieces are intersected on
    /// demand): (key, job).
    selection_job: Option<(String, super::jobs::Job<PiecesMesh>)>,
    /// Pieces of the selected zone the boolean kernel could not build (not drawn; said on the map).
    pub missing_pieces: Vec<String>,
    /// CPU time of the last map frame, ms.
    pub frame_ms: f32,
    /// Whether the GPU path is used.
    pub gpu: bool,
    /// The map's screen rect in the last frame.
    pub rect: Option<Rect>,
    /// Burden fill: the unit colours it was built for, and the mesh.
    burden_mesh: Option<(Vec<[u8; 4]>, Arc<Mesh>)>,
    /// Outline of the units picked in scenario mode: (key, mesh).
    picked_mesh: Option<(String, Arc<Mesh>)>,
    /// The legend is folded to its title.
    pub legend_folded: bool,
    /// Where the legend was drawn in the last frame.
    pub legend_rect: Option<Rect>,
}

/// The burden colours of the viewed level's units, and the class breaks, for the map mode.
pub fn burden_colors(state: &AppState) -> Option<(Vec<[u8; 4]>, [f64; 4], super::reform::BurdenColumn)> {
    let super::reform::MapMode::Burden(col) = state.map_mode else { return None };
    let l = state.loaded.as_ref()?;
    let rows = l.burden.get(state.level)?;
    let values: Vec<f64> = rows.iter().map(|b| col.value(b, state.burden_layer)).collect();
    let breaks = super::scene::burden_breaks(&values);
    Some((values.iter().map(|v| super::scene::burden_color(*v, &breaks)).collect(), breaks, col))
}

/// A tint that turns white boundary meshes into `c`, with `opacity`.
fn color_tint(c: [u8; 4], opacity: f32) -> [f32; 4] {
    [c[0] as f32 / 255.0, c[1] as f32 / 255.0, c[2] as f32 / 255.0, c[3] as f32 / 255.0 * opacity]
}

fn c32(c: [u8; 4]) -> Color32 {
    Color32::from_rgba_unmultiplied(c[0], c[1], c[2], c[3])
}

/// Colour of member `i` of a body.
pub fn member_color(i: usize) -> [u8; 4] {
    PALETTE[i % PALETTE.len()]
}

/// Observer colour.
pub const OBSERVER: [u8; 4] = [150, 150, 150, 255];

/// Outline of units picked in scenario mode.
pub const PICKED: [u8; 4] = [200, 30, 120, 255];

impl MapView {
    /// True while the selected zone's pieces are still being built.
    pub fn busy(&self) -> bool {
        self.selection_job.is_some()
    }

    /// The map as the screen shows it, `factor` times the map's size in points, for the PNG
    /// export: the same draw commands, camera, projection and shaders (see
    /// [`super::gpu::render_offscreen`]), and the background colour. `None` before the first frame.
    pub fn export_callback(
        &mut self,
        ctx: &egui::Context,
        state: &AppState,
        factor: f32,
    ) -> Option<(MapCallback, [u8; 4])> {
        let rect = self.rect?;
        let cmds = self.draw_cmds(ctx, state);
        Some((self.callback(cmds, rect, factor), self.background()))
    }

    /// The paint callback drawing `cmds` in `rect` as the camera sees it, `factor` times the
    /// size (1 for the screen; line widths scale too).
    fn callback(&self, mut cmds: Vec<DrawCmd>, rect: Rect, factor: f32) -> MapCallback {
        for c in &mut cmds {
            c.width *= factor;
        }
        let f = factor as f64;
        MapCallback {
            cmds,
            center: self.camera.center_map(),
            scale: [self.camera.kx() * f, self.camera.scale * f],
            size: [rect.width() * factor, rect.height() * factor],
            projection: self.camera.projection.shader_id(),
            shifts: self.camera.wraps(rect, DATA_LON).iter().map(|&s| s as f32).collect(),
        }
    }

    /// Behind the map: the sea, or off the globe in Equal Earth (the globe itself is the first
    /// draw command, see [`MapView::draw_cmds`]).
    fn background(&self) -> [u8; 4] {
        if self.camera.projection == super::camera::Projection::EqualEarth { OFF_GLOBE } else { SEA }
    }

    /// The selected zone's or unit's box on screen (for Equal Earth, of its corners and edge
    /// midpoints), if anything is selected.
    fn selection_screen_rect(&self, state: &AppState, rect: Rect) -> Option<Rect> {
        let l = state.loaded.as_ref()?;
        let b = match state.selection {
            Selection::Zone(e, z) => l.study.eco.get(e)?.layer.units.get(z)?.bbox,
            Selection::Unit(lv, u) => l.study.hierarchy.levels.get(lv)?.indexed.layer.units.get(u)?.bbox,
            Selection::None => return None,
        };
        let (x0, y0, x1, y1) = (b.min().x, b.min().y, b.max().x, b.max().y);
        let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let pts = [(x0, y0), (x0, y1), (x1, y0), (x1, y1), (xm, y0), (xm, y1), (x0, ym), (x1, ym)];
        Some(Rect::from_points(&pts.map(|(x, y)| self.camera.to_screen(rect, x, y))))
    }

    /// Switches the projection, keeping what is in view.
    pub fn set_projection(&mut self, p: super::camera::Projection) {
        if self.camera.projection == p {
            return;
        }
        let rect = self.rect.unwrap_or(Rect::from_min_size(Pos2::ZERO, Vec2::new(800.0, 600.0)));
        let v = self.camera.visible(rect);
        let (w0, w1) = if v[2] - v[0] >= 360.0 { (-180.0, 180.0) } else { (v[0], v[2]) };
        self.camera.projection = p;
        self.camera.fit(rect, [w0, v[1].max(-90.0), w1, v[3].min(90.0)]);
    }

    /// Picks what is under lon/lat `ll`.
    pub fn pick(state: &AppState, ll: [f64; 2]) -> Option<Hit> {
        let l = state.loaded.as_ref()?;
        // The world repeats every 360° (Camera::wraps), and units drawn across the antimeridian
        // sit beyond ±180° (tessellate::display_shift): try the longitude in [-180°, 180°),
        // then as a shifted unit would have it.
        let lon = super::camera::wrap_lon(ll[0]);
        let candidates = [[lon, ll[1]], [lon + 360.0, ll[1]], [lon - 360.0, ll[1]]];
        for p in candidates {
            let c = geo::Coord { x: p[0], y: p[1] };
            let rect = geo::Rect::new(c, c);
            let units_mode = state.jurisdiction_mode
                || state.reform.active
                || matches!(state.map_mode, super::reform::MapMode::Burden(_));
            if units_mode {
                let lv = &l.study.hierarchy.levels.get(state.level)?.indexed;
                for u in lv.candidates(rect) {
                    if lv.chunks[u].contains(&lv.layer.units[u].geometry, c) {
                        return Some(Hit::Unit(state.level, u));
                    }
                }
            } else {
                for (e, layer) in l.study.eco.iter().enumerate().rev() {
                    if !state.eco_style.get(e).is_some_and(|s| s.visible) {
                        continue;
                    }
                    // Smallest zone first, so a park on top of a watershed is pickable.
                    let mut hits: Vec<usize> = layer
                        .candidates(rect)
                        .into_iter()
                        .filter(|&z| layer.chunks[z].contains(&layer.layer.units[z].geometry, c))
                        .collect();
                    hits.sort_by(|a, b| layer.layer.units[*a].area_km2.total_cmp(&layer.layer.units[*b].area_km2));
                    if let Some(&z) = hits.first() {
                        return Some(Hit::Zone(e, z));
                    }
                }
            }
        }
        None
    }

    /// Draws the map and handles its input.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState) {
        let t0 = std::time::Instant::now();
        let (rect, resp) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        self.rect = Some(rect);
        if let Some(b) = state.frame_request.take() {
            self.camera.fit(rect, b);
        }
        let bg = self.background();
        ui.painter().rect_filled(rect, 0.0, Color32::from_rgb(bg[0], bg[1], bg[2]));

        // Input.
        if resp.dragged() {
            self.camera.pan(resp.drag_delta());
        }
        let (scroll, zoom, pointer) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta(), i.pointer.hover_pos()));
        if resp.hovered() {
            let at = pointer.unwrap_or(rect.center());
            if scroll != 0.0 {
                self.camera.zoom_at(rect, at, (scroll as f64 / 200.0).exp());
            }
            if zoom != 1.0 {
                self.camera.zoom_at(rect, at, zoom as f64);
            }
        }
        let typing = ui.ctx().egui_wants_keyboard_input();
        if !typing {
            ui.input(|i| {
                if i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals) {
                    self.camera.zoom_at(rect, rect.center(), 1.5);
                }
                if i.key_pressed(egui::Key::Minus) {
                    self.camera.zoom_at(rect, rect.center(), 1.0 / 1.5);
                }
                let step = 60.0;
                if i.key_down(egui::Key::ArrowLeft) {
                    self.camera.pan(Vec2::new(step / 4.0, 0.0));
                }
                if i.key_down(egui::Key::ArrowRight) {
                    self.camera.pan(Vec2::new(-step / 4.0, 0.0));
                }
                if i.key_down(egui::Key::ArrowUp) {
                    self.camera.pan(Vec2::new(0.0, step / 4.0));
                }
                if i.key_down(egui::Key::ArrowDown) {
                    self.camera.pan(Vec2::new(0.0, -step / 4.0));
                }
            });
        }
        self.cursor = resp.hover_pos().map(|p| self.camera.to_lonlat(rect, p)).filter(|ll| {
            // Off the Equal Earth globe, nothing is under the pointer.
            self.camera.projection == super::camera::Projection::Equirectangular || ll[0].abs() <= 180.0
        });
        self.hover = self.cursor.and_then(|ll| Self::pick(state, ll));
        if resp.clicked() && state.reform.active {
            if let Some(Hit::Unit(l, u)) = self.hover {
                state.toggle_pick(l, u);
            }
        } else if resp.clicked() {
            match self.hover {
                Some(Hit::Zone(e, z)) => state.selection = Selection::Zone(e, z),
                Some(Hit::Unit(l, u)) => state.select_unit(l, u),
                None => state.selection = Selection::None,
            }
        }

        let cmds = self.draw_cmds(ui.ctx(), state);
        if self.gpu {
            ui.painter().add(eframe::egui_wgpu::Callback::new_paint_callback(rect, self.callback(cmds, rect, 1.0)));
        } else {
            self.paint_cpu(ui, rect, &cmds);
        }
        self.overlays(ui, rect, state);
        if let (Some(hit), Some(p)) = (self.hover, resp.hover_pos()) {
            tooltip(ui, state, hit, p);
        }
        self.frame_ms = t0.elapsed().as_secs_f32() * 1000.0;
    }

    fn draw_cmds(&mut self, ctx: &egui::Context, state: &AppState) -> Vec<DrawCmd> {
        let Some(l) = &state.loaded else { return Vec::new() };
        let sc = &l.scene;
        let mut cmds = Vec::new();
        let tint = |a: f32| [1.0, 1.0, 1.0, a];
        if self.camera.projection == super::camera::Projection::EqualEarth {
            cmds.push(DrawCmd { mesh: globe_mesh(), tint: tint(1.0), width: 0.0 });
        }
        if let Some(m) = &sc.land {
            cmds.push(DrawCmd { mesh: m.clone(), tint: tint(1.0), width: 0.0 });
        }
        if let Some(m) = &sc.land_lines {
            cmds.push(DrawCmd { mesh: m.clone(), tint: tint(1.0), width: 0.6 });
        }
        if let Some((colors, _, _)) = burden_colors(state) {
            // Burden mode: the viewed level's units by the chosen column; zones as outlines.
            if self.burden_mesh.as_ref().is_none_or(|m| m.0 != colors)
                && let Some(t) = sc.admin_fill_template.get(state.level)
            {
                let mesh = admin_highlight(t, &colors);
                self.burden_mesh = Some((colors, mesh));
            }
            if let Some((_, m)) = &self.burden_mesh {
                cmds.push(DrawCmd { mesh: m.clone(), tint: tint(0.95), width: 0.0 });
            }
        } else {
            for (e, m) in sc.eco_fill.iter().enumerate() {
                let st = state.eco_style.get(e).copied().unwrap_or_default();
                if st.visible {
                    cmds.push(DrawCmd { mesh: m.clone(), tint: tint(st.opacity * 0.8), width: 0.0 });
                }
            }
        }
        // The selected zone's pieces, coloured by jurisdiction; or the selected unit and its partners.
        let key = format!("{:?}/{}/{:?}", state.selection, state.level, state.project.params);
        if self.selection_mesh.as_ref().is_none_or(|s| s.0 != key) {
            self.selection_job = None;
            self.missing_pieces.clear();
            self.selection_mesh = selection_meshes(state).map(|(f, o)| (key.clone(), f, o));
            if let Selection::Zone(e, z) = state.selection {
                let study = l.study.clone();
                let level = state.level;
                let members: Vec<usize> =
                    l.analysis[e][z][level].significant(state.project.params.threshold).map(|p| p.unit).collect();
                let job =
                    super::jobs::Job::spawn("pieces", ctx, move |_| zone_pieces_mesh(&study, e, z, level, &members));
                self.selection_job = Some((key.clone(), job));
            }
        }
        if let Some((k, job)) = &mut self.selection_job
            && let Some((fill, missing)) = job.poll()
        {
            if let Some(sel) = &mut self.selection_mesh
                && sel.0 == *k
            {
                sel.1 = Some(fill);
                self.missing_pieces = missing;
            }
            self.selection_job = None;
        }
        if self.selection_job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
        if let Some((_, Some(fill), _)) = &self.selection_mesh {
            cmds.push(DrawCmd { mesh: fill.clone(), tint: tint(0.9), width: 0.0 });
        }
        for (i, m) in sc.admin_lines.iter().enumerate().rev() {
            let st = state.admin_style.get(i).copied().unwrap_or_default();
            if st.visible {
                let (_, w) = ADMIN_LINE[i.min(ADMIN_LINE.len() - 1)];
                let w = if i == state.level { w * 1.3 } else { w };
                // Finer levels fade in as one zooms in, so they never grey out a national view.
                let fade = if i == 0 { 1.0 } else { ((self.camera.scale - 8.0) / 40.0).clamp(0.12, 1.0) as f32 };
                cmds.push(DrawCmd { mesh: m.clone(), tint: color_tint(st.color, st.opacity * fade), width: w });
            }
        }
        for (e, m) in sc.eco_lines.iter().enumerate() {
            let st = state.eco_style.get(e).copied().unwrap_or_default();
            if st.visible {
                cmds.push(DrawCmd { mesh: m.clone(), tint: color_tint(st.color, st.opacity), width: 1.0 });
            }
        }
        if let Some((_, _, outline)) = &self.selection_mesh {
            cmds.push(DrawCmd { mesh: outline.clone(), tint: tint(1.0), width: 3.0 });
        }
        if state.reform.active && !state.reform.picked.is_empty() {
            let key = format!("{:?}/{:p}", state.reform.picked, Arc::as_ptr(&l.study));
            if self.picked_mesh.as_ref().is_none_or(|m| m.0 != key) {
                let geoms: Vec<&geo::MultiPolygon<f64>> = state
                    .reform
                    .picked
                    .iter()
                    .filter_map(|&(lv, u)| {
                        l.study.hierarchy.levels.get(lv)?.indexed.layer.units.get(u).map(|x| &x.geometry)
                    })
                    .collect();
                self.picked_mesh = Some((key, outline_mesh(&geoms, PICKED)));
            }
            if let Some((_, m)) = &self.picked_mesh {
                cmds.push(DrawCmd { mesh: m.clone(), tint: tint(1.0), width: 3.5 });
            }
        }
        match self.hover {
            Some(h) => {
                if self.hover_mesh.as_ref().is_none_or(|m| m.0 != h) {
                    let g = match h {
                        Hit::Zone(e, z) => &l.study.eco[e].layer.units[z].geometry,
                        Hit::Unit(lv, u) => &l.study.hierarchy.levels[lv].indexed.layer.units[u].geometry,
                    };
                    self.hover_mesh = Some((h, outline_mesh(&[g], [255, 255, 255, 255])));
                }
                if let Some((_, m)) = &self.hover_mesh {
                    cmds.push(DrawCmd { mesh: m.clone(), tint: tint(1.0), width: 2.5 });
                }
            }
            None => self.hover_mesh = None,
        }
        cmds
    }

    fn paint_cpu(&self, ui: &egui::Ui, rect: Rect, cmds: &[DrawCmd]) {
        let painter = ui.painter_at(rect);
        let cam = self.camera;
        // Without the shaders' cut at the Equal Earth globe's edge, its copies at ±360° would
        // be drawn beside the globe: draw the world once there.
        let shifts = match cam.projection {
            super::camera::Projection::EqualEarth => vec![0.0],
            super::camera::Projection::Equirectangular => cam.wraps(rect, DATA_LON),
        };
        for (c, &shift) in cmds.iter().flat_map(|c| shifts.iter().map(move |s| (c, s))) {
            let tint = c.tint;
            let col = |k: [u8; 4]| {
                Color32::from_rgba_unmultiplied(
                    (k[0] as f32 * tint[0]) as u8,
                    (k[1] as f32 * tint[1]) as u8,
                    (k[2] as f32 * tint[2]) as u8,
                    (k[3] as f32 * tint[3]) as u8,
                )
            };
            match &c.mesh.data {
                MeshData::Fill(f) => {
                    let m = egui::Mesh {
                        vertices: f
                            .vertices
                            .iter()
                            .map(|v| egui::epaint::Vertex {
                                pos: cam.to_screen(rect, v.pos[0] as f64 + shift, v.pos[1] as f64),
                                uv: egui::epaint::WHITE_UV,
                                color: col(v.color),
                            })
                            .collect(),
                        indices: f.indices.clone(),
                        ..Default::default()
                    };
                    painter.add(egui::Shape::mesh(m));
                }
                MeshData::Lines(segs) => {
                    let vis = rect.expand(10.0);
                    for s in segs {
                        let a = cam.to_screen(rect, s.a[0] as f64 + shift, s.a[1] as f64);
                        let b = cam.to_screen(rect, s.b[0] as f64 + shift, s.b[1] as f64);
                        if vis.contains(a) || vis.contains(b) {
                            painter.line_segment([a, b], Stroke::new(c.width, col(s.color)));
                        }
                    }
                }
            }
        }
    }

    fn overlays(&mut self, ui: &egui::Ui, rect: Rect, state: &AppState) {
        let painter = ui.painter_at(rect);
        let Some(l) = &state.loaded else {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "Loading…",
                FontId::proportional(18.0),
                Color32::DARK_GRAY,
            );
            return;
        };
        // Labels, placed greedily by priority and never overlapping: cut zones first, then the
        // other zones, then the viewed admin level; within each, the biggest first. In every
        // repeated copy of the world that is in view.
        let mut placed: Vec<Rect> = Vec::new();
        let mut budget = 160;
        let font = FontId::proportional(11.5);
        let shifts = self.camera.wraps(rect, DATA_LON);
        let mut label_set = |order: Vec<&LabelAnchor>, color: Color32| {
            for a in order {
                if budget <= 0 {
                    break;
                }
                let w_pt = a.extent[0] * self.camera.kx();
                let h_pt = a.extent[1] * self.camera.scale;
                let text_w = a.text.chars().count() as f64 * 6.2;
                if w_pt < text_w * 0.9 || h_pt < 14.0 {
                    continue;
                }
                for &shift in &shifts {
                    if self.camera.projection == super::camera::Projection::EqualEarth
                        && (a.at[0] + shift).abs() > 180.0
                    {
                        continue; // off the globe
                    }
                    let p = self.camera.to_screen(rect, a.at[0] + shift, a.at[1]);
                    if !rect.contains(p) {
                        continue;
                    }
                    let r = Rect::from_center_size(p, Vec2::new(text_w as f32 + 4.0, 15.0));
                    if placed.iter().any(|q| q.intersects(r)) {
                        continue;
                    }
                    placed.push(r);
                    budget -= 1;
                    painter.text(
                        p + Vec2::new(1.0, 1.0),
                        Align2::CENTER_CENTER,
                        &a.text,
                        font.clone(),
                        Color32::from_white_alpha(180),
                    );
                    painter.text(p, Align2::CENTER_CENTER, &a.text, font.clone(), color);
                }
            }
        };
        let by_weight = |v: &mut Vec<&LabelAnchor>| v.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let level = state.level;
        let cut = |e: usize, z: usize| {
            l.analysis.get(e).and_then(|a| a.get(z)).and_then(|a| a.get(level)).is_some_and(|a| a.cut)
        };
        let visible_eco: Vec<usize> =
            (0..l.scene.eco_labels.len()).filter(|&e| state.eco_style.get(e).is_some_and(|s| s.visible)).collect();
        for want_cut in [true, false] {
            let mut order: Vec<&LabelAnchor> = visible_eco
                .iter()
                .flat_map(|&e| l.scene.eco_labels[e].iter().filter(move |a| cut(e, a.unit) == want_cut))
                .collect();
            by_weight(&mut order);
            label_set(order, Color32::from_rgb(10, 60, 40));
        }
        if let Some(anchors) = l.scene.admin_labels.get(state.level)
            && state.admin_style.get(state.level).is_some_and(|s| s.visible)
        {
            let mut order: Vec<&LabelAnchor> = anchors.iter().collect();
            by_weight(&mut order);
            label_set(order, Color32::from_rgb(60, 60, 60));
        }

        // Legend (bottom left).
        let level_name =
            l.study.hierarchy.levels.get(state.level).map(|x| x.indexed.layer.name.clone()).unwrap_or_default();
        let mut rows: Vec<(Color32, String, bool)> = Vec::new();
        let title = match burden_colors(state) {
            Some((_, b, col)) => {
                let f = |v: f64| col.format(v);
                let labels = [
                    "0 (none)".to_string(),
                    format!("up to {}", f(b[1])),
                    format!("{} – {}", f(b[1]), f(b[2])),
                    format!("{} – {}", f(b[2]), f(b[3])),
                    format!("above {}", f(b[3])),
                ];
                for (c, t) in super::scene::BURDEN_RAMP.iter().zip(labels) {
                    rows.push((c32(*c), t, true));
                }
                format!("Legend — {level_name}: {}", col.label())
            }
            None => {
                rows.push((c32(NOT_CUT), format!("zone not cut across {level_name}"), true));
                for (c, t) in CUT_RAMP.iter().zip(CUT_RAMP_LABELS) {
                    rows.push((c32(*c), t.to_string(), true));
                }
                format!("Legend — cut at {:.0}%", state.project.params.threshold * 100.0)
            }
        };
        if state.reform.active {
            rows.push((c32(PICKED), "picked for the scenario".into(), false));
        }
        for (i, lv) in l.study.hierarchy.levels.iter().enumerate() {
            let c = state.admin_style.get(i).map_or(ADMIN_LINE[i.min(ADMIN_LINE.len() - 1)].0, |s| s.color);
            rows.push((c32(c), format!("{} boundary", lv.indexed.layer.name), false));
        }
        for (e, layer) in l.study.eco.iter().enumerate() {
            let c = state.eco_style.get(e).map_or(super::scene::ZONE_LINE, |s| s.color);
            rows.push((c32(c), format!("{} outline", layer.layer.name), false));
        }
        if matches!(state.selection, Selection::Zone(..)) {
            rows.push((c32(member_color(0)), "selected zone: members (by colour)".into(), true));
            rows.push((c32(OBSERVER), "selected zone: observers".into(), true));
        }
        // The legend folds to its title (click it), and moves to the top-left corner when the
        // selection lies under its usual place, so it never hides the selected feature.
        let h = if self.legend_folded { 24.0 } else { rows.len() as f32 * 17.0 + 26.0 };
        let mut lr = Rect::from_min_size(rect.left_bottom() + Vec2::new(10.0, -h - 10.0), Vec2::new(300.0, h));
        if let Some(sel) = self.selection_screen_rect(state, rect)
            && sel.intersects(lr)
        {
            lr = Rect::from_min_size(rect.left_top() + Vec2::new(10.0, 10.0), Vec2::new(300.0, h));
        }
        self.legend_rect = Some(lr);
        let title_rect = Rect::from_min_size(lr.min, Vec2::new(lr.width(), 24.0));
        let toggle = ui.interact(title_rect, ui.scope_id().with("legend-fold"), Sense::click());
        if toggle.on_hover_text(if self.legend_folded { "Show the legend" } else { "Fold the legend" }).clicked() {
            self.legend_folded = !self.legend_folded;
        }
        painter.rect_filled(lr, 4.0, Color32::from_white_alpha(225));
        let mark = if self.legend_folded { "[+]" } else { "[-]" };
        painter.text(
            lr.min + Vec2::new(8.0, 6.0),
            Align2::LEFT_TOP,
            format!("{mark} {title}"),
            FontId::proportional(12.5),
            Color32::BLACK,
        );
        let shown = if self.legend_folded { 0 } else { rows.len() };
        for (i, (c, t, filled)) in rows.iter().take(shown).enumerate() {
            let y = lr.min.y + 26.0 + i as f32 * 17.0;
            let sw = Rect::from_min_size(Pos2::new(lr.min.x + 8.0, y), Vec2::new(18.0, 12.0));
            if *filled {
                painter.rect_filled(sw, 2.0, *c);
            } else {
                painter.line_segment([sw.left_center(), sw.right_center()], Stroke::new(2.0, *c));
            }
            painter.text(
                Pos2::new(sw.max.x + 8.0, y + 6.0),
                Align2::LEFT_CENTER,
                t,
                FontId::proportional(11.5),
                Color32::BLACK,
            );
        }

        if let Some(m) = self.missing_pieces.first() {
            let more = self.missing_pieces.len() - 1;
            let text = if more > 0 { format!("Not drawn: {m} (and {more} more)") } else { format!("Not drawn: {m}") };
            painter.text(
                rect.center_top() + Vec2::new(0.0, 12.0),
                Align2::CENTER_TOP,
                text,
                FontId::proportional(12.0),
                Color32::DARK_RED,
            );
        }

        // Scale bar (bottom right), true at the view centre.
        let kpp = self.camera.km_per_point();
        let km = nice_km(kpp * 150.0);
        let px = (km / kpp) as f32;
        let y = rect.max.y - 20.0;
        let x1 = rect.max.x - 20.0;
        let x0 = x1 - px;
        let sr = Rect::from_min_max(Pos2::new(x0 - 8.0, y - 22.0), Pos2::new(x1 + 8.0, y + 8.0));
        painter.rect_filled(sr, 3.0, Color32::from_white_alpha(210));
        painter.line_segment([Pos2::new(x0, y), Pos2::new(x1, y)], Stroke::new(2.5, Color32::BLACK));
        for x in [x0, x1] {
            painter.line_segment([Pos2::new(x, y - 5.0), Pos2::new(x, y + 3.0)], Stroke::new(1.5, Color32::BLACK));
        }
        let label = if km >= 1.0 { format!("{km:.0} km") } else { format!("{:.0} m", km * 1000.0) };
        painter.text(
            Pos2::new((x0 + x1) / 2.0, y - 6.0),
            Align2::CENTER_BOTTOM,
            label,
            FontId::proportional(11.5),
            Color32::BLACK,
        );
    }
}

/// The selected zone's pieces coloured by jurisdiction (members by palette, others grey), and
/// the pieces the boolean kernel could not build (left out, said on the map).
fn zone_pieces_mesh(
    study: &crate::study::Study,
    e: usize,
    z: usize,
    level: usize,
    members: &[usize],
) -> (Arc<Mesh>, Vec<String>) {
    let zone = &study.eco[e].layer.units[z];
    let units = &study.hierarchy.levels[level].indexed.layer.units;
    let mut missing = Vec::new();
    let parts: Vec<(geo::MultiPolygon<f64>, [u8; 4])> = study.overlay[e][z][level]
        .pieces
        .iter()
        .filter_map(|p| {
            let c = members.iter().position(|&m| m == p.unit).map_or(OBSERVER, member_color);
            p.to_multipolygon(zone, &units[p.unit]).map_err(|e| missing.push(e.to_string())).ok().map(|g| (g, c))
        })
        .collect();
    (highlight_mesh(&parts), missing)
}

/// Fill and outline meshes for the current selection. A zone's fill comes later, from a
/// background job (see [`zone_pieces_mesh`]); a unit's highlight is a recolouring, done now.
fn selection_meshes(state: &AppState) -> Option<(Option<Arc<Mesh>>, Arc<Mesh>)> {
    let l = state.loaded.as_ref()?;
    match state.selection {
        Selection::None => None,
        Selection::Zone(e, z) => Some((None, outline_mesh(&[&l.study.eco[e].layer.units[z].geometry], [0, 0, 0, 255]))),
        Selection::Unit(level, unit) => {
            let lv = &l.study.hierarchy.levels.get(level)?.indexed.layer;
            let view = state.jurisdiction()?;
            let mut colors = vec![[0u8; 4]; lv.units.len()];
            for (p, _) in &view.partners {
                colors[*p] = [86, 180, 233, 150];
            }
            colors[unit] = [230, 159, 0, 220];
            let fill = admin_highlight(&l.scene.admin_fill_template[level], &colors);
            Some((Some(fill), outline_mesh(&[&lv.units[unit].geometry], [0, 0, 0, 255])))
        }
    }
}

fn tooltip(ui: &egui::Ui, state: &AppState, hit: Hit, at: Pos2) {
    let Some(l) = &state.loaded else { return };
    let mut lines: Vec<String> = Vec::new();
    match hit {
        Hit::Zone(e, z) => {
            let u = &l.study.eco[e].layer.units[z];
            lines.push(format!("{} ({})", u.name, l.study.eco[e].layer.name));
            lines.push(format!("{:.0} km²", u.area_km2));
            if let Some(a) = l.analysis.get(e).and_then(|x| x.get(z)).and_then(|x| x.get(state.level)) {
                let units = &l.study.hierarchy.levels[state.level].indexed.layer.units;
                lines.push(if a.cut {
                    format!("CUT across {} jurisdictions (n_eff {:.2})", a.significant, a.effective_n)
                } else {
                    "not cut".into()
                });
                for p in a.parts.iter().take(5) {
                    lines.push(format!("  {} {:.1}%", units[p.unit].name, p.share * 100.0));
                }
                if a.uncovered_share > 0.005 {
                    lines.push(format!("  outside all: {:.1}%", a.uncovered_share * 100.0));
                }
            }
        }
        Hit::Unit(lv, u) => {
            let unit = &l.study.hierarchy.levels[lv].indexed.layer.units[u];
            lines.push(format!("{} ({})", unit.name, unit.id));
            lines.push(format!("{:.0} km²", unit.area_km2));
            if let Some(b) = l.burden.get(lv).and_then(|r| r.get(u)) {
                lines.push(format!("votes in {} bodies, with {} partners", b.member_of.len(), b.partners.len()));
                for (e, lb) in b.layers.iter().enumerate() {
                    lines.push(format!(
                        "{:.0}% of its area in cut {} ({} zones)",
                        lb.cut_area_share * 100.0,
                        l.study.eco[e].layer.name,
                        lb.cut_zones
                    ));
                }
            }
        }
    }
    let text = lines.join("\n");
    let galley = ui.painter().layout_no_wrap(text, FontId::proportional(12.0), Color32::BLACK);
    let r = Rect::from_min_size(at + Vec2::new(16.0, 16.0), galley.size() + Vec2::splat(12.0));
    let p = ui.ctx().layer_painter(egui::LayerId::new(egui::Order::Tooltip, egui::Id::unique("map-tooltip")));
    p.rect_filled(r, 4.0, Color32::from_white_alpha(240));
    p.rect_stroke(r, 4.0, Stroke::new(1.0, Color32::GRAY), egui::StrokeKind::Inside);
    p.galley(r.min + Vec2::splat(6.0), galley, Color32::BLACK);
}
