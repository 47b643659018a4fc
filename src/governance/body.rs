//! Building the proposed bodies. See the [module documentation](super).

use crate::analysis::{LevelAnalysis, Params, is_significant};
use crate::scenario::ManualBody;
use crate::study::Study;
use crate::zone_levels::ZoneLevels;
use geo::Rect;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Parameters of the proposals (on top of the analysis [`Params`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GovParams {
    /// Share (0..1) needed to be a member. `None`: the cut threshold.
    pub member_threshold: Option<f64>,
    /// Share (0..1) needed to be an observer (below the member threshold). Default 0: every
    /// part that is not a sliver.
    pub observer_threshold: f64,
    /// Years each chair serves before the chair rotates. Default 2.
    pub chair_term_years: u32,
    /// One body for several zones (of one layer, at one level) that have the same members and
    /// all touch one another. Default false: one body per zone, as real commissions are set up
    /// per basin. Zones are only grouped when every zone of the group touches every other, so
    /// a chain of touching ranges does not become one continental body.
    #[serde(default)]
    pub merge_touching: bool,
}

impl Default for GovParams {
    fn default() -> Self {
        GovParams { member_threshold: None, observer_threshold: 0.0, chair_term_years: 2, merge_touching: false }
    }
}

impl GovParams {
    /// The member threshold in force for `params`.
    pub fn member_threshold(&self, params: &Params) -> f64 {
        self.member_threshold.unwrap_or(params.threshold)
    }
}

/// A member of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Unit position in the body's admin level.
    pub unit: usize,
    /// Share (0..1) of the body's zones' total area in this unit.
    pub share: f64,
    /// Share (0..1) of the body's costs; members' cost shares add up to 1.
    pub cost_share: f64,
    /// Votes (always 1: members are equal).
    pub votes: u32,
}

/// An observer of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Observer {
    /// Unit position in the body's admin level.
    pub unit: usize,
    /// Share (0..1) of the body's zones' total area in this unit.
    pub share: f64,
}

/// Who convenes the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Convener {
    /// A loaded unit that contains all members: `(level, unit)`.
    Unit(usize, usize),
    /// No loaded level contains all members: the level above the top loaded one.
    AboveTop,
}

/// The chair: the first holder and the order of rotation (unit positions).
#[derive(Debug, Clone, PartialEq)]
pub struct Chair {
    /// First chair (the member with the largest share).
    pub first: usize,
    /// Rotation order, starting with `first`.
    pub rotation: Vec<usize>,
    /// Years per term.
    pub term_years: u32,
}

/// How costs were apportioned.
#[derive(Debug, Clone, PartialEq)]
pub enum CostBasis {
    /// By area share, renormalised over members.
    Area,
    /// By population living in the zone (areal interpolation of this field).
    Population(String),
    /// Equally: a body set up by hand whose members hold no part of its zones.
    Equal,
}

/// A proposed joint body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Stable id: `{eco layer}/{admin layer}/{first zone id}`.
    pub id: String,
    /// Eco layer index.
    pub eco: usize,
    /// Admin level index.
    pub level: usize,
    /// Zones governed (positions in the eco layer), ascending.
    pub zones: Vec<usize>,
    /// Members by share descending, then id.
    pub members: Vec<Member>,
    /// Observers by share descending, then id.
    pub observers: Vec<Observer>,
    /// Convener.
    pub convener: Convener,
    /// Chair and rotation.
    pub chair: Chair,
    /// Cost basis used.
    pub cost_basis: CostBasis,
    /// Index (in the returned list) of the body this one is nested in.
    pub parent_body: Option<usize>,
    /// The scenario step that set this body up by hand; `None` for a proposed body.
    pub manual: Option<ManualFacts>,
    /// The member threshold in force when it was proposed, share 0..1.
    pub member_threshold: f64,
    /// The sliver limit in force when it was proposed, km².
    pub min_area_km2: f64,
}

/// What the rules say of a body set up by hand in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualFacts {
    /// The scenario's name.
    pub scenario: String,
    /// Its name, if it was given one.
    pub name: Option<String>,
    /// 1-based step of the scenario that set it up.
    pub step: usize,
    /// The scenario named its convener (else it is the members' lowest common ancestor).
    pub convener_given: bool,
}

