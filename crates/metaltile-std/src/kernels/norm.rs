//! Normalizations over the last axis of `[rows, n]` with per-column weights, in the three
//! plans of the softmax (layout in [`super::rows`]):
//!
//! - `rms_norm`, `layer_norm`: the row fits in registers; read once, statistics from
//!   registers (layer_norm's variance in two exact passes over them), write once.
//! - `*_looped`: one threadgroup per row, tile by tile: statistics, then the normalization,
//!   each a read of the row (layer_norm: the mean, the centered squares, then the output;
//!   the reads after the first mostly hit L2).
//! - `*_stats` + `*_apply`: few long rows split over a `(chunks, rows)` grid: pass 1 stores
//!   every chunk's statistics, pass 2 combines its row's and normalizes its chunk.
//!
//! Variances are combined from per-thread and per-chunk (count, mean, M2) with the parallel
//! formula `M2 = Σ M2_i + n_i (mean_i - mean)²`, never from Σx² - (Σx)²/n, which cancels.

use super::rows::{
    add, chunk_cols, chunk_span, chunk_valid, get4, index_in_row, load_row_slice, load_tile, map4, reduce4, row_of,
    row_reduce, same, set4, span_reduce, span_reduce_in, square, store_row_slice, store_tile, tile_span, tile_valid,
    tiles_per_step, wide, TILE_CHUNKS,
};
use metaltile::prelude::*;

/// `x · scale · w` for a chunk.
#[helper]
pub fn scaled4(x: [f32; 4], w: [f32; 4], scale: f32) -> [f32; 4] {
    let [a, b, c, d] = x;
    let [wa, wb, wc, wd] = w;
    [a * scale * wa, b * scale * wb, c * scale * wc, d * scale * wd]
}

/// `(x - mean) · scale · w + b` for a chunk.
#[helper]
pub fn affine4(x: [f32; 4], w: [f32; 4], b: [f32; 4], mean: f32, scale: f32) -> [f32; 4] {
    let [x0, x1, x2, x3] = x;
    let [w0, w1, w2, w3] = w;
    let [b0, b1, b2, b3] = b;
    add4(centered_scaled4([x0, x1, x2, x3], [w0, w1, w2, w3], mean, scale), [b0, b1, b2, b3])
}

/// `(x - mean) · scale · w` for a chunk.
#[helper]
pub fn centered_scaled4(x: [f32; 4], w: [f32; 4], mean: f32, scale: f32) -> [f32; 4] {
    let [x0, x1, x2, x3] = x;
    let [w0, w1, w2, w3] = w;
    [(x0 - mean) * scale * w0, (x1 - mean) * scale * w1, (x2 - mean) * scale * w2, (x3 - mean) * scale * w3]
}

/// `p + q` for a chunk.
#[helper]
pub fn add4(p: [f32; 4], q: [f32; 4]) -> [f32; 4] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [p0 + q0, p1 + q1, p2 + q2, p3 + q3]
}

/// Σ (x - mean)² over the values of a chunk that exist.
#[helper]
pub fn centered_squares4(x: [f32; 4], ok: [bool; 4], mean: f32) -> f32 {
    let [a, b, c, d] = x;
    let [oa, ob, oc, od] = ok;
    let sa = select(oa, (a - mean) * (a - mean), 0.0);
    let sb = select(ob, (b - mean) * (b - mean), 0.0);
    let sc = select(oc, (c - mean) * (c - mean), 0.0);
    let sd = select(od, (d - mean) * (d - mean), 0.0);
    (sa + sb) + (sc + sd)
}

/// How many of a chunk's values exist.
#[helper]
pub fn count4(ok: [bool; 4]) -> f32 {
    let [a, b, c, d] = ok;
    ((a as u32 + b as u32) + (c as u32 + d as u32)) as f32
}

/// (count, mean, M2) of two sets merged (Chan, Golub and LeVeque).
#[helper]
pub fn merge_moments(p: [f32; 3], q: [f32; 3]) -> [f32; 3] {
    let [np, mp, sp] = p;
    let [nq, mq, sq] = q;
    let n = np + nq;
    let f = select(n > 0.0, nq / n, 0.0);
    let d = mq - mp;
    [n, mp + d * f, sp + sq + d * d * np * f]
}

