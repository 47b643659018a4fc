//! A small software map renderer for images in files (the brief's map, PNG exports): filled
//! polygons with anti-aliased edges (4×4 supersampling per pixel row, even-odd rule) and
//! outlines, in an equirectangular view scaled by the cosine of the view's central latitude.
//! It has no GPU dependency, so the CLI can make the same pictures as the desktop app.

use geo::{MultiPolygon, Rect};

/// An RGBA colour.
pub type Rgba = [u8; 4];

/// The Okabe–Ito palette (safe for the common colour-vision deficiencies), without black.
pub const PALETTE: [Rgba; 7] = [
    [230, 159, 0, 255],
    [86, 180, 233, 255],
    [0, 158, 115, 255],
    [240, 228, 66, 255],
    [0, 114, 178, 255],
    [213, 94, 0, 255],
    [204, 121, 167, 255],
];

/// Maps lon/lat to pixels.
#[derive(Debug, Clone, Copy)]
pub struct View {
    lon0: f64,
    lat1: f64,
    kx: f64,
    ky: f64,
}

impl View {
    /// A view showing `extent` (degrees) in a `w`×`h` image, with a 5% margin, preserving the
    /// local aspect ratio (x scaled by the cosine of the central latitude).
    pub fn fit(extent: Rect<f64>, w: u32, h: u32) -> Self {
        let c = extent.center();
        let cos = c.y.to_radians().cos().max(0.05);
        let (ew, eh) = ((extent.width() * cos).max(1e-9), extent.height().max(1e-9));
        let s = (w as f64 / ew).min(h as f64 / eh) * 0.9;
        let kx = s * cos;
        let lon0 = c.x - (w as f64 / 2.0) / kx;
        let lat1 = c.y + (h as f64 / 2.0) / s;
        View { lon0, lat1, kx, ky: s }
    }
    /// Pixel position of a lon/lat point.
    pub fn to_px(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (self.lat1 - lat) * self.ky)
    }
}

/// An RGBA image.
pub struct Canvas {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// Pixels, row-major.
    pub px: Vec<Rgba>,
}

fn blend(dst: &mut Rgba, src: Rgba, cov: f32) {
    let a = (src[3] as f32 / 255.0) * cov.clamp(0.0, 1.0);
    for i in 0..3 {
        dst[i] = (dst[i] as f32 * (1.0 - a) + src[i] as f32 * a).round() as u8;
    }
    dst[3] = 255;
}

const SUB: usize = 4;

impl Canvas {
    /// A canvas filled with `bg`.
    pub fn new(w: u32, h: u32, bg: Rgba) -> Self {
        let (w, h) = (w.max(1), h.max(1));
        Canvas { w, h, px: vec![bg; (w * h) as usize] }
    }

