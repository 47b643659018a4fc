//! Turning layers into GPU-ready meshes, once per layer: polygons triangulated with earcut
//! (egui would fill a concave path as its convex hull), boundaries as segment lists. Vertices
//! stay in lon/lat; the camera is applied on the GPU.
//!
//! Display-only antimeridian handling: a unit with parts on both sides of ±180° (the Aleutians,
//! Chukotka, Fiji) is drawn in one piece on the side where most of its area lies (its parts on
//! the other side shifted by ±360°); circumpolar units are left as they are; the cut edges that
//! repair added along ±180° and the poles are not drawn.

use bytemuck::{Pod, Zeroable};
use geo::{MultiPolygon, Polygon, TriangulateEarcut};

/// One fill vertex: lon, lat (degrees) and an RGBA colour.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct FillVertex {
    /// Longitude, latitude.
    pub pos: [f32; 2],
    /// Colour, straight (not premultiplied) alpha.
    pub color: [u8; 4],
}

/// One boundary segment: two lon/lat end points and an RGBA colour.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable, PartialEq)]
pub struct Segment {
    /// Start.
    pub a: [f32; 2],
    /// End.
    pub b: [f32; 2],
    /// Colour, straight alpha.
    pub color: [u8; 4],
}

/// Triangles of a set of features; `feature_of_vertex` lets colours change per feature
/// without triangulating again.
#[derive(Debug, Clone, Default)]
pub struct FillMesh {
    /// Vertices.
    pub vertices: Vec<FillVertex>,
    /// Triangle indices.
    pub indices: Vec<u32>,
    /// For each vertex, the feature it belongs to.
    pub feature_of_vertex: Vec<u32>,
}

impl FillMesh {
    /// Sets every vertex's colour from a per-feature colour.
    pub fn recolor(&mut self, colors: &[[u8; 4]]) {
        for (v, &f) in self.vertices.iter_mut().zip(&self.feature_of_vertex) {
            v.color = colors[f as usize];
        }
    }
}

/// The longitude shift that draws `mp` in one piece across the antimeridian, on the side where
/// most of it lies: Russia's Chukotka (west of −180°) is drawn east of 180° beside the rest of
/// Russia; Alaska's western Aleutians (east of 180°) are drawn west of −180° beside Alaska.
/// Units with a part spanning more than half the globe (Antarctica, circumpolar regions) and
/// units that do not reach both sides of ±150° are not shifted.
pub fn display_shift(mp: &MultiPolygon<f64>) -> impl Fn(f64) -> f64 + use<> {
    use geo::{Area, BoundingRect};
    let (mut west, mut east, mut circumpolar) = (false, false, false);
    let (mut area_w, mut area_e) = (0.0, 0.0);
    for p in &mp.0 {
        let Some(r) = p.bounding_rect() else { continue };
        circumpolar |= r.width() > 180.0;
        west |= r.min().x < -150.0;
        east |= r.max().x > 150.0;
        let a = p.unsigned_area();
        if r.center().x < 0.0 { area_w += a } else { area_e += a }
    }
    let wrap = west && east && !circumpolar;
    let to_east = area_e > area_w;
    move |x: f64| match (wrap, to_east) {
        (true, true) if x < 0.0 => x + 360.0,
        (true, false) if x > 0.0 => x - 360.0,
        _ => x,
    }
}

/// Whether a ring edge is an artificial cut: along the antimeridian (±180°), where repair split a
/// unit, or along a pole (±90°), where it closed a ring circling it. Drawn, they would show as
/// seams (a line down the Bering Strait, a band along the bottom of Antarctica).
pub fn is_cut_edge(a: geo::Coord<f64>, b: geo::Coord<f64>) -> bool {
    let on = |v: f64, w: f64, at: f64| (v - at).abs() < 1e-9 && (w - at).abs() < 1e-9;
    on(a.x, b.x, 180.0) || on(a.x, b.x, -180.0) || on(a.y, b.y, 90.0) || on(a.y, b.y, -90.0)
}

fn triangulate_into(
    poly: &Polygon<f64>,
    shift: &impl Fn(f64) -> f64,
    feature: u32,
    color: [u8; 4],
    mesh: &mut FillMesh,
) {
    let tri = poly.earcut_triangles_raw();
    let base = mesh.vertices.len() as u32;
    for v in &tri.vertices {
        mesh.vertices.push(FillVertex { pos: [shift(v[0]) as f32, v[1] as f32], color });
        mesh.feature_of_vertex.push(feature);
    }
    mesh.indices.extend(tri.triangle_indices.iter().map(|&i| base + i as u32));
}

/// Triangulates every feature (in order) with one colour each.
pub fn fill_mesh<'a>(features: impl IntoIterator<Item = &'a MultiPolygon<f64>>, colors: &[[u8; 4]]) -> FillMesh {
    let mut mesh = FillMesh::default();
    for (i, mp) in features.into_iter().enumerate() {
        let shift = display_shift(mp);
        for p in &mp.0 {
            triangulate_into(p, &shift, i as u32, colors.get(i).copied().unwrap_or([128, 128, 128, 255]), &mut mesh);
        }
    }
    mesh
}

