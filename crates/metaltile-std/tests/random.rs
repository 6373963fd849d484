//! The random ops on the interpreter: the kernels' Philox gives the published known answers and
//! the host generator's words; `rand_uniform` and `bernoulli` equal the host's values bit for
//! bit in every dtype (uniform's clamp below `high` included), `rand_normal` to a few f32
//! roundings; the streams split (`n` then `m` at offset `n` is `n + m`), differ between seeds
//! and offsets, and do not depend on the launch geometry; the distributions pass mean,
//! variance, correlation and Kolmogorov-Smirnov checks whose bounds a correct generator
//! exceeds with probability below 1e-6 each; bad parameters are refused by name.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile::prelude::*;
use metaltile_ir::{ConstArg, ConstArgs, DType, Geometry, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, KernelArg, RuntimeError};
use metaltile_std::kernels::random::{self as k, philox};
use metaltile_std::ops::{self, RandomKind, RandomParams};
use metaltile_std::reference as r;

/// Philox-4x32-10 of counters `c` (four words each) under the key: the helper every random
/// kernel calls, exposed word for word.
#[kernel]
fn philox_words(c: &[u32], y: &mut [u32], n: u32, key0: u32, key1: u32) {
    let i = global_id().x;
    if i < n {
        let [w0, w1, w2, w3] = philox([c[4 * i], c[4 * i + 1], c[4 * i + 2], c[4 * i + 3]], [key0, key1]);
        y[4 * i] = w0;
        y[4 * i + 1] = w1;
        y[4 * i + 2] = w2;
        y[4 * i + 3] = w3;
    }
}

fn kernel_philox(dev: &Device, counters: &[[u32; 4]], key: [u32; 2]) -> Vec<[u32; 4]> {
    let flat: Vec<u32> = counters.iter().flatten().copied().collect();
    let c = dev.upload(&flat, &[flat.len()]).unwrap();
    let y = dev.alloc(DType::U32, &[flat.len()]).unwrap();
    let p = dev.pipeline(&philox_words::DEF, None, &ConstArgs::new()).unwrap();
    let n = counters.len() as u32;
    let args = [
        KernelArg::Buffer(&c),
        KernelArg::Buffer(&y),
        KernelArg::u32(n),
        KernelArg::u32(key[0]),
        KernelArg::u32(key[1]),
    ];
    dev.launch(&p, Geometry::cover(n as u64, 64), &args).unwrap();
    y.to_vec::<u32>().unwrap().chunks(4).map(|w| [w[0], w[1], w[2], w[3]]).collect()
}

