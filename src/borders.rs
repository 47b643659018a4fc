//! Shared borders between the units of one admin level: which units are neighbours and how
//! long their common border is.
//!
//! Borders are found as edges common to two units (compared after rounding coordinates to
//! 1e-7°, about 1 cm). That is exact for layers built from one topology — all shipped layers
//! are — and cheap (one hash per edge). Units digitised independently, whose borders do not
//! share vertices, will show no common border.

use crate::geometry::packed::Bx;
use crate::model::Layer;
use geo::{Coord, Line, LineString, MultiLineString};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// The common border of two units.
#[derive(Debug, Clone)]
pub struct SharedBorder {
    /// The two units (positions in the layer), `a < b`.
    pub a: usize,
    /// See `a`.
    pub b: usize,
    /// The common edges.
    pub lines: Vec<Line<f64>>,
    /// Length on the ellipsoid, km.
    pub length_km: f64,
    /// The box of each run of [`BLOCK`] consecutive `lines` (set by [`Borders::from_pairs`]),
    /// so a small zone on a long border skips the runs away from it.
    pub blocks: Vec<Bx>,
}

/// Lines per block of [`SharedBorder::blocks`].
pub const BLOCK: usize = 32;

/// All shared borders of a layer, with a lookup by unit.
#[derive(Debug, Clone, Default)]
pub struct Borders {
    /// Every neighbouring pair once.
    pub pairs: Vec<SharedBorder>,
    by_unit: HashMap<usize, Vec<usize>>,
}

type Key = (i64, i64);

fn key(c: Coord<f64>) -> Key {
    (round(c.x * 1e7), round(c.y * 1e7))
}

/// `v.round() as i64` (half away from zero, saturating), without the libm call that `round`
/// is on baseline x86-64: building a layer's borders rounds each vertex twice.
#[inline]
fn round(v: f64) -> i64 {
    if v.abs() < 4.0e15 {
        // In this range both conversions and the subtraction are exact.
        let t = v as i64;
        let f = v - t as f64;
        t + i64::from(f >= 0.5) - i64::from(f <= -0.5)
    } else {
        v.round() as i64
    }
}

/// The edges of a layer are spread over this many shards by key, each matched on its own.
const SHARDS: usize = 64;

/// Shards matched in one pass over the layer's edges (see [`shared_edges`]).
const SHARDS_PER_PASS: usize = 16;

/// Units per task when the edges are spread over the shards.
const UNITS_PER_TASK: usize = 256;

/// An edge's key: its two ends rounded (see the module docs), the smaller first, as four
/// integers. `i32` when every rounded coordinate of the layer fits (lon/lat within ±214°,
/// every layer that is not mislabelled), which halves the memory the matching goes through.
trait EdgeKey: Copy + Eq + std::hash::Hash + Send + Sync {
    fn new(a: Key, b: Key) -> Self;
    fn parts(&self) -> [i64; 4];
}

impl EdgeKey for [i32; 4] {
    fn new(a: Key, b: Key) -> Self {
        [a.0 as i32, a.1 as i32, b.0 as i32, b.1 as i32]
    }
    fn parts(&self) -> [i64; 4] {
        self.map(i64::from)
    }
}

impl EdgeKey for [i64; 4] {
    fn new(a: Key, b: Key) -> Self {
        [a.0, a.1, b.0, b.1]
    }
    fn parts(&self) -> [i64; 4] {
        *self
    }
}

