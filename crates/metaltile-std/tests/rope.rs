//! The rotary embeddings' host API: hand-checked results, the frequencies of the scaled
//! variants, why the angle is formed in double-f32, and every error the op reports.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, OpParams, RopeConfig, RopeLayout, RopeScaling, StdOp};
use metaltile_std::reference as r;

fn f32s(dev: &Device, v: &[f32], shape: &[usize]) -> Buffer {
    dev.upload(v, shape).unwrap()
}

fn bad_param(e: RuntimeError) -> String {
    match e {
        RuntimeError::BadParameter { name, .. } => name,
        other => panic!("expected a bad parameter, got {other}"),
    }
}

#[test]
fn each_layout_turns_its_own_pairs() {
    let dev = Device::cpu();
    // One token at position 1, head_dim 4, every feature rotated: pair 0 turns by 1 rad
    // (frequency 1), pair 1 by 10000^(-1/2) = 0.01 rad.
    let x = f32s(&dev, &[1.0, 2.0, 3.0, 4.0], &[1, 1, 4]);
    let (c0, s0, c1, s1) = (1f64.cos(), 1f64.sin(), 0.01f64.cos(), 0.01f64.sin());
    let split = ops::rope(&dev, &x, &RopeConfig { offset: 1, ..RopeConfig::new(RopeLayout::HalfSplit) }).unwrap();
    // Pairs (0, 2) and (1, 3).
    let want = [1.0 * c0 - 3.0 * s0, 2.0 * c1 - 4.0 * s1, 3.0 * c0 + 1.0 * s0, 4.0 * c1 + 2.0 * s1];
    for (g, w) in split.to_vec::<f32>().unwrap().iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{g} vs {w}");
    }
    let inter = ops::rope(&dev, &x, &RopeConfig { offset: 1, ..RopeConfig::new(RopeLayout::Interleaved) }).unwrap();
    // Pairs (0, 1) and (2, 3).
    let want = [1.0 * c0 - 2.0 * s0, 2.0 * c0 + 1.0 * s0, 3.0 * c1 - 4.0 * s1, 4.0 * c1 + 3.0 * s1];
    for (g, w) in inter.to_vec::<f32>().unwrap().iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{g} vs {w}");
    }
    // Position 0 turns nothing: the output is the input, bit for bit.
    let at0 = ops::rope(&dev, &x, &RopeConfig::new(RopeLayout::HalfSplit)).unwrap();
    assert_eq!(at0.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn positions_restart_with_each_sequence_of_the_batch() {
    let dev = Device::cpu();
    // Two sequences of two tokens: tokens 0 and 2 sit at position 0 and come back unchanged.
    let data: Vec<f32> = (0..16).map(|i| i as f32 * 0.25 - 1.0).collect();
    let x = f32s(&dev, &data, &[2, 2, 1, 4]);
    let y = ops::rope(&dev, &x, &RopeConfig::new(RopeLayout::HalfSplit)).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(&y[0..4], &data[0..4]);
    assert_eq!(&y[8..12], &data[8..12]);
    assert_ne!(&y[4..8], &data[4..8]);
    assert_ne!(&y[12..16], &data[12..16]);
}

#[test]
fn llama3_frequencies_follow_the_three_bands() {
    let s = RopeScaling::Llama3 {
        factor: 8.0,
        low_freq_factor: 1.0,
        high_freq_factor: 4.0,
        original_max_positions: 8192.0,
    };
    let f = ops::inv_freq(128, 500000.0, s);
    let plain = ops::inv_freq(128, 500000.0, RopeScaling::None);
    let mut bands = [0; 3];
    for (i, (g, p)) in f.iter().zip(&plain).enumerate() {
        let wavelength = std::f64::consts::TAU / p;
        let band = if wavelength < 8192.0 / 4.0 {
            assert_eq!(g, p);
            0
        } else if wavelength > 8192.0 {
            assert!((g - p / 8.0).abs() <= 1e-15 * p);
            2
        } else {
            assert!(*g < *p && *g > p / 8.0, "pair {i}: between the two");
            1
        };
        bands[band] += 1;
        // The host's table and the reference's own formula agree.
        assert!((g - r::rope_frequency(i, 128, 500000.0, s)).abs() <= 1e-14 * p, "pair {i}");
    }
    assert!(bands.iter().all(|n| *n > 0), "{bands:?}");
}

#[test]
fn yarn_frequencies_ramp_between_beta_fast_and_beta_slow() {
    let s = RopeScaling::Yarn { factor: 4.0, original_max_positions: 4096.0, beta_fast: 32.0, beta_slow: 1.0 };
    let f = ops::inv_freq(64, 10000.0, s);
    let plain = ops::inv_freq(64, 10000.0, RopeScaling::None);
    // Kept at the fast end, divided at the slow end, monotone ratio in between.
    assert_eq!(f[0], plain[0]);
    assert!((f[31] - plain[31] / 4.0).abs() <= 1e-15 * plain[31]);
    let ratios: Vec<f64> = f.iter().zip(&plain).map(|(g, p)| g / p).collect();
    assert!(ratios.windows(2).all(|w| w[1] <= w[0] + 1e-15), "{ratios:?}");
    for (i, g) in f.iter().enumerate() {
        assert!((g - r::rope_frequency(i, 64, 10000.0, s)).abs() <= 1e-14 * plain[i], "pair {i}");
    }
    assert!((ops::attention_scale(s) - (0.1 * 4f64.ln() + 1.0)).abs() < 1e-15);
}

/// The error a plain f32 angle (`pos as f32 * inv_freq as f32`, then f32 sin/cos: HF's f32
/// cos/sin cache, which torch computes the same way) makes at position 131071, against the
/// f32 tolerance the library's kernel meets there (see the suite's "positions 131068 to
/// 131071" case, max error ≈ 1e-6).
#[test]
fn a_plain_f32_angle_misses_the_tolerance_at_large_positions() {
    let pos = 131071u32;
    let freqs = ops::inv_freq(128, 10000.0, RopeScaling::None);
    let worst = freqs
        .iter()
        .map(|f| {
            let exact = f64::from(pos) * f;
            let plain = f64::from(pos as f32 * *f as f32);
            (exact.sin() - plain.sin()).abs().max((exact.cos() - plain.cos()).abs())
        })
        .fold(0.0, f64::max);
    let tol = DType::F32.tolerance();
    assert!(worst > 100.0 * (tol.atol + tol.rtol), "plain f32 angle error {worst}");
    // ... and the kernel's stays within it (x = one unit pair per frequency).
    let dev = Device::cpu();
    let x: Vec<f32> = (0..128).map(|i| if i < 64 { 1.0 } else { 0.0 }).collect();
    let cfg = RopeConfig { offset: pos, ..RopeConfig::new(RopeLayout::HalfSplit) };
    let y = ops::rope(&dev, &f32s(&dev, &x, &[1, 1, 128]), &cfg).unwrap().to_vec::<f32>().unwrap();
    for (i, f) in freqs.iter().enumerate() {
        let (s, c) = (f64::from(pos) * f).sin_cos();
        let err = (f64::from(y[i]) - c).abs().max((f64::from(y[64 + i]) - s).abs());
        assert!(err <= tol.atol + tol.rtol, "pair {i}: {err}");
    }
}

#[test]
fn explicit_positions_match_the_reference() {
    let dev = Device::cpu();
    let shape = [2, 3, 2, 8];
    let data: Vec<f32> = (0..96).map(|i| ((i * 37 % 23) as f32 - 11.0) / 4.0).collect();
    let x = f32s(&dev, &data, &shape);
    let x64: Vec<f64> = data.iter().map(|v| f64::from(*v)).collect();
    for layout in RopeLayout::ALL {
        let cfg = RopeConfig::new(layout);
        // One row of positions for every sequence, then one per sequence; negative and large ones.
        let cases: [(&[i32], &[usize]); 2] =
            [(&[7, -3, 131071], &[3]), (&[0, 1, 2, 1_000_000, 5, 16_777_215], &[2, 3])];
        for (pos, pshape) in cases {
            let p = dev.upload(pos, pshape).unwrap();
            let y = ops::rope_at(&dev, &x, &p, &cfg).unwrap().to_f64().unwrap();
            let p64: Vec<f64> = pos.iter().map(|v| f64::from(*v)).collect();
            let want = r::rope_at(&shape, &x64, &cfg, Some(&p64));
            let tol = DType::F32.tolerance();
            for (i, (g, w)) in y.iter().zip(&want).enumerate() {
                assert!((g - w).abs() <= tol.atol + tol.rtol * w.abs(), "{layout:?} {pos:?} [{i}]: {g} vs {w}");
            }
        }
    }
}

#[test]
fn bad_positions_are_typed_errors() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[0.0; 48], &[2, 3, 2, 4]);
    let cfg = RopeConfig::new(RopeLayout::HalfSplit);
    let u = dev.upload(&[0u32, 1, 2], &[3]).unwrap();
    assert!(matches!(ops::rope_at(&dev, &x, &u, &cfg).unwrap_err(), RuntimeError::DTypeMismatch { .. }));
    for shape in [&[2][..], &[6], &[3, 2], &[1, 2, 3]] {
        let n = shape.iter().product();
        let p = dev.upload(&vec![0i32; n], shape).unwrap();
        let e = ops::rope_at(&dev, &x, &p, &cfg).unwrap_err();
        assert!(matches!(e, RuntimeError::ShapeMismatch { .. }), "{shape:?}: {e}");
    }
    let p = dev.upload(&[0i32, 1, 2], &[3]).unwrap();
    let shifted = RopeConfig { offset: 4, ..cfg };
    assert_eq!(bad_param(ops::rope_at(&dev, &x, &p, &shifted).unwrap_err()), "offset");
    // A 2-D embedding needs rotary_dim a multiple of 4 and no scaling.
    let grid = RopeConfig { grid_width: Some(2), rotary_dim: Some(2), ..cfg };
    assert_eq!(bad_param(ops::rope(&dev, &x, &grid).unwrap_err()), "grid_width");
    let yarn = RopeScaling::Yarn { factor: 2.0, original_max_positions: 64.0, beta_fast: 32.0, beta_slow: 1.0 };
    let grid = RopeConfig { grid_width: Some(2), scaling: yarn, ..cfg };
    assert_eq!(bad_param(ops::rope(&dev, &x, &grid).unwrap_err()), "grid_width");
}

