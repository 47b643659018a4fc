//! What a format decoder hands the layer builder: features (index, id, properties), one
//! geometry source per feature, the layer's declared CRS and the decoder's own warnings.
//!
//! A decoder knows its file format and nothing else; everything format-neutral (field
//! detection, CRS, reprojection, repair, dissolve, warnings per feature) is in
//! [`crate::io::builder`]. Geometry sources are decoded by the builder, in parallel.

pub use crate::model::Properties;
use geo::Coord;
use serde_json::Value;

/// Rings of one polygon: the exterior first, then holes. Not yet checked or repaired.
pub type Rings = Vec<Vec<Coord<f64>>>;

/// What one feature's geometry turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Geom {
    /// Polygons (from a Polygon, a MultiPolygon or the polygons of a collection).
    Polygons(Vec<Rings>),
    /// A null (absent) geometry.
    Null,
    /// An empty geometry (no coordinates).
    Empty,
    /// A geometry that holds no polygon: its type name, for the warning.
    Other(String),
}

/// A feature's geometry as the decoder left it: decoded by the builder (in parallel).
pub trait GeometrySource: Send {
    /// Decodes into polygons, or says what is wrong (the builder adds file and feature).
    fn decode(self) -> Result<Geom, String>;
}

impl GeometrySource for Geom {
    fn decode(self) -> Result<Geom, String> {
        Ok(self)
    }
}

/// A geometry that may be absent (SQL or Parquet NULL).
impl<G: GeometrySource> GeometrySource for Option<G> {
    fn decode(self) -> Result<Geom, String> {
        self.map_or(Ok(Geom::Null), G::decode)
    }
}

/// A feature's attributes, as read.
#[derive(Debug, Clone, Default)]
pub struct Feature {
    /// Index of the feature in the file (or layer), from 0.
    pub index: usize,
    /// The format's own feature id, if it has one (GeoJSON `id`, GeoPackage primary key).
    pub id: Option<Value>,
    /// Attributes. Integers stay integers (an id `540000` is not `540000.0`).
    pub properties: Properties,
}

/// A decoded layer: `features[i]` has geometry `geometries[i]`.
pub struct Decoded<G> {
    /// Attributes per feature, in file order.
    pub features: Vec<Feature>,
    /// Geometry per feature, in the same order.
    pub geometries: Vec<G>,
    /// The CRS the file declares, as PROJ understands it (`EPSG:5070`, a WKT or PROJJSON
    /// string), normalised by [`crate::crs::normalize_name`]; `None`: lon/lat WGS 84 assumed.
    pub declared_crs: Option<String>,
    /// The layer's own name when the format has one (a GeoPackage table); else the file stem.
    pub layer_name: Option<String>,
    /// Things the decoder repaired or assumed: (message, count).
    pub warnings: Vec<(String, usize)>,
}

impl<G> Decoded<G> {
    /// An empty layer with no CRS and no warnings.
    pub fn new() -> Self {
        Decoded {
            features: Vec::new(),
            geometries: Vec::new(),
            declared_crs: None,
            layer_name: None,
            warnings: Vec::new(),
        }
    }

    /// Adds a feature and its geometry; the index is the next position.
    pub fn push(&mut self, id: Option<Value>, properties: impl Into<Properties>, geometry: G) {
        let index = self.features.len();
        self.features.push(Feature { index, id, properties: properties.into() });
        self.geometries.push(geometry);
    }
}

impl<G> Default for Decoded<G> {
    fn default() -> Self {
        Self::new()
    }
}

/// A floating-point attribute as JSON: integral values within ±2^53 become integers, so that
/// ids stored as doubles (DBF numerics, GeoPackage REAL) keep their integer form.
pub fn number_value(x: f64) -> Value {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_doubles_stay_integers() {
        assert_eq!(number_value(540000.0).to_string(), "540000");
        assert_eq!(number_value(-3.0).to_string(), "-3");
        assert_eq!(number_value(2.5).to_string(), "2.5");
        assert_eq!(number_value(f64::NAN), Value::Null);
        assert_eq!(number_value(1e300).to_string(), "1e+300");
    }
}
