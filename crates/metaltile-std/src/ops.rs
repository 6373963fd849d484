//! The host-side op API: call an op on buffers, get buffers back. Shapes and dtypes are
//! checked here and launch geometry is decided here, once per op, so users never write it.

use crate::kernels::{binary, norm, reduce, softmax as softmax_kernel, unary};
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArgs, DType, Geometry, KernelDef, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// Threads per threadgroup of elementwise kernels (one element per thread).
pub const ELEMENTWISE_GROUP: u32 = 256;
/// Threads per threadgroup of row kernels (one threadgroup per row, a block-stride loop
/// over it); a multiple of 32 because they reduce with simdgroup collectives.
pub const ROW_GROUP: u32 = 256;
/// The epsilon of the norms when none is given (PyTorch's default for layer_norm).
pub const DEFAULT_EPS: f32 = 1e-5;

macro_rules! kinds {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident => $def:path),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $v),* }
        impl $name {
            /// Every kind, in registry order.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The kernel that computes it.
            pub fn def(self) -> KernelDef {
                match self { $($name::$v => $def),* }
            }
            /// The kernel's name.
            pub fn name(self) -> &'static str {
                self.def().name
            }
        }
    };
}

kinds! {
    /// Elementwise functions of one tensor.
    UnaryKind {
        Exp => unary::exp::DEF,
        Log => unary::log::DEF,
        Sqrt => unary::sqrt::DEF,
        Rsqrt => unary::rsqrt::DEF,
        Abs => unary::abs::DEF,
        Neg => unary::neg::DEF,
        Sigmoid => unary::sigmoid::DEF,
        Silu => unary::silu::DEF,
        /// The exact (erf) form.
        Gelu => unary::gelu::DEF,
        /// The tanh approximation.
        GeluTanh => unary::gelu_tanh::DEF,
        Relu => unary::relu::DEF,
        Tanh => unary::tanh::DEF,
        Sin => unary::sin::DEF,
        Cos => unary::cos::DEF,
        Erf => unary::erf::DEF,
    }
}

kinds! {
    /// Elementwise functions of two tensors of one shape.
    BinaryKind {
        Add => binary::add::DEF,
        Sub => binary::sub::DEF,
        Mul => binary::mul::DEF,
        Div => binary::div::DEF,
        /// NaN if either operand is NaN.
        Max => binary::max::DEF,
        /// NaN if either operand is NaN.
        Min => binary::min::DEF,
        Pow => binary::pow::DEF,
    }
}

kinds! {
    /// Reductions over the last axis.
    ReduceKind {
        Sum => reduce::sum_rows::DEF,
        /// NaN if any element is NaN.
        Max => reduce::max_rows::DEF,
        /// NaN if any element is NaN.
        Min => reduce::min_rows::DEF,
    }
}

/// Every op of the library; [`crate::registry`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdOp {
    Unary(UnaryKind),
    Binary(BinaryKind),
    Reduce(ReduceKind),
    Softmax,
    RmsNorm,
    LayerNorm,
}

/// Values of an op's non-buffer parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpParams {
    /// Epsilon of the norms.
    pub eps: f32,
}

impl Default for OpParams {
    fn default() -> Self {
        OpParams { eps: DEFAULT_EPS }
    }
}

