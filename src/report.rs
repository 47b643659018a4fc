//! The `crossbound.report/1` schema: the one set of serde types shared by the CLI, the app and
//! every export. Fields are only ever added (compatibly), never renamed.

use crate::analysis::{LevelAnalysis, Params};
use crate::governance::{Body, Convener, CostBasis, GovParams};
use crate::hierarchy::ParentSource;
use crate::model::Warning;
use crate::study::{Study, Timings};
use crate::zone_levels::ZoneLevels;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Schema identifier written in every report.
pub const SCHEMA: &str = "crossbound.report/1";

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Parameters used.
    pub params: ReportParams,
    /// Admin levels, coarse to fine.
    pub levels: Vec<LevelInfo>,
    /// Ecological layers.
    pub eco_layers: Vec<EcoInfo>,
    /// Every zone with its analysis at every level.
    pub zones: Vec<ZoneReport>,
    /// Proposed joint bodies.
    #[serde(default)]
    pub bodies: Vec<BodyReport>,
    /// Each admin unit's coordination burden (see [`crate::burden`]), level by level.
    #[serde(default)]
    pub jurisdictions: Vec<JurisdictionReport>,
    /// The reform scenario this report describes; absent for the world as loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<crate::scenario::Scenario>,
    /// Loading and analysis warnings.
    pub warnings: Vec<Warning>,
    /// Stage timings, ms.
    pub timings_ms: Timings,
}

/// One admin unit's coordination burden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JurisdictionReport {
    /// Admin level index.
    pub level: usize,
    /// Unit id.
    pub id: String,
    /// Unit name.
    pub name: String,
    /// Ids of the bodies where it votes.
    pub member_of: Vec<String>,
    /// Ids of the bodies it observes.
    pub observer_of: Vec<String>,
    /// Ids of its distinct co-members.
    pub partners: Vec<String>,
    /// Per ecological layer (layers may overlap one another, so they are not added up).
    pub layers: Vec<LayerBurdenReport>,
}

/// A unit's burden in one ecological layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerBurdenReport {
    /// Eco layer name.
    pub layer: String,
    /// Zones cut at the unit's level in which it has a part.
    pub cut_zones: usize,
    /// Area of those parts, km².
    pub cut_area_km2: f64,
    /// That area over the unit's own area, 0..1.
    pub cut_area_share: f64,
    /// Its borders with other units of its level inside those zones, km.
    pub border_km: f64,
}

/// Parameters in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    /// Cut threshold, share 0..1.
    pub threshold: f64,
    /// Sliver minimum, km².
    pub min_area_km2: f64,
    /// Member threshold, share 0..1.
    pub member_threshold: f64,
    /// Observer threshold, share 0..1.
    pub observer_threshold: f64,
}

/// An admin level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelInfo {
    /// 0 = coarsest.
    pub index: usize,
    /// Layer name (file stem).
    pub name: String,
    /// Source file.
    pub source: String,
    /// Number of units.
    pub units: usize,
    /// CRS the file was read in.
    pub crs: String,
    /// `top`, `field:NAME` or `spatial`.
    pub parent_source: String,
}

/// An ecological layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EcoInfo {
    /// Index.
    pub index: usize,
    /// Layer name (file stem).
    pub name: String,
    /// Source file.
    pub source: String,
    /// Number of zones.
    pub zones: usize,
    /// CRS the file was read in.
    pub crs: String,
}

/// One zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneReport {
    /// Zone id.
    pub id: String,
    /// Zone name.
    pub name: String,
    /// Eco layer name (one string shared by the layer's zones).
    pub layer: Arc<str>,
    /// Area on the ellipsoid, km².
    pub area_km2: f64,
    /// The analysis at each admin level, coarse to fine.
    pub levels: Vec<ZoneLevelReport>,
}

