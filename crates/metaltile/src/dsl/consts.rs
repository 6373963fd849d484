//! Constants in kernels. `T::INFINITY`, `f32::NAN`, `u32::MAX` and the other associated
//! constants Rust gives its number types are rewritten by `#[kernel]` into calls of the
//! functions here, so they read as in plain Rust; every value is derived from the dtype's
//! encoding in `metaltile-ir`, not listed here. A Rust `const` of an element type used in a
//! kernel (`SIMD_WIDTH`, `const BLOCK: u32 = 256;`) becomes a compile-time constant through
//! [`Lift`].

use super::scalar::{Float, Numeric, Scalar};
use super::val::Val;
use half::{bf16, f16};
use metaltile_ir::{Constant, DType};

/// A Rust value that a kernel can use as a compile-time constant. `#[kernel]` rewrites a
/// SCREAMING_CASE name that is not a local binding (a `const` or `static`) into
/// `Lift::lift(NAME)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a constant in a kernel",
    label = "not an element type",
    note = "Rust constants used in kernels must have an element type (f32, f16, bf16, i8..u64, bool)"
)]
pub trait Lift {
    /// The kernel value.
    type Value;
    /// The constant as a kernel value.
    fn lift(self) -> Self::Value;
}

macro_rules! lift {
    ($($t:ty => $c:expr;)*) => { $(
        impl Lift for $t {
            type Value = Val<$t>;
            fn lift(self) -> Val<$t> {
                let f: fn($t) -> Constant = $c;
                Val::constant(f(self))
            }
        }
    )* };
}
lift! {
    f32 => |v| Constant::f32(v);
    f16 => |v| Constant::from_bits(DType::F16, v.to_bits() as u64);
    bf16 => |v| Constant::from_bits(DType::BF16, v.to_bits() as u64);
    i8 => |v| Constant::from_i128(<i8 as Scalar>::DTYPE, v as i128);
    u8 => |v| Constant::from_i128(<u8 as Scalar>::DTYPE, v as i128);
    i16 => |v| Constant::from_i128(<i16 as Scalar>::DTYPE, v as i128);
    u16 => |v| Constant::from_i128(<u16 as Scalar>::DTYPE, v as i128);
    i32 => |v| Constant::from_i128(<i32 as Scalar>::DTYPE, v as i128);
    u32 => |v| Constant::from_i128(<u32 as Scalar>::DTYPE, v as i128);
    i64 => |v| Constant::from_i128(<i64 as Scalar>::DTYPE, v as i128);
    u64 => |v| Constant::from_i128(<u64 as Scalar>::DTYPE, v as i128);
    bool => Constant::bool;
}

fn float<T: Float>(v: f64) -> Val<T> {
    Val::constant(Constant::from_f64(T::DTYPE, v))
}

/// `T::INFINITY`.
pub fn infinity<T: Float>() -> Val<T> {
    float(f64::INFINITY)
}
/// `T::NEG_INFINITY`.
pub fn neg_infinity<T: Float>() -> Val<T> {
    float(f64::NEG_INFINITY)
}
/// `T::NAN` (the canonical quiet NaN of `T`).
pub fn nan<T: Float>() -> Val<T> {
    float(f64::NAN)
}

/// The largest finite value of `d` (exact for integers).
pub(crate) fn max_constant(d: DType) -> Constant {
    if d.is_float() {
        return Constant::from_f64(d, d.min_max().1);
    }
    // All ones below the sign bit (signed) or in every bit (unsigned), then normalized.
    let bits = if d.is_signed() { (1u64 << (d.bits() - 1)) - 1 } else { u64::MAX };
    Constant::from_bits(d, bits)
}

/// The smallest finite value of `d` (the most negative; `-MAX` for floats, as in Rust).
pub(crate) fn min_constant(d: DType) -> Constant {
    if d.is_float() {
        return Constant::from_f64(d, d.min_max().0);
    }
    let bits = if d.is_signed() { 1u64 << (d.bits() - 1) } else { 0 };
    Constant::from_bits(d, bits)
}

/// `T::MAX`: the largest finite value.
pub fn max_value<T: Numeric>() -> Val<T> {
    Val::constant(max_constant(T::DTYPE))
}
/// `T::MIN`: the smallest finite value (for floats the most negative one, `-T::MAX`).
pub fn min_value<T: Numeric>() -> Val<T> {
    Val::constant(min_constant(T::DTYPE))
}

/// The difference between 1.0 and the next larger value of `d`.
pub(crate) fn epsilon_of(d: DType) -> f64 {
    let one = Constant::from_f64(d, 1.0);
    Constant::from_bits(d, one.bits + 1).as_f64() - 1.0
}

/// The smallest positive normal value of `d`: `2^(1 - emax)` where `2^emax` is the
/// magnitude of the largest finite value.
pub(crate) fn min_positive_of(d: DType) -> f64 {
    let emax = d.min_max().1.log2().floor() as i32;
    2f64.powi(1 - emax)
}

/// `T::EPSILON`: the gap between 1.0 and the next larger value.
pub fn epsilon<T: Float>() -> Val<T> {
    float(epsilon_of(T::DTYPE))
}
/// `T::MIN_POSITIVE`: the smallest positive normal value.
pub fn min_positive<T: Float>() -> Val<T> {
    float(min_positive_of(T::DTYPE))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn integer_extremes_match_rust() {
        let cases: [(DType, i128, i128); 8] = [
            (DType::I8, i8::MIN as i128, i8::MAX as i128),
            (DType::U8, 0, u8::MAX as i128),
            (DType::I16, i16::MIN as i128, i16::MAX as i128),
            (DType::U16, 0, u16::MAX as i128),
            (DType::I32, i32::MIN as i128, i32::MAX as i128),
            (DType::U32, 0, u32::MAX as i128),
            (DType::I64, i64::MIN as i128, i64::MAX as i128),
            (DType::U64, 0, u64::MAX as i128),
        ];
        for (d, lo, hi) in cases {
            assert_eq!(min_constant(d).as_i128(), lo, "{d}");
            assert_eq!(max_constant(d).as_i128(), hi, "{d}");
        }
    }

    #[test]
    fn float_facts_match_rust_and_half() {
        assert_eq!(max_constant(DType::F32).as_f64(), f32::MAX as f64);
        assert_eq!(min_constant(DType::F32).as_f64(), f32::MIN as f64);
        assert_eq!(max_constant(DType::F16).as_f64(), f16::MAX.to_f64());
        assert_eq!(min_constant(DType::BF16).as_f64(), bf16::MIN.to_f64());
        assert_eq!(epsilon_of(DType::F32), f32::EPSILON as f64);
        assert_eq!(epsilon_of(DType::F16), f16::EPSILON.to_f64());
        assert_eq!(epsilon_of(DType::BF16), bf16::EPSILON.to_f64());
        assert_eq!(min_positive_of(DType::F32), f32::MIN_POSITIVE as f64);
        assert_eq!(min_positive_of(DType::F16), f16::MIN_POSITIVE.to_f64());
        assert_eq!(min_positive_of(DType::BF16), bf16::MIN_POSITIVE.to_f64());
    }
}
