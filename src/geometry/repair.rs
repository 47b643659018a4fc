//! Input hygiene: turns raw rings from a file into valid lon/lat polygons, counting each
//! repair so the loader can report it.
//!
//! Steps, per polygon: drop repeated consecutive points; close unclosed rings; drop rings with
//! fewer than 3 distinct points (a degenerate shell drops its polygon); unwrap rings that jump
//! across the antimeridian and split the result back into [-180, 180]; close rings that circle
//! a pole along the pole; finally repair polygons that fail OGC validity (self-intersections,
//! crossing rings, nested parts; see [`super::validity`]) with i_overlay, geo's boolean engine.

use super::validity::needs_repair;
use geo::bool_ops::FillRule;
use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect};

/// What [`normalize_polygons`] had to change, counted per feature.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RepairCounts {
    /// Rings whose last point differed from the first (closed by repeating it).
    pub unclosed_rings: usize,
    /// Rings dropped for having fewer than 3 distinct points (or zero area).
    pub degenerate_rings: usize,
    /// Polygons that crossed the antimeridian and were split at ±180°.
    pub antimeridian_splits: usize,
    /// Rings circling a pole, closed along it.
    pub polar_rings: usize,
    /// Polygons that were invalid (self-intersecting, crossing rings) and were repaired.
    pub invalid_repaired: usize,
}

impl RepairCounts {
    /// Adds another feature's counts to these.
    pub fn add(&mut self, o: &RepairCounts) {
        self.unclosed_rings += o.unclosed_rings;
        self.degenerate_rings += o.degenerate_rings;
        self.antimeridian_splits += o.antimeridian_splits;
        self.polar_rings += o.polar_rings;
        self.invalid_repaired += o.invalid_repaired;
    }
    /// True when nothing was changed.
    pub fn is_clean(&self) -> bool {
        *self == RepairCounts::default()
    }
}

/// Cleans one ring in place: no repeated consecutive points, closed. `None` if degenerate.
fn clean_ring(mut pts: Vec<Coord<f64>>, counts: &mut RepairCounts) -> Option<Vec<Coord<f64>>> {
    pts.dedup();
    if pts.len() >= 2 && pts[0] == pts[pts.len() - 1] {
        pts.pop();
    } else if !pts.is_empty() {
        counts.unclosed_rings += 1;
    }
    // At least 3 distinct points, not all on one line (a bowtie's zero signed area is not
    // that): some point lies off the line through the first point and the next distinct one.
    // Fewer than 3 distinct points always fail this too.
    let bounds_area = pts.first().is_some_and(|&p0| {
        let p1 = pts.iter().copied().find(|p| *p != p0).unwrap_or(p0);
        pts.iter().any(|p| (p1.x - p0.x) * (p.y - p0.y) - (p1.y - p0.y) * (p.x - p0.x) != 0.0)
    });
    if !bounds_area {
        counts.degenerate_rings += 1;
        return None;
    }
    Some(pts)
}

/// Unwraps longitudes so no edge jumps more than 180°. Returns the unwrapped ring and whether
/// anything changed. A ring that circles a pole ends 360° away from its start: it is closed
/// along the nearer pole.
fn unwrap_ring(pts: &mut Vec<Coord<f64>>, counts: &mut RepairCounts) -> bool {
    let mut changed = false;
    let mut offset = 0.0;
    let mut prev = pts[0].x;
    for p in pts.iter_mut().skip(1) {
        let raw = p.x;
        let d = raw - prev;
        if d > 180.0 {
            offset -= 360.0;
            changed = true;
        } else if d < -180.0 {
            offset += 360.0;
            changed = true;
        }
        prev = raw;
        p.x = raw + offset;
    }
    if changed {
        let first = pts[0];
        // `pts` is non-empty: the caller passes rings of at least 3 distinct points.
        let last = pts[pts.len() - 1];
        // Closing edge: from last back to first, after unwrapping.
        let closing = first.x - last.x;
        if closing.abs() > 180.0 {
            // Circles a pole: walk along the pole from the last longitude to the first.
            let mean_lat = pts.iter().map(|c| c.y).sum::<f64>() / pts.len() as f64;
            let pole = if mean_lat >= 0.0 { 90.0 } else { -90.0 };
            pts.push(Coord { x: last.x, y: pole });
            pts.push(Coord { x: first.x, y: pole });
            counts.polar_rings += 1;
        }
    }
    changed
}

