//! ESRI Shapefile decoder: `.shp` geometry, `.dbf` attributes, `.prj` CRS, `.cpg` code page.
//!
//! The two binary layouts are small and fixed (ESRI white paper, July 1998; dBASE III+/IV
//! tables), so they are read here directly rather than through the `shapefile`/`dbase`
//! crates, which do not read `.prj`, hang each hole on the preceding outer ring without a
//! containment test, and return every numeric field as a float. This reader:
//! - reads `.shp` records in sequence (the `.shx` index is not needed; a missing one is fine);
//!   each record is kept as a slice and decoded by the builder, in parallel;
//! - assigns each hole (counter-clockwise ring) to the smallest outer ring that contains it; a
//!   hole inside no outer ring becomes an outer ring, as GDAL does;
//! - decodes text in the code page of the `.cpg` file (UTF-8, ISO-8859-1/latin1,
//!   Windows-125x, GBK/CP936, Big5, Shift-JIS, …), else of the DBF language byte, else UTF-8,
//!   falling back to Windows-1252 with a warning when the text is not UTF-8;
//! - keeps numeric fields without decimals as integers (`540000`, not `540000.0`);
//! - takes the CRS from the `.prj` WKT (handed to PROJ); no `.prj` means lon/lat, with the
//!   builder's out-of-range check suggesting `crs=`;
//! - without a `.dbf`, reads the shapes with a warning (ids are then feature indices).

use super::LoadError;
use super::decode::{Decoded, Geom, GeometrySource, Rings, number_value};
use crate::crs;
use encoding_rs::Encoding;
use geo::Coord;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The files of one Shapefile, read into memory.
#[derive(Debug, Default)]
pub struct ShapefileFiles {
    /// The `.shp` bytes.
    pub shp: Vec<u8>,
    /// The `.dbf` bytes, if the file exists.
    pub dbf: Option<Vec<u8>>,
    /// The `.prj` text, if the file exists.
    pub prj: Option<String>,
    /// The `.cpg` text, if the file exists.
    pub cpg: Option<String>,
    /// Whether the `.shx` index is there (it is not needed, but its absence is reported).
    pub has_shx: bool,
}

/// The sidecar of `shp` with extension `ext`, in lower or upper case.
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| shp.with_extension(e))
        .find(|p| p.is_file())
}

impl ShapefileFiles {
    /// Reads `path` (the `.shp`) and its sidecars.
    pub fn read(path: &Path) -> Result<Self, LoadError> {
        let io = |p: &Path, source| LoadError::Io { path: p.display().to_string(), source };
        let shp = std::fs::read(path).map_err(|e| io(path, e))?;
        let read_opt = |ext: &str| -> Result<Option<Vec<u8>>, LoadError> {
            match sidecar(path, ext) {
                Some(p) => std::fs::read(&p).map(Some).map_err(|e| io(&p, e)),
                None => Ok(None),
            }
        };
        let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
        Ok(ShapefileFiles {
            shp,
            dbf: read_opt("dbf")?,
            prj: text(read_opt("prj")?),
            cpg: text(read_opt("cpg")?),
            has_shx: sidecar(path, "shx").is_some(),
        })
    }
}

/// One `.shp` record's content (shape type onwards), decoded by the builder.
pub struct ShpRecord<'a>(pub &'a [u8]);

