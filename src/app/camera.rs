//! The map camera and its projections, with zoom around the cursor.
//!
//! - [`Projection::Equirectangular`] (the default, for regional work): lon/lat scaled by the
//!   cosine of the view centre's latitude, so shapes are true near the centre and panning needs
//!   no reprojection. The world repeats every 360° of longitude (see [`Camera::wraps`]).
//! - [`Projection::EqualEarth`] (for world views, where planners compare areas by eye):
//!   Šavrič, Patterson and Jenny's equal-area projection (2018), applied to the same lon/lat
//!   meshes in the vertex shader (`shaders/*.wgsl`, same formulas as [`equal_earth`]).
//!
//! Map units: degrees for equirectangular; for Equal Earth, the projection of the unit sphere
//! times 180/π (so one unit is about one degree at the equator).

use egui::{Pos2, Rect, Vec2};
use serde::{Deserialize, Serialize};

/// How lon/lat is drawn on the plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Projection {
    /// Plate carrée scaled by cos(centre latitude).
    #[default]
    Equirectangular,
    /// Equal Earth: equal-area, for world views.
    EqualEarth,
}

impl Projection {
    /// Name for menus.
    pub fn label(self) -> &'static str {
        match self {
            Projection::Equirectangular => "Equirectangular (regional)",
            Projection::EqualEarth => "Equal Earth (equal-area world)",
        }
    }
    /// The value the shaders read (`view.proj`).
    pub fn shader_id(self) -> f32 {
        match self {
            Projection::Equirectangular => 0.0,
            Projection::EqualEarth => 1.0,
        }
    }
}

const EE_A1: f64 = 1.340264;
const EE_A2: f64 = -0.081106;
const EE_A3: f64 = 0.000893;
const EE_A4: f64 = 0.003796;
const EE_M: f64 = 0.866_025_403_784_438_6; // √3 / 2

/// Equal Earth of (lon, lat) in degrees, in map units (unit sphere × 180/π).
pub fn equal_earth(lon: f64, lat: f64) -> [f64; 2] {
    let t = (EE_M * lat.to_radians().sin()).asin();
    let (t2, t6) = (t * t, t.powi(6));
    let d = EE_A1 + 3.0 * EE_A2 * t2 + t6 * (7.0 * EE_A3 + 9.0 * EE_A4 * t2);
    let x = 2.0 * 3f64.sqrt() * lon.to_radians() * t.cos() / (3.0 * d);
    let y = t * (EE_A1 + EE_A2 * t2 + t6 * (EE_A3 + EE_A4 * t2));
    [x.to_degrees(), y.to_degrees()]
}

/// The inverse of [`equal_earth`] (Newton on the parametric latitude), lon/lat in degrees.
pub fn equal_earth_inverse(x: f64, y: f64) -> [f64; 2] {
    let (x, y) = (x.to_radians(), y.to_radians());
    let ymax = equal_earth(0.0, 90.0)[1].to_radians();
    let y = y.clamp(-ymax, ymax);
    let mut t = y / EE_A1;
    for _ in 0..12 {
        let t2 = t * t;
        let t6 = t2 * t2 * t2;
        let f = t * (EE_A1 + EE_A2 * t2 + t6 * (EE_A3 + EE_A4 * t2)) - y;
        let fp = EE_A1 + 3.0 * EE_A2 * t2 + t6 * (7.0 * EE_A3 + 9.0 * EE_A4 * t2);
        let dt = f / fp;
        t -= dt;
        if dt.abs() < 1e-12 {
            break;
        }
    }
    let t2 = t * t;
    let t6 = t2 * t2 * t2;
    let d = EE_A1 + 3.0 * EE_A2 * t2 + t6 * (7.0 * EE_A3 + 9.0 * EE_A4 * t2);
    let lon = 3.0 * x * d / (2.0 * 3f64.sqrt() * t.cos());
    let lat = (t.sin() / EE_M).clamp(-1.0, 1.0).asin();
    [lon.to_degrees(), lat.to_degrees()]
}

/// Where the map looks and how close.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// Longitude, latitude of the view centre, degrees.
    pub center: [f64; 2],
    /// Points per map unit (per degree of latitude, for equirectangular).
    pub scale: f64,
    /// The projection.
    #[serde(default)]
    pub projection: Projection,
}

