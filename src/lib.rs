//! # crossbound
//!
//! Cross-boundary ecological governance: overlay ecological zones (river basins, ecoregions,
//! protected areas) on administrative divisions at several levels, flag the zones cut across
//! jurisdictions, and propose the joint bodies that should govern them.
//!
//! The library is the whole engine; the CLI and the desktop app are thin faces over it.
//! Data flows one way:
//!
//! | stage | module |
//! |---|---|
//! | load (GeoJSON, any CRS via PROJ) | [`io`], [`crs`] |
//! | normalise (repair, antimeridian) | [`geometry::repair`] |
//! | index (R-tree, edge chunks) | [`index`] |
//! | hierarchy (parents, common ancestors) | [`hierarchy`] |
//! | overlay (exact pieces, ellipsoidal areas) | [`overlay`], [`geometry`] |
//! | borders (neighbours, border lengths) | [`borders`] |
//! | analyse (shares, cut, metrics) | [`analysis`] |
//! | propose (joint bodies, jurisdiction view) | [`governance`] |
//! | burden (what each jurisdiction carries) | [`burden`] |
//! | reform (merge, transfer, split, bodies by hand) | [`scenario`] |
//! | present (report, CSV, GeoJSON, brief) | [`report`], [`export`], [`brief`] |
//!
//! [`study::Study`] runs the geometry stages once; analysis and proposals are re-derived from it
//! for any parameters.
//!
//! Units: areas in km² on the WGS 84 ellipsoid, lengths in km, shares in 0..1, coordinates in
//! lon/lat degrees.

pub mod analysis;
pub mod borders;
pub mod brief;
pub mod burden;
pub mod crs;
pub mod export;
pub mod geometry;
pub mod governance;
pub mod hierarchy;
pub mod index;
pub mod io;
pub mod model;
pub mod overlay;
pub mod progress;
pub mod project;
pub mod render;
pub mod report;
pub mod scaleout;
pub mod scenario;
pub mod stage_end;
pub mod study;
pub mod zone_levels;

#[cfg(feature = "app")]
pub mod app;
