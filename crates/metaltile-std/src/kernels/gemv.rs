//! Matrix-vector products over a row-major `a` of shape `[m, k]`, accumulated in f32.
//!
//! **`gemv`, `y = a·x`** (`x` of length `k`, `y` of length `m`): each row is a dot product
//! along `k`. A *segment* of `tpr` threads (a power of two up to one simdgroup) serves `rps`
//! consecutive rows: it walks `k` tile by tile in the column layout of [`super::rows`]
//! (16-byte accesses: 8 lanes of a 16-bit type, 4 of f32, when every row starts aligned),
//! loads the tile of `x` once and the tile of each of its rows, so `rps` loads of `a` are in
//! flight per thread per tile while `x` comes from registers. The segment's threads then
//! combine their f32 sums with shuffles (no threadgroup memory, no barrier).
//!
//! **`gemv_t`, `y = xᵀ·a`** (`x` of length `m`, `y` of length `k`): each output is a sum
//! down a column. A simdgroup's lanes own `vec` neighbouring columns each (one 16-byte
//! access of a row per lane, the simdgroup reading one contiguous span), and the
//! threadgroup's [`GEMV_T_WARPS`] simdgroups walk interleaved rows of the same columns,
//! [`GEMV_T_UNROLL`] rows (loads) in flight at a time; they add their sums through
//! threadgroup memory. Threadgroup `(c, s)` covers column block `c` and rows
//! `[s·rows_per_split, (s + 1)·rows_per_split)`: with one split it writes `y`; with several
//! (tall `a`, few column blocks: too few threadgroups to fill the GPU) it writes f32
//! partials `part[s, col]` that [`gemv_t_finish`] adds up.
//!
//! **`gemv_masked`**: `gemv` with one row per segment, where each access of a tile of `a`
//! (and the matching one of `x`) is issued only if its block is kept by the block mask (8
//! columns of a 16-byte access always lie in one block), and rows of a masked-out output
//! block read nothing.

use super::rows::{
    add, chunk_cols, index_in_row, load_chunk, load_col, load_pack, load_tile, row_of, segment_reduce, wide,
    TILE_CHUNKS,
};
use metaltile::prelude::*;

/// Simdgroups per threadgroup of `gemv_t`, each walking its own rows of the same columns.
pub const GEMV_T_WARPS: u32 = 8;
/// Rows each `gemv_t` thread loads before it adds any of them.
pub const GEMV_T_UNROLL: u32 = 4;
/// Columns a `gemv_t` lane owns at most (one 16-byte access of a 16-bit type).
pub const GEMV_T_MAX_VEC: u32 = 8;

/// `Σ v·w` over the four values of two chunks.
#[helper]
fn dot4(v: [f32; 4], w: [f32; 4]) -> f32 {
    let [a, b, c, d] = v;
    let [p, q, r, s] = w;
    a.mul_add(p, b * q) + c.mul_add(r, d * s)
}

/// `Σ v·w` over two tiles of four chunks.
#[helper]
fn dot_tile(v: [[f32; 4]; 4], w: [[f32; 4]; 4]) -> f32 {
    let [v0, v1, v2, v3] = v;
    let [w0, w1, w2, w3] = w;
    (dot4(v0, w0) + dot4(v1, w1)) + (dot4(v2, w2) + dot4(v3, w3))
}

/// `Σ a·x` over the tile at `base` of the row of `a` starting at `start` (nothing loaded
/// unless `live`), `xt` the same tile of `x`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn row_tile_dot<T: Float>(
    a: &[T],
    start: u32,
    base: u32,
    tpr: u32,
    k: u32,
    width: u32,
    live: bool,
    xt: [[f32; 4]; 4],
) -> f32 {
    let [v0, v1, v2, v3] = load_tile(a, start, base, tpr, k, width, live, 0.0);
    dot_tile([v0, v1, v2, v3], xt)
}

