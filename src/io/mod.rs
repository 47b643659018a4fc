//! Reading layers and writing results. Knows nothing of the analysis.
//!
//! Input is one decoder per format ([`geojson`], [`shapefile`], [`gpkg`], [`flatgeobuf`],
//! [`geoparquet`]) over one format-neutral [`builder`]. The format is chosen by extension and
//! checked by content (magic bytes), so a misnamed file gets a clear error. Adding a format is
//! one decoder file plus a line in [`Format`].

pub mod atomic;
pub mod builder;
pub mod decode;
pub mod flatgeobuf;
pub mod geojson;
pub mod geoparquet;
pub mod gpkg;
pub mod memory;
pub mod parts;
pub mod shapefile;
pub mod wkb;

pub use atomic::write_atomic;

use crate::model::{FieldMapping, Layer, LayerSpec, LoadTimes};
use crate::progress::{NoProgress, Progress};
use decode::{Decoded, Feature, GeometrySource};
use serde_json::{Map, Value};
use std::path::Path;
use std::time::Instant;

/// Runs `$e` with `$d` bound to the decoded layer, whatever its geometry source type.
macro_rules! each_decoded {
    ($any:expr, $d:ident => $e:expr) => {
        match $any {
            AnyDecoded::Json($d) => $e,
            AnyDecoded::Shp($d) => $e,
            AnyDecoded::Gpkg($d) => $e,
            AnyDecoded::Wkb($d) => $e,
            AnyDecoded::Geom($d) => $e,
        }
    };
}

/// Why a layer could not be loaded. Every variant names the file (and the layer, for
/// multi-layer formats); feature errors name the feature's index (0-based, in file order) and
/// id when known.
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
    /// The file is not of the expected format, or not shaped as a layer.
    #[error("{path}: {msg}")]
    Format {
        /// The file (and layer).
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// The user cancelled while the layer was loading.
    #[error("cancelled")]
    Cancelled,
    /// One feature is malformed.
    #[error("{path}: feature {index}{id}: {msg}")]
    Feature {
        /// The file (and layer).
        path: String,
        /// Index of the feature in the file, from 0.
        index: usize,
        /// ` (id "…")` when known, else empty.
        id: String,
        /// What is wrong.
        msg: String,
    },
}

impl LoadError {
    /// A format error for `path`.
    pub fn format(path: impl std::fmt::Display, msg: impl Into<String>) -> Self {
        LoadError::Format { path: path.to_string(), msg: msg.into() }
    }
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON (RFC 7946, or with a legacy `crs` member).
    GeoJson,
    /// ESRI Shapefile: `.shp` with `.dbf`, `.shx`, `.prj` and `.cpg` beside it.
    Shapefile,
    /// OGC GeoPackage (SQLite), possibly with several layers.
    GeoPackage,
    /// FlatGeobuf.
    FlatGeobuf,
    /// GeoParquet 1.0/1.1 (WKB).
    GeoParquet,
}

/// File extensions per format, for file dialogs: (label, extensions).
pub const EXTENSIONS: &[(&str, &[&str])] = &[
    ("GeoJSON", &["geojson", "json"]),
    ("Shapefile", &["shp"]),
    ("GeoPackage", &["gpkg"]),
    ("FlatGeobuf", &["fgb"]),
    ("GeoParquet", &["parquet", "geoparquet"]),
];

