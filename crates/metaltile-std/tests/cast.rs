//! The casts' rules at hand-picked values (truncation, saturation, NaN to 0, integer
//! wrapping, rounding to nearest even, nonzero to true, true to 1), on the vector path and the
//! tail; every kernel × source dtype emits checked MSL and CUDA.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, ConstArgs, DType};
use metaltile_runtime::{Buffer, Device};
use metaltile_std::ops::{self, CAST_TARGETS};

/// `v` repeated to 4096 + 7 elements: one whole threadgroup (the vector path) and a tail.
fn long<T: Copy>(v: &[T]) -> Vec<T> {
    v.iter().copied().cycle().take(4096 + 7).collect()
}

fn cast<T: metaltile_runtime::Element + Copy>(dev: &Device, v: &[T], to: DType) -> Buffer {
    let x = dev.upload(&long(v), &[4096 + 7]).unwrap();
    ops::cast(dev, &x, to).unwrap()
}

#[test]
fn float_to_integer_truncates_and_saturates() {
    let dev = Device::cpu();
    let x = [-2.7f32, 2.7, 300.5, -300.5, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0];
    assert_eq!(cast(&dev, &x, DType::I8).to_vec::<i8>().unwrap(), long(&[-2i8, 2, 127, -128, 0, 127, -128, 0]));
    assert_eq!(cast(&dev, &x, DType::U8).to_vec::<u8>().unwrap(), long(&[0u8, 2, 255, 0, 0, 255, 0, 0]));
    let big = [3e10f32, -3e10, 1e20];
    assert_eq!(cast(&dev, &big, DType::I32).to_vec::<i32>().unwrap(), long(&[i32::MAX, i32::MIN, i32::MAX]));
    assert_eq!(cast(&dev, &big, DType::U64).to_vec::<u64>().unwrap(), long(&[30_000_001_024u64, 0, u64::MAX]));
}

#[test]
fn integers_wrap_between_integer_types() {
    let dev = Device::cpu();
    assert_eq!(cast(&dev, &[300i32, -1, 128], DType::I8).to_vec::<i8>().unwrap(), long(&[44i8, -1, -128]));
    assert_eq!(cast(&dev, &[-1i32], DType::U32).to_vec::<u32>().unwrap(), long(&[u32::MAX]));
    assert_eq!(cast(&dev, &[u64::MAX, 1 << 63], DType::I64).to_vec::<i64>().unwrap(), long(&[-1i64, i64::MIN]));
    // Wider than f64's precision: exact between 64-bit types.
    let odd = (1u64 << 60) + 1;
    assert_eq!(cast(&dev, &[odd], DType::I64).to_vec::<i64>().unwrap(), long(&[odd as i64]));
}

#[test]
fn floats_round_to_nearest_even() {
    let dev = Device::cpu();
    // 65520 is halfway between f16's largest finite value and the next step: rounds up to ∞.
    let h = cast(&dev, &[65519.0f32, 65520.0, 1.0 + 2f32.powi(-11)], DType::F16).to_f64().unwrap();
    assert_eq!(&h[..3], &[65504.0, f64::INFINITY, 1.0]);
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: to even, 1.
    let b = cast(&dev, &[1.0f32 + 2f32.powi(-8), 1.0 + 3.0 * 2f32.powi(-8)], DType::BF16).to_f64().unwrap();
    assert_eq!(&b[..2], &[1.0, 1.0 + 2f64.powi(-6)]);
    // Integers beyond f32's 24 bits round once.
    let f = cast(&dev, &[(1i64 << 24) + 1, i64::MAX], DType::F32).to_vec::<f32>().unwrap();
    assert_eq!(&f[..2], &[16_777_216.0, 9.223_372e18]);
}

#[test]
fn nonzero_is_true() {
    let dev = Device::cpu();
    let y = cast(&dev, &[0.0f32, -0.0, f32::NAN, 1e-30, -3.0], DType::Bool).to_bytes().unwrap();
    assert_eq!(y, long(&[0u8, 0, 1, 1, 1]));
    let y = cast(&dev, &[0i64, i64::MIN, 1], DType::Bool).to_bytes().unwrap();
    assert_eq!(y, long(&[0u8, 1, 1]));
}

#[test]
fn a_bool_source_is_1_or_0() {
    let dev = Device::cpu();
    let x = dev.upload_bool(&long(&[true, false, true]), &[4096 + 7]).unwrap();
    for to in CAST_TARGETS {
        let y = ops::cast(&dev, &x, to).unwrap();
        assert_eq!(y.dtype(), to);
        assert_eq!(y.to_f64().unwrap(), long(&[1.0, 0.0, 1.0]), "{to}");
        if to == DType::Bool {
            assert_eq!(y.to_bytes().unwrap(), long(&[1u8, 0, 1]));
        }
    }
}

#[test]
fn every_cast_emits_checked_msl_and_cuda() {
    let mut sources = Vec::new();
    for to in CAST_TARGETS {
        let def = ops::cast_def(to);
        for &d in def.dtypes {
            let mut k = def.ir(Some(d), &ConstArgs::new()).unwrap();
            passes::run_pipeline(&mut k).unwrap();
            for target in Target::ALL {
                sources.push((emit(&k, target).unwrap(), target));
            }
        }
    }
    let files: Vec<(&str, Target)> = sources.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        panic!("{e}");
    }
}
