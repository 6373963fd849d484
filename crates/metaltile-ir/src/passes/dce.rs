//! Dead code elimination.
//!
//! Removes, to a fixed point: code after a terminator; pure and read-only insts whose
//! result is unused; stores to variables that are never loaded; `if`s with two empty
//! branches; `for` loops with an empty body. An if-expression whose result is unused
//! becomes an `if` statement. Variables neither loaded nor stored are dropped and the rest
//! renumbered. Writes, barriers, atomics, collectives and `while` loops (which may never
//! end) stay.

use super::util;
use crate::error::IrResult;
use crate::kernel::{Block, Kernel, ValueId, VarId};
use crate::op::{Effect, Op};
use std::collections::{HashMap, HashSet};

/// Run the pass; returns whether the kernel changed.
pub fn run(k: &mut Kernel) -> IrResult<bool> {
    let mut changed = false;
    loop {
        let mut round = truncate_dead_tails(&mut k.body);
        round |= drop_stores_never_loaded(&mut k.body);
        let mut uses = util::use_counts(&k.body);
        round |= sweep(&mut k.body, &mut uses);
        if !round {
            break;
        }
        changed = true;
    }
    changed |= compact_vars(k);
    Ok(changed)
}

/// Drop what follows the first terminator of each block: it never runs. A block that must
/// end with a yield (if-expression branch, `while` condition) keeps its yield and the insts
/// that define the yielded value, which the verifier needs even though they never run.
fn truncate_dead_tails(b: &mut Block) -> bool {
    let mut changed = false;
    for inst in &mut b.insts {
        for nb in inst.op.blocks_mut() {
            changed |= truncate_dead_tails(nb);
        }
    }
    let Some(p) = b.insts.iter().position(|i| i.op.is_terminator()) else { return changed };
    if p + 1 == b.insts.len() {
        return changed;
    }
    let ends_with_yield = matches!(b.insts.last().map(|i| &i.op), Some(Op::Yield(Some(_))));
    if !ends_with_yield {
        b.insts.truncate(p + 1);
        return true;
    }
    let mut tail = b.insts.split_off(p + 1);
    let mut needed: HashSet<ValueId> = HashSet::new();
    let mut kept = Vec::new();
    let last = tail.len() - 1;
    for (i, inst) in tail.drain(..).enumerate().rev() {
        if i == last || inst.result.is_some_and(|r| needed.contains(&r)) {
            util::uses_deep(&inst, &mut |v| {
                needed.insert(v);
            });
            kept.push(inst);
        } else {
            changed = true;
        }
    }
    kept.reverse();
    b.insts.extend(kept);
    changed
}

/// Remove stores to variables that no inst ever loads.
fn drop_stores_never_loaded(body: &mut Block) -> bool {
    let mut loaded = HashSet::new();
    body.walk(&mut |i| {
        if let Op::VarLoad(v) = i.op {
            loaded.insert(v);
        }
    });
    fn go(b: &mut Block, loaded: &HashSet<VarId>) -> bool {
        let before = b.insts.len();
        b.insts.retain(|i| !matches!(i.op, Op::VarStore { var, .. } if !loaded.contains(&var)));
        let mut changed = b.insts.len() != before;
        for inst in &mut b.insts {
            for nb in inst.op.blocks_mut() {
                changed |= go(nb, loaded);
            }
        }
        changed
    }
    go(body, &loaded)
}

/// One backward sweep removing unused insts. Walking backward (and into a region before its
/// owner) lets a removal free the operands it used within the same sweep.
fn sweep(b: &mut Block, uses: &mut HashMap<ValueId, usize>) -> bool {
    let mut changed = false;
    let mut i = b.insts.len();
    while i > 0 {
        i -= 1;
        let Some(inst) = b.insts.get_mut(i) else { break };
        for nb in inst.op.blocks_mut() {
            changed |= sweep(nb, uses);
        }
        let unused = |r: ValueId, uses: &HashMap<ValueId, usize>| uses.get(&r).copied().unwrap_or(0) == 0;
        // An if-expression nobody reads is an `if` statement; its yields go.
        if let (Some(r), Op::If { then_block, else_block, .. }) = (inst.result, &mut inst.op) {
            if unused(r, uses) {
                for blk in [then_block, else_block] {
                    if let Some(Op::Yield(v)) = blk.insts.last().map(|i| &i.op) {
                        if let Some(v) = v {
                            release(uses, *v);
                        }
                        blk.insts.pop();
                    }
                }
                inst.result = None;
                changed = true;
            }
        }
        let dead = match &inst.op {
            Op::If { then_block, else_block, .. } => {
                inst.result.is_none() && then_block.insts.is_empty() && else_block.insts.is_empty()
            }
            Op::For { body, .. } => body.insts.is_empty(),
            op => matches!(op.effect(), Effect::Pure | Effect::Read) && inst.result.is_some_and(|r| unused(r, uses)),
        };
        if dead {
            inst.op.for_each_operand(|v| release(uses, v));
            b.insts.remove(i);
            changed = true;
        }
    }
    changed
}

