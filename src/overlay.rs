//! The overlay: for every ecological zone and every unit of an admin level, the piece they
//! share and its area. This is the only expensive stage; everything downstream (shares, cut
//! flags, bodies) is derived from its output without touching geometry again.
//!
//! Per candidate pair (from the R-tree), in order of cost:
//! 1. if the edge chunks of the two boundaries cannot meet inside the pair's common bounding
//!    box, each connected component of one side lies wholly inside or wholly outside the other:
//!    a point-in-polygon test per component decides, and the piece is a whole zone, a whole
//!    unit, or a set of whole components (no boolean operation at all);
//! 2. otherwise both sides are clipped to the common bounding box (Sutherland–Hodgman), and
//!    only then intersected exactly with geo's `BooleanOps` (i_overlay, even-odd); pairs with
//!    many edges in that box are summed by recursive quadrants ([`quadrant_area`]) and keep no
//!    polygon (it is rebuilt on demand for maps and briefs).
//!
//! Areas are ellipsoidal (see [`crate::geometry::area`]); the intersection is planar in lon/lat,
//! consistently with how every area is computed, so the pieces of a zone never add up to more
//! than the zone (up to rounding).

use crate::geometry::area::polygon_area_km2;
use crate::geometry::{ChunkIndex, area_km2, clip_to_rect};
use crate::index::IndexedLayer;
use crate::model::Unit;
use crate::progress::{Cancelled, Progress};
use geo::{BooleanOps, Intersects, MultiPolygon, Rect};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The geometry of a piece, kept for maps and exports without copying whole shapes.
#[derive(Debug, Clone)]
pub enum PieceGeometry {
    /// The whole zone lies inside the unit.
    WholeZone,
    /// The whole unit lies inside the zone.
    WholeUnit,
    /// Anything else: the exact intersection.
    Part(MultiPolygon<f64>),
    /// The exact intersection of a large pair, whose area was summed by quadrants; its polygon
    /// is built when asked for (maps, briefs), not during the overlay.
    Deferred,
}

/// The part of one zone that lies in one admin unit.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Position of the admin unit in its layer.
    pub unit: usize,
    /// Area of the piece on the ellipsoid, km² (> 0).
    pub area_km2: f64,
    /// Its geometry.
    pub geometry: PieceGeometry,
}

impl Piece {
    /// The piece's geometry as a multipolygon (cloning the zone or unit when it is whole).
    ///
    /// A deferred piece is intersected now; should the boolean kernel fail on it (it panics on
    /// some degenerate input), the error names the zone and the unit, as in the overlay, and the
    /// caller decides: an export fails, a map draws the rest and says what is missing. The
    /// piece's area, measured during the overlay, does not depend on this.
    pub fn to_multipolygon(&self, zone: &Unit, unit: &Unit) -> Result<MultiPolygon<f64>, PieceGeometryError> {
        Ok(match &self.geometry {
            PieceGeometry::WholeZone => zone.geometry.clone(),
            PieceGeometry::WholeUnit => unit.geometry.clone(),
            PieceGeometry::Part(mp) => mp.clone(),
            PieceGeometry::Deferred => match common_rect(zone.bbox, unit.bbox) {
                Some(w) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    clip_to_rect(&zone.geometry, w).intersection(&clip_to_rect(&unit.geometry, w))
                }))
                .map_err(|_| PieceGeometryError { zone: zone.id.clone(), unit: unit.id.clone() })?,
                None => MultiPolygon::new(vec![]),
            },
        })
    }
}

/// The boolean kernel failed while building a deferred piece's polygon (see
/// [`Piece::to_multipolygon`]).
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "the boolean kernel failed on the piece of zone \"{zone}\" in unit \"{unit}\"; its area stands, its outline cannot be drawn or written"
)]
pub struct PieceGeometryError {
    /// Zone id.
    pub zone: String,
    /// Admin unit id.
    pub unit: String,
}

/// Whether the overlay keeps the polygon of each part it intersects ([`PieceGeometry::Part`])
/// or only its area ([`PieceGeometry::Deferred`], the polygon rebuilt when asked for).
///
/// The areas, and everything computed from them, are the same either way. Only maps, briefs
/// and exports of the parts' geometry draw parts; a run that writes none of them need not hold
/// them: on the 1.2M-hexagon grid they are ~1.6 million polygons of coast and border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outlines {
    /// Keep the parts' polygons (the app, briefs, exports of parts with geometry).
    #[default]
    Keep,
    /// Keep areas only.
    Drop,
}