/// Every ring of every feature as segments of one colour.
pub fn line_mesh<'a>(features: impl IntoIterator<Item = &'a MultiPolygon<f64>>, color: [u8; 4]) -> Vec<Segment> {
    let mut out = Vec::new();
    for mp in features {
        let shift = display_shift(mp);
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in r.0.windows(2).filter(|w| !is_cut_edge(w[0], w[1])) {
                    out.push(Segment {
                        a: [shift(w[0].x) as f32, w[0].y as f32],
                        b: [shift(w[1].x) as f32, w[1].y as f32],
                        color,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Coord, wkt};

    fn tri_area(mesh: &FillMesh) -> f64 {
        mesh.indices
            .chunks(3)
            .map(|t| {
                let p = |i: u32| {
                    let v = mesh.vertices[i as usize].pos;
                    Coord { x: v[0] as f64, y: v[1] as f64 }
                };
                let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
                ((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)).abs() / 2.0
            })
            .sum()
    }

    #[test]
    fn triangles_cover_concave_polygon_with_hole_exactly() {
        // An L-shape with a square hole: planar area 3*1 + 1*2 - 0.25 = 4.75 square degrees.
        let p = wkt!(POLYGON((0. 0.,3. 0.,3. 1.,1. 1.,1. 3.,0. 3.,0. 0.),(0.25 0.25,0.75 0.25,0.75 0.75,0.25 0.75,0.25 0.25)));
        let mp = MultiPolygon(vec![p.clone()]);
        let mesh = fill_mesh([&mp], &[[1, 2, 3, 255]]);
        assert!((tri_area(&mesh) - p.unsigned_area()).abs() < 1e-5, "{}", tri_area(&mesh));
        assert!((p.unsigned_area() - 4.75).abs() < 1e-12);
        // No triangle lies in the hole (its centroid would be inside it).
        for t in mesh.indices.chunks(3) {
            let c: Vec<[f32; 2]> = t.iter().map(|&i| mesh.vertices[i as usize].pos).collect();
            let (x, y) = ((c[0][0] + c[1][0] + c[2][0]) / 3.0, (c[0][1] + c[1][1] + c[2][1]) / 3.0);
            assert!(!(x > 0.25 && x < 0.75 && y > 0.25 && y < 0.75), "triangle in the hole");
        }
    }

    #[test]
    fn recolor_by_feature() {
        let a = MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 0.)))]);
        let b = MultiPolygon(vec![wkt!(POLYGON((5. 5.,6. 5.,6. 6.,5. 5.)))]);
        let mut mesh = fill_mesh([&a, &b], &[[0; 4], [0; 4]]);
        mesh.recolor(&[[255, 0, 0, 255], [0, 0, 255, 255]]);
        assert_eq!(mesh.vertices[0].color, [255, 0, 0, 255]);
        assert_eq!(mesh.vertices.last().unwrap().color, [0, 0, 255, 255]);
    }

    #[test]
    fn aleutian_parts_are_drawn_west_of_alaska() {
        let mp = MultiPolygon(vec![
            wkt!(POLYGON((172. 52.,179.9 52.,179.9 53.,172. 52.))),
            wkt!(POLYGON((-179.9 51.,-170. 51.,-170. 52.,-179.9 51.))),
        ]);
        let segs = line_mesh([&mp], [0; 4]);
        assert!(segs.iter().all(|s| s.a[0] < -150.0 && s.b[0] < -150.0), "smeared: {segs:?}");
        let far = MultiPolygon(vec![wkt!(POLYGON((10. 10.,11. 10.,11. 11.,10. 10.)))]);
        assert!(line_mesh([&far], [0; 4]).iter().all(|s| s.a[0] > 9.0));
    }

    #[test]
    fn chukotka_is_drawn_east_beside_russia_and_the_cut_line_is_not_drawn() {
        // Most of the unit lies east (30..180°E); its piece west of the antimeridian (split there
        // by repair) goes east of 180°, next to it, not the whole unit west of Alaska.
        let russia = MultiPolygon(vec![
            wkt!(POLYGON((30. 50.,180. 50.,180. 70.,30. 70.,30. 50.))),
            wkt!(POLYGON((-180. 64.,-170. 64.,-170. 68.,-180. 68.,-180. 64.))),
        ]);
        let shift = display_shift(&russia);
        assert_eq!(shift(100.0), 100.0);
        assert_eq!(shift(-175.0), 185.0);
        let segs = line_mesh([&russia], [0; 4]);
        assert!(segs.iter().all(|s| s.a[0] >= 30.0 && s.b[0] >= 30.0), "{segs:?}");
        // No segment along the cut at ±180° (shifted: at 180°).
        assert!(!segs.iter().any(|s| s.a[0] == 180.0 && s.b[0] == 180.0), "{segs:?}");
    }

    #[test]
    fn circumpolar_units_are_not_shifted_and_have_no_polar_seam() {
        // Antarctica as repair leaves it: one polygon from −180° to 180° closed along −90°.
        let ant = MultiPolygon(vec![wkt!(POLYGON((
            -180. - 90.,
            180. - 90.,
            180. - 65.,
            0. - 70.,
            -180. - 65.,
            -180. - 90.
        )))]);
        let shift = display_shift(&ant);
        assert_eq!((shift(-170.0), shift(170.0)), (-170.0, 170.0));
        let segs = line_mesh([&ant], [0; 4]);
        assert!(!segs.iter().any(|s| s.a[1] == -90.0 && s.b[1] == -90.0), "{segs:?}");
        assert_eq!(segs.len(), 2, "only the two coastline edges: {segs:?}");
    }
}
