//! Scans: cumulative sums and products along an axis, inclusive or exclusive, forward or
//! reversed, optionally with a bool mask (a masked-off element contributes the identity, 0
//! for a sum). Accumulation is in f32; each output is rounded once to `T`.
//!
//! **Last axis** (`[rows, n]`): a *slot* of `tpr` lanes (a power of two, at most 32: one
//! simdgroup or a segment of one, so no barrier is ever needed) walks a span of a row tile by
//! tile, carrying the running value. A tile gives each lane [`TILE_PER_THREAD`] elements in
//! *segments* of `width` consecutive elements (8 for 16-bit types when `n % 8 == 0`, one
//! 16-byte access; 4 when `n % 4 == 0`, one vector access; else 1), segment `s` of lane `t`
//! at columns `base + (s·tpr + t)·width`: every access is coalesced across the slot. Each
//! segment is scanned in the lane, the lanes' totals are scanned across the slot with
//! shuffles, and the carry is added.
//!
//! **Reverse** scans read the row backwards: virtual column `v` is physical column
//! `n - 1 - v`, so a vector at virtual `c0` is the vector at physical `n - c0 - width`, its
//! elements reversed (still aligned, as `n` is a multiple of `width`).
//!
//! **Plans** (`ops::scan`): `tpr` lanes per row in one launch of the op's kernel; or, for few
//! long rows, each row cut into `chunks` spans of `chunk_len` (a multiple of a 32-lane
//! tile): `scan_totals` folds every span, an exclusive scan of those totals gives each span
//! its carry (`carries`), and the op's kernel scans each span from its carry.
//!
//! **Inner axes** (`[outer, n, inner]`, `inner > 1`): `scan_cols` gives each thread one
//! column `(o, j)` (or one span of one, after `scan_col_totals` and a scan of the spans'
//! totals), neighbouring threads on neighbouring columns, so every step is one coalesced
//! access; four steps are loaded before any is used.
//!
//! Every kernel takes `mask` and `carries`; an instance reads `mask` only when `masked` and
//! `carries` only when `carried` (the plans pass one-element placeholders otherwise), so one
//! body serves every op.

use super::rows::{row_of, wide};
use metaltile::prelude::*;

/// `op`: Σ.
pub const SUM: u32 = 0;
/// `op`: Π.
pub const PROD: u32 = 1;

/// Elements a lane holds per tile: two 16-byte accesses of a 16-bit type, four of f32.
pub const TILE_PER_THREAD: u32 = 16;
/// Lanes of a slot in the chunked plans (a whole simdgroup).
pub const SLOT_LANES: u32 = 32;

/// The identity of `op`: 0 for a sum, 1 for a product.
#[helper]
pub fn identity_of(op: u32) -> f32 {
    let mut r = 0.0f32;
    if op == PROD {
        r = 1.0;
    }
    r
}

/// `a op b`
#[helper]
pub fn combine(op: u32, a: f32, b: f32) -> f32 {
    let mut r = 0.0f32;
    if op == PROD {
        r = a * b;
    } else {
        r = a + b;
    }
    r
}

/// This lane's index in its slot of `tpr` lanes.
#[helper]
pub fn lane_in_slot(tpr: u32) -> u32 {
    lane_id() & (tpr - 1)
}

/// One step of the slot's inclusive scan: take the value `d` lanes back when it is in the slot.
#[helper]
fn scan_step(v: f32, d: u32, tpr: u32, op: u32) -> f32 {
    let back = simd_shuffle_up(v, d);
    select(lane_in_slot(tpr) >= d, combine(op, back, v), v)
}

/// `op` over lanes `0..=t` of each slot of `tpr` lanes (`t` this lane's index in it). Every
/// lane of the simdgroup must call it.
#[helper]
pub fn slot_inclusive(v: f32, tpr: u32, op: u32) -> f32 {
    let v = scan_step(v, 1, tpr, op);
    let v = scan_step(v, 2, tpr, op);
    let v = scan_step(v, 4, tpr, op);
    let v = scan_step(v, 8, tpr, op);
    scan_step(v, 16, tpr, op)
}

