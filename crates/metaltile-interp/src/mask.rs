//! Per-thread active masks of one threadgroup as a fixed-size bit set: no allocation, cheap
//! to copy, and whole words at a time for the common case of every thread active.

use metaltile_ir::launch::MAX_THREADS_PER_GROUP;

const WORDS: usize = MAX_THREADS_PER_GROUP as usize / 64;

/// A set of threads (by local index) of one threadgroup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mask {
    w: [u64; WORDS],
}

impl Mask {
    pub(crate) const EMPTY: Mask = Mask { w: [0; WORDS] };

    /// Threads `0..n` (n is at most [`MAX_THREADS_PER_GROUP`], which geometry validation ensures).
    pub(crate) fn first(n: usize) -> Mask {
        let mut m = Mask::EMPTY;
        for (i, w) in m.w.iter_mut().enumerate() {
            let lo = i * 64;
            *w = if n >= lo + 64 {
                u64::MAX
            } else if n > lo {
                (1u64 << (n - lo)) - 1
            } else {
                0
            };
        }
        m
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.w.iter().all(|&w| w == 0)
    }

    #[inline]
    pub(crate) fn count(&self) -> u32 {
        self.w.iter().map(|w| w.count_ones()).sum()
    }

    #[inline]
    pub(crate) fn and_not(self, o: Mask) -> Mask {
        let mut r = self;
        r.w.iter_mut().zip(o.w).for_each(|(a, b)| *a &= !b);
        r
    }

    #[inline]
    pub(crate) fn or(self, o: Mask) -> Mask {
        let mut r = self;
        r.w.iter_mut().zip(o.w).for_each(|(a, b)| *a |= b);
        r
    }

    /// The 32 bits of simdgroup `s` (lane `l` at bit `l`).
    #[inline]
    pub(crate) fn simdgroup_bits(&self, s: usize) -> u32 {
        self.w.get(s / 2).map_or(0, |w| (w >> ((s % 2) * 32)) as u32)
    }

    /// Clear the threads of simdgroup `s`.
    pub(crate) fn clear_simdgroup(&mut self, s: usize) {
        if let Some(w) = self.w.get_mut(s / 2) {
            *w &= !(0xffff_ffffu64 << ((s % 2) * 32));
        }
    }

    /// Lowest thread of `within` that is not in `self`.
    pub(crate) fn first_missing(&self, within: Mask) -> Option<usize> {
        within.and_not(*self).iter().next()
    }

    /// The threads in increasing order.
    pub(crate) fn iter(&self) -> MaskIter<'_> {
        MaskIter { w: &self.w, word: 0, bits: self.w[0] }
    }

    /// Run `f` on every thread in increasing order.
    #[inline(always)]
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize)) {
        for (i, &w) in self.w.iter().enumerate() {
            let base = i * 64;
            if w == u64::MAX {
                (base..base + 64).for_each(&mut f);
            } else {
                let mut m = w;
                while m != 0 {
                    f(base + m.trailing_zeros() as usize);
                    m &= m - 1;
                }
            }
        }
    }

    /// The threads of `self` for which `keep` holds.
    #[inline(always)]
    pub(crate) fn filter(&self, mut keep: impl FnMut(usize) -> bool) -> Mask {
        let mut out = Mask::EMPTY;
        for (i, (&w, o)) in self.w.iter().zip(out.w.iter_mut()).enumerate() {
            let mut m = w;
            while m != 0 {
                let b = m.trailing_zeros();
                if keep(i * 64 + b as usize) {
                    *o |= 1 << b;
                }
                m &= m - 1;
            }
        }
        out
    }

    /// Run `f` on every thread in increasing order, stopping at the first error.
    #[inline(always)]
    pub(crate) fn try_for_each<E>(&self, mut f: impl FnMut(usize) -> Result<(), E>) -> Result<(), E> {
        for (i, &w) in self.w.iter().enumerate() {
            let mut m = w;
            let base = i * 64;
            while m != 0 {
                f(base + m.trailing_zeros() as usize)?;
                m &= m - 1;
            }
        }
        Ok(())
    }
}

/// Iterator over the threads of a [`Mask`].
pub(crate) struct MaskIter<'a> {
    w: &'a [u64; WORDS],
    word: usize,
    bits: u64,
}

impl Iterator for MaskIter<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.w.get(self.word)?;
        }
        let b = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.word * 64 + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_iteration() {
        for n in [0, 1, 31, 32, 63, 64, 65, 100, 1024] {
            let m = Mask::first(n);
            assert_eq!(m.count() as usize, n);
            assert_eq!(m.iter().collect::<Vec<_>>(), (0..n).collect::<Vec<_>>());
            let mut seen = vec![];
            m.for_each(|t| seen.push(t));
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn set_operations_and_simdgroups() {
        let a = Mask::first(1024).filter(|t| [3, 40, 1000].contains(&t));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![3, 40, 1000]);
        let full = Mask::first(1024);
        assert_eq!(a.first_missing(full), Some(0));
        assert_eq!(full.and_not(a).count(), 1021);
        assert_eq!(a.or(Mask::first(4)).count(), 6);
        assert_eq!(Mask::first(64).and_not(a).count(), 62);
        assert_eq!(a.simdgroup_bits(1), 1 << 8);
        let mut b = full;
        b.clear_simdgroup(1);
        assert_eq!(b.count(), 1024 - 32);
        assert_eq!(b.simdgroup_bits(1), 0);
        assert_eq!(b.simdgroup_bits(0), u32::MAX);
        assert_eq!(full.first_missing(full), None);
        assert_eq!(full.filter(|t| t % 3 == 0).iter().collect::<Vec<_>>(), (0..1024).step_by(3).collect::<Vec<_>>());
    }
}
