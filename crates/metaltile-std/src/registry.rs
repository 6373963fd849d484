//! THE list of std kernels. Everything that enumerates the library — `tile list`, `tile test`,
//! `tile bench`, `tile run`, the test suites — reads it from here.

use crate::ops::{
    BinaryKind, BitwiseKind, FusedKind, GemvForm, IndexKind, LossKind, NormKind, OpParams, RandomKind, ReduceKind,
    RopeLayout, ScanKind, SortKind, StdOp, UnaryKind, GEMV_MASK_BLOCK,
};
use crate::plan::Plan;
use crate::reference as r;
use crate::tensor::HostTensor;
use metaltile_ir::{ConstArgs, DType, KernelDef, Tolerance};
use metaltile_runtime::{Buffer, Device, Result, RuntimeError};

/// One kernel of the library with everything needed to run, test and benchmark it.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The op it computes (inputs, outputs, planning).
    pub op: StdOp,
    /// The kernel definition.
    pub def: KernelDef,
    /// `unary`, `binary`, `reduce`, `softmax`, `norm`, `rope`, `gemv`, `fused`, `copy`, `cast`,
    /// `movement`, `scan`, `index`, `bitwise`, `sort`, `random` or `loss`.
    pub family: &'static str,
    /// The math, in one line.
    pub summary: &'static str,
}

/// Every std kernel, in listing order.
pub fn all() -> Vec<Entry> {
    let ops = UnaryKind::ALL
        .iter()
        .map(|k| StdOp::Unary(*k))
        .chain(BinaryKind::ALL.iter().map(|k| StdOp::Binary(*k)))
        .chain(ReduceKind::ALL.iter().map(|k| StdOp::Reduce(*k)))
        .chain([StdOp::Softmax, StdOp::LogSoftmax, StdOp::RmsNorm, StdOp::LayerNorm])
        .chain(RopeLayout::ALL.map(StdOp::Rope))
        .chain(GemvForm::ALL.map(StdOp::Gemv))
        .chain(FusedKind::ALL.iter().map(|k| StdOp::Fused(*k)))
        .chain([StdOp::Copy])
        .chain(crate::ops::CAST_TARGETS.map(StdOp::Cast))
        .chain(crate::ops::MoveOp::ALL.iter().map(|k| StdOp::Move(*k)))
        .chain(ScanKind::ALL.iter().map(|k| StdOp::Scan(*k)))
        .chain(IndexKind::ALL.iter().map(|k| StdOp::Index(*k)))
        .chain(BitwiseKind::ALL.iter().map(|k| StdOp::Bitwise(*k)))
        .chain(SortKind::ALL.iter().map(|k| StdOp::Sort(*k)))
        .chain(RandomKind::ALL.iter().map(|k| StdOp::Random(*k)))
        .chain(LossKind::ALL.iter().map(|k| StdOp::Loss(*k)))
        .chain(NormKind::ALL.iter().map(|k| StdOp::Norm(*k)));
    ops.map(|op| Entry { op, def: op.def(), family: op.family(), summary: summary(op) }).collect()
}

/// The entry of the kernel named `name`.
pub fn find(name: &str) -> Option<Entry> {
    all().into_iter().find(|e| e.name() == name)
}

/// The kernel definitions of the library.
pub fn defs() -> Vec<KernelDef> {
    all().into_iter().map(|e| e.def).collect()
}

