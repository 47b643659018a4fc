//! The data model every stage shares: layers of units (admin divisions or ecological zones),
//! how their fields are mapped, and the diagnostics gathered while loading.

use geo::{MultiPolygon, Rect};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// One feature after loading: an administrative unit or an ecological zone.
///
/// Features of a file that share an id are dissolved into one unit.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Identifier (from the id field, the GeoJSON `id`, or the feature index), unique in its layer.
    pub id: String,
    /// Human-readable name (falls back to the id).
    pub name: String,
    /// Valid polygons in lon/lat degrees (WGS 84), longitudes within [-180, 180].
    pub geometry: MultiPolygon<f64>,
    /// Bounding box of `geometry`, degrees.
    pub bbox: Rect<f64>,
    /// Area on the WGS 84 ellipsoid, km².
    pub area_km2: f64,
    /// Value of the mapped population (or any extensive) field, if any; a count, not a density.
    pub population: Option<f64>,
    /// The properties of the unit's first feature, as read.
    pub properties: Properties,
}

impl Unit {
    /// A unit with `id` as its name and no attributes; bbox and ellipsoidal area computed.
    /// Returns `None` for an empty geometry.
    pub fn from_geometry(id: &str, geometry: MultiPolygon<f64>) -> Option<Unit> {
        use geo::BoundingRect;
        Some(Unit {
            id: id.into(),
            name: id.into(),
            bbox: geometry.bounding_rect()?,
            area_km2: crate::geometry::area_km2(&geometry),
            geometry,
            population: None,
            properties: Default::default(),
        })
    }
}

/// Which property holds what. `None` means "detect automatically" when loading, and "absent"
/// once resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldMapping {
    /// Property holding the unit id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Property holding the unit name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Property holding the id of the parent unit in the next coarser admin level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Property holding a population (or other extensive quantity) per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
}

/// How to load one layer: the file (and the layer in it), its field mapping and an optional
/// CRS override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// Path of the file (GeoJSON, Shapefile `.shp`, GeoPackage, FlatGeobuf or GeoParquet).
    pub path: PathBuf,
    /// The layer inside a multi-layer file (a GeoPackage table); `None`: the only polygon layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Field mapping; unset fields are detected.
    #[serde(default, flatten)]
    pub fields: FieldMapping,
    /// CRS of the coordinates (e.g. `EPSG:3857`), overriding the file's `crs` member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
    /// Keep no attribute beyond the id, name and population ([`Unit::properties`] left empty),
    /// for a run that reads no other. Each feature's are freed as its unit is built: on the
    /// 299k-hexagon grid, 17 MB that no longer sit through the load and the indexing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_properties: bool,
}

impl LayerSpec {
    /// A spec for `path` with everything detected.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LayerSpec { path: path.into(), layer: None, fields: FieldMapping::default(), crs: None, drop_properties: false }
    }

    /// Parses `FILE[,key=value...]` with keys `layer`, `id`, `name`, `parent`, `population`, `crs`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.split(',');
        let path = parts.next().unwrap_or_default();
        if path.is_empty() {
            return Err(format!("'{s}': no file name"));
        }
        let mut spec = LayerSpec::new(path);
        for kv in parts {
            let (k, v) = kv.split_once('=').ok_or_else(|| {
                format!("'{kv}' in '{s}': expected key=value (keys: layer, id, name, parent, population, crs)")
            })?;
            let v = Some(v.to_string());
            match k {
                "id" => spec.fields.id = v,
                "name" => spec.fields.name = v,
                "parent" => spec.fields.parent = v,
                "population" | "pop" => spec.fields.population = v,
                "crs" => spec.crs = v,
                "layer" => spec.layer = v,
                _ => {
                    return Err(format!("unknown key '{k}' in '{s}' (keys: layer, id, name, parent, population, crs)"));
                }
            }
        }
        Ok(spec)
    }
}

/// A non-fatal problem found while loading or analysing, with how often it occurred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The file (or stage) it concerns.
    pub source: String,
    /// What happened, including a few example feature ids.
    pub message: String,
    /// How many features (or rings, or units) it concerns.
    pub count: usize,
}

/// A feature's attributes, compactly: (name, value) pairs sorted by name, looked up by binary
/// search. A million features with one attribute each take about 70 MB this way, against about
/// 750 MB as `serde_json::Map` (a B-tree node of eleven slots each), for the whole run. The
/// names are shared between features (see [`shared_name`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(Box<[(Arc<str>, serde_json::Value)]>);

std::thread_local! {
    /// The property names this thread has read: a layer's features repeat the same few names.
    static NAMES: std::cell::RefCell<rustc_hash::FxHashSet<Arc<str>>> = Default::default();
}

/// `name` as a shared string: the one this thread made for the same name before, else a new
/// one (remembered while fewer than [`NAMES_KEPT`] are). A million features with the same
/// attribute then hold one copy of its name instead of a million (8-16 bytes each, plus the
/// allocator's own).
pub(crate) fn shared_name(name: &str) -> Arc<str> {
    NAMES.with_borrow_mut(|names| {
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n: Arc<str> = name.into();
        if names.len() < NAMES_KEPT {
            names.insert(n.clone());
        }
        n
    })
}

/// How many names [`shared_name`] remembers per thread (a file whose every feature has its
/// own property names gains nothing from sharing them).
const NAMES_KEPT: usize = 4096;

impl Properties {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|i| &self.0[i].1)
    }
    /// The names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }
    /// (name, value) pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// As a JSON object.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }
}

