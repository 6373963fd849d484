//! Elementwise functions of one tensor, `y[i] = f(x[i])`: each kernel is the shared
//! elementwise skeleton applied to its math in [`math`] (`map_unary`; `map_unary_with` for
//! ops with scalar parameters, `map_predicate` for bool results). Launched by
//! `ops::unary_plan` over [`super::elementwise::threads`] threads.

pub mod math;

use super::elementwise::{map_predicate, map_unary, map_unary_with};
use metaltile::prelude::*;

/// y = e^x
#[kernel]
pub fn exp<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::exp);
}

/// y = 2^x
#[kernel]
pub fn exp2<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::exp2);
}

/// y = e^x - 1, accurate near 0
#[kernel]
pub fn expm1<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::expm1);
}

/// y = ln x
#[kernel]
pub fn log<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::log);
}

/// y = log₂ x
#[kernel]
pub fn log2<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::log2);
}

/// y = log₁₀ x
#[kernel]
pub fn log10<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::log10);
}

/// y = ln(1 + x), accurate near 0
#[kernel]
pub fn log1p<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::log1p);
}

/// y = √x
#[kernel]
pub fn sqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sqrt);
}

/// y = 1/√x
#[kernel]
pub fn rsqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::rsqrt);
}

/// y = ∛x
#[kernel]
pub fn cbrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::cbrt);
}

/// y = |x|
#[kernel]
pub fn abs<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::abs);
}

/// y = -x
#[kernel]
pub fn neg<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::neg);
}

/// y = 1, -1 or x for x > 0, x < 0, otherwise (±0, NaN)
#[kernel]
pub fn sign<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sign);
}

/// y = ⌈x⌉
#[kernel]
pub fn ceil<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::ceil);
}

/// y = ⌊x⌋
#[kernel]
pub fn floor<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::floor);
}

/// y = x rounded to the nearest integer, halves to even
#[kernel]
pub fn round<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::round);
}

/// y = x rounded toward zero
#[kernel]
pub fn trunc<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::trunc);
}

/// y = 1/x
#[kernel]
pub fn recip<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::recip);
}

/// y = x²
#[kernel]
pub fn square<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::square);
}

/// y = sin x
#[kernel]
pub fn sin<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sin);
}

/// y = cos x
#[kernel]
pub fn cos<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::cos);
}

/// y = tan x
#[kernel]
pub fn tan<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::tan);
}

/// y = arcsin x
#[kernel]
pub fn asin<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::asin);
}

/// y = arccos x
#[kernel]
pub fn acos<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::acos);
}

/// y = arctan x
#[kernel]
pub fn atan<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::atan);
}

/// y = sinh x
#[kernel]
pub fn sinh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sinh);
}

/// y = cosh x
#[kernel]
pub fn cosh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::cosh);
}

/// y = tanh x
#[kernel]
pub fn tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::tanh);
}

/// y = arsinh x
#[kernel]
pub fn asinh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::asinh);
}

/// y = arcosh x
#[kernel]
pub fn acosh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::acosh);
}

/// y = artanh x
#[kernel]
pub fn atanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::atanh);
}

/// y = erf x
#[kernel]
pub fn erf<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::erf);
}

/// y = erf⁻¹ x
#[kernel]
pub fn erfinv<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::erfinv);
}

/// y = 1/(1 + e^-x)
#[kernel]
pub fn sigmoid<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sigmoid);
}

/// y = ln(1/(1 + e^-x))
#[kernel]
pub fn logsigmoid<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::logsigmoid);
}

/// y = x·sigmoid(x)
#[kernel]
pub fn silu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::silu);
}

/// y = ½x(1 + erf(x/√2))
#[kernel]
pub fn gelu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::gelu);
}

/// y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
#[kernel]
pub fn gelu_tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::gelu_tanh);
}

/// y = max(x, 0), NaN for NaN
#[kernel]
pub fn relu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::relu);
}

/// y = x for x ≥ 0, negative_slope·x below (default 0.01)
#[kernel]
pub fn leaky_relu<T: Float>(x: &[T], y: &mut [T], n: u32, negative_slope: f32) {
    map_unary_with(x, y, n, math::leaky_relu, negative_slope, 0.0);
}

/// y = x for x > 0, alpha·(e^x - 1) below (default alpha 1)
#[kernel]
pub fn elu<T: Float>(x: &[T], y: &mut [T], n: u32, alpha: f32) {
    map_unary_with(x, y, n, math::elu, alpha, 0.0);
}

/// y = scale·(x for x > 0, alpha·(e^x - 1) below), alpha ≈ 1.6733, scale ≈ 1.0507
#[kernel]
pub fn selu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::selu);
}

/// y = ln(1 + e^x); x above 20
#[kernel]
pub fn softplus<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::softplus);
}

/// y = x/(1 + |x|)
#[kernel]
pub fn softsign<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::softsign);
}

/// y = x·tanh(softplus(x))
#[kernel]
pub fn mish<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::mish);
}

/// y = min(max(x + 3, 0), 6)/6
#[kernel]
pub fn hardsigmoid<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::hardsigmoid);
}

/// y = x·min(max(x + 3, 0), 6)/6
#[kernel]
pub fn hardswish<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::hardswish);
}

/// y = x clamped to [min_val, max_val] (default [-1, 1]), NaN for NaN
#[kernel]
pub fn hardtanh<T: Float>(x: &[T], y: &mut [T], n: u32, min_val: f32, max_val: f32) {
    map_unary_with(x, y, n, math::hardtanh, min_val, max_val);
}

/// y = x is NaN (bool)
#[kernel]
pub fn isnan<T: Float>(x: &[T], y: &mut [bool], n: u32) {
    map_predicate(x, y, n, math::is_nan);
}

/// y = x is ±∞ (bool)
#[kernel]
pub fn isinf<T: Float>(x: &[T], y: &mut [bool], n: u32) {
    map_predicate(x, y, n, math::is_inf);
}

/// y = x is neither ±∞ nor NaN (bool)
#[kernel]
pub fn isfinite<T: Float>(x: &[T], y: &mut [bool], n: u32) {
    map_predicate(x, y, n, math::is_finite);
}
