//! The pipeline, one way: load → normalise → index → overlay → (analyse, propose on demand).
//!
//! A [`Study`] holds everything that needs geometry: the loaded and indexed layers, the admin
//! hierarchy, the overlay pieces of every zone at every level, and the shared borders. Analysis
//! and proposals are derived from it for any parameters, without a new overlay.

use crate::analysis::{LevelAnalysis, Params, analyse_level};
use crate::borders::Borders;
use crate::geometry::ChunkIndex;
use crate::geometry::area::segment_km;
use crate::hierarchy::Hierarchy;
use crate::index::IndexedLayer;
use crate::io::{LoadError, load_layer_with_progress};
use crate::model::Unit;
use crate::model::{LayerSpec, Warning};
use crate::overlay::{Outlines, PairStats, Piece, PieceGeometry, ZonePieces, overlay_layers};
use crate::progress::{Cancelled, Progress};
use crate::zone_levels::ZoneLevels;
use geo::{Coord, Rect};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to analyse: admin layers coarse to fine, and one or more ecological layers. This is
/// also the content of a project file (`*.crossbound.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// Admin levels, coarse to fine.
    pub admin: Vec<LayerSpec>,
    /// Ecological zone layers.
    pub eco: Vec<LayerSpec>,
    /// A parts table computed elsewhere (Apache Sedona running `crossbound export-job`'s job,
    /// or an earlier `--parts` output): the local overlay is skipped and these parts are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<PathBuf>,
}

impl Inputs {
    /// The bundled US demo below `data_dir`: states > counties; HUC2 watershed regions and
    /// national parks.
    pub fn us_demo(data_dir: &Path) -> Self {
        let us = data_dir.join("us");
        Inputs {
            admin: vec![LayerSpec::new(us.join("states.geojson")), LayerSpec::new(us.join("counties.geojson"))],
            eco: vec![LayerSpec::new(us.join("huc2_watersheds.geojson")), LayerSpec::new(us.join("nps_parks.geojson"))],
            parts: None,
        }
    }

    /// The bundled world demo below `data_dir`: countries > provinces; geography regions.
    pub fn world_demo(data_dir: &Path) -> Self {
        let w = data_dir.join("world");
        Inputs {
            admin: vec![LayerSpec::new(w.join("countries.geojson")), LayerSpec::new(w.join("provinces.geojson"))],
            eco: vec![LayerSpec::new(w.join("geography_regions.geojson"))],
            parts: None,
        }
    }
}

/// Where the bundled `data/` folder is: `$CROSSBOUND_DATA`, else `./data`, else the folder
/// this crate was built from.
pub fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CROSSBOUND_DATA") {
        return PathBuf::from(d);
    }
    let local = PathBuf::from("data");
    if local.join("us").is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Why a study could not be built.
impl From<crate::overlay::OverlayError> for StudyError {
    fn from(e: crate::overlay::OverlayError) -> Self {
        match e {
            crate::overlay::OverlayError::Cancelled(c) => StudyError::Cancelled(c),
            other => StudyError::Overlay(other),
        }
    }
}

