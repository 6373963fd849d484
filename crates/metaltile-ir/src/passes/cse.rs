//! Common subexpression elimination.
//!
//! A pure op identical to one defined earlier in a dominating position (earlier in the same
//! block or in an enclosing block) is replaced by that earlier value. Operands of
//! commutative binary ops are put in a canonical order first, and constants with the same
//! bits are one value. Reads (memory may change between them) and collectives are left alone.

use super::util::{self, ValueMap};
use crate::constant::Constant;
use crate::error::IrResult;
use crate::kernel::{Block, Kernel, ValueId};
use crate::op::Op;
use std::collections::HashMap;

/// Run the pass; returns whether the kernel changed.
pub fn run(k: &mut Kernel) -> IrResult<bool> {
    let mut cse = Cse { scopes: Vec::new(), repl: ValueMap::new() };
    cse.block(&mut k.body);
    Ok(!cse.repl.is_empty())
}

/// Bucket of candidate ops: equal ops have equal keys; the bucket is then searched with `==`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    mnemonic: String,
    operands: Vec<ValueId>,
    constant: Option<Constant>,
}

type Scope = HashMap<Key, Vec<(Op, ValueId)>>;

struct Cse {
    /// Available expressions, one scope per open block (innermost last).
    scopes: Vec<Scope>,
    repl: ValueMap,
}

impl Cse {
    fn block(&mut self, b: &mut Block) {
        self.scopes.push(Scope::new());
        let insts = std::mem::take(&mut b.insts);
        let mut out = Vec::with_capacity(insts.len());
        for mut inst in insts {
            inst.op.map_operands(|v| util::resolve(&self.repl, v));
            if let (Some(r), true) = (inst.result, inst.op.is_pure()) {
                let canon = canonical(&inst.op);
                let key = Key {
                    mnemonic: canon.mnemonic(),
                    operands: canon.operands(),
                    constant: match canon {
                        Op::Const(c) => Some(c),
                        _ => None,
                    },
                };
                if let Some(prev) = self.available(&key, &canon) {
                    self.repl.insert(r, prev);
                    continue;
                }
                if let Some(scope) = self.scopes.last_mut() {
                    scope.entry(key).or_default().push((canon, r));
                }
            }
            for nb in inst.op.blocks_mut() {
                self.block(nb);
            }
            out.push(inst);
        }
        b.insts = out;
        self.scopes.pop();
    }

    fn available(&self, key: &Key, op: &Op) -> Option<ValueId> {
        self.scopes
            .iter()
            .rev()
            .filter_map(|s| s.get(key))
            .flat_map(|bucket| bucket.iter())
            .find(|(o, _)| o == op)
            .map(|(_, v)| *v)
    }
}

