//! The state of one launch: per-thread storage for every SSA value, variable and private
//! array, per-threadgroup storage for threadgroup arrays, the bound arguments, and the
//! position of the threadgroup being run. Everything is allocated once per launch and reused
//! by every threadgroup.

use crate::args::Bound;
use crate::error::{Dim3, InterpError, ThreadId};
use crate::mask::Mask;
use crate::race::RaceTracker;
use crate::Options;
use metaltile_ir::eval::EvalError;
use metaltile_ir::{dtype, ArraySpace, DType, Geometry, Kernel, Ty, ValueId};

pub(crate) type Result<T> = std::result::Result<T, InterpError>;

/// Bits that uninitialized threadgroup and private memory holds, so reading it shows:
/// a quiet NaN with an 0xAA payload for floats, 0xAA bytes for integers.
pub(crate) fn poison(d: DType) -> u64 {
    match d {
        DType::F32 => 0x7fea_aaaa,
        DType::F16 => 0x7eaa,
        DType::BF16 => 0x7fea,
        d => dtype::wrap_int(d, 0xaaaa_aaaa_aaaa_aaaa),
    }
}

/// The interpreter's state for one launch.
pub(crate) struct Machine<'k, 'a> {
    pub(crate) k: &'k Kernel,
    pub(crate) opts: &'k Options,
    pub(crate) geo: Geometry,
    /// Threads per threadgroup.
    pub(crate) n: usize,
    /// Every thread of a threadgroup.
    pub(crate) all: Mask,
    /// Per value: `lanes * n` bits, vector component `c` of thread `t` at `c * n + t`.
    pub(crate) vals: Vec<Vec<u64>>,
    /// Per variable, laid out like values.
    pub(crate) vars: Vec<Vec<u64>>,
    /// Per array: `len` elements (threadgroup) or `len * n` (private, element `i` of thread `t`
    /// at `i * n + t`).
    pub(crate) arrays: Vec<Vec<u64>>,
    /// Arguments by parameter index.
    pub(crate) params: Vec<Bound<'a>>,
    /// Local position of each thread, per axis.
    pub(crate) local: [Vec<u32>; 3],
    /// Position of the threadgroup being run.
    pub(crate) group: [u32; 3],
    /// Threads of this threadgroup that executed `return`.
    pub(crate) returned: Mask,
    /// Per enclosing loop, innermost last: threads that executed `break` in it.
    pub(crate) breaks: Vec<Mask>,
    pub(crate) lane_ops: u64,
    pub(crate) race: Option<RaceTracker>,
}

impl<'k, 'a> Machine<'k, 'a> {
    pub(crate) fn new(k: &'k Kernel, geo: Geometry, params: Vec<Bound<'a>>, opts: &'k Options) -> Self {
        let n = geo.threads_per_group() as usize;
        let [sx, sy, _] = geo.group_size.map(|s| s as usize);
        let axis = |f: &dyn Fn(usize) -> usize| (0..n).map(|t| f(t) as u32).collect::<Vec<_>>();
        let local = [axis(&|t| t % sx), axis(&|t| t / sx % sy), axis(&|t| t / (sx * sy))];
        let slots = |ty: &Ty| vec![0u64; ty.lanes as usize * n];
        let arrays = k
            .arrays
            .iter()
            .map(|a| {
                let len = a.len as usize;
                vec![poison(a.dtype); if a.space == ArraySpace::Private { len * n } else { len }]
            })
            .collect();
        Machine {
            k,
            opts,
            geo,
            n,
            all: Mask::first(n),
            vals: k.values.iter().map(slots).collect(),
            vars: k.vars.iter().map(|v| slots(&v.ty)).collect(),
            arrays,
            params,
            local,
            group: [0; 3],
            returned: Mask::EMPTY,
            breaks: Vec::new(),
            lane_ops: 0,
            race: opts.detect_races.then(|| RaceTracker::new(k)),
        }
    }

    /// Prepare for threadgroup `group`: memory poisoned, no thread returned.
    pub(crate) fn start_group(&mut self, group: [u32; 3]) {
        self.group = group;
        self.returned = Mask::EMPTY;
        self.breaks.clear();
        for (a, decl) in self.arrays.iter_mut().zip(&self.k.arrays) {
            a.fill(poison(decl.dtype));
        }
        for (v, decl) in self.vars.iter_mut().zip(&self.k.vars) {
            v.fill(poison(decl.ty.dtype));
        }
        if let Some(r) = &mut self.race {
            r.reset_all();
        }
    }

    /// The thread with local index `t` of the current threadgroup.
    pub(crate) fn thread(&self, t: usize) -> ThreadId {
        let l = |a: usize| self.local[a].get(t).copied().unwrap_or(0);
        ThreadId { group: Dim3(self.group), local: Dim3([l(0), l(1), l(2)]) }
    }

    pub(crate) fn local_pos(&self, t: usize) -> Dim3 {
        self.thread(t).local
    }

    pub(crate) fn ty(&self, v: ValueId) -> Result<Ty> {
        self.k.ty(v).ok_or_else(|| InterpError::Internal(format!("{v} has no type")))
    }

    pub(crate) fn dtype(&self, v: ValueId) -> Result<DType> {
        Ok(self.ty(v)?.dtype)
    }

    /// All components of a value, for every thread.
    pub(crate) fn val(&self, v: ValueId) -> Result<&[u64]> {
        self.vals.get(v.0 as usize).map(|s| s.as_slice()).ok_or_else(|| missing(v))
    }

    /// Move a value's storage out so it can be written while other values are read; SSA
    /// guarantees an instruction's result is never one of its own operands.
    pub(crate) fn take(&mut self, v: ValueId) -> Result<Vec<u64>> {
        self.vals.get_mut(v.0 as usize).map(std::mem::take).ok_or_else(|| missing(v))
    }

    pub(crate) fn put(&mut self, v: ValueId, s: Vec<u64>) {
        if let Some(slot) = self.vals.get_mut(v.0 as usize) {
            *slot = s;
        }
    }

    /// Run `f` with the result storage of `r` writable and every other value readable.
    pub(crate) fn with_result<T>(&mut self, r: ValueId, f: impl FnOnce(&Self, &mut [u64]) -> Result<T>) -> Result<T> {
        let mut out = self.take(r)?;
        let res = f(self, &mut out);
        self.put(r, out);
        res
    }

    pub(crate) fn eval_error(&self, e: EvalError, t: usize) -> InterpError {
        match e {
            EvalError::DivByZero(op) => InterpError::DivByZero { op, thread: self.thread(t) },
        }
    }
}

fn missing(v: ValueId) -> InterpError {
    InterpError::Internal(format!("{v} has no storage"))
}
