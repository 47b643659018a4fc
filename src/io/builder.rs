//! The format-neutral layer builder: from a decoder's features to a [`Layer`].
//!
//! Written once for every format: field detection and mapping, the CRS (override > declared >
//! lon/lat) and PROJ reprojection, coordinate checks, repair (closing rings, dropping
//! degenerate ones, antimeridian split, invalid polygons rebuilt), dissolving features that
//! share an id, and warnings that count what was repaired or skipped and name the features.
//!
//! # Field detection
//! Unless mapped explicitly, the id is the first property among [`ID_CANDIDATES`] present in
//! every feature, else the format's feature id when every feature has one, else the feature
//! index. The name is the first of [`NAME_CANDIDATES`] present, else the id. The population is
//! the first of [`POPULATION_CANDIDATES`] present. Parent fields are detected later, by the
//! admin hierarchy, which can check them against the coarser layer's ids.

use super::LoadError;
use super::decode::{Decoded, Feature, Geom, GeometrySource, Rings};
use crate::crs::{self, ToLonLat};
use crate::geometry::{RepairCounts, area_km2, normalize_polygons};
use crate::model::{FieldMapping, Layer, LayerSpec, Unit, Warning};
use crate::progress::Progress;
use geo::{BooleanOps, BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;

/// Property names tried, in order, for the unit id.
pub const ID_CANDIDATES: &[&str] = &[
    "id",
    "ID",
    "Id",
    "fid",
    "geoid",
    "GEOID",
    "adm1_code",
    "adm0_a3",
    "ADM0_A3",
    "iso_a3",
    "ISO_A3",
    "huc2",
    "huc4",
    "huc6",
    "huc8",
    "unit_code",
    "rid",
    "code",
    "CODE",
    "state_fips",
    "fips",
    "FIPS",
];
/// Property names tried, in order, for the unit name.
pub const NAME_CANDIDATES: &[&str] =
    &["name", "NAME", "Name", "name_en", "NAME_EN", "unit_name", "admin", "ADMIN", "label", "title"];
/// Property names tried, in order, for a population count.
pub const POPULATION_CANDIDATES: &[&str] = &["population", "POPULATION", "pop", "POP", "pop_est", "POP_EST"];

/// A property value as an id or name: strings as they are, numbers in their shortest form
/// (an integral double prints without `.0`), null as absent.
pub fn value_to_key(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        // One rule for integral doubles (`540000.0` is the id `540000`): `number_value`'s.
        Value::Number(n) => Some(match n.as_f64() {
            Some(x) if n.is_f64() => super::decode::number_value(x).to_string(),
            _ => n.to_string(),
        }),
        other => Some(other.to_string()),
    }
}

fn value_to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The features of one id, repaired: the first one's index and geometry, then the others'.
struct Group {
    first_index: usize,
    first: MultiPolygon<f64>,
    more: Vec<MultiPolygon<f64>>,
}

/// One feature after geometry decoding and repair. A million-feature layer holds a million of
/// these beside its features and its units while the units are built: 40 bytes each (repair
/// counts, zero for most features, boxed), where a struct of results took 104.
enum FeatureOut {
    /// Polygons, possibly none left after repair; what was repaired, if anything.
    Polygons(MultiPolygon<f64>, Option<Box<RepairCounts>>),
    /// The geometry is unusable: why (the builder adds file and feature).
    Failed(String),
    /// A null geometry.
    Null,
    /// An empty geometry.
    Empty,
    /// A geometry with no polygon: its type name.
    Skipped(String),
}

/// Whether no two strings are equal: their 64-bit hashes sorted in parallel. Distinct hashes
/// prove distinct strings; equal ones are checked exactly, so the hash need not resist crafted
/// input (a file of colliding ids costs one sort of those ids): FxHash, several times cheaper
/// than the SipHash of `HashMap`. A million ids in tens of milliseconds, where sorting the
/// strings took a third of a second.
fn all_distinct<'a>(strings: impl ParallelIterator<Item = &'a str>) -> bool {
    use std::hash::BuildHasher;
    let state = rustc_hash::FxBuildHasher;
    let mut hashes: Vec<(u64, &str)> = strings.map(|s| (state.hash_one(s), s)).collect();
    hashes.par_sort_unstable_by_key(|h| h.0);
    hashes.chunk_by(|a, b| a.0 == b.0).all(|run| {
        run.len() == 1 || {
            let mut same: Vec<&str> = run.iter().map(|h| h.1).collect();
            same.sort_unstable();
            same.windows(2).all(|w| w[0] != w[1])
        }
    })
}

