//! Coordination burden: what each jurisdiction has to carry once the bodies are set up, read
//! from the analysis, the bodies and the border pairs the overlay measured inside each zone.
//!
//! Per admin unit and level:
//! - the bodies it votes in (`member_of`) and observes (`observer_of`);
//! - its `partners`: the distinct units it sits with as a member, over all its bodies;
//! - per ecological layer: how many zones cut at its level it has a part of, the area of its
//!   parts in them (km²), that area as a share of the unit's own area (0..1), and the length of
//!   its borders with other units of its level inside those zones (km).
//!
//! Figures are per ecological layer because layers may overlap one another (a park inside a
//! watershed): a total over layers would count the same ground twice. Within one layer, zones
//! are taken not to overlap (watersheds, ecoregions and park systems are so drawn).

use crate::analysis::LevelAnalysis;
use crate::governance::Body;
use crate::study::Study;
use crate::zone_levels::ZoneLevels;
use std::collections::BTreeSet;

/// A unit's burden in one ecological layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerBurden {
    /// Zones of the layer cut at the unit's level in which it has a part (not a sliver).
    pub cut_zones: usize,
    /// Area of those parts, km².
    pub cut_area_km2: f64,
    /// `cut_area_km2` / the unit's area, 0..1.
    pub cut_area_share: f64,
    /// Length of the unit's borders with other units of its level inside those zones, km.
    pub border_km: f64,
}

/// One unit's burden.
#[derive(Debug, Clone, PartialEq)]
pub struct Burden {
    /// Admin level index.
    pub level: usize,
    /// Unit position in its level.
    pub unit: usize,
    /// Bodies (indices) where it is a member.
    pub member_of: Vec<usize>,
    /// Bodies (indices) where it is an observer.
    pub observer_of: Vec<usize>,
    /// Distinct co-members over all its bodies (unit positions, ascending).
    pub partners: Vec<usize>,
    /// Per ecological layer, in layer order.
    pub layers: Vec<LayerBurden>,
}

/// The burden of every unit of every level: `[level][unit]`.
pub fn burdens(study: &Study, analysis: &[ZoneLevels<LevelAnalysis>], bodies: &[Body]) -> Vec<Vec<Burden>> {
    let n_eco = study.eco.len();
    let mut out: Vec<Vec<Burden>> = study
        .hierarchy
        .levels
        .iter()
        .enumerate()
        .map(|(l, lv)| {
            (0..lv.indexed.layer.units.len())
                .map(|u| Burden {
                    level: l,
                    unit: u,
                    member_of: vec![],
                    observer_of: vec![],
                    partners: vec![],
                    layers: vec![LayerBurden::default(); n_eco],
                })
                .collect()
        })
        .collect();
    for (e, zones) in analysis.iter().enumerate() {
        for (z, levels) in zones.iter().enumerate() {
            for la in levels.iter().filter(|la| la.cut) {
                let rows = &mut out[la.level as usize];
                for p in &la.parts {
                    let b = &mut rows[p.unit].layers[e];
                    b.cut_zones += 1;
                    b.cut_area_km2 += p.area_km2;
                }
                for &(a, b, km) in &study.overlay[e][z][la.level as usize].border_pairs {
                    rows[a].layers[e].border_km += km;
                    rows[b].layers[e].border_km += km;
                }
            }
        }
    }
    for (l, rows) in out.iter_mut().enumerate() {
        let units = &study.hierarchy.levels[l].indexed.layer.units;
        for r in rows.iter_mut() {
            let area = units[r.unit].area_km2;
            for b in &mut r.layers {
                b.cut_area_share = if area > 0.0 { (b.cut_area_km2 / area).min(1.0) } else { 0.0 };
            }
        }
    }
    let mut partners: Vec<Vec<BTreeSet<usize>>> = out.iter().map(|r| vec![BTreeSet::new(); r.len()]).collect();
    for (i, b) in bodies.iter().enumerate() {
        for m in &b.members {
            out[b.level][m.unit].member_of.push(i);
            partners[b.level][m.unit].extend(b.members.iter().map(|o| o.unit).filter(|&o| o != m.unit));
        }
        for o in &b.observers {
            out[b.level][o.unit].observer_of.push(i);
        }
    }
    for (rows, ps) in out.iter_mut().zip(partners) {
        for (r, p) in rows.iter_mut().zip(ps) {
            r.partners = p.into_iter().collect();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Params;
    use crate::governance::{GovParams, propose};

    #[test]
    fn two_states_sharing_one_zone() {
        // States A and B (2°×2° each) and a zone straddling their border: both are cut members
        // of one body, each other's only partner, with half the zone each.
        let s = crate::study::tests::two_state_study();
        let a = s.analyse(&Params::default());
        let bodies = propose(&s, &a, &Params::default(), &GovParams::default());
        let b = burdens(&s, &a, &bodies);
        let state_a = &b[0][0];
        assert_eq!(state_a.member_of.len(), 1);
        assert_eq!(state_a.partners, vec![1]);
        let lb = &state_a.layers[0];
        assert_eq!(lb.cut_zones, 1);
        let zone_area = s.eco[0].layer.units[0].area_km2;
        assert!((lb.cut_area_km2 - a[0][0][0].parts[0].area_km2).abs() < 1e-9);
        assert!((lb.cut_area_km2 - zone_area / 2.0).abs() < 1e-6 * zone_area);
        assert!(
            (lb.cut_area_share - lb.cut_area_km2 / s.hierarchy.levels[0].indexed.layer.units[0].area_km2).abs() < 1e-12
        );
        // The border x=2 inside the zone (y from 0.5 to 1.5): about 111 km.
        assert!((lb.border_km - 110.6).abs() < 0.5, "{}", lb.border_km);
        assert_eq!(lb.border_km, b[0][1].layers[0].border_km);
    }
}
