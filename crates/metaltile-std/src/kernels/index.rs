//! Gather and scatter: embedding lookup, index_select, gather along an axis, scatter (set and
//! add) along an axis. The data moves bit for bit (never widened); indices are i32 words.
//!
//! **Indices.** Every kernel reads its indices as i32 words: i32 indices one word each, i64
//! indices (the host passes the i64 buffer seen as i32, see `Buffer::bitcast`) two words, low
//! first, when the constexpr `wide` is set. An index is in range when it lies in `[0, bound)`:
//! its high word (an i32's sign) is 0 and its low word, as u32, is below the bound. Negative
//! indices are out of range, as in torch's gather, index_select and embedding.
//!
//! **Out of range.** A kernel never reads or writes out of bounds: an out-of-range index
//! gathers zeros (its output elements are written as 0) and scatters nothing. It also records
//! the first one it meets in `flag` (`[claimed, low word, high word, position, bound]`, the
//! claim by compare-exchange so one thread writes the rest); the host's checked mode reads the
//! flag after the launch and returns an error naming the op, the index and the bound.
//!
//! **Layouts.** [`take_rows`] (embedding, index_select) copies whole rows: a thread owns
//! [`TAKE_UNROLL`] vectors of `vec` elements (16 bytes when the row length allows), threads
//! next to each other own neighbouring vectors of a row, and all loads come before the
//! stores. [`gather`], [`scatter`] and [`scatter_add`] walk the index tensor four elements
//! per thread: one 4-wide access of the index (two for i64) and of `src` or `y`, a warp's
//! accesses one contiguous span; the gathered or scattered elements are scalar accesses.
//! (Four, not the elementwise kernels' sixteen: each element's target costs two divisions and
//! a range check, and sixteen of them would not unroll, leaving the private arrays in local
//! memory.)

use metaltile::prelude::*;

/// Vectors each thread of [`take_rows`] copies.
pub const TAKE_UNROLL: u32 = 4;

/// Elements each thread of [`gather`], [`scatter`] and [`scatter_add`] handles.
pub const INDEX_PER_THREAD: u32 = 4;

/// The words `[low, high]` of index `j` of `idx`: two words when `wide` (i64 indices), else
/// the i32 index and its sign.
#[helper]
pub fn index_words(idx: &[i32], j: u32, wide: bool) -> [i32; 2] {
    let lo = if wide { idx[2 * j] } else { idx[j] };
    let hi = if wide { idx[2 * j + 1] } else { lo >> 31 };
    [lo, hi]
}

/// True when the index with words `w` lies in `[0, bound)`.
#[helper]
pub fn in_range(w: [i32; 2], bound: u32) -> bool {
    let [lo, hi] = w;
    hi == 0 && (lo as u32) < bound
}

/// Record an out-of-range index (words `w`, at `position` of the index tensor, against
/// `bound`) in `flag`, unless another thread recorded one first.
#[helper]
pub fn record_bad(flag: &mut [u32], w: [i32; 2], position: u32, bound: u32) {
    let [lo, hi] = w;
    let before = atomic_compare_exchange(&flag, 0u32, 0u32, 1u32);
    if before == 0 {
        flag[1] = lo as u32;
        flag[2] = hi as u32;
        flag[3] = position;
        flag[4] = bound;
    }
}

