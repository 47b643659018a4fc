//! Areas on the WGS 84 ellipsoid for polygons whose edges are straight in lon/lat.
//!
//! # Method
//! The ellipsoid is mapped to its authalic (equal-area) sphere: a point at geodetic latitude φ
//! has authalic latitude β with `sin β = q(φ) / q_p`, and the area element is
//! `R_q² cos β dβ dλ`, so a region's area is `R_q² ∬ d(sin β) dλ = R_q² |∮ sin β dλ|`.
//! Along one edge straight in lon/lat, β varies almost linearly; integrating `sin β` along the
//! edge with β linear gives `Δλ · (sin β₀ + sin β₁)/2 · tan(h)/h` with `h = Δβ/2` — the exact
//! result for a β-linear edge, where the plain trapezoid (a cylindrical equal-area projection
//! with straight projected edges) would drop the `tan(h)/h` factor. β(φ) is not quite linear
//! (the error grows with the square of the edge's latitude span: ~6e-5 relative for an 8°
//! edge), so edges spanning more than `MAX_STEP_DEG` (0.25°) of latitude are integrated in
//! sub-steps of the same straight edge. The result agrees with GeographicLib on densified
//! edges to about 1e-7 (see the tests); the geometry itself is never densified.
//!
//! This matches the overlay's model exactly: intersections are computed in the lon/lat plane,
//! so the area assigned to a piece is the ellipsoidal area of exactly that piece; shares of a
//! zone therefore add up to at most 1 up to floating-point rounding.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// WGS 84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS 84 flattening.
const F: f64 = 1.0 / 298.257_223_563;

struct Authalic {
    #[cfg(test)]
    e: f64,
    e2: f64,
    #[cfg(test)]
    qp: f64,
    /// `(1 − e²) / q_p`, so that `sin β` takes one division, not two.
    scale: f64,
    /// Authalic radius squared, in km².
    rq2_km2: f64,
}

const fn e2() -> f64 {
    F * (2.0 - F)
}

fn authalic() -> &'static Authalic {
    use std::sync::OnceLock;
    static AUTH: OnceLock<Authalic> = OnceLock::new();
    AUTH.get_or_init(|| {
        let e2 = e2();
        let e = e2.sqrt();
        let q =
            |s: f64| (1.0 - e2) * (s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln());
        let qp = q(1.0);
        let rq2 = A * A * qp / 2.0;
        Authalic {
            #[cfg(test)]
            e,
            e2,
            #[cfg(test)]
            qp,
            scale: (1.0 - e2) / qp,
            rq2_km2: rq2 / 1.0e6,
        }
    })
}

/// `sin β` (authalic latitude) for a geodetic latitude in degrees:
/// `q(φ) / q_p` with `q = (1 − e²)·[s/(1 − e²s²) + atanh(e·s)/e]`, `s = sin φ`; the atanh is
/// summed as its series (e·s ≤ 0.082, so six terms leave an error below 1e-14).
#[inline]
fn authalic_sin(auth: &Authalic, lat_deg: f64) -> f64 {
    let s = lat_deg.to_radians().sin();
    let x2 = auth.e2 * s * s;
    let atanh_over_e =
        s * (1.0 + x2 * (1.0 / 3.0 + x2 * (1.0 / 5.0 + x2 * (1.0 / 7.0 + x2 * (1.0 / 9.0 + x2 / 11.0)))));
    (auth.scale * (s / (1.0 - x2) + atanh_over_e)).clamp(-1.0, 1.0)
}

/// `sin β` and `β` for a geodetic latitude in degrees.
#[cfg(test)]
fn authalic_lat(auth: &Authalic, lat_deg: f64) -> (f64, f64) {
    let sb = authalic_sin(auth, lat_deg);
    (sb, sb.asin())
}

/// Longest latitude step (degrees) integrated with β taken as linear along the edge; longer
/// edges are integrated in equal sub-steps. The error of one step grows with its square.
const MAX_STEP_DEG: f64 = 0.25;

/// `∫ sin β dλ` along one step with β linear: `Δλ · (sin β₀ + sin β₁)/2 · tan(h)/h`, `h = Δβ/2`.
/// The factor only matters to second order (`1 + h²/3`), so `h` is taken from the sines:
/// `Δβ ≈ Δ(sin β) / cos β_mid`, and only `h²` is needed (no square root).
#[inline]
fn edge_term(dl: f64, s0: f64, s1: f64) -> f64 {
    let sm = 0.5 * (s0 + s1);
    let d = 0.5 * (s1 - s0);
    let h2 = (d * d / (1.0 - sm * sm).max(1e-12)).min(1.0);
    // tan(h)/h = 1 + h²/3 + 2h⁴/15 + 17h⁶/315 + 62h⁸/2835 + …: below |h| = 0.01 the series to
    // h⁶ is exact in f64 (the next term is under 3e-18), and a step of at most `MAX_STEP_DEG`
    // always has |h| < 0.0025, so `tan` is only called near the poles.
    let k = if h2 < 1e-4 {
        1.0 + h2 * (1.0 / 3.0 + h2 * (2.0 / 15.0 + h2 * (17.0 / 315.0)))
    } else {
        let h = h2.sqrt();
        h.tan() / h
    };
    dl * sm * k
}

