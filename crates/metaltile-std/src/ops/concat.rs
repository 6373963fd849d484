//! Host plan of `concat` ([`crate::kernels::concat`]): inputs of one dtype and of equal
//! shapes but along the joined axis, one launch per input writing its block of the output.
//! (One launch per input keeps every launch a plain streaming copy; a single launch would
//! have to pick its source per element among any number of buffers.)

use super::{index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{concat as k, elementwise};
use crate::plan::Plan;
use metaltile_ir::{ConstArg, ConstArgs, Geometry};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The axis `dim` of a rank-`rank` tensor (negative counts from the end).
fn axis(op: &str, dim: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    let d = if dim < 0 { dim + r } else { dim };
    if !(0..r).contains(&d) {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "dim".into(),
            reason: format!("axis {dim} does not exist in a tensor of {rank} axes"),
        });
    }
    Ok(d as usize)
}

/// Plan `torch.cat(xs, dim)`.
pub fn concat_plan(dev: &Device, xs: &[&Buffer], dim: i64) -> Result<Plan> {
    let op = k::concat::DEF.name;
    let first = xs.first().ok_or_else(|| RuntimeError::BadParameter {
        op: op.into(),
        name: "inputs".into(),
        reason: "needs at least one input".into(),
    })?;
    let d = axis(op, dim, first.shape().len())?;
    let mut out = first.shape().to_vec();
    out[d] = 0;
    for (i, x) in xs.iter().enumerate() {
        let what = format!("`{op}`, input {i}");
        if x.dtype() != first.dtype() {
            return Err(RuntimeError::DTypeMismatch { what, expected: first.dtype(), found: x.dtype() });
        }
        let same_rank = x.shape().len() == out.len();
        if !same_rank || (0..out.len()).any(|a| a != d && x.shape()[a] != first.shape()[a]) {
            let mut expected = first.shape().to_vec();
            if same_rank {
                expected[d] = x.shape()[d];
            }
            return Err(RuntimeError::ShapeMismatch { what, expected, found: x.shape().to_vec() });
        }
        index_count(op, x)?;
        out[d] += x.shape()[d];
    }
    let y = dev.alloc(first.dtype(), &out)?;
    index_count(op, &y)?;
    // Every index below fits u32: y has fewer than 2^32 elements.
    let inner: usize = out[d + 1..].iter().product();
    let y_row = (out[d] * inner) as u32;
    let mut launches = Vec::new();
    let mut offset = 0usize;
    for x in xs {
        let m = x.shape()[d] * inner;
        let n = x.len();
        if n > 0 {
            let vec = m.is_multiple_of(4) && y_row.is_multiple_of(4) && offset.is_multiple_of(4);
            let consts = if vec { ConstArgs::new().with("vec", ConstArg::Bool(true)) } else { ConstArgs::new() };
            let geometry = Geometry::cover(elementwise::threads(n as u32) as u64, ELEMENTWISE_GROUP);
            let args = vec![
                (*x).into(),
                (&y).into(),
                (n as u32).into(),
                (m as u32).into(),
                y_row.into(),
                (offset as u32).into(),
            ];
            launches.push(launch(dev, k::concat::DEF, first.dtype(), consts, geometry, args)?);
        }
        offset += m;
    }
    Ok(Plan::new(launches, vec![], ("y", y)))
}

/// `torch.cat(xs, dim)`: the inputs joined along axis `dim` (negative counts from the end).
pub fn concat(dev: &Device, xs: &[&Buffer], dim: i64) -> Result<Buffer> {
    super::movement::run(concat_plan(dev, xs, dim), dev)
}
