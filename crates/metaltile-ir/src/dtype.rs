//! Element types and every fact about them: size, target spellings, conversion and
//! rounding rules, default tolerances. This is the one place these facts live.

use half::{bf16, f16};
use std::fmt;
use std::str::FromStr;

/// An element type of a buffer, a value or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    F32,
    F16,
    BF16,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    Bool,
}

/// The three float types a `<T: Float>` kernel is instantiated for.
pub const FLOAT_DTYPES: [DType; 3] = [DType::F32, DType::F16, DType::BF16];
/// Integer element types, narrowest first.
pub const INT_DTYPES: [DType; 8] =
    [DType::I8, DType::U8, DType::I16, DType::U16, DType::I32, DType::U32, DType::I64, DType::U64];
/// Every element type.
pub const ALL_DTYPES: [DType; 12] = [
    DType::F32,
    DType::F16,
    DType::BF16,
    DType::I8,
    DType::U8,
    DType::I16,
    DType::U16,
    DType::I32,
    DType::U32,
    DType::I64,
    DType::U64,
    DType::Bool,
];

/// Default comparison tolerances of a dtype: `|a - b| <= atol + rtol * |b|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

impl DType {
    /// Lower-case name used in kernel names, the CLI and .npy mapping (`f32`, `bf16`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::I16 => "i16",
            DType::U16 => "u16",
            DType::I32 => "i32",
            DType::U32 => "u32",
            DType::I64 => "i64",
            DType::U64 => "u64",
            DType::Bool => "bool",
        }
    }

    /// Size of one element in bytes (bool is one byte on every target).
    pub fn size_bytes(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::F16 | DType::BF16 | DType::I16 | DType::U16 => 2,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::I64 | DType::U64 => 8,
        }
    }

    /// Number of value bits (bool counts as 1).
    pub fn bits(self) -> u32 {
        match self {
            DType::Bool => 1,
            d => d.size_bytes() as u32 * 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F16 | DType::BF16)
    }

    /// Integer types (bool is not an integer).
    pub fn is_int(self) -> bool {
        matches!(
            self,
            DType::I8 | DType::U8 | DType::I16 | DType::U16 | DType::I32 | DType::U32 | DType::I64 | DType::U64
        )
    }

    pub fn is_signed(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::F32 | DType::F16 | DType::BF16)
    }

    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// Spelling in Metal Shading Language.
    pub fn msl_name(self) -> &'static str {
        match self {
            DType::F32 => "float",
            DType::F16 => "half",
            DType::BF16 => "bfloat",
            DType::I8 => "char",
            DType::U8 => "uchar",
            DType::I16 => "short",
            DType::U16 => "ushort",
            DType::I32 => "int",
            DType::U32 => "uint",
            DType::I64 => "long",
            DType::U64 => "ulong",
            DType::Bool => "bool",
        }
    }

    /// Spelling in CUDA C++ (with `cuda_fp16.h` / `cuda_bf16.h`).
    pub fn cuda_name(self) -> &'static str {
        match self {
            DType::F32 => "float",
            DType::F16 => "__half",
            DType::BF16 => "__nv_bfloat16",
            DType::I8 => "signed char",
            DType::U8 => "unsigned char",
            DType::I16 => "short",
            DType::U16 => "unsigned short",
            DType::I32 => "int",
            DType::U32 => "unsigned int",
            DType::I64 => "long long",
            DType::U64 => "unsigned long long",
            DType::Bool => "bool",
        }
    }

    /// NumPy `descr` string for .npy files (little-endian). bf16 has no NumPy type; it is
    /// stored as `<u2` raw bits by convention and named explicitly by the user.
    pub fn npy_descr(self) -> &'static str {
        match self {
            DType::F32 => "<f4",
            DType::F16 => "<f2",
            DType::BF16 => "<u2",
            DType::I8 => "|i1",
            DType::U8 => "|u1",
            DType::I16 => "<i2",
            DType::U16 => "<u2",
            DType::I32 => "<i4",
            DType::U32 => "<u4",
            DType::I64 => "<i8",
            DType::U64 => "<u8",
            DType::Bool => "|b1",
        }
    }

    /// Default tolerance for comparing a kernel's output of this dtype against an f64
    /// reference. Kernels with long accumulations may widen it in their spec, with a reason.
    pub fn tolerance(self) -> Tolerance {
        match self {
            DType::F32 => Tolerance { atol: 1e-5, rtol: 1e-5 },
            DType::F16 => Tolerance { atol: 1e-3, rtol: 2e-3 },
            DType::BF16 => Tolerance { atol: 1e-2, rtol: 1.6e-2 },
            _ => Tolerance { atol: 0.0, rtol: 0.0 },
        }
    }

    /// Smallest and largest finite value as f64 (integers exactly where representable).
    pub fn min_max(self) -> (f64, f64) {
        match self {
            DType::F32 => (f32::MIN as f64, f32::MAX as f64),
            DType::F16 => (f16::MIN.to_f64(), f16::MAX.to_f64()),
            DType::BF16 => (bf16::MIN.to_f64(), bf16::MAX.to_f64()),
            DType::I8 => (i8::MIN as f64, i8::MAX as f64),
            DType::U8 => (0.0, u8::MAX as f64),
            DType::I16 => (i16::MIN as f64, i16::MAX as f64),
            DType::U16 => (0.0, u16::MAX as f64),
            DType::I32 => (i32::MIN as f64, i32::MAX as f64),
            DType::U32 => (0.0, u32::MAX as f64),
            DType::I64 => (i64::MIN as f64, i64::MAX as f64),
            DType::U64 => (0.0, u64::MAX as f64),
            DType::Bool => (0.0, 1.0),
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown dtype name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dtype `{0}` (expected one of f32, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64, bool)")]
pub struct UnknownDType(pub String);

impl FromStr for DType {
    type Err = UnknownDType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_DTYPES.iter().copied().find(|d| d.name() == s).ok_or_else(|| UnknownDType(s.to_string()))
    }
}

// ---------------------------------------------------------------------------------------
// Bit-level value representation and conversions.
//
// A scalar of any dtype is carried as `u64` bits: floats as their own IEEE bits (f16/bf16
// in the low 16 bits), integers sign- or zero-extended to 64 bits, bool as 0/1. The
// interpreter and the constant folder both use these functions, so a constant folded at
// compile time and the same expression evaluated at run time agree bit for bit.
// ---------------------------------------------------------------------------------------

/// Decode `bits` of dtype `d` as f64 (exact for every float and for integers up to 2^53).
pub fn bits_to_f64(d: DType, bits: u64) -> f64 {
    match d {
        DType::F32 => f32::from_bits(bits as u32) as f64,
        DType::F16 => f16::from_bits(bits as u16).to_f64(),
        DType::BF16 => bf16::from_bits(bits as u16).to_f64(),
        DType::Bool => (bits & 1) as f64,
        d if d.is_signed() => bits as i64 as f64,
        _ => bits as f64,
    }
}

/// Decode `bits` of an integer or bool dtype as i128 (exact).
pub fn bits_to_i128(d: DType, bits: u64) -> i128 {
    match d {
        DType::Bool => (bits & 1) as i128,
        d if d.is_float() => {
            let f = bits_to_f64(d, bits);
            f as i128
        }
        d if d.is_signed() => bits as i64 as i128,
        _ => bits as i128,
    }
}

/// Normalize raw 64-bit integer bits to dtype `d`: wrap to its width, then sign- or
/// zero-extend. Integers wrap on overflow on every target.
pub fn wrap_int(d: DType, bits: u64) -> u64 {
    match d {
        DType::I8 => bits as i8 as i64 as u64,
        DType::U8 => bits as u8 as u64,
        DType::I16 => bits as i16 as i64 as u64,
        DType::U16 => bits as u16 as u64,
        DType::I32 => bits as i32 as i64 as u64,
        DType::U32 => bits as u32 as u64,
        DType::I64 | DType::U64 => bits,
        DType::Bool => u64::from(bits != 0),
        DType::F32 => bits as u32 as u64,
        DType::F16 | DType::BF16 => bits as u16 as u64,
    }
}

/// f64 -> f32 rounded to odd: exact values are kept; any other value becomes the f32 next to
/// it toward zero with its last mantissa bit set. Rounding that once more to a type with at
/// least two fewer mantissa bits (f16, bf16) gives the same result as rounding the f64 once,
/// which a plain f64 -> f32 -> f16 chain does not (it can round a value just above a tie down).
fn f64_to_f32_round_to_odd(v: f64) -> f32 {
    let r = v as f32;
    if !v.is_finite() || r as f64 == v {
        return r;
    }
    let mut bits = r.to_bits();
    if (r as f64).abs() > v.abs() {
        // Step one ulp toward zero (sign-magnitude: decrement the magnitude).
        bits -= 1;
    }
    f32::from_bits(bits | 1)
}

/// i128 -> f64 rounded to odd (see [`f64_to_f32_round_to_odd`]), exact below 2^53.
fn i128_to_f64_round_to_odd(v: i128) -> f64 {
    let r = v as f64;
    if r as i128 == v && r.is_finite() {
        return r;
    }
    let mut bits = r.to_bits();
    if (r.abs() as u128) > v.unsigned_abs() {
        bits -= 1;
    }
    f64::from_bits(bits | 1)
}

/// Encode an f64 as dtype `d`. Floats round to nearest even; to integers the value is
/// truncated toward zero and saturated, NaN becomes 0 (Rust `as` semantics, which the
/// emitters reproduce); to bool, nonzero (NaN included) is true.
pub fn f64_to_bits(d: DType, v: f64) -> u64 {
    match d {
        DType::F32 => (v as f32).to_bits() as u64,
        DType::F16 => f16::from_f32(f64_to_f32_round_to_odd(v)).to_bits() as u64,
        DType::BF16 => bf16::from_f32(f64_to_f32_round_to_odd(v)).to_bits() as u64,
        DType::Bool => u64::from(v != 0.0),
        DType::I8 => v as i8 as i64 as u64,
        DType::U8 => v as u8 as u64,
        DType::I16 => v as i16 as i64 as u64,
        DType::U16 => v as u16 as u64,
        DType::I32 => v as i32 as i64 as u64,
        DType::U32 => v as u32 as u64,
        DType::I64 => v as i64 as u64,
        DType::U64 => v as u64,
    }
}

/// Encode an exact integer as dtype `d`: integers wrap, floats round to nearest even.
pub fn i128_to_bits(d: DType, v: i128) -> u64 {
    match d {
        d if d.is_float() => {
            // f32 rounds directly from the integer; f16/bf16 go through odd-rounded
            // intermediates so that the value is rounded once.
            match d {
                DType::F32 => (v as f32).to_bits() as u64,
                _ => f64_to_bits(d, i128_to_f64_round_to_odd(v)),
            }
        }
        DType::Bool => u64::from(v != 0),
        _ => wrap_int(d, v as u64),
    }
}

/// Convert a scalar between dtypes with the project's conversion rules (see [`f64_to_bits`]).
pub fn convert_bits(from: DType, to: DType, bits: u64) -> u64 {
    if from == to {
        return bits;
    }
    if from.is_float() {
        let v = bits_to_f64(from, bits);
        if to == DType::F32 && from != DType::F32 {
            // f16/bf16 -> f32 is exact.
            return (v as f32).to_bits() as u64;
        }
        if from == DType::F32 && (to == DType::F16 || to == DType::BF16) {
            // f32 -> f64 is exact, so one rounding step happens: correct RNE.
            return f64_to_bits(to, v);
        }
        return f64_to_bits(to, v);
    }
    // from an integer or bool
    i128_to_bits(to, bits_to_i128(from, bits))
}

/// Round an f32 computation result to dtype `d` (identity for f32). Used for f16/bf16
/// arithmetic, which is computed in f32 and rounded once per operation.
pub fn round_f32_to(d: DType, v: f32) -> u64 {
    match d {
        DType::F32 => v.to_bits() as u64,
        DType::F16 => f16::from_f32(v).to_bits() as u64,
        DType::BF16 => bf16::from_f32(v).to_bits() as u64,
        other => f64_to_bits(other, v as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in ALL_DTYPES {
            assert_eq!(d.name().parse::<DType>(), Ok(d));
        }
        assert!("f8".parse::<DType>().is_err());
    }

    #[test]
    fn f32_to_f16_rounds_to_nearest_even() {
        // 1 + 2^-11 is exactly halfway between two f16 values: ties to even (1.0).
        let halfway = 1.0f32 + 2f32.powi(-11);
        let b = convert_bits(DType::F32, DType::F16, halfway.to_bits() as u64);
        assert_eq!(bits_to_f64(DType::F16, b), 1.0);
        // 1 + 3*2^-11 ties up to 1 + 2^-9.
        let up = 1.0f32 + 3.0 * 2f32.powi(-11);
        let b = convert_bits(DType::F32, DType::F16, up.to_bits() as u64);
        assert_eq!(bits_to_f64(DType::F16, b), 1.0 + 2f64.powi(-9));
    }

    #[test]
    fn float_to_int_saturates_and_nan_is_zero() {
        let nan = f32::NAN.to_bits() as u64;
        assert_eq!(convert_bits(DType::F32, DType::I32, nan), 0);
        let big = 1e20f32.to_bits() as u64;
        assert_eq!(convert_bits(DType::F32, DType::I32, big) as i64, i32::MAX as i64);
        let neg = (-3.7f32).to_bits() as u64;
        assert_eq!(convert_bits(DType::F32, DType::I8, neg) as i64, -3);
        assert_eq!(convert_bits(DType::F32, DType::U8, neg), 0);
    }

    #[test]
    fn integers_wrap() {
        assert_eq!(wrap_int(DType::U8, 256), 0);
        assert_eq!(wrap_int(DType::I8, 128) as i64, -128);
        assert_eq!(convert_bits(DType::I32, DType::U8, (-1i64) as u64), 255);
        assert_eq!(convert_bits(DType::U32, DType::I32, u32::MAX as u64) as i64, -1);
    }

    #[test]
    fn bool_conversions() {
        assert_eq!(convert_bits(DType::F32, DType::Bool, (0.5f32).to_bits() as u64), 1);
        assert_eq!(convert_bits(DType::F32, DType::Bool, (-0.0f32).to_bits() as u64), 0);
        assert_eq!(convert_bits(DType::Bool, DType::F32, 1), 1.0f32.to_bits() as u64);
    }
}

#[cfg(test)]
mod rounding_regressions {
    use super::*;

    // half's f64 conversions truncate the f64 before rounding, so a value just above a tie
    // rounded down. Both cases came out of the CUDA device check.
    #[test]
    fn f32_to_bf16_just_above_a_tie_rounds_up() {
        assert_eq!(convert_bits(DType::F32, DType::BF16, 0x3F80_8001), 0x3F81);
    }

    #[test]
    fn u32_to_bf16_just_above_a_tie_rounds_up() {
        assert_eq!(convert_bits(DType::U32, DType::BF16, 0x0101_0001), 0x4B81);
    }

    #[test]
    fn f64_to_f16_rounds_once() {
        // 1 + 2^-11 + 2^-40: above the f16 tie at 1 + 2^-11, so it rounds up.
        let v = 1.0 + 2f64.powi(-11) + 2f64.powi(-40);
        assert_eq!(f64_to_bits(DType::F16, v), f16::from_f32(1.0 + 2f32.powi(-10)).to_bits() as u64);
        // Exact ties still go to even, and specials pass through.
        assert_eq!(f64_to_bits(DType::F16, 1.0 + 2f64.powi(-11)), f16::ONE.to_bits() as u64);
        assert!(bits_to_f64(DType::BF16, f64_to_bits(DType::BF16, f64::NAN)).is_nan());
        assert_eq!(bits_to_f64(DType::F16, f64_to_bits(DType::F16, 1e300)), f64::INFINITY);
        assert_eq!(bits_to_f64(DType::BF16, f64_to_bits(DType::BF16, -1e300)), f64::NEG_INFINITY);
        assert!(bits_to_f64(DType::F16, f64_to_bits(DType::F16, -0.0)).is_sign_negative());
    }
}

#[cfg(test)]
mod wide_int_rounding {
    use super::*;

    #[test]
    fn u64_above_2_pow_53_rounds_once_to_bf16() {
        // 2^60 + 2^52 + 1: just above the bf16 tie between 2^60 and 2^60 + 2^53, rounds up.
        let v: u64 = (1 << 60) + (1 << 52) + 1;
        let got = bits_to_f64(DType::BF16, convert_bits(DType::U64, DType::BF16, v));
        assert_eq!(got, 2f64.powi(60) + 2f64.powi(53));
        // Exactly the tie goes to even (2^60).
        let tie: u64 = (1 << 60) + (1 << 52);
        assert_eq!(bits_to_f64(DType::BF16, convert_bits(DType::U64, DType::BF16, tie)), 2f64.powi(60));
    }
}