fn summary(op: StdOp) -> &'static str {
    match op {
        StdOp::Unary(k) => match k {
            UnaryKind::Exp => "y = e^x",
            UnaryKind::Exp2 => "y = 2^x",
            UnaryKind::Expm1 => "y = e^x - 1, accurate near 0",
            UnaryKind::Log => "y = ln x",
            UnaryKind::Log2 => "y = log₂ x",
            UnaryKind::Log10 => "y = log₁₀ x",
            UnaryKind::Log1p => "y = ln(1 + x), accurate near 0",
            UnaryKind::Sqrt => "y = √x",
            UnaryKind::Rsqrt => "y = 1/√x",
            UnaryKind::Cbrt => "y = ∛x",
            UnaryKind::Abs => "y = |x|",
            UnaryKind::Neg => "y = -x",
            UnaryKind::Sign => "y = 1, -1 or x for x > 0, x < 0, otherwise (±0, NaN)",
            UnaryKind::Ceil => "y = ⌈x⌉",
            UnaryKind::Floor => "y = ⌊x⌋",
            UnaryKind::Round => "y = x rounded to the nearest integer, halves to even",
            UnaryKind::Trunc => "y = x rounded toward zero",
            UnaryKind::Recip => "y = 1/x",
            UnaryKind::Square => "y = x²",
            UnaryKind::Sin => "y = sin x",
            UnaryKind::Cos => "y = cos x",
            UnaryKind::Tan => "y = tan x",
            UnaryKind::Asin => "y = arcsin x",
            UnaryKind::Acos => "y = arccos x",
            UnaryKind::Atan => "y = arctan x",
            UnaryKind::Sinh => "y = sinh x",
            UnaryKind::Cosh => "y = cosh x",
            UnaryKind::Tanh => "y = tanh x",
            UnaryKind::Asinh => "y = arsinh x",
            UnaryKind::Acosh => "y = arcosh x",
            UnaryKind::Atanh => "y = artanh x",
            UnaryKind::Erf => "y = erf x",
            UnaryKind::Erfinv => "y = erf⁻¹ x",
            UnaryKind::Sigmoid => "y = 1/(1 + e^-x)",
            UnaryKind::Logsigmoid => "y = ln(1/(1 + e^-x))",
            UnaryKind::Silu => "y = x·sigmoid(x)",
            UnaryKind::Gelu => "y = ½x(1 + erf(x/√2))",
            UnaryKind::GeluTanh => "y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))",
            UnaryKind::Relu => "y = max(x, 0), NaN for NaN",
            UnaryKind::LeakyRelu => "y = x for x ≥ 0, negative_slope·x below (default 0.01)",
            UnaryKind::Elu => "y = x for x > 0, alpha·(e^x - 1) below (default alpha 1)",
            UnaryKind::Selu => "y = scale·(x for x > 0, alpha·(e^x - 1) below), alpha ≈ 1.6733, scale ≈ 1.0507",
            UnaryKind::Softplus => "y = ln(1 + e^x); x above 20",
            UnaryKind::Softsign => "y = x/(1 + |x|)",
            UnaryKind::Mish => "y = x·tanh(softplus(x))",
            UnaryKind::Hardsigmoid => "y = min(max(x + 3, 0), 6)/6",
            UnaryKind::Hardswish => "y = x·min(max(x + 3, 0), 6)/6",
            UnaryKind::Hardtanh => "y = x clamped to [min_val, max_val] (default [-1, 1]), NaN for NaN",
            UnaryKind::Isnan => "y = x is NaN (bool)",
            UnaryKind::Isinf => "y = x is ±∞ (bool)",
            UnaryKind::Isfinite => "y = x is neither ±∞ nor NaN (bool)",
        },
        StdOp::Binary(k) => match k {
            BinaryKind::Add => "y = a + b",
            BinaryKind::Sub => "y = a - b",
            BinaryKind::Mul => "y = a·b",
            BinaryKind::Div => "y = a/b",
            BinaryKind::Max => "y = max(a, b), NaN if either is NaN",
            BinaryKind::Min => "y = min(a, b), NaN if either is NaN",
            BinaryKind::Pow => "y = a^b",
            BinaryKind::Atan2 => "y = atan2(a, b), the angle of (b, a) in (-π, π]",
            BinaryKind::Remainder => "y = a - b·⌊a/b⌋, the sign of b (torch.remainder)",
            BinaryKind::Fmod => "y = a - b·trunc(a/b), the sign of a (C fmod)",
            BinaryKind::Logaddexp => "y = ln(e^a + e^b)",
            BinaryKind::Eq => "y = a = b (bool)",
            BinaryKind::Ne => "y = a ≠ b (bool; true if either is NaN)",
            BinaryKind::Lt => "y = a < b (bool)",
            BinaryKind::Le => "y = a ≤ b (bool)",
            BinaryKind::Gt => "y = a > b (bool)",
            BinaryKind::Ge => "y = a ≥ b (bool)",
            BinaryKind::LogicalAnd => "y = a ≠ 0 and b ≠ 0 (bool; NaN is nonzero)",
            BinaryKind::LogicalOr => "y = a ≠ 0 or b ≠ 0 (bool; NaN is nonzero)",
            BinaryKind::LogicalXor => "y = exactly one of a, b ≠ 0 (bool; NaN is nonzero)",
        },
        StdOp::Reduce(k) => match k {
            ReduceKind::Sum => "y[r] = Σ_i x[r, i]",
            ReduceKind::Max => "y[r] = max_i x[r, i], NaN if the row has a NaN",
            ReduceKind::Min => "y[r] = min_i x[r, i], NaN if the row has a NaN",
            ReduceKind::Mean => "y[r] = Σ_i x[r, i] / n",
            ReduceKind::Prod => "y[r] = Π_i x[r, i]",
            ReduceKind::L1Norm => "y[r] = Σ_i |x[r, i]|",
            ReduceKind::L2Norm => "y[r] = √Σ_i x[r, i]²",
            ReduceKind::LogSumExp => "y[r] = ln Σ_i e^x[r, i], stable (max + ln Σ e^(x - max))",
            ReduceKind::Var => "y[r] = Σ_i (x[r, i] - mean_r)² / max(0, n - correction) (default correction 1)",
            ReduceKind::ArgMax => "y[r] = the first i of the largest x[r, i], or of the first NaN (i64)",
            ReduceKind::ArgMin => "y[r] = the first i of the smallest x[r, i], or of the first NaN (i64)",
            ReduceKind::Std => "y[r] = √(Σ_i (x[r, i] - mean_r)² / max(0, n - correction)) (default correction 1)",
        },
        StdOp::Softmax => "y[r, i] = e^(x[r, i] - max_j x[r, j]) / Σ_j e^(x[r, j] - max_j x[r, j])",
        StdOp::LogSoftmax => "y[r, i] = (x[r, i] - max_j x[r, j]) - ln Σ_j e^(x[r, j] - max_j x[r, j])",
        StdOp::RmsNorm => "y[r, i] = x[r, i] / √(mean_j x[r, j]² + eps) · w[i]",
        StdOp::LayerNorm => "y[r, i] = (x[r, i] - mean_r) / √(var_r + eps) · w[i] + b[i]",
        StdOp::Rope(RopeLayout::HalfSplit) => {
            "pairs (i, i + rotary_dim/2) of each head turned by (offset + s)·inv_freq[i] (GPT-NeoX, Llama)"
        }
        StdOp::Rope(RopeLayout::Interleaved) => {
            "pairs (2i, 2i + 1) of each head turned by (offset + s)·inv_freq[i] (GPT-J, MLX traditional)"
        }
        StdOp::Gemv(GemvForm::Ax) => "y[i] = Σ_j a[i, j]·x[j] (a: [m, k], x: [k]), f32 accumulation",
        StdOp::Gemv(GemvForm::XtA) => "y[j] = Σ_i x[i]·a[i, j] (a: [m, k], x: [m]), f32 accumulation",
        StdOp::Gemv(GemvForm::Masked) => {
            "y[i] = Σ_j a[i, j]·x[j] over blocks (i/32, j/32) where mask ≠ 0; 0 where out_mask[i/32] = 0"
        }
        StdOp::Fused(k) => k.summary(),
        StdOp::Copy => "y = x, bit for bit, any dtype",
        StdOp::Cast(_) => {
            "y = x as the dtype: round to nearest even; to integers truncate, saturate, NaN → 0; integers wrap"
        }
        StdOp::Move(k) => k.summary(),
        StdOp::Scan(k) => k.summary(),
        StdOp::Index(k) => k.summary(),
        StdOp::Bitwise(k) => k.summary(),
        StdOp::Sort(k) => k.summary(),
        StdOp::Random(k) => k.summary(),
        StdOp::Loss(k) => k.summary(),
        StdOp::Norm(k) => k.summary(),
    }
}

