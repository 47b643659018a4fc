//! The command line, run as a user would: exit codes, outputs, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crossbound"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

fn data(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(p).display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A small real run: US states x national parks.
fn parks_args(extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        "analyze".to_string(),
        "--admin".into(),
        data("us/states.geojson"),
        "--eco".into(),
        data("us/nps_parks.geojson"),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

#[test]
fn analyze_writes_report_csv_and_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let csv = dir.path().join("s.csv");
    let gj = dir.path().join("z.geojson");
    let bj = dir.path().join("b.geojson");
    let args = parks_args(&[
        "--out",
        out.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--geojson",
        gj.to_str().unwrap(),
        "--geojson-bodies",
        bj.to_str().unwrap(),
    ]);
    let o = bin().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // The report parses back into the schema types (round trip).
    let text = std::fs::read_to_string(&out).unwrap();
    let r: crossbound::report::Report = serde_json::from_str(&text).unwrap();
    assert_eq!(r.schema, "crossbound.report/1");
    assert_eq!(r.levels.len(), 1);
    let again = serde_json::to_string(&r).unwrap();
    let r2: crossbound::report::Report = serde_json::from_str(&again).unwrap();
    assert_eq!(r, r2);
    let yell = r.zones.iter().find(|z| z.id == "YELL").unwrap();
    assert!(yell.levels[0].cut);
    assert!(r.bodies.iter().any(|b| b.id == "nps_parks/states/YELL"));
    // CSV: the documented columns, one row per part.
    let mut rdr = csv::Reader::from_path(&csv).unwrap();
    assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), crossbound::export::CSV_HEADER);
    let rows = rdr.records().count();
    let parts: usize = r.zones.iter().map(|z| z.levels.iter().map(|l| l.parts.len()).sum::<usize>()).sum();
    assert_eq!(rows, parts);
    // GeoJSON outputs load back with crossbound's own reader.
    let zones = crossbound::io::load_layer(&crossbound::model::LayerSpec::new(&gj)).unwrap();
    assert_eq!(zones.units.len(), r.zones.len());
    let bodies = crossbound::io::load_layer(&crossbound::model::LayerSpec::new(&bj)).unwrap();
    assert_eq!(bodies.units.len(), r.bodies.len());
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
}

/// A run that writes no geometry frees each layer's outlines once the overlay and the
/// proposals are done (`Drawn::Nothing`); one that writes zones keeps them. Their reports are
/// the same, nesting included (it measures how much of a park lies in a watershed).
#[test]
fn freeing_the_outlines_changes_no_figure() {
    let dir = tempfile::tempdir().unwrap();
    let report = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "analyze".to_string(),
            "--admin".into(),
            data("us/states.geojson"),
            "--eco".into(),
            data("us/huc2_watersheds.geojson"),
            "--eco".into(),
            data("us/nps_parks.geojson"),
            "--merge-touching-zones".into(),
            "--out".into(),
            out.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let o = bin().args(&args).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        r.as_object_mut().unwrap().remove("timings_ms");
        r
    };
    let gj = dir.path().join("z.geojson");
    let kept = report("kept.json", &["--geojson", gj.to_str().unwrap()]);
    let freed = report("freed.json", &[]);
    let nested = kept["bodies"].as_array().unwrap().iter().filter(|b| !b["parent_body"].is_null()).count();
    assert!(nested >= 5, "{nested} nested bodies");
    assert_eq!(kept, freed);
}

#[test]
fn summary_lists_cut_zones_first() {
    let o = bin().args(parks_args(&[])).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let first_rows: Vec<&str> = out.lines().skip(3).take(5).collect();
    assert!(first_rows.iter().all(|l| l.contains("CUT")), "{out}");
    assert!(out.contains("Yellowstone"), "{out}");
}

