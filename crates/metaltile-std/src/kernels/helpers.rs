//! Whole-threadgroup reductions for kernels that give each threadgroup one row (the std row
//! kernels, which may pack several rows into a threadgroup, use `rows::row_reduce`), and the
//! NaN-propagating max and min. Each threadgroup reduces in two steps:
//! every simdgroup reduces its 32 lanes with a collective, lane 0 of each writes its partial
//! to threadgroup memory, and after a barrier every simdgroup reduces the partials itself,
//! so every thread gets the result without a second barrier.
//!
//! Callers must reach these from every thread of the threadgroup (they contain a barrier and
//! collectives), with a threadgroup size that is a multiple of 32 and at most 1024.

use metaltile::prelude::*;

/// A function of one f32, passed to a skeleton helper (an op's math, a map before a fold).
pub type UnaryFn = fn(Val<f32>) -> Val<f32>;
/// A function of two f32 values (an op's math; for folds, associative and commutative).
pub type BinaryFn = fn(Val<f32>, Val<f32>) -> Val<f32>;
/// A function of one f32 and two scalar parameters of its op (an op with one parameter
/// ignores the third argument).
pub type ParamFn = fn(Val<f32>, Val<f32>, Val<f32>) -> Val<f32>;
/// A property of one f32 (isnan, ...).
pub type PredicateFn = fn(Val<f32>) -> Val<bool>;

/// Σ v over the threadgroup.
#[helper]
pub fn block_sum(v: f32) -> f32 {
    let partials = threadgroup_array::<f32>(32);
    let simd_total = simd_sum(v);
    if lane_id() == 0 {
        partials[simdgroup_id()] = simd_total;
    }
    threadgroup_barrier();
    let partial = if lane_id() < num_simdgroups() { partials[lane_id()] } else { 0.0 };
    simd_sum(partial)
}

/// max v over the threadgroup (NaN loses, as in `f32::max`).
#[helper]
pub fn block_max(v: f32) -> f32 {
    let partials = threadgroup_array::<f32>(32);
    let simd_best = simd_max(v);
    if lane_id() == 0 {
        partials[simdgroup_id()] = simd_best;
    }
    threadgroup_barrier();
    let partial = if lane_id() < num_simdgroups() { partials[lane_id()] } else { f32::NEG_INFINITY };
    simd_max(partial)
}

/// min v over the threadgroup (NaN loses, as in `f32::min`).
#[helper]
pub fn block_min(v: f32) -> f32 {
    let partials = threadgroup_array::<f32>(32);
    let simd_best = simd_min(v);
    if lane_id() == 0 {
        partials[simdgroup_id()] = simd_best;
    }
    threadgroup_barrier();
    let partial = if lane_id() < num_simdgroups() { partials[lane_id()] } else { f32::INFINITY };
    simd_min(partial)
}

/// True if `b` holds on any thread of the threadgroup.
#[helper]
pub fn block_any(b: bool) -> bool {
    let flags = threadgroup_array::<u32>(32);
    let simd_flag = simd_any(b);
    if lane_id() == 0 {
        flags[simdgroup_id()] = simd_flag as u32;
    }
    threadgroup_barrier();
    let flag = if lane_id() < num_simdgroups() { flags[lane_id()] != 0 } else { false };
    simd_any(flag)
}

/// The larger of `p` and `q`, NaN if either is NaN (`f32::max` would drop the NaN).
#[helper]
pub fn max_nan(p: f32, q: f32) -> f32 {
    select(p.is_nan() | q.is_nan(), p + q, p.max(q))
}

/// The smaller of `p` and `q`, NaN if either is NaN.
#[helper]
pub fn min_nan(p: f32, q: f32) -> f32 {
    select(p.is_nan() | q.is_nan(), p + q, p.min(q))
}
