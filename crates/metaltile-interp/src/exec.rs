//! Execution of structured blocks by a whole threadgroup in lockstep. Each block runs with the
//! mask of threads that entered it and returns the mask of threads that reached its end;
//! threads that leave early are recorded where they go: `break` in the innermost loop's break
//! mask, `return` in the threadgroup's returned mask, `continue` nowhere (the loop takes every
//! thread that neither broke nor returned into its next iteration).

use crate::error::{Dim3, InterpError};
use crate::lanes::Lanes;
use crate::machine::{Machine, Result};
use crate::mask::Mask;
use metaltile_ir::launch::SIMD_WIDTH;
use metaltile_ir::{BarrierScope, Block, DType, Inst, Op, ValueId, VarId};

impl<'k> Machine<'k, '_> {
    fn lanes<'m>(&self, mask: &'m Mask) -> Lanes<'m> {
        Lanes { mask, full: *mask == self.all, n: self.n }
    }

    /// Run `b` for the threads in `mask`; the threads that reach its end.
    pub(crate) fn block(&mut self, b: &'k Block, mask: Mask) -> Result<Mask> {
        let mut cur = mask;
        for inst in &b.insts {
            if cur.is_empty() {
                break;
            }
            self.lane_ops += cur.count() as u64;
            match &inst.op {
                Op::If { cond, then_block, else_block } => {
                    cur = self.exec_if(inst.result, *cond, then_block, else_block, cur)?
                }
                Op::For { index, start, end, step, inclusive, body } => {
                    cur = self.exec_for(*index, [*start, *end, *step], *inclusive, body, cur)?
                }
                Op::While { cond, body } => cur = self.exec_while(cond, body, cur)?,
                Op::Break => {
                    let brk = self.breaks.last_mut().ok_or_else(|| internal("`break` outside a loop"))?;
                    *brk = brk.or(cur);
                    cur = Mask::EMPTY;
                }
                Op::Continue => cur = Mask::EMPTY,
                Op::Return => {
                    self.returned = self.returned.or(cur);
                    cur = Mask::EMPTY;
                }
                // The op that owns the block reads the yielded value.
                Op::Yield(_) => {}
                Op::Barrier(scope) => self.barrier(*scope, cur)?,
                op => self.straight(inst.result, op, &cur)?,
            }
        }
        Ok(cur)
    }

    /// An op without regions.
    fn straight(&mut self, result: Option<ValueId>, op: &Op, mask: &Mask) -> Result<()> {
        let l = self.lanes(mask);
        let r = || result.ok_or_else(|| internal(&format!("`{}` has no result value", op.mnemonic())));
        match op {
            Op::Store { mem, index, value } => {
                let mut race = self.race.take();
                let res = self.store(&mut race, l, *mem, *index, *value);
                self.race = race;
                res
            }
            Op::VarStore { var, value } => self.var_store(l, *var, *value),
            Op::Atomic { op, mem, index, value } => {
                let r = r()?;
                let mut out = self.take(r)?;
                let res = self.atomic(l, *op, *mem, *index, *value, &mut out);
                self.put(r, out);
                res
            }
            Op::AtomicCas { mem, index, expected, desired } => {
                let r = r()?;
                let mut out = self.take(r)?;
                let res = self.atomic_cas(l, *mem, *index, *expected, *desired, &mut out);
                self.put(r, out);
                res
            }
            Op::Load { mem, index, lanes } => {
                let mut race = self.race.take();
                let res = self.with_result(r()?, |s, out| s.load(&mut race, l, *mem, *index, *lanes, out));
                self.race = race;
                res
            }
            Op::MaskedLoad { mem, index, mask, fill } => {
                let mut race = self.race.take();
                let res = self.with_result(r()?, |s, out| s.masked_load(&mut race, l, *mem, *index, *mask, *fill, out));
                self.race = race;
                res
            }
            Op::VarLoad(var) => {
                let comps = self.var_decl(*var)?.ty.lanes as usize;
                self.with_result(r()?, |s, out| {
                    let v = s.vars.get(var.0 as usize).ok_or_else(|| internal("variable without storage"))?;
                    l.copy(out, v, comps);
                    Ok(())
                })
            }
            Op::Simd { op, arg, lane } => self.with_result(r()?, |s, out| s.simd(l, *op, *arg, *lane, out)),
            op => self.with_result(r()?, |s, out| s.pure(l, op, out)),
        }
    }

    fn var_decl(&self, var: VarId) -> Result<&'k metaltile_ir::VarDecl> {
        self.k.vars.get(var.0 as usize).ok_or_else(|| internal("variable without declaration"))
    }

    fn var_store(&mut self, l: Lanes<'_>, var: VarId, value: ValueId) -> Result<()> {
        let comps = self.var_decl(var)?.ty.lanes as usize;
        let mut slot = self
            .vars
            .get_mut(var.0 as usize)
            .map(std::mem::take)
            .ok_or_else(|| internal("variable without storage"))?;
        let res = self.val(value).map(|v| l.copy(&mut slot, v, comps));
        if let Some(s) = self.vars.get_mut(var.0 as usize) {
            *s = slot;
        }
        res
    }

    /// Copy the value `b` yields (its last inst) into `r` for the threads in `mask`.
    fn take_yield(&mut self, b: &Block, r: ValueId, mask: &Mask) -> Result<()> {
        let Some(Inst { op: Op::Yield(Some(v)), .. }) = b.insts.last() else {
            return Err(internal("an if-expression branch does not end with a value"));
        };
        let comps = self.ty(r)?.lanes as usize;
        let l = self.lanes(mask);
        self.with_result(r, |s, out| {
            l.copy(out, s.val(*v)?, comps);
            Ok(())
        })
    }

    /// Threads of `mask` whose bool value `v` is true.
    fn where_true(&self, v: ValueId, mask: Mask) -> Result<Mask> {
        let c = self.val(v)?;
        Ok(mask.filter(|t| c[t] != 0))
    }

    fn exec_if(
        &mut self,
        result: Option<ValueId>,
        cond: ValueId,
        then_block: &'k Block,
        else_block: &'k Block,
        mask: Mask,
    ) -> Result<Mask> {
        let on_true = self.where_true(cond, mask)?;
        let on_false = mask.and_not(on_true);
        let mut out = Mask::EMPTY;
        for (b, m) in [(then_block, on_true), (else_block, on_false)] {
            if m.is_empty() {
                continue;
            }
            let reached = self.block(b, m)?;
            if let Some(r) = result {
                self.take_yield(b, r, &reached)?;
            }
            out = out.or(reached);
        }
        Ok(out)
    }

    fn count_iteration(&self, iters: &mut u64, kind: &'static str) -> Result<()> {
        *iters += 1;
        if *iters > self.opts.max_loop_iterations {
            return Err(InterpError::LoopLimit { kind, group: Dim3(self.group), limit: self.opts.max_loop_iterations });
        }
        Ok(())
    }

    /// Run one loop body for `active`; the threads that go on to the next iteration.
    fn iterate(&mut self, body: &'k Block, active: Mask) -> Result<Mask> {
        self.breaks.push(Mask::EMPTY);
        let res = self.block(body, active);
        let broke = self.breaks.pop().unwrap_or(Mask::EMPTY);
        res?;
        Ok(active.and_not(broke).and_not(self.returned))
    }

    /// `for index in start..end step step` with per-thread bounds: a thread leaves when its
    /// index fails the bound. A step that is not positive, or an index that would step past
    /// the range of its type, is an error: the emitted C loop would wrap around and not end.
    fn exec_for(
        &mut self,
        index: ValueId,
        [start, end, step]: [ValueId; 3],
        inclusive: bool,
        body: &'k Block,
        mask: Mask,
    ) -> Result<Mask> {
        let d = self.dtype(index)?;
        if d.is_signed() {
            let (lo, hi) = (i64::MIN >> (64 - d.bits()), i64::MAX >> (64 - d.bits()));
            self.run_for::<i64>(d, index, [start, end, step], inclusive, body, mask, |x, s| {
                x.checked_add(s).filter(|v| (lo..=hi).contains(v))
            })
        } else {
            let hi = u64::MAX >> (64 - d.bits());
            self.run_for::<u64>(d, index, [start, end, step], inclusive, body, mask, |x, s| {
                x.checked_add(s).filter(|&v| v <= hi)
            })
        }
    }

    /// The loop of [`Machine::exec_for`] on indices decoded as `I` (sign- or zero-extended
    /// bits); `next` adds a step, `None` when the result leaves the index type.
    #[allow(clippy::too_many_arguments)]
    fn run_for<I: ForIndex>(
        &mut self,
        d: DType,
        index: ValueId,
        [start, end, step]: [ValueId; 3],
        inclusive: bool,
        body: &'k Block,
        mask: Mask,
        next: impl Fn(I, I) -> Option<I>,
    ) -> Result<Mask> {
        let l = self.lanes(&mask);
        self.with_result(index, |s, idx| {
            let (a, st) = (s.val(start)?, s.val(step)?);
            mask.try_for_each(|t| match I::from_bits(st[t]) > I::ZERO {
                true => Ok(()),
                false => Err(InterpError::BadStep { step: I::from_bits(st[t]).wide(), thread: s.thread(t) }),
            })?;
            l.copy(idx, a, 1);
            Ok(())
        })?;
        let mut active = mask;
        let mut iters = 0;
        loop {
            let (i, e) = (self.val(index)?, self.val(end)?);
            active = active.filter(|t| {
                let (x, y) = (I::from_bits(i[t]), I::from_bits(e[t]));
                x < y || (inclusive && x == y)
            });
            if active.is_empty() {
                break;
            }
            self.count_iteration(&mut iters, "for")?;
            active = self.iterate(body, active)?;
            self.with_result(index, |s, idx| {
                let st = s.val(step)?;
                active.try_for_each(|t| {
                    let (x, by) = (I::from_bits(idx[t]), I::from_bits(st[t]));
                    match next(x, by) {
                        Some(v) => {
                            idx[t] = v.bits();
                            Ok(())
                        }
                        None => Err(InterpError::ForOverflow {
                            dtype: d,
                            index: x.wide(),
                            step: by.wide(),
                            thread: s.thread(t),
                        }),
                    }
                })
            })?;
        }
        Ok(mask.and_not(self.returned))
    }

    fn exec_while(&mut self, cond: &'k Block, body: &'k Block, mask: Mask) -> Result<Mask> {
        let Some(Inst { op: Op::Yield(Some(c)), .. }) = cond.insts.last() else {
            return Err(internal("a while condition does not end with a value"));
        };
        let mut active = mask;
        let mut iters = 0;
        loop {
            let reached = self.block(cond, active)?;
            active = self.where_true(*c, reached)?;
            if active.is_empty() {
                break;
            }
            self.count_iteration(&mut iters, "while")?;
            active = self.iterate(body, active)?;
        }
        Ok(mask.and_not(self.returned))
    }

    fn barrier(&mut self, scope: BarrierScope, mask: Mask) -> Result<()> {
        match scope {
            BarrierScope::Threadgroup => {
                if let Some(t) = mask.first_missing(self.all) {
                    return Err(InterpError::PartialBarrier {
                        group: Dim3(self.group),
                        arrived: mask.count(),
                        expected: self.n as u32,
                        first_missing: self.local_pos(t),
                    });
                }
                if let Some(r) = &mut self.race {
                    r.reset_all();
                }
            }
            BarrierScope::Simdgroup => {
                let w = SIMD_WIDTH as usize;
                for s in 0..self.n.div_ceil(w) {
                    let bits = mask.simdgroup_bits(s);
                    if bits == 0 {
                        continue;
                    }
                    let mut members = self.all;
                    for other in (0..self.n.div_ceil(w)).filter(|&o| o != s) {
                        members.clear_simdgroup(other);
                    }
                    if let Some(t) = mask.first_missing(members) {
                        return Err(InterpError::PartialSimdBarrier {
                            group: Dim3(self.group),
                            simdgroup: s as u32,
                            arrived: bits.count_ones(),
                            expected: members.count(),
                            first_missing: self.local_pos(t),
                        });
                    }
                    if let Some(r) = &mut self.race {
                        r.simdgroup_barrier(s);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A loop index decoded from its bits: i64 for signed dtypes (sign-extended), u64 for
/// unsigned ones (zero-extended), so every integer dtype compares and steps exactly.
trait ForIndex: Copy + PartialOrd {
    const ZERO: Self;
    fn from_bits(b: u64) -> Self;
    fn bits(self) -> u64;
    fn wide(self) -> i128;
}

impl ForIndex for i64 {
    const ZERO: i64 = 0;
    fn from_bits(b: u64) -> i64 {
        b as i64
    }
    fn bits(self) -> u64 {
        self as u64
    }
    fn wide(self) -> i128 {
        self as i128
    }
}

impl ForIndex for u64 {
    const ZERO: u64 = 0;
    fn from_bits(b: u64) -> u64 {
        b
    }
    fn bits(self) -> u64 {
        self
    }
    fn wide(self) -> i128 {
        self as i128
    }
}

fn internal(msg: &str) -> InterpError {
    InterpError::Internal(msg.to_string())
}
