//! The scans' host API: hand-checked values, exact sums through every plan (lanes per row,
//! chunked rows, columns with and without spans), the masked sum's treatment of NaN, the
//! plans chosen for the bench shapes, and every error the ops report.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::{ConstArg, ConstArgs, DType};
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, OpParams, ReduceParams, ScanKind, ScanParams, StdOp, Strategy};
use metaltile_std::registry;

fn f32s(dev: &Device, v: &[f32], shape: &[usize]) -> Buffer {
    dev.upload(v, shape).unwrap()
}

fn params(axis: f32, reverse: f32) -> OpParams {
    OpParams {
        reduce: ReduceParams { axis, ..ReduceParams::default() },
        scan: ScanParams { reverse },
        ..OpParams::default()
    }
}

fn run(dev: &Device, kind: ScanKind, inputs: &[&Buffer], p: &OpParams) -> Vec<f32> {
    let plan = ops::scan_plan(dev, kind, inputs, p).unwrap();
    plan.run(dev).unwrap();
    plan.into_output().to_vec::<f32>().unwrap()
}

fn bad_param(e: RuntimeError) -> String {
    match e {
        RuntimeError::BadParameter { name, .. } => name,
        other => panic!("expected a bad parameter, got {other}"),
    }
}

#[test]
fn hand_checked_rows() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 2.0, 10.0], &[2, 4]);
    let y = |v: Buffer| v.to_vec::<f32>().unwrap();
    assert_eq!(y(ops::cumsum(&dev, &x, -1, false).unwrap()), vec![1.0, 3.0, 6.0, 10.0, -1.0, -0.5, 1.5, 11.5]);
    assert_eq!(y(ops::cumsum(&dev, &x, -1, true).unwrap()), vec![10.0, 9.0, 7.0, 4.0, 11.5, 12.5, 12.0, 10.0]);
    assert_eq!(y(ops::cumsum_exclusive(&dev, &x, 1, false).unwrap()), vec![0.0, 1.0, 3.0, 6.0, 0.0, -1.0, -0.5, 1.5]);
    assert_eq!(y(ops::cumsum_exclusive(&dev, &x, 1, true).unwrap()), vec![9.0, 7.0, 4.0, 0.0, 12.5, 12.0, 10.0, 0.0]);
    assert_eq!(y(ops::cumprod(&dev, &x, -1, false).unwrap()), vec![1.0, 2.0, 6.0, 24.0, -1.0, -0.5, -1.0, -10.0]);
    assert_eq!(y(ops::cumprod(&dev, &x, -1, true).unwrap()), vec![24.0, 24.0, 12.0, 4.0, -10.0, 10.0, 20.0, 10.0]);
    assert_eq!(
        y(ops::cumprod_exclusive(&dev, &x, -1, false).unwrap()),
        vec![1.0, 1.0, 2.0, 6.0, 1.0, -1.0, -0.5, -1.0]
    );
    assert_eq!(
        y(ops::cumprod_exclusive(&dev, &x, -1, true).unwrap()),
        vec![24.0, 12.0, 4.0, 1.0, 10.0, 20.0, 10.0, 1.0]
    );
    // Along the first axis: columns (1, -1), (2, 0.5), (3, 2), (4, 10).
    assert_eq!(y(ops::cumsum(&dev, &x, 0, false).unwrap()), vec![1.0, 2.0, 3.0, 4.0, 0.0, 2.5, 5.0, 14.0]);
    assert_eq!(y(ops::cumsum(&dev, &x, -2, true).unwrap()), vec![0.0, 2.5, 5.0, 14.0, -1.0, 0.5, 2.0, 10.0]);
}

#[test]
fn masked_off_elements_add_zero_even_when_nan_or_infinite() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[f32::NAN, 1.0, f32::INFINITY, 2.0, 3.0], &[5]);
    let mask = dev.upload_bool(&[false, true, false, true, true], &[5]).unwrap();
    let got = run(&dev, ScanKind::MaskedCumsum, &[&x, &mask], &params(-1.0, 0.0));
    assert_eq!(got, vec![0.0, 1.0, 1.0, 3.0, 6.0]);
    let got = run(&dev, ScanKind::MaskedCumsum, &[&x, &mask], &params(-1.0, 1.0));
    assert_eq!(got, vec![6.0, 6.0, 5.0, 5.0, 3.0]);
    // A kept NaN propagates to every later output, and only to those.
    let keep = dev.upload_bool(&[true; 5], &[5]).unwrap();
    let got = run(
        &dev,
        ScanKind::MaskedCumsum,
        &[&f32s(&dev, &[1.0, f32::NAN, 1.0, 1.0, 1.0], &[5]), &keep],
        &params(0.0, 0.0),
    );
    assert_eq!(got[0], 1.0);
    assert!(got[1..].iter().all(|v| v.is_nan()), "{got:?}");
}

