//! Property tests of the engine's invariants on random polygons and random tilings
//! (proptest; a fixed number of cases so the suite stays fast).
//!
//! Tolerance: areas of cut pieces agree to 1e-7 of the zone's area plus 1 cm times the zone's
//! boundary length ([`tolerance`]), not 1e-9. The boolean kernel (i_overlay, inside geo's
//! BooleanOps) snaps each operation's coordinates to an integer grid scaled to its inputs'
//! extent, which moves boundary vertices by millimetres, so the error grows with the boundary,
//! not the area. These tests found differences of 1.6e-8 (two intersections of the same
//! polygons over different windows), 6e-9 (a tiled zone's pieces against the zone) and, on a
//! thin 3,339 km² triangle with a 340 km boundary, 1.0e-3 km² (3.1e-7 of its area, a 3 mm
//! displacement along its boundary).

use crossbound::analysis::Params;
use crossbound::geometry::area_km2;
use crossbound::governance::{GovParams, propose};
use crossbound::hierarchy::Hierarchy;
use crossbound::index::IndexedLayer;
use crossbound::io::decode::{Decoded, Geom};
use crossbound::model::{Layer, LayerSpec};
use crossbound::overlay::{Outlines, PieceGeometry};
use crossbound::progress::NoProgress;
use crossbound::report::build_report;
use crossbound::study::{Prepared, Study};
use geo::{BooleanOps, Coord};
use proptest::prelude::*;

type Ring = Vec<(f64, f64)>;

fn layer(name: &str, polys: &[Vec<Ring>]) -> Layer {
    let mut d: Decoded<Geom> = Decoded::new();
    for (i, rings) in polys.iter().enumerate() {
        let rings = rings.iter().map(|r| r.iter().map(|&(x, y)| Coord { x, y }).collect()).collect();
        let mut props = serde_json::Map::new();
        props.insert("id".into(), format!("{name}{i}").into());
        d.push(None, props, Geom::Polygons(vec![rings]));
    }
    crossbound::io::build(&LayerSpec::new(format!("{name}.geojson")), d).expect("valid layer")
}

fn study(zones: &[Vec<Ring>], units: &[Vec<Ring>]) -> Study {
    study_with(zones, units, Outlines::Keep)
}

fn study_with(zones: &[Vec<Ring>], units: &[Vec<Ring>], outlines: Outlines) -> Study {
    let mut warnings = Vec::new();
    let hierarchy = Hierarchy::build(vec![IndexedLayer::new(layer("u", units))], &NoProgress, &mut warnings).unwrap();
    let prepared = Prepared {
        inputs: Default::default(),
        hierarchy,
        eco: vec![IndexedLayer::new(layer("z", zones))],
        warnings,
        timings: Default::default(),
        outlines,
    };
    Study::from_prepared(prepared, &NoProgress).unwrap()
}

/// A star-shaped (simple, possibly concave) polygon around `c`: radii at sorted angles.
fn star() -> impl Strategy<Value = Ring> {
    (-5.0..5.0f64, -5.0..5.0f64, prop::collection::vec((0.0..1.0f64, 0.3..3.0f64), 3..12)).prop_map(
        |(cx, cy, mut v)| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-3);
            let mut r: Ring = v
                .iter()
                .map(|(t, rad)| {
                    let a = t * std::f64::consts::TAU;
                    (cx + rad * a.cos(), cy + rad * a.sin())
                })
                .collect();
            if r.len() < 3 {
                r = vec![(cx - 1.0, cy - 1.0), (cx + 1.0, cy - 1.0), (cx, cy + 1.0)];
            }
            r.push(r[0]);
            r
        },
    )
}

/// A tiling of the box [-10, 10]² by a grid with random cut lines: (cells, xs, ys).
fn tiling() -> impl Strategy<Value = Vec<Ring>> {
    (prop::collection::vec(-9.0..9.0f64, 0..4), prop::collection::vec(-9.0..9.0f64, 0..4)).prop_map(
        |(mut xs, mut ys)| {
            for v in [&mut xs, &mut ys] {
                v.push(-10.0);
                v.push(10.0);
                v.sort_by(f64::total_cmp);
                v.dedup_by(|a, b| (*a - *b).abs() < 0.01);
            }
            let mut cells = Vec::new();
            for x in xs.windows(2) {
                for y in ys.windows(2) {
                    cells.push(vec![(x[0], y[0]), (x[1], y[0]), (x[1], y[1]), (x[0], y[1]), (x[0], y[0])]);
                }
            }
            cells
        },
    )
}

