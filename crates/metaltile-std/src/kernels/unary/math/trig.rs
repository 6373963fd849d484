//! Circular and hyperbolic functions and their inverses; the error function and its inverse.

use metaltile::prelude::*;

/// sin v
#[helper]
pub fn sin(v: f32) -> f32 {
    v.sin()
}
/// cos v
#[helper]
pub fn cos(v: f32) -> f32 {
    v.cos()
}
/// tan v
#[helper]
pub fn tan(v: f32) -> f32 {
    v.tan()
}
/// arcsin v, NaN outside [-1, 1].
#[helper]
pub fn asin(v: f32) -> f32 {
    v.asin()
}
/// arccos v, NaN outside [-1, 1].
#[helper]
pub fn acos(v: f32) -> f32 {
    v.acos()
}
/// arctan v
#[helper]
pub fn atan(v: f32) -> f32 {
    v.atan()
}
/// sinh v
#[helper]
pub fn sinh(v: f32) -> f32 {
    v.sinh()
}
/// cosh v
#[helper]
pub fn cosh(v: f32) -> f32 {
    v.cosh()
}
/// tanh v
#[helper]
pub fn tanh(v: f32) -> f32 {
    v.tanh()
}
/// arsinh v
#[helper]
pub fn asinh(v: f32) -> f32 {
    v.asinh()
}
/// arcosh v, NaN below 1.
#[helper]
pub fn acosh(v: f32) -> f32 {
    v.acosh()
}
/// artanh v, ±∞ at ±1, NaN beyond.
#[helper]
pub fn atanh(v: f32) -> f32 {
    v.atanh()
}
/// erf v
#[helper]
pub fn erf(v: f32) -> f32 {
    v.erf()
}
/// erf⁻¹ v, ±∞ at ±1, NaN beyond.
#[helper]
pub fn erfinv(v: f32) -> f32 {
    v.erfinv()
}
