//! Rust types that name element types inside kernels, and the traits that group them.

use half::{bf16, f16};
use metaltile_ir::DType;

/// An element type usable in kernels.
pub trait Scalar: Copy + 'static {
    const DTYPE: DType;
}
/// Types with `+ - * / %`, `min`, `max` and `-x`.
pub trait Numeric: Scalar {}
/// f32, f16 and bf16: `<T: Float>` kernels are instantiated for all three.
pub trait Float: Signed {}
/// Integer types (which also have the bitwise operators of [`Logical`]).
pub trait Int: Numeric + Logical {}
/// Floats and signed integers: the types with unary `-` (as in Rust, `-x` on an unsigned
/// integer does not compile).
pub trait Signed: Numeric {}
/// Integer types and bool: `& | ^ !`.
pub trait Logical: Scalar {}
/// Integer types that index memory.
pub trait IndexType: Int {}
/// Element types with device and threadgroup atomics on every target.
pub trait AtomicScalar: Numeric {}

macro_rules! scalars {
    ($($t:ty => $d:ident : $($tr:ident),*;)*) => {
        $( impl Scalar for $t { const DTYPE: DType = DType::$d; } $( impl $tr for $t {} )* )*
    };
}

scalars! {
    f32 => F32: Numeric, Signed, Float, AtomicScalar;
    f16 => F16: Numeric, Signed, Float;
    bf16 => BF16: Numeric, Signed, Float;
    i8 => I8: Numeric, Signed, Int, Logical, IndexType;
    u8 => U8: Numeric, Int, Logical, IndexType;
    i16 => I16: Numeric, Signed, Int, Logical, IndexType;
    u16 => U16: Numeric, Int, Logical, IndexType;
    i32 => I32: Numeric, Signed, Int, Logical, IndexType, AtomicScalar;
    u32 => U32: Numeric, Int, Logical, IndexType, AtomicScalar;
    i64 => I64: Numeric, Signed, Int, Logical, IndexType;
    u64 => U64: Numeric, Int, Logical, IndexType;
    bool => Bool: Logical;
}
