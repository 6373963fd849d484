//! Binary ops beyond one shape: NumPy broadcasting and scalar operands.
//!
//! Shapes are aligned from the right; along each axis the sizes must be equal or one of them
//! 1 (stretched); a missing leading axis counts as 1. `ops::binary_plan` keeps the same-shape
//! kernel for equal shapes and comes here otherwise: a row broadcast (`b` one row of the
//! output, as a bias or per-channel scale, with a length that is a multiple of 4) takes
//! `binary_rows`; any other broadcast the strided kernel. A scalar operand is an f32 kernel
//! argument of `binary_scalar` (never a filled buffer).

use crate::kernels::{broadcast as k, elementwise};
use crate::ops::{check_float, BinaryKind, ELEMENTWISE_GROUP};
use crate::plan::{Launch, Plan};
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

impl BinaryKind {
    /// True for the comparisons and logical ops, whose output is bool.
    pub fn is_test(self) -> bool {
        use BinaryKind::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor)
    }

    /// Its output's dtype for inputs of `dtype`.
    pub fn output_dtype(self, dtype: DType) -> DType {
        if self.is_test() {
            DType::Bool
        } else {
            dtype
        }
    }

    /// The `op` constexpr that selects it in the broadcast and scalar kernels.
    pub fn code(self) -> u32 {
        use BinaryKind::*;
        match self {
            Add => k::ADD,
            Sub => k::SUB,
            Mul => k::MUL,
            Div => k::DIV,
            Max => k::MAX,
            Min => k::MIN,
            Pow => k::POW,
            Atan2 => k::ATAN2,
            Remainder => k::REMAINDER,
            Fmod => k::FMOD,
            Logaddexp => k::LOGADDEXP,
            Eq => k::EQ,
            Ne => k::NE,
            Lt => k::LT,
            Le => k::LE,
            Gt => k::GT,
            Ge => k::GE,
            LogicalAnd => k::AND,
            LogicalOr => k::OR,
            LogicalXor => k::XOR,
        }
    }

    /// The broadcast kernels: (row broadcast, if the op has one; strided; scalar).
    fn paths(self) -> (Option<KernelDef>, KernelDef, KernelDef) {
        if self.is_test() {
            (None, k::compare_strided::DEF, k::compare_scalar::DEF)
        } else {
            (Some(k::binary_rows::DEF), k::binary_strided::DEF, k::binary_scalar::DEF)
        }
    }

    /// Every kernel instance its plans may launch.
    pub fn instances(self) -> Vec<(KernelDef, ConstArgs)> {
        let op = ConstArgs::new().with("op", ConstArg::Int(self.code() as i128));
        let (rows, strided, scalar) = self.paths();
        let mut v = vec![(self.def(), ConstArgs::new())];
        v.extend(rows.map(|r| (r, op.clone())));
        v.push((strided, op.clone()));
        v.push((scalar, op.clone()));
        v.push((scalar, op.with("left", ConstArg::Bool(true))));
        v
    }
}

/// The shape `a` and `b` broadcast to, or an error naming both.
pub fn broadcast_shape(op: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], i: usize| if i < rank - s.len() { 1 } else { s[i - (rank - s.len())] };
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (p, q) if p == q || q == 1 => Ok(p),
            (1, q) => Ok(q),
            _ => Err(RuntimeError::ShapeMismatch {
                what: format!(
                    "`{op}`, input `b`: shapes {a:?} and {b:?} do not broadcast (aligned from the right, axis {i} \
                     of the {rank} has sizes {} and {}, and neither is 1)",
                    at(a, i),
                    at(b, i)
                ),
                expected: a.to_vec(),
                found: b.to_vec(),
            }),
        })
        .collect()
}

/// The element count of `shape` as u32, which every broadcast kernel indexes with.
fn index_count(op: &str, shape: &[usize]) -> Result<u32> {
    let n: usize = shape.iter().product();
    u32::try_from(n).map_err(|_| RuntimeError::InvalidShape {
        shape: shape.to_vec(),
        reason: format!("`{op}` indexes with u32, so its output may hold at most {} elements", u32::MAX),
    })
}

