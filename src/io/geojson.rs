//! GeoJSON decoder: a FeatureCollection, a single Feature or a bare Geometry.
//!
//! A FeatureCollection is split into features on all threads (module `split`), each feature
//! read where the split meets it, geometry included, by a hand-written reader of the common
//! shape (module `fast`), which also finds where it ends: one pass over the text (a collection
//! under 4 MB is scanned on one thread, then its features read in parallel). Any other
//! feature is only delimited there (a structural scan) and read by serde_json into lean structs, its
//! geometry kept as a raw JSON slice for the builder, and anything unusual in the document is
//! parsed as a whole document instead. That is faster and leaner than a full GeoJSON object model (see
//! BENCHMARKS.md, "GeoJSON parsing") and lets every error name the feature it comes from.
//!
//! Text encodings: UTF-8 (a byte-order mark, as Windows tools write, is skipped with a
//! warning) and UTF-16 with a byte-order mark (decoded, with a warning).

use super::LoadError;
use super::builder::{build_layer, value_to_key};
use super::decode::{Decoded, Geom, GeometrySource, Properties, Rings};
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

mod fast;

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
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'a, str>>,
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

/// A polygon's rings from parsed positions.
fn rings(r: Vec<Vec<Pos>>) -> Rings {
    r.into_iter().map(|ring| ring.into_iter().map(|p| p.0).collect()).collect()
}

/// The GeoJSON geometry types that hold no polygon (skipped with a warning naming them).
const NON_POLYGON_TYPES: [&str; 4] = ["Point", "MultiPoint", "LineString", "MultiLineString"];