impl StdOp {
    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            StdOp::Unary(k) => k.def(),
            StdOp::Binary(k) => k.def(),
            StdOp::Reduce(k) => k.def(),
            StdOp::Softmax => softmax_kernel::softmax::DEF,
            StdOp::RmsNorm => norm::rms_norm::DEF,
            StdOp::LayerNorm => norm::layer_norm::DEF,
        }
    }
    /// The op's (and its kernel's) name.
    pub fn name(self) -> &'static str {
        self.def().name
    }
    /// Which group of the library it belongs to.
    pub fn family(self) -> &'static str {
        match self {
            StdOp::Unary(_) => "unary",
            StdOp::Binary(_) => "binary",
            StdOp::Reduce(_) => "reduce",
            StdOp::Softmax => "softmax",
            StdOp::RmsNorm | StdOp::LayerNorm => "norm",
        }
    }
    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            StdOp::Unary(_) | StdOp::Reduce(_) | StdOp::Softmax => &["x"],
            StdOp::Binary(_) => &["a", "b"],
            StdOp::RmsNorm => &["x", "w"],
            StdOp::LayerNorm => &["x", "w", "b"],
        }
    }
    /// Names of its non-buffer parameters.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            StdOp::RmsNorm | StdOp::LayerNorm => &["eps"],
            _ => &[],
        }
    }
    /// Names of its outputs.
    pub fn outputs(self) -> &'static [&'static str] {
        &["y"]
    }

    /// Plan the op on `inputs` (in [`StdOp::inputs`] order).
    pub fn plan(self, dev: &Device, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
        let expected = self.inputs().len();
        if inputs.len() != expected {
            return Err(RuntimeError::ArgCount {
                kernel: self.name().into(),
                expected,
                found: inputs.len(),
                params: self.inputs().join(", "),
            });
        }
        let x = inputs[0];
        match self {
            StdOp::Unary(k) => unary_plan(dev, k, x),
            StdOp::Binary(k) => binary_plan(dev, k, x, inputs[1]),
            StdOp::Reduce(k) => reduce_rows_plan(dev, k, x),
            StdOp::Softmax => softmax_plan(dev, x),
            StdOp::RmsNorm => rms_norm_plan(dev, x, inputs[1], params.eps),
            StdOp::LayerNorm => layer_norm_plan(dev, x, inputs[1], inputs[2], params.eps),
        }
    }
}

fn check_float(op: &str, name: &str, b: &Buffer) -> Result<()> {
    if !b.dtype().is_float() {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{op}`, input `{name}`"),
            dtype: b.dtype(),
            supported: FLOAT_DTYPES.map(|d| d.name()).join(", "),
        });
    }
    Ok(())
}

fn check_same(op: &str, name: &str, first: &Buffer, other: &Buffer, shape: &[usize]) -> Result<()> {
    if other.dtype() != first.dtype() {
        return Err(RuntimeError::DTypeMismatch {
            what: format!("`{op}`, input `{name}`"),
            expected: first.dtype(),
            found: other.dtype(),
        });
    }
    if other.shape() != shape {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `{name}`"),
            expected: shape.to_vec(),
            found: other.shape().to_vec(),
        });
    }
    Ok(())
}

/// Kernels index with u32: every tensor must have fewer than 2^32 elements.
fn index_count(op: &str, b: &Buffer) -> Result<u32> {
    u32::try_from(b.len()).map_err(|_| RuntimeError::InvalidShape {
        shape: b.shape().to_vec(),
        reason: format!("`{op}` indexes with u32, so a tensor may hold at most {} elements", u32::MAX),
    })
}

/// Split `[.., n]` into (rows, n), refusing shapes that have no last axis.
fn rows_of(op: &str, x: &Buffer) -> Result<(u32, u32)> {
    index_count(op, x)?;
    let (n, lead) = x.shape().split_last().ok_or_else(|| RuntimeError::InvalidShape {
        shape: vec![],
        reason: format!("`{op}` works on the last axis, and a scalar has none"),
    })?;
    let rows = lead.iter().product::<usize>();
    let fit = |v: usize, what: &str| {
        u32::try_from(v).map_err(|_| RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` indexes with u32, so it takes at most {} {what}", u32::MAX),
        })
    };
    Ok((fit(rows, "rows")?, fit(*n, "elements per row")?))
}

fn pipeline_plan(
    dev: &Device,
    def: &KernelDef,
    dtype: DType,
    geometry: Geometry,
    args: Vec<PlanArg>,
    output: (&'static str, Buffer),
) -> Result<Plan> {
    let p = dev.pipeline(def, Some(dtype), &ConstArgs::new())?;
    Ok(Plan::new(p, geometry, args, output))
}

/// Plan `y = f(x)` elementwise.
pub fn unary_plan(dev: &Device, kind: UnaryKind, x: &Buffer) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    let n = index_count(op, x)?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(n as u64, ELEMENTWISE_GROUP);
    pipeline_plan(dev, &kind.def(), x.dtype(), geometry, vec![x.into(), (&y).into(), n.into()], ("y", y))
}