/// Sums of ones are exact in f32 up to 2^24: any lost, doubled or misplaced carry shows.
fn ones_exact(dev: &Device, shape: &[usize], axis: f32, reverse: bool) {
    let len: usize = shape.iter().product();
    let x = f32s(dev, &vec![1.0; len], shape);
    let got = run(dev, ScanKind::Cumsum, &[&x], &params(axis, if reverse { 1.0 } else { 0.0 }));
    let rank = shape.len() as i64;
    let at = if axis < 0.0 { rank + axis as i64 } else { axis as i64 } as usize;
    let (n, inner): (usize, usize) = (shape[at], shape[at + 1..].iter().product());
    for (i, g) in got.iter().enumerate() {
        let k = (i / inner) % n;
        let want = if reverse { n - k } else { k + 1 };
        assert_eq!(*g, want as f32, "{shape:?} axis {axis} reverse {reverse}: element {i}");
    }
}

#[test]
fn every_plan_carries_exactly() {
    let dev = Device::cpu();
    for reverse in [false, true] {
        // Chunked rows (4 spans of 10240), 8-wide 16-bit layout aside, 4-wide f32.
        ones_exact(&dev, &[2, 40000], -1.0, reverse);
        // Chunked 1-wide rows.
        ones_exact(&dev, &[1, 20001], -1.0, reverse);
        // Lanes per row, several rows per simdgroup.
        ones_exact(&dev, &[9, 48], -1.0, reverse);
        // Columns cut into spans, and columns scanned whole.
        ones_exact(&dev, &[1000, 3], 0.0, reverse);
        ones_exact(&dev, &[2, 50, 7], 1.0, reverse);
    }
}

#[test]
fn exclusive_products_of_long_chunked_rows_stay_exact() {
    // Factors of ±1 keep every product exact: the carries of products combine by multiplying.
    let dev = Device::cpu();
    let n = 30000;
    let v: Vec<f32> = (0..n).map(|i| if i % 7 == 3 { -1.0 } else { 1.0 }).collect();
    let x = f32s(&dev, &v, &[1, n]);
    let got = run(&dev, ScanKind::CumprodExclusive, &[&x], &params(-1.0, 0.0));
    let mut acc = 1.0f32;
    for (i, g) in got.iter().enumerate() {
        assert_eq!(*g, acc, "element {i}");
        acc *= v[i];
    }
}

#[test]
fn bench_shapes_take_the_intended_plans() {
    // [4096, 8192]: a simdgroup per row, one launch.
    assert_eq!(ops::scan_row_plan(4096, 8192), (32, 1, 8192));
    // [262144, 64]: 4 lanes per row, 8 rows per simdgroup.
    assert_eq!(ops::scan_row_plan(262_144, 64), (4, 1, 64));
    // [32, 393216]: rows cut into spans of whole tiles, enough spans to fill a GPU.
    let (tpr, chunks, len) = ops::scan_row_plan(32, 393_216);
    assert_eq!((tpr, len % 512), (32, 0));
    assert!(chunks * 32 >= 2048 && chunks * len >= 393_216 && (chunks - 1) * len < 393_216, "{chunks} × {len}");
    // [1, 2^26]: one row, thousands of spans.
    let (_, chunks, len) = ops::scan_row_plan(1, 1 << 26);
    assert!(chunks >= 4096 && len >= ops::SCAN_MIN_CHUNK, "{chunks} × {len}");
    // [8192, 4096] along axis 0: 4096 columns are too few threads; their 8192 steps are cut.
    let (chunks, len) = ops::scan_col_plan(4096, 8192);
    assert!(chunks * 4096 >= 65_536 && chunks * len >= 8192, "{chunks} × {len}");
    assert_eq!(ops::scan_col_plan(1 << 20, 8192), (1, 8192));
}