impl Format {
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::Shapefile => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::FlatGeobuf => "FlatGeobuf",
            Format::GeoParquet => "GeoParquet",
        }
    }

    /// The format a file name's extension says, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "shp" => Some(Format::Shapefile),
            "gpkg" => Some(Format::GeoPackage),
            "fgb" => Some(Format::FlatGeobuf),
            "parquet" | "geoparquet" => Some(Format::GeoParquet),
            _ => None,
        }
    }

    /// The format the first bytes of a file say, if recognisable.
    pub fn from_magic(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"SQLite format 3\0") {
            Some(Format::GeoPackage)
        } else if head.starts_with(b"fgb") {
            Some(Format::FlatGeobuf)
        } else if head.starts_with(b"PAR1") {
            Some(Format::GeoParquet)
        } else if head.starts_with(&[0x00, 0x00, 0x27, 0x0A]) {
            Some(Format::Shapefile)
        } else {
            let t = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            let first = t.iter().find(|b| !b.is_ascii_whitespace());
            // JSON (UTF-8), or UTF-16 with a byte-order mark.
            (first == Some(&b'{') || head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF"))
                .then_some(Format::GeoJson)
        }
    }

    /// Chooses the format of `path` by extension and checks it against the content.
    pub fn detect(path: &Path) -> Result<Format, LoadError> {
        let p = path.display().to_string();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "dbf" | "shx" | "prj" | "cpg" => {
                return Err(LoadError::format(
                    &p,
                    format!("a .{ext} file is part of a Shapefile: open the .shp file beside it"),
                ));
            }
            "zip" | "gz" | "7z" => {
                return Err(LoadError::format(&p, "compressed archive: extract it and open the layer inside"));
            }
            _ => {}
        }
        let mut head = [0u8; 64];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|source| LoadError::Io { path: p.clone(), source })?;
            let mut n = 0;
            loop {
                match f.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => {
                        n += k;
                        if n == head.len() {
                            break;
                        }
                    }
                    Err(source) => return Err(LoadError::Io { path: p.clone(), source }),
                }
            }
            n
        };
        if n == 0 {
            return Err(LoadError::format(&p, "the file is empty"));
        }
        let by_content = Format::from_magic(&head[..n]);
        match (Format::from_extension(path), by_content) {
            (Some(e), Some(c)) if e == c => Ok(e),
            (Some(e), Some(c)) => Err(LoadError::format(
                &p,
                format!("named as {} but the content is {} (rename it, or check the file)", e.name(), c.name()),
            )),
            (Some(e), None) => Err(LoadError::format(
                &p,
                format!("named as {} but the content is not {} (truncated, or another format?)", e.name(), e.name()),
            )),
            (None, Some(c)) => Ok(c),
            (None, None) => Err(LoadError::format(
                &p,
                "unknown format: crossbound reads GeoJSON (.geojson, .json), Shapefile (.shp), GeoPackage (.gpkg), FlatGeobuf (.fgb) and GeoParquet (.parquet)",
            )),
        }
    }
}

/// Loads one layer. See [`load_layer_with_progress`].
pub fn load_layer(spec: &LayerSpec) -> Result<Layer, LoadError> {
    load_layer_with_progress(spec, &NoProgress)
}

/// Loads one layer in any supported format: decodes it, then the builder maps fields,
/// reprojects to lon/lat, repairs geometry and dissolves features sharing an id. Repairs and
/// skips become [`crate::model::Warning`]s in the layer.
pub fn load_layer_with_progress(spec: &LayerSpec, progress: &dyn Progress) -> Result<Layer, LoadError> {
    progress.update("parse", 0, 1);
    let _scan = geojson::CancelScope::new(progress.cancel_token());
    with_decoded(spec, |source, d, mut times| {
        let t = Instant::now();
        let mut layer = each_decoded!(d, d => builder::build_layer(spec, source, d, progress))?;
        times.build_ms = ms_since(t);
        layer.load_times = times;
        Ok(layer)
    })
}

