//! Applying a scenario: relabelling the baseline's pieces and border pairs, no new overlay.
//!
//! Every unit of the reformed world is a signed sum of baseline units ([`Term`]s), possibly of
//! finer levels: a merged unit is `+A +B`; a state that lost a county is `+state −county`; a
//! unit made by a split is `+child₁ +child₂ …`. Its area, population and its piece of every
//! zone are the same signed sums over the baseline. A unit whose terms are just itself keeps
//! its baseline pieces, borders and geometry untouched.
//!
//! Borders: a pair of units made only of units of their own level (unchanged or merged) is
//! relabelled from the baseline border pairs of that level; a pair involving a unit with finer
//! terms (one that gained or lost territory) is summed from the borders of the next finer
//! level whose two sides have different parents. The latter assumes the levels share one
//! topology, as every bundled pair does (see [`crate::borders`]).

use super::{Id, Scenario, ScenarioError, Step};
use crate::borders::{Borders, SharedBorder};
use crate::geometry::repair::union_all;
use crate::hierarchy::AdminLevel;
use crate::index::IndexedLayer;
use crate::model::{Unit, Warning};
use crate::overlay::{Piece, PieceGeometry};
use crate::study::Study;
use geo::{BooleanOps, BoundingRect, MultiPolygon};
use std::collections::{BTreeMap, HashMap, HashSet};

/// `sign` × baseline unit `unit` of level `level`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Term {
    level: usize,
    unit: usize,
    sign: f64,
}

#[derive(Debug, Clone)]
struct SUnit {
    id: String,
    name: String,
    terms: Vec<Term>,
    parent: Option<usize>,
    population: Option<f64>,
}

/// A body set up by hand, resolved to positions in the reformed study.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualBody {
    /// 1-based step number in the scenario.
    pub step: usize,
    /// Eco layer index.
    pub eco: usize,
    /// Admin level of the members.
    pub level: usize,
    /// Zones (positions in the eco layer), ascending.
    pub zones: Vec<usize>,
    /// Members (unit positions at `level`).
    pub members: Vec<usize>,
    /// Observers (unit positions at `level`).
    pub observers: Vec<usize>,
    /// Convener `(level, unit)`, or `None` for the lowest common ancestor.
    pub convener: Option<(usize, usize)>,
    /// Its name.
    pub name: Option<String>,
}

/// The reformed world: a study whose admin levels, pieces and borders are the scenario's, and
/// the bodies the scenario sets up by hand.
#[derive(Debug, Clone)]
pub struct Reformed {
    /// The reformed study (eco layers unchanged).
    pub study: Study,
    /// Bodies set up by hand.
    pub manual_bodies: Vec<ManualBody>,
}

struct World<'a> {
    study: &'a Study,
    levels: Vec<Vec<SUnit>>,
}

fn err(step: usize, kind: &'static str, message: String) -> ScenarioError {
    ScenarioError::Step { step, kind, message }
}

/// Adds terms, cancelling equal units of opposite sign.
fn add_terms(into: &mut Vec<Term>, terms: &[Term], sign: f64) {
    for t in terms {
        match into.iter_mut().find(|x| x.level == t.level && x.unit == t.unit) {
            Some(x) => x.sign += sign * t.sign,
            None => into.push(Term { sign: sign * t.sign, ..*t }),
        }
    }
    into.retain(|t| t.sign != 0.0);
}

fn add_population(a: Option<f64>, b: Option<f64>, sign: f64) -> Option<f64> {
    Some(a? + sign * b?)
}

