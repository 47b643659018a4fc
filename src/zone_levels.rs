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
///
/// Zones whose rows are all the same blank value (a world grid's hexagons at sea, which no
/// unit touches: 190k of 299k) may share one stored row ([`ZoneLevels::par_from_fn_sharing`]):
/// they then cost 4 bytes each instead of a row. Reading is the same either way; writing a
/// row first gives every zone its own ([`ZoneLevels::iter_mut`], `table[z] = …`).
#[derive(Debug, Clone)]
pub struct ZoneLevels<T> {
    levels: usize,
    cells: Vec<T>,
    /// The stored row of each zone when rows are shared; `None`: zone `z` is row `z`.
    rows: Option<Vec<u32>>,
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
        ZoneLevels { levels, cells, rows: None }
    }

    /// Like [`ZoneLevels::par_from_fn`], except that the zones for which `blank(z)` holds all
    /// share the one row `blank_row` (its cell `l` must be what `f(z, l)` would give for every
    /// such zone: the caller's rule, checked in debug builds), and `f` is called only for the
    /// others. Rows are shared only when they save memory (more than a quarter of the zones
    /// blank, and fewer than 2³² rows); otherwise the table is as `par_from_fn` builds it.
    pub fn par_from_fn_sharing(
        zones: usize,
        levels: usize,
        blank_row: Vec<T>,
        blank: impl Fn(usize) -> bool + Sync,
        f: impl Fn(usize, usize) -> T + Sync,
    ) -> Self
    where
        T: Send + Sync + Clone + PartialEq + std::fmt::Debug,
    {
        let levels = levels.max(1);
        assert_eq!(blank_row.len(), levels, "a zone row needs one cell per level");
        let is_blank: Vec<bool> = (0..zones).into_par_iter().map(&blank).collect();
        let Some(rows) = shared_rows(&is_blank) else {
            return Self::par_from_fn(zones, levels, |z, l| if is_blank[z] { blank_row[l].clone() } else { f(z, l) });
        };
        #[cfg(debug_assertions)]
        if let Some(z) = is_blank.iter().position(|&b| b) {
            for (l, cell) in blank_row.iter().enumerate() {
                debug_assert_eq!(&f(z, l), cell, "the blank row differs from zone {z}'s row at level {l}");
            }
        }
        let own: Vec<usize> = (0..zones).filter(|&z| !is_blank[z]).collect();
        drop(is_blank);
        let mut cells = blank_row;
        cells.par_extend((0..own.len() * levels).into_par_iter().map(|i| f(own[i / levels], i % levels)));
        ZoneLevels { levels, cells, rows: Some(rows) }
    }

    /// The table of `blank.len()` zones in which the zones flagged in `blank` read as
    /// `blank_row` and the others, in zone order, as the rows of `own` (row after row, `levels`
    /// cells each): the blank rows are never built. They share one stored row under the same
    /// condition as [`ZoneLevels::par_from_fn_sharing`]; otherwise each gets its own copy.
    ///
    /// # Panics
    /// When `blank_row` or `own` is not a whole number of rows, or `own` does not hold one row
    /// per zone not flagged (a programming error).
    pub fn from_own_rows(levels: usize, blank_row: Vec<T>, blank: &[bool], own: Vec<T>) -> Self
    where
        T: Clone,
    {
        let levels = levels.max(1);
        assert_eq!(blank_row.len(), levels, "a zone row needs one cell per level");
        let owned = blank.iter().filter(|&&b| !b).count();
        assert_eq!(own.len(), owned * levels, "one row per zone not flagged blank");
        if let Some(rows) = shared_rows(blank) {
            let mut cells = blank_row;
            cells.extend(own);
            return ZoneLevels { levels, cells, rows: Some(rows) };
        }
        let mut cells = Vec::with_capacity(blank.len() * levels);
        let mut own = own.into_iter();
        for &b in blank {
            if b {
                cells.extend(blank_row.iter().cloned());
            } else {
                cells.extend(own.by_ref().take(levels));
            }
        }
        ZoneLevels { levels, cells, rows: None }
    }

    /// The table whose cells, row after row, are `cells`.
    ///
    /// # Panics
    /// When `cells` is not a whole number of rows (a programming error).
    pub fn from_cells(levels: usize, cells: Vec<T>) -> Self {
        let levels = levels.max(1);
        assert!(cells.len().is_multiple_of(levels), "a zone row needs one cell per level");
        ZoneLevels { levels, cells, rows: None }
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        match &self.rows {
            Some(rows) => rows.len(),
            None => self.cells.len() / self.levels,
        }
    }

    /// No zone.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of levels (cells per row).
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// The rows, in zone order.
    pub fn iter(&self) -> Rows<'_, T> {
        Rows { table: self, next: 0, end: self.len() }
    }

    /// The rows, in zone order, for writing: shared rows are first given to each zone.
    pub fn iter_mut(&mut self) -> std::slice::ChunksExactMut<'_, T>
    where
        T: Clone,
    {
        self.unshare();
        self.cells.chunks_exact_mut(self.levels)
    }

    /// Zone `z`'s row, if there is such a zone.
    pub fn get(&self, z: usize) -> Option<&[T]> {
        (z < self.len()).then(|| &self[z])
    }

    /// Gives every zone its own row.
    fn unshare(&mut self)
    where
        T: Clone,
    {
        if let Some(rows) = self.rows.take() {
            let levels = self.levels;
            let cells = &self.cells;
            self.cells = rows
                .iter()
                .flat_map(|&r| cells[r as usize * levels..(r as usize + 1) * levels].iter().cloned())
                .collect();
        }
    }
}