impl From<LoadError> for StudyError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Cancelled => StudyError::Cancelled(Cancelled),
            e => StudyError::Load(e),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A layer failed to load.
    #[error(transparent)]
    Load(LoadError),
    /// The imported parts table could not be used.
    #[error(transparent)]
    Parts(#[from] crate::io::parts::PartsError),
    /// Missing inputs.
    #[error("{0}")]
    Inputs(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
    /// The overlay failed on a pair of features.
    #[error(transparent)]
    Overlay(crate::overlay::OverlayError),
}

/// One zone at one admin level, as the overlay left it.
#[derive(Debug, Clone)]
pub struct ZoneOverlay {
    /// Pieces in ascending unit order (slivers included).
    pub pieces: Box<[Piece]>,
    /// Borders between two units of the level inside the zone, per neighbouring pair:
    /// `(a, b, km)` with `a < b` (unit positions). Reform scenarios relabel these instead of
    /// measuring borders again.
    pub border_pairs: Box<[(usize, usize, f64)]>,
}

impl ZoneOverlay {
    /// No unit touches the zone at this level: no piece, no border.
    pub fn is_blank(&self) -> bool {
        self.pieces.is_empty() && self.border_pairs.is_empty()
    }

    /// Length of borders between two units of the level inside the zone, km: the sum of
    /// `border_pairs` (none for most zones of a fine grid).
    pub fn border_km(&self) -> f64 {
        self.border_pairs.iter().fold(0.0, |a, p| a + p.2)
    }
}

/// Wall-clock time of each stage, ms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading, parsing, reprojecting, repairing and computing unit areas (all layers, loaded
    /// side by side).
    pub load_ms: f64,
    /// The same, per layer and per step (the layers overlap in time, so these do not add up
    /// to `load_ms`).
    #[serde(default)]
    pub load_layers: Vec<LayerLoadTimes>,
    /// R-trees, chunk indexes and the admin hierarchy.
    pub index_ms: f64,
    /// Zone × unit intersections and piece areas (shared borders between units are found in
    /// parallel with it).
    pub overlay_ms: f64,
    /// Border lengths inside zones.
    pub borders_ms: f64,
    /// Shares, cut flags and metrics for the parameters (0 until run).
    #[serde(default)]
    pub analysis_ms: f64,
    /// Proposed bodies (0 until run).
    #[serde(default)]
    pub proposals_ms: f64,
    /// Building the report, burden included (0 until run; writing it is timed by the caller).
    #[serde(default)]
    pub report_ms: f64,
}

/// How long each step of loading one layer took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerLoadTimes {
    /// The layer's name.
    pub layer: String,
    /// Read, decode and build times, ms.
    #[serde(flatten)]
    pub times: crate::model::LoadTimes,
}

/// Everything that needs geometry, computed once.
#[derive(Debug, Clone)]
pub struct Study {
    /// The inputs it was built from.
    pub inputs: Inputs,
    /// Admin levels.
    pub hierarchy: Hierarchy,
    /// Ecological layers.
    pub eco: Vec<IndexedLayer>,
    /// `overlay[e][z][l]`: zone `z` of eco layer `e` at admin level `l`.
    pub overlay: Vec<ZoneLevels<ZoneOverlay>>,
    /// Shared borders per admin level.
    pub borders: Vec<Borders>,
    /// Loading and linking warnings.
    pub warnings: Vec<Warning>,
    /// Stage timings.
    pub timings: Timings,
    /// Overlay pair statistics, summed.
    pub pair_stats: PairStats,
    /// Relations between zones (touching, overlap), measured once per pair on first use.
    pub zone_relations: ZoneRelations,
    /// Which units' outlines were freed for a run that no longer needs them
    /// ([`Study::release_admin_outlines`], [`Study::release_zone_outlines`]).
    pub released: Released,
}

/// Which outlines a [`Study`] has freed. Both `false` after [`Study::from_prepared`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Released {
    /// The admin units' polygons and edge indexes.
    pub admin: bool,
    /// The zones' polygons and edge indexes.
    pub zones: bool,
}

/// Something that needs units' outlines was asked of a study that had freed them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{needs} needs the units' outlines, and this run freed them once the overlay was done (it was set up to analyse and report only)"
)]
pub struct OutlinesReleased {
    /// What needed them, e.g. "a reform scenario".
    pub needs: &'static str,
}

/// A zone: `(eco layer, zone position)`.
pub type ZoneRef = (usize, usize);

/// Relations between two zones that governance needs (do they touch; how much of one lies in
/// the other), measured with geometry once per pair on first use and then remembered. Eco layers
/// never change after loading, so every copy of a study (reform scenarios clone it) shares the
/// one memory: re-running governance for new parameters or scenario steps does no geometry.
#[derive(Debug, Clone, Default)]
pub struct ZoneRelations {
    memo: std::sync::Arc<std::sync::Mutex<RelationMemo>>,
}

/// (zone a, zone b) → (they touch, area of a inside b in km²).
type RelationMemo = std::collections::HashMap<(ZoneRef, ZoneRef), (bool, f64)>;

