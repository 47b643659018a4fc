//! Helpers shared by the integration tests.
#![allow(dead_code)]

use crossbound::analysis::LevelAnalysis;
use crossbound::study::Study;
use std::collections::HashMap;
use std::path::PathBuf;

/// The independent reader's interpreter: $CROSSBOUND_TEST_PYTHON (set by scripts/test.sh),
/// else the project's .venv (made by scripts/pyenv.sh).
pub fn python() -> PathBuf {
    let py = std::env::var("CROSSBOUND_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(py.exists(), "{} is missing: run scripts/pyenv.sh (scripts/test.sh does)", py.display());
    py
}

/// Shares by (eco layer, zone id, level, unit id) for every listed part of every zone.
pub fn shares(
    s: &Study,
    a: &[crossbound::zone_levels::ZoneLevels<LevelAnalysis>],
) -> HashMap<(usize, String, usize, String), f64> {
    let mut out = HashMap::new();
    for (e, layer) in s.eco.iter().enumerate() {
        for (z, zone) in layer.layer.units.iter().enumerate() {
            for (l, la) in a[e][z].iter().enumerate() {
                let units = &s.hierarchy.levels[l].indexed.layer.units;
                for p in &la.parts {
                    out.insert((e, zone.id.clone(), l, units[p.unit].id.clone()), p.share);
                }
            }
        }
    }
    out
}
