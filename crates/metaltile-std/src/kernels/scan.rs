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

use super::rows::{chunk_cols, chunk_valid, row_of, wide};
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

/// `v` in the other order when `reverse` (a vector read backwards).
#[helper]
pub fn rev4(v: [f32; 4], reverse: bool) -> [f32; 4] {
    let [a, b, c, d] = v;
    [select(reverse, d, a), select(reverse, c, b), select(reverse, b, c), select(reverse, a, d)]
}

/// The physical column of virtual column `c` of a row of `n` (see the module doc).
#[helper]
pub fn physical(c: u32, n: u32, reverse: bool) -> u32 {
    select(reverse, n - 1 - c, c)
}

/// The physical first column of the `len` elements at virtual column `c0` (`len` dividing `n`).
#[helper]
pub fn physical_vector(c0: u32, n: u32, len: u32, reverse: bool) -> u32 {
    select(reverse, n - c0 - len, c0)
}

/// Virtual column `c` of the row at `start`, widened to f32; `fill` where `ok` is false.
#[helper]
pub fn load_scan_one<T: Float>(x: &[T], start: u32, c: u32, n: u32, ok: bool, reverse: bool, fill: f32) -> f32 {
    masked_load(&x, start + physical(c, n, reverse), ok, fill as T) as f32
}

/// The four elements of chunk `j` of the tile at virtual `base` (`rows::chunk_cols`' layout,
/// 4- or 1-wide) in virtual order, widened to f32; `fill` at or past virtual `end` and in a
/// row that is not `live`.
#[helper]
pub fn load_scan_chunk<T: Float>(
    x: &[T],
    start: u32,
    base: u32,
    j: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    fill: f32,
) -> [f32; 4] {
    let [c0, step] = chunk_cols(base, j, lane_in_slot(tpr), tpr, width);
    let mut a = fill;
    let mut b = fill;
    let mut c = fill;
    let mut d = fill;
    if width > 1 {
        if live & (c0 < end) {
            let [p, q, r, s] = load4(&x, start + physical_vector(c0, n, 4, reverse));
            let [p, q, r, s] = rev4([p as f32, q as f32, r as f32, s as f32], reverse);
            a = p;
            b = q;
            c = r;
            d = s;
        }
    } else {
        let [ok0, ok1, ok2, ok3] = chunk_valid([c0, step], end, live);
        a = load_scan_one(x, start, c0, n, ok0, reverse, fill);
        b = load_scan_one(x, start, c0 + step, n, ok1, reverse, fill);
        c = load_scan_one(x, start, c0 + 2 * step, n, ok2, reverse, fill);
        d = load_scan_one(x, start, c0 + 3 * step, n, ok3, reverse, fill);
    }
    [a, b, c, d]
}

/// Pack `p` (chunks `2p` and `2p + 1`) of the tile at virtual `base`: one 16-byte access in
/// the 8-wide layout, else two chunks as [`load_scan_chunk`] loads them.
#[helper]
pub fn load_scan_pack<T: Float>(
    x: &[T],
    start: u32,
    base: u32,
    p: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    fill: f32,
) -> [[f32; 4]; 2] {
    let [f0, f1, f2, f3] = [fill, fill, fill, fill];
    let mut a = f0;
    let mut b = f1;
    let mut c = f2;
    let mut d = f3;
    let mut e = f0;
    let mut f = f1;
    let mut g = f2;
    let mut h = f3;
    if width == 8 {
        let [c0, _] = chunk_cols(base, 2 * p, lane_in_slot(tpr), tpr, width);
        if live & (c0 < end) {
            let [q0, q1, q2, q3, q4, q5, q6, q7] = load8(&x, start + physical_vector(c0, n, 8, reverse));
            // Read backwards, the first virtual chunk is the last physical half, reversed.
            let [r0, r1, r2, r3] = rev4([q4 as f32, q5 as f32, q6 as f32, q7 as f32], reverse);
            let [r4, r5, r6, r7] = rev4([q0 as f32, q1 as f32, q2 as f32, q3 as f32], reverse);
            a = select(reverse, r0, q0 as f32);
            b = select(reverse, r1, q1 as f32);
            c = select(reverse, r2, q2 as f32);
            d = select(reverse, r3, q3 as f32);
            e = select(reverse, r4, q4 as f32);
            f = select(reverse, r5, q5 as f32);
            g = select(reverse, r6, q6 as f32);
            h = select(reverse, r7, q7 as f32);
        }
    } else {
        let [q0, q1, q2, q3] = load_scan_chunk(x, start, base, 2 * p, tpr, end, n, width, live, reverse, fill);
        let [q4, q5, q6, q7] = load_scan_chunk(x, start, base, 2 * p + 1, tpr, end, n, width, live, reverse, fill);
        a = q0;
        b = q1;
        c = q2;
        d = q3;
        e = q4;
        f = q5;
        g = q6;
        h = q7;
    }
    [[a, b, c, d], [e, f, g, h]]
}