impl Body {
    /// A readable title: its zones' names joined by " + " (at most three, then "and N more").
    pub fn title(&self, study: &Study) -> String {
        let zones = &study.eco[self.eco].layer.units;
        let names: Vec<&str> = self.zones.iter().take(3).map(|&z| zones[z].name.as_str()).collect();
        let more = self.zones.len().saturating_sub(3);
        let mut t = names.join(" + ");
        if more > 0 {
            t.push_str(&format!(" and {more} more"));
        }
        t
    }

    /// The body's extent: the union of its zones (lon/lat).
    pub fn extent(&self, study: &Study) -> geo::MultiPolygon<f64> {
        let units = &study.eco[self.eco].layer.units;
        crate::geometry::repair::union_all(self.zones.iter().map(|&z| units[z].geometry.clone()).collect())
    }

    /// The rules that produced this body, in words, one sentence per choice: members,
    /// grouping, observers, convener, chair, costs, nesting. Written when asked for (a report, a
    /// brief, the app's panel), not kept with the body: a proposal's rules are about 700 bytes
    /// of text, and a million-zone study has tens of thousands of bodies. `all`: the bodies
    /// this one was proposed with (for the body it is nested in).
    pub fn rules(&self, study: &Study, all: &[Body]) -> Vec<String> {
        let eco = &study.eco[self.eco].layer;
        let level = &study.hierarchy.levels[self.level].indexed.layer;
        let name = |u: usize| level.units[u].name.as_str();
        let zone_names: Vec<&str> = self.zones.iter().map(|&z| eco.units[z].name.as_str()).collect();
        let member_list =
            self.members.iter().map(|m| format!("{} ({})", name(m.unit), pct(m.share))).collect::<Vec<_>>().join(", ");
        let observer_list = || {
            self.observers.iter().map(|o| format!("{} ({})", name(o.unit), pct(o.share))).collect::<Vec<_>>().join(", ")
        };
        let mut rules = vec![match &self.manual {
            Some(m) => format!(
                "{} governs {}: set up by hand in scenario \"{}\" (step {}), with members {}, one vote each; shares, costs and the chair below are computed from the zones' parts.",
                m.name.as_ref().map(|n| format!("\"{n}\"")).unwrap_or_else(|| "This body".into()),
                zone_names.join(" + "),
                m.scenario,
                m.step,
                member_list
            ),
            None => format!(
                "{} is cut across {} {}: {} each hold at least {} of it, so they sit on the body as members, one vote each, deciding by majority.",
                zone_names.join(" + "),
                self.members.len(),
                level.name,
                member_list,
                pct(self.member_threshold)
            ),
        }];
        if self.zones.len() > 1 && self.manual.is_none() {
            rules.push(format!(
                "The zones {} touch and are shared by exactly the same members, so one body governs them together.",
                zone_names.join(", ")
            ));
        }
        if self.manual.is_some() {
            if !self.observers.is_empty() {
                rules.push(format!("Observers, with a voice but no vote, as set up: {}.", observer_list()));
            }
        } else if self.observers.is_empty() {
            rules.push(format!(
                "No other {} holds a part of at least {} km² (smaller pieces are slivers), so there are no observers.",
                level.name, self.min_area_km2
            ));
        } else {
            rules.push(format!(
                "{} {} less than {} (but at least {} km²): {}, with a voice but no vote.",
                observer_list(),
                verb(self.observers.len(), "holds", "each hold"),
                pct(self.member_threshold),
                self.min_area_km2,
                verb(self.observers.len(), "it is an observer", "they are observers")
            ));
        }
        rules.push(match &self.convener {
            Convener::Unit(l, u) if self.manual.as_ref().is_some_and(|m| m.convener_given) => format!(
                "{} convenes the body, as set up in the scenario.",
                study.hierarchy.levels[*l].indexed.layer.units[*u].name
            ),
            Convener::Unit(l, u) => format!(
                "{} convenes the body: it is the lowest level of government that contains all members ({}).",
                study.hierarchy.levels[*l].indexed.layer.units[*u].name, study.hierarchy.levels[*l].indexed.layer.name
            ),
            Convener::AboveTop => format!(
                "No loaded level contains all members, so the level above {} ({}) convenes the body.",
                level_top_name(study),
                above_top_label(study)
            ),
        });
        rules.push(format!(
            "{} chairs first, holding the largest share; the chair then rotates every {} years in order of share: {}.",
            name(self.chair.first),
            self.chair.term_years,
            self.chair.rotation.iter().map(|&u| name(u)).collect::<Vec<_>>().join(" → ")
        ));
        rules.push(match &self.cost_basis {
            CostBasis::Area => "Costs are apportioned by each member's area share, rescaled so members' shares add up to 100%.".to_string(),
            CostBasis::Population(f) => format!(
                "Costs are apportioned by the population living in the zone (field \"{f}\", spread evenly over each jurisdiction's area), rescaled over members."
            ),
            CostBasis::Equal => "No member holds a part of the zones, so costs are shared equally.".to_string(),
        });
        if let Some(j) = self.parent_body {
            rules.push(format!(
                "Nested in body {}: all its members also sit on that body, and its zone(s) lie inside that body's zone(s); it handles local matters and reports to it.",
                all[j].id
            ));
        }
        rules
    }
}

