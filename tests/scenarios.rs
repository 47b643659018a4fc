//! Reform scenarios on the US demo (states > counties; HUC2 watersheds and national parks):
//! every reformed figure checked against the baseline's own pieces, and the command line.

use crossbound::analysis::Params;
use crossbound::governance::GovParams;
use crossbound::progress::NoProgress;
use crossbound::scenario::{Scenario, apply, evaluate};
use crossbound::study::{Inputs, Study, data_dir};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn us() -> &'static Study {
    static S: OnceLock<Study> = OnceLock::new();
    S.get_or_init(|| Study::build(&Inputs::us_demo(&data_dir()), &NoProgress).unwrap())
}

fn scenario(steps: &str) -> Scenario {
    Scenario::parse(&format!(r#"{{"schema": "crossbound.scenario/1", "name": "t", "steps": [{steps}]}}"#), "t").unwrap()
}

fn unit(s: &Study, level: usize, id: &str) -> usize {
    s.hierarchy.levels[level].indexed.layer.units.iter().position(|u| u.id == id).unwrap()
}

/// Area of `unit`'s piece of zone `z` of layer `e` at `level` (0 when it has none).
fn piece(s: &Study, e: usize, z: usize, level: usize, unit: usize) -> f64 {
    s.overlay[e][z][level].pieces.iter().find(|p| p.unit == unit).map_or(0.0, |p| p.area_km2)
}

fn zone(s: &Study, e: usize, id: &str) -> usize {
    s.eco[e].layer.units.iter().position(|u| u.id == id).unwrap()
}

#[test]
fn merging_wyoming_and_montana_pools_their_shares_and_uncuts_yellowstone() {
    let base = us();
    let p = Params::default();
    let before = base.analyse(&p);
    let parks = 1;
    let yell = zone(base, parks, "YELL");
    assert!(before[parks][yell][0].cut);
    let o = evaluate(
        base,
        &scenario(r#"{"merge": {"level": 0, "units": ["56", "30"], "id": "WYMT", "name": "Wyoming-Montana"}}"#),
        &p,
        &GovParams::default(),
    )
    .unwrap();
    let s = &o.study;
    let (wy, mt, id) = (unit(base, 0, "56"), unit(base, 0, "30"), unit(base, 0, "16"));
    let (wymt, id2) = (unit(s, 0, "WYMT"), unit(s, 0, "16"));
    // Every zone of both layers: the merged unit's piece is the sum of the two; others unchanged.
    for e in 0..2 {
        for z in 0..base.eco[e].layer.units.len() {
            let sum = piece(base, e, z, 0, wy) + piece(base, e, z, 0, mt);
            assert!((piece(s, e, z, 0, wymt) - sum).abs() <= 1e-9 * sum.max(1.0), "zone {z}");
            assert_eq!(piece(s, e, z, 0, id2), piece(base, e, z, 0, id));
            // Counties are not touched.
            assert_eq!(s.overlay[e][z][1].pieces.len(), base.overlay[e][z][1].pieces.len());
        }
    }
    let la = &o.analysis[parks][yell][0];
    assert!(!la.cut, "{la:?}");
    assert_eq!(s.hierarchy.levels[0].indexed.layer.units.len(), base.hierarchy.levels[0].indexed.layer.units.len() - 1);
    // Teton County, Wyoming, now lies in the merged state.
    assert_eq!(s.hierarchy.levels[1].parents[unit(s, 1, "56039")], Some(wymt));
    // No body for Yellowstone at state level any more; the report records the scenario.
    assert!(!o.report.bodies.iter().any(|b| b.id == "nps_parks/states/YELL"));
    assert_eq!(o.report.scenario.as_ref().map(|s| s.name.as_str()), Some("t"));
    assert!(o.report.jurisdictions.iter().any(|j| j.id == "WYMT" && j.level == 0));
}

#[test]
fn moving_a_county_moves_exactly_its_pieces_at_state_level() {
    let base = us();
    let r = apply(base, &scenario(r#"{"transfer": {"level": 1, "unit": "56039", "to": "16"}}"#)).unwrap();
    let s = &r.study;
    let (wy, id, teton) = (unit(base, 0, "56"), unit(base, 0, "16"), unit(base, 1, "56039"));
    let mut moved = 0.0;
    for e in 0..2 {
        for z in 0..base.eco[e].layer.units.len() {
            let t = piece(base, e, z, 1, teton);
            moved += t;
            let wy_after = (piece(base, e, z, 0, wy) - t).max(0.0);
            let tol = 1e-6 * base.eco[e].layer.units[z].area_km2.max(1.0);
            assert!((piece(s, e, z, 0, wy) - wy_after).abs() <= tol, "WY in zone {z} of layer {e}");
            assert!((piece(s, e, z, 0, id) - (piece(base, e, z, 0, id) + t)).abs() <= tol, "ID in zone {z}");
            // Every other state keeps its piece exactly.
            for (i, p) in base.overlay[e][z][0].pieces.iter().enumerate() {
                if p.unit != wy && p.unit != id {
                    assert_eq!(
                        s.overlay[e][z][0].pieces.iter().find(|q| q.unit == p.unit).map(|q| q.area_km2),
                        Some(p.area_km2),
                        "{i}"
                    );
                }
            }
        }
    }
    assert!(moved > 10_000.0, "Teton County lies in the Missouri and Pacific Northwest basins: {moved}");
    let units = &s.hierarchy.levels[0].indexed.layer.units;
    let base_units = &base.hierarchy.levels[0].indexed.layer.units;
    let teton_area = base.hierarchy.levels[1].indexed.layer.units[teton].area_km2;
    assert!((units[id].area_km2 - (base_units[id].area_km2 + teton_area)).abs() < 1e-6);
    assert!((units[wy].area_km2 - (base_units[wy].area_km2 - teton_area)).abs() < 1e-6);
    // Idaho now borders Park County's state (Wyoming) along Teton County's old county line.
    let wy_id = s.borders[0].of(id).find(|(n, _)| *n == wy).map(|(_, b)| b.length_km).unwrap();
    let base_wy_id = base.borders[0].of(id).find(|(n, _)| *n == wy).map(|(_, b)| b.length_km).unwrap();
    assert!(wy_id != base_wy_id && wy_id > 0.0);
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crossbound"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn data(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(p).display().to_string()
}

#[test]
fn analyze_and_compare_on_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let sc = d.path().join("yell.json");
    std::fs::write(
        &sc,
        r#"{"schema": "crossbound.scenario/1", "name": "Yellowstone states", "steps": [
            {"merge": {"level": 0, "units": [56, 30], "id": "WYMT", "name": "Wyoming-Montana"}},
            {"body": {"level": 0, "layer": "nps_parks", "zones": ["GRTE"], "members": ["WYMT", "16"], "name": "Teton board"}}]}"#,
    )
    .unwrap();
    let layers = ["--admin", &data("us/states.geojson"), "--eco", &data("us/nps_parks.geojson")];
    let (out, burden) = (d.path().join("r.json"), d.path().join("burden.csv"));
    let o = bin()
        .arg("analyze")
        .args(layers)
        .arg("--scenario")
        .arg(&sc)
        .arg("--out")
        .arg(&out)
        .arg("--burden-csv")
        .arg(&burden)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(r["scenario"]["name"], "Yellowstone states");
    let teton = r["bodies"].as_array().unwrap().iter().find(|b| b["scenario"] == "Yellowstone states").unwrap();
    assert_eq!(teton["zones"], serde_json::json!(["GRTE"]));
    let csv = std::fs::read_to_string(&burden).unwrap();
    assert!(csv.starts_with("level,id,name,member_of,observer_of,partners,eco_layer,"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("0,WYMT,Wyoming-Montana,")), "{csv}");

    let (cj, cc) = (d.path().join("c.json"), d.path().join("c.csv"));
    let o = bin()
        .arg("compare")
        .args(layers)
        .arg("--scenario")
        .arg(&sc)
        .arg("--out")
        .arg(&cj)
        .arg("--csv")
        .arg(&cc)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("scenario \"Yellowstone states\" against the baseline"), "{stdout}");
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(&cj).unwrap()).unwrap();
    let s = &c["scenarios"][0];
    assert!(s["bodies_removed"].as_array().unwrap().iter().any(|b| b == "nps_parks/states/YELL"), "{s}");
    assert!(s["bodies_added"].as_array().unwrap().iter().any(|b| b == "nps_parks/states/GRTE/step2"), "{s}");
    let cut_before = c["baseline"]["cut_zones"][0].as_u64().unwrap();
    assert!(s["summary"]["cut_zones"][0].as_u64().unwrap() < cut_before);
    let csv = std::fs::read_to_string(&cc).unwrap();
    assert!(csv.contains("Yellowstone states,body,,nps_parks/states/YELL,,removed,,"), "{csv}");

    // The brief of the body set up by hand says where it comes from.
    let html = d.path().join("teton.html");
    let o = bin()
        .arg("brief")
        .args(layers)
        .arg("--scenario")
        .arg(&sc)
        .args(["--body", "nps_parks/states/GRTE/step2", "--out"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        html.contains("From the reform scenario \u{201c}Yellowstone states\u{201d}:</b> this body was set up by hand")
    );

    // A bad step: one line naming the file and the step, and nothing written.
    std::fs::write(
        &sc,
        r#"{"schema": "crossbound.scenario/1", "name": "bad", "steps": [{"transfer": {"level": 0, "unit": "56", "to": "30"}}]}"#,
    )
    .unwrap();
    let out2 = d.path().join("r2.json");
    let o = bin().arg("analyze").args(layers).arg("--scenario").arg(&sc).arg("--out").arg(&out2).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("yell.json: step 1 (transfer): \"56\" is at the top level"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!out2.exists());
}

#[test]
fn suggested_moves_reproduce_their_effect_when_applied() {
    use crossbound::scenario::compare::summarize;
    use crossbound::scenario::suggest::{SuggestParams, suggest};
    let (p, g) = (Params::default(), GovParams::default());
    let v = suggest(us(), &p, &g, &SuggestParams { level: 0, moves: 3, max_population_change: None }).unwrap();
    assert_eq!(v.len(), 3);
    // Big Horn County, Wyoming, holds Bighorn Canyon's Wyoming part: moving it to Montana
    // leaves the park in one state.
    assert_eq!((v[0].unit.id.as_str(), v[0].to.id.as_str()), ("56003", "30"));
    for s in &v {
        assert!(s.cut_zones[1] < s.cut_zones[0] || s.fragmentation[1] < s.fragmentation[0]);
        let o = evaluate(us(), &s.scenario, &p, &g).unwrap();
        let after = summarize("x", &o.report);
        assert_eq!(after.cut_zones[0], s.cut_zones[1]);
        assert_eq!(after.fragmentation[0], s.fragmentation[1]);
    }
}
