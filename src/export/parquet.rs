//! The overlay's parts table as Parquet: the seam that analysis, governance, scenarios and
//! the scale-out path share. One row per piece of a zone in an admin unit, slivers included
//! (the analysis decides what a sliver is), in the overlay's order: eco layer, zone, level,
//! unit.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `layer` | string | eco layer name |
//! | `zone_id`, `zone_name` | string | the zone |
//! | `level` | int32 | admin level, 0 = coarsest |
//! | `level_name` | string | admin layer name |
//! | `unit_id`, `unit_name` | string | the admin unit |
//! | `area_km2` | double | piece area on the WGS 84 ellipsoid, km² |
//! | `share` | double | piece area / zone area, 0..1 |
//! | `geometry` | binary (WKB), optional | only with geometry asked for: GeoParquet 1.1, OGC:CRS84 |
//!
//! zstd-compressed, row groups of 65,536 rows, written atomically.

use crate::io::atomic::write_atomic_path;
use crate::io::wkb::write_multipolygon;
use crate::study::Study;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::path::Path;
use std::sync::Arc;

const ROW_GROUP: usize = 65_536;

/// One row of the parts table.
struct Row<'a> {
    layer: &'a str,
    zone_id: &'a str,
    zone_name: &'a str,
    level: i32,
    level_name: &'a str,
    unit_id: &'a str,
    unit_name: &'a str,
    area_km2: f64,
    share: f64,
    geometry: Option<Vec<u8>>,
}

