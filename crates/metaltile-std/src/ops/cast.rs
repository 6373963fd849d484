//! Host plan of the casts ([`crate::kernels::cast`]): `x` of any dtype (floats, integers, and
//! bool, true being 1) to any dtype, one launch of the destination's kernel.

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{cast as k, elementwise};
use crate::plan::Plan;
use metaltile_ir::{ConstArgs, DType, Geometry, KernelDef, ALL_DTYPES};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The kernel that casts to `to`.
pub fn cast_def(to: DType) -> KernelDef {
    match to {
        DType::F32 => k::cast_f32::DEF,
        DType::F16 => k::cast_f16::DEF,
        DType::BF16 => k::cast_bf16::DEF,
        DType::I8 => k::cast_i8::DEF,
        DType::U8 => k::cast_u8::DEF,
        DType::I16 => k::cast_i16::DEF,
        DType::U16 => k::cast_u16::DEF,
        DType::I32 => k::cast_i32::DEF,
        DType::U32 => k::cast_u32::DEF,
        DType::I64 => k::cast_i64::DEF,
        DType::U64 => k::cast_u64::DEF,
        DType::Bool => k::cast_bool::DEF,
    }
}

/// Every destination, in registry order.
pub const CAST_TARGETS: [DType; 12] = ALL_DTYPES;

/// Plan `y = x as to` (see [`crate::kernels::cast`] for the rules).
pub fn cast_plan(dev: &Device, x: &Buffer, to: DType) -> Result<Plan> {
    let def = cast_def(to);
    if !def.dtypes.contains(&x.dtype()) {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{}`, input `x`", def.name),
            dtype: x.dtype(),
            supported: def.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
        });
    }
    let n = index_count(def.name, x)?;
    let y = dev.alloc(to, x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let l = launch(dev, def, x.dtype(), ConstArgs::new(), geometry, vec![x.into(), (&y).into(), n.into()])?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// `x as to`: floats round to nearest even; float to integer truncates toward zero and
/// saturates, NaN to 0; integer to integer wraps; to bool, nonzero is true.
pub fn cast(dev: &Device, x: &Buffer, to: DType) -> Result<Buffer> {
    let plan = cast_plan(dev, x, to)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}
