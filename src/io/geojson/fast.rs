//! A hand-written reader for the common shape of a GeoJSON feature: members in any order, a
//! Polygon or MultiPolygon geometry, flat properties. It reads coordinates straight into
//! exactly sized rings, where serde_json's generic path grew a `Vec` per ring and a visitor
//! call per number; on the 1.2M-hexagon grid that was most of the decode stage.
//!
//! Anything else (a GeometryCollection, a Point, coordinates before the type, a repeated
//! member, invalid JSON) gives
//! `None`, and the caller reads the feature with serde_json, for the same result or the exact
//! error. The differential fuzz target (`fuzz/fuzz_targets/geojson.rs`) checks that the two
//! paths agree; so does the test below.
//!
//! Numbers: a JSON number of at most 19 significant digits whose significand is at most 2^53
//! and whose decimal exponent is within ±22 is `significand × 10^e` or `significand / 10^-e`,
//! both operands exact in `f64`, so one correctly rounded operation: the nearest `f64`, which
//! is what serde_json gives for the same text (crossbound enables its `float_roundtrip`, so
//! that every number, and every report read back, is the nearest `f64`). Any other number (17
//! significant digits, as GDAL writes most coordinates, is past 2^53) is read by the standard
//! library's `f64` parser, which is also correctly rounded (Eisel–Lemire with an exact
//! fallback) and twice as fast as serde_json's; a number out of `f64`'s range, which
//! serde_json rejects, is declined.

use crate::io::decode::{Geom, Properties, Rings};
use geo::Coord;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// A feature read by [`feature`].
pub(super) struct Feature {
    /// The `id` member (absent or null: `None`).
    pub id: Option<Value>,
    /// The `properties` member (absent or null: empty).
    pub properties: Properties,
    /// The geometry (absent or null: [`Geom::Null`]).
    pub geometry: Geom,
}

/// Reads one feature from its exact text (as the document split gives it), or `None` when it
/// is not of the common shape (see the module docs).
pub(super) fn feature(text: &str) -> Option<Feature> {
    let (f, end) = feature_at(text, 0)?;
    let mut c = Cursor { s: text, b: text.as_bytes(), i: end };
    c.skip_ws();
    (c.i == c.b.len()).then_some(f)
}