struct Draft<'a> {
    eco: usize,
    level: usize,
    zones: Vec<usize>,
    members: BTreeSet<usize>,
    /// Set up by hand in a scenario: its members, observers and convener are given.
    manual: Option<&'a ManualBody>,
}

fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.01 { format!("{:.2}%", x * 100.0) } else { format!("{:.1}%", x * 100.0) }
}

fn verb(n: usize, one: &str, many: &str) -> String {
    if n == 1 { one.to_string() } else { many.to_string() }
}

/// Proposes bodies for every cut zone at every level, merges and nests them.
/// `analysis` is [`Study::analyse`]'s result for `params`.
pub fn propose(study: &Study, analysis: &[ZoneLevels<LevelAnalysis>], params: &Params, gov: &GovParams) -> Vec<Body> {
    propose_with(study, analysis, params, gov, &[], "")
}

/// [`propose`], with bodies set up by hand in the scenario named `scenario`: each replaces the
/// proposals for its zones at its level; its shares, costs and chair are computed like any
/// other body's.
pub fn propose_with(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    params: &Params,
    gov: &GovParams,
    manual: &[ManualBody],
    scenario: &str,
) -> Vec<Body> {
    let member_t = gov.member_threshold(params);
    let by_hand =
        |e: usize, l: usize, z: usize| manual.iter().any(|m| m.eco == e && m.level == l && m.zones.contains(&z));
    // 1. One draft per cut zone and level: its member set.
    let mut drafts: Vec<Draft> = Vec::new();
    for (e, zones) in analysis.iter().enumerate() {
        for (z, levels) in zones.iter().enumerate() {
            for la in levels {
                let members: BTreeSet<usize> =
                    la.parts.iter().filter(|p| is_significant(p.share, member_t)).map(|p| p.unit).collect();
                if la.cut && members.len() >= 2 && !by_hand(e, la.level as usize, z) {
                    drafts.push(Draft { eco: e, level: la.level as usize, zones: vec![z], members, manual: None });
                }
            }
        }
    }
    // 2. Merge drafts of the same layer and level with the same members whose zones touch.
    let mut groups: BTreeMap<(usize, usize, Vec<usize>), Vec<usize>> = BTreeMap::new();
    for (i, d) in drafts.iter().enumerate() {
        groups.entry((d.eco, d.level, d.members.iter().copied().collect())).or_default().push(i);
    }
    let mut merged: Vec<Draft> = Vec::new();
    for ((eco, level, members), idx) in groups {
        let zones: Vec<usize> = idx.iter().map(|&i| drafts[i].zones[0]).collect();
        if !gov.merge_touching {
            for z in zones {
                merged.push(Draft {
                    eco,
                    level,
                    zones: vec![z],
                    members: members.iter().copied().collect(),
                    manual: None,
                });
            }
            continue;
        }
        // Groups in which every zone touches or overlaps every other (measured once per pair
        // by the study), built greedily in zone order: no chaining.
        let touches = |a: usize, b: usize| study.zones_touch((eco, a), (eco, b));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for &z in &zones {
            match groups.iter_mut().find(|g| g.iter().all(|&o| touches(o, z))) {
                Some(g) => g.push(z),
                None => groups.push(vec![z]),
            }
        }
        for mut zs in groups {
            zs.sort_unstable();
            merged.push(Draft { eco, level, zones: zs, members: members.iter().copied().collect(), manual: None });
        }
    }
    for m in manual {
        let members = m.members.iter().copied().collect();
        merged.push(Draft { eco: m.eco, level: m.level, zones: m.zones.clone(), members, manual: Some(m) });
    }
    merged.sort_by(|a, b| (a.eco, a.level, a.zones[0]).cmp(&(b.eco, b.level, b.zones[0])));

    // 3. Flesh out each body (in parallel: shares, costs, convener and the rules in words, for
    // a hundred thousand bodies on a fine grid), in order.
    use rayon::prelude::*;
    let mut bodies: Vec<Body> =
        merged.par_iter().map(|d| flesh_out(study, analysis, d, params, gov, scenario)).collect();

    // 4. Nesting: smallest strict-superset body at the same level whose zones contain ours. The
    // zones of one layer do not overlap one another, so a body's area is the sum of its zones'
    // and the part of it inside another body is the sum of its zones' overlaps with that body's
    // zones (measured once per pair by the study, not on every call).
    let zone_area = |e: usize, z: usize| study.eco[e].layer.units[z].area_km2;
    let areas: Vec<f64> = bodies.iter().map(|b| b.zones.iter().map(|&z| zone_area(b.eco, z)).sum()).collect();
    let rects: Vec<Option<Rect<f64>>> = bodies
        .iter()
        .map(|b| {
            let units = &study.eco[b.eco].layer.units;
            b.zones.iter().map(|&z| units[z].bbox).reduce(|a, r| {
                Rect::new(
                    (a.min().x.min(r.min().x), a.min().y.min(r.min().y)),
                    (a.max().x.max(r.max().x), a.max().y.max(r.max().y)),
                )
            })
        })
        .collect();
    // Candidates by an R-tree of the bodies' boxes (not every pair: 300k zones make 17k bodies).
    let members: Vec<BTreeSet<usize>> = bodies.iter().map(|b| b.members.iter().map(|m| m.unit).collect()).collect();
    use crate::geometry::packed::{Bx, Packed};
    let tree = Packed::new(rects.iter().enumerate().filter_map(|(i, r)| r.map(|r| (Bx::from_rect(r), i))).collect());
    for i in 0..bodies.len() {
        let mi = &members[i];
        let mut best: Option<usize> = None;
        let Some(ri) = rects[i] else { continue };
        let mut candidates: Vec<usize> = tree.meeting(&Bx::from_rect(ri));
        candidates.sort_unstable();
        for j in candidates {
            if i == j || bodies[i].level != bodies[j].level {
                continue;
            }
            let mj = &members[j];
            let strict = mi.is_subset(mj) && (mi.len() < mj.len() || areas[i] < areas[j]);
            if !strict {
                continue;
            }
            let inside: f64 = bodies[i]
                .zones
                .iter()
                .flat_map(|&a| bodies[j].zones.iter().map(move |&b| (a, b)))
                .map(|(a, b)| study.zone_overlap_km2((bodies[i].eco, a), (bodies[j].eco, b)))
                .sum();
            if inside >= 0.99 * areas[i] && best.is_none_or(|b| areas[j] < areas[b]) {
                best = Some(j);
            }
        }
        if let Some(j) = best {
            bodies[i].parent_body = Some(j);
        }
    }
    bodies
}

