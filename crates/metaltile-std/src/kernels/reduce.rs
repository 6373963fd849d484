//! Reductions over the last axis of `[rows, n]`, read once with vector accesses (see
//! [`super::rows`] for the layout).
//!
//! - `sum_rows`, `max_rows`, `min_rows`: one launch; `tpr` threads per row, each folding
//!   its columns tile by tile, then the row's threads combine (no barrier when `tpr` ≤ 32).
//! - The split plan for few long rows: `reduce_rows_partials` folds chunk `c` of row `r`
//!   in threadgroup `(c, r)` into `part[r·chunks + c]` (f32), and `reduce_rows_finish`
//!   reduces those partials per row into `y`. `op` picks the reduction ([`SUM`], [`MAX`],
//!   [`MIN`]).

use super::helpers::{max_nan, min_nan};
use super::rows::{add, chunk_span, index_in_row, row_of, row_reduce, same, span_reduce, BinaryFn};
use metaltile::prelude::*;

/// `op` of the split kernels: Σ.
pub const SUM: u32 = 0;
/// `op` of the split kernels: max, NaN if any is NaN.
pub const MAX: u32 = 1;
/// `op` of the split kernels: min, NaN if any is NaN.
pub const MIN: u32 = 2;

/// `y[row] = op` over `x[row, 0..n)` for every row, `tpr` threads per row; `identity` is
/// `op`'s neutral value (what an empty row gives).
#[helper]
pub fn reduce_rows_into<I: Float, T: Float>(
    x: &[I],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    identity: f32,
    op: BinaryFn,
) {
    let row = row_of(tpr);
    let live = row < rows;
    let mine = span_reduce(x, row * n, 0, n, tpr, n, live, identity, same, op);
    let total = row_reduce(mine, tpr, identity, op);
    if live & (index_in_row(tpr) == 0) {
        y[row] = total as T;
    }
}

/// `part[r·chunks + c] = op` over chunk `c` (`chunk_len` columns, a multiple of 8) of row
/// `r`, where `(c, r)` is this threadgroup's position in a `(chunks, rows)` grid.
#[helper]
pub fn reduce_chunk_into<T: Float>(x: &[T], part: &mut [f32], n: u32, chunk_len: u32, identity: f32, op: BinaryFn) {
    let row = group_id().y;
    let [lo, hi] = chunk_span(n, chunk_len);
    let tpr = group_size().x;
    let mine = span_reduce(x, row * n, lo, hi, tpr, n, true, identity, same, op);
    let total = row_reduce(mine, tpr, identity, op);
    if local_id().x == 0 {
        part[row * num_groups().x + group_id().x] = total;
    }
}

/// `y[r] = Σ_i x[r, i]`
#[kernel]
pub fn sum_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, 0.0, add);
}

/// `y[r] = max_i x[r, i]`; NaN if the row holds a NaN (as `torch.amax`).
#[kernel]
pub fn max_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, f32::NEG_INFINITY, max_nan);
}

/// `y[r] = min_i x[r, i]`; NaN if the row holds a NaN (as `torch.amin`).
#[kernel]
pub fn min_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32) {
    reduce_rows_into(x, y, rows, n, tpr, f32::INFINITY, min_nan);
}

/// Pass 1 of the split reduction: one partial per `(chunk, row)` threadgroup.
#[kernel]
pub fn reduce_rows_partials<T: Float>(
    x: &[T],
    part: &mut [f32],
    n: u32,
    chunk_len: u32,
    #[constexpr(default = 0)] op: u32,
) {
    if op == SUM {
        reduce_chunk_into(x, part, n, chunk_len, 0.0, add);
    } else if op == MAX {
        reduce_chunk_into(x, part, n, chunk_len, f32::NEG_INFINITY, max_nan);
    } else {
        reduce_chunk_into(x, part, n, chunk_len, f32::INFINITY, min_nan);
    }
}

/// Pass 2 of the split reduction: `y[r] = op` over `part[r, 0..chunks)`.
#[kernel]
pub fn reduce_rows_finish<T: Float>(
    part: &[f32],
    y: &mut [T],
    rows: u32,
    chunks: u32,
    tpr: u32,
    #[constexpr(default = 0)] op: u32,
) {
    if op == SUM {
        reduce_rows_into(part, y, rows, chunks, tpr, 0.0, add);
    } else if op == MAX {
        reduce_rows_into(part, y, rows, chunks, tpr, f32::NEG_INFINITY, max_nan);
    } else {
        reduce_rows_into(part, y, rows, chunks, tpr, f32::INFINITY, min_nan);
    }
}