/// The sums of the (up to four) rows from `first` over the tile at `base`, added to `s`: the
/// tile of `x` loaded once, each live row's tile of `a` loaded before any is used.
#[helper]
#[allow(clippy::too_many_arguments)]
fn rows_tile<T: Float>(
    a: &[T],
    x: &[T],
    first: u32,
    base: u32,
    k: u32,
    tpr: u32,
    rps: u32,
    width: u32,
    live: [bool; 4],
    s: [f32; 4],
) -> [f32; 4] {
    let [live0, live1, live2, live3] = live;
    let [p0, p1, p2, p3] = s;
    let mut s0 = p0;
    let mut s1 = p1;
    let mut s2 = p2;
    let mut s3 = p3;
    let [x0, x1, x2, x3] = load_tile(x, 0, base, tpr, k, width, true, 0.0);
    s0 += row_tile_dot(a, first * k, base, tpr, k, width, live0, [x0, x1, x2, x3]);
    if rps > 1 {
        s1 += row_tile_dot(a, (first + 1) * k, base, tpr, k, width, live1, [x0, x1, x2, x3]);
    }
    if rps > 2 {
        s2 += row_tile_dot(a, (first + 2) * k, base, tpr, k, width, live2, [x0, x1, x2, x3]);
        s3 += row_tile_dot(a, (first + 3) * k, base, tpr, k, width, live3, [x0, x1, x2, x3]);
    }
    [s0, s1, s2, s3]
}

/// The body of [`gemv`] for one column layout (`width` 8, 4 or 1, a constant in each copy).
#[helper]
#[allow(clippy::too_many_arguments)]
fn gemv_rows<T: Float>(a: &[T], x: &[T], y: &mut [T], m: u32, k: u32, tpr: u32, rps: u32, width: u32) {
    let first = row_of(tpr) * rps;
    // Rows past `m` (and rows a smaller `rps` lacks) load nothing and store nothing.
    let live0 = first < m;
    let live1 = (rps > 1) & (first + 1 < m);
    let live2 = (rps > 2) & (first + 2 < m);
    let live3 = (rps > 3) & (first + 3 < m);
    let live = [live0, live1, live2, live3];
    let span = tpr * 4 * TILE_CHUNKS;
    // A tile of a 16-bit type is half the bytes of an f32 one: two tiles a step keep as many
    // bytes in flight per thread (bf16 4096×14336 ran at 66% of copy with one, f32 at 91%).
    let tiles = if width == 8 { 2 } else { 1 };
    let mut s0 = 0.0f32;
    let mut s1 = 0.0f32;
    let mut s2 = 0.0f32;
    let mut s3 = 0.0f32;
    for base in (0..k).step_by(tiles * span) {
        let [p0, p1, p2, p3] = rows_tile(a, x, first, base, k, tpr, rps, width, live, [s0, s1, s2, s3]);
        s0 = p0;
        s1 = p1;
        s2 = p2;
        s3 = p3;
        if tiles > 1 {
            // Past `k` on the last step: masked, nothing loaded.
            let [q0, q1, q2, q3] = rows_tile(a, x, first, base + span, k, tpr, rps, width, live, [s0, s1, s2, s3]);
            s0 = q0;
            s1 = q1;
            s2 = q2;
            s3 = q3;
        }
    }
    let t0 = segment_reduce(s0, tpr, add);
    let t1 = segment_reduce(s1, tpr, add);
    let t2 = segment_reduce(s2, tpr, add);
    let t3 = segment_reduce(s3, tpr, add);
    if index_in_row(tpr) == 0 {
        if live0 {
            y[first] = t0 as T;
        }
        if live1 {
            y[first + 1] = t1 as T;
        }
        if live2 {
            y[first + 2] = t2 as T;
        }
        if live3 {
            y[first + 3] = t3 as T;
        }
    }
}

/// `y[r] = Σ_j a[r, j]·x[j]` for `a` of shape `[m, k]`, in f32. A segment of `tpr` threads
/// (a power of two, at most 32) serves `rps` consecutive rows (1, 2 or 4).
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn gemv<T: Float>(a: &[T], x: &[T], y: &mut [T], m: u32, k: u32, tpr: u32, #[constexpr(default = 1)] rps: u32) {
    // One copy per column layout, so none carries another's branches.
    if wide::<T>(k) {
        gemv_rows(a, x, y, m, k, tpr, rps, 8);
    } else if k % 4 == 0 {
        gemv_rows(a, x, y, m, k, tpr, rps, 4);
    } else {
        gemv_rows(a, x, y, m, k, tpr, rps, 1);
    }
}

