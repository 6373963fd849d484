//! Binary ops on operands of different shapes (NumPy broadcasting) and on a tensor and a
//! scalar. One kernel per path serves every op: the `op` constexpr picks the math
//! ([`apply`] for float results, [`test`] for bool ones), so each op adds instances, not code.
//!
//! - `binary_rows`: `a` of the output's shape, `b` one row of `m` elements (a multiple of 4)
//!   repeated (bias add, per-channel scale): the same-shape skeleton's 4-wide accesses, `b`
//!   read at `i mod m`.
//! - `binary_strided`, `compare_strided`: any broadcast, one element per thread; `dims` holds
//!   the output's shape and both operands' element strides (0 along stretched axes) over
//!   [`MAX_DIMS`] axes, leading axes padded with size 1.
//! - `binary_scalar`, `compare_scalar`: `y = f(a, s)`, or `f(s, a)` when `left`, the scalar
//!   an f32 kernel argument, 4-wide accesses.
//!
//! All indices are u32: `ops` refuses outputs of 2^32 elements or more.

use super::binary::math;
use super::elementwise::{
    group_span, group_vectors, load4_f32, load_group, load_narrow, narrow_vectors, store_group, vector_offset,
};
use metaltile::prelude::*;

/// A comparison or logical op of two f32 values.
pub type BinaryTestFn = fn(Val<f32>, Val<f32>) -> Val<bool>;

/// Most axes of a broadcast the strided kernels take.
pub const MAX_DIMS: u32 = 6;

/// `op` codes of the float-valued ops; `ops::BinaryKind::code` maps kinds to them.
pub const ADD: u32 = 0;
pub const SUB: u32 = 1;
pub const MUL: u32 = 2;
pub const DIV: u32 = 3;
pub const MAX: u32 = 4;
pub const MIN: u32 = 5;
pub const POW: u32 = 6;
pub const ATAN2: u32 = 7;
pub const REMAINDER: u32 = 8;
pub const FMOD: u32 = 9;
pub const LOGADDEXP: u32 = 10;
/// `op` codes of the bool-valued ops.
pub const EQ: u32 = 0;
pub const NE: u32 = 1;
pub const LT: u32 = 2;
pub const LE: u32 = 3;
pub const GT: u32 = 4;
pub const GE: u32 = 5;
pub const AND: u32 = 6;
pub const OR: u32 = 7;
pub const XOR: u32 = 8;

/// The float-valued op `op` of `p` and `q`.
#[helper]
pub fn apply(op: u32, p: f32, q: f32) -> f32 {
    if op == ADD {
        math::add(p, q)
    } else if op == SUB {
        math::sub(p, q)
    } else if op == MUL {
        math::mul(p, q)
    } else if op == DIV {
        math::div(p, q)
    } else if op == MAX {
        math::max(p, q)
    } else if op == MIN {
        math::min(p, q)
    } else if op == POW {
        math::pow(p, q)
    } else if op == ATAN2 {
        math::atan2(p, q)
    } else if op == REMAINDER {
        math::remainder(p, q)
    } else if op == FMOD {
        math::fmod(p, q)
    } else {
        math::logaddexp(p, q)
    }
}

/// The bool-valued op `op` of `p` and `q`.
#[helper]
pub fn test(op: u32, p: f32, q: f32) -> bool {
    if op == EQ {
        math::eq(p, q)
    } else if op == NE {
        math::ne(p, q)
    } else if op == LT {
        math::lt(p, q)
    } else if op == LE {
        math::le(p, q)
    } else if op == GT {
        math::gt(p, q)
    } else if op == GE {
        math::ge(p, q)
    } else if op == AND {
        math::logical_and(p, q)
    } else if op == OR {
        math::logical_or(p, q)
    } else {
        math::logical_xor(p, q)
    }
}

/// `m[i..i + 4] = f(p, q)` for a bool-valued `f`, in one 4-byte access.
#[helper]
pub fn store4_test2(m: &mut [bool], i: u32, f: BinaryTestFn, p: [f32; 4], q: [f32; 4]) {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    store4(&m, i, [f(p0, q0), f(p1, q1), f(p2, q2), f(p3, q3)]);
}

/// `y[i] = f(a[i], b[i])` for `i < n`, for a bool-valued `f`: the layout of
/// `elementwise::map_binary`.
#[helper]
pub fn map_binary_test<T: Float>(a: &[T], b: &[T], y: &mut [bool], n: u32, f: BinaryTestFn) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = narrow_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [a0, a1, a2, a3] = load_narrow(a, at);
        let [b0, b1, b2, b3] = load_narrow(b, at);
        store4_test2(y, i0, f, a0, b0);
        store4_test2(y, i1, f, a1, b1);
        store4_test2(y, i2, f, a2, b2);
        store4_test2(y, i3, f, a3, b3);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = f(a[base + e] as f32, b[base + e] as f32);
            }
        }
    }
}

/// `apply(op, p, q)` of four pairs of values.
#[helper]
fn apply4(op: u32, p: [f32; 4], q: [f32; 4]) -> [f32; 4] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [apply(op, p0, q0), apply(op, p1, q1), apply(op, p2, q2), apply(op, p3, q3)]
}