/// The `Some` values of `v`, in order, in `v`'s own allocation when `Option<T>` is the size of
/// `T` (a niche, as in [`Unit`]): the standard library collects `into_iter().filter_map(..)`
/// in place, where `flatten()` (which clippy suggests) builds a new vector by doubling, and
/// so held a million-unit table twice and copied it four times.
#[allow(clippy::filter_map_identity)]
fn somes_in_place<T>(v: Vec<Option<T>>) -> Vec<T> {
    v.into_iter().filter_map(|x| x).collect()
}

/// Up to five ids in quotes, then "and N more".
pub fn describe_examples(ids: &[String]) -> String {
    let shown: Vec<String> = ids.iter().take(5).map(|s| format!("\"{s}\"")).collect();
    let more = if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
    format!("{}{}", shown.join(", "), more)
}

/// Builds a layer from decoded features. `source` names the file (and layer) in messages;
/// `name` is the layer's short name.
pub fn build_layer<G: GeometrySource>(
    spec: &LayerSpec,
    source: &str,
    decoded: Decoded<G>,
    progress: &dyn Progress,
) -> Result<Layer, LoadError> {
    let path = source.to_string();
    let fmt_err = |msg: String| LoadError::Format { path: path.clone(), msg };
    let Decoded { mut features, geometries, declared_crs, layer_name, warnings: decoder_warnings } = decoded;
    if features.is_empty() {
        return Err(fmt_err("the layer has no features".into()));
    }

    // CRS: override > declared by the file > lon/lat WGS 84.
    let crs_name =
        spec.crs.as_deref().map(crs::normalize_name).or(declared_crs).unwrap_or_else(|| crs::LONLAT.to_string());
    let reproject = !crs::is_lonlat_wgs84(&crs_name);
    if reproject {
        // Fail early, with PROJ's reason, if the CRS is unknown.
        ToLonLat::new(&crs_name).map_err(fmt_err)?;
    }

    // Field mapping.
    let fields = resolve_fields(spec, &features, &path)?;
    let feature_key = |f: &Feature| -> Option<String> {
        match &fields.id {
            Some(k) => f.properties.get(k).and_then(value_to_key),
            None => f.id.as_ref().and_then(value_to_key),
        }
    };
    let id_label = |f: &Feature| feature_key(f).map(|k| format!(" (id \"{k}\")")).unwrap_or_default();
    let id_from_index = fields.id.is_none() && features.iter().any(|f| f.id.is_none());

    // Geometry: decode, check, reproject, repair; and each feature's key. Parallel over features.
    let total = features.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    // Cancel makes the workers skip the features left (a few milliseconds). The results are
    // collected by position, straight into one vector of the exact size: a collect that can
    // stop early (into `Option<Vec<_>>`) grows per-thread vectors and then joins them, which
    // was a tenth of the build stage on the 1.2M-hexagon grid.
    let outs: Vec<(Option<String>, FeatureOut)> = geometries
        .into_par_iter()
        .zip(features.par_iter())
        // PROJ objects are not thread-safe: one transformer per worker.
        .map_init(
            || {
                if reproject { ToLonLat::new(&crs_name).ok() } else { None }
            },
            |transform, (g, f)| {
                if progress.is_cancelled() {
                    return (None, FeatureOut::Null);
                }
                let key = if id_from_index { Some(f.index.to_string()) } else { feature_key(f) };
                let r = process_geometry(g, transform.as_ref(), &crs_name);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n.is_multiple_of(256) || n == total {
                    progress.update("load", n, total);
                }
                (key, r)
            },
        )
        .collect();
    if progress.is_cancelled() {
        return Err(LoadError::Cancelled);
    }

    let mut warnings: Vec<Warning> =
        decoder_warnings.into_iter().map(|(message, count)| Warning { source: path.clone(), message, count }).collect();
    let mut null_ids = Vec::new();
    let mut empty_ids = Vec::new();
    let mut skipped: HashMap<String, Vec<String>> = HashMap::new();
    let mut empty_after_repair = Vec::new();
    let mut repairs = RepairCounts::default();
    // Feature ids per kind of repair: unclosed, degenerate, antimeridian, polar, invalid.
    let mut repaired_ids: [Vec<String>; 5] = Default::default();
    // Group by id, in first-appearance order. Ids are usually unique: checked first with a
    // parallel sort, which spares a million-feature layer a hash map, and then each feature is
    // a unit, built below straight from `outs` in parallel; else `group_of` maps a key to its
    // position in `groups`. This pass only checks, counts and notes ids for the warnings.
    let mut outs = outs;
    let keys_unique = all_distinct(outs.par_iter().filter_map(|(k, _)| k.as_deref()));
    let mut group_of: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<(String, Group)> = Vec::new();
    let mut any_polygon = false;
    for (f, (key, out)) in features.iter().zip(outs.iter_mut()) {
        let Some(key) = key.as_ref() else {
            return Err(LoadError::Feature {
                path: path.clone(),
                index: f.index,
                id: String::new(),
                msg: match &fields.id {
                    Some(k) => format!("no value for the id property \"{k}\""),
                    None => "no feature id".into(),
                },
            });
        };
        match out {
            FeatureOut::Failed(msg) => {
                let msg = std::mem::take(msg);
                return Err(LoadError::Feature { path: path.clone(), index: f.index, id: id_label(f), msg });
            }
            FeatureOut::Skipped(kind) => skipped.entry(std::mem::take(kind)).or_default().push(key.clone()),
            FeatureOut::Empty => empty_ids.push(key.clone()),
            FeatureOut::Null => null_ids.push(key.clone()),
            FeatureOut::Polygons(mp, counts) => {
                let counts = counts.as_deref().copied().unwrap_or_default();
                let per_kind = [
                    counts.unclosed_rings,
                    counts.degenerate_rings,
                    counts.antimeridian_splits,
                    counts.polar_rings,
                    counts.invalid_repaired,
                ];
                for (ids, n) in repaired_ids.iter_mut().zip(per_kind) {
                    if n > 0 {
                        ids.push(key.clone());
                    }
                }
                repairs.add(&counts);
                if mp.0.is_empty() {
                    empty_after_repair.push(key.clone());
                    *out = FeatureOut::Null;
                    continue;
                }
                any_polygon = true;
                if keys_unique {
                    continue;
                }
                let mp = std::mem::replace(mp, MultiPolygon::new(Vec::new()));
                match group_of.entry(key.clone()) {
                    std::collections::hash_map::Entry::Occupied(e) => groups[*e.get()].1.more.push(mp),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let key = e.key().clone();
                        e.insert(groups.len());
                        groups.push((key, Group { first_index: f.index, first: mp, more: Vec::new() }));
                    }
                }
            }
        }
    }
    let src = path.clone();
    let mut warn = |message: String, count: usize| warnings.push(Warning { source: src.clone(), message, count });
    if !null_ids.is_empty() {
        warn(
            format!("{} feature(s) with a null geometry skipped: {}", null_ids.len(), describe_examples(&null_ids)),
            null_ids.len(),
        );
    }
    if !empty_ids.is_empty() {
        warn(
            format!("{} feature(s) with an empty geometry skipped: {}", empty_ids.len(), describe_examples(&empty_ids)),
            empty_ids.len(),
        );
    }
    let mut kinds: Vec<_> = skipped.into_iter().collect();
    kinds.sort();
    for (kind, ids) in kinds {
        warn(
            format!("{} {kind} feature(s) skipped (only polygons are used): {}", ids.len(), describe_examples(&ids)),
            ids.len(),
        );
    }
    if !empty_after_repair.is_empty() {
        warn(
            format!(
                "{} feature(s) had no area left after dropping degenerate rings, skipped: {}",
                empty_after_repair.len(),
                describe_examples(&empty_after_repair)
            ),
            empty_after_repair.len(),
        );
    }
    for ((n, what), ids) in [
        (repairs.unclosed_rings, "unclosed ring(s) closed"),
        (repairs.degenerate_rings, "degenerate ring(s) (fewer than 3 distinct points) dropped"),
        (repairs.antimeridian_splits, "polygon(s) crossing the antimeridian split at ±180°"),
        (repairs.polar_rings, "ring(s) around a pole closed along the pole"),
        (
            repairs.invalid_repaired,
            "invalid feature geometries (self-intersections, crossing rings, misplaced holes) repaired",
        ),
    ]
    .into_iter()
    .zip(&repaired_ids)
    {
        if n > 0 {
            warn(format!("{n} {what}; features concerned: {}", describe_examples(ids)), n);
        }
    }
    if !any_polygon {
        return Err(fmt_err("no polygon features (all geometries were null, empty or not polygons)".into()));
    }

    // The units: areas and boxes in parallel; features sharing an id dissolved. Each unit takes
    // the properties of its first feature (moved, not copied).
    drop(group_of);
    let unit = |key: String, geometry: MultiPolygon<f64>, properties: crate::model::Properties| {
        let name = fields.name.as_ref().and_then(|k| properties.get(k)).and_then(value_to_key);
        let population = fields.population.as_ref().and_then(|k| properties.get(k)).and_then(value_to_f64);
        let properties = if spec.drop_properties { Default::default() } else { properties };
        // A non-empty geometry (repair drops empty polygons) always has a box.
        let bbox = geometry.bounding_rect()?;
        let area = area_km2(&geometry);
        Some(Unit {
            // No name: the id is used (and counted in a warning below).
            name: name.filter(|n| !n.is_empty()).unwrap_or_default(),
            id: key,
            bbox,
            area_km2: area,
            geometry,
            population,
            properties,
        })
    };
    let (mut units, merged_ids): (Vec<Unit>, Vec<String>) = if keys_unique {
        // Collected by position (a filtered parallel iterator collects into per-thread vectors
        // first, then copies them into one: twice the table at once, 400 MB for a million
        // units), then the features without a unit filtered out in place.
        let units: Vec<Option<Unit>> = outs
            .into_par_iter()
            .zip(features.par_iter_mut())
            .map(|((key, out), f)| {
                let FeatureOut::Polygons(geometry, _) = out else { return None };
                unit(key?, geometry, std::mem::take(&mut f.properties))
            })
            .collect();
        (somes_in_place(units), Vec::new())
    } else {
        drop(outs);
        let grouped: Vec<(String, Group, crate::model::Properties)> = groups
            .into_iter()
            .map(|(key, g)| {
                let properties = std::mem::take(&mut features[g.first_index].properties);
                (key, g, properties)
            })
            .collect();
        let merged_ids = grouped.iter().filter(|(_, g, _)| !g.more.is_empty()).map(|(k, _, _)| k.clone()).collect();
        let units = grouped
            .into_par_iter()
            .filter_map(|(key, g, properties)| {
                let geometry = if g.more.is_empty() {
                    g.first
                } else {
                    g.more.into_iter().fold(g.first, |acc, mp| acc.union(&mp))
                };
                unit(key, geometry, properties)
            })
            .collect();
        (units, merged_ids)
    };
    if !merged_ids.is_empty() {
        warn(
            format!("features sharing an id were dissolved into one unit each: {}", describe_examples(&merged_ids)),
            merged_ids.len(),
        );
    }
    // (Without a name field every unit takes its id: nothing to warn of.)
    let missing_names: Vec<String> = match fields.name {
        Some(_) => units.iter().filter(|u| u.name.is_empty()).map(|u| u.id.clone()).collect(),
        None => Vec::new(),
    };
    if !missing_names.is_empty() {
        warn(
            format!(
                "{} unit(s) have no name; their id is used: {}",
                missing_names.len(),
                describe_examples(&missing_names)
            ),
            missing_names.len(),
        );
    }
    units.par_iter_mut().filter(|u| u.name.is_empty()).for_each(|u| u.name = u.id.clone());
    // Names shared by several units: sorted, then counted in runs.
    let mut dup: Vec<String> = Vec::new();
    let mut n_units = 0;
    // Without a name field every name is its unit's id, and ids are distinct (features
    // sharing one were dissolved above): nothing to check.
    if fields.name.is_some() && !all_distinct(units.par_iter().map(|u| u.name.as_str())) {
        let mut names: Vec<&str> = units.par_iter().map(|u| u.name.as_str()).collect();
        names.par_sort_unstable();
        for run in names.chunk_by(|a, b| a == b) {
            if run.len() > 1 {
                dup.push(run[0].to_string());
                n_units += run.len();
            }
        }
    }
    if !dup.is_empty() {
        warn(
            format!(
                "{} name(s) are shared by {n_units} units (ids tell them apart): {}",
                dup.len(),
                describe_examples(&dup)
            ),
            n_units,
        );
    }
    if fields.population.is_some() {
        let missing = units.iter().filter(|u| u.population.is_none()).count();
        if missing > 0 {
            warn(format!("{missing} unit(s) have no usable population value"), missing);
        }
    }

    let name = layer_name.unwrap_or_else(|| {
        spec.path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| path.clone())
    });
    Ok(Layer {
        name,
        spec: spec.clone(),
        fields,
        crs: crs_name,
        units,
        warnings,
        feature_count: features.len(),
        load_times: Default::default(),
    })
}