impl FromIterator<(String, serde_json::Value)> for Properties {
    /// Sorted by name; of repeated names the last value is kept (as in a JSON object).
    fn from_iter<I: IntoIterator<Item = (String, serde_json::Value)>>(iter: I) -> Self {
        iter.into_iter().map(|(k, v)| (shared_name(&k), v)).collect()
    }
}

impl FromIterator<(Arc<str>, serde_json::Value)> for Properties {
    /// Sorted by name; of repeated names the last value is kept (as in a JSON object).
    fn from_iter<I: IntoIterator<Item = (Arc<str>, serde_json::Value)>>(iter: I) -> Self {
        let mut v: Vec<(Arc<str>, serde_json::Value)> = iter.into_iter().collect();
        if !v.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable: equal names keep their order, and the last one wins below.
            v.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(Arc<str>, serde_json::Value)> = Vec::with_capacity(v.len());
            for (k, val) in v {
                match out.last_mut() {
                    Some(last) if last.0 == k => last.1 = val,
                    _ => out.push((k, val)),
                }
            }
            v = out;
        }
        Properties(v.into_boxed_slice())
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for Properties {
    fn from(m: serde_json::Map<String, serde_json::Value>) -> Self {
        m.into_iter().collect()
    }
}

impl std::ops::Index<&str> for Properties {
    type Output = serde_json::Value;
    /// The value of `key`; panics if absent (as `serde_json::Map` does).
    fn index(&self, key: &str) -> &serde_json::Value {
        self.get(key).unwrap_or_else(|| panic!("no property {key:?}"))
    }
}

impl<'de> serde::Deserialize<'de> for Properties {
    /// A JSON object, read straight into pairs (no intermediate map).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Properties;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
                let mut v: Vec<(String, serde_json::Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    v.push(entry);
                }
                Ok(v.into_iter().collect())
            }
        }
        d.deserialize_map(V)
    }
}

/// A loaded layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Short name (the file stem).
    pub name: String,
    /// The spec it was loaded from.
    pub spec: LayerSpec,
    /// The fields actually used (detected ones filled in).
    pub fields: FieldMapping,
    /// The CRS the coordinates were read in, as understood (e.g. `OGC:CRS84`, `EPSG:3857`).
    pub crs: String,
    /// The units, in first-appearance order of their ids.
    pub units: Vec<Unit>,
    /// Repairs and skips made while loading.
    pub warnings: Vec<Warning>,
    /// Number of features read from the file (before dissolving by id).
    pub feature_count: usize,
    /// How long each step of loading took (zero for layers not loaded from a file).
    pub load_times: LoadTimes,
}

/// Wall-clock time of each step of loading one layer, ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadTimes {
    /// Reading the file into memory (GeoPackage: 0, its rows are read as they are decoded).
    pub read_ms: f64,
    /// Decoding the format into features; for GeoJSON this includes parsing the geometries.
    pub decode_ms: f64,
    /// The layer builder: geometries left to it decoded, checked, reprojected and repaired;
    /// features sharing an id dissolved; bounding boxes and ellipsoidal areas.
    pub build_ms: f64,
}

impl Layer {
    /// Position of the unit with `id`, if any.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.units.iter().position(|u| u.id == id)
    }

    /// Total number of vertices over all units.
    pub fn vertex_count(&self) -> usize {
        use geo::CoordsIter;
        self.units.iter().map(|u| u.geometry.coords_count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_share_their_property_names() {
        let a: Properties = serde_json::from_str(r#"{"hex_id": "h1", "row": 0}"#).unwrap();
        let b: Properties = serde_json::from_str(r#"{"row": 1, "hex_id": "h2"}"#).unwrap();
        // One string per name on this thread, not one per feature.
        assert!(a.0.iter().zip(b.0.iter()).all(|(x, y)| Arc::ptr_eq(&x.0, &y.0)));
        assert_eq!((a["hex_id"].as_str(), b["hex_id"].as_str()), (Some("h1"), Some("h2")));
    }

    #[test]
    fn properties_are_sorted_pairs_with_the_last_of_a_repeated_name() {
        let p: Properties = serde_json::from_str(r#"{"b": 1, "a": {"x": [2]}, "b": 3, "c": null}"#).unwrap();
        assert_eq!(p.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(p["b"], 3);
        assert_eq!(p.get("a").unwrap()["x"][0], 2);
        assert!(p.get("c").unwrap().is_null() && p.get("d").is_none());
        let m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r#"{"z": "é", "y": 1.5}"#).unwrap();
        let q = Properties::from(m.clone());
        assert_eq!(q.to_map(), m);
        assert_eq!(q.len(), 2);
        assert!(serde_json::from_str::<Properties>("[1]").is_err());
    }

    #[test]
    fn parses_layer_spec() {
        let s = LayerSpec::parse("data/us/counties.geojson,id=geoid,parent=state_fips,crs=EPSG:4269").unwrap();
        assert_eq!(s.path, PathBuf::from("data/us/counties.geojson"));
        assert_eq!(s.fields.id.as_deref(), Some("geoid"));
        assert_eq!(s.fields.parent.as_deref(), Some("state_fips"));
        assert_eq!(s.crs.as_deref(), Some("EPSG:4269"));
        assert!(LayerSpec::parse("x.geojson,colour=red").is_err());
        let g = LayerSpec::parse("us.gpkg,layer=counties,id=geoid").unwrap();
        assert_eq!(g.layer.as_deref(), Some("counties"));
        assert!(LayerSpec::parse("x.geojson,id").is_err());
    }
}
