//! Softmax over the last axis of `[rows, n]`: `y = e^(x - max) / Σ e^(x - max)`, and its log
//! (`log_softmax`: `y = (x - max) - ln Σ e^(x - max)`, the same kernels with `log` set), in
//! three plans that `ops::softmax_plan` picks by shape (layout in [`super::rows`]):
//!
//! - `softmax`: the row fits in registers (`tpr · per_thread ≥ n`): each thread loads its
//!   elements once, the max and the sum come from registers, each element is written once.
//! - `softmax_looped`: one threadgroup per row, tile by tile: an online pass keeps a running
//!   max and a sum rescaled to it (one read), then a second read writes.
//! - `softmax_stats` + `softmax_apply`: few long rows, each split over a `(chunks, rows)`
//!   grid; pass 1 stores every chunk's (max, sum), pass 2 combines its row's and writes.

use super::rows::{
    add, chunk_span, get4, index_in_row, load_row_slice, load_tile, max, reduce4, row_of, row_reduce, set4,
    store_row_slice, store_tile, wide, TILE_CHUNKS,
};
use metaltile::prelude::*;

/// `e^(m - to)`: how a sum kept relative to the max `m` rescales to the max `to` ≥ `m`;
/// exactly 1 when they are equal, infinities included.
#[helper]
pub fn rescale(m: f32, to: f32) -> f32 {
    select(m == to, 1.0, (m - to).exp())
}

/// `e^(v - m)`, and 0 for `v = -∞` even when `m = -∞` (masked scores add nothing).
#[helper]
pub fn term(v: f32, m: f32) -> f32 {
    select(v == f32::NEG_INFINITY, 0.0, (v - m).exp())
}

/// Σ of [`term`] over four values.
#[helper]
pub fn terms4(v: [f32; 4], m: f32) -> f32 {
    let [a, b, c, d] = v;
    (term(a, m) + term(b, m)) + (term(c, m) + term(d, m))
}

/// The row's (max, Σ e^(x - max)) from each of its threads' (max, sum relative to it).
#[helper]
pub fn combine_row(m: f32, s: f32, tpr: u32) -> [f32; 2] {
    let row_max = row_reduce(m, tpr, f32::NEG_INFINITY, max);
    [row_max, row_reduce(s * rescale(m, row_max), tpr, 0.0, add)]
}

/// This thread's online (max, sum) over its columns of `x[start + lo .. start + hi)`.
#[helper]
pub fn online_span<T: Float>(x: &[T], start: u32, lo: u32, hi: u32, tpr: u32, width: u32) -> [f32; 2] {
    let mut m = f32::NEG_INFINITY;
    let mut s = 0.0f32;
    for base in (lo..hi).step_by(tpr * 4 * TILE_CHUNKS) {
        let [v0, v1, v2, v3] = load_tile(x, start, base, tpr, hi, width, true, f32::NEG_INFINITY);
        let tile_max = reduce4(v0, max).max(reduce4(v1, max)).max(reduce4(v2, max).max(reduce4(v3, max)));
        let new_m = m.max(tile_max);
        let tile_sum = (terms4(v0, new_m) + terms4(v1, new_m)) + (terms4(v2, new_m) + terms4(v3, new_m));
        s = s * rescale(m, new_m) + tile_sum;
        m = new_m;
    }
    [m, s]
}

/// The row's (max, sum) over `[lo, hi)` in the layout of rows of `row_len`, decided once
/// per launch.
#[helper]
pub fn span_stats<T: Float>(x: &[T], start: u32, lo: u32, hi: u32, tpr: u32, row_len: u32) -> [f32; 2] {
    let mut m = 0.0f32;
    let mut s = 0.0f32;
    if wide::<T>(row_len) {
        let [a, b] = online_span(x, start, lo, hi, tpr, 8);
        m = a;
        s = b;
    } else if row_len % 4 == 0 {
        let [a, b] = online_span(x, start, lo, hi, tpr, 4);
        m = a;
        s = b;
    } else {
        let [a, b] = online_span(x, start, lo, hi, tpr, 1);
        m = a;
        s = b;
    }
    combine_row(m, s, tpr)
}

