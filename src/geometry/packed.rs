//! A static, packed R-tree of boxes (the layout of flatbush and of FlatGeobuf's index): the
//! items sorted along a Z-order curve of their centres, then grouped sixteen to a node, level by
//! level, in flat arrays.
//!
//! The overlay builds one index per unit over its boundary's edge chunks and queries it millions
//! of times; most units (a hexagon, a small province) have a single chunk. A packed tree costs
//! one allocation for the items and one for the node boxes, nothing at all above a single node,
//! and answers a query by scanning contiguous boxes. rstar's dynamic tree, used here before,
//! spent more time building (one allocation per node) and querying (an iterator with a heap
//! stack per query) than the overlay spent deciding pairs with it: on the world pair the index
//! stage and the pair tests took a fifth of the run.

/// An axis-aligned box, `min` ≤ `max` on both axes (degrees in this crate's uses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bx {
    /// Lower corner (x, y).
    pub min: [f64; 2],
    /// Upper corner (x, y).
    pub max: [f64; 2],
}

impl Bx {
    /// The box of two corners given in any order.
    pub fn of(a: [f64; 2], b: [f64; 2]) -> Bx {
        Bx { min: [a[0].min(b[0]), a[1].min(b[1])], max: [a[0].max(b[0]), a[1].max(b[1])] }
    }

    /// The box of a geo rectangle.
    pub fn from_rect(r: geo::Rect<f64>) -> Bx {
        Bx { min: [r.min().x, r.min().y], max: [r.max().x, r.max().y] }
    }

    /// An empty box (the identity of [`Bx::union`]).
    pub const EMPTY: Bx = Bx { min: [f64::INFINITY; 2], max: [f64::NEG_INFINITY; 2] };

    /// The smallest box holding both.
    #[inline]
    pub fn union(&self, o: &Bx) -> Bx {
        Bx {
            min: [self.min[0].min(o.min[0]), self.min[1].min(o.min[1])],
            max: [self.max[0].max(o.max[0]), self.max[1].max(o.max[1])],
        }
    }

    /// The box both hold (empty, `min` > `max` on an axis, when they are apart).
    #[inline]
    pub fn intersection(&self, o: &Bx) -> Bx {
        Bx {
            min: [self.min[0].max(o.min[0]), self.min[1].max(o.min[1])],
            max: [self.max[0].min(o.max[0]), self.max[1].min(o.max[1])],
        }
    }

    /// True when the boxes share a point (touching counts).
    #[inline]
    pub fn meets(&self, o: &Bx) -> bool {
        self.min[0] <= o.max[0] && o.min[0] <= self.max[0] && self.min[1] <= o.max[1] && o.min[1] <= self.max[1]
    }
}

/// Items per node.
const NODE: usize = 16;

/// A packed R-tree over items of type `T`, each with its box. Immutable once built.
#[derive(Debug, Clone)]
pub struct Packed<T> {
    /// The items with their boxes, in curve order.
    items: Items<T>,
    /// The node boxes of every level above the items, lowest level first.
    nodes: Box<[Bx]>,
    /// Where each level starts in `nodes`, and where the last one ends.
    levels: Box<[u32]>,
}

/// A tree's items: a single item (a one-chunk unit, most units of a fine grid) is kept inline,
/// so a million such trees cost no heap block each.
#[derive(Debug, Clone)]
enum Items<T> {
    One([(Bx, T); 1]),
    Many(Box<[(Bx, T)]>),
}

impl<T> std::ops::Deref for Items<T> {
    type Target = [(Bx, T)];
    #[inline]
    fn deref(&self) -> &[(Bx, T)] {
        match self {
            Items::One(a) => a,
            Items::Many(b) => b,
        }
    }
}

/// Interleaves the low 16 bits of `v` with zeros.
fn spread(v: u32) -> u32 {
    let mut x = v & 0xFFFF;
    x = (x | (x << 8)) & 0x00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333;
    (x | (x << 1)) & 0x5555_5555
}

impl<T: Clone> Packed<T> {
    /// Packs `items`. Their order is not kept (see [`Packed::items`]).
    pub fn new(mut items: Vec<(Bx, T)>) -> Self {
        if items.len() > NODE {
            let ext = items.iter().fold(Bx::EMPTY, |a, (b, _)| a.union(b));
            let scale = |v: f64, lo: f64, hi: f64| {
                if hi > lo { (((v - lo) / (hi - lo)) * 65535.0).clamp(0.0, 65535.0) as u32 } else { 0 }
            };
            let key = |b: &Bx| {
                let cx = scale(0.5 * (b.min[0] + b.max[0]), ext.min[0], ext.max[0]);
                let cy = scale(0.5 * (b.min[1] + b.max[1]), ext.min[1], ext.max[1]);
                spread(cx) | (spread(cy) << 1)
            };
            items.sort_by_cached_key(|(b, _)| key(b));
        }
        let (nodes, levels) = Self::nodes_over(&items);
        // Kept in the vector's own allocation when it holds exactly its items (a collected
        // iterator of known length does): a zone layer's tree is tens of MB, and a copy held it
        // twice while the index was built.
        let items = match items.len() {
            1 => Items::One([items[0].clone()]),
            n if n == items.capacity() => Items::Many(items.into_boxed_slice()),
            _ => Items::Many(items[..].into()),
        };
        Packed { items, nodes, levels }
    }