/// Element strides of `s` viewed with `out`'s rank, 0 along axes it stretches.
fn strides_in(s: &[usize], out: &[usize]) -> Vec<usize> {
    let pad = out.len() - s.len();
    let mut strides = vec![0; out.len()];
    let mut step = 1;
    for i in (0..s.len()).rev() {
        strides[pad + i] = if s[i] == 1 { 0 } else { step };
        step *= s[i];
    }
    strides
}

/// `b` is one row of `out` repeated, read in 4-wide vectors: `a` has `out`'s shape and `b`,
/// leading 1s dropped, is `out`'s last axes, `m` elements with `m` a multiple of 4.
fn row_len(a: &[usize], b: &[usize], out: &[usize]) -> Option<u32> {
    let lead = b.iter().take_while(|d| **d == 1).count();
    let row = &b[lead..];
    let fits = a == out && !row.is_empty() && out.ends_with(row);
    let m: usize = row.iter().product();
    (fits && m.is_multiple_of(4)).then_some(m as u32)
}

/// Plan `y = f(a, b)` for `a` and `b` of different, broadcast-compatible shapes (same dtype,
/// checked by the caller).
pub fn broadcast_plan(dev: &Device, kind: BinaryKind, a: &Buffer, b: &Buffer) -> Result<Plan> {
    let op = kind.name();
    let out = broadcast_shape(op, a.shape(), b.shape())?;
    let n = index_count(op, &out)?;
    let y = dev.alloc(kind.output_dtype(a.dtype()), &out)?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let code = ConstArgs::new().with("op", ConstArg::Int(kind.code() as i128));
    let (rows, strided, _) = kind.paths();
    if let (Some(rows), Some(m)) = (rows, row_len(a.shape(), b.shape(), &out)) {
        let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
        let args = vec![a.into(), b.into(), (&y).into(), n.into(), m.into()];
        let l = Launch::new(dev, rows, a.dtype(), code, geometry, args)?;
        return Ok(Plan::new(vec![l], vec![], ("y", y)));
    }
    let dims = strided_dims(op, a.shape(), b.shape(), &out)?;
    let dims = dev.upload(&dims, &[dims.len()])?;
    let geometry = Geometry::cover(n as u64, ELEMENTWISE_GROUP);
    let args = vec![a.into(), b.into(), (&y).into(), (&dims).into(), n.into()];
    let l = Launch::new(dev, strided, a.dtype(), code, geometry, args)?;
    Ok(Plan::new(vec![l], vec![dims], ("y", y)))
}

/// The `dims` argument of the strided kernels: the output's shape and both strides, over
/// [`k::MAX_DIMS`] axes. Output axes of size 1 are dropped (their coordinate is always 0), so
/// only broadcasts with more than `MAX_DIMS` axes longer than 1 are refused.
fn strided_dims(op: &str, a: &[usize], b: &[usize], out: &[usize]) -> Result<Vec<u32>> {
    let (sa, sb) = (strides_in(a, out), strides_in(b, out));
    let kept: Vec<usize> = (0..out.len()).filter(|i| out[*i] != 1).collect();
    let max = k::MAX_DIMS as usize;
    if kept.len() > max {
        return Err(RuntimeError::InvalidShape {
            shape: out.to_vec(),
            reason: format!(
                "`{op}` broadcasts over at most {max} axes longer than 1; `a` {a:?} and `b` {b:?} give {}",
                kept.len()
            ),
        });
    }
    let pad = max - kept.len();
    let mut dims = vec![1u32; max];
    dims.extend(vec![0u32; 2 * max]);
    for (j, i) in kept.iter().enumerate() {
        // Every size and stride is below the output's element count, which fits u32.
        dims[pad + j] = out[*i] as u32;
        dims[max + pad + j] = sa[*i] as u32;
        dims[2 * max + pad + j] = sb[*i] as u32;
    }
    Ok(dims)
}

