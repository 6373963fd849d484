//! The reductions' host API: hand-checked values, rows of no elements, infinities and NaN
//! through every plan, and the named entry points.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, OpParams, ReduceKind, ReduceParams, ReduceStrategy};

fn f32s(dev: &Device, v: &[f32], shape: &[usize]) -> Buffer {
    dev.upload(v, shape).unwrap()
}

fn reduce(dev: &Device, kind: ReduceKind, x: &Buffer, s: ReduceStrategy) -> Vec<f32> {
    ops::reduce_rows_plan_with(dev, kind, x, Some(s))
        .and_then(|p| {
            p.run(dev)?;
            Ok(p.into_output())
        })
        .unwrap()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn hand_checked_rows() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0, 6.0, -3.0, 4.0, 0.5], &[2, 3]);
    assert_eq!(ops::mean_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 0.5]);
    assert_eq!(ops::prod_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap(), vec![12.0, -6.0]);
    assert_eq!(ops::l1_norm_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap(), vec![9.0, 7.5]);
    let l2 = ops::l2_norm_rows(&dev, &f32s(&dev, &[3.0, -4.0, 0.0, 12.0], &[2, 2])).unwrap();
    assert_eq!(l2.to_vec::<f32>().unwrap(), vec![5.0, 12.0]);
    let lse = ops::logsumexp_rows(&dev, &f32s(&dev, &[0.0, 0.0, 1000.0, 1000.0], &[2, 2])).unwrap();
    let got = lse.to_vec::<f32>().unwrap();
    assert!((got[0] - 2f32.ln()).abs() < 1e-6 && (got[1] - (1000.0 + 2f32.ln())).abs() < 1e-3, "{got:?}");
}

#[test]
fn rows_of_no_elements_give_the_identity_or_an_error() {
    let dev = Device::cpu();
    let empty = dev.alloc(DType::F32, &[3, 0]).unwrap();
    let of = |k| ops::reduce_rows(&dev, k, &empty).map(|b| b.to_vec::<f32>().unwrap());
    assert_eq!(of(ReduceKind::Prod).unwrap(), vec![1.0; 3]);
    assert_eq!(of(ReduceKind::L1Norm).unwrap(), vec![0.0; 3]);
    assert_eq!(of(ReduceKind::L2Norm).unwrap(), vec![0.0; 3]);
    assert_eq!(of(ReduceKind::LogSumExp).unwrap(), vec![f32::NEG_INFINITY; 3]);
    assert!(of(ReduceKind::Mean).unwrap().iter().all(|v| v.is_nan()));
    for k in [ReduceKind::Max, ReduceKind::Min] {
        match of(k) {
            Err(RuntimeError::InvalidShape { reason, .. }) => assert!(reason.contains("empty row"), "{reason}"),
            other => panic!("{}: expected an invalid shape, got {other:?}", k.name()),
        }
    }
}

/// Infinities and NaN in one chunk of a split row must reach the row's result as in the
/// one-launch plan: the split's partials combine with the same (exact) rules.
#[test]
fn logsumexp_infinities_agree_across_plans() {
    let dev = Device::cpu();
    let n = 3000;
    let mut rows = vec![vec![0.5f32; n]; 5];
    rows[0][2900] = f32::INFINITY; // +∞ in the last chunk: +∞
    rows[1].iter_mut().for_each(|v| *v = f32::NEG_INFINITY); // all -∞: -∞
    rows[2][10] = f32::NAN; // NaN in the first chunk: NaN
    rows[3][10] = f32::NAN; // NaN beside +∞: NaN
    rows[3][2000] = f32::INFINITY;
    rows[4][1..].iter_mut().for_each(|v| *v = f32::NEG_INFINITY); // one finite value: itself
    let x = f32s(&dev, &rows.concat(), &[5, n]);
    for s in [ReduceStrategy::Rows { tpr: 64 }, ReduceStrategy::Rows { tpr: 1 }, ReduceStrategy::Split { chunks: 3 }] {
        let y = reduce(&dev, ReduceKind::LogSumExp, &x, s);
        assert_eq!(y[0], f32::INFINITY, "{s:?}");
        assert_eq!(y[1], f32::NEG_INFINITY, "{s:?}");
        assert!(y[2].is_nan() && y[3].is_nan(), "{s:?}: {y:?}");
        assert_eq!(y[4], 0.5, "{s:?}");
    }
}

#[test]
fn mean_and_l2_finish_split_rows_with_the_whole_row_length() {
    let dev = Device::cpu();
    let n = 5000;
    let x = f32s(&dev, &vec![2.0f32; 2 * n], &[2, n]);
    for s in [ReduceStrategy::Rows { tpr: 256 }, ReduceStrategy::Split { chunks: 4 }] {
        assert_eq!(reduce(&dev, ReduceKind::Mean, &x, s), vec![2.0, 2.0], "{s:?}");
        let l2 = reduce(&dev, ReduceKind::L2Norm, &x, s);
        assert!(l2.iter().all(|v| (v - (4.0 * n as f32).sqrt()).abs() < 1e-3), "{s:?}: {l2:?}");
    }
}

