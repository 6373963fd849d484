//! The matrix-vector products' host API: hand-checked results, every rows-per-segment and
//! split the planners may pick (forced, against the f64 reference), empty axes, the
//! planners' choices at the bench shapes, and every error the ops report.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, GemvForm};
use metaltile_std::reference as r;
use metaltile_std::registry;
use metaltile_std::testing::compare::compare_scaled;
use metaltile_std::testing::rng::Rng;

/// Random values in [-1, 1) rounded to `dtype` on the device, and their rounded values.
fn random(dev: &Device, dtype: DType, shape: &[usize], seed: u64) -> (Buffer, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let data: Vec<f64> = (0..shape.iter().product()).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let b = dev.from_f64(dtype, shape, &data).unwrap();
    let rounded = b.to_f64().unwrap();
    (b, rounded)
}

/// Check `y` against the reference of `form` on `a` (`[m, k]`) and `x`, as the oracle does.
fn check(form: GemvForm, y: &Buffer, a: &[f64], m: usize, k: usize, x: &[f64], what: &str) {
    let (want, transposed) = match form {
        GemvForm::Ax => (r::gemv(a, m, k, x), false),
        GemvForm::XtA => (r::gemv_t(a, m, k, x), true),
    };
    let entry = registry::find(if transposed { "gemv_t" } else { "gemv" }).unwrap();
    let scale = r::gemv_error_scale(a, m, k, x, transposed);
    let dtype = y.dtype();
    let rounded: Vec<f64> = dev_round(dtype, &want);
    let c = compare_scaled("y", &y.to_f64().unwrap(), &rounded, entry.tolerance(dtype), Some(&scale));
    assert!(c.passed(), "{what}: {c:?}");
}

fn dev_round(dtype: DType, v: &[f64]) -> Vec<f64> {
    Device::cpu().from_f64(dtype, &[v.len()], v).unwrap().to_f64().unwrap()
}

