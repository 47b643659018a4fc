//! Map images for files made without a GPU (the brief's map; the app's PNG export when it has
//! no GPU): anti-aliased fills (even-odd rule) and outlines drawn by `tiny-skia`, a maintained
//! software rasteriser, in an equirectangular view scaled by the cosine of the view's central
//! latitude, with the map's colours (`app::scene`). The app's PNG export on a GPU is drawn by
//! the screen's own wgpu pipeline instead (`app::gpu::render_offscreen`).

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

/// An RGBA image (opaque background, so straight and premultiplied alpha agree).
pub struct Canvas {
    pixmap: tiny_skia::Pixmap,
}

fn paint(color: Rgba) -> tiny_skia::Paint<'static> {
    let mut p = tiny_skia::Paint::default();
    p.set_color_rgba8(color[0], color[1], color[2], color[3]);
    p.anti_alias = true;
    p
}

/// The rings of `mp` as one path in pixels (`None` when empty).
fn path(mp: &MultiPolygon<f64>, view: &View) -> Option<tiny_skia::Path> {
    let mut pb = tiny_skia::PathBuilder::new();
    for p in &mp.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for (i, c) in r.0.iter().enumerate() {
                let (x, y) = view.to_px(c.x, c.y);
                if i == 0 { pb.move_to(x as f32, y as f32) } else { pb.line_to(x as f32, y as f32) }
            }
            pb.close();
        }
    }
    pb.finish()
}

impl Canvas {
    /// A `w`×`h` canvas (at least 1×1) filled with `bg`.
    pub fn new(w: u32, h: u32, bg: Rgba) -> Self {
        let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1))
            .or_else(|| tiny_skia::Pixmap::new(1, 1))
            .unwrap_or_else(|| unreachable!("a 1x1 pixmap always fits"));
        pixmap.fill(tiny_skia::Color::from_rgba8(bg[0], bg[1], bg[2], bg[3]));
        Canvas { pixmap }
    }

    /// A canvas holding `rgba` (row-major, opaque), `None` if the sizes disagree.
    pub fn from_rgba(w: u32, h: u32, rgba: Vec<u8>) -> Option<Self> {
        let size = tiny_skia::IntSize::from_wh(w, h)?;
        Some(Canvas { pixmap: tiny_skia::Pixmap::from_vec(rgba, size)? })
    }

    /// Width, px.
    pub fn width(&self) -> u32 {
        self.pixmap.width()
    }

    /// Height, px.
    pub fn height(&self) -> u32 {
        self.pixmap.height()
    }

    /// The pixel at (x, y), straight alpha; `None` outside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgba> {
        let c = self.pixmap.pixel(x, y)?.demultiply();
        Some([c.red(), c.green(), c.blue(), c.alpha()])
    }

    /// Fills `mp` (all rings, even-odd) with `color`, anti-aliased.
    pub fn fill(&mut self, mp: &MultiPolygon<f64>, view: &View, color: Rgba) {
        if let Some(p) = path(mp, view) {
            self.pixmap.fill_path(
                &p,
                &paint(color),
                tiny_skia::FillRule::EvenOdd,
                tiny_skia::Transform::identity(),
                None,
            );
        }
    }

    /// Draws the rings of `mp` with lines `width` px wide, anti-aliased, with round joins.
    pub fn stroke(&mut self, mp: &MultiPolygon<f64>, view: &View, color: Rgba, width: f64) {
        if let Some(p) = path(mp, view) {
            let stroke =
                tiny_skia::Stroke { width: width as f32, line_join: tiny_skia::LineJoin::Round, ..Default::default() };
            self.pixmap.stroke_path(&p, &paint(color), &stroke, tiny_skia::Transform::identity(), None);
        }
    }

    /// Encodes the canvas as PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.pixmap.width(), self.pixmap.height());
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            // Unreachable failures: the writer is a Vec (no I/O error) and the pixmap holds
            // exactly width*height RGBA pixels (at least 1x1), so the header and the data are
            // valid; an encoder error would leave an empty PNG rather than abort. The pixels are
            // premultiplied; the background is opaque, so they are also straight.
            if let Ok(mut wr) = enc.write_header() {
                let _ = wr.write_image_data(self.pixmap.data());
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
            c.pixel(x as u32, y as u32).unwrap()
        };
        assert_eq!(at(2.0, 2.0), [0, 0, 0, 255]);
        assert_eq!(at(5.0, 5.0), [255, 255, 255, 255]);
        // Edges are anti-aliased: along a slanted edge, pixels the boundary cuts are grey.
        let tri = MultiPolygon(vec![wkt!(POLYGON((0. 0.,10. 3.,3. 10.,0. 0.)))]);
        let mut t = Canvas::new(100, 100, [255, 255, 255, 255]);
        t.fill(&tri, &view, [0, 0, 0, 255]);
        let grey = (0..100).flat_map(|y| (0..100).map(move |x| (x, y))).filter(|&(x, y)| {
            let p = t.pixel(x, y).unwrap();
            p[0] > 20 && p[0] < 235
        });
        assert!(grey.count() > 50);
        let png = c.to_png();
        assert_eq!(&png[1..4], b"PNG");
    }
}
