//! Elementwise functions of two tensors of one shape, `y[i] = f(a[i], b[i])`: each kernel is
//! the shared [`map_binary`] skeleton applied to its math in [`math`] ([`map_binary_test`]
//! for the comparisons and logical ops, whose result is bool). Launched by
//! `ops::binary_plan` over [`super::elementwise::threads`] threads; broadcast shapes and
//! scalar operands go through [`super::broadcast`] instead.

use super::broadcast::map_binary_test;
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
    /// The angle of the point (q, p), in (-π, π].
    #[helper]
    pub fn atan2(p: f32, q: f32) -> f32 {
        p.atan2(q)
    }
    /// p - q·trunc(p/q), computed exactly (C's `fmod`): the sign of p.
    #[helper]
    pub fn fmod(p: f32, q: f32) -> f32 {
        p % q
    }
    /// p - q·⌊p/q⌋ (Python's `%`, `torch.remainder`): the sign of q. `fmod` is exact, and
    /// adding q once moves a remainder of the wrong sign into q's half-open range.
    #[helper]
    pub fn remainder(p: f32, q: f32) -> f32 {
        let r = p % q;
        select((r != 0.0) & ((r < 0.0) ^ (q < 0.0)), r + q, r)
    }
    /// ln(e^p + e^q) as max + ln(1 + e^-|p - q|), which neither overflows nor loses the
    /// smaller term; equal operands (both infinities among them, where p - q is NaN) give
    /// p + ln 2, and NaN propagates.
    #[helper]
    pub fn logaddexp(p: f32, q: f32) -> f32 {
        let spread = (-(p - q).abs()).exp().ln_1p();
        // ln 2 is e^-0 through the same ln_1p.
        let v = select(p == q, p + (0.0f32).exp().ln_1p(), p.max(q) + spread);
        select(p.is_nan() | q.is_nan(), p + q, v)
    }
    /// p = q
    #[helper]
    pub fn eq(p: f32, q: f32) -> bool {
        p == q
    }
    /// p ≠ q (true when either is NaN)
    #[helper]
    pub fn ne(p: f32, q: f32) -> bool {
        p != q
    }
    /// p < q
    #[helper]
    pub fn lt(p: f32, q: f32) -> bool {
        p < q
    }
    /// p ≤ q
    #[helper]
    pub fn le(p: f32, q: f32) -> bool {
        p <= q
    }
    /// p > q
    #[helper]
    pub fn gt(p: f32, q: f32) -> bool {
        p > q
    }
    /// p ≥ q
    #[helper]
    pub fn ge(p: f32, q: f32) -> bool {
        p >= q
    }
    /// Both nonzero (NaN is nonzero, as in torch).
    #[helper]
    pub fn logical_and(p: f32, q: f32) -> bool {
        (p != 0.0) & (q != 0.0)
    }
    /// Either nonzero.
    #[helper]
    pub fn logical_or(p: f32, q: f32) -> bool {
        (p != 0.0) | (q != 0.0)
    }
    /// Exactly one nonzero.
    #[helper]
    pub fn logical_xor(p: f32, q: f32) -> bool {
        (p != 0.0) ^ (q != 0.0)
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

/// y = atan2(a, b), the angle of (b, a)
#[kernel]
pub fn atan2<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::atan2);
}

/// y = a - b·⌊a/b⌋, the sign of b (as `torch.remainder`)
#[kernel]
pub fn remainder<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::remainder);
}

/// y = a - b·trunc(a/b), the sign of a (as `torch.fmod`)
#[kernel]
pub fn fmod<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::fmod);
}

/// y = ln(e^a + e^b)
#[kernel]
pub fn logaddexp<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, math::logaddexp);
}

/// y = a = b (bool)
#[kernel]
pub fn eq<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::eq);
}

/// y = a ≠ b (bool)
#[kernel]
pub fn ne<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::ne);
}

/// y = a < b (bool)
#[kernel]
pub fn lt<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::lt);
}

/// y = a ≤ b (bool)
#[kernel]
pub fn le<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::le);
}

/// y = a > b (bool)
#[kernel]
pub fn gt<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::gt);
}

/// y = a ≥ b (bool)
#[kernel]
pub fn ge<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::ge);
}

/// y = a ≠ 0 and b ≠ 0 (bool)
#[kernel]
pub fn logical_and<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::logical_and);
}

/// y = a ≠ 0 or b ≠ 0 (bool)
#[kernel]
pub fn logical_or<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::logical_or);
}

/// y = exactly one of a, b ≠ 0 (bool)
#[kernel]
pub fn logical_xor<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32) {
    map_binary_test(a, b, y, n, math::logical_xor);
}
