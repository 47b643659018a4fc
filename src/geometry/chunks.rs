//! An index over runs of consecutive edges ("chunks") of a multipolygon's rings.
//!
//! Bounding boxes of chunks of up to 32 edges in a packed R-tree ([`super::packed`]) answer "could these
//! two boundaries touch inside this box?" in microseconds, which lets the overlay decide most
//! pairs (disjoint, or one side wholly inside the other) without any boolean operation. A per-segment index would
//! be exact but costs far more memory and build time for the same decisions.

use super::packed::{Bx, Packed};
use geo::{BoundingRect, Coord, MultiPolygon, Rect};

/// Edges per chunk.
pub const CHUNK_EDGES: usize = 32;

/// Edges a chunk takes before the extent rule (below) may end it. Without it, rings of a few
/// dozen edges (islands, small provinces), whose every edge spans more than 1/64 of the ring,
/// had a chunk per edge: the world provinces' 1.30M vertices made 636k chunks, 30 MB of index
/// (48 bytes a chunk), more than their coordinates. With 4: 38 MB less at the world pair's
/// peak, the index stage 15 ms faster, the border stage ~12 ms slower (it tests blocks of
/// border edges against chunk boxes, now larger), the overlay unchanged (BENCHMARKS.md).
const MIN_CHUNK_EDGES: usize = 4;

/// A ring of at most this many edges (a grid cell, a hexagon, a small island) is one chunk
/// whatever its shape. The extent rule (below) would give each of its edges a chunk of its own:
/// a heap block of six boxes per hexagon, 480 MB on a 1.2M-hexagon grid. [`ChunkIndex::may_touch`]
/// compares the edges of chunks whose boxes meet, so a one-chunk ring is as tight there.
const SMALL_RING_EDGES: usize = 8;

/// Where one run of edges lies: polygon, ring (0 = exterior) and the run of edges `start..end`
/// (edge i joins points i, i+1).
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    poly: u32,
    ring: u32,
    start: u32,
    end: u32,
}

/// Packed R-tree of the edge-chunk boxes of one multipolygon.
///
/// A multipolygon of one small ring (at most [`SMALL_RING_EDGES`] edges, no hole: a hexagon,
/// a grid cell) has one chunk, whose box is the ring's: it is kept as nothing at all and its
/// one-item tree is rebuilt on the stack from the multipolygon when asked for. A million
/// hexagons' indexes then cost 8 bytes each instead of 88. Every method therefore takes the
/// multipolygon the index was built from.
#[derive(Debug, Clone)]
pub struct ChunkIndex {
    /// `None`: one small ring (see above).
    tree: Option<Box<Packed<Chunk>>>,
}

/// The tree of a [`ChunkIndex`]: borrowed, or (one small ring) built for the call.
enum Tree<'a> {
    Shared(&'a Packed<Chunk>),
    One(Packed<Chunk>),
}

impl std::ops::Deref for Tree<'_> {
    type Target = Packed<Chunk>;
    #[inline]
    fn deref(&self) -> &Packed<Chunk> {
        match self {
            Tree::Shared(t) => t,
            Tree::One(t) => t,
        }
    }
}

/// The ring of `mp` when it is its only ring and has at most [`SMALL_RING_EDGES`] edges
/// (and at least one).
#[inline]
fn one_small_ring(mp: &MultiPolygon<f64>) -> Option<&[Coord<f64>]> {
    match mp.0.as_slice() {
        [p] if p.interiors().is_empty() && (2..=SMALL_RING_EDGES + 1).contains(&p.exterior().0.len()) => {
            Some(&p.exterior().0)
        }
        _ => None,
    }
}

impl Chunk {
    /// The chunk's points (`end - start + 1` of them) in `mp`.
    #[inline]
    fn points<'a>(&self, mp: &'a MultiPolygon<f64>) -> &'a [Coord<f64>] {
        let poly = &mp.0[self.poly as usize];
        let ring = if self.ring == 0 { poly.exterior() } else { &poly.interiors()[self.ring as usize - 1] };
        &ring.0[self.start as usize..=self.end as usize]
    }
}

