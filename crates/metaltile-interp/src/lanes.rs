//! Lane loops: apply a scalar function to every active thread of a value's storage. When
//! every thread is active the loop runs over contiguous slices, which the compiler can
//! vectorize; otherwise it visits the set bits of the mask.

use crate::mask::Mask;

/// Where an operation runs: the active threads, and whether that is every thread `0..n`.
#[derive(Clone, Copy)]
pub(crate) struct Lanes<'m> {
    pub(crate) mask: &'m Mask,
    pub(crate) full: bool,
    pub(crate) n: usize,
}

impl Lanes<'_> {
    #[inline(always)]
    pub(crate) fn fill(self, out: &mut [u64], v: u64) {
        if self.full {
            out[..self.n].fill(v);
        } else {
            self.mask.for_each(|t| out[t] = v);
        }
    }

    #[inline(always)]
    pub(crate) fn map1(self, out: &mut [u64], a: &[u64], f: impl Fn(u64) -> u64) {
        if self.full {
            for (o, &x) in out[..self.n].iter_mut().zip(&a[..self.n]) {
                *o = f(x);
            }
        } else {
            self.mask.for_each(|t| out[t] = f(a[t]));
        }
    }

    #[inline(always)]
    pub(crate) fn map2(self, out: &mut [u64], a: &[u64], b: &[u64], f: impl Fn(u64, u64) -> u64) {
        if self.full {
            let n = self.n;
            for ((o, &x), &y) in out[..n].iter_mut().zip(&a[..n]).zip(&b[..n]) {
                *o = f(x, y);
            }
        } else {
            self.mask.for_each(|t| out[t] = f(a[t], b[t]));
        }
    }

    #[inline(always)]
    pub(crate) fn map3(self, out: &mut [u64], a: &[u64], b: &[u64], c: &[u64], f: impl Fn(u64, u64, u64) -> u64) {
        if self.full {
            let n = self.n;
            for (((o, &x), &y), &z) in out[..n].iter_mut().zip(&a[..n]).zip(&b[..n]).zip(&c[..n]) {
                *o = f(x, y, z);
            }
        } else {
            self.mask.for_each(|t| out[t] = f(a[t], b[t], c[t]));
        }
    }

    /// Like [`Lanes::map2`] for a fallible function; the error comes with its thread.
    #[inline(always)]
    pub(crate) fn try_map2<E>(
        self,
        out: &mut [u64],
        a: &[u64],
        b: &[u64],
        f: impl Fn(u64, u64) -> Result<u64, E>,
    ) -> Result<(), (usize, E)> {
        self.mask.try_for_each(|t| {
            out[t] = f(a[t], b[t]).map_err(|e| (t, e))?;
            Ok(())
        })
    }

    /// Copy all `comps` components of the active threads from `src` to `dst`.
    #[inline(always)]
    pub(crate) fn copy(self, dst: &mut [u64], src: &[u64], comps: usize) {
        let n = self.n;
        for c in 0..comps {
            let r = c * n..(c + 1) * n;
            self.map1(&mut dst[r.clone()], &src[r], |x| x);
        }
    }
}
