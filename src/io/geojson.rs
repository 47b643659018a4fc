//! GeoJSON input: a FeatureCollection, a single Feature or a bare Geometry.
//!
//! Parsing is done with serde_json into lean structs (coordinates are parsed per feature from
//! raw JSON slices, in parallel), which is faster and leaner than a full GeoJSON object model
//! and lets every error name the feature it comes from.
//!
//! # Field detection
//! Unless mapped explicitly, the id is the first property among [`ID_CANDIDATES`] present in
//! every feature, else the GeoJSON feature `id` when every feature has one, else the feature
//! index. The name is the first of [`NAME_CANDIDATES`] present, else the id. The population is
//! the first of [`POPULATION_CANDIDATES`] present. Parent fields are detected later, by the
//! admin hierarchy, which can check them against the coarser layer's ids.

use crate::crs::{self, ToLonLat};
use crate::geometry::{RepairCounts, area_km2, normalize_polygons};
use crate::model::{FieldMapping, Layer, LayerSpec, Unit, Warning};
use crate::progress::{NoProgress, Progress};
use geo::{BooleanOps, BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// Property names tried, in order, for the unit id.
pub const ID_CANDIDATES: &[&str] = &[
    "id",
    "ID",
    "Id",
    "fid",
    "geoid",
    "GEOID",
    "adm1_code",
    "adm0_a3",
    "ADM0_A3",
    "iso_a3",
    "ISO_A3",
    "huc2",
    "huc4",
    "huc6",
    "huc8",
    "unit_code",
    "rid",
    "code",
    "CODE",
    "state_fips",
    "fips",
    "FIPS",
];
/// Property names tried, in order, for the unit name.
pub const NAME_CANDIDATES: &[&str] =
    &["name", "NAME", "Name", "name_en", "NAME_EN", "unit_name", "admin", "ADMIN", "label", "title"];
/// Property names tried, in order, for a population count.
pub const POPULATION_CANDIDATES: &[&str] = &["population", "POPULATION", "pop", "POP", "pop_est", "POP_EST"];

/// Why a layer could not be loaded. Every variant names the file; feature errors name the
/// feature's index (0-based, in file order) and id when known.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not JSON, or not GeoJSON-shaped.
    #[error("{path}: {msg}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// One feature is malformed.
    #[error("{path}: feature {index}{id}: {msg}")]
    Feature {
        /// The file.
        path: String,
        /// Index of the feature in the file, from 0.
        index: usize,
        /// ` (id "…")` when known, else empty.
        id: String,
        /// What is wrong.
        msg: String,
    },
}

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow, default)]
    features: Option<Vec<RawFeature<'a>>>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    crs: Option<Value>,
}

#[derive(Deserialize)]
struct RawFeature<'a> {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow, default)]
    coordinates: Option<&'a RawValue>,
    #[serde(borrow, default)]
    geometries: Option<Vec<&'a RawValue>>,
}

/// A position: at least two numbers; further ones (elevation, measure) are ignored.
struct Pos(Coord<f64>);

impl<'de> Deserialize<'de> for Pos {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pos, A::Error> {
                let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Pos(Coord { x, y }))
            }
        }
        d.deserialize_seq(V)
    }
}

type Rings = Vec<Vec<Coord<f64>>>;

/// What one feature's geometry turned out to be.
enum Geom {
    Polygons(Vec<Rings>),
    Null,
    Other(String),
}