#[test]
fn integer_inputs_are_refused_by_name() {
    let dev = Device::cpu();
    let x = dev.upload(&[1i32, 2, 3], &[3]).unwrap();
    match ops::mean_rows(&dev, &x).unwrap_err() {
        RuntimeError::UnsupportedDType { what, .. } => assert!(what.contains("mean_rows"), "{what}"),
        other => panic!("expected an unsupported dtype, got {other}"),
    }
}

#[test]
fn variance_takes_a_correction() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 3.0, 5.0, 7.0, 2.0, 2.0, 2.0, 2.0], &[2, 4]);
    // Mean 4, M2 20: 20 / 3 unbiased, 20 / 4 population; a constant row has none.
    let v = ops::var_rows(&dev, &x, 1.0).unwrap().to_vec::<f32>().unwrap();
    assert!((v[0] - 20.0 / 3.0).abs() < 1e-6 && v[1] == 0.0, "{v:?}");
    assert_eq!(ops::var_rows(&dev, &x, 0.0).unwrap().to_vec::<f32>().unwrap(), vec![5.0, 0.0]);
    assert_eq!(ops::std_rows(&dev, &x, 0.0).unwrap().to_vec::<f32>().unwrap(), vec![5f32.sqrt(), 0.0]);
    // The default of the generic entry point is torch's (1).
    let generic = ops::reduce_rows(&dev, ReduceKind::Var, &x).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(generic, v);
    for bad in [-1.0, f32::NAN, f32::INFINITY] {
        match ops::var_rows(&dev, &x, bad).unwrap_err() {
            RuntimeError::BadParameter { name, .. } => assert_eq!(name, "correction"),
            other => panic!("correction {bad}: expected a bad parameter, got {other}"),
        }
    }
}

