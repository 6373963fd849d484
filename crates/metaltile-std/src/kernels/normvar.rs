//! Normalization variants beside [`super::norm`]'s rms_norm and layer_norm, each one read
//! and one write per element of every tensor it takes and returns:
//!
//! - `add_rms_norm*`: the fused residual add. `h = x + res` is rounded to `T` and stored (the
//!   new residual stream), and the norm's statistics come from that rounded `h`, so `y` is
//!   exactly what rms_norm of the stored `h` gives (the unfused sequence in `T`). The split
//!   plan's second pass is [`super::norm::rms_norm_apply`] reading `h` back.
//! - `rms_norm_gated*`: `y = rms_norm(x)·w·silu(z)`, the norm before the gate (Qwen3-Next,
//!   FLA's gated norm); the statistics are rms_norm's own, so its split plan's first pass is
//!   [`super::norm::rms_norm_stats`].
//!
//! group_norm and batch_norm, per channel, are in [`super::channel_norm`].
//!
//! The row kernels keep the three plans of the norms (registers, looped, split), in the
//! layouts of [`super::rows`].

use super::norm::{add4, rms_span, scaled4};
use super::rows::{
    add, chunk_span, get4, index_in_row, load_row_slice, load_tile, map4, reduce4, row_of, row_reduce, same, set4,
    span_reduce, square, store_row_slice, store_tile, tile_span, tiles_per_step, wide,
};
use super::unary::math::silu;
use metaltile::prelude::*;

/// `v` rounded to `T` and widened again: what the four values read as once stored in `T`.
#[helper]
pub fn round4<T: Float>(v: [f32; 4]) -> [f32; 4] {
    let [a, b, c, d] = v;
    [(a as T) as f32, (b as T) as f32, (c as T) as f32, (d as T) as f32]
}

/// Σ v² over a chunk.
#[helper]
pub fn squares4(v: [f32; 4]) -> f32 {
    reduce4(map4(v, square), add)
}

/// `x · scale · w · silu(z)` for a chunk.
#[helper]
pub fn gated4(x: [f32; 4], w: [f32; 4], z: [f32; 4], scale: f32) -> [f32; 4] {
    let [a, b, c, d] = scaled4(x, w, scale);
    let [za, zb, zc, zd] = z;
    [a * silu(za), b * silu(zb), c * silu(zc), d * silu(zd)]
}

/// `h = x + res` (rounded to `T`) and `y = rms_norm(h) · w`, rows held in registers: `tpr`
/// threads per row, `per_thread` (a multiple of 8) elements each, `tpr · per_thread ≥ n`.
#[kernel]
pub fn add_rms_norm<T: Float>(
    x: &[T],
    res: &[T],
    w: &[T],
    h: &mut [T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    #[constexpr(default = 8)] per_thread: u32,
) {
    // One copy per layout, so each copy's loops are small enough to unroll.
    if wide::<T>(n) {
        add_rms_norm_in_registers(x, res, w, h, y, rows, n, tpr, eps, per_thread, 8);
    } else if n % 4 == 0 {
        add_rms_norm_in_registers(x, res, w, h, y, rows, n, tpr, eps, per_thread, 4);
    } else {
        add_rms_norm_in_registers(x, res, w, h, y, rows, n, tpr, eps, per_thread, 1);
    }
}

/// The body of [`add_rms_norm`] for one layout.
#[helper]
pub fn add_rms_norm_in_registers<T: Float>(
    x: &[T],
    res: &[T],
    w: &[T],
    h: &mut [T],
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
    let r = load_row_slice(res, start, n, t, tpr, per_thread, width, live, 0.0);
    let mut squares = 0.0f32;
    for j in 0..per_thread / 4 {
        // The statistics see `h` as stored: rounded to `T`.
        set4(v, j, round4::<T>(add4(get4(v, j), get4(r, j))));
        squares += squares4(get4(v, j));
    }
    store_row_slice(h, start, n, t, tpr, per_thread, width, live, v);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let wv = load_row_slice(w, 0, n, t, tpr, per_thread, width, live, 0.0);
    for j in 0..per_thread / 4 {
        set4(v, j, scaled4(get4(v, j), get4(wv, j), scale));
    }
    store_row_slice(y, start, n, t, tpr, per_thread, width, live, v);
}

/// [`add_rms_norm`] for rows too long for registers: one threadgroup per row; the first
/// walk stores `h` and sums its squares, the second reads `h` back (each thread its own
/// columns, mostly from L2) and normalizes.
#[kernel]
pub fn add_rms_norm_looped<T: Float>(x: &[T], res: &[T], w: &[T], h: &mut [T], y: &mut [T], n: u32, eps: f32) {
    if wide::<T>(n) {
        add_rms_norm_looped_in(x, res, w, h, y, n, eps, 8);
    } else if n % 4 == 0 {
        add_rms_norm_looped_in(x, res, w, h, y, n, eps, 4);
    } else {
        add_rms_norm_looped_in(x, res, w, h, y, n, eps, 1);
    }
}

/// The body of [`add_rms_norm_looped`] for one layout.
#[helper]
pub fn add_rms_norm_looped_in<T: Float>(
    x: &[T],
    res: &[T],
    w: &[T],
    h: &mut [T],
    y: &mut [T],
    n: u32,
    eps: f32,
    width: u32,
) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let squares = add_span(x, res, h, start, 0, n, tpr, width);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    rms_span(h, w, y, start, 0, n, tpr, width, scale);
}