/// Position in the lane's tile array of element `k` of a vector of segment `s`: reversed
/// within the vector when the row is read backwards.
#[helper]
fn slot_of(s: u32, k: u32, width: u32, reverse: bool) -> u32 {
    width * s + select(reverse, width - 1 - k, k)
}

/// First physical column of the `width` elements at virtual column `c0` (see the module doc).
#[helper]
fn physical(c0: u32, n: u32, width: u32, reverse: bool) -> u32 {
    select(reverse, n - c0 - width, c0)
}

/// First virtual column of segment `s` of this lane in the tile at `base`.
#[helper]
fn segment_col(base: u32, s: u32, tpr: u32, width: u32) -> u32 {
    base + (s * tpr + lane_in_slot(tpr)) * width
}

/// This lane's elements of the tile at virtual column `base` of the row at `start` (length
/// `n`), widened to f32 in virtual order; `fill` at or past virtual column `end` and in a row
/// that is not `live`.
#[helper]
pub fn load_scan_tile<T: Float>(
    x: &[T],
    start: u32,
    base: u32,
    end: u32,
    n: u32,
    tpr: u32,
    width: u32,
    live: bool,
    reverse: bool,
    fill: f32,
) -> Local<f32> {
    let v = private_array::<f32>(TILE_PER_THREAD);
    for s in 0..TILE_PER_THREAD / width {
        let c0 = segment_col(base, s, tpr, width);
        let ok = live & (c0 < end);
        if width == 1 {
            let at = select(reverse, n - 1 - c0, c0);
            v[s] = masked_load(&x, start + at, ok, fill as T) as f32;
        } else {
            for k in 0..width {
                v[width * s + k] = fill;
            }
            if ok {
                let p = start + physical(c0, n, width, reverse);
                if width == 8 {
                    let [q0, q1, q2, q3, q4, q5, q6, q7] = load8(&x, p);
                    v[slot_of(s, 0, 8, reverse)] = q0 as f32;
                    v[slot_of(s, 1, 8, reverse)] = q1 as f32;
                    v[slot_of(s, 2, 8, reverse)] = q2 as f32;
                    v[slot_of(s, 3, 8, reverse)] = q3 as f32;
                    v[slot_of(s, 4, 8, reverse)] = q4 as f32;
                    v[slot_of(s, 5, 8, reverse)] = q5 as f32;
                    v[slot_of(s, 6, 8, reverse)] = q6 as f32;
                    v[slot_of(s, 7, 8, reverse)] = q7 as f32;
                } else {
                    let [q0, q1, q2, q3] = load4(&x, p);
                    v[slot_of(s, 0, 4, reverse)] = q0 as f32;
                    v[slot_of(s, 1, 4, reverse)] = q1 as f32;
                    v[slot_of(s, 2, 4, reverse)] = q2 as f32;
                    v[slot_of(s, 3, 4, reverse)] = q3 as f32;
                }
            }
        }
    }
    v
}

