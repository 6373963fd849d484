//! Sign, magnitude, powers and rounding; the float classes.

use metaltile::prelude::*;

/// |v|
#[helper]
pub fn abs(v: f32) -> f32 {
    v.abs()
}
/// -v
#[helper]
pub fn neg(v: f32) -> f32 {
    -v
}
/// 1 for v > 0, -1 for v < 0; ±0 and NaN are returned as they are (numpy's choice: torch
/// gives 0 for NaN, which hides it).
#[helper]
pub fn sign(v: f32) -> f32 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v
    }
}
/// v²
#[helper]
pub fn square(v: f32) -> f32 {
    v * v
}
/// 1/v
#[helper]
pub fn recip(v: f32) -> f32 {
    v.recip()
}
/// √v
#[helper]
pub fn sqrt(v: f32) -> f32 {
    v.sqrt()
}
/// 1/√v
#[helper]
pub fn rsqrt(v: f32) -> f32 {
    v.rsqrt()
}
/// ∛v, negative for negative v.
#[helper]
pub fn cbrt(v: f32) -> f32 {
    v.cbrt()
}
/// The least integer ≥ v.
#[helper]
pub fn ceil(v: f32) -> f32 {
    v.ceil()
}
/// The greatest integer ≤ v.
#[helper]
pub fn floor(v: f32) -> f32 {
    v.floor()
}
/// The nearest integer, halves to even (`torch.round`).
#[helper]
pub fn round(v: f32) -> f32 {
    v.round_ties_even()
}
/// The integer part, toward zero.
#[helper]
pub fn trunc(v: f32) -> f32 {
    v.trunc()
}
/// v is NaN.
#[helper]
pub fn is_nan(v: f32) -> bool {
    v.is_nan()
}
/// v is +∞ or -∞.
#[helper]
pub fn is_inf(v: f32) -> bool {
    v.is_infinite()
}
/// v is neither infinite nor NaN.
#[helper]
pub fn is_finite(v: f32) -> bool {
    v.is_finite()
}
