//! The kernels, written with `#[kernel]`. Each is generic over the float type `T` and
//! computes in f32, so f16 and bf16 results are rounded once, at the store.
//!
//! Elementwise ops share one skeleton ([`elementwise`]); row ops share the layout, loads,
//! stores and reductions of [`rows`]. `docs/perf-notes.md` gives each family's plans.

pub mod arg;
pub mod binary;
pub mod bitwise;
pub mod broadcast;
pub mod cast;
pub mod channel_norm;
pub mod columns;
pub mod concat;
pub mod copy;
pub mod elementwise;
pub mod fill;
pub mod fused;
pub mod gemv;
pub mod helpers;
pub mod index;
pub mod loss;
pub mod masked;
pub mod moments;
pub mod norm;
pub mod normvar;
pub mod random;
pub mod reduce;
pub mod rope;
pub mod rows;
pub mod scan;
pub mod softmax;
pub mod sort;
pub mod strided;
pub mod unary;

#[cfg(test)]
mod checks;
#[cfg(test)]
mod plan_checks;
