//! GeoJSON decoder: a FeatureCollection, a single Feature or a bare Geometry.
//!
//! Parsing is done with serde_json into lean structs: the document is split into features
//! with their geometry kept as raw JSON slices, and the builder parses coordinates per
//! feature, in parallel. That is faster and leaner than a full GeoJSON object model (see
//! BENCHMARKS.md, "GeoJSON parsing") and lets every error name the feature it comes from.
//!
//! Text encodings: UTF-8 (a byte-order mark, as Windows tools write, is skipped with a
//! warning) and UTF-16 with a byte-order mark (decoded, with a warning).

use super::LoadError;
use super::builder::{build_layer, value_to_key};
use super::decode::{Decoded, Geom, GeometrySource, Rings};
use crate::crs;
use crate::model::{Layer, LayerSpec};
use crate::progress::Progress;
use geo::Coord;
use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

std::thread_local! {
    /// The cancellation flag of the layer being decoded on this thread (see [`CancelScope`]).
    static CANCEL: std::cell::RefCell<Option<crate::progress::CancelToken>> = const { std::cell::RefCell::new(None) };
}

/// While alive, the document scan on this thread stops at the next 4,096 features once
/// `token` is set (a 300 MB file takes seconds to scan; Cancel should not wait for it).
pub struct CancelScope(Option<crate::progress::CancelToken>);

impl CancelScope {
    /// Watches `token` on this thread until dropped.
    pub fn new(token: Option<crate::progress::CancelToken>) -> Self {
        CancelScope(CANCEL.with(|c| std::mem::replace(&mut *c.borrow_mut(), token)))
    }
}

impl Drop for CancelScope {
    fn drop(&mut self) {
        let previous = self.0.take();
        CANCEL.with(|c| *c.borrow_mut() = previous);
    }
}

fn scan_cancelled() -> bool {
    CANCEL.with(|c| c.borrow().as_ref().is_some_and(|t| t.load(std::sync::atomic::Ordering::Relaxed)))
}

const CANCELLED: &str = "crossbound: cancelled";

/// The features array, read with a check for Cancel every 4,096 features.
struct Features<'a>(Vec<RawFeature<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Features<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Features<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of features")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(f) = seq.next_element()? {
                    v.push(f);
                    if v.len().is_multiple_of(4096) && scan_cancelled() {
                        return Err(de::Error::custom(CANCELLED));
                    }
                }
                Ok(Features(v))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct RawDoc<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow, default)]
    features: Option<Features<'a>>,
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
                    Geom::Null | Geom::Empty => {}
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

/// A feature's geometry as a raw JSON slice, parsed by the builder.
pub struct JsonGeometry<'a>(Option<&'a RawValue>);

impl GeometrySource for JsonGeometry<'_> {
    fn decode(self) -> Result<Geom, String> {
        match self.0 {
            None => Ok(Geom::Null),
            Some(raw) => parse_geometry(raw),
        }
    }
}

/// The file's text: UTF-8 (a byte-order mark skipped) or UTF-16 with a byte-order mark.
/// The second value is a warning about the encoding, if any.
pub fn text_of(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<String>), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let t = std::str::from_utf8(rest).map_err(|e| format!("not UTF-8 text: {e}"))?;
        return Ok((Cow::Borrowed(t), Some("the file starts with a UTF-8 byte-order mark (ignored)".into())));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, name) =
            if bytes[0] == 0xFF { (encoding_rs::UTF_16LE, "UTF-16LE") } else { (encoding_rs::UTF_16BE, "UTF-16BE") };
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(format!("not valid {name} text"));
        }
        return Ok((
            Cow::Owned(text.into_owned()),
            Some(format!("the file is {name} text (decoded; GeoJSON should be UTF-8)")),
        ));
    }
    let t = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    Ok((Cow::Borrowed(t), None))
}

