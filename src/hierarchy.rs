//! The administrative hierarchy: levels coarse to fine (countries > provinces, states >
//! counties), each unit's parent in the next coarser level, and lowest common ancestors.
//!
//! A unit's parent comes from its parent-id field when one is mapped, or detected (a property
//! whose values match the coarser level's ids for at least 95% of the units); otherwise it is
//! derived spatially: the coarser unit holding the largest share of the unit's area.

use crate::index::IndexedLayer;
use crate::model::Warning;
use crate::overlay::{OverlayError, overlay_layers};
use crate::progress::Progress;
use std::collections::{HashMap, HashSet};

/// How the parents of a level were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentSource {
    /// The top level has no parents.
    Top,
    /// Taken from this property.
    Field(String),
    /// Derived from the largest area overlap with the coarser level.
    Spatial,
}

/// One admin level with its parents.
#[derive(Debug, Clone)]
pub struct AdminLevel {
    /// The indexed layer.
    pub indexed: IndexedLayer,
    /// Parent of each unit (position in the next coarser level), `None` at the top level or
    /// when no parent was found.
    pub parents: Vec<Option<usize>>,
    /// How the parents were found.
    pub parent_source: ParentSource,
}

/// The admin levels, coarse to fine.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    /// Levels, index 0 the coarsest.
    pub levels: Vec<AdminLevel>,
}

/// A unit at a level: `(level, unit position)`.
pub type UnitRef = (usize, usize);

fn detect_parent_field(child: &IndexedLayer, parent: &IndexedLayer) -> Option<String> {
    let ids: HashSet<&str> = parent.layer.units.iter().map(|u| u.id.as_str()).collect();
    let mut keys: Vec<&str> = child.layer.units.first()?.properties.keys().collect();
    keys.sort();
    let n = child.layer.units.len();
    keys.into_iter()
        .filter(|k| Some(*k) != child.layer.fields.id.as_deref())
        .find(|k| {
            let hits = child
                .layer
                .units
                .iter()
                .filter(|u| u.properties.get(k).map(value_key).is_some_and(|v| ids.contains(v.as_str())))
                .count();
            hits * 100 >= n * 95
        })
        .map(str::to_string)
}

