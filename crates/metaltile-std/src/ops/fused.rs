//! Host plans of the fused elementwise ops ([`crate::kernels::fused`]): the gated MLP
//! activations, clip, scalar FMA, where, and the residual add with two outputs. Every operand
//! has the shape of the first (no broadcasting); float operands share one dtype, `where`'s
//! condition is bool.

use super::{check_float, check_same, index_count, launch, OpParams, ELEMENTWISE_GROUP};
use crate::kernels::{elementwise, fused};
use crate::plan::{Plan, PlanArg};
use metaltile_ir::{ConstArgs, DType, Geometry, KernelDef};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// The fused elementwise ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FusedKind {
    /// silu(gate) · up (Llama, Mistral, Qwen MLPs).
    Swiglu,
    /// gelu(gate) · up with the exact (erf) gelu.
    Geglu,
    /// gelu(gate) · up with the tanh approximation (Gemma's MLP).
    GegluTanh,
    /// min(max(x, min), max) as `torch.clamp`.
    Clip,
    /// scale · x + shift, one rounding.
    Fma,
    /// cond ? a : b, as `torch.where`.
    Where,
    /// s = a + b and y = s · c, both returned: a residual add whose sum is the new residual
    /// stream, fused with the scale that follows it.
    AddMul,
}

impl FusedKind {
    /// Every kind, in registry order.
    pub const ALL: &'static [FusedKind] = &[
        FusedKind::Swiglu,
        FusedKind::Geglu,
        FusedKind::GegluTanh,
        FusedKind::Clip,
        FusedKind::Fma,
        FusedKind::Where,
        FusedKind::AddMul,
    ];

    /// The kernel that computes it.
    pub fn def(self) -> KernelDef {
        match self {
            FusedKind::Swiglu => fused::swiglu::DEF,
            FusedKind::Geglu => fused::geglu::DEF,
            FusedKind::GegluTanh => fused::geglu_tanh::DEF,
            FusedKind::Clip => fused::clip::DEF,
            FusedKind::Fma => fused::fma::DEF,
            FusedKind::Where => fused::where_select::DEF,
            FusedKind::AddMul => fused::add_mul::DEF,
        }
    }

    /// The kernel's name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Names of its input buffers, in call order.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            FusedKind::Swiglu | FusedKind::Geglu | FusedKind::GegluTanh => &["gate", "up"],
            FusedKind::Clip | FusedKind::Fma => &["x"],
            FusedKind::Where => &["cond", "a", "b"],
            FusedKind::AddMul => &["a", "b", "c"],
        }
    }

    /// Names of its scalar parameters, in the kernel's order (after `n`).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            FusedKind::Clip => &["min", "max"],
            FusedKind::Fma => &["scale", "shift"],
            _ => &[],
        }
    }

    /// Names of its outputs: `add_mul` returns the sum `s` beside `y`.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            FusedKind::AddMul => &["s", "y"],
            _ => &["y"],
        }
    }

    /// The dtype of input `index` when the op computes in `dtype`: bool for `where`'s
    /// condition.
    pub fn input_dtype(self, index: usize, dtype: DType) -> DType {
        match (self, index) {
            (FusedKind::Where, 0) => DType::Bool,
            _ => dtype,
        }
    }

    /// The math, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            FusedKind::Swiglu => "y = silu(gate)·up",
            FusedKind::Geglu => "y = gelu(gate)·up, gelu(v) = ½v(1 + erf(v/√2))",
            FusedKind::GegluTanh => "y = gelu_tanh(gate)·up, gelu_tanh(v) = ½v(1 + tanh(√(2/π)(v + 0.044715v³)))",
            FusedKind::Clip => "y = min(max(x, min), max) (torch.clamp: NaN stays NaN, min > max gives max)",
            FusedKind::Fma => "y = scale·x + shift, rounded once",
            FusedKind::Where => "y = a where cond else b (cond bool)",
            FusedKind::AddMul => "s = a + b (the new residual), y = s·c; both returned",
        }
    }
}

/// The scalar parameters of the fused ops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FusedParams {
    /// Lower bound of clip (-∞: none).
    pub min: f32,
    /// Upper bound of clip (+∞: none).
    pub max: f32,
    /// The factor of fma.
    pub scale: f32,
    /// The addend of fma.
    pub shift: f32,
}

