//! The data-movement ops as the registry sees them ([`MoveOp`]): their kernels, inputs,
//! parameters and one-line math, and their plans from [`OpParams`]. The plans themselves
//! live beside their kernels' host code (`strided.rs`, ...).

use super::move_params::NumList;
use super::strided::{self, SliceAxis};
use super::OpParams;
use crate::kernels::strided as sk;
use crate::plan::Plan;
use metaltile_ir::{ConstArg, ConstArgs, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The data-movement ops (every dtype).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoveOp {
    /// `x.as_strided(size, stride, storage_offset).contiguous()`.
    AsStrided,
    /// `x.permute(perm).contiguous()`.
    Permute,
    /// `x[start:stop:step, ...].contiguous()`.
    Slice,
    /// `torch.cat([a, b], dim)` (any number of inputs through [`super::concat`]).
    Concat,
    /// `torch.full_like(x, value)`.
    Fill,
    /// `start + i·step` in `x`'s dtype and shape, row-major.
    Arange,
}

impl MoveOp {
    /// Every op, in registry order.
    pub const ALL: &'static [MoveOp] =
        &[MoveOp::AsStrided, MoveOp::Permute, MoveOp::Slice, MoveOp::Concat, MoveOp::Fill, MoveOp::Arange];

    /// The kernel that names it.
    pub fn def(self) -> KernelDef {
        match self {
            MoveOp::AsStrided => sk::as_strided::DEF,
            MoveOp::Permute => sk::permute::DEF,
            MoveOp::Slice => sk::slice::DEF,
            MoveOp::Concat => crate::kernels::concat::concat::DEF,
            MoveOp::Fill => crate::kernels::fill::fill::DEF,
            MoveOp::Arange => crate::kernels::fill::arange::DEF,
        }
    }

    /// Names of its input buffers.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            MoveOp::Concat => &["a", "b"],
            _ => &["x"],
        }
    }

    /// Names of its parameters (see [`super::MoveParams`]).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            MoveOp::AsStrided => &["size", "stride", "storage_offset"],
            MoveOp::Permute => &["perm"],
            MoveOp::Slice => &["start", "stop", "step"],
            MoveOp::Concat => &["dim"],
            MoveOp::Fill => &["value"],
            MoveOp::Arange => &["start", "step"],
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            MoveOp::AsStrided => {
                "y[c] = x[storage_offset + Σ_d c_d·stride[d]] for c in size (strides ≥ 0, 0 broadcasts), contiguous"
            }
            MoveOp::Permute => "y[c] = x[c permuted]: axis k of y is axis perm[k] of x (default reversed), contiguous",
            MoveOp::Slice => "y = x[start:stop:step, ...] per axis (Python's rules, positive steps), contiguous",
            MoveOp::Concat => "y = a and b joined along axis dim (default 0; negative from the end)",
            MoveOp::Fill => "y = value everywhere, x's dtype and shape (cast rules: saturate, NaN → 0 in integers)",
            MoveOp::Arange => {
                "y[i] = start + i·step (default 0, 1), x's dtype and shape row-major; f32 math for floats, i64 for integers"
            }
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let flag = |name: &str, v: bool| (self.def(), ConstArgs::new().with(name, ConstArg::Bool(v)));
        match self {
            MoveOp::AsStrided | MoveOp::Permute | MoveOp::Slice => strided::view_instances(self.def()),
            MoveOp::Concat => vec![(self.def(), ConstArgs::new()), flag("vec", true)],
            MoveOp::Fill => vec![(self.def(), ConstArgs::new())],
            MoveOp::Arange => vec![(self.def(), ConstArgs::new()), flag("float", false)],
        }
    }

    /// Plan the op on `inputs` (in [`MoveOp::inputs`] order) with `params`.
    pub fn plan(self, dev: &Device, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
        let op = self.def().name;
        let x = inputs.first().ok_or_else(|| RuntimeError::MissingInput {
            op: op.into(),
            name: "x".into(),
            expected: self.inputs().join(", "),
        })?;
        let p = &params.movement;
        match self {
            MoveOp::AsStrided => {
                let size = if p.size.is_empty() { x.shape().to_vec() } else { naturals(op, "size", &p.size)? };
                let stride = if p.stride.is_empty() {
                    strided::View::contiguous(&size).strides
                } else {
                    naturals(op, "stride", &p.stride)?
                };
                let offset = natural(op, "storage_offset", p.storage_offset)?;
                strided::as_strided_plan(dev, x, &size, &stride, offset)
            }
            MoveOp::Permute => {
                let rank = x.shape().len();
                let perm = if p.perm.is_empty() { (0..rank).rev().collect() } else { naturals(op, "perm", &p.perm)? };
                strided::permute_plan(dev, x, &perm)
            }
            MoveOp::Slice => strided::slice_plan(dev, x, &slice_axes(op, params)?),
            MoveOp::Concat => {
                if p.dim.fract() != 0.0 {
                    return Err(RuntimeError::BadParameter {
                        op: op.into(),
                        name: "dim".into(),
                        reason: format!("must be an integer, got {}", p.dim),
                    });
                }
                super::concat_plan(dev, inputs, p.dim as i64)
            }
            MoveOp::Fill => super::fill_plan(dev, x.dtype(), x.shape(), p.value),
            MoveOp::Arange => {
                let one = |l: &NumList, default: f64, name: &str| match l.as_slice() {
                    [] => Ok(default),
                    [v] => Ok(*v),
                    more => Err(RuntimeError::BadParameter {
                        op: op.into(),
                        name: name.into(),
                        reason: format!("takes one value, got {}", more.len()),
                    }),
                };
                let (start, step) = (one(&p.start, 0.0, "start")?, one(&p.step, 1.0, "step")?);
                super::arange_shaped_plan(dev, x.dtype(), start, step, x.shape())
            }
        }
    }
}

