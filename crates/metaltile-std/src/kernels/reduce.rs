//! Reductions over the last axis of `[rows, n]`, read once with vector accesses (see
//! [`super::rows`] for the layout).
//!
//! Every reduction is a *fold*: each thread folds its columns into one f32 (its "thread
//! value"), the row's threads combine theirs with an associative `combine`, and a `finish`
//! turns the row's value into the output. The `op` code ([`SUM`] ... [`LOGSUMEXP`]) picks
//! the three:
//!
//! | op | thread value | combine | finish |
//! |---|---|---|---|
//! | sum, mean | Σ x | + | —, ÷ n |
//! | max, min | max x, min x (NaN wins) | max, min | — |
//! | prod | Π x | · | — |
//! | l1_norm, l2_norm | Σ \|x\|, Σ x² | + | —, √ |
//! | logsumexp | m + ln Σ e^(x - m), m its max (online) | logaddexp | — |
//!
//! A logsumexp's thread value is itself a logsumexp, so every row and chunk keeps one f32.
//!
//! - `sum_rows`, `max_rows`, ...: one launch; `tpr` threads per row, each folding its
//!   columns tile by tile, then the row's threads combine (no barrier when `tpr` ≤ 32).
//! - The split plan for few long rows: `reduce_rows_partials` folds chunk `c` of row `r`
//!   in threadgroup `(c, r)` into `part[r·chunks + c]` (f32), and `reduce_rows_finish`
//!   combines those partials per row and finishes into `y`.

use super::helpers::{max_nan, min_nan};
use super::rows::{
    add, chunk_span, index_in_row, load_tile, reduce4, row_of, row_reduce, same, span_reduce, square, wide, TILE_CHUNKS,
};
use metaltile::prelude::*;

/// `op`: Σ.
pub const SUM: u32 = 0;
/// `op`: max, NaN if any is NaN.
pub const MAX: u32 = 1;
/// `op`: min, NaN if any is NaN.
pub const MIN: u32 = 2;
/// `op`: Σ / n.
pub const MEAN: u32 = 3;
/// `op`: Π.
pub const PROD: u32 = 4;
/// `op`: Σ |x|.
pub const L1_NORM: u32 = 5;
/// `op`: √Σ x².
pub const L2_NORM: u32 = 6;
/// `op`: ln Σ e^x.
pub const LOGSUMEXP: u32 = 7;

/// ln 2: what two equal terms add to their log.
const LN_2: f32 = std::f32::consts::LN_2;

/// `a · b`
#[helper]
pub fn mul(a: f32, b: f32) -> f32 {
    a * b
}

/// `|v|`
#[helper]
pub fn magnitude(v: f32) -> f32 {
    v.abs()
}

/// `ln(e^a + e^b)`, exact for infinities (equal ones included) and NaN if either is NaN.
#[helper]
pub fn logaddexp(a: f32, b: f32) -> f32 {
    let hi = max_nan(a, b);
    let lo = min_nan(a, b);
    // `lo - hi` is NaN when both are the same infinity; their sum is that infinity.
    select(lo == hi, hi + LN_2, hi + (lo - hi).exp().ln_1p())
}

/// `e^(v - m)`, and 1 where `v = m` (so a row of equal infinities counts them).
#[helper]
pub fn lse_term(v: f32, m: f32) -> f32 {
    select(v == m, 1.0, (v - m).exp())
}

/// Σ of [`lse_term`] over four values.
#[helper]
pub fn lse_terms4(v: [f32; 4], m: f32) -> f32 {
    let [a, b, c, d] = v;
    (lse_term(a, m) + lse_term(b, m)) + (lse_term(c, m) + lse_term(d, m))
}

/// `max(a, b)` where a NaN loses (the online max skips NaN; the sum carries it).
#[helper]
pub fn max_number(a: f32, b: f32) -> f32 {
    a.max(b)
}

/// `m + ln s` for a running max `m` and `s = Σ e^(x - m)`: `m` itself when it is infinite
/// (unless a NaN made `s` NaN), so `+∞` and an all `-∞` span come out exact.
#[helper]
pub fn lse_of(m: f32, s: f32) -> f32 {
    select(m.is_infinite() & !s.is_nan(), m, m + s.ln())
}

