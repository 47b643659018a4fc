//! Shares, cut flags and fragmentation metrics, derived from overlay pieces and parameters.
//! Cheap: re-run on every parameter change (the desktop app does so on every slider move).
//!
//! # Semantics (per zone and admin level)
//! - `share` = piece area / zone area (not renormalised by the covered area);
//! - pieces smaller than `min_area_km2` are *slivers*: counted and summed, not listed as parts;
//! - `cut` = at least 2 parts with share ≥ `threshold` (a share equal to the threshold counts);
//! - `uncovered_share` = 1 − the sum of all shares, slivers included (the zone's area outside
//!   every unit of the level), never below 0;
//! - `effective_n` = 1 / Σ share² over the parts (0 when there are none);
//! - `largest_share` = the largest part share (0 when there are none);
//! - parts are sorted by share descending, then by id.

use crate::model::Unit;
use crate::overlay::Piece;
use serde::{Deserialize, Serialize};

/// Analysis parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Share (0..1) a jurisdiction must hold for the zone to count as cut through it and, by
    /// default, for membership in a proposed body. Default 0.05.
    pub threshold: f64,
    /// Pieces smaller than this (km²) are slivers. Default 1.
    pub min_area_km2: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { threshold: 0.05, min_area_km2: 1.0 }
    }
}

/// Tolerance under which a share counts as equal to the threshold (floating-point rounding).
pub const SHARE_EPS: f64 = 1e-12;

/// The one rule for a significant share: `share` (0..1) is at least `threshold` (0..1); a share
/// equal to the threshold counts, within [`SHARE_EPS`]. Cuts, members, observers, the CLI
/// summary and the app all use it.
pub fn is_significant(share: f64, threshold: f64) -> bool {
    share >= threshold - SHARE_EPS
}

/// The one severity order of cut zones at a level, most severe first: cut before not cut, then
/// more significant jurisdictions, then a more even split (a smaller largest share), then the
/// ties stay in input order.
pub fn severity_order(a: &LevelAnalysis, b: &LevelAnalysis) -> std::cmp::Ordering {
    b.cut.cmp(&a.cut).then(b.significant.cmp(&a.significant)).then(a.largest_share().total_cmp(&b.largest_share()))
}

