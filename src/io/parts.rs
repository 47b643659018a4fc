//! Reading a parts table (Parquet) computed elsewhere: by Apache Sedona running the job that
//! `crossbound export-job` writes, or by an earlier `crossbound analyze --parts`. The columns
//! are those `export::parquet` writes; `layer`, `zone_id`, `level`, `unit_id` and `area_km2`
//! are required, the others are ignored. Each row becomes an overlay piece of the named zone
//! in the named unit; shares are then computed by the analysis as everywhere (piece area over
//! crossbound's own ellipsoidal zone area).
//!
//! Every id must name a zone or unit of the layers given: the table must come from the same
//! inputs. Rows with no area (zones that only touch a unit) are skipped.

use crate::hierarchy::Hierarchy;
use crate::index::IndexedLayer;
use crate::model::Warning;
use crate::overlay::{Piece, PieceGeometry, ZonePieces};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::collections::HashMap;
use std::path::Path;

/// Why a parts table could not be used. Messages name the file and, for rows, the row.
#[derive(Debug, thiserror::Error)]
pub enum PartsError {
    /// The file could not be read or is not a parts table.
    #[error("{path}: {msg}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// One row does not fit the loaded layers.
    #[error("{path}: row {row}: {msg}")]
    Row {
        /// The file.
        path: String,
        /// Row index, from 0.
        row: usize,
        /// What is wrong.
        msg: String,
    },
}

/// Pieces `[eco layer][level]`, each a table by zone, as the overlay gives them (ascending
/// unit order).
pub type RawPieces = Vec<Vec<ZonePieces>>;

fn text(f: &Field) -> Option<String> {
    match f {
        Field::Str(s) => Some(s.clone()),
        Field::Bytes(b) => std::str::from_utf8(b.data()).ok().map(str::to_string),
        Field::Int(i) => Some(i.to_string()),
        Field::Long(i) => Some(i.to_string()),
        _ => None,
    }
}

fn number(f: &Field) -> Option<f64> {
    match f {
        Field::Double(x) => Some(*x),
        Field::Float(x) => Some(*x as f64),
        Field::Int(i) => Some(*i as f64),
        Field::Long(i) => Some(*i as f64),
        Field::Short(i) => Some(*i as f64),
        Field::Byte(i) => Some(*i as f64),
        Field::UInt(i) => Some(*i as f64),
        Field::ULong(i) => Some(*i as f64),
        _ => None,
    }
}

/// Reads the parts table at `path` against the loaded layers.
pub fn read_parts(
    path: &Path,
    eco: &[IndexedLayer],
    hierarchy: &Hierarchy,
) -> Result<(RawPieces, Vec<Warning>), PartsError> {
    let p = path.display().to_string();
    let file_err = |msg: String| PartsError::File { path: p.clone(), msg };
    let f = std::fs::File::open(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
    let reader = SerializedFileReader::new(f).map_err(|e| file_err(format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
    let required = ["layer", "zone_id", "level", "unit_id", "area_km2"];
    let missing: Vec<&str> = required.iter().copied().filter(|r| !names.iter().any(|n| n == r)).collect();
    if !missing.is_empty() {
        return Err(file_err(format!(
            "not a parts table: missing column(s) {} (it has: {})",
            missing.join(", "),
            names.join(", ")
        )));
    }
    let layer_ix: HashMap<&str, usize> = eco.iter().enumerate().map(|(i, e)| (e.layer.name.as_str(), i)).collect();
    let zone_ix: Vec<HashMap<&str, usize>> =
        eco.iter().map(|e| e.layer.units.iter().enumerate().map(|(i, u)| (u.id.as_str(), i)).collect()).collect();
    let unit_ix: Vec<HashMap<&str, usize>> = hierarchy
        .levels
        .iter()
        .map(|l| l.indexed.layer.units.iter().enumerate().map(|(i, u)| (u.id.as_str(), i)).collect())
        .collect();
    let mut raw: Vec<Vec<Vec<Vec<Piece>>>> =
        eco.iter().map(|e| hierarchy.levels.iter().map(|_| vec![Vec::new(); e.layer.units.len()]).collect()).collect();
    let mut empty_rows = 0usize;
    let rows = reader.get_row_iter(None).map_err(|e| file_err(format!("cannot read rows: {e}")))?;
    for (row_no, row) in rows.enumerate() {
        let row_err = |msg: String| PartsError::Row { path: p.clone(), row: row_no, msg };
        let row = row.map_err(|e| row_err(format!("corrupt row: {e}")))?;
        let (mut layer, mut zone, mut level, mut unit, mut area) = (None, None, None, None, None);
        for (name, field) in row.get_column_iter() {
            match name.as_str() {
                "layer" => layer = text(field),
                "zone_id" => zone = text(field),
                "level" => level = number(field),
                "unit_id" => unit = text(field),
                "area_km2" => area = number(field),
                _ => {}
            }
        }
        let (Some(layer), Some(zone), Some(level), Some(unit), Some(area)) = (layer, zone, level, unit, area) else {
            return Err(row_err("a required value is null or of the wrong type".into()));
        };
        let e = *layer_ix.get(layer.as_str()).ok_or_else(|| {
            row_err(format!(
                "eco layer \"{layer}\" is not among the layers given ({})",
                eco.iter().map(|e| e.layer.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let z = *zone_ix[e]
            .get(zone.as_str())
            .ok_or_else(|| row_err(format!("zone \"{zone}\" is not in layer \"{layer}\"")))?;
        let l = level as usize;
        if level < 0.0 || level.fract() != 0.0 || l >= hierarchy.levels.len() {
            return Err(row_err(format!("level {level} is not an admin level (0..{})", hierarchy.levels.len())));
        }
        let u = *unit_ix[l].get(unit.as_str()).ok_or_else(|| {
            row_err(format!(
                "unit \"{unit}\" is not in admin level {l} (\"{}\")",
                hierarchy.levels[l].indexed.layer.name
            ))
        })?;
        if !area.is_finite() || area < 0.0 {
            return Err(row_err(format!("area_km2 {area} is not a non-negative number")));
        }
        if area == 0.0 {
            empty_rows += 1;
            continue;
        }
        let pieces = &mut raw[e][l][z];
        if pieces.iter().any(|p: &Piece| p.unit == u) {
            return Err(row_err(format!("zone \"{zone}\" appears twice with unit \"{unit}\" at level {l}")));
        }
        pieces.push(Piece { unit: u, area_km2: area, geometry: PieceGeometry::Deferred });
    }
    for per_level in &mut raw {
        for per_zone in per_level {
            for pieces in per_zone {
                pieces.sort_by_key(|p| p.unit);
            }
        }
    }
    let mut warnings = Vec::new();
    if empty_rows > 0 {
        warnings.push(Warning {
            source: p.clone(),
            message: format!("{empty_rows} part(s) with no area (zones touching a unit) skipped"),
            count: empty_rows,
        });
    }
    let raw = raw.into_iter().map(|per_level| per_level.into_iter().map(ZonePieces::from_zones).collect()).collect();
    Ok((raw, warnings))
}
