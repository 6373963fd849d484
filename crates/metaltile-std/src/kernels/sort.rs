//! Sort, argsort and top-k along the last axis of `[rows, n]`.
//!
//! **Order.** Every element becomes a 32-bit *order key* ([`order_key`]): the f32 value's bits
//! mapped so that unsigned order is numeric order, -0.0 and +0.0 the same key, every NaN the
//! largest key (torch's rule: NaN sorts last ascending, first descending); descending sorts
//! take the key's complement. Elements are compared as (key, column) pairs, so no two compare
//! equal: the sort is stable (ties keep their input order, torch's `stable=True`) and its
//! result unique, which is what lets the oracle compare indices exactly. Values are never
//! converted: the output value is the input element at the sorted index, bit for bit.
//!
//! **Blocks.** One threadgroup sorts a *tile* of `tile` (key, column) pairs in threadgroup
//! memory with a bitonic network (a barrier between steps): the tile holds `tile / seg`
//! segments of `seg` (a power of two), each a row or a block of a long row, padded past the
//! row's end with pairs that sort after every real one (key and column `u32::MAX`). The
//! network's last merge sorts every segment ascending, so short rows share a tile.
//!
//! **Long rows** (`n` > [`SORT_BLOCK`]): blocks of [`SORT_BLOCK`] are sorted as above into
//! scratch keys and columns, then [`sort_merge`] passes merge pairs of sorted runs until one
//! is left: each element finds its place in the merged run as its position in its own run
//! plus its rank in the other run (a binary search; ranks are exact, as no pairs tie).
//!
//! **Top-k** keeps at most `cap` (= k) elements of every run: a block writes its first `keep`
//! pairs and a merge only the first `cap` of each merged pair of runs, so after the block pass
//! the merges touch `k` elements per block, not the whole row.

use metaltile::prelude::*;

/// Pairs one threadgroup sorts at most: 4096 (key, column) pairs, 32 KiB of threadgroup memory.
pub const SORT_BLOCK: u32 = 4096;
/// Pairs of the smaller tile, for segments of at most 2048 (several short rows per tile).
pub const SORT_TILE_SMALL: u32 = 2048;
/// Threads of a tile's threadgroup: one per compare-exchange of a step, at most 1024.
pub const SORT_THREADS: u32 = 1024;
/// The key and column of a padding pair: after every real pair, whatever the direction.
pub const SORT_PAD: u32 = u32::MAX;

/// The order key of `v`: unsigned order of keys is the sort order (ascending, or descending
/// when `descending`), -0.0 and +0.0 one key, every NaN the key of "largest".
#[helper]
pub fn order_key(v: f32, descending: bool) -> u32 {
    let raw: u32 = v.to_bits();
    // -0.0 == 0.0: both take the bits of +0.0.
    let b = select(v == 0.0, 0u32, raw);
    // Negative numbers: all bits flipped (larger magnitude, smaller key); positive: sign set.
    let mapped = select((b >> 31) == 1u32, !b, b | 0x8000_0000u32);
    let k = select(v.is_nan(), u32::MAX, mapped);
    select(descending, !k, k)
}

/// Whether pair `(a, i)` sorts before `(b, j)`: by key, then by column.
#[helper]
pub fn before(a: u32, i: u32, b: u32, j: u32) -> bool {
    (a < b) | ((a == b) & (i < j))
}

/// The first pair slot of compare-exchange `q` of a step of distance `j` (a power of two):
/// `q` with a 0 bit inserted at `j`'s position; its partner is the slot `j` above.
#[helper]
pub fn pair_slot(q: u32, j: u32) -> u32 {
    ((q & !(j - 1)) << 1) | (q & (j - 1))
}

/// Sort the tiles of `[rows, n]` and store each segment's first `keep` pairs (see the module
/// doc): segment `s` of the grid is block `s % blocks` of row `s / blocks`, its pairs stored
/// at `blk · keep ..` of an output row of `out_len`. `last`: the blocks are whole rows, so
/// store the values (`x` at the sorted columns, when `values`) and the columns as i64 (when
/// `indices`) into `y` and `yi`; else the keys and columns into `keys` and `cols`.
#[helper]
pub fn sort_tile_into<T: Float>(
    x: &[T],
    y: &mut [T],
    yi: &mut [i64],
    keys: &mut [u32],
    cols: &mut [u32],
    rows: u32,
    n: u32,
    blocks: u32,
    log_seg: u32,
    keep: u32,
    out_len: u32,
    descending: u32,
    tile: u32,
    last: bool,
    values: bool,
    indices: bool,
) {
    let key = threadgroup_array::<u32>(tile);
    let col = threadgroup_array::<u32>(tile);
    let threads = (tile / 2).min(SORT_THREADS);
    let t = local_id().x;
    let seg = 1u32 << log_seg;
    let first = group_id().x * (tile >> log_seg);
    let desc = descending != 0;
    for e in (t..tile).step_by(threads) {
        let s = first + (e >> log_seg);
        let row = s / blocks;
        let c = (s % blocks) * seg + (e & (seg - 1));
        let ok = (row < rows) & (c < n);
        let v = masked_load(&x, row * n + c, ok, T::NAN) as f32;
        key[e] = select(ok, order_key(v, desc), SORT_PAD);
        col[e] = select(ok, c, SORT_PAD);
    }
    threadgroup_barrier();
    // Stage `s` merges bitonic runs of 2^s; every step compares slots `j` apart.
    for stage in 1..(log_seg + 1) {
        let k = 1u32 << stage;
        for r in 0..stage {
            let j = k >> (r + 1);
            for q in (t..tile / 2).step_by(threads) {
                let i = pair_slot(q, j);
                let l = i | j;
                // Runs alternate direction, except at the last stage: every segment ascends.
                let up = ((i & k) == 0) | (stage == log_seg);
                let a = key[i];
                let ia = col[i];
                let b = key[l];
                let ib = col[l];
                let swap = select(up, before(b, ib, a, ia), before(a, ia, b, ib));
                if swap {
                    key[i] = b;
                    col[i] = ib;
                    key[l] = a;
                    col[l] = ia;
                }
            }
            threadgroup_barrier();
        }
    }
    for e in (t..tile).step_by(threads) {
        let s = first + (e >> log_seg);
        let row = s / blocks;
        let off = e & (seg - 1);
        let at = (s % blocks) * keep + off;
        // Past `out_len` (the last block's padding) and past `keep`: not stored.
        if (row < rows) & (off < keep) & (at < out_len) {
            let c = col[e];
            let o = row * out_len + at;
            if last {
                if values {
                    y[o] = x[row * n + c];
                }
                if indices {
                    yi[o] = c as i64;
                }
            } else {
                keys[o] = key[e];
                cols[o] = c;
            }
        }
    }
}