impl ZoneRelations {
    /// `released`: the zones' outlines were freed; a pair not measured before cannot be now.
    fn get(&self, eco: &[IndexedLayer], released: bool, a: ZoneRef, b: ZoneRef) -> (bool, f64) {
        let (za, zb) = (&eco[a.0].layer.units[a.1], &eco[b.0].layer.units[b.1]);
        // Zones whose boxes are apart neither touch nor overlap: answered without the lock and
        // not remembered (grouping the bodies along a border thousands of hexagons long asks
        // this of most pairs in the group).
        let Some(w) = crate::overlay::common_rect(za.bbox, zb.bbox) else { return (false, 0.0) };
        // A poisoned lock only means another thread panicked mid-insert: the map is still valid.
        if let Some(r) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).get(&(a, b)) {
            return *r;
        }
        assert!(
            !released,
            "zones {a:?} and {b:?}: their relation was not measured before the zones' outlines were released"
        );
        use geo::{BooleanOps, Intersects};
        let touch = za.geometry.intersects(&zb.geometry);
        let overlap = if touch {
            let ca = crate::geometry::clip_to_rect(&za.geometry, w);
            let cb = crate::geometry::clip_to_rect(&zb.geometry, w);
            // The kernel can panic on degenerate input (see geometry::repair): count no overlap
            // then rather than abort.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crate::geometry::area_km2(&ca.intersection(&cb))))
                .unwrap_or(0.0)
        } else {
            0.0
        };
        let r = (touch, overlap);
        self.memo.lock().unwrap_or_else(|e| e.into_inner()).insert((a, b), r);
        r
    }
}

/// Length of the shared borders among `pieces`' units that lies inside the zone, km.
///
/// A border between two units that lie wholly inside the zone is inside it. Otherwise each
/// border edge away from the zone's boundary (no boundary chunk meets its box) is inside or
/// outside as its midpoint is; edges near the boundary are split where they cross it.
/// The borders between units of a level that lie inside a zone: `(a, b, km)` with `a < b`, each
/// neighbouring pair present in the zone once (pairs with no length inside are left out).
fn border_inside(
    zone: &Unit,
    zone_chunks: &ChunkIndex,
    pieces: &[Piece],
    borders: &Borders,
) -> Vec<(usize, usize, f64)> {
    if pieces.len() < 2 {
        return Vec::new(); // a border needs two units in the zone (most zones of a fine grid)
    }
    // The units present, and whether the zone holds each one whole, by unit (a zone has few).
    let mut present: Vec<(usize, bool)> =
        pieces.iter().map(|p| (p.unit, matches!(p.geometry, PieceGeometry::WholeUnit))).collect();
    present.sort_unstable();
    let find = |u: usize| present.binary_search_by_key(&u, |&(u, _)| u).ok().map(|i| present[i].1);
    let zone_box = crate::geometry::packed::Bx::from_rect(zone.bbox);
    let mut out = Vec::new();
    for p in pieces {
        for (n, b) in borders.of(p.unit) {
            if n < p.unit {
                continue; // each pair once
            }
            let Some(n_whole) = find(n) else {
                continue; // only between two units present in the zone
            };
            if n_whole || matches!(p.geometry, PieceGeometry::WholeUnit) {
                out.push((p.unit, n, b.length_km)); // one side lies wholly inside the zone: so does the border
                continue;
            }
            let mut total = 0.0;
            // Consecutive edges away from the zone boundary are on the same side: one
            // point-in-polygon test per run. Runs of edges whose box misses the zone's are
            // outside it: a hexagon on a border thousands of edges long looks at a few dozen.
            let mut prev: Option<(Coord<f64>, bool)> = None;
            // Whether edge `l`, away from the zone's boundary, is inside: as the edge before it
            // when they join, else by its midpoint.
            let side = |l: &geo::Line<f64>, prev: Option<(Coord<f64>, bool)>| match prev {
                Some((end, inside)) if end == l.start => inside,
                _ => zone_chunks
                    .contains(&zone.geometry, Coord { x: 0.5 * (l.start.x + l.end.x), y: 0.5 * (l.start.y + l.end.y) }),
            };
            for (lines, block) in b.lines.chunks(crate::borders::BLOCK).zip(&b.blocks) {
                if !block.meets(&zone_box) {
                    prev = None;
                    continue;
                }
                // No boundary chunk meets the block's box: the box, and every edge in it, lies
                // wholly inside the zone or wholly outside. One test decides all its edges.
                let block_rect =
                    Rect::new(Coord { x: block.min[0], y: block.min[1] }, Coord { x: block.max[0], y: block.max[1] });
                if let (false, Some(first), Some(last)) =
                    (zone_chunks.meets(&zone.geometry, block_rect), lines.first(), lines.last())
                {
                    let inside = side(first, prev);
                    if inside {
                        for l in lines {
                            total += segment_km(l.start, l.end);
                        }
                    }
                    prev = Some((last.end, inside));
                    continue;
                }
                for l in lines {
                    if zone_chunks.meets(&zone.geometry, Rect::new(l.start, l.end)) {
                        let (d, s) = (l.end - l.start, l.start);
                        for (t0, t1) in zone_chunks.segment_inside(&zone.geometry, l.start, l.end) {
                            total += segment_km(s + d * t0, s + d * t1);
                        }
                        prev = None;
                    } else {
                        let inside = side(l, prev);
                        if inside {
                            total += segment_km(l.start, l.end);
                        }
                        prev = Some((l.end, inside));
                    }
                }
            }
            if total > 0.0 {
                out.push((p.unit, n, total));
            }
        }
    }
    // Kept for the study's life, one per cut zone: no room for more.
    out.shrink_to_fit();
    out
}

