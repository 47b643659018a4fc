//! The border-jurisdiction view: what one admin unit shares, with whom, in which bodies, and
//! who its neighbours are. This is what a border-city official opens first.

use super::body::Body;
use crate::analysis::LevelAnalysis;
use crate::study::Study;
use crate::zone_levels::ZoneLevels;
use std::collections::BTreeMap;

/// A zone the unit shares with at least one other unit of its level.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedZone {
    /// Eco layer index.
    pub eco: usize,
    /// Zone position.
    pub zone: usize,
    /// The unit's share (0..1) of the zone.
    pub share: f64,
    /// Fraction (0..1) of the unit's own area inside the zone.
    pub fraction_of_unit: f64,
    /// Whether the zone counts as cut at this level.
    pub cut: bool,
    /// The other units with a part of the zone: (unit, share), by share descending.
    pub others: Vec<(usize, f64)>,
}

/// The unit's role in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Voting member.
    Member,
    /// Observer.
    Observer,
}

/// The border-jurisdiction view of one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct JurisdictionView {
    /// Admin level index.
    pub level: usize,
    /// Unit position.
    pub unit: usize,
    /// Zones shared with other units, largest share first.
    pub zones: Vec<SharedZone>,
    /// Partner units (sharing at least one zone): (unit, number of shared zones), most first.
    pub partners: Vec<(usize, usize)>,
    /// Bodies it sits on: (body index, role).
    pub bodies: Vec<(usize, Role)>,
    /// Neighbours: (unit, shared border length in km), longest first.
    pub neighbours: Vec<(usize, f64)>,
}

/// Builds the view of unit `unit` at admin level `level`.
pub fn jurisdiction_view(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    bodies: &[Body],
    level: usize,
    unit: usize,
) -> JurisdictionView {
    let unit_area = study.hierarchy.levels[level].indexed.layer.units[unit].area_km2;
    let mut zones = Vec::new();
    let mut partners: BTreeMap<usize, usize> = BTreeMap::new();
    for (e, zs) in analysis.iter().enumerate() {
        for (z, levels) in zs.iter().enumerate() {
            let la = &levels[level];
            let Some(me) = la.parts.iter().find(|p| p.unit == unit) else { continue };
            let others: Vec<(usize, f64)> =
                la.parts.iter().filter(|p| p.unit != unit).map(|p| (p.unit, p.share)).collect();
            if others.is_empty() {
                continue;
            }
            for (o, _) in &others {
                *partners.entry(*o).or_default() += 1;
            }
            zones.push(SharedZone {
                eco: e,
                zone: z,
                share: me.share,
                fraction_of_unit: if unit_area > 0.0 { me.area_km2 / unit_area } else { 0.0 },
                cut: la.cut,
                others,
            });
        }
    }
    zones.sort_by(|a, b| b.share.total_cmp(&a.share));
    let mut partners: Vec<(usize, usize)> = partners.into_iter().collect();
    partners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let bodies = bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| b.level == level)
        .filter_map(|(i, b)| {
            if b.members.iter().any(|m| m.unit == unit) {
                Some((i, Role::Member))
            } else if b.observers.iter().any(|o| o.unit == unit) {
                Some((i, Role::Observer))
            } else {
                None
            }
        })
        .collect();
    let mut neighbours: Vec<(usize, f64)> = study.borders[level].of(unit).map(|(n, b)| (n, b.length_km)).collect();
    neighbours.sort_by(|a, b| b.1.total_cmp(&a.1));
    JurisdictionView { level, unit, zones, partners, bodies, neighbours }
}
