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
use super::rows::{get4, map4, set4};
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

/// The first element of each of this thread's four vectors in the group starting at `base`
/// (see [`group_span`]): for f32, four 16-byte accesses `(k · group_size + t) · 4`; for 16-bit
/// types, vectors 0-1 and 2-3 are the halves of two 16-byte packs at `(k · group_size + t) · 8`,
/// so each access is 16 bytes wide (8-byte accesses held bf16 ops near 87% of copy bandwidth
/// where f32 ran at 97%, H200).
#[helper]
pub fn group_vectors<T: Float>(base: u32) -> [u32; 4] {
    let lanes = 16 / elem_bytes::<T>();
    [
        base + vector_start(0, lanes),
        base + vector_start(1, lanes),
        base + vector_start(2, lanes),
        base + vector_start(3, lanes),
    ]
}

/// The four 4-wide vectors of this thread at `(k · group_size + t) · 4` whatever `T`: the
/// layout of kernels with bool outputs, stored one byte at a time, where a warp's byte stores
/// must stay 4 bytes apart (16-bit packs put them 8 apart and cost bf16 comparisons 15%).
#[helper]
pub fn narrow_vectors(base: u32) -> [u32; 4] {
    [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)]
}

/// The four vectors of `m` at `at` ([`narrow_vectors`]), widened to f32, in 4-wide accesses.
#[helper]
pub fn load_narrow<T: Float>(m: &[T], at: [u32; 4]) -> [[f32; 4]; 4] {
    let [i0, i1, i2, i3] = at;
    [load4_f32(m, i0), load4_f32(m, i1), load4_f32(m, i2), load4_f32(m, i3)]
}

/// Offset of this thread's vector `j` in its group's span when accesses are `lanes` wide.
#[helper]
pub fn vector_start(j: u32, lanes: u32) -> u32 {
    let per_pack = lanes / 4;
    ((j / per_pack) * group_size().x + local_id().x) * lanes + (j % per_pack) * 4
}

/// The four vectors of `m` at `at` ([`group_vectors`]), widened to f32; all loads come before
/// any use.
#[helper]
pub fn load_group<T: Float>(m: &[T], at: [u32; 4]) -> [[f32; 4]; 4] {
    let [i0, i1, i2, i3] = at;
    // The IR has no assignment of array values: the two branches fill a private array, which
    // stays in registers (its indices are constants).
    let v = private_array::<f32>(16);
    if elem_bytes::<T>() == 2 {
        let [q0, q1] = load8_f32(m, i0);
        let [q2, q3] = load8_f32(m, i2);
        set4(v, 0, q0);
        set4(v, 1, q1);
        set4(v, 2, q2);
        set4(v, 3, q3);
    } else {
        let q0 = load4_f32(m, i0);
        let q1 = load4_f32(m, i1);
        let q2 = load4_f32(m, i2);
        let q3 = load4_f32(m, i3);
        set4(v, 0, q0);
        set4(v, 1, q1);
        set4(v, 2, q2);
        set4(v, 3, q3);
    }
    [get4(v, 0), get4(v, 1), get4(v, 2), get4(v, 3)]
}

/// Store the four vectors `r` at `at` ([`group_vectors`]), rounded to `T`: 16-byte accesses.
#[helper]
pub fn store_group<T: Float>(m: &mut [T], at: [u32; 4], r: [[f32; 4]; 4]) {
    let [i0, i1, i2, i3] = at;
    let [r0, r1, r2, r3] = r;
    if elem_bytes::<T>() == 2 {
        store8_f32(m, i0, [r0, r1]);
        store8_f32(m, i2, [r2, r3]);
    } else {
        store4_f32(m, i0, r0);
        store4_f32(m, i1, r1);
        store4_f32(m, i2, r2);
        store4_f32(m, i3, r3);
    }
}

/// `m[i..i + 8]` in one 8-wide access, widened to f32 as two halves; `i` is a multiple of 8.
#[helper]
pub fn load8_f32<T: Float>(m: &[T], i: u32) -> [[f32; 4]; 2] {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = load8(&m, i);
    [[a0 as f32, a1 as f32, a2 as f32, a3 as f32], [a4 as f32, a5 as f32, a6 as f32, a7 as f32]]
}

/// `m[i..i + 8] = v` (two halves) rounded to `T`, in one 8-wide access.
#[helper]
pub fn store8_f32<T: Float>(m: &mut [T], i: u32, v: [[f32; 4]; 2]) {
    let [lo, hi] = v;
    let [a0, a1, a2, a3] = lo;
    let [a4, a5, a6, a7] = hi;
    store8(&m, i, [a0 as T, a1 as T, a2 as T, a3 as T, a4 as T, a5 as T, a6 as T, a7 as T]);
}

/// `m[i..i + 4] = v` rounded to `T`, in one 4-wide access.
#[helper]
pub fn store4_f32<T: Float>(m: &mut [T], i: u32, v: [f32; 4]) {
    let [a, b, c, d] = v;
    store4(&m, i, [a as T, b as T, c as T, d as T]);
}

/// `f` of each of four values, with the op's scalar parameters.
#[helper]
pub fn map4_with(v: [f32; 4], f: ParamFn, p: f32, q: f32) -> [f32; 4] {
    let [a, b, c, d] = v;
    [f(a, p, q), f(b, p, q), f(c, p, q), f(d, p, q)]
}

/// `f` of four pairs of values.
#[helper]
pub fn map4_2(f: BinaryFn, p: [f32; 4], q: [f32; 4]) -> [f32; 4] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [f(p0, q0), f(p1, q1), f(p2, q2), f(p3, q3)]
}

/// `m[i..i + 4] = f(v)` for a predicate `f`, in one 4-byte access (one-byte stores held bf16
/// comparisons near 80% of copy bandwidth on the H200).
#[helper]
pub fn store4_test(m: &mut [bool], i: u32, f: PredicateFn, v: [f32; 4]) {
    let [a, b, c, d] = v;
    store4(&m, i, [f(a), f(b), f(c), f(d)]);
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
        let at = group_vectors::<T>(base);
        let [v0, v1, v2, v3] = load_group(x, at);
        store_group(y, at, [map4(v0, f), map4(v1, f), map4(v2, f), map4(v3, f)]);
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
        let at = group_vectors::<T>(base);
        let [v0, v1, v2, v3] = load_group(x, at);
        store_group(
            y,
            at,
            [map4_with(v0, f, p, q), map4_with(v1, f, p, q), map4_with(v2, f, p, q), map4_with(v3, f, p, q)],
        );
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
        let at = narrow_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [v0, v1, v2, v3] = load_narrow(x, at);
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
        let at = group_vectors::<T>(base);
        let [a0, a1, a2, a3] = load_group(a, at);
        let [b0, b1, b2, b3] = load_group(b, at);
        store_group(y, at, [map4_2(f, a0, b0), map4_2(f, a1, b1), map4_2(f, a2, b2), map4_2(f, a3, b3)]);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(a[base + e] as f32, b[base + e] as f32) as T;
            }
        }
    }
}