fn parse_geometry(raw: &RawValue) -> Result<Geom, String> {
    if raw.get() == "null" {
        return Ok(Geom::Null);
    }
    let g: RawGeometry = serde_json::from_str(raw.get()).map_err(|e| format!("geometry: {e}"))?;
    fn coords<'a>(c: Option<&'a RawValue>, kind: &str) -> Result<&'a RawValue, String> {
        c.ok_or_else(|| format!("{kind} geometry has no coordinates"))
    }
    let conv =
        |r: Vec<Vec<Pos>>| -> Rings { r.into_iter().map(|ring| ring.into_iter().map(|p| p.0).collect()).collect() };
    match g.kind.as_str() {
        "Polygon" => {
            let r: Vec<Vec<Pos>> = serde_json::from_str(coords(g.coordinates, &g.kind)?.get())
                .map_err(|e| format!("Polygon coordinates: {e}"))?;
            Ok(Geom::Polygons(vec![conv(r)]))
        }
        "MultiPolygon" => {
            let r: Vec<Vec<Vec<Pos>>> = serde_json::from_str(coords(g.coordinates, &g.kind)?.get())
                .map_err(|e| format!("MultiPolygon coordinates: {e}"))?;
            Ok(Geom::Polygons(r.into_iter().map(conv).collect()))
        }
        "GeometryCollection" => {
            let mut polys = Vec::new();
            let mut other = None;
            for m in g.geometries.unwrap_or_default() {
                match parse_geometry(m)? {
                    Geom::Polygons(p) => polys.extend(p),
                    Geom::Other(k) => other = Some(k),
                    Geom::Null => {}
                }
            }
            match (polys.is_empty(), other) {
                (true, Some(k)) => Ok(Geom::Other(format!("GeometryCollection of {k}"))),
                (true, None) => Ok(Geom::Null),
                _ => Ok(Geom::Polygons(polys)),
            }
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => Ok(Geom::Other(g.kind.clone())),
        other => Err(format!("unknown geometry type '{other}'")),
    }
}

/// The CRS named by a legacy `crs` member (`{"type":"name","properties":{"name":…}}`), normalised.
fn declared_crs(doc: &RawDoc) -> Option<String> {
    doc.crs.as_ref()?.get("properties")?.get("name")?.as_str().map(crs::normalize_name)
}

fn value_to_key(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn value_to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

struct FeatureIn<'a> {
    index: usize,
    id: Option<Value>,
    properties: Map<String, Value>,
    geometry: Option<&'a RawValue>,
}

/// One feature after geometry parsing and repair.
struct FeatureOut {
    index: usize,
    geometry: Result<Option<(MultiPolygon<f64>, RepairCounts)>, String>,
    skipped_kind: Option<String>,
}

fn describe_examples(ids: &[String]) -> String {
    let shown: Vec<String> = ids.iter().take(5).map(|s| format!("\"{s}\"")).collect();
    let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
    format!("{}{}", shown.join(", "), more)
}

/// A quick look at a file before loading it: for the field-mapping dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Number of features.
    pub feature_count: usize,
    /// Property names, in first-seen order over the previewed features.
    pub keys: Vec<String>,
    /// Properties of the first few features.
    pub sample: Vec<Map<String, Value>>,
    /// The CRS the file declares (normalised), if any.
    pub declared_crs: Option<String>,
    /// What would be detected: id, name, population fields.
    pub detected: FieldMapping,
}

/// Reads a file's properties and CRS without building any geometry.
pub fn preview(path: &std::path::Path, rows: usize) -> Result<Preview, LoadError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io { path: p.clone(), source })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| LoadError::Format { path: p.clone(), msg: format!("not UTF-8 text: {e}") })?;
    let doc: RawDoc = serde_json::from_str(text)
        .map_err(|e| LoadError::Format { path: p.clone(), msg: format!("not valid JSON: {e}") })?;
    let declared_crs = declared_crs(&doc);
    let features: Vec<FeatureIn> = match doc.features {
        Some(fs) => fs
            .into_iter()
            .enumerate()
            .map(|(index, f)| FeatureIn {
                index,
                id: f.id,
                properties: match f.properties {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                },
                geometry: f.geometry,
            })
            .collect(),
        None => Vec::new(),
    };
    let mut keys: Vec<String> = Vec::new();
    for f in features.iter().take(rows.max(1) * 10) {
        for k in f.properties.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let detected = if features.is_empty() {
        FieldMapping::default()
    } else {
        resolve_fields(&LayerSpec::new(path), &features, &p)?
    };
    Ok(Preview {
        feature_count: features.len(),
        keys,
        sample: features.iter().take(rows).map(|f| f.properties.clone()).collect(),
        declared_crs,
        detected,
    })
}

/// Loads one layer. See [`load_layer_with_progress`].
pub fn load_layer(spec: &LayerSpec) -> Result<Layer, LoadError> {
    load_layer_with_progress(spec, &NoProgress)
}