/// The stored row of each zone when the zones flagged blank share row 0 and the others follow
/// in zone order; `None` when sharing does not pay (at most a quarter of the zones blank) or
/// the rows would not fit in `u32`.
fn shared_rows(blank: &[bool]) -> Option<Vec<u32>> {
    let blanks = blank.iter().filter(|&&b| b).count();
    if blanks * 4 <= blank.len() || blank.len() >= u32::MAX as usize {
        return None;
    }
    let mut next = 0u32;
    Some(
        blank
            .iter()
            .map(|&b| {
                if b {
                    0
                } else {
                    next += 1;
                    next
                }
            })
            .collect(),
    )
}

impl<T: PartialEq> PartialEq for ZoneLevels<T> {
    /// Equal rows, zone by zone, however they are stored.
    fn eq(&self, other: &Self) -> bool {
        self.levels == other.levels && self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<T> std::ops::Index<usize> for ZoneLevels<T> {
    type Output = [T];
    fn index(&self, z: usize) -> &[T] {
        let r = match &self.rows {
            Some(rows) => rows[z] as usize,
            None => z,
        };
        &self.cells[r * self.levels..(r + 1) * self.levels]
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for ZoneLevels<T> {
    fn index_mut(&mut self, z: usize) -> &mut [T] {
        self.unshare();
        &mut self.cells[z * self.levels..(z + 1) * self.levels]
    }
}

/// The rows of a [`ZoneLevels`], in zone order.
#[derive(Debug, Clone)]
pub struct Rows<'a, T> {
    table: &'a ZoneLevels<T>,
    next: usize,
    end: usize,
}

impl<'a, T> Iterator for Rows<'a, T> {
    type Item = &'a [T];
    fn next(&mut self) -> Option<&'a [T]> {
        (self.next < self.end).then(|| {
            self.next += 1;
            &self.table[self.next - 1]
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.end - self.next, Some(self.end - self.next))
    }
}

impl<T> ExactSizeIterator for Rows<'_, T> {}

impl<T> DoubleEndedIterator for Rows<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.next < self.end).then(|| {
            self.end -= 1;
            &self.table[self.end]
        })
    }
}

impl<'a, T> IntoIterator for &'a ZoneLevels<T> {
    type Item = &'a [T];
    type IntoIter = Rows<'a, T>;
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
    fn blank_zones_share_one_row_and_read_as_their_own() {
        // Zones 1, 2 and 4 of 5 are blank: their row is [0, 0].
        let blank = |z: usize| [1, 2, 4].contains(&z);
        let f = |z: usize, l: usize| if blank(z) { 0 } else { 10 * z + l + 1 };
        let dense = ZoneLevels::par_from_fn(5, 2, f);
        let shared = ZoneLevels::par_from_fn_sharing(5, 2, vec![0, 0], blank, f);
        assert_eq!(shared.cells.len(), 3 * 2, "one blank row and two rows of their own");
        assert_eq!(shared, dense);
        assert_eq!((shared.len(), shared.levels()), (5, 2));
        assert_eq!(
            shared.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            dense.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
        );
        assert_eq!(shared.iter().next_back(), Some(&[0, 0][..]));
        assert_eq!((&shared[3], shared.get(4), shared.get(5)), (&[31, 32][..], Some(&[0, 0][..]), None));
        // Writing one blank zone's row leaves the others' alone.
        let mut w = shared.clone();
        w[1][0] = 9;
        assert_eq!((w[1][0], w[2][0], w[4][0]), (9, 0, 0));
        let mut w = shared.clone();
        w.iter_mut().nth(2).unwrap()[1] = 7;
        assert_eq!((&w[2], &w[1]), (&[0, 7][..], &[0, 0][..]));
        // The same table from the rows of the zones not blank, the blank ones never built.
        let flags: Vec<bool> = (0..5).map(blank).collect();
        let from_own = ZoneLevels::from_own_rows(2, vec![0, 0], &flags, vec![1, 2, 31, 32]);
        assert_eq!((from_own.cells.len(), from_own.rows.as_deref()), (6, Some(&[1, 0, 0, 2, 0][..])));
        assert_eq!(from_own, dense);
        // Few blanks: not worth a row map, both ways.
        let few = ZoneLevels::par_from_fn_sharing(5, 2, vec![0, 0], |z| z == 1, |z, l| if z == 1 { 0 } else { z + l });
        assert!(few.rows.is_none());
        assert_eq!(few, ZoneLevels::par_from_fn(5, 2, |z, l| if z == 1 { 0 } else { z + l }));
        let flags = [false, true, false, false, false];
        let few_own = ZoneLevels::from_own_rows(2, vec![0, 0], &flags, vec![0, 1, 2, 3, 4, 5, 6, 7]);
        assert!(few_own.rows.is_none());
        assert_eq!(few_own, ZoneLevels::from_cells(2, vec![0, 1, 0, 0, 2, 3, 4, 5, 6, 7]));
    }

    #[test]
    #[should_panic(expected = "one cell per level")]
    fn a_short_row_is_refused() {
        ZoneLevels::from_cells(2, vec![1, 2, 3]);
    }
}
