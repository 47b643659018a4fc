//! Writing results: the JSON report, CSV of parts, GeoJSON and GeoPackage of zones and
//! bodies, and the parts table as Parquet. Every file is written atomically (temporary file,
//! then rename). The zone and body attributes are built once ([`zone_properties`],
//! [`body_properties`]) and shared by the GeoJSON and GeoPackage writers.

pub mod gpkg;
pub mod parquet;

use crate::geometry::area::polygon_area_km2;
use crate::io::atomic::write_atomic_with;
use crate::report::{BodyReport, Report, Zones};
use crate::study::Study;
use geo::MultiPolygon;
use serde_json::{Value, json};
use std::path::Path;

/// Writes the report as JSON: indented, except that each zone and each jurisdiction is written
/// compactly on a line of its own. A report of a million zones is then 44% smaller than fully
/// indented (400 MB, not 700), still readable and diffable zone by zone, and `grep` finds a zone
/// with its whole record. The zones, bodies and jurisdictions (nearly all of a big report) are
/// serialised in parallel, a batch at a time, streaming, while the rest is serialised once as a
/// shell around them (the bodies of the 1.2M-zone grid, 68 MB of text, were built whole in
/// memory first, on one core).
pub fn write_report_json(path: &Path, report: &Report) -> std::io::Result<()> {
    write_report_json_with(path, report, &Zones::Held(&report.zones))
}

/// [`write_report_json`] with the zones taken from `zones` (the report's own `zones` are not
/// written): with [`Zones::Built`], each batch is built just before it is written.
pub fn write_report_json_with(path: &Path, report: &Report, zones: &Zones) -> std::io::Result<()> {
    use crate::report::ZoneReport;
    use std::io::Write;
    /// The report with its two long arrays left as markers (a string no report holds: the
    /// markers' NUL characters are escaped in JSON text, so they cannot be confused with data).
    #[derive(serde::Serialize)]
    struct Shell<'a> {
        schema: &'a str,
        params: &'a crate::report::ReportParams,
        levels: &'a [crate::report::LevelInfo],
        eco_layers: &'a [crate::report::EcoInfo],
        zones: &'static str,
        bodies: &'static str,
        jurisdictions: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        scenario: &'a Option<crate::scenario::Scenario>,
        warnings: &'a [crate::model::Warning],
        timings_ms: &'a crate::study::Timings,
    }
    let Report { schema, params, levels, eco_layers, zones: _, bodies, jurisdictions, scenario, warnings, timings_ms } =
        report;
    let shell = Shell {
        schema,
        params,
        levels,
        eco_layers,
        zones: "\0zones\0",
        bodies: "\0bodies\0",
        jurisdictions: "\0jurisdictions\0",
        scenario,
        warnings,
        timings_ms,
    };
    let text = serde_json::to_string_pretty(&shell).map_err(std::io::Error::other)?;
    let broken = || std::io::Error::other("report shell without its markers");
    let (head, rest) = text.split_once(r#""\u0000zones\u0000""#).ok_or_else(broken)?;
    let (after_zones, rest) = rest.split_once(r#""\u0000bodies\u0000""#).ok_or_else(broken)?;
    let (after_bodies, tail) = rest.split_once(r#""\u0000jurisdictions\u0000""#).ok_or_else(broken)?;
    write_atomic_with(path, |w| {
        // A typed buffer in front of the `dyn Write`: serde's many small writes are then
        // inlined copies, not virtual calls (measured: see BENCHMARKS.md, 1.2M zones).
        let mut b = std::io::BufWriter::with_capacity(1 << 20, w);
        b.write_all(head.as_bytes())?;
        write_member_array_from(&mut b, zones.len(), 1 << 12, |r| zones.batch(r), ZoneReport::write_json)?;
        b.write_all(after_zones.as_bytes())?;
        // A body is about 1.4 kB of text (its rules in words): 2,048 at a time (two batches
        // in memory: a few MB; 16,384 held 60 MB at once on the 1.2M-zone grid).
        write_member_array(&mut b, bodies, 1 << 11, indented)?;
        b.write_all(after_bodies.as_bytes())?;
        write_member_array(&mut b, jurisdictions, 1 << 16, compact)?;
        b.write_all(tail.as_bytes())?;
        b.write_all(b"\n")?;
        b.flush()
    })
}

/// Writes `item` compactly (serde_json's text), for [`write_member_array`].
fn compact<T: serde::Serialize>(item: &T, out: &mut Vec<u8>) -> std::io::Result<()> {
    serde_json::to_writer(out, item).map_err(std::io::Error::other)
}

/// Writes `item` indented as serde_json's pretty printer writes it two levels deep (as an
/// element of an array that is a member of the top-level object), for [`write_member_array`].
fn indented<T: serde::Serialize>(item: &T, out: &mut Vec<u8>) -> std::io::Result<()> {
    // Pretty at the top level, then each line indented two levels deeper (a newline in the
    // text is always layout: newlines in strings are escaped).
    let text = serde_json::to_vec_pretty(item).map_err(std::io::Error::other)?;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\n    ");
        }
        out.extend_from_slice(line);
    }
    Ok(())
}