fn release(uses: &mut HashMap<ValueId, usize>, v: ValueId) {
    if let Some(n) = uses.get_mut(&v) {
        *n = n.saturating_sub(1);
    }
}

/// Drop declarations of variables no inst mentions and renumber the others.
fn compact_vars(k: &mut Kernel) -> bool {
    let mut mentioned = vec![false; k.vars.len()];
    k.body.walk(&mut |i| {
        let v = match i.op {
            Op::VarLoad(v) | Op::VarStore { var: v, .. } => v,
            _ => return,
        };
        if let Some(m) = mentioned.get_mut(v.0 as usize) {
            *m = true;
        }
    });
    if mentioned.iter().all(|m| *m) {
        return false;
    }
    let mut renumber = HashMap::new();
    let old = std::mem::take(&mut k.vars);
    for (i, decl) in old.into_iter().enumerate() {
        if mentioned.get(i).copied().unwrap_or(false) {
            renumber.insert(VarId(i as u32), VarId(k.vars.len() as u32));
            k.vars.push(decl);
        }
    }
    k.body.walk_mut(&mut |i| match &mut i.op {
        Op::VarLoad(v) | Op::VarStore { var: v, .. } => *v = renumber.get(v).copied().unwrap_or(*v),
        _ => {}
    });
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::testing::*;
    use crate::op::{AtomicOp, BarrierScope, BinaryOp as B};
    use crate::{print_kernel, ArraySpace, Builder, Constant, DType, Op, Ty};

    fn stores(k: &crate::Kernel) -> usize {
        count(k, |o| matches!(o, Op::Store { .. }))
    }

    #[test]
    fn code_after_return_is_removed() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let zero = konst(&mut b, Constant::i32(0));
        let one = konst(&mut b, Constant::i32(1));
        b.push(Op::Store { mem: y, index: zero, value: one }).unwrap();
        b.push(Op::Return).unwrap();
        let two = bin(&mut b, B::Add, one, one);
        b.push(Op::Store { mem: y, index: zero, value: two }).unwrap();
        b.push(Op::Return).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "dce", &with_buffers(&[(0, vec![0])]), 1);
        assert!(changed);
        assert_eq!(stores(&after), 1);
        assert_eq!(count(&after, |o| matches!(o, Op::Binary { .. } | Op::Return)), 1);
        assert!(matches!(after.body.insts.last().map(|i| &i.op), Some(Op::Return)));
    }

    #[test]
    fn dead_tail_of_an_if_expression_branch_keeps_its_value() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let c = b.scalar_param("c", DType::Bool).unwrap();
        let n = b.scalar_param("n", DType::I32).unwrap();
        let zero = konst(&mut b, Constant::i32(0));
        let v = if_expr(
            &mut b,
            c,
            Ty::scalar(DType::I32),
            |b| {
                b.push(Op::Return).unwrap();
                b.push(Op::Store { mem: y, index: zero, value: n }).unwrap();
                let junk = bin(b, B::Mul, n, n);
                let _ = junk;
                let u = konst(b, Constant::i32(0));
                bin(b, B::Add, u, n)
            },
            |_| n,
        );
        b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
        let k = b.finish().unwrap();
        for cond in [0, 1] {
            let mut state = with_buffers(&[(0, vec![9])]);
            state.scalars.insert(1, cond);
            state.scalars.insert(2, 5);
            let (after, _) = apply(&k, "dce", &state, 1);
            let text = print_kernel(&after);
            assert_eq!(stores(&after), 1, "{text}");
            assert_eq!(count(&after, |o| matches!(o, Op::Binary { op: B::Mul, .. })), 0, "{text}");
            // The yielded `0 + n` must stay defined for the verifier.
            assert_eq!(count(&after, |o| matches!(o, Op::Binary { op: B::Add, .. })), 1, "{text}");
        }
    }

    #[test]
    fn unused_pure_and_read_chains_go_effects_stay() {
        let mut b = Builder::new("k", None);
        let x = b.buffer_param("x", DType::I32, false);
        let y = b.buffer_param("y", DType::I32, true);
        let zero = konst(&mut b, Constant::i32(0));
        let l = b.value(Op::Load { mem: x, index: zero, lanes: 1 }).unwrap();
        let a = bin(&mut b, B::Add, l, l);
        let m = bin(&mut b, B::Mul, a, a);
        let _ = m;
        // An atomic's unused result does not make it removable; nor does a barrier.
        let old = b.value(Op::Atomic { op: AtomicOp::Add, mem: y, index: zero, value: zero }).unwrap();
        let _ = old;
        b.push(Op::Barrier(BarrierScope::Threadgroup)).unwrap();
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(super::run(&mut after).unwrap());
        crate::verify(&after).unwrap();
        let left: Vec<String> = after.body.insts.iter().map(|i| i.op.mnemonic()).collect();
        assert_eq!(left, ["const", "atomic_add", "threadgroup_barrier"]);
        let mut again = after.clone();
        assert!(!super::run(&mut again).unwrap());
    }

    #[test]
    fn stores_to_variables_never_loaded_go_and_declarations_are_compacted() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let zero = konst(&mut b, Constant::i32(0));
        let seven = konst(&mut b, Constant::i32(7));
        let never_read = b.var("never_read", Ty::scalar(DType::I32));
        let _never_used = b.var("never_used", Ty::scalar(DType::F32));
        let acc = b.var("acc", Ty::scalar(DType::I32));
        let sq = bin(&mut b, B::Mul, seven, seven);
        b.push(Op::VarStore { var: never_read, value: sq }).unwrap();
        b.push(Op::VarStore { var: acc, value: seven }).unwrap();
        let v = b.value(Op::VarLoad(acc)).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "dce", &with_buffers(&[(0, vec![0])]), 1);
        assert!(changed);
        assert_eq!(after.vars.len(), 1);
        assert_eq!(after.vars[0].name, "acc");
        assert_eq!(count(&after, |o| matches!(o, Op::VarStore { .. })), 1);
        assert_eq!(count(&after, |o| matches!(o, Op::Binary { .. })), 0);
        assert!(print_kernel(&after).contains("$acc = "));
    }

    #[test]
    fn empty_ifs_and_for_loops_go_while_loops_stay() {
        let mut b = Builder::new("k", None);
        let n = b.scalar_param("n", DType::U32).unwrap();
        let c = b.scalar_param("c", DType::Bool).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        if_stmt(&mut b, c, |_| {}, |_| {});
        // The body only holds dead code, which goes first; then the loop is empty.
        for_loop(&mut b, zero, n, one, false, |b, i| {
            let _ = bin(b, B::Add, i, one);
        });
        // An if-expression nobody reads becomes a statement, then an empty one.
        let _unused = if_expr(&mut b, c, Ty::scalar(DType::U32), |b| bin(b, B::Add, n, one), |_| n);
        b.begin_block();
        b.push(Op::Yield(Some(c))).unwrap();
        let cond = b.end_block().unwrap();
        b.push(Op::While { cond, body: Default::default() }).unwrap();
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(super::run(&mut after).unwrap());
        crate::verify(&after).unwrap();
        let text = print_kernel(&after);
        assert_eq!(count(&after, |o| matches!(o, Op::If { .. } | Op::For { .. } | Op::Binary { .. })), 0, "{text}");
        assert_eq!(count(&after, |o| matches!(o, Op::While { .. })), 1, "{text}");
    }

    #[test]
    fn if_with_a_store_and_a_loop_with_a_store_stay() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let n = b.scalar_param("n", DType::U32).unwrap();
        let c = b.scalar_param("c", DType::Bool).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let one = konst(&mut b, Constant::u32(1));
        if_stmt(&mut b, c, |_| {}, |b| b.push(Op::Store { mem: y, index: zero, value: n }).map(|_| ()).unwrap());
        for_loop(&mut b, zero, n, one, false, |b, i| {
            b.push(Op::Store { mem: y, index: zero, value: i }).unwrap();
        });
        let _ = b.array("t", DType::F32, 4, ArraySpace::Private).unwrap();
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0])]);
        state.scalars.insert(1, 3);
        state.scalars.insert(2, 0);
        let (after, changed) = apply(&k, "dce", &state, 1);
        assert!(!changed);
        assert_eq!(after, k);
    }
}