/// This thread's (count, Σx, mean, M2) over its columns of `x[start + lo .. start + hi)`:
/// each tile's own mean and M2 exactly, merged into the running ones.
#[helper]
pub fn span_moments<T: Float>(x: &[T], start: u32, lo: u32, hi: u32, tpr: u32, width: u32) -> [f32; 4] {
    let mut count = 0.0f32;
    let mut total = 0.0f32;
    let mut mean = 0.0f32;
    let mut m2 = 0.0f32;
    for base in (lo..hi).step_by(tpr * 4 * TILE_CHUNKS) {
        let [v0, v1, v2, v3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
        let [k0, k1, k2, k3] = tile_valid(base, tpr, hi, width, true);
        let k = (count4(k0) + count4(k1)) + (count4(k2) + count4(k3));
        let g = (reduce4(v0, add) + reduce4(v1, add)) + (reduce4(v2, add) + reduce4(v3, add));
        let tile_mean = select(k > 0.0, g / k, 0.0);
        let q = (centered_squares4(v0, k0, tile_mean) + centered_squares4(v1, k1, tile_mean))
            + (centered_squares4(v2, k2, tile_mean) + centered_squares4(v3, k3, tile_mean));
        let [c, mu, s] = merge_moments([count, mean, m2], [k, tile_mean, q]);
        count = c;
        mean = mu;
        m2 = s;
        total += g;
    }
    [count, total, mean, m2]
}

/// This thread's Σ (x - mean)² over its columns of `x[start + lo .. start + hi)`.
#[helper]
pub fn span_centered_squares<T: Float>(x: &[T], start: u32, lo: u32, hi: u32, tpr: u32, width: u32, mean: f32) -> f32 {
    let mut q = 0.0f32;
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        q += tile_centered_squares(x, start, base, hi, tpr, width, mean);
        if tiles > 1 {
            q += tile_centered_squares(x, start, base + span, hi, tpr, width, mean);
        }
    }
    q
}

/// Σ (x - mean)² over the tile at `base`.
#[helper]
fn tile_centered_squares<T: Float>(x: &[T], start: u32, base: u32, hi: u32, tpr: u32, width: u32, mean: f32) -> f32 {
    let [v0, v1, v2, v3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let [k0, k1, k2, k3] = tile_valid(base, tpr, hi, width, true);
    (centered_squares4(v0, k0, mean) + centered_squares4(v1, k1, mean))
        + (centered_squares4(v2, k2, mean) + centered_squares4(v3, k3, mean))
}

/// The (mean, M2) of a whole row `x[start .. start + n)` in two exact passes (the mean, then
/// the centered squares), one threadgroup per row: cheaper per element than merging
/// per-tile moments, and the second read mostly hits L2.
#[helper]
pub fn row_mean_m2<T: Float>(x: &[T], start: u32, n: u32, tpr: u32, width: u32) -> [f32; 2] {
    let total = span_reduce_at(x, start, n, tpr, width);
    let mean = row_reduce(total, tpr, 0.0, add) / n as f32;
    let q = span_centered_squares(x, start, 0, n, tpr, width, mean);
    [mean, row_reduce(q, tpr, 0.0, add)]
}

/// This thread's Σ x over its columns of the row (layout `width`).
#[helper]
fn span_reduce_at<T: Float>(x: &[T], start: u32, n: u32, tpr: u32, width: u32) -> f32 {
    span_reduce_in(x, start, 0, n, tpr, width, true, 0.0, same, add)
}

/// The (mean, M2) of `count` values of a row (or chunk) from its threads' moments.
#[helper]
pub fn combine_moments(moments: [f32; 4], count: f32, tpr: u32) -> [f32; 2] {
    let [n, total, mean, m2] = moments;
    let row_mean = row_reduce(total, tpr, 0.0, add) / count;
    let d = mean - row_mean;
    [row_mean, row_reduce(m2 + n * d * d, tpr, 0.0, add)]
}

/// The (mean, M2) of `x[start + lo .. start + hi)` in the layout of rows of `row_len`,
/// decided once per launch.
#[helper]
pub fn span_mean_m2<T: Float>(x: &[T], start: u32, lo: u32, hi: u32, tpr: u32, row_len: u32) -> [f32; 2] {
    let mut n = 0.0f32;
    let mut total = 0.0f32;
    let mut mean = 0.0f32;
    let mut m2 = 0.0f32;
    if wide::<T>(row_len) {
        let [a, b, c, d] = span_moments(x, start, lo, hi, tpr, 8);
        n = a;
        total = b;
        mean = c;
        m2 = d;
    } else if row_len % 4 == 0 {
        let [a, b, c, d] = span_moments(x, start, lo, hi, tpr, 4);
        n = a;
        total = b;
        mean = c;
        m2 = d;
    } else {
        let [a, b, c, d] = span_moments(x, start, lo, hi, tpr, 1);
        n = a;
        total = b;
        mean = c;
        m2 = d;
    }
    combine_moments([n, total, mean, m2], (hi - lo) as f32, tpr)
}

/// `y = x · scale · w` over this thread's columns of `[lo, hi)`.
#[helper]
pub fn rms_span<T: Float>(
    x: &[T],
    w: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    scale: f32,
) {
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        rms_tile(x, w, y, start, base, hi, tpr, width, scale);
        if tiles > 1 {
            rms_tile(x, w, y, start, base + span, hi, tpr, width, scale);
        }
    }
}

