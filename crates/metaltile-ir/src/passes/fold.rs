//! Constant folding and constexpr specialization.
//!
//! Constexpr parameters are `Op::Const` values in the IR, so specializing on them is:
//! evaluating pure ops whose operands are all constants (with [`crate::eval`], the semantics
//! the interpreter uses), applying algebraic identities that are exact for every input, and
//! removing control flow that constants decide (an `if` on a constant condition becomes its
//! taken branch; a `for` that runs zero times and a `while` whose condition is constantly
//! false disappear). Unrolling of constant trip counts is the `unroll` pass.

use super::util::{self, ConstMap, ValueMap};
use crate::constant::Constant;
use crate::dtype::{self, DType};
use crate::error::{IrError, IrResult};
use crate::eval;
use crate::kernel::{Block, Inst, Kernel, Ty, ValueId};
use crate::op::{BinaryOp, Op};
use std::collections::HashMap;

/// Run the pass; returns whether the kernel changed.
pub fn run(k: &mut Kernel) -> IrResult<bool> {
    let mut body = std::mem::take(&mut k.body);
    let mut f =
        Folder { consts: util::constants(&body), repl: ValueMap::new(), vectors: HashMap::new(), changed: false };
    let r = f.block(k, &mut body);
    if r.is_ok() {
        // Every use follows its definition in walk order, so uses are already rewritten;
        // this is a cheap guarantee that no removed value is left referenced.
        util::replace_uses(&mut body, &f.repl);
    }
    k.body = body;
    r.map(|()| f.changed)
}

/// What to do with one inst.
enum Action {
    Keep,
    /// Drop the inst; its result's uses become uses of the value.
    Replace(ValueId),
    /// Drop the inst (it defines nothing that is used and has no effect).
    Remove,
    /// Replace the inst by these insts (a taken `if` branch); an if-expression's result
    /// becomes the branch's yielded value.
    Splice(Vec<Inst>, Option<ValueId>),
}

struct Folder {
    consts: ConstMap,
    repl: ValueMap,
    /// Elements of values built by `MakeVector`, for `Extract` of a known lane.
    vectors: HashMap<ValueId, Vec<ValueId>>,
    changed: bool,
}

impl Folder {
    fn block(&mut self, k: &Kernel, b: &mut Block) -> IrResult<()> {
        // A stack of insts still to visit, so that a spliced branch is folded in place.
        let mut pending: Vec<Inst> = std::mem::take(&mut b.insts);
        pending.reverse();
        let mut out = Vec::with_capacity(pending.len());
        while let Some(mut inst) = pending.pop() {
            inst.op.map_operands(|v| util::resolve(&self.repl, v));
            match self.decide(k, &mut inst)? {
                Action::Keep => {
                    for nb in inst.op.blocks_mut() {
                        self.block(k, nb)?;
                    }
                    if self.never_loops(&inst.op) {
                        self.changed = true;
                        continue;
                    }
                    if let Some(r) = inst.result {
                        match &inst.op {
                            Op::Const(c) => {
                                self.consts.insert(r, *c);
                            }
                            Op::MakeVector { elems } => {
                                self.vectors.insert(r, elems.clone());
                            }
                            _ => {}
                        }
                    }
                    out.push(inst);
                }
                Action::Replace(v) => {
                    if let Some(r) = inst.result {
                        self.repl.insert(r, v);
                    }
                    self.changed = true;
                }
                Action::Remove => self.changed = true,
                Action::Splice(insts, yielded) => {
                    if let (Some(r), Some(v)) = (inst.result, yielded) {
                        self.repl.insert(r, v);
                    }
                    pending.extend(insts.into_iter().rev());
                    self.changed = true;
                }
            }
        }
        b.insts = out;
        Ok(())
    }

