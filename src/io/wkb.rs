//! Well-Known Binary, as GeoParquet and GeoPackage store geometry: reading (ISO and EWKB
//! flavours, 2D/Z/M/ZM; Z and M are dropped) and writing (2D ISO MultiPolygon).
//!
//! Counts are checked against the bytes left before anything is allocated, and nesting is
//! bounded, so a hostile blob gets an error, not an allocation failure or a stack overflow.

use super::decode::{Geom, GeometrySource, Rings};
use geo::{Coord, MultiPolygon};

/// A WKB geometry, decoded by the builder.
pub struct WkbBlob(pub Vec<u8>);

impl GeometrySource for WkbBlob {
    fn decode(self) -> Result<Geom, String> {
        parse(&self.0)
    }
}

const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    le: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| {
            format!("WKB truncated: {} byte(s) needed at offset {}, {} left", n, self.pos, self.b.len() - self.pos)
        })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let le = self.le;
        let a: [u8; 4] = self.take(4)?.try_into().map_err(|_| "WKB truncated")?;
        Ok(if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    }
    fn f64(&mut self) -> Result<f64, String> {
        let le = self.le;
        let a: [u8; 8] = self.take(8)?.try_into().map_err(|_| "WKB truncated")?;
        Ok(if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) })
    }
    /// A count of items of at least `min_bytes` each, checked against what is left.
    fn count(&mut self, min_bytes: usize, what: &str) -> Result<usize, String> {
        let n = self.u32()? as usize;
        let left = self.b.len() - self.pos;
        if n.saturating_mul(min_bytes) > left {
            return Err(format!("WKB {what} count {n} does not fit in the {left} byte(s) left"));
        }
        Ok(n)
    }
}

/// Geometry type names by WKB code, for messages.
fn type_name(code: u32) -> &'static str {
    match code {
        1 => "Point",
        2 => "LineString",
        3 => "Polygon",
        4 => "MultiPoint",
        5 => "MultiLineString",
        6 => "MultiPolygon",
        7 => "GeometryCollection",
        8 => "CircularString",
        9 => "CompoundCurve",
        10 => "CurvePolygon",
        11 => "MultiCurve",
        12 => "MultiSurface",
        15 => "PolyhedralSurface",
        16 => "TIN",
        17 => "Triangle",
        _ => "unknown geometry",
    }
}

/// Decodes one WKB geometry.
pub fn parse(bytes: &[u8]) -> Result<Geom, String> {
    let mut r = Reader { b: bytes, pos: 0, le: true };
    let g = geometry(&mut r, 0)?;
    Ok(g)
}

fn geometry(r: &mut Reader, depth: usize) -> Result<Geom, String> {
    if depth > MAX_DEPTH {
        return Err(format!("WKB geometry nested deeper than {MAX_DEPTH} levels"));
    }
    r.le = match r.u8()? {
        0 => false,
        1 => true,
        b => return Err(format!("WKB byte order {b} at offset {} (expected 0 or 1)", r.pos - 1)),
    };
    let raw = r.u32()?;
    // EWKB flags, then ISO thousands.
    let (mut z, mut m) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
    let srid = raw & 0x2000_0000 != 0;
    let mut code = raw & 0x0FFF_FFFF;
    match code / 1000 {
        0 => {}
        1 => z = true,
        2 => m = true,
        3 => (z, m) = (true, true),
        _ => return Err(format!("WKB geometry type {raw} is not a known type")),
    }
    code %= 1000;
    if srid {
        r.u32()?;
    }
    let dims = 2 + z as usize + m as usize;
    match code {
        1 => {
            let x = r.f64()?;
            for _ in 1..dims {
                r.f64()?;
            }
            // An empty point is written with NaN coordinates.
            Ok(if x.is_nan() { Geom::Empty } else { Geom::Other("Point".into()) })
        }
        2 => {
            let n = r.count(8 * dims, "point")?;
            r.take(n * 8 * dims)?;
            Ok(if n == 0 { Geom::Empty } else { Geom::Other("LineString".into()) })
        }
        3 => {
            let rings = polygon(r, dims)?;
            Ok(if rings.is_empty() { Geom::Empty } else { Geom::Polygons(vec![rings]) })
        }
        4..=7 => {
            let n = r.count(5, "member")?;
            let mut polys = Vec::new();
            let mut other = None;
            for _ in 0..n {
                match geometry(r, depth + 1)? {
                    Geom::Polygons(p) => polys.extend(p),
                    Geom::Other(k) => other = Some(k),
                    Geom::Null | Geom::Empty => {}
                }
            }
            let name = type_name(code);
            Ok(match (polys.is_empty(), other) {
                (false, _) => Geom::Polygons(polys),
                (true, Some(k)) if code == 7 => Geom::Other(format!("{name} of {k}")),
                (true, Some(_)) => Geom::Other(name.into()),
                (true, None) => Geom::Empty,
            })
        }
        // Curves, surfaces, triangles: not decoded. Only valid as a whole geometry, where the
        // builder skips it with a warning; inside a collection the rest cannot be located.
        c if depth == 0 => Ok(Geom::Other(type_name(c).into())),
        c => Err(format!("WKB {} inside a collection is not supported", type_name(c))),
    }
}

