//! Host plans of `fill` and `arange` ([`crate::kernels::fill`]): a new buffer of a given
//! dtype and shape. The registry's entries take an input `x` for its dtype and shape only
//! (torch's `full_like`; `arange` fills `x`'s shape in row-major order).

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{elementwise, fill as k};
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArg, ConstArgs, Constant, DType, Geometry};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Plan a buffer of `dtype` and `shape` holding `value` everywhere, converted with the cast
/// rules (round to nearest even; to integers truncate and saturate, NaN to 0; to bool,
/// nonzero is true).
pub fn fill_plan(dev: &Device, dtype: DType, shape: &[usize], value: f64) -> Result<Plan> {
    let def = k::fill::DEF;
    let y = dev.alloc(dtype, shape)?;
    let n = index_count(def.name, &y)?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let v = PlanArg::Scalar(Constant::from_f64(dtype, value));
    let l = launch(dev, def, dtype, ConstArgs::new(), geometry, vec![(&y).into(), n.into(), v])?;
    let bytes = y.size_bytes() as u64;
    Ok(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(bytes))
}

/// A buffer of `dtype` and `shape` holding `value` everywhere (see [`fill_plan`]).
pub fn fill(dev: &Device, dtype: DType, shape: &[usize], value: f64) -> Result<Buffer> {
    super::movement::run(fill_plan(dev, dtype, shape, value), dev)
}

/// Plan `[start, start + step, ...]`, `n` values of `dtype` (a float or an integer type).
/// Floats are computed in f32 (`start` and `step` rounded to f32 first), integers in i64
/// (`start` and `step` must then be integers) and wrapped into narrower types.
pub fn arange_plan(dev: &Device, dtype: DType, start: f64, step: f64, n: usize) -> Result<Plan> {
    arange_shaped_plan(dev, dtype, start, step, &[n])
}

/// [`arange_plan`] filling `shape` in row-major order.
pub fn arange_shaped_plan(dev: &Device, dtype: DType, start: f64, step: f64, shape: &[usize]) -> Result<Plan> {
    let def = k::arange::DEF;
    let bad =
        |name: &str, reason: String| RuntimeError::BadParameter { op: def.name.into(), name: name.into(), reason };
    if !def.dtypes.contains(&dtype) {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{}`, output", def.name),
            dtype,
            supported: def.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
        });
    }
    for (name, v) in [("start", start), ("step", step)] {
        if !v.is_finite() {
            return Err(bad(name, format!("must be finite, got {v}")));
        }
        if !dtype.is_float() && (v.fract() != 0.0 || v.abs() >= 2f64.powi(63)) {
            return Err(bad(name, format!("must be an i64 integer for a {dtype} arange, got {v}")));
        }
    }
    let y = dev.alloc(dtype, shape)?;
    let n = index_count(def.name, &y)?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let float = dtype.is_float();
    let ints = |v: f64| PlanArg::Scalar(Constant::from_i128(DType::I64, if float { 0 } else { v as i128 }));
    let args = vec![(&y).into(), n.into(), (start as f32).into(), (step as f32).into(), ints(start), ints(step)];
    let consts = if float { ConstArgs::new() } else { ConstArgs::new().with("float", ConstArg::Bool(false)) };
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let l = launch(dev, def, dtype, consts, geometry, args)?;
    let bytes = y.size_bytes() as u64;
    Ok(Plan::new(vec![l], vec![], ("y", y)).with_bytes_moved(bytes))
}

/// `[start, start + step, ...]`, `n` values of `dtype` (see [`arange_plan`]).
pub fn arange(dev: &Device, dtype: DType, start: f64, step: f64, n: usize) -> Result<Buffer> {
    super::movement::run(arange_plan(dev, dtype, start, step, n), dev)
}
