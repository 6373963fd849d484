//! The losses by hand: torch's values for small examples, cross-entropy's targets (i32 and
//! i64, `ignore_index`, out of range an error naming the target in checked mode and NaN
//! unchecked, a plan that reported one runs clean again), a Llama-3 vocabulary row against the
//! reference, and bad shapes, dtypes and parameters refused by name.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::{Buffer, Device, KernelArg, RuntimeError};
use metaltile_std::ops::{self, LossKind, OpParams, StdOp};
use metaltile_std::reference as r;
use metaltile_std::HostTensor;

fn params(reduction: f32) -> OpParams {
    let mut p = OpParams::default();
    p.loss.reduction = reduction;
    p
}

fn run(dev: &Device, kind: LossKind, inputs: &[&Buffer], p: &OpParams) -> Result<Buffer, RuntimeError> {
    let plan = StdOp::Loss(kind).plan(dev, inputs, p)?;
    plan.run(dev)?;
    Ok(plan.into_output())
}

fn f32s(b: &Buffer) -> Vec<f32> {
    b.to_vec::<f32>().unwrap()
}

fn close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((*g as f64 - w).abs() <= 1e-6 + 1e-6 * w.abs(), "{got:?} vs {want:?}");
    }
}

#[test]
fn torch_examples() {
    let dev = Device::cpu();
    // F.cross_entropy([[1, 2, 3], [1, 2, 3]], [2, 0]): ln(e + e² + e³) - 3 and - 1.
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 1.0, 2.0, 3.0], &[2, 3]).unwrap();
    let t = dev.upload(&[2i64, 0], &[2]).unwrap();
    let lse = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
    let none = run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(0.0)).unwrap();
    assert_eq!(none.shape(), &[2]);
    close(&f32s(&none), &[lse - 3.0, lse - 1.0]);
    let mean = run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(1.0)).unwrap();
    assert_eq!(mean.shape(), &[] as &[usize]);
    close(&f32s(&mean), &[lse - 2.0]);
    close(&f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(2.0)).unwrap()), &[2.0 * lse - 4.0]);
    // F.mse_loss([1, 2, 3], [1, 1, 1]) = 5/3.
    let a = dev.upload(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
    let b = dev.upload(&[1.0f32, 1.0, 1.0], &[3]).unwrap();
    close(&f32s(&run(&dev, LossKind::Mse, &[&a, &b], &params(1.0)).unwrap()), &[5.0 / 3.0]);
    close(&f32s(&run(&dev, LossKind::Mse, &[&a, &b], &params(0.0)).unwrap()), &[0.0, 1.0, 4.0]);
    // F.kl_div(ln [0.5, 0.5], [0.25, 0.75], reduction="sum").
    let lp = dev.upload(&[0.5f32.ln(), 0.5f32.ln()], &[1, 2]).unwrap();
    let q = dev.upload(&[0.25f32, 0.75], &[1, 2]).unwrap();
    let want = 0.25 * (0.25f64.ln() - 0.5f32.ln() as f64) + 0.75 * (0.75f64.ln() - 0.5f32.ln() as f64);
    close(&f32s(&run(&dev, LossKind::KlDiv, &[&lp, &q], &params(2.0)).unwrap()), &[want]);
    // batchmean divides by the first axis (1), mean by every element (2).
    close(&f32s(&run(&dev, LossKind::KlDiv, &[&lp, &q], &params(3.0)).unwrap()), &[want]);
    close(&f32s(&run(&dev, LossKind::KlDiv, &[&lp, &q], &params(1.0)).unwrap()), &[want / 2.0]);
    // log_target: the target given as ln q.
    let lq = dev.upload(&[0.25f32.ln(), 0.75f32.ln()], &[1, 2]).unwrap();
    let mut p = params(2.0);
    p.loss.log_target = 1.0;
    let got = f32s(&run(&dev, LossKind::KlDiv, &[&lp, &lq], &p).unwrap());
    assert!((got[0] as f64 - want).abs() < 1e-6, "{got:?}");
}

#[test]
fn ignored_rows_add_nothing_and_count_for_nothing() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 1.0, 2.0, 3.0], &[2, 3]).unwrap();
    let lse = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
    let t = dev.upload(&[-100i32, 0], &[2]).unwrap();
    close(&f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(0.0)).unwrap()), &[0.0, lse - 1.0]);
    close(&f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(1.0)).unwrap()), &[lse - 1.0]);
    // Every row ignored: the mean of nothing is NaN (torch), the sum 0.
    let all = dev.upload(&[-100i64, -100], &[2]).unwrap();
    assert!(f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &all], &params(1.0)).unwrap())[0].is_nan());
    assert_eq!(f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &all], &params(2.0)).unwrap()), [0.0]);
    // A valid class as ignore_index; i64 words must match whole (2^32 is not 0).
    let mut p = params(1.0);
    p.loss.ignore_index = 0.0;
    let t = dev.upload(&[2i64, 0], &[2]).unwrap();
    close(&f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &t], &p).unwrap()), &[lse - 3.0]);
}