#[test]
fn both_forms_by_hand() {
    let dev = Device::cpu();
    // a = [[1, 2, 3], [4, 5, 6]]: exact in every dtype, and so are the sums.
    for dtype in [DType::F32, DType::F16, DType::BF16] {
        let a = dev.from_f64(dtype, &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let x = dev.from_f64(dtype, &[3], &[1.0, 0.5, -1.0]).unwrap();
        assert_eq!(ops::gemv(&dev, &a, &x).unwrap().to_f64().unwrap(), vec![-1.0, 0.5], "{dtype}");
        let x = dev.from_f64(dtype, &[2], &[2.0, -1.0]).unwrap();
        assert_eq!(ops::gemv_t(&dev, &a, &x).unwrap().to_f64().unwrap(), vec![-2.0, -1.0, 0.0], "{dtype}");
    }
}

#[test]
fn every_rows_per_segment_on_every_layout() {
    let dev = Device::cpu();
    // k: scalar layout, 4-wide, 16-byte; m: one row, a partial segment of 4, several groups.
    for dtype in [DType::F32, DType::BF16] {
        for (m, k) in [(1, 7), (5, 12), (37, 1000), (130, 64), (3, 2003)] {
            let (a, av) = random(&dev, dtype, &[m, k], (m * k) as u64);
            let (x, xv) = random(&dev, dtype, &[k], k as u64 + 1);
            for rps in [1, 2, 4] {
                let plan = ops::gemv_plan_with(&dev, &a, &x, Some(rps)).unwrap();
                plan.run(&dev).unwrap();
                check(GemvForm::Ax, &plan.into_output(), &av, m, k, &xv, &format!("{dtype} [{m}, {k}] rps {rps}"));
            }
        }
    }
}

#[test]
fn every_split_of_the_rows() {
    let dev = Device::cpu();
    for dtype in [DType::F32, DType::BF16] {
        // k: scalar, 4-wide, 16-byte for bf16 (4-wide for f32), and two column blocks.
        for (m, k) in [(29, 9), (50, 12), (61, 24), (40, 300)] {
            let (a, av) = random(&dev, dtype, &[m, k], (m * k) as u64);
            let (x, xv) = random(&dev, dtype, &[m], m as u64 + 1);
            // More splits than rows leaves none empty: the plan takes one row each.
            for splits in [1, 2, 3, 7, 64] {
                let plan = ops::gemv_t_plan_with(&dev, &a, &x, Some(splits)).unwrap();
                let launches = plan.launches().len();
                assert_eq!(launches, if splits == 1 { 1 } else { 2 }, "{m}×{k} in {splits}");
                plan.run(&dev).unwrap();
                let what = format!("{dtype} [{m}, {k}] in {splits} splits");
                check(GemvForm::XtA, &plan.into_output(), &av, m, k, &xv, &what);
            }
        }
    }
}

#[test]
fn empty_axes_give_empty_outputs_or_zeros() {
    let dev = Device::cpu();
    let none = dev.upload::<f32>(&[], &[0]).unwrap();
    // No columns: every output is an empty sum.
    let a = dev.upload::<f32>(&[], &[3, 0]).unwrap();
    assert_eq!(ops::gemv(&dev, &a, &none).unwrap().to_vec::<f32>().unwrap(), vec![0.0; 3]);
    let x = dev.upload(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    assert!(ops::gemv_t(&dev, &a, &x).unwrap().is_empty());
    // No rows.
    let a = dev.upload::<f32>(&[], &[0, 4]).unwrap();
    assert!(ops::gemv(&dev, &a, &dev.upload(&[1.0f32; 4], &[4]).unwrap()).unwrap().is_empty());
    assert_eq!(ops::gemv_t(&dev, &a, &none).unwrap().to_vec::<f32>().unwrap(), vec![0.0; 4]);
}

#[test]
fn the_planners_choices_at_the_bench_shapes() {
    // Few rows keep one row a segment (enough simdgroups); more rows share segments.
    assert_eq!(ops::gemv_rows_per_segment(100), 1);
    assert_eq!(ops::gemv_rows_per_segment(4096), 2);
    assert_eq!(ops::gemv_rows_per_segment(14336), 4);
    assert_eq!(ops::gemv_threads_per_row(4096), 32);
    assert_eq!(ops::gemv_threads_per_row(64), 4);
    assert_eq!(ops::gemv_threads_per_row(1), 1);
    // 4096×4096 bf16: 16 blocks of 256 columns, 32 splits of 128 rows (512 threadgroups).
    assert_eq!(ops::gemv_t_splits(4096, 4096, 8), 32);
    // 4096×14336 bf16: 56 blocks, 19 splits reach 1024 threadgroups.
    assert_eq!(ops::gemv_t_splits(4096, 14336, 8), 19);
    // Short matrices are not split.
    assert_eq!(ops::gemv_t_splits(100, 64, 8), 1);
}

#[test]
fn bad_operands_are_named() {
    let dev = Device::cpu();
    let a = dev.upload(&[0.5f32; 12], &[3, 4]).unwrap();
    let x4 = dev.upload(&[1.0f32; 4], &[4]).unwrap();
    let x3 = dev.upload(&[1.0f32; 3], &[3]).unwrap();
    // `a` must be a matrix.
    for shape in [vec![12], vec![1, 3, 4]] {
        let flat = dev.upload(&[0.5f32; 12], &shape).unwrap();
        for e in [ops::gemv(&dev, &flat, &x4).unwrap_err(), ops::gemv_t(&dev, &flat, &x3).unwrap_err()] {
            assert!(matches!(&e, RuntimeError::InvalidShape { reason, .. } if reason.contains("[m, k]")), "{e}");
        }
    }
    // `x` must match the axis the product reduces: k for gemv, m for gemv_t.
    let e = ops::gemv(&dev, &a, &x3).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { what, expected, .. } if what.contains("`x`") && expected == &[4]), "{e}");
    let e = ops::gemv_t(&dev, &a, &x4).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { expected, .. } if expected == &[3]), "{e}");
    let column = dev.upload(&[1.0f32; 4], &[4, 1]).unwrap();
    assert!(matches!(ops::gemv(&dev, &a, &column).unwrap_err(), RuntimeError::ShapeMismatch { .. }));
    // One dtype, a float one.
    let half = dev.from_f64(DType::F16, &[4], &[1.0; 4]).unwrap();
    let e = ops::gemv(&dev, &a, &half).unwrap_err();
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::F32, found: DType::F16, .. }), "{e}");
    let ints = dev.upload(&[1i32; 12], &[3, 4]).unwrap();
    let e = ops::gemv(&dev, &ints, &x4).unwrap_err();
    assert!(matches!(&e, RuntimeError::UnsupportedDType { what, .. } if what.contains("`a`")), "{e}");
    // The forced launch parameters.
    let e = ops::gemv_plan_with(&dev, &a, &x4, Some(3)).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "rows_per_segment"), "{e}");
    for splits in [0, 65536] {
        let e = ops::gemv_t_plan_with(&dev, &a, &x3, Some(splits)).unwrap_err();
        assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "splits"), "{e}");
    }
    // The registry names the inputs.
    let entry = registry::find("gemv").unwrap();
    let e = entry.plan(&dev, &[("a", &a)], &Default::default()).unwrap_err();
    assert!(matches!(&e, RuntimeError::MissingInput { name, .. } if name == "x"), "{e}");
}
