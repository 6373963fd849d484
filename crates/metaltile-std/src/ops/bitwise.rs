//! Host plans of the bitwise ops ([`crate::kernels::bitwise`]): and, or, xor and not of
//! integers and bool, left and right shifts of integers, as torch's `bitwise_*` ops. Both
//! operands have one dtype and one shape; the result has them too. Computed in the element
//! type, so 64-bit integers keep every bit.

use super::{check_same, index_count, launch, ELEMENTWISE_GROUP};
use crate::kernels::{bitwise as k, elementwise};
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The bitwise ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitwiseKind {
    And,
    Or,
    Xor,
    Not,
    LeftShift,
    RightShift,
}

impl BitwiseKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [BitwiseKind] = &[
        BitwiseKind::And,
        BitwiseKind::Or,
        BitwiseKind::Xor,
        BitwiseKind::Not,
        BitwiseKind::LeftShift,
        BitwiseKind::RightShift,
    ];

    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            BitwiseKind::And => k::bitwise_and::DEF,
            BitwiseKind::Or => k::bitwise_or::DEF,
            BitwiseKind::Xor => k::bitwise_xor::DEF,
            BitwiseKind::Not => k::bitwise_not::DEF,
            BitwiseKind::LeftShift => k::bitwise_left_shift::DEF,
            BitwiseKind::RightShift => k::bitwise_right_shift::DEF,
        }
    }

    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            BitwiseKind::Not => &["x"],
            _ => &["a", "b"],
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            BitwiseKind::And => "y = a & b (integers and bool)",
            BitwiseKind::Or => "y = a | b (integers and bool)",
            BitwiseKind::Xor => "y = a ^ b (integers and bool)",
            BitwiseKind::Not => "y = !x, every bit flipped (integers; logical not of bool)",
            BitwiseKind::LeftShift => "y = a << b (integers, wrapping; 0 where b < 0 or b >= the bit width)",
            BitwiseKind::RightShift => {
                "y = a >> b (integers, arithmetic for signed; the sign fill where b < 0 or b >= the bit width)"
            }
        }
    }
}

/// Plan `kind` on `inputs` (in [`BitwiseKind::inputs`] order).
pub fn bitwise_plan(dev: &Device, kind: BitwiseKind, inputs: &[&Buffer]) -> Result<Plan> {
    let def = kind.def();
    let names = kind.inputs();
    if inputs.len() != names.len() {
        return Err(RuntimeError::ArgCount {
            kernel: def.name.into(),
            expected: names.len(),
            found: inputs.len(),
            params: names.join(", "),
        });
    }
    let first = inputs[0];
    if !def.dtypes.contains(&first.dtype()) {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{}`, input `{}`", def.name, names[0]),
            dtype: first.dtype(),
            supported: def.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "),
        });
    }
    for (name, b) in names.iter().zip(inputs).skip(1) {
        check_same(def.name, name, first, b, first.shape())?;
    }
    let n = index_count(def.name, first)?;
    let y = dev.alloc(first.dtype(), first.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let mut args: Vec<PlanArg> = inputs.iter().map(|b| PlanArg::from(*b)).collect();
    args.push((&y).into());
    args.push(n.into());
    let l = launch(dev, def, first.dtype(), ConstArgs::new(), geometry, args)?;
    Ok(Plan::new(vec![l], vec![], ("y", y)))
}

fn run(dev: &Device, kind: BitwiseKind, inputs: &[&Buffer]) -> Result<Buffer> {
    let plan = bitwise_plan(dev, kind, inputs)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `a & b`, elementwise (integers and bool of one dtype and shape).
pub fn bitwise_and(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::And, &[a, b])
}

/// `a | b`, elementwise (integers and bool of one dtype and shape).
pub fn bitwise_or(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::Or, &[a, b])
}

/// `a ^ b`, elementwise (integers and bool of one dtype and shape).
pub fn bitwise_xor(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::Xor, &[a, b])
}

/// `!x`, elementwise: every bit of an integer flipped, a bool negated.
pub fn bitwise_not(dev: &Device, x: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::Not, &[x])
}

/// `a << b`, elementwise (integers of one dtype and shape; 0 where `b` is out of range).
pub fn bitwise_left_shift(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::LeftShift, &[a, b])
}

/// `a >> b`, elementwise (integers of one dtype and shape; arithmetic for signed types; the
/// sign fill where `b` is out of range).
pub fn bitwise_right_shift(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run(dev, BitwiseKind::RightShift, &[a, b])
}

/// The integer dtype `tile bench` times a bitwise op at when asked for the float dtype
/// `float`: the integer of the same width (i32 for f32, i16 for f16 and bf16), so a row's
/// bytes match the float ops' beside it.
pub fn bitwise_bench_dtype(float: DType) -> DType {
    match float.size_bytes() {
        2 => DType::I16,
        8 => DType::I64,
        _ => DType::I32,
    }
}

/// The shapes `tile bench` times the bitwise ops at: the binary ops' largest.
pub fn bitwise_bench_shapes(size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match size {
        crate::bench::BenchSize::Quick => vec![vec![1 << 12]],
        crate::bench::BenchSize::Full => vec![vec![1 << 28], vec![4096, 8192]],
    }
}
