//! The tracing context: while a kernel body runs under [`trace`], every DSL operation
//! appends IR to the builder held here. Operations cannot return errors (operators are
//! plain Rust operators), so the first error is recorded and returned by `trace`.

use metaltile_ir::{Builder, DType, IrError, IrResult, Kernel, Op, Ty, ValueId};
use std::cell::RefCell;

struct State {
    builder: Builder,
    error: Option<IrError>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Placeholder id returned after an error; never reaches a finished kernel.
pub(crate) const POISON: ValueId = ValueId(u32::MAX);

fn record(e: IrError) {
    STATE.with(|s| {
        if let Some(st) = s.borrow_mut().as_mut() {
            if st.error.is_none() {
                st.error = Some(e);
            }
        }
    })
}

/// Run `f` on the active builder. Returns `None` (and records an error) when no kernel is
/// being traced or `f` fails.
pub(crate) fn with_builder<R>(f: impl FnOnce(&mut Builder) -> IrResult<R>) -> Option<R> {
    let r = STATE.with(|s| {
        let mut guard = s.borrow_mut();
        match guard.as_mut() {
            None => Err(IrError::Invalid("a DSL operation ran outside a kernel being traced".into())),
            Some(st) if st.error.is_some() => Ok(None),
            Some(st) => f(&mut st.builder).map(Some),
        }
    });
    match r {
        Ok(v) => v,
        Err(e) => {
            record(e);
            None
        }
    }
}

/// Append an op that defines a value; `POISON` after an error.
pub(crate) fn emit(op: Op) -> ValueId {
    with_builder(|b| b.value(op)).unwrap_or(POISON)
}

/// Append an op that defines no value.
pub(crate) fn emit_effect(op: Op) {
    with_builder(|b| b.push(op).map(|_| ()));
}

/// Record an error found by the DSL itself.
pub(crate) fn fail(e: IrError) {
    record(e)
}

/// Type of a value in the kernel being traced.
pub(crate) fn ty_of(v: ValueId) -> Option<Ty> {
    with_builder(|b| b.ty(v))
}

/// Trace a kernel body into a verified kernel. `body` receives the builder to declare
/// parameters (used by the `#[kernel]` expansion) and then runs the DSL code.
pub fn trace(base_name: &str, dtype: Option<DType>, body: impl FnOnce() -> IrResult<()>) -> IrResult<Kernel> {
    let prev = STATE.with(|s| s.borrow_mut().replace(State { builder: Builder::new(base_name, dtype), error: None }));
    if prev.is_some() {
        STATE.with(|s| *s.borrow_mut() = prev);
        return Err(IrError::Invalid("kernels cannot be traced inside another kernel's trace".into()));
    }
    let r = body();
    let st = STATE.with(|s| s.borrow_mut().take());
    let st = st.ok_or_else(|| IrError::Invalid("trace state lost".into()))?;
    r?;
    if let Some(e) = st.error {
        return Err(e);
    }
    st.builder.finish()
}

/// Declare parameters and constexprs while tracing (used by generated code).
pub mod declare {
    use super::*;
    use crate::dsl::mem::{Buf, BufMut};
    use crate::dsl::scalar::Scalar;
    use crate::dsl::val::Val;
    use metaltile_ir::{ConstArgs, ConstexprInfo, KernelDef};

    /// A read-only buffer parameter.
    pub fn input<T: Scalar>(name: &str) -> Buf<T> {
        let m = with_builder(|b| Ok(b.buffer_param(name, T::DTYPE, false)));
        Buf::from_mem(m)
    }
    /// A writable buffer parameter.
    pub fn output<T: Scalar>(name: &str) -> BufMut<T> {
        let m = with_builder(|b| Ok(b.buffer_param(name, T::DTYPE, true)));
        BufMut::from_mem(m)
    }
    /// A runtime scalar parameter.
    pub fn scalar<T: Scalar>(name: &str) -> Val<T> {
        Val::from_id(with_builder(|b| b.scalar_param(name, T::DTYPE)).unwrap_or(POISON))
    }
    /// A constexpr parameter, resolved from `consts` or its default.
    pub fn constexpr<T: Scalar>(info: &ConstexprInfo, consts: &ConstArgs) -> IrResult<Val<T>> {
        if info.dtype != T::DTYPE {
            return Err(IrError::Invalid(format!(
                "constexpr `{}` declared as {} but typed {}",
                info.name,
                info.dtype,
                T::DTYPE
            )));
        }
        let c = KernelDef::constexpr_value(info, consts)?;
        Ok(Val::from_id(with_builder(|b| b.constexpr(info.name, c)).unwrap_or(POISON)))
    }
}