#[test]
fn the_kernels_philox_gives_the_published_known_answers() {
    let dev = Device::cpu();
    let kat = [
        ([0u32; 4], [0u32; 2], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
        ([u32::MAX; 4], [u32::MAX; 2], [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];
    for (ctr, key, want) in kat {
        assert_eq!(kernel_philox(&dev, &[ctr], key), vec![want]);
        assert_eq!(r::philox4x32(ctr, key, 10), want);
    }
}

#[test]
fn the_kernels_philox_equals_the_host_generator_word_for_word() {
    let dev = Device::cpu();
    // Counters and keys drawn from the generator itself, all four words and both key words busy.
    let counters: Vec<[u32; 4]> = (0..300u64)
        .map(|i| [r::stream_word(1, 4 * i), r::stream_word(1, 4 * i + 1), r::stream_word(2, i), r::stream_word(3, i)])
        .collect();
    for key in [[0, 0], [0xdead_beef, 1], [7, 0xffff_fff0]] {
        let want: Vec<[u32; 4]> = counters.iter().map(|c| r::philox4x32(*c, key, 10)).collect();
        assert_eq!(kernel_philox(&dev, &counters, key), want, "key {key:?}");
    }
}

fn params(seed: u64, rng_offset: u64) -> RandomParams {
    RandomParams { seed, rng_offset, ..RandomParams::default() }
}

fn run(dev: &Device, kind: RandomKind, dtype: DType, n: usize, p: &RandomParams) -> Buffer {
    let plan = ops::random_plan(dev, kind, dtype, &[n], p).unwrap();
    plan.run(dev).unwrap();
    plan.into_output()
}

fn values(dev: &Device, kind: RandomKind, dtype: DType, n: usize, p: &RandomParams) -> Vec<f64> {
    run(dev, kind, dtype, n, p).to_f64().unwrap()
}

/// Every `rng_offset % 4`, an offset whose block counter carries into its high word, a 64-bit seed.
const STREAMS: [(u64, u64); 6] = [(1, 0), (2, 1), (3, 2), (4, 3), (5, (1 << 34) - 6), (0xfedc_ba98_7654_3210, 1 << 40)];

#[test]
fn uniform_f32_in_0_1_is_the_streams_24_high_bits() {
    let dev = Device::cpu();
    for (seed, offset) in STREAMS {
        let n = 4111; // whole threadgroups and a tail
        let y = run(&dev, RandomKind::Uniform, DType::F32, n, &params(seed, offset)).to_vec::<f32>().unwrap();
        let words = r::stream(seed, offset, n);
        for (i, (v, w)) in y.iter().zip(&words).enumerate() {
            assert_eq!((v * 16_777_216.0) as u32, w >> 8, "seed {seed} offset {offset} element {i}");
        }
    }
}

#[test]
fn uniform_and_bernoulli_equal_the_host_values_bit_for_bit_in_every_dtype() {
    let dev = Device::cpu();
    let bounds = [(0.0f32, 1.0f32), (-3.0, 5.0), (-2.0, -1.5), (1000.0, 1001.0), (0.1, 0.3)];
    for dtype in FLOAT_DTYPES {
        for (j, (seed, offset)) in STREAMS.into_iter().enumerate() {
            let n = 1000 + j;
            let (low, high) = bounds[j % bounds.len()];
            let p = RandomParams { low, high, ..params(seed, offset) };
            let got = values(&dev, RandomKind::Uniform, dtype, n, &p);
            assert_eq!(got, r::rand_uniform(dtype, seed, offset, n, low, high), "{dtype} [{low}, {high})");
            let low_t = metaltile_ir::dtype::bits_to_f64(dtype, metaltile_ir::dtype::f64_to_bits(dtype, low as f64));
            assert!(got.iter().all(|v| *v >= low_t && *v < high as f64), "{dtype} [{low}, {high})");
            for prob in [0.5f32, 0.1, 0.0, 1.0, 0.999] {
                let p = RandomParams { p: prob, ..params(seed, offset) };
                let got = values(&dev, RandomKind::Bernoulli, dtype, n, &p);
                assert_eq!(got, r::bernoulli(seed, offset, n, prob), "{dtype} p {prob}");
            }
        }
    }
}

#[test]
fn uniform_values_that_round_up_to_high_become_the_largest_value_below_it() {
    let dev = Device::cpu();
    // bf16 rounds u ≥ 1 - 2^-9 up to 1 (one word in 512), f16 u ≥ 1 - 2^-12 (one in 4096);
    // in f32, 10^6 + u rounds to sixteenths: u ≥ 1 - 2^-5 reaches 10^6 + 1.
    for (dtype, low, high, top) in [
        (DType::BF16, 0.0f32, 1.0f32, 1.0 - 1.0 / 256.0),
        (DType::F16, 0.0, 1.0, 1.0 - 1.0 / 2048.0),
        (DType::F32, 1e6, 1e6 + 1.0, 1e6 + 1.0 - 1.0 / 16.0),
    ] {
        let n = 20_000;
        let p = RandomParams { low, high, ..params(11, 0) };
        let got = values(&dev, RandomKind::Uniform, dtype, n, &p);
        let round = |v: f64| metaltile_ir::dtype::bits_to_f64(dtype, metaltile_ir::dtype::f64_to_bits(dtype, v));
        let reaches = |w: &u32| round((high - low).mul_add(r::unit24(*w), low) as f64) >= high as f64;
        let clamped = r::stream(11, 0, n).iter().filter(|w| reaches(w)).count();
        assert!(clamped > 0, "{dtype}: no value reached high, the case tests nothing");
        assert!(got.iter().filter(|v| **v == top).count() >= clamped, "{dtype}");
        assert!(got.iter().all(|v| *v < high as f64), "{dtype}");
        assert_eq!(got, r::rand_uniform(dtype, 11, 0, n, low, high), "{dtype}");
    }
}

#[test]
fn normal_equals_the_host_box_muller_to_a_few_roundings() {
    let dev = Device::cpu();
    for dtype in FLOAT_DTYPES {
        for (seed, offset) in STREAMS {
            for (mean, std) in [(0.0f32, 1.0f32), (3.0, 2.0), (-1.5, 0.0)] {
                let n = 1003;
                let p = RandomParams { mean, std, ..params(seed, offset) };
                let got = values(&dev, RandomKind::Normal, dtype, n, &p);
                let want = r::rand_normal(seed, offset, n, mean, std);
                // f32: the angle 2π·u rounds (2^-24·2π), sin and cos and the logarithm add an
                // ulp or two; the radius is at most 5.8. 16-bit types: one rounding of the result.
                let (atol, rtol) = match dtype {
                    DType::F32 => (4e-6 * std as f64, 1e-6),
                    DType::F16 => (4e-6 * std as f64, 1.0 / 1024.0),
                    _ => (4e-6 * std as f64, 1.0 / 128.0),
                };
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= atol + rtol * w.abs(), "{dtype} seed {seed} [{i}]: {g} vs {w}");
                }
            }
        }
    }
}

#[test]
fn a_stream_split_in_two_draws_equals_one_draw() {
    let dev = Device::cpu();
    for kind in RandomKind::ALL.iter().copied() {
        for dtype in FLOAT_DTYPES {
            for (seed, offset) in [(9u64, 0u64), (10, 3), (11, (1 << 34) - 6)] {
                let (n, m) = (1001, 2003);
                let whole = values(&dev, kind, dtype, n + m, &params(seed, offset));
                let first = values(&dev, kind, dtype, n, &params(seed, offset));
                let second = values(&dev, kind, dtype, m, &params(seed, offset + n as u64));
                let joined: Vec<u64> = first.iter().chain(&second).map(|v| v.to_bits()).collect();
                let whole: Vec<u64> = whole.iter().map(|v| v.to_bits()).collect();
                assert_eq!(joined, whole, "{kind:?} {dtype} seed {seed} offset {offset}");
            }
        }
    }
}

#[test]
fn other_seeds_and_offsets_give_other_streams() {
    let dev = Device::cpu();
    let n = 4096;
    let base = values(&dev, RandomKind::Uniform, DType::F32, n, &params(1, 0));
    // Each key word alone, and offsets that are and are not whole Philox blocks.
    for (seed, offset) in [(2u64, 0u64), (1 | (1 << 32), 0), (1, 1), (1, 4), (1, 1 << 32)] {
        let other = values(&dev, RandomKind::Uniform, DType::F32, n, &params(seed, offset));
        // Two independent 24-bit uniforms are equal with probability 2^-24.
        let same = base.iter().zip(&other).filter(|(a, b)| a == b).count();
        assert!(same <= 2, "seed {seed:#x} offset {offset}: {same} of {n} equal");
    }
    // Same seed and offset: the same stream.
    assert_eq!(values(&dev, RandomKind::Uniform, DType::F32, n, &params(1, 0)), base);
}

#[test]
fn the_values_do_not_depend_on_the_threadgroup_size() {
    let dev = Device::cpu();
    let n = 5000u32;
    for (seed, offset) in [(21u64, 0u64), (22, 3)] {
        let want = values(&dev, RandomKind::Uniform, DType::F16, n as usize, &params(seed, offset));
        for group in [32u32, 64, 1024] {
            let consts = ConstArgs::new().with("shift", ConstArg::Int((offset % 4) as i128));
            let pipe = dev.pipeline(&k::rand_uniform::DEF, Some(DType::F16), &consts).unwrap();
            let y = dev.alloc(DType::F16, &[n as usize]).unwrap();
            let key = r::seed_key(seed);
            let args = [
                KernelArg::Buffer(&y),
                KernelArg::u32(n),
                KernelArg::u32(key[0]),
                KernelArg::u32(key[1]),
                KernelArg::scalar(metaltile_ir::Constant::from_i128(DType::U64, offset as i128)),
                KernelArg::f32(0.0),
                KernelArg::f32(1.0),
                KernelArg::f32(1.0),
                KernelArg::f32(1.0 - 1.0 / 2048.0),
            ];
            let threads = n.div_ceil(metaltile_std::kernels::elementwise::PER_THREAD) as u64;
            dev.launch(&pipe, Geometry::cover(threads, group), &args).unwrap();
            assert_eq!(y.to_f64().unwrap(), want, "groups of {group}");
        }
    }
}

/// Sample mean and variance.
fn moments(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0))
}

