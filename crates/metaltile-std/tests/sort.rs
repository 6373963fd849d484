//! The sorts' host API: hand-checked orders (NaN largest, -0.0 before +0.0 only by input order,
//! stable ties in both directions), bit-exact values and exact indices against the reference
//! through long rows (many blocks, an odd number of runs), top-k past a block, the launches
//! the bench shapes plan, and every error the ops report.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};
use metaltile_ir::{passes, DType, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, CpuOptions, Device, RuntimeError};
use metaltile_std::ops::{self, OpParams, SortKind, SortParams, StdOp, Strategy};
use metaltile_std::reference::stable_order;
use metaltile_std::testing::rng::Rng;
use metaltile_std::testing::run_suite;

fn bad_param(e: RuntimeError) -> String {
    match e {
        RuntimeError::BadParameter { name, .. } => name,
        other => panic!("expected a bad parameter, got {other}"),
    }
}

fn indices(b: &Buffer) -> Vec<i64> {
    b.to_vec::<i64>().unwrap()
}

fn bits(b: &Buffer) -> Vec<u32> {
    b.to_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn hand_checked_order() {
    let dev = Device::cpu();
    let v = [3.0f32, -0.0, f32::NAN, 1.0, 0.0, f32::NEG_INFINITY, 3.0];
    let x = dev.upload(&v, &[1, 7]).unwrap();
    // Ascending: NaN last; -0.0 and +0.0 equal, so in input order; the two 3s in input order.
    let up = [5usize, 1, 4, 3, 0, 6, 2];
    assert_eq!(indices(&ops::argsort(&dev, &x, -1, false).unwrap()), up.map(|i| i as i64).to_vec());
    assert_eq!(bits(&ops::sort(&dev, &x, -1, false).unwrap()), up.map(|i| v[i].to_bits()).to_vec());
    // Descending: NaN first; ties still in input order (not the ascending order reversed).
    let down = [2usize, 0, 6, 3, 1, 4, 5];
    assert_eq!(indices(&ops::argsort(&dev, &x, 1, true).unwrap()), down.map(|i| i as i64).to_vec());
    assert_eq!(bits(&ops::sort(&dev, &x, 1, true).unwrap()), down.map(|i| v[i].to_bits()).to_vec());
    let (values, idx) = ops::topk(&dev, &x, 3, -1, true).unwrap();
    assert_eq!(bits(&values), [2usize, 0, 6].map(|i| v[i].to_bits()).to_vec());
    assert_eq!(indices(&idx), vec![2, 0, 6]);
    let (values, idx) = ops::topk(&dev, &x, 2, -1, false).unwrap();
    assert_eq!(bits(&values), vec![f32::NEG_INFINITY.to_bits(), (-0.0f32).to_bits()]);
    assert_eq!(indices(&idx), vec![5, 1]);
    assert_eq!(values.shape(), &[1, 2]);
}

#[test]
fn along_the_first_axis() {
    let dev = Device::cpu();
    let x = dev.upload(&[2.0f32, -1.0, 0.5, 4.0, -3.0, 0.5], &[3, 2]).unwrap();
    assert_eq!(ops::sort(&dev, &x, 0, false).unwrap().to_vec::<f32>().unwrap(), vec![-3.0, -1.0, 0.5, 0.5, 2.0, 4.0]);
    // Columns (2, 0.5, -3) and (-1, 4, 0.5), largest first: rows 0, 1, 2 and 1, 2, 0.
    assert_eq!(indices(&ops::argsort(&dev, &x, 0, true).unwrap()), vec![0, 1, 1, 2, 2, 0]);
    // The largest of each column: 2 (row 0) and 4 (row 1).
    let (values, idx) = ops::topk(&dev, &x, 1, 0, true).unwrap();
    assert_eq!(values.shape(), &[1, 2]);
    assert_eq!(values.to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
    assert_eq!(indices(&idx), vec![0, 1]);
}

/// Random values with many ties (rounded to a quarter) and a few -0.0, +0.0 and NaN.
fn tied_row(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len)
        .map(|_| match rng.next_u64() % 50 {
            0 => f32::NAN,
            1 => -0.0,
            2 => 0.0,
            _ => (rng.uniform(-30.0, 30.0) * 4.0).round() as f32 / 4.0,
        })
        .collect()
}

/// The op's outputs against the reference order: values bit for bit, indices exactly.
fn check(dev: &Device, dtype: DType, shape: &[usize], kind: SortKind, sort: SortParams, seed: u64) {
    let n = shape[shape.len() - 1];
    let rows: usize = shape[..shape.len() - 1].iter().product();
    let mut rng = Rng::new(seed);
    let data: Vec<f64> = tied_row(&mut rng, rows * n).iter().map(|v| f64::from(*v)).collect();
    let x = dev.from_f64(dtype, shape, &data).unwrap();
    let held = x.to_f64().unwrap();
    let raw = x.to_bytes().unwrap();
    let size = dtype.size_bytes();
    let params = OpParams { sort, ..OpParams::default() };
    let plan = ops::sort_plan(dev, kind, &[&x], &params).unwrap();
    plan.run(dev).unwrap();
    let outputs = plan.into_outputs();
    let (descending, keep) = match kind {
        SortKind::Topk => (sort.largest == 1.0, sort.k as usize),
        _ => (sort.descending == 1.0, n),
    };
    for r in 0..rows {
        let want: Vec<usize> = stable_order(&held[r * n..(r + 1) * n], descending).into_iter().take(keep).collect();
        for (name, out) in &outputs {
            if *name == "indices" {
                let got = &indices(out)[r * keep..(r + 1) * keep];
                assert_eq!(got, want.iter().map(|i| *i as i64).collect::<Vec<_>>(), "{kind:?} {dtype} row {r}");
            } else {
                let got = out.to_bytes().unwrap();
                for (slot, i) in want.iter().enumerate() {
                    let at = (r * keep + slot) * size;
                    let from = (r * n + i) * size;
                    assert_eq!(got[at..at + size], raw[from..from + size], "{kind:?} {dtype} row {r} slot {slot}");
                }
            }
        }
    }
}

fn dir(descending: bool) -> SortParams {
    SortParams { descending: f32::from(u8::from(descending)), ..SortParams::default() }
}

#[test]
fn long_rows_match_the_reference_exactly() {
    let dev = Device::cpu();
    // 17 blocks: five merge passes, each with an odd run left over at some point.
    check(&dev, DType::F32, &[1, 17 * 4096 - 5], SortKind::Argsort, dir(false), 1);
    check(&dev, DType::BF16, &[2, 3 * 4096 + 7], SortKind::Sort, dir(true), 2);
    check(&dev, DType::F16, &[3, 5000], SortKind::Sort, dir(false), 3);
    // Top-k keeping 100 of each of 5 blocks, largest and smallest; k past a block.
    check(&dev, DType::F32, &[2, 20_000], SortKind::Topk, SortParams { k: 100.0, ..SortParams::default() }, 4);
    check(
        &dev,
        DType::BF16,
        &[1, 20_000],
        SortKind::Topk,
        SortParams { k: 7.0, largest: 0.0, ..SortParams::default() },
        5,
    );
    check(&dev, DType::F16, &[1, 9000], SortKind::Topk, SortParams { k: 5000.0, ..SortParams::default() }, 6);
}

#[test]
fn bench_shapes_plan_few_launches() {
    let dev = Device::cpu();
    let launches = |shape: &[usize], kind: SortKind, sort: SortParams| {
        let x = dev.alloc(DType::F32, shape).unwrap();
        let plan = ops::sort_plan(&dev, kind, &[&x], &OpParams { sort, ..OpParams::default() }).unwrap();
        plan.launches().iter().map(|l| l.def.name).collect::<Vec<_>>()
    };
    // A row of a block or less: one launch, however many rows.
    assert_eq!(launches(&[4096, 1024], SortKind::Sort, dir(false)), vec!["sort"]);
    assert_eq!(launches(&[262_144, 64], SortKind::Argsort, dir(true)), vec!["argsort"]);
    // 2^20: 256 blocks, eight merge passes.
    let long = launches(&[1, 1 << 20], SortKind::Argsort, dir(false));
    assert_eq!(long.len(), 9);
    assert!(long[1..].iter().all(|n| *n == "sort_merge"));
    // Logits: 32 blocks, five merges of 50 per run.
    assert_eq!(launches(&[64, 128_256], SortKind::Topk, SortParams { k: 50.0, ..SortParams::default() }).len(), 6);
}

#[test]
fn errors_name_the_problem() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0], &[1, 3]).unwrap();
    let plan = |kind: SortKind, p: &OpParams, x: &Buffer| ops::sort_plan(&dev, kind, &[x], p);
    let with = |sort: SortParams| OpParams { sort, ..OpParams::default() };
    let k = |k: f32| with(SortParams { k, ..SortParams::default() });
    assert_eq!(bad_param(plan(SortKind::Topk, &k(4.0), &x).unwrap_err()), "k");
    assert_eq!(bad_param(plan(SortKind::Topk, &k(1.5), &x).unwrap_err()), "k");
    assert_eq!(bad_param(plan(SortKind::Topk, &k(-1.0), &x).unwrap_err()), "k");
    let largest = with(SortParams { largest: 0.5, ..SortParams::default() });
    assert_eq!(bad_param(plan(SortKind::Topk, &largest, &x).unwrap_err()), "largest");
    assert_eq!(
        bad_param(
            plan(SortKind::Sort, &with(SortParams { descending: 2.0, ..SortParams::default() }), &x).unwrap_err()
        ),
        "descending"
    );
    let mut axis = OpParams::default();
    axis.reduce.axis = 2.0;
    assert_eq!(bad_param(plan(SortKind::Argsort, &axis, &x).unwrap_err()), "axis");
    let strategy = OpParams { strategy: Some(Strategy::Looped), ..OpParams::default() };
    assert_eq!(bad_param(plan(SortKind::Sort, &strategy, &x).unwrap_err()), "strategy");
    let ints = dev.upload(&[1i32, 2], &[2]).unwrap();
    let err = plan(SortKind::Sort, &OpParams::default(), &ints).unwrap_err();
    assert!(matches!(err, RuntimeError::UnsupportedDType { .. }), "{err}");
    // k = 0 and empty tensors: empty outputs of the right shape, nothing launched.
    let (values, idx) = ops::topk(&dev, &x, 0, -1, true).unwrap();
    assert_eq!((values.shape(), idx.shape()), (&[1usize, 0][..], &[1usize, 0][..]));
}