/// This lane's four chunks of the tile at virtual `base`, in virtual order.
#[helper]
pub fn load_scan_tile<T: Float>(
    x: &[T],
    start: u32,
    base: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    fill: f32,
) -> [[f32; 4]; 4] {
    let [v0, v1] = load_scan_pack(x, start, base, 0, tpr, end, n, width, live, reverse, fill);
    let [v2, v3] = load_scan_pack(x, start, base, 1, tpr, end, n, width, live, reverse, fill);
    [v0, v1, v2, v3]
}

/// Virtual column `c`'s mask bit (false where `ok` is false).
#[helper]
pub fn load_mask_one(mask: &[bool], start: u32, c: u32, n: u32, ok: bool, reverse: bool) -> bool {
    masked_load(&mask, start + physical(c, n, reverse), ok, false)
}

/// Chunk `j`'s elements of `v` where their mask holds, `fill` elsewhere (`v` itself unless
/// `masked`): one 4-byte access of the mask in the vector layouts (a pack's chunks are its
/// halves, backwards when `reverse`).
#[helper]
pub fn mask_scan_chunk(
    mask: &[bool],
    v: [f32; 4],
    start: u32,
    base: u32,
    j: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    masked: bool,
    fill: f32,
) -> [f32; 4] {
    let [c0, step] = chunk_cols(base, j, lane_in_slot(tpr), tpr, width);
    let mut k0 = true;
    let mut k1 = true;
    let mut k2 = true;
    let mut k3 = true;
    if masked & (width > 1) {
        k0 = false;
        k1 = false;
        k2 = false;
        k3 = false;
        if live & (c0 < end) {
            let [m0, m1, m2, m3] = load4(&mask, start + physical_vector(c0, n, 4, reverse));
            k0 = select(reverse, m3, m0);
            k1 = select(reverse, m2, m1);
            k2 = select(reverse, m1, m2);
            k3 = select(reverse, m0, m3);
        }
    } else if masked {
        let [ok0, ok1, ok2, ok3] = chunk_valid([c0, step], end, live);
        k0 = load_mask_one(mask, start, c0, n, ok0, reverse);
        k1 = load_mask_one(mask, start, c0 + step, n, ok1, reverse);
        k2 = load_mask_one(mask, start, c0 + 2 * step, n, ok2, reverse);
        k3 = load_mask_one(mask, start, c0 + 3 * step, n, ok3, reverse);
    }
    let [a, b, c, d] = v;
    [select(k0, a, fill), select(k1, b, fill), select(k2, c, fill), select(k3, d, fill)]
}

/// The tile `v` where the mask holds, `fill` elsewhere (`v` itself unless `masked`).
#[helper]
pub fn mask_scan_tile(
    mask: &[bool],
    v: [[f32; 4]; 4],
    start: u32,
    base: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    masked: bool,
    fill: f32,
) -> [[f32; 4]; 4] {
    let [v0, v1, v2, v3] = v;
    [
        mask_scan_chunk(mask, v0, start, base, 0, tpr, end, n, width, live, reverse, masked, fill),
        mask_scan_chunk(mask, v1, start, base, 1, tpr, end, n, width, live, reverse, masked, fill),
        mask_scan_chunk(mask, v2, start, base, 2, tpr, end, n, width, live, reverse, masked, fill),
        mask_scan_chunk(mask, v3, start, base, 3, tpr, end, n, width, live, reverse, masked, fill),
    ]
}

/// Store virtual column `c` where `ok`, rounding to `T`.
#[helper]
pub fn store_scan_one<T: Float>(y: &mut [T], start: u32, c: u32, n: u32, ok: bool, reverse: bool, v: f32) {
    if ok {
        y[start + physical(c, n, reverse)] = v as T;
    }
}

/// Store chunk `j` (4-wide: one vector access) where its columns exist.
#[helper]
pub fn store_scan_chunk<T: Float>(
    y: &mut [T],
    start: u32,
    base: u32,
    j: u32,
    tpr: u32,
    end: u32,
    n: u32,
    live: bool,
    reverse: bool,
    v: [f32; 4],
) {
    let [c0, _] = chunk_cols(base, j, lane_in_slot(tpr), tpr, 4);
    if live & (c0 < end) {
        let [a, b, c, d] = rev4(v, reverse);
        store4(&y, start + physical_vector(c0, n, 4, reverse), [a as T, b as T, c as T, d as T]);
    }
}