impl World<'_> {
    fn level_name(&self, l: usize) -> &str {
        &self.study.hierarchy.levels[l].indexed.layer.name
    }

    fn check_level(&self, l: usize) -> Result<(), String> {
        if l >= self.levels.len() {
            return Err(format!("there is no admin level {l}; levels 0 to {} are loaded", self.levels.len() - 1));
        }
        Ok(())
    }

    fn find(&self, l: usize, id: &Id) -> Result<usize, String> {
        if let Some(i) = self.levels[l].iter().position(|u| u.id == id.0) {
            return Ok(i);
        }
        for (k, units) in self.levels.iter().enumerate() {
            if k != l && units.iter().any(|u| u.id == id.0) {
                return Err(format!(
                    "{id} is a unit of level {k} ({}), not of level {l} ({})",
                    self.level_name(k),
                    self.level_name(l)
                ));
            }
        }
        Err(format!("no unit {id} at level {l} ({})", self.level_name(l)))
    }

    fn parent_label(&self, l: usize, p: Option<usize>) -> String {
        match p {
            Some(p) => format!("\"{}\"", self.levels[l - 1][p].id),
            None => "none".into(),
        }
    }

    /// Removes units `gone` of level `l` and puts `new` where the first of them was; children
    /// of removed units lose their parent (the caller sets it). Returns the new units' indices.
    fn replace(&mut self, l: usize, gone: &[usize], new: Vec<SUnit>) -> Vec<usize> {
        let at = gone.iter().copied().min().unwrap_or(self.levels[l].len());
        let old = std::mem::take(&mut self.levels[l]);
        let mut map: Vec<Option<usize>> = vec![None; old.len()];
        let mut out = Vec::with_capacity(old.len() + new.len());
        let mut new_idx = Vec::new();
        let mut new = Some(new);
        for (i, u) in old.into_iter().enumerate() {
            if i == at {
                for n in new.take().into_iter().flatten() {
                    new_idx.push(out.len());
                    out.push(n);
                }
            }
            if !gone.contains(&i) {
                map[i] = Some(out.len());
                out.push(u);
            }
        }
        for n in new.take().into_iter().flatten() {
            new_idx.push(out.len());
            out.push(n);
        }
        self.levels[l] = out;
        if let Some(children) = self.levels.get_mut(l + 1) {
            for c in children {
                c.parent = c.parent.and_then(|p| map[p]);
            }
        }
        new_idx
    }

    fn merge(&mut self, m: &super::Merge) -> Result<(), String> {
        self.check_level(m.level)?;
        let l = m.level;
        if m.units.len() < 2 {
            return Err("a merge needs at least two units".into());
        }
        let mut idx = Vec::new();
        for id in &m.units {
            let i = self.find(l, id)?;
            if idx.contains(&i) {
                return Err(format!("{id} is listed twice"));
            }
            idx.push(i);
        }
        if !m.units.contains(&m.id) && self.levels[l].iter().any(|u| u.id == m.id.0) {
            return Err(format!("the new id {} is already used by another unit of level {l}", m.id));
        }
        let parents: Vec<Option<usize>> = idx.iter().map(|&i| self.levels[l][i].parent).collect();
        if l > 0 && parents.iter().any(|p| *p != parents[0]) {
            let shown: Vec<String> = idx
                .iter()
                .map(|&i| format!("{} in {}", self.levels[l][i].id, self.parent_label(l, self.levels[l][i].parent)))
                .collect();
            return Err(format!(
                "the units have different parents ({}); move them under one parent with a transfer step first",
                shown.join(", ")
            ));
        }
        let mut terms = Vec::new();
        let mut population = Some(0.0);
        for &i in &idx {
            add_terms(&mut terms, &self.levels[l][i].terms, 1.0);
            population = add_population(population, self.levels[l][i].population, 1.0);
        }
        let children: Vec<usize> = self
            .levels
            .get(l + 1)
            .map(|f| (0..f.len()).filter(|&c| f[c].parent.is_some_and(|p| idx.contains(&p))).collect())
            .unwrap_or_default();
        let unit = SUnit { id: m.id.0.clone(), name: m.name.clone(), terms, parent: parents[0], population };
        let new = self.replace(l, &idx, vec![unit])[0];
        for c in children {
            self.levels[l + 1][c].parent = Some(new);
        }
        Ok(())
    }

    fn transfer(&mut self, t: &super::Transfer) -> Result<(), String> {
        self.check_level(t.level)?;
        let l = t.level;
        if l == 0 {
            return Err(format!("{} is at the top level (0), which has no parents to move between", t.unit));
        }
        let u = self.find(l, &t.unit)?;
        let to = self.find(l - 1, &t.to)?;
        let from = self.levels[l][u].parent;
        if from == Some(to) {
            return Err(format!("{} is already in {}", t.unit, t.to));
        }
        let (terms, pop) = (self.levels[l][u].terms.clone(), self.levels[l][u].population);
        // Up the two ancestor chains until they meet: each coarser unit on the old side loses
        // the territory, each on the new side gains it.
        let (mut a, mut b) = (from, Some(to));
        for k in (0..l).rev() {
            if a == b {
                break;
            }
            if let Some(a) = a {
                let x = &mut self.levels[k][a];
                add_terms(&mut x.terms, &terms, -1.0);
                x.population = add_population(x.population, pop, -1.0);
            }
            if let Some(b) = b {
                let x = &mut self.levels[k][b];
                add_terms(&mut x.terms, &terms, 1.0);
                x.population = add_population(x.population, pop, 1.0);
            }
            a = a.and_then(|a| self.levels[k][a].parent);
            b = b.and_then(|b| self.levels[k][b].parent);
        }
        self.levels[l][u].parent = Some(to);
        Ok(())
    }

    fn split(&mut self, s: &super::Split) -> Result<(), String> {
        self.check_level(s.level)?;
        let l = s.level;
        if l + 1 >= self.levels.len() {
            return Err(format!(
                "level {l} is the finest loaded level: a split needs the finer units it is divided along"
            ));
        }
        let u = self.find(l, &s.unit)?;
        if s.into.len() < 2 {
            return Err("a split needs at least two new units".into());
        }
        let children: Vec<usize> =
            (0..self.levels[l + 1].len()).filter(|&c| self.levels[l + 1][c].parent == Some(u)).collect();
        let mut seen: HashMap<usize, &Id> = HashMap::new();
        let mut ids: HashSet<&str> = HashSet::new();
        let mut new = Vec::new();
        let mut assign: Vec<(usize, usize)> = Vec::new(); // (child, new unit k)
        for (k, part) in s.into.iter().enumerate() {
            if !ids.insert(&part.id.0) {
                return Err(format!("the new id {} is given twice", part.id));
            }
            if part.id.0 != s.unit.0 && self.levels[l].iter().any(|x| x.id == part.id.0) {
                return Err(format!("the new id {} is already used by another unit of level {l}", part.id));
            }
            if part.children.is_empty() {
                return Err(format!("{} has no children", part.id));
            }
            let mut terms = Vec::new();
            let mut population = Some(0.0);
            for cid in &part.children {
                let c = self.find(l + 1, cid)?;
                if self.levels[l + 1][c].parent != Some(u) {
                    return Err(format!(
                        "{cid} is not in {} (its parent is {})",
                        s.unit,
                        self.parent_label(l + 1, self.levels[l + 1][c].parent)
                    ));
                }
                if let Some(prev) = seen.insert(c, &part.id) {
                    return Err(format!("{cid} is given to both {prev} and {}", part.id));
                }
                assign.push((c, k));
                add_terms(&mut terms, &self.levels[l + 1][c].terms, 1.0);
                population = add_population(population, self.levels[l + 1][c].population, 1.0);
            }
            new.push(SUnit {
                id: part.id.0.clone(),
                name: part.name.clone(),
                terms,
                parent: self.levels[l][u].parent,
                population,
            });
        }
        let left: Vec<String> = children
            .iter()
            .filter(|c| !seen.contains_key(c))
            .map(|&c| format!("\"{}\"", self.levels[l + 1][c].id))
            .collect();
        if !left.is_empty() {
            return Err(format!("{} of {}'s units are given to no new unit: {}", left.len(), s.unit, left.join(", ")));
        }
        let new_idx = self.replace(l, &[u], new);
        for (c, k) in assign {
            self.levels[l + 1][c].parent = Some(new_idx[k]);
        }
        Ok(())
    }
}

