//! argmax and argmin over the last axis of `[rows, n]`: the index (i64, as torch) of the
//! largest (smallest) element, the first on ties, and the first NaN where the row has one.
//!
//! Each thread keeps a (value, index) candidate over its columns, the row's threads combine
//! candidates with the same rule (a butterfly, then threadgroup memory for rows of more than
//! 32 threads), in the launches of the other row reductions: `tpr` threads per row, or for
//! few long rows a split plan storing each chunk's candidate (`part_v`, `part_i`) and a
//! second launch folding a row's chunks. Columns past the row read as the worst value with
//! index `u32::MAX`, so they lose every tie.

use super::rows::{chunk_cols, chunk_span, index_in_row, load_tile, row_of, wide, TILE_CHUNKS};
use metaltile::prelude::*;

/// Whether candidate `(w, j)` beats `(v, i)`: a NaN beats any number, and among NaNs or
/// equal values the lower index wins; else the larger (with `largest`) or smaller value.
#[helper]
pub fn beats(w: f32, j: u32, v: f32, i: u32, largest: bool) -> bool {
    let tie = (w == v) | (w.is_nan() & v.is_nan());
    let better = select(largest, w > v, w < v);
    select(v.is_nan(), w.is_nan() & (j < i), w.is_nan() | better | (tie & (j < i)))
}

/// The f32 whose bits are `b` (candidates travel as two u32: value bits and index).
#[helper]
pub fn as_f32(b: u32) -> f32 {
    b.to_bits()
}

/// The bits of `v`.
#[helper]
pub fn bits_of(v: f32) -> u32 {
    v.to_bits()
}

/// The better of two candidates.
#[helper]
pub fn pick(v: f32, i: u32, w: f32, j: u32, largest: bool) -> [u32; 2] {
    let take = beats(w, j, v, i, largest);
    [select(take, bits_of(w), bits_of(v)), select(take, j, i)]
}

/// The candidate of the four columns of chunk `j` of the tile at `base` against `best`.
#[helper]
pub fn fold_chunk(best: [u32; 2], vals: [f32; 4], cols: [u32; 2], largest: bool) -> [u32; 2] {
    let [c0, step] = cols;
    let [a, b, c, d] = vals;
    let [v0, i0] = best;
    let [v1, i1] = pick(as_f32(v0), i0, a, c0, largest);
    let [v2, i2] = pick(as_f32(v1), i1, b, c0 + step, largest);
    let [v3, i3] = pick(as_f32(v2), i2, c, c0 + 2 * step, largest);
    pick(as_f32(v3), i3, d, c0 + 3 * step, largest)
}