/// Writes `items` as an array that is a member of the top-level object, each element on a new
/// line indented by four spaces and written by `write` (e.g. [`compact`], [`indented`]),
/// `batch` items at a time in parallel.
fn write_member_array<T: Sync + Clone>(
    w: &mut impl std::io::Write,
    items: &[T],
    batch: usize,
    write: impl Fn(&T, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    write_member_array_from(w, items.len(), batch, |r| std::borrow::Cow::Borrowed(&items[r]), write)
}

/// [`write_member_array`] over `n` items that `get` hands out (borrowed or built) a batch
/// (a range of positions) at a time.
fn write_member_array_from<'a, T: Sync + Clone + 'a>(
    w: &mut impl std::io::Write,
    n: usize,
    batch: usize,
    get: impl Fn(std::ops::Range<usize>) -> std::borrow::Cow<'a, [T]> + Sync,
    write: impl Fn(&T, &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if n == 0 {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    // Each batch is serialised into the buffers of the batch before last: the same memory is
    // reused (fresh pages are slow to fault in on this VM, and a report can be 400 MB).
    let chunk = batch.div_ceil(128).max(1);
    let serialise = |items: &[T], mut bufs: Vec<Vec<u8>>| -> std::io::Result<Vec<Vec<u8>>> {
        bufs.resize_with(items.len().div_ceil(chunk), Vec::new);
        bufs.par_iter_mut().zip(items.par_chunks(chunk)).try_for_each(|(out, chunk)| -> std::io::Result<()> {
            out.clear();
            for item in chunk {
                out.extend_from_slice(b",\n    ");
                write(item, out)?;
            }
            Ok(())
        })?;
        Ok(bufs)
    };
    // Bounded memory: two batches of text at a time (tens of MB). The next batch is
    // serialised on another thread while this one writes the last (the writes overlap).
    let mut batches = (0..n).step_by(batch).map(|s| s..(s + batch).min(n));
    let mut first = true;
    std::thread::scope(|s| -> std::io::Result<()> {
        let (serialise, get) = (&serialise, &get);
        let mut next = batches.next().map(|b| s.spawn(move || serialise(&get(b), Vec::new())));
        let mut spare = Vec::new();
        while let Some(job) = next {
            let texts = job.join().map_err(|_| std::io::Error::other("serialising the report failed"))??;
            let bufs = std::mem::take(&mut spare);
            next = batches.next().map(|b| s.spawn(move || serialise(&get(b), bufs)));
            for t in &texts {
                // The first element has no comma before it.
                w.write_all(if first { &t[1..] } else { t })?;
                first = false;
            }
            spare = texts;
        }
        Ok(())
    })?;
    w.write_all(b"\n  ]")
}

/// CSV header of [`write_parts_csv`].
pub const CSV_HEADER: [&str; 7] = ["zone_id", "zone_name", "level", "admin_id", "admin_name", "area_km2", "share"];

/// Writes one row per part: `zone_id,zone_name,level,admin_id,admin_name,area_km2,share`.
pub fn write_parts_csv(path: &Path, report: &Report) -> std::io::Result<()> {
    write_parts_csv_with(path, &Zones::Held(&report.zones))
}

/// [`write_parts_csv`] for the zones of `zones` (built a batch at a time with [`Zones::Built`]).
pub fn write_parts_csv_with(path: &Path, zones: &Zones) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Rows are formatted in parallel, 512 zones to a buffer, a batch of buffers at a time.
    const BATCH: usize = 1 << 14;
    const CHUNK: usize = 512;
    let rows = |range: std::ops::Range<usize>| -> std::io::Result<Vec<u8>> {
        use std::fmt::Write;
        let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        // The numbers are formatted into buffers reused row after row.
        let (mut level, mut area, mut share) = (String::new(), String::new(), String::new());
        zones.for_each_part(range, |zone_id, zone_name, l, id, name, area_km2, s| {
            level.clear();
            area.clear();
            share.clear();
            let _ = write!(level, "{l}");
            let _ = write!(area, "{area_km2:.6}");
            let _ = write!(share, "{s:.8}");
            c.write_record([zone_id, zone_name, &level, id, name, &area, &share])
        })?;
        c.into_inner().map_err(|e| e.into_error())
    };
    let n = zones.len();
    write_atomic_with(path, |w| {
        let mut c = csv::Writer::from_writer(&mut *w);
        c.write_record(CSV_HEADER)?;
        c.flush()?;
        drop(c);
        for start in (0..n).step_by(BATCH) {
            let end = (start + BATCH).min(n);
            let texts: Vec<Vec<u8>> = (start..end)
                .into_par_iter()
                .step_by(CHUNK)
                .map(|s| rows(s..(s + CHUNK).min(end)))
                .collect::<std::io::Result<_>>()?;
            for t in &texts {
                w.write_all(t)?;
            }
        }
        w.flush()
    })
}

/// Header of the burden CSV.
pub const BURDEN_CSV_HEADER: [&str; 12] = [
    "level",
    "id",
    "name",
    "member_of",
    "observer_of",
    "partners",
    "eco_layer",
    "cut_zones",
    "cut_area_km2",
    "cut_area_share",
    "border_km",
    "bodies",
];

/// Each jurisdiction's coordination burden: one row per unit and eco layer (`member_of`,
/// `observer_of` and `partners` are counts; `bodies` lists the ids of the bodies it votes in,
/// separated by `;`).
pub fn write_burden_csv(path: &Path, report: &Report) -> std::io::Result<()> {
    write_atomic_with(path, |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(BURDEN_CSV_HEADER)?;
        for j in &report.jurisdictions {
            for l in &j.layers {
                c.write_record([
                    &j.level.to_string(),
                    &j.id,
                    &j.name,
                    &j.member_of.len().to_string(),
                    &j.observer_of.len().to_string(),
                    &j.partners.len().to_string(),
                    &l.layer,
                    &l.cut_zones.to_string(),
                    &format!("{:.6}", l.cut_area_km2),
                    &format!("{:.8}", l.cut_area_share),
                    &format!("{:.3}", l.border_km),
                    &j.member_of.join(";"),
                ])?;
            }
        }
        c.flush()
    })
}

/// GeoJSON geometry of a multipolygon.
pub fn geometry_json(mp: &MultiPolygon<f64>) -> Value {
    let polys: Vec<Value> =
        mp.0.iter()
            .map(|p| {
                let rings: Vec<Value> = std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| Value::Array(r.0.iter().map(|c| json!([c.x, c.y])).collect()))
                    .collect();
                Value::Array(rings)
            })
            .collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
}

