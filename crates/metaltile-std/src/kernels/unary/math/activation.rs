//! Activation functions. The logistic family is computed from e^-|v|, which never
//! overflows; torch's default parameters are the kernels' defaults (`ops::OpParams`).

use metaltile::prelude::*;

/// 1 / (1 + e^-v). For v < 0 it is taken as e^v / (1 + e^v): 1 / (1 + e^-v) loses the
/// tail where e^-v overflows (v < -88), though σ(v) is still a (subnormal) f32 there.
#[helper]
pub fn sigmoid(v: f32) -> f32 {
    let e = (-v.abs()).exp();
    let s = 1.0 / (1.0 + e);
    if v < 0.0 {
        e * s
    } else {
        s
    }
}
/// ln σ(v) = min(v, 0) - ln(1 + e^-|v|): ln(1 / (1 + e^-v)) overflows for v < -88, and
/// for large v would round the small result -e^-v to 0.
#[helper]
pub fn logsigmoid(v: f32) -> f32 {
    let low = if v < 0.0 { v } else { 0.0 };
    low - (-v.abs()).exp().ln_1p()
}
/// v · σ(v)
#[helper]
pub fn silu(v: f32) -> f32 {
    v * sigmoid(v)
}
/// ½v(1 + erf(v/√2))
#[helper]
pub fn gelu(v: f32) -> f32 {
    0.5 * v * (1.0 + (v / 2.0f32.sqrt()).erf())
}
/// ½v(1 + tanh(√(2/π)(v + 0.044715v³)))
#[helper]
pub fn gelu_tanh(v: f32) -> f32 {
    let sqrt_2_over_pi = 0.79788456080286536;
    let inner = sqrt_2_over_pi * (v + 0.044715 * v * v * v);
    0.5 * v * (1.0 + inner.tanh())
}
/// max(v, 0), NaN for NaN (a comparison, not `max`, which would drop the NaN).
#[helper]
pub fn relu(v: f32) -> f32 {
    if v < 0.0 {
        0.0
    } else {
        v
    }
}
/// v for v ≥ 0, `slope`·v below (the third argument is unused).
#[helper]
pub fn leaky_relu(v: f32, slope: f32, _unused: f32) -> f32 {
    if v < 0.0 {
        v * slope
    } else {
        v
    }
}
/// v for v > 0, `alpha`·(e^v - 1) below (the third argument is unused).
#[helper]
pub fn elu(v: f32, alpha: f32, _unused: f32) -> f32 {
    if v > 0.0 {
        v
    } else {
        alpha * v.exp_m1()
    }
}
/// scale · elu(v, alpha) with the self-normalizing constants of Klambauer et al. (2017).
#[helper]
pub fn selu(v: f32) -> f32 {
    let alpha = 1.6732632423543772;
    let scale = 1.0507009873554805;
    let inner = if v > 0.0 { v } else { alpha * v.exp_m1() };
    scale * inner
}
/// ln(1 + e^v). Above 20 (torch's threshold) it is v to f32 precision, and e^v could
/// overflow; below, ln_1p keeps the small results of very negative v.
#[helper]
pub fn softplus(v: f32) -> f32 {
    if v > 20.0 {
        v
    } else {
        v.exp().ln_1p()
    }
}
/// v / (1 + |v|); NaN at ±∞, as in torch (∞/∞).
#[helper]
pub fn softsign(v: f32) -> f32 {
    v / (1.0 + v.abs())
}
/// v · tanh(softplus(v))
#[helper]
pub fn mish(v: f32) -> f32 {
    v * softplus(v).tanh()
}
/// 0 up to -3, 1 from 3, v/6 + ½ between; NaN for NaN.
#[helper]
pub fn hardsigmoid(v: f32) -> f32 {
    if v <= -3.0 {
        0.0
    } else if v >= 3.0 {
        1.0
    } else {
        v / 6.0 + 0.5
    }
}
/// v · hardsigmoid(v)
#[helper]
pub fn hardswish(v: f32) -> f32 {
    v * hardsigmoid(v)
}
/// v clamped to [`lo`, `hi`]; NaN for NaN.
#[helper]
pub fn hardtanh(v: f32, lo: f32, hi: f32) -> f32 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}