/// The reference of `k`, its parameters taken from `p` at the precision the kernel receives
/// them (f32).
fn unary_reference(k: UnaryKind, p: &OpParams) -> impl Fn(f64) -> f64 {
    let (slope, alpha) = (p.negative_slope as f64, p.alpha as f64);
    let (lo, hi) = (p.min_val as f64, p.max_val as f64);
    move |x| match k {
        UnaryKind::Exp => r::exp(x),
        UnaryKind::Exp2 => r::exp2(x),
        UnaryKind::Expm1 => r::expm1(x),
        UnaryKind::Log => r::log(x),
        UnaryKind::Log2 => r::log2(x),
        UnaryKind::Log10 => r::log10(x),
        UnaryKind::Log1p => r::log1p(x),
        UnaryKind::Sqrt => r::sqrt(x),
        UnaryKind::Rsqrt => r::rsqrt(x),
        UnaryKind::Cbrt => r::cbrt(x),
        UnaryKind::Abs => r::abs(x),
        UnaryKind::Neg => r::neg(x),
        UnaryKind::Sign => r::sign(x),
        UnaryKind::Ceil => r::ceil(x),
        UnaryKind::Floor => r::floor(x),
        UnaryKind::Round => r::round(x),
        UnaryKind::Trunc => r::trunc(x),
        UnaryKind::Recip => r::recip(x),
        UnaryKind::Square => r::square(x),
        UnaryKind::Sin => r::sin(x),
        UnaryKind::Cos => r::cos(x),
        UnaryKind::Tan => r::tan(x),
        UnaryKind::Asin => r::asin(x),
        UnaryKind::Acos => r::acos(x),
        UnaryKind::Atan => r::atan(x),
        UnaryKind::Sinh => r::sinh(x),
        UnaryKind::Cosh => r::cosh(x),
        UnaryKind::Tanh => r::tanh(x),
        UnaryKind::Asinh => r::asinh(x),
        UnaryKind::Acosh => r::acosh(x),
        UnaryKind::Atanh => r::atanh(x),
        UnaryKind::Erf => r::erf(x),
        UnaryKind::Erfinv => r::erfinv(x),
        UnaryKind::Sigmoid => r::sigmoid(x),
        UnaryKind::Logsigmoid => r::logsigmoid(x),
        UnaryKind::Silu => r::silu(x),
        UnaryKind::Gelu => r::gelu(x),
        UnaryKind::GeluTanh => r::gelu_tanh(x),
        UnaryKind::Relu => r::relu(x),
        UnaryKind::LeakyRelu => r::leaky_relu(x, slope),
        UnaryKind::Elu => r::elu(x, alpha),
        UnaryKind::Selu => r::selu(x),
        UnaryKind::Softplus => r::softplus(x),
        UnaryKind::Softsign => r::softsign(x),
        UnaryKind::Mish => r::mish(x),
        UnaryKind::Hardsigmoid => r::hardsigmoid(x),
        UnaryKind::Hardswish => r::hardswish(x),
        UnaryKind::Hardtanh => r::hardtanh(x, lo, hi),
        UnaryKind::Isnan => r::isnan(x),
        UnaryKind::Isinf => r::isinf(x),
        UnaryKind::Isfinite => r::isfinite(x),
    }
}

