//! Launch positions and sizes, barriers and simdgroup collectives.

use super::scalar::{Numeric, Scalar};
use super::trace::{emit, emit_effect};
use super::val::Val;
use metaltile_ir::{Axis, BarrierScope, Builtin, Op, SimdOp};

/// A 3-D position or size; every component is `u32`.
#[derive(Clone, Copy)]
pub struct Dim3 {
    pub x: Val<u32>,
    pub y: Val<u32>,
    pub z: Val<u32>,
}

fn dim3(f: fn(Axis) -> Builtin) -> Dim3 {
    let b = |a| Val::from_id(emit(Op::Builtin(f(a))));
    Dim3 { x: b(Axis::X), y: b(Axis::Y), z: b(Axis::Z) }
}

/// Position of this thread in the grid, in threads (Metal `thread_position_in_grid`).
pub fn global_id() -> Dim3 {
    dim3(Builtin::GlobalId)
}
/// Position of this thread inside its threadgroup.
pub fn local_id() -> Dim3 {
    dim3(Builtin::LocalId)
}
/// Position of this threadgroup in the grid, in threadgroups.
pub fn group_id() -> Dim3 {
    dim3(Builtin::GroupId)
}
/// Threads per threadgroup.
pub fn group_size() -> Dim3 {
    dim3(Builtin::GroupSize)
}
/// Threadgroups per grid.
pub fn num_groups() -> Dim3 {
    dim3(Builtin::NumGroups)
}
/// Threads per grid.
pub fn grid_size() -> Dim3 {
    dim3(Builtin::GridSize)
}
/// Flattened index of this thread in its threadgroup (x fastest).
pub fn local_index() -> Val<u32> {
    Val::from_id(emit(Op::Builtin(Builtin::LocalIndex)))
}
/// Index of this thread in its simdgroup, 0..32.
pub fn lane_id() -> Val<u32> {
    Val::from_id(emit(Op::Builtin(Builtin::Lane)))
}
/// Index of this thread's simdgroup in its threadgroup.
pub fn simdgroup_id() -> Val<u32> {
    Val::from_id(emit(Op::Builtin(Builtin::SimdGroup)))
}
/// Simdgroups per threadgroup.
pub fn num_simdgroups() -> Val<u32> {
    Val::from_id(emit(Op::Builtin(Builtin::NumSimdGroups)))
}

/// Wait until every thread of the threadgroup arrives; orders threadgroup and device memory.
pub fn threadgroup_barrier() {
    emit_effect(Op::Barrier(BarrierScope::Threadgroup))
}
/// Wait for the 32 lanes of this simdgroup.
pub fn simdgroup_barrier() {
    emit_effect(Op::Barrier(BarrierScope::Simdgroup))
}

fn simd<T: Scalar, U: Scalar>(op: SimdOp, x: Val<T>, lane: Option<Val<u32>>) -> Val<U> {
    Val::from_id(emit(Op::Simd { op, arg: x.id(), lane: lane.map(|l| l.id()) }))
}

macro_rules! simd_reduce {
    ($($(#[$doc:meta])* $f:ident => $op:ident;)*) => { $(
        $(#[$doc])*
        pub fn $f<T: Numeric>(x: Val<T>) -> Val<T> { simd(SimdOp::$op, x, None) }
    )* };
}
simd_reduce! {
    /// Sum over the 32 lanes of the simdgroup.
    simd_sum => Sum;
    /// Product over the simdgroup.
    simd_product => Product;
    /// Maximum over the simdgroup.
    simd_max => Max;
    /// Minimum over the simdgroup.
    simd_min => Min;
    /// Inclusive prefix sum over lanes `0..=lane`.
    simd_prefix_sum => PrefixSum;
    /// Exclusive prefix sum over lanes `0..lane`.
    simd_prefix_sum_exclusive => PrefixSumExclusive;
}

macro_rules! simd_lane {
    ($($(#[$doc:meta])* $f:ident => $op:ident;)*) => { $(
        $(#[$doc])*
        pub fn $f<T: Scalar>(x: Val<T>, lane: Val<u32>) -> Val<T> { simd(SimdOp::$op, x, Some(lane)) }
    )* };
}
simd_lane! {
    /// `x` of lane `lane` (taken modulo 32).
    simd_shuffle => Shuffle;
    /// `x` of lane `lane_id() ^ mask`.
    simd_shuffle_xor => ShuffleXor;
    /// `x` of lane `lane_id() - delta`; lower lanes keep their own.
    simd_shuffle_up => ShuffleUp;
    /// `x` of lane `lane_id() + delta`; upper lanes keep their own.
    simd_shuffle_down => ShuffleDown;
    /// `x` of lane `lane`, which must be the same on every lane.
    simd_broadcast => Broadcast;
}

/// True if `b` holds on any lane.
pub fn simd_any(b: Val<bool>) -> Val<bool> {
    simd(SimdOp::Any, b, None)
}
/// True if `b` holds on every lane.
pub fn simd_all(b: Val<bool>) -> Val<bool> {
    simd(SimdOp::All, b, None)
}
/// Bit `l` set where `b` holds on lane `l`.
pub fn simd_ballot(b: Val<bool>) -> Val<u32> {
    simd(SimdOp::Ballot, b, None)
}

/// Width of a simdgroup on every target.
pub const SIMD_WIDTH: u32 = 32;
