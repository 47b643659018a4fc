//! What the map draws, built from a study off the UI thread: meshes per layer, label anchors,
//! and the colour rules (colour-blind-safe).

use super::gpu::{Mesh, MeshData};
use super::tessellate::{FillMesh, fill_mesh, line_mesh};
use crate::analysis::LevelAnalysis;
use crate::model::Layer;
use crate::study::Study;
use geo::{Area, BoundingRect, InteriorPoint, MultiPolygon};
use std::sync::Arc;

/// Zones not cut at the viewed level.
pub const NOT_CUT: [u8; 4] = [190, 200, 210, 255];
/// Cut zones by effective number of jurisdictions: < 2, 2–3, 3–5, ≥ 5 (viridis-like ramp,
/// readable with the common colour-vision deficiencies).
pub const CUT_RAMP: [[u8; 4]; 4] = [[253, 231, 37, 255], [94, 201, 98, 255], [33, 145, 140, 255], [59, 82, 139, 255]];
/// Labels of [`CUT_RAMP`].
pub const CUT_RAMP_LABELS: [&str; 4] = ["cut, n_eff < 2", "cut, n_eff 2–3", "cut, n_eff 3–5", "cut, n_eff 5 or more"];
/// Land background.
pub const LAND: [u8; 4] = [236, 232, 222, 255];
/// Admin boundary colours per level (coarse to fine) and widths in points.
pub const ADMIN_LINE: [([u8; 4], f32); 3] =
    [([40, 40, 40, 255], 1.6), ([120, 120, 120, 200], 0.7), ([160, 160, 160, 160], 0.5)];

/// Colour of a zone for its analysis at the viewed level.
pub fn zone_color(la: &LevelAnalysis) -> [u8; 4] {
    if !la.cut {
        return NOT_CUT;
    }
    let n = la.effective_n;
    CUT_RAMP[if n < 2.0 {
        0
    } else if n < 3.0 {
        1
    } else if n < 5.0 {
        2
    } else {
        3
    }]
}

/// Where to write a unit's label: a point inside it (never a centroid outside) and the size of
/// its largest part, to decide from which zoom it fits.
#[derive(Debug, Clone)]
pub struct LabelAnchor {
    /// Lon/lat inside the unit.
    pub at: [f64; 2],
    /// Width and height of the largest part's box, degrees.
    pub extent: [f64; 2],
    /// The text.
    pub text: String,
    /// Rank for thinning (larger first).
    pub weight: f64,
    /// The unit's position in its layer.
    pub unit: usize,
}

/// Label anchors for every unit of a layer.
pub fn labels(layer: &Layer) -> Vec<LabelAnchor> {
    layer
        .units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let largest = u.geometry.0.iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
            let p = largest.interior_point()?;
            let r = largest.bounding_rect()?;
            let shift = super::tessellate::display_shift(&u.geometry);
            Some(LabelAnchor {
                at: [shift(p.x()), p.y()],
                extent: [r.width(), r.height()],
                text: u.name.clone(),
                weight: u.area_km2,
                unit: i,
            })
        })
        .collect()
}

/// Meshes and labels of one loaded study.
pub struct Scene {
    /// Land background (bundled Natural Earth countries), if available.
    pub land: Option<Arc<Mesh>>,
    /// Country outlines of the background.
    pub land_lines: Option<Arc<Mesh>>,
    /// Boundaries per admin level.
    pub admin_lines: Vec<Arc<Mesh>>,
    /// Triangles of every admin level (for highlights), uncoloured.
    pub admin_fill_template: Vec<Arc<FillMesh>>,
    /// Zone fills per eco layer (recoloured when the analysis changes).
    pub eco_fill: Vec<Arc<Mesh>>,
    /// Zone outlines per eco layer.
    pub eco_lines: Vec<Arc<Mesh>>,
    /// Label anchors per admin level.
    pub admin_labels: Vec<Vec<LabelAnchor>>,
    /// Label anchors per eco layer.
    pub eco_labels: Vec<Vec<LabelAnchor>>,
}

/// The meshes and labels of one admin level.
pub struct AdminMeshes {
    /// Boundaries (white: the layer style tints them).
    pub lines: Arc<Mesh>,
    /// Triangles, uncoloured (highlights, the burden map).
    pub fill_template: Arc<FillMesh>,
    /// Label anchors.
    pub labels: Vec<LabelAnchor>,
}

impl AdminMeshes {
    /// Triangulates admin level `l` of `study`.
    pub fn build(study: &Study, l: usize) -> Self {
        let units = &study.hierarchy.levels[l].indexed.layer.units;
        AdminMeshes {
            lines: Mesh::new(MeshData::Lines(line_mesh(units.iter().map(|u| &u.geometry), WHITE))),
            fill_template: Arc::new(fill_mesh(units.iter().map(|u| &u.geometry), &vec![[0; 4]; units.len()])),
            labels: labels(&study.hierarchy.levels[l].indexed.layer),
        }
    }
}

/// Burden map: sequential ramp (light to dark, colour-blind safe), by class.
pub const BURDEN_RAMP: [[u8; 4]; 5] =
    [[255, 247, 236, 235], [253, 212, 158, 235], [252, 141, 89, 235], [215, 48, 31, 235], [127, 0, 0, 235]];