fn binary_reference(k: BinaryKind) -> fn(f64, f64) -> f64 {
    match k {
        BinaryKind::Add => r::add,
        BinaryKind::Sub => r::sub,
        BinaryKind::Mul => r::mul,
        BinaryKind::Div => r::div,
        BinaryKind::Max => r::max,
        BinaryKind::Min => r::min,
        BinaryKind::Pow => r::pow,
        BinaryKind::Atan2 => r::atan2,
        BinaryKind::Remainder => r::remainder,
        BinaryKind::Fmod => r::fmod,
        BinaryKind::Logaddexp => r::logaddexp,
        BinaryKind::Eq => r::eq,
        BinaryKind::Ne => r::ne,
        BinaryKind::Lt => r::lt,
        BinaryKind::Le => r::le,
        BinaryKind::Gt => r::gt,
        BinaryKind::Ge => r::ge,
        BinaryKind::LogicalAnd => r::logical_and,
        BinaryKind::LogicalOr => r::logical_or,
        BinaryKind::LogicalXor => r::logical_xor,
    }
}

/// The reference of reduction `k`, its correction taken from `p` at f32 precision.
fn reduce_reference(k: ReduceKind, p: &OpParams) -> impl Fn(&[f64]) -> f64 {
    let correction = p.reduce.correction as f64;
    move |row| match k {
        ReduceKind::Sum => r::sum_row(row),
        ReduceKind::Max => r::max_row(row),
        ReduceKind::Min => r::min_row(row),
        ReduceKind::Mean => r::mean_row(row),
        ReduceKind::Prod => r::prod_row(row),
        ReduceKind::L1Norm => r::l1_norm_row(row),
        ReduceKind::L2Norm => r::l2_norm_row(row),
        ReduceKind::LogSumExp => r::logsumexp_row(row),
        ReduceKind::Var => r::var_row(row, correction),
        ReduceKind::Std => r::var_row(row, correction).sqrt(),
        ReduceKind::ArgMax => r::argmax_row(row),
        ReduceKind::ArgMin => r::argmin_row(row),
    }
}

