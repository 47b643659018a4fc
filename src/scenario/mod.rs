//! Reform scenarios (`crossbound.scenario/1`): what if units merge, a unit changes hands, a
//! unit is split along its finer units, or a joint body is set up by hand.
//!
//! A scenario never runs a new overlay. A coarse unit's part of a zone is the sum of its finer
//! units' parts, so every reformed unit is written as a signed sum of baseline units
//! ([`apply`]): merging Wyoming and Montana adds their pieces; moving a county subtracts its
//! pieces from the old state and adds them to the new one, at every coarser level whose
//! ancestors differ. Units a step does not touch keep their baseline pieces exactly. Borders
//! are relabelled the same way from the baseline's border pairs.
//!
//! ```json
//! {
//!   "schema": "crossbound.scenario/1",
//!   "name": "Yellowstone compact",
//!   "description": "Wyoming and Montana merge; Teton County moves to Idaho.",
//!   "steps": [
//!     {"merge": {"level": 0, "units": ["56", "30"], "id": "WYMT", "name": "Wyoming-Montana"}},
//!     {"transfer": {"level": 1, "unit": "56039", "to": "16"}},
//!     {"split": {"level": 0, "unit": "16", "into": [
//!         {"id": "16N", "name": "North Idaho", "children": ["16009", "16017"]},
//!         {"id": "16S", "name": "South Idaho", "children": ["16001"]}]}},
//!     {"body": {"level": 0, "layer": "nps_parks", "zones": ["GRTE"], "members": ["WYMT", "16S"]}}
//!   ]
//! }
//! ```
//!
//! Steps are validated in order against the world as the earlier steps left it; the first bad
//! step is an error naming it, and nothing is computed or written. A `body` step refers to
//! units as they are after all steps.

mod apply;
pub mod compare;
pub mod suggest;

pub use apply::{ManualBody, Reformed, apply};

use crate::analysis::{LevelAnalysis, Params};
use crate::governance::{Body, GovParams, propose_with};
use crate::report::{Report, build_report};
use crate::study::Study;
use crate::zone_levels::ZoneLevels;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// Schema identifier of scenario files.
pub const SCHEMA: &str = "crossbound.scenario/1";

/// An id in a scenario file: a string, or an integer written as a number (`56` for `"56"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Id(s)),
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Id(n.to_string())),
            other => Err(serde::de::Error::custom(format!("an id must be a string or an integer, not {other}"))),
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

/// A reform scenario: ordered steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Short name, shown in reports and briefs.
    pub name: String,
    /// What the scenario is about.
    #[serde(default)]
    pub description: String,
    /// Group zones of one layer that touch and have the same members into one body (see
    /// [`crate::governance::GovParams::merge_touching`]). Absent: the command line's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_touching_zones: Option<bool>,
    /// The steps, applied in order.
    pub steps: Vec<Step>,
}

/// One reform step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Units of one level become one unit.
    Merge(Merge),
    /// A unit moves to another parent.
    Transfer(Transfer),
    /// A unit is divided along its finer units.
    Split(Split),
    /// A joint body set up by hand.
    Body(BodyStep),
}

impl Step {
    /// The step's kind, as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Merge(_) => "merge",
            Step::Transfer(_) => "transfer",
            Step::Split(_) => "split",
            Step::Body(_) => "body",
        }
    }
}

/// `{"merge": {"level": L, "units": [ids], "id": NEW_ID, "name": NEW_NAME}}`: units of level L
/// (0 = coarsest), which must have one parent, become one unit; their finer units follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    /// Admin level index.
    pub level: usize,
    /// The units to merge (at least two).
    pub units: Vec<Id>,
    /// Id of the merged unit (new, or one of the merged units' ids).
    pub id: Id,
    /// Name of the merged unit.
    pub name: String,
}

/// `{"transfer": {"level": L, "unit": ID, "to": PARENT_ID}}`: a unit of level L ≥ 1 moves to
/// another parent at level L-1, with all its territory and finer units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Admin level index of the unit (≥ 1).
    pub level: usize,
    /// The unit that moves.
    pub unit: Id,
    /// Its new parent, at level L-1.
    pub to: Id,
}

/// `{"split": {"level": L, "unit": ID, "into": [...]}}`: a unit is divided along its finer
/// units; every child goes to exactly one new unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    /// Admin level index of the unit (a finer level must be loaded).
    pub level: usize,
    /// The unit split.
    pub unit: Id,
    /// The new units (at least two).
    pub into: Vec<SplitPart>,
}

/// One unit made by a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPart {
    /// New id.
    pub id: Id,
    /// New name.
    pub name: String,
    /// Ids of the level L+1 units it is made of.
    pub children: Vec<Id>,
}