/// Pass 1 of the split add_rms_norm: `h` of chunk `c` of row `r` stored, and
/// `part[r·chunks + c]` = Σ h² over it. Pass 2 is `rms_norm_apply` on `h`.
#[kernel]
pub fn add_rms_norm_stats<T: Float>(x: &[T], res: &[T], h: &mut [T], part: &mut [f32], n: u32, chunk_len: u32) {
    let row = group_id().y;
    let tpr = group_size().x;
    let [lo, hi] = chunk_span(n, chunk_len);
    let mut squares = 0.0f32;
    if wide::<T>(n) {
        squares = add_span(x, res, h, row * n, lo, hi, tpr, 8);
    } else if n % 4 == 0 {
        squares = add_span(x, res, h, row * n, lo, hi, tpr, 4);
    } else {
        squares = add_span(x, res, h, row * n, lo, hi, tpr, 1);
    }
    let total = row_reduce(squares, tpr, 0.0, add);
    if local_id().x == 0 {
        part[row * num_groups().x + group_id().x] = total;
    }
}

/// `h = x + res` rounded to `T` and stored over this thread's columns of `[lo, hi)`; returns
/// this thread's Σ h².
#[helper]
pub fn add_span<T: Float>(x: &[T], res: &[T], h: &mut [T], start: u32, lo: u32, hi: u32, tpr: u32, width: u32) -> f32 {
    let mut q = 0.0f32;
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        q += add_tile(x, res, h, start, base, hi, tpr, width);
        if tiles > 1 {
            q += add_tile(x, res, h, start, base + span, hi, tpr, width);
        }
    }
    q
}

/// [`add_span`] over the tile at `base`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn add_tile<T: Float>(x: &[T], res: &[T], h: &mut [T], start: u32, base: u32, hi: u32, tpr: u32, width: u32) -> f32 {
    let [x0, x1, x2, x3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let [r0, r1, r2, r3] = load_tile(res, start, base, tpr, hi, width, true, 0.0);
    let h0 = round4::<T>(add4(x0, r0));
    let h1 = round4::<T>(add4(x1, r1));
    let h2 = round4::<T>(add4(x2, r2));
    let h3 = round4::<T>(add4(x3, r3));
    store_tile(h, start, base, tpr, hi, width, true, [h0, h1, h2, h3]);
    (squares4(h0) + squares4(h1)) + (squares4(h2) + squares4(h3))
}

/// `y = x / √(mean(x²) + eps) · w · silu(z)`, rows held in registers (see [`add_rms_norm`]).
#[kernel]
pub fn rms_norm_gated<T: Float>(
    x: &[T],
    z: &[T],
    w: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    eps: f32,
    #[constexpr(default = 8)] per_thread: u32,
) {
    if wide::<T>(n) {
        rms_norm_gated_in_registers(x, z, w, y, rows, n, tpr, eps, per_thread, 8);
    } else if n % 4 == 0 {
        rms_norm_gated_in_registers(x, z, w, y, rows, n, tpr, eps, per_thread, 4);
    } else {
        rms_norm_gated_in_registers(x, z, w, y, rows, n, tpr, eps, per_thread, 1);
    }
}