/// The element types the whole-library checks (emission, passes, register use, the suite's
/// case census) build `def` at: each float type it takes, or, for a kernel that takes no float
/// (the bitwise ops), every type it takes.
pub fn checked_dtypes(def: &KernelDef) -> Vec<DType> {
    let floats: Vec<DType> = metaltile_ir::FLOAT_DTYPES.into_iter().filter(|d| def.dtypes.contains(d)).collect();
    if floats.is_empty() {
        def.dtypes.to_vec()
    } else {
        floats
    }
}

impl Entry {
    /// [`checked_dtypes`] of its kernel.
    pub fn checked_dtypes(&self) -> Vec<DType> {
        checked_dtypes(&self.def)
    }

    /// The kernel's name.
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    /// The reference outputs for `inputs` (in [`StdOp::inputs`] order), computed in f64.
    /// The scalar parameters are used at the precision the kernel receives them (f32).
    pub fn reference(&self, inputs: &[HostTensor], params: &OpParams) -> Vec<HostTensor> {
        let eps = params.eps as f64;
        let empty = HostTensor::new(&[0], vec![]);
        let x = inputs.first().unwrap_or(&empty);
        let arg = |i: usize| inputs.get(i).map_or(&[][..], |t| &t.data[..]);
        let y = match self.op {
            StdOp::Unary(k) => {
                let f = unary_reference(k, params);
                HostTensor::new(&x.shape, x.data.iter().map(|v| f(*v)).collect())
            }
            StdOp::Binary(k) => {
                let f = binary_reference(k);
                HostTensor::new(&x.shape, x.data.iter().zip(arg(1)).map(|(a, b)| f(*a, *b)).collect())
            }
            // An axis the op refuses has no reference: an empty one fails any comparison.
            StdOp::Reduce(k) => match crate::ops::axis_view(k.name(), &x.shape, params.reduce.axis) {
                Ok(view) => {
                    let shape = crate::ops::reduced_shape(k.name(), &x.shape, params.reduce.axis).unwrap_or_default();
                    HostTensor::new(&shape, r::along_axis(&x.data, view, reduce_reference(k, params)))
                }
                Err(_) => empty.clone(),
            },
            StdOp::Softmax => HostTensor::new(&x.shape, x.rows().flat_map(r::softmax_row).collect()),
            StdOp::LogSoftmax => HostTensor::new(&x.shape, x.rows().flat_map(r::log_softmax_row).collect()),
            StdOp::RmsNorm => {
                HostTensor::new(&x.shape, x.rows().flat_map(|row| r::rms_norm_row(row, arg(1), eps)).collect())
            }
            StdOp::LayerNorm => HostTensor::new(
                &x.shape,
                x.rows().flat_map(|row| r::layer_norm_row(row, arg(1), arg(2), eps)).collect(),
            ),
            // A configuration the op refuses has no reference: an empty one fails any comparison.
            StdOp::Rope(l) => match params.rope.config(l) {
                Ok(cfg) => HostTensor::new(&x.shape, r::rope(&x.shape, &x.data, &cfg)),
                Err(_) => empty.clone(),
            },
            StdOp::Gemv(f) => r::gemv_op(f, inputs, GEMV_MASK_BLOCK as usize, false),
            StdOp::Fused(k) => return r::fused(k, inputs, &params.fused),
            StdOp::Copy => x.clone(),
            // The value itself: rounding it to the output's dtype, as the oracle does, applies
            // the conversion rules (`metaltile_ir::dtype::f64_to_bits`). Integer sources wrap
            // where that saturates, so the oracle keeps them in every destination's range.
            StdOp::Cast(_) => x.clone(),
            StdOp::Move(k) => return r::movement(k, inputs, &params.movement),
            StdOp::Scan(k) => r::scan_op(k, inputs, params, false),
            StdOp::Index(k) => return r::index_op(k, inputs, &params.index),
            StdOp::Bitwise(k) => r::bitwise(k, inputs),
            StdOp::Sort(k) => return r::sort_op(k, inputs, params),
            // The host generator itself (uniform as f32 computes it; the oracle rounds it).
            StdOp::Random(k) => HostTensor::new(&x.shape, r::random_op(k, x.data.len(), &params.random)),
            StdOp::Loss(k) => r::loss_op(k, inputs, params, false),
            StdOp::Norm(k) => return r::norm_variant(k, inputs, params),
        };
        vec![y]
    }