/// This thread's logsumexp over its columns of `m[start + lo .. start + hi)` (layout
/// `width`): an online max and a sum rescaled to it, one read.
#[helper]
pub fn lse_span_in<I: Float>(x: &[I], start: u32, lo: u32, hi: u32, tpr: u32, width: u32, live: bool) -> f32 {
    let mut m = f32::NEG_INFINITY;
    let mut s = 0.0f32;
    for base in (lo..hi).step_by(tpr * 4 * TILE_CHUNKS) {
        let [v0, v1, v2, v3] = load_tile(x, start, base, tpr, hi, width, live, f32::NEG_INFINITY);
        let tile_max = max_number(
            max_number(reduce4(v0, max_number), reduce4(v1, max_number)),
            max_number(reduce4(v2, max_number), reduce4(v3, max_number)),
        );
        let new_m = m.max(tile_max);
        let tile_sum =
            (lse_terms4(v0, new_m) + lse_terms4(v1, new_m)) + (lse_terms4(v2, new_m) + lse_terms4(v3, new_m));
        s = s * select(m == new_m, 1.0, (m - new_m).exp()) + tile_sum;
        m = new_m;
    }
    lse_of(m, s)
}

/// [`lse_span_in`] in the layout of rows of `row_len`, decided once per launch.
#[helper]
pub fn lse_span<I: Float>(x: &[I], start: u32, lo: u32, hi: u32, tpr: u32, row_len: u32, live: bool) -> f32 {
    let mut r = f32::NEG_INFINITY;
    if wide::<I>(row_len) {
        r = lse_span_in(x, start, lo, hi, tpr, 8, live);
    } else if row_len % 4 == 0 {
        r = lse_span_in(x, start, lo, hi, tpr, 4, live);
    } else {
        r = lse_span_in(x, start, lo, hi, tpr, 1, live);
    }
    r
}

/// This thread's value of reduction `op` over its columns of `m[start + lo .. start + hi)`
/// (rows of `row_len`); `op`'s identity where it has none.
#[helper]
pub fn thread_value<I: Float>(
    m: &[I],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    live: bool,
    op: u32,
) -> f32 {
    let mut r = 0.0f32;
    if (op == SUM) | (op == MEAN) {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, 0.0, same, add);
    } else if op == MAX {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, f32::NEG_INFINITY, same, max_nan);
    } else if op == MIN {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, f32::INFINITY, same, min_nan);
    } else if op == PROD {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, 1.0, same, mul);
    } else if op == L1_NORM {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, 0.0, magnitude, add);
    } else if op == L2_NORM {
        r = span_reduce(m, start, lo, hi, tpr, row_len, live, 0.0, square, add);
    } else {
        r = lse_span(m, start, lo, hi, tpr, row_len, live);
    }
    r
}

/// The partials of reduction `op` (thread values, or chunk values of a split plan) folded
/// without a map: what combines them. Logsumexp's partials fold as values.
#[helper]
pub fn partials_value(part: &[f32], start: u32, count: u32, tpr: u32, live: bool, op: u32) -> f32 {
    let mut r = 0.0f32;
    if op == MAX {
        r = span_reduce(part, start, 0, count, tpr, count, live, f32::NEG_INFINITY, same, max_nan);
    } else if op == MIN {
        r = span_reduce(part, start, 0, count, tpr, count, live, f32::INFINITY, same, min_nan);
    } else if op == PROD {
        r = span_reduce(part, start, 0, count, tpr, count, live, 1.0, same, mul);
    } else if op == LOGSUMEXP {
        r = span_reduce(part, start, 0, count, tpr, count, live, f32::NEG_INFINITY, same, logaddexp);
    } else {
        r = span_reduce(part, start, 0, count, tpr, count, live, 0.0, same, add);
    }
    r
}