fn value_key(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Hierarchy {
    /// Links `layers` (coarse to fine) into a hierarchy. Warnings report units left without
    /// a parent and how each level's parents were found.
    pub fn build(
        layers: Vec<IndexedLayer>,
        progress: &dyn Progress,
        warnings: &mut Vec<Warning>,
    ) -> Result<Self, OverlayError> {
        let mut levels: Vec<AdminLevel> = Vec::with_capacity(layers.len());
        for (li, mut child) in layers.into_iter().enumerate() {
            let n = child.layer.units.len();
            let (parents, source) = if li == 0 {
                (vec![None; n], ParentSource::Top)
            } else {
                let parent = &levels[li - 1].indexed;
                let field = child.layer.fields.parent.clone().or_else(|| detect_parent_field(&child, parent));
                match field {
                    Some(field) => {
                        let by_id: HashMap<&str, usize> =
                            parent.layer.units.iter().enumerate().map(|(i, u)| (u.id.as_str(), i)).collect();
                        let ps = child
                            .layer
                            .units
                            .iter()
                            .map(|u| {
                                u.properties.get(&field).map(value_key).and_then(|k| by_id.get(k.as_str()).copied())
                            })
                            .collect();
                        child.layer.fields.parent = Some(field.clone());
                        (ps, ParentSource::Field(field))
                    }
                    None => {
                        let (pieces, _) = overlay_layers(&child, parent, crate::overlay::Outlines::Drop, progress)?;
                        let ps = pieces
                            .iter()
                            .map(|p| p.iter().max_by(|a, b| a.area_km2.total_cmp(&b.area_km2)).map(|p| p.unit))
                            .collect();
                        (ps, ParentSource::Spatial)
                    }
                }
            };
            let orphans: Vec<String> = if li == 0 {
                vec![]
            } else {
                parents
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.is_none())
                    .map(|(i, _)| child.layer.units[i].id.clone())
                    .collect()
            };
            if !orphans.is_empty() {
                let shown: Vec<String> = orphans.iter().take(5).map(|s| format!("\"{s}\"")).collect();
                warnings.push(Warning {
                    source: child.layer.spec.path.display().to_string(),
                    message: format!(
                        "{} unit(s) have no parent in level {} ({}): {}{}",
                        orphans.len(),
                        li - 1,
                        levels[li - 1].indexed.layer.name,
                        shown.join(", "),
                        if orphans.len() > 5 { " …" } else { "" }
                    ),
                    count: orphans.len(),
                });
            }
            levels.push(AdminLevel { indexed: child, parents, parent_source: source });
        }
        Ok(Hierarchy { levels })
    }

    /// The ancestor of `unit` at `level` at the coarser level `at` (itself when `at == level`).
    pub fn ancestor_at(&self, (level, unit): UnitRef, at: usize) -> Option<usize> {
        if at > level {
            return None;
        }
        let mut cur = unit;
        for l in (at + 1..=level).rev() {
            cur = self.levels[l].parents[cur]?;
        }
        Some(cur)
    }

    /// The lowest common ancestor of `units` (all at `level`), searching from `level - 1`
    /// upwards: the finest unit that contains all of them. `None` when no loaded level has one
    /// (the convener is then above the top loaded level). A single unit has none above itself
    /// only when it is at the top.
    pub fn lowest_common_ancestor(&self, level: usize, units: &[usize]) -> Option<UnitRef> {
        if units.is_empty() || level == 0 {
            return None;
        }
        for at in (0..level).rev() {
            let mut anc = units.iter().map(|&u| self.ancestor_at((level, u), at));
            let first = anc.next()??;
            if anc.all(|a| a == Some(first)) {
                return Some((at, first));
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{FieldMapping, Layer, LayerSpec, Unit};
    use crate::progress::NoProgress;
    use geo::{MultiPolygon, wkt};

    fn u(id: &str, mp: MultiPolygon<f64>) -> Unit {
        Unit::from_geometry(id, mp).unwrap()
    }

    fn layer(name: &str, units: Vec<Unit>) -> IndexedLayer {
        IndexedLayer::new(Layer {
            name: name.into(),
            spec: LayerSpec::new(format!("{name}.geojson")),
            fields: FieldMapping::default(),
            crs: "OGC:CRS84".into(),
            feature_count: units.len(),
            load_times: Default::default(),
            units,
            warnings: vec![],
        })
    }

    /// Two states (A west, B east) with two counties each; parents derived spatially.
    pub(crate) fn two_states() -> Hierarchy {
        let states = layer(
            "states",
            vec![
                u("A", MultiPolygon(vec![wkt!(POLYGON((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)))])),
                u("B", MultiPolygon(vec![wkt!(POLYGON((2. 0.,4. 0.,4. 2.,2. 2.,2. 0.)))])),
            ],
        );
        let counties = layer(
            "counties",
            vec![
                u("A1", MultiPolygon(vec![wkt!(POLYGON((0. 0.,1. 0.,1. 2.,0. 2.,0. 0.)))])),
                u("A2", MultiPolygon(vec![wkt!(POLYGON((1. 0.,2. 0.,2. 2.,1. 2.,1. 0.)))])),
                u("B1", MultiPolygon(vec![wkt!(POLYGON((2. 0.,3. 0.,3. 2.,2. 2.,2. 0.)))])),
                u("B2", MultiPolygon(vec![wkt!(POLYGON((3. 0.,4. 0.,4. 2.,3. 2.,3. 0.)))])),
            ],
        );
        let mut w = vec![];
        Hierarchy::build(vec![states, counties], &NoProgress, &mut w).unwrap()
    }

    #[test]
    fn spatial_parents_and_lca() {
        let h = two_states();
        assert_eq!(h.levels[1].parent_source, ParentSource::Spatial);
        assert_eq!(h.levels[1].parents, vec![Some(0), Some(0), Some(1), Some(1)]);
        assert_eq!(h.lowest_common_ancestor(1, &[0, 1]), Some((0, 0)));
        assert_eq!(h.lowest_common_ancestor(1, &[1, 2]), None);
        assert_eq!(h.lowest_common_ancestor(0, &[0, 1]), None);
    }
}
