//! The fused ops' host API: torch's semantics at hand-picked values (clamp's NaN and crossed
//! bounds, where's exact moves), both outputs of add_mul by name, and every error the ops
//! report for bad operands and parameters.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::{ConstArg, ConstArgs, DType};
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, FusedKind, OpParams, StdOp};
use metaltile_std::registry;
use metaltile_std::tensor::HostTensor;
use metaltile_std::testing::check_outputs;

fn f32s(dev: &Device, v: &[f32]) -> Buffer {
    dev.upload(v, &[v.len()]).unwrap()
}

fn bools(dev: &Device, v: &[bool]) -> Buffer {
    let bytes: Vec<u8> = v.iter().map(|b| u8::from(*b)).collect();
    dev.from_bytes(DType::Bool, &[v.len()], &bytes).unwrap()
}

fn bad_param(e: RuntimeError) -> String {
    match e {
        RuntimeError::BadParameter { name, .. } => name,
        other => panic!("expected a bad parameter, got {other}"),
    }
}

/// The text of an error, which must name `what`.
fn names(e: RuntimeError, what: &str) {
    let text = e.to_string();
    assert!(text.contains(what), "`{text}` does not name {what}");
}

#[test]
fn clip_is_torch_clamp() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[f32::NAN, f32::NEG_INFINITY, 5.0, -5.0, 0.3, f32::INFINITY]);
    let y = ops::clip(&dev, &x, -1.0, 2.0).unwrap().to_vec::<f32>().unwrap();
    assert!(y[0].is_nan());
    assert_eq!(&y[1..], &[-1.0, 2.0, -1.0, 0.3, 2.0]);
    // Crossed bounds: max wins everywhere but NaN.
    let y = ops::clip(&dev, &x, 1.0, -1.0).unwrap().to_vec::<f32>().unwrap();
    assert!(y[0].is_nan());
    assert!(y[1..].iter().all(|v| *v == -1.0), "{y:?}");
    // An infinite bound leaves its side open.
    let y = ops::clip(&dev, &x, f32::NEG_INFINITY, 0.0).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(&y[1..], &[f32::NEG_INFINITY, 0.0, -5.0, 0.0, 0.0]);
}

#[test]
fn where_moves_values_exactly() {
    let dev = Device::cpu();
    // A NaN with a payload and -0.0 come through bit for bit, in f16 as in f32, on the
    // vector path (4096 elements: one whole threadgroup) and the scalar tail (5 more).
    let payload = f64::from(f32::from_bits(0x7fc0_1234));
    let n = 4096 + 5;
    let av: Vec<f64> = (0..n).map(|i| [payload, -0.0, i as f64][i % 3]).collect();
    let bv: Vec<f64> = (0..n).map(|i| [-0.0, payload, -(i as f64)][i % 3]).collect();
    let cv: Vec<bool> = (0..n).map(|i| i % 7 < 3).collect();
    for dtype in [DType::F32, DType::F16, DType::BF16] {
        let a = dev.from_f64(dtype, &[n], &av).unwrap();
        let b = dev.from_f64(dtype, &[n], &bv).unwrap();
        let y = ops::where_select(&dev, &bools(&dev, &cv), &a, &b).unwrap();
        let (ab, bb, yb) = (a.to_bytes().unwrap(), b.to_bytes().unwrap(), y.to_bytes().unwrap());
        let w = dtype.size_bytes();
        for (i, c) in cv.iter().enumerate() {
            let want = if *c { &ab[i * w..(i + 1) * w] } else { &bb[i * w..(i + 1) * w] };
            assert_eq!(&yb[i * w..(i + 1) * w], want, "{dtype} element {i}");
        }
    }
}

#[test]
fn fma_and_gated_activations_at_known_points() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[2.0, -1.0, 0.0]);
    assert_eq!(ops::fma(&dev, &x, 3.0, 0.5).unwrap().to_vec::<f32>().unwrap(), vec![6.5, -2.5, 0.5]);
    let gate = f32s(&dev, &[0.0, 1.0, -1.0]);
    let up = f32s(&dev, &[5.0, 2.0, 3.0]);
    let silu = |v: f64| v / (1.0 + (-v).exp());
    let y = ops::swiglu(&dev, &gate, &up).unwrap().to_vec::<f32>().unwrap();
    let want = [0.0, silu(1.0) * 2.0, silu(-1.0) * 3.0];
    for (g, w) in y.iter().zip(want) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{g} vs {w}");
    }
    // gelu(1) = Φ(1) = 0.8413447460685429.
    let y = ops::geglu(&dev, &gate, &up).unwrap().to_vec::<f32>().unwrap();
    assert!((f64::from(y[1]) - 2.0 * 0.841_344_746_068_542_9).abs() < 1e-6, "{y:?}");
    let y = ops::geglu_tanh(&dev, &gate, &up).unwrap().to_vec::<f32>().unwrap();
    assert!((f64::from(y[1]) - 2.0 * 0.841_191_990_608_276_8).abs() < 1e-6, "{y:?}");
}

