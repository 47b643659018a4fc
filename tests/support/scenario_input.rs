// The scenario fuzz target's study and checks, shared (by `include!`) with the stable tests:
// fuzz/fuzz_targets/scenario.rs, tests/fuzz_regressions.rs.
//
// The study: states A (0..2°E) and B (2..4°E) with counties A1, A2, B1, B2 (1° wide, 0..2°N),
// and zones Z1 (across A1|A2) and Z2 (across the state line). The bytes are a scenario file;
// when it parses and applies, the reformed world is analysed and proposed: shares must be
// finite within [0, 1 + 1e-9], unit areas finite and ≥ 0, and the report serialisable.

fn scenario_study() -> &'static crossbound::study::Study {
    static S: std::sync::OnceLock<crossbound::study::Study> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("crossbound-scenario-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let feature = |id: &str, extra: &str, x0: f64, y0: f64, x1: f64, y1: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{id}","name":"{id}"{extra}}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
            )
        };
        let write = |name: &str, feats: Vec<String>| {
            let p = dir.join(name);
            std::fs::write(&p, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, feats.join(","))).unwrap();
            crossbound::model::LayerSpec::new(p)
        };
        let states = write("states.geojson", vec![feature("A", "", 0., 0., 2., 2.), feature("B", "", 2., 0., 4., 2.)]);
        let counties = write(
            "counties.geojson",
            vec![
                feature("A1", r#","st":"A","population":10"#, 0., 0., 1., 2.),
                feature("A2", r#","st":"A","population":30"#, 1., 0., 2., 2.),
                feature("B1", r#","st":"B","population":5"#, 2., 0., 3., 2.),
                feature("B2", r#","st":"B","population":5"#, 3., 0., 4., 2.),
            ],
        );
        let zones = write("zones.geojson", vec![feature("Z1", "", 0.5, 0.5, 1.5, 1.5), feature("Z2", "", 1.5, 0.2, 2.5, 1.0)]);
        let inputs = crossbound::study::Inputs { admin: vec![states, counties], eco: vec![zones], parts: None };
        let s = crossbound::study::Study::build(&inputs, &crossbound::progress::NoProgress).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        s
    })
}

fn scenario_input(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(sc) = crossbound::scenario::Scenario::parse(text, "fuzz.json") else { return };
    let params = crossbound::analysis::Params::default();
    let gov = crossbound::governance::GovParams::default();
    let Ok(o) = crossbound::scenario::evaluate(scenario_study(), &sc, &params, &gov) else { return };
    for l in &o.study.hierarchy.levels {
        for u in &l.indexed.layer.units {
            assert!(u.area_km2.is_finite() && u.area_km2 >= 0.0, "{}: {}", u.id, u.area_km2);
        }
    }
    for zones in &o.analysis {
        for levels in zones {
            for la in levels {
                for p in &la.parts {
                    assert!(p.share.is_finite() && (0.0..=1.0 + 1e-9).contains(&p.share), "{}", p.share);
                }
                assert!(la.effective_n.is_finite() && la.border_km.is_finite());
            }
        }
    }
    for b in &o.bodies {
        let total: f64 = b.members.iter().map(|m| m.cost_share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{}: costs add up to {total}", b.id);
    }
    serde_json::to_string(&o.report).unwrap();
}
