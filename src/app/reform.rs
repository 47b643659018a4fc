//! Reform scenarios in the app: the steps the user builds on the map, applied to the study as
//! loaded on a worker thread (the UI never waits), the before/after comparison, and each
//! jurisdiction's burden for the Burden map mode. No drawing here.

use super::jobs::Job;
use super::scene::AdminMeshes;
use super::state::AppState;
use crate::analysis::LevelAnalysis;
use crate::burden::Burden;
use crate::governance::Body;
use crate::report::Report;
use crate::scenario::compare::{Comparison, compare};
use crate::scenario::{Id, Scenario, Step};
use crate::study::Study;
use crate::zone_levels::ZoneLevels;
use std::path::Path;
use std::sync::Arc;

/// What the Burden map colours the units of the viewed level by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BurdenColumn {
    /// Bodies it votes in.
    MemberOf,
    /// Distinct co-members.
    Partners,
    /// Share (0..1) of its territory in zones cut at its level (of the chosen eco layer).
    CutAreaShare,
    /// Its borders inside cut zones, km (of the chosen eco layer).
    BorderKm,
}

impl BurdenColumn {
    /// Every column, in menu order.
    pub const ALL: [BurdenColumn; 4] =
        [BurdenColumn::MemberOf, BurdenColumn::Partners, BurdenColumn::CutAreaShare, BurdenColumn::BorderKm];

    /// Menu and legend label.
    pub fn label(self) -> &'static str {
        match self {
            BurdenColumn::MemberOf => "bodies it votes in",
            BurdenColumn::Partners => "partners (co-members)",
            BurdenColumn::CutAreaShare => "share of its area in cut zones",
            BurdenColumn::BorderKm => "its borders inside cut zones, km",
        }
    }

    /// The value for one unit (`eco`: the layer for the per-layer columns).
    pub fn value(self, b: &Burden, eco: usize) -> f64 {
        match self {
            BurdenColumn::MemberOf => b.member_of.len() as f64,
            BurdenColumn::Partners => b.partners.len() as f64,
            BurdenColumn::CutAreaShare => b.layers.get(eco).map_or(0.0, |l| l.cut_area_share),
            BurdenColumn::BorderKm => b.layers.get(eco).map_or(0.0, |l| l.border_km),
        }
    }

    /// Formats a value of this column.
    pub fn format(self, v: f64) -> String {
        match self {
            BurdenColumn::CutAreaShare => format!("{:.0}%", v * 100.0),
            _ => format!("{v:.0}"),
        }
    }
}

/// What the map colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMode {
    /// Zones by cut and effective number of jurisdictions.
    Zones,
    /// Admin units of the viewed level by a burden column.
    Burden(BurdenColumn),
}

/// The result of applying the scenario on a worker thread.
pub struct Applied {
    /// How many steps it was computed for (a newer edit makes it stale).
    pub steps: usize,
    /// The reformed study.
    pub study: Arc<Study>,
    /// Its analysis.
    pub analysis: Vec<ZoneLevels<LevelAnalysis>>,
    /// Its bodies.
    pub bodies: Vec<Body>,
    /// Rebuilt meshes of the admin levels that changed (relative to what is shown).
    pub admin: Vec<(usize, AdminMeshes)>,
    /// The baseline beside the scenario.
    pub comparison: Comparison,
    /// The baseline report it was compared with (kept for the next step).
    pub baseline_report: Arc<Report>,
}

/// The Scenario panel's state.
pub struct ScenarioState {
    /// Scenario mode: clicks on the map pick admin units.
    pub active: bool,
    /// The scenario being built.
    pub scenario: Scenario,
    /// Picked units: (level, position) in the shown (reformed) study.
    pub picked: Vec<(usize, usize)>,
    /// The study as loaded, before any step.
    pub baseline: Option<Arc<Study>>,
    /// The baseline's report for the parameters of the last comparison.
    pub baseline_report: Option<Arc<Report>>,
    /// The latest comparison (for the before/after strip).
    pub comparison: Option<Comparison>,
    /// Applying the scenario.
    pub job: Option<Job<Result<Applied, String>>>,
    /// Name typed for a merge.
    pub merge_name: String,
    /// Chosen new parent for a move (position at the level above).
    pub move_to: Option<usize>,
    /// Children sent to the second unit of a split.
    pub split_second: Vec<bool>,
    /// Zone chosen for a body set up by hand: (eco, zone).
    pub body_zone: Option<(usize, usize)>,
}