/// The layers loaded and indexed, with the admin hierarchy: everything before the overlay.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The inputs.
    pub inputs: Inputs,
    /// Admin levels.
    pub hierarchy: Hierarchy,
    /// Ecological layers.
    pub eco: Vec<IndexedLayer>,
    /// Loading and linking warnings.
    pub warnings: Vec<Warning>,
    /// Load and index timings (overlay and borders are 0).
    pub timings: Timings,
    /// Whether the overlay keeps the parts' polygons ([`Outlines::Keep`] after
    /// [`Prepared::load`]); a caller that draws and writes no part may drop them.
    pub outlines: Outlines,
}

impl Prepared {
    /// Loads every layer (concurrently), indexes them and links the admin levels.
    pub fn load(inputs: &Inputs, progress: &dyn Progress) -> Result<Prepared, StudyError> {
        if inputs.admin.is_empty() {
            return Err(StudyError::Inputs("no admin layer given (--admin FILE)".into()));
        }
        if inputs.eco.is_empty() {
            return Err(StudyError::Inputs("no ecological layer given (--eco FILE)".into()));
        }
        let mut warnings = Vec::new();
        let mut timings = Timings::default();

        let t = Instant::now();
        // All layers at once: one file's sequential steps (reading, the structural scan) overlap
        // another's parallel work.
        let specs: Vec<&LayerSpec> = inputs.admin.iter().chain(&inputs.eco).collect();
        let loaded: Vec<Result<crate::model::Layer, StudyError>> = specs
            .par_iter()
            .map(|s| {
                if progress.is_cancelled() {
                    return Err(StudyError::Cancelled(Cancelled));
                }
                load_layer_with_progress(s, progress).map_err(StudyError::from)
            })
            .collect();
        let mut layers = Vec::with_capacity(specs.len());
        for l in loaded {
            let l = l?; // the first failing layer, in the order given
            warnings.extend(l.warnings.iter().cloned());
            timings.load_layers.push(LayerLoadTimes { layer: l.name.clone(), times: l.load_times });
            layers.push(l);
        }
        timings.load_ms = t.elapsed().as_secs_f64() * 1e3;
        crate::stage_end::freed();

        let t = Instant::now();
        let eco_layers = layers.split_off(inputs.admin.len());
        let admin: Vec<IndexedLayer> = layers.into_par_iter().map(IndexedLayer::new).collect();
        let eco: Vec<IndexedLayer> = eco_layers.into_par_iter().map(IndexedLayer::new).collect();
        let hierarchy = Hierarchy::build(admin, progress, &mut warnings)?;
        timings.index_ms = t.elapsed().as_secs_f64() * 1e3;
        crate::stage_end::freed();
        Ok(Prepared { inputs: inputs.clone(), hierarchy, eco, warnings, timings, outlines: Outlines::Keep })
    }
}