/// The `vec` elements of `a` from `at` (a multiple of `vec`) widened to f32, zeros after
/// them: one access for `vec` 8 or 4.
#[helper]
fn load_cols<T: Float>(a: &[T], at: u32, vec: u32) -> [f32; 8] {
    let mut v0 = 0.0f32;
    let mut v1 = 0.0f32;
    let mut v2 = 0.0f32;
    let mut v3 = 0.0f32;
    let mut v4 = 0.0f32;
    let mut v5 = 0.0f32;
    let mut v6 = 0.0f32;
    let mut v7 = 0.0f32;
    if vec == 8 {
        let [p0, p1, p2, p3, p4, p5, p6, p7] = load8(&a, at);
        v0 = p0 as f32;
        v1 = p1 as f32;
        v2 = p2 as f32;
        v3 = p3 as f32;
        v4 = p4 as f32;
        v5 = p5 as f32;
        v6 = p6 as f32;
        v7 = p7 as f32;
    } else if vec == 4 {
        let [p0, p1, p2, p3] = load4(&a, at);
        v0 = p0 as f32;
        v1 = p1 as f32;
        v2 = p2 as f32;
        v3 = p3 as f32;
    } else {
        v0 = a[at] as f32;
    }
    [v0, v1, v2, v3, v4, v5, v6, v7]
}

/// `s + c·v`, lane by lane.
#[helper]
fn axpy8(s: [f32; 8], c: f32, v: [f32; 8]) -> [f32; 8] {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = s;
    let [v0, v1, v2, v3, v4, v5, v6, v7] = v;
    [
        c.mul_add(v0, s0),
        c.mul_add(v1, s1),
        c.mul_add(v2, s2),
        c.mul_add(v3, s3),
        c.mul_add(v4, s4),
        c.mul_add(v5, s5),
        c.mul_add(v6, s6),
        c.mul_add(v7, s7),
    ]
}

/// `Σ_r x[i_r]·a[i_r, c0 .. c0 + vec)` over the [`GEMV_T_UNROLL`] rows `i_r = i + r·step`,
/// all four loaded before any is used; 8 lanes, zeros past `vec`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn rows_x4<T: Float>(a: &[T], x: &[T], k: u32, c0: u32, i: u32, step: u32, vec: u32) -> [f32; 8] {
    let v0 = load_cols(a, i * k + c0, vec);
    let v1 = load_cols(a, (i + step) * k + c0, vec);
    let v2 = load_cols(a, (i + 2 * step) * k + c0, vec);
    let v3 = load_cols(a, (i + 3 * step) * k + c0, vec);
    let x0 = x[i] as f32;
    let x1 = x[i + step] as f32;
    let x2 = x[i + 2 * step] as f32;
    let x3 = x[i + 3 * step] as f32;
    let zero = [0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32];
    axpy8(axpy8(axpy8(axpy8(zero, x0, v0), x1, v1), x2, v2), x3, v3)
}

/// `y[c] = Σ_i x[i]·a[i, c]` for `a` of shape `[m, k]`, in f32: threadgroups of
/// [`GEMV_T_WARPS`] simdgroups over a `(column blocks, splits)` grid, each split
/// `rows_per_split` rows, each lane `vec` columns (see [`gemv_t_vec`]), a block `32·vec`.
/// With one split the sums go to `y`, else to `part[split, c]` (f32) for [`gemv_t_finish`].
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn gemv_t<T: Float>(a: &[T], x: &[T], y: &mut [T], part: &mut [f32], m: u32, k: u32, rows_per_split: u32) {
    // Where the simdgroups' sums of each column meet; declared once, not once per copy.
    let sums = threadgroup_array::<f32>(GEMV_T_WARPS * 32 * GEMV_T_MAX_VEC);
    // One copy per column layout, so none carries another's branches; `k` (and `T`) pick
    // it, the same for every thread.
    if wide::<T>(k) {
        gemv_t_cols(a, x, y, part, sums, m, k, rows_per_split, 8);
    } else if k % 4 == 0 {
        gemv_t_cols(a, x, y, part, sums, m, k, rows_per_split, 4);
    } else {
        gemv_t_cols(a, x, y, part, sums, m, k, rows_per_split, 1);
    }
}

/// Columns per lane of [`gemv_t`] for rows of `k` elements of `bytes` each (the host's
/// copy of the kernel's choice, for the grid): one 16-byte access of a 16-bit type where
/// every row starts aligned to it, else 4 when `k` is a multiple of 4, else 1.
pub fn gemv_t_vec(bytes: usize, k: u32) -> u32 {
    if bytes == 2 && k.is_multiple_of(8) {
        8
    } else if k.is_multiple_of(4) {
        4
    } else {
        1
    }
}