/// Class breaks for `values` into [`BURDEN_RAMP`]'s five classes: zero gets its own class (the
/// lightest), the non-zero values are split at their quartiles. Returns the upper bounds of
/// classes 0..3 (class 0: 0; class 4: above the last bound).
pub fn burden_breaks(values: &[f64]) -> [f64; 4] {
    let mut nz: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0 && v.is_finite()).collect();
    nz.sort_by(f64::total_cmp);
    let q = |f: f64| if nz.is_empty() { 0.0 } else { nz[((nz.len() - 1) as f64 * f).round() as usize] };
    [0.0, q(0.25), q(0.5), q(0.75)]
}

/// The ramp colour of `v` for `breaks` from [`burden_breaks`].
pub fn burden_color(v: f64, breaks: &[f64; 4]) -> [u8; 4] {
    if v <= breaks[0] {
        BURDEN_RAMP[0]
    } else if v <= breaks[1] {
        BURDEN_RAMP[1]
    } else if v <= breaks[2] {
        BURDEN_RAMP[2]
    } else if v <= breaks[3] {
        BURDEN_RAMP[3]
    } else {
        BURDEN_RAMP[4]
    }
}

/// Base colour of boundary meshes: the layer style's colour is applied as a tint.
pub const WHITE: [u8; 4] = [255, 255, 255, 255];

/// Zone outline colour.
pub const ZONE_LINE: [u8; 4] = [20, 70, 50, 230];

impl Scene {
    /// Triangulates and collects everything (slow for big layers: run off the UI thread).
    pub fn build(study: &Study, land: Option<&Layer>) -> Scene {
        let land_fill = land.map(|l| {
            Mesh::new(MeshData::Fill(fill_mesh(l.units.iter().map(|u| &u.geometry), &vec![LAND; l.units.len()])))
        });
        let land_lines = land
            .map(|l| Mesh::new(MeshData::Lines(line_mesh(l.units.iter().map(|u| &u.geometry), [200, 195, 185, 255]))));
        let admin: Vec<AdminMeshes> = (0..study.hierarchy.levels.len()).map(|l| AdminMeshes::build(study, l)).collect();
        let eco_fill = study
            .eco
            .iter()
            .map(|e| {
                Mesh::new(MeshData::Fill(fill_mesh(
                    e.layer.units.iter().map(|u| &u.geometry),
                    &vec![NOT_CUT; e.layer.units.len()],
                )))
            })
            .collect();
        let eco_lines = study
            .eco
            .iter()
            .map(|e| Mesh::new(MeshData::Lines(line_mesh(e.layer.units.iter().map(|u| &u.geometry), ZONE_LINE))))
            .collect();
        Scene {
            land: land_fill,
            land_lines,
            admin_lines: admin.iter().map(|a| a.lines.clone()).collect(),
            admin_fill_template: admin.iter().map(|a| a.fill_template.clone()).collect(),
            admin_labels: admin.into_iter().map(|a| a.labels).collect(),
            eco_fill,
            eco_lines,
            eco_labels: study.eco.iter().map(|e| labels(&e.layer)).collect(),
        }
    }

    /// Puts rebuilt meshes of admin levels in place (a reform scenario changed them).
    pub fn replace_admin(&mut self, admin: Vec<(usize, AdminMeshes)>) {
        for (l, a) in admin {
            self.admin_lines[l] = a.lines;
            self.admin_fill_template[l] = a.fill_template;
            self.admin_labels[l] = a.labels;
        }
    }

    /// Recolours the zone fills of eco layer `e` from the analysis at `level`.
    pub fn recolor_zones(&mut self, e: usize, analysis: &crate::zone_levels::ZoneLevels<LevelAnalysis>, level: usize) {
        let colors: Vec<[u8; 4]> =
            analysis.iter().map(|levels| levels.get(level).map_or(NOT_CUT, zone_color)).collect();
        let old = &self.eco_fill[e];
        if let MeshData::Fill(f) = &old.data {
            let mut f = f.clone();
            f.recolor(&colors);
            self.eco_fill[e] = Arc::new(Mesh { id: old.id, version: old.version + 1, data: MeshData::Fill(f) });
        }
    }
}

/// A fill mesh of a few geometries with their colours (selection pieces, highlights).
pub fn highlight_mesh(parts: &[(MultiPolygon<f64>, [u8; 4])]) -> Arc<Mesh> {
    let colors: Vec<[u8; 4]> = parts.iter().map(|p| p.1).collect();
    Mesh::new(MeshData::Fill(fill_mesh(parts.iter().map(|p| &p.0), &colors)))
}

/// Outlines of a few geometries.
pub fn outline_mesh(parts: &[&MultiPolygon<f64>], color: [u8; 4]) -> Arc<Mesh> {
    Mesh::new(MeshData::Lines(line_mesh(parts.iter().copied(), color)))
}

/// Admin-level highlight: the template recoloured (selected unit and partners), others clear.
pub fn admin_highlight(template: &FillMesh, colors: &[[u8; 4]]) -> Arc<Mesh> {
    let mut f = template.clone();
    f.recolor(colors);
    // Drop fully transparent triangles so big layers stay cheap to draw.
    let keep: Vec<u32> =
        f.indices.chunks(3).filter(|t| f.vertices[t[0] as usize].color[3] > 0).flatten().copied().collect();
    f.indices = keep;
    Mesh::new(MeshData::Fill(f))
}
