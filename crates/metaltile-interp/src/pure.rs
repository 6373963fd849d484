//! Pure ops, lane-vectorized. Scalar semantics come from `metaltile_ir::eval` and
//! `dtype::convert_bits`, so results are bit-identical with the constant folder.

use crate::fast::{fast_binary, fast_compare};
use crate::lanes::Lanes;
use crate::machine::{Machine, Result};
use crate::InterpError;
use metaltile_ir::{dtype, eval, Axis, Builtin, Op};

impl Machine<'_, '_> {
    /// Evaluate pure op `op` into `out` (the storage of its result) for the active threads.
    pub(crate) fn pure(&self, l: Lanes<'_>, op: &Op, out: &mut [u64]) -> Result<()> {
        match op {
            Op::Const(c) => l.fill(out, dtype::wrap_int(c.dtype, c.bits)),
            Op::ScalarParam(i) => l.fill(out, self.scalar(*i)?),
            Op::Builtin(b) => self.builtin(l, *b, out),
            Op::Unary { op, arg, .. } => {
                // Fast variants evaluate like precise ones: the reference has one answer.
                let (d, a) = (self.dtype(*arg)?, self.val(*arg)?);
                l.map1(out, a, |x| eval::unary(*op, d, x));
            }
            Op::Binary { op, lhs, rhs } => {
                let (d, a, b) = (self.dtype(*lhs)?, self.val(*lhs)?, self.val(*rhs)?);
                fast_binary!(*op, d, g => l.map2(out, a, b, g), _ => {
                    l.try_map2(out, a, b, |x, y| eval::binary(*op, d, x, y)).map_err(|(t, e)| self.eval_error(e, t))?
                })
            }
            Op::Cmp { op, lhs, rhs } => {
                let (d, a, b) = (self.dtype(*lhs)?, self.val(*lhs)?, self.val(*rhs)?);
                fast_compare!(*op, d, g => l.map2(out, a, b, g), _ => {
                    l.map2(out, a, b, |x, y| u64::from(eval::compare(*op, d, x, y)))
                })
            }
            Op::Select { cond, on_true, on_false } => {
                let (c, a, b) = (self.val(*cond)?, self.val(*on_true)?, self.val(*on_false)?);
                let n = l.n;
                for k in 0..self.ty(*on_true)?.lanes as usize {
                    let r = k * n..(k + 1) * n;
                    l.map3(&mut out[r.clone()], c, &a[r.clone()], &b[r], |c, x, y| if c != 0 { x } else { y });
                }
            }
            Op::Fma { a, b, c } => {
                let d = self.dtype(*a)?;
                l.map3(out, self.val(*a)?, self.val(*b)?, self.val(*c)?, |x, y, z| eval::fma(d, x, y, z));
            }
            Op::Cast { arg, to } => {
                let (from, a) = (self.dtype(*arg)?, self.val(*arg)?);
                if from == *to {
                    l.map1(out, a, |x| x);
                } else {
                    l.map1(out, a, |x| dtype::convert_bits(from, *to, x));
                }
            }
            Op::Bitcast { arg, to } => {
                let (from, a) = (self.dtype(*arg)?, self.val(*arg)?);
                l.map1(out, a, |x| eval::bitcast(from, *to, x));
            }
            Op::Extract { vector, lane } => {
                let k = *lane as usize;
                let v = self.val(*vector)?;
                l.map1(out, &v[k * l.n..(k + 1) * l.n], |x| x);
            }
            Op::MakeVector { elems } => {
                for (k, e) in elems.iter().enumerate() {
                    l.map1(&mut out[k * l.n..(k + 1) * l.n], self.val(*e)?, |x| x);
                }
            }
            other => return Err(InterpError::Internal(format!("`{}` is not a pure op", other.mnemonic()))),
        }
        Ok(())
    }

    fn scalar(&self, i: u32) -> Result<u64> {
        match self.params.get(i as usize) {
            Some(crate::args::Bound::Scalar(bits)) => Ok(*bits),
            _ => Err(InterpError::Internal(format!("parameter #{i} is not a scalar"))),
        }
    }

    fn builtin(&self, l: Lanes<'_>, b: Builtin, out: &mut [u64]) {
        let g = &self.geo;
        let local = |a: Axis| &self.local[a.index()];
        match b {
            Builtin::LocalId(a) => {
                let loc = local(a);
                l.mask.for_each(|t| out[t] = loc[t] as u64);
            }
            Builtin::GlobalId(a) => {
                let (loc, base) = (local(a), self.group[a.index()] as u64 * g.group_size[a.index()] as u64);
                l.mask.for_each(|t| out[t] = (base + loc[t] as u64) as u32 as u64);
            }
            Builtin::GroupId(a) => l.fill(out, self.group[a.index()] as u64),
            Builtin::GroupSize(a) => l.fill(out, g.group_size[a.index()] as u64),
            Builtin::NumGroups(a) => l.fill(out, g.groups[a.index()] as u64),
            Builtin::GridSize(a) => {
                l.fill(out, (g.groups[a.index()] as u64 * g.group_size[a.index()] as u64) as u32 as u64)
            }
            Builtin::LocalIndex => l.mask.for_each(|t| out[t] = t as u64),
            Builtin::Lane => l.mask.for_each(|t| out[t] = (t % 32) as u64),
            Builtin::SimdGroup => l.mask.for_each(|t| out[t] = (t / 32) as u64),
            Builtin::NumSimdGroups => l.fill(out, self.n.div_ceil(32) as u64),
        }
    }
}
