//! Loads, stores and atomics on buffers, threadgroup arrays and private arrays, with bounds
//! and alignment checks and (optionally) race tracking on threadgroup memory.

use crate::args::{Bound, BufferArg};
use crate::error::{Access, InterpError};
use crate::lanes::Lanes;
use crate::machine::{Machine, Result};
use crate::race::{Conflict, RaceTracker};
use metaltile_ir::{dtype, eval, ArraySpace, AtomicOp, BinaryOp, DType, MemRef, ValueId};

/// Read element `i` of a little-endian buffer of `d`, normalized to `d` (a read past the end
/// gives 0, but callers check bounds first).
#[inline(always)]
fn read_elem(b: &[u8], d: DType, i: usize) -> u64 {
    let raw = match d.size_bytes() {
        1 => b.get(i).map_or(0, |&x| x as u64),
        2 => le::<2>(b, i).map_or(0, |x| u16::from_le_bytes(x) as u64),
        4 => le::<4>(b, i).map_or(0, |x| u32::from_le_bytes(x) as u64),
        _ => le::<8>(b, i).map_or(0, u64::from_le_bytes),
    };
    dtype::wrap_int(d, raw)
}

/// The `S` bytes of element `i`.
#[inline(always)]
fn le<const S: usize>(b: &[u8], i: usize) -> Option<[u8; S]> {
    b.get(S * i..S * i + S).and_then(|x| x.try_into().ok())
}

#[inline(always)]
fn write_elem(b: &mut [u8], d: DType, i: usize, bits: u64) {
    let s = d.size_bytes();
    if let Some(dst) = b.get_mut(s * i..s * i + s) {
        dst.copy_from_slice(&bits.to_le_bytes()[..s]);
    }
}

/// Binds `$get` to a function (element, thread) -> bits reading `$view`, specialized for the
/// common element types, and evaluates `$body`.
macro_rules! with_reader {
    ($view:expr, $n:expr, $get:ident => $body:expr) => {
        match $view {
            View::Buffer(b, DType::F32 | DType::U32) => {
                let $get = |i: usize, _t: usize| le::<4>(b, i).map_or(0, |x| u32::from_le_bytes(x) as u64);
                $body
            }
            View::Buffer(b, DType::I32) => {
                let $get = |i: usize, _t: usize| le::<4>(b, i).map_or(0, |x| i32::from_le_bytes(x) as i64 as u64);
                $body
            }
            View::Buffer(b, d) => {
                let $get = |i: usize, _t: usize| read_elem(b, d, i);
                $body
            }
            View::Shared(a) => {
                let $get = |i: usize, _t: usize| a[i];
                $body
            }
            View::Private(a) => {
                let $get = |i: usize, t: usize| a[i * $n + t];
                $body
            }
        }
    };
}

/// True when a `lanes`-wide access at index bits `i` is aligned and inside `len` elements.
/// Signed indices are sign-extended, so a negative one is above any length as u64.
#[inline(always)]
fn fits(i: u64, lanes: u64, len: u64) -> bool {
    i < len && len - i >= lanes && i & (lanes - 1) == 0
}