impl GeometrySource for ShpRecord<'_> {
    fn decode(self) -> Result<Geom, String> {
        parse_shape(self.0)
    }
}

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le_f64(b: &[u8], at: usize) -> Option<f64> {
    Some(f64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Twice the signed area of a ring (positive: counter-clockwise).
fn signed_area2(r: &[Coord<f64>]) -> f64 {
    let n = r.len();
    (0..n).map(|i| r[i].x * r[(i + 1) % n].y - r[(i + 1) % n].x * r[i].y).sum()
}

fn point_in_ring(p: Coord<f64>, r: &[Coord<f64>]) -> bool {
    let mut inside = false;
    let n = r.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (r[i], r[j]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Groups rings into polygons: clockwise rings are outer rings, counter-clockwise ones holes
/// of the smallest outer ring that contains them (an orphan hole becomes an outer ring).
pub fn assemble_rings(rings: Vec<Vec<Coord<f64>>>) -> Vec<Rings> {
    let areas: Vec<f64> = rings.iter().map(|r| signed_area2(r)).collect();
    // All rings counter-clockwise: a file written with the wrong orientation; all are outers.
    let any_cw = areas.iter().any(|&a| a < 0.0);
    let mut polys: Vec<Rings> = Vec::new();
    let mut outer_area: Vec<f64> = Vec::new();
    let mut holes = Vec::new();
    for (r, a) in rings.into_iter().zip(&areas) {
        if *a < 0.0 || !any_cw {
            outer_area.push(a.abs());
            polys.push(vec![r]);
        } else {
            holes.push(r);
        }
    }
    for h in holes {
        // A hole vertex may lie on its outer ring's boundary: try a few vertices.
        let probes: Vec<Coord<f64>> = h.iter().step_by((h.len() / 5).max(1)).take(5).copied().collect();
        let best = polys
            .iter()
            .enumerate()
            .filter(|(_, p)| probes.iter().any(|&c| point_in_ring(c, &p[0])))
            .min_by(|a, b| outer_area[a.0].total_cmp(&outer_area[b.0]))
            .map(|(i, _)| i);
        match best {
            Some(i) => polys[i].push(h),
            None => {
                outer_area.push(0.0);
                polys.push(vec![h]);
            }
        }
    }
    polys
}

fn shape_name(t: i32) -> &'static str {
    match t {
        1 | 11 | 21 => "Point",
        3 | 13 | 23 => "LineString",
        8 | 18 | 28 => "MultiPoint",
        31 => "MultiPatch",
        _ => "unknown shape",
    }
}

/// Decodes one record's content.
pub fn parse_shape(c: &[u8]) -> Result<Geom, String> {
    let trunc = || format!("shape record truncated ({} bytes)", c.len());
    let t = le_i32(c, 0).ok_or_else(trunc)?;
    match t {
        0 => Ok(Geom::Null),
        5 | 15 | 25 => {
            let num_parts = le_i32(c, 36).ok_or_else(trunc)?;
            let num_points = le_i32(c, 40).ok_or_else(trunc)?;
            if num_parts < 0 || num_points < 0 {
                return Err(format!("negative part or point count ({num_parts}, {num_points})"));
            }
            let (np, nv) = (num_parts as usize, num_points as usize);
            let pts_at = 44 + 4 * np;
            if pts_at.saturating_add(nv.saturating_mul(16)) > c.len() {
                return Err(format!("{np} part(s) and {nv} point(s) do not fit in a {}-byte record", c.len()));
            }
            if nv == 0 {
                return Ok(Geom::Empty);
            }
            let mut starts = Vec::with_capacity(np + 1);
            for i in 0..np {
                let s = le_i32(c, 44 + 4 * i).ok_or_else(trunc)?;
                if s < 0 || s as usize > nv || starts.last().is_some_and(|&l| s as usize <= l) {
                    return Err(format!("part {i} starts at point {s}, out of order or outside 0..{nv}"));
                }
                starts.push(s as usize);
            }
            if starts.first() != Some(&0) {
                return Err("the first part does not start at point 0".into());
            }
            starts.push(nv);
            let pt = |i: usize| -> Coord<f64> {
                // In bounds: checked above.
                let at = pts_at + 16 * i;
                Coord { x: le_f64(c, at).unwrap_or(f64::NAN), y: le_f64(c, at + 8).unwrap_or(f64::NAN) }
            };
            let rings: Vec<Vec<Coord<f64>>> = starts.windows(2).map(|w| (w[0]..w[1]).map(pt).collect()).collect();
            Ok(Geom::Polygons(assemble_rings(rings)))
        }
        1 | 11 | 21 | 3 | 13 | 23 | 8 | 18 | 28 | 31 => Ok(Geom::Other(shape_name(t).into())),
        other => Err(format!("unknown shape type {other}")),
    }
}

/// The code page named by a `.cpg` file, if known.
pub fn encoding_for_cpg(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().trim_start_matches('\u{feff}').to_ascii_uppercase();
    let l = l.strip_prefix("ANSI ").unwrap_or(&l).trim().to_string();
    let by_number = |n: &str| -> Option<&'static Encoding> {
        match n {
            "65001" => Some(encoding_rs::UTF_8),
            "936" | "54936" => Some(encoding_rs::GBK),
            "950" => Some(encoding_rs::BIG5),
            "932" => Some(encoding_rs::SHIFT_JIS),
            "949" => Some(encoding_rs::EUC_KR),
            "866" => Some(encoding_rs::IBM866),
            "874" => Some(encoding_rs::WINDOWS_874),
            "1250" | "1251" | "1252" | "1253" | "1254" | "1255" | "1256" | "1257" | "1258" => {
                Encoding::for_label(format!("windows-{n}").as_bytes())
            }
            "28591" | "88591" => Some(encoding_rs::WINDOWS_1252),
            _ => None,
        }
    };
    if l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty() {
        return by_number(&l);
    }
    match l.as_str() {
        "UTF8" | "UTF-8" => return Some(encoding_rs::UTF_8),
        "CP936" | "GBK" | "GB2312" | "GB18030" => return Some(encoding_rs::GBK),
        "8859_1" | "ISO88591" | "LATIN1" | "ISO-8859-1" | "ISO_8859-1" => return Some(encoding_rs::WINDOWS_1252),
        _ => {}
    }
    if let Some(n) = l.strip_prefix("CP").or_else(|| l.strip_prefix("WINDOWS-")) {
        return by_number(n);
    }
    if let Some(n) = l.strip_prefix("8859_") {
        return Encoding::for_label(format!("iso-8859-{n}").as_bytes());
    }
    Encoding::for_label(label.trim().as_bytes())
}

/// The code page of a DBF language driver id (byte 29), if it names one.
pub fn encoding_for_ldid(ldid: u8) -> Option<&'static Encoding> {
    let n = match ldid {
        0x01 | 0x02 | 0x03 | 0x57 | 0x58 | 0x59 => "1252",
        0x26 | 0x65 => "866",
        0x4D | 0x7A => "936",
        0x4E => "949",
        0x4F => "950",
        0x13 | 0x7B => "932",
        0x7C => "874",
        0x64 | 0xC8 => "1250",
        0xC9 => "1251",
        0xCA => "1254",
        0xCB => "1253",
        0xCC => "1257",
        0x7D => "1255",
        0x7E => "1256",
        _ => return None,
    };
    encoding_for_cpg(n)
}

struct DbfField {
    name: String,
    kind: u8,
    offset: usize,
    len: usize,
    decimals: u8,
}

/// A DBF table: field layout and raw rows.
struct Dbf<'a> {
    fields: Vec<DbfField>,
    rows: Vec<&'a [u8]>,
    encoding: &'static Encoding,
}