/// Replace the elements of `v` (a tile as [`load_scan_tile`] lays it out) whose mask is false
/// by `fill`. The mask is read with 4-byte accesses (`width` > 1 keeps them aligned).
#[helper]
pub fn mask_scan_tile(
    mask: &[bool],
    v: Local<f32>,
    start: u32,
    base: u32,
    end: u32,
    n: u32,
    tpr: u32,
    width: u32,
    live: bool,
    reverse: bool,
    fill: f32,
) {
    for s in 0..TILE_PER_THREAD / width {
        let c0 = segment_col(base, s, tpr, width);
        let ok = live & (c0 < end);
        if width == 1 {
            let at = select(reverse, n - 1 - c0, c0);
            let keep = masked_load(&mask, start + at, ok, false);
            v[s] = select(keep, v[s], fill);
        } else if ok {
            let p = start + physical(c0, n, width, reverse);
            for h in 0..width / 4 {
                let [m0, m1, m2, m3] = load4(&mask, p + 4 * h);
                let i0 = slot_of(s, 4 * h, width, reverse);
                let i1 = slot_of(s, 4 * h + 1, width, reverse);
                let i2 = slot_of(s, 4 * h + 2, width, reverse);
                let i3 = slot_of(s, 4 * h + 3, width, reverse);
                v[i0] = select(m0, v[i0], fill);
                v[i1] = select(m1, v[i1], fill);
                v[i2] = select(m2, v[i2], fill);
                v[i3] = select(m3, v[i3], fill);
            }
        }
    }
}

/// Store the tile `v` (laid out as [`load_scan_tile`] loads it) where its columns exist,
/// rounding to `T`.
#[helper]
pub fn store_scan_tile<T: Float>(
    y: &mut [T],
    v: Local<f32>,
    start: u32,
    base: u32,
    end: u32,
    n: u32,
    tpr: u32,
    width: u32,
    live: bool,
    reverse: bool,
) {
    for s in 0..TILE_PER_THREAD / width {
        let c0 = segment_col(base, s, tpr, width);
        if live & (c0 < end) {
            if width == 1 {
                y[start + select(reverse, n - 1 - c0, c0)] = v[s] as T;
            } else {
                let p = start + physical(c0, n, width, reverse);
                if width == 8 {
                    store8(
                        &y,
                        p,
                        [
                            v[slot_of(s, 0, 8, reverse)] as T,
                            v[slot_of(s, 1, 8, reverse)] as T,
                            v[slot_of(s, 2, 8, reverse)] as T,
                            v[slot_of(s, 3, 8, reverse)] as T,
                            v[slot_of(s, 4, 8, reverse)] as T,
                            v[slot_of(s, 5, 8, reverse)] as T,
                            v[slot_of(s, 6, 8, reverse)] as T,
                            v[slot_of(s, 7, 8, reverse)] as T,
                        ],
                    );
                } else {
                    store4(
                        &y,
                        p,
                        [
                            v[slot_of(s, 0, 4, reverse)] as T,
                            v[slot_of(s, 1, 4, reverse)] as T,
                            v[slot_of(s, 2, 4, reverse)] as T,
                            v[slot_of(s, 3, 4, reverse)] as T,
                        ],
                    );
                }
            }
        }
    }
}

/// Scan the tile `v` in place from `carry` (the slot's value before the tile), segment by
/// segment: within the lane, then across the slot's lanes, then the carry; returns the carry
/// after the tile. Exclusive scans leave each element the value before it.
#[helper]
pub fn scan_tile(v: Local<f32>, carry: f32, tpr: u32, width: u32, op: u32, exclusive: bool) -> f32 {
    let mut c = carry;
    let first_lane = lane_in_slot(tpr) == 0;
    let last_lane = lane_id() | (tpr - 1);
    for s in 0..TILE_PER_THREAD / width {
        let mut acc = identity_of(op);
        for k in 0..width {
            let next = combine(op, acc, v[width * s + k]);
            if exclusive {
                v[width * s + k] = acc;
            } else {
                v[width * s + k] = next;
            }
            acc = next;
        }
        let through = slot_inclusive(acc, tpr, op);
        // The lanes before this one in the slot: the inclusive value one lane back.
        let before = select(first_lane, identity_of(op), simd_shuffle_up(through, 1));
        let offset = combine(op, c, before);
        for k in 0..width {
            v[width * s + k] = combine(op, offset, v[width * s + k]);
        }
        c = combine(op, c, simd_shuffle(through, last_lane));
    }
    c
}

