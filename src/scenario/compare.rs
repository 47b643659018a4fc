//! The baseline beside each scenario, from their reports (`crossbound.report/1`): cut zones
//! and fragmentation per level, bodies added, removed or changed, and every jurisdiction whose
//! burden changed.
//!
//! - **Fragmentation index** of a level: the area-weighted mean of the zones' effective number
//!   of jurisdictions, Σ area·n_eff / Σ area, over the zones with at least one part at that
//!   level (a zone outside every unit has no n_eff). 1 = every zone in one jurisdiction.
//! - **Bodies** are matched by eco layer, level and zones; one is *changed* when its members,
//!   observers or convener differ.

use crate::report::{BodyReport, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The headline figures of one world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `baseline` or the scenario's name.
    pub name: String,
    /// Cut zones per admin level.
    pub cut_zones: Vec<usize>,
    /// Fragmentation index per admin level (≥ 1, or 0 when no zone has a part).
    pub fragmentation: Vec<f64>,
    /// Number of bodies (proposed and set up by hand).
    pub bodies: usize,
}

/// One jurisdiction's burden figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenFigures {
    /// Bodies it votes in.
    pub member_of: usize,
    /// Bodies it observes.
    pub observer_of: usize,
    /// Distinct co-members.
    pub partners: usize,
    /// Area of its parts of cut zones, km², per eco layer.
    pub cut_area_km2: Vec<f64>,
}

/// A jurisdiction whose burden differs between the baseline and the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenChange {
    /// Admin level.
    pub level: usize,
    /// Unit id.
    pub id: String,
    /// Unit name.
    pub name: String,
    /// In the baseline (`null`: the unit does not exist there, e.g. made by a merge).
    pub before: Option<BurdenFigures>,
    /// In the scenario (`null`: merged or split away).
    pub after: Option<BurdenFigures>,
}

/// One scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioComparison {
    /// The scenario's figures.
    pub summary: Summary,
    /// Ids of bodies only the scenario has.
    pub bodies_added: Vec<String>,
    /// Ids of bodies only the baseline has.
    pub bodies_removed: Vec<String>,
    /// Ids (in the scenario) of bodies for the same zones with other members, observers or convener.
    pub bodies_changed: Vec<String>,
    /// Jurisdictions whose burden changed, by level then id.
    pub burden: Vec<BurdenChange>,
}

/// The comparison `crossbound compare` writes (schema `crossbound.compare/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Always `crossbound.compare/1`.
    pub schema: String,
    /// The baseline's figures.
    pub baseline: Summary,
    /// Each scenario, in the order given.
    pub scenarios: Vec<ScenarioComparison>,
}

/// Headline figures of a report.
pub fn summarize(name: &str, r: &Report) -> Summary {
    let n = r.levels.len();
    let mut cut = vec![0; n];
    let (mut num, mut den) = (vec![0.0; n], vec![0.0; n]);
    for z in &r.zones {
        for l in &z.levels {
            if l.cut {
                cut[l.level] += 1;
            }
            if !l.parts.is_empty() {
                num[l.level] += z.area_km2 * l.effective_n;
                den[l.level] += z.area_km2;
            }
        }
    }
    let fragmentation = num.iter().zip(&den).map(|(a, b)| if *b > 0.0 { a / b } else { 0.0 }).collect();
    Summary { name: name.into(), cut_zones: cut, fragmentation, bodies: r.bodies.len() }
}

type BodyKey = (String, usize, Vec<String>);

fn key(b: &BodyReport) -> BodyKey {
    let mut zones = b.zones.clone();
    zones.sort();
    (b.layer.clone(), b.level, zones)
}

fn sorted<'a>(ids: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut v: Vec<&String> = ids.collect();
    v.sort();
    v
}

fn same_body(a: &BodyReport, b: &BodyReport) -> bool {
    sorted(a.members.iter().map(|m| &m.id)) == sorted(b.members.iter().map(|m| &m.id))
        && sorted(a.observers.iter().map(|o| &o.id)) == sorted(b.observers.iter().map(|o| &o.id))
        && a.convener == b.convener
}

fn burden_map(r: &Report) -> BTreeMap<(usize, String), (String, BurdenFigures)> {
    r.jurisdictions
        .iter()
        .map(|j| {
            let f = BurdenFigures {
                member_of: j.member_of.len(),
                observer_of: j.observer_of.len(),
                partners: j.partners.len(),
                cut_area_km2: j.layers.iter().map(|l| l.cut_area_km2).collect(),
            };
            ((j.level, j.id.clone()), (j.name.clone(), f))
        })
        .collect()
}

/// Whether two burdens differ beyond rounding (areas to 1e-6 km²).
fn differs(a: &BurdenFigures, b: &BurdenFigures) -> bool {
    a.member_of != b.member_of
        || a.observer_of != b.observer_of
        || a.partners != b.partners
        || a.cut_area_km2.len() != b.cut_area_km2.len()
        || a.cut_area_km2.iter().zip(&b.cut_area_km2).any(|(x, y)| (x - y).abs() > 1e-6)
}