/// Plan `y = f(a, b)` elementwise; `a` and `b` have one shape and one dtype.
pub fn binary_plan(dev: &Device, kind: BinaryKind, a: &Buffer, b: &Buffer) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "a", a)?;
    check_same(op, "b", a, b, a.shape())?;
    let n = index_count(op, a)?;
    let y = dev.alloc(a.dtype(), a.shape())?;
    if n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::cover(n as u64, ELEMENTWISE_GROUP);
    let args = vec![a.into(), b.into(), (&y).into(), n.into()];
    pipeline_plan(dev, &kind.def(), a.dtype(), geometry, args, ("y", y))
}

/// Plan a reduction of `[.., n]` over its last axis into `[..]`.
pub fn reduce_rows_plan(dev: &Device, kind: ReduceKind, x: &Buffer) -> Result<Plan> {
    let op = kind.name();
    check_float(op, "x", x)?;
    let (rows, n) = rows_of(op, x)?;
    if n == 0 && kind != ReduceKind::Sum && rows > 0 {
        return Err(RuntimeError::InvalidShape {
            shape: x.shape().to_vec(),
            reason: format!("`{op}` of an empty row is undefined"),
        });
    }
    let y = dev.alloc(x.dtype(), &x.shape()[..x.shape().len() - 1])?;
    if rows == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let geometry = Geometry::linear(rows, ROW_GROUP);
    pipeline_plan(dev, &kind.def(), x.dtype(), geometry, vec![x.into(), (&y).into(), n.into()], ("y", y))
}

/// Plan a softmax over the last axis.
pub fn softmax_plan(dev: &Device, x: &Buffer) -> Result<Plan> {
    let def = softmax_kernel::softmax::DEF;
    check_float(def.name, "x", x)?;
    let (rows, n) = rows_of(def.name, x)?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    pipeline_plan(
        dev,
        &def,
        x.dtype(),
        Geometry::linear(rows, ROW_GROUP),
        vec![x.into(), (&y).into(), n.into()],
        ("y", y),
    )
}

fn check_eps(op: &str, eps: f32) -> Result<()> {
    if !(eps.is_finite() && eps >= 0.0) {
        return Err(RuntimeError::BadParameter {
            op: op.into(),
            name: "eps".into(),
            reason: format!("must be finite and non-negative, got {eps}"),
        });
    }
    Ok(())
}

/// Plan an RMS norm over the last axis: `x / √(mean(x²) + eps) · w`, `w` of shape `[n]`.
pub fn rms_norm_plan(dev: &Device, x: &Buffer, w: &Buffer, eps: f32) -> Result<Plan> {
    let def = norm::rms_norm::DEF;
    check_float(def.name, "x", x)?;
    check_eps(def.name, eps)?;
    let (rows, n) = rows_of(def.name, x)?;
    check_same(def.name, "w", x, w, &[n as usize])?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let args = vec![x.into(), w.into(), (&y).into(), n.into(), eps.into()];
    pipeline_plan(dev, &def, x.dtype(), Geometry::linear(rows, ROW_GROUP), args, ("y", y))
}

/// Plan a layer norm over the last axis: `(x - mean) / √(var + eps) · w + b`, `w` and `b`
/// of shape `[n]`.
pub fn layer_norm_plan(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, eps: f32) -> Result<Plan> {
    let def = norm::layer_norm::DEF;
    check_float(def.name, "x", x)?;
    check_eps(def.name, eps)?;
    let (rows, n) = rows_of(def.name, x)?;
    check_same(def.name, "w", x, w, &[n as usize])?;
    check_same(def.name, "b", x, b, &[n as usize])?;
    let y = dev.alloc(x.dtype(), x.shape())?;
    if rows == 0 || n == 0 {
        return Ok(Plan::empty(("y", y)));
    }
    let args = vec![x.into(), w.into(), b.into(), (&y).into(), n.into(), eps.into()];
    pipeline_plan(dev, &def, x.dtype(), Geometry::linear(rows, ROW_GROUP), args, ("y", y))
}

