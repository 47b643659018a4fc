//! Repair, overlay and areas on arbitrary polygons: no panic, no NaN in an output, shares
//! within [0, 1 + 1e-9], uncovered share within [0, 1].
//!
//! Bytes become rings on a 1/16-degree grid: the first byte splits zones from units, then each
//! ring is a length byte (3..=18 points) and that many (x, y) byte pairs.
#![no_main]
use crossbound::analysis::Params;
use crossbound::hierarchy::Hierarchy;
use crossbound::index::IndexedLayer;
use crossbound::io::decode::{Decoded, Geom};
use crossbound::model::LayerSpec;
use crossbound::progress::NoProgress;
use crossbound::study::{Prepared, Study};
use geo::Coord;
use libfuzzer_sys::fuzz_target;

fn layer(bytes: &[u8], name: &str) -> Option<crossbound::model::Layer> {
    let mut d: Decoded<Geom> = Decoded::new();
    let mut i = 0;
    while i < bytes.len() {
        let n = 3 + (bytes[i] % 16) as usize;
        i += 1;
        let ring: Vec<Coord<f64>> = bytes[i..]
            .chunks_exact(2)
            .take(n)
            .map(|p| Coord { x: p[0] as f64 / 16.0 - 8.0, y: p[1] as f64 / 16.0 - 8.0 })
            .collect();
        i += 2 * n;
        if ring.len() == n {
            d.push(None, Default::default(), Geom::Polygons(vec![vec![ring]]));
        }
    }
    crossbound::io::build(&LayerSpec::new(name), d).ok()
}

fuzz_target!(|data: &[u8]| {
    // crossbound catches panics of third-party kernels (i_overlay, flatgeobuf) and turns them
    // into errors; libfuzzer-sys's panic hook would abort on those caught panics too, so use a
    // silent hook: a panic that escapes still aborts (libfuzzer-sys catches it) and is a crash.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if data.len() < 2 {
        return;
    }
    let split = (data[0] as usize).min(data.len() - 1);
    let (z, u) = data[1..].split_at(split);
    let (Some(zones), Some(units)) = (layer(z, "zones.geojson"), layer(u, "units.geojson")) else { return };
    let mut warnings = Vec::new();
    let Ok(hierarchy) = Hierarchy::build(vec![IndexedLayer::new(units)], &NoProgress, &mut warnings) else { return };
    let prepared = Prepared {
        inputs: Default::default(),
        hierarchy,
        eco: vec![IndexedLayer::new(zones)],
        warnings,
        timings: Default::default(),
    };
    let study = Study::from_prepared(prepared, &NoProgress).expect("no cancellation, no parts file");
    for (z, zone) in study.analyse(&Params::default())[0].iter().enumerate() {
        let area = study.eco[0].layer.units[z].area_km2;
        assert!(area.is_finite() && area > 0.0, "zone area {area}");
        for la in zone {
            for p in &la.parts {
                assert!(p.share.is_finite() && (0.0..=1.0 + 1e-9).contains(&p.share), "share {}", p.share);
                assert!(p.area_km2.is_finite());
            }
            assert!((0.0..=1.0).contains(&la.uncovered_share), "uncovered {}", la.uncovered_share);
            assert!(la.effective_n.is_finite() && la.border_km.is_finite());
        }
    }
});