/// y = op(a, b) for `a` of `n` elements and `b` a row of `m` repeated (`m` divides `n` and is
/// a multiple of 4, so a vector of `a` meets one aligned vector of `b`).
#[kernel]
pub fn binary_rows<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32, m: u32, #[constexpr(default = 0)] op: u32) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let at = group_vectors::<T>(base);
        let [i0, i1, i2, i3] = at;
        let [a0, a1, a2, a3] = load_group(a, at);
        let b0 = load4_f32(b, i0 % m);
        let b1 = load4_f32(b, i1 % m);
        let b2 = load4_f32(b, i2 % m);
        let b3 = load4_f32(b, i3 % m);
        store_group(y, at, [apply4(op, a0, b0), apply4(op, a1, b1), apply4(op, a2, b2), apply4(op, a3, b3)]);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                let i = base + e;
                y[i] = apply(op, a[i] as f32, b[i % m] as f32) as T;
            }
        }
    }
}

/// The offsets into `a` and `b` of output element `i`: `dims` is the output's shape, then
/// `a`'s strides, then `b`'s, [`MAX_DIMS`] each.
#[helper]
pub fn strided_offsets(dims: &[u32], i: u32) -> [u32; 2] {
    let mut rest = i;
    let mut ia = 0u32;
    let mut ib = 0u32;
    for k in 0..MAX_DIMS {
        let d = MAX_DIMS - 1 - k;
        let size = dims[d];
        let c = rest % size;
        rest /= size;
        ia += c * dims[MAX_DIMS + d];
        ib += c * dims[2 * MAX_DIMS + d];
    }
    [ia, ib]
}

/// y = op(a, b) under any broadcast of `a` and `b` to `y`'s shape (see [`strided_offsets`]).
#[kernel]
pub fn binary_strided<T: Float>(
    a: &[T],
    b: &[T],
    y: &mut [T],
    dims: &[u32],
    n: u32,
    #[constexpr(default = 0)] op: u32,
) {
    let i = global_id().x;
    if i < n {
        let [ia, ib] = strided_offsets(dims, i);
        y[i] = apply(op, a[ia] as f32, b[ib] as f32) as T;
    }
}

/// y = op(a, b) (bool) under any broadcast of `a` and `b` to `y`'s shape.
#[kernel]
pub fn compare_strided<T: Float>(
    a: &[T],
    b: &[T],
    y: &mut [bool],
    dims: &[u32],
    n: u32,
    #[constexpr(default = 0)] op: u32,
) {
    let i = global_id().x;
    if i < n {
        let [ia, ib] = strided_offsets(dims, i);
        y[i] = test(op, a[ia] as f32, b[ib] as f32);
    }
}

/// `apply(op, v, s)`, or `apply(op, s, v)` when `left`.
#[helper]
fn apply_scalar(op: u32, left: bool, v: f32, s: f32) -> f32 {
    if left {
        apply(op, s, v)
    } else {
        apply(op, v, s)
    }
}

/// `test(op, v, s)`, or `test(op, s, v)` when `left`.
#[helper]
fn test_scalar(op: u32, left: bool, v: f32, s: f32) -> bool {
    if left {
        test(op, s, v)
    } else {
        test(op, v, s)
    }
}

/// `apply_scalar` of four values.
#[helper]
fn apply4_scalar(op: u32, left: bool, v: [f32; 4], s: f32) -> [f32; 4] {
    let [v0, v1, v2, v3] = v;
    [
        apply_scalar(op, left, v0, s),
        apply_scalar(op, left, v1, s),
        apply_scalar(op, left, v2, s),
        apply_scalar(op, left, v3, s),
    ]
}

/// y = op(a, s), or op(s, a) when `left`: the scalar is a kernel argument.
#[kernel]
pub fn binary_scalar<T: Float>(
    a: &[T],
    y: &mut [T],
    n: u32,
    s: f32,
    #[constexpr(default = 0)] op: u32,
    #[constexpr(default = false)] left: bool,
) {
    let [base, span] = group_span();
    let rest = n - base;
    if rest >= span {
        let at = group_vectors::<T>(base);
        let [v0, v1, v2, v3] = load_group(a, at);
        store_group(
            y,
            at,
            [
                apply4_scalar(op, left, v0, s),
                apply4_scalar(op, left, v1, s),
                apply4_scalar(op, left, v2, s),
                apply4_scalar(op, left, v3, s),
            ],
        );
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(rest) {
                y[base + e] = apply_scalar(op, left, a[base + e] as f32, s) as T;
            }
        }
    }
}

/// `test_scalar` of four values.
#[helper]
fn test4_scalar(op: u32, left: bool, v: [f32; 4], s: f32) -> [bool; 4] {
    let [v0, v1, v2, v3] = v;
    [
        test_scalar(op, left, v0, s),
        test_scalar(op, left, v1, s),
        test_scalar(op, left, v2, s),
        test_scalar(op, left, v3, s),
    ]
}

/// y = op(a, s) (bool), or op(s, a) when `left`.
#[kernel]
pub fn compare_scalar<T: Float>(
    a: &[T],
    y: &mut [bool],
    n: u32,
    s: f32,
    #[constexpr(default = 0)] op: u32,
    #[constexpr(default = false)] left: bool,
) {
    let [base, span] = group_span();
    let rest = n - base;
    if rest >= span {
        let at = narrow_vectors(base);
        let [i0, i1, i2, i3] = at;
        let [v0, v1, v2, v3] = load_narrow(a, at);
        store4(&y, i0, test4_scalar(op, left, v0, s));
        store4(&y, i1, test4_scalar(op, left, v1, s));
        store4(&y, i2, test4_scalar(op, left, v2, s));
        store4(&y, i3, test4_scalar(op, left, v3, s));
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(rest) {
                y[base + e] = test_scalar(op, left, a[base + e] as f32, s);
            }
        }
    }
}
