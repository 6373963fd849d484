//! Full unrolling of `for` loops with constant trip counts.
//!
//! A `for` whose start, end and step are constants (step positive), with at most
//! [`MAX_TRIPS`] iterations and at most [`MAX_INSTS`] insts once unrolled, and whose body
//! has no `break`/`continue` that targets it, becomes one copy of its body per iteration:
//! each copy starts with a constant holding that iteration's index, and every value the body
//! defines (nested regions and inner loop indices included) gets a fresh id in each copy.
//! A `return` in the body is fine: it ends the thread wherever it is. Inner loops are
//! unrolled first.

use super::util::{self, ConstMap, ValueMap};
use crate::constant::Constant;
use crate::error::IrResult;
use crate::kernel::{Block, Inst, Kernel, Ty};
use crate::op::Op;

/// Most iterations a loop may have to be unrolled.
pub const MAX_TRIPS: i128 = 16;
/// Most insts (nested ones included) the unrolled copies may have together.
pub const MAX_INSTS: i128 = 512;

/// Run the pass; returns whether the kernel changed.
pub fn run(k: &mut Kernel) -> IrResult<bool> {
    let mut body = std::mem::take(&mut k.body);
    let mut consts = util::constants(&body);
    let r = unroll_block(&mut body, k, &mut consts);
    k.body = body;
    r
}

fn unroll_block(b: &mut Block, k: &mut Kernel, consts: &mut ConstMap) -> IrResult<bool> {
    let mut changed = false;
    let insts = std::mem::take(&mut b.insts);
    let mut out = Vec::with_capacity(insts.len());
    for mut inst in insts {
        for nb in inst.op.blocks_mut() {
            changed |= unroll_block(nb, k, consts)?;
        }
        match unroll(&inst, k, consts)? {
            Some(copies) => {
                out.extend(copies);
                changed = true;
            }
            None => out.push(inst),
        }
    }
    b.insts = out;
    Ok(changed)
}

/// The insts replacing a loop that qualifies, or `None`.
fn unroll(inst: &Inst, k: &mut Kernel, consts: &mut ConstMap) -> IrResult<Option<Vec<Inst>>> {
    let Op::For { index, start, end, step, inclusive, body } = &inst.op else { return Ok(None) };
    let Some(range) = util::const_range(consts, *start, *end, *step, *inclusive) else { return Ok(None) };
    let size = body.len_deep() as i128;
    if range.trips > MAX_TRIPS || range.trips * size > MAX_INSTS || exits_loop(body) {
        return Ok(None);
    }
    let dtype = util::ty_of(k, *index)?.dtype;
    let mut defined = Vec::new();
    util::defined_in(body, &mut defined);
    let mut out = Vec::new();
    for trip in 0..range.trips {
        let c = Constant::from_i128(dtype, range.start + trip * range.step);
        let cv = fresh_like(k, *index)?;
        consts.insert(cv, c);
        out.push(Inst { result: Some(cv), op: Op::Const(c) });
        let mut map = ValueMap::new();
        map.insert(*index, cv);
        for v in &defined {
            map.insert(*v, fresh_like(k, *v)?);
        }
        let mut copy = body.clone();
        util::remap_block(&mut copy, &map);
        out.extend(copy.insts);
    }
    Ok(Some(out))
}

/// A new value with the type and source name of `v`.
fn fresh_like(k: &mut Kernel, v: crate::kernel::ValueId) -> IrResult<crate::kernel::ValueId> {
    let ty: Ty = util::ty_of(k, v)?;
    let nv = k.new_value(ty);
    let name = k.value_names.get(v.0 as usize).cloned().flatten();
    if let Some(slot) = k.value_names.get_mut(nv.0 as usize) {
        *slot = name;
    }
    Ok(nv)
}

