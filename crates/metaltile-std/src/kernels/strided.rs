//! Copies of a strided view into a contiguous output: `y[i] = x[offset + Σ_d c_d · stride_d]`
//! where `c` is output element `i`'s coordinate. One body ([`gather`]) serves three ops, each
//! with its own kernel name (`as_strided`, `permute`, `slice`); `permute_tiles` is the
//! transpose fast path of all three.
//!
//! - [`gather`]: the elementwise skeleton's layout (16 output elements per thread in four
//!   4-wide vectors, each warp access one contiguous span, every load before the first store,
//!   the last threadgroup element by element). `dims` holds the output's shape, the input's
//!   element strides (0 along broadcast axes) over [`MAX_DIMS`] axes, leading axes padded with
//!   size 1, then the offset. With `vec` the plan has proved that four consecutive outputs
//!   are four consecutive, 4-aligned inputs (last axis contiguous, a multiple of 4 long, every
//!   other stride and the offset multiples of 4): one 4-wide load per vector; without, four
//!   scalar loads.
//! - [`permute_tiles`]: a batched transpose `y[b, j, i] = x[offset + b·sb + i·sm + j]` (the
//!   input's contiguous axis `j` becomes the output's second-last one) through a padded
//!   32×33 tile of threadgroup memory: reads coalesced along `j`, writes along `i`, a
//!   threadgroup of 32×8 threads moving 4 elements each way.
//!
//! All indices are u32: `ops` refuses views that reach past element 2^32 - 1.

use super::elementwise::{group_span, vector_offset};
use metaltile::prelude::*;

/// Most axes a strided view may have after the plan merges the mergeable ones.
pub const MAX_DIMS: u32 = 6;
/// Side of a transpose tile.
pub const TILE: u32 = 32;
/// Rows of threads of a transpose threadgroup (each thread moves `TILE / TILE_ROWS` elements).
pub const TILE_ROWS: u32 = 8;

/// The input offset of output element `i` (see the module's `dims`).
#[helper]
pub fn source_offset(dims: &[u32], i: u32) -> u32 {
    let mut rest = i;
    let mut at = dims[2 * MAX_DIMS];
    for k in 0..MAX_DIMS {
        let d = MAX_DIMS - 1 - k;
        let size = dims[d];
        at += (rest % size) * dims[MAX_DIMS + d];
        rest /= size;
    }
    at
}

/// Output elements `i..i + 4` gathered one by one.
#[helper]
pub fn gather4<T: Scalar>(x: &[T], dims: &[u32], i: u32) -> [T; 4] {
    [
        x[source_offset(dims, i)],
        x[source_offset(dims, i + 1)],
        x[source_offset(dims, i + 2)],
        x[source_offset(dims, i + 3)],
    ]
}

/// `y[i] = x[source_offset(i)]` for `i < n` (see the module's layout).
#[helper]
pub fn gather<T: Scalar>(x: &[T], y: &mut [T], dims: &[u32], n: u32, vec: bool) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        let [i0, i1, i2, i3] =
            [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)];
        // `vec` is a constexpr: one branch folds away. (Array values cannot flow out of an
        // `if`, hence the two copies of the stores.)
        if vec {
            let v0 = load4(&x, source_offset(dims, i0));
            let v1 = load4(&x, source_offset(dims, i1));
            let v2 = load4(&x, source_offset(dims, i2));
            let v3 = load4(&x, source_offset(dims, i3));
            store4(&y, i0, v0);
            store4(&y, i1, v1);
            store4(&y, i2, v2);
            store4(&y, i3, v3);
        } else {
            let v0 = gather4(x, dims, i0);
            let v1 = gather4(x, dims, i1);
            let v2 = gather4(x, dims, i2);
            let v3 = gather4(x, dims, i3);
            store4(&y, i0, v0);
            store4(&y, i1, v1);
            store4(&y, i2, v2);
            store4(&y, i3, v3);
        }
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = x[source_offset(dims, base + e)];
            }
        }
    }
}

/// `y = x.as_strided(shape, strides, offset)`, contiguous.
#[kernel]
pub fn as_strided<T: Scalar>(x: &[T], y: &mut [T], dims: &[u32], n: u32, #[constexpr(default = false)] vec: bool) {
    gather(x, y, dims, n, vec);
}

/// `y = x.permute(perm)`, contiguous.
#[kernel]
pub fn permute<T: Scalar>(x: &[T], y: &mut [T], dims: &[u32], n: u32, #[constexpr(default = false)] vec: bool) {
    gather(x, y, dims, n, vec);
}

/// `y = x[start:stop:step, ...]`, contiguous.
#[kernel]
pub fn slice<T: Scalar>(x: &[T], y: &mut [T], dims: &[u32], n: u32, #[constexpr(default = false)] vec: bool) {
    gather(x, y, dims, n, vec);
}

/// `y[b, j, i] = x[offset + b·sb + i·sm + j]` for `i < m`, `j < n`, `y` of shape `[B, n, m]`:
/// threadgroup `(j / TILE, i / TILE, b)` reads a tile along `j` into threadgroup memory (a
/// row padded by one element, so the column reads below hit distinct banks) and writes it
/// back along `i`.
#[kernel]
pub fn permute_tiles<T: Scalar>(x: &[T], y: &mut [T], m: u32, n: u32, sm: u32, sb: u32, offset: u32) {
    let tile = threadgroup_array::<T>(TILE * (TILE + 1));
    let tx = local_id().x;
    let ty = local_id().y;
    let i0 = group_id().y * TILE;
    let j0 = group_id().x * TILE;
    let b = group_id().z;
    let src = offset + b * sb;
    for r in 0..TILE / TILE_ROWS {
        let row = ty + r * TILE_ROWS;
        let i = i0 + row;
        let j = j0 + tx;
        if (i < m) & (j < n) {
            tile[row * (TILE + 1) + tx] = x[src + i * sm + j];
        }
    }
    threadgroup_barrier();
    let dst = b * m * n;
    for r in 0..TILE / TILE_ROWS {
        let col = ty + r * TILE_ROWS;
        let i = i0 + tx;
        let j = j0 + col;
        if (i < m) & (j < n) {
            y[dst + j * m + i] = tile[tx * (TILE + 1) + col];
        }
    }
}
