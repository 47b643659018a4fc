//! Clipping polygons to an axis-aligned rectangle (Sutherland–Hodgman), used to cut both
//! sides of an overlay pair down to their common bounding box before the exact BooleanOps.
//!
//! The output rings may contain zero-width "bridges" along the rectangle's sides; they bound
//! no area and the even-odd BooleanOps that consume them resolve them away.

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};

/// Points per run when dropping runs that lie beyond one side of the rectangle.
const REDUCE_RUN: usize = 16;

#[derive(Clone, Copy)]
enum Side {
    Left(f64),
    Right(f64),
    Bottom(f64),
    Top(f64),
}

impl Side {
    #[inline]
    fn inside(self, c: Coord<f64>) -> bool {
        match self {
            Side::Left(x) => c.x >= x,
            Side::Right(x) => c.x <= x,
            Side::Bottom(y) => c.y >= y,
            Side::Top(y) => c.y <= y,
        }
    }
    #[inline]
    fn cross(self, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
        match self {
            Side::Left(x) | Side::Right(x) => {
                let t = (x - a.x) / (b.x - a.x);
                Coord { x, y: a.y + t * (b.y - a.y) }
            }
            Side::Bottom(y) | Side::Top(y) => {
                let t = (y - a.y) / (b.y - a.y);
                Coord { x: a.x + t * (b.x - a.x), y }
            }
        }
    }
}

fn clip_side(input: &[Coord<f64>], side: Side, out: &mut Vec<Coord<f64>>) {
    out.clear();
    let n = input.len();
    if n == 0 {
        return;
    }
    let mut prev = input[n - 1];
    let mut prev_in = side.inside(prev);
    for &cur in input {
        let cur_in = side.inside(cur);
        if cur_in {
            if !prev_in {
                out.push(side.cross(prev, cur));
            }
            out.push(cur);
        } else if prev_in {
            out.push(side.cross(prev, cur));
        }
        prev = cur;
        prev_in = cur_in;
    }
}

/// Clips one ring to `rect`; returns the open list of vertices (empty if nothing is inside).
pub fn clip_ring(ring: &LineString<f64>, rect: Rect<f64>) -> Vec<Coord<f64>> {
    let (min, max) = (rect.min(), rect.max());
    let mut src: &[Coord<f64>] = &ring.0;
    if src.len() > 1 && src[0] == src[src.len() - 1] {
        src = &src[..src.len() - 1];
    }
    // Runs of points that all lie beyond one side of the rectangle produce nothing but their
    // entry and exit crossings, which depend only on the run's first and last points: keep
    // those two and drop the rest before the four passes.
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(src.len().min(4096));
    let mut all_inside = true;
    for block in src.chunks(REDUCE_RUN) {
        let (mut lo, mut hi) = (block[0], block[0]);
        for c in block {
            lo.x = lo.x.min(c.x);
            lo.y = lo.y.min(c.y);
            hi.x = hi.x.max(c.x);
            hi.y = hi.y.max(c.y);
        }
        let beyond_one_side = hi.x < min.x || lo.x > max.x || hi.y < min.y || lo.y > max.y;
        all_inside &= lo.x >= min.x && hi.x <= max.x && lo.y >= min.y && hi.y <= max.y;
        if beyond_one_side && block.len() > 2 {
            pts.push(block[0]);
            pts.push(block[block.len() - 1]);
        } else {
            pts.extend_from_slice(block);
        }
    }
    // Fast path: a ring wholly inside the rectangle is returned as is.
    if all_inside {
        return pts;
    }
    clip_points(pts, rect)
}

/// Sutherland–Hodgman: clips an open ring (as a point list) to `rect`.
pub(crate) fn clip_points(mut pts: Vec<Coord<f64>>, rect: Rect<f64>) -> Vec<Coord<f64>> {
    let (min, max) = (rect.min(), rect.max());
    let mut buf = Vec::with_capacity(pts.len());
    for side in [Side::Left(min.x), Side::Right(max.x), Side::Bottom(min.y), Side::Top(max.y)] {
        clip_side(&pts, side, &mut buf);
        std::mem::swap(&mut pts, &mut buf);
        if pts.is_empty() {
            break;
        }
    }
    pts
}

/// Clips every ring of `mp` to `rect`. The result's rings are meant for even-odd BooleanOps:
/// each clipped ring becomes its own polygon, so holes are carried as separate rings.
pub fn clip_to_rect(mp: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
    let mut out = Vec::new();
    for poly in &mp.0 {
        let pr = geo::BoundingRect::bounding_rect(poly);
        if let Some(pr) = pr
            && (pr.max().x < rect.min().x
                || pr.min().x > rect.max().x
                || pr.max().y < rect.min().y
                || pr.min().y > rect.max().y)
        {
            continue;
        }
        let ext = clip_ring(poly.exterior(), rect);
        if ext.len() < 3 {
            continue;
        }
        let holes: Vec<LineString<f64>> = poly
            .interiors()
            .iter()
            .map(|h| clip_ring(h, rect))
            .filter(|h| h.len() >= 3)
            .map(LineString::from)
            .collect();
        out.push(Polygon::new(LineString::from(ext), holes));
    }
    MultiPolygon(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::area::area_km2;
    use geo::{BooleanOps, coord, wkt};

    #[test]
    fn clipping_then_intersecting_equals_intersecting() {
        // A concave L-shape and a square; clip both to their common box first.
        let l = MultiPolygon(vec![wkt!(POLYGON((0. 0.,4. 0.,4. 1.,1. 1.,1. 4.,0. 4.,0. 0.)))]);
        let sq = MultiPolygon(vec![wkt!(POLYGON((0.5 0.5,3. 0.5,3. 3.,0.5 3.,0.5 0.5)))]);
        let direct = area_km2(&l.intersection(&sq));
        let rect = Rect::new(coord! {x: 0.5, y: 0.5}, coord! {x: 3., y: 3.});
        let clipped = area_km2(&clip_to_rect(&l, rect).intersection(&clip_to_rect(&sq, rect)));
        assert!((direct - clipped).abs() < 1e-6 * direct, "{direct} vs {clipped}");
    }

    #[test]
    fn hole_partly_outside_the_box() {
        let holed = MultiPolygon(vec![wkt!(POLYGON((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,3. 1.,3. 3.,1. 3.,1. 1.)))]);
        let rect = Rect::new(coord! {x: 0., y: 0.}, coord! {x: 2., y: 4.});
        let clipped = clip_to_rect(&holed, rect);
        let expect = MultiPolygon(vec![wkt!(POLYGON((0. 0.,2. 0.,2. 1.,1. 1.,1. 3.,2. 3.,2. 4.,0. 4.,0. 0.)))]);
        let got = area_km2(&clipped.union(&MultiPolygon::new(vec![])));
        assert!((got - area_km2(&expect)).abs() < 1e-6 * got, "{got}");
    }

    #[test]
    fn disjoint_ring_vanishes() {
        let p = MultiPolygon(vec![wkt!(POLYGON((10. 10.,11. 10.,11. 11.,10. 10.)))]);
        let rect = Rect::new(coord! {x: 0., y: 0.}, coord! {x: 2., y: 2.});
        assert!(clip_to_rect(&p, rect).0.is_empty());
    }
}