/// How each pair was decided, for benchmarks and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PairStats {
    /// Candidate pairs from the R-tree.
    pub candidates: usize,
    /// Decided without a boolean operation.
    pub shortcut: usize,
    /// Intersected exactly.
    pub exact: usize,
}

/// The intersection of two boxes, `None` when they are disjoint (touching boxes share an edge).
pub fn common_rect(a: Rect<f64>, b: Rect<f64>) -> Option<Rect<f64>> {
    let (x0, y0) = (a.min().x.max(b.min().x), a.min().y.max(b.min().y));
    let (x1, y1) = (a.max().x.min(b.max().x), a.max().y.min(b.max().y));
    (x0 <= x1 && y0 <= y1).then(|| Rect::new((x0, y0), (x1, y1)))
}

/// Overlays one zone with one admin unit. `None` when they share no area. With
/// [`Outlines::Drop`], a part that is neither the whole zone nor the whole unit is
/// [`PieceGeometry::Deferred`].
pub fn overlay_pair(
    zone: &Unit,
    zone_chunks: &ChunkIndex,
    unit_ix: usize,
    unit: &Unit,
    unit_chunks: &ChunkIndex,
    outlines: Outlines,
    stats: &mut PairStats,
) -> Option<Piece> {
    let window = common_rect(zone.bbox, unit.bbox)?;
    stats.candidates += 1;
    if !zone_chunks.may_touch(&zone.geometry, unit_chunks, &unit.geometry, window) {
        stats.shortcut += 1;
        // Boundaries never meet: each component is wholly inside or wholly outside the other.
        let inside = |poly: &geo::Polygon<f64>, other: &Unit, other_chunks: &ChunkIndex| {
            poly.exterior()
                .0
                .first()
                .is_some_and(|c| other.bbox.intersects(c) && other_chunks.contains(&other.geometry, *c))
        };
        let zone_in: Vec<usize> =
            (0..zone.geometry.0.len()).filter(|&i| inside(&zone.geometry.0[i], unit, unit_chunks)).collect();
        if zone_in.len() == zone.geometry.0.len() {
            return Some(Piece { unit: unit_ix, area_km2: zone.area_km2, geometry: PieceGeometry::WholeZone });
        }
        let unit_in: Vec<usize> =
            (0..unit.geometry.0.len()).filter(|&i| inside(&unit.geometry.0[i], zone, zone_chunks)).collect();
        if unit_in.len() == unit.geometry.0.len() {
            return Some(Piece { unit: unit_ix, area_km2: unit.area_km2, geometry: PieceGeometry::WholeUnit });
        }
        if zone_in.is_empty() && unit_in.is_empty() {
            return None;
        }
        let inside = zone_in.iter().map(|&i| &zone.geometry.0[i]).chain(unit_in.iter().map(|&i| &unit.geometry.0[i]));
        let area = inside.clone().map(polygon_area_km2).sum();
        let geometry = match outlines {
            Outlines::Keep => PieceGeometry::Part(MultiPolygon(inside.cloned().collect())),
            Outlines::Drop => PieceGeometry::Deferred,
        };
        return Some(Piece { unit: unit_ix, area_km2: area, geometry });
    }
    stats.exact += 1;
    let chunks = zone_chunks.count_in(&zone.geometry, window) + unit_chunks.count_in(&unit.geometry, window);
    if chunks > TILE_ABOVE_CHUNKS {
        let area = quadrant_area(zone, zone_chunks, unit, unit_chunks, window);
        return (area > 0.0).then_some(Piece { unit: unit_ix, area_km2: area, geometry: PieceGeometry::Deferred });
    }
    let a = zone_chunks.clip(&zone.geometry, window);
    let b = unit_chunks.clip(&unit.geometry, window);
    if a.0.is_empty() || b.0.is_empty() {
        return None;
    }
    let inter = a.intersection(&b);
    let area = area_km2(&inter);
    // Kept as a clone, whose vectors hold exactly their items: the boolean kernel's results
    // carry spare capacity (on the 299k-hexagon grid, 50 MB of vectors for 28 MB of coordinates
    // and polygons), and the overlay keeps up to a few hundred thousand of them. Shrinking in
    // place would not return it: mimalloc keeps a block that shrinks by less than half.
    let geometry = || match outlines {
        Outlines::Keep => PieceGeometry::Part(inter.clone()),
        Outlines::Drop => PieceGeometry::Deferred,
    };
    (area > 0.0).then(|| Piece { unit: unit_ix, area_km2: area, geometry: geometry() })
}

