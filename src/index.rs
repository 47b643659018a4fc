//! Spatial indexes over a layer: an R-tree of unit bounding boxes (bulk-loaded, rstar) for
//! candidate search, and one edge-chunk index per unit for the overlay's containment tests.

use crate::geometry::ChunkIndex;
use crate::model::Layer;
use geo::Rect;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A layer with its indexes.
#[derive(Debug, Clone)]
pub struct IndexedLayer {
    /// The layer.
    pub layer: Layer,
    tree: RTree<Entry>,
    /// Edge-chunk index of each unit, by unit position.
    pub chunks: Vec<ChunkIndex>,
}

fn env(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl IndexedLayer {
    /// Builds the R-tree and the chunk indexes (in parallel).
    pub fn new(layer: Layer) -> Self {
        let none = (0..layer.units.len()).map(|_| None).collect();
        Self::with_chunks(layer, none)
    }

    /// Like [`IndexedLayer::new`], reusing the chunk indexes already built for some units
    /// (`known[i]`, e.g. units a reform scenario left as they were).
    pub fn with_chunks(layer: Layer, known: Vec<Option<ChunkIndex>>) -> Self {
        let entries: Vec<Entry> = layer
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| GeomWithData::new(Rectangle::from_aabb(env(u.bbox)), i))
            .collect();
        let tree = RTree::bulk_load(entries);
        let chunks =
            layer.units.par_iter().zip(known).map(|(u, k)| k.unwrap_or_else(|| ChunkIndex::new(&u.geometry))).collect();
        IndexedLayer { layer, tree, chunks }
    }

    /// Positions of the units whose bounding box meets `rect`, in ascending order.
    pub fn candidates(&self, rect: Rect<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self.tree.locate_in_envelope_intersecting(&env(rect)).map(|e| e.data).collect();
        v.sort_unstable();
        v
    }
}
