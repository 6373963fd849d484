//! The machinery every row kernel shares: where a thread sits, which columns it owns, how
//! it loads and stores them, and how a row's threads combine their values.
//!
//! **Layout.** A row is served by `tpr` threads (a power of two, 1 to 1024) and a threadgroup
//! of `G` threads serves `G / tpr` consecutive rows, so tiny rows share a threadgroup and
//! rows of at most 32 threads never need a barrier.
//!
//! **Columns.** A thread's columns come in *chunks* of four, and chunks in *packs* of two
//! (chunks `2p` and `2p + 1`). The layout has a `width`, the columns one access moves:
//! - 8, for 16-bit types when `n % 8 == 0` (every row starts 16-byte aligned): pack `p` of
//!   the tile at `base` is columns `base + (p·tpr + t)·8 + 0..8`, one 16-byte access, the
//!   row's threads side by side;
//! - 4, when `n % 4 == 0`: chunk `j` is columns `base + (j·tpr + t)·4 + 0..4`, one vector
//!   access (16 bytes for f32);
//! - 1, otherwise: chunk `j` is columns `base + (4j + l)·tpr + t` for `l` in `0..4`, four
//!   scalar accesses, each coalesced across the row's threads.
//!
//! Kernels pick the width once per launch ([`wide`], `n % 4`) and call their body once per
//! width with a constant, so each copy folds to one layout. A tile of `c` chunks covers
//! `4·c·tpr` columns. One-pass kernels hold one tile of the row
//! in registers (a private array indexed by unrolled chunk numbers); looped kernels walk the
//! row tile by tile. Columns at or past the end of the span (and every column of a row that
//! does not exist, in the last threadgroup) read as a fill value and are never stored.

pub use super::helpers::{BinaryFn, UnaryFn};
use metaltile::prelude::*;

/// Chunks per tile in the looped kernels: four vector accesses in flight per thread (two
/// 16-byte ones in the pack layout).
pub const TILE_CHUNKS: u32 = 4;

/// Tiles a looped kernel walks per step in layout `width`: a tile of the pack layout holds
/// half the bytes of an f32 one, so two a step keep as many bytes in flight per thread (bf16
/// row sums ran at 79% of copy with one, f32 at 94%). A second tile past the end is masked.
#[helper]
pub fn tiles_per_step(width: u32) -> u32 {
    select(width == 8, 2, 1)
}

/// The columns one tile spans in rows served by `tpr` threads.
#[helper]
pub fn tile_span(tpr: u32) -> u32 {
    tpr * 4 * TILE_CHUNKS
}

/// True when rows of `n` elements of `T` take the pack layout (`width` 8): 16-bit types whose
/// rows all start 16-byte aligned. Constant false for f32, so its branch folds away.
#[helper]
pub fn wide<T: Float>(n: u32) -> bool {
    (elem_bytes::<T>() == 2) & (n % 8 == 0)
}

/// `v`
#[helper]
pub fn same(v: f32) -> f32 {
    v
}

/// `v²`
#[helper]
pub fn square(v: f32) -> f32 {
    v * v
}

/// `f` of each of four values.
#[helper]
pub fn map4(v: [f32; 4], f: UnaryFn) -> [f32; 4] {
    let [a, b, c, d] = v;
    [f(a), f(b), f(c), f(d)]
}

/// The four slots of chunk `j` of a thread's private array.
#[helper]
pub fn get4(v: &[f32], j: u32) -> [f32; 4] {
    [v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3]]
}

/// Set the four slots of chunk `j` of a thread's private array.
#[helper]
pub fn set4(v: &mut [f32], j: u32, x: [f32; 4]) {
    let [a, b, c, d] = x;
    v[4 * j] = a;
    v[4 * j + 1] = b;
    v[4 * j + 2] = c;
    v[4 * j + 3] = d;
}

/// `a + b`
#[helper]
pub fn add(a: f32, b: f32) -> f32 {
    a + b
}

/// `max(a, b)`, a NaN losing to a number (`f32::max`).
#[helper]
pub fn max(a: f32, b: f32) -> f32 {
    a.max(b)
}

/// The row this thread serves; spare threads of the last threadgroup get `rows` or more.
#[helper]
pub fn row_of(tpr: u32) -> u32 {
    let shift = tpr.trailing_zeros();
    group_id().x * (group_size().x >> shift) + (local_id().x >> shift)
}

/// This thread's index among its row's `tpr` threads.
#[helper]
pub fn index_in_row(tpr: u32) -> u32 {
    local_id().x & (tpr - 1)
}