fn parse_dbf<'a>(b: &'a [u8], cpg: Option<&str>, warnings: &mut Vec<(String, usize)>) -> Result<Dbf<'a>, String> {
    if b.len() < 32 {
        return Err(format!(".dbf too short for a header ({} bytes)", b.len()));
    }
    let n_rec = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
    let rec_len = u16::from_le_bytes([b[10], b[11]]) as usize;
    let ldid = b[29];
    if header_len < 33 || header_len > b.len() || rec_len == 0 {
        return Err(format!(".dbf header is corrupt (header {header_len} bytes, record {rec_len} bytes)"));
    }
    // Code page: .cpg > language byte > UTF-8 (checked below).
    let mut encoding = None;
    if let Some(label) = cpg {
        encoding = encoding_for_cpg(label);
        if encoding.is_none() {
            warnings.push((format!("the .cpg code page \"{}\" is unknown; trying the .dbf's own", label.trim()), 1));
        }
    }
    if encoding.is_none() {
        encoding = encoding_for_ldid(ldid);
    }
    let mut fields = Vec::new();
    let mut offset = 1; // the deletion flag
    let mut at = 32;
    while at + 32 <= header_len && b[at] != 0x0D {
        let d = &b[at..at + 32];
        let raw_name = &d[..11];
        let end = raw_name.iter().position(|&c| c == 0).unwrap_or(11);
        let name =
            encoding.unwrap_or(encoding_rs::UTF_8).decode_without_bom_handling(&raw_name[..end]).0.trim().to_string();
        let len = d[16] as usize;
        fields.push(DbfField { name, kind: d[11].to_ascii_uppercase(), offset, len, decimals: d[17] });
        offset += len;
        at += 32;
    }
    if offset > rec_len {
        return Err(format!(".dbf fields need {offset} bytes per record but records are {rec_len} bytes"));
    }
    let available = (b.len() - header_len) / rec_len;
    if available < n_rec {
        warnings.push((
            format!(".dbf is truncated: the header says {n_rec} records, {available} are complete; the rest have no attributes"),
            n_rec - available,
        ));
    }
    let rows: Vec<&[u8]> =
        (0..n_rec.min(available)).map(|i| &b[header_len + i * rec_len..header_len + (i + 1) * rec_len]).collect();
    let encoding = match encoding {
        Some(e) => e,
        None => {
            let text_ok = rows.iter().all(|r| {
                fields
                    .iter()
                    .filter(|f| f.kind == b'C')
                    .all(|f| std::str::from_utf8(&r[f.offset..f.offset + f.len]).is_ok())
            });
            if text_ok {
                encoding_rs::UTF_8
            } else {
                warnings.push((
                    "no .cpg and no code page in the .dbf, and the text is not UTF-8: read as Windows-1252 (add a .cpg file, e.g. containing GBK, if names look wrong)".into(),
                    1,
                ));
                encoding_rs::WINDOWS_1252
            }
        }
    };
    Ok(Dbf { fields, rows, encoding })
}