/// Read access to one memory of the kernel.
enum View<'x> {
    Buffer(&'x [u8], DType),
    Shared(&'x [u64]),
    Private(&'x [u64]),
}

/// Write access to one memory of the kernel.
enum ViewMut<'x> {
    Buffer(&'x mut [u8], DType),
    Shared(&'x mut [u64]),
    Private(&'x mut [u64]),
}

impl ViewMut<'_> {
    #[inline(always)]
    fn get(&self, i: usize, t: usize, n: usize) -> u64 {
        match self {
            ViewMut::Buffer(b, d) => read_elem(b, *d, i),
            ViewMut::Shared(a) => a[i],
            ViewMut::Private(a) => a[i * n + t],
        }
    }
    #[inline(always)]
    fn set(&mut self, i: usize, t: usize, n: usize, v: u64) {
        match self {
            ViewMut::Buffer(b, d) => write_elem(b, *d, i, v),
            ViewMut::Shared(a) => a[i] = v,
            ViewMut::Private(a) => a[i * n + t] = v,
        }
    }
}

/// Binds `$set` to a function (element, thread, bits) writing `$view`, specialized for 4-byte
/// buffers, and evaluates `$body`.
macro_rules! with_writer {
    ($view:expr, $n:expr, $set:ident => $body:expr) => {
        match $view {
            ViewMut::Buffer(b, d) if d.size_bytes() == 4 => {
                let mut $set = |i: usize, _t: usize, v: u64| {
                    if let Some(dst) = b.get_mut(4 * i..4 * i + 4) {
                        dst.copy_from_slice(&(v as u32).to_le_bytes());
                    }
                };
                $body
            }
            ViewMut::Buffer(b, d) => {
                let mut $set = |i: usize, _t: usize, v: u64| write_elem(b, d, i, v);
                $body
            }
            ViewMut::Shared(a) => {
                let mut $set = |i: usize, _t: usize, v: u64| a[i] = v;
                $body
            }
            ViewMut::Private(a) => {
                let mut $set = |i: usize, t: usize, v: u64| a[i * $n + t] = v;
                $body
            }
        }
    };
}

/// What an access needs to check and report: the memory's length and element dtype, and
/// which threadgroup array it is (for race tracking).
struct Target {
    len: u64,
    dtype: DType,
    shared: Option<usize>,
}

impl Machine<'_, '_> {
    fn target(&self, mem: MemRef) -> Result<Target> {
        match mem {
            MemRef::Param(p) => match self.params.get(p as usize) {
                Some(Bound::Buffer { dtype, len, .. }) => Ok(Target { len: *len, dtype: *dtype, shared: None }),
                _ => Err(InterpError::Internal(format!("parameter #{p} is not a buffer"))),
            },
            MemRef::Array(a) => {
                let decl = self
                    .k
                    .arrays
                    .get(a as usize)
                    .ok_or_else(|| InterpError::Internal(format!("array #{a} does not exist")))?;
                let shared = (decl.space == ArraySpace::Threadgroup).then_some(a as usize);
                Ok(Target { len: decl.len as u64, dtype: decl.dtype, shared })
            }
        }
    }

    fn view(&self, mem: MemRef) -> Result<View<'_>> {
        match mem {
            MemRef::Param(p) => match self.params.get(p as usize) {
                Some(Bound::Buffer { data, dtype, .. }) => Ok(View::Buffer(data.bytes(), *dtype)),
                _ => Err(InterpError::Internal(format!("parameter #{p} is not a buffer"))),
            },
            MemRef::Array(a) => {
                let (space, data) = self.array(a)?;
                Ok(match space {
                    ArraySpace::Threadgroup => View::Shared(data),
                    ArraySpace::Private => View::Private(data),
                })
            }
        }
    }

    fn array(&self, a: u32) -> Result<(ArraySpace, &[u64])> {
        match (self.k.arrays.get(a as usize), self.arrays.get(a as usize)) {
            (Some(d), Some(data)) => Ok((d.space, data)),
            _ => Err(InterpError::Internal(format!("array #{a} does not exist"))),
        }
    }

    /// Check that a `lanes`-wide access at index bits `bits` (of dtype `idx_d`) by thread `t`
    /// is aligned and in bounds; the element index.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        mem: MemRef,
        tg: &Target,
        access: Access,
        idx_d: DType,
        bits: u64,
        lanes: u8,
        t: usize,
    ) -> Result<usize> {
        if fits(bits, lanes as u64, tg.len) {
            Ok(bits as usize)
        } else {
            Err(self.access_error(mem, tg, access, idx_d, bits, lanes, t))
        }
    }

    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn access_error(
        &self,
        mem: MemRef,
        tg: &Target,
        access: Access,
        idx_d: DType,
        bits: u64,
        lanes: u8,
        t: usize,
    ) -> InterpError {
        let idx = if idx_d.is_signed() { bits as i64 as i128 } else { bits as i128 };
        if lanes > 1 && idx.rem_euclid(lanes as i128) != 0 {
            return InterpError::Misaligned {
                buffer: self.k.mem_name(mem),
                access,
                index: idx,
                lanes,
                thread: self.thread(t),
            };
        }
        // Name the first element that falls outside.
        let first_bad = if idx < 0 { idx } else { idx.max(tg.len as i128) };
        InterpError::OutOfBounds {
            buffer: self.k.mem_name(mem),
            access,
            index: first_bad,
            len: tg.len,
            thread: self.thread(t),
        }
    }

    fn race_error(&self, mem: MemRef, i: usize, c: Conflict, second_access: Access, t: usize) -> InterpError {
        InterpError::Race {
            array: self.k.mem_name(mem),
            index: i as u64,
            first_access: c.first_access,
            first: self.thread(c.first),
            second_access,
            second: self.thread(t),
        }
    }

    /// `Load` of `lanes` consecutive elements into `out`.
    pub(crate) fn load(
        &self,
        race: &mut Option<RaceTracker>,
        l: Lanes<'_>,
        mem: MemRef,
        index: ValueId,
        lanes: u8,
        out: &mut [u64],
    ) -> Result<()> {
        let tg = self.target(mem)?;
        let (idx_d, ix) = (self.dtype(index)?, self.val(index)?);
        let n = l.n;
        let tracked = tg.shared.zip(race.as_mut());
        if let Some((a, r)) = tracked {
            // Race tracking first, for every lane, so the loop below stays simple.
            l.mask.try_for_each(|t| {
                let i = self.check(mem, &tg, Access::Read, idx_d, ix[t], lanes, t)?;
                (i..i + lanes as usize)
                    .try_for_each(|e| r.read(a, e, t).map_err(|c| self.race_error(mem, e, c, Access::Read, t)))
            })?;
        }
        with_reader!(self.view(mem)?, n, get => l.mask.try_for_each(|t| {
            let i = self.check(mem, &tg, Access::Read, idx_d, ix[t], lanes, t)?;
            for k in 0..lanes as usize {
                out[k * n + t] = get(i + k, t);
            }
            Ok(())
        }))
    }

    /// `MaskedLoad`: memory is touched only where the mask holds.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn masked_load(
        &self,
        race: &mut Option<RaceTracker>,
        l: Lanes<'_>,
        mem: MemRef,
        index: ValueId,
        mask: ValueId,
        fill: ValueId,
        out: &mut [u64],
    ) -> Result<()> {
        let tg = self.target(mem)?;
        let (idx_d, ix) = (self.dtype(index)?, self.val(index)?);
        let (m, f) = (self.val(mask)?, self.val(fill)?);
        let mut tracked = tg.shared.zip(race.as_mut());
        with_reader!(self.view(mem)?, l.n, get => l.mask.try_for_each(|t| {
            if m[t] == 0 {
                out[t] = f[t];
                return Ok(());
            }
            let i = self.check(mem, &tg, Access::Read, idx_d, ix[t], 1, t)?;
            if let Some((a, r)) = tracked.as_mut() {
                r.read(*a, i, t).map_err(|c| self.race_error(mem, i, c, Access::Read, t))?;
            }
            out[t] = get(i, t);
            Ok(())
        }))
    }

    /// Borrow the memory `mem` for writing while values stay readable: the memory is moved
    /// out of the machine for the duration of `f`.
    fn with_mem_mut<T>(&mut self, mem: MemRef, f: impl FnOnce(&Self, ViewMut<'_>) -> Result<T>) -> Result<T> {
        match mem {
            MemRef::Param(p) => {
                let slot = self
                    .params
                    .get_mut(p as usize)
                    .ok_or_else(|| InterpError::Internal(format!("parameter #{p} does not exist")))?;
                let mut taken = std::mem::replace(slot, Bound::Scalar(0));
                let res = match &mut taken {
                    Bound::Buffer { data: BufferArg::Write(b), dtype, .. } => f(self, ViewMut::Buffer(b, *dtype)),
                    _ => Err(InterpError::Internal(format!("parameter #{p} is not a writable buffer"))),
                };
                if let Some(slot) = self.params.get_mut(p as usize) {
                    *slot = taken;
                }
                res
            }
            MemRef::Array(a) => {
                let space = self.array(a)?.0;
                let mut data = self
                    .arrays
                    .get_mut(a as usize)
                    .map(std::mem::take)
                    .ok_or_else(|| InterpError::Internal(format!("array #{a} has no storage")))?;
                let view = match space {
                    ArraySpace::Threadgroup => ViewMut::Shared(&mut data),
                    ArraySpace::Private => ViewMut::Private(&mut data),
                };
                let res = f(self, view);
                if let Some(slot) = self.arrays.get_mut(a as usize) {
                    *slot = data;
                }
                res
            }
        }
    }

    /// `Store` of a scalar or vector value.
    pub(crate) fn store(
        &mut self,
        race: &mut Option<RaceTracker>,
        l: Lanes<'_>,
        mem: MemRef,
        index: ValueId,
        value: ValueId,
    ) -> Result<()> {
        let tg = self.target(mem)?;
        let lanes = self.ty(value)?.lanes;
        let (idx_d, n) = (self.dtype(index)?, l.n);
        if let Some((a, r)) = tg.shared.zip(race.as_mut()) {
            let ix = self.val(index)?;
            l.mask.try_for_each(|t| {
                let i = self.check(mem, &tg, Access::Write, idx_d, ix[t], lanes, t)?;
                (i..i + lanes as usize)
                    .try_for_each(|e| r.write(a, e, t).map_err(|c| self.race_error(mem, e, c, Access::Write, t)))
            })?;
        }
        self.with_mem_mut(mem, |s, view| {
            let (ix, v) = (s.val(index)?, s.val(value)?);
            with_writer!(view, n, set => l.mask.try_for_each(|t| {
                let i = s.check(mem, &tg, Access::Write, idx_d, ix[t], lanes, t)?;
                for k in 0..lanes as usize {
                    set(i + k, t, v[k * n + t]);
                }
                Ok(())
            }))
        })
    }

    /// Read-modify-write atomics, lane by lane in thread order; each thread gets the old value.
    pub(crate) fn atomic(
        &mut self,
        l: Lanes<'_>,
        op: AtomicOp,
        mem: MemRef,
        index: ValueId,
        value: ValueId,
        out: &mut [u64],
    ) -> Result<()> {
        let tg = self.target(mem)?;
        let bin = match op {
            AtomicOp::Add => Some(BinaryOp::Add),
            AtomicOp::Min => Some(BinaryOp::Min),
            AtomicOp::Max => Some(BinaryOp::Max),
            AtomicOp::And => Some(BinaryOp::And),
            AtomicOp::Or => Some(BinaryOp::Or),
            AtomicOp::Xor => Some(BinaryOp::Xor),
            AtomicOp::Exchange => None,
        };
        self.with_mem_mut(mem, |s, mut view| {
            let (idx_d, ix, v) = (s.dtype(index)?, s.val(index)?, s.val(value)?);
            l.mask.try_for_each(|t| {
                let i = s.check(mem, &tg, Access::Atomic, idx_d, ix[t], 1, t)?;
                let old = view.get(i, t, l.n);
                let new = match bin {
                    Some(b) => eval::binary(b, tg.dtype, old, v[t]).map_err(|e| s.eval_error(e, t))?,
                    None => v[t],
                };
                view.set(i, t, l.n, new);
                out[t] = old;
                Ok(())
            })
        })
    }

    /// Compare-and-exchange, lane by lane in thread order; each thread gets the old value.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn atomic_cas(
        &mut self,
        l: Lanes<'_>,
        mem: MemRef,
        index: ValueId,
        expected: ValueId,
        desired: ValueId,
        out: &mut [u64],
    ) -> Result<()> {
        let tg = self.target(mem)?;
        self.with_mem_mut(mem, |s, mut view| {
            let (idx_d, ix) = (s.dtype(index)?, s.val(index)?);
            let (e, d) = (s.val(expected)?, s.val(desired)?);
            l.mask.try_for_each(|t| {
                let i = s.check(mem, &tg, Access::Atomic, idx_d, ix[t], 1, t)?;
                let old = view.get(i, t, l.n);
                if old == e[t] {
                    view.set(i, t, l.n, d[t]);
                }
                out[t] = old;
                Ok(())
            })
        })
    }
}