fn process_geometry<G: GeometrySource>(g: G, transform: Option<&ToLonLat>, crs_name: &str) -> FeatureOut {
    let fail = FeatureOut::Failed;
    let mut polys: Vec<Rings> = match g.decode() {
        Err(e) => return fail(e),
        Ok(Geom::Null) => return FeatureOut::Null,
        Ok(Geom::Empty) => return FeatureOut::Empty,
        Ok(Geom::Other(kind)) => return FeatureOut::Skipped(kind),
        Ok(Geom::Polygons(p)) if p.iter().all(|r| r.iter().all(|ring| ring.is_empty())) => {
            return FeatureOut::Empty;
        }
        Ok(Geom::Polygons(p)) => p,
    };
    for rings in &mut polys {
        for ring in rings.iter_mut() {
            if let Some(c) = ring.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return fail(format!("non-finite coordinate ({}, {})", c.x, c.y));
            }
            if let Some(t) = transform {
                let mut pts: Vec<(f64, f64)> = ring.iter().map(|c| (c.x, c.y)).collect();
                if let Err(e) = t.convert(&mut pts) {
                    return fail(e);
                }
                for (c, (x, y)) in ring.iter_mut().zip(pts) {
                    *c = Coord { x, y };
                }
                if let Some(c) = ring.iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
                    return fail(format!(
                        "reprojection from {crs_name} gave a non-finite coordinate ({}, {})",
                        c.x, c.y
                    ));
                }
            } else if let Some(c) = ring.iter().find(|c| c.x.abs() > 360.0 || c.y.abs() > 90.0 + 1e-9) {
                return fail(format!(
                    "coordinate ({}, {}) is outside the lon/lat range: the file declares no CRS, so it is read as WGS 84 lon/lat; if it is projected, give its CRS, e.g. --crs EPSG:3857 (or FILE,crs=EPSG:3857)",
                    c.x, c.y
                ));
            }
            for c in ring.iter_mut() {
                c.y = c.y.clamp(-90.0, 90.0);
            }
        }
    }
    // The boolean kernel (i_overlay, inside geo) can fail an internal assertion on some
    // degenerate inputs (found by fuzzing: tests/fuzz_regressions.rs): that feature becomes
    // an error naming it, never a crash.
    match std::panic::catch_unwind(move || normalize_polygons(polys)) {
        Ok((mp, counts)) => FeatureOut::Polygons(mp, (!counts.is_clean()).then(|| Box::new(counts))),
        Err(_) => fail("the polygon could not be repaired: the boolean kernel failed on it (degenerate rings?)".into()),
    }
}