#[test]
fn add_mul_returns_the_sum_and_the_scaled_sum() {
    let dev = Device::cpu();
    let (a, b, c) = (f32s(&dev, &[1.0, 2.0]), f32s(&dev, &[0.5, -4.0]), f32s(&dev, &[2.0, 3.0]));
    let (s, y) = ops::add_mul(&dev, &a, &b, &c).unwrap();
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![1.5, -2.0]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, -6.0]);
    // By name, as `tile run` gets them.
    let entry = registry::find("add_mul").unwrap();
    let outs = entry.invoke(&dev, &[("a", &a), ("b", &b), ("c", &c)], &ConstArgs::new()).unwrap();
    let names: Vec<&str> = outs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["s", "y"]);
    assert_eq!(outs[1].1.to_vec::<f32>().unwrap(), vec![3.0, -6.0]);
    assert_eq!(StdOp::Fused(FusedKind::AddMul).outputs(), &["s", "y"]);
}

/// The oracle compares every output: a plan with fewer outputs than the reference fails
/// (zipping the two lists compared only the first and passed).
#[test]
fn a_missing_output_fails_the_comparison() {
    let dev = Device::cpu();
    let entry = registry::find("add_mul").unwrap();
    let (a, b, c) = (f32s(&dev, &[1.0, 2.0]), f32s(&dev, &[0.5, -4.0]), f32s(&dev, &[2.0, 3.0]));
    // A one-output plan whose output is add_mul's first, `s`, exactly.
    let one = ops::binary_plan(&dev, ops::BinaryKind::Add, &a, &b).unwrap();
    one.run(&dev).unwrap();
    let host = |v: &[f64]| HostTensor::new(&[2], v.to_vec());
    let inputs = [host(&[1.0, 2.0]), host(&[0.5, -4.0]), host(&[2.0, 3.0])];
    let c1 = check_outputs(&entry, &inputs, &one, &OpParams::default()).unwrap();
    assert!(!c1.passed(), "a plan without `y` passed");
    let two = StdOp::Fused(FusedKind::AddMul).plan(&dev, &[&a, &b, &c], &OpParams::default()).unwrap();
    two.run(&dev).unwrap();
    assert!(check_outputs(&entry, &inputs, &two, &OpParams::default()).unwrap().passed());
}

#[test]
fn bad_operands_are_named() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0, 3.0]);
    let short = f32s(&dev, &[1.0, 2.0]);
    let half = dev.from_f64(DType::F16, &[3], &[1.0, 2.0, 3.0]).unwrap();
    let ints = dev.upload(&[1i32, 2, 3], &[3]).unwrap();
    let cond = bools(&dev, &[true, false, true]);
    names(ops::swiglu(&dev, &x, &short).unwrap_err(), "`up`");
    names(ops::swiglu(&dev, &x, &half).unwrap_err(), "`up`");
    names(ops::geglu(&dev, &ints, &ints).unwrap_err(), "`gate`");
    names(ops::clip(&dev, &cond, 0.0, 1.0).unwrap_err(), "`x`");
    // The condition must be bool, of the operands' shape; the operands share a dtype.
    names(ops::where_select(&dev, &x, &x, &x).unwrap_err(), "`cond`");
    names(ops::where_select(&dev, &bools(&dev, &[true]), &x, &x).unwrap_err(), "`cond`");
    names(ops::where_select(&dev, &cond, &x, &half).unwrap_err(), "`b`");
    names(ops::where_select(&dev, &cond, &ints, &ints).unwrap_err(), "`a`");
    names(ops::add_mul(&dev, &x, &x, &short).unwrap_err(), "`c`");
    let e = StdOp::Fused(FusedKind::Where).plan(&dev, &[&cond, &x], &OpParams::default()).unwrap_err();
    assert!(matches!(e, RuntimeError::ArgCount { expected: 3, found: 2, .. }), "{e}");
}

#[test]
fn bad_parameters_are_named() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0]);
    assert_eq!(bad_param(ops::clip(&dev, &x, f32::NAN, 1.0).unwrap_err()), "min");
    assert_eq!(bad_param(ops::clip(&dev, &x, 0.0, f32::NAN).unwrap_err()), "max");
    assert_eq!(bad_param(ops::fma(&dev, &x, f32::INFINITY, 0.0).unwrap_err()), "scale");
    assert_eq!(bad_param(ops::fma(&dev, &x, 1.0, f32::NAN).unwrap_err()), "shift");
    // Through the registry, by name: clip takes min and max, not hardtanh's min_val.
    let entry = registry::find("clip").unwrap();
    let consts = ConstArgs::new().with("min_val", ConstArg::Float(0.0));
    assert!(matches!(entry.invoke(&dev, &[("x", &x)], &consts), Err(RuntimeError::UnknownInput { .. })));
    let consts = ConstArgs::new().with("min", ConstArg::Float(1.5)).with("max", ConstArg::Float(3.0));
    let y = &entry.invoke(&dev, &[("x", &x)], &consts).unwrap()[0].1;
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.5, 2.0]);
}

#[test]
fn empty_tensors_give_empty_outputs() {
    let dev = Device::cpu();
    let e = dev.upload::<f32>(&[], &[0, 4]).unwrap();
    assert_eq!(ops::swiglu(&dev, &e, &e).unwrap().shape(), &[0, 4]);
    let (s, y) = ops::add_mul(&dev, &e, &e, &e).unwrap();
    assert_eq!((s.shape(), y.shape()), (&[0, 4][..], &[0, 4][..]));
}
