//! The data-movement ops beyond the oracle: which path a view takes, bit-exact copies of every
//! dtype (integers beyond f64's precision), the transpose tiles under race detection, and the
//! errors of bad parameters; MSL and CUDA of every instance.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, ConstArg, DType, ALL_DTYPES};
use metaltile_runtime::{CpuOptions, Device, RuntimeError};
use metaltile_std::ops::{self, MoveOp, OpParams, SliceAxis, StdOp};

/// Bytes of `n` elements of `dtype`: every pattern (bool: 0 or 1).
fn pattern(dtype: DType, n: usize) -> Vec<u8> {
    let w = dtype.size_bytes();
    (0..n * w).map(|i| if dtype == DType::Bool { (i % 3 == 0) as u8 } else { (i * 37 + i / 7) as u8 }).collect()
}

/// The kernel and `vec` constexpr of a plan's one launch.
fn path(plan: &metaltile_std::plan::Plan) -> (&'static str, bool) {
    let l = &plan.launches()[0];
    (l.def.name, l.consts.get("vec") == Some(ConstArg::Bool(true)))
}

#[test]
fn views_take_the_fast_path_they_allow() {
    let dev = Device::cpu();
    let x = dev.alloc(DType::F32, &[4, 64, 32]).unwrap();
    let p = |perm: &[usize]| ops::permute_plan(&dev, &x, perm).unwrap();
    assert_eq!(path(&p(&[0, 2, 1])), ("permute_tiles", false));
    assert_eq!(path(&p(&[2, 1, 0])), ("permute", false));
    assert_eq!(path(&p(&[1, 0, 2])), ("permute", true));
    assert_eq!(path(&p(&[0, 1, 2])), ("permute", true));
    let heads = dev.alloc(DType::BF16, &[1, 32, 64, 128]).unwrap();
    assert_eq!(path(&ops::permute_plan(&dev, &heads, &[0, 2, 1, 3]).unwrap()), ("permute", true));
    let from_1 = SliceAxis { start: Some(1), stop: None, step: 1 };
    // Rows from 1: every vector of four still aligned.
    assert_eq!(path(&ops::slice_plan(&dev, &x, &[SliceAxis::ALL, from_1]).unwrap()), ("slice", true));
    // Columns from 1: not.
    assert_eq!(path(&ops::slice_plan(&dev, &x, &[SliceAxis::ALL, SliceAxis::ALL, from_1]).unwrap()), ("slice", false));
}

#[test]
fn permutes_every_dtype_bit_for_bit() {
    let dev = Device::cpu();
    let (b, m, n) = (2, 40, 36);
    for dtype in ALL_DTYPES {
        let w = dtype.size_bytes();
        let bytes = pattern(dtype, b * m * n);
        let x = dev.from_bytes(dtype, &[b, m, n], &bytes).unwrap();
        for perm in [[0, 2, 1], [2, 0, 1]] {
            let y = ops::permute(&dev, &x, &perm).unwrap();
            let shape = [b, m, n];
            assert_eq!(y.shape(), &perm.map(|p| shape[p]));
            let got = y.to_bytes().unwrap();
            let out = y.shape().to_vec();
            for i in 0..b * m * n {
                let c = [i / (out[1] * out[2]), i / out[2] % out[1], i % out[2]];
                let mut src = [0; 3];
                for k in 0..3 {
                    src[perm[k]] = c[k];
                }
                let j = (src[0] * m + src[1]) * n + src[2];
                assert!(got[i * w..(i + 1) * w] == bytes[j * w..(j + 1) * w], "{dtype} {perm:?} element {i}");
            }
        }
    }
}

#[test]
fn transpose_tiles_are_race_free() {
    let dev = Device::cpu_with(CpuOptions { detect_races: true, ..CpuOptions::default() });
    let x = dev.upload(&(0..3 * 45 * 70).map(|v| v as f32).collect::<Vec<_>>(), &[3, 45, 70]).unwrap();
    let y = ops::permute(&dev, &x, &[0, 2, 1]).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(y[1], 70.0);
    assert_eq!(y[45 * 70 + 45], (45 * 70 + 1) as f32);
}

#[test]
fn bad_parameters_are_named() {
    let dev = Device::cpu();
    let x = dev.alloc(DType::F16, &[4, 6]).unwrap();
    let named = |e: RuntimeError, name: &str| {
        let text = e.to_string();
        assert!(text.contains(name), "{text}");
    };
    named(ops::permute(&dev, &x, &[0, 0]).unwrap_err(), "perm");
    named(ops::permute(&dev, &x, &[1]).unwrap_err(), "perm");
    named(ops::as_strided(&dev, &x, &[5, 5], &[5, 1], 0).unwrap_err(), "past the end");
    named(ops::as_strided(&dev, &x, &[2, 2], &[1], 0).unwrap_err(), "strides");
    named(ops::slice(&dev, &x, &[SliceAxis { start: None, stop: None, step: 0 }]).unwrap_err(), "step");
    named(ops::slice(&dev, &x, &[SliceAxis::ALL; 3]).unwrap_err(), "3 axes");
    // Seven axes that no merge reduces.
    let big = dev.alloc(DType::U8, &[2; 7]).unwrap();
    named(ops::permute(&dev, &big, &[6, 4, 2, 0, 5, 3, 1]).unwrap_err(), "at most 6 axes");
    let mut p = OpParams::default();
    p.set_values("perm", &[0.0, -1.0]).unwrap();
    named(StdOp::Move(MoveOp::Permute).plan(&dev, &[&x], &p).unwrap_err(), "non-negative");
    let mut p = OpParams::default();
    p.set_values("start", &[0.5]).unwrap();
    named(StdOp::Move(MoveOp::Slice).plan(&dev, &[&x], &p).unwrap_err(), "integers");
}

