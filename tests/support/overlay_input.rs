// The overlay fuzz target's input format and checks, shared (by `include!`) with the stable
// regression test of its crashes: fuzz/fuzz_targets/overlay.rs, tests/fuzz_regressions.rs.
//
// Bytes become rings on a 1/16-degree grid: the first byte splits zones from units, then each
// ring is a length byte (3..=18 points) and that many (x, y) byte pairs. Repair, overlay, areas
// and analysis run on them; zone areas must be finite and positive, shares finite within
// [0, 1 + 1e-9], uncovered shares within [0, 1], n_eff and border lengths finite.

fn fuzz_layer(bytes: &[u8], name: &str) -> Option<crossbound::model::Layer> {
    let mut d: crossbound::io::decode::Decoded<crossbound::io::decode::Geom> = crossbound::io::decode::Decoded::new();
    let mut i = 0;
    while i < bytes.len() {
        let n = 3 + (bytes[i] % 16) as usize;
        i += 1;
        let ring: Vec<geo::Coord<f64>> = bytes[i.min(bytes.len())..]
            .chunks_exact(2)
            .take(n)
            .map(|p| geo::Coord { x: p[0] as f64 / 16.0 - 8.0, y: p[1] as f64 / 16.0 - 8.0 })
            .collect();
        i += 2 * n;
        if ring.len() == n {
            d.push(None, crossbound::model::Properties::default(), crossbound::io::decode::Geom::Polygons(vec![vec![ring]]));
        }
    }
    crossbound::io::build(&crossbound::model::LayerSpec::new(name), d).ok()
}

fn overlay_input(data: &[u8]) {
    use crossbound::progress::NoProgress;
    if data.len() < 2 {
        return;
    }
    let split = (data[0] as usize).min(data.len() - 1);
    let (z, u) = data[1..].split_at(split);
    let (Some(zones), Some(units)) = (fuzz_layer(z, "zones.geojson"), fuzz_layer(u, "units.geojson")) else { return };
    let mut warnings = Vec::new();
    let Ok(hierarchy) =
        crossbound::hierarchy::Hierarchy::build(vec![crossbound::index::IndexedLayer::new(units)], &NoProgress, &mut warnings)
    else {
        return;
    };
    let prepared = crossbound::study::Prepared {
        inputs: Default::default(),
        hierarchy,
        eco: vec![crossbound::index::IndexedLayer::new(zones)],
        warnings,
        timings: Default::default(),
        outlines: Default::default(),
    };
    let study = match crossbound::study::Study::from_prepared(prepared, &NoProgress) {
        Ok(s) => s,
        // A pair the boolean kernel cannot handle is an error naming it: allowed, not a crash.
        Err(crossbound::study::StudyError::Overlay(e)) => {
            assert!(e.to_string().starts_with("the boolean kernel failed on zone"), "{e}");
            return;
        }
        Err(e) => panic!("no cancellation, no parts file: {e}"),
    };
    for (z, zone) in study.analyse(&crossbound::analysis::Params::default())[0].iter().enumerate() {
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
}