/// Applies `scenario` to `study`. Validates every step first (in order, each against the
/// world the earlier steps left); the first bad step is the error.
pub fn apply(study: &Study, scenario: &Scenario) -> Result<Reformed, ScenarioError> {
    study.outlines_held("a reform scenario")?;
    let levels: Vec<Vec<SUnit>> = study
        .hierarchy
        .levels
        .iter()
        .enumerate()
        .map(|(l, lv)| {
            lv.indexed
                .layer
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| SUnit {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    terms: vec![Term { level: l, unit: i, sign: 1.0 }],
                    parent: lv.parents[i],
                    population: u.population,
                })
                .collect()
        })
        .collect();
    let mut w = World { study, levels };
    for (i, step) in scenario.steps.iter().enumerate() {
        let r = match step {
            Step::Merge(m) => w.merge(m),
            Step::Transfer(t) => w.transfer(t),
            Step::Split(s) => w.split(s),
            Step::Body(_) => Ok(()),
        };
        r.map_err(|m| err(i + 1, step.kind(), m))?;
    }
    let mut manual = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Step::Body(b) = step {
            manual.push(resolve_body(&w, b, i + 1).map_err(|m| err(i + 1, "body", m))?);
        }
    }
    let study = build(&w, scenario);
    Ok(Reformed { study, manual_bodies: manual })
}

