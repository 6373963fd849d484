//! References of the fused elementwise ops, written from their definitions on f64 (the
//! activations are the unary references: each fused op is the composition it replaces).

use super::{gelu, gelu_tanh, max, min, silu};
use crate::ops::{FusedKind, FusedParams};
use crate::tensor::HostTensor;

/// silu(gate) · up
pub fn swiglu(gate: f64, up: f64) -> f64 {
    silu(gate) * up
}
/// gelu(gate) · up (erf gelu)
pub fn geglu(gate: f64, up: f64) -> f64 {
    gelu(gate) * up
}
/// gelu_tanh(gate) · up
pub fn geglu_tanh(gate: f64, up: f64) -> f64 {
    gelu_tanh(gate) * up
}
/// `torch.clamp(x, lo, hi)`: min(max(x, lo), hi), NaN for NaN; `lo > hi` gives `hi`.
pub fn clip(x: f64, lo: f64, hi: f64) -> f64 {
    min(max(x, lo), hi)
}
/// scale · x + shift, exactly.
pub fn fma(x: f64, scale: f64, shift: f64) -> f64 {
    scale * x + shift
}
/// a where cond is nonzero, else b.
pub fn where_select(cond: f64, a: f64, b: f64) -> f64 {
    if cond != 0.0 {
        a
    } else {
        b
    }
}

/// The outputs of `kind` (in [`FusedKind::outputs`] order) for `inputs` (in
/// [`FusedKind::inputs`] order), every operand of one shape; parameters at the precision the
/// kernel receives them (f32).
pub fn fused(kind: FusedKind, inputs: &[HostTensor], p: &FusedParams) -> Vec<HostTensor> {
    let empty = HostTensor::new(&[0], vec![]);
    let x = inputs.first().unwrap_or(&empty);
    let arg = |i: usize| inputs.get(i).map_or(&[][..], |t| &t.data[..]);
    let out = |data: Vec<f64>| HostTensor::new(&x.shape, data);
    let zip2 = |f: fn(f64, f64) -> f64| out(arg(0).iter().zip(arg(1)).map(|(a, b)| f(*a, *b)).collect());
    let (lo, hi, scale, shift) = (p.min as f64, p.max as f64, p.scale as f64, p.shift as f64);
    match kind {
        FusedKind::Swiglu => vec![zip2(swiglu)],
        FusedKind::Geglu => vec![zip2(geglu)],
        FusedKind::GegluTanh => vec![zip2(geglu_tanh)],
        FusedKind::Clip => vec![out(x.data.iter().map(|v| clip(*v, lo, hi)).collect())],
        FusedKind::Fma => vec![out(x.data.iter().map(|v| fma(*v, scale, shift)).collect())],
        FusedKind::Where => {
            let abc = arg(0).iter().zip(arg(1)).zip(arg(2));
            vec![out(abc.map(|((c, a), b)| where_select(*c, *a, *b)).collect())]
        }
        FusedKind::AddMul => {
            let sum: Vec<f64> = arg(0).iter().zip(arg(1)).map(|(a, b)| a + b).collect();
            let y = sum.iter().zip(arg(2)).map(|(s, c)| s * c).collect();
            vec![out(sum), out(y)]
        }
    }
}