/// `y[o, j, :] = x[o, idx[j], :]`, with `x` seen as `[outer, n, row]` and `y` as
/// `[outer, k, row]`, rows moved in vectors of `vec` elements (`row_vecs` per row, `total` in
/// all); `vec` is 1, 4 or 8 (8 for 16-bit types only) and divides the row length.
/// A thread copies `unroll` vectors (at most [`TAKE_UNROLL`]).
#[helper]
#[allow(clippy::too_many_arguments)]
pub fn take_rows<T: Float>(
    x: &[T],
    idx: &[i32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    k: u32,
    row_vecs: u32,
    total: u32,
    vec: u32,
    unroll: u32,
    wide: bool,
) {
    let first = group_id().x * group_size().x * unroll + local_id().x;
    let src = private_array::<u32>(TAKE_UNROLL);
    let ok = private_array::<u32>(TAKE_UNROLL);
    for u in 0..unroll {
        let v = first + u * group_size().x;
        src[u] = 0;
        ok[u] = 0;
        if v < total {
            let row = v / row_vecs;
            let j = row % k;
            let w = index_words(idx, j, wide);
            if in_range(w, n) {
                let [lo, _] = w;
                let source_row = (row / k) * n + (lo as u32);
                src[u] = (source_row * row_vecs + (v - row * row_vecs)) * vec;
                ok[u] = 1;
            } else {
                record_bad(flag, w, j, n);
            }
        }
    }
    // Every load of the thread is in flight before its first store.
    let vals = private_array::<T>(TAKE_UNROLL * 8);
    for u in 0..unroll {
        let s = src[u];
        let b = u * 8;
        if ok[u] != 0 {
            if vec == 8 {
                let [a0, a1, a2, a3, a4, a5, a6, a7] = load8(&x, s);
                vals[b] = a0;
                vals[b + 1] = a1;
                vals[b + 2] = a2;
                vals[b + 3] = a3;
                vals[b + 4] = a4;
                vals[b + 5] = a5;
                vals[b + 6] = a6;
                vals[b + 7] = a7;
            } else if vec == 4 {
                let [a0, a1, a2, a3] = load4(&x, s);
                vals[b] = a0;
                vals[b + 1] = a1;
                vals[b + 2] = a2;
                vals[b + 3] = a3;
            } else {
                vals[b] = x[s];
            }
        } else {
            for e in 0..vec {
                vals[b + e] = 0.0;
            }
        }
    }
    for u in 0..unroll {
        let v = first + u * group_size().x;
        let b = u * 8;
        if v < total {
            let d = v * vec;
            if vec == 8 {
                let a = [
                    vals[b],
                    vals[b + 1],
                    vals[b + 2],
                    vals[b + 3],
                    vals[b + 4],
                    vals[b + 5],
                    vals[b + 6],
                    vals[b + 7],
                ];
                store8(&y, d, a);
            } else if vec == 4 {
                store4(&y, d, [vals[b], vals[b + 1], vals[b + 2], vals[b + 3]]);
            } else {
                y[d] = vals[b];
            }
        }
    }
}

/// `y[..., :] = table[ids[...], :]`: one row of `table` (`[V, D]`) per id (`k` ids), `D` in
/// `row_vecs` vectors of `vec` elements (`total` vectors in all).
#[kernel]
pub fn embedding<T: Float>(
    table: &[T],
    ids: &[i32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    k: u32,
    row_vecs: u32,
    total: u32,
    #[constexpr(default = 1)] vec: u32,
    #[constexpr(default = 4)] unroll: u32,
    #[constexpr(default = false)] wide: bool,
) {
    take_rows(table, ids, y, flag, n, k, row_vecs, total, vec, unroll, wide);
}

/// `y[o, j, :] = x[o, index[j], :]` along one axis (see [`take_rows`]).
#[kernel]
pub fn index_select<T: Float>(
    x: &[T],
    index: &[i32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    k: u32,
    row_vecs: u32,
    total: u32,
    #[constexpr(default = 1)] vec: u32,
    #[constexpr(default = 4)] unroll: u32,
    #[constexpr(default = false)] wide: bool,
) {
    take_rows(x, index, y, flag, n, k, row_vecs, total, vec, unroll, wide);
}

/// The words of indices `e0..e0 + 4` of `idx` (`e0` a multiple of 4) in 4-wide accesses:
/// `[low, high]` of index `l` at `2l` and `2l + 1`.
#[helper]
pub fn index_words4(idx: &[i32], e0: u32, wide: bool) -> [i32; 8] {
    let w = private_array::<i32>(8);
    if wide {
        let [a0, a1, a2, a3] = load4(&idx, 2 * e0);
        let [b0, b1, b2, b3] = load4(&idx, 2 * e0 + 4);
        w[0] = a0;
        w[1] = a1;
        w[2] = a2;
        w[3] = a3;
        w[4] = b0;
        w[5] = b1;
        w[6] = b2;
        w[7] = b3;
    } else {
        let [a0, a1, a2, a3] = load4(&idx, e0);
        w[0] = a0;
        w[1] = a0 >> 31;
        w[2] = a1;
        w[3] = a1 >> 31;
        w[4] = a2;
        w[5] = a2 >> 31;
        w[6] = a3;
        w[7] = a3 >> 31;
    }
    [w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]
}

/// Where element `e` of an index tensor seen as `[outer, k, inner]`, holding the index with
/// words `w`, points in a tensor seen as `[outer, n, inner]`: `[offset, 1]`, or `[0, 0]` when
/// the index is out of range (recorded in `flag`).
#[helper]
pub fn target(flag: &mut [u32], w: [i32; 2], e: u32, n: u32, k: u32, inner: u32) -> [u32; 2] {
    let row = e / inner;
    let i = e - row * inner;
    let o = row / k;
    let [lo, _] = w;
    let mut at = 0u32;
    let mut ok = 0u32;
    if in_range(w, n) {
        at = (o * n + (lo as u32)) * inner + i;
        ok = 1;
    } else {
        record_bad(flag, w, e, n);
    }
    [at, ok]
}

/// The targets of the four elements `e0..e0 + 4` (see [`target`]), their indices loaded in
/// 4-wide accesses: offsets in `at[0..4]`, in-range flags in `at[4..8]`.
#[helper]
#[allow(clippy::too_many_arguments)]
pub fn targets4(idx: &[i32], flag: &mut [u32], at: &mut [u32], e0: u32, n: u32, k: u32, inner: u32, wide: bool) {
    let words = private_array::<i32>(8);
    let [a0, a1, a2, a3, a4, a5, a6, a7] = index_words4(idx, e0, wide);
    words[0] = a0;
    words[1] = a1;
    words[2] = a2;
    words[3] = a3;
    words[4] = a4;
    words[5] = a5;
    words[6] = a6;
    words[7] = a7;
    for l in 0..4u32 {
        let [a, g] = target(flag, [words[2 * l], words[2 * l + 1]], e0 + l, n, k, inner);
        at[l] = a;
        at[4 + l] = g;
    }
}

/// `y[o, j, i] = x[o, idx[o, j, i], i]`, with `x` seen as `[outer, n, inner]` and `idx` and
/// `y` as `[outer, k, inner]` (`total` elements, [`INDEX_PER_THREAD`] per thread).
#[kernel]
pub fn gather<T: Float>(
    x: &[T],
    idx: &[i32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    k: u32,
    inner: u32,
    total: u32,
    #[constexpr(default = false)] wide: bool,
) {
    let e0 = global_id().x * INDEX_PER_THREAD;
    if e0 + INDEX_PER_THREAD <= total {
        // The four indices in one access, then the four elements, then one 4-wide store.
        let at = private_array::<u32>(8);
        targets4(idx, flag, at, e0, n, k, inner, wide);
        let vals = private_array::<T>(4);
        for l in 0..4u32 {
            vals[l] = if at[4 + l] != 0 { x[at[l]] } else { 0.0 };
        }
        store4(&y, e0, [vals[0], vals[1], vals[2], vals[3]]);
    } else {
        for e in e0..total {
            let [a, g] = target(flag, index_words(idx, e, wide), e, n, k, inner);
            y[e] = if g != 0 { x[a] } else { 0.0 };
        }
    }
}

/// `y[o, idx[o, j, i], i] = src[o, j, i]`, with `y` seen as `[outer, n, inner]` and `idx` and
/// `src` as `[outer, k, inner]` (`total` elements); `y` holds `x` before. Where indices
/// repeat, one of the candidates is stored (which one is not defined).
#[kernel]
pub fn scatter<T: Float>(
    src: &[T],
    idx: &[i32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    k: u32,
    inner: u32,
    total: u32,
    #[constexpr(default = false)] wide: bool,
) {
    let e0 = global_id().x * INDEX_PER_THREAD;
    if e0 + INDEX_PER_THREAD <= total {
        let at = private_array::<u32>(8);
        targets4(idx, flag, at, e0, n, k, inner, wide);
        let vals = private_array::<T>(4);
        let [v0, v1, v2, v3] = load4(&src, e0);
        vals[0] = v0;
        vals[1] = v1;
        vals[2] = v2;
        vals[3] = v3;
        for l in 0..4u32 {
            if at[4 + l] != 0 {
                y[at[l]] = vals[l];
            }
        }
    } else {
        for e in e0..total {
            let [a, g] = target(flag, index_words(idx, e, wide), e, n, k, inner);
            if g != 0 {
                y[a] = src[e];
            }
        }
    }
}

/// `acc[o, idx[o, j, i], i] += src[o, j, i]` by f32 atomic adds, with `acc` seen as
/// `[outer, n, inner]` and `idx` and `src` as `[outer, k, inner]` (`total` elements).
#[kernel]
pub fn scatter_add<T: Float>(
    src: &[T],
    idx: &[i32],
    acc: &mut [f32],
    flag: &mut [u32],
    n: u32,
    k: u32,
    inner: u32,
    total: u32,
    #[constexpr(default = false)] wide: bool,
) {
    let e0 = global_id().x * INDEX_PER_THREAD;
    if e0 + INDEX_PER_THREAD <= total {
        let at = private_array::<u32>(8);
        targets4(idx, flag, at, e0, n, k, inner, wide);
        let vals = private_array::<f32>(4);
        let [v0, v1, v2, v3] = load4(&src, e0);
        vals[0] = v0 as f32;
        vals[1] = v1 as f32;
        vals[2] = v2 as f32;
        vals[3] = v3 as f32;
        for l in 0..4u32 {
            if at[4 + l] != 0 {
                let _ = atomic_add(&acc, at[l], vals[l]);
            }
        }
    } else {
        for e in e0..total {
            let [a, g] = target(flag, index_words(idx, e, wide), e, n, k, inner);
            if g != 0 {
                let _ = atomic_add(&acc, a, src[e] as f32);
            }
        }
    }
}

/// Zero the flag of a launch that recorded an out-of-range index, so the plan can run again
/// (generic so that it is checked with every other instance; the library launches u32).
#[kernel]
pub fn clear_flag<T: Scalar>(flag: &mut [T], len: u32) {
    let i = global_id().x;
    if i < len {
        let zero = 0u32;
        flag[i] = zero.cast::<T>();
    }
}
