//! Race detection on threadgroup memory. Two accesses to one element, at least one a write,
//! race unless they are ordered: by the same thread, by a threadgroup barrier between them,
//! or (for two threads of one simdgroup) by a simdgroup barrier of that simdgroup between them.
//! Atomics are not tracked.
//!
//! Each element remembers its last writer and up to two readers since the last threadgroup
//! barrier, each with the simdgroup-barrier epoch of its simdgroup at the time. A reported
//! race is always real; with more than two distinct readers of one element some are
//! forgotten, and the slots are reused so that readers from different simdgroups are kept.

use crate::error::Access;
use metaltile_ir::launch::{MAX_THREADS_PER_GROUP, SIMD_WIDTH};
use metaltile_ir::{ArraySpace, Kernel};

const NONE: u32 = u32::MAX;
const SIMDGROUPS: usize = (MAX_THREADS_PER_GROUP / SIMD_WIDTH) as usize;

/// An access: the thread and its simdgroup's barrier epoch when it happened.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    thread: u32,
    epoch: u32,
}

const EMPTY: Stamp = Stamp { thread: NONE, epoch: 0 };

#[derive(Clone, Copy)]
struct Cell {
    writer: Stamp,
    readers: [Stamp; 2],
}

const CLEAR: Cell = Cell { writer: EMPTY, readers: [EMPTY; 2] };

/// The earlier access that conflicts with the current one.
#[derive(Debug)]
pub(crate) struct Conflict {
    pub(crate) first: usize,
    pub(crate) first_access: Access,
}

fn simdgroup(t: u32) -> usize {
    (t / SIMD_WIDTH) as usize
}

/// Accesses since the last threadgroup barrier, per threadgroup array element.
pub(crate) struct RaceTracker {
    /// Per array (private arrays: empty).
    cells: Vec<Vec<Cell>>,
    /// Simdgroup barriers each simdgroup has passed since the last threadgroup barrier.
    epochs: [u32; SIMDGROUPS],
}

impl RaceTracker {
    pub(crate) fn new(k: &Kernel) -> RaceTracker {
        let cells = k
            .arrays
            .iter()
            .map(|a| if a.space == ArraySpace::Threadgroup { vec![CLEAR; a.len as usize] } else { Vec::new() })
            .collect();
        RaceTracker { cells, epochs: [0; SIMDGROUPS] }
    }

    /// A threadgroup barrier (or a new threadgroup): everything before is ordered.
    pub(crate) fn reset_all(&mut self) {
        self.cells.iter_mut().for_each(|c| c.fill(CLEAR));
        self.epochs = [0; SIMDGROUPS];
    }

    /// Simdgroup `s` passed a simdgroup barrier.
    pub(crate) fn simdgroup_barrier(&mut self, s: usize) {
        if let Some(e) = self.epochs.get_mut(s) {
            *e += 1;
        }
    }

    fn stamp(&self, t: u32) -> Stamp {
        Stamp { thread: t, epoch: self.epochs.get(simdgroup(t)).copied().unwrap_or(0) }
    }

    /// True when `prev` happened before anything thread `t` does now.
    fn ordered(&self, prev: Stamp, t: u32) -> bool {
        prev.thread == NONE
            || prev.thread == t
            || (simdgroup(prev.thread) == simdgroup(t) && self.stamp(t).epoch > prev.epoch)
    }

    /// Thread `t` reads element `i` of array `a`.
    pub(crate) fn read(&mut self, a: usize, i: usize, t: usize) -> Result<(), Conflict> {
        let t = t as u32;
        let now = self.stamp(t);
        let Some(&c) = self.cells.get(a).and_then(|c| c.get(i)) else { return Ok(()) };
        if !self.ordered(c.writer, t) {
            return Err(Conflict { first: c.writer.thread as usize, first_access: Access::Write });
        }
        let mut readers = c.readers;
        let sg = simdgroup(t);
        let free =
            || readers.iter().position(|r| r.thread == t).or_else(|| readers.iter().position(|r| r.thread == NONE));
        let slot = if let Some(k) = free() {
            Some(k)
        } else if let Some(k) = readers.iter().position(|r| simdgroup(r.thread) == sg && r.epoch < now.epoch) {
            // An older reader of this simdgroup is ordered before this one's later accesses
            // and this reader stands for the simdgroup toward the others.
            Some(k)
        } else if readers.iter().all(|r| simdgroup(r.thread) != sg)
            && simdgroup(readers[0].thread) == simdgroup(readers[1].thread)
        {
            // Keep readers of different simdgroups rather than two of one.
            Some(1)
        } else {
            None
        };
        if let Some(k) = slot {
            readers[k] = now;
        }
        if let Some(cell) = self.cells.get_mut(a).and_then(|c| c.get_mut(i)) {
            cell.readers = readers;
        }
        Ok(())
    }