/// The op with the operands of a commutative binary op in ascending order.
fn canonical(op: &Op) -> Op {
    let mut op = op.clone();
    if let Op::Binary { op: b, lhs, rhs } = &mut op {
        if b.is_commutative() && *rhs < *lhs {
            std::mem::swap(lhs, rhs);
        }
    }
    op
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::testing::*;
    use crate::op::{BinaryOp as B, SimdOp};
    use crate::{Builder, Constant, DType, Kernel, Op, ValueId};

    fn binaries(k: &Kernel, op: B) -> usize {
        count(k, |o| matches!(o, Op::Binary { op: x, .. } if *x == op))
    }

    /// The values stored, in order.
    fn stored(k: &Kernel) -> Vec<ValueId> {
        let mut v = Vec::new();
        k.body.walk(&mut |i| {
            if let Op::Store { value, .. } = i.op {
                v.push(value)
            }
        });
        v
    }

    #[test]
    fn commutative_ops_are_canonicalized_others_are_not() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::F32, true);
        let p = b.scalar_param("p", DType::F32).unwrap();
        let q = b.scalar_param("q", DType::F32).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let vals = [
            bin(&mut b, B::Add, p, q),
            bin(&mut b, B::Add, q, p),
            bin(&mut b, B::Mul, q, p),
            bin(&mut b, B::Mul, p, q),
            bin(&mut b, B::Sub, p, q),
            bin(&mut b, B::Sub, q, p),
            bin(&mut b, B::Max, q, p),
            bin(&mut b, B::Max, p, q),
        ];
        for v in vals {
            b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
        }
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0])]);
        state.scalars.insert(1, 3.5f32.to_bits() as u64);
        state.scalars.insert(2, (-1.25f32).to_bits() as u64);
        let (after, changed) = apply(&k, "cse", &state, 1);
        assert!(changed);
        assert_eq!(binaries(&after, B::Add), 1);
        assert_eq!(binaries(&after, B::Mul), 1);
        assert_eq!(binaries(&after, B::Max), 1);
        assert_eq!(binaries(&after, B::Sub), 2);
        let s = stored(&after);
        assert_eq!((s[0], s[1]), (vals[0], vals[0]));
        assert_eq!((s[2], s[3]), (vals[2], vals[2]));
        assert_ne!(s[4], s[5]);
    }

    #[test]
    fn constants_dedup_by_bits() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::F32, true);
        let zero = konst(&mut b, Constant::u32(0));
        let vals = [
            konst(&mut b, Constant::f32(0.0)),
            konst(&mut b, Constant::f32(-0.0)),
            konst(&mut b, Constant::f32(0.0)),
            konst(&mut b, Constant::f32(-0.0)),
        ];
        let zero_again = konst(&mut b, Constant::u32(0));
        for v in vals {
            b.push(Op::Store { mem: y, index: zero_again, value: v }).unwrap();
        }
        let k = b.finish().unwrap();
        let (after, _) = apply(&k, "cse", &with_buffers(&[(0, vec![7])]), 1);
        assert_eq!(count(&after, |o| matches!(o, Op::Const(_))), 3);
        assert_eq!(stored(&after), vec![vals[0], vals[1], vals[0], vals[1]]);
        let mut idx = Vec::new();
        after.body.walk(&mut |i| {
            if let Op::Store { index, .. } = i.op {
                idx.push(index)
            }
        });
        assert!(idx.iter().all(|i| *i == zero));
    }

    #[test]
    fn values_are_reused_only_where_they_dominate() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let p = b.scalar_param("p", DType::I32).unwrap();
        let c = b.scalar_param("c", DType::Bool).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        let outer = bin(&mut b, B::Mul, p, p);
        let mut inner_then = None;
        let mut inner_else = None;
        if_stmt(
            &mut b,
            c,
            |b| {
                let again = bin(b, B::Mul, p, p);
                let sub = bin(b, B::Sub, p, again);
                inner_then = Some(sub);
                b.push(Op::Store { mem: y, index: zero, value: sub }).unwrap();
            },
            |b| {
                let sub = bin(b, B::Sub, p, outer);
                inner_else = Some(sub);
                b.push(Op::Store { mem: y, index: zero, value: sub }).unwrap();
            },
        );
        let after_if = bin(&mut b, B::Sub, p, outer);
        b.push(Op::Store { mem: y, index: zero, value: after_if }).unwrap();
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0])]);
        state.scalars.insert(1, 6);
        for cond in [0, 1] {
            state.scalars.insert(2, cond);
            apply(&k, "cse", &state, 1);
        }
        let (after, _) = apply(&k, "cse", &state, 1);
        // The `p*p` inside the branch is the one before the `if`; the `p - p*p` of the then
        // branch is not visible in the else branch nor after the `if`: three remain.
        assert_eq!(binaries(&after, B::Mul), 1);
        assert_eq!(binaries(&after, B::Sub), 3);
        let s = stored(&after);
        assert_eq!(s, vec![inner_then.unwrap(), inner_else.unwrap(), after_if]);
    }

    #[test]
    fn reads_and_collectives_are_not_merged() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let zero = konst(&mut b, Constant::u32(0));
        let l1 = b.value(Op::Load { mem: y, index: zero, lanes: 1 }).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: l1 }).unwrap();
        let l2 = b.value(Op::Load { mem: y, index: zero, lanes: 1 }).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: l2 }).unwrap();
        let s1 = b.value(Op::Simd { op: SimdOp::Sum, arg: l1, lane: None }).unwrap();
        let s2 = b.value(Op::Simd { op: SimdOp::Sum, arg: l1, lane: None }).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: s1 }).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: s2 }).unwrap();
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(!super::run(&mut after).unwrap());
        assert_eq!(after, k);
    }
}