/// `y = x · scale · w` over the tile at `base`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn rms_tile<T: Float>(x: &[T], w: &[T], y: &mut [T], start: u32, base: u32, hi: u32, tpr: u32, width: u32, scale: f32) {
    let [x0, x1, x2, x3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let [w0, w1, w2, w3] = load_tile(w, 0, base, tpr, hi, width, true, 0.0);
    let y0 = scaled4(x0, w0, scale);
    let y1 = scaled4(x1, w1, scale);
    let y2 = scaled4(x2, w2, scale);
    let y3 = scaled4(x3, w3, scale);
    store_tile(y, start, base, tpr, hi, width, true, [y0, y1, y2, y3]);
}

/// [`rms_span`] in the layout of rows of `row_len`, decided once per launch.
#[helper]
pub fn rms_span_any<T: Float>(
    x: &[T],
    w: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    scale: f32,
) {
    if wide::<T>(row_len) {
        rms_span(x, w, y, start, lo, hi, tpr, 8, scale);
    } else if row_len % 4 == 0 {
        rms_span(x, w, y, start, lo, hi, tpr, 4, scale);
    } else {
        rms_span(x, w, y, start, lo, hi, tpr, 1, scale);
    }
}

/// `y = (x - mean) · scale · w + b` over this thread's columns of `[lo, hi)`.
#[helper]
pub fn layer_span<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    mean: f32,
    scale: f32,
) {
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        layer_tile(x, w, b, y, start, base, hi, tpr, width, mean, scale);
        if tiles > 1 {
            layer_tile(x, w, b, y, start, base + span, hi, tpr, width, mean, scale);
        }
    }
}

/// `y = (x - mean) · scale · w + b` over the tile at `base`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn layer_tile<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    start: u32,
    base: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    mean: f32,
    scale: f32,
) {
    let [x0, x1, x2, x3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let [w0, w1, w2, w3] = load_tile(w, 0, base, tpr, hi, width, true, 0.0);
    let [b0, b1, b2, b3] = load_tile(b, 0, base, tpr, hi, width, true, 0.0);
    let y0 = affine4(x0, w0, b0, mean, scale);
    let y1 = affine4(x1, w1, b1, mean, scale);
    let y2 = affine4(x2, w2, b2, mean, scale);
    let y3 = affine4(x3, w3, b3, mean, scale);
    store_tile(y, start, base, tpr, hi, width, true, [y0, y1, y2, y3]);
}

/// [`layer_span`] in the layout of rows of `row_len`, decided once per launch.
#[helper]
pub fn layer_span_any<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    mean: f32,
    scale: f32,
) {
    if wide::<T>(row_len) {
        layer_span(x, w, b, y, start, lo, hi, tpr, 8, mean, scale);
    } else if row_len % 4 == 0 {
        layer_span(x, w, b, y, start, lo, hi, tpr, 4, mean, scale);
    } else {
        layer_span(x, w, b, y, start, lo, hi, tpr, 1, mean, scale);
    }
}

/// `y[r, i] = x[r, i] / √(mean_j x[r, j]² + eps) · w[i]`, rows held in registers: `tpr`
/// threads per row, `per_thread` (a multiple of 8) elements each, `tpr · per_thread ≥ n`.
#[kernel]
pub fn rms_norm<T: Float>(
    x: &[T],
    w: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    #[constexpr(default = 8)] per_thread: u32,
) {
    // One copy per layout, so each copy's loops are small enough to unroll.
    if wide::<T>(n) {
        rms_norm_in_registers(x, w, y, rows, n, tpr, eps, per_thread, 8);
    } else if n % 4 == 0 {
        rms_norm_in_registers(x, w, y, rows, n, tpr, eps, per_thread, 4);
    } else {
        rms_norm_in_registers(x, w, y, rows, n, tpr, eps, per_thread, 1);
    }
}

