//! The per-channel norms of `[N, C, *spatial]` tensors (channel `c` of sample `s` is the
//! `spatial` contiguous elements at `(s·C + c)·spatial`):
//!
//! - `batch_norm`: inference with running statistics, purely elementwise: each access of
//!   `width` elements lies in one channel (`width` divides `spatial`), so its mean, variance,
//!   weight and bias are four cached scalar loads; 16-byte accesses wherever `spatial` allows.
//! - `group_norm`: the second pass of group_norm (the op's name, as its plan's last launch). A group of one sample is one row of
//!   `(C/G)·spatial` contiguous elements, whose (mean, M2) per chunk the first pass,
//!   [`super::norm::layer_norm_stats`], stores; this pass combines them and normalizes its
//!   chunk with each element's channel weight and bias.

use super::norm::chunk_moments;
use super::rows::{
    chunk_cols, chunk_span, chunk_valid, index_in_row, load_tile, store_tile, tile_span, tiles_per_step, wide,
};
use metaltile::prelude::*;

/// Accesses of `width` elements each thread of batch_norm makes.
pub const BATCH_NORM_ACCESSES: u32 = 4;

/// `y = (x - mean[c]) / √(var[c] + eps) · w[c] + b[c]` for every element of `[N, C,
/// *spatial]` (`n` elements, `c = (i / spatial) mod channels`). Each threadgroup covers
/// [`BATCH_NORM_ACCESSES`] · `group_size` accesses of `width` elements, `width` 8 for 16-bit
/// types (16 bytes) and 4 for f32 where `spatial` allows, else 1.
#[kernel]
pub fn batch_norm<T: Float>(
    x: &[T],
    mean: &[T],
    var: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    n: u32,
    spatial: u32,
    channels: u32,
    eps: f32,
) {
    if wide::<T>(spatial) {
        batch_norm_in(x, mean, var, w, b, y, n, spatial, channels, eps, 8);
    } else if spatial % 4 == 0 {
        batch_norm_in(x, mean, var, w, b, y, n, spatial, channels, eps, 4);
    } else {
        batch_norm_in(x, mean, var, w, b, y, n, spatial, channels, eps, 1);
    }
}

/// The body of [`batch_norm`] for one access `width`: access `k` of thread `t` starts at
/// `base + (k·group_size + t)·width`, so a warp's accesses are contiguous.
#[helper]
pub fn batch_norm_in<T: Float>(
    x: &[T],
    mean: &[T],
    var: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    n: u32,
    spatial: u32,
    channels: u32,
    eps: f32,
    width: u32,
) {
    let stride = group_size().x * width;
    let base = group_id().x * stride * BATCH_NORM_ACCESSES;
    for k in 0..BATCH_NORM_ACCESSES {
        let i = base + k * stride + local_id().x * width;
        // `n` is a multiple of `width`: an access that starts in bounds ends in bounds.
        if i < n {
            let [m, s, shift] = channel_affine(mean, var, w, b, (i / spatial) % channels, eps);
            if width == 8 {
                let [q0, q1, q2, q3, q4, q5, q6, q7] = load8(&x, i);
                let [a0, a1, a2, a3] = affine_of4([q0 as f32, q1 as f32, q2 as f32, q3 as f32], m, s, shift);
                let [a4, a5, a6, a7] = affine_of4([q4 as f32, q5 as f32, q6 as f32, q7 as f32], m, s, shift);
                store8(&y, i, [a0 as T, a1 as T, a2 as T, a3 as T, a4 as T, a5 as T, a6 as T, a7 as T]);
            } else if width == 4 {
                let [q0, q1, q2, q3] = load4(&x, i);
                let [a0, a1, a2, a3] = affine_of4([q0 as f32, q1 as f32, q2 as f32, q3 as f32], m, s, shift);
                store4(&y, i, [a0 as T, a1 as T, a2 as T, a3 as T]);
            } else {
                y[i] = ((x[i] as f32 - m) * s + shift) as T;
            }
        }
    }
}

/// Channel `c`'s (mean, w / √(var + eps), bias).
#[helper]
pub fn channel_affine<T: Float>(mean: &[T], var: &[T], w: &[T], b: &[T], c: u32, eps: f32) -> [f32; 3] {
    let scale = (var[c] as f32 + eps).rsqrt() * w[c] as f32;
    [mean[c] as f32, scale, b[c] as f32]
}

/// `(v - m) · s + shift` for a chunk.
#[helper]
pub fn affine_of4(v: [f32; 4], m: f32, s: f32, shift: f32) -> [f32; 4] {
    let [a, b, c, d] = v;
    [(a - m) * s + shift, (b - m) * s + shift, (c - m) * s + shift, (d - m) * s + shift]
}

