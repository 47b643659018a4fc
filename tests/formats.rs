//! Every input format against its GeoJSON original, bad input in each format, and the
//! GeoPackage and Parquet outputs read back by an independent reader (DuckDB's spatial
//! extension, which reads GeoPackage through GDAL; installed by scripts/pyenv.sh).
//!
//! The files in data/formats/ were written by GDAL (see data/README.md), not by crossbound.

mod common;
use common::{python, shares};
use crossbound::analysis::Params;
use crossbound::governance::{GovParams, propose};
use crossbound::io::{LoadError, load_layer};
use crossbound::model::LayerSpec;
use crossbound::progress::NoProgress;
use crossbound::report::build_report;
use crossbound::study::{Inputs, Study};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn spec(s: &str) -> LayerSpec {
    let mut l = LayerSpec::parse(s).unwrap();
    l.path = data().join(&l.path);
    l
}

/// Shares by (eco layer, zone id, level, unit id) for every part of every zone.
fn all_shares(s: &Study) -> HashMap<(usize, String, usize, String), f64> {
    shares(s, &s.analyse(&Params { threshold: 0.05, min_area_km2: 0.0 }))
}

/// Both studies have the same units and names, and the same shares within `tol` for every
/// part of at least 1e-3 (smaller ones may appear on one side only, from reprojection).
fn assert_same_analysis(a: &Study, b: &Study, tol: f64) {
    for (la, lb) in
        a.hierarchy.levels.iter().zip(&b.hierarchy.levels).map(|(x, y)| (&x.indexed.layer, &y.indexed.layer))
    {
        assert_eq!(la.units.len(), lb.units.len(), "{} vs {}", la.name, lb.name);
        for u in &la.units {
            let v = &lb.units[lb.find(&u.id).unwrap_or_else(|| panic!("{} lacks unit {}", lb.name, u.id))];
            assert_eq!(u.name, v.name);
            assert!(
                (u.area_km2 - v.area_km2).abs() <= 1e-4 * u.area_km2.max(1.0),
                "{}: {} vs {}",
                u.id,
                u.area_km2,
                v.area_km2
            );
        }
    }
    let (sa, sb) = (all_shares(a), all_shares(b));
    let mut compared = 0;
    for (k, va) in &sa {
        let vb = sb.get(k).copied().unwrap_or(0.0);
        if va.max(vb) >= 1e-3 {
            assert!((va - vb).abs() <= tol, "{k:?}: {va} vs {vb}");
            compared += 1;
        }
    }
    for (k, vb) in &sb {
        assert!(sa.contains_key(k) || *vb < 1e-3, "{k:?} only in the second study ({vb})");
    }
    assert!(compared > 100, "only {compared} parts compared");
}

fn us_geojson() -> &'static Study {
    static S: OnceLock<Study> = OnceLock::new();
    S.get_or_init(|| {
        let inputs = Inputs {
            admin: vec![spec("us/states.geojson"), spec("us/counties.geojson")],
            eco: vec![spec("us/huc2_watersheds.geojson")],
            ..Default::default()
        };
        Study::build(&inputs, &NoProgress).unwrap()
    })
}

#[test]
fn shapefile_and_two_layer_projected_geopackage_match_geojson() {
    let inputs = Inputs {
        admin: vec![spec("formats/us_states_nad83/us_states_nad83.shp"), spec("formats/us_albers.gpkg,layer=counties")],
        eco: vec![spec("formats/us_albers.gpkg,layer=huc2_watersheds")],
        ..Default::default()
    };
    let s = Study::build(&inputs, &NoProgress).unwrap();
    assert_eq!(s.hierarchy.levels[1].indexed.layer.name, "counties");
    assert_eq!(s.eco[0].layer.name, "huc2_watersheds");
    assert_eq!(s.eco[0].layer.crs, "EPSG:5070");
    // Integer ids stay integers-as-text, names are read in UTF-8.
    let states = &s.hierarchy.levels[0].indexed.layer;
    assert!(states.find("56").is_some());
    assert_same_analysis(us_geojson(), &s, 1e-4);
}