fn field_value(f: &DbfField, raw: &[u8], enc: &'static Encoding) -> Option<Value> {
    let ascii = || std::str::from_utf8(raw).ok().map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0'));
    Some(match f.kind {
        b'C' => {
            let (s, _) = enc.decode_without_bom_handling(raw);
            Value::from(s.trim_end_matches([' ', '\0']).to_string())
        }
        b'N' | b'F' => {
            let s = ascii()?;
            if s.is_empty() || s.starts_with('*') {
                Value::Null
            } else if f.decimals == 0
                && let Ok(i) = s.parse::<i64>()
            {
                Value::from(i)
            } else {
                s.parse::<f64>().map(number_value).unwrap_or(Value::Null)
            }
        }
        b'L' => match raw.first().map(|c| c.to_ascii_uppercase()) {
            Some(b'T' | b'Y') => Value::from(true),
            Some(b'F' | b'N') => Value::from(false),
            _ => Value::Null,
        },
        b'D' => {
            let s = ascii()?;
            if s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit()) {
                Value::from(format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]))
            } else {
                Value::Null
            }
        }
        b'I' if raw.len() == 4 => Value::from(i32::from_le_bytes(raw.try_into().ok()?)),
        b'O' | b'B' if raw.len() == 8 => number_value(f64::from_le_bytes(raw.try_into().ok()?)),
        b'M' | b'G' | b'P' | b'B' => return None,
        _ => {
            let (s, _) = enc.decode_without_bom_handling(raw);
            Value::from(s.trim().to_string())
        }
    })
}

/// The CRS a `.prj` WKT declares: lon/lat WGS 84 is recognised (no reprojection), anything
/// else is handed to PROJ as WKT.
pub fn crs_of_prj(wkt: &str) -> Option<String> {
    let w = wkt.trim();
    if w.is_empty() {
        return None;
    }
    let upper = w.to_ascii_uppercase();
    let geographic_only = !upper.contains("PROJCS") && !upper.contains("PROJCRS");
    if geographic_only && (upper.contains("\"GCS_WGS_1984\"") || upper.contains("\"WGS 84\"")) {
        return Some(crs::LONLAT.to_string());
    }
    Some(w.to_string())
}

/// Decodes a Shapefile's files.
pub fn decode<'a>(path: &str, files: &'a ShapefileFiles) -> Result<Decoded<ShpRecord<'a>>, LoadError> {
    decode_parts(path, &files.shp, files.dbf.as_deref(), files.prj.as_deref(), files.cpg.as_deref(), files.has_shx)
}

