//! Coordinate reference systems: understanding what a file declares and reprojecting its
//! coordinates to lon/lat WGS 84 with PROJ.

use proj::Proj;

/// The CRS of RFC 7946 GeoJSON: WGS 84 longitude/latitude, in degrees.
pub const LONLAT: &str = "OGC:CRS84";

/// Normalises a CRS name as found in a GeoJSON `crs` member or given by the user:
/// `urn:ogc:def:crs:EPSG::3857` → `EPSG:3857`, `urn:ogc:def:crs:OGC:1.3:CRS84` → `OGC:CRS84`,
/// `epsg:4490` → `EPSG:4490`. Anything else (a PROJ string, WKT) is passed through unchanged.
pub fn normalize_name(name: &str) -> String {
    let n = name.trim();
    let lower = n.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:") {
        // authority:version:code, version often empty.
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() >= 2 {
            let auth = parts[0].to_ascii_uppercase();
            let code = parts[parts.len() - 1].to_ascii_uppercase();
            return format!("{auth}:{code}");
        }
    }
    if let Some(code) = lower.strip_prefix("epsg:") {
        return format!("EPSG:{code}");
    }
    if lower == "crs84" || lower == "ogc:crs84" || lower == "wgs84" || lower == "wgs 84" {
        return LONLAT.to_string();
    }
    n.to_string()
}

/// True when coordinates in `crs` are already lon/lat WGS 84 as GeoJSON writes them
/// (`EPSG:4326` in GeoJSON files is lon/lat in practice).
pub fn is_lonlat_wgs84(crs: &str) -> bool {
    matches!(crs, LONLAT | "EPSG:4326" | "OGC:CRS84H")
}

/// The PROJJSON definition of a CRS (as GeoParquet metadata wants it), from PROJ.
pub fn projjson(name: &str) -> Result<String, String> {
    use std::ffi::{CStr, CString};
    let def = CString::new(name).map_err(|_| format!("CRS name '{name}' contains a NUL byte"))?;
    // SAFETY: a private context and object, destroyed before returning; the returned string
    // belongs to the object and is copied before the object is destroyed.
    unsafe {
        let ctx = proj_sys::proj_context_create();
        if ctx.is_null() {
            return Err("PROJ context could not be created".into());
        }
        let pj = proj_sys::proj_create(ctx, def.as_ptr());
        let out = if pj.is_null() {
            Err(format!("PROJ does not know the CRS '{name}'"))
        } else {
            let s = proj_sys::proj_as_projjson(ctx, pj, std::ptr::null());
            let r = if s.is_null() {
                Err(format!("PROJ cannot write '{name}' as PROJJSON"))
            } else {
                Ok(CStr::from_ptr(s).to_string_lossy().into_owned())
            };
            proj_sys::proj_destroy(pj);
            r
        };
        proj_sys::proj_context_destroy(ctx);
        out
    }
}

/// A short label for a CRS: names as they are; for a WKT or PROJJSON definition, its name.
pub fn short_label(crs: &str) -> String {
    let t = crs.trim();
    if t.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t)
            && let Some(n) = v.get("name").and_then(|n| n.as_str())
        {
            return format!("{n} (PROJJSON)");
        }
        return "PROJJSON definition".into();
    }
    if t.contains('[') {
        let name = t.split('"').nth(1).unwrap_or("unnamed");
        return format!("{name} (WKT)");
    }
    t.to_string()
}

/// A PROJ transformation from some CRS to lon/lat WGS 84 (longitude first, degrees).
pub struct ToLonLat {
    proj: Proj,
    from: String,
}

impl std::fmt::Debug for ToLonLat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ToLonLat({})", self.from)
    }
}

impl ToLonLat {
    /// Creates the transformation, or explains why PROJ could not.
    pub fn new(from: &str) -> Result<Self, String> {
        let proj =
            Proj::new_known_crs(from, LONLAT, None).map_err(|e| format!("PROJ does not know the CRS '{from}': {e}"))?;
        Ok(ToLonLat { proj, from: from.to_string() })
    }

    /// Reprojects points in place; axis order follows PROJ's "visualisation" order
    /// (easting/longitude first), which is what GeoJSON files use.
    pub fn convert(&self, pts: &mut [(f64, f64)]) -> Result<(), String> {
        self.proj.convert_array(pts).map(|_| ()).map_err(|e| format!("reprojection from {} failed: {e}", self.from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("urn:ogc:def:crs:EPSG::3857"), "EPSG:3857");
        assert_eq!(normalize_name("urn:ogc:def:crs:OGC:1.3:CRS84"), "OGC:CRS84");
        assert_eq!(normalize_name("epsg:4490"), "EPSG:4490");
        assert!(is_lonlat_wgs84(&normalize_name("EPSG:4326")));
    }

    #[test]
    fn web_mercator_to_lonlat_with_proj() {
        let t = ToLonLat::new("EPSG:3857").unwrap();
        // 10°E, 50°N in Web Mercator metres.
        let mut pts = [(1_113_194.907_932_735_7, 6_446_275.841_017_161)];
        t.convert(&mut pts).unwrap();
        assert!((pts[0].0 - 10.0).abs() < 1e-9 && (pts[0].1 - 50.0).abs() < 1e-9, "{pts:?}");
    }

    #[test]
    fn cgcs2000_is_lon_lat_order() {
        let t = ToLonLat::new("EPSG:4490").unwrap();
        let mut pts = [(116.4, 39.9)];
        t.convert(&mut pts).unwrap();
        assert!((pts[0].0 - 116.4).abs() < 1e-6 && (pts[0].1 - 39.9).abs() < 1e-6, "{pts:?}");
    }

    #[test]
    fn projjson_of_crs84_names_it() {
        let j: serde_json::Value = serde_json::from_str(&projjson(LONLAT).unwrap()).unwrap();
        assert_eq!(j["id"]["authority"], "OGC");
        assert_eq!(j["id"]["code"], "CRS84");
        assert!(projjson("EPSG:999999").is_err());
    }

    #[test]
    fn short_labels() {
        assert_eq!(short_label("EPSG:5070"), "EPSG:5070");
        assert_eq!(short_label(r#"PROJCS["NAD83 / Conus Albers",GEOGCS["NAD83"]]"#), "NAD83 / Conus Albers (WKT)");
        assert_eq!(short_label(r#"{"type":"GeographicCRS","name":"WGS 84"}"#), "WGS 84 (PROJJSON)");
    }

    #[test]
    fn unknown_crs_is_an_error() {
        assert!(ToLonLat::new("EPSG:999999").is_err());
    }
}
