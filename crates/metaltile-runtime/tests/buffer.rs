//! Buffers: creation from every source, read-back in every form, views, and their errors.

#![allow(clippy::unwrap_used, clippy::panic)]

use half::{bf16, f16};
use metaltile::ir::DType;
use metaltile_runtime::{Device, RuntimeError};

#[test]
fn upload_and_read_back_every_element_type() {
    let dev = Device::cpu();
    macro_rules! check {
        ($($t:ty => $v:expr),*) => { $(
            let data: Vec<$t> = $v;
            let b = dev.upload(&data, &[data.len()]).unwrap();
            assert_eq!(b.dtype(), <$t as metaltile_runtime::Element>::DTYPE);
            assert_eq!(b.to_vec::<$t>().unwrap(), data);
        )* };
    }
    check! {
        f32 => vec![1.5, -0.0, f32::INFINITY],
        f16 => vec![f16::from_f32(0.5), f16::MAX],
        bf16 => vec![bf16::from_f32(-3.0), bf16::MIN_POSITIVE],
        i8 => vec![-128, 127],
        u8 => vec![0, 255],
        i16 => vec![-30000, 2],
        u16 => vec![65535],
        i32 => vec![i32::MIN, -1],
        u32 => vec![u32::MAX],
        i64 => vec![i64::MIN, 5],
        u64 => vec![u64::MAX],
        bool => vec![true, false, true]
    }
    let b = dev.upload_bool(&[false, true], &[2]).unwrap();
    assert_eq!(b.to_bytes().unwrap(), vec![0, 1]);
}

#[test]
fn from_f64_rounds_to_the_dtype_and_to_f64_reads_exactly() {
    let dev = Device::cpu();
    let b = dev.from_f64(DType::BF16, &[3], &[1.0, 1.0 + 1.0 / 512.0, -2.5]).unwrap();
    // 1 + 2^-9 is below bf16's resolution near 1 and rounds to even (1.0).
    assert_eq!(b.to_f64().unwrap(), vec![1.0, 1.0, -2.5]);
    let i = dev.from_f64(DType::I16, &[2], &[-3.7, 1e9]).unwrap();
    assert_eq!(i.to_f64().unwrap(), vec![-3.0, i16::MAX as f64]);
}

#[test]
fn from_bytes_is_little_endian() {
    let dev = Device::cpu();
    let b = dev.from_bytes(DType::U16, &[2], &[0x34, 0x12, 0xFF, 0x00]).unwrap();
    assert_eq!(b.to_vec::<u16>().unwrap(), vec![0x1234, 0x00FF]);
    assert_eq!(b.to_bits().unwrap(), vec![0x1234, 0x00FF]);
}

#[test]
fn shape_facts() {
    let dev = Device::cpu();
    let b = dev.alloc(DType::F16, &[2, 3, 4]).unwrap();
    assert_eq!((b.len(), b.size_bytes(), b.shape()), (24, 48, &[2usize, 3, 4][..]));
    assert!(!b.is_empty());
    let scalar = dev.upload(&[7u32], &[]).unwrap();
    assert_eq!(scalar.len(), 1);
    let empty = dev.alloc(DType::F32, &[4, 0]).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.to_vec::<f32>().unwrap(), Vec::<f32>::new());
}

#[test]
fn reshape_shares_memory_and_checks_the_count() {
    let dev = Device::cpu();
    let b = dev.upload(&[1i32, 2, 3, 4, 5, 6], &[6]).unwrap();
    let r = b.reshape(&[2, 3]).unwrap();
    assert_eq!(r.shape(), &[2, 3]);
    assert!(r.shares_memory(&b));
    assert!(!b.shares_memory(&dev.upload(&[1i32, 2, 3, 4, 5, 6], &[6]).unwrap()));
    let e = b.reshape(&[4, 2]).unwrap_err();
    assert!(matches!(e, RuntimeError::LengthMismatch { expected: 6, found: 8, .. }), "{e}");
}

#[test]
fn read_only_view_reads_the_same_data() {
    let dev = Device::cpu();
    let b = dev.upload(&[1u8, 2], &[2]).unwrap();
    let v = b.read_only();
    assert!(b.is_writable() && !v.is_writable());
    assert_eq!(v.to_vec::<u8>().unwrap(), vec![1, 2]);
}

#[test]
fn length_errors_name_what_was_given() {
    let dev = Device::cpu();
    let e = dev.upload(&[1.0f32, 2.0], &[3]).unwrap_err();
    assert!(matches!(e, RuntimeError::LengthMismatch { expected: 3, found: 2, .. }), "{e}");
    let e = dev.from_f64(DType::F32, &[2, 2], &[0.0; 3]).unwrap_err();
    assert!(matches!(e, RuntimeError::LengthMismatch { expected: 4, found: 3, .. }), "{e}");
    let e = dev.from_bytes(DType::F32, &[2], &[0; 7]).unwrap_err();
    assert!(matches!(e, RuntimeError::LengthMismatch { expected: 8, found: 7, unit: "bytes", .. }), "{e}");
}

#[test]
fn overflowing_shapes_are_invalid() {
    let dev = Device::cpu();
    let e = dev.alloc(DType::F32, &[usize::MAX, 2]).unwrap_err();
    assert!(matches!(e, RuntimeError::InvalidShape { .. }), "{e}");
    let e = dev.alloc(DType::U64, &[usize::MAX / 4]).unwrap_err();
    assert!(matches!(e, RuntimeError::InvalidShape { .. }), "{e}");
}

#[test]
fn to_vec_of_the_wrong_type_is_an_error() {
    let dev = Device::cpu();
    let b = dev.alloc(DType::F32, &[2]).unwrap();
    let e = b.to_vec::<f16>().unwrap_err();
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::F32, found: DType::F16, .. }), "{e}");
}