/// The Kolmogorov-Smirnov statistic of `v` against the continuous CDF `cdf`.
fn ks(v: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len() as f64;
    s.iter().enumerate().map(|(i, x)| (cdf(*x) - i as f64 / n).max((i + 1) as f64 / n - cdf(*x))).fold(0.0, f64::max)
}

/// Correlation of neighbours `v[2k]` and `v[2k + 1]`.
fn pair_correlation(v: &[f64]) -> f64 {
    let (a, b): (Vec<f64>, Vec<f64>) = v.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
    let ((ma, va), (mb, vb)) = (moments(&a), moments(&b));
    let cov = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() as f64 - 1.0);
    cov / (va * vb).sqrt()
}

// The distribution checks. Each bound is k standard errors with k = 6 (a normal deviate passes
// 6σ with probability 2e-9), and the KS statistic is held under 2.7/√n where the 5% test uses
// 1.36/√n: P(D > x/√n) ≈ 2e^(-2x²) = 9e-7 at x = 2.7. A correct generator fails any one check
// with probability below 1e-6. The streams are fixed, so a pass is deterministic; the bounds
// say that the seeds were not chosen to pass.
const N: usize = 1 << 18;
const K: f64 = 6.0;
const KS: f64 = 2.7;

#[test]
fn uniform_values_are_uniform() {
    let dev = Device::cpu();
    let n = N as f64;
    for (seed, offset) in [(101u64, 0u64), (102, 3)] {
        let v = values(&dev, RandomKind::Uniform, DType::F32, N, &params(seed, offset));
        let (mean, var) = moments(&v);
        assert!((mean - 0.5).abs() <= K * (1.0 / 12f64).sqrt() / n.sqrt(), "mean {mean}");
        // The sample variance's standard error: √((μ4 - σ⁴)/n) with μ4 = 1/80, σ⁴ = 1/144.
        assert!((var - 1.0 / 12.0).abs() <= K * (1.0 / 80.0 - 1.0 / 144.0f64).sqrt() / n.sqrt(), "var {var}");
        let d = ks(&v, |x| x.clamp(0.0, 1.0));
        assert!(d <= KS / n.sqrt(), "KS {d}");
        let rho = pair_correlation(&v);
        assert!(rho.abs() <= K / (n / 2.0).sqrt(), "neighbour correlation {rho}");
    }
}