/// A decoded layer of any format (each format's geometry source type).
pub enum AnyDecoded<'a> {
    /// GeoJSON: parsed rings, or raw JSON slices (see [`geojson::JsonGeometry`]).
    Json(Decoded<geojson::JsonGeometry<'a>>),
    /// Shapefile: raw record slices.
    Shp(Decoded<shapefile::ShpRecord<'a>>),
    /// GeoPackage: GeoPackage geometry blobs.
    Gpkg(Decoded<gpkg::GpkgBlob>),
    /// GeoParquet: WKB blobs.
    Wkb(Decoded<Option<wkb::WkbBlob>>),
    /// Formats decoded as they are read (FlatGeobuf).
    Geom(Decoded<decode::Geom>),
}

impl AnyDecoded<'_> {
    fn features(&self) -> &[Feature] {
        each_decoded!(self, d => &d.features)
    }
    fn declared_crs(&self) -> Option<&str> {
        each_decoded!(self, d => d.declared_crs.as_deref())
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Laps of a stopwatch, ms.
struct Laps(Instant);

impl Laps {
    /// Milliseconds since the start or the last lap.
    fn lap(&mut self) -> f64 {
        let ms = ms_since(self.0);
        self.0 = Instant::now();
        ms
    }
}

/// A whole input file in memory: mapped (a big regular file) or read.
///
/// Reading a file copies it from the page cache into memory the process has never touched;
/// on the development VM that costs ~10 µs a page, 0.5–0.9 s for the 306 MB hexagon grid.
/// Mapping it (with the pages populated up front) takes a few milliseconds and shares the page
/// cache's copy. The price: should another process truncate the file while it is being
/// loaded, reading the lost pages ends the process (SIGBUS), as in any tool that maps its
/// input (ripgrep, SQLite with mmap). Small files, and files that cannot be mapped (pipes,
/// some network file systems), are read.
pub(crate) enum FileBytes {
    /// Mapped read-only.
    Mapped(memmap2::Mmap),
    /// Read into memory.
    Read(Vec<u8>),
}

impl FileBytes {
    /// Files at least this big are mapped.
    const MAP_FROM: u64 = 1 << 20;

    /// Maps or reads the file at `path`.
    pub(crate) fn open(path: &Path) -> std::io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() >= Self::MAP_FROM {
            // SAFETY: the map is read-only and lives only while this layer loads; another
            // process changing the file under it is the caveat documented above.
            if let Ok(m) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
                return Ok(FileBytes::Mapped(m));
            }
        }
        let mut v = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(&mut &file, &mut v)?;
        Ok(FileBytes::Read(v))
    }

    /// Says the bytes will not be needed again soon: a mapped file's pages leave this process's
    /// memory (they stay in the page cache, and reading them again maps them back, with the
    /// same contents). For a decoder that has copied out what it needs: the 306 MB hexagon
    /// grid's pages then no longer count while the layer is built. Read bytes are kept.
    pub(crate) fn release(&self) {
        self.release_part(self);
    }

    /// [`FileBytes::release`] for the pages of `part`, a slice of these bytes (anything else is
    /// ignored): a decoder done with one stretch of a big file while it reads the rest. The
    /// pages at both ends, shared with the neighbouring stretches, go too; they come back when
    /// read.
    pub(crate) fn release_part(&self, part: &[u8]) {
        #[cfg(unix)]
        if let FileBytes::Mapped(m) = self {
            let (base, at) = (m.as_ptr() as usize, part.as_ptr() as usize);
            if at < base || at + part.len() > base + m.len() || part.is_empty() {
                return;
            }
            // SAFETY: the map is private and read-only, never written: dropping its pages
            // loses nothing, and later reads fetch the file's contents again (MADV_DONTNEED on
            // a private file mapping). The range lies within the map (checked above). A failure
            // only means the pages stay.
            let _ = unsafe { m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at - base, part.len()) };
        }
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Read(v) => v,
        }
    }
}

