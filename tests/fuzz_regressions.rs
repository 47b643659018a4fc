//! Every crash the fuzzers found (scripts/fuzz.sh, FUZZING.md), replayed on stable: the input
//! is in tests/fuzz_regressions/, fed through the same code as its fuzz target.

use crossbound::analysis::Params;
use crossbound::hierarchy::Hierarchy;
use crossbound::index::IndexedLayer;
use crossbound::io::decode::{Decoded, Geom};
use crossbound::model::LayerSpec;
use crossbound::progress::NoProgress;
use crossbound::study::{Prepared, Study};
use geo::Coord;
use std::path::Path;

/// As fuzz/fuzz_targets/overlay.rs: rings on a 1/16° grid, then repair, overlay, analysis.
fn overlay_target(data: &[u8]) {
    fn layer(bytes: &[u8], name: &str) -> Option<crossbound::model::Layer> {
        let mut d: Decoded<Geom> = Decoded::new();
        let mut i = 0;
        while i < bytes.len() {
            let n = 3 + (bytes[i] % 16) as usize;
            i += 1;
            let ring: Vec<Coord<f64>> = bytes[i.min(bytes.len())..]
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
    if data.len() < 2 {
        return;
    }
    let split = (data[0] as usize).min(data.len() - 1);
    let (z, u) = data[1..].split_at(split);
    let (Some(zones), Some(units)) = (layer(z, "zones.geojson"), layer(u, "units.geojson")) else { return };
    let mut warnings = Vec::new();
    let hierarchy = Hierarchy::build(vec![IndexedLayer::new(units)], &NoProgress, &mut warnings).unwrap();
    let prepared = Prepared {
        inputs: Default::default(),
        hierarchy,
        eco: vec![IndexedLayer::new(zones)],
        warnings,
        timings: Default::default(),
    };
    let study = Study::from_prepared(prepared, &NoProgress).unwrap();
    for zone in &study.analyse(&Params::default())[0] {
        for la in zone {
            assert!(la.parts.iter().all(|p| (0.0..=1.0).contains(&p.share)));
        }
    }
}

#[test]
fn overlay_crash_80d4c71f_i_overlay_assertion_in_repair() {
    // i_overlay's `assertion failed: overlay_rule.is_fill_top(link.fill)` while repairing a
    // self-overlapping ring: now that feature is an error (the layer is then skipped here).
    let data =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/overlay-crash-80d4c71f"))
            .unwrap();
    overlay_target(&data);
}