fn write_collection(path: &Path, features: Vec<Value>) -> std::io::Result<()> {
    write_atomic_with(path, |w| {
        use std::io::Write;
        let mut b = std::io::BufWriter::with_capacity(1 << 20, w); // see write_report_json
        serde_json::to_writer(&mut b, &json!({"type": "FeatureCollection", "features": features}))
            .map_err(std::io::Error::other)?;
        b.write_all(b"\n")?;
        b.flush()
    })
}

/// The zones with their results, in report order: (attributes, geometry).
pub fn zone_features<'a>(
    study: &'a Study,
    report: &Report,
) -> Vec<(serde_json::Map<String, Value>, &'a MultiPolygon<f64>)> {
    let zones = study.eco.iter().flat_map(|e| e.layer.units.iter());
    report.zones.iter().zip(zones).map(|(z, zone)| (zone_properties(z), &zone.geometry)).collect()
}

/// A zone's attributes (flat, for QGIS or a web map): `id`, `name`, `layer`, `area_km2`,
/// `cut_any_level`, and per admin level `L{i}_cut`, `L{i}_parts` (count),
/// `L{i}_largest_share`, `L{i}_effective_n`, `L{i}_uncovered_share`, `L{i}_border_km`,
/// `L{i}_jurisdictions` (`id=share` by share, `;`-separated). Shares are 0..1, areas km².
pub fn zone_properties(z: &crate::report::ZoneReport) -> serde_json::Map<String, Value> {
    let mut props = serde_json::Map::new();
    props.insert("id".into(), json!(z.id));
    props.insert("name".into(), json!(z.name));
    props.insert("layer".into(), json!(z.layer));
    props.insert("area_km2".into(), json!(z.area_km2));
    props.insert("cut_any_level".into(), json!(z.levels.iter().any(|l| l.cut)));
    for l in &z.levels {
        let p = format!("L{}_", l.level);
        props.insert(format!("{p}cut"), json!(l.cut));
        props.insert(format!("{p}parts"), json!(l.parts.len()));
        props.insert(format!("{p}largest_share"), json!(l.largest_share));
        props.insert(format!("{p}effective_n"), json!(l.effective_n));
        props.insert(format!("{p}uncovered_share"), json!(l.uncovered_share));
        props.insert(format!("{p}border_km"), json!(l.border_km));
        let ids: Vec<String> = l.parts.iter().map(|p| format!("{}={:.4}", p.id, p.share)).collect();
        props.insert(format!("{p}jurisdictions"), json!(ids.join(";")));
    }
    props
}

