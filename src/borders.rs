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
    ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64)
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
    /// Finds the shared borders of `layer`.
    pub fn build(layer: &Layer) -> Self {
        let mut first: HashMap<(Key, Key), usize> = HashMap::default();
        let mut shared: HashMap<(usize, usize), Vec<Line<f64>>> = HashMap::default();
        for (ui, u) in layer.units.iter().enumerate() {
            for poly in &u.geometry.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for w in ring.0.windows(2) {
                        let (ka, kb) = (key(w[0]), key(w[1]));
                        if ka == kb {
                            continue;
                        }
                        let k = if ka < kb { (ka, kb) } else { (kb, ka) };
                        match first.get(&k) {
                            Some(&other) if other != ui => {
                                let pair = (other.min(ui), other.max(ui));
                                shared.entry(pair).or_default().push(Line::new(w[0], w[1]));
                            }
                            Some(_) => {}
                            None => {
                                first.insert(k, ui);
                            }
                        }
                    }
                }
            }
        }
        let pairs: Vec<SharedBorder> = shared
            .into_iter()
            .map(|((a, b), lines)| {
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

    #[test]
    fn finds_common_border_of_adjacent_squares() {
        let mk = |id: &str, mp: MultiPolygon<f64>| Unit {
            id: id.into(),
            name: id.into(),
            bbox: mp.bounding_rect().unwrap(),
            area_km2: 0.0,
            geometry: mp,
            parent_key: None,
            population: None,
            properties: Default::default(),
        };
        let layer = Layer {
            name: "t".into(),
            spec: LayerSpec::new("t"),
            fields: FieldMapping::default(),
            crs: "OGC:CRS84".into(),
            feature_count: 3,
            load_times: Default::default(),
            units: vec![
                mk("a", MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)))])),
                // Shares the edge x=1 from y=0 to y=1, written the other way round.
                mk("b", MultiPolygon(vec![wkt!(POLYGON((1. 1.,1. 0.,2. 0.,2. 1.,1. 1.)))])),
                mk("c", MultiPolygon(vec![wkt!(POLYGON((5. 5.,6. 5.,6. 6.,5. 5.)))])),
            ],
            warnings: vec![],
        };
        let b = Borders::build(&layer);
        assert_eq!(b.pairs.len(), 1);
        assert!((b.pairs[0].length_km - 110.574).abs() < 0.01, "{}", b.pairs[0].length_km);
        assert_eq!(b.of(1).map(|(n, _)| n).collect::<Vec<_>>(), vec![0]);
        assert_eq!(b.of(2).count(), 0);
    }
}