/// Sorted values along the last axis (descending when `descending` is 1), stable; blocks of
/// long rows into `keys`/`cols` unless `last`.
#[kernel]
pub fn sort<T: Float>(
    x: &[T],
    y: &mut [T],
    yi: &mut [i64],
    keys: &mut [u32],
    cols: &mut [u32],
    rows: u32,
    n: u32,
    blocks: u32,
    log_seg: u32,
    keep: u32,
    out_len: u32,
    descending: u32,
    #[constexpr(default = 2048)] tile: u32,
    #[constexpr(default = true)] last: bool,
) {
    sort_tile_into(x, y, yi, keys, cols, rows, n, blocks, log_seg, keep, out_len, descending, tile, last, true, false);
}

/// The columns (i64) that sort each row (descending when `descending` is 1), stable.
#[kernel]
pub fn argsort<T: Float>(
    x: &[T],
    y: &mut [T],
    yi: &mut [i64],
    keys: &mut [u32],
    cols: &mut [u32],
    rows: u32,
    n: u32,
    blocks: u32,
    log_seg: u32,
    keep: u32,
    out_len: u32,
    descending: u32,
    #[constexpr(default = 2048)] tile: u32,
    #[constexpr(default = true)] last: bool,
) {
    sort_tile_into(x, y, yi, keys, cols, rows, n, blocks, log_seg, keep, out_len, descending, tile, last, false, true);
}

/// The `keep` largest (smallest when `descending` is 0) values of each row and their columns
/// (i64), in order; ties: the lower column first.
#[kernel]
pub fn topk<T: Float>(
    x: &[T],
    y: &mut [T],
    yi: &mut [i64],
    keys: &mut [u32],
    cols: &mut [u32],
    rows: u32,
    n: u32,
    blocks: u32,
    log_seg: u32,
    keep: u32,
    out_len: u32,
    descending: u32,
    #[constexpr(default = 2048)] tile: u32,
    #[constexpr(default = true)] last: bool,
) {
    sort_tile_into(x, y, yi, keys, cols, rows, n, blocks, log_seg, keep, out_len, descending, tile, last, true, true);
}

/// One merge pass over rows of `len_in` pairs (`keys_in`, `cols_in`) in sorted runs of `run`
/// (the last run shorter): runs `2m` and `2m + 1` become run `m` of the output, its first
/// `cap` pairs kept, in rows of `len_out`. One thread per input pair. `last`: the output is
/// the op's: values (`x` at the columns, when `values`) into `y`, columns (when `indices`)
/// into `yi`.
#[kernel]
pub fn sort_merge<T: Float>(
    x: &[T],
    keys_in: &[u32],
    cols_in: &[u32],
    keys_out: &mut [u32],
    cols_out: &mut [u32],
    y: &mut [T],
    yi: &mut [i64],
    rows: u32,
    n: u32,
    len_in: u32,
    run: u32,
    len_out: u32,
    cap: u32,
    #[constexpr(default = false)] last: bool,
    #[constexpr(default = true)] values: bool,
    #[constexpr(default = true)] indices: bool,
) {
    let g = global_id().x;
    if g < rows * len_in {
        let row = g / len_in;
        let p = g % len_in;
        let r = p / run;
        let pos = p % run;
        let left = (r & 1) == 0;
        let pair_start = (r & !1u32) * run;
        let other = select(left, pair_start + run, pair_start);
        // A left run's partner may be short or missing (the row's last run); a right run's is whole.
        let other_len = select(left, run.min(len_in - other.min(len_in)), run);
        let base = row * len_in;
        let mine = keys_in[base + p];
        let c = cols_in[base + p];
        // Rank in the other run: how many of its pairs sort before this one (only the first
        // `cap` can matter, and none when this pair's own position is past `cap`).
        let mut lo = 0u32;
        let mut hi = select(pos < cap, other_len.min(cap), 0u32);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let earlier = before(keys_in[base + other + mid], cols_in[base + other + mid], mine, c);
            lo = select(earlier, mid + 1, lo);
            hi = select(earlier, hi, mid);
        }
        let at = pos + lo;
        if (pos < cap) & (at < cap) {
            let o = row * len_out + (r / 2) * (2 * run).min(cap) + at;
            if last {
                if values {
                    y[o] = x[row * n + c];
                }
                if indices {
                    yi[o] = c as i64;
                }
            } else {
                keys_out[o] = mine;
                cols_out[o] = c;
            }
        }
    }
}