/// Loads one layer: parses, reprojects to lon/lat, repairs geometry, maps fields and dissolves
/// features sharing an id. Repairs and skips become [`Warning`]s in the layer.
pub fn load_layer_with_progress(spec: &LayerSpec, progress: &dyn Progress) -> Result<Layer, LoadError> {
    let path = spec.path.display().to_string();
    let bytes = std::fs::read(&spec.path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
    progress.update("parse", 0, 1);
    parse_layer(spec, &bytes, progress)
}

/// Loads a layer from bytes already in memory (`spec.path` names it in messages).
pub fn parse_layer(spec: &LayerSpec, bytes: &[u8], progress: &dyn Progress) -> Result<Layer, LoadError> {
    let path = spec.path.display().to_string();
    let fmt_err = |msg: String| LoadError::Format { path: path.clone(), msg };
    let text = std::str::from_utf8(bytes).map_err(|e| fmt_err(format!("not UTF-8 text: {e}")))?;
    if !text.trim_start().starts_with('{') {
        return Err(fmt_err("not a GeoJSON object: the file does not start with '{'".into()));
    }
    let doc: RawDoc = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            fmt_err(format!("not a GeoJSON object: {e}"))
        } else {
            fmt_err(format!("not valid JSON: {e}"))
        }
    })?;

    let declared = declared_crs(&doc);
    // The features, whatever the top-level shape.
    let features: Vec<FeatureIn> = match doc.kind.as_deref() {
        Some("FeatureCollection") => {
            let fs = doc.features.ok_or_else(|| fmt_err("FeatureCollection has no \"features\" array".into()))?;
            let mut out = Vec::with_capacity(fs.len());
            for (index, f) in fs.into_iter().enumerate() {
                if let Some(k) = &f.kind
                    && k != "Feature"
                {
                    return Err(LoadError::Feature {
                        path: path.clone(),
                        index,
                        id: String::new(),
                        msg: format!("type is \"{k}\", expected \"Feature\""),
                    });
                }
                let properties = match f.properties {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m,
                    Some(_) => {
                        return Err(LoadError::Feature {
                            path: path.clone(),
                            index,
                            id: f
                                .id
                                .as_ref()
                                .and_then(value_to_key)
                                .map(|i| format!(" (id \"{i}\")"))
                                .unwrap_or_default(),
                            msg: "\"properties\" must be an object or null".into(),
                        });
                    }
                };
                out.push(FeatureIn { index, id: f.id, properties, geometry: f.geometry });
            }
            out
        }
        Some("Feature") => {
            let properties = match doc.properties {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            vec![FeatureIn { index: 0, id: doc.id, properties, geometry: doc.geometry }]
        }
        Some("Polygon" | "MultiPolygon" | "GeometryCollection") => {
            // A bare geometry: re-read the whole document as one geometry.
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| fmt_err(format!("not valid JSON: {e}")))?;
            vec![FeatureIn { index: 0, id: None, properties: Map::new(), geometry: Some(raw) }]
        }
        Some(other) => {
            return Err(fmt_err(format!("GeoJSON type \"{other}\" holds no polygons")));
        }
        None => return Err(fmt_err("not GeoJSON: no \"type\" member".into())),
    };
    if features.is_empty() {
        return Err(fmt_err("the collection has no features".into()));
    }

    // CRS: override > legacy `crs` member > RFC 7946 lon/lat.
    let crs_name = spec.crs.as_deref().map(crs::normalize_name).or(declared).unwrap_or_else(|| crs::LONLAT.to_string());
    let reproject = !crs::is_lonlat_wgs84(&crs_name);
    if reproject {
        // Fail early, with PROJ's reason, if the CRS is unknown.
        ToLonLat::new(&crs_name).map_err(fmt_err)?;
    }

    // Field mapping.
    let fields = resolve_fields(spec, &features, &path)?;
    let feature_key = |f: &FeatureIn| -> Option<String> {
        match &fields.id {
            Some(k) => f.properties.get(k).and_then(value_to_key),
            None => f.id.as_ref().and_then(value_to_key),
        }
    };
    let id_label = |f: &FeatureIn| feature_key(f).map(|k| format!(" (id \"{k}\")")).unwrap_or_default();
    let id_from_index = fields.id.is_none() && features.iter().any(|f| f.id.is_none());

    // Geometry: parse, check, reproject, repair. Parallel over features.
    let total = features.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let outs: Vec<FeatureOut> = features
        .par_iter()
        // PROJ objects are not thread-safe: one transformer per worker.
        .map_init(
            || {
                if reproject { ToLonLat::new(&crs_name).ok() } else { None }
            },
            |transform, f| {
                let r = process_geometry(f, transform.as_ref(), &crs_name);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n.is_multiple_of(256) || n == total {
                    progress.update("load", n, total);
                }
                r
            },
        )
        .collect();

    let mut warnings = Vec::new();
    let mut null_ids = Vec::new();
    let mut skipped: HashMap<String, Vec<String>> = HashMap::new();
    let mut empty_after_repair = Vec::new();
    let mut repairs = RepairCounts::default();
    // Feature ids per kind of repair: unclosed, degenerate, antimeridian, polar, invalid.
    let mut repaired_ids: [Vec<String>; 5] = Default::default();
    // Group by id, keeping first-appearance order.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<(usize, MultiPolygon<f64>)>> = HashMap::new();
    for (f, out) in features.iter().zip(outs) {
        let key = if id_from_index {
            f.index.to_string()
        } else {
            match feature_key(f) {
                Some(k) => k,
                None => {
                    return Err(LoadError::Feature {
                        path: path.clone(),
                        index: f.index,
                        id: String::new(),
                        msg: match &fields.id {
                            Some(k) => format!("no value for the id property \"{k}\""),
                            None => "no feature id".into(),
                        },
                    });
                }
            }
        };
        match out.geometry {
            Err(msg) => {
                return Err(LoadError::Feature { path: path.clone(), index: out.index, id: id_label(f), msg });
            }
            Ok(None) => match out.skipped_kind {
                Some(kind) => skipped.entry(kind).or_default().push(key),
                None => null_ids.push(key),
            },
            Ok(Some((mp, counts))) => {
                let per_kind = [
                    counts.unclosed_rings,
                    counts.degenerate_rings,
                    counts.antimeridian_splits,
                    counts.polar_rings,
                    counts.invalid_repaired,
                ];
                for (ids, n) in repaired_ids.iter_mut().zip(per_kind) {
                    if n > 0 {
                        ids.push(key.clone());
                    }
                }
                repairs.add(&counts);
                if mp.0.is_empty() {
                    empty_after_repair.push(key);
                    continue;
                }
                if !groups.contains_key(&key) {
                    order.push(key.clone());
                }
                groups.entry(key).or_default().push((out.index, mp));
            }
        }
    }
    let src = path.clone();
    let mut warn = |message: String, count: usize| warnings.push(Warning { source: src.clone(), message, count });
    if !null_ids.is_empty() {
        warn(
            format!("{} feature(s) with a null geometry skipped: {}", null_ids.len(), describe_examples(&null_ids)),
            null_ids.len(),
        );
    }
    let mut kinds: Vec<_> = skipped.into_iter().collect();
    kinds.sort();
    for (kind, ids) in kinds {
        warn(
            format!("{} {kind} feature(s) skipped (only polygons are used): {}", ids.len(), describe_examples(&ids)),
            ids.len(),
        );
    }
    if !empty_after_repair.is_empty() {
        warn(
            format!(
                "{} feature(s) had no area left after dropping degenerate rings, skipped: {}",
                empty_after_repair.len(),
                describe_examples(&empty_after_repair)
            ),
            empty_after_repair.len(),
        );
    }
    for ((n, what), ids) in [
        (repairs.unclosed_rings, "unclosed ring(s) closed"),
        (repairs.degenerate_rings, "degenerate ring(s) (fewer than 3 distinct points) dropped"),
        (repairs.antimeridian_splits, "polygon(s) crossing the antimeridian split at ±180°"),
        (repairs.polar_rings, "ring(s) around a pole closed along the pole"),
        (
            repairs.invalid_repaired,
            "invalid feature geometries (self-intersections, crossing rings, misplaced holes) repaired",
        ),
    ]
    .into_iter()
    .zip(&repaired_ids)
    {
        if n > 0 {
            warn(format!("{n} {what}; features concerned: {}", describe_examples(ids)), n);
        }
    }
    if groups.is_empty() {
        return Err(fmt_err("no polygon features (all geometries were null, empty or not polygons)".into()));
    }

    // Dissolve features sharing an id.
    let mut merged_ids = Vec::new();
    let mut units: Vec<Unit> = order
        .into_iter()
        .map(|key| {
            let mut parts = groups.remove(&key).expect("grouped");
            let first_index = parts[0].0;
            let geometry = if parts.len() == 1 {
                parts.pop().expect("one").1
            } else {
                merged_ids.push(key.clone());
                parts.into_iter().fold(MultiPolygon::new(vec![]), |acc, (_, mp)| acc.union(&mp))
            };
            let f = &features[first_index];
            let name = fields.name.as_ref().and_then(|k| f.properties.get(k)).and_then(value_to_key);
            let parent_key = fields.parent.as_ref().and_then(|k| f.properties.get(k)).and_then(value_to_key);
            let population = fields.population.as_ref().and_then(|k| f.properties.get(k)).and_then(value_to_f64);
            let bbox = geometry.bounding_rect().expect("non-empty geometry");
            let area = area_km2(&geometry);
            Unit {
                name: name.unwrap_or_default(),
                id: key,
                bbox,
                area_km2: area,
                geometry,
                parent_key,
                population,
                properties: f.properties.clone(),
            }
        })
        .collect();
    if !merged_ids.is_empty() {
        warn(
            format!("features sharing an id were dissolved into one unit each: {}", describe_examples(&merged_ids)),
            merged_ids.len(),
        );
    }
    let missing_names: Vec<String> = units.iter().filter(|u| u.name.is_empty()).map(|u| u.id.clone()).collect();
    if fields.name.is_some() && !missing_names.is_empty() {
        warn(
            format!(
                "{} unit(s) have no name; their id is used: {}",
                missing_names.len(),
                describe_examples(&missing_names)
            ),
            missing_names.len(),
        );
    }
    for u in &mut units {
        if u.name.is_empty() {
            u.name = u.id.clone();
        }
    }
    let mut name_count: HashMap<&str, usize> = HashMap::new();
    for u in &units {
        *name_count.entry(u.name.as_str()).or_default() += 1;
    }
    let mut dup: Vec<String> = name_count.iter().filter(|(_, c)| **c > 1).map(|(n, _)| n.to_string()).collect();
    if !dup.is_empty() {
        dup.sort();
        let n_units: usize = name_count.values().filter(|c| **c > 1).sum();
        warn(
            format!(
                "{} name(s) are shared by {n_units} units (ids tell them apart): {}",
                dup.len(),
                describe_examples(&dup)
            ),
            n_units,
        );
    }
    if fields.population.is_some() {
        let missing = units.iter().filter(|u| u.population.is_none()).count();
        if missing > 0 {
            warn(format!("{missing} unit(s) have no usable population value"), missing);
        }
    }

    let name = spec.path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| path.clone());
    Ok(Layer { name, spec: spec.clone(), fields, crs: crs_name, units, warnings, feature_count: features.len() })
}