/// Scan virtual columns `[lo, hi)` of the row at `start` (length `n`) into `y` from `carry`,
/// tile by tile, in the layout of `width`.
#[helper]
pub fn scan_span_in<T: Float>(
    x: &[T],
    mask: &[bool],
    y: &mut [T],
    start: u32,
    lo: u32,
    hi: u32,
    n: u32,
    tpr: u32,
    width: u32,
    live: bool,
    carry: f32,
    op: u32,
    exclusive: bool,
    reverse: bool,
    masked: bool,
) {
    let fill = identity_of(op);
    let mut c = carry;
    for base in (lo..hi).step_by(tpr * TILE_PER_THREAD) {
        let v = load_scan_tile(x, start, base, hi, n, tpr, width, live, reverse, fill);
        if masked {
            mask_scan_tile(mask, v, start, base, hi, n, tpr, width, live, reverse, fill);
        }
        c = scan_tile(v, c, tpr, width, op, exclusive);
        store_scan_tile(y, v, start, base, hi, n, tpr, width, live, reverse);
    }
}

/// This slot's `(row, lo, hi, live)`: slot `g` serves span `g % chunks` of row `g / chunks`.
#[helper]
pub fn slot_span(n: u32, chunks: u32, chunk_len: u32, tpr: u32) -> [u32; 4] {
    let g = row_of(tpr);
    let row = g / chunks;
    let lo = (g % chunks) * chunk_len;
    // `lo + chunk_len` could wrap for the last span of a row near 2^32.
    let hi = lo + chunk_len.min(n - lo.min(n));
    [g, row, lo, hi]
}

/// The scan of the op (`op`, `exclusive`, `masked`) over every row or span: the body of the
/// op kernels of the last axis.
#[helper]
pub fn scan_rows_into<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    op: u32,
    exclusive: bool,
    reverse: bool,
    masked: bool,
    carried: bool,
) {
    let [g, row, lo, hi] = slot_span(n, chunks, chunk_len, tpr);
    let live = row < rows;
    let mut carry = identity_of(op);
    if carried {
        carry = masked_load(&carries, g, live, identity_of(op));
    }
    let start = row * n;
    if wide::<T>(n) {
        scan_span_in(x, mask, y, start, lo, hi, n, tpr, 8, live, carry, op, exclusive, reverse, masked);
    } else if n % 4 == 0 {
        scan_span_in(x, mask, y, start, lo, hi, n, tpr, 4, live, carry, op, exclusive, reverse, masked);
    } else {
        scan_span_in(x, mask, y, start, lo, hi, n, tpr, 1, live, carry, op, exclusive, reverse, masked);
    }
}

/// `y[r, i] = Σ_{j ≤ i} x[r, j]` (`reverse`: `Σ_{j ≥ i}`), `tpr` lanes per row; with
/// `carried`, span `g` of a chunked row starts from `carries[g]`.
#[kernel]
pub fn cumsum<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] carried: bool,
) {
    scan_rows_into(x, mask, carries, y, rows, n, chunks, chunk_len, tpr, SUM, false, reverse, false, carried);
}

/// `y[r, i] = Σ_{j < i} x[r, j]` (`reverse`: `Σ_{j > i}`); 0 for the first.
#[kernel]
pub fn cumsum_exclusive<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] carried: bool,
) {
    scan_rows_into(x, mask, carries, y, rows, n, chunks, chunk_len, tpr, SUM, true, reverse, false, carried);
}

/// `y[r, i] = Π_{j ≤ i} x[r, j]` (`reverse`: `Π_{j ≥ i}`).
#[kernel]
pub fn cumprod<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] carried: bool,
) {
    scan_rows_into(x, mask, carries, y, rows, n, chunks, chunk_len, tpr, PROD, false, reverse, false, carried);
}

/// `y[r, i] = Π_{j < i} x[r, j]` (`reverse`: `Π_{j > i}`); 1 for the first.
#[kernel]
pub fn cumprod_exclusive<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] carried: bool,
) {
    scan_rows_into(x, mask, carries, y, rows, n, chunks, chunk_len, tpr, PROD, true, reverse, false, carried);
}