/// `v` as a non-negative integer.
fn natural(op: &str, name: &str, v: f64) -> Result<usize> {
    if v.fract() == 0.0 && (0.0..2f64.powi(53)).contains(&v) {
        return Ok(v as usize);
    }
    Err(RuntimeError::BadParameter {
        op: op.into(),
        name: name.into(),
        reason: format!("must hold non-negative integers, got {v}"),
    })
}

/// The values of list `name` as non-negative integers.
fn naturals(op: &str, name: &str, list: &NumList) -> Result<Vec<usize>> {
    list.as_slice().iter().map(|v| natural(op, name, *v)).collect()
}

/// The slice of each axis from the `start`, `stop` and `step` lists (an axis past the end
/// of a list takes that bound's default).
pub fn slice_axes(op: &str, params: &OpParams) -> Result<Vec<SliceAxis>> {
    let p = &params.movement;
    let ints = |name: &str, l: &NumList| {
        l.to_ints().map_err(|reason| RuntimeError::BadParameter { op: op.into(), name: name.into(), reason })
    };
    let (start, stop, step) = (ints("start", &p.start)?, ints("stop", &p.stop)?, ints("step", &p.step)?);
    let axes = start.len().max(stop.len()).max(step.len());
    Ok((0..axes)
        .map(|d| SliceAxis {
            start: start.get(d).copied(),
            stop: stop.get(d).copied(),
            step: step.get(d).copied().unwrap_or(1),
        })
        .collect())
}

/// Run a plan and return its output.
pub(crate) fn run(plan: Result<Plan>, dev: &Device) -> Result<Buffer> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// The shapes `tile bench` times the data-movement ops at: a [4096, 8192] matrix (permute:
/// transposed; slice: its left half of the columns; as_strided: transposed by strides),
/// attention heads [32, 4096, 128] -> [4096, 32, 128], and B,H,S,D -> B,S,H,D
/// ([1, 32, 4096, 128] permuted (0, 2, 1, 3)).
pub fn movement_bench_shapes(k: MoveOp, size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match (size, k) {
        (crate::bench::BenchSize::Quick, _) => vec![vec![64, 128]],
        (_, MoveOp::Permute) => vec![vec![4096, 8192], vec![32, 4096, 128], vec![1, 32, 4096, 128]],
        (_, MoveOp::AsStrided | MoveOp::Slice) => vec![vec![4096, 8192]],
        // Two [4096, 4096] joined along the first axis, and (as [1, 4096, 4096]) the last.
        (_, MoveOp::Concat) => vec![vec![4096, 4096], vec![1, 4096, 4096]],
        (_, MoveOp::Fill | MoveOp::Arange) => vec![vec![1 << 28]],
    }
}

/// The parameters `tile bench` runs op `op` with on an input of `shape`: for permute, the
/// transpose of a matrix, (1, 0, 2) of rank 3 (heads and tokens swapped), (0, 2, 1, 3) of
/// rank 4, every axis reversed otherwise; for slice, the left half of the last axis; for
/// as_strided, the transpose of a matrix given by strides. Other ops: the defaults.
pub fn movement_bench_params(op: super::StdOp, shape: &[usize]) -> OpParams {
    let mut movement = super::MoveParams::default();
    let last = shape.len().saturating_sub(1);
    match op {
        super::StdOp::Move(MoveOp::Permute) => {
            movement.perm = match shape.len() {
                3 => NumList::ints(&[1, 0, 2]),
                4 => NumList::ints(&[0, 2, 1, 3]),
                _ => NumList::default(),
            }
        }
        super::StdOp::Move(MoveOp::Slice) => {
            let stop: Vec<i64> =
                shape.iter().enumerate().map(|(d, s)| if d == last { *s as i64 / 2 } else { *s as i64 }).collect();
            movement.stop = NumList::ints(&stop);
        }
        super::StdOp::Move(MoveOp::Concat) if shape.len() == 3 => movement.dim = -1.0,
        super::StdOp::Move(MoveOp::AsStrided) if shape.len() == 2 => {
            movement.size = NumList::ints(&[shape[1] as i64, shape[0] as i64]);
            movement.stride = NumList::ints(&[1, shape[1] as i64]);
        }
        _ => {}
    }
    OpParams { movement, ..OpParams::default() }
}