fn assert_fails(args: &[&str], needle: &str) {
    let o = run(args);
    assert!(!o.status.success(), "expected failure for {args:?}");
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "panic for {args:?}: {e}");
    assert!(e.contains(needle), "for {args:?}, expected '{needle}' in: {e}");
    assert_eq!(e.trim().lines().filter(|l| l.starts_with("crossbound: error")).count(), 1, "{e}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn bad_input_gives_one_line_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let states = data("us/states.geojson");
    let broken = write(dir.path(), "broken.geojson", "{\"type\":\"FeatureCollection\",\"features\":[");
    assert_fails(&["analyze", "--admin", &states, "--eco", &broken], "broken.geojson: not valid JSON");
    let wrong = write(
        dir.path(),
        "wrong.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"w1"},"geometry":{"type":"Polygon","coordinates":"nope"}}]}"#,
    );
    assert_fails(&["analyze", "--admin", &states, "--eco", &wrong], "feature 0 (id \"w1\")");
    let empty = write(dir.path(), "empty.geojson", r#"{"type":"FeatureCollection","features":[]}"#);
    assert_fails(&["analyze", "--admin", &states, "--eco", &empty], "no features");
    let merc = write(
        dir.path(),
        "merc.geojson",
        r#"{"type":"Polygon","coordinates":[[[-12000000,5000000],[-11000000,5000000],[-11000000,6000000],[-12000000,5000000]]]}"#,
    );
    assert_fails(&["analyze", "--admin", &states, "--eco", &merc], "--crs");
    assert_fails(&["analyze", "--admin", "/nonexistent/x.geojson", "--eco", &merc], "cannot read");
    assert_fails(&["analyze", "--admin", &states, "--eco", &states, "--threshold", "1.5"], "between 0 and 1");
    assert_fails(&["analyze", "--admin", &format!("{states},colour=red"), "--eco", &states], "unknown key");
    // With the right CRS the projected file loads (Web Mercator, via PROJ).
    let o = run(&[
        "analyze",
        "--admin",
        &states,
        "--eco",
        &merc,
        "--crs",
        "EPSG:3857",
        "--out",
        dir.path().join("m.json").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&["analyze", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn jurisdiction_and_brief() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("wy.json");
    let mut args = vec!["jurisdiction".to_string(), "--id".into(), "Wyoming".into()];
    args.extend(parks_args(&[]).into_iter().skip(1));
    args.extend(["--out".into(), j.display().to_string()]);
    let o = bin().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    let partners: Vec<&str> = v["partners"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(partners.contains(&"Montana") && partners.contains(&"Idaho"), "{partners:?}");
    let neighbours: Vec<&str> =
        v["neighbours"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(neighbours.len(), 6, "{neighbours:?}"); // MT, SD, NE, CO, UT, ID
    assert!(v["bodies"].as_array().unwrap().iter().any(|b| b["id"] == "nps_parks/states/YELL"));

    let html = dir.path().join("brief.html");
    let mut args = vec!["brief".to_string(), "--body".into(), "nps_parks/states/YELL".into()];
    args.extend(parks_args(&[]).into_iter().skip(1));
    args.extend(["--out".into(), html.display().to_string()]);
    let o = bin().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>") && text.trim_end().ends_with("</html>"));
    assert!(text.contains("Wyoming") && text.contains("Montana") && text.contains("Idaho"));
    // The embedded map decodes as a PNG.
    let b64 = text.split("data:image/png;base64,").nth(1).unwrap().split('"').next().unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = dec.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (720, 480));
    // Balanced tags for the structural elements.
    for tag in ["html", "body", "table", "ol", "ul", "h1", "h2"] {
        assert_eq!(text.matches(&format!("<{tag}")).count(), text.matches(&format!("</{tag}>")).count(), "{tag}");
    }
    // An unknown body is a clear error.
    let mut args = vec!["brief".to_string(), "--body".into(), "nope".into()];
    args.extend(parks_args(&[]).into_iter().skip(1));
    args.extend(["--out".into(), html.display().to_string()]);
    let o = bin().args(&args).output().unwrap();
    assert!(!o.status.success() && stderr(&o).contains("no body \"nope\""));
}

#[test]
fn project_file_from_the_app_runs_in_the_cli() {
    use crossbound::model::LayerSpec;
    use crossbound::project::Project;
    use crossbound::study::Inputs;
    let dir = tempfile::tempdir().unwrap();
    let mut p = Project::new(Inputs {
        admin: vec![LayerSpec::parse(&format!("{},id=state_fips", data("us/states.geojson"))).unwrap()],
        eco: vec![LayerSpec::new(data("us/nps_parks.geojson"))],
        ..Default::default()
    });
    p.params.threshold = 0.2;
    let f = dir.path().join("s.crossbound.json");
    p.save(&f).unwrap();
    let out = dir.path().join("r.json");
    let o = run(&["analyze", "--project", f.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: crossbound::report::Report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(r.params.threshold, 0.2);
    // At 20%, Yellowstone (Montana holds 7%) is no longer cut.
    assert!(!r.zones.iter().find(|z| z.id == "YELL").unwrap().levels[0].cut);
}

/// The allocator options set before `main` (src/main.rs) are the ones mimalloc runs with:
/// arenas committed as used, freed pages returned after 100 ms; a purge delay given in the
/// environment is left to the user. mimalloc prints its options with MIMALLOC_VERBOSE=1.
#[cfg(target_os = "linux")]
#[test]
fn allocator_options_are_set_and_the_environment_still_wins() {
    let option = |o: &Output, name: &str| -> Option<String> {
        let key = format!("option '{name}': ");
        stderr(o).lines().find_map(|l| l.split_once(&key).map(|(_, v)| v.trim().to_string()))
    };
    let o = bin().arg("--version").env("MIMALLOC_VERBOSE", "1").env_remove("MIMALLOC_PURGE_DELAY").output().unwrap();
    assert!(o.status.success());
    assert_eq!(option(&o, "arena_eager_commit").as_deref(), Some("0"), "{}", stderr(&o));
    assert_eq!(option(&o, "purge_delay").as_deref(), Some("100"), "{}", stderr(&o));
    let o = bin().arg("--version").env("MIMALLOC_VERBOSE", "1").env("MIMALLOC_PURGE_DELAY", "7").output().unwrap();
    assert_eq!(option(&o, "purge_delay").as_deref(), Some("7"), "{}", stderr(&o));
}