/// `{"body": {...}}`: a joint body set up by hand (negotiated, not computed). It replaces the
/// proposal for its zones at its level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyStep {
    /// Admin level of its members.
    pub level: usize,
    /// Ecological layer name (file stem); may be left out when one eco layer is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Zones it governs (ids in that layer).
    pub zones: Vec<Id>,
    /// Voting members (ids at `level`), at least one.
    pub members: Vec<Id>,
    /// Observers (ids at `level`).
    #[serde(default)]
    pub observers: Vec<Id>,
    /// Who convenes it; absent: the lowest common ancestor of the members, as proposed bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convener: Option<UnitAt>,
    /// Its name, e.g. "Grand Teton Compact".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A unit at a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitAt {
    /// Admin level index.
    pub level: usize,
    /// Unit id.
    pub id: Id,
}

/// What can be wrong with a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid JSON, or not a scenario.
    #[error("{path}: not a crossbound.scenario/1 file: {message}")]
    Parse {
        /// The file.
        path: String,
        /// Why (serde's message, with line and column).
        message: String,
    },
    /// A step that cannot be applied.
    #[error("step {step} ({kind}): {message}")]
    Step {
        /// 1-based step number.
        step: usize,
        /// `merge`, `transfer`, `split` or `body`.
        kind: &'static str,
        /// What is wrong, naming the ids.
        message: String,
    },
    /// The study freed the outlines that reforming the units needs.
    #[error(transparent)]
    Outlines(#[from] crate::study::OutlinesReleased),
}

impl Scenario {
    /// Parses a scenario from JSON text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = serde_json::from_str(text)
            .map_err(|e| ScenarioError::Parse { path: path.into(), message: e.to_string() })?;
        if s.schema != SCHEMA {
            return Err(ScenarioError::Parse {
                path: path.into(),
                message: format!("schema is \"{}\", expected \"{SCHEMA}\"", s.schema),
            });
        }
        Ok(s)
    }

    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { path: p.clone(), source })?;
        Scenario::parse(&text, &p)
    }

    /// The scenario as pretty JSON (what [`Scenario::parse`] reads back).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serialises")
    }
}

/// The reformed world with its analysis, bodies and report.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The reformed study.
    pub study: Study,
    /// Its analysis, `[eco][zone][level]`.
    pub analysis: Vec<ZoneLevels<LevelAnalysis>>,
    /// Proposed bodies and those set up by hand.
    pub bodies: Vec<Body>,
    /// The report (`crossbound.report/1`), with the scenario recorded in it.
    pub report: Report,
}

/// Applies `scenario` to `study` and analyses the result. The scenario's own
/// `merge_touching_zones`, when given, overrides `gov`'s.
pub fn evaluate(
    study: &Study,
    scenario: &Scenario,
    params: &Params,
    gov: &GovParams,
) -> Result<Outcome, ScenarioError> {
    let reformed = apply(study, scenario)?;
    let mut gov = *gov;
    if let Some(m) = scenario.merge_touching_zones {
        gov.merge_touching = m;
    }
    let study = reformed.study;
    let analysis = study.analyse(params);
    let bodies = propose_with(&study, &analysis, params, &gov, &reformed.manual_bodies, &scenario.name);
    let mut report = build_report(&study, &analysis, &bodies, params, &gov);
    report.scenario = Some(scenario.clone());
    Ok(Outcome { study, analysis, bodies, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_step_and_round_trips() {
        let text = r#"{"schema": "crossbound.scenario/1", "name": "t", "steps": [
            {"merge": {"level": 0, "units": [56, "30"], "id": "WYMT", "name": "Wyoming-Montana"}},
            {"transfer": {"level": 1, "unit": "56039", "to": "16"}},
            {"split": {"level": 0, "unit": "16", "into": [{"id": "a", "name": "A", "children": ["1"]}]}},
            {"body": {"level": 0, "zones": ["YELL"], "members": ["WYMT"], "convener": {"level": 0, "id": "X"}}}
        ]}"#;
        let s = Scenario::parse(text, "s.json").unwrap();
        assert_eq!(s.steps.len(), 4);
        let Step::Merge(m) = &s.steps[0] else { panic!() };
        assert_eq!(m.units, [Id("56".into()), Id("30".into())]);
        assert_eq!(Scenario::parse(&s.to_json(), "again").unwrap(), s);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = Scenario::parse(
            "{\"schema\": \"crossbound.scenario/1\", \"name\": \"t\", \"steps\": [{\"merger\": {}}]}",
            "s.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("s.json: not a crossbound.scenario/1 file: unknown variant `merger`"), "{e}");
        let e =
            Scenario::parse("{\"schema\": \"x\", \"name\": \"t\", \"steps\": []}", "s.json").unwrap_err().to_string();
        assert!(e.contains("schema is \"x\""), "{e}");
        let e = Scenario::parse("[1", "s.json").unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        let e = Scenario::parse(
            r#"{"schema": "crossbound.scenario/1", "name": "t", "steps": [{"transfer": {"level": 1, "unit": 1.5, "to": "a"}}]}"#,
            "s.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("an id must be a string or an integer"), "{e}");
    }
}
