//! MetalTile: GPU kernels for ML inference, written once in Rust.
//!
//! A `#[kernel]` function's body is traced into the typed IR of [`ir`], which the code
//! generators turn into Metal Shading Language and CUDA C and the interpreter runs on any
//! CPU. Depend on this crate alone; `use metaltile::prelude::*;` brings in the language.
//! The language is described in `docs/language.md`.

// Generated code names this crate `::metaltile`, which must also resolve inside it.
extern crate self as metaltile;

pub mod dsl;

/// The IR crate, re-exported for tools and advanced users.
pub use metaltile_ir as ir;

/// The host runtime: devices, buffers, pipelines and launches on every backend.
pub use metaltile_runtime as runtime;

#[doc = include_str!("../../../docs/language.md")]
pub mod language {}

/// Turns a Rust function into a kernel module (`DEF`, `ir`, `body`); see `docs/language.md`.
pub use metaltile_macros::kernel;

/// Turns a Rust function into a kernel helper, inlined where kernels call it.
pub use metaltile_macros::helper;

/// Everything a kernel author needs in scope.
pub mod prelude {
    pub use crate::dsl::{
        atomic_add, atomic_and, atomic_compare_exchange, atomic_exchange, atomic_max, atomic_min, atomic_or,
        atomic_xor, elem_bytes, global_id, grid_size, group_id, group_size, lane_id, lit_bool, lit_float, lit_int,
        load2, load4, load8, local_id, local_index, masked_load, num_groups, num_simdgroups, private_array, select,
        simd_all, simd_any, simd_ballot, simd_broadcast, simd_max, simd_min, simd_prefix_sum,
        simd_prefix_sum_exclusive, simd_product, simd_shuffle, simd_shuffle_down, simd_shuffle_up, simd_shuffle_xor,
        simd_sum, simdgroup_barrier, simdgroup_id, store2, store4, store8, threadgroup_array, threadgroup_barrier,
        AtomicScalar, Buf, BufMut, Dim3, Float, IndexType, Int, Local, Logical, Memory, Numeric, Scalar, Shared,
        Signed, Val, Var, WritableMemory, SIMD_WIDTH,
    };
    pub use crate::{helper, kernel};
    pub use half::{bf16, f16};
    pub use metaltile_ir::DType;
}
