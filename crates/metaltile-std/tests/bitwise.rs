//! The bitwise ops against Rust's own integer ops, every bit of every type: full-range 64-bit
//! patterns the f64 oracle cannot carry, torch's shift rules outside the width, bool, and
//! the errors for bad dtypes and shapes.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_runtime::{Device, Element, RuntimeError};
use metaltile_std::ops;

/// A splitmix64 stream: full-width random bit patterns.
fn patterns(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

/// Run the binary op `f` of the library and compare with `want`, element by element.
fn check<T: Element + PartialEq + std::fmt::Debug>(
    name: &str,
    a: &[T],
    b: &[T],
    op: fn(
        &Device,
        &metaltile_runtime::Buffer,
        &metaltile_runtime::Buffer,
    ) -> metaltile_runtime::Result<metaltile_runtime::Buffer>,
    want: impl Fn(T, T) -> T,
) {
    let dev = Device::cpu();
    let (ba, bb) = (dev.upload(a, &[a.len()]).unwrap(), dev.upload(b, &[b.len()]).unwrap());
    let got = op(&dev, &ba, &bb).unwrap().to_vec::<T>().unwrap();
    for (i, ((&p, &q), g)) in a.iter().zip(b).zip(&got).enumerate() {
        assert_eq!(*g, want(p, q), "{name}[{i}] of {p:?}, {q:?}");
    }
}

/// torch's `<<` on CUDA: 0 for an amount outside `[0, width)`.
fn shl64(p: i64, q: i64) -> i64 {
    if (0..64).contains(&q) {
        p.wrapping_shl(q as u32)
    } else {
        0
    }
}

/// torch's `>>` on CUDA: the sign fill for an amount outside `[0, width)`.
fn shr64(p: i64, q: i64) -> i64 {
    if (0..64).contains(&q) {
        p >> q
    } else {
        p >> 63
    }
}

// 4111 elements: a whole threadgroup of the vector path and a scalar tail.
const N: usize = 4111;

#[test]
fn and_or_xor_keep_every_bit_of_64_bit_values() {
    let a: Vec<u64> = patterns(1, N);
    let b: Vec<u64> = patterns(2, N);
    check("and u64", &a, &b, ops::bitwise_and, |p, q| p & q);
    check("or u64", &a, &b, ops::bitwise_or, |p, q| p | q);
    check("xor u64", &a, &b, ops::bitwise_xor, |p, q| p ^ q);
    let (sa, sb): (Vec<i64>, Vec<i64>) = (a.iter().map(|v| *v as i64).collect(), b.iter().map(|v| *v as i64).collect());
    check("xor i64", &sa, &sb, ops::bitwise_xor, |p, q| p ^ q);
}

#[test]
fn not_flips_every_bit_and_negates_bools() {
    let dev = Device::cpu();
    let a: Vec<u64> = patterns(3, N);
    let got = ops::bitwise_not(&dev, &dev.upload(&a, &[N]).unwrap()).unwrap().to_vec::<u64>().unwrap();
    assert!(a.iter().zip(&got).all(|(p, g)| *g == !p));
    let small: Vec<i8> = (-128..=127).collect();
    let got = ops::bitwise_not(&dev, &dev.upload(&small, &[256]).unwrap()).unwrap().to_vec::<i8>().unwrap();
    assert!(small.iter().zip(&got).all(|(p, g)| *g == !p));
    let bools = [true, false, false, true, true];
    let got = ops::bitwise_not(&dev, &dev.upload_bool(&bools, &[5]).unwrap()).unwrap().to_bytes().unwrap();
    assert_eq!(got, [0, 1, 1, 0, 0]);
}

#[test]
fn shifts_of_64_bit_values_follow_torch_at_every_amount() {
    let a: Vec<i64> = patterns(4, N).into_iter().map(|v| v as i64).collect();
    // Every amount from -70 to 70: below 0, within the width, at it and beyond.
    let b: Vec<i64> = (0..N).map(|i| (i % 141) as i64 - 70).collect();
    check("shl i64", &a, &b, ops::bitwise_left_shift, shl64);
    check("shr i64", &a, &b, ops::bitwise_right_shift, shr64);
    let ua: Vec<u64> = a.iter().map(|v| *v as u64).collect();
    let ub: Vec<u64> = (0..N).map(|i| (i % 80) as u64).collect();
    check("shr u64", &ua, &ub, ops::bitwise_right_shift, |p, q| if q < 64 { p >> q } else { 0 });
    check("shl u64", &ua, &ub, ops::bitwise_left_shift, |p, q| if q < 64 { p << q } else { 0 });
}

#[test]
fn narrow_shifts_wrap_and_fill_within_their_own_width() {
    let a: Vec<i8> = (0..N).map(|i| (i * 37 % 256) as u8 as i8).collect();
    let b: Vec<i8> = (0..N).map(|i| (i % 13) as i8 - 2).collect();
    let ok = |q: i8| (0..8).contains(&q);
    check("shl i8", &a, &b, ops::bitwise_left_shift, |p, q| if ok(q) { p.wrapping_shl(q as u32) } else { 0 });
    check("shr i8", &a, &b, ops::bitwise_right_shift, |p, q| if ok(q) { p >> q } else { p >> 7 });
    let ua: Vec<u16> = (0..N).map(|i| (i * 7919 % 65536) as u16).collect();
    let ub: Vec<u16> = (0..N).map(|i| (i % 20) as u16).collect();
    check("shr u16", &ua, &ub, ops::bitwise_right_shift, |p, q| if q < 16 { p >> q } else { 0 });
}

#[test]
fn bad_dtypes_and_shapes_are_refused() {
    let dev = Device::cpu();
    let f = dev.upload(&[1.0f32, 2.0], &[2]).unwrap();
    match ops::bitwise_and(&dev, &f, &f) {
        Err(RuntimeError::UnsupportedDType { what, supported, .. }) => {
            assert!(what.contains("bitwise_and"), "{what}");
            assert!(supported.contains("i32") && supported.contains("bool"), "{supported}");
        }
        other => panic!("expected a dtype error, got {other:?}"),
    }
    let b = dev.upload_bool(&[true, false], &[2]).unwrap();
    match ops::bitwise_left_shift(&dev, &b, &b) {
        Err(RuntimeError::UnsupportedDType { supported, .. }) => assert!(!supported.contains("bool"), "{supported}"),
        other => panic!("shifts take no bool: {other:?}"),
    }
    let x = dev.upload(&[1i32, 2, 3], &[3]).unwrap();
    let y = dev.upload(&[1i32, 2], &[2]).unwrap();
    assert!(matches!(ops::bitwise_or(&dev, &x, &y), Err(RuntimeError::ShapeMismatch { .. })));
    let z = dev.upload(&[1u32, 2, 3], &[3]).unwrap();
    assert!(matches!(ops::bitwise_xor(&dev, &x, &z), Err(RuntimeError::DTypeMismatch { .. })));
}