    /// The comparison tolerance for outputs of `dtype`: the dtype's default, except for the
    /// random ops (see [`crate::ops::random_tolerance`]).
    pub fn tolerance(&self, dtype: DType) -> Tolerance {
        // Sorting moves values without rounding them: exact.
        if let StdOp::Sort(_) = self.op {
            return Tolerance { atol: 0.0, rtol: 0.0 };
        }
        match self.op {
            StdOp::Random(k) => crate::ops::random_tolerance(k, dtype),
            _ => dtype.tolerance(),
        }
    }

    /// The magnitude each output element's relative tolerance applies to, when that is not the
    /// element itself (see [`crate::testing::compare::compare_scaled`]): a row sum (and mean) is exact to
    /// a few roundings of its *terms*, and cancellation can make the sum itself arbitrarily
    /// small, so its error is judged against `Σ|x| / √n`, the size of a sum of `n` terms of
    /// random sign. A rotary embedding turns pairs: each output combines the pair's two inputs,
    /// each product rounded to its own size and the f32 angle's error times the pair's norm,
    /// so a rotated output is judged against the norm of its pair (its own value can cancel
    /// to nearly nothing); copied features against themselves. A matrix-vector product's output
    /// is a sum of products, judged as a row sum is: against `Σ|a·x| / √n` over its `n`
    /// terms. `None` for every other op.
    pub fn error_scale(&self, inputs: &[HostTensor], params: &OpParams) -> Option<Vec<f64>> {
        let x = inputs.first()?;
        match self.op {
            _ if !self.scales_error() => None,
            StdOp::Rope(l) => Some(r::rope_pair_norms(&x.shape, &x.data, &params.rope.config(l).ok()?)),
            StdOp::Gemv(f) => Some(r::gemv_op(f, inputs, GEMV_MASK_BLOCK as usize, true).data),
            StdOp::Scan(k) => Some(r::scan_op(k, inputs, params, true).data),
            StdOp::Index(_) => r::scatter_add_magnitudes(x, inputs.get(1)?, inputs.get(2)?, params.index.dim),
            // A loss is a difference (lse - x[t]) or a sum of terms: judged against its terms' sizes.
            StdOp::Loss(k) => Some(r::loss_op(k, inputs, params, true).data),
            // A mean is its sum's error over n.
            StdOp::Reduce(ReduceKind::Mean) => {
                let view = crate::ops::axis_view("", &x.shape, params.reduce.axis).ok()?;
                let scale = (view[1].max(1) as f64).powf(1.5);
                Some(r::along_axis(&x.data, view, |lane| lane.iter().map(|v| v.abs()).sum::<f64>() / scale))
            }
            _ => {
                let view = crate::ops::axis_view("", &x.shape, params.reduce.axis).ok()?;
                let root_n = (view[1].max(1) as f64).sqrt();
                Some(r::along_axis(&x.data, view, |lane| lane.iter().map(|v| v.abs()).sum::<f64>() / root_n))
            }
        }
    }

    /// True when the reference gives exact integers that the oracle wraps to the output's
    /// integer type (two's complement, as the kernels compute), rather than rounding and
    /// saturating them as conversions do: the bitwise ops.
    pub fn wraps_integers(&self) -> bool {
        matches!(self.op, StdOp::Bitwise(_))
    }

