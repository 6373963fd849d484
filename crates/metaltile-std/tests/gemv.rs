//! The matrix-vector products' host API: hand-checked results, every rows-per-segment and
//! split the planners may pick (forced, against the f64 reference), empty axes, the
//! planners' choices at the bench shapes, and every error the ops report.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::{Buffer, CpuOptions, Device, RuntimeError};
use metaltile_std::ops::{self, GemvForm};
use metaltile_std::reference as r;
use metaltile_std::registry;
use metaltile_std::testing::compare::compare_scaled;
use metaltile_std::testing::rng::Rng;
use metaltile_std::HostTensor;

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
    let inputs = [HostTensor::new(&[m, k], a.to_vec()), HostTensor::new(&[x.len()], x.to_vec())];
    let want = r::gemv_op(form, &inputs, 32, false).data;
    let entry = registry::find(form.def().name).unwrap();
    let scale = r::gemv_op(form, &inputs, 32, true).data;
    let dtype = y.dtype();
    let rounded: Vec<f64> = dev_round(dtype, &want);
    let c = compare_scaled("y", &y.to_f64().unwrap(), &rounded, entry.tolerance(dtype), Some(&scale));
    assert!(c.passed(), "{what}: {c:?}");
}

/// The interpreter that reports races on threadgroup memory (gemv_t's simdgroups meet there).
fn racing() -> Device {
    Device::cpu_with(CpuOptions { detect_races: true, ..CpuOptions::default() })
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
    let dev = racing();
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
    let dev = racing();
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
    assert!(
        matches!(&e, RuntimeError::ShapeMismatch { what, expected, .. } if what.contains("`x`") && expected == &[4]),
        "{e}"
    );
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

#[test]
fn masked_out_blocks_are_skipped_in_every_layout() {
    let dev = racing();
    for dtype in [DType::F32, DType::BF16] {
        // k: scalar layout, 4-wide, 16-byte (bf16); blocks of 8 and 16 cut every tile.
        for (m, k, block) in [(20usize, 23usize, 8usize), (20, 44, 8), (33, 96, 16), (9, 130, 64)] {
            let (mb, kb) = (m.div_ceil(block), k.div_ceil(block));
            let mut rng = Rng::new((m * k) as u64);
            let mut av: Vec<f64> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mask: Vec<f64> = (0..mb * kb).map(|i| f64::from(i % 3 != 1)).collect();
            let out: Vec<f64> = (0..mb).map(|i| f64::from(i % 2 == 0)).collect();
            // A NaN in every masked-out block and in every row of a masked-out output block:
            // any of them read would poison its row.
            for i in 0..m {
                for j in 0..k {
                    if mask[(i / block) * kb + j / block] == 0.0 || out[i / block] == 0.0 {
                        av[i * k + j] = f64::NAN;
                    }
                }
            }
            let a = dev.from_f64(dtype, &[m, k], &av).unwrap();
            let (x, xv) = random(&dev, dtype, &[k], 7);
            let mb_ = dev.from_f64(dtype, &[mb, kb], &mask).unwrap();
            let ob = dev.from_f64(dtype, &[mb], &out).unwrap();
            let y = ops::gemv_masked(&dev, &a, &x, &mb_, &ob, block as u32).unwrap();
            let got = y.to_f64().unwrap();
            assert!(got.iter().all(|v| v.is_finite()), "{dtype} {m}×{k} / {block}: {got:?}");
            let want = r::gemv_masked(&a.to_f64().unwrap(), m, k, &xv, &mask, &out, block);
            let rounded = dev_round(dtype, &want);
            let tol = registry::find("gemv_masked").unwrap().tolerance(dtype);
            for (i, (g, w)) in got.iter().zip(&rounded).enumerate() {
                assert!((g - w).abs() <= tol.atol + tol.rtol * w.abs().max(1.0), "{dtype} {m}×{k}: y[{i}] {g} vs {w}");
            }
            // The zeroed row blocks are exactly 0.
            for i in (0..m).filter(|i| out[i / block] == 0.0) {
                assert_eq!(got[i], 0.0);
            }
        }
    }
}

#[test]
fn bad_masks_are_named() {
    let dev = Device::cpu();
    // a of 40×70 in blocks of 32: a mask of 2×3 blocks, an output mask of 2.
    let a = dev.upload(&[0.5f32; 2800], &[40, 70]).unwrap();
    let x = dev.upload(&[1.0f32; 70], &[70]).unwrap();
    let mask = dev.upload(&[1.0f32; 6], &[2, 3]).unwrap();
    let out = dev.upload(&[1.0f32; 2], &[2]).unwrap();
    assert!(ops::gemv_masked(&dev, &a, &x, &mask, &out, 32).is_ok());
    let wrong = dev.upload(&[1.0f32; 6], &[3, 2]).unwrap();
    let e = ops::gemv_masked(&dev, &a, &x, &wrong, &out, 32).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { what, .. } if what.contains("`mask`")), "{e}");
    let e = ops::gemv_masked(&dev, &a, &x, &mask, &mask, 32).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { what, .. } if what.contains("`out_mask`")), "{e}");
    let half = dev.from_f64(DType::F16, &[2, 3], &[1.0; 6]).unwrap();
    let e = ops::gemv_masked(&dev, &a, &x, &half, &out, 32).unwrap_err();
    assert!(matches!(&e, RuntimeError::DTypeMismatch { what, .. } if what.contains("`mask`")), "{e}");
    for block in [0, 12] {
        let e = ops::gemv_masked(&dev, &a, &x, &mask, &out, block).unwrap_err();
        assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "block"), "{e}");
    }
}