/// A large common offset must not cancel the variance away (Σx² - (Σx)²/n would).
#[test]
fn variance_survives_a_large_mean_in_every_plan() {
    let dev = Device::cpu();
    let n = 6000;
    let row: Vec<f32> = (0..n).map(|i| 10000.0 + if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let x = f32s(&dev, &[row.clone(), row].concat(), &[2, n]);
    let want = n as f64 / (n as f64 - 1.0);
    for s in [ReduceStrategy::Rows { tpr: 256 }, ReduceStrategy::Rows { tpr: 4 }, ReduceStrategy::Split { chunks: 3 }] {
        for v in reduce(&dev, ReduceKind::Var, &x, s) {
            assert!((v as f64 - want).abs() < 1e-4, "{s:?}: {v} vs {want}");
        }
    }
}

#[test]
fn all_reduce_folds_every_element_into_a_scalar() {
    let dev = Device::cpu();
    let p = OpParams::default();
    // [[3, 4], [12, 0]]: Frobenius norm 13.
    let x = f32s(&dev, &[3.0, 4.0, 12.0, 0.0], &[2, 2]);
    let fro = ops::reduce_all(&dev, ReduceKind::L2Norm, &x, &p).unwrap();
    assert_eq!(fro.shape(), &[] as &[usize]);
    assert_eq!(fro.to_vec::<f32>().unwrap(), vec![13.0]);
    assert_eq!(ops::reduce_all(&dev, ReduceKind::Max, &x, &p).unwrap().to_vec::<f32>().unwrap(), vec![12.0]);
    assert_eq!(ops::reduce_all(&dev, ReduceKind::Mean, &x, &p).unwrap().to_vec::<f32>().unwrap(), vec![4.75]);
    let pop = OpParams { reduce: ReduceParams { correction: 0.0, ..ReduceParams::default() }, ..p };
    let v = ops::reduce_all(&dev, ReduceKind::Var, &x, &pop).unwrap().to_vec::<f32>().unwrap();
    assert!((v[0] - 19.6875).abs() < 1e-5, "{v:?}");
    // Long enough to split: the whole tensor is one row over several threadgroups.
    let n = 5 * 4917;
    let data: Vec<f32> = (0..n).map(|i| (i % 7) as f32 - 3.0).collect();
    let big = f32s(&dev, &data, &[5, n / 5]);
    let plan = ops::reduce_all_plan(&dev, ReduceKind::Sum, &big, &p).unwrap();
    assert_eq!(plan.launches().len(), 2, "a split plan");
    plan.run(&dev).unwrap();
    let want: f64 = data.iter().map(|v| *v as f64).sum();
    assert_eq!(plan.into_output().to_vec::<f32>().unwrap(), vec![want as f32]);
}

#[test]
fn argmax_takes_the_first_of_ties_and_the_first_nan_in_every_plan() {
    let dev = Device::cpu();
    let n = 5000;
    let mut rows = vec![vec![0.25f32; n]; 4];
    rows[0][4000] = 7.0; // ties of the maximum in different chunks and threads: the first
    rows[0][1234] = 7.0;
    rows[0][4999] = 7.0;
    rows[1][3000] = f32::NAN; // NaN wins over +∞ before it; the first NaN
    rows[1][10] = f32::INFINITY;
    rows[1][4500] = f32::NAN;
    rows[2].iter_mut().for_each(|v| *v = f32::NEG_INFINITY); // all -∞: index 0 for both
    rows[3][0] = -0.0; // -0.0 ties with 0.0
    rows[3][1] = 0.0;
    rows[3][2..].iter_mut().for_each(|v| *v = -1.0);
    let x = f32s(&dev, &rows.concat(), &[4, n]);
    for s in [
        ReduceStrategy::Rows { tpr: 256 },
        ReduceStrategy::Rows { tpr: 1 },
        ReduceStrategy::Rows { tpr: 1024 },
        ReduceStrategy::Split { chunks: 3 },
    ] {
        let run = |k| {
            let p = ops::reduce_rows_plan_with(&dev, k, &x, Some(s)).unwrap();
            p.run(&dev).unwrap();
            let y = p.into_output();
            assert_eq!(y.dtype(), DType::I64);
            y.to_vec::<i64>().unwrap()
        };
        assert_eq!(run(ReduceKind::ArgMax), vec![1234, 1000 * 3, 0, 0], "{s:?}");
        assert_eq!(run(ReduceKind::ArgMin), vec![0, 3000, 0, 2], "{s:?}");
    }
    let empty = dev.alloc(DType::F32, &[2, 0]).unwrap();
    assert!(matches!(ops::argmax_rows(&dev, &empty), Err(RuntimeError::InvalidShape { .. })));
}

fn along(axis: f32) -> OpParams {
    OpParams { reduce: ReduceParams { axis, ..ReduceParams::default() }, ..OpParams::default() }
}

fn plan_along(dev: &Device, k: ReduceKind, x: &Buffer, axis: f32) -> Result<Buffer, RuntimeError> {
    let p = ops::reduce_rows_plan_params(dev, k, x, &along(axis), None)?;
    p.run(dev)?;
    Ok(p.into_output())
}

#[test]
fn folds_along_any_axis() {
    let dev = Device::cpu();
    // [2, 3, 2]: x[o, k, j] = 6o + 2k + j.
    let data: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let x = f32s(&dev, &data, &[2, 3, 2]);
    let sum1 = plan_along(&dev, ReduceKind::Sum, &x, 1.0).unwrap();
    assert_eq!(sum1.shape(), &[2, 2]);
    assert_eq!(sum1.to_vec::<f32>().unwrap(), vec![6.0, 9.0, 24.0, 27.0]);
    let max0 = plan_along(&dev, ReduceKind::Max, &x, -3.0).unwrap();
    assert_eq!(max0.shape(), &[3, 2]);
    assert_eq!(max0.to_vec::<f32>().unwrap(), vec![6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
    let mean1 = plan_along(&dev, ReduceKind::Mean, &x, -2.0).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(mean1, vec![2.0, 3.0, 8.0, 9.0]);
    // The last axis, by either name, is the row plans.
    let last = plan_along(&dev, ReduceKind::Sum, &x, 2.0).unwrap();
    assert_eq!(last.to_vec::<f32>().unwrap(), ops::sum_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap());
    // An axis followed by a size-1 axis keeps it in the output's shape.
    let y = plan_along(&dev, ReduceKind::Sum, &x.reshape(&[2, 6, 1]).unwrap(), 1.0).unwrap();
    assert_eq!(y.shape(), &[2, 1]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![15.0, 51.0]);
    // +∞ and NaN down a column, as along a row.
    let z = f32s(&dev, &[1.0, f32::NAN, f32::INFINITY, 2.0], &[2, 2]);
    let lse = plan_along(&dev, ReduceKind::LogSumExp, &z, 0.0).unwrap().to_vec::<f32>().unwrap();
    assert!(lse[0] == f32::INFINITY && lse[1].is_nan(), "{lse:?}");
}

#[test]
fn bad_axes_are_refused_by_name() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[0.0; 12], &[2, 3, 2]);
    for (k, axis) in [(ReduceKind::Sum, 3.0), (ReduceKind::Sum, -4.0), (ReduceKind::Sum, 0.5), (ReduceKind::Var, 1.0)] {
        match plan_along(&dev, k, &x, axis).unwrap_err() {
            RuntimeError::BadParameter { name, reason, .. } => assert_eq!(name, "axis", "{reason}"),
            other => panic!("{} axis {axis}: expected a bad axis, got {other}", k.name()),
        }
    }
    let strategy = Some(ReduceStrategy::Rows { tpr: 4 });
    match ops::reduce_rows_plan_params(&dev, ReduceKind::Sum, &x, &along(0.0), strategy).unwrap_err() {
        RuntimeError::BadParameter { name, .. } => assert_eq!(name, "strategy"),
        other => panic!("expected a bad strategy, got {other}"),
    }
    // Var along the last axis, and along one followed by size-1 axes, are fine.
    assert_eq!(plan_along(&dev, ReduceKind::Var, &x, 2.0).unwrap().shape(), &[2, 3]);
    assert_eq!(plan_along(&dev, ReduceKind::Var, &x.reshape(&[2, 6, 1]).unwrap(), 1.0).unwrap().shape(), &[2, 1]);
}