/// Reads the feature object starting at `text[start]` (whitespace before it skipped), and gives
/// the position one past its closing `}`; `None` when it is not of the common shape. What it
/// accepts is valid JSON, so its end is where a structural scan of the same object ends.
pub(super) fn feature_at(text: &str, start: usize) -> Option<(Feature, usize)> {
    let mut c = Cursor { s: text, b: text.as_bytes(), i: start };
    let (mut kind, mut id, mut properties, mut geometry) = (false, None, None, None);
    c.expect(b'{')?;
    if !c.eat(b'}') {
        loop {
            let key = c.string()?;
            c.expect(b':')?;
            match &*key {
                "type" if !kind => {
                    if c.string()? != "Feature" {
                        return None;
                    }
                    kind = true;
                }
                "id" if id.is_none() => id = Some(c.value::<Option<Value>>()?),
                "properties" if properties.is_none() => properties = Some(c.properties()?),
                "geometry" if geometry.is_none() => geometry = Some(c.geometry()?),
                "type" | "id" | "properties" | "geometry" => return None,
                _ => c.value::<serde::de::IgnoredAny>().map(drop)?,
            }
            if !c.eat(b',') {
                c.expect(b'}')?;
                break;
            }
        }
    }
    let f = Feature {
        id: id.flatten(),
        properties: properties.unwrap_or_default(),
        geometry: geometry.unwrap_or(Geom::Null),
    };
    Some((f, c.i))
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

std::thread_local! {
    /// The points of the ring being read, copied out at its end into a ring of exact size.
    static RING: std::cell::RefCell<Vec<Coord<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The properties of the feature being read, likewise.
    static PAIRS: std::cell::RefCell<Vec<(std::sync::Arc<str>, Value)>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// Skips whitespace, then consumes `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        let hit = self.b.get(self.i) == Some(&c);
        self.i += hit as usize;
        hit
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// A string; escapes are decoded by serde_json.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.skip_ws();
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut i = start;
        loop {
            match *self.b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some(Cow::Borrowed(&self.s[start..i]));
                }
                b'\\' => return self.value::<String>().map(Cow::Owned),
                0..0x20 => return None,
                _ => i += 1,
            }
        }
    }

    /// Any JSON value, read by serde_json (validated; ends where serde_json says).
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        let mut stream = serde_json::Deserializer::from_str(&self.s[self.i..]).into_iter::<T>();
        let v = stream.next()?.ok()?;
        self.i += stream.byte_offset();
        Some(v)
    }

    /// An object of properties, or null (no properties).
    fn properties(&mut self) -> Option<Properties> {
        self.skip_ws();
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            return Some(Properties::default());
        }
        self.expect(b'{')?;
        PAIRS.with_borrow_mut(|pairs| {
            pairs.clear();
            if !self.eat(b'}') {
                loop {
                    // The name shared with the other features' (no string per feature).
                    let key = crate::model::shared_name(&self.string()?);
                    self.expect(b':')?;
                    self.skip_ws();
                    let value = match self.b.get(self.i)? {
                        b'"' => Value::String(self.string()?.into_owned()),
                        _ => self.value::<Value>()?,
                    };
                    pairs.push((key, value));
                    if !self.eat(b',') {
                        self.expect(b'}')?;
                        break;
                    }
                }
            }
            // Drained into a table of the exact size: collected from a growing vector, each
            // feature's table was copied once more when shrunk to size.
            Some(pairs.drain(..).collect())
        })
    }

    /// A geometry object (Polygon or MultiPolygon, type before coordinates), or null.
    fn geometry(&mut self) -> Option<Geom> {
        self.skip_ws();
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            return Some(Geom::Null);
        }
        self.expect(b'{')?;
        let mut kind: Option<Cow<str>> = None;
        let mut polygons = None;
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            match &*key {
                "type" if kind.is_none() => kind = Some(self.string()?),
                "coordinates" if polygons.is_none() => {
                    polygons = Some(match kind.as_deref()? {
                        "Polygon" => vec![self.rings()?],
                        "MultiPolygon" => self.array(Self::rings)?,
                        _ => return None,
                    })
                }
                "type" | "coordinates" | "geometries" => return None,
                _ => self.value::<serde::de::IgnoredAny>().map(drop)?,
            }
            if !self.eat(b',') {
                self.expect(b'}')?;
                break;
            }
        }
        polygons.map(Geom::Polygons)
    }

    /// `[a, b, …]`, each element read by `element`.
    fn array<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut out = Vec::with_capacity(1);
        if self.eat(b']') {
            return Some(out);
        }
        loop {
            out.push(element(self)?);
            if !self.eat(b',') {
                self.expect(b']')?;
                return Some(out);
            }
        }
    }

    /// A polygon's rings.
    fn rings(&mut self) -> Option<Rings> {
        self.array(Self::ring)
    }

    /// A ring of positions, exactly sized.
    fn ring(&mut self) -> Option<Vec<Coord<f64>>> {
        RING.with_borrow_mut(|pts| {
            pts.clear();
            self.expect(b'[')?;
            if !self.eat(b']') {
                loop {
                    pts.push(self.position()?);
                    if !self.eat(b',') {
                        self.expect(b']')?;
                        break;
                    }
                }
            }
            Some(pts.to_vec())
        })
    }

    /// `[x, y]`; further numbers (elevation, measure) are read and ignored.
    fn position(&mut self) -> Option<Coord<f64>> {
        self.expect(b'[')?;
        let x = self.number()?;
        self.expect(b',')?;
        let y = self.number()?;
        while !self.eat(b']') {
            self.expect(b',')?;
            self.number()?;
        }
        Some(Coord { x, y })
    }

    /// A JSON number as serde_json reads it into an `f64` (see the module docs).
    fn number(&mut self) -> Option<f64> {
        self.skip_ws();
        let b = self.b;
        let start = self.i;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        i += negative as usize;
        let (mut significand, mut digits, mut exponent) = (0u64, 0u32, 0i32);
        let mut digit = |i: &mut usize, d: u8| {
            // Past 19 digits the significand could overflow: such numbers go to serde_json.
            if digits < 19 {
                significand = significand * 10 + u64::from(d - b'0');
            }
            digits += 1;
            *i += 1;
        };
        match *b.get(i)? {
            b'0' => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            d @ b'1'..=b'9' => {
                digit(&mut i, d);
                while let Some(&d @ b'0'..=b'9') = b.get(i) {
                    digit(&mut i, d);
                }
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let first = i;
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                digit(&mut i, d);
                exponent -= 1;
            }
            if i == first {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            let negative_exponent = b.get(i) == Some(&b'-');
            i += matches!(b.get(i), Some(b'-' | b'+')) as usize;
            let first = i;
            let mut e = 0i32;
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
                i += 1;
            }
            if i == first {
                return None;
            }
            exponent = exponent.saturating_add(if negative_exponent { -e } else { e });
        }
        self.i = i;
        if digits <= 19 && significand <= 1 << 53 && (-22..=22).contains(&exponent) {
            let m = significand as f64;
            let v = if exponent >= 0 { m * POW10[exponent as usize] } else { m / POW10[-exponent as usize] };
            return Some(if negative { -v } else { v });
        }
        // Already checked to be a JSON number, so the standard parser accepts it; it reads out
        // of range as infinite, which serde_json rejects: declined, for serde_json's error.
        self.s[start..i].parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        let cases = [
            "0",
            "-0",
            "-0.0",
            "1",
            "-180",
            "179.999999999",
            "-89.783493649",
            "1e3",
            "1E-3",
            "2.5e+2",
            "0.1",
            "0.3",
            "123456789012345678",
            "9007199254740993",
            "1.7976931348623157e308",
            "4.9e-324",
            "1e-400",
            "0.000001234",
            "12345678901234567890123",
            "3.14159265358979323846",
            "-1.5e22",
            "1e23",
            "7e-23",
            "-58.044332647733484",
            "179.99999999999997158",
            "2.2250738585072011e-308",
            "2.4703282292062327e-324",
            "9007199254740992.5",
            "0.30000000000000001665",
        ];
        for t in cases {
            let mut c = Cursor { s: t, b: t.as_bytes(), i: 0 };
            let mine = c.number().unwrap();
            assert_eq!(c.i, t.len(), "{t}");
            let theirs: f64 = serde_json::from_str(t).unwrap();
            assert_eq!(mine.to_bits(), theirs.to_bits(), "{t}: {mine} against {theirs}");
        }
        for t in ["01", "-", "1.", ".5", "+1", "1e", "1e+", "-a", "NaN", "1e999"] {
            let mut c = Cursor { s: t, b: t.as_bytes(), i: 0 };
            assert!(c.number().is_none_or(|_| c.i < t.len()), "{t}");
        }
    }

    #[test]
    fn numbers_of_every_length_read_as_serde_json_reads_them() {
        // Integer parts of 1 to 20 digits, fractions of 0 to 24, some with an exponent, each
        // followed by what may follow a number (or by the end of the text).
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut t = String::new();
            if next() % 2 == 0 {
                t.push('-');
            }
            let int_digits = 1 + next() % 20;
            for k in 0..int_digits {
                let d = (next() % 10) as u8;
                t.push(char::from(b'0' + if k == 0 { d.max(1) } else { d }));
            }
            let frac_digits = next() % 25;
            if frac_digits > 0 {
                t.push('.');
                (0..frac_digits).for_each(|_| t.push(char::from(b'0' + (next() % 10) as u8)));
            }
            if next() % 5 == 0 {
                t.push_str(&format!("e{}", next() % 40));
            }
            let number_len = t.len();
            t.push_str(["", ",", "]", " ,", "]}", "\n"][(next() % 6) as usize]);
            let mut c = Cursor { s: &t, b: t.as_bytes(), i: 0 };
            let mine = c.number().unwrap();
            assert_eq!(c.i, number_len, "{t}");
            let theirs: f64 = serde_json::from_str(&t[..number_len]).unwrap();
            assert_eq!(mine.to_bits(), theirs.to_bits(), "{t}: {mine} against {theirs}");
        }
    }

    #[test]
    fn reads_the_common_shape_and_declines_the_rest() {
        let f = feature(
            r#" { "geometry" : { "coordinates" : [ [ [ 0 , 0 , 5 ] , [1,0] , [1,1] , [0,0] ] ] , "type" : "Polygon" } ,
                "type":"Feature", "properties":{"b":1,"a":"x","c":{"d":[1]}}, "id":null } "#,
        );
        // Coordinates before the type: left to serde_json.
        assert!(f.is_none());
        let f = feature(
            r#"{"type":"Feature","id":7,"properties":{"b":1,"a":"x","c":{"d":[1]}},"bbox":[0,0,1,1],
                "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0,5],[1,0],[1,1],[0,0]]],[]]}}"#,
        )
        .unwrap();
        assert_eq!(f.id, Some(Value::from(7)));
        assert_eq!(f.properties.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(f.properties["c"], serde_json::json!({"d": [1]}));
        let square = vec![
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 1.0, y: 0.0 },
            Coord { x: 1.0, y: 1.0 },
            Coord { x: 0.0, y: 0.0 },
        ];
        assert_eq!(f.geometry, Geom::Polygons(vec![vec![square.clone()], vec![]]));
        assert_eq!(feature(r#"{"geometry":null}"#).unwrap().geometry, Geom::Null);
        for declined in [
            r#"{"type":"Feature","type":"Feature"}"#,
            r#"{"type":"Thing"}"#,
            r#"{"geometry":{"type":"GeometryCollection","geometries":[]}}"#,
            r#"{"geometry":{"type":"Point","coordinates":[1,2]}}"#,
            r#"{"geometry":{"type":"Polygon","coordinates":[[["a",0]]]}}"#,
            r#"{"geometry":{"type":"Polygon","coordinates":[[[0]]]}}"#,
            r#"{"geometry":{"type":"Polygon"}}"#,
            r#"{"properties":[]}"#,
            r#"{"properties":{"a":01}}"#,
            r#"{"bbox":[1,,2]}"#,
            r#"{"id":1,}"#,
            r#"{} x"#,
        ] {
            assert!(feature(declined).is_none(), "{declined}");
        }
    }
}