/// Signed area of one closed ring in km²: positive when counter-clockwise in lon/lat
/// (x = longitude, y = latitude, degrees). The ring may be given closed or open.
pub fn ring_signed_area_km2(coords: &[Coord<f64>]) -> f64 {
    let n = coords.len();
    if n < 3 {
        return 0.0;
    }
    let auth = authalic();
    let mut sum = 0.0;
    let mut s0 = authalic_sin(auth, coords[0].y);
    let (mut x0, mut y0) = (coords[0].x, coords[0].y);
    // Iterate over edges (i, i+1), closing the ring if it is open.
    let closed = coords[0] == coords[n - 1];
    let last = if closed { n - 1 } else { n };
    for i in 1..=last {
        let c = if i == n { coords[0] } else { coords[i] };
        let s1 = if c.y == y0 { s0 } else { authalic_sin(auth, c.y) };
        let dl = (c.x - x0).to_radians();
        if dl != 0.0 {
            let dphi = (c.y - y0).abs();
            if dphi <= MAX_STEP_DEG {
                sum += edge_term(dl, s0, s1);
            } else {
                // Long in latitude: integrate over equal sub-steps of the same straight edge.
                let steps = (dphi / MAX_STEP_DEG).ceil() as usize;
                let mut ps = s0;
                for k in 1..=steps {
                    let qs =
                        if k == steps { s1 } else { authalic_sin(auth, y0 + (c.y - y0) * k as f64 / steps as f64) };
                    sum += edge_term(dl / steps as f64, ps, qs);
                    ps = qs;
                }
            }
        }
        (s0, x0, y0) = (s1, c.x, c.y);
    }
    // ∮ -sin β dλ is the area for a counter-clockwise ring.
    -sum * auth.rq2_km2
}

/// Unsigned area of one ring in km².
pub fn ring_area_km2(ring: &LineString<f64>) -> f64 {
    ring_signed_area_km2(&ring.0).abs()
}

/// Area of a polygon in km²: |exterior| minus the |hole|s, whatever the rings' orientation.
pub fn polygon_area_km2(poly: &Polygon<f64>) -> f64 {
    let holes: f64 = poly.interiors().iter().map(ring_area_km2).sum();
    (ring_area_km2(poly.exterior()) - holes).max(0.0)
}

/// Area of a multipolygon in km² on the WGS 84 ellipsoid (lon/lat-straight edges).
/// Assumes its polygons do not overlap (true for valid input and for BooleanOps output).
pub fn area_km2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_area_km2).sum()
}

/// Length in km on the WGS 84 ellipsoid of one segment between two lon/lat points.
///
/// Segments shorter than 0.1° use the local ellipsoidal radii at the mid-latitude (meridional
/// M and prime-vertical N): `√((M·Δφ)² + (N·cos φ·Δλ)²)`, within 1e-6 relative of the
/// geodesic for such lengths and far cheaper; longer ones use GeographicLib's geodesic.
pub fn segment_km(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dlon, dlat) = ((b.x - a.x).abs(), (b.y - a.y).abs());
    if dlon < 0.1 && dlat < 0.1 {
        let phi = (0.5 * (a.y + b.y)).to_radians();
        let s2 = phi.sin().powi(2);
        let w = (1.0 - e2() * s2).sqrt();
        let n = A / w;
        let m = A * (1.0 - e2()) / (w * w * w);
        let dy = m * dlat.to_radians();
        let dx = n * phi.cos() * dlon.to_radians();
        (dx * dx + dy * dy).sqrt() / 1000.0
    } else {
        use geo::{Distance, Geodesic, Point};
        Geodesic.distance(Point(a), Point(b)) / 1000.0
    }
}