    /// Packs `items` in the order given (a copy, in an allocation of the exact size). The
    /// overlay's edge chunks are packed in ring order: consecutive chunks of a boundary are
    /// close to each other, so the nodes stay compact, and a node then covers one stretch of a
    /// ring, which [`Packed::walk_in_order`] uses to clip rings without visiting every vertex.
    pub fn in_order(items: &[(Bx, T)]) -> Self {
        let (nodes, levels) = Self::nodes_over(items);
        // Copied into an allocation of the exact size rather than shrunk in place: shrinking
        // leaves the rest of the grown vector as a hole too small for the next index's vector,
        // and a million one-chunk indexes then cost four times their size.
        let items = match items {
            [one] => Items::One([one.clone()]),
            _ => Items::Many(items.into()),
        };
        Packed { items, nodes, levels }
    }

    /// The node boxes over `items`, level by level from the lowest, and where each level
    /// starts (none for at most one node's worth of items). The lowest level is folded from
    /// the items themselves, not from a copy of their boxes.
    fn nodes_over(items: &[(Bx, T)]) -> (Box<[Bx]>, Box<[u32]>) {
        let mut nodes: Vec<Bx> = Vec::new();
        let mut levels: Vec<u32> = Vec::new();
        if items.len() > NODE {
            levels.push(0);
            nodes.extend(items.chunks(NODE).map(|c| c.iter().fold(Bx::EMPTY, |a, (b, _)| a.union(b))));
            let mut start = 0;
            while nodes.len() - start > NODE {
                let end = nodes.len();
                levels.push(end as u32);
                for k in (start..end).step_by(NODE) {
                    let b = nodes[k..(k + NODE).min(end)].iter().fold(Bx::EMPTY, |a, b| a.union(b));
                    nodes.push(b);
                }
                start = end;
            }
            levels.push(nodes.len() as u32);
        }
        (nodes.into_boxed_slice(), levels.into_boxed_slice())
    }
}