/// `y = e^(x - row_max) · inv`, or with `log`, `y = (x - row_max) - ln_sum`, over this
/// thread's columns of `[lo, hi)`.
#[helper]
pub fn write_span<T: Float>(
    x: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    row_max: f32,
    inv: f32,
    log: bool,
    ln_sum: f32,
) {
    for base in (lo..hi).step_by(tpr * 4 * TILE_CHUNKS) {
        let [v0, v1, v2, v3] = load_tile(x, start, base, tpr, hi, width, true, 0.0);
        let out0 = output4(v0, row_max, inv, log, ln_sum);
        let out1 = output4(v1, row_max, inv, log, ln_sum);
        let out2 = output4(v2, row_max, inv, log, ln_sum);
        let out3 = output4(v3, row_max, inv, log, ln_sum);
        store_tile(y, start, base, tpr, hi, width, true, [out0, out1, out2, out3]);
    }
}

/// `e^(v - row_max) · inv` for four values.
#[helper]
pub fn normalized4(v: [f32; 4], row_max: f32, inv: f32) -> [f32; 4] {
    let [a, b, c, d] = v;
    [(a - row_max).exp() * inv, (b - row_max).exp() * inv, (c - row_max).exp() * inv, (d - row_max).exp() * inv]
}

/// Softmax (`e^(v - row_max) · inv`) or, with `log` (a constant), log-softmax
/// (`(v - row_max) - ln_sum`) of four values.
#[helper]
pub fn output4(v: [f32; 4], row_max: f32, inv: f32, log: bool, ln_sum: f32) -> [f32; 4] {
    let [a, b, c, d] = v;
    let l = [(a - row_max) - ln_sum, (b - row_max) - ln_sum, (c - row_max) - ln_sum, (d - row_max) - ln_sum];
    let [la, lb, lc, ld] = l;
    let [ea, eb, ec, ed] = normalized4(v, row_max, inv);
    [select(log, la, ea), select(log, lb, eb), select(log, lc, ec), select(log, ld, ed)]
}

/// [`write_span`] in the layout of rows of `row_len`, decided once per launch.
#[helper]
pub fn write_span_any<T: Float>(
    x: &[T],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    row_max: f32,
    row_sum: f32,
    log: bool,
) {
    let inv = 1.0 / row_sum;
    let ln_sum = row_sum.ln();
    if wide::<T>(row_len) {
        write_span(x, y, start, lo, hi, tpr, 8, row_max, inv, log, ln_sum);
    } else if row_len % 4 == 0 {
        write_span(x, y, start, lo, hi, tpr, 4, row_max, inv, log, ln_sum);
    } else {
        write_span(x, y, start, lo, hi, tpr, 1, row_max, inv, log, ln_sum);
    }
}

/// Softmax of rows held in registers: `tpr` threads per row, `per_thread` (a multiple of 8)
/// elements each, `tpr · per_thread ≥ n`.
#[kernel]
pub fn softmax<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, #[constexpr(default = 8)] per_thread: u32) {
    softmax_any_layout(x, y, rows, n, tpr, per_thread, false);
}

/// [`softmax`]'s log: `y = (x - max) - ln Σ e^(x - max)`, rows held in registers.
#[kernel]
pub fn log_softmax<T: Float>(
    x: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    #[constexpr(default = 8)] per_thread: u32,
) {
    softmax_any_layout(x, y, rows, n, tpr, per_thread, true);
}

/// The register plan in the layout of rows of `n`, one copy per layout so that each copy's
/// loops are small enough to unroll.
#[helper]
pub fn softmax_any_layout<T: Float>(x: &[T], y: &mut [T], rows: u32, n: u32, tpr: u32, per_thread: u32, log: bool) {
    if wide::<T>(n) {
        softmax_in_registers(x, y, rows, n, tpr, per_thread, 8, log);
    } else if n % 4 == 0 {
        softmax_in_registers(x, y, rows, n, tpr, per_thread, 4, log);
    } else {
        softmax_in_registers(x, y, rows, n, tpr, per_thread, 1, log);
    }
}