/// The body of [`gemv_t`] for `vec` columns per lane (a constant in each copy).
#[helper]
#[allow(clippy::too_many_arguments)]
fn gemv_t_cols<T: Float>(
    a: &[T],
    x: &[T],
    y: &mut [T],
    part: &mut [f32],
    sums: Shared<f32>,
    m: u32,
    k: u32,
    rows_per_split: u32,
    vec: u32,
) {
    let w = simdgroup_id();
    let lane = lane_id();
    let block = 32 * vec;
    let c0 = group_id().x * block + lane * vec;
    let r0 = group_id().y * rows_per_split;
    // `r0 + rows_per_split` could wrap for the last split of a very tall `a`.
    let r1 = r0 + rows_per_split.min(m - r0.min(m));
    let mut s0 = 0.0f32;
    let mut s1 = 0.0f32;
    let mut s2 = 0.0f32;
    let mut s3 = 0.0f32;
    let mut s4 = 0.0f32;
    let mut s5 = 0.0f32;
    let mut s6 = 0.0f32;
    let mut s7 = 0.0f32;
    if c0 < k {
        // Simdgroup `w` takes rows r0 + w, r0 + w + GEMV_T_WARPS, ...
        let step = GEMV_T_WARPS;
        let mut i = r0 + w;
        // `i < r1` first: `i + 3·step` then stays below 2^32 (r1 ≤ m).
        while (i < r1) && (i + (GEMV_T_UNROLL - 1) * step < r1) {
            let [p0, p1, p2, p3, p4, p5, p6, p7] = rows_x4(a, x, k, c0, i, step, vec);
            s0 += p0;
            s1 += p1;
            s2 += p2;
            s3 += p3;
            s4 += p4;
            s5 += p5;
            s6 += p6;
            s7 += p7;
            i += GEMV_T_UNROLL * step;
        }
        while i < r1 {
            let xi = x[i] as f32;
            let [p0, p1, p2, p3, p4, p5, p6, p7] = load_cols(a, i * k + c0, vec);
            s0 = xi.mul_add(p0, s0);
            s1 = xi.mul_add(p1, s1);
            s2 = xi.mul_add(p2, s2);
            s3 = xi.mul_add(p3, s3);
            s4 = xi.mul_add(p4, s4);
            s5 = xi.mul_add(p5, s5);
            s6 = xi.mul_add(p6, s6);
            s7 = xi.mul_add(p7, s7);
            i += step;
        }
    }
    // The simdgroups' sums of each column meet in threadgroup memory.
    let at = w * block + lane * vec;
    sums[at] = s0;
    if vec > 1 {
        sums[at + 1] = s1;
        sums[at + 2] = s2;
        sums[at + 3] = s3;
    }
    if vec > 4 {
        sums[at + 4] = s4;
        sums[at + 5] = s5;
        sums[at + 6] = s6;
        sums[at + 7] = s7;
    }
    threadgroup_barrier();
    let t = local_id().x;
    let col = group_id().x * block + t;
    if (t < block) & (col < k) {
        let mut total = 0.0f32;
        for v in 0..GEMV_T_WARPS {
            total += sums[v * block + t];
        }
        if num_groups().y == 1 {
            y[col] = total as T;
        } else {
            part[group_id().y * k + col] = total;
        }
    }
}

/// Pass 2 of a split `gemv_t`: `y[c] = Σ_s part[s, c]` over the `splits` partials.
#[kernel]
pub fn gemv_t_finish<T: Float>(part: &[f32], y: &mut [T], k: u32, splits: u32) {
    let c = global_id().x;
    if c < k {
        let mut total = 0.0f32;
        for s in 0..splits {
            total += part[s * k + c];
        }
        y[c] = total as T;
    }
}

/// Whether column `c` of a `live` row is kept by the block mask: `c < k` and the mask's
/// entry for the column's block, `mask[mrow + c / bs]`, nonzero (a NaN is nonzero). Nothing
/// is read for a column past `k` or a row that is not live.
#[helper]
fn kept<T: Float>(mask: &[T], mrow: u32, c: u32, k: u32, bs: u32, live: bool) -> bool {
    let ok = live & (c < k);
    ok & (masked_load(&mask, mrow + c / bs, ok, 0.0 as T) != 0.0 as T)
}

