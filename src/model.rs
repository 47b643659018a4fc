//! The data model every stage shares: layers of units (admin divisions or ecological zones),
//! how their fields are mapped, and the diagnostics gathered while loading.

use geo::{MultiPolygon, Rect};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    /// Raw value of the mapped parent-id field, if any.
    pub parent_key: Option<String>,
    /// Value of the mapped population (or any extensive) field, if any; a count, not a density.
    pub population: Option<f64>,
    /// The properties of the unit's first feature, as read.
    pub properties: serde_json::Map<String, serde_json::Value>,
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
            parent_key: None,
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
}

impl LayerSpec {
    /// A spec for `path` with everything detected.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LayerSpec { path: path.into(), layer: None, fields: FieldMapping::default(), crs: None }
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