    /// Thread `t` writes element `i` of array `a`.
    pub(crate) fn write(&mut self, a: usize, i: usize, t: usize) -> Result<(), Conflict> {
        let t = t as u32;
        let now = self.stamp(t);
        let Some(&c) = self.cells.get(a).and_then(|c| c.get(i)) else { return Ok(()) };
        if !self.ordered(c.writer, t) {
            return Err(Conflict { first: c.writer.thread as usize, first_access: Access::Write });
        }
        for r in c.readers {
            if !self.ordered(r, t) {
                return Err(Conflict { first: r.thread as usize, first_access: Access::Read });
            }
        }
        // Every earlier access is ordered before this write, so any later access that is not
        // ordered after one of them is not ordered after this write either: only it matters.
        if let Some(cell) = self.cells.get_mut(a).and_then(|c| c.get_mut(i)) {
            *cell = Cell { writer: now, readers: [EMPTY; 2] };
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use metaltile_ir::{Builder, DType};

    fn tracker() -> RaceTracker {
        let mut b = Builder::new("k", None);
        b.array("tile", DType::F32, 4, ArraySpace::Threadgroup).unwrap();
        b.array("mine", DType::F32, 4, ArraySpace::Private).unwrap();
        RaceTracker::new(&b.finish().unwrap())
    }

    fn conflict(r: Result<(), Conflict>) -> Option<(usize, Access)> {
        r.err().map(|c| (c.first, c.first_access))
    }

    #[test]
    fn same_thread_never_races_and_reads_do_not_race_with_reads() {
        let mut r = tracker();
        assert!(r.write(0, 0, 5).is_ok());
        assert!(r.read(0, 0, 5).is_ok());
        assert!(r.write(0, 0, 5).is_ok());
        for t in [1, 2, 3, 40, 41] {
            assert!(r.read(0, 1, t).is_ok());
        }
        // Private arrays are not tracked.
        assert!(r.write(1, 0, 1).is_ok() && r.write(1, 0, 2).is_ok());
    }

    #[test]
    fn a_writer_after_many_readers_conflicts_with_one_it_does_not_match() {
        for writer in [1, 2, 3, 4] {
            let mut again = tracker();
            for t in [1, 2, 3] {
                again.read(0, 0, t).unwrap();
            }
            let c = conflict(again.write(0, 0, writer)).unwrap();
            assert_ne!(c.0, writer);
            assert_eq!(c.1, Access::Read);
        }
    }

    #[test]
    fn simdgroup_barrier_orders_lanes_of_its_simdgroup_only() {
        let mut r = tracker();
        r.write(0, 0, 3).unwrap();
        r.simdgroup_barrier(0);
        assert!(r.read(0, 0, 4).is_ok(), "same simdgroup after its barrier");
        assert_eq!(conflict(r.read(0, 0, 35)), Some((3, Access::Write)));
        // A barrier of another simdgroup orders nothing for simdgroup 0.
        let mut r = tracker();
        r.write(0, 1, 3).unwrap();
        r.simdgroup_barrier(1);
        assert_eq!(conflict(r.read(0, 1, 4)), Some((3, Access::Write)));
        r.reset_all();
        assert!(r.read(0, 1, 4).is_ok());
    }

    #[test]
    fn readers_of_other_simdgroups_are_kept_when_slots_are_full() {
        // Two readers in simdgroup 0, then one in simdgroup 1: a later write by a lane of
        // simdgroup 0 after its barrier must still conflict with the simdgroup-1 reader.
        let mut r = tracker();
        r.read(0, 2, 1).unwrap();
        r.read(0, 2, 2).unwrap();
        r.read(0, 2, 33).unwrap();
        r.simdgroup_barrier(0);
        assert_eq!(conflict(r.write(0, 2, 1)), Some((33, Access::Read)));
    }
}