/// One figure of a burden, as text.
type Figure = fn(&BurdenFigures) -> String;

/// Compares each `(name, report)` with the baseline report.
pub fn compare(baseline: &Report, scenarios: &[(String, Report)]) -> Comparison {
    let base_bodies: BTreeMap<BodyKey, &BodyReport> = baseline.bodies.iter().map(|b| (key(b), b)).collect();
    let base_burden = burden_map(baseline);
    let scenarios = scenarios
        .iter()
        .map(|(name, r)| {
            let bodies: BTreeMap<BodyKey, &BodyReport> = r.bodies.iter().map(|b| (key(b), b)).collect();
            let mut added = Vec::new();
            let mut changed = Vec::new();
            for (k, b) in &bodies {
                match base_bodies.get(k) {
                    None => added.push(b.id.clone()),
                    Some(o) if !same_body(o, b) => changed.push(b.id.clone()),
                    Some(_) => {}
                }
            }
            let removed =
                base_bodies.iter().filter(|(k, _)| !bodies.contains_key(*k)).map(|(_, b)| b.id.clone()).collect();
            let after = burden_map(r);
            let mut burden = Vec::new();
            for (k, (name, f)) in &after {
                match base_burden.get(k) {
                    Some((_, b)) if !differs(b, f) => {}
                    before => burden.push(BurdenChange {
                        level: k.0,
                        id: k.1.clone(),
                        name: name.clone(),
                        before: before.map(|(_, b)| b.clone()),
                        after: Some(f.clone()),
                    }),
                }
            }
            for (k, (name, b)) in &base_burden {
                if !after.contains_key(k) {
                    burden.push(BurdenChange {
                        level: k.0,
                        id: k.1.clone(),
                        name: name.clone(),
                        before: Some(b.clone()),
                        after: None,
                    });
                }
            }
            burden.sort_by(|a, b| (a.level, &a.id).cmp(&(b.level, &b.id)));
            ScenarioComparison {
                summary: summarize(name, r),
                bodies_added: added,
                bodies_removed: removed,
                bodies_changed: changed,
                burden,
            }
        })
        .collect();
    Comparison { schema: "crossbound.compare/1".into(), baseline: summarize("baseline", baseline), scenarios }
}

impl Comparison {
    /// The comparison as one long CSV table: `scenario,section,level,key,name,metric,baseline,scenario_value`.
    /// Sections: `summary` (metrics `cut_zones`, `fragmentation`, `bodies`), `body` (metric
    /// `added`, `removed` or `changed`, the body id as key) and `burden` (one row per changed
    /// figure of a jurisdiction; empty when the unit does not exist on that side).
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["scenario", "section", "level", "key", "name", "metric", "baseline", "scenario_value"]);
        let opt = |v: Option<String>| v.unwrap_or_default();
        for s in &self.scenarios {
            let n = &s.summary.name;
            for (l, (a, b)) in self.baseline.cut_zones.iter().zip(&s.summary.cut_zones).enumerate() {
                let _ =
                    w.write_record([n, "summary", &l.to_string(), "", "", "cut_zones", &a.to_string(), &b.to_string()]);
            }
            for (l, (a, b)) in self.baseline.fragmentation.iter().zip(&s.summary.fragmentation).enumerate() {
                let _ = w.write_record([
                    n,
                    "summary",
                    &l.to_string(),
                    "",
                    "",
                    "fragmentation",
                    &format!("{a:.6}"),
                    &format!("{b:.6}"),
                ]);
            }
            let _ = w.write_record([
                n,
                "summary",
                "",
                "",
                "",
                "bodies",
                &self.baseline.bodies.to_string(),
                &s.summary.bodies.to_string(),
            ]);
            for (metric, ids) in
                [("added", &s.bodies_added), ("removed", &s.bodies_removed), ("changed", &s.bodies_changed)]
            {
                for id in ids {
                    let _ = w.write_record([n, "body", "", id, "", metric, "", ""]);
                }
            }
            for c in &s.burden {
                let l = c.level.to_string();
                let fig = |f: &Option<BurdenFigures>, g: fn(&BurdenFigures) -> String| opt(f.as_ref().map(g));
                let rows: [(&str, Figure); 4] = [
                    ("member_of", |f| f.member_of.to_string()),
                    ("observer_of", |f| f.observer_of.to_string()),
                    ("partners", |f| f.partners.to_string()),
                    ("cut_area_km2", |f| {
                        f.cut_area_km2.iter().map(|a| format!("{a:.3}")).collect::<Vec<_>>().join(";")
                    }),
                ];
                for (metric, g) in rows {
                    let (a, b) = (fig(&c.before, g), fig(&c.after, g));
                    if a != b {
                        let _ = w.write_record([n, "burden", &l, &c.id, &c.name, metric, &a, &b]);
                    }
                }
            }
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
