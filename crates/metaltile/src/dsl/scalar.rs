//! Rust types that name element types inside kernels, and the traits that group them.

use half::{bf16, f16};
use metaltile_ir::DType;

/// An element type usable in kernels.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a kernel element type",
    label = "not an element type",
    note = "kernel element types are f32, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64 and bool"
)]
pub trait Scalar: Copy + 'static {
    const DTYPE: DType;
}
/// Types with `+ - * / %`, `min`, `max` and `-x`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number type",
    label = "expected a float or integer type, found `{Self}`",
    note = "arithmetic, `min`/`max` and simdgroup reductions take floats and integers; a bool converts with `as u32`"
)]
pub trait Numeric: Scalar {}
/// f32, f16 and bf16: `<T: Float>` kernels are instantiated for all three.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a float type",
    label = "used as `{Self}` here, which is not a float type",
    note = "a float literal such as `1.0` and float math (`sqrt`, `exp`, ...) need f32, f16 or bf16: \
            write an integer literal as `1`, or convert the value with `as f32`"
)]
pub trait Float: Signed {}
/// Integer types (which also have the bitwise operators of [`Logical`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an integer type",
    label = "used as `{Self}` here, which is not an integer type",
    note = "an integer literal such as `1`, a `for` range, shifts and bit counts need an integer type: \
            write a float literal as `1.0`, or convert the value with `as u32` (or `as i32`, ...)"
)]
pub trait Int: Numeric + Logical {}
/// Floats and signed integers: the types with unary `-` (as in Rust, `-x` on an unsigned
/// integer does not compile).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a signed type",
    label = "expected a float or signed integer type, found `{Self}`",
    note = "as in Rust, unsigned integers and bool have no `-x`; convert with `as i32` first"
)]
pub trait Signed: Numeric {}
/// Integer types and bool: `& | ^ !`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no bitwise operators",
    label = "expected an integer type or bool, found `{Self}`",
    note = "`& | ^ !` take integers and bool; reinterpret a float's bits with `.to_bits::<u32>()`"
)]
pub trait Logical: Scalar {}
/// Integer types that index memory.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot index kernel memory",
    label = "expected an integer index, found `{Self}`",
    note = "memory is indexed by integers (usually `u32`); convert the index with `as u32`"
)]
pub trait IndexType: Int {}
/// Element types with device and threadgroup atomics on every target.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no atomics on every target",
    label = "expected i32, u32 or f32, found `{Self}`",
    note = "device and threadgroup atomics take i32, u32 or f32"
)]
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