/// `Σ a·x` over the tile at `base` of the row of `a` at `start`, counting only the columns
/// of kept blocks (mask row at `mrow`, blocks of `bs` columns, a multiple of 8): neither `a`
/// nor `x` is read elsewhere, so masked-out blocks cost no bandwidth and their NaNs or
/// infinities contribute nothing.
#[helper]
#[allow(clippy::too_many_arguments)]
fn masked_tile_dot<T: Float>(
    a: &[T],
    x: &[T],
    mask: &[T],
    start: u32,
    mrow: u32,
    base: u32,
    tpr: u32,
    k: u32,
    bs: u32,
    width: u32,
    live: bool,
) -> f32 {
    let t = index_in_row(tpr);
    let mut s = 0.0f32;
    if width == 8 {
        // A pack's 8 columns lie in one block.
        for p in 0..2 {
            let [c0, _] = chunk_cols(base, 2 * p, t, tpr, width);
            let on = kept(mask, mrow, c0, k, bs, live);
            let [a0, a1] = load_pack(a, start, base, p, t, tpr, k, width, on, 0.0);
            let [x0, x1] = load_pack(x, 0, base, p, t, tpr, k, width, on, 0.0);
            s += dot4(a0, x0) + dot4(a1, x1);
        }
    } else if width == 4 {
        // A chunk's 4 columns lie in one block.
        for j in 0..TILE_CHUNKS {
            let cols = chunk_cols(base, j, t, tpr, width);
            let [c0, _] = cols;
            let on = kept(mask, mrow, c0, k, bs, live);
            s += dot4(load_chunk(a, start, cols, k, width, on, 0.0), load_chunk(x, 0, cols, k, width, on, 0.0));
        }
    } else {
        // The scalar layout's columns are `tpr` apart: each has its own block.
        for j in 0..TILE_CHUNKS {
            let [c0, step] = chunk_cols(base, j, t, tpr, width);
            for l in 0..4 {
                let c = c0 + l * step;
                let on = kept(mask, mrow, c, k, bs, live);
                s += load_col(a, start, c, k, on, 0.0) * load_col(x, 0, c, k, on, 0.0);
            }
        }
    }
    s
}

/// The body of [`gemv_masked`] for one column layout.
#[helper]
#[allow(clippy::too_many_arguments)]
fn gemv_masked_rows<T: Float>(
    a: &[T],
    x: &[T],
    mask: &[T],
    out_mask: &[T],
    y: &mut [T],
    m: u32,
    k: u32,
    tpr: u32,
    bs: u32,
    width: u32,
) {
    let row = row_of(tpr);
    let exists = row < m;
    // A row of a masked-out output block reads nothing and stores 0.
    let live = exists & (masked_load(&out_mask, row / bs, exists, 0.0 as T) != 0.0 as T);
    let mrow = (row / bs) * ((k + bs - 1) / bs);
    let mut s = 0.0f32;
    for base in (0..k).step_by(tpr * 4 * TILE_CHUNKS) {
        s += masked_tile_dot(a, x, mask, row * k, mrow, base, tpr, k, bs, width, live);
    }
    let total = segment_reduce(s, tpr, add);
    if exists & (index_in_row(tpr) == 0) {
        y[row] = select(live, total, 0.0) as T;
    }
}

/// Block-masked `y = a·x`: `y[i] = Σ_j a[i, j]·x[j]` over the columns `j` whose block
/// `(i / bs, j / bs)` has a nonzero `mask` entry (`mask` of shape `[⌈m/bs⌉, ⌈k/bs⌉]`), and
/// `y[i] = 0` where `out_mask[i / bs]` is zero. Masked-out blocks are not read. One segment
/// of `tpr` threads per row; `bs` a multiple of 8.
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn gemv_masked<T: Float>(
    a: &[T],
    x: &[T],
    mask: &[T],
    out_mask: &[T],
    y: &mut [T],
    m: u32,
    k: u32,
    tpr: u32,
    bs: u32,
) {
    if wide::<T>(k) {
        gemv_masked_rows(a, x, mask, out_mask, y, m, k, tpr, bs, 8);
    } else if k % 4 == 0 {
        gemv_masked_rows(a, x, mask, out_mask, y, m, k, tpr, bs, 4);
    } else {
        gemv_masked_rows(a, x, mask, out_mask, y, m, k, tpr, bs, 1);
    }
}
