//! Spatial indexes over a layer: a packed R-tree of unit bounding boxes for candidate search,
//! and one edge-chunk index per unit for the overlay's containment tests.

use crate::geometry::ChunkIndex;
use crate::geometry::packed::{Bx, Packed};
use crate::model::Layer;
use geo::Rect;
use rayon::prelude::*;

/// A layer with its indexes.
#[derive(Debug, Clone)]
pub struct IndexedLayer {
    /// The layer.
    pub layer: Layer,
    /// The R-tree of the units' boxes, built when first asked for: the overlay queries only the
    /// admin layers' trees, and a zone layer's is asked for by the app (picking, drawing what
    /// is in view), not by a CLI run. Not built, it is not held beside the overlay, whose peak
    /// is the run's on the 299k-hexagon grid (12 MB there).
    tree: std::sync::OnceLock<Packed<u32>>,
    /// Edge-chunk index of each unit, by unit position.
    pub chunks: Vec<ChunkIndex>,
}

impl IndexedLayer {
    /// Builds the chunk indexes (in parallel); the R-tree is built when first used.
    pub fn new(layer: Layer) -> Self {
        let none = (0..layer.units.len()).map(|_| None).collect();
        Self::with_chunks(layer, none)
    }

    /// Like [`IndexedLayer::new`], reusing the chunk indexes already built for some units
    /// (`known[i]`, e.g. units a reform scenario left as they were).
    pub fn with_chunks(layer: Layer, known: Vec<Option<ChunkIndex>>) -> Self {
        let chunks =
            layer.units.par_iter().zip(known).map(|(u, k)| k.unwrap_or_else(|| ChunkIndex::new(&u.geometry))).collect();
        IndexedLayer { layer, tree: Default::default(), chunks }
    }

    /// The R-tree of the units' boxes, built now if it was not yet.
    pub fn tree(&self) -> &Packed<u32> {
        self.tree.get_or_init(|| {
            Packed::new(self.layer.units.iter().enumerate().map(|(i, u)| (Bx::from_rect(u.bbox), i as u32)).collect())
        })
    }

    /// Frees the units' polygons and their edge indexes, in parallel; ids, names, boxes, areas
    /// and the R-tree of boxes stay. A released unit's geometry is empty, which a loaded unit's
    /// never is (see [`crate::study::Study::release_admin_outlines`]).
    pub(crate) fn release_outlines(&mut self) {
        self.layer.units.par_iter_mut().for_each(|u| u.geometry = geo::MultiPolygon::new(Vec::new()));
        self.chunks = Vec::new();
    }

    /// Positions of the units whose bounding box meets `rect`, in ascending order.
    pub fn candidates(&self, rect: Rect<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self.tree().meeting(&Bx::from_rect(rect)).into_iter().map(|i| i as usize).collect();
        v.sort_unstable();
        v
    }
}