impl Default for FusedParams {
    /// Clip to [-1, 1] (hardtanh's range: torch.clamp has no default), fma the identity.
    fn default() -> Self {
        FusedParams { min: -1.0, max: 1.0, scale: 1.0, shift: 0.0 }
    }
}

impl FusedParams {
    /// The names, as [`FusedKind::params`] lists them.
    pub const NAMES: &'static [&'static str] = &["min", "max", "scale", "shift"];

    /// The parameter called `name`, to set.
    pub fn slot(&mut self, name: &str) -> Option<&mut f32> {
        match name {
            "min" => Some(&mut self.min),
            "max" => Some(&mut self.max),
            "scale" => Some(&mut self.scale),
            "shift" => Some(&mut self.shift),
            _ => None,
        }
    }
}

/// The values of `kind`'s parameters in kernel order. Clip's bounds may be infinite (a
/// one-sided clamp) but not NaN; fma's must be finite.
fn param_values(kind: FusedKind, p: &FusedParams) -> Result<Vec<f32>> {
    let bad =
        |name: &str, reason: String| RuntimeError::BadParameter { op: kind.name().into(), name: name.into(), reason };
    match kind {
        FusedKind::Clip => {
            for (name, v) in [("min", p.min), ("max", p.max)] {
                if v.is_nan() {
                    return Err(bad(name, "must be a number (±∞ leaves that side open), got NaN".into()));
                }
            }
            Ok(vec![p.min, p.max])
        }
        FusedKind::Fma => {
            for (name, v) in [("scale", p.scale), ("shift", p.shift)] {
                if !v.is_finite() {
                    return Err(bad(name, format!("must be finite, got {v}")));
                }
            }
            Ok(vec![p.scale, p.shift])
        }
        _ => Ok(vec![]),
    }
}