/// Store pack `p` (8-wide: one 16-byte access) where it exists.
#[helper]
pub fn store_scan_pack<T: Float>(
    y: &mut [T],
    start: u32,
    base: u32,
    p: u32,
    tpr: u32,
    end: u32,
    n: u32,
    live: bool,
    reverse: bool,
    lo: [f32; 4],
    hi: [f32; 4],
) {
    let [c0, _] = chunk_cols(base, 2 * p, lane_in_slot(tpr), tpr, 8);
    if live & (c0 < end) {
        // Backwards, the physical first half is the second virtual chunk, reversed.
        let [a, b, c, d] = rev4(select4(reverse, hi, lo), reverse);
        let [e, f, g, h] = rev4(select4(reverse, lo, hi), reverse);
        let at = start + physical_vector(c0, n, 8, reverse);
        store8(&y, at, [a as T, b as T, c as T, d as T, e as T, f as T, g as T, h as T]);
    }
}

/// `p` when `c`, else `q`, for four lanes.
#[helper]
pub fn select4(c: bool, p: [f32; 4], q: [f32; 4]) -> [f32; 4] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    [select(c, p0, q0), select(c, p1, q1), select(c, p2, q2), select(c, p3, q3)]
}

/// The serial scan of `v` from `acc` (inclusive, or exclusive: each element the value before
/// it), and the value after all four.
#[helper]
pub fn local4(v: [f32; 4], acc: f32, op: u32, exclusive: bool) -> [f32; 5] {
    let [a, b, c, d] = v;
    let s0 = combine(op, acc, a);
    let s1 = combine(op, s0, b);
    let s2 = combine(op, s1, c);
    let s3 = combine(op, s2, d);
    [select(exclusive, acc, s0), select(exclusive, s0, s1), select(exclusive, s1, s2), select(exclusive, s2, s3), s3]
}

/// A segment's place in the slot: from this lane's segment `total` and the slot's `carry`
/// before the segment, `[offset, carry after]`: `offset` is the carry combined with the
/// totals of the lanes before this one; the carry after adds every lane's.
#[helper]
pub fn slot_offset(total: f32, carry: f32, tpr: u32, op: u32) -> [f32; 2] {
    let through = slot_inclusive(total, tpr, op);
    let before = select(lane_in_slot(tpr) == 0, identity_of(op), simd_shuffle_up(through, 1));
    [combine(op, carry, before), combine(op, carry, simd_shuffle(through, lane_id() | (tpr - 1)))]
}

/// `offset op v` for four values.
#[helper]
pub fn offset4(offset: f32, v: [f32; 4], op: u32) -> [f32; 4] {
    let [a, b, c, d] = v;
    [combine(op, offset, a), combine(op, offset, b), combine(op, offset, c), combine(op, offset, d)]
}

/// Scan and store chunk `j` of a 1-wide tile: each element is a segment of its own (the slot's
/// lanes hold consecutive columns). Returns the carry after its four elements.
#[helper]
pub fn scan_store_singles<T: Float>(
    y: &mut [T],
    v: [f32; 4],
    start: u32,
    base: u32,
    j: u32,
    tpr: u32,
    end: u32,
    n: u32,
    live: bool,
    reverse: bool,
    carry: f32,
    op: u32,
    exclusive: bool,
) -> f32 {
    let [c0, step] = chunk_cols(base, j, lane_in_slot(tpr), tpr, 1);
    let [ok0, ok1, ok2, ok3] = chunk_valid([c0, step], end, live);
    let [a, b, c, d] = v;
    let [o0, k0] = slot_offset(a, carry, tpr, op);
    store_scan_one(y, start, c0, n, ok0, reverse, select(exclusive, o0, combine(op, o0, a)));
    let [o1, k1] = slot_offset(b, k0, tpr, op);
    store_scan_one(y, start, c0 + step, n, ok1, reverse, select(exclusive, o1, combine(op, o1, b)));
    let [o2, k2] = slot_offset(c, k1, tpr, op);
    store_scan_one(y, start, c0 + 2 * step, n, ok2, reverse, select(exclusive, o2, combine(op, o2, c)));
    let [o3, k3] = slot_offset(d, k2, tpr, op);
    store_scan_one(y, start, c0 + 3 * step, n, ok3, reverse, select(exclusive, o3, combine(op, o3, d)));
    k3
}