fn resolve_body(w: &World, b: &super::BodyStep, step: usize) -> Result<ManualBody, String> {
    w.check_level(b.level)?;
    let study = w.study;
    let eco = match &b.layer {
        Some(name) => study.eco.iter().position(|e| e.layer.name == *name).ok_or_else(|| {
            let names: Vec<&str> = study.eco.iter().map(|e| e.layer.name.as_str()).collect();
            format!("no ecological layer \"{name}\" (loaded: {})", names.join(", "))
        })?,
        None if study.eco.len() == 1 => 0,
        None => {
            let names: Vec<&str> = study.eco.iter().map(|e| e.layer.name.as_str()).collect();
            return Err(format!("several ecological layers are loaded; name one with \"layer\": {}", names.join(", ")));
        }
    };
    let zones_layer = &study.eco[eco].layer;
    let mut zones = Vec::new();
    for z in &b.zones {
        let i = zones_layer
            .units
            .iter()
            .position(|u| u.id == z.0)
            .ok_or_else(|| format!("no zone {z} in {}", zones_layer.name))?;
        zones.push(i);
    }
    if zones.is_empty() {
        return Err("a body needs at least one zone".into());
    }
    zones.sort_unstable();
    zones.dedup();
    if b.members.is_empty() {
        return Err("a body needs at least one member".into());
    }
    let members = b.members.iter().map(|m| w.find(b.level, m)).collect::<Result<Vec<_>, _>>()?;
    let observers = b.observers.iter().map(|m| w.find(b.level, m)).collect::<Result<Vec<_>, _>>()?;
    if let Some(o) = observers.iter().find(|o| members.contains(o)) {
        return Err(format!("\"{}\" is both a member and an observer", w.levels[b.level][*o].id));
    }
    let convener = match &b.convener {
        Some(c) => {
            w.check_level(c.level)?;
            if c.level > b.level {
                return Err(format!(
                    "the convener {} is at a finer level ({}) than the members ({})",
                    c.id, c.level, b.level
                ));
            }
            Some((c.level, w.find(c.level, &c.id)?))
        }
        None => None,
    };
    Ok(ManualBody { step, eco, level: b.level, zones, members, observers, convener, name: b.name.clone() })
}

/// A unit made only of units of its own level, with sign +1 (unchanged or merged).
fn is_pure(u: &SUnit, l: usize) -> bool {
    u.terms.iter().all(|t| t.level == l && t.sign == 1.0)
}

fn level_changed(study: &Study, units: &[SUnit], l: usize) -> bool {
    let base = &study.hierarchy.levels[l];
    units.len() != base.indexed.layer.units.len()
        || units.iter().enumerate().any(|(i, u)| {
            u.terms.len() != 1
                || u.terms[0].unit != i
                || u.terms[0].level != l
                || u.terms[0].sign != 1.0
                || u.parent != base.parents[i]
        })
}

/// Geometry of a composite unit: its positive terms side by side (they tile), minus its negative
/// terms. For the map and piece polygons only: areas and shares come from the terms.
fn composite_geometry(study: &Study, u: &SUnit) -> MultiPolygon<f64> {
    let geom = |t: &Term| &study.hierarchy.levels[t.level].indexed.layer.units[t.unit].geometry;
    let plus = MultiPolygon(u.terms.iter().filter(|t| t.sign > 0.0).flat_map(|t| geom(t).0.iter().cloned()).collect());
    let minus: Vec<MultiPolygon<f64>> = u.terms.iter().filter(|t| t.sign < 0.0).map(|t| geom(t).clone()).collect();
    if minus.is_empty() {
        return plus;
    }
    // The boolean kernel can panic on degenerate input (see geometry::repair): keep the
    // positive terms then; areas do not depend on it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let plus_parts: Vec<MultiPolygon<f64>> = plus.0.iter().map(|p| MultiPolygon(vec![p.clone()])).collect();
        union_all(plus_parts).difference(&union_all(minus))
    }))
    .unwrap_or(plus)
}