/// A GeometryCollection as one geometry: the polygons of its members; with none, the type of
/// a member that holds no polygon (for the warning), else null.
fn collection_geometry(members: impl IntoIterator<Item = Geom>) -> Geom {
    let mut polys = Vec::new();
    let mut other = None;
    for m in members {
        match m {
            Geom::Polygons(p) => polys.extend(p),
            Geom::Other(k) => other = Some(k),
            Geom::Null | Geom::Empty => {}
        }
    }
    match (polys.is_empty(), other) {
        (true, Some(k)) => Geom::Other(format!("GeometryCollection of {k}")),
        (true, None) => Geom::Null,
        _ => Geom::Polygons(polys),
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
    match g.kind.as_str() {
        "Polygon" => {
            let r: Vec<Vec<Pos>> = serde_json::from_str(coords(g.coordinates, &g.kind)?.get())
                .map_err(|e| format!("Polygon coordinates: {e}"))?;
            Ok(Geom::Polygons(vec![rings(r)]))
        }
        "MultiPolygon" => {
            let r: Vec<Vec<Vec<Pos>>> = serde_json::from_str(coords(g.coordinates, &g.kind)?.get())
                .map_err(|e| format!("MultiPolygon coordinates: {e}"))?;
            Ok(Geom::Polygons(r.into_iter().map(rings).collect()))
        }
        "GeometryCollection" => {
            let members: Vec<Geom> =
                g.geometries.unwrap_or_default().into_iter().map(parse_geometry).collect::<Result<_, _>>()?;
            Ok(collection_geometry(members))
        }
        k if NON_POLYGON_TYPES.contains(&k) => Ok(Geom::Other(g.kind.clone())),
        other => Err(format!("unknown geometry type '{other}'")),
    }
}

/// The CRS named by a legacy `crs` member (`{"type":"name","properties":{"name":…}}`), normalised.
fn declared_crs(crs_member: Option<&Value>) -> Option<String> {
    crs_member?.get("properties")?.get("name")?.as_str().map(crs::normalize_name)
}

/// A structural scan of a JSON document: the top-level object's members and the elements of its
/// `"features"` array as text slices, found by counting brackets outside strings. It does not
/// validate: every slice is parsed by serde_json afterwards, and anything the scan does not
/// expect gives `None` (the caller then parses the whole document, for the exact error).
mod split {
    use super::fast;

    /// A top-level object with a `"features"` array.
    pub struct Collection<'a> {
        /// The other members: (decoded key, value text).
        pub members: Vec<(String, &'a str)>,
        /// The elements of `"features"`, in order, in consecutive runs (one per piece of a
        /// split on all threads: joining them would hold the table twice).
        pub features: Vec<Vec<Element<'a>>>,
        /// Whether the split read the features (an element without one was declined by the
        /// feature reader), or only delimited them.
        pub read: bool,
    }

    /// One element of the features array: its text, and the feature read from it when the
    /// scan read it (see [`elements`]).
    pub struct Element<'a> {
        pub text: &'a str,
        pub feature: Option<fast::Feature>,
    }

    /// How a scan takes the element starting at `text[i]`: the element and where it ends.
    type Take<'a> = fn(&'a str, usize) -> Option<(Element<'a>, usize)>;

    /// The element's extent only (a structural scan).
    fn scan<'a>(text: &'a str, i: usize) -> Option<(Element<'a>, usize)> {
        let end = value_end(text.as_bytes(), i)?;
        Some((Element { text: &text[i..end], feature: None }, end))
    }

    /// The element read as a feature of the common shape, which also finds its end; else its
    /// extent only (read later by the caller).
    fn read<'a>(text: &'a str, i: usize) -> Option<(Element<'a>, usize)> {
        match fast::feature_at(text, i) {
            Some((f, end)) => Some((Element { text: &text[i..end], feature: Some(f) }, end)),
            None => scan(text, i),
        }
    }

    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The end (one past the closing quote) of the string starting at `b[i] == '"'`.
    fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
        i += 1;
        loop {
            // Strings in GeoJSON are mostly short keys: a plain loop beats a memchr call.
            while *b.get(i)? != b'"' && b[i] != b'\\' {
                i += 1;
            }
            if b[i] == b'\\' {
                i += 2;
            } else {
                return Some(i + 1);
            }
        }
    }

    const QUOTE: u8 = 1;
    const OPEN: u8 = 2;
    const CLOSE: u8 = 3;
    /// The structural class of each byte: 0 for bytes the scan skips.
    static CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        t[b'"' as usize] = QUOTE;
        t[b'{' as usize] = OPEN;
        t[b'[' as usize] = OPEN;
        t[b'}' as usize] = CLOSE;
        t[b']' as usize] = CLOSE;
        t
    };

    /// The end of the value starting at `b[i]` (not whitespace).
    fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
        match *b.get(i)? {
            b'"' => string_end(b, i),
            b'{' | b'[' => {
                // Only quotes and brackets matter: the bytes in between are skipped by a
                // table lookup (most of a GeoJSON file is digits, commas and dots).
                let mut depth = 0usize;
                loop {
                    let c = loop {
                        let c = CLASS[*b.get(i)? as usize];
                        if c != 0 {
                            break c;
                        }
                        i += 1;
                    };
                    match c {
                        QUOTE => {
                            i = string_end(b, i)?;
                            continue;
                        }
                        OPEN => depth += 1,
                        _ => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                    }
                    i += 1;
                }
            }
            _ => {
                // A number, true, false or null: up to the next delimiter.
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                (i > start).then_some(i)
            }
        }
    }

    /// Splits `text` if it is an object with a `"features"` array, members not repeated.
    #[cfg(test)]
    pub fn collection(text: &str) -> Option<Collection<'_>> {
        collection_with(text, &|_| {})
    }

    /// [`collection`], handing `done_with` each stretch of the text that the split on all
    /// threads has read (see [`super::decode_with`]).
    pub fn collection_with<'a>(text: &'a str, done_with: &(dyn Fn(&[u8]) + Sync)) -> Option<Collection<'a>> {
        let b = text.as_bytes();
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let mut members = Vec::new();
        let mut features = None;
        if b.get(i) != Some(&b'}') {
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                let key_end = string_end(b, i)?;
                let key: String = serde_json::from_str(&text[i..key_end]).ok()?;
                i = skip_ws(b, key_end);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = skip_ws(b, i + 1);
                let end = if key == "features" {
                    if features.is_some() || b.get(i) != Some(&b'[') {
                        return None;
                    }
                    let (runs, end, read) = elements(text, i, done_with)?;
                    features = Some((runs, read));
                    end
                } else {
                    if members.iter().any(|(k, _)| *k == key) {
                        return None;
                    }
                    let end = value_end(b, i)?;
                    members.push((key, &text[i..end]));
                    end
                };
                i = skip_ws(b, end);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b'}') => break,
                    _ => return None,
                }
            }
        }
        // Nothing but whitespace after the object.
        if skip_ws(b, i + 1) != b.len() {
            return None;
        }
        let (features, read) = features?;
        Some(Collection { members, features, read })
    }

    /// The elements of the array starting at `text[start] == '['`, and the end of the array
    /// (one past its `]`). A long array (a feature collection of hundreds of megabytes) is split
    /// on all threads, each feature read as it is met (one pass over the text): see
    /// [`speculative_elements`]. A short one, or one that split declines, is only scanned
    /// here, on one thread, and its features are read by the caller, in parallel.
    fn elements<'a>(
        text: &'a str,
        start: usize,
        done_with: &(dyn Fn(&[u8]) + Sync),
    ) -> Option<(Vec<Vec<Element<'a>>>, usize, bool)> {
        let b = text.as_bytes();
        let first = skip_ws(b, start + 1);
        if b.get(first) == Some(&b']') {
            return Some((vec![Vec::new()], first + 1, false));
        }
        let token = super::CANCEL.with(|t| t.borrow().clone());
        let cancelled = || token.as_ref().is_some_and(|t| t.load(std::sync::atomic::Ordering::Relaxed));
        if b.len() - first >= SPECULATE_FROM
            && let Some((runs, end)) = speculative_elements(text, first, read, &cancelled, done_with)
        {
            return Some((runs, end, true));
        }
        let run = elements_from(text, first, None, scan, &cancelled)?;
        Some((vec![run.elements], run.end?, false))
    }

    /// Arrays at least this long (bytes) are split by [`speculative_elements`].
    const SPECULATE_FROM: usize = 1 << 22;

    /// Elements scanned from one position, up to a stop position or the array's end.
    struct Run<'a> {
        elements: Vec<Element<'a>>,
        /// Where the next element starts (at or past the stop position), if the array goes on.
        next: usize,
        /// One past the array's `]`, if the run reached it.
        end: Option<usize>,
    }

    /// Scans elements from `i` (the start of an element, or so assumed) until an element
    /// starts at or after `stop`, or the array ends.
    fn elements_from<'a>(
        text: &'a str,
        mut i: usize,
        stop: Option<usize>,
        take: Take<'a>,
        cancelled: &dyn Fn() -> bool,
    ) -> Option<Run<'a>> {
        let b = text.as_bytes();
        let mut elements = Vec::new();
        loop {
            if let Some(stop) = stop
                && i >= stop
            {
                return Some(Run { elements, next: i, end: None });
            }
            if elements.len() % 4096 == 0 && cancelled() {
                return None;
            }
            let (element, e) = take(text, i)?;
            elements.push(element);
            i = skip_ws(b, e);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => return Some(Run { elements, next: i, end: Some(i + 1) }),
                _ => return None,
            }
        }
    }

    /// The split of a long array on all threads, checked. The text is cut into pieces, each
    /// starting at a guessed element boundary (a `{` after `},`); the pieces are scanned in
    /// parallel, each up to the next one's guessed start. The first piece starts at a true
    /// boundary; a piece whose scan, from a true boundary, lands exactly on the next guess has
    /// proved that guess true (the scan is deterministic), and so on along the pieces. Any
    /// guess not proved (a `},{` inside a string, say): `None`, and the caller scans the array
    /// on one thread.
    ///
    /// Each piece's text, once scanned, is handed to `done_with` (which may drop a mapped
    /// file's pages: what is read again later is paged back in).
    fn speculative_elements<'a>(
        text: &'a str,
        first: usize,
        take: Take<'a>,
        cancelled: &(dyn Fn() -> bool + Sync),
        done_with: &(dyn Fn(&[u8]) + Sync),
    ) -> Option<(Vec<Vec<Element<'a>>>, usize)> {
        use rayon::prelude::*;
        let b = text.as_bytes();
        let pieces = rayon::current_num_threads() * 4;
        if pieces < 2 {
            return None;
        }
        let mut starts = vec![first];
        let piece = (b.len() - first) / pieces;
        for k in 1..pieces {
            let from = first + piece * k;
            // Looked for within its piece only: a document of one huge feature has no boundary
            // to find, and the guesses then cost one pass over the text, not one each.
            if let Some(guess) = guess_boundary(&b[..from + piece], from)
                && guess > *starts.last()?
            {
                starts.push(guess);
            }
        }
        let runs: Vec<Option<Run<'a>>> = starts
            .par_iter()
            .enumerate()
            .map(|(k, &s)| {
                let run = elements_from(text, s, starts.get(k + 1).copied(), take, cancelled);
                if let Some(r) = &run {
                    done_with(&b[s..r.next.min(b.len())]);
                }
                run
            })
            .collect();
        let mut elements = Vec::with_capacity(runs.len());
        let last = runs.len() - 1;
        for (k, run) in runs.into_iter().enumerate() {
            let run = run?;
            elements.push(run.elements);
            match run.end {
                Some(end) if k == last => return Some((elements, end)),
                None if k < last && run.next == starts[k + 1] => {}
                _ => return None,
            }
        }
        None
    }

    /// The first `{` at or after `from` that follows `}` and `,` (whitespace allowed between),
    /// within `b`.
    fn guess_boundary(b: &[u8], from: usize) -> Option<usize> {
        let mut i = from;
        loop {
            i += b.get(i..)?.iter().position(|&c| c == b',')?;
            let before = b[..i].iter().rposition(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
            let after = skip_ws(b, i + 1);
            if before.is_some_and(|p| b[p] == b'}') && b.get(after) == Some(&b'{') {
                return Some(after);
            }
            i += 1;
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn texts<'a>(runs: &[Vec<Element<'a>>]) -> Vec<&'a str> {
            runs.iter().flatten().map(|e| e.text).collect()
        }

        #[test]
        fn splits_members_and_features() {
            let t = r#" { "type" : "FeatureCollection", "x\"]": [1, "]}"] ,
              "features": [ {"a": "}\\"}, {"b": [[1,2]]} ,null ] } "#;
            let c = collection(t).unwrap();
            assert_eq!(
                c.members,
                [("type".to_string(), r#""FeatureCollection""#), ("x\"]".to_string(), r#"[1, "]}"]"#)]
            );
            assert_eq!(texts(&c.features), [r#"{"a": "}\\"}"#, r#"{"b": [[1,2]]}"#, "null"]);
            assert_eq!(texts(&collection(r#"{"features":[]}"#).unwrap().features).len(), 0);
        }

        #[test]
        fn the_parallel_split_equals_the_sequential_one_or_declines() {
            let never = || false;
            let features: Vec<String> = (0..500)
                .map(|i| {
                    format!(r#"{{"type":"Feature","properties":{{"n":"{}"}},"geometry":null}}"#, "x".repeat(i % 7))
                })
                .collect();
            let text = format!("[{}]", features.join(",\n"));
            let (parallel, end) = speculative_elements(&text, 1, scan, &never, &|_| {}).unwrap();
            assert_eq!(end, text.len());
            assert!(parallel.len() > 1);
            assert_eq!(texts(&parallel), features);
            // Read as they are met: the same elements, each read as a feature.
            let (parsed, _) = speculative_elements(&text, 1, read, &never, &|_| {}).unwrap();
            assert_eq!(texts(&parsed), features);
            assert!(parsed.iter().flatten().all(|e| e.feature.is_some()));
            // A guessed boundary inside a string is not proved: declined.
            let trap = r#"{"type":"Feature","properties":{"n":"}, {\"a\":1}, }, {"},"geometry":null}"#;
            let text = format!("[{}]", vec![trap; 200].join(","));
            let guessed =
                (1..8).filter_map(|k| guess_boundary(text.as_bytes(), text.len() / 8 * k)).collect::<Vec<_>>();
            assert!(guessed.iter().any(|&g| !text[..g].ends_with("},{")), "the test must set the trap");
            assert!(speculative_elements(&text, 1, read, &never, &|_| {}).is_none());
            let sequential = elements_from(&text, 1, None, scan, &never).unwrap();
            assert_eq!(sequential.elements.len(), 200);
            let (runs, _, read) = elements(&text, 0, &|_| {}).unwrap();
            assert!(!read);
            assert_eq!(texts(&runs), texts(&[sequential.elements]));
        }

        #[test]
        fn anything_unexpected_is_left_to_the_full_parse() {
            for t in [
                r#"{"features":[{}],"features":[]}"#,
                r#"{"type":1,"type":2,"features":[]}"#,
                r#"{"features":[{},]}"#,
                r#"{"features":[{} {}]}"#,
                r#"{"features":[{"a":"]}"#,
                r#"{"features":[]} x"#,
                r#"{"features":{}}"#,
                r#"{"features":[[[[["#,
                r#"[{"features":[]}]"#,
                r#"{"type":"FeatureCollection""#,
                r#"{"features":[], }"#,
            ] {
                assert!(collection(t).is_none(), "{t}");
            }
        }
    }
}

/// A feature's geometry: parsed with its feature, or a raw JSON slice parsed by the builder.
pub enum JsonGeometry<'a> {
    /// Parsed already (the fast path of a FeatureCollection).
    Parsed(Geom),
    /// A raw slice (absent: no geometry member), parsed by the builder.
    Raw(Option<&'a RawValue>),
}

impl GeometrySource for JsonGeometry<'_> {
    fn decode(self) -> Result<Geom, String> {
        match self {
            JsonGeometry::Parsed(g) => Ok(g),
            JsonGeometry::Raw(None) => Ok(Geom::Null),
            JsonGeometry::Raw(Some(raw)) => parse_geometry(raw),
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

/// Splits a GeoJSON document into features: parsed with their geometry (the fast path), or
/// with geometries left as raw JSON for the builder.
pub fn decode<'a>(path: &str, text: &'a str) -> Result<Decoded<JsonGeometry<'a>>, LoadError> {
    decode_with(path, text, &|_| {})
}

/// [`decode`], handing `done_with` each stretch of `text` that the parallel split has read:
/// a caller whose text is a mapped file drops those pages then, instead of holding the whole
/// file in memory until the end of decoding, beside everything decoded from it (on the
/// 306 MB hexagon grid, a peak of ~820 MB became ~650-700). Pages read again later (a feature
/// left to the whole-document parse, an error message) are paged back in from the file.
pub fn decode_with<'a>(
    path: &str,
    text: &'a str,
    done_with: &(dyn Fn(&[u8]) + Sync),
) -> Result<Decoded<JsonGeometry<'a>>, LoadError> {
    // The common case, a FeatureCollection, is split into features by a structural scan and
    // its features parsed in parallel; anything unusual (or wrong) is read by the whole-document
    // parse below, which gives the exact error.
    match split::collection_with(text, done_with) {
        Some(c) => {
            if let Some(d) = decode_split(path, c)? {
                return Ok(d);
            }
        }
        None if scan_cancelled() => return Err(LoadError::Cancelled),
        None => {}
    }
    decode_document(path, text)
}

/// [`decode`] without the fast path: the whole document parsed by serde_json at once, which
/// gives the exact error of anything wrong.
fn decode_document<'a>(path: &str, text: &'a str) -> Result<Decoded<JsonGeometry<'a>>, LoadError> {
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
    out.declared_crs = declared_crs(doc.crs.as_ref());
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
                let properties = properties_of(path, index, &f.id, f.properties)?;
                out.push(f.id, properties, JsonGeometry::Raw(f.geometry));
            }
        }
        Some("Feature") => {
            let properties = match doc.properties {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            out.push(doc.id, properties, JsonGeometry::Raw(doc.geometry));
        }
        Some("Polygon" | "MultiPolygon" | "GeometryCollection") => {
            // A bare geometry: re-read the whole document as one geometry.
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| fmt_err(format!("not valid JSON: {e}")))?;
            out.push(None, Map::new(), JsonGeometry::Raw(Some(raw)));
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

/// A feature's `properties` member as an object: null or absent is empty, anything else an error
/// naming the feature.
fn properties_of(
    path: &str,
    index: usize,
    id: &Option<Value>,
    p: Option<Value>,
) -> Result<Map<String, Value>, LoadError> {
    match p {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(LoadError::Feature {
            path: path.to_string(),
            index,
            id: id.as_ref().and_then(value_to_key).map(|i| format!(" (id \"{i}\")")).unwrap_or_default(),
            msg: "\"properties\" must be an object or null".into(),
        }),
    }
}

/// Builds the decoded layer from a split FeatureCollection, parsing features in parallel.
/// `Ok(None)`: something is not as the fast path expects; the caller parses the whole
/// document instead (for the same result, or the exact error).
fn decode_split<'a>(path: &str, c: split::Collection<'a>) -> Result<Option<Decoded<JsonGeometry<'a>>>, LoadError> {
    use rayon::prelude::*;
    let token = CANCEL.with(|t| t.borrow().clone());
    let cancelled = || token.as_ref().is_some_and(|t| t.load(std::sync::atomic::Ordering::Relaxed));
    // The members other than "features", parsed as the whole-document parse would.
    let mut crs = None;
    for (key, value) in &c.members {
        match key.as_str() {
            "type" => {
                if serde_json::from_str::<&str>(value).ok() != Some("FeatureCollection") {
                    return Ok(None);
                }
            }
            "crs" => match serde_json::from_str::<Value>(value) {
                Ok(v) => crs = Some(v),
                Err(_) => return Ok(None),
            },
            _ => {
                if serde_json::from_str::<de::IgnoredAny>(value).is_err() {
                    return Ok(None);
                }
            }
        }
    }
    if !c.members.iter().any(|(k, _)| k == "type") {
        return Ok(None);
    }
    type Parsed<'a> = Option<Result<(Option<Value>, Properties, JsonGeometry<'a>), LoadError>>;
    // One element: read by the split already (the common shape), or read here: the common
    // shape, else as raw members, its geometry parsed by the builder, which gives the exact
    // error (a GeometryCollection, a point, a bad geometry).
    let read = c.read;
    let parse = |index: usize, e: split::Element<'a>| -> Parsed<'a> {
        if index.is_multiple_of(4096) && cancelled() {
            return Some(Err(LoadError::Cancelled));
        }
        // Not read by the split: read here. Read and declined: not tried twice.
        let feature = if read { e.feature } else { fast::feature(e.text) };
        if let Some(f) = feature {
            return Some(Ok((f.id, f.properties, JsonGeometry::Parsed(f.geometry))));
        }
        let f: RawFeature<'a> = serde_json::from_str(e.text).ok()?;
        if f.kind.as_deref().is_some_and(|k| k != "Feature") {
            return None;
        }
        Some(properties_of(path, index, &f.id, f.properties).map(|p| (f.id, p.into(), JsonGeometry::Raw(f.geometry))))
    };
    let mut out = Decoded::new();
    let total: usize = c.features.iter().map(Vec::len).sum();
    out.features.reserve_exact(total);
    out.geometries.reserve_exact(total);
    // Run by run, each freed once moved: the table is never held twice.
    for run in c.features {
        let base = out.features.len();
        let parsed: Vec<Parsed<'a>> = run.into_par_iter().enumerate().map(|(k, e)| parse(base + k, e)).collect();
        for p in parsed {
            match p {
                None => return Ok(None),
                Some(Err(e)) => return Err(e),
                Some(Ok((id, properties, geometry))) => out.push(id, properties, geometry),
            }
        }
    }
    if out.features.is_empty() {
        return Err(LoadError::Format { path: path.to_string(), msg: "the collection has no features".into() });
    }
    out.declared_crs = declared_crs(crs.as_ref());
    Ok(Some(out))
}