/// `y[r, i] = Σ_{j ≤ i, mask[r, j]} x[r, j]` (`reverse`: `j ≥ i`): a masked-off element adds
/// 0 whatever its value (a NaN or ∞ under a false mask does not propagate).
#[kernel]
pub fn masked_cumsum<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    tpr: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] carried: bool,
) {
    scan_rows_into(x, mask, carries, y, rows, n, chunks, chunk_len, tpr, SUM, false, reverse, true, carried);
}

/// `op` over this lane's elements of virtual columns `[lo, hi)` of the row at `start`.
#[helper]
pub fn fold_span_in<T: Float>(
    x: &[T],
    mask: &[bool],
    start: u32,
    lo: u32,
    hi: u32,
    n: u32,
    width: u32,
    live: bool,
    op: u32,
    reverse: bool,
    masked: bool,
) -> f32 {
    let fill = identity_of(op);
    let mut acc = fill;
    for base in (lo..hi).step_by(SLOT_LANES * TILE_PER_THREAD) {
        let v = load_scan_tile(x, start, base, hi, n, SLOT_LANES, width, live, reverse, fill);
        if masked {
            mask_scan_tile(mask, v, start, base, hi, n, SLOT_LANES, width, live, reverse, fill);
        }
        for i in 0..TILE_PER_THREAD {
            acc = combine(op, acc, v[i]);
        }
    }
    acc
}

/// Pass 1 of a chunked scan: `part[g]` = `op` over span `g % chunks` (virtual columns, so
/// from the end when `reverse`) of row `g / chunks`, one simdgroup per span.
#[kernel]
pub fn scan_totals<T: Float>(
    x: &[T],
    mask: &[bool],
    part: &mut [f32],
    rows: u32,
    n: u32,
    chunks: u32,
    chunk_len: u32,
    #[constexpr(default = 0)] op: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] masked: bool,
) {
    let [g, row, lo, hi] = slot_span(n, chunks, chunk_len, SLOT_LANES);
    let live = row < rows;
    let start = row * n;
    let mut mine = identity_of(op);
    if wide::<T>(n) {
        mine = fold_span_in(x, mask, start, lo, hi, n, 8, live, op, reverse, masked);
    } else if n % 4 == 0 {
        mine = fold_span_in(x, mask, start, lo, hi, n, 4, live, op, reverse, masked);
    } else {
        mine = fold_span_in(x, mask, start, lo, hi, n, 1, live, op, reverse, masked);
    }
    let total = simd_shuffle(slot_inclusive(mine, SLOT_LANES, op), SLOT_LANES - 1);
    if live & (lane_id() == 0) {
        part[g] = total;
    }
}

/// This thread's column of an inner-axis scan: `[g, o, lo, hi]` for thread `g` of
/// `outer · chunks · inner`, serving column `g % inner` of block `o`, span `lo..hi` of `n`.
#[helper]
pub fn col_span(n: u32, inner: u32, chunks: u32, chunk_len: u32) -> [u32; 4] {
    let g = global_id().x;
    let rest = g / inner;
    let lo = (rest % chunks) * chunk_len;
    let hi = lo + chunk_len.min(n - lo.min(n));
    [g, rest / chunks, lo, hi]
}

/// `x[o, k, j]` for virtual step `k` of the column at `start` (`fill` past `hi`, or where the
/// mask is false).
#[helper]
pub fn col_value<T: Float>(
    x: &[T],
    mask: &[bool],
    start: u32,
    k: u32,
    hi: u32,
    n: u32,
    inner: u32,
    fill: f32,
    reverse: bool,
    masked: bool,
) -> f32 {
    let ok = k < hi;
    let at = start + select(reverse, n - 1 - k, k) * inner;
    let mut v = masked_load(&x, at, ok, fill as T) as f32;
    if masked {
        v = select(masked_load(&mask, at, ok, false), v, fill);
    }
    v
}