    /// Fills `mp` (all rings, even-odd) with `color`.
    pub fn fill(&mut self, mp: &MultiPolygon<f64>, view: &View, color: Rgba) {
        let mut edges: Vec<(f64, f64, f64, f64)> = Vec::new();
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in r.0.windows(2) {
                    let (x0, y0) = view.to_px(w[0].x, w[0].y);
                    let (x1, y1) = view.to_px(w[1].x, w[1].y);
                    if y0 != y1 {
                        edges.push((x0, y0, x1, y1));
                    }
                }
            }
        }
        if edges.is_empty() {
            return;
        }
        let ymin = edges.iter().map(|e| e.1.min(e.3)).fold(f64::INFINITY, f64::min).max(0.0) as usize;
        let ymax =
            (edges.iter().map(|e| e.1.max(e.3)).fold(f64::NEG_INFINITY, f64::max).ceil() as usize).min(self.h as usize);
        let w = self.w as usize;
        let mut cov = vec![0f32; w + 1];
        let mut xs: Vec<f64> = Vec::new();
        for row in ymin..ymax {
            cov.iter_mut().for_each(|c| *c = 0.0);
            let mut any = false;
            for s in 0..SUB {
                let y = row as f64 + (s as f64 + 0.5) / SUB as f64;
                xs.clear();
                for &(x0, y0, x1, y1) in &edges {
                    if (y0 <= y && y < y1) || (y1 <= y && y < y0) {
                        xs.push(x0 + (y - y0) / (y1 - y0) * (x1 - x0));
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    let (a, b) = (pair[0].clamp(0.0, w as f64), pair[1].clamp(0.0, w as f64));
                    if b <= a {
                        continue;
                    }
                    any = true;
                    // Horizontal coverage with fractional ends.
                    let (ia, ib) = (a.floor() as usize, b.floor() as usize);
                    let wgt = 1.0 / SUB as f32;
                    if ia == ib {
                        cov[ia] += (b - a) as f32 * wgt;
                    } else {
                        cov[ia] += (1.0 - (a - ia as f64)) as f32 * wgt;
                        for c in cov.iter_mut().take(ib).skip(ia + 1) {
                            *c += wgt;
                        }
                        cov[ib] += (b - ib as f64) as f32 * wgt;
                    }
                }
            }
            if any {
                for (x, c) in cov.iter().take(w).enumerate() {
                    if *c > 0.0 {
                        blend(&mut self.px[row * w + x], color, *c);
                    }
                }
            }
        }
    }

    /// Draws the rings of `mp` with lines `width` px wide.
    pub fn stroke(&mut self, mp: &MultiPolygon<f64>, view: &View, color: Rgba, width: f64) {
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                for seg in r.0.windows(2) {
                    let a = view.to_px(seg[0].x, seg[0].y);
                    let b = view.to_px(seg[1].x, seg[1].y);
                    self.line(a, b, color, width);
                }
            }
        }
    }

    fn line(&mut self, a: (f64, f64), b: (f64, f64), color: Rgba, width: f64) {
        let (w, h) = (self.w as f64, self.h as f64);
        if (a.0 < -width && b.0 < -width)
            || (a.0 > w + width && b.0 > w + width)
            || (a.1 < -width && b.1 < -width)
            || (a.1 > h + width && b.1 > h + width)
        {
            return;
        }
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let steps = (len * 2.0).ceil().max(1.0) as usize;
        let r = width / 2.0;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            let (x0, x1) = ((x - r).floor().max(0.0) as i64, (x + r).ceil().min(w - 1.0) as i64);
            let (y0, y1) = ((y - r).floor().max(0.0) as i64, (y + r).ceil().min(h - 1.0) as i64);
            for py in y0..=y1 {
                for px in x0..=x1 {
                    let d = ((px as f64 + 0.5 - x).powi(2) + (py as f64 + 0.5 - y).powi(2)).sqrt();
                    let cov = (r + 0.5 - d).clamp(0.0, 1.0) as f32;
                    if cov > 0.0 {
                        let i = py as usize * self.w as usize + px as usize;
                        blend(&mut self.px[i], color, cov);
                    }
                }
            }
        }
    }

    /// Encodes the canvas as PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w, self.h);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            // Unreachable failures: the writer is a Vec (no I/O error), the canvas is at least
            // 1x1 (`Canvas::new`) and `px` holds exactly w*h pixels, so the header and the data
            // are valid; an encoder error would leave an empty PNG rather than abort.
            let flat: Vec<u8> = self.px.iter().flatten().copied().collect();
            if let Ok(mut wr) = enc.write_header() {
                let _ = wr.write_image_data(&flat);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn fills_inside_not_outside_and_respects_holes() {
        let mp = MultiPolygon(vec![wkt!(POLYGON((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(4. 4.,6. 4.,6. 6.,4. 6.,4. 4.)))]);
        let view = View::fit(Rect::new((0., 0.), (10., 10.)), 100, 100);
        let mut c = Canvas::new(100, 100, [255, 255, 255, 255]);
        c.fill(&mp, &view, [0, 0, 0, 255]);
        let at = |lon: f64, lat: f64| {
            let (x, y) = view.to_px(lon, lat);
            c.px[y as usize * 100 + x as usize]
        };
        assert_eq!(at(2.0, 2.0), [0, 0, 0, 255]);
        assert_eq!(at(5.0, 5.0), [255, 255, 255, 255]);
        let png = c.to_png();
        assert_eq!(&png[1..4], b"PNG");
    }
}