/// Decodes a Shapefile from its parts in memory (for tests and fuzzing).
pub fn decode_parts<'a>(
    path: &str,
    shp: &'a [u8],
    dbf: Option<&'a [u8]>,
    prj: Option<&str>,
    cpg: Option<&str>,
    has_shx: bool,
) -> Result<Decoded<ShpRecord<'a>>, LoadError> {
    let fmt = |msg: String| LoadError::format(path, msg);
    if shp.len() < 100 || be_i32(shp, 0) != Some(9994) {
        return Err(fmt(format!("not a Shapefile: the .shp header is missing or truncated ({} bytes)", shp.len())));
    }
    let mut out: Decoded<ShpRecord<'a>> = Decoded::new();
    out.declared_crs = prj.and_then(crs_of_prj);
    if !has_shx {
        out.warnings.push(("no .shx index beside the .shp: records were read in sequence".into(), 1));
    }
    // Records: 8-byte big-endian header (number, content length in 16-bit words), content.
    let mut records = Vec::new();
    let mut at = 100;
    while at + 8 <= shp.len() {
        let words = be_i32(shp, at + 4).unwrap_or(-1);
        let len = usize::try_from(words).ok().map(|w| w * 2).filter(|&l| at + 8 + l <= shp.len()).ok_or_else(|| {
            LoadError::Feature {
                path: path.to_string(),
                index: records.len(),
                id: String::new(),
                msg: format!(
                    "the .shp is truncated: the record at byte {at} claims {} bytes, {} are left",
                    words.saturating_mul(2),
                    shp.len() - at - 8
                ),
            }
        })?;
        records.push(&shp[at + 8..at + 8 + len]);
        at += 8 + len;
    }
    if at != shp.len() {
        out.warnings.push((format!("{} trailing byte(s) after the last .shp record ignored", shp.len() - at), 1));
    }
    let table = match dbf {
        Some(b) => Some(parse_dbf(b, cpg, &mut out.warnings).map_err(fmt)?),
        None => {
            out.warnings
                .push(("no .dbf beside the .shp: features have no attributes (ids are feature indices)".into(), 1));
            None
        }
    };
    let mut deleted = 0;
    for (i, rec) in records.into_iter().enumerate() {
        let mut props = Map::new();
        if let Some(t) = &table
            && let Some(row) = t.rows.get(i)
        {
            if row[0] == b'*' {
                deleted += 1;
                continue;
            }
            for f in &t.fields {
                if let Some(v) = field_value(f, &row[f.offset..f.offset + f.len], t.encoding) {
                    props.insert(f.name.clone(), v);
                }
            }
        }
        out.push(None, props, ShpRecord(rec));
    }
    if let Some(t) = &table
        && t.rows.len() != out.features.len() + deleted
    {
        out.warnings.push((
            format!(
                ".dbf has {} record(s) for {} shape(s); shapes without a record have no attributes",
                t.rows.len(),
                out.features.len() + deleted
            ),
            1,
        ));
    }
    if deleted > 0 {
        out.warnings.push((format!("{deleted} record(s) marked deleted in the .dbf skipped"), deleted));
    }
    if out.features.is_empty() {
        return Err(fmt("the Shapefile has no records".into()));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal Shapefile (polygons only) and its DBF, for tests: `shapes` are lists of rings,
    /// `fields` are (name, type, length, decimals), `rows` raw field bytes (already encoded).
    pub(crate) fn write_shp(shapes: &[Vec<Vec<(f64, f64)>>]) -> Vec<u8> {
        let mut recs = Vec::new();
        for (i, rings) in shapes.iter().enumerate() {
            let mut c = Vec::new();
            c.extend_from_slice(&5i32.to_le_bytes());
            c.extend_from_slice(&[0u8; 32]);
            let np: usize = rings.iter().map(|r| r.len()).sum();
            c.extend_from_slice(&(rings.len() as i32).to_le_bytes());
            c.extend_from_slice(&(np as i32).to_le_bytes());
            let mut s = 0;
            for r in rings {
                c.extend_from_slice(&(s as i32).to_le_bytes());
                s += r.len();
            }
            for r in rings {
                for (x, y) in r {
                    c.extend_from_slice(&x.to_le_bytes());
                    c.extend_from_slice(&y.to_le_bytes());
                }
            }
            recs.extend_from_slice(&((i + 1) as i32).to_be_bytes());
            recs.extend_from_slice(&((c.len() / 2) as i32).to_be_bytes());
            recs.extend_from_slice(&c);
        }
        let mut h = vec![0u8; 100];
        h[..4].copy_from_slice(&9994i32.to_be_bytes());
        h[24..28].copy_from_slice(&(((100 + recs.len()) / 2) as i32).to_be_bytes());
        h[28..32].copy_from_slice(&1000i32.to_le_bytes());
        h[32..36].copy_from_slice(&5i32.to_le_bytes());
        h.extend_from_slice(&recs);
        h
    }

    pub(crate) fn write_dbf(fields: &[(&str, u8, u8, u8)], rows: &[Vec<Vec<u8>>], ldid: u8) -> Vec<u8> {
        let rec_len: usize = 1 + fields.iter().map(|f| f.2 as usize).sum::<usize>();
        let header_len = 32 + 32 * fields.len() + 1;
        let mut b = vec![0u8; 32];
        b[0] = 3;
        b[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
        b[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
        b[10..12].copy_from_slice(&(rec_len as u16).to_le_bytes());
        b[29] = ldid;
        for (name, kind, len, dec) in fields {
            let mut d = [0u8; 32];
            d[..name.len()].copy_from_slice(name.as_bytes());
            d[11] = *kind;
            d[16] = *len;
            d[17] = *dec;
            b.extend_from_slice(&d);
        }
        b.push(0x0D);
        for r in rows {
            b.push(b' ');
            for (v, f) in r.iter().zip(fields) {
                let mut cell = v.clone();
                cell.resize(f.2 as usize, b' ');
                b.extend_from_slice(&cell);
            }
        }
        b.push(0x1A);
        b
    }

    const OUTER: [(f64, f64); 5] = [(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (0.0, 0.0)]; // clockwise
    const HOLE: [(f64, f64); 5] = [(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0), (2.0, 2.0)]; // counter-clockwise

    #[test]
    fn holes_go_to_the_outer_ring_that_contains_them() {
        let far = [(20.0, 0.0), (20.0, 10.0), (30.0, 10.0), (30.0, 0.0), (20.0, 0.0)];
        // The far outer ring comes first and the hole last: order alone would misplace it.
        let shp = write_shp(&[vec![far.to_vec(), OUTER.to_vec(), HOLE.to_vec()]]);
        let d = decode_parts("t.shp", &shp, None, None, None, true).unwrap();
        let Geom::Polygons(p) = d.geometries.into_iter().next().unwrap().decode().unwrap() else { panic!() };
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 1, "far ring keeps no hole");
        assert_eq!(p[1].len(), 2, "the hole is in the ring that contains it");
    }

    #[test]
    fn gbk_names_integer_ids_and_code_page_sources() {
        let shp = write_shp(&[vec![OUTER.to_vec()]]);
        let (name, _, _) = encoding_rs::GBK.encode("西藏自治区");
        let fields = [("code", b'N', 10, 0), ("name", b'C', 30, 0), ("area", b'N', 12, 3)];
        let rows = vec![vec![b"540000".to_vec(), name.to_vec(), b"1228400.500".to_vec()]];
        let dbf = write_dbf(&fields, &rows, 0);
        // .cpg says GBK.
        let d = decode_parts("t.shp", &shp, Some(&dbf), None, Some("GBK\n"), true).unwrap();
        let p = &d.features[0].properties;
        assert_eq!(p["name"], "西藏自治区");
        assert_eq!(p["code"].to_string(), "540000");
        assert_eq!(p["area"].as_f64(), Some(1_228_400.5));
        // No .cpg, language byte 0x4D (CP936).
        let dbf_ldid = write_dbf(&fields, &rows, 0x4D);
        let d = decode_parts("t.shp", &shp, Some(&dbf_ldid), None, None, true).unwrap();
        assert_eq!(d.features[0].properties["name"], "西藏自治区");
        // Neither: not UTF-8, so Windows-1252 with a warning (mojibake, but no error).
        let d = decode_parts("t.shp", &shp, Some(&dbf), None, None, true).unwrap();
        assert!(d.warnings.iter().any(|w| w.0.contains("Windows-1252")), "{:?}", d.warnings);
        // Latin-1 .cpg.
        let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("Zürich");
        let dbf_l = write_dbf(&[("name", b'C', 20, 0)], &[vec![latin.to_vec()]], 0);
        let d = decode_parts("t.shp", &shp, Some(&dbf_l), None, Some("ISO-8859-1"), true).unwrap();
        assert_eq!(d.features[0].properties["name"], "Zürich");
        assert_eq!(encoding_for_cpg("ANSI 1252"), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(encoding_for_cpg("CP936"), Some(encoding_rs::GBK));
        assert_eq!(encoding_for_cpg("65001"), Some(encoding_rs::UTF_8));
    }

    #[test]
    fn truncated_and_malformed_files_are_errors_naming_the_record() {
        let shp = write_shp(&[vec![OUTER.to_vec()], vec![OUTER.to_vec()]]);
        let cut = &shp[..shp.len() - 10];
        let e = decode_parts("t.shp", cut, None, None, None, true).err().unwrap().to_string();
        assert!(e.contains("t.shp: feature 1") && e.contains("truncated"), "{e}");
        let e = decode_parts("t.shp", &shp[..50], None, None, None, true).err().unwrap().to_string();
        assert!(e.contains("header"), "{e}");
        // A part count that does not fit.
        let mut bad = shp.clone();
        bad[100 + 8 + 36..100 + 8 + 40].copy_from_slice(&1_000_000i32.to_le_bytes());
        let d = decode_parts("t.shp", &bad, None, None, None, true).unwrap();
        let r = d.geometries.into_iter().next().unwrap().decode();
        assert!(r.unwrap_err().contains("do not fit"));
        // Missing .dbf and .shx: read, with warnings.
        let d = decode_parts("t.shp", &shp, None, None, None, false).unwrap();
        assert_eq!(d.features.len(), 2);
        assert!(d.warnings.iter().any(|w| w.0.contains(".dbf")) && d.warnings.iter().any(|w| w.0.contains(".shx")));
    }

    #[test]
    fn projected_shapefile_without_prj_asks_for_crs() {
        let metres: Vec<(f64, f64)> = vec![
            (500_000.0, 4_000_000.0),
            (500_000.0, 4_100_000.0),
            (600_000.0, 4_100_000.0),
            (500_000.0, 4_000_000.0),
        ];
        let shp = write_shp(&[vec![metres]]);
        let d = decode_parts("utm.shp", &shp, None, None, None, true).unwrap();
        let e = crate::io::build(&crate::model::LayerSpec::new("utm.shp"), d).unwrap_err().to_string();
        assert!(e.starts_with("utm.shp: feature 0") && e.contains("crs="), "{e}");
    }

    #[test]
    fn prj_wgs84_is_lonlat_and_projected_is_wkt() {
        assert_eq!(crs_of_prj(r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#).as_deref(), Some(crs::LONLAT));
        let albers = r#"PROJCS["NAD_1983_Contiguous_USA_Albers",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Albers"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-96.0],PARAMETER["Standard_Parallel_1",29.5],PARAMETER["Standard_Parallel_2",45.5],PARAMETER["Latitude_Of_Origin",23.0],UNIT["Meter",1.0]]"#;
        let c = crs_of_prj(albers).unwrap();
        assert!(c.starts_with("PROJCS"));
        let t = crate::crs::ToLonLat::new(&c).unwrap();
        let mut p = [(0.0, 0.0)];
        t.convert(&mut p).unwrap();
        // Within the NAD83 -> WGS 84 datum shift PROJ applies (about a metre).
        assert!((p[0].0 + 96.0).abs() < 1e-4 && (p[0].1 - 23.0).abs() < 1e-4, "{p:?}");
    }
}
