//! Fused elementwise kernels: work that would otherwise be two or three launches (and as many
//! trips through memory) done in one pass over the shared skeleton of [`super::elementwise`].
//!
//! - `swiglu`, `geglu`, `geglu_tanh`: the gated MLP activations `act(gate) · up` over two
//!   tensors of one shape ([`map_binary`]).
//! - `clip`, `fma`: one tensor and two scalar parameters ([`map_unary_with`]).
//! - `where_select`: `cond ? a : b` with a bool `cond` ([`map_select`], the skeleton for three
//!   inputs), moved in the element type itself, so it is exact for every value (NaN payloads,
//!   -0.0).
//! - `add_mul`: the fused residual add with two outputs, `s = a + b` and `y = s · c`
//!   ([`map_add_mul`], the skeleton for three inputs and two outputs).
//!
//! Launched by `ops::fused` over [`super::elementwise::threads`] threads.

use super::binary::math::{add, mul};
use super::elementwise::{
    group_span, group_vectors, load_group, map4_2, map_binary, map_unary_with, store_group, vector_offset,
};
use metaltile::prelude::*;

/// The math of each fused op, in f32.
pub mod math {
    pub use super::super::helpers::{max_nan, min_nan};
    use super::super::unary::math::{gelu as gelu_erf, gelu_tanh as gelu_tanh_approx, silu as silu_of};
    use metaltile::prelude::*;

    /// silu(gate) · up
    #[helper]
    pub fn swiglu(gate: f32, up: f32) -> f32 {
        silu_of(gate) * up
    }
    /// gelu(gate) · up, the exact (erf) gelu.
    #[helper]
    pub fn geglu(gate: f32, up: f32) -> f32 {
        gelu_erf(gate) * up
    }
    /// gelu(gate) · up, the tanh approximation of gelu.
    #[helper]
    pub fn geglu_tanh(gate: f32, up: f32) -> f32 {
        gelu_tanh_approx(gate) * up
    }
    /// min(max(v, lo), hi) as `torch.clamp`: NaN stays NaN, and `lo > hi` gives `hi`.
    #[helper]
    pub fn clip(v: f32, lo: f32, hi: f32) -> f32 {
        min_nan(max_nan(v, lo), hi)
    }
    /// scale · v + shift, rounded once.
    #[helper]
    pub fn fma(v: f32, scale: f32, shift: f32) -> f32 {
        v.mul_add(scale, shift)
    }
}

/// y = silu(gate) · up
#[kernel]
pub fn swiglu<T: Float>(gate: &[T], up: &[T], y: &mut [T], n: u32) {
    map_binary(gate, up, y, n, math::swiglu);
}

/// y = gelu(gate) · up (erf gelu)
#[kernel]
pub fn geglu<T: Float>(gate: &[T], up: &[T], y: &mut [T], n: u32) {
    map_binary(gate, up, y, n, math::geglu);
}

/// y = gelu_tanh(gate) · up
#[kernel]
pub fn geglu_tanh<T: Float>(gate: &[T], up: &[T], y: &mut [T], n: u32) {
    map_binary(gate, up, y, n, math::geglu_tanh);
}

/// y = min(max(x, lo), hi), NaN for NaN (`torch.clamp`)
#[kernel]
pub fn clip<T: Float>(x: &[T], y: &mut [T], n: u32, lo: f32, hi: f32) {
    map_unary_with(x, y, n, math::clip, lo, hi);
}

/// y = scale · x + shift
#[kernel]
pub fn fma<T: Float>(x: &[T], y: &mut [T], n: u32, scale: f32, shift: f32) {
    map_unary_with(x, y, n, math::fma, scale, shift);
}

/// `c ? p : q` for four lanes.
#[helper]
pub fn select4<T: Float>(c: [bool; 4], p: [T; 4], q: [T; 4]) -> [T; 4] {
    let [c0, c1, c2, c3] = c;
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [select(c0, p0, q0), select(c1, p1, q1), select(c2, p2, q2), select(c3, p3, q3)]
}