fn build(w: &World, scenario: &Scenario) -> Study {
    let study = w.study;
    let n = w.levels.len();
    let changed: Vec<bool> = (0..n).map(|l| level_changed(study, &w.levels[l], l)).collect();
    let mut out = study.clone();
    let mut warnings = Vec::new();
    // Levels whose units are the baseline's may still have new parents (a unit moved).
    for l in (0..n).filter(|&l| !changed[l]) {
        out.hierarchy.levels[l].parents = w.levels[l].iter().map(|u| u.parent).collect();
    }

    // Levels: units, parents, indexes.
    for l in (0..n).filter(|&l| changed[l]) {
        let base = &study.hierarchy.levels[l];
        let mut known = Vec::with_capacity(w.levels[l].len());
        let units: Vec<Unit> = w.levels[l]
            .iter()
            .map(|u| {
                if let [t] = u.terms[..]
                    && t.level == l
                    && t.sign == 1.0
                {
                    let mut unit = base.indexed.layer.units[t.unit].clone();
                    unit.id.clone_from(&u.id);
                    unit.name.clone_from(&u.name);
                    known.push(Some(base.indexed.chunks[t.unit].clone()));
                    return unit;
                }
                known.push(None);
                let area = |t: &Term| study.hierarchy.levels[t.level].indexed.layer.units[t.unit].area_km2;
                let geometry = composite_geometry(study, u);
                let bbox = geometry.bounding_rect().unwrap_or_else(|| geo::Rect::new((0.0, 0.0), (0.0, 0.0)));
                Unit {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    geometry,
                    bbox,
                    area_km2: u.terms.iter().map(|t| t.sign * area(t)).sum::<f64>().max(0.0),
                    population: u.population,
                    properties: Default::default(),
                }
            })
            .collect();
        let b = &base.indexed.layer;
        let layer = crate::model::Layer {
            name: b.name.clone(),
            spec: b.spec.clone(),
            fields: b.fields.clone(),
            crs: b.crs.clone(),
            feature_count: units.len(),
            load_times: Default::default(),
            units,
            warnings: b.warnings.clone(),
        };
        out.hierarchy.levels[l] = AdminLevel {
            indexed: IndexedLayer::with_chunks(layer, known),
            parents: w.levels[l].iter().map(|u| u.parent).collect(),
            parent_source: base.parent_source.clone(),
        };
    }

    // Pieces: a pure single unit keeps its baseline piece; any other is the signed sum of its
    // terms' pieces, with its polygon left to be built when asked for.
    for (e, zones) in out.overlay.iter_mut().enumerate() {
        let eco_zones = &study.eco[e].layer.units;
        for (z, levels) in zones.iter_mut().enumerate() {
            for l in (0..n).filter(|&l| changed[l]) {
                let base_piece = |tl: usize, tu: usize| -> Option<&Piece> {
                    let ps = &study.overlay[e][z][tl].pieces;
                    ps.binary_search_by_key(&tu, |p| p.unit).ok().map(|i| &ps[i])
                };
                let zone_area = eco_zones[z].area_km2;
                // The copy already holds the baseline's pieces: move them, do not clone them.
                let mut old: HashMap<usize, Piece> =
                    std::mem::take(&mut levels[l].pieces).into_iter().map(|p| (p.unit, p)).collect();
                let mut pieces = Vec::new();
                for (i, u) in w.levels[l].iter().enumerate() {
                    if let [t] = u.terms[..]
                        && t.sign == 1.0
                        && t.level == l
                    {
                        if let Some(p) = old.remove(&t.unit) {
                            pieces.push(Piece { unit: i, ..p });
                        }
                        continue;
                    }
                    let area: f64 =
                        u.terms.iter().filter_map(|t| base_piece(t.level, t.unit).map(|p| t.sign * p.area_km2)).sum();
                    // Differences of separately computed pieces carry the kernel's rounding
                    // (about 1e-8 relative); anything clearly negative means the levels do not
                    // nest, which the user should hear about.
                    if area < -1e-6 * zone_area.max(1.0) {
                        warnings.push((u.id.clone(), eco_zones[z].id.clone(), area));
                    }
                    if area > 1e-9 * zone_area.max(1.0) {
                        let whole = u.terms.iter().all(|t| t.sign > 0.0)
                            && u.terms.iter().any(|t| {
                                base_piece(t.level, t.unit)
                                    .is_some_and(|p| matches!(p.geometry, PieceGeometry::WholeZone))
                            });
                        let geometry = if whole { PieceGeometry::WholeZone } else { PieceGeometry::Deferred };
                        pieces.push(Piece { unit: i, area_km2: area, geometry });
                    }
                }
                levels[l].pieces = pieces.into();
            }
        }
    }

    // Borders, finest level first (a coarser level may be summed from the finer one).
    let mut borders: Vec<Borders> = std::mem::take(&mut out.borders);
    for l in (0..n).rev().filter(|&l| changed[l]) {
        let units = &w.levels[l];
        let pure: Vec<bool> = units.iter().map(|u| is_pure(u, l)).collect();
        let mut of_base: HashMap<usize, usize> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if pure[i] {
                for t in &u.terms {
                    of_base.insert(t.unit, i);
                }
            }
        }
        let finer_parent = |c: usize| w.levels.get(l + 1).and_then(|f| f[c].parent);
        let mut pairs: BTreeMap<(usize, usize), SharedBorder> = BTreeMap::new();
        let mut add = |a: usize, b: usize, lines: &[geo::Line<f64>], km: f64| {
            if a == b {
                return;
            }
            let (a, b) = (a.min(b), a.max(b));
            let e = pairs.entry((a, b)).or_insert_with(|| SharedBorder {
                a,
                b,
                lines: vec![],
                length_km: 0.0,
                blocks: vec![],
            });
            e.lines.extend_from_slice(lines);
            e.length_km += km;
        };
        for p in &study.borders[l].pairs {
            if let (Some(&a), Some(&b)) = (of_base.get(&p.a), of_base.get(&p.b)) {
                add(a, b, &p.lines, p.length_km);
            }
        }
        if l + 1 < n {
            for p in &borders[l + 1].pairs {
                if let (Some(a), Some(b)) = (finer_parent(p.a), finer_parent(p.b))
                    && (!pure[a] || !pure[b])
                {
                    add(a, b, &p.lines, p.length_km);
                }
            }
        }
        borders[l] = Borders::from_pairs(pairs.into_values().collect());

        for zones in out.overlay.iter_mut() {
            for levels in zones.iter_mut() {
                let mut zp: BTreeMap<(usize, usize), f64> = BTreeMap::new();
                for &(a, b, km) in &levels[l].border_pairs {
                    if let (Some(&a), Some(&b)) = (of_base.get(&a), of_base.get(&b))
                        && a != b
                    {
                        *zp.entry((a.min(b), a.max(b))).or_default() += km;
                    }
                }
                if l + 1 < n {
                    for &(c, d, km) in &levels[l + 1].border_pairs {
                        if let (Some(a), Some(b)) = (finer_parent(c), finer_parent(d))
                            && a != b
                            && (!pure[a] || !pure[b])
                        {
                            *zp.entry((a.min(b), a.max(b))).or_default() += km;
                        }
                    }
                }
                levels[l].border_pairs = zp.into_iter().map(|((a, b), km)| (a, b, km)).collect();
            }
        }
    }
    out.borders = borders;

    if !warnings.is_empty() {
        let shown: Vec<String> =
            warnings.iter().take(5).map(|(u, z, a)| format!("\"{u}\" in zone \"{z}\" ({a:.3} km²)")).collect();
        out.warnings.push(Warning {
            source: format!("scenario \"{}\"", scenario.name),
            message: format!(
                "{} reformed part(s) came out negative, set to 0: the admin levels do not nest exactly there: {}",
                warnings.len(),
                shown.join(", ")
            ),
            count: warnings.len(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Params;
    use crate::governance::{GovParams, propose_with};
    use crate::study::tests::two_state_study;

    fn scenario(steps: &str) -> Scenario {
        Scenario::parse(&format!(r#"{{"schema": "crossbound.scenario/1", "name": "t", "steps": [{steps}]}}"#), "t.json")
            .unwrap()
    }

    fn shares(s: &Study, level: usize) -> Vec<(String, f64)> {
        let a = s.analyse(&Params::default());
        let units = &s.hierarchy.levels[level].indexed.layer.units;
        a[0][0][level].parts.iter().map(|p| (units[p.unit].id.clone(), p.share)).collect()
    }

    fn ids(s: &Study, level: usize) -> Vec<&str> {
        s.hierarchy.levels[level].indexed.layer.units.iter().map(|u| u.id.as_str()).collect()
    }

    fn step_error(steps: &str) -> String {
        apply(&two_state_study(), &scenario(steps)).unwrap_err().to_string()
    }

    #[test]
    fn baseline_is_half_and_half() {
        let s = two_state_study();
        let sh = shares(&s, 0);
        assert_eq!(sh.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert!((sh[0].1 - 0.5).abs() < 1e-9 && (sh[1].1 - 0.5).abs() < 1e-9, "{sh:?}");
        assert!(s.analyse(&Params::default())[0][0][0].cut);
    }

    #[test]
    fn merge_pools_pieces_areas_and_children() {
        let base = two_state_study();
        let r =
            apply(&base, &scenario(r#"{"merge": {"level": 0, "units": ["A", "B"], "id": "AB", "name": "A and B"}}"#))
                .unwrap();
        let s = &r.study;
        assert_eq!(ids(s, 0), ["AB"]);
        let sh = shares(s, 0);
        assert_eq!(sh.len(), 1);
        assert!((sh[0].1 - 1.0).abs() < 1e-9);
        let a = s.analyse(&Params::default());
        assert!(!a[0][0][0].cut);
        // The A–B border inside the zone is now internal.
        assert_eq!(a[0][0][0].border_km, 0.0);
        assert!(s.borders[0].pairs.is_empty());
        let units = &base.hierarchy.levels[0].indexed.layer.units;
        assert!(
            (s.hierarchy.levels[0].indexed.layer.units[0].area_km2 - units[0].area_km2 - units[1].area_km2).abs()
                < 1e-6
        );
        assert_eq!(s.hierarchy.levels[1].parents, vec![Some(0); 4]);
        // Counties are untouched.
        assert_eq!(shares(s, 1), shares(&base, 1));
    }

    #[test]
    fn transfer_moves_exactly_the_unit_s_pieces_and_borders() {
        let base = two_state_study();
        let r = apply(&base, &scenario(r#"{"transfer": {"level": 1, "unit": "B1", "to": "A"}}"#)).unwrap();
        let s = &r.study;
        // A = A2's half + B1's half: the whole zone; B keeps no part.
        let sh = shares(s, 0);
        assert_eq!(sh.len(), 1, "{sh:?}");
        assert_eq!(sh[0].0, "A");
        let b1 = &base.overlay[0][0][1].pieces.iter().find(|p| p.unit == 2).unwrap().area_km2;
        let a_base = base.overlay[0][0][0].pieces[0].area_km2;
        assert!((s.overlay[0][0][0].pieces[0].area_km2 - (a_base + b1)).abs() < 1e-9);
        assert_eq!(s.hierarchy.levels[1].parents, vec![Some(0), Some(0), Some(0), Some(1)]);
        let units = &s.hierarchy.levels[0].indexed.layer.units;
        let base_units = &base.hierarchy.levels[0].indexed.layer.units;
        let b1_area = base.hierarchy.levels[1].indexed.layer.units[2].area_km2;
        assert!((units[0].area_km2 - (base_units[0].area_km2 + b1_area)).abs() < 1e-6);
        assert!((units[1].area_km2 - (base_units[1].area_km2 - b1_area)).abs() < 1e-6);
        // The state border is now the county border B1|B2 (x = 3), summed from the counties.
        assert_eq!(s.borders[0].pairs.len(), 1);
        let b1b2 = base.borders[1].pairs.iter().find(|p| (p.a, p.b) == (2, 3)).unwrap();
        assert!((s.borders[0].pairs[0].length_km - b1b2.length_km).abs() < 1e-9);
        let in_zone: f64 =
            base.overlay[0][0][1].border_pairs.iter().filter(|p| (p.0, p.1) == (2, 3)).map(|p| p.2).sum();
        assert!((s.overlay[0][0][0].border_km() - in_zone).abs() < 1e-9);
        // The reformed A's polygon is A plus B1.
        assert!((crate::geometry::area_km2(&units[0].geometry) - units[0].area_km2).abs() < 1e-6 * units[0].area_km2);
        assert!((crate::geometry::area_km2(&units[1].geometry) - units[1].area_km2).abs() < 1e-6 * units[1].area_km2);
    }

    #[test]
    fn transfer_there_and_back_is_the_baseline() {
        let base = two_state_study();
        let r = apply(
            &base,
            &scenario(r#"{"transfer": {"level": 1, "unit": "B1", "to": "A"}}, {"transfer": {"level": 1, "unit": "B1", "to": "B"}}"#),
        )
        .unwrap();
        assert_eq!(shares(&r.study, 0), shares(&base, 0));
        assert_eq!(r.study.hierarchy.levels[1].parents, base.hierarchy.levels[1].parents);
        assert_eq!(r.study.overlay[0][0][0].border_km(), base.overlay[0][0][0].border_km());
    }

    #[test]
    fn split_divides_along_the_children() {
        let base = two_state_study();
        let r = apply(
            &base,
            &scenario(
                r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "A west", "children": ["A1"]}, {"id": "AE", "name": "A east", "children": ["A2"]}]}}"#,
            ),
        )
        .unwrap();
        let s = &r.study;
        assert_eq!(ids(s, 0), ["AW", "AE", "B"]);
        assert_eq!(s.hierarchy.levels[1].parents, vec![Some(0), Some(1), Some(2), Some(2)]);
        // A1 (x 0..1) has no part of the zone; AE holds A2's half.
        let sh = shares(s, 0);
        assert_eq!(sh.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["AE", "B"]);
        let a2 = base.overlay[0][0][1].pieces.iter().find(|p| p.unit == 1).unwrap().area_km2;
        let ae = s.overlay[0][0][0].pieces.iter().find(|p| p.unit == 1).unwrap().area_km2;
        assert!((ae - a2).abs() < 1e-9);
        // AE|B is the old A|B border (summed from A2|B1), AW|AE the old A1|A2 county border.
        let len = |a, b| s.borders[0].pairs.iter().find(|p| (p.a, p.b) == (a, b)).map(|p| p.length_km);
        let base_len = |a, b| base.borders[1].pairs.iter().find(|p| (p.a, p.b) == (a, b)).map(|p| p.length_km);
        assert_eq!(len(0, 1), base_len(0, 1));
        assert_eq!(len(1, 2), base_len(1, 2));
        assert_eq!(len(0, 2), None);
    }

    #[test]
    fn a_body_by_hand_replaces_the_proposal_for_its_zone() {
        let base = two_state_study();
        let sc = scenario(
            r#"{"body": {"level": 0, "zones": ["Z"], "members": ["A"], "observers": ["B"], "name": "Z board", "convener": {"level": 0, "id": "B"}}}"#,
        );
        let r = apply(&base, &sc).unwrap();
        let p = Params::default();
        let a = r.study.analyse(&p);
        let bodies = propose_with(&r.study, &a, &p, &GovParams::default(), &r.manual_bodies, "t");
        let at0: Vec<_> = bodies.iter().filter(|b| b.level == 0).collect();
        assert_eq!(at0.len(), 1);
        let b = at0[0];
        assert_eq!(b.manual.as_ref().map(|m| m.scenario.as_str()), Some("t"));
        assert_eq!(b.members.iter().map(|m| m.unit).collect::<Vec<_>>(), [0]);
        assert_eq!(b.members[0].cost_share, 1.0);
        assert_eq!(b.observers.iter().map(|o| o.unit).collect::<Vec<_>>(), [1]);
        assert_eq!(b.convener, crate::governance::Convener::Unit(0, 1));
        let rules = b.rules(&r.study, &bodies);
        assert!(
            rules[0].starts_with("\"Z board\" governs Z: set up by hand in scenario \"t\" (step 1)"),
            "{}",
            rules[0]
        );
        // The county-level proposal is untouched.
        assert_eq!(bodies.iter().filter(|b| b.level == 1).count(), 1);
    }

    #[test]
    fn bad_steps_are_named() {
        let e = step_error(r#"{"merge": {"level": 0, "units": ["A", "X"], "id": "AB", "name": "n"}}"#);
        assert_eq!(e, "step 1 (merge): no unit \"X\" at level 0 (states)");
        let e = step_error(r#"{"merge": {"level": 0, "units": ["A", "B1"], "id": "AB", "name": "n"}}"#);
        assert_eq!(e, "step 1 (merge): \"B1\" is a unit of level 1 (counties), not of level 0 (states)");
        let e = step_error(r#"{"merge": {"level": 1, "units": ["A2", "B1"], "id": "AB", "name": "n"}}"#);
        assert!(e.starts_with("step 1 (merge): the units have different parents (A2 in \"A\", B1 in \"B\")"), "{e}");
        let e = step_error(
            r#"{"merge": {"level": 0, "units": ["A", "B"], "id": "A", "name": "n"}}, {"transfer": {"level": 1, "unit": "B1", "to": "A"}}"#,
        );
        assert_eq!(e, "step 2 (transfer): \"B1\" is already in \"A\"");
        let e = step_error(r#"{"transfer": {"level": 0, "unit": "A", "to": "B"}}"#);
        assert!(e.contains("top level"), "{e}");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "w", "children": ["A1"]}, {"id": "AE", "name": "e", "children": ["B1"]}]}}"#,
        );
        assert_eq!(e, "step 1 (split): \"B1\" is not in \"A\" (its parent is \"B\")");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "w", "children": ["A1"]}, {"id": "B", "name": "e", "children": []}]}}"#,
        );
        assert_eq!(e, "step 1 (split): the new id \"B\" is already used by another unit of level 0");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "w", "children": ["A1"]}, {"id": "AE", "name": "e", "children": ["A1"]}]}}"#,
        );
        assert_eq!(e, "step 1 (split): \"A1\" is given to both \"AW\" and \"AE\"");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "w", "children": ["A1"]}, {"id": "AE", "name": "e", "children": []}]}}"#,
        );
        assert_eq!(e, "step 1 (split): \"AE\" has no children");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "A", "into": [{"id": "AW", "name": "w", "children": ["A1"]}, {"id": "AX", "name": "x", "children": ["A1"]}]}}"#,
        );
        assert!(e.contains("given to both"), "{e}");
        let e = step_error(
            r#"{"split": {"level": 0, "unit": "B", "into": [{"id": "BW", "name": "w", "children": ["B1"]}, {"id": "BX", "name": "x", "children": ["A1"]}]}}"#,
        );
        assert!(e.contains("\"A1\" is not in \"B\""), "{e}");
        let e = step_error(r#"{"split": {"level": 1, "unit": "A1", "into": []}}"#);
        assert!(e.contains("finest loaded level"), "{e}");
        let e = step_error(r#"{"body": {"level": 0, "zones": ["Q"], "members": ["A"]}}"#);
        assert_eq!(e, "step 1 (body): no zone \"Q\" in zones");
        let e = step_error(r#"{"merge": {"level": 2, "units": ["A", "B"], "id": "AB", "name": "n"}}"#);
        assert_eq!(e, "step 1 (merge): there is no admin level 2; levels 0 to 1 are loaded");
    }

    #[test]
    fn a_split_that_leaves_a_child_out_is_refused() {
        // After the transfer B holds A2, B1 and B2; the split names only two of them.
        let e = step_error(
            r#"{"transfer": {"level": 1, "unit": "A2", "to": "B"}},
               {"split": {"level": 0, "unit": "B", "into": [{"id": "BW", "name": "w", "children": ["A2"]}, {"id": "BE", "name": "e", "children": ["B1"]}]}}"#,
        );
        assert_eq!(e, "step 2 (split): 1 of \"B\"'s units are given to no new unit: \"B2\"");
    }

    #[test]
    fn an_empty_scenario_changes_nothing() {
        let base = two_state_study();
        let r = apply(&base, &scenario("")).unwrap();
        for l in 0..2 {
            assert_eq!(shares(&r.study, l), shares(&base, l));
            assert_eq!(r.study.overlay[0][0][l].border_km(), base.overlay[0][0][l].border_km());
        }
    }
}