/// Pairs with more edge chunks than this in their window are intersected by quadrants
/// ([`quadrant_area`]): their area only; the polygon is built on demand.
const TILE_ABOVE_CHUNKS: usize = 48;

/// Below this many vertices (both sides together) a quadrant is intersected directly.
const QUAD_BASE_VERTICES: usize = 600;

fn vertex_count(mp: &MultiPolygon<f64>) -> usize {
    mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum()
}

/// The intersection area of a large pair by recursive quadrants of the pair's window: each
/// side, already clipped to a quadrant, is clipped again to the four sub-quadrants; a
/// sub-quadrant one side covers completely contributes the other side's clipped area, one that
/// either side misses contributes nothing, and only small remainders go to the boolean engine.
/// The sum equals one boolean operation over the whole window, with less input to the engine
/// (clipping is linear, the boolean operation is not).
pub fn quadrant_area(
    zone: &Unit,
    zone_chunks: &ChunkIndex,
    unit: &Unit,
    unit_chunks: &ChunkIndex,
    window: Rect<f64>,
) -> f64 {
    let a = zone_chunks.clip(&zone.geometry, window);
    let b = unit_chunks.clip(&unit.geometry, window);
    quad_area(&a, &b, window, 0)
}

fn quad_area(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>, r: Rect<f64>, depth: u32) -> f64 {
    if a.0.is_empty() || b.0.is_empty() {
        return 0.0;
    }
    if depth >= 10 || vertex_count(a) + vertex_count(b) <= QUAD_BASE_VERTICES {
        return area_km2(&a.intersection(b));
    }
    let c = r.center();
    let quads = [
        Rect::new(r.min(), c),
        Rect::new((c.x, r.min().y), (r.max().x, c.y)),
        Rect::new((r.min().x, c.y), (c.x, r.max().y)),
        Rect::new(c, r.max()),
    ];
    let mut area = 0.0;
    for q in quads {
        let (aq, bq) = (clip_to_rect(a, q), clip_to_rect(b, q));
        if aq.0.is_empty() || bq.0.is_empty() {
            continue;
        }
        // Coverage is decided on planar (lon/lat) areas: cheap, and exact for this purpose.
        let full = q.width() * q.height();
        let planar = |m: &MultiPolygon<f64>| geo::Area::unsigned_area(m);
        if planar(&aq) >= full * (1.0 - 1e-9) {
            area += area_km2(&bq); // the zone covers the quadrant: the piece is the unit's part
        } else if planar(&bq) >= full * (1.0 - 1e-9) {
            area += area_km2(&aq);
        } else {
            area += quad_area(&aq, &bq, q, depth + 1);
        }
    }
    area
}

/// Overlays every zone of `zones` with `admin`, in parallel over candidate pairs (costliest
/// first, so one huge zone does not keep a single core busy at the end). Returns the pieces
/// per zone (in zone order, each in ascending unit order) and the pair statistics.
/// Why an overlay stopped.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
    /// The boolean kernel (i_overlay, inside geo's BooleanOps) panicked on one pair: the pair is
    /// named rather than the process aborted or the piece silently dropped.
    #[error(
        "the boolean kernel failed on zone \"{zone}\" of {zone_layer} × unit \"{unit}\" of {unit_layer}; check or simplify these two features"
    )]
    Kernel {
        /// Zone layer name.
        zone_layer: String,
        /// Zone id.
        zone: String,
        /// Admin layer name.
        unit_layer: String,
        /// Unit id.
        unit: String,
    },
}