fn rows(study: &Study, with_geometry: bool) -> std::io::Result<Vec<Row<'_>>> {
    let mut out = Vec::new();
    for (e, eco) in study.eco.iter().enumerate() {
        for (z, zone) in eco.layer.units.iter().enumerate() {
            for (l, zo) in study.overlay[e][z].iter().enumerate() {
                let level = &study.hierarchy.levels[l].indexed.layer;
                for p in &zo.pieces {
                    let unit = &level.units[p.unit];
                    let geometry = match with_geometry {
                        true => {
                            let mut b = Vec::new();
                            write_multipolygon(&p.to_multipolygon(zone, unit).map_err(std::io::Error::other)?, &mut b);
                            Some(b)
                        }
                        false => None,
                    };
                    out.push(Row {
                        layer: &eco.layer.name,
                        zone_id: &zone.id,
                        zone_name: &zone.name,
                        level: l as i32,
                        level_name: &level.name,
                        unit_id: &unit.id,
                        unit_name: &unit.name,
                        area_km2: p.area_km2,
                        share: if zone.area_km2 > 0.0 { p.area_km2 / zone.area_km2 } else { 0.0 },
                        geometry,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A column of a table to write: name and values (all columns of a table have one length).
pub enum Column<'a> {
    /// UTF-8 strings.
    Str(&'static str, Vec<&'a str>),
    /// Optional UTF-8 strings.
    OptStr(&'static str, Vec<Option<&'a str>>),
    /// 32-bit integers.
    I32(&'static str, Vec<i32>),
    /// 64-bit integers.
    I64(&'static str, Vec<i64>),
    /// Doubles.
    F64(&'static str, Vec<f64>),
    /// Optional WKB geometries: the table becomes GeoParquet 1.1 (OGC:CRS84, MultiPolygon).
    Geometry(&'static str, Vec<Option<Vec<u8>>>),
}

impl Column<'_> {
    fn schema(&self) -> String {
        match self {
            Column::Str(n, _) => format!("required binary {n} (STRING);"),
            Column::OptStr(n, _) => format!("optional binary {n} (STRING);"),
            Column::I32(n, _) => format!("required int32 {n};"),
            Column::I64(n, _) => format!("required int64 {n};"),
            Column::F64(n, _) => format!("required double {n};"),
            Column::Geometry(n, _) => format!("optional binary {n};"),
        }
    }
    fn len(&self) -> usize {
        match self {
            Column::Str(_, v) => v.len(),
            Column::OptStr(_, v) => v.len(),
            Column::I32(_, v) => v.len(),
            Column::I64(_, v) => v.len(),
            Column::F64(_, v) => v.len(),
            Column::Geometry(_, v) => v.len(),
        }
    }
}

fn optional_bytes<T: AsRef<[u8]>>(v: &[Option<T>]) -> (Vec<ByteArray>, Vec<i16>) {
    let values = v.iter().flatten().map(|b| ByteArray::from(b.as_ref().to_vec())).collect();
    let def = v.iter().map(|b| b.is_some() as i16).collect();
    (values, def)
}

/// Writes `columns` as a Parquet table at `path` (atomically), zstd-compressed, in row groups
/// of `row_group` rows (a spatially sorted table then lets readers prune by row group). A
/// [`Column::Geometry`] makes it GeoParquet 1.1 with its CRS (OGC:CRS84) as PROJJSON.
pub fn write_table(path: &Path, name: &str, columns: &[Column], row_group: usize) -> std::io::Result<()> {
    let rows = columns.first().map_or(0, Column::len);
    if columns.iter().any(|c| c.len() != rows) {
        return Err(std::io::Error::other("columns of different lengths"));
    }
    let message = format!("message {name} {{ {} }}", columns.iter().map(Column::schema).collect::<Vec<_>>().join(" "));
    let mut kv = vec![KeyValue::new("crossbound".into(), format!("{name}, crossbound {}", env!("CARGO_PKG_VERSION")))];
    if let Some(Column::Geometry(g, _)) = columns.iter().find(|c| matches!(c, Column::Geometry(..))) {
        let crs: serde_json::Value =
            serde_json::from_str(&crate::crs::projjson(crate::crs::LONLAT).map_err(std::io::Error::other)?)
                .map_err(std::io::Error::other)?;
        let geo = serde_json::json!({
            "version": "1.1.0",
            "primary_column": g,
            "columns": {*g: {"encoding": "WKB", "geometry_types": ["MultiPolygon"], "crs": crs}},
        });
        kv.push(KeyValue::new("geo".into(), geo.to_string()));
    }
    let schema = Arc::new(parse_message_type(&message).map_err(std::io::Error::other)?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_key_value_metadata(Some(kv))
            .build(),
    );
    write_atomic_path(path, |tmp| {
        let file = std::fs::File::create(tmp)?;
        let mut w = SerializedFileWriter::new(file, schema, props).map_err(std::io::Error::other)?;
        let mut start = 0;
        while start < rows {
            let end = (start + row_group.max(1)).min(rows);
            let mut rg = w.next_row_group().map_err(std::io::Error::other)?;
            let mut i = 0;
            while let Some(mut col) = rg.next_column().map_err(std::io::Error::other)? {
                let r = match &columns[i] {
                    Column::Str(_, v) => {
                        let b: Vec<ByteArray> = v[start..end].iter().map(|s| ByteArray::from(*s)).collect();
                        col.typed::<ByteArrayType>().write_batch(&b, None, None)
                    }
                    Column::OptStr(_, v) => {
                        let (b, def) = optional_bytes(&v[start..end]);
                        col.typed::<ByteArrayType>().write_batch(&b, Some(&def), None)
                    }
                    Column::I32(_, v) => col.typed::<Int32Type>().write_batch(&v[start..end], None, None),
                    Column::I64(_, v) => col.typed::<Int64Type>().write_batch(&v[start..end], None, None),
                    Column::F64(_, v) => col.typed::<DoubleType>().write_batch(&v[start..end], None, None),
                    Column::Geometry(_, v) => {
                        let (b, def) = optional_bytes(&v[start..end]);
                        col.typed::<ByteArrayType>().write_batch(&b, Some(&def), None)
                    }
                };
                r.map_err(std::io::Error::other)?;
                col.close().map_err(std::io::Error::other)?;
                i += 1;
            }
            rg.close().map_err(std::io::Error::other)?;
            start = end;
        }
        w.close().map_err(std::io::Error::other)?;
        Ok(())
    })
}

/// Writes the parts table of `study` to `path`; with `with_geometry`, each piece's geometry
/// as WKB, with GeoParquet metadata.
pub fn write_parts_parquet(path: &Path, study: &Study, with_geometry: bool) -> std::io::Result<()> {
    if with_geometry {
        study.outlines_held("a parts table with geometry").map_err(std::io::Error::other)?;
    }
    let rows = rows(study, with_geometry)?;
    let strs = |f: for<'r> fn(&'r Row<'r>) -> &'r str| rows.iter().map(f).collect::<Vec<&str>>();
    let mut columns = vec![
        Column::Str("layer", strs(|r| r.layer)),
        Column::Str("zone_id", strs(|r| r.zone_id)),
        Column::Str("zone_name", strs(|r| r.zone_name)),
        Column::I32("level", rows.iter().map(|r| r.level).collect()),
        Column::Str("level_name", strs(|r| r.level_name)),
        Column::Str("unit_id", strs(|r| r.unit_id)),
        Column::Str("unit_name", strs(|r| r.unit_name)),
        Column::F64("area_km2", rows.iter().map(|r| r.area_km2).collect()),
        Column::F64("share", rows.iter().map(|r| r.share).collect()),
    ];
    if with_geometry {
        columns.push(Column::Geometry("geometry", rows.iter().map(|r| r.geometry.clone()).collect()));
    }
    write_table(path, "parts", &columns, ROW_GROUP)
}
