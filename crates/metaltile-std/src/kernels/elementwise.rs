//! The skeleton every elementwise kernel shares; an op contributes only its math, an f32
//! helper passed as a [`UnaryFn`] or [`BinaryFn`].
//!
//! Each thread owns [`PER_THREAD`] consecutive elements: four 4-wide accesses per input
//! (16 bytes each for f32, 8 for f16/bf16), all issued before the first result is computed,
//! then four 4-wide stores. The one thread whose elements run past `n` takes a scalar loop
//! instead, so no access is out of bounds or misaligned for any `n`. `ops` launches
//! [`threads`]`(n)` threads.

pub use super::helpers::{BinaryFn, UnaryFn};
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

/// `m[i..i + 4] = f(v)` in one 4-wide access; `i` is a multiple of 4.
#[helper]
pub fn store4_map<T: Float>(m: &mut [T], i: u32, f: UnaryFn, v: [f32; 4]) {
    let [a, b, c, d] = v;
    store4(&m, i, [f(a) as T, f(b) as T, f(c) as T, f(d) as T]);
}

/// `m[i..i + 4] = f(p, q)` in one 4-wide access; `i` is a multiple of 4.
#[helper]
pub fn store4_map2<T: Float>(m: &mut [T], i: u32, f: BinaryFn, p: [f32; 4], q: [f32; 4]) {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    store4(&m, i, [f(p0, q0) as T, f(p1, q1) as T, f(p2, q2) as T, f(p3, q3) as T]);
}

/// True for threads that own at least one of the `n` elements. The others (the rest of the
/// last threadgroup) do nothing: their first element could wrap around u32.
#[helper]
fn owns_elements(n: u32) -> bool {
    // `n / PER_THREAD` rounded up, without the overflow of `n + PER_THREAD - 1`.
    global_id().x < n / PER_THREAD + ((n % PER_THREAD != 0) as u32)
}

/// `y[i] = f(x[i])` for `i < n`.
#[helper]
pub fn map_unary<T: Float>(x: &[T], y: &mut [T], n: u32, f: UnaryFn) {
    let base = global_id().x * PER_THREAD;
    if owns_elements(n) {
        if n - base >= PER_THREAD {
            let v0 = load4_f32(x, base);
            let v1 = load4_f32(x, base + 4);
            let v2 = load4_f32(x, base + 8);
            let v3 = load4_f32(x, base + 12);
            store4_map(y, base, f, v0);
            store4_map(y, base + 4, f, v1);
            store4_map(y, base + 8, f, v2);
            store4_map(y, base + 12, f, v3);
        } else {
            for i in base..n {
                y[i] = f(x[i] as f32) as T;
            }
        }
    }
}

/// `y[i] = f(a[i], b[i])` for `i < n`.
#[helper]
pub fn map_binary<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32, f: BinaryFn) {
    let base = global_id().x * PER_THREAD;
    if owns_elements(n) {
        if n - base >= PER_THREAD {
            let a0 = load4_f32(a, base);
            let a1 = load4_f32(a, base + 4);
            let a2 = load4_f32(a, base + 8);
            let a3 = load4_f32(a, base + 12);
            let b0 = load4_f32(b, base);
            let b1 = load4_f32(b, base + 4);
            let b2 = load4_f32(b, base + 8);
            let b3 = load4_f32(b, base + 12);
            store4_map2(y, base, f, a0, b0);
            store4_map2(y, base + 4, f, a1, b1);
            store4_map2(y, base + 8, f, a2, b2);
            store4_map2(y, base + 12, f, a3, b3);
        } else {
            for i in base..n {
                y[i] = f(a[i] as f32, b[i] as f32) as T;
            }
        }
    }
}
