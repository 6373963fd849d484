//! The kernels, written with `#[kernel]`. Each is generic over the float type `T` and
//! computes in f32, so f16 and bf16 results are rounded once, at the store.

pub mod binary;
pub mod helpers;
pub mod norm;
pub mod reduce;
pub mod softmax;
pub mod unary;