/// This thread's candidate over its columns of `x[start + lo .. start + hi)` (layout
/// `width`), as (value bits, index).
#[helper]
pub fn arg_span_in<T: Float>(
    x: &[T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    live: bool,
    largest: bool,
) -> [u32; 2] {
    let worst = select(largest, f32::NEG_INFINITY, f32::INFINITY);
    let t = index_in_row(tpr);
    let mut v = bits_of(worst);
    let mut i = u32::MAX;
    for base in (lo..hi).step_by(tpr * 4 * TILE_CHUNKS) {
        let [c0, c1, c2, c3] = load_tile(x, start, base, tpr, hi, width, live, worst);
        let b0 = fold_chunk([v, i], c0, chunk_cols(base, 0, t, tpr, width), largest);
        let b1 = fold_chunk(b0, c1, chunk_cols(base, 1, t, tpr, width), largest);
        let b2 = fold_chunk(b1, c2, chunk_cols(base, 2, t, tpr, width), largest);
        let [nv, ni] = fold_chunk(b2, c3, chunk_cols(base, 3, t, tpr, width), largest);
        v = nv;
        i = ni;
    }
    // A fill column wins nothing over a real one, but a span of fills keeps index u32::MAX.
    [v, i]
}

/// [`arg_span_in`] in the layout of rows of `row_len`, decided once per launch.
#[helper]
pub fn arg_span<T: Float>(
    x: &[T],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    live: bool,
    largest: bool,
) -> [u32; 2] {
    let mut v = 0u32;
    let mut i = 0u32;
    if wide::<T>(row_len) {
        let [a, b] = arg_span_in(x, start, lo, hi, tpr, 8, live, largest);
        v = a;
        i = b;
    } else if row_len % 4 == 0 {
        let [a, b] = arg_span_in(x, start, lo, hi, tpr, 4, live, largest);
        v = a;
        i = b;
    } else {
        let [a, b] = arg_span_in(x, start, lo, hi, tpr, 1, live, largest);
        v = a;
        i = b;
    }
    [v, i]
}

/// One butterfly step over candidates: combine with the lane `mask` away when the segment
/// is wider.
#[helper]
fn arg_step(c: [u32; 2], width: u32, mask: u32, largest: bool) -> [u32; 2] {
    let [v, i] = c;
    let w = simd_shuffle_xor(v, mask);
    let j = simd_shuffle_xor(i, mask);
    let [bv, bi] = pick(as_f32(v), i, as_f32(w), j, largest);
    [select(width > mask, bv, v), select(width > mask, bi, i)]
}

/// The best candidate over aligned segments of `width` lanes (every lane gets its segment's).
#[helper]
pub fn arg_segment(c: [u32; 2], width: u32, largest: bool) -> [u32; 2] {
    let c = arg_step(c, width, 16, largest);
    let c = arg_step(c, width, 8, largest);
    let c = arg_step(c, width, 4, largest);
    let c = arg_step(c, width, 2, largest);
    arg_step(c, width, 1, largest)
}

/// The best candidate over the `tpr` threads of each row (every thread gets its row's);
/// every thread of the threadgroup must call it.
#[helper]
pub fn arg_row(c: [u32; 2], tpr: u32, largest: bool) -> [u32; 2] {
    let [sv, si] = arg_segment(c, tpr, largest);
    let mut v = sv;
    let mut i = si;
    if tpr > 32 {
        let vals = threadgroup_array::<u32>(32);
        let idxs = threadgroup_array::<u32>(32);
        if lane_id() == 0 {
            vals[simdgroup_id()] = v;
            idxs[simdgroup_id()] = i;
        }
        threadgroup_barrier();
        let per_row = tpr / 32;
        let first = simdgroup_id() & !(per_row - 1);
        let mine = lane_id() < per_row;
        let worst = bits_of(select(largest, f32::NEG_INFINITY, f32::INFINITY));
        let pv = if mine { vals[first + lane_id()] } else { worst };
        let pi = if mine { idxs[first + lane_id()] } else { u32::MAX };
        let [rv, ri] = arg_segment([pv, pi], per_row, largest);
        v = simd_broadcast(rv, 0);
        i = simd_broadcast(ri, 0);
    }
    [v, i]
}

/// `y[row]` = the index of the best element of `x[row, 0..n)`, `tpr` threads per row.
#[helper]
pub fn arg_rows_into<T: Float>(x: &[T], y: &mut [i64], rows: u32, n: u32, tpr: u32, largest: bool) {
    let row = row_of(tpr);
    let live = row < rows;
    let [_, i] = arg_row(arg_span(x, row * n, 0, n, tpr, n, live, largest), tpr, largest);
    if live & (index_in_row(tpr) == 0) {
        y[row] = i as i64;
    }
}

/// `y[r]` = the index of the largest `x[r, i]`: the first on ties, the first NaN if any.
#[kernel]
pub fn argmax_rows<T: Float>(x: &[T], y: &mut [i64], rows: u32, n: u32, tpr: u32) {
    arg_rows_into(x, y, rows, n, tpr, true);
}

/// `y[r]` = the index of the smallest `x[r, i]`: the first on ties, the first NaN if any.
#[kernel]
pub fn argmin_rows<T: Float>(x: &[T], y: &mut [i64], rows: u32, n: u32, tpr: u32) {
    arg_rows_into(x, y, rows, n, tpr, false);
}

/// Pass 1 of the split plan: chunk `c` of row `r`'s candidate in `part_v` (value bits) and
/// `part_i` at `r·chunks + c`, `(c, r)` this threadgroup's place in a `(chunks, rows)` grid.
#[kernel]
pub fn arg_rows_partials<T: Float>(
    x: &[T],
    part_v: &mut [u32],
    part_i: &mut [u32],
    n: u32,
    chunk_len: u32,
    #[constexpr(default = 1)] largest: u32,
) {
    let row = group_id().y;
    let [lo, hi] = chunk_span(n, chunk_len);
    let tpr = group_size().x;
    let [v, i] = arg_row(arg_span(x, row * n, lo, hi, tpr, n, true, largest == 1), tpr, largest == 1);
    if local_id().x == 0 {
        let at = row * num_groups().x + group_id().x;
        part_v[at] = v;
        part_i[at] = i;
    }
}

/// Pass 2 of the split plan: `y[r]` = the index of the best of row `r`'s chunk candidates,
/// `tpr` threads per row.
#[kernel]
pub fn arg_rows_finish<T: Float>(
    part_v: &[u32],
    part_i: &[u32],
    y: &mut [i64],
    rows: u32,
    chunks: u32,
    tpr: u32,
    #[constexpr(default = 1)] largest: u32,
) {
    let row = row_of(tpr);
    let live = row < rows;
    let big = largest == 1;
    let mut v = bits_of(select(big, f32::NEG_INFINITY, f32::INFINITY));
    let mut i = u32::MAX;
    for c in (index_in_row(tpr)..select(live, chunks, 0)).step_by(tpr) {
        let [nv, ni] = pick(as_f32(v), i, as_f32(part_v[row * chunks + c]), part_i[row * chunks + c], big);
        v = nv;
        i = ni;
    }
    let [_, best] = arg_row([v, i], tpr, big);
    if live & (index_in_row(tpr) == 0) {
        y[row] = best as i64;
    }
}
