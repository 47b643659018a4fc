//! Project files: a whole session (layers with field mappings and CRS, parameters) as
//! human-readable JSON that both the desktop app and `crossbound analyze --project` read.

use crate::analysis::Params;
use crate::governance::GovParams;
use crate::io::atomic::write_atomic;
use crate::study::Inputs;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Format identifier of project files.
pub const PROJECT_FORMAT: &str = "crossbound.project/1";

/// A saved session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Always [`PROJECT_FORMAT`].
    pub format: String,
    /// Layers (paths relative to the project file are resolved against its folder).
    #[serde(flatten)]
    pub inputs: Inputs,
    /// Analysis parameters.
    #[serde(default)]
    pub params: Params,
    /// Proposal parameters.
    #[serde(default)]
    pub governance: GovParams,
}

impl Project {
    /// A project for `inputs` with default parameters.
    pub fn new(inputs: Inputs) -> Self {
        Project { format: PROJECT_FORMAT.into(), inputs, params: Params::default(), governance: GovParams::default() }
    }

    /// Reads a project file; relative layer paths are taken relative to the file's folder.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut p: Project =
            serde_json::from_str(&text).map_err(|e| format!("{}: not a crossbound project: {e}", path.display()))?;
        if p.format != PROJECT_FORMAT {
            return Err(format!(
                "{}: unknown project format \"{}\" (expected {PROJECT_FORMAT})",
                path.display(),
                p.format
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        for s in p.inputs.admin.iter_mut().chain(p.inputs.eco.iter_mut()) {
            if s.path.is_relative() && !s.path.exists() {
                s.path = base.join(&s.path);
            }
        }
        if let Some(parts) = &mut p.inputs.parts
            && parts.is_relative()
            && !parts.exists()
        {
            *parts = base.join(&*parts);
        }
        Ok(p)
    }

    /// Writes the project file atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(path, format!("{text}\n").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerSpec;

    #[test]
    fn round_trips_and_is_readable() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Project::new(Inputs {
            admin: vec![LayerSpec::parse("a.geojson,id=code").unwrap()],
            eco: vec![LayerSpec::parse("b.geojson,crs=EPSG:3857").unwrap()],
            ..Default::default()
        });
        p.params.threshold = 0.1;
        let f = dir.path().join("x.crossbound.json");
        p.save(&f).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains("\"threshold\": 0.1") && text.contains("\"id\": \"code\""), "{text}");
        let q = Project::load(&f).unwrap();
        assert_eq!(q.params, p.params);
        assert_eq!(q.inputs.admin[0].fields.id.as_deref(), Some("code"));
        assert!(q.inputs.admin[0].path.ends_with("a.geojson"));
    }
}