/// `y[i] = cond[i] ? a[i] : b[i]` for `i < n`: the layout of `elementwise::map_binary`
/// (`group_vectors`: 16-byte accesses of `a`, `b` and `y` for every float type, 4-byte ones
/// of `cond`) with a third input, the values moved in `T` itself; every load is issued
/// before the first store.
#[helper]
pub fn map_select<T: Float>(cond: &[bool], a: &[T], b: &[T], y: &mut [T], n: u32) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let [i0, i1, i2, i3] = group_vectors::<T>(base);
        let [c0, c1, c2, c3] = [load4(&cond, i0), load4(&cond, i1), load4(&cond, i2), load4(&cond, i3)];
        if elem_bytes::<T>() == 2 {
            // Vectors 0-1 and 2-3 are the halves of two 8-lane packs.
            let [a0, a1, a2, a3, a4, a5, a6, a7] = load8(&a, i0);
            let [a8, a9, a10, a11, a12, a13, a14, a15] = load8(&a, i2);
            let [b0, b1, b2, b3, b4, b5, b6, b7] = load8(&b, i0);
            let [b8, b9, b10, b11, b12, b13, b14, b15] = load8(&b, i2);
            let [y0, y1, y2, y3] = select4(c0, [a0, a1, a2, a3], [b0, b1, b2, b3]);
            let [y4, y5, y6, y7] = select4(c1, [a4, a5, a6, a7], [b4, b5, b6, b7]);
            let [y8, y9, y10, y11] = select4(c2, [a8, a9, a10, a11], [b8, b9, b10, b11]);
            let [y12, y13, y14, y15] = select4(c3, [a12, a13, a14, a15], [b12, b13, b14, b15]);
            store8(&y, i0, [y0, y1, y2, y3, y4, y5, y6, y7]);
            store8(&y, i2, [y8, y9, y10, y11, y12, y13, y14, y15]);
        } else {
            let [a0, a1, a2, a3] = [load4(&a, i0), load4(&a, i1), load4(&a, i2), load4(&a, i3)];
            let [b0, b1, b2, b3] = [load4(&b, i0), load4(&b, i1), load4(&b, i2), load4(&b, i3)];
            store4(&y, i0, select4(c0, a0, b0));
            store4(&y, i1, select4(c1, a1, b1));
            store4(&y, i2, select4(c2, a2, b2));
            store4(&y, i3, select4(c3, a3, b3));
        }
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                let i = base + e;
                y[i] = select(cond[i], a[i], b[i]);
            }
        }
    }
}

/// y = cond ? a : b (`torch.where`); `cond` is bool.
#[kernel]
pub fn where_select<T: Float>(cond: &[bool], a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_select(cond, a, b, y, n);
}

/// `s[i] = a[i] + b[i]`, `y[i] = s[i] · c[i]` for `i < n`: the skeleton of
/// `elementwise::map_binary` with three inputs and two outputs. `y` takes the f32 sum, not
/// `s` rounded to `T`: one rounding per output.
#[helper]
pub fn map_add_mul<T: Float>(a: &[T], b: &[T], c: &[T], s: &mut [T], y: &mut [T], n: u32) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = group_vectors::<T>(base);
        let [a0, a1, a2, a3] = load_group(a, at);
        let [b0, b1, b2, b3] = load_group(b, at);
        let [c0, c1, c2, c3] = load_group(c, at);
        let [s0, s1, s2, s3] = [map4_2(add, a0, b0), map4_2(add, a1, b1), map4_2(add, a2, b2), map4_2(add, a3, b3)];
        store_group(s, at, [s0, s1, s2, s3]);
        store_group(y, at, [map4_2(mul, s0, c0), map4_2(mul, s1, c1), map4_2(mul, s2, c2), map4_2(mul, s3, c3)]);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                let i = base + e;
                let sum = a[i] as f32 + b[i] as f32;
                s[i] = sum as T;
                y[i] = (sum * c[i] as f32) as T;
            }
        }
    }
}

/// s = a + b, y = s · c: a residual add whose sum (the new residual stream) is returned beside
/// the scaled value, one pass instead of two.
#[kernel]
pub fn add_mul<T: Float>(a: &[T], b: &[T], c: &[T], s: &mut [T], y: &mut [T], n: u32) {
    map_add_mul(a, b, c, s, y, n);
}