    fn decide(&mut self, k: &Kernel, inst: &mut Inst) -> IrResult<Action> {
        match &mut inst.op {
            Op::If { cond, then_block, else_block } => {
                let Some(c) = self.consts.get(cond) else { return Ok(Action::Keep) };
                let taken = std::mem::take(if c.as_bool() { then_block } else { else_block });
                splice_branch(inst.result.is_some(), taken)
            }
            Op::For { start, end, step, inclusive, .. } => {
                let zero_trips =
                    util::const_range(&self.consts, *start, *end, *step, *inclusive).is_some_and(|r| r.trips == 0);
                Ok(if zero_trips { Action::Remove } else { Action::Keep })
            }
            op if op.is_pure() => {
                let Some(r) = inst.result else { return Ok(Action::Keep) };
                if matches!(op, Op::Const(_)) {
                    return Ok(Action::Keep);
                }
                let rty = util::ty_of(k, r)?;
                if let Some(c) = self.evaluate(op, rty)? {
                    inst.op = Op::Const(c);
                    self.changed = true;
                    return Ok(Action::Keep);
                }
                match self.simplify(k, op)? {
                    Some(Simplified::Value(v)) => Ok(Action::Replace(v)),
                    Some(Simplified::Const(c)) => {
                        inst.op = Op::Const(c);
                        self.changed = true;
                        Ok(Action::Keep)
                    }
                    None => Ok(Action::Keep),
                }
            }
            _ => Ok(Action::Keep),
        }
    }

    /// A `while` whose condition (already folded) is pure and yields constant false: it
    /// evaluates the condition once, without effect, and nothing else happens.
    fn never_loops(&self, op: &Op) -> bool {
        let Op::While { cond, .. } = op else { return false };
        let Some((last, rest)) = cond.insts.split_last() else { return false };
        matches!(&last.op, Op::Yield(Some(v)) if self.consts.get(v).is_some_and(|c| !c.as_bool()))
            && rest.iter().all(|i| i.op.is_pure())
    }

    /// The constant a pure op computes when all its operands are constants.
    fn evaluate(&self, op: &Op, rty: Ty) -> IrResult<Option<Constant>> {
        if !rty.is_scalar() {
            return Ok(None);
        }
        let mut args = Vec::new();
        let mut all_const = true;
        op.for_each_operand(|v| match self.consts.get(&v) {
            Some(c) => args.push(*c),
            None => all_const = false,
        });
        if !all_const || args.is_empty() {
            return Ok(None);
        }
        let arg = |i: usize| {
            args.get(i).copied().ok_or_else(|| IrError::Invalid(format!("`{}`: operand {i}", op.mnemonic())))
        };
        let bits = match op {
            // A fast variant's precision is the target's choice; folding it with the precise
            // semantics would be a different semantics, so it is left for run time.
            Op::Unary { fast: true, .. } => return Ok(None),
            Op::Unary { op: u, .. } => eval::unary(*u, arg(0)?.dtype, arg(0)?.bits),
            Op::Binary { op: b, .. } => match eval::binary(*b, arg(0)?.dtype, arg(0)?.bits, arg(1)?.bits) {
                Ok(bits) => bits,
                // Integer division by zero fails at run time: keep the op so it still does.
                Err(_) => return Ok(None),
            },
            Op::Cmp { op: c, .. } => u64::from(eval::compare(*c, arg(0)?.dtype, arg(0)?.bits, arg(1)?.bits)),
            Op::Select { .. } => {
                if arg(0)?.as_bool() {
                    arg(1)?.bits
                } else {
                    arg(2)?.bits
                }
            }
            Op::Fma { .. } => eval::fma(arg(0)?.dtype, arg(0)?.bits, arg(1)?.bits, arg(2)?.bits),
            Op::Cast { to, .. } => arg(0)?.cast(*to).bits,
            Op::Bitcast { to, .. } => eval::bitcast(arg(0)?.dtype, *to, arg(0)?.bits),
            _ => return Ok(None),
        };
        Ok(Some(Constant::from_bits(rty.dtype, bits)))
    }

