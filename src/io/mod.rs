//! Reading layers and writing results. Knows nothing of the analysis.

pub mod atomic;
pub mod geojson;

pub use atomic::write_atomic;
pub use geojson::{LoadError, Preview, load_layer, load_layer_with_progress, preview};
