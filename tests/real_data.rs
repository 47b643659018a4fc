//! Integration tests on the real layers shipped in `data/`.

use crossbound::analysis::Params;
use crossbound::governance::{Convener, GovParams, propose};
use crossbound::model::LayerSpec;
use crossbound::progress::NoProgress;
use crossbound::study::{Inputs, Study};
use std::path::PathBuf;
use std::sync::OnceLock;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The US demo, built once for all tests in this file.
fn us() -> &'static Study {
    static S: OnceLock<Study> = OnceLock::new();
    S.get_or_init(|| Study::build(&Inputs::us_demo(&data()), &NoProgress).expect("US demo loads"))
}

fn zone(s: &Study, layer: &str, id: &str) -> (usize, usize) {
    let e = s.eco.iter().position(|e| e.layer.name == layer).expect("layer");
    (e, s.eco[e].layer.find(id).expect("zone"))
}

#[test]
fn counties_tile_their_states() {
    let inputs = Inputs {
        admin: vec![LayerSpec::new(data().join("us/states.geojson"))],
        eco: vec![LayerSpec::new(data().join("us/counties.geojson"))],
        ..Default::default()
    };
    let s = Study::build(&inputs, &NoProgress).unwrap();
    let a = s.analyse(&Params::default());
    let counties = &s.eco[0].layer.units;
    let states = &s.hierarchy.levels[0].indexed.layer.units;
    // No county is cut at state level.
    let cut: Vec<&str> =
        a[0].iter().enumerate().filter(|(_, l)| l[0].cut).map(|(z, _)| counties[z].id.as_str()).collect();
    assert!(cut.is_empty(), "counties cut by state lines: {cut:?}");
    // Every state's counties cover it within 0.5%, assigning each county to its largest part.
    let mut covered = vec![0.0; states.len()];
    for (z, l) in a[0].iter().enumerate() {
        if let Some(p) = l[0].parts.first() {
            covered[p.unit] += counties[z].area_km2;
            assert!(p.share > 0.99, "county {} only {:.4} inside {}", counties[z].id, p.share, states[p.unit].name);
        }
    }
    for (i, st) in states.iter().enumerate() {
        let rel = (covered[i] - st.area_km2).abs() / st.area_km2;
        assert!(
            rel < 0.005,
            "{}: counties cover {:.1} km² of {:.1} km² ({:.3}%)",
            st.name,
            covered[i],
            st.area_km2,
            rel * 100.0
        );
    }
}

#[test]
fn huc2_areas_agree_with_usgs() {
    let s = us();
    let (e, _) = zone(s, "huc2_watersheds", "01");
    let mut checked = 0;
    for z in &s.eco[e].layer.units {
        let usgs = z.properties["areasqkm"].as_f64().unwrap();
        let states = z.properties["states"].as_str().unwrap();
        // Inland regions: wholly inside the US (no CN/MX) and not island or coastal-ocean regions.
        let inland = !states.contains("CN") && !states.contains("MX") && !["20", "21", "22"].contains(&z.id.as_str());
        let rel = (z.area_km2 - usgs).abs() / usgs;
        if inland {
            checked += 1;
            assert!(
                rel < 0.01,
                "HUC {} {}: {:.0} km² vs USGS {:.0} km² ({:.2}%)",
                z.id,
                z.name,
                z.area_km2,
                usgs,
                rel * 100.0
            );
        }
    }
    assert!(checked >= 10, "only {checked} inland regions checked");
}

