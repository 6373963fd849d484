//! The skeleton every elementwise kernel shares; an op contributes only its math, an f32
//! helper passed as a [`UnaryFn`], [`ParamFn`] (with the op's scalar parameters),
//! [`PredicateFn`] (a bool result) or [`BinaryFn`].
//!
//! Each thread handles [`PER_THREAD`] elements as four 4-wide accesses per input (16 bytes
//! each for f32, 8 for f16/bf16), laid out so that each warp instruction reads one contiguous
//! span (see [`group_span`]); all loads are issued before the first result is computed, then
//! four 4-wide stores. The last threadgroup, which runs past `n`, goes element by element, so
//! no access is out of bounds or misaligned for any `n`. `ops` launches [`threads`]`(n)`
//! threads in groups of `ops::ELEMENTWISE_GROUP`.

pub use super::helpers::{BinaryFn, ParamFn, PredicateFn, UnaryFn};
use metaltile::prelude::*;

/// Consecutive elements per thread: four vectors of 4.
pub const PER_THREAD: u32 = 16;

/// Threads a launch over `n` elements needs.
pub fn threads(n: u32) -> u32 {
    n.div_ceil(PER_THREAD)
}

/// `m[i..i + 4]` in one 4-wide access, widened to f32; `i` is a multiple of 4.
#[helper]
pub fn load4_f32<T: Float>(m: &[T], i: u32) -> [f32; 4] {
    let [a, b, c, d] = load4(&m, i);
    [a as f32, b as f32, c as f32, d as f32]
}

/// The first element of each of this thread's four vectors in the group starting at `base`.
#[helper]
pub fn group_vectors(base: u32) -> [u32; 4] {
    [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)]
}

/// The four vectors of `m` at `at`, widened to f32; the four loads come before any use.
#[helper]
pub fn load_group<T: Float>(m: &[T], at: [u32; 4]) -> [[f32; 4]; 4] {
    let [i0, i1, i2, i3] = at;
    [load4_f32(m, i0), load4_f32(m, i1), load4_f32(m, i2), load4_f32(m, i3)]
}

/// `m[i..i + 4] = f(v)` in one 4-wide access; `i` is a multiple of 4.
#[helper]
pub fn store4_map<T: Float>(m: &mut [T], i: u32, f: UnaryFn, v: [f32; 4]) {
    let [a, b, c, d] = v;
    store4(&m, i, [f(a) as T, f(b) as T, f(c) as T, f(d) as T]);
}

/// `m[i..i + 4] = f(v, p, q)` in one 4-wide access; `i` is a multiple of 4.
#[helper]
pub fn store4_map_with<T: Float>(m: &mut [T], i: u32, f: ParamFn, v: [f32; 4], p: f32, q: f32) {
    let [a, b, c, d] = v;
    store4(&m, i, [f(a, p, q) as T, f(b, p, q) as T, f(c, p, q) as T, f(d, p, q) as T]);
}

/// `m[i..i + 4] = f(v)` for a predicate `f`, as four one-byte stores: the IR has no vector
/// stores of bool. A warp's stores still cover one contiguous 128-byte span each.
#[helper]
pub fn store4_test(m: &mut [bool], i: u32, f: PredicateFn, v: [f32; 4]) {
    let [a, b, c, d] = v;
    m[i] = f(a);
    m[i + 1] = f(b);
    m[i + 2] = f(c);
    m[i + 3] = f(d);
}

/// `m[i..i + 4] = f(p, q)` in one 4-wide access; `i` is a multiple of 4.
#[helper]
pub fn store4_map2<T: Float>(m: &mut [T], i: u32, f: BinaryFn, p: [f32; 4], q: [f32; 4]) {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    store4(&m, i, [f(p0, q0) as T, f(p1, q1) as T, f(p2, q2) as T, f(p3, q3) as T]);
}

/// Where this threadgroup's elements start, and how many it covers: `group_size × PER_THREAD`
/// consecutive elements. Inside them, 4-wide vector `k` of thread `t` starts at element
/// `(k · group_size + t) · 4`, so each of a warp's four vector accesses covers one contiguous
/// span (512 bytes for f32): giving each thread 16 consecutive elements instead left lanes 64
/// bytes apart, a quarter-coalesced access that held elementwise ops near 78% of torch's copy
/// bandwidth on the H100.
#[helper]
pub fn group_span() -> [u32; 2] {
    let span = group_size().x * PER_THREAD;
    [group_id().x * span, span]
}

/// Offset (from the group's first element) of thread `t`'s vector `k`.
#[helper]
pub fn vector_offset(k: u32) -> u32 {
    (k * group_size().x + local_id().x) * 4
}

/// `y[i] = f(x[i])` for `i < n`.
#[helper]
pub fn map_unary<T: Float>(x: &[T], y: &mut [T], n: u32, f: UnaryFn) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        let at = group_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [v0, v1, v2, v3] = load_group(x, at);
        store4_map(y, i0, f, v0);
        store4_map(y, i1, f, v1);
        store4_map(y, i2, f, v2);
        store4_map(y, i3, f, v3);
    } else {
        // The last group, element by element over the same layout: this thread's vectors
        // start every `4 · group_size` from `4 · t`. Offsets stay below `span` and are
        // compared with what is left, so nothing wraps; the loops are cold, not unrolled.
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(x[base + e] as f32) as T;
            }
        }
    }
}

/// `y[i] = f(x[i], p, q)` for `i < n`: [`map_unary`] for an op with scalar parameters.
#[helper]
pub fn map_unary_with<T: Float>(x: &[T], y: &mut [T], n: u32, f: ParamFn, p: f32, q: f32) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = group_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [v0, v1, v2, v3] = load_group(x, at);
        store4_map_with(y, i0, f, v0, p, q);
        store4_map_with(y, i1, f, v1, p, q);
        store4_map_with(y, i2, f, v2, p, q);
        store4_map_with(y, i3, f, v3, p, q);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(x[base + e] as f32, p, q) as T;
            }
        }
    }
}

/// `y[i] = f(x[i])` for `i < n`, for a predicate `f`: a bool (one byte) per element.
#[helper]
pub fn map_predicate<T: Float>(x: &[T], y: &mut [bool], n: u32, f: PredicateFn) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = group_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [v0, v1, v2, v3] = load_group(x, at);
        store4_test(y, i0, f, v0);
        store4_test(y, i1, f, v1);
        store4_test(y, i2, f, v2);
        store4_test(y, i3, f, v3);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(x[base + e] as f32);
            }
        }
    }
}

/// `y[i] = f(a[i], b[i])` for `i < n`.
#[helper]
pub fn map_binary<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32, f: BinaryFn) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = group_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [a0, a1, a2, a3] = load_group(a, at);
        let [b0, b1, b2, b3] = load_group(b, at);
        store4_map2(y, i0, f, a0, b0);
        store4_map2(y, i1, f, a1, b1);
        store4_map2(y, i2, f, a2, b2);
        store4_map2(y, i3, f, a3, b3);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(a[base + e] as f32, b[base + e] as f32) as T;
            }
        }
    }
}