/// Loads a GeoJSON layer from bytes already in memory (`spec.path` names it in messages).
pub fn parse_layer(spec: &LayerSpec, bytes: &[u8], progress: &dyn Progress) -> Result<Layer, LoadError> {
    parse_layer_with(spec, bytes, progress, decode)
}

/// [`parse_layer`] without the fast path: the whole document parsed at once. For the
/// differential fuzz target (`fuzz/fuzz_targets/geojson.rs`), which checks that both agree.
#[doc(hidden)]
pub fn parse_layer_whole_document(spec: &LayerSpec, bytes: &[u8], progress: &dyn Progress) -> Result<Layer, LoadError> {
    parse_layer_with(spec, bytes, progress, decode_document)
}

type Decoder = for<'a> fn(&str, &'a str) -> Result<Decoded<JsonGeometry<'a>>, LoadError>;

fn parse_layer_with(
    spec: &LayerSpec,
    bytes: &[u8],
    progress: &dyn Progress,
    decode: Decoder,
) -> Result<Layer, LoadError> {
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

    /// The fast path (structural split, features parsed in parallel with their geometry) gives
    /// what the whole-document parse gives: the same layer, or the same error.
    #[test]
    fn fast_path_matches_the_whole_document_parse() {
        let p = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}"#;
        let docs = [
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"a","n":{{"x":[1,"]"]}}}},"geometry":{p}}}]}}"#),
            // Member order, escapes, unknown members, a crs, a foreign member in the geometry.
            r#"{"crs":{"type":"name","properties":{"name":"EPSG:4326"}},"bbox":[0,0,1,1],"features":[{"geometry":{"bbox":[0],"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]},"properties":{"id":"\u0041\"b"},"type":"Feature"}],"type":"FeatureCollection"}"#.to_string(),
            // Coordinates before the type, a collection, a point, null and absent geometries.
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"id":1},"geometry":{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Polygon"}},
              {"type":"Feature","properties":{"id":2},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}]}},
              {"type":"Feature","properties":{"id":3},"geometry":{"type":"Point","coordinates":[1,2,3]}},
              {"type":"Feature","properties":{"id":4},"geometry":null},
              {"type":"Feature","properties":{"id":5}}]}"#.to_string(),
            // Errors: a bad geometry, a wrong feature type, bad properties, bad JSON, no type.
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"q"},"geometry":{"type":"Polygon","coordinates":[[["a",0]]]}}]}"#.to_string(),
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"q"},"geometry":{"type":"Polygon"}}]}"#.to_string(),
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"q"},"geometry":{"type":"Circle","coordinates":[]}}]}"#.to_string(),
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{p}}},{{"type":"Thing","properties":{{}},"geometry":{p}}}]}}"#),
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":[],"geometry":{p}}}]}}"#),
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"a":01}},"geometry":{p}}}]}}"#),
            format!(r#"{{"features":[{{"type":"Feature","properties":{{}},"geometry":{p}}}]}}"#),
            r#"{"type":"FeatureCollection","features":[]}"#.to_string(),
        ];
        // A collection long enough to be split on all threads, features read where they are
        // met: the common shape, and features the reader declines (read afterwards).
        let kinds = [
            r#"{"type":"Feature","properties":{"id":ID},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#,
            r#"{"type":"Feature","properties":{"id":ID},"geometry":{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Polygon"}}"#,
            r#"{"type":"Feature","properties":{"id":ID},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}]}}"#,
            r#"{"type":"Feature","properties":{"id":ID},"geometry":{"type":"Point","coordinates":[1,2]}}"#,
        ];
        let features: Vec<String> = (0..40_000).map(|k| kinds[k % kinds.len()].replace("ID", &k.to_string())).collect();
        let long = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",\n"));
        assert!(split::collection(&long).unwrap().read, "the test must take the parallel reading");
        // Every byte of the features array is handed back once read (a mapped file's pages are
        // then dropped), in stretches within the text, none twice.
        let given = std::sync::Mutex::new(Vec::new());
        let base = long.as_ptr() as usize;
        let d = decode_with("t.geojson", &long, &|part: &[u8]| {
            given.lock().unwrap().push((part.as_ptr() as usize - base, part.len()))
        })
        .unwrap();
        assert_eq!(d.features.len(), 40_000);
        let mut given = given.into_inner().unwrap();
        given.sort_unstable();
        assert!(given.len() > 1, "{given:?}");
        assert!(given.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0), "contiguous: {given:?}");
        let (from, to) = (given[0].0, given.last().map(|(s, l)| s + l).unwrap());
        assert_eq!((&long[..from], &long[to..]), (r#"{"type":"FeatureCollection","features":["#, "]}"));
        let docs: Vec<String> = docs.into_iter().chain([long]).collect();
        let show = |d: Result<Decoded<JsonGeometry>, LoadError>| -> String {
            match d.and_then(|d| build_layer(&LayerSpec::new("t.geojson"), "t.geojson", d, &NoProgress)) {
                Ok(l) => format!("{:?} {:?} {:?}", l.units, l.warnings, l.crs),
                Err(e) => format!("error: {e}"),
            }
        };
        for doc in &docs {
            assert_eq!(show(decode("t.geojson", doc)), show(decode_document("t.geojson", doc)), "{doc}");
        }
        // The fast path was taken where it could be.
        assert!(split::collection(&docs[1]).is_some());
        assert!(decode_split("t.geojson", split::collection(&docs[2]).unwrap()).unwrap().is_some());
        let long = docs.last().unwrap();
        assert!(decode_split("t.geojson", split::collection(long).unwrap()).unwrap().is_some());
    }

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