/// The area tolerance for a cut zone, km²: 1e-7 of its area plus 1 cm of displacement along its
/// whole boundary (see the module documentation).
fn tolerance(zone: &Ring, area_km2: f64) -> f64 {
    let perimeter_km: f64 = zone
        .windows(2)
        .map(|w| crossbound::geometry::area::segment_km(Coord { x: w[0].0, y: w[0].1 }, Coord { x: w[1].0, y: w[1].1 }))
        .sum();
    1e-7 * area_km2 + 1e-5 * perimeter_km
}

/// Shares by unit id of zone 0 at level 0, listing every piece (no sliver minimum).
fn shares(s: &Study) -> Vec<(String, f64)> {
    let a = s.analyse(&Params { threshold: 0.05, min_area_km2: 0.0 });
    let units = &s.hierarchy.levels[0].indexed.layer.units;
    let mut v: Vec<(String, f64)> = a[0][0][0].parts.iter().map(|p| (units[p.unit].id.clone(), p.share)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// A zone inside a tiling of [-10, 10]²: the pieces add up to the zone, nothing is
    /// uncovered, and there are no slivers at the default minimum for pieces > 1 km².
    #[test]
    fn tiled_zone_parts_add_up_to_the_zone(zone in star(), cells in tiling()) {
        let s = study(&[vec![zone.clone()]], &cells.iter().map(|c| vec![c.clone()]).collect::<Vec<_>>());
        let za = s.eco[0].layer.units[0].area_km2;
        let sum: f64 = s.overlay[0][0][0].pieces.iter().map(|p| p.area_km2).sum();
        let tol = tolerance(&zone, za);
        prop_assert!((sum - za).abs() <= tol, "pieces {sum} vs zone {za}");
        let a = s.analyse(&Params { threshold: 0.05, min_area_km2: 0.0 });
        prop_assert!(a[0][0][0].uncovered_share <= tol / za);
        prop_assert!(a[0][0][0].parts.iter().all(|p| (0.0..=1.0).contains(&p.share)));
    }

    /// Each piece's area equals the area of geo's BooleanOps intersection of the whole
    /// polygons (an independent computation: no windows, chunks or shortcuts).
    #[test]
    fn pieces_agree_with_whole_polygon_intersections(zone in star(), units in prop::collection::vec(star(), 1..5)) {
        let s = study(&[vec![zone.clone()]], &units.iter().map(|u| vec![u.clone()]).collect::<Vec<_>>());
        let zl = &s.eco[0].layer.units[0];
        let ul = &s.hierarchy.levels[0].indexed.layer.units;
        for (i, u) in ul.iter().enumerate() {
            let expect = area_km2(&zl.geometry.intersection(&u.geometry));
            let got: f64 = s.overlay[0][0][0].pieces.iter().filter(|p| p.unit == i).map(|p| p.area_km2).sum();
            prop_assert!((got - expect).abs() <= tolerance(&zone, zl.area_km2), "unit {i}: {got} vs {expect}");
        }
        // Without the parts' polygons: the same pieces and areas, bit for bit, and each
        // outline rebuilt on demand has the piece's area.
        let d = study_with(&[vec![zone.clone()]], &units.iter().map(|u| vec![u.clone()]).collect::<Vec<_>>(), Outlines::Drop);
        let (kept, dropped) = (&s.overlay[0][0][0].pieces, &d.overlay[0][0][0].pieces);
        prop_assert_eq!(kept.len(), dropped.len());
        for (k, p) in kept.iter().zip(dropped.iter()) {
            prop_assert_eq!((k.unit, k.area_km2.to_bits()), (p.unit, p.area_km2.to_bits()));
            prop_assert!(!matches!(p.geometry, PieceGeometry::Part(_)));
            let outline = p.to_multipolygon(zl, &ul[p.unit]).unwrap();
            prop_assert!((area_km2(&outline) - p.area_km2).abs() <= tolerance(&zone, zl.area_km2), "unit {}", p.unit);
        }
    }

    /// Shares do not change when rings are rotated, reversed or densified with collinear
    /// points, or when a unit is split into two that tile it.
    #[test]
    fn shares_are_invariant_under_ring_edits(zone in star(), cells in tiling(), rot in 0usize..10, split in 0.2..0.8f64) {
        let units: Vec<Vec<Ring>> = cells.iter().map(|c| vec![c.clone()]).collect();
        let base_study = study(&[vec![zone.clone()]], &units);
        let base = shares(&base_study);
        let tol = tolerance(&zone, base_study.eco[0].layer.units[0].area_km2) / base_study.eco[0].layer.units[0].area_km2;
        let open = &zone[..zone.len() - 1];
        let k = rot % open.len();
        let mut rotated: Ring = open[k..].iter().chain(&open[..k]).copied().collect();
        rotated.push(rotated[0]);
        let mut reversed = zone.clone();
        reversed.reverse();
        let mut dense: Ring = Vec::new();
        for w in zone.windows(2) {
            dense.push(w[0]);
            dense.push(((w[0].0 + w[1].0) / 2.0, (w[0].1 + w[1].1) / 2.0));
        }
        dense.push(zone[0]);
        for edited in [rotated, reversed, dense] {
            let got = shares(&study(&[vec![edited]], &units));
            prop_assert_eq!(got.len(), base.len());
            for (a, b) in got.iter().zip(&base) {
                prop_assert_eq!(&a.0, &b.0);
                prop_assert!((a.1 - b.1).abs() <= tol, "{} {} vs {}", a.0, a.1, b.1);
            }
        }
        // Split the first cell vertically in two: their shares add up to the cell's.
        let c = &cells[0];
        let (x0, x1, y0, y1) = (c[0].0, c[1].0, c[0].1, c[2].1);
        let xm = x0 + (x1 - x0) * split;
        let mut split_units = units.clone();
        split_units[0] = vec![vec![(x0, y0), (xm, y0), (xm, y1), (x0, y1), (x0, y0)]];
        split_units.push(vec![vec![(xm, y0), (x1, y0), (x1, y1), (xm, y1), (xm, y0)]]);
        let got = shares(&study(&[vec![zone.clone()]], &split_units));
        let first = |v: &[(String, f64)], ids: &[String]| v.iter().filter(|p| ids.contains(&p.0)).map(|p| p.1).sum::<f64>();
        let new_id = format!("u{}", split_units.len() - 1);
        let whole = first(&base, &["u0".to_string()]);
        let halves = first(&got, &["u0".to_string(), new_id]);
        prop_assert!((whole - halves).abs() <= tol, "{whole} vs {halves}");
    }
}

/// Reports are byte-identical across runs and thread counts.
#[test]
fn reports_are_deterministic_across_runs_and_thread_counts() {
    let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let inputs = crossbound::study::Inputs::us_demo(&data);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let s = Study::build(&inputs, &NoProgress).unwrap();
            let params = Params::default();
            let gov = GovParams::default();
            let a = s.analyse(&params);
            let b = propose(&s, &a, &params, &gov);
            let mut r = build_report(&s, &a, &b, &params, &gov);
            r.timings_ms = Default::default();
            serde_json::to_string(&r).unwrap()
        })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(2));
}