/// The shard of a key: a multiplicative mix of its four integers, unrelated to the hash of
/// the maps (whose buckets a shard's keys then still fill evenly).
fn shard_of(k: [i64; 4]) -> usize {
    let h = (k[0] as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (k[1] as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ (k[2] as u64).wrapping_mul(0x1656_67B1_9E37_79F9)
        ^ (k[3] as u64).wrapping_mul(0x85EB_CA77_C2B2_AE63);
    (h.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 58) as usize
}

/// The rings of a unit's boundary, in the order their edges are numbered.
fn rings(u: &crate::model::Unit) -> impl Iterator<Item = &LineString<f64>> {
    crate::geometry::rings(&u.geometry)
}

/// The shared edges of `layer` (see [`Borders::build`]): (first unit, later unit, number of
/// the edge among the later unit's edges), each once, in no particular order.
///
/// The shards are matched [`SHARDS_PER_PASS`] at a time, each pass walking every edge again
/// and keeping only those of its shards: the edge lists held at once are a quarter of the
/// layer's. Held all at once they were ~40 MB on the world's provinces (1.3M edges), at the
/// start of the overlay, which runs beside this: the peak of the 299k-hexagon benchmark.
fn shared_edges<K: EdgeKey>(layer: &Layer) -> Vec<(u32, u32, u32)> {
    let mut out = Vec::new();
    for first in (0..SHARDS).step_by(SHARDS_PER_PASS) {
        let pass = first..(first + SHARDS_PER_PASS).min(SHARDS);
        out.par_extend(shared_edges_in::<K>(layer, pass));
    }
    out
}

/// [`shared_edges`] for the edges whose keys fall in the shards `pass`.
fn shared_edges_in<K: EdgeKey>(
    layer: &Layer,
    pass: std::ops::Range<usize>,
) -> impl ParallelIterator<Item = (u32, u32, u32)> {
    use std::collections::hash_map::Entry;
    let width = pass.len();
    // Every edge of the pass into its shard, by runs of units: within a shard, in layer order.
    let runs: Vec<Vec<Vec<(K, u32, u32)>>> = layer
        .units
        .par_chunks(UNITS_PER_TASK)
        .enumerate()
        .map(|(c, units)| {
            let n: usize = units.iter().flat_map(rings).map(|r| r.0.len()).sum();
            let mut shards: Vec<Vec<(K, u32, u32)>> =
                (0..width).map(|_| Vec::with_capacity(n / SHARDS * 5 / 4)).collect();
            for (i, u) in units.iter().enumerate() {
                let unit = (c * UNITS_PER_TASK + i) as u32;
                let mut at = 0u32;
                for ring in rings(u) {
                    let mut prev: Option<Key> = None;
                    for &c in &ring.0 {
                        let k = key(c);
                        if let Some(p) = prev {
                            if p != k {
                                let key = K::new(p.min(k), p.max(k));
                                let s = shard_of(key.parts());
                                if pass.contains(&s) {
                                    shards[s - pass.start].push((key, unit, at));
                                }
                            }
                            at += 1;
                        }
                        prev = Some(k);
                    }
                }
            }
            shards
        })
        .collect();
    // Each shard in layer order: the first unit of each key, and the edges of later units.
    (0..width).into_par_iter().flat_map_iter(move |s| {
        let n = runs.iter().map(|r| r[s].len()).sum();
        let mut first: HashMap<K, u32> = HashMap::with_capacity_and_hasher(n, Default::default());
        let mut out = Vec::new();
        for &(key, unit, at) in runs.iter().flat_map(|r| &r[s]) {
            match first.entry(key) {
                Entry::Occupied(o) if *o.get() != unit => out.push((*o.get(), unit, at)),
                Entry::Occupied(_) => {}
                Entry::Vacant(v) => {
                    v.insert(unit);
                }
            }
        }
        out
    })
}

fn line_km(l: Line<f64>) -> f64 {
    crate::geometry::area::segment_km(l.start, l.end)
}

impl SharedBorder {
    /// The common edges as a multilinestring (for clipping).
    pub fn to_multi_line_string(&self) -> MultiLineString<f64> {
        MultiLineString(self.lines.iter().map(|l| LineString::from(vec![l.start, l.end])).collect())
    }
}

impl Borders {
    /// Finds the shared borders of `layer`: an edge used by two units (their ends equal after
    /// rounding) is on the border of the first unit to use it, in layer order, and of each
    /// later one, and a border's edges are in the order of the later unit's boundary.
    ///
    /// Matching a million edges in one hash map waited on memory for each of them (a third of
    /// a second on the world's provinces); the edges are spread over [`SHARDS`] by key first,
    /// each shard's map fits in cache, and shards are matched in parallel. The result is that
    /// of one pass in layer order.
    pub fn build(layer: &Layer) -> Self {
        let fits = layer.units.iter().all(|u| {
            let r = u.bbox;
            [r.min().x, r.min().y, r.max().x, r.max().y].iter().all(|v| (v * 1e7).abs() < f64::from(i32::MAX) - 1.0)
        });
        let mut shared = if fits { shared_edges::<[i32; 4]>(layer) } else { shared_edges::<[i64; 4]>(layer) };
        shared.par_sort_unstable();
        let mut starts: Vec<usize> = (0..shared.len())
            .filter(|&i| i == 0 || (shared[i - 1].0, shared[i - 1].1) != (shared[i].0, shared[i].1))
            .collect();
        starts.push(shared.len());
        let pairs: Vec<SharedBorder> = starts
            .par_windows(2)
            .map(|w| {
                let edges = &shared[w[0]..w[1]];
                let (a, b) = (edges[0].0 as usize, edges[0].1 as usize);
                // The edges by number, walking the later unit's rings once.
                let mut lines = Vec::with_capacity(edges.len());
                let mut rings = rings(&layer.units[b]).map(|r| &r.0[..]);
                let (mut ring, mut base) = (rings.next().unwrap_or(&[]), 0usize);
                'edges: for &(_, _, at) in edges {
                    let at = at as usize;
                    while at >= base + ring.len().saturating_sub(1) {
                        base += ring.len().saturating_sub(1);
                        // Every number is that of an edge of the unit: the rings do not run out.
                        let Some(next) = rings.next() else { break 'edges };
                        ring = next;
                    }
                    lines.push(Line::new(ring[at - base], ring[at - base + 1]));
                }
                let length_km = lines.iter().map(|l| line_km(*l)).sum();
                SharedBorder { a, b, lines, length_km, blocks: Vec::new() }
            })
            .collect();
        Borders::from_pairs(pairs)
    }

    /// Borders from a list of pairs (each `a < b`, each pair once), e.g. relabelled by a
    /// reform scenario.
    pub fn from_pairs(mut pairs: Vec<SharedBorder>) -> Self {
        pairs.sort_by_key(|p| (p.a, p.b));
        for p in &mut pairs {
            p.blocks = p
                .lines
                .chunks(BLOCK)
                .map(|c| c.iter().fold(Bx::EMPTY, |a, l| a.union(&Bx::of([l.start.x, l.start.y], [l.end.x, l.end.y]))))
                .collect();
        }
        let mut by_unit: HashMap<usize, Vec<usize>> = HashMap::default();
        for (i, p) in pairs.iter().enumerate() {
            by_unit.entry(p.a).or_default().push(i);
            by_unit.entry(p.b).or_default().push(i);
        }
        Borders { pairs, by_unit }
    }

    /// The borders of `unit`: (neighbour, border).
    pub fn of(&self, unit: usize) -> impl Iterator<Item = (usize, &SharedBorder)> {
        self.by_unit.get(&unit).into_iter().flatten().map(move |&i| {
            let p = &self.pairs[i];
            (if p.a == unit { p.b } else { p.a }, p)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldMapping, LayerSpec, Unit};
    use geo::{BoundingRect, MultiPolygon, wkt};

    /// The borders by one pass in layer order with one map (the definition that
    /// [`Borders::build`] computes in shards): (a, b, lines).
    fn reference(layer: &Layer) -> Vec<(usize, usize, Vec<Line<f64>>)> {
        let key = |c: Coord<f64>| ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64);
        let mut first: std::collections::HashMap<(Key, Key), usize> = Default::default();
        let mut shared: std::collections::BTreeMap<(usize, usize), Vec<Line<f64>>> = Default::default();
        for (ui, u) in layer.units.iter().enumerate() {
            for ring in rings(u) {
                for w in ring.0.windows(2) {
                    let (ka, kb) = (key(w[0]), key(w[1]));
                    if ka == kb {
                        continue;
                    }
                    match first.get(&(ka.min(kb), ka.max(kb))) {
                        Some(&other) if other != ui => {
                            shared.entry((other, ui)).or_default().push(Line::new(w[0], w[1]))
                        }
                        Some(_) => {}
                        None => {
                            first.insert((ka.min(kb), ka.max(kb)), ui);
                        }
                    }
                }
            }
        }
        shared.into_iter().map(|((a, b), l)| (a, b, l)).collect()
    }

    fn layer_of(units: Vec<(&str, MultiPolygon<f64>)>) -> Layer {
        let units = units
            .into_iter()
            .map(|(id, mp)| Unit {
                id: id.into(),
                name: id.into(),
                bbox: mp.bounding_rect().unwrap(),
                area_km2: 0.0,
                geometry: mp,
                population: None,
                properties: Default::default(),
            })
            .collect();
        Layer {
            name: "t".into(),
            spec: LayerSpec::new("t"),
            fields: FieldMapping::default(),
            crs: "OGC:CRS84".into(),
            feature_count: 0,
            load_times: Default::default(),
            units,
            warnings: vec![],
        }
    }

    #[test]
    fn sharded_matching_is_one_pass_in_layer_order() {
        // A 20 × 20 grid of squares (several units each, so units span tasks and shards), some
        // with a hole whose ring is also a unit, some with a second square, a repeated vertex
        // and an edge used twice by one unit; offset so that the i64 keys are used too.
        for dx in [0.0, 300.0] {
            let sq = |x: f64, y: f64, s: f64| {
                geo::LineString::from(vec![
                    (dx + x, y),
                    (dx + x + s, y),
                    (dx + x + s, y + s),
                    (dx + x + s, y + s),
                    (dx + x, y + s),
                    (dx + x, y),
                ])
            };
            let mut units = Vec::new();
            for i in 0..20 {
                for j in 0..20 {
                    let (x, y) = (f64::from(i), f64::from(j));
                    let mut polys = vec![geo::Polygon::new(
                        sq(x, y, 1.0),
                        if (i + j) % 4 == 0 { vec![sq(x + 0.25, y + 0.25, 0.5)] } else { vec![] },
                    )];
                    if (i * j) % 5 == 1 {
                        polys.push(geo::Polygon::new(sq(x + 20.0, y, 1.0), vec![]));
                    }
                    if (i + j) % 7 == 3 {
                        polys.push(geo::Polygon::new(sq(x, y, 1.0), vec![])); // its own edges again
                    }
                    units.push((format!("u{i}-{j}"), MultiPolygon(polys)));
                    if (i + j) % 4 == 0 {
                        units.push((
                            format!("h{i}-{j}"),
                            MultiPolygon(vec![geo::Polygon::new(sq(x + 0.25, y + 0.25, 0.5), vec![])]),
                        ));
                    }
                }
            }
            let layer = layer_of(units.iter().map(|(id, mp)| (id.as_str(), mp.clone())).collect());
            let got = Borders::build(&layer);
            let want = reference(&layer);
            assert!(layer.units.len() > UNITS_PER_TASK && want.len() > 700, "{}", want.len());
            assert_eq!(got.pairs.len(), want.len());
            for (g, (a, b, lines)) in got.pairs.iter().zip(&want) {
                assert_eq!((g.a, g.b), (*a, *b));
                assert_eq!(&g.lines, lines);
                assert_eq!(g.length_km, lines.iter().map(|l| line_km(*l)).sum::<f64>());
            }
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        for v in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999999999999994,
            -0.49999999999999994,
            1799999999.5,
            -1799999999.4999998,
            4.5e15,
            -9.3e18,
            1e300,
            f64::NAN,
        ] {
            assert_eq!(round(v), v.round() as i64, "{v}");
        }
    }

    #[test]
    fn finds_common_border_of_adjacent_squares() {
        let layer = layer_of(vec![
            ("a", MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)))])),
            // Shares the edge x=1 from y=0 to y=1, written the other way round.
            ("b", MultiPolygon(vec![wkt!(POLYGON((1. 1.,1. 0.,2. 0.,2. 1.,1. 1.)))])),
            ("c", MultiPolygon(vec![wkt!(POLYGON((5. 5.,6. 5.,6. 6.,5. 5.)))])),
        ]);
        let b = Borders::build(&layer);
        assert_eq!(b.pairs.len(), 1);
        assert!((b.pairs[0].length_km - 110.574).abs() < 0.01, "{}", b.pairs[0].length_km);
        assert_eq!(b.of(1).map(|(n, _)| n).collect::<Vec<_>>(), vec![0]);
        assert_eq!(b.of(2).count(), 0);
    }
}