fn process_geometry(f: &FeatureIn, transform: Option<&ToLonLat>, crs_name: &str) -> FeatureOut {
    let index = f.index;
    let Some(raw) = f.geometry else {
        return FeatureOut { index, geometry: Ok(None), skipped_kind: None };
    };
    let polys = match parse_geometry(raw) {
        Err(e) => {
            return FeatureOut { index, geometry: Err(e), skipped_kind: None };
        }
        Ok(Geom::Null) => {
            return FeatureOut { index, geometry: Ok(None), skipped_kind: None };
        }
        Ok(Geom::Other(kind)) => {
            return FeatureOut { index, geometry: Ok(None), skipped_kind: Some(kind) };
        }
        Ok(Geom::Polygons(p)) => p,
    };
    let mut polys = polys;
    for rings in &mut polys {
        for ring in rings.iter_mut() {
            if let Some(c) = ring.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return FeatureOut {
                    index,
                    geometry: Err(format!("non-finite coordinate ({}, {})", c.x, c.y)),
                    skipped_kind: None,
                };
            }
            if let Some(t) = transform {
                let mut pts: Vec<(f64, f64)> = ring.iter().map(|c| (c.x, c.y)).collect();
                if let Err(e) = t.convert(&mut pts) {
                    return FeatureOut { index, geometry: Err(e), skipped_kind: None };
                }
                for (c, (x, y)) in ring.iter_mut().zip(pts) {
                    *c = Coord { x, y };
                }
                if let Some(c) = ring.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                    return FeatureOut {
                        index,
                        geometry: Err(format!(
                            "reprojection from {crs_name} gave a non-finite coordinate ({}, {})",
                            c.x, c.y
                        )),
                        skipped_kind: None,
                    };
                }
            } else if let Some(c) = ring.iter().find(|c| c.x.abs() > 360.0 || c.y.abs() > 90.0 + 1e-9) {
                return FeatureOut {
                    index,
                    geometry: Err(format!(
                        "coordinate ({}, {}) is outside the lon/lat range: the file declares no CRS, so it is read as WGS 84 lon/lat; if it is projected, give its CRS, e.g. --crs EPSG:3857 (or FILE,crs=EPSG:3857)",
                        c.x, c.y
                    )),
                    skipped_kind: None,
                };
            }
            for c in ring.iter_mut() {
                c.y = c.y.clamp(-90.0, 90.0);
            }
        }
    }
    let (mp, counts) = normalize_polygons(polys);
    FeatureOut { index, geometry: Ok(Some((mp, counts))), skipped_kind: None }
}

