//! Exponentials and logarithms. `expm1` and `log1p` keep their relative accuracy near 0,
//! where `e^v - 1` and `ln(1 + v)` would cancel.

use metaltile::prelude::*;

/// e^v
#[helper]
pub fn exp(v: f32) -> f32 {
    v.exp()
}
/// 2^v
#[helper]
pub fn exp2(v: f32) -> f32 {
    v.exp2()
}
/// e^v - 1
#[helper]
pub fn expm1(v: f32) -> f32 {
    v.exp_m1()
}
/// ln v
#[helper]
pub fn log(v: f32) -> f32 {
    v.ln()
}
/// log₂ v
#[helper]
pub fn log2(v: f32) -> f32 {
    v.log2()
}
/// log₁₀ v
#[helper]
pub fn log10(v: f32) -> f32 {
    v.log10()
}
/// ln(1 + v)
#[helper]
pub fn log1p(v: f32) -> f32 {
    v.ln_1p()
}
