//! Checks of the plans: which strategy each shape gets, every strategy forced on shapes that
//! exercise its edges (rows of 1 to 1024 threads, several rows per threadgroup, a partial last
//! threadgroup, both column layouts, partial tiles and chunks) against the f64 references,
//! the optimization passes preserving every launch of multi-launch plans, and the errors of
//! bad strategies. On the race-detecting interpreter.

#![allow(clippy::unwrap_used, clippy::panic)]

use crate::ops::{
    self, norm_strategy, reduce_strategy, row_strategy, OpParams, ReduceKind, ReduceStrategy, RowStrategy, StdOp,
    REGISTER_MAX_N,
};
use crate::plan::Plan;
use crate::registry;
use crate::tensor::HostTensor;
use crate::testing::compare::compare;
use crate::testing::{inputs, Case, CaseKind};
use metaltile_ir::dtype::{bits_to_f64, f64_to_bits};
use metaltile_ir::{passes, DType};
use metaltile_runtime::{Buffer, CpuOptions, Device, PipelineOptions, RuntimeError};

fn device() -> Device {
    Device::cpu_with(CpuOptions { detect_races: true, ..CpuOptions::default() })
}

#[derive(Clone, Copy, Debug)]
enum Forced {
    Row(RowStrategy),
    Reduce(ReduceStrategy),
}

fn plan(dev: &Device, op: StdOp, b: &[Buffer], forced: Forced) -> Result<Plan, RuntimeError> {
    let eps = OpParams::default().eps;
    match (op, forced) {
        (StdOp::Softmax, Forced::Row(s)) => ops::softmax_plan_with(dev, &b[0], Some(s)),
        (StdOp::LogSoftmax, Forced::Row(s)) => ops::log_softmax_plan_with(dev, &b[0], Some(s)),
        (StdOp::RmsNorm, Forced::Row(s)) => ops::rms_norm_plan_with(dev, &b[0], &b[1], eps, Some(s)),
        (StdOp::LayerNorm, Forced::Row(s)) => ops::layer_norm_plan_with(dev, &b[0], &b[1], &b[2], eps, Some(s)),
        (StdOp::Reduce(k), Forced::Reduce(s)) => ops::reduce_rows_plan_with(dev, k, &b[0], Some(s)),
        _ => panic!("{op:?} takes no {forced:?}"),
    }
}

fn inputs_for(dev: &Device, op: StdOp, case: &Case) -> (Vec<Buffer>, Vec<HostTensor>) {
    let buffers: Vec<Buffer> =
        inputs::generate(op, case).iter().map(|t| dev.from_f64(case.dtype, &t.shape, &t.data).unwrap()).collect();
    let rounded = buffers.iter().map(|b| HostTensor::new(b.shape(), b.to_f64().unwrap())).collect();
    (buffers, rounded)
}

/// Run `op` under `forced` and compare with the reference; a description of the failure.
fn check(dev: &Device, op: StdOp, dtype: DType, shape: &[usize], kind: CaseKind, forced: Forced) -> Option<String> {
    let case = Case {
        dtype,
        shape: shape.to_vec(),
        seed: shape.iter().sum::<usize>() as u64,
        kind,
        label: String::new(),
        params: Default::default(),
    };
    let (buffers, rounded) = inputs_for(dev, op, &case);
    let p = plan(dev, op, &buffers, forced).unwrap();
    p.run(dev).unwrap();
    let entry = registry::find(op.name()).unwrap();
    let want = &entry.reference(&rounded, &OpParams::default())[0];
    let want: Vec<f64> = want.data.iter().map(|v| bits_to_f64(dtype, f64_to_bits(dtype, *v))).collect();
    let c = compare("y", &p.outputs()[0].1.to_f64().unwrap(), &want, dtype.tolerance());
    (!c.passed()).then(|| format!("{} {dtype} {shape:?} {kind:?} {forced:?}: {:?}", op.name(), c.first_mismatch))
}

const ROW_OPS: [StdOp; 4] = [StdOp::Softmax, StdOp::LogSoftmax, StdOp::RmsNorm, StdOp::LayerNorm];
const REDUCE_OPS: [StdOp; 12] = [
    StdOp::Reduce(ReduceKind::Sum),
    StdOp::Reduce(ReduceKind::Max),
    StdOp::Reduce(ReduceKind::Min),
    StdOp::Reduce(ReduceKind::Mean),
    StdOp::Reduce(ReduceKind::Prod),
    StdOp::Reduce(ReduceKind::L1Norm),
    StdOp::Reduce(ReduceKind::L2Norm),
    StdOp::Reduce(ReduceKind::LogSumExp),
    StdOp::Reduce(ReduceKind::Var),
    StdOp::Reduce(ReduceKind::Std),
    StdOp::Reduce(ReduceKind::ArgMax),
    StdOp::Reduce(ReduceKind::ArgMin),
];