/// The body of [`rms_norm`] for one layout. Each loop does one step, so that each unrolls
/// within the pass's budget; unrolled, they are one straight line the compiler schedules.
#[helper]
pub fn rms_norm_in_registers<T: Float>(
    x: &[T],
    w: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    per_thread: u32,
    width: u32,
) {
    let row = row_of(tpr);
    let t = index_in_row(tpr);
    let live = row < rows;
    let start = row * n;
    let v = load_row_slice(x, start, n, t, tpr, per_thread, width, live, 0.0);
    let mut squares = 0.0f32;
    for j in 0..per_thread / 4 {
        squares += reduce4(map4(get4(v, j), square), add);
    }
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let wv = load_row_slice(w, 0, n, t, tpr, per_thread, width, live, 0.0);
    for j in 0..per_thread / 4 {
        set4(v, j, scaled4(get4(v, j), get4(wv, j), scale));
    }
    store_row_slice(y, start, n, t, tpr, per_thread, width, live, v);
}

/// [`rms_norm`] for rows too long for registers: one threadgroup per row, read twice.
#[kernel]
pub fn rms_norm_looped<T: Float>(x: &[T], w: &[T], y: &mut [T], n: u32, eps: f32) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let squares = span_reduce(x, start, 0, n, tpr, n, true, 0.0, square, add);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    rms_span_any(x, w, y, start, 0, n, tpr, n, scale);
}

/// Pass 1 of the split rms_norm: `part[r·chunks + c]` = Σ x² over chunk `c` of row `r`.
#[kernel]
pub fn rms_norm_stats<T: Float>(x: &[T], part: &mut [f32], n: u32, chunk_len: u32) {
    let row = group_id().y;
    let tpr = group_size().x;
    let [lo, hi] = chunk_span(n, chunk_len);
    let squares = span_reduce(x, row * n, lo, hi, tpr, n, true, 0.0, square, add);
    let total = row_reduce(squares, tpr, 0.0, add);
    if local_id().x == 0 {
        part[row * num_groups().x + group_id().x] = total;
    }
}

/// Pass 2 of the split rms_norm: the row's Σ x² from its chunks, then chunk `c` normalized.
#[kernel]
pub fn rms_norm_apply<T: Float>(x: &[T], w: &[T], part: &[f32], y: &mut [T], n: u32, chunk_len: u32, eps: f32) {
    let row = group_id().y;
    let chunks = num_groups().x;
    let tpr = group_size().x;
    let squares = span_reduce(part, row * chunks, 0, chunks, tpr, chunks, true, 0.0, same, add);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let [lo, hi] = chunk_span(n, chunk_len);
    rms_span_any(x, w, y, row * n, lo, hi, tpr, n, scale);
}

/// `y[r, i] = (x[r, i] - mean) / √(var + eps) · w[i] + b[i]` (biased variance), rows held in
/// registers: `tpr` threads per row, `per_thread` (a multiple of 8) elements each.
#[kernel]
pub fn layer_norm<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    #[constexpr(default = 8)] per_thread: u32,
) {
    // One copy per layout, so each copy's loops are small enough to unroll.
    if wide::<T>(n) {
        layer_norm_in_registers(x, w, b, y, rows, n, tpr, eps, per_thread, 8);
    } else if n % 4 == 0 {
        layer_norm_in_registers(x, w, b, y, rows, n, tpr, eps, per_thread, 4);
    } else {
        layer_norm_in_registers(x, w, b, y, rows, n, tpr, eps, per_thread, 1);
    }
}

