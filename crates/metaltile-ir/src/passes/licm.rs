//! Loop-invariant code motion.
//!
//! A pure op at the top level of a `for` body or of a `while` condition or body, whose
//! operands are all defined outside the loop, moves to just before the loop. Its operands are
//! then still visible (they were defined in enclosing scopes before the loop), and its uses,
//! all inside the loop, are now dominated by it. Inner loops are processed first, so what
//! they hoist can move further out. An op that can fail (integer division by a value that is
//! not a nonzero constant) stays: the loop may run zero times. Reads, writes and collectives
//! never move.

use super::util::{self, ConstMap};
use crate::error::IrResult;
use crate::kernel::{Block, Inst, Kernel, ValueId};
use crate::op::Op;
use std::collections::HashSet;

/// Run the pass; returns whether the kernel changed.
pub fn run(k: &mut Kernel) -> IrResult<bool> {
    let mut body = std::mem::take(&mut k.body);
    let consts = util::constants(&body);
    let changed = hoist_in_block(&mut body, k, &consts);
    k.body = body;
    Ok(changed)
}

fn hoist_in_block(b: &mut Block, k: &Kernel, consts: &ConstMap) -> bool {
    let mut changed = false;
    let insts = std::mem::take(&mut b.insts);
    let mut out = Vec::with_capacity(insts.len());
    for mut inst in insts {
        for nb in inst.op.blocks_mut() {
            changed |= hoist_in_block(nb, k, consts);
        }
        if matches!(inst.op, Op::For { .. } | Op::While { .. }) {
            let hoisted = hoist_from_loop(&mut inst, k, consts);
            changed |= !hoisted.is_empty();
            out.extend(hoisted);
        }
        out.push(inst);
    }
    b.insts = out;
    changed
}