fn polygon(r: &mut Reader, dims: usize) -> Result<Rings, String> {
    let n = r.count(4, "ring")?;
    let mut rings = Vec::with_capacity(n);
    for _ in 0..n {
        let k = r.count(8 * dims, "point")?;
        let mut ring = Vec::with_capacity(k);
        for _ in 0..k {
            let x = r.f64()?;
            let y = r.f64()?;
            for _ in 2..dims {
                r.f64()?;
            }
            ring.push(Coord { x, y });
        }
        rings.push(ring);
    }
    Ok(rings)
}

/// Appends `mp` as a little-endian 2D ISO WKB MultiPolygon.
pub fn write_multipolygon(mp: &MultiPolygon<f64>, out: &mut Vec<u8>) {
    out.push(1);
    out.extend_from_slice(&6u32.to_le_bytes());
    out.extend_from_slice(&(mp.0.len() as u32).to_le_bytes());
    for p in &mp.0 {
        out.push(1);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(1 + p.interiors().len() as u32).to_le_bytes());
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            out.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Polygon, polygon};

    fn square() -> MultiPolygon<f64> {
        let p: Polygon<f64> = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        MultiPolygon::new(vec![p])
    }

    #[test]
    fn round_trips_a_multipolygon() {
        let mut b = Vec::new();
        write_multipolygon(&square(), &mut b);
        let Geom::Polygons(p) = parse(&b).unwrap() else { panic!() };
        assert_eq!(p.len(), 1);
        assert_eq!(p[0][0].len(), 4);
        assert_eq!(p[0][0][1], Coord { x: 1.0, y: 0.0 });
    }

    #[test]
    fn reads_big_endian_z_polygon_and_ewkb_srid() {
        // Big-endian ISO PolygonZ (1003) with one 4-point ring.
        let mut b = vec![0u8];
        b.extend_from_slice(&1003u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&4u32.to_be_bytes());
        for (x, y) in [(0.0f64, 0.0f64), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)] {
            for v in [x, y, 99.0] {
                b.extend_from_slice(&v.to_be_bytes());
            }
        }
        let Geom::Polygons(p) = parse(&b).unwrap() else { panic!() };
        assert_eq!(p[0][0][2], Coord { x: 2.0, y: 2.0 });
        // EWKB little-endian Polygon with SRID 4326.
        let mut e = vec![1u8];
        e.extend_from_slice(&(3u32 | 0x2000_0000).to_le_bytes());
        e.extend_from_slice(&4326u32.to_le_bytes());
        e.extend_from_slice(&1u32.to_le_bytes());
        e.extend_from_slice(&3u32.to_le_bytes());
        for v in [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        assert!(matches!(parse(&e).unwrap(), Geom::Polygons(_)));
    }

    #[test]
    fn non_polygons_empties_and_hostile_counts() {
        let mut pt = vec![1u8];
        pt.extend_from_slice(&1u32.to_le_bytes());
        pt.extend_from_slice(&1.0f64.to_le_bytes());
        pt.extend_from_slice(&2.0f64.to_le_bytes());
        assert_eq!(parse(&pt).unwrap(), Geom::Other("Point".into()));
        let mut empty = vec![1u8];
        empty.extend_from_slice(&6u32.to_le_bytes());
        empty.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(parse(&empty).unwrap(), Geom::Empty);
        // A ring count of four billion in a 13-byte blob: an error, no allocation.
        let mut huge = vec![1u8];
        huge.extend_from_slice(&3u32.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&huge).unwrap_err().contains("does not fit"));
        assert!(parse(&[1, 3, 0]).unwrap_err().contains("truncated"));
        assert!(parse(&[7]).unwrap_err().contains("byte order"));
        // Deeply nested collections: an error, not a stack overflow.
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.push(1u8);
            deep.extend_from_slice(&7u32.to_le_bytes());
            deep.extend_from_slice(&1u32.to_le_bytes());
        }
        assert!(parse(&deep).is_err());
    }
}