/// Overlays every zone with every admin unit whose box meets it, in parallel: the pieces of each
/// zone (ascending unit order) and the pair statistics.
pub fn overlay_layers(
    zones: &IndexedLayer,
    admin: &IndexedLayer,
    outlines: Outlines,
    progress: &dyn Progress,
) -> Result<(ZonePieces, PairStats), OverlayError> {
    let n = zones.layer.units.len();
    // (zone, unit) by position; u32, as the R-tree's items are: half the bytes of usize, 3 MB
    // fewer on the 299k-hexagon grid, whose peak is here.
    let mut pairs: Vec<(u32, u32)> = (0..n)
        .flat_map(|z| admin.candidates(zones.layer.units[z].bbox).into_iter().map(move |u| (z as u32, u as u32)))
        .collect();
    pairs.sort_by_key(|&(z, u)| std::cmp::Reverse(zones.chunks[z as usize].len() + admin.chunks[u as usize].len()));
    let total = pairs.len();
    let done = AtomicUsize::new(0);
    let stage = format!("overlay {} × {}", zones.layer.name, admin.layer.name);
    // Pair statistics summed as pairs finish; only the pieces found are collected.
    let counters = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];
    let found: Vec<(usize, Piece)> = pairs
        .par_iter()
        .map(|&(z, u)| -> Result<Option<(usize, Piece)>, OverlayError> {
            let (z, u) = (z as usize, u as usize);
            if progress.is_cancelled() {
                return Err(OverlayError::Cancelled(Cancelled));
            }
            let mut stats = PairStats::default();
            // The kernel can panic on degenerate input (found by fuzzing in the repair step):
            // name the pair instead of aborting.
            let piece = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                overlay_pair(
                    &zones.layer.units[z],
                    &zones.chunks[z],
                    u,
                    &admin.layer.units[u],
                    &admin.chunks[u],
                    outlines,
                    &mut stats,
                )
            }))
            .map_err(|_| OverlayError::Kernel {
                zone_layer: zones.layer.name.clone(),
                zone: zones.layer.units[z].id.clone(),
                unit_layer: admin.layer.name.clone(),
                unit: admin.layer.units[u].id.clone(),
            })?;
            for (c, n) in counters.iter().zip([stats.candidates, stats.shortcut, stats.exact]) {
                if n > 0 {
                    c.fetch_add(n, Ordering::Relaxed);
                }
            }
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if d.is_multiple_of(64) || d == total {
                progress.update(&stage, d, total);
            }
            Ok(piece.map(|p| (z, p)))
        })
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    drop(pairs);
    // The pair list and the kernel's scratch are freed; the pieces are grouped next.
    crate::stage_end::freed();
    let [candidates, shortcut, exact] = counters.map(AtomicUsize::into_inner);
    let stats = PairStats { candidates, shortcut, exact };
    Ok((ZonePieces::from_found(n, found), stats))
}

/// The pieces of every zone of a layer at one level, as one table in zone order (the pieces
/// of a zone by ascending unit). One vector and one offset per zone, where a vector per zone
/// took 24 bytes for each zone and a heap block for each zone with a piece: on the
/// 299k-hexagon grid, 13 MB against 7 (BENCHMARKS.md, fourteenth session).
#[derive(Debug, Clone, Default)]
pub struct ZonePieces {
    /// Where zone `z`'s pieces start in `pieces`; one more entry, the end.
    starts: Vec<u32>,
    pieces: Vec<Piece>,
}

impl ZonePieces {
    /// The table of `zones` zones from (zone, piece) pairs in any order.
    ///
    /// # Panics
    /// When a zone is out of range or there are 2³² pieces or more (a programming error: the
    /// pieces would not fit in memory first).
    pub fn from_found(zones: usize, mut found: Vec<(usize, Piece)>) -> Self {
        assert!(found.len() < u32::MAX as usize, "too many pieces for one table");
        found.par_sort_unstable_by_key(|(z, p)| (*z, p.unit));
        let mut starts = vec![0u32; zones + 1];
        for &(z, _) in &found {
            assert!(z < zones, "zone {z} of {zones}");
            starts[z + 1] += 1;
        }
        for z in 0..zones {
            starts[z + 1] += starts[z];
        }
        ZonePieces { starts, pieces: found.into_iter().map(|(_, p)| p).collect() }
    }

