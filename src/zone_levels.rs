//! A table with one row per ecological zone and one cell per admin level, stored flat.
//!
//! The overlay and the analysis hold one value per (zone, level). Kept as a vector of levels
//! per zone, each zone cost a heap block and a 24-byte vector header on top of its values: on
//! a 1.2M-hexagon grid, 30–40 MB per table for nothing. [`ZoneLevels`] keeps every cell in one
//! vector, row after row, and hands out a zone's row as a slice: `table[z][l]`, `table[z].iter()`
//! and `for row in table.iter()` read as they did.

use rayon::prelude::*;

/// `table[z][l]`: the value of zone `z` at admin level `l`, for `len()` zones and `levels()`
/// levels (at least one: a study always has an admin level).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneLevels<T> {
    levels: usize,
    cells: Vec<T>,
}

impl<T> ZoneLevels<T> {
    /// `zones` rows of `levels` cells (0 is taken as 1), cell `(z, l)` being `f(z, l)`,
    /// computed in parallel.
    pub fn par_from_fn(zones: usize, levels: usize, f: impl Fn(usize, usize) -> T + Sync) -> Self
    where
        T: Send,
    {
        let levels = levels.max(1);
        let cells = (0..zones * levels).into_par_iter().map(|i| f(i / levels, i % levels)).collect();
        ZoneLevels { levels, cells }
    }

    /// The table whose cells, row after row, are `cells`.
    ///
    /// # Panics
    /// When `cells` is not a whole number of rows (a programming error).
    pub fn from_cells(levels: usize, cells: Vec<T>) -> Self {
        let levels = levels.max(1);
        assert!(cells.len().is_multiple_of(levels), "a zone row needs one cell per level");
        ZoneLevels { levels, cells }
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.cells.len() / self.levels
    }

    /// True when there is no zone.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Number of levels (cells per row).
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The rows, in zone order.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, T> {
        self.cells.chunks_exact(self.levels)
    }

    /// The rows, mutable.
    pub fn iter_mut(&mut self) -> std::slice::ChunksExactMut<'_, T> {
        self.cells.chunks_exact_mut(self.levels)
    }

    /// Zone `z`'s row, if there is such a zone.
    pub fn get(&self, z: usize) -> Option<&[T]> {
        (z < self.len()).then(|| &self[z])
    }
}

impl<T> std::ops::Index<usize> for ZoneLevels<T> {
    type Output = [T];
    /// Zone `z`'s row.
    fn index(&self, z: usize) -> &[T] {
        &self.cells[z * self.levels..(z + 1) * self.levels]
    }
}

impl<T> std::ops::IndexMut<usize> for ZoneLevels<T> {
    fn index_mut(&mut self, z: usize) -> &mut [T] {
        &mut self.cells[z * self.levels..(z + 1) * self.levels]
    }
}

impl<'a, T> IntoIterator for &'a ZoneLevels<T> {
    type Item = &'a [T];
    type IntoIter = std::slice::ChunksExact<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_as_nested_vectors_did() {
        let t = ZoneLevels::par_from_fn(3, 2, |z, l| 10 * z + l);
        assert_eq!((t.len(), t.levels()), (3, 2));
        assert_eq!(t[1], [10, 11]);
        assert_eq!(t[2][1], 21);
        assert_eq!((t.get(2), t.get(3)), (Some(&[20, 21][..]), None));
        assert_eq!(t.iter().map(|r| r.iter().sum::<usize>()).collect::<Vec<_>>(), [1, 21, 41]);
        let mut u = ZoneLevels::from_cells(2, vec![0, 1, 10, 11, 20, 21]);
        assert_eq!(u, t);
        u[0][1] = 7;
        assert_eq!(u.iter_mut().next().unwrap(), [0, 7]);
        assert!(ZoneLevels::<u8>::from_cells(0, vec![]).is_empty());
    }

    #[test]
    #[should_panic(expected = "one cell per level")]
    fn a_short_row_is_refused() {
        ZoneLevels::from_cells(2, vec![1, 2, 3]);
    }
}