#[test]
fn normal_values_are_normal() {
    let dev = Device::cpu();
    let n = N as f64;
    for (seed, offset) in [(201u64, 0u64), (202, 1)] {
        let v = values(&dev, RandomKind::Normal, DType::F32, N, &params(seed, offset));
        let (mean, var) = moments(&v);
        assert!(mean.abs() <= K / n.sqrt(), "mean {mean}");
        // The sample variance of a normal has standard error √(2/n)·σ².
        assert!((var - 1.0).abs() <= K * (2.0 / n).sqrt(), "var {var}");
        let d = ks(&v, |x| 0.5 * (1.0 + r::erf(x / std::f64::consts::SQRT_2)));
        assert!(d <= KS / n.sqrt(), "KS {d}");
        // A pair's cosine and sine are uncorrelated (and independent, for Box-Muller).
        let rho = pair_correlation(&v);
        assert!(rho.abs() <= K / (n / 2.0).sqrt(), "pair correlation {rho}");
        // Scaled: mean 3, std 2.
        let p = RandomParams { mean: 3.0, std: 2.0, ..params(seed, offset) };
        let (mean, var) = moments(&values(&dev, RandomKind::Normal, DType::F32, N, &p));
        assert!((mean - 3.0).abs() <= K * 2.0 / n.sqrt(), "scaled mean {mean}");
        assert!((var - 4.0).abs() <= K * 4.0 * (2.0 / n).sqrt(), "scaled var {var}");
    }
}