impl Study {
    /// Runs load → index → overlay for `inputs` (or, when `inputs.parts` is set, takes the
    /// parts from that table instead of overlaying).
    pub fn build(inputs: &Inputs, progress: &dyn Progress) -> Result<Study, StudyError> {
        let prepared = Prepared::load(inputs, progress)?;
        Study::from_prepared(prepared, progress)
    }

    /// Overlays (or imports the parts of) prepared layers, then measures borders in zones.
    pub fn from_prepared(prepared: Prepared, progress: &dyn Progress) -> Result<Study, StudyError> {
        let Prepared { inputs, hierarchy, eco, mut warnings, mut timings, outlines } = prepared;
        let inputs = &inputs;
        // Overlay every eco layer with every level; the shared borders between units of each
        // level are found alongside (they need no overlay), on a thread of their own, whose
        // parallel work shares the pool with the overlay's. Both run outside the pool, so each
        // can have the pool give back what it freed (`stage_end`) while the other still runs.
        let t = Instant::now();
        let build_borders = || {
            let b = hierarchy.levels.par_iter().map(|l| Borders::build(&l.indexed.layer)).collect::<Vec<Borders>>();
            crate::stage_end::freed();
            b
        };
        let (borders, raw) = std::thread::scope(|s| {
            // Should the OS refuse a thread, the borders are found after the overlay instead.
            let beside = std::thread::Builder::new().spawn_scoped(s, build_borders).ok();
            let raw = (|| -> Result<_, StudyError> {
                if let Some(p) = &inputs.parts {
                    let (raw, w) = crate::io::parts::read_parts(p, &eco, &hierarchy)?;
                    return Ok((raw, PairStats::default(), w));
                }
                let mut stats = PairStats::default();
                let mut raw: crate::io::parts::RawPieces = Vec::new(); // [e][l], by zone
                for e in &eco {
                    let mut per_level = Vec::new();
                    for l in &hierarchy.levels {
                        let (pieces, s) = overlay_layers(e, &l.indexed, outlines, progress)?;
                        stats.candidates += s.candidates;
                        stats.shortcut += s.shortcut;
                        stats.exact += s.exact;
                        per_level.push(pieces);
                    }
                    raw.push(per_level);
                }
                Ok((raw, stats, Vec::new()))
            })();
            let borders = match beside {
                Some(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => build_borders(),
            };
            (borders, raw)
        });
        let (raw, pair_stats, parts_warnings) = raw?;
        warnings.extend(parts_warnings);
        timings.overlay_ms = t.elapsed().as_secs_f64() * 1e3;
        crate::stage_end::freed();

        let t = Instant::now();
        let overlay: Vec<ZoneLevels<ZoneOverlay>> = eco
            .iter()
            .zip(raw)
            .map(|(e, per_level)| {
                let levels = per_level.len();
                let zones = e.layer.units.len();
                // Zones that no unit touches at any level (hexagons at sea, most of a world
                // grid) have no piece and so no border inside: their rows are not built, and
                // share one empty row when that saves memory.
                let blank: Vec<bool> =
                    (0..zones).map(|z| per_level.iter().all(|v| z >= v.len() || v[z].is_empty())).collect();
                // The other zones' pieces, zone by zone, level by level, moved out of the raw
                // tables (one per level), which are then freed.
                let mut per_level: Vec<_> = per_level.into_iter().map(ZonePieces::into_zones).collect();
                let mut own: Vec<(usize, Vec<Piece>)> =
                    Vec::with_capacity(blank.iter().filter(|&&b| !b).count() * levels);
                for (z, &b) in blank.iter().enumerate() {
                    for level in per_level.iter_mut() {
                        let pieces = level.next().unwrap_or_default();
                        if !b {
                            own.push((z, pieces));
                        }
                    }
                }
                drop(per_level);
                let own = own
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, (z, pieces))| {
                        let border_pairs =
                            border_inside(&e.layer.units[z], &e.chunks[z], &pieces, &borders[i % levels]);
                        ZoneOverlay { pieces: pieces.into(), border_pairs: border_pairs.into() }
                    })
                    .collect();
                let empty = || ZoneOverlay { pieces: Box::new([]), border_pairs: Box::new([]) };
                ZoneLevels::from_own_rows(levels, (0..levels).map(|_| empty()).collect(), &blank, own)
            })
            .collect();
        timings.borders_ms = t.elapsed().as_secs_f64() * 1e3;