/// Splits a GeoJSON document into features; geometries stay raw JSON for the builder.
pub fn decode<'a>(path: &str, text: &'a str) -> Result<Decoded<JsonGeometry<'a>>, LoadError> {
    let fmt_err = |msg: String| LoadError::Format { path: path.to_string(), msg };
    if !text.trim_start().starts_with('{') {
        return Err(fmt_err("not a GeoJSON object: the file does not start with '{'".into()));
    }
    let doc: RawDoc = serde_json::from_str(text).map_err(|e| {
        if scan_cancelled() && e.to_string().starts_with(CANCELLED) {
            LoadError::Cancelled
        } else if e.is_data() {
            fmt_err(format!("not a GeoJSON object: {e}"))
        } else {
            fmt_err(format!("not valid JSON: {e}"))
        }
    })?;
    let mut out = Decoded::new();
    out.declared_crs = declared_crs(&doc);
    // The features, whatever the top-level shape.
    match doc.kind.as_deref() {
        Some("FeatureCollection") => {
            let fs = doc.features.ok_or_else(|| fmt_err("FeatureCollection has no \"features\" array".into()))?.0;
            for (index, f) in fs.into_iter().enumerate() {
                if let Some(k) = &f.kind
                    && k != "Feature"
                {
                    return Err(LoadError::Feature {
                        path: path.to_string(),
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
                            path: path.to_string(),
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
                out.push(f.id, properties, JsonGeometry(f.geometry));
            }
        }
        Some("Feature") => {
            let properties = match doc.properties {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            out.push(doc.id, properties, JsonGeometry(doc.geometry));
        }
        Some("Polygon" | "MultiPolygon" | "GeometryCollection") => {
            // A bare geometry: re-read the whole document as one geometry.
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| fmt_err(format!("not valid JSON: {e}")))?;
            out.push(None, Map::new(), JsonGeometry(Some(raw)));
        }
        Some(other) => {
            return Err(fmt_err(format!("GeoJSON type \"{other}\" holds no polygons")));
        }
        None => return Err(fmt_err("not GeoJSON: no \"type\" member".into())),
    };
    if out.features.is_empty() {
        return Err(fmt_err("the collection has no features".into()));
    }
    Ok(out)
}

/// Loads a GeoJSON layer from bytes already in memory (`spec.path` names it in messages).
pub fn parse_layer(spec: &LayerSpec, bytes: &[u8], progress: &dyn Progress) -> Result<Layer, LoadError> {
    let path = spec.path.display().to_string();
    let (text, warning) = text_of(bytes).map_err(|msg| LoadError::Format { path: path.clone(), msg })?;
    let mut decoded = decode(&path, &text)?;
    decoded.warnings.extend(warning.map(|w| (w, 1)));
    build_layer(spec, &path, decoded, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::preview;
    use crate::progress::NoProgress;
    use std::path::PathBuf;

    #[test]
    fn cancel_stops_the_document_scan() {
        let feature = r#"{"type":"Feature","properties":{"id":1},"geometry":null}"#;
        let doc = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, vec![feature; 10_000].join(","));
        let token = crate::progress::CancelToken::default();
        {
            let _scope = CancelScope::new(Some(token.clone()));
            assert_eq!(decode("f.geojson", &doc).unwrap().features.len(), 10_000, "not cancelled: all read");
            token.store(true, std::sync::atomic::Ordering::Relaxed);
            assert!(matches!(decode("f.geojson", &doc), Err(LoadError::Cancelled)));
        }
        // Outside the scope the flag is not watched.
        assert_eq!(decode("f.geojson", &doc).unwrap().features.len(), 10_000);
    }

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
        let p = preview(&f, None, 5).unwrap();
        assert_eq!(p.feature_count, 1);
        assert_eq!(p.keys, ["code", "name", "pop"]);
        assert_eq!(p.declared_crs.as_deref(), Some("EPSG:4490"));
        assert_eq!(p.detected.id.as_deref(), Some("code"));
        assert_eq!(p.detected.population.as_deref(), Some("pop"));
    }

    #[test]
    fn byte_order_marks_and_utf16_are_read_with_a_warning() {
        let fc = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"é"}},"geometry":{SQUARE}}}]}}"#
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(fc.as_bytes());
        let l = parse_layer(&LayerSpec::new("b.geojson"), &bom, &NoProgress).unwrap();
        assert_eq!(l.units[0].id, "é");
        assert!(l.warnings.iter().any(|w| w.message.contains("byte-order mark")));
        let mut le = vec![0xFF, 0xFE];
        for u in fc.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let l = parse_layer(&LayerSpec::new("w.geojson"), &le, &NoProgress).unwrap();
        assert_eq!(l.units[0].id, "é");
        assert!(l.warnings.iter().any(|w| w.message.contains("UTF-16LE")));
        let mut be = vec![0xFE, 0xFF];
        for u in fc.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(parse_layer(&LayerSpec::new("w.geojson"), &be, &NoProgress).unwrap().units.len(), 1);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"a":{}{}}},"geometry":null}}]}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let e = load_str(&deep).unwrap_err().to_string();
        assert!(e.contains("recursion limit"), "{e}");
        let coords = format!(r#"{{"type":"Polygon","coordinates":{}0{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert!(load_str(&coords).is_err());
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