fn registers(per_thread: u32, tpr: u32) -> Forced {
    Forced::Row(RowStrategy::Registers { per_thread, tpr })
}

/// Shapes × strategies that reach every edge of the row kernels.
fn row_cases() -> Vec<(Vec<usize>, Forced)> {
    // Widths (rows::chunk_cols): n % 8 == 0 takes 16-byte packs for 16-bit types, other
    // multiples of 4 the 4-wide layout, the rest the strided scalar one.
    vec![
        (vec![6, 4], registers(8, 1)),
        (vec![5, 3], registers(8, 1)),
        (vec![4, 24], registers(8, 4)),
        (vec![9, 29], registers(8, 4)),
        (vec![33, 64], registers(8, 8)),
        (vec![5, 500], registers(8, 64)),
        (vec![3, 509], registers(16, 32)),
        (vec![3, 4096], registers(32, 128)),
        (vec![2, 4001], registers(32, 128)),
        (vec![2, 3000], registers(8, 1024)),
        (vec![3, 1000], Forced::Row(RowStrategy::Looped)),
        (vec![3, 1004], Forced::Row(RowStrategy::Looped)),
        (vec![3, 1001], Forced::Row(RowStrategy::Looped)),
        (vec![2, 9000], Forced::Row(RowStrategy::Looped)),
        (vec![2, 5000], Forced::Row(RowStrategy::Split { chunks: 3 })),
        (vec![2, 4100], Forced::Row(RowStrategy::Split { chunks: 2 })),
        (vec![3, 3001], Forced::Row(RowStrategy::Split { chunks: 2 })),
        (vec![2, 100], Forced::Row(RowStrategy::Split { chunks: 1 })),
    ]
}

fn reduce_cases() -> Vec<(Vec<usize>, Forced)> {
    let rows = |tpr| Forced::Reduce(ReduceStrategy::Rows { tpr });
    let split = |chunks| Forced::Reduce(ReduceStrategy::Split { chunks });
    vec![
        (vec![5, 3], rows(1)),
        (vec![6, 4], rows(1)),
        (vec![9, 29], rows(8)),
        (vec![5, 500], rows(64)),
        (vec![2, 9000], rows(256)),
        (vec![2, 9004], rows(64)),
        (vec![2, 3001], rows(1024)),
        (vec![2, 5000], split(3)),
        (vec![3, 3001], split(5)),
        (vec![2, 100], split(1)),
    ]
}

#[test]
fn strategies_follow_the_shape() {
    let reg = |per_thread, tpr| RowStrategy::Registers { per_thread, tpr };
    assert_eq!(row_strategy(4096, 1), reg(8, 1));
    assert_eq!(row_strategy(1 << 20, 64), reg(8, 8));
    assert_eq!(row_strategy(4, 77), reg(8, 16));
    assert_eq!(row_strategy(4, 1000), reg(8, 128));
    assert_eq!(row_strategy(4, 2000), reg(8, 256));
    assert_eq!(row_strategy(4096, 4096), reg(16, 256));
    assert_eq!(row_strategy(4096, 8192), reg(32, 256));
    assert_eq!(row_strategy(1, REGISTER_MAX_N), reg(32, 256));
    assert_eq!(row_strategy(1, REGISTER_MAX_N + 4), RowStrategy::Split { chunks: 2 });
    assert_eq!(row_strategy(32, 393_216), RowStrategy::Split { chunks: 64 });
    assert_eq!(row_strategy(2, 20_000), RowStrategy::Split { chunks: 4 });
    assert_eq!(row_strategy(4096, REGISTER_MAX_N + 1), RowStrategy::Looped);
    assert_eq!(norm_strategy(DType::BF16, 4096, 8192), RowStrategy::Looped);
    assert_eq!(norm_strategy(DType::F16, 4096, 4100), RowStrategy::Looped);
    assert_eq!(norm_strategy(DType::F32, 4096, 8192), reg(32, 256));
    assert_eq!(norm_strategy(DType::BF16, 4096, 4096), reg(16, 256));
    assert_eq!(reduce_strategy(4096, 8192), ReduceStrategy::Rows { tpr: 256 });
    assert_eq!(reduce_strategy(1 << 20, 64), ReduceStrategy::Rows { tpr: 4 });
    assert_eq!(reduce_strategy(3, 1), ReduceStrategy::Rows { tpr: 1 });
    assert_eq!(reduce_strategy(32, 393_216), ReduceStrategy::Split { chunks: 64 });
    assert_eq!(reduce_strategy(600, 393_216), ReduceStrategy::Rows { tpr: 256 });
}