/// The body of [`layer_norm`] for one layout, one step per loop (see [`rms_norm_in_registers`]).
#[helper]
pub fn layer_norm_in_registers<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    per_thread: u32,
    width: u32,
) {
    let row = row_of(tpr);
    let t = index_in_row(tpr);
    let live = row < rows;
    let start = row * n;
    let v = load_row_slice(x, start, n, t, tpr, per_thread, width, live, 0.0);
    let mut total = 0.0f32;
    for j in 0..per_thread / 4 {
        total += reduce4(get4(v, j), add);
    }
    let mean = row_reduce(total, tpr, 0.0, add) / n as f32;
    let mut squares = 0.0f32;
    for j in 0..per_thread / 4 {
        squares += centered_squares4(get4(v, j), chunk_valid(chunk_cols(0, j, t, tpr, width), n, live), mean);
    }
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let wv = load_row_slice(w, 0, n, t, tpr, per_thread, width, live, 0.0);
    for j in 0..per_thread / 4 {
        set4(v, j, centered_scaled4(get4(v, j), get4(wv, j), mean, scale));
    }
    let bv = load_row_slice(b, 0, n, t, tpr, per_thread, width, live, 0.0);
    for j in 0..per_thread / 4 {
        set4(v, j, add4(get4(v, j), get4(bv, j)));
    }
    store_row_slice(y, start, n, t, tpr, per_thread, width, live, v);
}

/// [`layer_norm`] for rows too long for registers: one threadgroup per row, read three times
/// (mean, centered squares, output), the layout decided once.
#[kernel]
pub fn layer_norm_looped<T: Float>(x: &[T], w: &[T], b: &[T], y: &mut [T], n: u32, eps: f32) {
    if wide::<T>(n) {
        layer_norm_looped_in(x, w, b, y, n, eps, 8);
    } else if n % 4 == 0 {
        layer_norm_looped_in(x, w, b, y, n, eps, 4);
    } else {
        layer_norm_looped_in(x, w, b, y, n, eps, 1);
    }
}

/// The body of [`layer_norm_looped`] for one layout.
#[helper]
pub fn layer_norm_looped_in<T: Float>(x: &[T], w: &[T], b: &[T], y: &mut [T], n: u32, eps: f32, width: u32) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let [mean, m2] = row_mean_m2(x, start, n, tpr, width);
    let scale = (m2 / n as f32 + eps).rsqrt();
    layer_span(x, w, b, y, start, 0, n, tpr, width, mean, scale);
}

/// Pass 1 of the split layer_norm: `part[(r·chunks + c)·2 ..][..2]` = (mean, M2) of chunk
/// `c` of row `r`.
#[kernel]
pub fn layer_norm_stats<T: Float>(x: &[T], part: &mut [f32], n: u32, chunk_len: u32) {
    let row = group_id().y;
    let [lo, hi] = chunk_span(n, chunk_len);
    let [mean, m2] = span_mean_m2(x, row * n, lo, hi, group_size().x, n);
    if local_id().x == 0 {
        store2(&part, (row * num_groups().x + group_id().x) * 2, [mean, m2]);
    }
}

/// Row `row`'s mean and sum of squared deviations (M2) from its `chunks` partials in `part`
/// (each chunk's mean and M2, `chunk_len` columns but the last): the chunk means weighted by
/// their counts, then Chan's combination of the M2s around the row mean. Every thread of the
/// row's `tpr` gets both.
#[helper]
pub fn chunk_moments(part: &[f32], row: u32, chunks: u32, n: u32, chunk_len: u32, tpr: u32) -> [f32; 2] {
    let mut total = 0.0f32;
    for c in (local_id().x..chunks).step_by(tpr) {
        let count = (n - c * chunk_len).min(chunk_len) as f32;
        total += count * part[(row * chunks + c) * 2];
    }
    let mean = row_reduce(total, tpr, 0.0, add) / n as f32;
    let mut m2 = 0.0f32;
    for c in (local_id().x..chunks).step_by(tpr) {
        let count = (n - c * chunk_len).min(chunk_len) as f32;
        let [chunk_mean, chunk_m2] = load2(&part, (row * chunks + c) * 2);
        let d = chunk_mean - mean;
        m2 += chunk_m2 + count * d * d;
    }
    [mean, row_reduce(m2, tpr, 0.0, add)]
}

/// Pass 2 of the split layer_norm: the row's mean and variance from its chunks' (mean,
/// M2), then chunk `c` normalized.
#[kernel]
pub fn layer_norm_apply<T: Float>(
    x: &[T],
    w: &[T],
    b: &[T],
    part: &[f32],
    y: &mut [T],
    n: u32,
    chunk_len: u32,
    eps: f32,
) {
    let row = group_id().y;
    let chunks = num_groups().x;
    let tpr = group_size().x;
    let [mean, m2] = chunk_moments(part, row, chunks, n, chunk_len, tpr);
    let scale = (m2 / n as f32 + eps).rsqrt();
    let [lo, hi] = chunk_span(n, chunk_len);
    layer_span_any(x, w, b, y, row * n, lo, hi, tpr, n, mean, scale);
}