/// Every instance the sort plans launch (both tiles, blocks into scratch, every merge), in
/// every float dtype: the MSL and CUDA pass the syntax checks.
#[test]
fn every_instance_emits_checked_msl_and_cuda() {
    let mut sources = Vec::new();
    for kind in SortKind::ALL {
        for (def, consts) in StdOp::Sort(*kind).instances() {
            for d in FLOAT_DTYPES {
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

/// The oracle's cases of the three ops with race detection on: the bitonic network's
/// threadgroup memory is barrier-correct (what `tests/suite.rs` checks for the whole library).
#[test]
fn every_case_passes_with_race_detection() {
    let dev = Device::cpu_with(CpuOptions { detect_races: true, ..CpuOptions::default() });
    for name in ["sort", "argsort", "topk"] {
        let failed: Vec<String> = run_suite(&dev, Some(name), &mut |_| {})
            .into_iter()
            .filter(|r| !r.passed)
            .map(|r| format!("{} {} {} ({}): {:?}", r.kernel, r.dtype, r.shape, r.label, r.error))
            .collect();
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }
}

/// The bench's bytes: the input read once and each output written once, the placeholder of
/// the output an op does not have left out. A one-element output is a real one (topk's k = 1
/// of one row had been counted as a placeholder).
#[test]
fn bytes_moved_count_the_real_outputs() {
    let dev = Device::cpu();
    let x = dev.alloc(DType::F32, &[1, 1000]).unwrap();
    let bytes = |kind: SortKind, sort: SortParams| {
        ops::sort_plan(&dev, kind, &[&x], &OpParams { sort, ..OpParams::default() }).unwrap().bytes_moved()
    };
    assert_eq!(bytes(SortKind::Topk, SortParams::default()), 4000 + 4 + 8);
    assert_eq!(bytes(SortKind::Sort, dir(false)), 4000 + 4000);
    assert_eq!(bytes(SortKind::Argsort, dir(true)), 4000 + 8000);
}