fn output(plan: Result<Plan>, dev: &Device) -> Result<Buffer> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

/// `y = f(x)` elementwise for a unary `kind`.
pub fn unary(dev: &Device, kind: UnaryKind, x: &Buffer) -> Result<Buffer> {
    output(unary_plan(dev, kind, x), dev)
}
/// `y = f(a, b)` elementwise for a binary `kind`.
pub fn binary(dev: &Device, kind: BinaryKind, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    output(binary_plan(dev, kind, a, b), dev)
}
/// Reduce `[.., n]` over the last axis into `[..]`.
pub fn reduce_rows(dev: &Device, kind: ReduceKind, x: &Buffer) -> Result<Buffer> {
    output(reduce_rows_plan(dev, kind, x), dev)
}

/// e^x
pub fn exp(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Exp, x)
}
/// Natural logarithm.
pub fn log(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Log, x)
}
/// √x
pub fn sqrt(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sqrt, x)
}
/// 1/√x
pub fn rsqrt(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Rsqrt, x)
}
/// |x|
pub fn abs(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Abs, x)
}
/// -x
pub fn neg(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Neg, x)
}
/// 1 / (1 + e^-x)
pub fn sigmoid(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sigmoid, x)
}
/// x · sigmoid(x)
pub fn silu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Silu, x)
}
/// ½x(1 + erf(x/√2))
pub fn gelu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Gelu, x)
}
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
pub fn gelu_tanh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::GeluTanh, x)
}
/// max(x, 0), NaN for NaN.
pub fn relu(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Relu, x)
}
/// tanh x
pub fn tanh(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Tanh, x)
}
/// sin x
pub fn sin(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Sin, x)
}
/// cos x
pub fn cos(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Cos, x)
}
/// erf x
pub fn erf(dev: &Device, x: &Buffer) -> Result<Buffer> {
    unary(dev, UnaryKind::Erf, x)
}

/// a + b
pub fn add(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Add, a, b)
}
/// a - b
pub fn sub(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Sub, a, b)
}
/// a · b
pub fn mul(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Mul, a, b)
}
/// a / b
pub fn div(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Div, a, b)
}
/// Elementwise maximum, NaN if either is NaN.
pub fn maximum(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Max, a, b)
}
/// Elementwise minimum, NaN if either is NaN.
pub fn minimum(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Min, a, b)
}
/// a^b
pub fn pow(dev: &Device, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    binary(dev, BinaryKind::Pow, a, b)
}

/// Σ over the last axis: `[.., n]` → `[..]`.
pub fn sum_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Sum, x)
}
/// Maximum over the last axis (NaN if the row has a NaN).
pub fn max_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Max, x)
}
/// Minimum over the last axis (NaN if the row has a NaN).
pub fn min_rows(dev: &Device, x: &Buffer) -> Result<Buffer> {
    reduce_rows(dev, ReduceKind::Min, x)
}
/// Softmax over the last axis.
pub fn softmax(dev: &Device, x: &Buffer) -> Result<Buffer> {
    output(softmax_plan(dev, x), dev)
}
/// RMS norm over the last axis.
pub fn rms_norm(dev: &Device, x: &Buffer, w: &Buffer, eps: f32) -> Result<Buffer> {
    output(rms_norm_plan(dev, x, w, eps), dev)
}
/// Layer norm over the last axis.
pub fn layer_norm(dev: &Device, x: &Buffer, w: &Buffer, b: &Buffer, eps: f32) -> Result<Buffer> {
    output(layer_norm_plan(dev, x, w, b, eps), dev)
}