#[test]
fn bernoulli_values_are_bernoulli() {
    let dev = Device::cpu();
    let n = N as f64;
    for (seed, prob) in [(301u64, 0.5f32), (302, 0.1), (303, 0.97)] {
        let v = values(&dev, RandomKind::Bernoulli, DType::BF16, N, &RandomParams { p: prob, ..params(seed, 2) });
        assert!(v.iter().all(|x| *x == 0.0 || *x == 1.0));
        let ones = v.iter().sum::<f64>();
        let p = prob as f64;
        assert!((ones - n * p).abs() <= K * (n * p * (1.0 - p)).sqrt(), "p {p}: {ones} ones of {n}");
        let rho = pair_correlation(&v);
        assert!(rho.abs() <= K / (n / 2.0).sqrt(), "neighbour correlation {rho}");
    }
}

fn refused(result: Result<Buffer, RuntimeError>, name: &str, says: &str) {
    match result {
        Err(RuntimeError::BadParameter { name: n, reason, .. }) => {
            assert_eq!(n, name, "{reason}");
            assert!(reason.contains(says), "{reason}");
        }
        other => panic!("expected `{name}` refused, got {other:?}"),
    }
}

#[test]
fn bad_parameters_are_refused_by_name() {
    let dev = Device::cpu();
    let f32 = DType::F32;
    refused(ops::rand_uniform(&dev, f32, &[4], 0, 0, 1.0, 1.0), "high", "must exceed low");
    refused(ops::rand_uniform(&dev, f32, &[4], 0, 0, f32::NAN, 1.0), "low", "finite");
    refused(ops::rand_uniform(&dev, f32, &[4], 0, 0, 0.0, f32::INFINITY), "high", "finite");
    refused(ops::rand_uniform(&dev, f32, &[4], 0, 0, -3e38, 3e38), "high", "overflows");
    // bf16 has nothing in [1.001, 1.002): its values near 1 are 2^-7 apart.
    refused(ops::rand_uniform(&dev, DType::BF16, &[4], 0, 0, 1.001, 1.002), "high", "no bf16 value");
    refused(ops::rand_normal(&dev, f32, &[4], 0, 0, 0.0, -1.0), "std", "non-negative");
    refused(ops::rand_normal(&dev, f32, &[4], 0, 0, f32::NAN, 1.0), "mean", "finite");
    refused(ops::bernoulli(&dev, f32, &[4], 0, 0, 1.5), "p", "[0, 1]");
    refused(ops::bernoulli(&dev, f32, &[4], 0, 0, f32::NAN), "p", "[0, 1]");
    refused(ops::bernoulli(&dev, f32, &[8], 0, u64::MAX - 3, 0.5), "rng_offset", "2^64");
    match ops::rand_uniform(&dev, DType::I32, &[4], 0, 0, 0.0, 1.0) {
        Err(RuntimeError::UnsupportedDType { what, .. }) => assert!(what.contains("rand_uniform"), "{what}"),
        other => panic!("expected the dtype refused, got {other:?}"),
    }
    // Empty outputs are fine.
    assert_eq!(ops::rand_normal(&dev, f32, &[0, 3], 0, 0, 0.0, 1.0).unwrap().shape(), &[0, 3]);
}

#[test]
fn the_registry_sets_64_bit_seeds_exactly() {
    let dev = Device::cpu();
    let entry = metaltile_std::registry::find("rand_uniform").unwrap();
    let x = dev.alloc(DType::F32, &[100]).unwrap();
    let seed = (1u64 << 52) + 12345; // beyond f32's integers
    let consts = ConstArgs::new().with("seed", ConstArg::Int(seed as i128)).with("rng_offset", ConstArg::Int(7));
    let out = entry.invoke(&dev, &[("x", &x)], &consts).unwrap();
    assert_eq!(out[0].1.to_f64().unwrap(), r::rand_uniform(DType::F32, seed, 7, 100, 0.0, 1.0));
}