    /// Exact identities: the op equals one of its operands, or a constant, for every input.
    fn simplify(&self, k: &Kernel, op: &Op) -> IrResult<Option<Simplified>> {
        Ok(match op {
            Op::Binary { op: b, lhs, rhs } => {
                let d = util::ty_of(k, *lhs)?.dtype;
                // (kept operand, constant operand) pairs; a commutative op may have its
                // constant on either side.
                let mut pairs = vec![(*lhs, *rhs)];
                if b.is_commutative() {
                    pairs.push((*rhs, *lhs));
                }
                pairs.into_iter().find_map(|(x, c)| {
                    let c = self.consts.get(&c)?;
                    binary_identity(*b, d, *c).map(|id| match id {
                        Identity::Operand => Simplified::Value(x),
                        Identity::Const(z) => Simplified::Const(z),
                    })
                })
            }
            Op::Select { cond, on_true, on_false } => match self.consts.get(cond) {
                Some(c) => Some(Simplified::Value(if c.as_bool() { *on_true } else { *on_false })),
                None if on_true == on_false => Some(Simplified::Value(*on_true)),
                None => None,
            },
            Op::Cast { arg, to } => (util::ty_of(k, *arg)? == Ty::scalar(*to)).then_some(Simplified::Value(*arg)),
            Op::Extract { vector, lane } => {
                self.vectors.get(vector).and_then(|e| e.get(*lane as usize)).map(|v| Simplified::Value(*v))
            }
            _ => None,
        })
    }
}

enum Simplified {
    Value(ValueId),
    Const(Constant),
}

enum Identity {
    /// `x op c == x`
    Operand,
    /// `x op c == const`
    Const(Constant),
}

/// Identities `x op c` with the constant on the right that hold bit for bit for every `x`.
/// Floats only have the ones IEEE makes exact: `x * 1.0`, `x / 1.0`, `x - (+0.0)`. Not
/// `x + 0.0` (`-0.0 + 0.0 == +0.0`) and not `x * 0.0` (NaN, infinities, signed zeros).
fn binary_identity(op: BinaryOp, d: DType, c: Constant) -> Option<Identity> {
    if d.is_float() {
        let one = c.as_f64() == 1.0;
        let plus_zero = c.bits == 0;
        return match op {
            BinaryOp::Mul | BinaryOp::Div if one => Some(Identity::Operand),
            BinaryOp::Sub if plus_zero => Some(Identity::Operand),
            _ => None,
        };
    }
    // Integers (wrapping) and bool (and/or/xor only, by their typing rules).
    let zero = c.bits == 0;
    let all_ones = c.bits == dtype::wrap_int(d, u64::MAX);
    let one = !d.is_bool() && c.as_i128() == 1;
    match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Or | BinaryOp::Xor | BinaryOp::Shl | BinaryOp::Shr if zero => {
            Some(Identity::Operand)
        }
        BinaryOp::Mul | BinaryOp::Div if one => Some(Identity::Operand),
        BinaryOp::Mul if zero => Some(Identity::Const(Constant::from_bits(d, 0))),
        BinaryOp::And if all_ones => Some(Identity::Operand),
        // Annihilators: a branch on `false & runtime` (a layout a dtype cannot take) folds away.
        BinaryOp::And if zero => Some(Identity::Const(Constant::from_bits(d, 0))),
        BinaryOp::Or if all_ones => Some(Identity::Const(c)),
        _ => None,
    }
}