#[test]
fn yellowstone_is_cut_at_state_level_and_gets_its_body() {
    let s = us();
    let p = Params::default();
    let a = s.analyse(&p);
    let (e, z) = zone(s, "nps_parks", "YELL");
    let states = &s.hierarchy.levels[0].indexed.layer.units;
    let la = &a[e][z][0];
    assert!(la.cut);
    let shares: Vec<(&str, f64)> = la.parts.iter().map(|p| (states[p.unit].name.as_str(), p.share)).collect();
    assert_eq!(shares[0].0, "Wyoming");
    assert!((shares[0].1 - 0.91).abs() < 0.01, "{shares:?}");
    assert_eq!(shares[1].0, "Montana");
    assert!((shares[1].1 - 0.07).abs() < 0.01, "{shares:?}");
    assert_eq!(shares[2].0, "Idaho");
    assert!(shares[2].1 < 0.02, "{shares:?}");
    let total: f64 =
        la.parts.iter().map(|p| p.share).sum::<f64>() + la.sliver_area_km2 / s.eco[e].layer.units[z].area_km2;
    assert!(total <= 1.0 + 1e-9 && total > 0.999, "shares sum to {total}");

    let bodies = propose(s, &a, &p, &GovParams::default());
    let b = bodies.iter().find(|b| b.id == "nps_parks/states/YELL").expect("Yellowstone body");
    let names = |v: Vec<usize>| v.into_iter().map(|u| states[u].name.clone()).collect::<Vec<_>>();
    assert_eq!(names(b.members.iter().map(|m| m.unit).collect()), ["Wyoming", "Montana"]);
    assert_eq!(names(b.observers.iter().map(|o| o.unit).collect()), ["Idaho"]);
    assert_eq!(states[b.chair.first].name, "Wyoming");
    assert_eq!(b.convener, Convener::AboveTop);
    let cost: f64 = b.members.iter().map(|m| m.cost_share).sum();
    assert!((cost - 1.0).abs() < 1e-12);
    // At county level the members are Wyoming counties, so Wyoming convenes.
    let bc = bodies.iter().find(|b| b.id == "nps_parks/counties/YELL").expect("county-level body");
    assert!(matches!(bc.convener, Convener::Unit(0, u) if states[u].name == "Wyoming"));
}

#[test]
fn every_zone_shares_sum_to_at_most_one() {
    let s = us();
    let a = s.analyse(&Params::default());
    for (e, zs) in a.iter().enumerate() {
        for (z, levels) in zs.iter().enumerate() {
            for l in levels {
                let sum: f64 = l.parts.iter().map(|p| p.share).sum();
                let zone = &s.eco[e].layer.units[z];
                let total = sum + l.sliver_area_km2 / zone.area_km2;
                // i_overlay snaps to an adaptive integer grid: pieces may exceed by rounding only.
                assert!(total <= 1.0 + 1e-6, "{} level {}: shares sum to {total}", zone.id, l.level);
                assert!((total + l.uncovered_share - 1.0).abs() < 1e-9 || l.uncovered_share == 0.0);
            }
        }
    }
}

#[test]
fn county_parents_come_from_the_state_fips_field() {
    let s = us();
    let l = &s.hierarchy.levels[1];
    assert_eq!(l.parent_source, crossbound::hierarchy::ParentSource::Field("state_fips".into()));
    assert!(l.parents.iter().all(|p| p.is_some()));
    // Falls Church (null geometry) is reported, not silently dropped.
    assert!(s.warnings.iter().any(|w| w.message.contains("51610")));
}

#[test]
fn missouri_region_crosses_many_states_with_national_convener() {
    let s = us();
    let p = Params::default();
    let a = s.analyse(&p);
    let (e, z) = zone(s, "huc2_watersheds", "10");
    let la = &a[e][z][0];
    assert!(la.cut);
    assert!(la.significant(0.05).count() >= 8);
    assert!(la.border_km > 3000.0, "border_km {}", la.border_km);
}

#[test]
fn zones_built_while_writing_give_the_same_files_as_zones_held() {
    use crossbound::export::{write_parts_csv, write_parts_csv_with, write_report_json, write_report_json_with};
    use crossbound::report::{ZoneBuilder, Zones, build_report, build_report_without_zones};
    let s = us();
    let (p, g) = (Params::default(), GovParams::default());
    let a = s.analyse(&p);
    let bodies = propose(s, &a, &p, &g);
    let held = build_report(s, &a, &bodies, &p, &g);
    let shell = build_report_without_zones(s, &a, &bodies, &p, &g);
    assert!(shell.zones.is_empty() && held.zones.len() > 10, "{} zones", held.zones.len());
    let builder = ZoneBuilder::new(s, &a);
    assert_eq!(builder.all(), held.zones);
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n);
    write_report_json(&path("held.json"), &held).unwrap();
    write_report_json_with(&path("built.json"), &shell, &Zones::Built(&builder)).unwrap();
    write_parts_csv(&path("held.csv"), &held).unwrap();
    write_parts_csv_with(&path("built.csv"), &Zones::Built(&builder)).unwrap();
    let read = |n: &str| std::fs::read(path(n)).unwrap();
    assert!(read("held.json") == read("built.json"), "the JSON reports differ");
    assert!(read("held.csv") == read("built.csv"), "the parts CSVs differ");
    // Batches of 2^16 zones: the US demo has fewer, so check a batch boundary on its own.
    let n = builder.len();
    assert_eq!(builder.build(3..n), held.zones[3..].to_vec());
}
