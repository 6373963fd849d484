//! Elementwise functions of two tensors of one shape, `y[i] = f(a[i], b[i])`: each kernel is
//! the shared [`map_binary`] skeleton applied to its math in [`math`]. Launched by
//! `ops::binary_plan` over [`super::elementwise::threads`] threads.

use super::elementwise::map_binary;
use metaltile::prelude::*;

/// The math of each binary op, in f32.
pub mod math {
    pub use super::super::helpers::{max_nan as max, min_nan as min};
    use metaltile::prelude::*;

    /// p + q
    #[helper]
    pub fn add(p: f32, q: f32) -> f32 {
        p + q
    }
    /// p - q
    #[helper]
    pub fn sub(p: f32, q: f32) -> f32 {
        p - q
    }
    /// p · q
    #[helper]
    pub fn mul(p: f32, q: f32) -> f32 {
        p * q
    }
    /// p / q
    #[helper]
    pub fn div(p: f32, q: f32) -> f32 {
        p / q
    }
    /// p^q
    #[helper]
    pub fn pow(p: f32, q: f32) -> f32 {
        p.powf(q)
    }
}

/// y = a + b
#[kernel]
pub fn add<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::add);
}

/// y = a - b
#[kernel]
pub fn sub<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::sub);
}

/// y = a · b
#[kernel]
pub fn mul<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::mul);
}

/// y = a / b
#[kernel]
pub fn div<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::div);
}

/// y = max(a, b), NaN if either is NaN (as `torch.maximum`).
#[kernel]
pub fn max<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::max);
}

/// y = min(a, b), NaN if either is NaN (as `torch.minimum`).
#[kernel]
pub fn min<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::min);
}

/// y = a^b
#[kernel]
pub fn pow<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::pow);
}
