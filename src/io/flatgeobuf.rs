//! FlatGeobuf decoder, on the `flatgeobuf` crate (without its HTTP client) and geozero's
//! geometry and property callbacks. Features are read in one sequential pass, straight into
//! rings (no intermediate geometry objects). The CRS comes from the header (`EPSG:code`, an
//! other organisation's code, or its WKT).

use super::LoadError;
use super::decode::{Decoded, Geom, Rings, number_value};
use crate::crs;
use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader, GeozeroGeometry};
use geo::Coord;
use geozero::{ColumnValue, GeomProcessor, PropertyProcessor};
use serde_json::{Map, Value};

/// Collects a feature's polygons; anything else is remembered by kind.
#[derive(Default)]
struct RingCollector {
    polys: Vec<Rings>,
    poly: Option<Rings>,
    ring: Option<Vec<Coord<f64>>>,
    other: Option<&'static str>,
}

impl RingCollector {
    fn into_geom(self) -> Geom {
        match (self.polys.is_empty(), self.other) {
            (false, _) => Geom::Polygons(self.polys),
            (true, Some(k)) => Geom::Other(k.into()),
            (true, None) => Geom::Empty,
        }
    }
}

impl GeomProcessor for RingCollector {
    fn xy(&mut self, x: f64, y: f64, _idx: usize) -> geozero::error::Result<()> {
        if let Some(r) = &mut self.ring {
            r.push(Coord { x, y });
        }
        Ok(())
    }
    fn point_begin(&mut self, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("Point");
        Ok(())
    }
    fn multipoint_begin(&mut self, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("MultiPoint");
        Ok(())
    }
    fn linestring_begin(&mut self, tagged: bool, size: usize, _idx: usize) -> geozero::error::Result<()> {
        if tagged || self.poly.is_none() {
            self.other.get_or_insert("LineString");
        } else {
            self.ring = Some(Vec::with_capacity(size));
        }
        Ok(())
    }
    fn linestring_end(&mut self, _tagged: bool, _idx: usize) -> geozero::error::Result<()> {
        if let (Some(r), Some(p)) = (self.ring.take(), self.poly.as_mut()) {
            p.push(r);
        }
        Ok(())
    }
    fn polygon_begin(&mut self, _tagged: bool, size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.poly = Some(Vec::with_capacity(size));
        Ok(())
    }
    fn polygon_end(&mut self, _tagged: bool, _idx: usize) -> geozero::error::Result<()> {
        if let Some(p) = self.poly.take()
            && !p.is_empty()
        {
            self.polys.push(p);
        }
        Ok(())
    }
    fn circularstring_begin(&mut self, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("CircularString");
        Ok(())
    }
    fn curvepolygon_begin(&mut self, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("CurvePolygon");
        Ok(())
    }
    fn triangle_begin(&mut self, _tagged: bool, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("Triangle");
        Ok(())
    }
    fn polyhedralsurface_begin(&mut self, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("PolyhedralSurface");
        Ok(())
    }
    fn tin_begin(&mut self, _size: usize, _idx: usize) -> geozero::error::Result<()> {
        self.other.get_or_insert("TIN");
        Ok(())
    }
}

/// Collects a feature's properties as JSON values.
struct Props(Map<String, Value>);

impl PropertyProcessor for Props {
    fn property(&mut self, _idx: usize, name: &str, v: &ColumnValue) -> geozero::error::Result<bool> {
        let value = match *v {
            ColumnValue::Byte(x) => Value::from(x),
            ColumnValue::UByte(x) => Value::from(x),
            ColumnValue::Bool(x) => Value::from(x),
            ColumnValue::Short(x) => Value::from(x),
            ColumnValue::UShort(x) => Value::from(x),
            ColumnValue::Int(x) => Value::from(x),
            ColumnValue::UInt(x) => Value::from(x),
            ColumnValue::Long(x) => Value::from(x),
            ColumnValue::ULong(x) => Value::from(x),
            ColumnValue::Float(x) => number_value(x as f64),
            ColumnValue::Double(x) => number_value(x),
            ColumnValue::String(s) | ColumnValue::DateTime(s) => Value::from(s),
            ColumnValue::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::from(s)),
            ColumnValue::Binary(_) => return Ok(false),
        };
        self.0.insert(name.to_string(), value);
        Ok(false)
    }
}