/// Length in km on the WGS 84 ellipsoid of a lon/lat polyline (see [`segment_km`]).
pub fn length_km(ls: &LineString<f64>) -> f64 {
    ls.0.windows(2).map(|w| segment_km(w[0], w[1])).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Densify, Euclidean, GeodesicArea, wkt};

    /// GeographicLib (through geo) on edges densified to 0.01°: an independent computation.
    fn geodesic_reference_km2(p: &Polygon<f64>) -> f64 {
        let d = Euclidean.densify(p, 0.01);
        d.geodesic_area_unsigned() / 1.0e6
    }

    #[test]
    fn one_degree_cell_at_equator_matches_closed_form() {
        // Area between latitudes 0 and 1 over 1° of longitude on the WGS 84 ellipsoid:
        // R_q² · Δλ · (sin β(1°) − sin β(0°)), about 12,308 km².
        let p = wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)));
        let a = polygon_area_km2(&p);
        let auth = authalic();
        let expect = auth.rq2_km2 * 1f64.to_radians() * authalic_lat(auth, 1.0).0;
        // The series form of q agrees with the closed form.
        let e = auth.e;
        let sphi = 1f64.to_radians().sin();
        let q = (1.0 - auth.e2)
            * (sphi / (1.0 - auth.e2 * sphi * sphi) - (1.0 / (2.0 * e)) * ((1.0 - e * sphi) / (1.0 + e * sphi)).ln());
        assert!((q / auth.qp - authalic_sin(auth, 1.0)).abs() < 1e-15);
        assert!((a - expect).abs() < 1e-9 * expect, "{a} vs {expect}");
        assert!((a - 12_308.0).abs() < 5.0, "{a}");
    }

    #[test]
    fn agrees_with_geographiclib_on_densified_edges() {
        for p in [
            wkt!(POLYGON((-110. 40.,-100. 41.,-95. 49.,-112. 48.5,-110. 40.))),
            wkt!(POLYGON((10. 60.,30. 62.,28. 70.,5. 68.,10. 60.))),
            wkt!(POLYGON((140. - 40., 150. - 38., 151. - 30., 139. - 29., 140. - 40.))),
        ] {
            let ours = polygon_area_km2(&p);
            let reference = geodesic_reference_km2(&p);
            let rel = (ours - reference).abs() / reference;
            assert!(rel < 1e-6, "ours {ours} reference {reference} rel {rel}");
        }
    }

    #[test]
    fn edge_factor_series_matches_tan() {
        // The factor tan(h)/h, recovered from one edge term, against the library's tan.
        for h in [1e-6f64, 1e-4, 1e-3, 2.5e-3, 5e-3, 9.99e-3, 0.0101, 0.3] {
            for sign in [1.0, -1.0] {
                let h = sign * h;
                // Two sines around 0.25 whose half-difference over the cosine is about h.
                let sm: f64 = 0.25;
                let cm = (1.0 - sm * sm).sqrt();
                let d = 2.0 * h * cm;
                let (a, b) = (sm - d / 2.0, sm + d / 2.0);
                let hh = 0.5 * (b - a) / (1.0 - (0.5 * (a + b)).powi(2)).sqrt();
                let got = edge_term(1.0, a, b) / (0.5 * (a + b));
                let want = hh.tan() / hh;
                assert!((got - want).abs() <= 4.5e-16 * want, "h {hh}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn orientation_and_holes() {
        let ccw = wkt!(POLYGON((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)));
        let cw = wkt!(POLYGON((0. 0.,0. 2.,2. 2.,2. 0.,0. 0.)));
        assert!(ring_signed_area_km2(&ccw.exterior().0) > 0.0);
        assert!(ring_signed_area_km2(&cw.exterior().0) < 0.0);
        assert!((polygon_area_km2(&ccw) - polygon_area_km2(&cw)).abs() < 1e-6);
        // A hole given with the same orientation as the shell still subtracts.
        let holed = wkt!(POLYGON((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.),(0.5 0.5,1.5 0.5,1.5 1.5,0.5 1.5,0.5 0.5)));
        let hole = wkt!(POLYGON((0.5 0.5,1.5 0.5,1.5 1.5,0.5 1.5,0.5 0.5)));
        let want = polygon_area_km2(&ccw) - polygon_area_km2(&hole);
        assert!((polygon_area_km2(&holed) - want).abs() < 1e-6);
    }

    #[test]
    fn tiny_sliver_has_tiny_area() {
        // The trap in the design notes: a sliver must never get the area of the whole Earth.
        let p = wkt!(POLYGON((10. 10.,10.000001 10.,10.0000005 10.0000001,10. 10.)));
        let a = polygon_area_km2(&p);
        assert!((0.0..1e-6).contains(&a), "{a}");
    }

    #[test]
    fn polar_band_is_finite_and_right() {
        // The whole band south of -60° as a lon/lat rectangle: its area is the cap's area.
        let p = wkt!(POLYGON((-180. - 90., 180. - 90., 180. - 60., -180. - 60., -180. - 90.)));
        let a = polygon_area_km2(&p);
        let auth = authalic();
        let cap = auth.rq2_km2 * 2.0 * std::f64::consts::PI * (1.0 + authalic_lat(auth, -60.0).0);
        assert!((a - cap).abs() < 1e-6 * cap, "{a} vs {cap}");
    }

    #[test]
    fn short_segments_agree_with_geodesic() {
        use geo::{Distance, Geodesic, Point};
        for (a, b) in [
            ((0.0, 0.0), (0.09, 0.05)),
            ((-100.0, 45.0), (-100.01, 45.09)),
            ((20.0, 70.0), (20.09, 70.05)),
            ((150.0, -40.0), (150.0001, -40.0)),
            ((20.0, 70.0), (20.4, 70.1)),
        ] {
            let (a, b) = (Coord { x: a.0, y: a.1 }, Coord { x: b.0, y: b.1 });
            let g = Geodesic.distance(Point(a), Point(b)) / 1000.0;
            assert!((segment_km(a, b) - g).abs() <= 1e-6 * g, "{a:?} {b:?}: {} vs {g}", segment_km(a, b));
        }
    }

    #[test]
    fn length_of_one_degree_of_meridian() {
        let ls = LineString::from(vec![(0.0, 0.0), (0.0, 1.0)]);
        assert!((length_km(&ls) - 110.574).abs() < 0.01);
    }
}