impl Default for Camera {
    fn default() -> Self {
        Camera { center: [-98.0, 39.0], scale: 12.0, projection: Projection::Equirectangular }
    }
}

/// Smallest and largest zoom, points per degree.
pub const SCALE_RANGE: (f64, f64) = (0.5, 200_000.0);

impl Camera {
    /// Points per map unit along x: per degree of longitude at the view centre for
    /// equirectangular; `scale` for Equal Earth.
    pub fn kx(&self) -> f64 {
        match self.projection {
            Projection::Equirectangular => self.scale * self.center[1].to_radians().cos().max(0.05),
            Projection::EqualEarth => self.scale,
        }
    }

    /// Map units of a lon/lat point (degrees for equirectangular).
    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        match self.projection {
            Projection::Equirectangular => [lon, lat],
            Projection::EqualEarth => equal_earth(lon, lat),
        }
    }

    /// Lon/lat of a point in map units.
    pub fn unproject(&self, x: f64, y: f64) -> [f64; 2] {
        match self.projection {
            Projection::Equirectangular => [x, y],
            Projection::EqualEarth => equal_earth_inverse(x, y),
        }
    }

    /// The view centre in map units.
    pub fn center_map(&self) -> [f64; 2] {
        self.project(self.center[0], self.center[1])
    }

    /// Screen position of a lon/lat point in the map `rect`.
    pub fn to_screen(&self, rect: Rect, lon: f64, lat: f64) -> Pos2 {
        let c = rect.center();
        let (p, o) = (self.project(lon, lat), self.center_map());
        Pos2::new((c.x as f64 + (p[0] - o[0]) * self.kx()) as f32, (c.y as f64 - (p[1] - o[1]) * self.scale) as f32)
    }

    /// Lon/lat of a screen position in the map `rect`. Equirectangular longitudes are not
    /// wrapped: beyond ±180° they name the repeated world (see [`wrap_lon`]).
    pub fn to_lonlat(&self, rect: Rect, p: Pos2) -> [f64; 2] {
        let c = rect.center();
        let o = self.center_map();
        self.unproject(o[0] + (p.x - c.x) as f64 / self.kx(), o[1] - (p.y - c.y) as f64 / self.scale)
    }

    /// Moves the view by a screen drag of `delta` points.
    pub fn pan(&mut self, delta: Vec2) {
        let o = self.center_map();
        let ll = self.unproject(o[0] - delta.x as f64 / self.kx(), o[1] + delta.y as f64 / self.scale);
        self.center = [ll[0], ll[1].clamp(-85.0, 85.0)];
        self.normalize();
    }

    /// Keeps the centre's longitude within ±180° (the world repeats; f32 precision in the
    /// shaders stays that of the first copy).
    fn normalize(&mut self) {
        if self.projection == Projection::Equirectangular && !(-180.0..180.0).contains(&self.center[0]) {
            self.center[0] = wrap_lon(self.center[0]);
        }
    }

    /// Zooms by `factor` keeping the point under `at` fixed on screen.
    pub fn zoom_at(&mut self, rect: Rect, at: Pos2, factor: f64) {
        let ll = self.to_lonlat(rect, at);
        self.scale = (self.scale * factor).clamp(SCALE_RANGE.0, SCALE_RANGE.1);
        let c = rect.center();
        match self.projection {
            Projection::Equirectangular => {
                self.center[1] = (ll[1] + (at.y - c.y) as f64 / self.scale).clamp(-85.0, 85.0);
                self.center[0] = ll[0] - (at.x - c.x) as f64 / self.kx();
            }
            Projection::EqualEarth => {
                let p = self.project(ll[0], ll[1]);
                let o = [p[0] - (at.x - c.x) as f64 / self.kx(), p[1] + (at.y - c.y) as f64 / self.scale];
                let cl = self.unproject(o[0], o[1]);
                self.center = [cl[0], cl[1].clamp(-85.0, 85.0)];
            }
        }
        self.normalize();
    }

    /// Frames a lon/lat box `[min_lon, min_lat, max_lon, max_lat]` in `rect` with a margin.
    pub fn fit(&mut self, rect: Rect, mut bbox: [f64; 4]) {
        if self.projection == Projection::EqualEarth {
            // The globe ends at ±180°: what lies beyond is drawn at the other edge.
            bbox = [bbox[0].max(-180.0), bbox[1], bbox[2].min(180.0), bbox[3]];
            if bbox[0] >= bbox[2] {
                bbox = [-180.0, bbox[1], 180.0, bbox[3]];
            }
        }
        self.center = [(bbox[0] + bbox[2]) / 2.0, ((bbox[1] + bbox[3]) / 2.0).clamp(-85.0, 85.0)];
        // The box's extent in map units, from its corners and edge midpoints.
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        let lat_mid = (bbox[1] + bbox[3]) / 2.0;
        let lat0 = if bbox[1] <= 0.0 && bbox[3] >= 0.0 { 0.0 } else { lat_mid };
        for (lon, lat) in [
            (bbox[0], bbox[1]),
            (bbox[0], bbox[3]),
            (bbox[2], bbox[1]),
            (bbox[2], bbox[3]),
            (bbox[0], lat0),
            (bbox[2], lat0),
            (self.center[0], bbox[1]),
            (self.center[0], bbox[3]),
        ] {
            let p = self.project(lon, lat);
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        // Centre the box's projected extent.
        let mid = self.unproject((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
        self.center = [self.center[0], mid[1].clamp(-85.0, 85.0)];
        let (w, h) = ((hi[0] - lo[0]).max(1e-6), (hi[1] - lo[1]).max(1e-6));
        let xfactor = self.kx() / self.scale; // cos(centre latitude) for equirectangular
        let s = (rect.width() as f64 / (w * xfactor)).min(rect.height() as f64 / h) * 0.9;
        self.scale = s.clamp(SCALE_RANGE.0, SCALE_RANGE.1);
    }

    /// The lon/lat box visible in `rect` (for Equal Earth, of the screen's corners and edge
    /// midpoints, clamped to the globe).
    pub fn visible(&self, rect: Rect) -> [f64; 4] {
        match self.projection {
            Projection::Equirectangular => {
                let a = self.to_lonlat(rect, rect.left_bottom());
                let b = self.to_lonlat(rect, rect.right_top());
                [a[0], a[1], b[0], b[1]]
            }
            Projection::EqualEarth => {
                let pts = [
                    rect.left_bottom(),
                    rect.right_top(),
                    rect.left_top(),
                    rect.right_bottom(),
                    rect.left_center(),
                    rect.right_center(),
                    rect.center_top(),
                    rect.center_bottom(),
                ];
                let mut b = [180.0f64, 90.0, -180.0, -90.0];
                for p in pts {
                    let ll = self.to_lonlat(rect, p);
                    b = [b[0].min(ll[0]), b[1].min(ll[1]), b[2].max(ll[0]), b[3].max(ll[1])];
                }
                [b[0].max(-180.0), b[1].max(-90.0), b[2].min(180.0), b[3].min(90.0)]
            }
        }
    }

    /// Longitude shifts (multiples of 360°) at which the world is drawn again so that a view
    /// wider than the data, or across ±180°, shows no gap. `data_lon` is the drawn data's
    /// longitude range. Equal Earth shows the globe once: the copies at ±360° only draw the
    /// parts of units drawn across the antimeridian that fall back inside ±180° (the shaders
    /// cut everything beyond).
    pub fn wraps(&self, rect: Rect, data_lon: [f64; 2]) -> Vec<f64> {
        if self.projection == Projection::EqualEarth {
            return vec![-360.0, 0.0, 360.0];
        }
        let v = self.visible(rect);
        (-3..=3)
            .map(|k| k as f64 * 360.0)
            .filter(|s| k_overlaps(data_lon[0] + s, data_lon[1] + s, v[0], v[2]))
            .collect()
    }

    /// Kilometres per screen point at the view centre (east–west), on the WGS 84 ellipsoid,
    /// measured between two screen points around the centre (right in either projection).
    pub fn km_per_point(&self) -> f64 {
        let rect = Rect::from_center_size(Pos2::ZERO, Vec2::splat(100.0));
        let (a, b) = (self.to_lonlat(rect, Pos2::new(-2.0, 0.0)), self.to_lonlat(rect, Pos2::new(2.0, 0.0)));
        crate::geometry::area::segment_km(geo::Coord { x: a[0], y: a[1] }, geo::Coord { x: b[0], y: b[1] }) / 4.0
    }
}

fn k_overlaps(a0: f64, a1: f64, b0: f64, b1: f64) -> bool {
    a0 <= b1 && b0 <= a1
}

/// A longitude brought into [-180°, 180°).
pub fn wrap_lon(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

/// A "nice" scale-bar length (1, 2 or 5 × 10^k km) at most `max_km`.
pub fn nice_km(max_km: f64) -> f64 {
    if max_km.is_nan() || max_km <= 0.0 {
        return 0.0;
    }
    let p = 10f64.powf(max_km.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|m| m * p).find(|&v| v <= max_km).unwrap_or(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect() -> Rect {
        Rect::from_min_size(Pos2::new(10.0, 20.0), Vec2::new(800.0, 600.0))
    }

    #[test]
    fn screen_lonlat_round_trip() {
        let cam = Camera { center: [-100.0, 45.0], scale: 37.5, ..Camera::default() };
        for (lon, lat) in [(-100.0, 45.0), (-120.0, 30.0), (-80.5, 49.9)] {
            let p = cam.to_screen(rect(), lon, lat);
            let ll = cam.to_lonlat(rect(), p);
            assert!((ll[0] - lon).abs() < 1e-4 && (ll[1] - lat).abs() < 1e-4, "{ll:?}");
        }
        // The centre maps to the rect's centre; north is up.
        assert_eq!(cam.to_screen(rect(), -100.0, 45.0), rect().center());
        assert!(cam.to_screen(rect(), -100.0, 46.0).y < rect().center().y);
    }

    #[test]
    fn zoom_keeps_point_under_cursor() {
        let mut cam = Camera { center: [10.0, 50.0], scale: 20.0, ..Camera::default() };
        let at = Pos2::new(700.0, 100.0);
        let before = cam.to_lonlat(rect(), at);
        cam.zoom_at(rect(), at, 3.0);
        let after = cam.to_lonlat(rect(), at);
        assert!((before[0] - after[0]).abs() < 1e-4 && (before[1] - after[1]).abs() < 1e-4, "{before:?} {after:?}");
        assert!((cam.scale - 60.0).abs() < 1e-9);
    }

    #[test]
    fn pan_moves_by_the_drag() {
        let mut cam = Camera { center: [0.0, 0.0], scale: 10.0, ..Camera::default() };
        let p0 = cam.to_screen(rect(), 5.0, 5.0);
        cam.pan(Vec2::new(30.0, -20.0));
        let p1 = cam.to_screen(rect(), 5.0, 5.0);
        // The drag moves the map by the drag (up to the small change of cos(lat) between 0° and
        // 2°, which rescales longitudes by 0.06%).
        assert!((p1.x - p0.x - 30.0).abs() < 0.1, "{}", p1.x - p0.x);
        assert!((p1.y - p0.y + 20.0).abs() < 1e-3, "{}", p1.y - p0.y);
    }

    #[test]
    fn fit_shows_the_whole_box() {
        let mut cam = Camera::default();
        let bbox = [-125.0, 24.0, -66.0, 50.0];
        cam.fit(rect(), bbox);
        let v = cam.visible(rect());
        assert!(v[0] <= bbox[0] && v[1] <= bbox[1] && v[2] >= bbox[2] && v[3] >= bbox[3], "{v:?}");
    }

    #[test]
    fn equal_earth_known_values_and_round_trip() {
        // Against PROJ's `eqearth` on the unit sphere (an independent implementation).
        let proj =
            proj::Proj::new_known_crs("+proj=longlat +R=1 +no_defs", "+proj=eqearth +R=1 +no_defs", None).unwrap();
        for (lon, lat) in [(180.0, 0.0), (0.0, 90.0), (-170.0, 65.5), (37.2, -44.0), (100.0, 10.0)] {
            let (x, y) = proj.convert((lon, lat)).unwrap();
            let e = equal_earth(lon, lat);
            assert!(
                (e[0].to_radians() - x).abs() < 1e-9 && (e[1].to_radians() - y).abs() < 1e-9,
                "{lon},{lat}: {e:?} vs {x},{y}"
            );
        }
        for (lon, lat) in [(0.0, 0.0), (-170.0, 65.5), (37.2, -44.0), (179.9, 89.0), (-12.0, -89.5)] {
            let p = equal_earth(lon, lat);
            let q = equal_earth_inverse(p[0], p[1]);
            assert!((q[0] - lon).abs() < 1e-7 && (q[1] - lat).abs() < 1e-7, "{lon},{lat} -> {q:?}");
        }
        // Equal area: a 1°×1° cell has the same map area at the equator and at 60°N up to the
        // sphere's cell-area ratio cos(60.5°)/cos(0.5°) (the cells themselves differ).
        let cell = |lat: f64| {
            let c = [
                equal_earth(0.0, lat),
                equal_earth(1.0, lat),
                equal_earth(1.0, lat + 1.0),
                equal_earth(0.0, lat + 1.0),
            ];
            (0..4).map(|i| c[i][0] * c[(i + 1) % 4][1] - c[(i + 1) % 4][0] * c[i][1]).sum::<f64>() / 2.0
        };
        let sphere = |lat: f64| (lat + 1.0f64).to_radians().sin() - lat.to_radians().sin();
        assert!((cell(60.0) / cell(0.0) - sphere(60.0) / sphere(0.0)).abs() < 2e-3);
    }

    #[test]
    fn equal_earth_camera_round_trip_fit_and_scale_bar() {
        let mut cam = Camera { projection: Projection::EqualEarth, ..Camera::default() };
        cam.fit(rect(), [-180.0, -90.0, 180.0, 84.0]);
        for (lon, lat) in [(0.0, 0.0), (-150.0, 60.0), (120.0, -40.0)] {
            let p = cam.to_screen(rect(), lon, lat);
            assert!(rect().expand(1.0).contains(p), "{lon},{lat} at {p:?}");
            let ll = cam.to_lonlat(rect(), p);
            assert!((ll[0] - lon).abs() < 1e-3 && (ll[1] - lat).abs() < 1e-3, "{ll:?}");
        }
        // The scale bar: km per point east-west at the centre agrees with the geodesic length
        // of a short screen segment there.
        cam.center = [20.0, 45.0];
        let r = rect();
        cam.scale = 40.0;
        let (a, b) = (r.center() - Vec2::new(5.0, 0.0), r.center() + Vec2::new(5.0, 0.0));
        let (la, lb) = (cam.to_lonlat(r, a), cam.to_lonlat(r, b));
        let km =
            crate::geometry::area::segment_km(geo::Coord { x: la[0], y: la[1] }, geo::Coord { x: lb[0], y: lb[1] });
        assert!((cam.km_per_point() * 10.0 / km - 1.0).abs() < 1e-3, "{} vs {km}", cam.km_per_point() * 10.0);
        // Equal Earth is not conformal: east-west scale at 45°N differs from equirectangular's.
        let eq = Camera { projection: Projection::Equirectangular, ..cam };
        assert!((cam.km_per_point() / eq.km_per_point() - 1.0).abs() > 0.01);
    }

    #[test]
    fn the_world_repeats_when_zoomed_out() {
        let mut cam = Camera { center: [170.0, 0.0], scale: 2.0, ..Camera::default() };
        let w = cam.wraps(rect(), [-180.0, 180.0]);
        assert!(w.contains(&0.0) && w.contains(&360.0), "{w:?}");
        assert_eq!(Camera { projection: Projection::EqualEarth, ..cam }.wraps(rect(), [-180.0, 180.0]).len(), 3);
        // Panning far east keeps the centre within ±180° and the view continuous.
        let before = cam.to_lonlat(rect(), Pos2::new(400.0, 300.0));
        cam.pan(Vec2::new(-100.0, 0.0));
        assert!((-180.0..180.0).contains(&cam.center[0]));
        let after = cam.to_lonlat(rect(), Pos2::new(300.0, 300.0));
        assert!((wrap_lon(after[0]) - wrap_lon(before[0])).abs() < 1e-6, "{before:?} {after:?}");
        // Zoomed in away from ±180°: one copy.
        cam = Camera { center: [10.0, 50.0], scale: 50.0, ..Camera::default() };
        assert_eq!(cam.wraps(rect(), [-180.0, 180.0]), vec![0.0]);
        assert_eq!(wrap_lon(190.0), -170.0);
        assert_eq!(wrap_lon(-180.0), -180.0);
    }

    #[test]
    fn nice_scale_lengths() {
        assert_eq!(nice_km(730.0), 500.0);
        assert_eq!(nice_km(199.0), 100.0);
        assert_eq!(nice_km(2.5), 2.0);
    }
}