impl ChunkIndex {
    /// Builds the index over every ring of `mp`.
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        thread_local! {
            // Reused between calls: a million one-chunk indexes then cost one exact allocation
            // each (`Packed::in_order` copies the items out).
            static SCRATCH: std::cell::RefCell<Vec<(Bx, Chunk)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        if one_small_ring(mp).is_some() {
            return ChunkIndex { tree: None };
        }
        SCRATCH.with_borrow_mut(|chunks| {
            chunks.clear();
            Self::collect(mp, chunks);
            // In ring order (see `Packed::in_order`), for `clip`.
            ChunkIndex { tree: Some(Box::new(Packed::in_order(chunks))) }
        })
    }

    /// The tree, for `mp`, the multipolygon this index was built from.
    #[inline]
    fn tree<'a>(&'a self, mp: &MultiPolygon<f64>) -> Tree<'a> {
        match (&self.tree, one_small_ring(mp)) {
            (Some(t), _) => Tree::Shared(t),
            (None, Some(c)) => {
                let b = c[1..].iter().fold(Bx::of([c[0].x, c[0].y], [c[0].x, c[0].y]), |b, p| Bx {
                    min: [b.min[0].min(p.x), b.min[1].min(p.y)],
                    max: [b.max[0].max(p.x), b.max[1].max(p.y)],
                });
                let chunk = Chunk { poly: 0, ring: 0, start: 0, end: (c.len() - 1) as u32 };
                Tree::One(Packed::in_order(&[(b, chunk)]))
            }
            // Not the multipolygon this index was built from: treated as having no edges.
            (None, None) => Tree::One(Packed::in_order(&[])),
        }
    }

    fn collect(mp: &MultiPolygon<f64>, chunks: &mut Vec<(Bx, Chunk)>) {
        for (pi, poly) in mp.0.iter().enumerate() {
            for (ri, ring) in std::iter::once(poly.exterior()).chain(poly.interiors()).enumerate() {
                let c: &[Coord<f64>] = &ring.0;
                if c.len() < 2 {
                    continue;
                }
                // A chunk ends after CHUNK_EDGES edges, or earlier (once it has MIN_CHUNK_EDGES)
                // when its box grows past 1/64 of the ring's extent, so long edges never make a
                // chunk cover everything.
                // Two points or more (checked above): the ring has a box.
                let Some(ring_rect) = ring.bounding_rect() else { continue };
                let limit = if c.len() - 1 <= SMALL_RING_EDGES {
                    f64::INFINITY
                } else {
                    ring_rect.width().max(ring_rect.height()) / 64.0
                };
                let mut start = 0;
                while start < c.len() - 1 {
                    let (mut lo, mut hi) = ([c[start].x, c[start].y], [c[start].x, c[start].y]);
                    let mut end = start;
                    while end < c.len() - 1 && end - start < CHUNK_EDGES {
                        let p = c[end + 1];
                        let (nlo, nhi) = ([lo[0].min(p.x), lo[1].min(p.y)], [hi[0].max(p.x), hi[1].max(p.y)]);
                        if end - start >= MIN_CHUNK_EDGES && (nhi[0] - nlo[0]).max(nhi[1] - nlo[1]) > limit {
                            break;
                        }
                        lo = nlo;
                        hi = nhi;
                        end += 1;
                    }
                    let chunk = Chunk { poly: pi as u32, ring: ri as u32, start: start as u32, end: end as u32 };
                    chunks.push((Bx { min: lo, max: hi }, chunk));
                    start = end;
                }
            }
        }
    }

    /// True when some edge of `mp` (this index's multipolygon) and some edge of `other_mp`
    /// (`other`'s), both meeting `window`, have overlapping boxes: the two boundaries *may*
    /// meet there. False proves they do not meet inside `window`.
    ///
    /// Chunks are compared by their boxes first; only where two chunk boxes meet are their
    /// edges' boxes compared.
    pub fn may_touch(
        &self,
        mp: &MultiPolygon<f64>,
        other: &ChunkIndex,
        other_mp: &MultiPolygon<f64>,
        window: Rect<f64>,
    ) -> bool {
        let w = Bx::from_rect(window);
        let (mine, theirs) = (self.tree(mp), other.tree(other_mp));
        // Walk the smaller side's chunks and probe the other tree.
        let ((small, small_mp), (large, large_mp)) = if mine.len() <= theirs.len() {
            ((mine, mp), (theirs, other_mp))
        } else {
            ((theirs, other_mp), (mine, mp))
        };
        fn edges<'a>(c: &Chunk, mp: &'a MultiPolygon<f64>, within: Bx) -> impl Iterator<Item = Bx> + 'a {
            c.points(mp)
                .windows(2)
                .map(|e| Bx::of([e[0].x, e[0].y], [e[1].x, e[1].y]))
                .filter(move |b| b.meets(&within))
        }
        !small.visit(&w, &mut |sb, sc| {
            large.visit(&sb.intersection(&w), &mut |lb, lc| {
                // Some edge of each chunk, inside the other's box and the window, whose boxes meet.
                let near = lb.intersection(&w);
                !edges(sc, small_mp, near).any(|e| edges(lc, large_mp, e.intersection(&w)).next().is_some())
            })
        })
    }

    /// Point-in-polygon for the multipolygon this index was built from (even-odd over all
    /// rings, so holes count), casting a ray towards +x through the chunks it meets only.
    /// Points exactly on the boundary may go either way.
    pub fn contains(&self, mp: &MultiPolygon<f64>, p: Coord<f64>) -> bool {
        let tree = self.tree(mp);
        let env = tree.extent();
        let (lo, hi) = (env.min, env.max);
        if !(p.x <= hi[0] && p.x >= lo[0] && p.y <= hi[1] && p.y >= lo[1]) {
            return false;
        }
        // Cast the ray towards the nearest side of the envelope: fewer chunks to visit.
        let dists = [hi[0] - p.x, p.x - lo[0], hi[1] - p.y, p.y - lo[1]];
        let dir = (0..4).min_by(|&a, &b| dists[a].total_cmp(&dists[b])).unwrap_or(0);
        let ray = match dir {
            0 => Bx { min: [p.x, p.y], max: [hi[0], p.y] },
            1 => Bx { min: [lo[0], p.y], max: [p.x, p.y] },
            2 => Bx { min: [p.x, p.y], max: [p.x, hi[1]] },
            _ => Bx { min: [p.x, lo[1]], max: [p.x, p.y] },
        };
        let mut inside = false;
        tree.visit(&ray, &mut |_, c| {
            for w in c.points(mp).windows(2) {
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
            true
        });
        inside
    }

    /// True when some chunk box of `mp` (this index's multipolygon) meets `window`: the
    /// boundary may pass through it.
    pub fn meets(&self, mp: &MultiPolygon<f64>, window: Rect<f64>) -> bool {
        self.tree(mp).any_meets(&Bx::from_rect(window))
    }

    /// The parts of segment `a`–`b` that lie inside the multipolygon (even-odd), as parameter
    /// intervals `(t0, t1)` along the segment: the segment is split where it crosses the
    /// boundary (found through the chunks its box meets) and each piece is classified by its
    /// midpoint.
    pub fn segment_inside(&self, mp: &MultiPolygon<f64>, a: Coord<f64>, b: Coord<f64>) -> Vec<(f64, f64)> {
        let seg = Bx::of([a.x, a.y], [b.x, b.y]);
        let mut ts = vec![0.0, 1.0];
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        self.tree(mp).visit(&seg, &mut |_, c| {
            for w in c.points(mp).windows(2) {
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
            true
        });
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

    /// [`clip_to_rect`](super::clip_to_rect) of the multipolygon this index was built from,
    /// visiting only the stretches of boundary near `rect`: a stretch whose box misses `rect`
    /// lies beyond one of its sides, so it is replaced by the straight line between its ends
    /// (which lies there too and leaves the clipped region unchanged). A unit of 50,000
    /// vertices clipped to a hexagon's box then costs a few hundred vertices, not 50,000.
    pub fn clip(&self, mp: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
        let w = Bx::from_rect(rect);
        let tree = self.tree(mp);
        let ext = tree.extent();
        let area = |b: &Bx| (b.max[0] - b.min[0]) * (b.max[1] - b.min[1]);
        if area(&w) * 4.0 >= area(&ext) {
            // Most of the boundary is near a window this large: one pass over every vertex.
            return super::clip_to_rect(mp, rect);
        }
        let items = tree.items();
        let inside =
            |b: &Bx| b.min[0] >= w.min[0] && b.max[0] <= w.max[0] && b.min[1] >= w.min[1] && b.max[1] <= w.max[1];
        // Reduced open rings, in order: (polygon, ring, points, wholly inside).
        type Reduced = Vec<(u32, u32, Vec<Coord<f64>>, bool)>;
        fn ring_of<'a>(rings: &'a mut Reduced, c: &Chunk) -> &'a mut (u32, u32, Vec<Coord<f64>>, bool) {
            if rings.last().is_none_or(|x| (x.0, x.1) != (c.poly, c.ring)) {
                rings.push((c.poly, c.ring, Vec::new(), true));
            }
            let last = rings.len() - 1;
            &mut rings[last]
        }
        let mut rings: Reduced = Vec::new();
        tree.walk_in_order(&mut |b, _| !b.meets(&w), &mut |b, r| {
            let (first, last) = (&items[r.start].1, &items[r.end - 1].1);
            if b.meets(&w) {
                // One chunk near the window: every point but its last, which starts the
                // next chunk (or closes the ring).
                let pts = first.points(mp);
                let ring = ring_of(&mut rings, first);
                ring.2.extend_from_slice(&pts[..pts.len() - 1]);
                ring.3 &= inside(b);
                return;
            }
            // Chunks beyond one side of the window: the ring they start in keeps its first
            // point there (the straight line to its next point stays beyond that side);
            // rings wholly among them clip to nothing and are left out; the ring they end
            // in started among them, at its point 0.
            let ring = ring_of(&mut rings, first);
            ring.2.push(first.points(mp)[0]);
            ring.3 = false;
            if (last.poly, last.ring) != (first.poly, first.ring) {
                let start = Chunk { start: 0, ..*last };
                let ring = ring_of(&mut rings, last);
                ring.2.push(start.points(mp)[0]);
                ring.3 = false;
            }
        });
        let mut out: Vec<geo::Polygon<f64>> = Vec::new();
        // The polygon whose clipped shell was pushed last: its holes follow it.
        let mut current = None;
        for (poly, ring, pts, all_inside) in rings {
            let pts = if all_inside { pts } else { super::clip::clip_points(pts, rect) };
            if ring == 0 {
                current = None;
                if pts.len() >= 3 {
                    out.push(geo::Polygon::new(geo::LineString::from(pts), vec![]));
                    current = Some(poly);
                }
            } else if current == Some(poly)
                && pts.len() >= 3
                && let Some(p) = out.last_mut()
            {
                p.interiors_push(pts);
            }
        }
        MultiPolygon(out)
    }

    /// Number of chunk boxes of `mp` (this index's multipolygon) meeting `window`.
    pub fn count_in(&self, mp: &MultiPolygon<f64>, window: Rect<f64>) -> usize {
        self.tree(mp).count_meeting(&Bx::from_rect(window))
    }

    /// Number of chunks.
    pub fn len(&self) -> usize {
        self.tree.as_ref().map_or(1, |t| t.len())
    }

    /// True when the multipolygon had no edges.
    pub fn is_empty(&self) -> bool {
        self.tree.as_ref().is_some_and(|t| t.is_empty())
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
        assert!(!bi.may_touch(&big, &si, &small, w));
        let w2 = cross.bounding_rect().unwrap();
        assert!(bi.may_touch(&big, &ci, &cross, w2));
    }

    /// A ring of `n` points, wiggling around a circle.
    fn wiggle(cx: f64, cy: f64, r: f64, n: usize, amp: f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let rr = r * (1.0 + amp * (9.0 * t).sin());
                (cx + rr * t.cos(), cy + rr * t.sin())
            })
            .collect()
    }

    #[test]
    fn a_hexagon_is_one_chunk_and_as_tight_as_its_edges() {
        let hex = MultiPolygon(vec![wkt!(POLYGON((2. 0.,6. 0.,8. 4.,6. 8.,2. 8.,0. 4.,2. 0.)))]);
        let hi = ChunkIndex::new(&hex);
        assert_eq!(hi.len(), 1);
        // An island in the middle of the hexagon: its box meets the hexagon's one chunk, but no
        // edge's box.
        let island = MultiPolygon(vec![wkt!(POLYGON((3. 3.,5. 3.,5. 5.,3. 5.,3. 3.)))]);
        let ii = ChunkIndex::new(&island);
        assert!(!hi.may_touch(&hex, &ii, &island, island.bounding_rect().unwrap()));
        assert!(!ii.may_touch(&island, &hi, &hex, island.bounding_rect().unwrap()));
        // A square over the hexagon's right corner: edges cross.
        let over = MultiPolygon(vec![wkt!(POLYGON((7. 3.,9. 3.,9. 5.,7. 5.,7. 3.)))]);
        let oi = ChunkIndex::new(&over);
        let w = common(&hex, &over);
        assert!(hi.may_touch(&hex, &oi, &over, w) && oi.may_touch(&over, &hi, &hex, w));
        // A ring of many edges keeps chunks no wider than 1/64 of its extent.
        let circle: Vec<Coord<f64>> = (0..=200)
            .map(|i| {
                let t = i as f64 / 200.0 * std::f64::consts::TAU;
                Coord { x: t.cos(), y: t.sin() }
            })
            .collect();
        let ci = ChunkIndex::new(&MultiPolygon(vec![geo::Polygon::new(circle.into(), vec![])]));
        assert!(ci.len() > 30, "{} chunks", ci.len());
    }

    fn common(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Rect<f64> {
        crate::overlay::common_rect(a.bounding_rect().unwrap(), b.bounding_rect().unwrap()).unwrap()
    }

    #[test]
    fn clip_through_the_index_equals_clipping_every_vertex() {
        use crate::geometry::{area_km2, clip_to_rect};
        use geo::{BooleanOps, LineString, Polygon};
        // Several parts, one with two holes, thousands of vertices (several index levels), a
        // degenerate part; windows small and large, inside, across and outside.
        let mut big = wiggle(10.0, 40.0, 5.0, 6000, 0.3);
        big.reverse();
        let mut parts = vec![
            Polygon::new(
                LineString::from(big),
                vec![
                    LineString::from(wiggle(9.0, 40.0, 1.0, 700, 0.1)),
                    LineString::from(wiggle(12.5, 40.5, 0.8, 40, 0.1)),
                ],
            ),
            Polygon::new(LineString::from(wiggle(25.0, 41.0, 2.0, 900, 0.2)), vec![]),
            Polygon::new(LineString::from(vec![(30.0, 30.0), (31.0, 30.0), (30.0, 30.0)]), vec![]),
            Polygon::new(LineString::from(wiggle(-5.0, 38.0, 0.5, 12, 0.0)), vec![]),
        ];
        // An archipelago: hundreds of one-chunk islands, every fifth with a lake, so index
        // nodes span many rings.
        for i in 0..600 {
            let (x, y) = (40.0 + (i % 30) as f64 * 0.5, 20.0 + (i / 30) as f64 * 0.5);
            let lakes = if i % 5 == 0 { vec![LineString::from(wiggle(x, y, 0.05, 8, 0.0))] } else { vec![] };
            parts.push(Polygon::new(LineString::from(wiggle(x, y, 0.2, 10, 0.1)), lakes));
        }
        let mp = MultiPolygon(parts);
        let ix = ChunkIndex::new(&mp);
        assert!(ix.len() > 16 * 16, "{} chunks: too few for two levels", ix.len());
        let empty = MultiPolygon::new(vec![]);
        let mut windows = Vec::new();
        for (x, y) in [
            (9.0, 40.0),
            (14.0, 44.0),
            (5.5, 40.0),
            (12.5, 40.5),
            (25.0, 41.0),
            (-5.0, 38.0),
            (40.0, 0.0),
            (47.1, 24.3),
            (40.0, 20.0),
            (54.5, 29.5),
        ] {
            for h in [0.05, 0.3, 1.0, 3.0, 20.0] {
                windows.push(Rect::new(Coord { x: x - h, y: y - h * 0.7 }, Coord { x: x + h, y: y + h * 1.3 }));
            }
        }
        for w in windows {
            // Even-odd normalisation, as the overlay's BooleanOps read the rings.
            let a = area_km2(&ix.clip(&mp, w).union(&empty));
            let b = area_km2(&clip_to_rect(&mp, w).union(&empty));
            assert!((a - b).abs() <= 1e-9 * b.max(1.0), "window {w:?}: {a} vs {b}");
        }
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