/// Unions valid multipolygons pairwise (a balanced tree). geo's `unary_union` picks its fill
/// rule from the first ring's orientation and so fills holes of polygons that BooleanOps
/// returned with holes oriented like their shell; pairwise even-odd unions do not.
pub fn union_all(mut parts: Vec<MultiPolygon<f64>>) -> MultiPolygon<f64> {
    while parts.len() > 1 {
        let mut next = Vec::with_capacity(parts.len().div_ceil(2));
        let mut it = parts.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a.union(&b),
                None => a,
            });
        }
        parts = next;
    }
    parts.pop().unwrap_or_else(|| MultiPolygon::new(vec![]))
}

fn window(x0: f64, x1: f64) -> Polygon<f64> {
    Rect::new(Coord { x: x0, y: -90.0 }, Coord { x: x1, y: 90.0 }).to_polygon()
}

/// Splits a polygon that extends beyond ±180° into pieces inside [-180, 180].
fn split_antimeridian(p: Polygon<f64>) -> Vec<Polygon<f64>> {
    let mut out = Vec::new();
    for k in [-2.0_f64, -1.0, 0.0, 1.0, 2.0] {
        let lo = -180.0 + 360.0 * k;
        let piece = p.intersection(&window(lo, lo + 360.0));
        for mut q in piece.0 {
            if k != 0.0 {
                let shift = -360.0 * k;
                q.exterior_mut(|r| r.0.iter_mut().for_each(|c| c.x += shift));
                q.interiors_mut(|rs| {
                    for r in rs {
                        r.0.iter_mut().for_each(|c| c.x += shift)
                    }
                });
            }
            out.push(q);
        }
    }
    out
}

/// Builds valid lon/lat polygons from raw rings (`polys[i][0]` is a shell, the rest holes).
/// Coordinates must already be finite lon/lat degrees (longitudes may exceed ±180 when a ring
/// is written unwrapped). Returns the multipolygon and what was repaired.
pub fn normalize_polygons(polys: Vec<Vec<Vec<Coord<f64>>>>) -> (MultiPolygon<f64>, RepairCounts) {
    let mut counts = RepairCounts::default();
    let mut out: Vec<Polygon<f64>> = Vec::with_capacity(polys.len());
    let mut needs_union = false;
    for rings in polys {
        let mut rings = rings.into_iter();
        let Some(shell) = rings.next() else { continue };
        let Some(mut shell) = clean_ring(shell, &mut counts) else {
            // Its holes go with it.
            counts.degenerate_rings += rings.len();
            continue;
        };
        let mut crossed = unwrap_ring(&mut shell, &mut counts);
        let mut holes = Vec::new();
        for h in rings {
            if let Some(mut h) = clean_ring(h, &mut counts) {
                crossed |= unwrap_ring(&mut h, &mut counts);
                holes.push(LineString::from(h));
            }
        }
        let poly = Polygon::new(LineString::from(shell), holes);
        let outside = poly.exterior().0.iter().any(|c| c.x < -180.0 || c.x > 180.0);
        if crossed || outside {
            counts.antimeridian_splits += 1;
            out.extend(split_antimeridian(poly));
            needs_union = true;
        } else {
            out.push(poly);
        }
    }
    let mut mp = MultiPolygon(out);
    if needs_union {
        // Pieces split at the antimeridian meet their neighbours along ±180°: union them all.
        mp = union_all(mp.0.iter().map(make_valid).collect());
    } else if needs_repair(&mp) {
        counts.invalid_repaired += 1;
        mp = repair(mp);
    }
    (mp, counts)
}

/// One polygon made valid like GEOS MakeValid's "structure" method: each ring is made valid on
/// its own with the non-zero rule (a bowtie keeps both lobes, a loop over itself covers the
/// overlap once, orientation does not matter), and the holes are subtracted from the shell.
fn make_valid(p: &Polygon<f64>) -> MultiPolygon<f64> {
    let empty = MultiPolygon::new(vec![]);
    let fix = |r: &LineString<f64>| Polygon::new(r.clone(), vec![]).union_with_fill_rule(&empty, FillRule::NonZero);
    let shell = fix(p.exterior());
    if p.interiors().is_empty() {
        return shell;
    }
    let holes: Vec<MultiPolygon<f64>> = p.interiors().iter().map(fix).collect();
    shell.difference(&union_all(holes))
}

