//! Geometry kernels that the overlay builds on: areas on the ellipsoid, lengths, rectangle
//! clipping, edge-chunk indexes for cheap containment tests, and input repair.
//!
//! Convention used throughout crossbound: a polygon is the region of the **longitude/latitude
//! plane** (degrees, WGS 84) that its rings bound, so edges are straight in lon/lat (the same
//! model geo's planar `BooleanOps` use). Its area is the area of that region on the WGS 84
//! ellipsoid, computed exactly for lon/lat-straight edges (see [`area`]).

pub mod area;
pub mod chunks;
pub mod clip;
pub mod packed;
pub mod repair;
pub mod validity;

pub use area::{area_km2, length_km, ring_area_km2};
pub use chunks::ChunkIndex;
pub use clip::clip_to_rect;
pub use repair::{RepairCounts, normalize_polygons};

/// Every ring of `mp`: each polygon's exterior, then its holes, polygon by polygon.
pub fn rings(mp: &geo::MultiPolygon<f64>) -> impl Iterator<Item = &geo::LineString<f64>> {
    mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}