/// Plan `kind` on `inputs` (in [`FusedKind::inputs`] order).
pub fn fused_plan(dev: &Device, kind: FusedKind, inputs: &[&Buffer], params: &OpParams) -> Result<Plan> {
    let op = kind.name();
    let names = kind.inputs();
    if inputs.len() != names.len() {
        return Err(RuntimeError::ArgCount {
            kernel: op.into(),
            expected: names.len(),
            found: inputs.len(),
            params: names.join(", "),
        });
    }
    // The first float operand sets the dtype and shape every other operand must have.
    let lead = usize::from(kind == FusedKind::Where);
    let first = inputs[lead];
    check_float(op, names[lead], first)?;
    for (i, (name, b)) in names.iter().zip(inputs).enumerate().filter(|(i, _)| *i != lead) {
        if kind.input_dtype(i, first.dtype()) == DType::Bool {
            check_bool(op, name, b, first.shape())?;
        } else {
            check_same(op, name, first, b, first.shape())?;
        }
    }
    let values = param_values(kind, &params.fused)?;
    let n = index_count(op, first)?;
    let outputs: Vec<(&'static str, Buffer)> =
        kind.outputs().iter().map(|o| Ok((*o, dev.alloc(first.dtype(), first.shape())?))).collect::<Result<_>>()?;
    // Buffers are handles: the plan's copies share memory with the arguments'.
    let plan = |launches| {
        let mut each = outputs.clone().into_iter();
        let first = each.next().ok_or_else(|| RuntimeError::BadParameter {
            op: op.into(),
            name: "outputs".into(),
            reason: "the op names none".into(),
        })?;
        Ok(Plan::with_outputs(launches, vec![], first, each.collect()))
    };
    if n == 0 {
        return plan(vec![]);
    }
    let geometry = Geometry::cover(elementwise::threads(n) as u64, ELEMENTWISE_GROUP);
    let mut args: Vec<PlanArg> = inputs.iter().map(|b| PlanArg::from(*b)).collect();
    args.extend(outputs.iter().map(|(_, b)| PlanArg::from(b)));
    args.push(n.into());
    args.extend(values.into_iter().map(PlanArg::from));
    let l = launch(dev, kind.def(), first.dtype(), ConstArgs::new(), geometry, args)?;
    plan(vec![l])
}

/// A bool operand of shape `shape`.
fn check_bool(op: &str, name: &str, b: &Buffer, shape: &[usize]) -> Result<()> {
    if b.dtype() != DType::Bool {
        return Err(RuntimeError::UnsupportedDType {
            what: format!("`{op}`, input `{name}`"),
            dtype: b.dtype(),
            supported: DType::Bool.name().into(),
        });
    }
    if b.shape() != shape {
        return Err(RuntimeError::ShapeMismatch {
            what: format!("`{op}`, input `{name}`"),
            expected: shape.to_vec(),
            found: b.shape().to_vec(),
        });
    }
    Ok(())
}

fn run1(plan: Result<Plan>, dev: &Device) -> Result<Buffer> {
    let plan = plan?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

fn fused_params(set: impl FnOnce(&mut OpParams)) -> OpParams {
    let mut p = OpParams::default();
    set(&mut p);
    p
}

/// silu(gate) · up, elementwise over two tensors of one shape.
pub fn swiglu(dev: &Device, gate: &Buffer, up: &Buffer) -> Result<Buffer> {
    run1(fused_plan(dev, FusedKind::Swiglu, &[gate, up], &OpParams::default()), dev)
}
/// gelu(gate) · up with the exact (erf) gelu.
pub fn geglu(dev: &Device, gate: &Buffer, up: &Buffer) -> Result<Buffer> {
    run1(fused_plan(dev, FusedKind::Geglu, &[gate, up], &OpParams::default()), dev)
}
/// gelu(gate) · up with the tanh approximation of gelu.
pub fn geglu_tanh(dev: &Device, gate: &Buffer, up: &Buffer) -> Result<Buffer> {
    run1(fused_plan(dev, FusedKind::GegluTanh, &[gate, up], &OpParams::default()), dev)
}
/// x clamped to [`min`, `max`] as `torch.clamp` (±∞ leaves a side open; `min > max` gives
/// `max` everywhere; NaN stays NaN).
pub fn clip(dev: &Device, x: &Buffer, min: f32, max: f32) -> Result<Buffer> {
    let p = fused_params(|p| {
        p.fused.min = min;
        p.fused.max = max;
    });
    run1(fused_plan(dev, FusedKind::Clip, &[x], &p), dev)
}
/// scale · x + shift, rounded once.
pub fn fma(dev: &Device, x: &Buffer, scale: f32, shift: f32) -> Result<Buffer> {
    let p = fused_params(|p| {
        p.fused.scale = scale;
        p.fused.shift = shift;
    });
    run1(fused_plan(dev, FusedKind::Fma, &[x], &p), dev)
}
/// `a` where `cond` (bool) holds, else `b`; all three of one shape.
pub fn where_select(dev: &Device, cond: &Buffer, a: &Buffer, b: &Buffer) -> Result<Buffer> {
    run1(fused_plan(dev, FusedKind::Where, &[cond, a, b], &OpParams::default()), dev)
}
/// The residual add fused with a scale: returns `(s, y)` with `s = a + b`, `y = s · c`.
pub fn add_mul(dev: &Device, a: &Buffer, b: &Buffer, c: &Buffer) -> Result<(Buffer, Buffer)> {
    let plan = fused_plan(dev, FusedKind::AddMul, &[a, b, c], &OpParams::default())?;
    plan.run(dev)?;
    let mut outs = plan.into_outputs().into_iter().map(|(_, b)| b);
    match (outs.next(), outs.next()) {
        (Some(s), Some(y)) => Ok((s, y)),
        _ => Err(RuntimeError::BadParameter {
            op: FusedKind::AddMul.name().into(),
            name: "outputs".into(),
            reason: "the plan lost an output".into(),
        }),
    }
}

/// The shapes `tile bench` times the fused ops at. Full: 2^28 elements (streaming at the
/// copy bandwidth), and Llama-3-8B's MLP activations (intermediate size 14336) for a
/// prefill of 4096 tokens and a decode step of 64 sequences.
pub fn fused_bench_shapes(size: crate::bench::BenchSize) -> Vec<Vec<usize>> {
    match size {
        crate::bench::BenchSize::Quick => vec![vec![1 << 12]],
        crate::bench::BenchSize::Full => vec![vec![1 << 28], vec![4096, 14336], vec![64, 14336]],
    }
}
