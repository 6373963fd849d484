//! Reductions over the last axis of `[rows, n]`: one threadgroup per row (its size a
//! multiple of 32; `ops::reduce_rows` uses 256), each thread folding a block-stride slice of
//! the row, then a block reduction. Any `n` works, including 1 and rows far longer than the
//! threadgroup.

use super::helpers::{block_any, block_max, block_min, block_sum};
use metaltile::prelude::*;

/// `y[r] = Σ_i x[r, i]`
#[kernel]
pub fn sum_rows<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let row = group_id().x;
    let mut acc = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        acc += x[row * n + i] as f32;
    }
    let total = block_sum(acc);
    if local_id().x == 0 {
        y[row] = total as T;
    }
}

/// `y[r] = max_i x[r, i]`; NaN if the row holds a NaN (as `torch.amax`).
#[kernel]
pub fn max_rows<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let row = group_id().x;
    let mut best = f32::NEG_INFINITY;
    let mut saw_nan = false;
    for i in (local_id().x..n).step_by(group_size().x) {
        let v = x[row * n + i] as f32;
        best = best.max(v);
        saw_nan = saw_nan | v.is_nan();
    }
    let best = block_max(best);
    let any_nan = block_any(saw_nan);
    if local_id().x == 0 {
        y[row] = (if any_nan { f32::NAN } else { best }) as T;
    }
}

/// `y[r] = min_i x[r, i]`; NaN if the row holds a NaN (as `torch.amin`).
#[kernel]
pub fn min_rows<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let row = group_id().x;
    let mut best = f32::INFINITY;
    let mut saw_nan = false;
    for i in (local_id().x..n).step_by(group_size().x) {
        let v = x[row * n + i] as f32;
        best = best.min(v);
        saw_nan = saw_nan | v.is_nan();
    }
    let best = block_min(best);
    let any_nan = block_any(saw_nan);
    if local_id().x == 0 {
        y[row] = (if any_nan { f32::NAN } else { best }) as T;
    }
}
