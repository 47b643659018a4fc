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
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
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

fn rows(study: &Study, with_geometry: bool) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for (e, eco) in study.eco.iter().enumerate() {
        for (z, zone) in eco.layer.units.iter().enumerate() {
            for (l, zo) in study.overlay[e][z].iter().enumerate() {
                let level = &study.hierarchy.levels[l].indexed.layer;
                for p in &zo.pieces {
                    let unit = &level.units[p.unit];
                    let geometry = with_geometry.then(|| {
                        let mut b = Vec::new();
                        write_multipolygon(&p.to_multipolygon(zone, unit), &mut b);
                        b
                    });
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
    out
}

/// Writes the parts table of `study` to `path`; with `with_geometry`, each piece's geometry
/// as WKB, with GeoParquet metadata.
pub fn write_parts_parquet(path: &Path, study: &Study, with_geometry: bool) -> std::io::Result<()> {
    let rows = rows(study, with_geometry);
    let mut message = String::from(
        "message parts { required binary layer (STRING); required binary zone_id (STRING); \
         required binary zone_name (STRING); required int32 level; required binary level_name (STRING); \
         required binary unit_id (STRING); required binary unit_name (STRING); required double area_km2; \
         required double share;",
    );
    let mut kv =
        vec![KeyValue::new("crossbound".into(), format!("parts table, crossbound {}", env!("CARGO_PKG_VERSION")))];
    if with_geometry {
        message.push_str(" optional binary geometry;");
        let crs: serde_json::Value =
            serde_json::from_str(&crate::crs::projjson(crate::crs::LONLAT).map_err(std::io::Error::other)?)
                .map_err(std::io::Error::other)?;
        let geo = serde_json::json!({
            "version": "1.1.0",
            "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["MultiPolygon"], "crs": crs}},
        });
        kv.push(KeyValue::new("geo".into(), geo.to_string()));
    }
    message.push_str(" }");
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
        for chunk in rows.chunks(ROW_GROUP) {
            let mut rg = w.next_row_group().map_err(std::io::Error::other)?;
            let mut i = 0;
            while let Some(mut col) = rg.next_column().map_err(std::io::Error::other)? {
                let strings = |f: for<'r> fn(&'r Row<'r>) -> &'r str| {
                    chunk.iter().map(|r| ByteArray::from(f(r))).collect::<Vec<_>>()
                };
                let doubles = |f: fn(&Row) -> f64| chunk.iter().map(f).collect::<Vec<_>>();
                let r = match i {
                    0 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.layer), None, None),
                    1 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.zone_id), None, None),
                    2 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.zone_name), None, None),
                    3 => col.typed::<Int32Type>().write_batch(
                        &chunk.iter().map(|r| r.level).collect::<Vec<_>>(),
                        None,
                        None,
                    ),
                    4 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.level_name), None, None),
                    5 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.unit_id), None, None),
                    6 => col.typed::<ByteArrayType>().write_batch(&strings(|r| r.unit_name), None, None),
                    7 => col.typed::<DoubleType>().write_batch(&doubles(|r| r.area_km2), None, None),
                    8 => col.typed::<DoubleType>().write_batch(&doubles(|r| r.share), None, None),
                    _ => {
                        let values: Vec<ByteArray> =
                            chunk.iter().filter_map(|r| r.geometry.clone().map(ByteArray::from)).collect();
                        let def: Vec<i16> = chunk.iter().map(|r| r.geometry.is_some() as i16).collect();
                        col.typed::<ByteArrayType>().write_batch(&values, Some(&def), None)
                    }
                };
                r.map_err(std::io::Error::other)?;
                col.close().map_err(std::io::Error::other)?;
                i += 1;
            }
            rg.close().map_err(std::io::Error::other)?;
        }
        w.close().map_err(std::io::Error::other)?;
        Ok(())
    })
}