#[test]
fn the_2d_embedding_turns_rows_and_columns() {
    let dev = Device::cpu();
    // head_dim 4: pair 0 (features 0, 2) turns by the row, pair 1 (features 1, 3) by the
    // column, both with frequency 1 (each axis has 2 features). Patch 5 of a grid 3 wide is
    // row 1, column 2.
    let x = f32s(&dev, &[1.0, 1.0, 0.0, 0.0], &[1, 1, 4]);
    let cfg = RopeConfig { offset: 5, grid_width: Some(3), ..RopeConfig::new(RopeLayout::HalfSplit) };
    let y = ops::rope(&dev, &x, &cfg).unwrap().to_vec::<f32>().unwrap();
    let want = [1f64.cos(), 2f64.cos(), 1f64.sin(), 2f64.sin()];
    for (g, w) in y.iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{y:?}");
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[0.0; 24], &[1, 2, 2, 6]);
    let cfg = RopeConfig::new(RopeLayout::HalfSplit);
    let odd = RopeConfig { rotary_dim: Some(3), ..cfg };
    assert_eq!(bad_param(ops::rope(&dev, &x, &odd).unwrap_err()), "rotary_dim");
    let wide = RopeConfig { rotary_dim: Some(8), ..cfg };
    assert!(ops::rope(&dev, &x, &wide).unwrap_err().to_string().contains("must not exceed head_dim (6)"));
    let odd_head = f32s(&dev, &[0.0; 5], &[1, 1, 5]);
    assert_eq!(bad_param(ops::rope(&dev, &odd_head, &cfg).unwrap_err()), "rotary_dim");
    for shape in [&[24][..], &[4, 6], &[1, 1, 2, 2, 6]] {
        let e = ops::rope(&dev, &f32s(&dev, &[0.0; 24], shape), &cfg).unwrap_err();
        assert!(matches!(e, RuntimeError::InvalidShape { .. }), "{shape:?}: {e}");
    }
    let ints = dev.upload(&[0i32; 24], &[1, 2, 2, 6]).unwrap();
    assert!(matches!(ops::rope(&dev, &ints, &cfg).unwrap_err(), RuntimeError::UnsupportedDType { .. }));
    let far = RopeConfig { offset: (1 << 24) - 1, ..cfg };
    assert_eq!(bad_param(ops::rope(&dev, &x, &far).unwrap_err()), "offset");
    assert!(ops::rope(&dev, &f32s(&dev, &[0.0; 6], &[1, 1, 6]), &far).is_ok(), "the last exact position");
    let base = RopeConfig { base: 1.0, ..cfg };
    assert_eq!(bad_param(ops::rope(&dev, &x, &base).unwrap_err()), "base");
    let llama = RopeScaling::Llama3 {
        factor: 8.0,
        low_freq_factor: 4.0,
        high_freq_factor: 1.0,
        original_max_positions: 8192.0,
    };
    assert_eq!(bad_param(ops::rope(&dev, &x, &RopeConfig { scaling: llama, ..cfg }).unwrap_err()), "high_freq_factor");
    let yarn = RopeScaling::Yarn { factor: 0.5, original_max_positions: 4096.0, beta_fast: 32.0, beta_slow: 1.0 };
    assert_eq!(bad_param(ops::rope(&dev, &x, &RopeConfig { scaling: yarn, ..cfg }).unwrap_err()), "yarn_factor");
    assert_eq!(bad_param(ops::rope_plan_with(&dev, &x, None, &cfg, Some(0)).unwrap_err()), "heads_per_thread");
}

#[test]
fn named_parameters_reach_the_op() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[0.5; 24], &[1, 2, 2, 6]);
    let op = StdOp::Rope(RopeLayout::Interleaved);
    let mut p = OpParams::default();
    *p.slot("rotary_dim").unwrap() = 3.0;
    assert_eq!(bad_param(op.plan(&dev, &[&x], &p).unwrap_err()), "rotary_dim");
    let mut p = OpParams::default();
    *p.slot("offset").unwrap() = 2.5;
    assert_eq!(bad_param(op.plan(&dev, &[&x], &p).unwrap_err()), "offset");
    let mut p = OpParams::default();
    *p.slot("llama3_factor").unwrap() = 8.0;
    *p.slot("yarn_factor").unwrap() = 4.0;
    assert_eq!(bad_param(op.plan(&dev, &[&x], &p).unwrap_err()), "yarn_factor");
    let p = OpParams { strategy: Some(ops::Strategy::Looped), ..OpParams::default() };
    assert_eq!(bad_param(op.plan(&dev, &[&x], &p).unwrap_err()), "strategy");
    assert!(op.params().contains(&"base") && op.params().contains(&"offset"));
}