#[test]
fn the_automatic_plans_launch_what_their_strategy_says() {
    let dev = device();
    let launched = |shape: &[usize]| {
        let x = dev.alloc(DType::F32, shape).unwrap();
        let p = ops::softmax_plan(&dev, &x).unwrap();
        p.launches().iter().map(|l| (l.def.name, l.consts.get("per_thread"))).collect::<Vec<_>>()
    };
    use metaltile_ir::ConstArg::Int;
    assert_eq!(launched(&[3, 2000]), vec![("softmax", Some(Int(8)))]);
    assert_eq!(launched(&[2, 20_000]), vec![("softmax_stats", None), ("softmax_apply", None)]);
    let x = dev.alloc(DType::F32, &[2, 20_000]).unwrap();
    let p = ops::reduce_rows_plan(&dev, ReduceKind::Max, &x).unwrap();
    let names: Vec<&str> = p.launches().iter().map(|l| l.def.name).collect();
    assert_eq!(names, vec!["reduce_rows_partials", "reduce_rows_finish"]);
    assert_eq!(p.launches()[0].geometry.groups, [4, 2, 1]);
}

#[test]
fn every_forced_strategy_matches_the_reference() {
    let dev = device();
    let mut failures = Vec::new();
    for dtype in [DType::F32, DType::BF16] {
        for op in ROW_OPS {
            for (shape, forced) in row_cases() {
                failures.extend(check(&dev, op, dtype, &shape, CaseKind::Random, forced));
            }
        }
        for op in REDUCE_OPS {
            for (shape, forced) in reduce_cases() {
                failures.extend(check(&dev, op, dtype, &shape, CaseKind::Random, forced));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn special_values_behave_alike_in_every_strategy() {
    // Rows with NaN, ±∞, all -0.0, half -∞ and constants (see `testing::inputs`), long
    // enough to split, in both layouts.
    let dev = device();
    let mut failures = Vec::new();
    for shape in [vec![8, 3000], vec![8, 3001]] {
        for op in ROW_OPS {
            for forced in
                [registers(16, 256), Forced::Row(RowStrategy::Looped), Forced::Row(RowStrategy::Split { chunks: 3 })]
            {
                failures.extend(check(&dev, op, DType::F32, &shape, CaseKind::Specials, forced));
            }
        }
        for op in REDUCE_OPS {
            for forced in
                [Forced::Reduce(ReduceStrategy::Rows { tpr: 64 }), Forced::Reduce(ReduceStrategy::Split { chunks: 3 })]
            {
                failures.extend(check(&dev, op, DType::F32, &shape, CaseKind::Specials, forced));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Outputs of `p` with every launch built by `build` from its traced instance, unoptimized.
fn outputs_with(dev: &Device, p: &Plan, build: &dyn Fn(&mut metaltile_ir::Kernel)) -> Vec<u8> {
    p.run_rebuilt(dev, build).unwrap();
    p.outputs()[0].1.to_bytes().unwrap()
}

#[test]
fn every_pass_preserves_every_launch() {
    let dev = device();
    let mut checked = 0;
    let cases: Vec<(StdOp, Vec<usize>, Forced)> = ROW_OPS
        .iter()
        .flat_map(|op| row_cases().into_iter().map(move |(s, f)| (*op, s, f)))
        .chain(REDUCE_OPS.iter().flat_map(|op| reduce_cases().into_iter().map(move |(s, f)| (*op, s, f))))
        .collect();
    for (op, shape, forced) in cases {
        for kind in [CaseKind::Random, CaseKind::Specials] {
            let case = Case {
                dtype: DType::BF16,
                shape: shape.clone(),
                seed: 7,
                kind,
                label: String::new(),
                params: Default::default(),
            };
            let (buffers, _) = inputs_for(&dev, op, &case);
            // A fresh plan per build: fresh, poisoned outputs and scratch.
            let fresh = || plan(&dev, op, &buffers, forced).unwrap();
            let baseline = outputs_with(&dev, &fresh(), &|_| {});
            for pass in passes::PASSES {
                let got = outputs_with(&dev, &fresh(), &|k| passes::run_until(k, pass.name).unwrap());
                assert!(
                    got == baseline,
                    "{} {shape:?} {kind:?} {forced:?}: outputs change after `{}`",
                    op.name(),
                    pass.name
                );
                checked += 1;
            }
            let got = outputs_with(&dev, &fresh(), &|k| passes::run_pipeline(k).unwrap());
            assert!(got == baseline, "{} {shape:?} {kind:?} {forced:?}: outputs change after the pipeline", op.name());
        }
    }
    assert!(checked > 0);
}

#[test]
fn run_with_replaces_the_launches_of_its_instance_only() {
    let dev = device();
    let x = dev.from_f64(DType::F32, &[2, 5000], &vec![0.5; 10_000]).unwrap();
    let p = ops::softmax_plan_with(&dev, &x, Some(RowStrategy::Split { chunks: 3 })).unwrap();
    let apply = &p.launches()[1];
    let mut k = apply.def.ir(Some(DType::F32), &apply.consts).unwrap();
    passes::run_until(&mut k, "fold").unwrap();
    let pipeline = dev.pipeline_from_kernel(k, PipelineOptions { optimize: false }).unwrap();
    p.run_with(&dev, &pipeline).unwrap();
    assert!(p.outputs()[0].1.to_vec::<f32>().unwrap().iter().all(|v| (*v - 1.0 / 5000.0).abs() < 1e-9));
    let other = dev.pipeline(&crate::kernels::softmax::softmax::DEF, Some(DType::F32), &Default::default()).unwrap();
    let e = p.run_with(&dev, &other).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "pipeline"), "{e}");
    assert!(e.to_string().contains("softmax_stats_f32"), "{e}");
}

#[test]
fn bad_strategies_are_refused_by_name() {
    let dev = device();
    let x = dev.alloc(DType::F32, &[2, 100]).unwrap();
    let w = dev.alloc(DType::F32, &[100]).unwrap();
    let refused = |s: RowStrategy, name: &str| {
        let e = ops::rms_norm_plan_with(&dev, &x, &w, 1e-5, Some(s)).unwrap_err();
        assert!(matches!(&e, RuntimeError::BadParameter { name: n, .. } if n == name), "{s:?}: {e}");
    };
    refused(RowStrategy::Registers { per_thread: 4, tpr: 24 }, "tpr");
    refused(RowStrategy::Registers { per_thread: 4, tpr: 2048 }, "tpr");
    refused(RowStrategy::Registers { per_thread: 6, tpr: 32 }, "per_thread");
    refused(RowStrategy::Registers { per_thread: 4, tpr: 16 }, "per_thread");
    // Four per thread covers the row but is not a whole pack.
    refused(RowStrategy::Registers { per_thread: 4, tpr: 32 }, "per_thread");
    refused(RowStrategy::Split { chunks: 0 }, "chunks");
    refused(RowStrategy::Split { chunks: 1025 }, "chunks");
    let e = ops::reduce_rows_plan_with(&dev, ReduceKind::Sum, &x, Some(ReduceStrategy::Rows { tpr: 0 })).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "tpr"), "{e}");
    let many = dev.alloc(DType::F32, &[70_000, 4]).unwrap();
    let e = ops::softmax_plan_with(&dev, &many, Some(RowStrategy::Split { chunks: 1 })).unwrap_err();
    assert!(e.to_string().contains("65535 rows"), "{e}");
}

#[test]
fn rows_whose_indices_could_wrap_are_refused() {
    assert!(ops::check_row_len("softmax", &[1, 5], ops::MAX_ROW_LEN).is_ok());
    let e = ops::check_row_len("softmax", &[1, 5], ops::MAX_ROW_LEN + 1).unwrap_err();
    assert!(matches!(&e, RuntimeError::InvalidShape { .. }) && e.to_string().contains("do not wrap"), "{e}");
}

#[test]
fn split_plans_count_the_op_buffers_not_the_scratch() {
    let dev = device();
    let x = dev.alloc(DType::BF16, &[2, 20_000]).unwrap();
    let w = dev.alloc(DType::BF16, &[20_000]).unwrap();
    let p = ops::rms_norm_plan(&dev, &x, &w, 1e-5).unwrap();
    assert_eq!(p.launches().len(), 2);
    assert_eq!(p.bytes_moved(), (2 * 40_000 + 20_000) * 2);
    let s = ops::reduce_rows_plan(&dev, ReduceKind::Sum, &x).unwrap();
    assert_eq!(s.bytes_moved(), 40_000 * 2 + 2 * 2);
}