/// This thread's `per_thread` elements of the row starting at `start`, in the layout of
/// `width` with `tpr` threads per row, widened to f32 in a private array (`fill` past the
/// row's end and for rows past the last). Every load is issued before any value is used;
/// `per_thread` is a multiple of 8 and a compile-time constant, so the array stays in
/// registers.
#[helper]
pub fn load_row_slice<T: Float>(
    x: &[T],
    start: u32,
    n: u32,
    t: u32,
    tpr: u32,
    per_thread: u32,
    width: u32,
    live: bool,
    fill: f32,
) -> Local<f32> {
    let v = private_array::<f32>(per_thread);
    // A loop per access, each small enough to unroll (the scalar layout's chunks are large).
    if width == 8 {
        for p in 0..per_thread / 8 {
            let [first, second] = load_pack(x, start, 0, p, t, tpr, n, width, live, fill);
            set4(v, 2 * p, first);
            set4(v, 2 * p + 1, second);
        }
    } else {
        for j in 0..per_thread / 4 {
            set4(v, j, load_chunk(x, start, chunk_cols(0, j, t, tpr, width), n, width, live, fill));
        }
    }
    v
}

/// Store the `per_thread` values of `v` (as [`load_row_slice`] lays them out) to the row
/// starting at `start` where their columns exist, rounding to `T`.
#[helper]
pub fn store_row_slice<T: Float>(
    y: &mut [T],
    start: u32,
    n: u32,
    t: u32,
    tpr: u32,
    per_thread: u32,
    width: u32,
    live: bool,
    v: Local<f32>,
) {
    if width == 8 {
        for p in 0..per_thread / 8 {
            store_pack(y, start, 0, p, t, tpr, n, width, live, [get4(v, 2 * p), get4(v, 2 * p + 1)]);
        }
    } else {
        for j in 0..per_thread / 4 {
            store_chunk(y, start, chunk_cols(0, j, t, tpr, width), n, width, live, get4(v, j));
        }
    }
}

/// First column of chunk `j` of the tile at `base`, and the distance between its columns.
#[helper]
pub fn chunk_cols(base: u32, j: u32, t: u32, tpr: u32, width: u32) -> [u32; 2] {
    // Chunks per access: two in the pack layout.
    let per = select(width == 8, 2, 1);
    let packed = base + ((j / per) * tpr + t) * (4 * per) + (j % per) * 4;
    [select(width > 1, packed, base + j * 4 * tpr + t), select(width > 1, 1, tpr)]
}

/// `m[start + c]` widened to f32 where `live` and `c < end`, else `fill`.
#[helper]
pub fn load_col<T: Float>(m: &[T], start: u32, c: u32, end: u32, live: bool, fill: f32) -> f32 {
    let ok = live & (c < end);
    // The fills the row kernels use (0, ±∞) are exact in every float type.
    masked_load(&m, start + c, ok, fill as T) as f32
}

/// The four elements of a chunk (first column `c0`, then every `step`), widened to f32;
/// `fill` where a column is at or past `end` or the row is not `live`. In the vector layouts
/// (`width` > 1, `end` a multiple of 4) the four are one access.
#[helper]
pub fn load_chunk<T: Float>(
    m: &[T],
    start: u32,
    cols: [u32; 2],
    end: u32,
    width: u32,
    live: bool,
    fill: f32,
) -> [f32; 4] {
    let [c0, step] = cols;
    let mut a = fill;
    let mut b = fill;
    let mut c = fill;
    let mut d = fill;
    if width > 1 {
        if live & (c0 < end) {
            let [p, q, r, s] = load4(&m, start + c0);
            a = p as f32;
            b = q as f32;
            c = r as f32;
            d = s as f32;
        }
    } else {
        a = load_col(m, start, c0, end, live, fill);
        b = load_col(m, start, c0 + step, end, live, fill);
        c = load_col(m, start, c0 + 2 * step, end, live, fill);
        d = load_col(m, start, c0 + 3 * step, end, live, fill);
    }
    [a, b, c, d]
}

/// Which of a chunk's four columns exist (before `end`, in a `live` row).
#[helper]
pub fn chunk_valid(cols: [u32; 2], end: u32, live: bool) -> [bool; 4] {
    let [c0, step] = cols;
    [live & (c0 < end), live & (c0 + step < end), live & (c0 + 2 * step < end), live & (c0 + 3 * step < end)]
}

/// Store `v` to the chunk's columns that exist, rounding to `T`.
#[helper]
pub fn store_chunk<T: Float>(m: &mut [T], start: u32, cols: [u32; 2], end: u32, width: u32, live: bool, v: [f32; 4]) {
    let [c0, step] = cols;
    let [a, b, c, d] = v;
    if width > 1 {
        if live & (c0 < end) {
            store4(&m, start + c0, [a as T, b as T, c as T, d as T]);
        }
    } else {
        let [ok0, ok1, ok2, ok3] = chunk_valid(cols, end, live);
        if ok0 {
            m[start + c0] = a as T;
        }
        if ok1 {
            m[start + c0 + step] = b as T;
        }
        if ok2 {
            m[start + c0 + 2 * step] = c as T;
        }
        if ok3 {
            m[start + c0 + 3 * step] = d as T;
        }
    }
}

