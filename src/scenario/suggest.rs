//! Suggested single transfers: which border unit, moved to a neighbouring parent, would leave
//! fewer zones cut and the zones less fragmented at a level. A tool for exploring options, not a
//! verdict: it weighs only the ecological zones, not services, taxes, representation or identity.
//!
//! Candidates: every unit of level L+1 with a neighbour (a shared border) whose parent at level
//! L differs from its own; it may move to that neighbour's parent, so the receiving unit always
//! touches it. The effect of each candidate on every zone it has a part of is computed from the
//! pieces (the parent loses the unit's piece, the receiver gains it) to rank them; the best are
//! then applied as real scenarios ([`super::evaluate`]), and the figures reported are those, so
//! applying a suggestion's scenario reproduces its effect exactly.

use super::compare::summarize;
use super::{Id, Scenario, Step, Transfer};
use crate::analysis::{LevelAnalysis, Params, analyse_level};
use crate::governance::GovParams;
use crate::overlay::{Piece, PieceGeometry};
use crate::study::Study;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What to suggest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuggestParams {
    /// The level whose units receive or give (L ≥ 0); the moved units are at L+1.
    pub level: usize,
    /// How many suggestions to return.
    pub moves: usize,
    /// Largest population change (0..1) a move may cause to the giving or the receiving unit,
    /// as a share of its population; needs population at both levels.
    pub max_population_change: Option<f64>,
}

/// A unit in a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// One suggested transfer with its effect at the level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The unit that would move (level L+1).
    pub unit: Named,
    /// Its parent now.
    pub from: Named,
    /// Its parent after the move.
    pub to: Named,
    /// Zones cut at level L before and after.
    pub cut_zones: [usize; 2],
    /// Fragmentation index at level L before and after (see [`super::compare`]).
    pub fragmentation: [f64; 2],
    /// Population change of the giving and the receiving unit, as shares of their population
    /// (when populations are known).
    pub population_change: Option<[f64; 2]>,
    /// The move as a scenario: applying it reproduces this effect.
    pub scenario: Scenario,
}

/// Why suggestions cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    /// The level has no finer level to move units of.
    #[error("level {0} has no finer level loaded: suggestions move units of level L+1 between units of level L")]
    NoFinerLevel(usize),
    /// The population limit needs populations.
    #[error("--max-population-change needs a population at levels {0} and {1} (population=FIELD in the layer specs)")]
    NoPopulation(usize, usize),
    /// Applying a candidate failed (should not happen: candidates are valid by construction).
    #[error(transparent)]
    Scenario(#[from] super::ScenarioError),
}

struct Candidate {
    unit: usize,
    from: usize,
    to: usize,
    d_cut: i64,
    d_frag: f64,
}

fn pieces_with(base: &[Piece], from: usize, to: usize, a: f64, zone_area: f64) -> Vec<Piece> {
    // The same arithmetic as a transfer in `apply`: the giver's piece minus the unit's, the
    // receiver's plus it; a remainder below 1e-9 of the zone is rounding and is dropped.
    let mut v: Vec<Piece> = Vec::with_capacity(base.len() + 1);
    let mut seen_to = false;
    for p in base {
        let area = if p.unit == from {
            p.area_km2 - a
        } else if p.unit == to {
            seen_to = true;
            p.area_km2 + a
        } else {
            p.area_km2
        };
        if area > 1e-9 * zone_area.max(1.0) {
            v.push(Piece { unit: p.unit, area_km2: area, geometry: PieceGeometry::Deferred });
        }
    }
    if !seen_to && a > 1e-9 * zone_area.max(1.0) {
        v.push(Piece { unit: to, area_km2: a, geometry: PieceGeometry::Deferred });
    }
    v
}

fn frag_terms(zone_area: f64, la: &LevelAnalysis) -> (f64, f64) {
    if la.parts.is_empty() { (0.0, 0.0) } else { (zone_area * la.effective_n, zone_area) }
}

