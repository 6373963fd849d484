//! Reductions along an inner axis: `x` seen as `[outer, n, inner]` with `inner > 1`, reduced
//! over `n` into `[outer, inner]`. Thread `g` owns output `(g / inner, g % inner)` and walks
//! its column `x[o, 0..n, j]`; neighbouring threads read neighbouring elements, so every
//! step is one coalesced access across the threadgroup, with four steps in flight. The fold
//! (thread value, finish) is the row reductions' ([`super::reduce`]).

use super::helpers::{max_nan, min_nan};
use super::reduce::{finish, lse_of, lse_term, magnitude, mul, L1_NORM, L2_NORM, LOGSUMEXP, MAX, MIN, PROD};
use super::rows::{add, same, square, BinaryFn, UnaryFn};
use metaltile::prelude::*;

/// `x[start + k·inner]` widened to f32 where `k < n`, else `fill`.
#[helper]
pub fn col_at<T: Float>(x: &[T], start: u32, k: u32, n: u32, inner: u32, fill: f32) -> f32 {
    masked_load(&x, start + k * inner, k < n, fill as T) as f32
}

/// `op` over `f` of the column's `n` elements from `start`, every `inner`, four in flight.
#[helper]
pub fn fold_col<T: Float>(x: &[T], start: u32, n: u32, inner: u32, identity: f32, f: UnaryFn, op: BinaryFn) -> f32 {
    let mut acc = identity;
    for k in (0..n).step_by(4) {
        let a = col_at(x, start, k, n, inner, identity);
        let b = col_at(x, start, k + 1, n, inner, identity);
        let c = col_at(x, start, k + 2, n, inner, identity);
        let d = col_at(x, start, k + 3, n, inner, identity);
        acc = op(acc, op(op(f(a), f(b)), op(f(c), f(d))));
    }
    acc
}

/// The column's logsumexp: an online max and a sum rescaled to it.
#[helper]
pub fn lse_col<T: Float>(x: &[T], start: u32, n: u32, inner: u32) -> f32 {
    let mut m = f32::NEG_INFINITY;
    let mut s = 0.0f32;
    for k in (0..n).step_by(4) {
        let a = col_at(x, start, k, n, inner, f32::NEG_INFINITY);
        let b = col_at(x, start, k + 1, n, inner, f32::NEG_INFINITY);
        let c = col_at(x, start, k + 2, n, inner, f32::NEG_INFINITY);
        let d = col_at(x, start, k + 3, n, inner, f32::NEG_INFINITY);
        let new_m = m.max(a.max(b).max(c.max(d)));
        let terms = (lse_term(a, new_m) + lse_term(b, new_m)) + (lse_term(c, new_m) + lse_term(d, new_m));
        s = s * select(m == new_m, 1.0, (m - new_m).exp()) + terms;
        m = new_m;
    }
    lse_of(m, s)
}

/// `y[o, j] = op` over `x[o, 0..n, j]` for the `outer · inner` outputs, one per thread.
#[kernel]
pub fn reduce_cols<T: Float>(x: &[T], y: &mut [T], outer: u32, n: u32, inner: u32, #[constexpr(default = 0)] op: u32) {
    let g = global_id().x;
    if g < outer * inner {
        let o = g / inner;
        let start = o * n * inner + g % inner;
        let mut v = 0.0f32;
        if op == MAX {
            v = fold_col(x, start, n, inner, f32::NEG_INFINITY, same, max_nan);
        } else if op == MIN {
            v = fold_col(x, start, n, inner, f32::INFINITY, same, min_nan);
        } else if op == PROD {
            v = fold_col(x, start, n, inner, 1.0, same, mul);
        } else if op == L1_NORM {
            v = fold_col(x, start, n, inner, 0.0, magnitude, add);
        } else if op == L2_NORM {
            v = fold_col(x, start, n, inner, 0.0, square, add);
        } else if op == LOGSUMEXP {
            v = lse_col(x, start, n, inner);
        } else {
            v = fold_col(x, start, n, inner, 0.0, same, add);
        }
        y[g] = finish(v, n, op) as T;
    }
}