impl Default for ScenarioState {
    fn default() -> Self {
        ScenarioState {
            active: false,
            scenario: empty_scenario(),
            picked: Vec::new(),
            baseline: None,
            baseline_report: None,
            comparison: None,
            job: None,
            merge_name: String::new(),
            move_to: None,
            split_second: Vec::new(),
            body_zone: None,
        }
    }
}

fn empty_scenario() -> Scenario {
    Scenario {
        schema: crate::scenario::SCHEMA.into(),
        name: "Untitled scenario".into(),
        description: String::new(),
        merge_touching_zones: None,
        steps: Vec::new(),
    }
}

/// Whether the units of two admin levels differ (so the level's meshes and labels must be
/// rebuilt). New parents alone change nothing that is drawn.
pub fn level_differs(a: &crate::hierarchy::AdminLevel, b: &crate::hierarchy::AdminLevel) -> bool {
    let (ua, ub) = (&a.indexed.layer.units, &b.indexed.layer.units);
    ua.len() != ub.len() || ua.iter().zip(ub).any(|(x, y)| x.id != y.id || x.name != y.name || x.area_km2 != y.area_km2)
}

/// A step in words, for the step list.
pub fn describe(step: &Step) -> String {
    let ids = |v: &[Id]| v.iter().map(|i| i.0.as_str()).collect::<Vec<_>>().join(", ");
    match step {
        Step::Merge(m) => format!("merge {} (level {}) into {} \"{}\"", ids(&m.units), m.level, m.id.0, m.name),
        Step::Transfer(t) => format!("move {} (level {}) to {}", t.unit.0, t.level, t.to.0),
        Step::Split(s) => format!(
            "split {} (level {}) into {}",
            s.unit.0,
            s.level,
            s.into.iter().map(|p| format!("{} ({} units)", p.id.0, p.children.len())).collect::<Vec<_>>().join(", ")
        ),
        Step::Body(b) => format!(
            "body{} for {} with members {}",
            b.name.as_ref().map(|n| format!(" \"{n}\"")).unwrap_or_default(),
            ids(&b.zones),
            ids(&b.members)
        ),
    }
}

impl AppState {
    /// The study as loaded and the scenario are about to change: remember the baseline.
    pub(crate) fn reset_scenario(&mut self) {
        self.reform.baseline = self.loaded.as_ref().map(|l| l.study.clone());
        self.reform.baseline_report = None;
        self.reform.comparison = None;
        self.reform.picked.clear();
        self.reform.scenario = empty_scenario();
        self.reform.job = None;
    }

    /// Adds a step and applies the scenario (on a worker thread); an invalid step is taken back
    /// with its error shown.
    pub fn push_step(&mut self, ctx: &egui::Context, step: Step) {
        self.reform.scenario.steps.push(step);
        self.reform.picked.clear();
        self.apply_scenario(ctx);
    }

    /// Takes the last step back.
    pub fn undo_step(&mut self, ctx: &egui::Context) {
        if self.reform.scenario.steps.pop().is_some() {
            self.reform.picked.clear();
            self.apply_scenario(ctx);
        }
    }

    /// Replaces the scenario (e.g. loaded from a file) and applies it.
    pub fn set_scenario(&mut self, ctx: &egui::Context, scenario: Scenario) {
        self.reform.scenario = scenario;
        self.reform.picked.clear();
        self.apply_scenario(ctx);
    }

    /// Reads a scenario file and applies it.
    pub fn open_scenario(&mut self, ctx: &egui::Context, path: &Path) {
        match Scenario::load(path) {
            Ok(s) => {
                self.messages.push((false, format!("Opened scenario \"{}\" ({} steps)", s.name, s.steps.len())));
                self.set_scenario(ctx, s);
            }
            Err(e) => self.messages.push((true, format!("Could not open the scenario: {e}"))),
        }
    }

