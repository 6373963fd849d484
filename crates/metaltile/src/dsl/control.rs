//! Structured control flow. The `#[kernel]` macro turns `if`, `for`, `while`, `break`,
//! `continue`, `return`, `&&` and `||` into these calls; regions are traced by running the
//! closures once, between `begin_block` and `end_block`.

use super::scalar::{Int, Scalar};
use super::trace::{emit, emit_effect, ty_of, with_builder, POISON};
use super::val::Val;
use metaltile_ir::{Block, Inst, Op, Ty};

fn region(f: impl FnOnce()) -> Block {
    with_builder(|b| {
        b.begin_block();
        Ok(())
    });
    f();
    with_builder(|b| b.end_block()).unwrap_or_default()
}

/// `if cond { then } else { otherwise }` as a statement.
pub fn if_(cond: Val<bool>, then: impl FnOnce(), otherwise: impl FnOnce()) {
    let then_block = region(then);
    let else_block = region(otherwise);
    with_builder(|b| b.push_if(cond.id(), then_block, else_block, None).map(|_| ()));
}

/// `if cond { a } else { b }` as an expression.
pub fn if_expr<T: Scalar>(
    cond: Val<bool>,
    then: impl FnOnce() -> Val<T>,
    otherwise: impl FnOnce() -> Val<T>,
) -> Val<T> {
    let then_block = region(|| {
        let v = then();
        emit_effect(Op::Yield(Some(v.id())));
    });
    let else_block = region(|| {
        let v = otherwise();
        emit_effect(Op::Yield(Some(v.id())));
    });
    let r = with_builder(|b| b.push_if(cond.id(), then_block, else_block, Some(Ty::scalar(T::DTYPE))));
    Val::from_id(r.flatten().unwrap_or(POISON))
}

/// `a && b`, evaluating `b` only when `a` is true.
pub fn and_then(a: Val<bool>, b: impl FnOnce() -> Val<bool>) -> Val<bool> {
    if_expr(a, b, || super::val::lit_bool(false))
}

/// `a || b`, evaluating `b` only when `a` is false.
pub fn or_else(a: Val<bool>, b: impl FnOnce() -> Val<bool>) -> Val<bool> {
    if_expr(a, || super::val::lit_bool(true), b)
}

/// `for i in (start..end).step_by(step)` (or `..=end` when `inclusive`).
pub fn for_range<I: Int>(start: Val<I>, end: Val<I>, step: Val<I>, inclusive: bool, body: impl FnOnce(Val<I>)) {
    let index = with_builder(|b| Ok(b.new_value(Ty::scalar(I::DTYPE)))).unwrap_or(POISON);
    let body = region(|| body(Val::from_id(index)));
    let op = Op::For { index, start: start.id(), end: end.id(), step: step.id(), inclusive, body };
    with_builder(|b| b.push_inst(Inst { result: None, op }));
}

/// `while cond { body }`; `cond` is traced once and re-evaluated before every iteration.
pub fn while_(cond: impl FnOnce() -> Val<bool>, body: impl FnOnce()) {
    let cond = region(|| {
        let c = cond();
        emit_effect(Op::Yield(Some(c.id())));
    });
    let body = region(body);
    with_builder(|b| b.push_inst(Inst { result: None, op: Op::While { cond, body } }));
}

/// `loop { body }`.
pub fn loop_(body: impl FnOnce()) {
    while_(|| super::val::lit_bool(true), body)
}

/// `break` out of the innermost loop.
pub fn break_() {
    emit_effect(Op::Break)
}
/// `continue` with the next iteration of the innermost loop.
pub fn continue_() {
    emit_effect(Op::Continue)
}
/// `return` from the kernel (this thread stops).
pub fn return_() {
    emit_effect(Op::Return)
}

/// The type of a traced value (for diagnostics in generated code).
pub fn dtype_of<T: Scalar>(v: Val<T>) -> Option<Ty> {
    ty_of(v.id())
}

/// A value that only exists to satisfy Rust's types after `return`/`break` in expression
/// position; the code that would use it never runs.
pub fn unreachable_value<T: Scalar>() -> Val<T> {
    Val::constant(metaltile_ir::Constant::from_bits(T::DTYPE, 0))
}

#[doc(hidden)]
pub fn __emit_const<T: Scalar>(c: metaltile_ir::Constant) -> Val<T> {
    Val::from_id(emit(Op::Const(c)))
}