/// The body of [`softmax`] (or, with `log`, [`log_softmax`]) for one layout.
#[helper]
pub fn softmax_in_registers<T: Float>(
    x: &[T],
    y: &mut [T],
    rows: u32,
    n: u32,
    tpr: u32,
    per_thread: u32,
    width: u32,
    log: bool,
) {
    let row = row_of(tpr);
    let t = index_in_row(tpr);
    let live = row < rows;
    let start = row * n;
    let v = load_row_slice(x, start, n, t, tpr, per_thread, width, live, f32::NEG_INFINITY);
    let mut m = f32::NEG_INFINITY;
    for j in 0..per_thread / 4 {
        m = m.max(reduce4(get4(v, j), max));
    }
    let row_max = row_reduce(m, tpr, f32::NEG_INFINITY, max);
    let mut s = 0.0f32;
    if log {
        // The inputs stay in registers: the output needs them, not their exponentials.
        for j in 0..per_thread / 4 {
            let [a, b, c, d] = get4(v, j);
            s += ((a - row_max).exp() + (b - row_max).exp()) + ((c - row_max).exp() + (d - row_max).exp());
        }
        let ln_sum = row_reduce(s, tpr, 0.0, add).ln();
        for j in 0..per_thread / 4 {
            let [a, b, c, d] = get4(v, j);
            set4(
                v,
                j,
                [(a - row_max) - ln_sum, (b - row_max) - ln_sum, (c - row_max) - ln_sum, (d - row_max) - ln_sum],
            );
        }
    } else {
        for j in 0..per_thread / 4 {
            let [a, b, c, d] = get4(v, j);
            let e = [(a - row_max).exp(), (b - row_max).exp(), (c - row_max).exp(), (d - row_max).exp()];
            set4(v, j, e);
            s += reduce4(e, add);
        }
        let inv = 1.0 / row_reduce(s, tpr, 0.0, add);
        for j in 0..per_thread / 4 {
            let [a, b, c, d] = get4(v, j);
            set4(v, j, [a * inv, b * inv, c * inv, d * inv]);
        }
    }
    store_row_slice(y, start, n, t, tpr, per_thread, width, live, v);
}

/// Softmax of rows too long for registers: one threadgroup per row, read twice.
#[kernel]
pub fn softmax_looped<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let [row_max, row_sum] = span_stats(x, start, 0, n, tpr, n);
    write_span_any(x, y, start, 0, n, tpr, n, row_max, row_sum, false);
}

/// [`log_softmax`] of rows too long for registers: one threadgroup per row, read twice.
#[kernel]
pub fn log_softmax_looped<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let tpr = group_size().x;
    let start = group_id().x * n;
    let [row_max, row_sum] = span_stats(x, start, 0, n, tpr, n);
    write_span_any(x, y, start, 0, n, tpr, n, row_max, row_sum, true);
}

/// Pass 1 of the split softmax: `part[(r·chunks + c)·2 ..][..2]` = (max, Σ e^(x - max)) of
/// chunk `c` (`chunk_len` columns, a multiple of 8) of row `r`; threadgroup `(c, r)`.
#[kernel]
pub fn softmax_stats<T: Float>(x: &[T], part: &mut [f32], n: u32, chunk_len: u32) {
    let row = group_id().y;
    let [lo, hi] = chunk_span(n, chunk_len);
    let [m, s] = span_stats(x, row * n, lo, hi, group_size().x, n);
    if local_id().x == 0 {
        store2(&part, (row * num_groups().x + group_id().x) * 2, [m, s]);
    }
}

/// Pass 2 of the split softmax: combine row `r`'s chunk statistics, then write chunk `c`.
#[kernel]
pub fn softmax_apply<T: Float>(x: &[T], part: &[f32], y: &mut [T], n: u32, chunk_len: u32) {
    apply_chunk(x, part, y, n, chunk_len, false);
}

/// Pass 2 of the split log_softmax (pass 1 is [`softmax_stats`]).
#[kernel]
pub fn log_softmax_apply<T: Float>(x: &[T], part: &[f32], y: &mut [T], n: u32, chunk_len: u32) {
    apply_chunk(x, part, y, n, chunk_len, true);
}

/// Combine row `r`'s chunk statistics, then write chunk `c` (softmax, or with `log` its log).
#[helper]
pub fn apply_chunk<T: Float>(x: &[T], part: &[f32], y: &mut [T], n: u32, chunk_len: u32, log: bool) {
    let row = group_id().y;
    let chunks = num_groups().x;
    let tpr = group_size().x;
    let mut m = f32::NEG_INFINITY;
    let mut s = 0.0f32;
    for c in (local_id().x..chunks).step_by(tpr) {
        let at = (row * chunks + c) * 2;
        let [chunk_max, chunk_sum] = load2(&part, at);
        let new_m = m.max(chunk_max);
        s = s * rescale(m, new_m) + chunk_sum * rescale(chunk_max, new_m);
        m = new_m;
    }
    let [row_max, row_sum] = combine_row(m, s, tpr);
    let [lo, hi] = chunk_span(n, chunk_len);
    write_span_any(x, y, row * n, lo, hi, tpr, n, row_max, row_sum, log);
}
