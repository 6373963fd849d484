//! The registry: one entry per kernel with a unique name, lookups, calls by input name (as
//! `tile run` makes them) and their errors, and the bench core.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::dtype::{bits_to_f64, f64_to_bits};
use metaltile_ir::{ConstArg, ConstArgs, DType, FLOAT_DTYPES};
use metaltile_runtime::{Device, RuntimeError};
use metaltile_std::bench::{self, BenchOptions, BenchSize};
use metaltile_std::ops::OpParams;
use metaltile_std::registry;
use metaltile_std::tensor::HostTensor;
use metaltile_std::testing::compare::compare;
use std::collections::HashSet;

const UNARY: [&str; 51] = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "cbrt",
    "abs",
    "neg",
    "sign",
    "ceil",
    "floor",
    "round",
    "trunc",
    "recip",
    "square",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "erf",
    "erfinv",
    "sigmoid",
    "logsigmoid",
    "silu",
    "gelu",
    "gelu_tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "mish",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "isnan",
    "isinf",
    "isfinite",
];

#[test]
fn the_library_has_every_op_once() {
    let names: Vec<&str> = registry::all().iter().map(|e| e.name()).collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let expected: Vec<&str> = UNARY
        .iter()
        .copied()
        .chain(["add", "sub", "mul", "div", "max", "min", "pow", "atan2", "remainder", "fmod", "logaddexp"])
        .chain(["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"])
        .chain(["sum_rows", "max_rows", "min_rows", "mean_rows", "prod_rows", "l1_norm_rows", "l2_norm_rows"])
        .chain(["logsumexp_rows", "var_rows", "std_rows", "argmax_rows", "argmin_rows"])
        .chain(["softmax", "log_softmax", "rms_norm", "layer_norm", "rope", "rope_interleaved"])
        .chain(["gemv", "gemv_t", "gemv_masked"])
        .chain(["swiglu", "geglu", "geglu_tanh", "clip", "fma", "where_select", "add_mul"])
        .chain(["copy"])
        .chain(["f32", "f16", "bf16", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool"].map(|d| {
            // Leaked once per test run: the names the registry gives the casts.
            &*Box::leak(format!("cast_{d}").into_boxed_str())
        }))
        .chain(["as_strided", "permute", "slice", "concat", "fill", "arange"])
        .chain(["cumsum", "cumsum_exclusive", "cumprod", "cumprod_exclusive", "masked_cumsum"])
        .chain(["embedding", "index_select", "gather", "scatter", "scatter_add", "masked_scatter"])
        .chain(["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift"])
        .chain(["bitwise_right_shift"])
        .chain(["sort", "argsort", "topk"])
        .chain(["rand_uniform", "rand_normal", "bernoulli"])
        .chain(["cross_entropy", "mse_loss", "kl_div"])
        .chain(["add_rms_norm", "rms_norm_gated", "group_norm", "batch_norm"])
        .collect();
    assert_eq!(names, expected);
    assert_eq!(registry::defs().len(), names.len());
    for e in registry::all() {
        assert_eq!(e.def.name, e.op.name());
        // Every op but the bitwise ones takes the float dtypes; the casts and the data
        // movement take integers too; the bitwise ops integers (and bool) alone.
        if e.family == "bitwise" {
            assert!(e.def.dtypes.iter().all(|d| !d.is_float()) && e.def.dtypes.contains(&DType::I64), "{}", e.name());
            continue;
        }
        let floats_only = !matches!(e.family, "cast" | "movement");
        assert!(FLOAT_DTYPES.iter().all(|d| e.def.dtypes.contains(d)), "{}", e.name());
        assert!(!floats_only || e.def.dtypes == &FLOAT_DTYPES[..], "{}", e.name());
        assert!(!e.summary.is_empty());
        assert!([
            "unary", "binary", "reduce", "softmax", "norm", "rope", "gemv", "fused", "copy", "cast", "movement",
            "scan", "index", "bitwise", "sort", "random", "loss"
        ]
        .contains(&e.family));
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
fn invoke_takes_unary_params_by_name() {
    let dev = Device::cpu();
    let x = dev.upload(&[-4.0f32, 4.0], &[2]).unwrap();
    let leaky = registry::find("leaky_relu").unwrap();
    assert_eq!(leaky.op.params(), &["negative_slope"]);
    let slope = ConstArgs::new().with("negative_slope", ConstArg::Float(0.5));
    let out = leaky.invoke(&dev, &[("x", &x)], &slope).unwrap();
    assert_eq!(out[0].1.to_vec::<f32>().unwrap(), vec![-2.0, 4.0]);
    let hardtanh = registry::find("hardtanh").unwrap();
    let bounds = ConstArgs::new().with("min_val", ConstArg::Int(-3)).with("max_val", ConstArg::Float(2.0));
    let out = hardtanh.invoke(&dev, &[("x", &x)], &bounds).unwrap();
    assert_eq!(out[0].1.to_vec::<f32>().unwrap(), vec![-3.0, 2.0]);
    let err = leaky.invoke(&dev, &[("x", &x)], &ConstArgs::new().with("alpha", ConstArg::Float(1.0))).unwrap_err();
    assert!(matches!(&err, RuntimeError::UnknownInput { name, .. } if name == "alpha"), "{err}");
    assert!(err.to_string().contains("x, negative_slope"), "{err}");
}

#[test]
fn non_default_unary_params_match_the_reference() {
    let dev = Device::cpu();
    let data: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) / 97.0).collect();
    let params = OpParams { negative_slope: 0.2, alpha: 0.7, min_val: -2.5, max_val: 0.75, ..OpParams::default() };
    for name in ["leaky_relu", "elu", "hardtanh"] {
        let e = registry::find(name).unwrap();
        for dtype in FLOAT_DTYPES {
            let x = dev.from_f64(dtype, &[1000], &data).unwrap();
            let plan = e.op.plan(&dev, &[&x], &params).unwrap();
            plan.run(&dev).unwrap();
            let got = plan.outputs()[0].1.to_f64().unwrap();
            let want = e.reference(&[HostTensor::new(&[1000], x.to_f64().unwrap())], &params).remove(0).data;
            let want: Vec<f64> = want.iter().map(|v| bits_to_f64(dtype, f64_to_bits(dtype, *v))).collect();
            let c = compare("y", &got, &want, e.tolerance(dtype));
            assert!(c.passed(), "{name} {dtype}: {c:?}");
            // The parameters changed the result: the defaults' output is another one.
            let default = e.op.plan(&dev, &[&x], &OpParams::default()).unwrap();
            default.run(&dev).unwrap();
            assert_ne!(default.outputs()[0].1.to_f64().unwrap(), got, "{name} {dtype}");
        }
    }
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
    // The norm family alone (a family's name does not also pick l1_norm_rows by its name).
    let results = bench::run(&dev, Some("norm"), &opts);
    assert_eq!(results.len(), 6);
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
    let all = bench::run_with_progress(&dev, Some("exp2"), &opts, &mut |_| seen += 1);
    assert_eq!((all.len(), seen), (1, 1));
}

#[test]
fn bench_shapes_are_realistic_when_full() {
    let softmax = registry::find("softmax").unwrap();
    assert!(bench::shapes(&softmax, BenchSize::Full).contains(&vec![4096, 8192]));
    let exp = registry::find("exp").unwrap();
    assert!(bench::shapes(&exp, BenchSize::Full).iter().all(|s| s.iter().product::<usize>() >= 1 << 20));
}