    /// The table with zone `z`'s pieces `zones[z]` (kept in their order).
    ///
    /// # Panics
    /// When there are 2³² pieces or more.
    pub fn from_zones(zones: Vec<Vec<Piece>>) -> Self {
        let mut starts = Vec::with_capacity(zones.len() + 1);
        let mut pieces = Vec::with_capacity(zones.iter().map(Vec::len).sum());
        starts.push(0);
        for v in zones {
            pieces.extend(v);
            starts.push(u32::try_from(pieces.len()).expect("too many pieces for one table"));
        }
        ZonePieces { starts, pieces }
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether the table has no zone.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each zone's pieces, in zone order.
    pub fn iter(&self) -> impl Iterator<Item = &[Piece]> {
        self.starts.windows(2).map(|w| &self.pieces[w[0] as usize..w[1] as usize])
    }

    /// Each zone's pieces, in zone order, moved out (one exact vector per zone).
    pub fn into_zones(self) -> impl Iterator<Item = Vec<Piece>> {
        let (starts, mut pieces) = (self.starts, self.pieces.into_iter());
        (1..starts.len()).map(move |z| pieces.by_ref().take((starts[z] - starts[z - 1]) as usize).collect())
    }
}

impl std::ops::Index<usize> for ZonePieces {
    type Output = [Piece];
    /// Zone `z`'s pieces; panics when `z` is out of range.
    fn index(&self, z: usize) -> &[Piece] {
        &self.pieces[self.starts[z] as usize..self.starts[z + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldMapping, Layer, LayerSpec};
    use geo::wkt;

    fn unit(id: &str, mp: MultiPolygon<f64>) -> Unit {
        Unit::from_geometry(id, mp).unwrap()
    }

    fn layer(units: Vec<Unit>) -> IndexedLayer {
        IndexedLayer::new(Layer {
            name: "t".into(),
            spec: LayerSpec::new("t.geojson"),
            fields: FieldMapping::default(),
            crs: "OGC:CRS84".into(),
            feature_count: units.len(),
            load_times: Default::default(),
            units,
            warnings: vec![],
        })
    }

    #[test]
    fn exact_parts_keep_every_ring_and_no_spare_capacity() {
        // A zone with a hole, across a unit's edge: the part has two polygons, one with a hole.
        let zone =
            unit("z", MultiPolygon(vec![wkt!(POLYGON((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,2. 1.,2. 2.,1. 1.)))]));
        let adm = unit(
            "u",
            MultiPolygon(vec![
                wkt!(POLYGON((0.5 -1.,3. -1.,3. 5.,0.5 5.,0.5 -1.))),
                wkt!(POLYGON((3.5 0.5,3.8 0.5,3.8 0.8,3.5 0.5))),
            ]),
        );
        let (zc, uc) = (ChunkIndex::new(&zone.geometry), ChunkIndex::new(&adm.geometry));
        let p = overlay_pair(&zone, &zc, 0, &adm, &uc, Outlines::Keep, &mut PairStats::default()).unwrap();
        let PieceGeometry::Part(mp) = &p.geometry else { panic!("{:?}", p.geometry) };
        let direct = zone.geometry.intersection(&adm.geometry);
        assert_eq!((mp.0.len(), mp.0.iter().map(|q| q.interiors().len()).sum::<usize>()), (2, 1));
        assert!((area_km2(mp) - area_km2(&direct)).abs() < 1e-9 * area_km2(&direct));
        assert_eq!(mp.0.capacity(), mp.0.len());
        for q in &mp.0 {
            for r in std::iter::once(q.exterior()).chain(q.interiors()) {
                assert_eq!(r.0.capacity(), r.0.len());
            }
        }
    }

    #[test]
    fn shortcut_and_exact_paths_agree_with_direct_intersection() {
        let admin = layer(vec![
            unit("W", MultiPolygon(vec![wkt!(POLYGON((0. 0.,2. 0.,2. 4.,0. 4.,0. 0.)))])),
            unit("E", MultiPolygon(vec![wkt!(POLYGON((2. 0.,4. 0.,4. 4.,2. 4.,2. 0.)))])),
            unit("tiny", MultiPolygon(vec![wkt!(POLYGON((10. 10.,10.1 10.,10.1 10.1,10. 10.)))])),
        ]);
        let zones = layer(vec![
            // Inside W only (shortcut: whole zone).
            unit("in", MultiPolygon(vec![wkt!(POLYGON((0.5 0.5,1.5 0.5,1.5 1.5,0.5 1.5,0.5 0.5)))])),
            // Across W and E (exact), an L-shape.
            unit("L", MultiPolygon(vec![wkt!(POLYGON((1. 1.,3. 1.,3. 2.,2. 2.,2. 3.,1. 3.,1. 1.)))])),
            // Contains "tiny" wholly (shortcut: whole unit).
            unit("big", MultiPolygon(vec![wkt!(POLYGON((9. 9.,11. 9.,11. 11.,9. 11.,9. 9.)))])),
        ]);
        let (pieces, stats) = overlay_layers(&zones, &admin, Outlines::Keep, &crate::progress::NoProgress).unwrap();
        assert!(matches!(pieces[0][0].geometry, PieceGeometry::WholeZone));
        assert_eq!(pieces[0].len(), 1);
        assert!(matches!(pieces[2][0].geometry, PieceGeometry::WholeUnit));
        assert_eq!(stats.exact, 2);
        // Deferred geometry is built on demand and has the piece's area.
        for (z, zp) in pieces.iter().enumerate() {
            for p in zp {
                let g = p.to_multipolygon(&zones.layer.units[z], &admin.layer.units[p.unit]).unwrap();
                assert!((area_km2(&g) - p.area_km2).abs() < 1e-6 * p.area_km2);
            }
        }
        for (z, zp) in pieces.iter().enumerate() {
            for p in zp {
                let direct = area_km2(&zones.layer.units[z].geometry.intersection(&admin.layer.units[p.unit].geometry));
                assert!(
                    (p.area_km2 - direct).abs() < 1e-6 * direct.max(1.0),
                    "zone {z} unit {}: {} vs {direct}",
                    p.unit,
                    p.area_km2
                );
            }
        }
    }

    #[test]
    fn quadrant_area_equals_one_boolean_operation() {
        // Two wiggly polygons with many vertices (so the tiled path is taken), crossing.
        let wiggle = |cx: f64, cy: f64, r: f64, n: usize, amp: f64, phase: f64| {
            let pts: Vec<(f64, f64)> = (0..n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    let rr = r * (1.0 + amp * (7.0 * t + phase).sin());
                    (cx + rr * t.cos(), cy + rr * t.sin())
                })
                .collect();
            MultiPolygon(vec![geo::Polygon::new(geo::LineString::from(pts), vec![])])
        };
        let zone = unit("z", wiggle(10.0, 45.0, 3.0, 3000, 0.2, 0.0));
        let adm = unit("u", wiggle(12.0, 46.0, 2.5, 2500, 0.15, 1.0));
        let (zc, uc) = (ChunkIndex::new(&zone.geometry), ChunkIndex::new(&adm.geometry));
        let window = common_rect(zone.bbox, adm.bbox).unwrap();
        let chunks = zc.count_in(&zone.geometry, window) + uc.count_in(&adm.geometry, window);
        assert!(chunks > TILE_ABOVE_CHUNKS, "{chunks}");
        let tiled = quadrant_area(&zone, &zc, &adm, &uc, window);
        let direct = area_km2(&zone.geometry.intersection(&adm.geometry));
        assert!((tiled - direct).abs() < 1e-7 * direct, "tiled {tiled} direct {direct}");
        let mut stats = PairStats::default();
        let p = overlay_pair(&zone, &zc, 0, &adm, &uc, Outlines::Keep, &mut stats).unwrap();
        assert!(matches!(p.geometry, PieceGeometry::Deferred));
    }

    #[test]
    fn zone_with_hole_around_unit() {
        // The unit sits in the zone's hole: no shared area although the boxes nest.
        let admin = layer(vec![unit("u", MultiPolygon(vec![wkt!(POLYGON((4. 4.,6. 4.,6. 6.,4. 6.,4. 4.)))]))]);
        let zones = layer(vec![unit(
            "donut",
            MultiPolygon(vec![wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(3. 3.,7. 3.,7. 7.,3. 7.,3. 3.)))]),
        )]);
        let (pieces, stats) = overlay_layers(&zones, &admin, Outlines::Keep, &crate::progress::NoProgress).unwrap();
        assert!(pieces[0].is_empty());
        assert_eq!(stats.shortcut, 1);
    }
}