fn resolve_fields(spec: &LayerSpec, features: &[FeatureIn], path: &str) -> Result<FieldMapping, LoadError> {
    let present_in_all = |k: &str| features.iter().all(|f| f.properties.get(k).is_some_and(|v| !v.is_null()));
    let present_in_any = |k: &str| features.iter().any(|f| f.properties.get(k).is_some_and(|v| !v.is_null()));
    let check = |k: &Option<String>, what: &str| -> Result<(), LoadError> {
        if let Some(k) = k
            && !present_in_any(k)
        {
            let mut keys: Vec<&String> = features[0].properties.keys().collect();
            keys.sort();
            return Err(LoadError::Format {
                path: path.to_string(),
                msg: format!(
                    "the {what} property \"{k}\" is in no feature (properties of the first feature: {})",
                    keys.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Ok(())
    };
    let f = &spec.fields;
    check(&f.id, "id")?;
    check(&f.name, "name")?;
    check(&f.parent, "parent")?;
    check(&f.population, "population")?;
    let id = f.id.clone().or_else(|| ID_CANDIDATES.iter().find(|k| present_in_all(k)).map(|k| k.to_string()));
    let name = f.name.clone().or_else(|| NAME_CANDIDATES.iter().find(|k| present_in_any(k)).map(|k| k.to_string()));
    let population = f
        .population
        .clone()
        .or_else(|| POPULATION_CANDIDATES.iter().find(|k| present_in_any(k)).map(|k| k.to_string()));
    Ok(FieldMapping { id, name, parent: f.parent.clone(), population })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn load_str(s: &str) -> Result<Layer, LoadError> {
        parse_layer(&LayerSpec::new(PathBuf::from("test.geojson")), s.as_bytes(), &NoProgress)
    }

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;

    #[test]
    fn reads_collection_feature_and_bare_geometry() {
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"code":"A","name":"Alpha"}},"geometry":{SQUARE}}}]}}"#
        );
        let l = load_str(&fc).unwrap();
        assert_eq!(l.units[0].id, "A");
        assert_eq!(l.units[0].name, "Alpha");
        let f = format!(r#"{{"type":"Feature","id":7,"properties":null,"geometry":{SQUARE}}}"#);
        assert_eq!(load_str(&f).unwrap().units[0].id, "7");
        let g = load_str(SQUARE).unwrap();
        assert_eq!(g.units[0].id, "0");
        assert!((g.units[0].area_km2 - 12_308.0).abs() < 5.0);
    }

    #[test]
    fn skips_null_and_non_polygon_with_counted_warnings() {
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[
              {{"type":"Feature","properties":{{"id":"a"}},"geometry":{SQUARE}}},
              {{"type":"Feature","properties":{{"id":"b"}},"geometry":null}},
              {{"type":"Feature","properties":{{"id":"c"}},"geometry":{{"type":"Point","coordinates":[1,2,3]}}}}]}}"#
        );
        let l = load_str(&fc).unwrap();
        assert_eq!(l.units.len(), 1);
        let text: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(text.iter().any(|m| m.contains("null geometry") && m.contains("\"b\"")), "{text:?}");
        assert!(text.iter().any(|m| m.contains("Point") && m.contains("\"c\"")), "{text:?}");
        // Each repair names only the features it concerns.
        let fc = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"open"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},
          {"type":"Feature","properties":{"id":"bow"},"geometry":{"type":"Polygon","coordinates":[[[5,5],[7,7],[7,5],[5,7],[5,5]]]}}]}"#;
        let l = load_str(fc).unwrap();
        let unclosed = l.warnings.iter().find(|w| w.message.contains("unclosed")).unwrap();
        assert!(unclosed.message.contains("\"open\"") && !unclosed.message.contains("\"bow\""), "{}", unclosed.message);
        let invalid = l.warnings.iter().find(|w| w.message.contains("invalid")).unwrap();
        assert!(invalid.message.contains("\"bow\"") && !invalid.message.contains("\"open\""), "{}", invalid.message);
    }

    #[test]
    fn dissolves_features_sharing_an_id() {
        let fc = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"id":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}"#;
        let l = load_str(fc).unwrap();
        assert_eq!(l.units.len(), 1);
        assert!((l.units[0].area_km2 - 2.0 * 12_308.0).abs() < 10.0);
        assert!(l.warnings.iter().any(|w| w.message.contains("dissolved")));
    }

    #[test]
    fn errors_name_file_feature_and_problem() {
        let bad_json = load_str("{\"type\": \"FeatureCollection\", ").unwrap_err().to_string();
        assert!(bad_json.starts_with("test.geojson: not valid JSON"), "{bad_json}");
        let wrong = load_str(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"q"},"geometry":{"type":"Polygon","coordinates":[[["a",0]]]}}]}"#)
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("feature 0 (id \"q\")") && wrong.contains("Polygon coordinates"), "{wrong}");
        let empty = load_str(r#"{"type":"FeatureCollection","features":[]}"#).unwrap_err().to_string();
        assert!(empty.contains("no features"), "{empty}");
        let huge =
            load_str(r#"{"type":"Polygon","coordinates":[[[0,0],[1e999,0],[1,1],[0,0]]]}"#).unwrap_err().to_string();
        assert!(huge.contains("test.geojson"), "{huge}");
        let props =
            load_str(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":5,"geometry":null}]}"#)
                .unwrap_err()
                .to_string();
        assert!(props.contains("feature 0") && props.contains("properties"), "{props}");
    }

    #[test]
    fn projected_coordinates_without_crs_suggest_crs_option() {
        let e = load_str(r#"{"type":"Polygon","coordinates":[[[1113194,6446275],[1213194,6446275],[1213194,6546275],[1113194,6446275]]]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--crs"), "{e}");
    }

    #[test]
    fn honours_legacy_crs_member() {
        let l = load_str(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},
               "features":[{"type":"Feature","properties":{"id":"m"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[111319.49079327357,0],[111319.49079327357,111325.14286638486],[0,111325.14286638486],[0,0]]]}}]}"#,
        )
        .unwrap();
        assert_eq!(l.crs, "EPSG:3857");
        let b = l.units[0].bbox;
        assert!((b.max().x - 1.0).abs() < 1e-9 && (b.max().y - 1.0).abs() < 1e-6, "{b:?}");
    }

    #[test]
    fn preview_lists_properties_and_detected_fields() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.geojson");
        std::fs::write(&f, format!(r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4490"}}}},"features":[{{"type":"Feature","properties":{{"code":"A","name":"Alpha","pop":5}},"geometry":{SQUARE}}}]}}"#)).unwrap();
        let p = preview(&f, 5).unwrap();
        assert_eq!(p.feature_count, 1);
        assert_eq!(p.keys, ["code", "name", "pop"]);
        assert_eq!(p.declared_crs.as_deref(), Some("EPSG:4490"));
        assert_eq!(p.detected.id.as_deref(), Some("code"));
        assert_eq!(p.detected.population.as_deref(), Some("pop"));
    }

    #[test]
    fn explicit_missing_field_is_an_error_listing_properties() {
        let spec = LayerSpec::parse("t.geojson,id=nope").unwrap();
        let s = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"code":"A"}},"geometry":{SQUARE}}}]}}"#
        );
        let e = parse_layer(&spec, s.as_bytes(), &NoProgress).unwrap_err().to_string();
        assert!(e.contains("\"nope\"") && e.contains("code"), "{e}");
    }
}
