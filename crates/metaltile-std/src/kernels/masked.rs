//! masked_scatter: `y = x`, except that the positions where `mask` is true take consecutive
//! elements of `src`, in row-major order. A prefix count of the mask in three launches:
//! [`masked_count`] counts the true elements of each chunk of [`MASK_CHUNK`] elements (one
//! threadgroup per chunk), [`masked_offsets`] turns the counts into each chunk's first source
//! element (an exclusive scan in one threadgroup, the total after the last), and
//! [`masked_scatter`] scans its chunk again within the threadgroup and moves the elements.
//!
//! A thread owns [`MASK_PER_THREAD`] consecutive elements (the scan needs each thread's
//! elements in order); `src` shorter than the mask's count is never read past its end: the
//! element keeps `x`'s value and the first such position is recorded in `flag` (see
//! [`super::index::record_bad`]) for the checked mode's error.

use super::index::record_bad;
use metaltile::prelude::*;

/// Threads per threadgroup of the three kernels.
pub const MASK_GROUP: u32 = 256;
/// Consecutive elements per thread.
pub const MASK_PER_THREAD: u32 = 16;
/// Elements per chunk (threadgroup).
pub const MASK_CHUNK: u32 = MASK_GROUP * MASK_PER_THREAD;

/// The number of true elements among this thread's `MASK_PER_THREAD` of `mask` (below `n`).
#[helper]
pub fn thread_count(mask: &[bool], first: u32, n: u32) -> u32 {
    let mut c = 0u32;
    for e in first..(first + MASK_PER_THREAD).min(n) {
        if mask[e] {
            c += 1;
        }
    }
    c
}

/// `[before, total]`: the sum of `v` over the threads before this one in its threadgroup, and
/// over all of them. Every thread must call it (it has a barrier).
#[helper]
pub fn group_exclusive_sum(v: u32, per_simd: &mut [u32]) -> [u32; 2] {
    let incl = simd_prefix_sum(v);
    if lane_id() == SIMD_WIDTH - 1 {
        per_simd[simdgroup_id()] = incl;
    }
    threadgroup_barrier();
    let mut before = 0u32;
    let mut total = 0u32;
    for w in 0..MASK_GROUP / SIMD_WIDTH {
        let s = per_simd[w];
        if w < simdgroup_id() {
            before += s;
        }
        total += s;
    }
    [before + incl - v, total]
}

/// `counts[g]` = the number of true elements of chunk `g` of `mask` (`n` elements). Counts
/// are `T` so that the kernel is generic and checked with every other instance; the library
/// launches u32 (as [`masked_offsets`]).
#[kernel]
pub fn masked_count<T: Numeric>(mask: &[bool], counts: &mut [T], n: u32) {
    let first = (group_id().x * MASK_GROUP + local_id().x) * MASK_PER_THREAD;
    let c = thread_count(mask, first, n);
    let per_simd = threadgroup_array::<u32>(MASK_GROUP / SIMD_WIDTH);
    let [_, total] = group_exclusive_sum(c, per_simd);
    if local_id().x == 0 {
        counts[group_id().x] = total.cast::<T>();
    }
}

/// `counts[0..chunks]` replaced by their exclusive prefix sums, `counts[chunks]` = the total;
/// one threadgroup of [`MASK_GROUP`] threads.
#[kernel]
pub fn masked_offsets<T: Numeric>(counts: &mut [T], chunks: u32) {
    let t = local_id().x;
    let per_simd = threadgroup_array::<u32>(MASK_GROUP / SIMD_WIDTH);
    let mut carry = 0u32;
    for base in (0..chunks).step_by(MASK_GROUP) {
        let i = base + t;
        let c = if i < chunks { counts[i].cast::<u32>() } else { 0u32 };
        let [before, total] = group_exclusive_sum(c, per_simd);
        if i < chunks {
            counts[i] = (carry + before).cast::<T>();
        }
        carry += total;
        // `per_simd` is written again by the next step.
        threadgroup_barrier();
    }
    if t == 0 {
        counts[chunks] = carry.cast::<T>();
    }
}

/// `y[e] = mask[e] ? src[k] : x[e]` with `k` the number of true elements before `e`;
/// `offsets[g]` is chunk `g`'s first `k` ([`masked_offsets`]).
#[kernel]
pub fn masked_scatter<T: Float>(
    x: &[T],
    mask: &[bool],
    src: &[T],
    offsets: &[u32],
    y: &mut [T],
    flag: &mut [u32],
    n: u32,
    src_len: u32,
) {
    let first = (group_id().x * MASK_GROUP + local_id().x) * MASK_PER_THREAD;
    let c = thread_count(mask, first, n);
    let per_simd = threadgroup_array::<u32>(MASK_GROUP / SIMD_WIDTH);
    let [before, _] = group_exclusive_sum(c, per_simd);
    let mut k = offsets[group_id().x] + before;
    for e in first..(first + MASK_PER_THREAD).min(n) {
        if mask[e] {
            if k < src_len {
                y[e] = src[k];
            } else {
                y[e] = x[e];
                record_bad(flag, [k as i32, 0i32], k, src_len);
            }
            k += 1;
        } else {
            y[e] = x[e];
        }
    }
}