#[test]
fn a_chunked_plan_moves_the_input_and_output_once() {
    let dev = Device::cpu();
    let x = f32s(&dev, &vec![0.5; 2 * 40000], &[2, 40000]);
    let plan = ops::scan_plan(&dev, ScanKind::Cumsum, &[&x], &OpParams::default()).unwrap();
    // Span totals, the scan of the totals, the scan of each span from its carry.
    assert_eq!(plan.launches().len(), 3);
    assert_eq!(plan.bytes_moved(), 2 * 2 * 40000 * 4);
    let mask = dev.upload_bool(&vec![true; 2 * 40000], &[2, 40000]).unwrap();
    let plan = ops::scan_plan(&dev, ScanKind::MaskedCumsum, &[&x, &mask], &OpParams::default()).unwrap();
    assert_eq!(plan.bytes_moved(), 2 * 2 * 40000 * 4 + 2 * 40000);
}

#[test]
fn empty_and_single_element_tensors() {
    let dev = Device::cpu();
    let empty = dev.alloc(DType::F32, &[3, 0]).unwrap();
    let y = ops::cumsum(&dev, &empty, -1, false).unwrap();
    assert_eq!(y.shape(), &[3, 0]);
    let one = f32s(&dev, &[-2.5], &[1]);
    assert_eq!(ops::cumsum(&dev, &one, 0, true).unwrap().to_vec::<f32>().unwrap(), vec![-2.5]);
    assert_eq!(ops::cumprod_exclusive(&dev, &one, 0, false).unwrap().to_vec::<f32>().unwrap(), vec![1.0]);
}

#[test]
fn bad_inputs_are_named() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0; 6], &[2, 3]);
    let e = ops::scan_plan(&dev, ScanKind::Cumsum, &[&x], &params(-1.0, 0.5)).unwrap_err();
    assert_eq!(bad_param(e), "reverse");
    let e = ops::scan_plan(&dev, ScanKind::Cumsum, &[&x], &params(2.0, 0.0)).unwrap_err();
    assert_eq!(bad_param(e), "axis");
    let e = ops::scan_plan(&dev, ScanKind::Cumsum, &[&x], &params(0.5, 0.0)).unwrap_err();
    assert_eq!(bad_param(e), "axis");
    let strategy = OpParams { strategy: Some(Strategy::Looped), ..OpParams::default() };
    let e = ops::scan_plan(&dev, ScanKind::Cumprod, &[&x], &strategy).unwrap_err();
    assert_eq!(bad_param(e), "strategy");
    let ints = dev.upload(&[1i32, 2, 3], &[3]).unwrap();
    let e = ops::scan_plan(&dev, ScanKind::Cumsum, &[&ints], &OpParams::default()).unwrap_err();
    assert!(matches!(e, RuntimeError::UnsupportedDType { .. }), "{e}");
    let scalar = dev.alloc(DType::F32, &[]).unwrap();
    let e = ops::scan_plan(&dev, ScanKind::Cumsum, &[&scalar], &OpParams::default()).unwrap_err();
    assert_eq!(bad_param(e), "axis");
    // The mask: bool, of x's shape, present.
    let floats = f32s(&dev, &[1.0; 6], &[2, 3]);
    let e = ops::scan_plan(&dev, ScanKind::MaskedCumsum, &[&x, &floats], &OpParams::default()).unwrap_err();
    assert!(matches!(e, RuntimeError::UnsupportedDType { ref what, .. } if what.contains("mask")), "{e}");
    let short = dev.upload_bool(&[true; 3], &[3]).unwrap();
    let e = ops::scan_plan(&dev, ScanKind::MaskedCumsum, &[&x, &short], &OpParams::default()).unwrap_err();
    assert!(matches!(e, RuntimeError::ShapeMismatch { ref what, .. } if what.contains("mask")), "{e}");
    let e = ops::scan_plan(&dev, ScanKind::MaskedCumsum, &[&x], &OpParams::default()).unwrap_err();
    assert!(matches!(e, RuntimeError::MissingInput { ref name, .. } if name == "mask"), "{e}");
}

#[test]
fn the_registry_takes_axis_and_reverse_by_name() {
    let dev = Device::cpu();
    let entry = registry::find("cumsum").unwrap();
    assert_eq!(entry.op, StdOp::Scan(ScanKind::Cumsum));
    assert_eq!(entry.op.params(), &["axis", "reverse"]);
    let x = f32s(&dev, &[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let consts = ConstArgs::new().with("axis", ConstArg::Int(0)).with("reverse", ConstArg::Int(1));
    let out = entry.invoke(&dev, &[("x", &x)], &consts).unwrap();
    assert_eq!(out[0].1.to_vec::<f32>().unwrap(), vec![4.0, 6.0, 3.0, 4.0]);
    let masked = registry::find("masked_cumsum").unwrap();
    assert_eq!(masked.op.inputs(), &["x", "mask"]);
    assert_eq!(masked.op.input_dtype(1, DType::F16), DType::Bool);
}