/// Scan the tile `v` (as [`load_scan_tile`] lays it out) from `carry` and store it: segment
/// by segment (a pack, a chunk or an element, by `width`), within the lane, then across the
/// slot, then the carry. Returns the carry after the tile.
#[helper]
pub fn scan_store_tile<T: Float>(
    y: &mut [T],
    v: [[f32; 4]; 4],
    start: u32,
    base: u32,
    tpr: u32,
    end: u32,
    n: u32,
    width: u32,
    live: bool,
    reverse: bool,
    carry: f32,
    op: u32,
    exclusive: bool,
) -> f32 {
    let [v0, v1, v2, v3] = v;
    let id = identity_of(op);
    let mut c = carry;
    if width == 8 {
        let [a0, a1, a2, a3, t0] = local4(v0, id, op, exclusive);
        let [a4, a5, a6, a7, t1] = local4(v1, t0, op, exclusive);
        let [off, next] = slot_offset(t1, c, tpr, op);
        let lo = offset4(off, [a0, a1, a2, a3], op);
        store_scan_pack(y, start, base, 0, tpr, end, n, live, reverse, lo, offset4(off, [a4, a5, a6, a7], op));
        let [b0, b1, b2, b3, u0] = local4(v2, id, op, exclusive);
        let [b4, b5, b6, b7, u1] = local4(v3, u0, op, exclusive);
        let [off2, after] = slot_offset(u1, next, tpr, op);
        let lo2 = offset4(off2, [b0, b1, b2, b3], op);
        store_scan_pack(y, start, base, 1, tpr, end, n, live, reverse, lo2, offset4(off2, [b4, b5, b6, b7], op));
        c = after;
    } else if width == 4 {
        let [a0, a1, a2, a3, t0] = local4(v0, id, op, exclusive);
        let [o0, k0] = slot_offset(t0, c, tpr, op);
        store_scan_chunk(y, start, base, 0, tpr, end, n, live, reverse, offset4(o0, [a0, a1, a2, a3], op));
        let [b0, b1, b2, b3, t1] = local4(v1, id, op, exclusive);
        let [o1, k1] = slot_offset(t1, k0, tpr, op);
        store_scan_chunk(y, start, base, 1, tpr, end, n, live, reverse, offset4(o1, [b0, b1, b2, b3], op));
        let [d0, d1, d2, d3, t2] = local4(v2, id, op, exclusive);
        let [o2, k2] = slot_offset(t2, k1, tpr, op);
        store_scan_chunk(y, start, base, 2, tpr, end, n, live, reverse, offset4(o2, [d0, d1, d2, d3], op));
        let [e0, e1, e2, e3, t3] = local4(v3, id, op, exclusive);
        let [o3, k3] = slot_offset(t3, k2, tpr, op);
        store_scan_chunk(y, start, base, 3, tpr, end, n, live, reverse, offset4(o3, [e0, e1, e2, e3], op));
        c = k3;
    } else {
        let k0 = scan_store_singles(y, v0, start, base, 0, tpr, end, n, live, reverse, c, op, exclusive);
        let k1 = scan_store_singles(y, v1, start, base, 1, tpr, end, n, live, reverse, k0, op, exclusive);
        let k2 = scan_store_singles(y, v2, start, base, 2, tpr, end, n, live, reverse, k1, op, exclusive);
        c = scan_store_singles(y, v3, start, base, 3, tpr, end, n, live, reverse, k2, op, exclusive);
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
        let [r0, r1, r2, r3] = load_scan_tile(x, start, base, tpr, hi, n, width, live, reverse, fill);
        let [v0, v1, v2, v3] =
            mask_scan_tile(mask, [r0, r1, r2, r3], start, base, tpr, hi, n, width, live, reverse, masked, fill);
        c = scan_store_tile(y, [v0, v1, v2, v3], start, base, tpr, hi, n, width, live, reverse, c, op, exclusive);
    }
}

/// Slot `g`'s `[g, row, lo, hi]`: it serves span `g % chunks` (`[lo, hi)`) of row `g / chunks`.
#[helper]
pub fn slot_span(g: u32, n: u32, chunks: u32, chunk_len: u32) -> [u32; 4] {
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
    let [g, row, lo, hi] = slot_span(row_of(tpr), n, chunks, chunk_len);
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

/// `op` over the four values of a chunk.
#[helper]
pub fn fold4(v: [f32; 4], op: u32) -> f32 {
    let [a, b, c, d] = v;
    combine(op, combine(op, a, b), combine(op, c, d))
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
        let [r0, r1, r2, r3] = load_scan_tile(x, start, base, SLOT_LANES, hi, n, width, live, reverse, fill);
        let [v0, v1, v2, v3] =
            mask_scan_tile(mask, [r0, r1, r2, r3], start, base, SLOT_LANES, hi, n, width, live, reverse, masked, fill);
        acc = combine(
            op,
            acc,
            combine(op, combine(op, fold4(v0, op), fold4(v1, op)), combine(op, fold4(v2, op), fold4(v3, op))),
        );
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
    // A whole simdgroup per slot (`rows::row_of` of a constant `tpr` would leave its shift
    // emitted and unused: the C++ checks reject that).
    let [g, row, lo, hi] = slot_span(global_id().x / SLOT_LANES, n, chunks, chunk_len);
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