/// The field mapping for `features`: explicit fields are checked, the others detected.
pub fn resolve_fields(spec: &LayerSpec, features: &[Feature], path: &str) -> Result<FieldMapping, LoadError> {
    // How many features have each property with a value (not null): one pass over the
    // features, instead of one per candidate name (a million features, dozens of candidates).
    let mut counts: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for f in features {
        for (k, v) in f.properties.iter() {
            if !v.is_null() {
                *counts.entry(k).or_default() += 1;
            }
        }
    }
    let with_value = |k: &str| counts.get(k).copied().unwrap_or(0);
    let present_in_all = |k: &str| with_value(k) == features.len();
    let present_in_any = |k: &str| with_value(k) > 0;
    let check = |k: &Option<String>, what: &str| -> Result<(), LoadError> {
        if let Some(k) = k
            && !present_in_any(k)
        {
            let mut keys: Vec<&str> = features.first().map(|f| f.properties.keys().collect()).unwrap_or_default();
            keys.sort();
            return Err(LoadError::Format {
                path: path.to_string(),
                msg: format!(
                    "the {what} property \"{k}\" is in no feature (properties of the first feature: {})",
                    keys.join(", ")
                ),
            });
        }
        Ok(())
    };
    let f = &spec.fields;
    check(&f.id, "id")?;
    check(&f.name, "name")?;
    check(&f.parent, "parent")?;
    check(&f.population, "population")?;
    let id = f.id.clone().or_else(|| ID_CANDIDATES.iter().find(|k| present_in_all(k)).map(|k| k.to_string()));
    let name = f.name.clone().or_else(|| NAME_CANDIDATES.iter().find(|k| present_in_any(k)).map(|k| k.to_string()));
    let population = f
        .population
        .clone()
        .or_else(|| POPULATION_CANDIDATES.iter().find(|k| present_in_any(k)).map(|k| k.to_string()));
    Ok(FieldMapping { id, name, parent: f.parent.clone(), population })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::wkt;

    #[test]
    fn a_feature_s_result_stays_small() {
        // A million of them live at once beside the features and the units (see `FeatureOut`).
        assert!(std::mem::size_of::<FeatureOut>() <= 40, "{}", std::mem::size_of::<FeatureOut>());
    }

    #[test]
    fn cancel_stops_the_build() {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        /// Asks to stop at the first progress report (after 256 features).
        struct StopAtFirstReport(AtomicBool);
        impl Progress for StopAtFirstReport {
            fn update(&self, _: &str, _: usize, _: usize) {
                self.0.store(true, Relaxed);
            }
            fn is_cancelled(&self) -> bool {
                self.0.load(Relaxed)
            }
        }
        let feature = r#"{"type":"Feature","properties":{"id":ID},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#;
        let features: Vec<String> = (0..2000).map(|k| feature.replace("ID", &k.to_string())).collect();
        let doc = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
        let build = |progress: &dyn Progress| {
            let decoded = crate::io::geojson::decode("t.geojson", &doc).unwrap();
            build_layer(&LayerSpec::new("t.geojson"), "t.geojson", decoded, progress)
        };
        assert_eq!(build(&crate::progress::NoProgress).unwrap().units.len(), 2000);
        assert!(matches!(build(&StopAtFirstReport(AtomicBool::new(false))), Err(LoadError::Cancelled)));
    }

    #[test]
    fn dropped_properties_keep_id_name_and_population() {
        let doc = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A","name":"Alpha","pop":12,"note":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let build = |drop_properties: bool| {
            let spec = LayerSpec { drop_properties, ..LayerSpec::parse("t.geojson,id=code,population=pop").unwrap() };
            let decoded = crate::io::geojson::decode("t.geojson", doc).unwrap();
            build_layer(&spec, "t.geojson", decoded, &crate::progress::NoProgress).unwrap().units.remove(0)
        };
        let (kept, dropped) = (build(false), build(true));
        assert_eq!(kept.properties.iter().count(), 4);
        assert_eq!(dropped.properties.iter().count(), 0);
        assert_eq!((dropped.id.as_str(), dropped.name.as_str(), dropped.population), ("A", "Alpha", Some(12.0)));
        assert_eq!(
            (kept.id, kept.name, kept.population, kept.area_km2),
            (dropped.id, dropped.name, dropped.population, dropped.area_km2)
        );
    }

    #[test]
    fn the_units_are_filtered_in_their_own_allocation() {
        let squares = [wkt!(POLYGON((0. 0.,1. 0.,1. 1.,0. 0.))), wkt!(POLYGON((0. 0.,2. 0.,2. 2.,0. 0.)))];
        let units: Vec<Option<Unit>> = squares
            .into_iter()
            .enumerate()
            .flat_map(|(i, p)| [Unit::from_geometry(&i.to_string(), MultiPolygon::new(vec![p])), None])
            .collect();
        let at = units.as_ptr() as usize;
        let kept = somes_in_place(units);
        assert_eq!(kept.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["0", "1"]);
        // A copy would hold the table twice at its peak (a million units: 200 MB more).
        assert_eq!(kept.as_ptr() as usize, at, "collected into a new vector");
    }
}