        Ok(Study {
            inputs: inputs.clone(),
            hierarchy,
            eco,
            overlay,
            borders,
            warnings,
            timings,
            pair_stats,
            zone_relations: ZoneRelations::default(),
            released: Released::default(),
        })
    }

    /// Frees the admin units' polygons and edge indexes (kept: ids, names, boxes, areas, the
    /// borders, the hierarchy, the overlay's pieces and their areas). For a run that from here
    /// only analyses, proposes and reports: none of those stages reads an admin outline
    /// (governance works from pieces and borders). On the 299k-hexagon grid against the world's
    /// provinces this frees 34 MB, a fifth of what is live after the overlay.
    ///
    /// Afterwards whatever needs them says so ([`Study::outlines_held`]): a reform scenario, a
    /// map, an export with geometry.
    pub fn release_admin_outlines(&mut self) {
        for l in &mut self.hierarchy.levels {
            l.indexed.release_outlines();
        }
        self.released.admin = true;
        crate::stage_end::freed();
    }

    /// Frees the zones' polygons and edge indexes (kept: ids, names, boxes, areas). For a run
    /// that has proposed its bodies and from here only reports: grouping the bodies was the
    /// last stage to read a zone's outline (which zones touch), and relations already measured
    /// stay known. On the 299k-hexagon grid this frees 50 MB before the report is built.
    ///
    /// Afterwards [`Study::zones_touch`] and [`Study::zone_overlap_km2`] may only be asked
    /// of pairs already measured (they panic otherwise: a wrong "no" would be silent), and
    /// whatever else needs the outlines says so ([`Study::outlines_held`]).
    pub fn release_zone_outlines(&mut self) {
        for e in &mut self.eco {
            e.release_outlines();
        }
        self.released.zones = true;
        crate::stage_end::freed();
    }

    /// `Ok` when every unit's outline is still held; else why `needs` cannot be done.
    pub fn outlines_held(&self, needs: &'static str) -> Result<(), OutlinesReleased> {
        if self.released == Released::default() { Ok(()) } else { Err(OutlinesReleased { needs }) }
    }

    /// Whether zones `a` and `b` touch or overlap (measured once, then remembered).
    pub fn zones_touch(&self, a: ZoneRef, b: ZoneRef) -> bool {
        self.zone_relations.get(&self.eco, self.released.zones, a, b).0
    }

    /// Area of zone `a` that lies in zone `b`, km² (measured once, then remembered).
    pub fn zone_overlap_km2(&self, a: ZoneRef, b: ZoneRef) -> f64 {
        self.zone_relations.get(&self.eco, self.released.zones, a, b).1
    }

    /// Analyses every zone at every level: `[eco layer][zone][level]`. Cheap.
    ///
    /// A zone that no unit touches at any level (a hexagon at sea) has the same analysis as
    /// every other such zone, whatever its area (no part, no sliver, all of it uncovered): they
    /// share one row of the table.
    pub fn analyse(&self, params: &Params) -> Vec<ZoneLevels<LevelAnalysis>> {
        self.eco
            .iter()
            .zip(&self.overlay)
            .map(|(layer, overlay)| {
                let zones = &layer.layer.units;
                let units = |l: usize| &self.hierarchy.levels[l].indexed.layer.units[..];
                let blank_row =
                    (0..overlay.levels()).map(|l| analyse_level(1.0, &[], 0.0, units(l), l, params)).collect();
                let blank = |z: usize| overlay[z].iter().all(ZoneOverlay::is_blank);
                ZoneLevels::par_from_fn_sharing(zones.len(), overlay.levels(), blank_row, blank, |z, l| {
                    let zo = &overlay[z][l];
                    analyse_level(zones[z].area_km2, &zo.pieces, zo.border_km(), units(l), l, params)
                })
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{FieldMapping, Layer};
    use crate::progress::NoProgress;
    use geo::{MultiPolygon, wkt};

    /// Two states A (x 0..2) and B (x 2..4) of two counties each (A1, A2, B1, B2, 1° wide, y
    /// 0..2), and one zone Z (x 1..3, y 0.5..1.5) across the state border: half in A2, half in
    /// B1.
    pub(crate) fn two_state_study() -> Study {
        let zone = Unit::from_geometry("Z", MultiPolygon(vec![wkt!(POLYGON((1. 0.5,3. 0.5,3. 1.5,1. 1.5,1. 0.5)))]))
            .expect("a valid zone");
        let eco = IndexedLayer::new(Layer {
            name: "zones".into(),
            spec: LayerSpec::new("zones.geojson"),
            fields: FieldMapping::default(),
            crs: "OGC:CRS84".into(),
            feature_count: 1,
            load_times: Default::default(),
            units: vec![zone],
            warnings: vec![],
        });
        let prepared = Prepared {
            inputs: Inputs::default(),
            hierarchy: crate::hierarchy::tests::two_states(),
            eco: vec![eco],
            warnings: vec![],
            timings: Timings::default(),
            outlines: Outlines::Keep,
        };
        Study::from_prepared(prepared, &NoProgress).expect("no cancellation")
    }

    #[test]
    fn released_outlines_change_no_number_and_are_refused_where_needed() {
        let study = two_state_study();
        let params = Params::default();
        let before = study.analyse(&params);
        let mut released = study.clone();
        released.release_admin_outlines();
        assert!(
            released.hierarchy.levels.iter().all(|l| l.indexed.layer.units.iter().all(|u| u.geometry.0.is_empty()))
        );
        assert_eq!(released.analyse(&params), before, "the analysis reads no admin outline");
        // Measured while the zones' outlines are held, then remembered after their release.
        let z = (0, 0);
        let overlap = released.zone_overlap_km2(z, z);
        assert!((overlap - released.eco[0].layer.units[0].area_km2).abs() < 1e-6 * overlap, "{overlap}");
        released.release_zone_outlines();
        assert!(released.eco[0].layer.units[0].geometry.0.is_empty() && released.eco[0].chunks.is_empty());
        assert_eq!(released.zone_overlap_km2(z, z), overlap);
        assert!(released.zones_touch(z, z));
        assert_eq!(released.analyse(&params), before);
        // What needs the outlines says so; the study it was cloned from still has them.
        assert_eq!(released.outlines_held("a map"), Err(OutlinesReleased { needs: "a map" }));
        assert_eq!(study.outlines_held("a map"), Ok(()));
        let scenario = crate::scenario::Scenario::parse(
            r#"{"schema": "crossbound.scenario/1", "name": "t", "steps": []}"#,
            "t.json",
        )
        .unwrap();
        let e = crate::scenario::apply(&released, &scenario).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "a reform scenario needs the units' outlines, and this run freed them once the overlay was done (it was set up to analyse and report only)"
        );
        assert!(crate::scenario::apply(&study, &scenario).is_ok());
        let dir = tempfile::tempdir().unwrap();
        let report = crate::report::build_report(&released, &before, &[], &params, &Default::default());
        assert!(crate::export::write_zones_geojson(&dir.path().join("z.geojson"), &released, &report).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
    }

    #[test]
    #[should_panic(expected = "not measured before the zones' outlines were released")]
    fn a_relation_not_measured_before_the_release_is_not_guessed() {
        let mut study = two_state_study();
        study.release_zone_outlines();
        study.zones_touch((0, 0), (0, 0));
    }
}
