//! GeoPackage decoder (OGC 12-128r18), on SQLite through `rusqlite`.
//!
//! A file may hold several feature tables: the layer is chosen with `layer=NAME`; a file with
//! one polygon layer needs none, and a file with several and no choice is an error listing
//! them. The CRS comes from `gpkg_spatial_ref_sys`: `EPSG:code` or `ESRI:code` when the
//! organisation is one PROJ knows, else the WKT definition. Geometry blobs (GeoPackage header,
//! optional envelope, then WKB) are decoded by the builder, in parallel.

use super::LoadError;
use super::decode::{Decoded, Geom, GeometrySource, number_value};
use super::wkb;
use crate::crs;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};
use std::path::Path;

/// A GeoPackage geometry blob (`None`: SQL NULL), decoded by the builder.
pub struct GpkgBlob(pub Option<Vec<u8>>);

impl GeometrySource for GpkgBlob {
    fn decode(self) -> Result<Geom, String> {
        match self.0 {
            None => Ok(Geom::Null),
            Some(b) => parse_blob(&b),
        }
    }
}

/// Decodes a GeoPackage binary geometry: `GP`, version, flags, srs id, envelope, WKB.
pub fn parse_blob(b: &[u8]) -> Result<Geom, String> {
    if b.len() < 8 || &b[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob (no \"GP\" header)".into());
    }
    let flags = b[3];
    if flags & 0x20 != 0 {
        return Err("extended GeoPackage geometry types are not supported".into());
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("invalid GeoPackage envelope indicator {e}")),
    };
    if flags & 0x10 != 0 {
        return Ok(Geom::Empty);
    }
    let start = 8 + envelope;
    if b.len() <= start {
        return Err(format!("GeoPackage geometry blob truncated ({} bytes, header needs {start})", b.len()));
    }
    wkb::parse(&b[start..])
}

fn sqlite_err(path: &Path, e: rusqlite::Error) -> LoadError {
    LoadError::format(path.display(), format!("GeoPackage (SQLite) error: {e}"))
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn open(path: &Path) -> Result<Connection, LoadError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| sqlite_err(path, e))?;
    let has: bool = conn
        .query_row(
            "SELECT count(*) = 2 FROM sqlite_master WHERE type IN ('table','view') AND name IN ('gpkg_contents','gpkg_geometry_columns')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| {
            LoadError::format(
                path.display(),
                format!("not a readable SQLite database (truncated or corrupt?): {e}"),
            )
        })?;
    if !has {
        return Err(LoadError::format(
            path.display(),
            "SQLite database without GeoPackage tables (gpkg_contents, gpkg_geometry_columns): not a GeoPackage",
        ));
    }
    Ok(conn)
}

/// Feature layers: (table, geometry column, geometry type name, srs id).
fn feature_layers(conn: &Connection, path: &Path) -> Result<Vec<(String, String, String, i64)>, LoadError> {
    let mut st = conn
        .prepare(
            "SELECT c.table_name, g.column_name, upper(g.geometry_type_name), g.srs_id FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             WHERE c.data_type = 'features' ORDER BY c.table_name",
        )
        .map_err(|e| sqlite_err(path, e))?;
    let rows =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(|e| sqlite_err(path, e))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| sqlite_err(path, e))
}

fn is_polygonal(kind: &str) -> bool {
    matches!(
        kind,
        "POLYGON" | "MULTIPOLYGON" | "GEOMETRY" | "GEOMETRYCOLLECTION" | "CURVEPOLYGON" | "MULTISURFACE" | "SURFACE"
    )
}

/// The file's polygon layers (tables whose declared geometry type can hold polygons).
pub fn polygon_layers(path: &Path) -> Result<Vec<String>, LoadError> {
    let conn = open(path)?;
    let all = feature_layers(&conn, path)?;
    polygon_only(path, all).map(|v| v.into_iter().map(|l| l.0).collect())
}

fn polygon_only(
    path: &Path,
    all: Vec<(String, String, String, i64)>,
) -> Result<Vec<(String, String, String, i64)>, LoadError> {
    if all.is_empty() {
        return Err(LoadError::format(path.display(), "the GeoPackage has no feature layer"));
    }
    let (poly, other): (Vec<_>, Vec<_>) = all.into_iter().partition(|l| is_polygonal(&l.2));
    if poly.is_empty() {
        let list: Vec<String> = other.iter().map(|l| format!("\"{}\" ({})", l.0, l.2.to_lowercase())).collect();
        return Err(LoadError::format(
            path.display(),
            format!("no polygon layer, only points or lines: {}", list.join(", ")),
        ));
    }
    Ok(poly)
}

