//! Compile-time constants: a dtype and the value's bits (see `dtype` for the encoding).

use crate::dtype::{self, DType};
use std::fmt;

/// A typed scalar constant. Equality and hashing are by bits, so `-0.0 != 0.0` and one NaN
/// pattern equals itself, which is what CSE and folding need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Constant {
    pub dtype: DType,
    pub bits: u64,
}

impl Constant {
    /// From raw bits, normalized to the dtype's width.
    pub fn from_bits(dtype: DType, bits: u64) -> Self {
        Constant { dtype, bits: dtype::wrap_int(dtype, bits) }
    }
    /// A float or integer constant from an f64, with the project's rounding rules.
    pub fn from_f64(dtype: DType, v: f64) -> Self {
        Constant { dtype, bits: dtype::f64_to_bits(dtype, v) }
    }
    /// An integer (or float, rounded) constant from an exact integer; integers wrap.
    pub fn from_i128(dtype: DType, v: i128) -> Self {
        Constant { dtype, bits: dtype::i128_to_bits(dtype, v) }
    }
    pub fn bool(v: bool) -> Self {
        Constant { dtype: DType::Bool, bits: u64::from(v) }
    }
    pub fn u32(v: u32) -> Self {
        Constant { dtype: DType::U32, bits: v as u64 }
    }
    pub fn i32(v: i32) -> Self {
        Constant::from_i128(DType::I32, v as i128)
    }
    pub fn f32(v: f32) -> Self {
        Constant { dtype: DType::F32, bits: v.to_bits() as u64 }
    }
    pub fn as_f64(self) -> f64 {
        dtype::bits_to_f64(self.dtype, self.bits)
    }
    /// Exact integer value (floats truncate toward zero).
    pub fn as_i128(self) -> i128 {
        dtype::bits_to_i128(self.dtype, self.bits)
    }
    pub fn as_bool(self) -> bool {
        if self.dtype.is_float() {
            self.as_f64() != 0.0
        } else {
            self.bits != 0
        }
    }
    /// Convert to another dtype with the project's conversion rules.
    pub fn cast(self, to: DType) -> Constant {
        Constant { dtype: to, bits: dtype::convert_bits(self.dtype, to, self.bits) }
    }
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dtype.is_float() {
            let v = self.as_f64();
            if v.is_finite() && v == v.trunc() && v.abs() < 1e15 {
                write!(f, "{v:.1}")
            } else {
                write!(f, "{v:?}")
            }
        } else if self.dtype.is_bool() {
            write!(f, "{}", self.bits != 0)
        } else {
            write!(f, "{}", self.as_i128())
        }
    }
}