    /// True when [`Entry::error_scale`] gives a scale (so callers convert inputs only then).
    pub fn scales_error(&self) -> bool {
        matches!(
            self.op,
            StdOp::Reduce(ReduceKind::Sum | ReduceKind::Mean)
                | StdOp::Rope(_)
                | StdOp::Gemv(_)
                | StdOp::Index(IndexKind::ScatterAdd)
                | StdOp::Loss(_)
        ) || matches!(self.op, StdOp::Scan(k) if k.is_sum())
    }

    /// Plan the kernel on named inputs; `consts` carries the op's scalar parameters by name
    /// ([`StdOp::params`]: `eps`, `negative_slope`, ...), defaults where absent.
    pub fn plan(&self, dev: &Device, inputs: &[(&str, &Buffer)], consts: &ConstArgs) -> Result<Plan> {
        let op = self.name().to_string();
        let takes = || [self.op.inputs(), self.op.params()].concat().join(", ");
        for (name, _) in inputs {
            if !self.op.inputs().contains(name) {
                return Err(RuntimeError::UnknownInput { op, name: name.to_string(), expected: takes() });
            }
        }
        let ordered = self
            .op
            .inputs()
            .iter()
            .map(|want| {
                inputs.iter().find(|(n, _)| n == want).map(|(_, b)| *b).ok_or_else(|| RuntimeError::MissingInput {
                    op: op.clone(),
                    name: want.to_string(),
                    expected: self.op.inputs().join(", "),
                })
            })
            .collect::<Result<Vec<&Buffer>>>()?;
        let mut params = OpParams::default();
        for (name, value) in &consts.0 {
            if !self.op.params().contains(&name.as_str()) {
                return Err(RuntimeError::UnknownInput { op, name: name.clone(), expected: takes() });
            }
            // The data-movement ops take integers and fill values beyond f32's precision.
            let exact = [crate::ops::MoveParams::NAMES, crate::ops::RandomParams::COUNTERS].concat();
            let v = match (exact.contains(&name.as_str()), value) {
                (true, metaltile_ir::ConstArg::Int(i)) => *i as f64,
                _ => value.to_constant(name, DType::F32)?.as_f64(),
            };
            params.set_values(name, &[v]).map_err(|reason| RuntimeError::BadParameter {
                op: op.clone(),
                name: name.clone(),
                reason,
            })?;
        }
        self.op.plan(dev, &ordered, &params)
    }

    /// Run the kernel on named inputs with `params` (list parameters among them, which
    /// [`Entry::invoke`]'s constexpr-style values cannot carry); names the op does not take
    /// are refused by [`Entry::check_params`].
    pub fn invoke_with(
        &self,
        dev: &Device,
        inputs: &[(&str, &Buffer)],
        params: &OpParams,
    ) -> Result<Vec<(String, Buffer)>> {
        let ordered: Vec<&Buffer> = self
            .op
            .inputs()
            .iter()
            .map(|want| {
                inputs.iter().find(|(n, _)| n == want).map(|(_, b)| *b).ok_or_else(|| RuntimeError::MissingInput {
                    op: self.name().into(),
                    name: want.to_string(),
                    expected: self.op.inputs().join(", "),
                })
            })
            .collect::<Result<_>>()?;
        let plan = self.op.plan(dev, &ordered, params)?;
        plan.run(dev)?;
        Ok(plan.into_outputs().into_iter().map(|(n, b)| (n.to_string(), b)).collect())
    }

    /// Set `name` to `values` in `params` if the op takes that parameter.
    pub fn check_params(&self, params: &mut OpParams, name: &str, values: &[f64]) -> Result<()> {
        if !self.op.params().contains(&name) {
            let expected = [self.op.inputs(), self.op.params()].concat().join(", ");
            return Err(RuntimeError::UnknownInput { op: self.name().into(), name: name.into(), expected });
        }
        params.set_values(name, values).map_err(|reason| RuntimeError::BadParameter {
            op: self.name().into(),
            name: name.into(),
            reason,
        })
    }

    /// Run the kernel on named inputs (as `tile run` does) and return its named outputs.
    pub fn invoke(
        &self,
        dev: &Device,
        inputs: &[(&str, &Buffer)],
        consts: &ConstArgs,
    ) -> Result<Vec<(String, Buffer)>> {
        let plan = self.plan(dev, inputs, consts)?;
        plan.run(dev)?;
        Ok(plan.into_outputs().into_iter().map(|(n, b)| (n.to_string(), b)).collect())
    }
}