#[test]
fn out_of_range_targets_are_errors_when_checked_and_nan_unchecked() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32, 2.0, 3.0, 1.0, 2.0, 3.0], &[2, 3]).unwrap();
    for (bad, wide) in [(3i64, false), (-1, false), (1 << 32, true), (-101, true)] {
        let t =
            if wide { dev.upload(&[0i64, bad], &[2]).unwrap() } else { dev.upload(&[0i32, bad as i32], &[2]).unwrap() };
        let plan = StdOp::Loss(LossKind::CrossEntropy).plan(&dev, &[&x, &t], &params(0.0)).unwrap();
        match plan.run(&dev) {
            Err(RuntimeError::BadParameter { op, name, reason }) => {
                assert_eq!((op.as_str(), name.as_str()), ("cross_entropy", "target"));
                assert!(reason.contains(&format!("index {bad} at position 1")), "{reason}");
                assert!(reason.contains("[0, 3)"), "{reason}");
            }
            other => panic!("expected target {bad} refused, got {other:?}"),
        }
        let mut unchecked = params(0.0);
        unchecked.index.checked = 0.0;
        let y = f32s(&run(&dev, LossKind::CrossEntropy, &[&x, &t], &unchecked).unwrap());
        assert!(y[1].is_nan() && !y[0].is_nan(), "{y:?}");
    }
    // A plan that reported a bad target runs clean on good targets again: the targets are
    // refilled through a copy kernel, so the same plan sees new values.
    let t = dev.upload(&[0i32, 9], &[2]).unwrap();
    let good = dev.upload(&[0i32, 1], &[2]).unwrap();
    let plan = StdOp::Loss(LossKind::CrossEntropy).plan(&dev, &[&x, &t], &params(1.0)).unwrap();
    assert!(plan.run(&dev).is_err());
    let refill = ops::copy_plan(&dev, &good).unwrap();
    let launch = &refill.launches()[0];
    let args = [KernelArg::Buffer(&good), KernelArg::Buffer(&t), KernelArg::u32(2)];
    dev.launch(&launch.pipeline, launch.geometry, &args).unwrap();
    plan.run(&dev).unwrap();
    let lse = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
    close(&f32s(&plan.into_output()), &[lse - 1.5]);
}

#[test]
fn a_llama_3_vocabulary_row_matches_the_reference() {
    let dev = Device::cpu();
    let (rows, n) = (2, 128_256);
    let data: Vec<f64> = (0..rows * n).map(|i| ((i * 7919) % 1000) as f64 / 50.0 - 10.0).collect();
    for dtype in [DType::F32, DType::BF16] {
        let x = dev.from_f64(dtype, &[rows, n], &data).unwrap();
        let t = dev.upload(&[128_255i32, 17], &[rows]).unwrap();
        let got = run(&dev, LossKind::CrossEntropy, &[&x, &t], &params(0.0)).unwrap().to_f64().unwrap();
        let host = [HostTensor::new(&[rows, n], x.to_f64().unwrap()), HostTensor::new(&[rows], vec![128_255.0, 17.0])];
        let want = r::loss_op(LossKind::CrossEntropy, &host, &params(0.0), false).data;
        for (g, w) in got.iter().zip(&want) {
            // The f32 sum over 128256 terms; bf16 rounds the result.
            let tol = if dtype == DType::F32 { 1e-4 } else { 2e-2 * w.abs() };
            assert!((g - w).abs() <= tol, "{dtype}: {g} vs {w}");
        }
    }
}

fn refused(result: Result<Buffer, RuntimeError>, says: &str) {
    match result {
        Err(e) => assert!(e.to_string().contains(says), "{e}"),
        Ok(_) => panic!("expected an error saying {says}"),
    }
}

#[test]
fn bad_inputs_are_refused_with_what_is_wrong() {
    let dev = Device::cpu();
    let x = dev.upload(&[1.0f32; 6], &[2, 3]).unwrap();
    let t = dev.upload(&[0i32, 1], &[2]).unwrap();
    let ce = LossKind::CrossEntropy;
    refused(run(&dev, ce, &[&dev.upload(&[1.0f32; 6], &[6]).unwrap(), &t], &params(1.0)), "[rows, classes]");
    refused(run(&dev, ce, &[&x, &dev.upload(&[0i32; 3], &[3]).unwrap()], &params(1.0)), "target");
    refused(run(&dev, ce, &[&x, &dev.upload(&[0.0f32; 2], &[2]).unwrap()], &params(1.0)), "i32, i64");
    refused(run(&dev, ce, &[&x, &t], &params(3.0)), "reduction");
    let mut p = params(1.0);
    p.loss.ignore_index = 0.5;
    refused(run(&dev, ce, &[&x, &t], &p), "ignore_index");
    let b = dev.upload(&[1.0f32; 3], &[3]).unwrap();
    refused(run(&dev, LossKind::Mse, &[&x, &b], &params(1.0)), "target");
    refused(run(&dev, LossKind::Mse, &[&x, &x], &params(3.0)), "reduction");
    let mut p = params(1.0);
    p.loss.log_target = 2.0;
    refused(run(&dev, LossKind::KlDiv, &[&x, &x], &p), "log_target");
    refused(run(&dev, LossKind::Mse, &[&dev.upload(&[1i32; 3], &[3]).unwrap(), &b], &params(1.0)), "input");
    // Empty inputs: none gives an empty loss, mean 0/0 = NaN, sum 0.
    let e = dev.alloc(DType::F32, &[0]).unwrap();
    assert_eq!(run(&dev, LossKind::Mse, &[&e, &e], &params(0.0)).unwrap().shape(), &[0]);
    assert!(f32s(&run(&dev, LossKind::Mse, &[&e, &e], &params(1.0)).unwrap())[0].is_nan());
    assert_eq!(f32s(&run(&dev, LossKind::Mse, &[&e, &e], &params(2.0)).unwrap()), [0.0]);
}
