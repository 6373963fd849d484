//! Host element types and their byte layout in buffers. Values travel as the project's
//! u64 bit encoding (see `metaltile_ir::dtype`), so one pair of functions turns any dtype
//! into bytes and back.

use half::{bf16, f16};
use metaltile_ir::dtype::wrap_int;
use metaltile_ir::DType;

/// A Rust type whose values can be uploaded to and read back from buffers.
pub trait Element: Copy + Send + Sync + 'static {
    /// The dtype of buffers holding this type.
    const DTYPE: DType;
    /// The value in the project's u64 encoding.
    fn to_bits(self) -> u64;
    /// The value from the project's u64 encoding.
    fn from_bits(bits: u64) -> Self;
}

macro_rules! int_elements {
    ($($t:ty => $d:ident, $u:ty;)*) => { $(
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_bits(self) -> u64 {
                wrap_int(DType::$d, self as u64)
            }
            fn from_bits(bits: u64) -> Self {
                bits as $u as $t
            }
        }
    )* };
}

int_elements! {
    i8 => I8, u8;
    u8 => U8, u8;
    i16 => I16, u16;
    u16 => U16, u16;
    i32 => I32, u32;
    u32 => U32, u32;
    i64 => I64, u64;
    u64 => U64, u64;
}

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    fn to_bits(self) -> u64 {
        f32::to_bits(self) as u64
    }
    fn from_bits(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
}

impl Element for f16 {
    const DTYPE: DType = DType::F16;
    fn to_bits(self) -> u64 {
        f16::to_bits(self) as u64
    }
    fn from_bits(bits: u64) -> Self {
        f16::from_bits(bits as u16)
    }
}

impl Element for bf16 {
    const DTYPE: DType = DType::BF16;
    fn to_bits(self) -> u64 {
        bf16::to_bits(self) as u64
    }
    fn from_bits(bits: u64) -> Self {
        bf16::from_bits(bits as u16)
    }
}

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn to_bits(self) -> u64 {
        u64::from(self)
    }
    fn from_bits(bits: u64) -> Self {
        bits != 0
    }
}

/// Write `bits` of dtype `d` little-endian into `out`, which holds `d.size_bytes()` bytes.
pub(crate) fn encode(d: DType, bits: u64, out: &mut [u8]) {
    let n = d.size_bytes().min(out.len());
    out[..n].copy_from_slice(&bits.to_le_bytes()[..n]);
}

/// Read one element of dtype `d` from its little-endian bytes, in the project's encoding.
pub(crate) fn decode(d: DType, bytes: &[u8]) -> u64 {
    let mut raw = [0u8; 8];
    let n = d.size_bytes().min(bytes.len());
    raw[..n].copy_from_slice(&bytes[..n]);
    wrap_int(d, u64::from_le_bytes(raw))
}

/// Bit pattern that fills a freshly allocated element of dtype `d`: a quiet NaN with a
/// recognizable payload for floats, `0xAA` bytes otherwise, so outputs a kernel forgot to
/// write stand out.
pub fn poison_bits(d: DType) -> u64 {
    match d {
        DType::F32 => 0x7FC0_DEAD,
        DType::F16 => 0x7EAD,
        DType::BF16 => 0x7FDE,
        _ => 0xAAAA_AAAA_AAAA_AAAA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Element + PartialEq + std::fmt::Debug>(v: T) {
        let mut bytes = vec![0u8; T::DTYPE.size_bytes()];
        encode(T::DTYPE, v.to_bits(), &mut bytes);
        assert_eq!(T::from_bits(decode(T::DTYPE, &bytes)), v);
    }

    #[test]
    fn every_element_round_trips_through_bytes() {
        round_trip(-1.5f32);
        round_trip(f16::from_f32(-2.25));
        round_trip(bf16::from_f32(3.0));
        round_trip(i8::MIN);
        round_trip(u8::MAX);
        round_trip(-300i16);
        round_trip(u16::MAX);
        round_trip(i32::MIN);
        round_trip(u32::MAX);
        round_trip(i64::MIN);
        round_trip(u64::MAX);
        round_trip(true);
        round_trip(false);
    }

    #[test]
    fn signed_bytes_decode_sign_extended() {
        assert_eq!(decode(DType::I8, &[0xFF]), u64::MAX);
        assert_eq!(decode(DType::U8, &[0xFF]), 0xFF);
    }

    #[test]
    fn float_poison_is_nan() {
        assert!(f32::from_bits(poison_bits(DType::F32) as u32).is_nan());
        assert!(f16::from_bits(poison_bits(DType::F16) as u16).is_nan());
        assert!(bf16::from_bits(poison_bits(DType::BF16) as u16).is_nan());
    }
}