/// Plan `y = f(a, s)`, or `f(s, a)` when `left`, for an f32 scalar `s` (finite or not: NaN and
/// infinities are operands like any other).
pub fn binary_scalar_plan(dev: &Device, kind: BinaryKind, a: &Buffer, s: f32, left: bool) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "a", a)?;
    let n = index_count(op, a.shape())?;
    let y = dev.alloc(kind.output_dtype(a.dtype()), a.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let (_, _, scalar) = kind.paths();
    let consts = ConstArgs::new().with("op", ConstArg::Int(kind.code() as i128));
    let consts = if left { consts.with("left", ConstArg::Bool(true)) } else { consts };
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let args = vec![a.into(), (&y).into(), n.into(), s.into()];
    let l = Launch::new(dev, scalar, a.dtype(), consts, geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

fn run(plan: Result<Plan>, dev: &Device) -> Result<Buffer> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `y = f(a, s)` elementwise for a tensor `a` and a scalar `s` (e.g. `a - 1`, `a > 0`).
pub fn binary_scalar(dev: &Device, kind: BinaryKind, a: &Buffer, s: f32) -> Result<Buffer> {
    run(binary_scalar_plan(dev, kind, a, s, false), dev)
}
/// `y = f(s, a)` elementwise, the scalar on the left (e.g. `1 - a`, `2^a`).
pub fn scalar_binary(dev: &Device, kind: BinaryKind, s: f32, a: &Buffer) -> Result<Buffer> {
    run(binary_scalar_plan(dev, kind, a, s, true), dev)
}

use crate::ops::binary;

/// The angle of (b, a), in (-π, π].
pub fn atan2(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Atan2, a, b)
}
/// a - b·⌊a/b⌋: the sign of b (`torch.remainder`, Python's `%`).
pub fn remainder(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Remainder, a, b)
}
/// a - b·trunc(a/b): the sign of a (`torch.fmod`, C's `fmod`).
pub fn fmod(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Fmod, a, b)
}
/// ln(e^a + e^b), without overflow.
pub fn logaddexp(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Logaddexp, a, b)
}
/// a = b, as bool.
pub fn eq(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Eq, a, b)
}
/// a ≠ b, as bool (true where either is NaN).
pub fn ne(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Ne, a, b)
}
/// a < b, as bool.
pub fn lt(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Lt, a, b)
}
/// a ≤ b, as bool.
pub fn le(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Le, a, b)
}
/// a > b, as bool.
pub fn gt(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Gt, a, b)
}
/// a ≥ b, as bool.
pub fn ge(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Ge, a, b)
}
/// a ≠ 0 and b ≠ 0, as bool (NaN counts as nonzero).
pub fn logical_and(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::LogicalAnd, a, b)
}
/// a ≠ 0 or b ≠ 0, as bool.
pub fn logical_or(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::LogicalOr, a, b)
}
/// Exactly one of a, b ≠ 0, as bool.
pub fn logical_xor(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::LogicalXor, a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_from_the_right() {
        assert_eq!(broadcast_shape("add", &[4, 1000], &[1000]).unwrap(), vec![4, 1000]);
        assert_eq!(broadcast_shape("add", &[4, 1, 5], &[3, 1]).unwrap(), vec![4, 3, 5]);
        assert_eq!(broadcast_shape("add", &[1], &[7, 3]).unwrap(), vec![7, 3]);
        assert_eq!(broadcast_shape("add", &[], &[2, 3]).unwrap(), vec![2, 3]);
        assert_eq!(broadcast_shape("add", &[0, 1], &[1, 5]).unwrap(), vec![0, 5]);
        let e = broadcast_shape("add", &[4, 3], &[5]).unwrap_err().to_string();
        assert!(e.contains("[4, 3]") && e.contains("[5]"), "{e}");
        assert!(broadcast_shape("add", &[2, 1], &[2, 0]).unwrap() == vec![2, 0]);
        assert!(broadcast_shape("add", &[2], &[0]).is_err());
    }

    #[test]
    fn strides_skip_stretched_axes() {
        assert_eq!(strides_in(&[3, 1], &[4, 3, 5]), vec![0, 1, 0]);
        assert_eq!(strides_in(&[4, 1, 5], &[4, 3, 5]), vec![5, 0, 1]);
        assert_eq!(row_len(&[4, 1000], &[1000], &[4, 1000]), Some(1000));
        assert_eq!(row_len(&[4, 1000], &[1, 1000], &[4, 1000]), Some(1000));
        assert_eq!(row_len(&[2, 3, 4], &[3, 4], &[2, 3, 4]), Some(12));
        assert_eq!(row_len(&[4, 7], &[7], &[4, 7]), None);
        assert_eq!(row_len(&[1000], &[4, 1000], &[4, 1000]), None);
        assert_eq!(row_len(&[4, 8], &[4, 1], &[4, 8]), None);
    }
}