/// Pack `p` (chunks `2p` and `2p + 1`) of the tile at `base`, widened to f32: one 16-byte
/// access in the pack layout (`width` 8, where a pack is wholly in or past `end`), else the
/// two chunks as [`load_chunk`] loads them.
#[helper]
pub fn load_pack<T: Float>(
    m: &[T],
    start: u32,
    base: u32,
    p: u32,
    t: u32,
    tpr: u32,
    end: u32,
    width: u32,
    live: bool,
    fill: f32,
) -> [[f32; 4]; 2] {
    let first = chunk_cols(base, 2 * p, t, tpr, width);
    let second = chunk_cols(base, 2 * p + 1, t, tpr, width);
    let [e0, e1, e2, e3] = [fill, fill, fill, fill];
    let [e4, e5, e6, e7] = [fill, fill, fill, fill];
    let mut a = e0;
    let mut b = e1;
    let mut c = e2;
    let mut d = e3;
    let mut e = e4;
    let mut f = e5;
    let mut g = e6;
    let mut h = e7;
    if width == 8 {
        let [c0, _] = first;
        if live & (c0 < end) {
            let [q0, q1, q2, q3, q4, q5, q6, q7] = load8(&m, start + c0);
            a = q0 as f32;
            b = q1 as f32;
            c = q2 as f32;
            d = q3 as f32;
            e = q4 as f32;
            f = q5 as f32;
            g = q6 as f32;
            h = q7 as f32;
        }
    } else {
        let [q0, q1, q2, q3] = load_chunk(m, start, first, end, width, live, fill);
        let [q4, q5, q6, q7] = load_chunk(m, start, second, end, width, live, fill);
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

/// Store pack `p` of the tile at `base` where its columns exist, rounding to `T` (one
/// 16-byte access in the pack layout).
#[helper]
pub fn store_pack<T: Float>(
    m: &mut [T],
    start: u32,
    base: u32,
    p: u32,
    t: u32,
    tpr: u32,
    end: u32,
    width: u32,
    live: bool,
    v: [[f32; 4]; 2],
) {
    let first = chunk_cols(base, 2 * p, t, tpr, width);
    let second = chunk_cols(base, 2 * p + 1, t, tpr, width);
    let [lo, hi] = v;
    if width == 8 {
        let [c0, _] = first;
        if live & (c0 < end) {
            let [a, b, c, d] = lo;
            let [e, f, g, h] = hi;
            store8(&m, start + c0, [a as T, b as T, c as T, d as T, e as T, f as T, g as T, h as T]);
        }
    } else {
        store_chunk(m, start, first, end, width, live, lo);
        store_chunk(m, start, second, end, width, live, hi);
    }
}

/// The four chunks of the tile at `base` (see the module doc), as [`load_pack`] loads them.
#[helper]
pub fn load_tile<T: Float>(
    m: &[T],
    start: u32,
    base: u32,
    tpr: u32,
    end: u32,
    width: u32,
    live: bool,
    fill: f32,
) -> [[f32; 4]; 4] {
    let t = index_in_row(tpr);
    let [v0, v1] = load_pack(m, start, base, 0, t, tpr, end, width, live, fill);
    let [v2, v3] = load_pack(m, start, base, 1, t, tpr, end, width, live, fill);
    [v0, v1, v2, v3]
}

/// Which columns of the tile at `base` exist, chunk by chunk.
#[helper]
pub fn tile_valid(base: u32, tpr: u32, end: u32, width: u32, live: bool) -> [[bool; 4]; 4] {
    let t = index_in_row(tpr);
    [
        chunk_valid(chunk_cols(base, 0, t, tpr, width), end, live),
        chunk_valid(chunk_cols(base, 1, t, tpr, width), end, live),
        chunk_valid(chunk_cols(base, 2, t, tpr, width), end, live),
        chunk_valid(chunk_cols(base, 3, t, tpr, width), end, live),
    ]
}

/// Store the four chunks of the tile at `base` where their columns exist.
#[helper]
pub fn store_tile<T: Float>(
    m: &mut [T],
    start: u32,
    base: u32,
    tpr: u32,
    end: u32,
    width: u32,
    live: bool,
    v: [[f32; 4]; 4],
) {
    let t = index_in_row(tpr);
    let [v0, v1, v2, v3] = v;
    store_pack(m, start, base, 0, t, tpr, end, width, live, [v0, v1]);
    store_pack(m, start, base, 1, t, tpr, end, width, live, [v2, v3]);
}

/// This threadgroup's chunk `[lo, hi)` of its row in a `(chunks, rows)` grid (split plans).
#[helper]
pub fn chunk_span(n: u32, chunk_len: u32) -> [u32; 2] {
    let lo = group_id().x * chunk_len;
    // `lo + chunk_len` could wrap for the last chunk of a row longer than 2^31.
    [lo, lo + chunk_len.min(n - lo)]
}

/// One step of a butterfly: combine with the lane `mask` away when the segment is wider.
#[helper]
fn butterfly_step(v: f32, width: u32, mask: u32, op: BinaryFn) -> f32 {
    select(width > mask, op(v, simd_shuffle_xor(v, mask)), v)
}

/// `op` over aligned segments of `width` lanes (a power of two, at most 32): every lane
/// gets its segment's result. Every lane of the simdgroup must call it.
#[helper]
pub fn segment_reduce(v: f32, width: u32, op: BinaryFn) -> f32 {
    let v = butterfly_step(v, width, 16, op);
    let v = butterfly_step(v, width, 8, op);
    let v = butterfly_step(v, width, 4, op);
    let v = butterfly_step(v, width, 2, op);
    butterfly_step(v, width, 1, op)
}

/// `op` over the `tpr` threads of each row: every thread gets its row's result. Rows of
/// more than 32 threads combine their simdgroups' results through threadgroup memory (one
/// barrier); narrower rows stay within their simdgroup. Every thread of the threadgroup
/// must call it; `identity` is `op`'s neutral value.
#[helper]
pub fn row_reduce(v: f32, tpr: u32, identity: f32, op: BinaryFn) -> f32 {
    let mut r = segment_reduce(v, tpr, op);
    if tpr > 32 {
        let partials = threadgroup_array::<f32>(32);
        if lane_id() == 0 {
            partials[simdgroup_id()] = r;
        }
        threadgroup_barrier();
        let per_row = tpr / 32;
        let first = simdgroup_id() & !(per_row - 1);
        let p = if lane_id() < per_row { partials[first + lane_id()] } else { identity };
        // Lanes below `per_row` now hold the row's result; lane 0 gives it to all.
        r = simd_broadcast(segment_reduce(p, per_row, op), 0);
    }
    r
}

/// `op` over the four values of a chunk.
#[helper]
pub fn reduce4(v: [f32; 4], op: BinaryFn) -> f32 {
    let [a, b, c, d] = v;
    op(op(a, b), op(c, d))
}

/// This thread's `op` over its columns of `m[start + lo .. start + hi)` (`lo` a multiple of
/// 8), after `f`, tile by tile with [`TILE_CHUNKS`] chunks in flight; `identity` where it
/// has none. `f(identity)` must be `identity`. The layout is that of rows of `row_len`.
#[helper]
pub fn span_reduce<I: Float>(
    m: &[I],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    row_len: u32,
    live: bool,
    identity: f32,
    f: UnaryFn,
    op: BinaryFn,
) -> f32 {
    // One loop per layout, so none carries another's branches.
    let mut r = identity;
    if wide::<I>(row_len) {
        r = span_reduce_in(m, start, lo, hi, tpr, 8, live, identity, f, op);
    } else if row_len % 4 == 0 {
        r = span_reduce_in(m, start, lo, hi, tpr, 4, live, identity, f, op);
    } else {
        r = span_reduce_in(m, start, lo, hi, tpr, 1, live, identity, f, op);
    }
    r
}

/// [`span_reduce`] in one layout (`width` 8, 4 or 1, a constant in each copy).
#[helper]
pub fn span_reduce_in<I: Float>(
    m: &[I],
    start: u32,
    lo: u32,
    hi: u32,
    tpr: u32,
    width: u32,
    live: bool,
    identity: f32,
    f: UnaryFn,
    op: BinaryFn,
) -> f32 {
    let mut acc = identity;
    let span = tile_span(tpr);
    let tiles = tiles_per_step(width);
    for base in (lo..hi).step_by(tiles * span) {
        acc = op(acc, tile_reduce(m, start, base, tpr, hi, width, live, identity, f, op));
        if tiles > 1 {
            acc = op(acc, tile_reduce(m, start, base + span, tpr, hi, width, live, identity, f, op));
        }
    }
    acc
}

/// `op` over the tile at `base` after `f`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn tile_reduce<I: Float>(
    m: &[I],
    start: u32,
    base: u32,
    tpr: u32,
    hi: u32,
    width: u32,
    live: bool,
    identity: f32,
    f: UnaryFn,
    op: BinaryFn,
) -> f32 {
    let [v0, v1, v2, v3] = load_tile(m, start, base, tpr, hi, width, live, identity);
    let left = op(reduce4(map4(v0, f), op), reduce4(map4(v1, f), op));
    let right = op(reduce4(map4(v2, f), op), reduce4(map4(v3, f), op));
    op(left, right)
}