/// The body of [`rms_norm_gated`] for one layout.
#[helper]
pub fn rms_norm_gated_in_registers<T: Float>(
    x: &[T],
    z: &[T],
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
    // The gate's loads are issued with x's, before the reduction waits on them.
    let zv = load_row_slice(z, start, n, t, tpr, per_thread, width, live, 0.0);
    let mut squares = 0.0f32;
    for j in 0..per_thread / 4 {
        squares += squares4(get4(v, j));
    }
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let wv = load_row_slice(w, 0, n, t, tpr, per_thread, width, live, 0.0);
    // Two loops of half the chunks: a gate's four sigmoids make a step large enough that
    // eight of them would exceed the unroll budget (and leave the arrays in memory).
    for j in 0..per_thread / 8 {
        set4(v, j, gated4(get4(v, j), get4(wv, j), get4(zv, j), scale));
    }
    for j in per_thread / 8..per_thread / 4 {
        set4(v, j, gated4(get4(v, j), get4(wv, j), get4(zv, j), scale));
    }
    store_row_slice(y, start, n, t, tpr, per_thread, width, live, v);
}

/// [`rms_norm_gated`] for rows too long for registers: one threadgroup per row, `x` read
/// twice (the second mostly from L2), `z` once.
#[kernel]
pub fn rms_norm_gated_looped<T: Float>(x: &[T], z: &[T], w: &[T], y: &mut [T], n: u32, eps: f32) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let squares = span_reduce(x, start, 0, n, tpr, n, true, 0.0, square, add);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    gated_span_any(x, z, w, y, start, 0, n, tpr, n, scale);
}

/// Pass 2 of the split rms_norm_gated (pass 1 is `rms_norm_stats`): the row's Σ x² from its
/// chunks, then chunk `c` normalized and gated.
#[kernel]
pub fn rms_norm_gated_apply<T: Float>(
    x: &[T],
    z: &[T],
    w: &[T],
    part: &[f32],
    y: &mut [T],
    n: u32,
    chunk_len: u32,
    eps: f32,
) {
    let row = group_id().y;
    let chunks = num_groups().x;
    let tpr = group_size().x;
    let squares = span_reduce(part, row * chunks, 0, chunks, tpr, chunks, true, 0.0, same, add);
    let scale = (row_reduce(squares, tpr, 0.0, add) / n as f32 + eps).rsqrt();
    let [lo, hi] = chunk_span(n, chunk_len);
    gated_span_any(x, z, w, y, row * n, lo, hi, tpr, n, scale);
}

/// `y = x · scale · w · silu(z)` over this thread's columns of `[lo, hi)`, in the layout of
/// rows of `row_len`, decided once per launch.
#[helper]
pub fn gated_span_any<T: Float>(
    x: &[T],
    z: &[T],
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
        gated_span(x, z, w, y, start, lo, hi, tpr, 8, scale);
    } else if row_len % 4 == 0 {
        gated_span(x, z, w, y, start, lo, hi, tpr, 4, scale);
    } else {
        gated_span(x, z, w, y, start, lo, hi, tpr, 1, scale);
    }
}

/// [`gated_span_any`] in one layout.
#[helper]
pub fn gated_span<T: Float>(
    x: &[T],
    z: &[T],
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
        gated_tile(x, z, w, y, start, base, hi, tpr, width, scale);
        if tiles > 1 {
            gated_tile(x, z, w, y, start, base + span, hi, tpr, width, scale);
        }
    }
}

/// `y = x · scale · w · silu(z)` over the tile at `base`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn gated_tile<T: Float>(
    x: &[T],
    z: &[T],
    w: &[T],
    y: &mut [T],
    start: u32,
    base: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    scale: f32,
) {
    let [x0, x1, x2, x3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
    let [z0, z1, z2, z3] = load_tile(z, start, base, tpr, hi, width, true, 0.0);
    let [w0, w1, w2, w3] = load_tile(w, 0, base, tpr, hi, width, true, 0.0);
    let y0 = gated4(x0, w0, z0, scale);
    let y1 = gated4(x1, w1, z1, scale);
    let y2 = gated4(x2, w2, z2, scale);
    let y3 = gated4(x3, w3, z3, scale);
    store_tile(y, start, base, tpr, hi, width, true, [y0, y1, y2, y3]);
}