impl<T> Packed<T> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every item, in the tree's order.
    pub fn items(&self) -> &[(Bx, T)] {
        &self.items
    }

    /// The box of all items (`Bx::EMPTY` when there are none).
    pub fn extent(&self) -> Bx {
        match self.levels.len() {
            0 => self.items.iter().map(|(b, _)| b).fold(Bx::EMPTY, |a, b| a.union(b)),
            n => self.nodes[self.levels[n - 2] as usize..].iter().fold(Bx::EMPTY, |a, b| a.union(b)),
        }
    }

    /// Calls `f` on every item whose box meets `q`, until `f` returns `false`. Returns `false`
    /// when it was stopped that way.
    #[inline]
    pub fn visit(&self, q: &Bx, f: &mut impl FnMut(&Bx, &T) -> bool) -> bool {
        match self.levels.len() {
            0 => self.visit_items(0, self.items.len(), q, f),
            n => {
                let top = n - 2;
                let (s, e) = (self.levels[top] as usize, self.levels[top + 1] as usize);
                (0..e - s).all(|j| !self.nodes[s + j].meets(q) || self.descend(top, j, q, f))
            }
        }
    }

    fn visit_items(&self, from: usize, to: usize, q: &Bx, f: &mut impl FnMut(&Bx, &T) -> bool) -> bool {
        self.items[from..to].iter().all(|(b, t)| !b.meets(q) || f(b, t))
    }

    /// Visits the children of node `j` of internal level `level`.
    fn descend(&self, level: usize, j: usize, q: &Bx, f: &mut impl FnMut(&Bx, &T) -> bool) -> bool {
        let from = j * NODE;
        if level == 0 {
            return self.visit_items(from, (from + NODE).min(self.items.len()), q, f);
        }
        let (s, e) = (self.levels[level - 1] as usize, self.levels[level] as usize);
        let to = (from + NODE).min(e - s);
        (from..to).all(|c| !self.nodes[s + c].meets(q) || self.descend(level - 1, c, q, f))
    }

    /// Walks the items in their stored order. At each node above the items, `whole(box, range)`
    /// says whether its items (`range`, positions in [`Packed::items`]) are taken together:
    /// then `each(box, range)` is called once for them all; otherwise the node is opened. Items
    /// not taken in a node are passed to `each` one by one.
    pub fn walk_in_order(
        &self,
        whole: &mut impl FnMut(&Bx, std::ops::Range<usize>) -> bool,
        each: &mut impl FnMut(&Bx, std::ops::Range<usize>),
    ) {
        let n = self.items.len();
        match self.levels.len() {
            0 => (0..n).for_each(|i| each(&self.items[i].0, i..i + 1)),
            k => {
                let top = k - 2;
                let (s, e) = (self.levels[top] as usize, self.levels[top + 1] as usize);
                for j in 0..e - s {
                    self.walk_node(top, j, whole, each);
                }
            }
        }
    }

    fn walk_node(
        &self,
        level: usize,
        j: usize,
        whole: &mut impl FnMut(&Bx, std::ops::Range<usize>) -> bool,
        each: &mut impl FnMut(&Bx, std::ops::Range<usize>),
    ) {
        let n = self.items.len();
        let span = NODE.pow(level as u32 + 1);
        let range = j * span..((j + 1) * span).min(n);
        let bx = &self.nodes[self.levels[level] as usize + j];
        if whole(bx, range.clone()) {
            each(bx, range);
            return;
        }
        let from = j * NODE;
        if level == 0 {
            for i in range {
                each(&self.items[i].0, i..i + 1);
            }
            return;
        }
        let (s, e) = (self.levels[level - 1] as usize, self.levels[level] as usize);
        for c in from..(from + NODE).min(e - s) {
            self.walk_node(level - 1, c, whole, each);
        }
    }

    /// The items whose box meets `q`, in the tree's order.
    pub fn meeting(&self, q: &Bx) -> Vec<T>
    where
        T: Clone,
    {
        let mut v = Vec::new();
        self.visit(q, &mut |_, t| {
            v.push(t.clone());
            true
        });
        v
    }

    /// True when some item's box meets `q`.
    pub fn any_meets(&self, q: &Bx) -> bool {
        !self.visit(q, &mut |_, _| false)
    }

    /// Number of items whose box meets `q`.
    pub fn count_meeting(&self, q: &Bx) -> usize {
        let mut n = 0;
        self.visit(q, &mut |_, _| {
            n += 1;
            true
        });
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bx((x, y, w, h): (f64, f64, f64, f64)) -> Bx {
        Bx::of([x, y], [x + w, y + h])
    }

    proptest! {
        /// Every query finds exactly the items a scan finds, at every size (one node, several
        /// levels, a partial last node).
        #[test]
        fn queries_match_a_scan(
            boxes in prop::collection::vec((-100.0..100.0f64, -50.0..50.0f64, 0.0..20.0f64, 0.0..20.0f64), 0..700),
            q in (-120.0..120.0f64, -60.0..60.0f64, 0.0..80.0f64, 0.0..80.0f64),
        ) {
            let items: Vec<(Bx, usize)> = boxes.iter().enumerate().map(|(i, b)| (bx(*b), i)).collect();
            let tree = Packed::new(items.clone());
            let q = bx(q);
            let mut found = Vec::new();
            tree.visit(&q, &mut |_, &i| { found.push(i); true });
            found.sort_unstable();
            let expect: Vec<usize> = items.iter().filter(|(b, _)| b.meets(&q)).map(|(_, i)| *i).collect();
            prop_assert_eq!(&found, &expect);
            prop_assert_eq!(tree.count_meeting(&q), expect.len());
            prop_assert_eq!(tree.any_meets(&q), !expect.is_empty());
            let ext = items.iter().fold(Bx::EMPTY, |a, (b, _)| a.union(b));
            prop_assert_eq!(tree.extent(), ext);
        }
    }

    proptest! {
        /// An in-order walk passes every item once, in order, whatever nodes are taken whole,
        /// and a node's box holds the boxes of its items.
        #[test]
        fn in_order_walk_covers_every_item_once(n in 0usize..2000, cut in 0usize..64) {
            let items: Vec<(Bx, usize)> =
                (0..n).map(|i| (Bx::of([i as f64, (i % 7) as f64], [i as f64 + 1.5, (i % 7) as f64 + 1.0]), i)).collect();
            let tree = Packed::in_order(&items);
            let mut seen = Vec::new();
            let mut ok = true;
            tree.walk_in_order(
                &mut |b, r| {
                    ok &= items[r.clone()].iter().all(|(ib, _)| b.union(ib) == *b);
                    r.start % 64 == cut
                },
                &mut |_, r| seen.extend(r),
            );
            prop_assert!(ok);
            prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_stopped_visit_says_so() {
        let tree = Packed::new((0..100).map(|i| (Bx::of([i as f64, 0.0], [i as f64 + 1.0, 1.0]), i)).collect());
        let mut seen = 0;
        assert!(!tree.visit(&Bx::of([0.0, 0.0], [200.0, 1.0]), &mut |_, _| {
            seen += 1;
            seen < 3
        }));
        assert_eq!(seen, 3);
        assert!(tree.visit(&Bx::of([500.0, 0.0], [600.0, 1.0]), &mut |_, _| false));
    }
}