/// Take the invariant insts out of a loop's regions, in their original order (so a hoisted
/// inst still follows the hoisted insts it uses).
fn hoist_from_loop(lp: &mut Inst, k: &Kernel, consts: &ConstMap) -> Vec<Inst> {
    let mut defined = Vec::new();
    if let Op::For { index, .. } = &lp.op {
        defined.push(*index);
    }
    for nb in lp.op.blocks() {
        util::defined_in(nb, &mut defined);
    }
    let mut inside: HashSet<ValueId> = defined.into_iter().collect();
    let mut hoisted = Vec::new();
    for nb in lp.op.blocks_mut() {
        let insts = std::mem::take(&mut nb.insts);
        for inst in insts {
            let invariant = inst.op.is_pure()
                && !util::can_trap(&inst.op, k, consts)
                && inst.op.operands().iter().all(|v| !inside.contains(v));
            if invariant {
                if let Some(r) = inst.result {
                    inside.remove(&r);
                }
                hoisted.push(inst);
            } else {
                nb.insts.push(inst);
            }
        }
    }
    hoisted
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::testing::*;
    use crate::op::BinaryOp as B;
    use crate::{Builder, Constant, DType, Kernel, Op};

    /// Mnemonics of the kernel's top-level insts.
    fn top(k: &Kernel) -> Vec<String> {
        k.body.insts.iter().map(|i| i.op.mnemonic()).collect()
    }

    fn loop_body(k: &Kernel) -> Vec<String> {
        let mut v = Vec::new();
        for i in &k.body.insts {
            if let Op::For { body, .. } = &i.op {
                v = body.insts.iter().map(|i| i.op.mnemonic()).collect();
            }
        }
        v
    }

    #[test]
    fn invariant_pure_ops_move_before_the_loop() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let n = b.scalar_param("n", DType::U32).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        for_loop(&mut b, zero, n, one, false, |b, i| {
            let two = konst(b, Constant::u32(2));
            let n2 = bin(b, B::Mul, n, two);
            let n3 = bin(b, B::Add, n2, one);
            let idx = bin(b, B::Add, i, zero);
            let v = bin(b, B::Add, idx, n3);
            let old = b.value(Op::Load { mem: y, index: zero, lanes: 1 }).unwrap();
            let w = bin(b, B::Add, v, old);
            b.push(Op::Store { mem: y, index: zero, value: w }).unwrap();
        });
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0])]);
        state.scalars.insert(1, 4);
        let (after, changed) = apply(&k, "licm", &state, 1);
        assert!(changed);
        assert_eq!(top(&after), ["param", "const", "const", "const", "mul", "add", "for"]);
        assert_eq!(loop_body(&after), ["add", "add", "load", "add", "store"]);
        let mut again = after.clone();
        assert!(!super::run(&mut again).unwrap());
    }

    #[test]
    fn integer_division_that_may_fail_is_not_hoisted() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let f = b.buffer_param("f", DType::F32, true);
        let p = b.scalar_param("p", DType::I32).unwrap();
        let q = b.scalar_param("q", DType::I32).unwrap();
        let x = b.scalar_param("x", DType::F32).unwrap();
        let zero = konst(&mut b, Constant::i32(0));
        let one = konst(&mut b, Constant::i32(1));
        let four = konst(&mut b, Constant::i32(4));
        let fzero = konst(&mut b, Constant::f32(0.0));
        // Runs `p` times; with p == 0 and q == 0 a hoisted `p / q` would fail.
        for_loop(&mut b, zero, p, one, false, |b, _| {
            let d = bin(b, B::Div, p, q);
            let r = bin(b, B::Rem, p, q);
            let by_const = bin(b, B::Div, p, four);
            let by_zero = bin(b, B::Rem, p, zero);
            let fd = bin(b, B::Div, x, fzero);
            let s = bin(b, B::Add, d, r);
            let s = bin(b, B::Add, s, by_const);
            let s = bin(b, B::Add, s, by_zero);
            b.push(Op::Store { mem: y, index: zero, value: s }).unwrap();
            b.push(Op::Store { mem: f, index: zero, value: fd }).unwrap();
        });
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0]), (1, vec![0])]);
        state.scalars.insert(2, 0);
        state.scalars.insert(3, 0);
        state.scalars.insert(4, 1.0f32.to_bits() as u64);
        let (after, _) = apply(&k, "licm", &state, 1);
        // `p / 4` and the float division move; `p / q`, `p % q`, `p % 0` (and what uses them) stay.
        assert_eq!(loop_body(&after), ["div", "rem", "rem", "add", "add", "add", "store", "store"]);
        let hoisted: Vec<String> = top(&after).into_iter().filter(|m| m == "div").collect();
        assert_eq!(hoisted.len(), 2);
    }

    #[test]
    fn nested_loops_and_while_conditions() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let n = b.scalar_param("n", DType::U32).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        let acc = b.var("acc", crate::Ty::scalar(DType::U32));
        b.push(Op::VarStore { var: acc, value: zero }).unwrap();
        for_loop(&mut b, zero, n, one, false, |b, i| {
            for_loop(b, zero, n, one, false, |b, j| {
                let nn = bin(b, B::Mul, n, n);
                let ii = bin(b, B::Mul, i, nn);
                let v = bin(b, B::Add, ii, j);
                let a = b.value(Op::VarLoad(acc)).unwrap();
                let s = bin(b, B::Add, a, v);
                b.push(Op::VarStore { var: acc, value: s }).unwrap();
            });
        });
        b.begin_block();
        let a = b.value(Op::VarLoad(acc)).unwrap();
        let lim = bin(&mut b, B::Add, n, n);
        let c = b.value(Op::Cmp { op: crate::CmpOp::Lt, lhs: a, rhs: lim }).unwrap();
        b.push(Op::Yield(Some(c))).unwrap();
        let cond = b.end_block().unwrap();
        b.begin_block();
        let a = b.value(Op::VarLoad(acc)).unwrap();
        let s = bin(&mut b, B::Add, a, one);
        b.push(Op::VarStore { var: acc, value: s }).unwrap();
        let body = b.end_block().unwrap();
        b.push(Op::While { cond, body }).unwrap();
        let r = b.value(Op::VarLoad(acc)).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: r }).unwrap();
        let k = b.finish().unwrap();
        for n in [0, 1, 3] {
            let mut state = with_buffers(&[(0, vec![0])]);
            state.scalars.insert(1, n);
            apply(&k, "licm", &state, 1);
        }
        let mut state = with_buffers(&[(0, vec![0])]);
        state.scalars.insert(1, 3);
        let (after, _) = apply(&k, "licm", &state, 1);
        // n*n leaves both loops; i*nn leaves the inner loop only; n+n leaves the while.
        let t = top(&after);
        assert_eq!(t, ["param", "const", "const", "var_store", "mul", "for", "add", "while", "var_load", "store"]);
        let mut outer = Vec::new();
        for i in &after.body.insts {
            if let Op::For { body, .. } = &i.op {
                outer = body.insts.iter().map(|i| i.op.mnemonic()).collect();
            }
        }
        assert_eq!(outer, ["mul", "for"]);
    }
}
