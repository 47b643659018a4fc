//! An index over runs of consecutive edges ("chunks") of a multipolygon's rings.
//!
//! Bounding boxes of 32-edge chunks in an R-tree answer "could these two boundaries touch
//! inside this box?" in microseconds, which lets the overlay decide most pairs (disjoint, or
//! one side wholly inside the other) without any boolean operation. A per-segment index would
//! be exact but costs far more memory and build time for the same decisions.

use geo::{BoundingRect, Coord, MultiPolygon, Rect};
use rstar::{AABB, RTree, RTreeObject};

/// Edges per chunk.
pub const CHUNK_EDGES: usize = 32;

/// The bounding box of one run of edges.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    env: AABB<[f64; 2]>,
    /// Polygon, ring (0 = exterior) and the run of edges `start..end` (edge i joins points i, i+1).
    poly: u32,
    ring: u32,
    start: u32,
    end: u32,
}

impl RTreeObject for Chunk {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// R-tree of edge-chunk boxes of one multipolygon.
#[derive(Debug, Clone)]
pub struct ChunkIndex {
    tree: RTree<Chunk>,
}

fn rect_env(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl ChunkIndex {
    /// Builds the index over every ring of `mp`.
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        let mut chunks = Vec::new();
        for (pi, poly) in mp.0.iter().enumerate() {
            for (ri, ring) in std::iter::once(poly.exterior()).chain(poly.interiors()).enumerate() {
                let c: &[Coord<f64>] = &ring.0;
                if c.len() < 2 {
                    continue;
                }
                // A chunk ends after CHUNK_EDGES edges, or earlier once its box grows past
                // 1/64 of the ring's extent, so long edges never make a chunk cover everything.
                // Two points or more (checked above): the ring has a box.
                let Some(ring_rect) = ring.bounding_rect() else { continue };
                let limit = ring_rect.width().max(ring_rect.height()) / 64.0;
                let mut start = 0;
                while start < c.len() - 1 {
                    let (mut lo, mut hi) = ([c[start].x, c[start].y], [c[start].x, c[start].y]);
                    let mut end = start;
                    while end < c.len() - 1 && end - start < CHUNK_EDGES {
                        let p = c[end + 1];
                        let (nlo, nhi) = ([lo[0].min(p.x), lo[1].min(p.y)], [hi[0].max(p.x), hi[1].max(p.y)]);
                        if end > start && (nhi[0] - nlo[0]).max(nhi[1] - nlo[1]) > limit {
                            break;
                        }
                        lo = nlo;
                        hi = nhi;
                        end += 1;
                    }
                    chunks.push(Chunk {
                        env: AABB::from_corners(lo, hi),
                        poly: pi as u32,
                        ring: ri as u32,
                        start: start as u32,
                        end: end as u32,
                    });
                    start = end;
                }
            }
        }
        ChunkIndex { tree: RTree::bulk_load(chunks) }
    }

    /// True when some chunk of `self` and some chunk of `other`, both meeting `window`, have
    /// overlapping boxes: the two boundaries *may* meet there. False proves they do not meet
    /// inside `window`.
    pub fn may_touch(&self, other: &ChunkIndex, window: Rect<f64>) -> bool {
        let w = rect_env(window);
        // Walk the smaller side's chunks and probe the other tree.
        let (small, large) = if self.tree.size() <= other.tree.size() { (self, other) } else { (other, self) };
        small
            .tree
            .locate_in_envelope_intersecting(&w)
            .any(|c| large.tree.locate_in_envelope_intersecting(&c.env).next().is_some())
    }

    /// Point-in-polygon for the multipolygon this index was built from (even-odd over all
    /// rings, so holes count), casting a ray towards +x through the chunks it meets only.
    /// Points exactly on the boundary may go either way.
    pub fn contains(&self, mp: &MultiPolygon<f64>, p: Coord<f64>) -> bool {
        let env = self.tree.root().envelope();
        let (lo, hi) = (env.lower(), env.upper());
        if p.x > hi[0] || p.x < lo[0] || p.y > hi[1] || p.y < lo[1] {
            return false;
        }
        // Cast the ray towards the nearest side of the envelope: fewer chunks to visit.
        let dists = [hi[0] - p.x, p.x - lo[0], hi[1] - p.y, p.y - lo[1]];
        let dir = (0..4).min_by(|&a, &b| dists[a].total_cmp(&dists[b])).unwrap_or(0);
        let ray = match dir {
            0 => AABB::from_corners([p.x, p.y], [hi[0], p.y]),
            1 => AABB::from_corners([lo[0], p.y], [p.x, p.y]),
            2 => AABB::from_corners([p.x, p.y], [p.x, hi[1]]),
            _ => AABB::from_corners([p.x, lo[1]], [p.x, p.y]),
        };
        let mut inside = false;
        for c in self.tree.locate_in_envelope_intersecting(&ray) {
            let poly = &mp.0[c.poly as usize];
            let ring = if c.ring == 0 { poly.exterior() } else { &poly.interiors()[c.ring as usize - 1] };
            for w in ring.0[c.start as usize..=c.end as usize].windows(2) {
                let (a, b) = (w[0], w[1]);
                let crosses = match dir {
                    0 | 1 => {
                        (a.y > p.y) != (b.y > p.y) && {
                            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
                            if dir == 0 { x > p.x } else { x < p.x }
                        }
                    }
                    _ => {
                        (a.x > p.x) != (b.x > p.x) && {
                            let y = a.y + (p.x - a.x) / (b.x - a.x) * (b.y - a.y);
                            if dir == 2 { y > p.y } else { y < p.y }
                        }
                    }
                };
                if crosses {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// True when some chunk box meets `window`: the boundary may pass through it.
    pub fn meets(&self, window: Rect<f64>) -> bool {
        self.tree.locate_in_envelope_intersecting(&rect_env(window)).next().is_some()
    }

    /// The parts of segment `a`–`b` that lie inside the multipolygon (even-odd), as parameter
    /// intervals `(t0, t1)` along the segment: the segment is split where it crosses the
    /// boundary (found through the chunks its box meets) and each piece is classified by its
    /// midpoint.
    pub fn segment_inside(&self, mp: &MultiPolygon<f64>, a: Coord<f64>, b: Coord<f64>) -> Vec<(f64, f64)> {
        let seg_env = AABB::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]);
        let mut ts = vec![0.0, 1.0];
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        for c in self.tree.locate_in_envelope_intersecting(&seg_env) {
            let poly = &mp.0[c.poly as usize];
            let ring = if c.ring == 0 { poly.exterior() } else { &poly.interiors()[c.ring as usize - 1] };
            for w in ring.0[c.start as usize..=c.end as usize].windows(2) {
                let (p, q) = (w[0], w[1]);
                let (ex, ey) = (q.x - p.x, q.y - p.y);
                let den = dx * ey - dy * ex;
                if den == 0.0 {
                    continue; // parallel: no single crossing point
                }
                let t = ((p.x - a.x) * ey - (p.y - a.y) * ex) / den;
                let u = ((p.x - a.x) * dy - (p.y - a.y) * dx) / den;
                if (0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u) {
                    ts.push(t);
                }
            }
        }
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let mut out: Vec<(f64, f64)> = Vec::new();
        for w in ts.windows(2) {
            let tm = 0.5 * (w[0] + w[1]);
            if self.contains(mp, Coord { x: a.x + tm * dx, y: a.y + tm * dy }) {
                match out.last_mut() {
                    Some(last) if last.1 == w[0] => last.1 = w[1],
                    _ => out.push((w[0], w[1])),
                }
            }
        }
        out
    }

    /// Number of chunk boxes meeting `window`.
    pub fn count_in(&self, window: Rect<f64>) -> usize {
        self.tree.locate_in_envelope_intersecting(&rect_env(window)).count()
    }

    /// Number of chunks.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// True when the multipolygon had no edges.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn nested_squares_do_not_touch_but_overlapping_ones_may() {
        let big = MultiPolygon(vec![wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.)))]);
        let small = MultiPolygon(vec![wkt!(POLYGON((4. 4.,5. 4.,5. 5.,4. 5.,4. 4.)))]);
        let cross = MultiPolygon(vec![wkt!(POLYGON((8. 8.,12. 8.,12. 12.,8. 12.,8. 8.)))]);
        let (bi, si, ci) = (ChunkIndex::new(&big), ChunkIndex::new(&small), ChunkIndex::new(&cross));
        let w = small.bounding_rect().unwrap();
        assert!(!bi.may_touch(&si, w));
        let w2 = cross.bounding_rect().unwrap();
        assert!(bi.may_touch(&ci, w2));
    }

    #[test]
    fn segment_inside_splits_at_the_boundary() {
        let mp = MultiPolygon(vec![wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(4. 4.,6. 4.,6. 6.,4. 6.,4. 4.)))]);
        let ix = ChunkIndex::new(&mp);
        let parts = ix.segment_inside(&mp, Coord { x: -5.0, y: 5.0 }, Coord { x: 15.0, y: 5.0 });
        let expect = [(0.25, 0.45), (0.55, 0.75)];
        assert_eq!(parts.len(), 2);
        for (p, e) in parts.iter().zip(expect) {
            assert!((p.0 - e.0).abs() < 1e-12 && (p.1 - e.1).abs() < 1e-12, "{parts:?}");
        }
    }

    #[test]
    fn point_in_polygon_with_holes_and_parts() {
        let mp = MultiPolygon(vec![
            wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(4. 4.,6. 4.,6. 6.,4. 6.,4. 4.))),
            wkt!(POLYGON((20. 0.,21. 0.,21. 1.,20. 0.))),
        ]);
        let ix = ChunkIndex::new(&mp);
        use geo::{Contains, Point};
        for (x, y) in [(1., 1.), (5., 5.), (5., 2.), (11., 5.), (20.8, 0.2), (20.2, 0.8), (-1., 5.), (9.99, 9.99)] {
            let p = Coord { x, y };
            assert_eq!(ix.contains(&mp, p), mp.contains(&Point(p)), "({x}, {y})");
        }
    }
}