#[test]
fn flatgeobuf_and_geoparquet_match_geojson() {
    let a = Study::build(
        &Inputs {
            admin: vec![spec("world/provinces.geojson")],
            eco: vec![spec("world/geography_regions.geojson")],
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let b = Study::build(
        &Inputs {
            admin: vec![spec("formats/world_provinces.parquet")],
            eco: vec![spec("formats/world_geography_regions.fgb")],
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_same_analysis(&a, &b, 1e-4);
}

fn tmp_copy(dir: &Path, rel: &str, name: &str, keep: Option<usize>) -> PathBuf {
    let bytes = std::fs::read(data().join(rel)).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, &bytes[..keep.unwrap_or(bytes.len()).min(bytes.len())]).unwrap();
    p
}

fn load_err(p: &Path) -> String {
    match load_layer(&LayerSpec::new(p)) {
        Ok(l) => panic!("{} loaded ({} units)", p.display(), l.units.len()),
        Err(e) => {
            let s = e.to_string();
            assert!(s.starts_with(&p.display().to_string()), "error does not name the file: {s}");
            assert!(!s.contains('\n'), "not one line: {s}");
            s
        }
    }
}

#[test]
fn bad_input_in_every_format_gets_a_one_line_error_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // A misnamed file.
    let e = load_err(&tmp_copy(dir, "us/nps_parks.geojson", "parks.gpkg", None));
    assert!(e.contains("named as GeoPackage but the content is GeoJSON"), "{e}");
    // Truncated files.
    let e = load_err(&tmp_copy(dir, "formats/us_albers.gpkg", "cut.gpkg", Some(8192)));
    assert!(e.contains("SQLite") || e.contains("GeoPackage"), "{e}");
    let e = load_err(&tmp_copy(dir, "formats/world_provinces.parquet", "cut.parquet", Some(500_000)));
    assert!(e.contains("Parquet"), "{e}");
    let e = load_err(&tmp_copy(dir, "formats/world_geography_regions.fgb", "cut.fgb", Some(400_000)));
    assert!(e.contains("FlatGeobuf"), "{e}");
    let shp = tmp_copy(dir, "formats/us_states_nad83/us_states_nad83.shp", "cut.shp", Some(100_000));
    let e = load_err(&shp);
    assert!(e.contains("feature") && e.contains("truncated"), "{e}");
    // A sidecar given instead of the .shp.
    let e = load_err(&tmp_copy(dir, "formats/us_states_nad83/us_states_nad83.dbf", "x.dbf", None));
    assert!(e.contains("open the .shp"), "{e}");
    // A GeoPackage with two polygon layers and no layer= lists them; a wrong name too.
    let gpkg = data().join("formats/us_albers.gpkg");
    let e = load_layer(&LayerSpec::new(&gpkg)).unwrap_err().to_string();
    assert!(e.contains("layer=NAME") && e.contains("\"counties\"") && e.contains("\"huc2_watersheds\""), "{e}");
    let mut wrong = LayerSpec::new(&gpkg);
    wrong.layer = Some("rivers".into());
    let e = load_layer(&wrong).unwrap_err().to_string();
    assert!(e.contains("no layer \"rivers\"") && e.contains("\"counties\""), "{e}");
    // SQLite without GeoPackage tables, and a GeoPackage with only a point layer.
    let plain = dir.join("plain.gpkg");
    rusqlite::Connection::open(&plain).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    let e = load_err(&plain);
    assert!(e.contains("not a GeoPackage"), "{e}");
    let points = tmp_copy(dir, "formats/us_albers.gpkg", "points.gpkg", None);
    rusqlite::Connection::open(&points)
        .unwrap()
        .execute_batch("UPDATE gpkg_geometry_columns SET geometry_type_name = 'POINT';")
        .unwrap();
    let e = load_err(&points);
    assert!(e.contains("only points or lines"), "{e}");
    // A Parquet file with no geometry column: crossbound's own parts table.
    let parts = dir.join("parts.parquet");
    crossbound::export::parquet::write_parts_parquet(&parts, us_geojson(), false).unwrap();
    let e = load_err(&parts);
    assert!(e.contains("no geometry column") && e.contains("zone_id"), "{e}");
    // Only points: counted and refused, naming the file.
    let pts = dir.join("points.geojson");
    std::fs::write(&pts, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#).unwrap();
    assert!(load_err(&pts).contains("no polygon features"));
    // Corrupt bytes inside a FlatGeobuf: an error or a result, never a panic.
    let mut fgb = std::fs::read(data().join("formats/world_geography_regions.fgb")).unwrap();
    for i in (2000..fgb.len()).step_by(997) {
        fgb[i] ^= 0x5A;
    }
    let f = dir.join("flipped.fgb");
    std::fs::write(&f, &fgb).unwrap();
    let _ = load_layer(&LayerSpec::new(&f));
}

#[test]
fn shapefile_without_dbf_or_shx_is_read_with_warnings() {
    let d = tempfile::tempdir().unwrap();
    let shp = tmp_copy(d.path(), "formats/us_states_nad83/us_states_nad83.shp", "s.shp", None);
    tmp_copy(d.path(), "formats/us_states_nad83/us_states_nad83.prj", "s.prj", None);
    let l = load_layer(&LayerSpec::new(&shp)).unwrap();
    assert_eq!(l.units.len(), 56);
    assert_eq!(l.units[0].id, "0", "ids are feature indices without a .dbf");
    let w: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(w.iter().any(|m| m.contains("no .dbf")) && w.iter().any(|m| m.contains("no .shx")), "{w:?}");
}

/// Writes a DBF of `rows` (text fields of `widths`) in `bytes_of`'s encoding.
fn write_dbf(path: &Path, names: &[(&str, u8)], rows: &[Vec<Vec<u8>>], ldid: u8) {
    let rec_len: usize = 1 + names.iter().map(|f| f.1 as usize).sum::<usize>();
    let mut b = vec![0u8; 32];
    b[0] = 3;
    b[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
    b[8..10].copy_from_slice(&((32 + 32 * names.len() + 1) as u16).to_le_bytes());
    b[10..12].copy_from_slice(&(rec_len as u16).to_le_bytes());
    b[29] = ldid;
    for (n, w) in names {
        let mut f = [0u8; 32];
        f[..n.len()].copy_from_slice(n.as_bytes());
        f[11] = b'C';
        f[16] = *w;
        b.extend_from_slice(&f);
    }
    b.push(0x0D);
    for r in rows {
        b.push(b' ');
        for (v, (_, w)) in r.iter().zip(names) {
            let mut c = v.clone();
            c.resize(*w as usize, b' ');
            b.extend_from_slice(&c);
        }
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn gbk_shapefile_on_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let states = load_layer(&spec("formats/us_states_nad83/us_states_nad83.shp")).unwrap();
    let chinese = HashMap::from([("56", "怀俄明州"), ("30", "蒙大拿州"), ("16", "爱达荷州")]);
    let rows: Vec<Vec<Vec<u8>>> = states
        .units
        .iter()
        .map(|u| {
            let name = chinese.get(u.id.as_str()).copied().unwrap_or(u.name.as_str());
            vec![u.id.as_bytes().to_vec(), encoding_rs::GBK.encode(name).0.to_vec()]
        })
        .collect();
    for (variant, cpg, ldid) in [("cpg", Some("GBK"), 0u8), ("ldid", None, 0x4D)] {
        let base = d.path().join(format!("states_{variant}"));
        std::fs::copy(data().join("formats/us_states_nad83/us_states_nad83.shp"), base.with_extension("shp")).unwrap();
        std::fs::copy(data().join("formats/us_states_nad83/us_states_nad83.prj"), base.with_extension("prj")).unwrap();
        write_dbf(&base.with_extension("dbf"), &[("state_fips", 2), ("name", 40)], &rows, ldid);
        if let Some(c) = cpg {
            std::fs::write(base.with_extension("cpg"), c).unwrap();
        }
        let out = d.path().join(format!("{variant}.json"));
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_crossbound"))
            .args(["analyze", "--admin"])
            .arg(format!("{},id=state_fips", base.with_extension("shp").display()))
            .arg("--eco")
            .arg(data().join("us/nps_parks.geojson"))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
        let r: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let yell = r["zones"].as_array().unwrap().iter().find(|z| z["id"] == "YELL").unwrap();
        let names: Vec<&str> =
            yell["levels"][0]["parts"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["怀俄明州", "蒙大拿州", "爱达荷州"], "{variant}");
    }
}

fn reader(args: &[&str]) -> Value {
    let py = python();
    let out = std::process::Command::new(&py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/read_outputs.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "reader {args:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The US demo's study, proposed bodies and report, with the default parameters.
fn us_report() -> (&'static Study, Vec<crossbound::governance::Body>, crossbound::report::Report) {
    let s = us_geojson();
    let (params, gov) = (Params::default(), GovParams::default());
    let a = s.analyse(&params);
    let bodies = propose(s, &a, &params, &gov);
    let report = build_report(s, &a, &bodies, &params, &gov);
    (s, bodies, report)
}

#[test]
fn geopackage_and_parquet_outputs_read_back_by_duckdb_and_gdal() {
    let (s, bodies, report) = us_report();
    let d = tempfile::tempdir().unwrap();
    let gpkg = d.path().join("out.gpkg");
    crossbound::export::gpkg::write_gpkg(&gpkg, s, &report, &bodies).unwrap();
    let g = gpkg.display().to_string();

    let zones = reader(&["gpkg", &g, "zones"]);
    let rows = zones["rows"].as_array().unwrap();
    assert_eq!(rows.len(), report.zones.len());
    for (row, z) in rows.iter().zip(&report.zones) {
        assert_eq!(row["id"], z.id.as_str());
        assert_eq!(row["L1_cut"].as_bool().or(row["L1_cut"].as_i64().map(|v| v != 0)), Some(z.levels[1].cut));
        assert_eq!(row["_valid"], true, "{}", z.id);
        assert!(row["_type"].as_str().unwrap().contains("MULTIPOLYGON"), "{row}");
        // GDAL/DuckDB's geodesic area of the written geometry against crossbound's own.
        let area = row["_area_km2"].as_f64().unwrap();
        assert!((area - z.area_km2).abs() < 0.01 * z.area_km2, "{}: {area} vs {}", z.id, z.area_km2);
    }
    let bodies_read = reader(&["gpkg", &g, "bodies"]);
    assert_eq!(bodies_read["rows"].as_array().unwrap().len(), report.bodies.len());
    let parts = reader(&["gpkg", &g, "parts"]);
    let n_parts: usize = report.zones.iter().flat_map(|z| &z.levels).map(|l| l.parts.len()).sum();
    assert_eq!(parts["rows"].as_array().unwrap().len(), n_parts);

    let pq = d.path().join("parts.parquet");
    crossbound::export::parquet::write_parts_parquet(&pq, s, true).unwrap();
    let p = reader(&["parquet", &pq.display().to_string()]);
    let cols: Vec<&str> = p["columns"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(
        cols,
        [
            "layer",
            "zone_id",
            "zone_name",
            "level",
            "level_name",
            "unit_id",
            "unit_name",
            "area_km2",
            "share",
            "geometry"
        ]
    );
    let rows = p["rows"].as_array().unwrap();
    // DuckDB recognised the GeoParquet metadata: a geometry column in OGC:CRS84.
    assert_eq!(rows[0]["_geometry_type"], "GEOMETRY('OGC:CRS84')");
    let n_pieces: usize = s.overlay.iter().flatten().flatten().map(|zo| zo.pieces.len()).sum();
    assert_eq!(rows.len(), n_pieces);
    let mut sum: HashMap<(String, i64), f64> = HashMap::new();
    for r in rows {
        *sum.entry((r["zone_id"].as_str().unwrap().into(), r["level"].as_i64().unwrap())).or_default() +=
            r["share"].as_f64().unwrap();
        let area = r["area_km2"].as_f64().unwrap();
        if area > 1000.0 {
            assert_eq!(r["_valid"], true, "{r}");
            let got = r["_area_km2"].as_f64().unwrap();
            assert!((got - area).abs() < 0.01 * area, "{r}");
        }
    }
    for z in &report.zones {
        for l in &z.levels {
            let v = sum[&(z.id.clone(), l.level as i64)];
            // The report clamps the uncovered share at 0; piece areas add up to within 1e-8.
            assert!(
                (v.min(1.0) - (1.0 - l.uncovered_share)).abs() < 1e-8 && v < 1.0 + 1e-8,
                "{} L{}: {v}",
                z.id,
                l.level
            );
        }
    }
    // The parts file read back through crossbound's own GeoParquet reader as a layer.
    let back = load_layer(&LayerSpec::new(&pq)).unwrap();
    assert_eq!(back.feature_count, n_pieces);
}

#[test]
fn geoparquet_written_by_duckdb_is_read() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("parks_duckdb.parquet");
    let src = data().join("us/nps_parks.geojson");
    reader(&["duckdb-geoparquet", &src.display().to_string(), &out.display().to_string()]);
    let a = load_layer(&LayerSpec::new(&src)).unwrap();
    let b = load_layer(&LayerSpec::new(&out)).unwrap();
    assert_eq!(a.units.len(), b.units.len());
    for u in &a.units {
        let v = &b.units[b.find(&u.id).unwrap()];
        assert!((u.area_km2 - v.area_km2).abs() < 1e-6 * u.area_km2, "{}", u.id);
    }
}

#[test]
fn outputs_to_a_missing_folder_fail_and_leave_nothing() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("missing/out.gpkg");
    let s = us_geojson();
    let a = s.analyse(&Params::default());
    let report = build_report(s, &a, &[], &Params::default(), &GovParams::default());
    assert!(crossbound::export::gpkg::write_gpkg(&target, s, &report, &[]).is_err());
    assert!(crossbound::export::parquet::write_parts_parquet(&d.path().join("missing/p.parquet"), s, false).is_err());
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
}

#[test]
fn load_errors_are_typed() {
    let e = load_layer(&LayerSpec::new(data().join("nope.geojson"))).unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }));
}

/// The report file is the report, value for value, with each zone and each jurisdiction on a
/// line of its own (compact), though they are serialised in parallel batches around a shell.
#[test]
fn report_json_is_the_report_one_zone_a_line() {
    let (_, _, mut report) = us_report();
    assert!(report.zones.len() > 1 && report.jurisdictions.len() > 1 && !report.bodies.is_empty());
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("r.json");
    for _ in 0..2 {
        crossbound::export::write_report_json(&path, &report).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let written: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
        assert!(written == expected, "the report differs");
        let lines: std::collections::HashSet<&str> = text.lines().map(|l| l.trim_end_matches(',')).collect();
        for line in
            report.zones.iter().map(serde_json::to_string).chain(report.jurisdictions.iter().map(serde_json::to_string))
        {
            assert!(
                lines.contains(format!("    {}", line.unwrap()).as_str()),
                "a zone or jurisdiction not on its own line"
            );
        }
        // Empty arrays too.
        report.jurisdictions.clear();
    }
}