/// The CRS of `srs_id` as PROJ understands it; `None` for the undefined systems (-1, 0).
fn srs(conn: &Connection, path: &Path, srs_id: i64) -> Result<Option<String>, LoadError> {
    if srs_id == -1 || srs_id == 0 {
        return Ok(None);
    }
    let row: Option<(String, i64, String)> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map(Some)
        .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
        .map_err(|e| sqlite_err(path, e))?;
    let Some((org, code, def)) = row else {
        return Err(LoadError::format(path.display(), format!("srs_id {srs_id} is not in gpkg_spatial_ref_sys")));
    };
    let org = org.to_ascii_uppercase();
    Ok(Some(if (org == "EPSG" || org == "ESRI") && code > 0 {
        crs::normalize_name(&format!("{org}:{code}"))
    } else if !def.trim().is_empty() && !def.eq_ignore_ascii_case("undefined") {
        def
    } else {
        return Err(LoadError::format(
            path.display(),
            format!("srs_id {srs_id} ({org}:{code}) has no definition PROJ could use; give crs= for the layer"),
        ));
    }))
}

/// Decodes one layer of a GeoPackage; returns the layer's name with it.
pub fn decode(path: &Path, layer: Option<&str>) -> Result<(String, Decoded<GpkgBlob>), LoadError> {
    let conn = open(path)?;
    let all = feature_layers(&conn, path)?;
    let names =
        |v: &[(String, String, String, i64)]| v.iter().map(|l| format!("\"{}\"", l.0)).collect::<Vec<_>>().join(", ");
    let (table, geom_col, _, srs_id) = match layer {
        Some(name) => all.iter().find(|l| l.0 == name).cloned().ok_or_else(|| {
            LoadError::format(path.display(), format!("no layer \"{name}\"; the layers are {}", names(&all)))
        })?,
        None => {
            let poly = polygon_only(path, all)?;
            if poly.len() > 1 {
                return Err(LoadError::format(
                    path.display(),
                    format!(
                        "the GeoPackage has {} polygon layers: choose one with layer=NAME ({})",
                        poly.len(),
                        names(&poly)
                    ),
                ));
            }
            poly.into_iter().next().ok_or_else(|| LoadError::format(path.display(), "no polygon layer"))?
        }
    };
    let source = format!("{} (layer \"{table}\")", path.display());
    let layer_err = |e: rusqlite::Error| LoadError::format(&source, format!("GeoPackage (SQLite) error: {e}"));
    let mut out = Decoded::new();
    out.declared_crs = srs(&conn, path, srs_id)?;
    out.layer_name = Some(table.clone());

    // The primary key is the feature id, as GDAL reports it.
    let mut pk: Option<String> = None;
    {
        let mut st = conn.prepare(&format!("PRAGMA table_info({})", quote(&table))).map_err(layer_err)?;
        let cols = st.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?))).map_err(layer_err)?;
        for c in cols {
            let (name, is_pk) = c.map_err(layer_err)?;
            if is_pk == 1 && pk.is_none() {
                pk = Some(name);
            }
        }
    }
    let mut st = conn.prepare(&format!("SELECT * FROM {}", quote(&table))).map_err(layer_err)?;
    let names: Vec<String> = st.column_names().map(str::to_string).collect();
    let mut rows = st.query([]).map_err(layer_err)?;
    while let Some(row) = rows.next().map_err(layer_err)? {
        let mut props = Map::new();
        let mut id = None;
        let mut blob = None;
        for (i, name) in names.iter().enumerate() {
            let v = row.get_ref(i).map_err(layer_err)?;
            if *name == geom_col {
                match v {
                    ValueRef::Blob(b) => blob = Some(b.to_vec()),
                    ValueRef::Null => {}
                    _ => {
                        return Err(LoadError::Feature {
                            path: source.clone(),
                            index: out.features.len(),
                            id: String::new(),
                            msg: format!("geometry column \"{geom_col}\" holds a non-blob value"),
                        });
                    }
                }
                continue;
            }
            let value = match v {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(x) => Value::from(x),
                ValueRef::Real(x) => number_value(x),
                ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => continue,
            };
            if pk.as_deref() == Some(name.as_str()) {
                id = Some(value);
            } else {
                props.insert(name.clone(), value);
            }
        }
        out.push(id, props, GpkgBlob(blob));
    }
    Ok((table, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_header_envelopes_and_empty_flag() {
        let mut w = Vec::new();
        use geo::polygon;
        let sq = geo::MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)]]);
        wkb::write_multipolygon(&sq, &mut w);
        // Little-endian header, envelope [minx, maxx, miny, maxy] (indicator 1).
        let mut b = vec![b'G', b'P', 0, 0b0000_0011];
        b.extend_from_slice(&4326i32.to_le_bytes());
        for v in [0.0f64, 1.0, 0.0, 1.0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&w);
        assert!(matches!(parse_blob(&b).unwrap(), Geom::Polygons(_)));
        let empty = [b'G', b'P', 0, 0b0001_0001, 0, 0, 0, 0];
        assert_eq!(parse_blob(&empty).unwrap(), Geom::Empty);
        assert!(parse_blob(b"XX").unwrap_err().contains("GP"));
        assert!(parse_blob(&[b'G', b'P', 0, 0b0000_1111, 0, 0, 0, 0]).unwrap_err().contains("envelope"));
        assert!(parse_blob(&b[..20]).unwrap_err().contains("truncated"));
    }
}