/// True when the block has a `break` or `continue` for the loop that owns it (one not
/// nested inside an inner loop, which would target that loop instead).
fn exits_loop(b: &Block) -> bool {
    b.insts.iter().any(|i| match &i.op {
        Op::Break | Op::Continue => true,
        Op::For { .. } | Op::While { .. } => false,
        op => op.blocks().into_iter().any(exits_loop),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::testing::*;
    use crate::op::BinaryOp as B;
    use crate::{print_kernel, Builder, CmpOp, Constant, DType, Kernel, Op, Ty, ValueId};
    use std::collections::HashSet;

    fn loops(k: &Kernel) -> usize {
        count(k, |o| matches!(o, Op::For { .. }))
    }

    /// Every value defined in the kernel, with duplicates reported by the verifier too; this
    /// checks the unrolled copies share no id.
    fn all_defined_unique(k: &Kernel) -> bool {
        let mut seen = HashSet::new();
        let mut ok = true;
        k.body.walk(&mut |i| {
            let mut def = |v: ValueId| ok &= seen.insert(v);
            if let Some(r) = i.result {
                def(r);
            }
            if let Op::For { index, .. } = i.op {
                def(index);
            }
        });
        ok
    }

    /// `for i in start..end step step { y[i] = y[i] + i }` over `u32`.
    fn simple(start: u32, end: u32, step: u32, inclusive: bool) -> Kernel {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let s = konst(&mut b, Constant::u32(start));
        let e = konst(&mut b, Constant::u32(end));
        let st = konst(&mut b, Constant::u32(step));
        for_loop(&mut b, s, e, st, inclusive, |b, i| {
            b.name_value(i, "i");
            let old = b.value(Op::Load { mem: y, index: i, lanes: 1 }).unwrap();
            let v = bin(b, B::Add, old, i);
            b.name_value(v, "v");
            b.push(Op::Store { mem: y, index: i, value: v }).unwrap();
        });
        b.finish().unwrap()
    }

    fn run_simple(start: u32, end: u32, step: u32, inclusive: bool) -> (Kernel, bool) {
        let k = simple(start, end, step, inclusive);
        apply(&k, "unroll", &with_buffers(&[(0, vec![100; 40])]), 1)
    }

    #[test]
    fn constant_trip_counts_unroll() {
        // (start, end, step, inclusive, iterations) counted by hand.
        for (s, e, st, inc, trips) in [
            (0, 4, 1, false, 4),
            (0, 4, 1, true, 5),
            (1, 7, 3, true, 3),
            (1, 8, 3, false, 3),
            (1, 7, 3, false, 2),
            (5, 5, 1, true, 1),
            (5, 5, 1, false, 0),
            (6, 5, 1, true, 0),
            (0, 16, 1, false, 16),
        ] {
            let (after, changed) = run_simple(s, e, st, inc);
            assert!(changed);
            assert_eq!(loops(&after), 0);
            assert_eq!(count(&after, |o| matches!(o, Op::Store { .. })), trips, "{s}..{e} step {st} incl {inc}");
            assert!(all_defined_unique(&after));
        }
    }

    #[test]
    fn loops_over_the_limits_or_without_constant_bounds_stay() {
        assert_eq!(loops(&run_simple(0, 17, 1, false).0), 1);
        assert_eq!(loops(&run_simple(0, 16, 1, true).0), 1);
        let k = simple(0, 4, 0, false);
        let mut after = k.clone();
        assert!(!super::run(&mut after).unwrap());
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let n = b.scalar_param("n", DType::U32).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        for_loop(&mut b, zero, n, one, false, |b, i| {
            b.push(Op::Store { mem: y, index: i, value: i }).unwrap();
        });
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(!super::run(&mut after).unwrap());
    }

    #[test]
    fn body_size_limit() {
        // 8 trips of a body of 64 insts is exactly 512: unrolled; 65 insts: kept.
        for (body, unrolled) in [(64, true), (65, false)] {
            let mut b = Builder::new("k", None);
            let zero = konst(&mut b, Constant::u32(0));
            let eight = konst(&mut b, Constant::u32(8));
            let one = konst(&mut b, Constant::u32(1));
            for_loop(&mut b, zero, eight, one, false, |b, i| {
                for _ in 0..body {
                    bin(b, B::Add, i, one);
                }
            });
            let mut k = b.finish().unwrap();
            assert_eq!(super::run(&mut k).unwrap(), unrolled);
            crate::verify(&k).unwrap();
        }
    }

    #[test]
    fn nested_if_expression_is_remapped_in_every_copy() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let zero = konst(&mut b, Constant::i32(0));
        let three = konst(&mut b, Constant::i32(3));
        let one = konst(&mut b, Constant::i32(1));
        let ten = konst(&mut b, Constant::i32(10));
        let five = konst(&mut b, Constant::i32(5));
        for_loop(&mut b, zero, three, one, false, |b, i| {
            let small = b.value(Op::Cmp { op: CmpOp::Lt, lhs: i, rhs: one }).unwrap();
            let v = if_expr(
                b,
                small,
                Ty::scalar(DType::I32),
                |b| {
                    let t = bin(b, B::Add, i, ten);
                    // An if-expression nested inside the branch.
                    let big = b.value(Op::Cmp { op: CmpOp::Gt, lhs: t, rhs: five }).unwrap();
                    if_expr(b, big, Ty::scalar(DType::I32), |b| bin(b, B::Mul, t, three), |_| t)
                },
                |b| bin(b, B::Mul, i, three),
            );
            b.name_value(v, "v");
            let pos = b.value(Op::Cmp { op: CmpOp::Gt, lhs: v, rhs: five }).unwrap();
            if_stmt(
                b,
                pos,
                |b| {
                    b.push(Op::Store { mem: y, index: i, value: v }).unwrap();
                },
                |b| {
                    let neg = bin(b, B::Sub, zero, v);
                    b.push(Op::Store { mem: y, index: i, value: neg }).unwrap();
                },
            );
        });
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "unroll", &with_buffers(&[(0, vec![7; 3])]), 1);
        assert!(changed);
        assert_eq!(loops(&after), 0);
        assert_eq!(count(&after, |o| matches!(o, Op::If { .. })), 3 * 3);
        assert!(all_defined_unique(&after));
        // Each copy's value keeps its source name.
        let text = print_kernel(&after);
        assert_eq!(text.matches(".v = if").count(), 3, "{text}");
    }

    #[test]
    fn loops_left_by_their_own_break_or_continue_stay_inner_ones_are_fine() {
        for exit in [Op::Break, Op::Continue] {
            let mut b = Builder::new("k", None);
            let y = b.buffer_param("y", DType::U32, true);
            let zero = konst(&mut b, Constant::u32(0));
            let two = konst(&mut b, Constant::u32(2));
            let one = konst(&mut b, Constant::u32(1));
            let c = b.scalar_param("c", DType::Bool).unwrap();
            for_loop(&mut b, zero, two, one, false, |b, i| {
                if_stmt(b, c, |b| b.push(exit.clone()).map(|_| ()).unwrap(), |_| {});
                b.push(Op::Store { mem: y, index: i, value: i }).unwrap();
            });
            let k = b.finish().unwrap();
            let mut after = k.clone();
            assert!(!super::run(&mut after).unwrap());

            let mut b = Builder::new("k", None);
            let y = b.buffer_param("y", DType::U32, true);
            let zero = konst(&mut b, Constant::u32(0));
            let two = konst(&mut b, Constant::u32(2));
            let one = konst(&mut b, Constant::u32(1));
            let n = b.scalar_param("n", DType::U32).unwrap();
            for_loop(&mut b, zero, two, one, false, |b, i| {
                for_loop(b, zero, n, one, false, |b, j| {
                    let stop = b.value(Op::Cmp { op: CmpOp::Ge, lhs: j, rhs: i }).unwrap();
                    if_stmt(b, stop, |b| b.push(exit.clone()).map(|_| ()).unwrap(), |_| {});
                    let idx = bin(b, B::Add, i, j);
                    b.push(Op::Store { mem: y, index: idx, value: j }).unwrap();
                });
            });
            let k = b.finish().unwrap();
            let mut state = with_buffers(&[(0, vec![9; 8])]);
            state.scalars.insert(1, 3);
            let (after, changed) = apply(&k, "unroll", &state, 1);
            assert!(changed);
            assert_eq!(loops(&after), 2, "{}", print_kernel(&after));
            assert!(all_defined_unique(&after));
        }
    }

    #[test]
    fn return_in_the_body_is_unrolled() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let lim = b.scalar_param("lim", DType::U32).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let four = konst(&mut b, Constant::u32(4));
        let one = konst(&mut b, Constant::u32(1));
        for_loop(&mut b, zero, four, one, false, |b, i| {
            let done = b.value(Op::Cmp { op: CmpOp::Ge, lhs: i, rhs: lim }).unwrap();
            if_stmt(b, done, |b| b.push(Op::Return).map(|_| ()).unwrap(), |_| {});
            b.push(Op::Store { mem: y, index: i, value: i }).unwrap();
        });
        b.push(Op::Store { mem: y, index: four, value: four }).unwrap();
        let k = b.finish().unwrap();
        for l in [0, 2, 9] {
            let mut state = with_buffers(&[(0, vec![7; 5])]);
            state.scalars.insert(1, l);
            let (after, changed) = apply(&k, "unroll", &state, 1);
            assert!(changed);
            assert_eq!(loops(&after), 0);
        }
    }

    #[test]
    fn signed_index_ranges() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I8, true);
        let s = konst(&mut b, Constant::from_i128(DType::I8, -3));
        let e = konst(&mut b, Constant::from_i128(DType::I8, 3));
        let st = konst(&mut b, Constant::from_i128(DType::I8, 2));
        let three = konst(&mut b, Constant::from_i128(DType::I8, 3));
        for_loop(&mut b, s, e, st, true, |b, i| {
            let idx = bin(b, B::Add, i, three);
            b.push(Op::Store { mem: y, index: idx, value: i }).unwrap();
        });
        let k = b.finish().unwrap();
        let (after, _) = apply(&k, "unroll", &with_buffers(&[(0, vec![0; 7])]), 1);
        assert_eq!(loops(&after), 0);
        // -3, -1, 1, 3
        assert_eq!(count(&after, |o| matches!(o, Op::Store { .. })), 4);
        assert!(print_kernel(&after).contains("const -1 : i8"));
    }
}