/// Thread values of `op` combined over each row's `tpr` threads (every thread gets its row's).
#[helper]
pub fn combine(v: f32, tpr: u32, op: u32) -> f32 {
    let mut r = 0.0f32;
    if op == MAX {
        r = row_reduce(v, tpr, f32::NEG_INFINITY, max_nan);
    } else if op == MIN {
        r = row_reduce(v, tpr, f32::INFINITY, min_nan);
    } else if op == PROD {
        r = row_reduce(v, tpr, 1.0, mul);
    } else if op == LOGSUMEXP {
        r = row_reduce(v, tpr, f32::NEG_INFINITY, logaddexp);
    } else {
        r = row_reduce(v, tpr, 0.0, add);
    }
    r
}

/// The output of `op` from a row's combined value; `n` is the row's length.
#[helper]
pub fn finish(total: f32, n: u32, op: u32) -> f32 {
    let mut r = total;
    if op == MEAN {
        // An empty row's mean is 0 / 0 = NaN, as torch's.
        r = total / n as f32;
    } else if op == L2_NORM {
        r = total.sqrt();
    }
    r
}

/// `y[row] = op` over `x[row, 0..n)` for every row, `tpr` threads per row.
#[helper]
pub fn reduce_rows_into<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, op: u32) {
    let row = row_of(tpr);
    let live = row < rows;
    let mine = thread_value(x, row * n, 0, n, tpr, n, live, op);
    let total = combine(mine, tpr, op);
    if live & (index_in_row(tpr) == 0) {
        y[row] = finish(total, n, op) as T;
    }
}

/// `y[r] = Σ_i x[r, i]`
#[kernel]
pub fn sum_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, SUM);
}

/// `y[r] = max_i x[r, i]`; NaN if the row holds a NaN (as `torch.amax`).
#[kernel]
pub fn max_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, MAX);
}

/// `y[r] = min_i x[r, i]`; NaN if the row holds a NaN (as `torch.amin`).
#[kernel]
pub fn min_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, MIN);
}

/// `y[r] = Σ_i x[r, i] / n` (NaN for an empty row).
#[kernel]
pub fn mean_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, MEAN);
}

/// `y[r] = Π_i x[r, i]` (1 for an empty row).
#[kernel]
pub fn prod_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, PROD);
}

/// `y[r] = Σ_i |x[r, i]|`
#[kernel]
pub fn l1_norm_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, L1_NORM);
}

/// `y[r] = √Σ_i x[r, i]²`
#[kernel]
pub fn l2_norm_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, L2_NORM);
}

/// `y[r] = ln Σ_i e^x[r, i]`, stable (`-∞` for an empty row, as `torch.logsumexp`).
#[kernel]
pub fn logsumexp_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, LOGSUMEXP);
}

/// Pass 1 of the split reduction: `part[r·chunks + c]` = the value of `op` over chunk `c`
/// (`chunk_len` columns, a multiple of 8) of row `r`, where `(c, r)` is this threadgroup's
/// position in a `(chunks, rows)` grid; not finished (a mean's chunk holds its Σ).
#[kernel]
pub fn reduce_rows_partials<T: Float>(
    x: &[T],
    part: &mut [f32],
    n: u32,
    chunk_len: u32,
    #[constexpr(default = 0)] op: u32,
) {
    let row = group_id().y;
    let [lo, hi] = chunk_span(n, chunk_len);
    let tpr = group_size().x;
    let mine = thread_value(x, row * n, lo, hi, tpr, n, true, op);
    let total = combine(mine, tpr, op);
    if local_id().x == 0 {
        part[row * num_groups().x + group_id().x] = total;
    }
}

/// Pass 2 of the split reduction: `y[r]` = `op` over `part[r, 0..chunks)`, finished for
/// rows of `n`.
#[kernel]
pub fn reduce_rows_finish<T: Float>(
    part: &[f32],
    y: &mut [T],
    rows: u32,
    chunks: u32,
    tpr: u32,
    n: u32,
    #[constexpr(default = 0)] op: u32,
) {
    let row = row_of(tpr);
    let live = row < rows;
    let mine = partials_value(part, row * chunks, chunks, tpr, live, op);
    let total = combine(mine, tpr, op);
    if live & (index_in_row(tpr) == 0) {
        y[row] = finish(total, n, op) as T;
    }
}