/// Pass 2 of group_norm over a `(chunks, rows)` grid, rows the `N·G` groups of `n =
/// per_group · spatial` elements: the row's mean and variance from its chunks' (mean, M2),
/// then chunk `c` normalized, element `j` of the row with the weight and bias of channel
/// `g · per_group + j / spatial` (`g` the row's group).
#[kernel]
pub fn group_norm<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    part: &[f32],
    y: &mut [T],
    n: u32,
    chunk_len: u32,
    spatial: u32,
    per_group: u32,
    groups: u32,
    eps: f32,
) {
    let row = group_id().y;
    let chunks = num_groups().x;
    let tpr = group_size().x;
    let [mean, m2] = chunk_moments(part, row, chunks, n, chunk_len, tpr);
    let scale = (m2 / n as f32 + eps).rsqrt();
    let [lo, hi] = chunk_span(n, chunk_len);
    let first = (row % groups) * per_group;
    let at = [row * n, lo, hi, tpr, spatial, first];
    if wide::<T>(n) {
        group_span(x, w, b, y, at, 8, mean, scale);
    } else if n % 4 == 0 {
        group_span(x, w, b, y, at, 4, mean, scale);
    } else {
        group_span(x, w, b, y, at, 1, mean, scale);
    }
}

/// `y = (x - mean) · scale · w[ch] + b[ch]` over this thread's columns of `[lo, hi)` of the
/// row at `start`, `at` = `[start, lo, hi, tpr, spatial, first channel]`.
#[helper]
pub fn group_span<T: Float>(x: &[T], w: &[T], b: &[T], y: &mut [T], at: [u32; 6], width: u32, mean: f32, scale: f32) {
    let [start, lo, hi, tpr, spatial, first] = at;
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        group_tile(x, w, b, y, [start, base, hi, tpr, spatial, first], width, mean, scale);
        if tiles > 1 {
            group_tile(x, w, b, y, [start, base + span, hi, tpr, spatial, first], width, mean, scale);
        }
    }
}

/// [`group_span`] over the tile at `base`, `at` = `[start, base, hi, tpr, spatial, first]`.
#[helper]
fn group_tile<T: Float>(x: &[T], w: &[T], b: &[T], y: &mut [T], at: [u32; 6], width: u32, mean: f32, scale: f32) {
    let [start, base, hi, tpr, spatial, first] = at;
    let t = index_in_row(tpr);
    let [x0, x1, x2, x3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let place = [hi, width, spatial, first];
    let y0 = group_chunk(x0, w, b, chunk_cols(base, 0, t, tpr, width), place, mean, scale);
    let y1 = group_chunk(x1, w, b, chunk_cols(base, 1, t, tpr, width), place, mean, scale);
    let y2 = group_chunk(x2, w, b, chunk_cols(base, 2, t, tpr, width), place, mean, scale);
    let y3 = group_chunk(x3, w, b, chunk_cols(base, 3, t, tpr, width), place, mean, scale);
    store_tile(y, start, base, tpr, hi, width, true, [y0, y1, y2, y3]);
}

/// A chunk at `cols` normalized with its elements' channel weights and biases, `place` =
/// `[end, width, spatial, first channel]`. A vector chunk (`width` > 1, first column a
/// multiple of 4) lies in one channel when `spatial` is a multiple of 4: one division.
#[helper]
fn group_chunk<T: Float>(
    v: [f32; 4],
    w: &[T],
    b: &[T],
    cols: [u32; 2],
    place: [u32; 4],
    mean: f32,
    scale: f32,
) -> [f32; 4] {
    let [end, width, spatial, first] = place;
    let [c0, step] = cols;
    let [k0, k1, k2, k3] = chunk_valid(cols, end, true);
    let ch0 = first + c0 / spatial;
    let mut ch1 = ch0;
    let mut ch2 = ch0;
    let mut ch3 = ch0;
    if (width == 1) | (spatial % 4 != 0) {
        ch1 = first + (c0 + step) / spatial;
        ch2 = first + (c0 + 2 * step) / spatial;
        ch3 = first + (c0 + 3 * step) / spatial;
    }
    let [v0, v1, v2, v3] = v;
    [
        channel_value(v0, w, b, ch0, k0, mean, scale),
        channel_value(v1, w, b, ch1, k1, mean, scale),
        channel_value(v2, w, b, ch2, k2, mean, scale),
        channel_value(v3, w, b, ch3, k3, mean, scale),
    ]
}

/// `(v - mean) · scale · w[ch] + b[ch]`; `w` and `b` are not read where the column does not
/// exist (`ok` false), whose channel may be past the last.
#[helper]
fn channel_value<T: Float>(v: f32, w: &[T], b: &[T], ch: u32, ok: bool, mean: f32, scale: f32) -> f32 {
    let zero = 0.0f32;
    let wc = masked_load(&w, ch, ok, zero as T) as f32;
    let bc = masked_load(&b, ch, ok, zero as T) as f32;
    (v - mean) * scale * wc + bc
}