/// One step of a column scan: store the step's output where it exists; the carry after it.
#[helper]
pub fn col_step<T: Float>(
    y: &mut [T],
    start: u32,
    k: u32,
    hi: u32,
    n: u32,
    inner: u32,
    acc: f32,
    v: f32,
    op: u32,
    exclusive: bool,
    reverse: bool,
) -> f32 {
    let next = combine(op, acc, v);
    if k < hi {
        y[start + select(reverse, n - 1 - k, k) * inner] = select(exclusive, acc, next) as T;
    }
    next
}

/// Scan along an inner axis: `x` seen as `[outer, n, inner]`, thread `g` scans span
/// `(g / inner) % chunks` of column `(o, g % inner)` from `carries[g]` (when `carried`), four
/// steps loaded before any is used.
#[kernel]
pub fn scan_cols<T: Float>(
    x: &[T],
    mask: &[bool],
    carries: &[f32],
    y: &mut [T],
    outer: u32,
    n: u32,
    inner: u32,
    chunks: u32,
    chunk_len: u32,
    #[constexpr(default = 0)] op: u32,
    #[constexpr(default = false)] exclusive: bool,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] masked: bool,
    #[constexpr(default = false)] carried: bool,
) {
    let [g, o, lo, hi] = col_span(n, inner, chunks, chunk_len);
    if g < outer * chunks * inner {
        let fill = identity_of(op);
        let mut acc = fill;
        if carried {
            acc = carries[g];
        }
        let start = o * n * inner + g % inner;
        for k in (lo..hi).step_by(4) {
            let a = col_value(x, mask, start, k, hi, n, inner, fill, reverse, masked);
            let b = col_value(x, mask, start, k + 1, hi, n, inner, fill, reverse, masked);
            let c = col_value(x, mask, start, k + 2, hi, n, inner, fill, reverse, masked);
            let d = col_value(x, mask, start, k + 3, hi, n, inner, fill, reverse, masked);
            acc = col_step(y, start, k, hi, n, inner, acc, a, op, exclusive, reverse);
            acc = col_step(y, start, k + 1, hi, n, inner, acc, b, op, exclusive, reverse);
            acc = col_step(y, start, k + 2, hi, n, inner, acc, c, op, exclusive, reverse);
            acc = col_step(y, start, k + 3, hi, n, inner, acc, d, op, exclusive, reverse);
        }
    }
}

/// Pass 1 of a chunked inner-axis scan: `part[g]` = `op` over the span of thread `g` (as
/// [`scan_cols`] assigns them), laid out `[outer, chunks, inner]`.
#[kernel]
pub fn scan_col_totals<T: Float>(
    x: &[T],
    mask: &[bool],
    part: &mut [f32],
    outer: u32,
    n: u32,
    inner: u32,
    chunks: u32,
    chunk_len: u32,
    #[constexpr(default = 0)] op: u32,
    #[constexpr(default = false)] reverse: bool,
    #[constexpr(default = false)] masked: bool,
) {
    let [g, o, lo, hi] = col_span(n, inner, chunks, chunk_len);
    if g < outer * chunks * inner {
        let fill = identity_of(op);
        let mut acc = fill;
        let start = o * n * inner + g % inner;
        for k in (lo..hi).step_by(4) {
            let a = col_value(x, mask, start, k, hi, n, inner, fill, reverse, masked);
            let b = col_value(x, mask, start, k + 1, hi, n, inner, fill, reverse, masked);
            let c = col_value(x, mask, start, k + 2, hi, n, inner, fill, reverse, masked);
            let d = col_value(x, mask, start, k + 3, hi, n, inner, fill, reverse, masked);
            acc = combine(op, acc, combine(op, combine(op, a, b), combine(op, c, d)));
        }
        part[g] = acc;
    }
}
