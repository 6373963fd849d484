//! Softmax over the last axis of `[rows, n]`, numerically stable: the row's max, the sum of
//! e^(x - max), the division. One threadgroup per row (a multiple of 32 threads; `ops`
//! uses 256), each pass a block-stride loop over the row.

use super::helpers::{block_max, block_sum};
use metaltile::prelude::*;

/// `y[r, i] = e^(x[r, i] - m) / Σ_j e^(x[r, j] - m)`, `m = max_j x[r, j]`
#[kernel]
pub fn softmax<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let start = group_id().x * n;
    let mut m = f32::NEG_INFINITY;
    for i in (local_id().x..n).step_by(group_size().x) {
        m = m.max(x[start + i] as f32);
    }
    let row_max = block_max(m);
    let mut s = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        s += (x[start + i] as f32 - row_max).exp();
    }
    let row_sum = block_sum(s);
    for i in (local_id().x..n).step_by(group_size().x) {
        y[start + i] = ((x[start + i] as f32 - row_max).exp() / row_sum) as T;
    }
}
