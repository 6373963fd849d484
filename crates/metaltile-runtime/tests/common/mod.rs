//! Test kernels written in the form the `#[kernel]` macro generates (see
//! crates/metaltile/tests/manual_expansion.rs), with their `KernelDef`s.

#![allow(dead_code)]

use metaltile::dsl::*;
use metaltile::ir::{ConstArg, ConstArgs, ConstexprInfo, DType, IrError, IrResult, Kernel, KernelDef, ParamInfo};
use metaltile::ir::{ParamInfoKind, FLOAT_DTYPES};

fn float_dispatch(
    dtype: Option<DType>,
    f32_: impl FnOnce() -> IrResult<Kernel>,
    f16_: impl FnOnce() -> IrResult<Kernel>,
    bf16_: impl FnOnce() -> IrResult<Kernel>,
) -> IrResult<Kernel> {
    match dtype {
        Some(DType::F32) => f32_(),
        Some(DType::F16) => f16_(),
        Some(DType::BF16) => bf16_(),
        other => Err(IrError::Invalid(format!("no instance for {other:?}"))),
    }
}

// #[kernel] fn scale<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr] factor: f32) {
//     let i = global_id().x; if i < n { y[i] = ((x[i] as f32) * factor) as T; }
// }
fn scale_body<T: Float>(x: Buf<T>, y: BufMut<T>, n: Val<u32>, factor: Val<f32>) {
    let i = global_id().x;
    if_(lt(i, n), || store(&y, i, (load(&x, i).cast::<f32>() * factor).cast::<T>()), || {});
}

const FACTOR: ConstexprInfo = ConstexprInfo { name: "factor", dtype: DType::F32, default: Some(ConstArg::Float(2.0)) };

fn scale_ir(dtype: Option<DType>, consts: &ConstArgs) -> IrResult<Kernel> {
    fn go<T: Float>(d: DType, consts: &ConstArgs) -> IrResult<Kernel> {
        trace("scale", Some(d), || {
            let x = declare::input::<T>("x");
            let y = declare::output::<T>("y");
            let n = declare::scalar::<u32>("n");
            let factor = declare::constexpr::<f32>(&FACTOR, consts)?;
            scale_body::<T>(x, y, n, factor);
            Ok(())
        })
    }
    float_dispatch(
        dtype,
        || go::<f32>(DType::F32, consts),
        || go::<half::f16>(DType::F16, consts),
        || go::<half::bf16>(DType::BF16, consts),
    )
}

/// `y[i] = x[i] * factor` for `i < n`.
pub const SCALE: KernelDef = KernelDef {
    name: "scale",
    dtypes: &FLOAT_DTYPES,
    params: &[
        ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: None },
        ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: None },
        ParamInfo { name: "n", kind: ParamInfoKind::Scalar, dtype: Some(DType::U32) },
    ],
    constexprs: &[FACTOR],
    build: scale_ir,
};

// #[kernel] fn lane_sum(x: &[f32], y: &mut [f32]) { let i = global_id().x; y[i] = simd_sum(x[i]); }
fn lane_sum_ir(_: Option<DType>, _: &ConstArgs) -> IrResult<Kernel> {
    trace("lane_sum", None, || {
        let x = declare::input::<f32>("x");
        let y = declare::output::<f32>("y");
        let i = global_id().x;
        store(&y, i, simd_sum(load(&x, i)));
        Ok(())
    })
}

/// `y[i]` = the sum of `x` over `i`'s simdgroup; no bounds check.
pub const LANE_SUM: KernelDef = KernelDef {
    name: "lane_sum",
    dtypes: &[],
    params: &[
        ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: Some(DType::F32) },
        ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: Some(DType::F32) },
    ],
    constexprs: &[],
    build: lane_sum_ir,
};

// #[kernel] fn split(x: &[f32], a: &mut [f32], b: &mut [f32], n: u32) {
//     let i = global_id().x; if i < n { a[i] = x[i] + 1.0; b[i] = x[i] - 1.0; }
// }
fn split_ir(_: Option<DType>, _: &ConstArgs) -> IrResult<Kernel> {
    trace("split", None, || {
        let x = declare::input::<f32>("x");
        let a = declare::output::<f32>("a");
        let b = declare::output::<f32>("b");
        let n = declare::scalar::<u32>("n");
        let i = global_id().x;
        if_(
            lt(i, n),
            || {
                store(&a, i, load(&x, i) + lit_float(1.0));
                store(&b, i, load(&x, i) - lit_float(1.0));
            },
            || {},
        );
        Ok(())
    })
}

/// Two outputs: `a = x + 1`, `b = x - 1`.
pub const SPLIT: KernelDef = KernelDef {
    name: "split",
    dtypes: &[],
    params: &[
        ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: Some(DType::F32) },
        ParamInfo { name: "a", kind: ParamInfoKind::Output, dtype: Some(DType::F32) },
        ParamInfo { name: "b", kind: ParamInfoKind::Output, dtype: Some(DType::F32) },
        ParamInfo { name: "n", kind: ParamInfoKind::Scalar, dtype: Some(DType::U32) },
    ],
    constexprs: &[],
    build: split_ir,
};

// #[kernel] fn reverse(x: &[f32], y: &mut [f32], n: u32) {
//     let i = global_id().x; if i < n { y[n - 1 - i] = x[i]; }
// }
fn reverse_ir(_: Option<DType>, _: &ConstArgs) -> IrResult<Kernel> {
    trace("reverse", None, || {
        let x = declare::input::<f32>("x");
        let y = declare::output::<f32>("y");
        let n = declare::scalar::<u32>("n");
        let i = global_id().x;
        if_(lt(i, n), || store(&y, n - lit_int(1) - i, load(&x, i)), || {});
        Ok(())
    })
}

/// `y[n-1-i] = x[i]`: in place, threads read what other threads write.
pub const REVERSE: KernelDef = KernelDef {
    name: "reverse",
    dtypes: &[],
    params: &[
        ParamInfo { name: "x", kind: ParamInfoKind::Input, dtype: Some(DType::F32) },
        ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: Some(DType::F32) },
        ParamInfo { name: "n", kind: ParamInfoKind::Scalar, dtype: Some(DType::U32) },
    ],
    constexprs: &[],
    build: reverse_ir,
};

// #[kernel] fn add(a: &[f32], b: &[f32], y: &mut [f32]) { let i = global_id().x; y[i] = a[i] + b[i]; }
fn add_ir(_: Option<DType>, _: &ConstArgs) -> IrResult<Kernel> {
    trace("add", None, || {
        let a = declare::input::<f32>("a");
        let b = declare::input::<f32>("b");
        let y = declare::output::<f32>("y");
        let i = global_id().x;
        store(&y, i, load(&a, i) + load(&b, i));
        Ok(())
    })
}

/// `y = a + b`, no bounds check.
pub const ADD: KernelDef = KernelDef {
    name: "add",
    dtypes: &[],
    params: &[
        ParamInfo { name: "a", kind: ParamInfoKind::Input, dtype: Some(DType::F32) },
        ParamInfo { name: "b", kind: ParamInfoKind::Input, dtype: Some(DType::F32) },
        ParamInfo { name: "y", kind: ParamInfoKind::Output, dtype: Some(DType::F32) },
    ],
    constexprs: &[],
    build: add_ir,
};