/// The severity order of zones over all levels: a zone cut at a coarser level first (its
/// jurisdictions are bigger), then [`severity_order`] at that level; zones cut nowhere last.
pub fn zone_severity_order(a: &[LevelAnalysis], b: &[LevelAnalysis]) -> std::cmp::Ordering {
    match (a.iter().find(|l| l.cut), b.iter().find(|l| l.cut)) {
        (Some(x), Some(y)) => x.level.cmp(&y.level).then_with(|| severity_order(x, y)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// One jurisdiction's part of a zone.
#[derive(Debug, Clone, PartialEq)]
pub struct PartShare {
    /// Position of the admin unit in its level.
    pub unit: usize,
    /// Area of the part, km².
    pub area_km2: f64,
    /// Part area / zone area, 0..1.
    pub share: f64,
}

/// The analysis of one zone at one admin level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelAnalysis {
    /// Admin level index (0 = coarsest).
    pub level: u32,
    /// At least two parts with share ≥ threshold.
    pub cut: bool,
    /// Number of parts with a significant share ([`is_significant`]): the "N jurisdictions" a
    /// cut zone is cut across, wherever it is shown.
    pub significant: u32,
    /// Number of sliver pieces.
    pub sliver_count: u32,
    /// Parts of at least `min_area_km2`, by share descending then id.
    pub parts: Box<[PartShare]>,
    /// Total sliver area, km².
    pub sliver_area_km2: f64,
    /// Share of the zone outside every unit of the level, 0..1.
    pub uncovered_share: f64,
    /// Effective number of jurisdictions: the inverse Simpson index over the covered part of
    /// the zone, 1 / Σ (share / covered)², where covered = 1 − `uncovered_share` (slivers
    /// count as covered; their shares are not in the sum). 0 when no part is listed.
    pub effective_n: f64,
    /// Length of borders between units of the level inside the zone, km.
    pub border_km: f64,
}

impl LevelAnalysis {
    /// Largest part share, 0..1 (0 when there is no part). The first part's: parts are by
    /// share descending. A method, not a field: most zones of a world grid have no part.
    pub fn largest_share(&self) -> f64 {
        self.parts.first().map_or(0.0, |p| p.share)
    }

    /// Parts with share ≥ `threshold` (the cut's jurisdictions, and by default the members).
    pub fn significant(&self, threshold: f64) -> impl Iterator<Item = &PartShare> {
        self.parts.iter().filter(move |p| is_significant(p.share, threshold))
    }
}

/// Analyses one zone at one level from its overlay pieces.
pub fn analyse_level(
    zone_area_km2: f64,
    pieces: &[Piece],
    border_km: f64,
    units: &[Unit],
    level: usize,
    params: &Params,
) -> LevelAnalysis {
    // At most one part per piece (sized up front: pushed one by one, a vector holds four).
    let mut parts = Vec::with_capacity(pieces.len());
    let (mut sliver_count, mut sliver_area, mut total_share) = (0, 0.0, 0.0);
    for p in pieces {
        // A piece cannot exceed its zone: anything above 1 is the boolean kernel's rounding
        // (about 1e-8, see tests/properties.rs).
        let share = if zone_area_km2 > 0.0 { (p.area_km2 / zone_area_km2).min(1.0) } else { 0.0 };
        total_share += share;
        if p.area_km2 < params.min_area_km2 {
            sliver_count += 1;
            sliver_area += p.area_km2;
        } else {
            parts.push(PartShare { unit: p.unit, area_km2: p.area_km2, share });
        }
    }
    parts.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| units[a.unit].id.cmp(&units[b.unit].id)));
    // Renormalised to the covered area, so a zone mostly outside every loaded unit is not
    // reported as split among thousands of jurisdictions.
    let sum_sq: f64 = parts.iter().map(|p| p.share * p.share).sum();
    let covered = total_share.min(1.0);
    let significant = parts.iter().filter(|p| is_significant(p.share, params.threshold)).count();
    LevelAnalysis {
        level: level as u32,
        cut: significant >= 2,
        significant: significant as u32,
        effective_n: if sum_sq > 0.0 { covered * covered / sum_sq } else { 0.0 },
        uncovered_share: (1.0 - total_share).max(0.0),
        sliver_count,
        sliver_area_km2: sliver_area,
        parts: parts.into_boxed_slice(),
        border_km,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overlay::PieceGeometry;

    fn units(n: usize) -> Vec<Unit> {
        (0..n)
            .map(|i| Unit {
                id: format!("u{i}"),
                name: format!("U{i}"),
                geometry: geo::MultiPolygon::new(vec![]),
                bbox: geo::Rect::new((0., 0.), (1., 1.)),
                area_km2: 1.0,
                population: None,
                properties: Default::default(),
            })
            .collect()
    }

    fn piece(unit: usize, area: f64) -> Piece {
        Piece { unit, area_km2: area, geometry: PieceGeometry::WholeUnit }
    }

    #[test]
    fn shares_cut_slivers_and_uncovered() {
        // Zone of 1000 km²: 600 in u0, 300 in u1, 50 in u2 (exactly the 5% threshold),
        // 0.5 km² sliver in u3; 49.5 km² outside every unit.
        let u = units(4);
        let a = analyse_level(
            1000.0,
            &[piece(0, 600.0), piece(1, 300.0), piece(2, 50.0), piece(3, 0.5)],
            12.0,
            &u,
            1,
            &Params::default(),
        );
        assert!(a.cut);
        assert_eq!(a.parts.iter().map(|p| p.unit).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(a.parts[2].share, 0.05);
        assert_eq!(a.significant(0.05).count(), 3);
        assert_eq!(a.sliver_count, 1);
        assert_eq!(a.sliver_area_km2, 0.5);
        assert!((a.uncovered_share - 0.0495).abs() < 1e-12);
        // Covered share 0.9505 (slivers count as covered).
        assert!((a.effective_n - 0.9505f64.powi(2) / (0.36 + 0.09 + 0.0025)).abs() < 1e-12);
        assert_eq!(a.largest_share(), 0.6);
        assert_eq!(a.border_km, 12.0);
    }

    #[test]
    fn one_significant_part_is_not_cut_and_ties_sort_by_id() {
        let u = units(3);
        let p = Params { threshold: 0.1, min_area_km2: 1.0 };
        let a = analyse_level(100.0, &[piece(2, 4.9), piece(1, 4.9), piece(0, 90.2)], 0.0, &u, 0, &p);
        assert!(!a.cut);
        assert_eq!(a.parts.iter().map(|p| p.unit).collect::<Vec<_>>(), vec![0, 1, 2]);
        // Just below the sliver minimum: not listed.
        let b = analyse_level(100.0, &[piece(0, 99.01), piece(1, 0.99)], 0.0, &u, 0, &Params::default());
        assert_eq!(b.parts.len(), 1);
        assert_eq!(b.sliver_count, 1);
        assert!(!b.cut);
    }

    #[test]
    fn effective_number_is_over_the_covered_part() {
        // The Amu Darya case: 0.3% of a zone in one unit, the rest outside every unit.
        let u = units(2);
        let a = analyse_level(1000.0, &[piece(0, 3.0)], 0.0, &u, 0, &Params::default());
        assert!((a.effective_n - 1.0).abs() < 1e-12, "{}", a.effective_n);
        assert!((a.uncovered_share - 0.997).abs() < 1e-12);
        // The Indus case: 27% and 1.4% in two units: shares 0.27/0.284 and 0.014/0.284.
        let b = analyse_level(1000.0, &[piece(0, 270.0), piece(1, 14.0)], 0.0, &u, 0, &Params::default());
        let (s0, s1) = (270.0 / 284.0, 14.0 / 284.0);
        assert!((b.effective_n - 1.0 / (s0 * s0 + s1 * s1)).abs() < 1e-12, "{}", b.effective_n);
        assert!(b.effective_n < 1.11);
        // Two equal halves of a fully covered zone: 2.
        let c = analyse_level(100.0, &[piece(0, 50.0), piece(1, 50.0)], 0.0, &u, 0, &Params::default());
        assert!((c.effective_n - 2.0).abs() < 1e-12);
    }

    #[test]
    fn severity_puts_coarser_cuts_more_jurisdictions_and_even_splits_first() {
        let u = units(3);
        let p = Params::default();
        let la = |l: usize, ps: &[(usize, f64)]| {
            let pieces: Vec<Piece> = ps.iter().map(|&(i, a)| piece(i, a)).collect();
            analyse_level(100.0, &pieces, 0.0, &u, l, &p)
        };
        let three = la(1, &[(0, 40.0), (1, 30.0), (2, 30.0)]);
        let even = la(1, &[(0, 50.0), (1, 50.0)]);
        let uneven = la(1, &[(0, 90.0), (1, 10.0)]);
        let whole = la(1, &[(0, 100.0)]);
        assert_eq!(three.significant, 3);
        let mut v = [&whole, &uneven, &even, &three];
        v.sort_by(|a, b| severity_order(a, b));
        assert_eq!(v.map(|a| a.significant), [3, 2, 2, 1]);
        assert_eq!(v[1].largest_share(), 0.5);
        // Cut at level 0 beats any cut at level 1 only.
        let top = [la(0, &[(0, 90.0), (1, 10.0)]), uneven.clone()];
        let fine = [la(0, &[(0, 100.0)]), three.clone()];
        assert_eq!(zone_severity_order(&top, &fine), std::cmp::Ordering::Less);
        assert!(is_significant(0.05, 0.05) && !is_significant(0.0499, 0.05));
    }

    #[test]
    fn zone_outside_all_units() {
        let a = analyse_level(10.0, &[], 0.0, &units(0), 0, &Params::default());
        assert!(!a.cut);
        assert_eq!(a.uncovered_share, 1.0);
        assert_eq!(a.effective_n, 0.0);
    }
}
