//! The map camera: an equirectangular view scaled by the cosine of the view centre's latitude
//! (true shapes near the centre, no reprojection on pan), with zoom around the cursor.

use egui::{Pos2, Rect, Vec2};
use serde::{Deserialize, Serialize};

/// Where the map looks and how close.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// Longitude, latitude of the view centre, degrees.
    pub center: [f64; 2],
    /// Points per degree of latitude.
    pub scale: f64,
}

impl Default for Camera {
    fn default() -> Self {
        Camera { center: [-98.0, 39.0], scale: 12.0 }
    }
}

/// Smallest and largest zoom, points per degree.
pub const SCALE_RANGE: (f64, f64) = (0.5, 200_000.0);

impl Camera {
    /// Points per degree of longitude at the view centre.
    pub fn kx(&self) -> f64 {
        self.scale * self.center[1].to_radians().cos().max(0.05)
    }

    /// Screen position of a lon/lat point in the map `rect`.
    pub fn to_screen(&self, rect: Rect, lon: f64, lat: f64) -> Pos2 {
        let c = rect.center();
        Pos2::new(
            (c.x as f64 + (lon - self.center[0]) * self.kx()) as f32,
            (c.y as f64 - (lat - self.center[1]) * self.scale) as f32,
        )
    }

    /// Lon/lat of a screen position in the map `rect`.
    pub fn to_lonlat(&self, rect: Rect, p: Pos2) -> [f64; 2] {
        let c = rect.center();
        [self.center[0] + (p.x - c.x) as f64 / self.kx(), self.center[1] - (p.y - c.y) as f64 / self.scale]
    }

    /// Moves the view by a screen drag of `delta` points.
    pub fn pan(&mut self, delta: Vec2) {
        self.center[0] -= delta.x as f64 / self.kx();
        self.center[1] = (self.center[1] + delta.y as f64 / self.scale).clamp(-85.0, 85.0);
    }

    /// Zooms by `factor` keeping the point under `at` fixed on screen.
    pub fn zoom_at(&mut self, rect: Rect, at: Pos2, factor: f64) {
        let ll = self.to_lonlat(rect, at);
        self.scale = (self.scale * factor).clamp(SCALE_RANGE.0, SCALE_RANGE.1);
        let c = rect.center();
        self.center[1] = (ll[1] + (at.y - c.y) as f64 / self.scale).clamp(-85.0, 85.0);
        self.center[0] = ll[0] - (at.x - c.x) as f64 / self.kx();
    }

    /// Frames a lon/lat box `[min_lon, min_lat, max_lon, max_lat]` in `rect` with a margin.
    pub fn fit(&mut self, rect: Rect, bbox: [f64; 4]) {
        let (w, h) = ((bbox[2] - bbox[0]).max(1e-6), (bbox[3] - bbox[1]).max(1e-6));
        self.center = [(bbox[0] + bbox[2]) / 2.0, ((bbox[1] + bbox[3]) / 2.0).clamp(-85.0, 85.0)];
        let cos = self.center[1].to_radians().cos().max(0.05);
        let s = (rect.width() as f64 / (w * cos)).min(rect.height() as f64 / h) * 0.9;
        self.scale = s.clamp(SCALE_RANGE.0, SCALE_RANGE.1);
    }

    /// The lon/lat box visible in `rect`.
    pub fn visible(&self, rect: Rect) -> [f64; 4] {
        let a = self.to_lonlat(rect, rect.left_bottom());
        let b = self.to_lonlat(rect, rect.right_top());
        [a[0], a[1], b[0], b[1]]
    }

    /// Kilometres per screen point at the view centre (east–west), on the WGS 84 ellipsoid.
    pub fn km_per_point(&self) -> f64 {
        let a = crate::geometry::area::segment_km(
            geo::Coord { x: self.center[0], y: self.center[1] },
            geo::Coord { x: self.center[0] + 0.01, y: self.center[1] },
        ) / 0.01;
        a / self.kx()
    }
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
        let cam = Camera { center: [-100.0, 45.0], scale: 37.5 };
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
        let mut cam = Camera { center: [10.0, 50.0], scale: 20.0 };
        let at = Pos2::new(700.0, 100.0);
        let before = cam.to_lonlat(rect(), at);
        cam.zoom_at(rect(), at, 3.0);
        let after = cam.to_lonlat(rect(), at);
        assert!((before[0] - after[0]).abs() < 1e-4 && (before[1] - after[1]).abs() < 1e-4, "{before:?} {after:?}");
        assert!((cam.scale - 60.0).abs() < 1e-9);
    }

    #[test]
    fn pan_moves_by_the_drag() {
        let mut cam = Camera { center: [0.0, 0.0], scale: 10.0 };
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
    fn nice_scale_lengths() {
        assert_eq!(nice_km(730.0), 500.0);
        assert_eq!(nice_km(199.0), 100.0);
        assert_eq!(nice_km(2.5), 2.0);
    }
}