/// Reads and decodes `spec`'s file and hands the result (and the source label for messages:
/// the file, and the layer when the file has several; the read and decode times) to `f`.
fn with_decoded<R>(
    spec: &LayerSpec,
    f: impl FnOnce(&str, AnyDecoded<'_>, LoadTimes) -> Result<R, LoadError>,
) -> Result<R, LoadError> {
    let path = spec.path.display().to_string();
    let format = Format::detect(&spec.path)?;
    if format != Format::GeoPackage
        && let Some(l) = &spec.layer
    {
        let stem = spec.path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        if *l != stem {
            return Err(LoadError::format(
                &path,
                format!("layer=\"{l}\" given, but a {} file holds one layer (\"{stem}\")", format.name()),
            ));
        }
    }
    memory::check_file(&path, format, &spec.path)?;
    let mut times = LoadTimes::default();
    let mut clock = Laps(Instant::now());
    let read = || std::fs::read(&spec.path).map_err(|source| LoadError::Io { path: path.clone(), source });
    match format {
        Format::GeoJson => {
            let bytes = FileBytes::open(&spec.path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
            times.read_ms = clock.lap();
            let (text, warning) = geojson::text_of(&bytes).map_err(|msg| LoadError::format(&path, msg))?;
            let mut d = geojson::decode_with(&path, &text, &|part| bytes.release_part(part))?;
            d.warnings.extend(warning.map(|w| (w, 1)));
            // What the builder still reads of the text (the geometry of an unusual feature)
            // is paged back in when read.
            bytes.release();
            times.decode_ms = clock.lap();
            f(&path, AnyDecoded::Json(d), times)
        }
        Format::Shapefile => {
            let files = shapefile::ShapefileFiles::read(&spec.path)?;
            times.read_ms = clock.lap();
            let d = shapefile::decode(&path, &files)?;
            times.decode_ms = clock.lap();
            f(&path, AnyDecoded::Shp(d), times)
        }
        Format::GeoPackage => {
            // Reading and decoding are one step: rows come from SQLite decoded.
            let (layer, d) = gpkg::decode(&spec.path, spec.layer.as_deref())?;
            times.decode_ms = clock.lap();
            f(&format!("{path} (layer \"{layer}\")"), AnyDecoded::Gpkg(d), times)
        }
        Format::FlatGeobuf => {
            let bytes = FileBytes::open(&spec.path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
            times.read_ms = clock.lap();
            let d = flatgeobuf::decode(&path, &bytes)?;
            bytes.release();
            times.decode_ms = clock.lap();
            f(&path, AnyDecoded::Geom(d), times)
        }
        Format::GeoParquet => {
            let bytes = read()?;
            times.read_ms = clock.lap();
            let d = geoparquet::decode(&path, bytes)?;
            times.decode_ms = clock.lap();
            f(&path, AnyDecoded::Wkb(d), times)
        }
    }
}

/// A quick look at a file before loading it: for the field-mapping dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The format.
    pub format: Format,
    /// The layers in the file (GeoPackage: the polygon tables; other formats: one).
    pub layers: Vec<String>,
    /// The layer previewed (`None`: the file has several and none was chosen).
    pub layer: Option<String>,
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

/// Reads a file's properties and CRS without building any geometry. For a GeoPackage with
/// several polygon layers and no `layer` chosen, lists the layers and previews none.
pub fn preview(path: &Path, layer: Option<&str>, rows: usize) -> Result<Preview, LoadError> {
    let format = Format::detect(path)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let layers = if format == Format::GeoPackage { gpkg::polygon_layers(path)? } else { vec![stem.clone()] };
    if layer.is_none() && layers.len() > 1 {
        return Ok(Preview {
            format,
            layers,
            layer: None,
            feature_count: 0,
            keys: Vec::new(),
            sample: Vec::new(),
            declared_crs: None,
            detected: FieldMapping::default(),
        });
    }
    let mut spec = LayerSpec::new(path);
    spec.layer = layer.map(str::to_string).or_else(|| (format == Format::GeoPackage).then(|| layers[0].clone()));
    with_decoded(&spec, |source, d, _| {
        let features = d.features();
        let mut keys: Vec<String> = Vec::new();
        for f in features.iter().take(rows.max(1) * 10) {
            for k in f.properties.keys() {
                if !keys.iter().any(|have| have == k) {
                    keys.push(k.to_string());
                }
            }
        }
        let detected = if features.is_empty() {
            FieldMapping::default()
        } else {
            builder::resolve_fields(&spec, features, source)?
        };
        Ok(Preview {
            format,
            layers: layers.clone(),
            layer: spec.layer.clone().or(Some(stem.clone())),
            feature_count: features.len(),
            keys,
            sample: features.iter().take(rows).map(|f| f.properties.to_map()).collect(),
            declared_crs: d.declared_crs().map(str::to_string),
            detected,
        })
    })
}

/// Loads a layer from decoded features (for tests and fuzzing of one decoder at a time).
pub fn build<G: GeometrySource>(spec: &LayerSpec, decoded: Decoded<G>) -> Result<Layer, LoadError> {
    builder::build_layer(spec, &spec.path.display().to_string(), decoded, &NoProgress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_bytes_are_the_file_mapped_or_read() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..(FileBytes::MAP_FROM as usize + 12_345)).map(|i| (i * 7 % 251) as u8).collect();
        for (name, content) in [("empty", &[][..]), ("small", &b"{\"type\":\"FeatureCollection\"}"[..]), ("big", &big)]
        {
            let p = dir.path().join(name);
            std::fs::write(&p, content).unwrap();
            let b = FileBytes::open(&p).unwrap();
            assert_eq!(&*b, content, "{name}");
            assert_eq!(matches!(b, FileBytes::Mapped(_)), name == "big", "{name}");
            // Pages given back, in part (unaligned ends) or whole, read the same again; a
            // slice from elsewhere is ignored.
            if !content.is_empty() {
                b.release_part(&b[1..b.len() / 2 + 3]);
                b.release_part(&content[..1]);
            }
            assert_eq!(&*b, content, "{name}: after releasing part");
            b.release();
            assert_eq!(&*b, content, "{name}: after releasing all");
        }
        // A directory or a missing file is an error, not a panic.
        assert!(FileBytes::open(dir.path()).is_err());
        assert!(FileBytes::open(&dir.path().join("missing")).is_err());
    }
}
