//! The registry: one entry per kernel with a unique name, lookups, calls by input name (as
//! `tile run` makes them) and their errors, and the bench core.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::{ConstArg, ConstArgs, DType, FLOAT_DTYPES};
use metaltile_runtime::{Device, RuntimeError};
use metaltile_std::bench::{self, BenchOptions, BenchSize};
use metaltile_std::registry;
use std::collections::HashSet;

const UNARY: [&str; 15] = [
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "abs",
    "neg",
    "sigmoid",
    "silu",
    "gelu",
    "gelu_tanh",
    "relu",
    "tanh",
    "sin",
    "cos",
    "erf",
];

#[test]
fn the_library_has_every_op_once() {
    let names: Vec<&str> = registry::all().iter().map(|e| e.name()).collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let expected: Vec<&str> = UNARY
        .iter()
        .copied()
        .chain(["add", "sub", "mul", "div", "max", "min", "pow", "sum_rows", "max_rows", "min_rows"])
        .chain(["softmax", "rms_norm", "layer_norm"])
        .collect();
    assert_eq!(names, expected);
    assert_eq!(registry::defs().len(), names.len());
    for e in registry::all() {
        assert_eq!(e.def.name, e.op.name());
        assert_eq!(e.def.dtypes, &FLOAT_DTYPES[..], "{}", e.name());
        assert!(!e.summary.is_empty());
        assert!(["unary", "binary", "reduce", "softmax", "norm"].contains(&e.family));
    }
}

#[test]
fn find_by_name() {
    assert_eq!(registry::find("softmax").unwrap().family, "softmax");
    assert_eq!(registry::find("rms_norm").unwrap().op.params(), &["eps"]);
    assert!(registry::find("softmax_rows").is_none());
}

#[test]
fn invoke_by_input_names_in_any_order() {
    let dev = Device::cpu();
    let e = registry::find("div").unwrap();
    let a = dev.upload(&[6.0f32, 1.0], &[2]).unwrap();
    let b = dev.upload(&[3.0f32, 4.0], &[2]).unwrap();
    let out = e.invoke(&dev, &[("b", &b), ("a", &a)], &ConstArgs::new()).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, "y");
    assert_eq!(out[0].1.to_vec::<f32>().unwrap(), vec![2.0, 0.25]);
}

#[test]
fn invoke_takes_eps_by_name() {
    let dev = Device::cpu();
    let e = registry::find("rms_norm").unwrap();
    let x = dev.upload(&[0.0f32, 0.0], &[1, 2]).unwrap();
    let w = dev.upload(&[1.0f32, 1.0], &[2]).unwrap();
    let out = e.invoke(&dev, &[("x", &x), ("w", &w)], &ConstArgs::new().with("eps", ConstArg::Float(0.25))).unwrap();
    assert_eq!(out[0].1.to_vec::<f32>().unwrap(), vec![0.0, 0.0]);
    // eps = 0 and a zero row: 0 · 1/√0 = NaN, so the value given was used.
    let out = e.invoke(&dev, &[("x", &x), ("w", &w)], &ConstArgs::new().with("eps", ConstArg::Int(0))).unwrap();
    assert!(out[0].1.to_vec::<f32>().unwrap().iter().all(|v| v.is_nan()));
}

#[test]
fn invoke_errors_name_the_problem() {
    let dev = Device::cpu();
    let e = registry::find("layer_norm").unwrap();
    let x = dev.upload(&[1.0f32, 2.0], &[1, 2]).unwrap();
    let err = e.invoke(&dev, &[("x", &x), ("w", &x)], &ConstArgs::new()).unwrap_err();
    assert!(matches!(&err, RuntimeError::MissingInput { name, .. } if name == "b"), "{err}");
    let err = e.invoke(&dev, &[("x", &x), ("weight", &x)], &ConstArgs::new()).unwrap_err();
    assert!(matches!(&err, RuntimeError::UnknownInput { name, .. } if name == "weight"), "{err}");
    assert!(err.to_string().contains("x, w, b, eps"), "{err}");
    let add = registry::find("add").unwrap();
    let err =
        add.invoke(&dev, &[("a", &x), ("b", &x)], &ConstArgs::new().with("eps", ConstArg::Float(1.0))).unwrap_err();
    assert!(matches!(&err, RuntimeError::UnknownInput { name, .. } if name == "eps"), "{err}");
    let rms = registry::find("rms_norm").unwrap();
    let err =
        rms.invoke(&dev, &[("x", &x), ("w", &x)], &ConstArgs::new().with("eps", ConstArg::Bool(true))).unwrap_err();
    assert!(err.to_string().contains("eps"), "{err}");
}

#[test]
fn plan_checks_the_number_of_inputs() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32], &[1]).unwrap();
    let e = registry::find("add").unwrap();
    let err = e.op.plan(&dev, &[&x], &Default::default()).unwrap_err();
    assert!(matches!(err, RuntimeError::ArgCount { expected: 2, found: 1, .. }), "{err}");
}

#[test]
fn plan_counts_each_buffer_once() {
    let dev = Device::cpu();
    let x = dev.alloc(DType::F16, &[4, 100]).unwrap();
    let e = registry::find("softmax").unwrap();
    let plan = e.plan(&dev, &[("x", &x)], &ConstArgs::new()).unwrap();
    assert_eq!(plan.bytes_moved(), 2 * 400 * 2);
    let add = registry::find("add").unwrap();
    let plan = add.plan(&dev, &[("a", &x), ("b", &x)], &ConstArgs::new()).unwrap();
    // a and b are one buffer here: read once.
    assert_eq!(plan.bytes_moved(), 2 * 400 * 2);
}

#[test]
fn quick_bench_times_every_kernel() {
    let dev = Device::cpu();
    let opts = BenchOptions {
        warmup: 0,
        runs: 3,
        size: BenchSize::Quick,
        dtypes: vec![DType::F32],
        ..BenchOptions::default()
    };
    let results = bench::run(&dev, Some("norm"), &opts);
    assert_eq!(results.len(), 2);
    for r in &results {
        assert!(r.error.is_none(), "{r:?}");
        assert!(r.median_us > 0.0 && r.min_us <= r.median_us && r.gbps > 0.0, "{r:?}");
        assert_eq!(r.runs, 3);
        // rms_norm reads x and w, writes y: [8, 1024] f32 twice plus one row of weights.
        if r.kernel == "rms_norm" {
            assert_eq!(r.bytes, (2 * 8 * 1024 + 1024) * 4);
        }
    }
    let json = serde_json::to_string(&results).unwrap();
    assert!(json.contains("\"kernel\":\"rms_norm\""), "{json}");
    let mut seen = 0;
    let all = bench::run_with_progress(&dev, Some("exp"), &opts, &mut |_| seen += 1);
    assert_eq!((all.len(), seen), (1, 1));
}

#[test]
fn bench_shapes_are_realistic_when_full() {
    let softmax = registry::find("softmax").unwrap();
    assert!(bench::shapes(&softmax, BenchSize::Full).contains(&vec![4096, 8192]));
    let exp = registry::find("exp").unwrap();
    assert!(bench::shapes(&exp, BenchSize::Full).iter().all(|s| s.iter().product::<usize>() >= 1 << 20));
}