/// Ranks single transfers of border units at `sp.level` (see the module documentation).
pub fn suggest(
    study: &Study,
    params: &Params,
    gov: &GovParams,
    sp: &SuggestParams,
) -> Result<Vec<Suggestion>, SuggestError> {
    let (l, f) = (sp.level, sp.level + 1);
    let levels = &study.hierarchy.levels;
    if f >= levels.len() {
        return Err(SuggestError::NoFinerLevel(l));
    }
    let (coarse, fine) = (&levels[l].indexed.layer.units, &levels[f].indexed.layer.units);
    if sp.max_population_change.is_some()
        && (coarse.iter().all(|u| u.population.is_none()) || fine.iter().all(|u| u.population.is_none()))
    {
        return Err(SuggestError::NoPopulation(l, f));
    }
    let analysis = study.analyse(params);
    // Where each fine unit has a piece: (eco, zone, area).
    let mut parts_of: HashMap<usize, Vec<(usize, usize, f64)>> = HashMap::new();
    for (e, zones) in study.overlay.iter().enumerate() {
        for (z, lv) in zones.iter().enumerate() {
            for p in &lv[f].pieces {
                parts_of.entry(p.unit).or_default().push((e, z, p.area_km2));
            }
        }
    }
    let (mut num0, mut den0) = (0.0, 0.0);
    for (e, zones) in analysis.iter().enumerate() {
        for (z, lv) in zones.iter().enumerate() {
            let (n, d) = frag_terms(study.eco[e].layer.units[z].area_km2, &lv[l]);
            num0 += n;
            den0 += d;
        }
    }
    let pop_change = |u: usize, from: usize, to: usize| -> Option<[f64; 2]> {
        let pu = fine[u].population?;
        Some([pu / coarse[from].population?, pu / coarse[to].population?])
    };
    let mut candidates = Vec::new();
    for u in 0..fine.len() {
        let Some(from) = levels[f].parents[u] else { continue };
        let mut targets: Vec<usize> =
            study.borders[f].of(u).filter_map(|(n, _)| levels[f].parents[n]).filter(|&q| q != from).collect();
        targets.sort_unstable();
        targets.dedup();
        for to in targets {
            if let Some(limit) = sp.max_population_change {
                match pop_change(u, from, to) {
                    Some([a, b]) if a <= limit && b <= limit => {}
                    _ => continue,
                }
            }
            let (mut d_cut, mut num, mut den) = (0i64, num0, den0);
            for &(e, z, a) in parts_of.get(&u).map(Vec::as_slice).unwrap_or_default() {
                let zone_area = study.eco[e].layer.units[z].area_km2;
                let before = &analysis[e][z][l];
                let pieces = pieces_with(&study.overlay[e][z][l].pieces, from, to, a, zone_area);
                let after = analyse_level(zone_area, &pieces, 0.0, coarse, l, params);
                d_cut += after.cut as i64 - before.cut as i64;
                let (n0, d0) = frag_terms(zone_area, before);
                let (n1, d1) = frag_terms(zone_area, &after);
                num += n1 - n0;
                den += d1 - d0;
            }
            let d_frag = if den > 0.0 { num / den } else { 0.0 } - if den0 > 0.0 { num0 / den0 } else { 0.0 };
            if d_cut < 0 || d_frag < -1e-12 {
                candidates.push(Candidate { unit: u, from, to, d_cut, d_frag });
            }
        }
    }
    candidates.sort_by(|a, b| a.d_cut.cmp(&b.d_cut).then(a.d_frag.total_cmp(&b.d_frag)).then(a.unit.cmp(&b.unit)));
    // The best few, applied for real: the figures reported are the scenario's own.
    let baseline = {
        let bodies = crate::governance::propose(study, &analysis, params, gov);
        summarize("baseline", &crate::report::build_report(study, &analysis, &bodies, params, gov))
    };
    let mut out = Vec::new();
    for c in candidates.into_iter().take(sp.moves) {
        let named = |u: &crate::model::Unit| Named { id: u.id.clone(), name: u.name.clone() };
        let scenario = Scenario {
            schema: super::SCHEMA.into(),
            name: format!("Move {} to {}", fine[c.unit].name, coarse[c.to].name),
            description: format!(
                "Suggested by crossbound suggest --level {l}: {} ({}) moves from {} to {}.",
                fine[c.unit].name, fine[c.unit].id, coarse[c.from].name, coarse[c.to].name
            ),
            merge_touching_zones: None,
            steps: vec![Step::Transfer(Transfer {
                level: f,
                unit: Id(fine[c.unit].id.clone()),
                to: Id(coarse[c.to].id.clone()),
            })],
        };
        let o = super::evaluate(study, &scenario, params, gov)?;
        let after = summarize(&scenario.name, &o.report);
        // The ranking's piece arithmetic must agree with the real scenario (checked in tests).
        debug_assert_eq!(after.cut_zones[l] as i64 - baseline.cut_zones[l] as i64, c.d_cut, "{}", scenario.name);
        debug_assert!(
            ((after.fragmentation[l] - baseline.fragmentation[l]) - c.d_frag).abs() < 1e-9,
            "{}: {} vs {}",
            scenario.name,
            after.fragmentation[l] - baseline.fragmentation[l],
            c.d_frag
        );
        out.push(Suggestion {
            unit: named(&fine[c.unit]),
            from: named(&coarse[c.from]),
            to: named(&coarse[c.to]),
            cut_zones: [baseline.cut_zones[l], after.cut_zones[l]],
            fragmentation: [baseline.fragmentation[l], after.fragmentation[l]],
            population_change: pop_change(c.unit, c.from, c.to),
            scenario,
        });
    }
    out.sort_by(|a, b| a.cut_zones[1].cmp(&b.cut_zones[1]).then(a.fragmentation[1].total_cmp(&b.fragmentation[1])));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::tests::two_state_study;

    #[test]
    fn moving_the_border_county_uncuts_the_zone() {
        // The zone lies half in A2 (state A) and half in B1 (state B): moving either county to
        // the other state leaves it in one state.
        let s = two_state_study();
        let sp = SuggestParams { level: 0, moves: 5, max_population_change: None };
        let v = suggest(&s, &Params::default(), &GovParams::default(), &sp).unwrap();
        let moves: Vec<(&str, &str)> = v.iter().map(|x| (x.unit.id.as_str(), x.to.id.as_str())).collect();
        assert_eq!(moves, [("A2", "B"), ("B1", "A")]);
        for x in &v {
            assert_eq!(x.cut_zones, [1, 0]);
            assert!(x.fragmentation[1] < x.fragmentation[0]);
            // Applying the suggestion's scenario gives the same figures.
            let o = super::super::evaluate(&s, &x.scenario, &Params::default(), &GovParams::default()).unwrap();
            assert_eq!(summarize("x", &o.report).cut_zones[0], x.cut_zones[1]);
        }
        let e = suggest(&s, &Params::default(), &GovParams::default(), &SuggestParams { level: 1, ..sp }).unwrap_err();
        assert!(e.to_string().starts_with("level 1 has no finer level"), "{e}");
        let e = suggest(
            &s,
            &Params::default(),
            &GovParams::default(),
            &SuggestParams { max_population_change: Some(0.1), ..sp },
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs a population"), "{e}");
    }
}