/// Writes the zones with their results as properties ([`zone_properties`]).
pub fn write_zones_geojson(path: &Path, study: &Study, report: &Report) -> std::io::Result<()> {
    study.outlines_held("a GeoJSON of zones").map_err(std::io::Error::other)?;
    let features = zone_features(study, report)
        .into_iter()
        .map(|(props, g)| json!({"type": "Feature", "properties": props, "geometry": geometry_json(g)}))
        .collect();
    write_collection(path, features)
}

/// The bodies with their extent: (attributes, geometry).
pub fn body_features(
    study: &Study,
    bodies: &[crate::governance::Body],
    reports: &[BodyReport],
) -> Vec<(serde_json::Map<String, Value>, MultiPolygon<f64>)> {
    bodies
        .iter()
        .zip(reports)
        .map(|(b, r)| {
            let extent = b.extent(study);
            let area: f64 = extent.0.iter().map(polygon_area_km2).sum();
            (body_properties(r, area), extent)
        })
        .collect()
}

/// A body's attributes: `id`, `level`, `layer`, `zones`, `area_km2`, members (names, ids,
/// shares 0..1, cost shares 0..1; `;`-separated), `observers`, `convener`, `chair`,
/// `parent_body`.
pub fn body_properties(r: &BodyReport, area_km2: f64) -> serde_json::Map<String, Value> {
    let join = |v: Vec<String>| v.join(";");
    let json = json!({
        "id": r.id,
        "level": r.level,
        "layer": r.layer,
        "zones": r.zones.join(";"),
        "area_km2": area_km2,
        "members": join(r.members.iter().map(|m| m.name.clone()).collect()),
        "member_ids": join(r.members.iter().map(|m| m.id.clone()).collect()),
        "member_shares": join(r.members.iter().map(|m| format!("{:.4}", m.share)).collect()),
        "cost_shares": join(r.members.iter().map(|m| format!("{:.4}", m.cost_share)).collect()),
        "observers": join(r.observers.iter().map(|o| o.name.clone()).collect()),
        "convener": r.convener.name,
        "chair": r.chair.first,
        "parent_body": r.parent_body,
    });
    match json {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// Writes each body's extent with its members as properties ([`body_properties`]).
pub fn write_bodies_geojson(
    path: &Path,
    study: &Study,
    bodies: &[crate::governance::Body],
    reports: &[BodyReport],
) -> std::io::Result<()> {
    study.outlines_held("a GeoJSON of bodies").map_err(std::io::Error::other)?;
    let features = body_features(study, bodies, reports)
        .into_iter()
        .map(|(props, g)| json!({"type": "Feature", "properties": props, "geometry": geometry_json(&g)}))
        .collect();
    write_collection(path, features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_member_arrays_are_serde_json_pretty_text() {
        let items: Vec<Value> = (0..300)
            .map(
                |i| json!({"i": i, "s": "a\nb \" {", "v": [i, {"e": [], "o": {}}], "n": null, "f": 0.1 * f64::from(i)}),
            )
            .collect();
        for n in [0, 1, 2, 299, 300] {
            for batch in [1, 7, 1 << 14] {
                let mut text = b"{\n  \"a\": ".to_vec();
                write_member_array(&mut text, &items[..n], batch, indented).unwrap();
                text.extend_from_slice(b",\n  \"b\": 1\n}");
                let want = serde_json::to_string_pretty(&json!({"a": items[..n], "b": 1})).unwrap();
                assert_eq!(String::from_utf8(text).unwrap(), want, "{n} items, batches of {batch}");
            }
        }
    }

    #[test]
    fn member_arrays_are_written_one_compact_element_a_line() {
        let deep = (0..40).fold(json!([1, {}]), |v, i| json!({"k": [v, i]}));
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"i": i, "v": [i, {"s": "a\nb"}], "e": [], "d": (if i % 100 == 0 { deep.clone() } else { json!(null) })}))
            .collect();
        for n in [0, 1, 2, 999, 1000] {
            for batch in [1, 7, 64, 1 << 16] {
                let mut text = b"{\n  \"a\": ".to_vec();
                write_member_array(&mut text, &items[..n], batch, compact).unwrap();
                text.extend_from_slice(b"\n}");
                let text = String::from_utf8(text).unwrap();
                let parsed: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(parsed, json!({"a": items[..n]}), "{n} items, batches of {batch}");
                let lines: Vec<&str> = text.lines().collect();
                if n > 0 {
                    assert_eq!(lines.len(), n + 4, "one line per element");
                    for (line, item) in lines[2..n + 2].iter().zip(&items) {
                        let element = line.strip_prefix("    ").unwrap().trim_end_matches(',');
                        assert_eq!(element, serde_json::to_string(item).unwrap());
                    }
                } else {
                    assert_eq!(text, "{\n  \"a\": []\n}");
                }
            }
        }
    }
}