impl ZoneReport {
    /// Appends the zone as compact JSON: the text `serde_json::to_writer` gives (tested), with
    /// the keys written as they are instead of through serde's per-key calls. A big report is
    /// nearly all zones (1.2M zones: 340 MB of 410), and the keys were most of the work.
    pub fn write_json(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        // Strings and numbers are written by serde_json itself (escapes, shortest round-trip
        // floats, `null` for a non-finite one).
        fn value(out: &mut Vec<u8>, v: &(impl Serialize + ?Sized)) -> std::io::Result<()> {
            serde_json::to_writer(out, v).map_err(std::io::Error::other)
        }
        out.extend_from_slice(br#"{"id":"#);
        value(out, &self.id)?;
        out.extend_from_slice(br#","name":"#);
        value(out, &self.name)?;
        out.extend_from_slice(br#","layer":"#);
        value(out, &*self.layer)?;
        out.extend_from_slice(br#","area_km2":"#);
        value(out, &self.area_km2)?;
        out.extend_from_slice(br#","levels":["#);
        for (i, l) in self.levels.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"level":"#);
            value(out, &l.level)?;
            out.extend_from_slice(if l.cut { br#","cut":true,"parts":["# } else { br#","cut":false,"parts":["# });
            for (j, p) in l.parts.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(br#"{"id":"#);
                value(out, &*p.id)?;
                out.extend_from_slice(br#","name":"#);
                value(out, &*p.name)?;
                out.extend_from_slice(br#","area_km2":"#);
                value(out, &p.area_km2)?;
                out.extend_from_slice(br#","share":"#);
                value(out, &p.share)?;
                out.push(b'}');
            }
            out.extend_from_slice(br#"],"slivers":{"count":"#);
            value(out, &l.slivers.count)?;
            out.extend_from_slice(br#","area_km2":"#);
            value(out, &l.slivers.area_km2)?;
            out.extend_from_slice(br#"},"uncovered_share":"#);
            value(out, &l.uncovered_share)?;
            out.extend_from_slice(br#","effective_n":"#);
            value(out, &l.effective_n)?;
            out.extend_from_slice(br#","largest_share":"#);
            value(out, &l.largest_share)?;
            out.extend_from_slice(br#","border_km":"#);
            value(out, &l.border_km)?;
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
        Ok(())
    }
}

/// A part of a zone in one jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartReport {
    /// Admin unit id (one string shared by the unit's parts).
    pub id: Arc<str>,
    /// Admin unit name (one string shared by the unit's parts).
    pub name: Arc<str>,
    /// Area, km².
    pub area_km2: f64,
    /// Share of the zone, 0..1.
    pub share: f64,
}

/// Sliver summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slivers {
    /// Number of sliver pieces.
    pub count: usize,
    /// Their total area, km².
    pub area_km2: f64,
}

/// One zone at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneLevelReport {
    /// Admin level index.
    pub level: usize,
    /// Cut across jurisdictions.
    pub cut: bool,
    /// Parts, share descending then id.
    pub parts: Vec<PartReport>,
    /// Slivers.
    pub slivers: Slivers,
    /// Share outside every unit, 0..1.
    pub uncovered_share: f64,
    /// Effective number of jurisdictions over the covered part: 1 / Σ (share / covered)².
    pub effective_n: f64,
    /// Largest share, 0..1.
    pub largest_share: f64,
    /// Borders between units inside the zone, km.
    pub border_km: f64,
}

/// A member in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberReport {
    /// Unit id.
    pub id: String,
    /// Unit name.
    pub name: String,
    /// Share of the body's zones, 0..1.
    pub share: f64,
    /// Share of costs, 0..1 (members sum to 1).
    pub cost_share: f64,
    /// Votes.
    pub votes: u32,
}

/// An observer in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObserverReport {
    /// Unit id.
    pub id: String,
    /// Unit name.
    pub name: String,
    /// Share of the body's zones, 0..1.
    pub share: f64,
}

/// The convener in the report: a loaded unit, or `level`/`id` null for "above the top level".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvenerReport {
    /// Admin level index, or null.
    pub level: Option<usize>,
    /// Unit id, or null.
    pub id: Option<String>,
    /// Name, or a description of the level above the top.
    pub name: String,
}

/// The chair in the report (unit ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChairReport {
    /// First chair's id.
    pub first: String,
    /// Rotation order (ids), starting with the first chair.
    pub rotation: Vec<String>,
    /// Years per term.
    pub term_years: u32,
}

/// A body in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyReport {
    /// Body id.
    pub id: String,
    /// Admin level index.
    pub level: usize,
    /// Eco layer name.
    pub layer: String,
    /// Zone ids.
    pub zones: Vec<String>,
    /// Members.
    pub members: Vec<MemberReport>,
    /// Observers.
    pub observers: Vec<ObserverReport>,
    /// Convener.
    pub convener: ConvenerReport,
    /// Chair.
    pub chair: ChairReport,
    /// `area` or `population:FIELD`.
    pub cost_basis: String,
    /// Id of the body this one is nested in, or null.
    pub parent_body: Option<String>,
    /// The rules that produced it, in words ([`Body::rules`]).
    pub rules: Arc<[String]>,
    /// The scenario that set it up by hand; absent for a proposed body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

fn parent_source(p: &ParentSource) -> String {
    match p {
        ParentSource::Top => "top".into(),
        ParentSource::Field(f) => format!("field:{f}"),
        ParentSource::Spatial => "spatial".into(),
    }
}

/// Builds the report from a study, its analysis and bodies.
pub fn build_report(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    bodies: &[Body],
    params: &Params,
    gov: &GovParams,
) -> Report {
    Report {
        zones: ZoneBuilder::new(study, analysis).all(),
        ..build_report_without_zones(study, analysis, bodies, params, gov)
    }
}

/// The report with its `zones` left empty, for writers that build them from a [`ZoneBuilder`]
/// a batch at a time as they write ([`Zones`]): a million zones are then never held at once
/// (on the 1.2M-hexagon grid, 400 MB that the report stage no longer allocates).
pub fn build_report_without_zones(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    bodies: &[Body],
    params: &Params,
    gov: &GovParams,
) -> Report {
    let levels = study
        .hierarchy
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| LevelInfo {
            index: i,
            name: l.indexed.layer.name.clone(),
            source: l.indexed.layer.spec.path.display().to_string(),
            units: l.indexed.layer.units.len(),
            crs: l.indexed.layer.crs.clone(),
            parent_source: parent_source(&l.parent_source),
        })
        .collect();
    let eco_layers = study
        .eco
        .iter()
        .enumerate()
        .map(|(i, e)| EcoInfo {
            index: i,
            name: e.layer.name.clone(),
            source: e.layer.spec.path.display().to_string(),
            zones: e.layer.units.len(),
            crs: e.layer.crs.clone(),
        })
        .collect();
    use rayon::prelude::*;
    let (jurisdictions, bodies) = rayon::join(
        || jurisdictions(study, analysis, bodies),
        || bodies.par_iter().map(|b| body_report(study, bodies, b)).collect(),
    );
    Report {
        schema: SCHEMA.into(),
        params: ReportParams {
            threshold: params.threshold,
            min_area_km2: params.min_area_km2,
            member_threshold: gov.member_threshold(params),
            observer_threshold: gov.observer_threshold,
        },
        levels,
        eco_layers,
        zones: Vec::new(),
        bodies,
        jurisdictions,
        scenario: None,
        warnings: study.warnings.clone(),
        timings_ms: study.timings.clone(),
    }
}

/// Builds the report's zones (every eco layer's, in order) from the study and its analysis.
pub struct ZoneBuilder<'a> {
    study: &'a Study,
    analysis: &'a [ZoneLevels<LevelAnalysis>],
    /// Each level's unit ids and names, shared by the parts (a million zones: 4M strings fewer).
    unit_names: Vec<Vec<(Arc<str>, Arc<str>)>>,
    /// Where each eco layer's zones start in the report's order, and where the last ends.
    starts: Vec<usize>,
}

impl<'a> ZoneBuilder<'a> {
    /// A builder over `study`'s zones with their `analysis` (`analysis[e][z]`, as
    /// [`Study::analyse`] gives it).
    pub fn new(study: &'a Study, analysis: &'a [ZoneLevels<LevelAnalysis>]) -> Self {
        let unit_names = study
            .hierarchy
            .levels
            .iter()
            .map(|l| {
                l.indexed.layer.units.iter().map(|u| (Arc::from(u.id.as_str()), Arc::from(u.name.as_str()))).collect()
            })
            .collect();
        let mut starts = vec![0];
        for e in &study.eco {
            starts.push(starts[starts.len() - 1] + e.layer.units.len());
        }
        ZoneBuilder { study, analysis, unit_names, starts }
    }

    /// Number of zones, all eco layers together.
    pub fn len(&self) -> usize {
        self.starts[self.starts.len() - 1]
    }

    /// True when there are no zones.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Zones `range` (positions in the report's order), built in parallel.
    pub fn build(&self, range: std::ops::Range<usize>) -> Vec<ZoneReport> {
        use rayon::prelude::*;
        // The layer's name is one `Arc` per task, not one for the whole layer: a million
        // increments of a single counter from every core made its cache line travel between
        // them at each one.
        range
            .into_par_iter()
            .map_init(
                || None::<(usize, Arc<str>)>,
                |layer, i| {
                    let (e, z) = self.locate(i);
                    let (_, name) = match layer {
                        Some(l) if l.0 == e => l,
                        _ => layer.insert((e, Arc::from(self.study.eco[e].layer.name.as_str()))),
                    };
                    self.zone(e, z, name)
                },
            )
            .collect()
    }

    /// Eco layer and zone position of zone `i` in the report's order.
    fn locate(&self, i: usize) -> (usize, usize) {
        let e = self.starts.partition_point(|&s| s <= i) - 1;
        (e, i - self.starts[e])
    }

    /// Every zone.
    pub fn all(&self) -> Vec<ZoneReport> {
        self.build(0..self.len())
    }

    fn zone(&self, e: usize, z: usize, layer: &Arc<str>) -> ZoneReport {
        let zone = &self.study.eco[e].layer.units[z];
        ZoneReport {
            id: zone.id.clone(),
            name: zone.name.clone(),
            layer: layer.clone(),
            area_km2: zone.area_km2,
            levels: self.analysis[e][z]
                .iter()
                .map(|la| {
                    let names = &self.unit_names[la.level as usize];
                    ZoneLevelReport {
                        level: la.level as usize,
                        cut: la.cut,
                        parts: la
                            .parts
                            .iter()
                            .map(|p| PartReport {
                                id: names[p.unit].0.clone(),
                                name: names[p.unit].1.clone(),
                                area_km2: p.area_km2,
                                share: p.share,
                            })
                            .collect(),
                        slivers: Slivers { count: la.sliver_count as usize, area_km2: la.sliver_area_km2 },
                        uncovered_share: la.uncovered_share,
                        effective_n: la.effective_n,
                        largest_share: la.largest_share(),
                        border_km: la.border_km,
                    }
                })
                .collect(),
        }
    }
}

/// A report's zones as its writers read them: held in the report, or built a batch at a time.
pub enum Zones<'a> {
    /// The report's own `zones`.
    Held(&'a [ZoneReport]),
    /// Built as they are written (the report's `zones` are empty).
    Built(&'a ZoneBuilder<'a>),
}

impl Zones<'_> {
    /// Number of zones.
    pub fn len(&self) -> usize {
        match self {
            Zones::Held(z) => z.len(),
            Zones::Built(b) => b.len(),
        }
    }

    /// True when there are no zones.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` on every part of zones `range` (positions in the report's order), in order:
    /// (zone id, zone name, level, part id, part name, area km², share 0..1). Built zones are
    /// read from the analysis directly, without building their reports.
    pub fn for_each_part<E>(
        &self,
        range: std::ops::Range<usize>,
        mut f: impl FnMut(&str, &str, usize, &str, &str, f64, f64) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Zones::Held(zones) => {
                for z in &zones[range] {
                    for l in &z.levels {
                        for p in &l.parts {
                            f(&z.id, &z.name, l.level, &p.id, &p.name, p.area_km2, p.share)?;
                        }
                    }
                }
            }
            Zones::Built(b) => {
                for i in range {
                    let (e, z) = b.locate(i);
                    let zone = &b.study.eco[e].layer.units[z];
                    for la in &b.analysis[e][z] {
                        let names = &b.unit_names[la.level as usize];
                        for p in &la.parts {
                            let (id, name) = &names[p.unit];
                            f(&zone.id, &zone.name, la.level as usize, id, name, p.area_km2, p.share)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Zones `range`, borrowed when held, built (in parallel) otherwise.
    pub fn batch(&self, range: std::ops::Range<usize>) -> std::borrow::Cow<'_, [ZoneReport]> {
        match self {
            Zones::Held(z) => std::borrow::Cow::Borrowed(&z[range]),
            Zones::Built(b) => std::borrow::Cow::Owned(b.build(range)),
        }
    }
}

/// Every unit's burden in report form, level by level, in unit order.
pub fn jurisdictions(
    study: &Study,
    analysis: &[ZoneLevels<LevelAnalysis>],
    bodies: &[Body],
) -> Vec<JurisdictionReport> {
    let mut out = Vec::new();
    for (l, rows) in crate::burden::burdens(study, analysis, bodies).into_iter().enumerate() {
        let units = &study.hierarchy.levels[l].indexed.layer.units;
        for r in rows {
            out.push(JurisdictionReport {
                level: l,
                id: units[r.unit].id.clone(),
                name: units[r.unit].name.clone(),
                member_of: r.member_of.iter().map(|&b| bodies[b].id.clone()).collect(),
                observer_of: r.observer_of.iter().map(|&b| bodies[b].id.clone()).collect(),
                partners: r.partners.iter().map(|&u| units[u].id.clone()).collect(),
                layers: r
                    .layers
                    .iter()
                    .zip(&study.eco)
                    .map(|(b, e)| LayerBurdenReport {
                        layer: e.layer.name.clone(),
                        cut_zones: b.cut_zones,
                        cut_area_km2: b.cut_area_km2,
                        cut_area_share: b.cut_area_share,
                        border_km: b.border_km,
                    })
                    .collect(),
            });
        }
    }
    out
}

/// One body in report form.
pub fn body_report(study: &Study, all: &[Body], b: &Body) -> BodyReport {
    let units = &study.hierarchy.levels[b.level].indexed.layer.units;
    let zones = &study.eco[b.eco].layer.units;
    BodyReport {
        id: b.id.clone(),
        level: b.level,
        layer: study.eco[b.eco].layer.name.clone(),
        zones: b.zones.iter().map(|&z| zones[z].id.clone()).collect(),
        members: b
            .members
            .iter()
            .map(|m| MemberReport {
                id: units[m.unit].id.clone(),
                name: units[m.unit].name.clone(),
                share: m.share,
                cost_share: m.cost_share,
                votes: m.votes,
            })
            .collect(),
        observers: b
            .observers
            .iter()
            .map(|o| ObserverReport { id: units[o.unit].id.clone(), name: units[o.unit].name.clone(), share: o.share })
            .collect(),
        convener: match b.convener {
            Convener::Unit(l, u) => {
                let unit = &study.hierarchy.levels[l].indexed.layer.units[u];
                ConvenerReport { level: Some(l), id: Some(unit.id.clone()), name: unit.name.clone() }
            }
            Convener::AboveTop => ConvenerReport {
                level: None,
                id: None,
                name: format!("above the top loaded level: {}", crate::governance::body::above_top_label(study)),
            },
        },
        chair: ChairReport {
            first: units[b.chair.first].id.clone(),
            rotation: b.chair.rotation.iter().map(|&u| units[u].id.clone()).collect(),
            term_years: b.chair.term_years,
        },
        cost_basis: match &b.cost_basis {
            CostBasis::Area => "area".into(),
            CostBasis::Population(f) => format!("population:{f}"),
            CostBasis::Equal => "equal".into(),
        },
        parent_body: b.parent_body.map(|p| all[p].id.clone()),
        rules: b.rules(study, all).into(),
        scenario: b.manual.as_ref().map(|m| m.scenario.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_is_written_as_serde_json_writes_it() {
        let part = |id: &str, name: &str, a: f64, s: f64| PartReport {
            id: id.into(),
            name: name.into(),
            area_km2: a,
            share: s,
        };
        let level = |level: usize, cut: bool, parts: Vec<PartReport>, x: f64| ZoneLevelReport {
            level,
            cut,
            parts,
            slivers: Slivers { count: level * 3, area_km2: x / 7.0 },
            uncovered_share: x / 3.0,
            effective_n: 1.0 + x,
            largest_share: 1.0 - x / 11.0,
            border_km: x * 1e7,
        };
        let odd = ["", "\"quoted\" \\ back", "new\nline\ttab\u{1}", "Pietà – Ħal Qormi 漢字 🌊", "</script>"];
        let numbers = [0.0, -0.0, 1.0, 0.1, 1.0 / 3.0, 1e-300, 6.02e23, 123456789.125, f64::NAN, f64::INFINITY, 5e-324];
        let mut zones = Vec::new();
        for (i, s) in odd.iter().enumerate() {
            for (j, &x) in numbers.iter().enumerate() {
                let levels = (0..(i + j) % 4)
                    .map(|l| {
                        let parts = (0..(i * j + l) % 4)
                            .map(|p| part(s, odd[(p + l) % odd.len()], x * p as f64, x / 2.0))
                            .collect();
                        level(l, (i + l) % 2 == 0, parts, x)
                    })
                    .collect();
                zones.push(ZoneReport {
                    id: format!("{s}{i}"),
                    name: s.to_string(),
                    layer: Arc::from(odd[j % odd.len()]),
                    area_km2: x,
                    levels,
                });
            }
        }
        for z in &zones {
            let mut mine = Vec::new();
            z.write_json(&mut mine).unwrap();
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(z).unwrap());
        }
    }
}
