//! GeoParquet 1.0/1.1 decoder, on the `parquet` crate's row reader (no Arrow: a lighter
//! build). Reads the `geo` file metadata: the primary geometry column, its encoding (WKB), and
//! its CRS as PROJJSON (absent: OGC:CRS84, lon/lat). Snappy, zstd, gzip and LZ4 compressed
//! files (as GDAL, GeoPandas and DuckDB write them) are read.
//!
//! A Parquet file without `geo` metadata but with a binary column named `geometry`, `geom`
//! or `wkb_geometry` (older DuckDB exports) is read as WKB in lon/lat, with a warning.

use super::LoadError;
use super::decode::{Decoded, number_value};
use super::wkb::WkbBlob;
use crate::crs;
use parquet::basic::Type as PhysicalType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::{Map, Value};

/// The CRS a GeoParquet column declares: `None` for OGC:CRS84 (absent) or unknown (null).
pub fn crs_of(column: &Value) -> Option<String> {
    match column.get("crs") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(crs::normalize_name(s)),
        Some(projjson) => {
            let id = projjson.get("id");
            let auth = id.and_then(|i| i.get("authority")).and_then(Value::as_str);
            let code = id.and_then(|i| i.get("code")).map(|c| match c {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            match (auth, code) {
                (Some(a), Some(c)) => Some(crs::normalize_name(&format!("{a}:{c}"))),
                _ => Some(projjson.to_string()),
            }
        }
    }
}

/// Decodes a GeoParquet file held in memory.
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<Decoded<Option<WkbBlob>>, LoadError> {
    let fmt = |msg: String| LoadError::format(path, msg);
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| fmt(format!("not a readable Parquet file (truncated?): {e}")))?;
    let meta = reader.metadata().file_metadata();
    let mut out = Decoded::new();
    let geo: Option<Value> = meta
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.as_deref())
        .map(|v| serde_json::from_str(v).map_err(|e| fmt(format!("the \"geo\" metadata is not valid JSON: {e}"))))
        .transpose()?;
    let schema = meta.schema_descr();
    let binary_columns: Vec<String> = schema
        .columns()
        .iter()
        .filter(|c| c.physical_type() == PhysicalType::BYTE_ARRAY && c.path().parts().len() == 1)
        .map(|c| c.name().to_string())
        .collect();
    let geom_col = match &geo {
        Some(g) => {
            let primary = g
                .get("primary_column")
                .and_then(Value::as_str)
                .ok_or_else(|| fmt("the \"geo\" metadata names no primary_column".into()))?
                .to_string();
            let col = g.get("columns").and_then(|c| c.get(&primary)).cloned().unwrap_or(Value::Null);
            let encoding = col.get("encoding").and_then(Value::as_str).unwrap_or("WKB");
            if !encoding.eq_ignore_ascii_case("WKB") {
                return Err(fmt(format!(
                    "geometry column \"{primary}\" is encoded as {encoding}; crossbound reads WKB-encoded GeoParquet (rewrite it with GEOMETRY_ENCODING=WKB)"
                )));
            }
            if col.get("edges").and_then(Value::as_str) == Some("spherical") {
                out.warnings.push((
                    "the file declares spherical edges; crossbound treats edges as straight in lon/lat".into(),
                    1,
                ));
            }
            out.declared_crs = crs_of(&col);
            primary
        }
        None => {
            let found = ["geometry", "geom", "wkb_geometry"].iter().find(|n| binary_columns.iter().any(|c| c == *n));
            let Some(n) = found else {
                return Err(fmt(format!(
                    "a Parquet file with no geometry column (no GeoParquet \"geo\" metadata, and no binary column named geometry, geom or wkb_geometry; columns: {})",
                    schema.columns().iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                )));
            };
            out.warnings.push((
                format!(
                    "no GeoParquet metadata: column \"{n}\" read as WKB in lon/lat WGS 84 (give crs= if it is not)"
                ),
                1,
            ));
            n.to_string()
        }
    };
    if !binary_columns.contains(&geom_col) {
        return Err(fmt(format!("geometry column \"{geom_col}\" is missing or not a binary (WKB) column")));
    }
    let rows = reader.get_row_iter(None).map_err(|e| fmt(format!("cannot read rows: {e}")))?;
    for row in rows {
        let index = out.features.len();
        let row = row.map_err(|e| LoadError::Feature {
            path: path.to_string(),
            index,
            id: String::new(),
            msg: format!("corrupt Parquet row: {e}"),
        })?;
        let mut props = Map::new();
        let mut geometry = None;
        for (name, field) in row.get_column_iter() {
            if *name == geom_col {
                if let Field::Bytes(b) = field {
                    geometry = Some(WkbBlob(b.data().to_vec()));
                }
                continue;
            }
            let v = match field {
                Field::Double(x) => number_value(*x),
                Field::Float(x) => number_value(*x as f64),
                Field::Bytes(_) => continue,
                other => other.to_json_value(),
            };
            props.insert(name.clone(), v);
        }
        out.push(None, props, geometry);
    }
    if out.features.is_empty() {
        return Err(fmt("the GeoParquet file has no rows".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crs_from_projjson_ids_strings_and_absence() {
        assert_eq!(crs_of(&json!({"encoding": "WKB"})), None);
        assert_eq!(crs_of(&json!({"crs": null})), None);
        assert_eq!(crs_of(&json!({"crs": {"id": {"authority": "EPSG", "code": 4326}}})).as_deref(), Some("EPSG:4326"));
        assert_eq!(
            crs_of(&json!({"crs": {"id": {"authority": "OGC", "code": "CRS84"}}})).as_deref(),
            Some("OGC:CRS84")
        );
        let anon = crs_of(&json!({"crs": {"type": "ProjectedCRS", "name": "x"}})).unwrap();
        assert!(anon.starts_with('{'));
    }

    #[test]
    fn not_parquet_is_a_clear_error() {
        let e = decode("x.parquet", b"PAR1 this is not parquet".to_vec()).err().unwrap().to_string();
        assert!(e.starts_with("x.parquet: not a readable Parquet file"), "{e}");
    }
}
