//! Variance and standard deviation over the last axis of `[rows, n]`, with Bessel's
//! `correction` (`M2 / max(0, n - correction)`, as torch): one read of the row, its
//! (mean, M2) merged from per-tile moments (see [`super::norm`]), never Σx² - (Σx)²/n.
//!
//! - `var_rows`, `std_rows`: one launch, `tpr` threads per row (several rows per
//!   threadgroup when short), as the other row reductions.
//! - The split plan: `layer_norm_stats` stores each chunk's (mean, M2), and
//!   `moments_rows_finish` merges a row's chunks, one threadgroup per row.

use super::norm::{chunk_moments, span_mean_m2};
use super::rows::{index_in_row, row_of};
use metaltile::prelude::*;

/// The variance `m2 / max(0, n - correction)`, or its square root when `root`.
#[helper]
pub fn spread(m2: f32, n: u32, correction: f32, root: bool) -> f32 {
    let v = m2 / (n as f32 - correction).max(0.0);
    select(root, v.sqrt(), v)
}

/// `y[row]` = the variance (or with `root`, the standard deviation) of `x[row, 0..n)`.
#[helper]
pub fn moments_rows_into<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, correction: f32, root: bool) {
    let row = row_of(tpr);
    let live = row < rows;
    // A row past the last reads nothing (an empty span), but still joins the collectives.
    let [_, m2] = span_mean_m2(x, row * n, 0, select(live, n, 0), tpr, n);
    if live & (index_in_row(tpr) == 0) {
        y[row] = spread(m2, n, correction, root) as T;
    }
}

/// `y[r] = Σ_i (x[r, i] - mean_r)² / max(0, n - correction)`
#[kernel]
pub fn var_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, correction: f32) {
    moments_rows_into(x, y, rows, n, tpr, correction, false);
}

/// `y[r] = √(Σ_i (x[r, i] - mean_r)² / max(0, n - correction))`
#[kernel]
pub fn std_rows<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, correction: f32) {
    moments_rows_into(x, y, rows, n, tpr, correction, true);
}

/// Pass 2 of the split plan, one threadgroup per row: the row's mean from its chunks'
/// (mean, M2) in `part[(r·chunks + c)·2 ..]`, then its M2 (each chunk's plus its count times
/// its mean's squared distance), finished as [`spread`] (`root` 1: the standard deviation).
#[kernel]
pub fn moments_rows_finish<T: Float>(
    part: &[f32],
    y: &mut [T],
    chunks: u32,
    n: u32,
    chunk_len: u32,
    correction: f32,
    #[constexpr(default = 0)] root: u32,
) {
    let row = group_id().x;
    let tpr = group_size().x;
    let [_, row_m2] = chunk_moments(part, row, chunks, n, chunk_len, tpr);
    if local_id().x == 0 {
        y[row] = spread(row_m2, n, correction, root == 1) as T;
    }
}
