//! Normalizations over the last axis of `[rows, n]` with per-column weights: one threadgroup
//! per row (a multiple of 32 threads; `ops` uses 256), block-stride loops over the row.

use super::helpers::block_sum;
use metaltile::prelude::*;

/// `y[r, i] = x[r, i] / √(mean_j x[r, j]² + eps) · w[i]`
#[kernel]
pub fn rms_norm<T: Float>(x: &[T], w: &[T], y: &mut [T], n: u32, eps: f32) {
    let start = group_id().x * n;
    let mut squares = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        let v = x[start + i] as f32;
        squares += v * v;
    }
    let scale = (block_sum(squares) / n as f32 + eps).rsqrt();
    for i in (local_id().x..n).step_by(group_size().x) {
        y[start + i] = (x[start + i] as f32 * scale * w[i] as f32) as T;
    }
}

/// `y[r, i] = (x[r, i] - mean) / √(var + eps) · w[i] + b[i]`, with the biased variance,
/// computed in two passes (mean, then squared deviations) for accuracy.
#[kernel]
pub fn layer_norm<T: Float>(x: &[T], w: &[T], b: &[T], y: &mut [T], n: u32, eps: f32) {
    let start = group_id().x * n;
    let mut total = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        total += x[start + i] as f32;
    }
    let mean = block_sum(total) / n as f32;
    let mut squares = 0.0f32;
    for i in (local_id().x..n).step_by(group_size().x) {
        let d = x[start + i] as f32 - mean;
        squares += d * d;
    }
    let scale = (block_sum(squares) / n as f32 + eps).rsqrt();
    for i in (local_id().x..n).step_by(group_size().x) {
        y[start + i] = ((x[start + i] as f32 - mean) * scale * w[i] as f32 + b[i] as f32) as T;
    }
}
