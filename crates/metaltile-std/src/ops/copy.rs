//! Host plan of the contiguous copy ([`crate::kernels::copy`]): any element type, bit for bit
//! (`copy` for float types, `copy_scalar` for integers and bool).

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{copy as copy_kernel, elementwise};
use crate::plan::Plan;
use metaltile_ir::{ConstArgs, Geometry};
use metaltile_runtime::{Buffer, Device, Result};

/// Plan `y = x`, a new contiguous buffer of `x`'s dtype and shape.
pub fn copy_plan(dev: &Device, x: &Buffer) -> Result<Plan> {
    let def = if x.dtype().is_float() { copy_kernel::copy::DEF } else { copy_kernel::copy_scalar::DEF };
    let n = index_count(def.name, x)?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let l = launch(dev, def, x.dtype(), ConstArgs::new(), geometry, vec![x.into(), (&y).into(), n.into()])?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

/// A copy of `x` (any dtype), bit for bit.
pub fn copy(dev: &Device, x: &Buffer) -> Result<Buffer> {
    let plan = copy_plan(dev, x)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// The shapes `tile bench` times the copy at: 2^28 elements (the device's copy bandwidth, which
/// the bench also measures on its own) and a Llama-3-8B hidden state of 4096 tokens.
pub fn copy_bench_shapes(size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match size {
        crate::bench::BenchSize::Quick => vec![vec![1 << 12]],
        crate::bench::BenchSize::Full => vec![vec![1 << 28], vec![4096, 4096]],
    }
}