    /// Applies the scenario to the baseline on a worker thread.
    pub fn apply_scenario(&mut self, ctx: &egui::Context) {
        let Some(baseline) = self.reform.baseline.clone() else { return };
        let Some(l) = &self.loaded else { return };
        let shown = l.study.clone();
        let (params, gov) = (self.project.params, self.project.governance);
        let scenario = self.reform.scenario.clone();
        // The cached baseline report holds only while every parameter it was built with holds.
        let base_report = self.reform.baseline_report.clone().filter(|r| {
            let p = &r.params;
            p.threshold == params.threshold
                && p.min_area_km2 == params.min_area_km2
                && p.member_threshold == gov.member_threshold(&params)
                && p.observer_threshold == gov.observer_threshold
        });
        self.reform.job = Some(Job::spawn("Applying the scenario", ctx, move |_| {
            let baseline_report = base_report.unwrap_or_else(|| {
                let a = baseline.analyse(&params);
                let b = crate::governance::propose(&baseline, &a, &params, &gov);
                Arc::new(crate::report::build_report(&baseline, &a, &b, &params, &gov))
            });
            let o = crate::scenario::evaluate(&baseline, &scenario, &params, &gov).map_err(|e| e.to_string())?;
            let admin = (0..o.study.hierarchy.levels.len())
                .filter(|&lv| level_differs(&o.study.hierarchy.levels[lv], &shown.hierarchy.levels[lv]))
                .map(|lv| (lv, AdminMeshes::build(&o.study, lv)))
                .collect();
            let comparison = compare(&baseline_report, &[(scenario.name.clone(), o.report)]);
            Ok(Applied {
                steps: scenario.steps.len(),
                study: Arc::new(o.study),
                analysis: o.analysis,
                bodies: o.bodies,
                admin,
                comparison,
                baseline_report,
            })
        }));
    }

    /// Takes a finished scenario job. Returns true when the map changed.
    pub(crate) fn poll_scenario(&mut self) -> bool {
        let Some(job) = &mut self.reform.job else { return false };
        let Some(result) = job.poll() else { return false };
        self.finish_scenario(result)
    }

    /// Blocks until the scenario job is done (tests).
    pub fn wait_for_scenario(&mut self) -> bool {
        let Some(job) = &mut self.reform.job else { return false };
        let Some(result) = job.wait() else { return false };
        self.finish_scenario(result)
    }

    fn finish_scenario(&mut self, result: Result<Applied, String>) -> bool {
        self.reform.job = None;
        match result {
            Ok(a) if a.steps == self.reform.scenario.steps.len() => {
                let Some(l) = &mut self.loaded else { return false };
                l.study = a.study;
                l.analysis = a.analysis;
                l.bodies = a.bodies;
                l.scene.replace_admin(a.admin);
                self.reform.comparison = Some(a.comparison);
                self.reform.baseline_report = Some(a.baseline_report);
                self.selection = super::state::Selection::None;
                self.refresh_burden();
                self.recolor();
                true
            }
            Ok(_) => false, // stale: a newer edit is on its way
            Err(e) => {
                let step = self.reform.scenario.steps.pop();
                self.messages.push((
                    true,
                    format!(
                        "The step was not applied: {e}{}",
                        step.map(|s| format!(" ({})", describe(&s))).unwrap_or_default()
                    ),
                ));
                false
            }
        }
    }

    /// True while the scenario is being applied.
    pub fn scenario_pending(&self) -> bool {
        self.reform.job.is_some()
    }

    /// Recomputes each unit's burden from the current analysis and bodies.
    pub(crate) fn refresh_burden(&mut self) {
        if let Some(l) = &mut self.loaded {
            l.burden = crate::burden::burdens(&l.study, &l.analysis, &l.bodies);
        }
    }

    /// Picks or unpicks an admin unit (scenario mode).
    pub fn toggle_pick(&mut self, level: usize, unit: usize) {
        let r = &mut self.reform;
        if let Some(i) = r.picked.iter().position(|p| *p == (level, unit)) {
            r.picked.remove(i);
        } else {
            // Picks are of one level: picking at another level starts afresh.
            r.picked.retain(|p| p.0 == level);
            r.picked.push((level, unit));
        }
        r.move_to = None;
        r.split_second.clear();
        r.body_zone = None;
        if let Some(l) = &self.loaded {
            let units = &l.study.hierarchy.levels[level].indexed.layer.units;
            r.merge_name = r.picked.iter().map(|p| units[p.1].name.as_str()).collect::<Vec<_>>().join("-");
        }
    }

    /// The ids of the picked units.
    pub fn picked_ids(&self) -> Vec<Id> {
        let Some(l) = &self.loaded else { return Vec::new() };
        self.reform
            .picked
            .iter()
            .map(|&(lv, u)| Id(l.study.hierarchy.levels[lv].indexed.layer.units[u].id.clone()))
            .collect()
    }
}