/// Checks that the index and every feature's size prefix fit in the file before the crate
/// reads them: it allocates what a size prefix claims, so a corrupt one could ask for 4 GB.
fn check_feature_sizes(path: &str, bytes: &[u8], count: u64, node_size: u16) -> Result<(), LoadError> {
    let corrupt = |msg: String| LoadError::format(path, format!("corrupt FlatGeobuf: {msg}"));
    let header_size = bytes.get(8..12).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut at = 12 + header_size.ok_or_else(|| corrupt("no header".into()))?;
    if count > bytes.len() as u64 {
        return Err(corrupt(format!("the header declares {count} features in a {}-byte file", bytes.len())));
    }
    if count > 0 && node_size > 0 {
        if node_size < 2 {
            return Err(corrupt(format!("index node size {node_size}")));
        }
        at += flatgeobuf::packed_r_tree::PackedRTree::index_size(count as usize, node_size);
    }
    let mut k = 0;
    while at < bytes.len() {
        let size = bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        match size {
            Some(n) if at + 4 + n <= bytes.len() => at += 4 + n,
            _ => {
                return Err(LoadError::Feature {
                    path: path.to_string(),
                    index: k,
                    id: String::new(),
                    msg: format!("corrupt or truncated FlatGeobuf feature at byte {at}"),
                });
            }
        }
        k += 1;
    }
    Ok(())
}

/// Decodes a FlatGeobuf file held in memory.
pub fn decode(path: &str, bytes: &[u8]) -> Result<Decoded<Geom>, LoadError> {
    // The crate slices property bytes without bounds checks: a corrupt file could panic in it.
    // Turn that into an error naming the file rather than a crash.
    match std::panic::catch_unwind(|| decode_inner(path, bytes)) {
        Ok(r) => r,
        Err(_) => Err(LoadError::format(path, "corrupt FlatGeobuf: a feature's properties overrun its buffer")),
    }
}

fn decode_inner(path: &str, bytes: &[u8]) -> Result<Decoded<Geom>, LoadError> {
    let err = |e: flatgeobuf::Error| LoadError::format(path, format!("not a readable FlatGeobuf file: {e}"));
    let reader = FgbReader::open(std::io::Cursor::new(bytes)).map_err(err)?;
    let header = reader.header();
    let mut out = Decoded::new();
    out.declared_crs = header.crs().and_then(|c| {
        if c.code() != 0 {
            Some(crs::normalize_name(&format!("{}:{}", c.org().unwrap_or("EPSG"), c.code())))
        } else if let Some(s) = c.code_string().filter(|s| !s.is_empty()) {
            Some(crs::normalize_name(s))
        } else {
            c.wkt().filter(|w| !w.trim().is_empty()).map(str::to_string)
        }
    });
    check_feature_sizes(path, bytes, header.features_count(), header.index_node_size())?;
    let mut iter = reader.select_all_seq().map_err(err)?;
    loop {
        let index = out.features.len();
        let feature_err = |e: &dyn std::fmt::Display| LoadError::Feature {
            path: path.to_string(),
            index,
            id: String::new(),
            msg: format!("corrupt FlatGeobuf feature: {e}"),
        };
        let Some(f) = iter.next().map_err(|e| feature_err(&e))? else { break };
        let mut props = Props(Map::new());
        f.process_properties(&mut props).map_err(|e| feature_err(&e))?;
        let geom = if f.geometry().is_none() {
            Geom::Null
        } else {
            let mut c = RingCollector::default();
            f.process_geom(&mut c).map_err(|e| feature_err(&e))?;
            c.into_geom()
        };
        out.push(None, props.0, geom);
    }
    if out.features.is_empty() {
        return Err(LoadError::format(path, "the FlatGeobuf file has no features"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_after_the_magic_bytes_is_an_error_naming_the_file() {
        let mut b = b"fgb\x03fgb\x00".to_vec();
        b.extend_from_slice(&[0xFF; 64]);
        let e = decode("x.fgb", &b).err().unwrap().to_string();
        assert!(e.starts_with("x.fgb: "), "{e}");
        assert!(decode("y.fgb", b"fgb").is_err());
    }

    /// Found by fuzzing: a feature size prefix claiming ~4 GB made the crate allocate it.
    #[test]
    fn a_huge_feature_size_prefix_is_an_error_not_an_allocation() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/formats/world_geography_regions.fgb");
        let mut b = std::fs::read(path).unwrap();
        let reader = FgbReader::open(std::io::Cursor::new(&b[..])).unwrap();
        let h = reader.header();
        let (n, node) = (h.features_count() as usize, h.index_node_size());
        let header = 12 + u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize;
        let first = header + flatgeobuf::packed_r_tree::PackedRTree::index_size(n, node);
        b[first..first + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let e = decode("big.fgb", &b).err().unwrap().to_string();
        assert!(e.starts_with("big.fgb: feature 0") && e.contains("corrupt or truncated"), "{e}");
    }
}