#[test]
fn empty_views_give_empty_outputs() {
    let dev = Device::cpu();
    let x = dev.alloc(DType::I32, &[0, 5]).unwrap();
    assert_eq!(ops::permute(&dev, &x, &[1, 0]).unwrap().shape(), &[5, 0]);
    let y = dev.alloc(DType::I32, &[3, 5]).unwrap();
    let s = SliceAxis { start: Some(2), stop: Some(2), step: 1 };
    assert_eq!(ops::slice(&dev, &y, &[s]).unwrap().shape(), &[0, 5]);
}

/// The registry checks the instances of float dtypes; every instance of every other dtype
/// is checked here.
#[test]
fn every_instance_emits_checked_msl_and_cuda() {
    let mut sources = Vec::new();
    for k in MoveOp::ALL {
        for (def, consts) in StdOp::Move(*k).instances() {
            for d in ALL_DTYPES.into_iter().filter(|d| !d.is_float() && def.dtypes.contains(d)) {
                let mut kernel = def.ir(Some(d), &consts).unwrap();
                passes::run_pipeline(&mut kernel).unwrap();
                for target in Target::ALL {
                    sources.push((emit(&kernel, target).unwrap(), target));
                }
            }
        }
    }
    let files: Vec<(&str, Target)> = sources.iter().map(|(s, t)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        panic!("{e}");
    }
}

#[test]
fn concat_joins_any_number_of_inputs_and_names_bad_ones() {
    let dev = Device::cpu();
    let a = dev.upload(&[1i64 << 60, 2, 3, 4], &[2, 2]).unwrap();
    let b = dev.upload(&[5i64, 6], &[2, 1]).unwrap();
    let c = dev.upload(&[7i64, 8, 9, 10, 11, 12], &[2, 3]).unwrap();
    let y = ops::concat(&dev, &[&a, &b, &c], -1).unwrap();
    assert_eq!(y.shape(), &[2, 6]);
    assert_eq!(y.to_vec::<i64>().unwrap(), vec![1 << 60, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12]);
    let named = |e: RuntimeError, what: &str| assert!(e.to_string().contains(what), "{e}");
    named(ops::concat(&dev, &[&a, &b], 0).unwrap_err(), "input 1");
    named(ops::concat(&dev, &[&a, &b], 2).unwrap_err(), "dim");
    let f = dev.alloc(DType::F32, &[2, 1]).unwrap();
    named(ops::concat(&dev, &[&a, &f], 1).unwrap_err(), "input 1");
    named(ops::concat(&dev, &[], 0).unwrap_err(), "at least one");
}

#[test]
fn fill_and_arange_follow_the_cast_rules() {
    let dev = Device::cpu();
    // Past f64's integers near 2^62 the value is the f64's; a NaN fills integers with 0.
    assert_eq!(ops::fill(&dev, DType::I64, &[3], -7.0).unwrap().to_vec::<i64>().unwrap(), vec![-7; 3]);
    assert_eq!(ops::fill(&dev, DType::U8, &[2], f64::NAN).unwrap().to_vec::<u8>().unwrap(), vec![0, 0]);
    assert_eq!(ops::fill(&dev, DType::I8, &[2], 1e9).unwrap().to_vec::<i8>().unwrap(), vec![127, 127]);
    // Integers are computed in i64 and wrap into narrower types.
    let y = ops::arange(&dev, DType::U8, 250.0, 1.0, 10).unwrap().to_vec::<u8>().unwrap();
    assert_eq!(y, vec![250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
    let y = ops::arange(&dev, DType::I64, (1i64 << 40) as f64, -3.0, 3).unwrap().to_vec::<i64>().unwrap();
    assert_eq!(y, vec![1 << 40, (1 << 40) - 3, (1 << 40) - 6]);
    let named = |e: RuntimeError, what: &str| assert!(e.to_string().contains(what), "{e}");
    named(ops::arange(&dev, DType::I32, 0.5, 1.0, 4).unwrap_err(), "start");
    named(ops::arange(&dev, DType::F32, 0.0, f64::NAN, 4).unwrap_err(), "step");
    named(ops::arange(&dev, DType::Bool, 0.0, 1.0, 4).unwrap_err(), "bool");
}

#[test]
fn list_parameters_reach_the_plan_by_name() {
    let dev = Device::cpu();
    let entry = metaltile_std::registry::find("permute").unwrap();
    let x = dev.upload(&(0..6).map(|v| v as f32).collect::<Vec<_>>(), &[1, 2, 3]).unwrap();
    let mut p = OpParams::default();
    entry.check_params(&mut p, "perm", &[2.0, 0.0, 1.0]).unwrap();
    let y = entry.invoke_with(&dev, &[("x", &x)], &p).unwrap();
    assert_eq!(y[0].1.shape(), &[3, 1, 2]);
    assert_eq!(y[0].1.to_vec::<f32>().unwrap(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert!(entry.check_params(&mut p, "eps", &[1.0]).unwrap_err().to_string().contains("eps"));
}