fn flesh_out(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    d: &Draft,
    params: &Params,
    gov: &GovParams,
    scenario: &str,
) -> Body {
    let member_t = gov.member_threshold(params);
    let eco = &study.eco[d.eco].layer;
    let level = &study.hierarchy.levels[d.level].indexed.layer;
    let total_area: f64 = d.zones.iter().map(|&z| eco.units[z].area_km2).sum();
    // Area per unit over all the body's zones (parts only, slivers excluded).
    let mut area_by_unit: BTreeMap<usize, f64> = BTreeMap::new();
    for &z in &d.zones {
        for p in &analysis[d.eco][z][d.level].parts {
            *area_by_unit.entry(p.unit).or_default() += p.area_km2;
        }
    }
    let area_of = |u: usize| area_by_unit.get(&u).copied().unwrap_or(0.0);
    let share = |u: usize| area_of(u) / total_area;
    let by_share_then_id = |a: &usize, b: &usize| {
        share(*b).total_cmp(&share(*a)).then_with(|| level.units[*a].id.cmp(&level.units[*b].id))
    };
    let mut member_units: Vec<usize> = d.members.iter().copied().collect();
    member_units.sort_by(by_share_then_id);
    let mut observer_units: Vec<usize> = match d.manual {
        Some(m) => m.observers.clone(),
        None => area_by_unit
            .keys()
            .copied()
            .filter(|u| !d.members.contains(u) && is_significant(share(*u), gov.observer_threshold))
            .collect(),
    };
    observer_units.sort_by(by_share_then_id);

    // Cost shares: population by areal interpolation when every member has a population.
    let pop_field = level.fields.population.clone();
    let pops: Option<Vec<f64>> = pop_field.as_ref().and_then(|_| {
        member_units
            .iter()
            .map(|&u| {
                let unit = &level.units[u];
                unit.population.map(|p| p * area_of(u) / unit.area_km2)
            })
            .collect()
    });
    let (weights, cost_basis) = match (pops, pop_field) {
        (Some(p), Some(f)) if p.iter().sum::<f64>() > 0.0 => (p, CostBasis::Population(f)),
        _ => (member_units.iter().map(|&u| area_of(u)).collect(), CostBasis::Area),
    };
    let wsum: f64 = weights.iter().sum();
    // Only a body set up by hand can have members without any part of its zones; if none has
    // one, costs are shared equally (and the rule says so).
    let (weights, cost_basis) =
        if wsum > 0.0 { (weights, cost_basis) } else { (vec![1.0; member_units.len()], CostBasis::Equal) };
    let wsum: f64 = weights.iter().sum();
    let members: Vec<Member> = member_units
        .iter()
        .zip(&weights)
        .map(|(&u, w)| Member { unit: u, share: share(u), cost_share: w / wsum, votes: 1 })
        .collect();
    let observers: Vec<Observer> = observer_units.iter().map(|&u| Observer { unit: u, share: share(u) }).collect();
    let convener = match d.manual.and_then(|m| m.convener) {
        Some((l, u)) => Convener::Unit(l, u),
        None => match study.hierarchy.lowest_common_ancestor(d.level, &member_units) {
            Some((l, u)) => Convener::Unit(l, u),
            None => Convener::AboveTop,
        },
    };
    let chair = Chair { first: member_units[0], rotation: member_units.clone(), term_years: gov.chair_term_years };

    let id = match d.manual {
        Some(m) => format!("{}/{}/{}/step{}", eco.name, level.name, eco.units[d.zones[0]].id, m.step),
        None => format!("{}/{}/{}", eco.name, level.name, eco.units[d.zones[0]].id),
    };
    Body {
        id,
        eco: d.eco,
        level: d.level,
        zones: d.zones.clone(),
        members,
        observers,
        convener,
        chair,
        cost_basis,
        parent_body: None,
        manual: d.manual.map(|m| ManualFacts {
            scenario: scenario.to_string(),
            name: m.name.clone(),
            step: m.step,
            convener_given: m.convener.is_some(),
        }),
        member_threshold: member_t,
        min_area_km2: params.min_area_km2,
    }
}

fn level_top_name(study: &Study) -> String {
    study.hierarchy.levels.first().map(|l| l.indexed.layer.name.clone()).unwrap_or_default()
}

/// A words-only label for the government above the top loaded level, guessed from its name.
pub fn above_top_label(study: &Study) -> String {
    let top = level_top_name(study).to_lowercase();
    if top.contains("countr") || top.contains("nation") || top.contains("adm0") {
        "international: a treaty commission of the countries".into()
    } else {
        format!("the government above the {top}, e.g. national")
    }
}