/// The case proptest found (2026-11-29): a thin triangle cut by one vertical line, whose pieces
/// missed the zone by 1.0e-3 km² (3.1e-7 of it): within the boundary tolerance, beyond 1e-7.
#[test]
fn thin_triangle_cut_once_is_within_the_boundary_tolerance() {
    let zone: Ring = vec![
        (2.717329036762388, 4.396438236117876),
        (1.2993711285507616, 4.881204927305312),
        (2.200130136502007, 4.189497090557886),
        (2.717329036762388, 4.396438236117876),
    ];
    let x = 1.9275297457010752;
    let cells = [
        vec![vec![(-10.0, -10.0), (x, -10.0), (x, 10.0), (-10.0, 10.0), (-10.0, -10.0)]],
        vec![vec![(x, -10.0), (10.0, -10.0), (10.0, 10.0), (x, 10.0), (x, -10.0)]],
    ];
    let s = study(&[vec![zone.clone()]], &cells);
    let za = s.eco[0].layer.units[0].area_km2;
    let sum: f64 = s.overlay[0][0][0].pieces.iter().map(|p| p.area_km2).sum();
    let tol = tolerance(&zone, za);
    assert!((sum - za).abs() <= tol, "pieces {sum} vs zone {za}, tolerance {tol}");
    // The boundary term is what covers it: 1e-7 of the area alone would not.
    assert!(tol > 3.0 * 1e-7 * za);
}