/// Repairs a multipolygon the validity screen flagged, touching only what can be at fault:
/// components are grouped by overlapping bounding boxes (only components in one group can
/// overlap, nest or touch); a group the screen passes is kept as it is, any other is made valid
/// component by component ([`make_valid`]) and unioned. On the world's geography regions (110
/// flagged features, often one bad island among hundreds of good ones) this is several times
/// faster than unioning every component of the feature, and leaves the good ones untouched.
fn repair(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::BoundingRect;
    let n = mp.0.len();
    // Union-find over components whose boxes meet, by a sweep over boxes sorted by min x.
    let rects: Vec<Option<Rect<f64>>> = mp.0.iter().map(|p| p.bounding_rect()).collect();
    let mut order: Vec<usize> = (0..n).filter(|&i| rects[i].is_some()).collect();
    let min_x = |i: usize| rects[i].map_or(f64::INFINITY, |r| r.min().x);
    order.sort_by(|&a, &b| min_x(a).total_cmp(&min_x(b)));
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (k, &i) in order.iter().enumerate() {
        let Some(ri) = rects[i] else { continue };
        for &j in &order[k + 1..] {
            let Some(rj) = rects[j] else { continue };
            if rj.min().x > ri.max().x {
                break;
            }
            if rj.min().y <= ri.max().y && ri.min().y <= rj.max().y {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let r = root(&mut parent, i);
        groups[r].push(i);
    }
    let mut polys: Vec<Option<Polygon<f64>>> = mp.0.into_iter().map(Some).collect();
    let mut out: Vec<Polygon<f64>> = Vec::with_capacity(n);
    for g in groups.into_iter().filter(|g| !g.is_empty()) {
        let group = MultiPolygon(g.iter().filter_map(|&i| polys[i].take()).collect());
        if g.len() < n && !needs_repair(&group) {
            out.extend(group.0);
        } else if let [p] = &group.0[..] {
            out.extend(make_valid(p).0);
        } else {
            out.extend(union_all(group.0.iter().map(make_valid).collect()).0);
        }
    }
    MultiPolygon(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::area::area_km2;
    use geo::{Validation, wkt};

    fn rings(v: &[&[(f64, f64)]]) -> Vec<Vec<Coord<f64>>> {
        v.iter().map(|r| r.iter().map(|&(x, y)| Coord { x, y }).collect()).collect()
    }

    #[test]
    fn closes_unclosed_ring() {
        let (mp, c) = normalize_polygons(vec![rings(&[&[(0., 0.), (1., 0.), (1., 1.), (0., 1.)]])]);
        assert_eq!(c.unclosed_rings, 1);
        assert!(mp.is_valid());
        let want = area_km2(&MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)))]));
        assert!((area_km2(&mp) - want).abs() < 1e-6);
    }

    #[test]
    fn drops_degenerate_rings() {
        let (mp, c) = normalize_polygons(vec![
            rings(&[&[(0., 0.), (1., 0.), (0., 0.)]]),
            rings(&[&[(5., 5.), (5., 5.), (5., 5.), (5., 5.)]]),
            rings(&[&[(0., 0.), (1., 1.), (2., 2.), (0., 0.)]]),
            rings(&[&[]]),
            rings(&[&[(0., 0.), (2., 0.), (2., 2.), (0., 2.), (0., 0.)], &[(1., 1.), (1., 1.), (1., 1.)]]),
        ]);
        assert_eq!(c.degenerate_rings, 5);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
    }

    #[test]
    fn repairs_bowtie() {
        let (mp, c) = normalize_polygons(vec![rings(&[&[(0., 0.), (2., 2.), (2., 0.), (0., 2.), (0., 0.)]])]);
        assert_eq!(c.invalid_repaired, 1);
        assert!(mp.is_valid());
        // Two triangles of 1 square degree each (near the equator).
        let tri = MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 1.,0. 2.,0. 0.)))]);
        assert!((area_km2(&mp) - 2.0 * area_km2(&tri)).abs() < 1e-3);
    }

    #[test]
    fn repair_touches_only_the_components_at_fault() {
        // A bowtie, two overlapping squares, and a square far from both: the far square is kept
        // as written (same points, same order), the rest is repaired and unioned.
        let far = [(10., 10.), (11., 10.), (11., 11.), (10., 11.), (10., 10.)];
        let (mp, c) = normalize_polygons(vec![
            rings(&[&[(0., 0.), (2., 2.), (2., 0.), (0., 2.), (0., 0.)]]),
            rings(&[&[(4., 0.), (6., 0.), (6., 2.), (4., 2.), (4., 0.)]]),
            rings(&[&[(5., 1.), (7., 1.), (7., 3.), (5., 3.), (5., 1.)]]),
            rings(&[&far]),
        ]);
        assert_eq!(c.invalid_repaired, 1);
        assert!(mp.is_valid());
        assert_eq!(mp.0.len(), 4, "two triangles, the merged squares, the far square");
        let kept = mp.0.iter().find(|p| p.exterior().0[0] == Coord { x: 10.0, y: 10.0 });
        assert_eq!(kept.map(|p| p.exterior().0.len()), Some(far.len()));
        // The same area as unioning every component.
        let all = union_all(
            [
                wkt!(POLYGON((0. 0.,1. 1.,0. 2.,0. 0.))),
                wkt!(POLYGON((1. 1.,2. 0.,2. 2.,1. 1.))),
                wkt!(POLYGON((4. 0.,6. 0.,6. 2.,4. 2.,4. 0.))),
                wkt!(POLYGON((5. 1.,7. 1.,7. 3.,5. 3.,5. 1.))),
                wkt!(POLYGON((10. 10.,11. 10.,11. 11.,10. 11.,10. 10.))),
            ]
            .into_iter()
            .map(|p| MultiPolygon(vec![p]))
            .collect(),
        );
        assert!((area_km2(&mp) - area_km2(&all)).abs() < 1e-9 * area_km2(&all));
    }

    #[test]
    fn hole_written_like_its_shell_stays_a_hole_and_loops_count_once() {
        // Hole ring with the same orientation as the shell, and crossing it (so it is repaired).
        let (mp, _) = normalize_polygons(vec![rings(&[
            &[(0., 0.), (4., 0.), (4., 4.), (0., 4.), (0., 0.)],
            &[(1., 1.), (5., 1.), (5., 3.), (1., 3.), (1., 1.)],
        ])]);
        assert!(mp.is_valid());
        let want = MultiPolygon(vec![wkt!(POLYGON((0. 0.,4. 0.,4. 1.,1. 1.,1. 3.,4. 3.,4. 4.,0. 4.,0. 0.)))]);
        assert!((area_km2(&mp) - area_km2(&want)).abs() < 1e-6 * area_km2(&want));
        // A shell that loops twice around a square covers it once.
        let (mp, _) = normalize_polygons(vec![rings(&[&[
            (0., 0.),
            (2., 0.),
            (2., 2.),
            (0., 2.),
            (0., 0.),
            (2., 0.),
            (2., 2.),
            (0., 2.),
            (0., 0.),
        ]])]);
        let sq = MultiPolygon(vec![wkt!(POLYGON((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)))]);
        assert!((area_km2(&mp) - area_km2(&sq)).abs() < 1e-6 * area_km2(&sq));
    }

    #[test]
    fn inverted_hole_stays_a_hole() {
        // One ring that pinches at (2, 2) and traces a hole inside (an "inverted hole").
        let (mp, c) = normalize_polygons(vec![rings(&[&[
            (0., 0.),
            (4., 0.),
            (4., 4.),
            (2., 4.),
            (2., 2.),
            (1., 2.),
            (1., 3.),
            (2., 3.),
            (2., 4.),
            (0., 4.),
            (0., 0.),
        ]])]);
        assert_eq!(c.invalid_repaired, 1);
        let want = MultiPolygon(vec![wkt!(POLYGON((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 2.,2. 2.,2. 3.,1. 3.,1. 2.)))]);
        assert!(
            (area_km2(&mp) - area_km2(&want)).abs() < 1e-6 * area_km2(&want),
            "{} vs {}",
            area_km2(&mp),
            area_km2(&want)
        );
    }

    #[test]
    fn splits_ring_crossing_antimeridian() {
        // A box from 170°E to 170°W written with raw longitudes jumping across ±180.
        let (mp, c) =
            normalize_polygons(vec![rings(&[&[(170., 50.), (-170., 50.), (-170., 55.), (170., 55.), (170., 50.)]])]);
        assert_eq!(c.antimeridian_splits, 1);
        assert_eq!(mp.0.len(), 2);
        for p in &mp.0 {
            assert!(p.exterior().0.iter().all(|c| (-180.0..=180.0).contains(&c.x)));
        }
        let whole = MultiPolygon(vec![wkt!(POLYGON((0. 50.,20. 50.,20. 55.,0. 55.,0. 50.)))]);
        assert!((area_km2(&mp) - area_km2(&whole)).abs() < 1e-6 * area_km2(&whole));
    }

    #[test]
    fn valid_input_untouched() {
        let (mp, c) = normalize_polygons(vec![rings(&[&[(0., 0.), (1., 0.), (1., 1.), (0., 0.)]])]);
        assert!(c.is_clean());
        assert_eq!(mp.0[0].exterior().0.len(), 4);
    }
}