/// The insts that replace an `if` whose condition is a constant: the taken branch. Its
/// final yield (if-expressions) is dropped and its value replaces the `if`'s result. A
/// branch that ends in `break`/`continue`/`return` before that still ends the parent block
/// at the same point once spliced.
fn splice_branch(has_result: bool, mut taken: Block) -> IrResult<Action> {
    if !has_result {
        return Ok(Action::Splice(taken.insts, None));
    }
    match taken.insts.pop() {
        Some(Inst { op: Op::Yield(Some(v)), .. }) => Ok(Action::Splice(taken.insts, Some(v))),
        _ => Err(IrError::Region("a branch of an if-expression does not end with a value".into())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::testing::*;
    use crate::op::{BinaryOp as B, UnaryOp};
    use crate::{print_kernel, Builder, Constant, DType, Op, Ty};

    fn is_binary(op: &Op) -> bool {
        matches!(op, Op::Binary { .. })
    }

    #[test]
    fn folds_constant_arithmetic_and_comparisons() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let three = konst(&mut b, Constant::i32(3));
        let four = konst(&mut b, Constant::i32(4));
        let one = konst(&mut b, Constant::i32(1));
        let p = bin(&mut b, B::Mul, three, four);
        let s = bin(&mut b, B::Add, p, one);
        let lt = b.value(Op::Cmp { op: crate::CmpOp::Lt, lhs: s, rhs: four }).unwrap();
        let as_int = b.value(Op::Cast { arg: lt, to: DType::I32 }).unwrap();
        b.push(Op::Store { mem: y, index: one, value: s }).unwrap();
        b.push(Op::Store { mem: y, index: as_int, value: s }).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "fold", &with_buffers(&[(0, vec![0; 2])]), 1);
        assert!(changed);
        assert_eq!(count(&after, is_binary), 0);
        assert_eq!(count(&after, |o| matches!(o, Op::Cmp { .. } | Op::Cast { .. })), 0);
        let text = print_kernel(&after);
        assert!(text.contains("const 13 : i32"), "{text}");
        assert!(text.contains("const false : bool"), "{text}");
        // A second run finds nothing more to do.
        let mut again = after.clone();
        assert!(!super::run(&mut again).unwrap());
        assert_eq!(again, after);
    }

    #[test]
    fn and_with_zero_and_or_with_all_ones_fold_to_the_constant() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let zero = konst(&mut b, Constant::u32(0));
        let ones = konst(&mut b, Constant::u32(u32::MAX));
        let x = b.value(Op::Load { mem: y, index: zero, lanes: 1 }).unwrap();
        let and = bin(&mut b, B::And, x, zero);
        let or = bin(&mut b, B::Or, ones, x);
        let one = konst(&mut b, Constant::u32(1));
        b.push(Op::Store { mem: y, index: zero, value: and }).unwrap();
        b.push(Op::Store { mem: y, index: one, value: or }).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "fold", &with_buffers(&[(0, vec![0x1234_5678, 7])]), 1);
        assert!(changed);
        assert_eq!(count(&after, is_binary), 0, "{}", print_kernel(&after));
    }

    #[test]
    fn integer_division_by_zero_is_left_for_run_time() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let one = konst(&mut b, Constant::u32(1));
        let zero = konst(&mut b, Constant::u32(0));
        let q = bin(&mut b, B::Div, one, zero);
        let r = bin(&mut b, B::Rem, one, zero);
        b.push(Op::Store { mem: y, index: zero, value: q }).unwrap();
        b.push(Op::Store { mem: y, index: zero, value: r }).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "fold", &with_buffers(&[(0, vec![0])]), 1);
        assert!(!changed);
        assert_eq!(count(&after, is_binary), 2);
    }

    /// Builds `y[i] = x op c` (or `c op x` when `const_left`) for one float op and returns
    /// whether fold removed the op; the semantic check runs on inputs that include -0.0.
    fn float_identity_folds(op: B, c: f32, const_left: bool) -> bool {
        let mut b = Builder::new("k", None);
        let x = b.buffer_param("x", DType::F32, false);
        let y = b.buffer_param("y", DType::F32, true);
        let gid = b.value(Op::Builtin(crate::Builtin::GlobalId(crate::Axis::X))).unwrap();
        let xv = b.value(Op::Load { mem: x, index: gid, lanes: 1 }).unwrap();
        let cv = konst(&mut b, Constant::f32(c));
        let r = if const_left { bin(&mut b, op, cv, xv) } else { bin(&mut b, op, xv, cv) };
        b.push(Op::Store { mem: y, index: gid, value: r }).unwrap();
        let k = b.finish().unwrap();
        let inputs: Vec<u64> =
            [-0.0f32, 0.0, 1.5, -2.0, f32::INFINITY, f32::NAN].iter().map(|v| v.to_bits() as u64).collect();
        let n = inputs.len();
        let state = with_buffers(&[(0, inputs), (1, vec![0; n])]);
        let (after, _) = apply(&k, "fold", &state, n as u64);
        count(&after, is_binary) == 0
    }

    #[test]
    fn float_identities_are_only_the_exact_ones() {
        assert!(float_identity_folds(B::Mul, 1.0, false));
        assert!(float_identity_folds(B::Mul, 1.0, true));
        assert!(float_identity_folds(B::Div, 1.0, false));
        assert!(float_identity_folds(B::Sub, 0.0, false));
        // -0.0 + 0.0 == +0.0, so x + 0.0 is not x.
        assert!(!float_identity_folds(B::Add, 0.0, false));
        assert!(!float_identity_folds(B::Add, 0.0, true));
        assert!(!float_identity_folds(B::Add, -0.0, false));
        // x - (-0.0) == x + 0.0.
        assert!(!float_identity_folds(B::Sub, -0.0, false));
        assert!(!float_identity_folds(B::Mul, 0.0, false));
        assert!(!float_identity_folds(B::Div, 1.0, true));
        assert!(!float_identity_folds(B::Sub, 0.0, true));
    }

    /// `y[0] = n op c` (or `c op n`): whether fold removed the op, and whether the result
    /// became a constant.
    fn int_identity(d: DType, op: B, c: Constant, const_left: bool) -> (bool, bool) {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", d, true);
        let n = b.scalar_param("n", d).unwrap();
        let cv = konst(&mut b, c);
        let r = if const_left { bin(&mut b, op, cv, n) } else { bin(&mut b, op, n, cv) };
        let zero = konst(&mut b, Constant::u32(0));
        b.push(Op::Store { mem: y, index: zero, value: r }).unwrap();
        let k = b.finish().unwrap();
        let mut state = with_buffers(&[(0, vec![0])]);
        for v in [5u64, (-7i64) as u64] {
            state.scalars.insert(1, crate::dtype::wrap_int(d, v));
            apply(&k, "fold", &state, 1);
        }
        let (after, _) = apply(&k, "fold", &state, 1);
        let mut stored = None;
        after.body.walk(&mut |i| {
            if let Op::Store { value, .. } = i.op {
                stored = Some(value);
            }
        });
        let mut stored_op = None;
        after.body.walk(&mut |i| {
            if i.result == stored {
                stored_op = Some(i.op.clone());
            }
        });
        let zero = Op::Const(Constant::from_bits(d, 0));
        (count(&after, is_binary) == 0, stored_op == Some(zero))
    }

    #[test]
    fn integer_identities() {
        let z = Constant::i32(0);
        let one = Constant::i32(1);
        for (op, c) in [(B::Add, z), (B::Sub, z), (B::Mul, one), (B::Div, one), (B::Or, z), (B::Xor, z)] {
            assert_eq!(int_identity(DType::I32, op, c, false), (true, false), "{op:?}");
        }
        assert!(int_identity(DType::I32, B::Shl, z, false).0);
        assert!(int_identity(DType::I32, B::Shr, z, false).0);
        assert!(int_identity(DType::I32, B::And, Constant::i32(-1), false).0);
        assert!(int_identity(DType::U8, B::And, Constant::from_i128(DType::U8, 255), false).0);
        assert!(!int_identity(DType::U8, B::And, Constant::from_i128(DType::U8, 127), false).0);
        // Commutative ops fold with the constant on either side, the others only on the right.
        assert!(int_identity(DType::I32, B::Add, z, true).0);
        assert!(int_identity(DType::I32, B::Mul, one, true).0);
        assert!(!int_identity(DType::I32, B::Sub, z, true).0);
        assert!(!int_identity(DType::I32, B::Div, one, true).0);
        assert!(!int_identity(DType::I32, B::Shl, z, true).0);
        // x * 0 is the constant 0.
        assert_eq!(int_identity(DType::I32, B::Mul, z, false), (true, true));
        assert_eq!(int_identity(DType::U64, B::Mul, Constant::from_i128(DType::U64, 0), true), (true, true));
        // Bool and/or/xor.
        assert!(int_identity(DType::Bool, B::And, Constant::bool(true), false).0);
        assert!(int_identity(DType::Bool, B::Or, Constant::bool(false), true).0);
        // Annihilators: x & false, x & 0 and x | true fold to the constant.
        assert_eq!(int_identity(DType::Bool, B::And, Constant::bool(false), true), (true, true));
        assert_eq!(int_identity(DType::U32, B::And, Constant::u32(0), false), (true, true));
        assert_eq!(int_identity(DType::Bool, B::Or, Constant::bool(true), false), (true, false));
        assert!(!int_identity(DType::Bool, B::Xor, Constant::bool(true), false).0);
    }

    #[test]
    fn if_expression_with_constant_condition_becomes_its_branch() {
        for cond in [true, false] {
            let mut b = Builder::new("k", None);
            let y = b.buffer_param("y", DType::I32, true);
            let n = b.scalar_param("n", DType::I32).unwrap();
            let c = konst(&mut b, Constant::bool(cond));
            let two = konst(&mut b, Constant::i32(2));
            let v = if_expr(&mut b, c, Ty::scalar(DType::I32), |b| bin(b, B::Mul, n, two), |_| n);
            b.name_value(v, "v");
            let zero = konst(&mut b, Constant::u32(0));
            b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
            let k = b.finish().unwrap();
            let mut state = with_buffers(&[(0, vec![0])]);
            state.scalars.insert(1, 21);
            let (after, changed) = apply(&k, "fold", &state, 1);
            assert!(changed);
            assert_eq!(count(&after, |o| matches!(o, Op::If { .. } | Op::Yield(_))), 0, "{}", print_kernel(&after));
            assert_eq!(count(&after, is_binary), usize::from(cond));
        }
    }

    #[test]
    fn spliced_branch_is_folded_and_its_terminator_ends_the_parent() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let t = konst(&mut b, Constant::bool(true));
        let zero = konst(&mut b, Constant::i32(0));
        if_stmt(
            &mut b,
            t,
            |b| {
                // A nested if on a constant inside the taken branch is folded too.
                let f = konst(b, Constant::bool(false));
                if_stmt(
                    b,
                    f,
                    |_| {},
                    |b| {
                        b.push(Op::Return).unwrap();
                    },
                );
            },
            |_| {},
        );
        let seven = konst(&mut b, Constant::i32(7));
        b.push(Op::Store { mem: y, index: zero, value: seven }).unwrap();
        let k = b.finish().unwrap();
        let (after, _) = apply(&k, "fold", &with_buffers(&[(0, vec![0])]), 1);
        assert_eq!(count(&after, |o| matches!(o, Op::If { .. })), 0);
        let top: Vec<String> = after.body.insts.iter().map(|i| i.op.mnemonic()).collect();
        let ret = top.iter().position(|m| m == "return").unwrap();
        let store = top.iter().position(|m| m == "store").unwrap();
        assert!(ret < store, "{top:?}");
    }

    #[test]
    fn loops_that_never_run_are_removed() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let five = konst(&mut b, Constant::u32(5));
        let two = konst(&mut b, Constant::u32(2));
        let one = konst(&mut b, Constant::u32(1));
        let zero = konst(&mut b, Constant::u32(0));
        for_loop(&mut b, five, five, one, false, |b, i| {
            b.push(Op::Store { mem: y, index: zero, value: i }).unwrap();
        });
        for_loop(&mut b, five, two, one, true, |b, i| {
            b.push(Op::Store { mem: y, index: zero, value: i }).unwrap();
        });
        // 5..=5 runs once; a zero step is not a range the folder decides about.
        for_loop(&mut b, five, five, one, true, |b, i| {
            b.push(Op::Store { mem: y, index: zero, value: i }).unwrap();
        });
        for_loop(&mut b, five, five, zero, false, |b, i| {
            b.push(Op::Store { mem: y, index: zero, value: i }).unwrap();
        });
        b.begin_block();
        let f = konst(&mut b, Constant::bool(false));
        let nf = b.value(Op::Unary { op: UnaryOp::Not, arg: f, fast: false }).unwrap();
        let ff = bin(&mut b, B::And, nf, f);
        b.push(Op::Yield(Some(ff))).unwrap();
        let cond = b.end_block().unwrap();
        b.begin_block();
        b.push(Op::Store { mem: y, index: zero, value: two }).unwrap();
        let body = b.end_block().unwrap();
        b.push(Op::While { cond, body }).unwrap();
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(super::run(&mut after).unwrap());
        crate::verify(&after).unwrap();
        assert_eq!(count(&after, |o| matches!(o, Op::For { .. })), 2, "{}", print_kernel(&after));
        assert_eq!(count(&after, |o| matches!(o, Op::While { .. })), 0);
        // The zero-step loop is an error at run time; check the others run the same.
        let mut b2 = k.clone();
        b2.body.insts.retain(|i| !matches!(&i.op, Op::For { step, .. } if *step == zero));
        apply(&b2, "fold", &with_buffers(&[(0, vec![0])]), 1);
    }

    #[test]
    fn while_whose_condition_has_effects_or_may_be_true_stays() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::U32, true);
        let zero = konst(&mut b, Constant::u32(0));
        b.begin_block();
        let v = b.value(Op::Load { mem: y, index: zero, lanes: 1 }).unwrap();
        let _ = v;
        let f = konst(&mut b, Constant::bool(false));
        b.push(Op::Yield(Some(f))).unwrap();
        let cond = b.end_block().unwrap();
        b.push(Op::While { cond, body: Default::default() }).unwrap();
        let k = b.finish().unwrap();
        let (after, changed) = apply(&k, "fold", &with_buffers(&[(0, vec![0])]), 1);
        assert!(!changed);
        assert_eq!(count(&after, |o| matches!(o, Op::While { .. })), 1);
    }

    #[test]
    fn select_cast_extract_and_fast_ops() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::F32, true);
        let x = b.scalar_param("x", DType::F32).unwrap();
        let w = b.scalar_param("w", DType::F32).unwrap();
        let c = b.scalar_param("c", DType::Bool).unwrap();
        let t = konst(&mut b, Constant::bool(true));
        let s1 = b.value(Op::Select { cond: t, on_true: x, on_false: w }).unwrap();
        let s2 = b.value(Op::Select { cond: c, on_true: w, on_false: w }).unwrap();
        let s3 = b.value(Op::Select { cond: c, on_true: x, on_false: w }).unwrap();
        let same = b.value(Op::Cast { arg: s1, to: DType::F32 }).unwrap();
        let vec = b.value(Op::MakeVector { elems: vec![same, s2] }).unwrap();
        let e1 = b.value(Op::Extract { vector: vec, lane: 1 }).unwrap();
        let two = konst(&mut b, Constant::f32(2.0));
        let fe = b.value(Op::Unary { op: UnaryOp::Exp, arg: two, fast: true }).unwrap();
        let pe = b.value(Op::Unary { op: UnaryOp::Exp, arg: two, fast: false }).unwrap();
        let zero = konst(&mut b, Constant::u32(0));
        for v in [e1, s3, fe, pe] {
            b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
        }
        let k = b.finish().unwrap();
        let mut after = k.clone();
        assert!(super::run(&mut after).unwrap());
        crate::verify(&after).unwrap();
        let stored: Vec<_> = after
            .body
            .insts
            .iter()
            .filter_map(|i| match i.op {
                Op::Store { value, .. } => Some(value),
                _ => None,
            })
            .collect();
        assert_eq!(stored[0], w, "{}", print_kernel(&after));
        assert_eq!(stored[1], s3);
        assert_eq!(stored[2], fe);
        // Folding rewrites the op in place: the value keeps its id and becomes a constant.
        assert_eq!(stored[3], pe);
        let defs = |v| {
            let mut found = None;
            after.body.walk(&mut |i| {
                if i.result == Some(v) {
                    found = Some(i.op.clone())
                }
            });
            found.unwrap()
        };
        assert!(matches!(defs(pe), Op::Const(_)));
        assert!(matches!(defs(fe), Op::Unary { fast: true, .. }));
        assert_eq!(count(&after, |o| matches!(o, Op::Select { .. })), 1);
        assert_eq!(count(&after, |o| matches!(o, Op::Cast { .. } | Op::Extract { .. })), 0);
        let exp2 = f32::from_bits(crate::eval::unary(UnaryOp::Exp, DType::F32, 2.0f32.to_bits() as u64) as u32);
        assert!((exp2 as f64 - 2f64.exp()).abs() < 1e-5);
        assert!(print_kernel(&after).contains(&format!("const {:?} : f32", exp2 as f64)));
    }

    #[test]
    fn if_expression_branch_without_value_is_an_error() {
        let mut b = Builder::new("k", None);
        let y = b.buffer_param("y", DType::I32, true);
        let t = konst(&mut b, Constant::bool(true));
        let one = konst(&mut b, Constant::i32(1));
        let v = if_expr(&mut b, t, Ty::scalar(DType::I32), |_| one, |_| one);
        let zero = konst(&mut b, Constant::u32(0));
        b.push(Op::Store { mem: y, index: zero, value: v }).unwrap();
        let mut k = b.finish().unwrap();
        k.body.walk_mut(&mut |i| {
            if let Op::If { then_block, .. } = &mut i.op {
                then_block.insts.pop();
            }
        });
        assert!(matches!(super::run(&mut k), Err(crate::IrError::Region(_))));
    }
}
