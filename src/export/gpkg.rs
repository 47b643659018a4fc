//! GeoPackage output (OGC 12-128r18, version 1.4): a `zones` layer (each zone with its
//! analysis at every level), a `bodies` layer (each proposed body's extent) and a `parts`
//! attribute table (one row per zone, level and jurisdiction). Geometry is WGS 84 lon/lat
//! (EPSG:4326) MultiPolygons; QGIS and GDAL open the file as it is. No spatial index is
//! written (readers build one when they need it).
//!
//! The file is written to a temporary path with SQLite's journal off, then renamed: a failed
//! run leaves no partial file and any previous file intact.

use super::{body_features, zone_features};
use crate::io::atomic::write_atomic_path;
use crate::io::wkb::write_multipolygon;
use crate::report::Report;
use crate::study::Study;
use geo::{BoundingRect, MultiPolygon};
use rusqlite::{Connection, params_from_iter, types::Value as Sql};
use serde_json::{Map, Value};
use std::path::Path;

const EPSG4326_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The GeoPackage geometry blob of `mp`: little-endian header, srs 4326, XY envelope, WKB.
pub fn geometry_blob(mp: &MultiPolygon<f64>) -> Vec<u8> {
    let mut b = vec![b'G', b'P', 0];
    match mp.bounding_rect() {
        Some(r) => {
            b.push(0b0000_0011); // little-endian, envelope [minx, maxx, miny, maxy]
            b.extend_from_slice(&4326i32.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            b.push(0b0001_0001); // little-endian, empty, no envelope
            b.extend_from_slice(&4326i32.to_le_bytes());
        }
    }
    write_multipolygon(mp, &mut b);
    b
}

/// One row of a table: attributes, and the geometry of a feature table.
type Row<'a> = (Map<String, Value>, Option<&'a MultiPolygon<f64>>);

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn sql_value(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => n.as_f64().map(Sql::Real).unwrap_or(Sql::Null),
        },
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// The SQL column type of a column holding `values`.
fn column_type<'a>(values: impl Iterator<Item = &'a Value>) -> &'static str {
    let mut t = None;
    for v in values {
        let this = match v {
            Value::Null => continue,
            Value::Bool(_) => "BOOLEAN",
            Value::Number(n) if n.is_f64() => "DOUBLE",
            Value::Number(_) => "INTEGER",
            _ => "TEXT",
        };
        t = Some(match (t, this) {
            (None, x) => x,
            (Some(a), b) if a == b => a,
            (Some("INTEGER" | "DOUBLE"), "INTEGER" | "DOUBLE") => "DOUBLE",
            _ => "TEXT",
        });
    }
    t.unwrap_or("TEXT")
}

/// Creates a table of `rows` (attributes and optional geometry) and registers it.
fn write_table(conn: &Connection, name: &str, rows: &[Row], features: bool) -> rusqlite::Result<()> {
    let mut columns: Vec<String> = Vec::new();
    for (props, _) in rows {
        for k in props.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut ddl = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string()];
    if features {
        ddl.push("geom MULTIPOLYGON".into());
    }
    for c in &columns {
        ddl.push(format!("{} {}", quote(c), column_type(rows.iter().filter_map(|r| r.0.get(c)))));
    }
    conn.execute_batch(&format!("CREATE TABLE {} ({});", quote(name), ddl.join(", ")))?;
    let mut names: Vec<String> = Vec::new();
    if features {
        names.push("geom".into());
    }
    names.extend(columns.iter().map(|c| quote(c)));
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let mut st = conn.prepare(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(name),
        names.join(", "),
        placeholders.join(", ")
    ))?;
    let mut bounds: Option<geo::Rect<f64>> = None;
    for (props, g) in rows {
        let mut values: Vec<Sql> = Vec::with_capacity(names.len());
        if features {
            let g = g.cloned().unwrap_or_else(|| MultiPolygon::new(vec![]));
            if let Some(r) = g.bounding_rect() {
                bounds = Some(match bounds {
                    None => r,
                    Some(b) => geo::Rect::new(
                        geo::Coord { x: b.min().x.min(r.min().x), y: b.min().y.min(r.min().y) },
                        geo::Coord { x: b.max().x.max(r.max().x), y: b.max().y.max(r.max().y) },
                    ),
                });
            }
            values.push(Sql::Blob(geometry_blob(&g)));
        }
        values.extend(columns.iter().map(|c| props.get(c).map(sql_value).unwrap_or(Sql::Null)));
        st.execute(params_from_iter(values))?;
    }
    let (min_x, min_y, max_x, max_y) = match bounds {
        Some(b) => (Sql::Real(b.min().x), Sql::Real(b.min().y), Sql::Real(b.max().x), Sql::Real(b.max().y)),
        None => (Sql::Null, Sql::Null, Sql::Null, Sql::Null),
    };
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id) \
         VALUES (?1, ?2, ?1, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            name,
            if features { "features" } else { "attributes" },
            format!("crossbound {name}"),
            min_x,
            min_y,
            max_x,
            max_y,
            if features { Sql::Integer(4326) } else { Sql::Null },
        ],
    )?;
    if features {
        conn.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?1, 'geom', 'MULTIPOLYGON', 4326, 0, 0)",
            [name],
        )?;
    }
    Ok(())
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA application_id = 1196444487;
         PRAGMA user_version = 10400;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
           description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
         INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');",
    )?;
    conn.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        [EPSG4326_WKT],
    )?;
    Ok(())
}

/// Writes zones, bodies and parts as a GeoPackage at `path` (atomically).
pub fn write_gpkg(
    path: &Path,
    study: &Study,
    report: &Report,
    bodies: &[crate::governance::Body],
) -> std::io::Result<()> {
    study.outlines_held("a GeoPackage of zones and bodies").map_err(std::io::Error::other)?;
    let zones: Vec<_> = zone_features(study, report).into_iter().map(|(p, g)| (p, Some(g))).collect();
    let body_rows = body_features(study, bodies, &report.bodies);
    let bodies: Vec<_> = body_rows.iter().map(|(p, g)| (p.clone(), Some(g))).collect();
    let parts: Vec<Row> = report
        .zones
        .iter()
        .flat_map(|z| {
            z.levels.iter().flat_map(move |l| {
                l.parts.iter().map(move |p| {
                    let v = serde_json::json!({
                        "layer": z.layer, "zone_id": z.id, "zone_name": z.name, "level": l.level,
                        "admin_id": p.id, "admin_name": p.name, "area_km2": p.area_km2, "share": p.share,
                    });
                    (if let Value::Object(m) = v { m } else { Map::new() }, None)
                })
            })
        })
        .collect();
    write_atomic_path(path, |tmp| {
        let mut conn = Connection::open(tmp).map_err(std::io::Error::other)?;
        // A fresh temporary file made atomic by the rename: no journal needed.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;").map_err(std::io::Error::other)?;
        let tx = conn.transaction().map_err(std::io::Error::other)?;
        (|| {
            create_schema(&tx)?;
            write_table(&tx, "zones", &zones, true)?;
            write_table(&tx, "bodies", &bodies, true)?;
            write_table(&tx, "parts", &parts, false)
        })()
        .map_err(std::io::Error::other)?;
        tx.commit().map_err(std::io::Error::other)?;
        conn.close().map_err(|(_, e)| std::io::Error::other(e))
    })
}
