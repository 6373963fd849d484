//! The normalization variants' host API: add_rms_norm is the unfused sequence in the dtype
//! bit for bit (add, then rms_norm of the stored sum) under every strategy; every strategy of
//! the row variants matches the f64 reference; group_norm and batch_norm at hand-computed
//! values; and every error the ops report for bad operands and parameters.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::{DType, FLOAT_DTYPES};
use metaltile_runtime::{Buffer, Device, RuntimeError};
use metaltile_std::ops::{self, BinaryKind, NormKind, OpParams, RowStrategy, StdOp, Strategy};
use metaltile_std::registry;
use metaltile_std::tensor::HostTensor;
use metaltile_std::testing::{check_outputs, inputs, upload, Case, CaseKind};

fn f32s(dev: &Device, v: &[f32], shape: &[usize]) -> Buffer {
    dev.upload(v, shape).unwrap()
}

/// The text of an error, which must name every one of `what`.
fn names(e: RuntimeError, what: &[&str]) {
    let text = e.to_string();
    for w in what {
        assert!(text.contains(w), "`{text}` does not name {w}");
    }
}

/// The strategies of the row variants for rows of `n`, each forced.
fn strategies(n: u32) -> [RowStrategy; 3] {
    let tpr = n.div_ceil(8).next_power_of_two();
    [RowStrategy::Registers { per_thread: 8, tpr }, RowStrategy::Looped, RowStrategy::Split { chunks: 3 }]
}

/// Inputs of `kind` in `dtype` at `shape` as the oracle draws them, on `dev`, and the values
/// the device holds.
fn case_inputs(
    dev: &Device,
    kind: NormKind,
    dtype: DType,
    shape: &[usize],
    seed: u64,
) -> (Vec<Buffer>, Vec<HostTensor>) {
    let case = Case {
        dtype,
        shape: shape.to_vec(),
        seed,
        kind: CaseKind::Random,
        label: "host test".into(),
        params: OpParams::default(),
    };
    let host = inputs::generate(StdOp::Norm(kind), &case);
    let buffers = upload(dev, StdOp::Norm(kind), dtype, &host).unwrap();
    let held = buffers.iter().map(|b| HostTensor::new(b.shape(), b.to_f64().unwrap())).collect();
    (buffers, held)
}

#[test]
fn add_rms_norm_is_the_unfused_sequence_bit_for_bit() {
    let dev = Device::cpu();
    // 2100 columns: 8 a thread in registers, several tiles looped, three chunks split.
    let (rows, n) = (3usize, 2100u32);
    for dtype in FLOAT_DTYPES {
        let (b, _) = case_inputs(&dev, NormKind::AddRmsNorm, dtype, &[rows, n as usize], 7);
        let sum = ops::binary(&dev, BinaryKind::Add, &b[0], &b[1]).unwrap();
        for s in strategies(n) {
            let plan = ops::add_rms_norm_plan_with(&dev, &b[0], &b[1], &b[2], 1e-5, Some(s)).unwrap();
            plan.run(&dev).unwrap();
            let outs = plan.into_outputs();
            assert_eq!(outs.iter().map(|(n, _)| *n).collect::<Vec<_>>(), ["h", "y"]);
            let (h, y) = (&outs[0].1, &outs[1].1);
            assert_eq!(h.to_bytes().unwrap(), sum.to_bytes().unwrap(), "{dtype} {s:?}: h");
            let unfused = ops::rms_norm_plan_with(&dev, &sum, &b[2], 1e-5, Some(s)).unwrap();
            unfused.run(&dev).unwrap();
            assert_eq!(y.to_bytes().unwrap(), unfused.into_output().to_bytes().unwrap(), "{dtype} {s:?}: y");
        }
    }
}

#[test]
fn every_strategy_of_the_row_variants_matches_the_reference() {
    let dev = Device::cpu();
    for kind in [NormKind::AddRmsNorm, NormKind::RmsNormGated] {
        let entry = registry::find(kind.name()).unwrap();
        for dtype in FLOAT_DTYPES {
            // A length not a multiple of 4 (scalar layout) and one of 8 (16-byte packs).
            for n in [2003u32, 2104] {
                let (b, held) = case_inputs(&dev, kind, dtype, &[3, n as usize], 11);
                for s in strategies(n) {
                    let params = OpParams { strategy: Some(Strategy::from(s)), ..OpParams::default() };
                    let plan = StdOp::Norm(kind).plan(&dev, &b.iter().collect::<Vec<_>>(), &params).unwrap();
                    plan.run(&dev).unwrap();
                    let c = check_outputs(&entry, &held, &plan, &params).unwrap();
                    assert!(c.passed(), "{} {dtype} n={n} {s:?}: {:?}", kind.name(), c.first_mismatch);
                }
            }
        }
    }
}

#[test]
fn rms_norm_gated_gates_after_the_norm() {
    let dev = Device::cpu();
    // x = (3, 4): rms = √12.5; w = (1, 2); z = (0, large): silu(0) = 0 zeroes the first.
    let x = f32s(&dev, &[3.0, 4.0], &[1, 2]);
    let z = f32s(&dev, &[0.0, 30.0], &[1, 2]);
    let w = f32s(&dev, &[1.0, 2.0], &[2]);
    let y = ops::rms_norm_gated(&dev, &x, &z, &w, 0.0).unwrap().to_vec::<f32>().unwrap();
    let want = 4.0 / 12.5f32.sqrt() * 2.0 * 30.0;
    assert_eq!(y[0], 0.0);
    assert!((y[1] - want).abs() <= 1e-5 * want, "{y:?}");
}

#[test]
fn group_norm_and_batch_norm_by_hand() {
    let dev = Device::cpu();
    // [1, 2, 2], two groups of one channel: (1, 3) and (2, 4) both normalize to (-1, 1).
    let x = f32s(&dev, &[1.0, 3.0, 2.0, 4.0], &[1, 2, 2]);
    let w = f32s(&dev, &[2.0, 1.0], &[2]);
    let b = f32s(&dev, &[0.5, -1.0], &[2]);
    let y = ops::group_norm(&dev, &x, &w, &b, 2, 0.0).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(y, [-1.5, 2.5, -2.0, 0.0]);
    // batch_norm of [2, 2, 1]: channel 0 mean 1 var 4 weight 2, channel 1 mean 0 var 1 bias 1.
    let x = f32s(&dev, &[1.0, 2.0, 3.0, 4.0], &[2, 2, 1]);
    let mean = f32s(&dev, &[1.0, 0.0], &[2]);
    let var = f32s(&dev, &[4.0, 1.0], &[2]);
    let w = f32s(&dev, &[2.0, 1.0], &[2]);
    let b = f32s(&dev, &[0.0, 1.0], &[2]);
    let y = ops::batch_norm(&dev, &x, &mean, &var, &w, &b, 0.0).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(y, [0.0, 3.0, 2.0, 5.0]);
}

#[test]
fn bad_operands_and_parameters_are_named() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0; 8], &[2, 4]);
    let w3 = f32s(&dev, &[1.0; 3], &[3]);
    let w4 = f32s(&dev, &[1.0; 4], &[4]);
    names(ops::add_rms_norm(&dev, &x, &x, &w3, 1e-5).unwrap_err(), &["add_rms_norm", "`w`", "[4]", "[3]"]);
    let other = f32s(&dev, &[1.0; 8], &[4, 2]);
    names(ops::add_rms_norm(&dev, &x, &other, &w4, 1e-5).unwrap_err(), &["`res`", "[2, 4]", "[4, 2]"]);
    names(ops::rms_norm_gated(&dev, &x, &other, &w4, 1e-5).unwrap_err(), &["rms_norm_gated", "`z`"]);
    names(ops::rms_norm_gated(&dev, &x, &x, &w4, -1.0).unwrap_err(), &["eps", "non-negative"]);
    let half = dev.from_f64(DType::F16, &[4], &[1.0; 4]).unwrap();
    names(ops::add_rms_norm(&dev, &x, &x, &half, 1e-5).unwrap_err(), &["`w`", "f16"]);
    // group_norm: groups must divide the channels; x must have a channel axis.
    let c = f32s(&dev, &[1.0; 4], &[4]);
    names(ops::group_norm(&dev, &x, &c, &c, 3, 1e-5).unwrap_err(), &["groups", "4 channels", "3"]);
    names(ops::group_norm(&dev, &x, &c, &c, 0, 1e-5).unwrap_err(), &["groups"]);
    names(ops::group_norm(&dev, &c, &c, &c, 1, 1e-5).unwrap_err(), &["group_norm", "rank 1"]);
    let c2 = f32s(&dev, &[1.0; 2], &[2]);
    names(ops::group_norm(&dev, &x, &c2, &c, 2, 1e-5).unwrap_err(), &["`w`", "[4]", "[2]"]);
    // batch_norm: every per-channel operand has C elements.
    let xb = f32s(&dev, &[1.0; 8], &[2, 2, 2]);
    names(ops::batch_norm(&dev, &xb, &c2, &c, &c2, &c2, 1e-5).unwrap_err(), &["batch_norm", "`var`", "[2]", "[4]"]);
    names(ops::batch_norm(&dev, &c, &c, &c, &c, &c, 1e-5).unwrap_err(), &["batch_norm", "rank 1"]);
    // The per-channel ops have one plan each: a strategy is refused, by name.
    let params = OpParams { strategy: Some(Strategy::Looped), ..OpParams::default() };
    let e = StdOp::Norm(NormKind::BatchNorm).plan(&dev, &[&xb, &c2, &c2, &c2, &c2], &params).unwrap_err();
    names(e, &["strategy"]);
    // groups by name through the registry, and refused when it is not whole.
    let entry = registry::find("group_norm").unwrap();
    assert_eq!(entry.op.params(), &["groups", "eps"]);
    let mut p = OpParams::default();
    entry.check_params(&mut p, "groups", &[2.0]).unwrap();
    assert_eq!(p.norm.groups, 2.0);
    let e = StdOp::Norm(NormKind::GroupNorm)
        .plan(&dev, &[&x, &c, &c], &OpParams { norm: ops::NormParams { groups: 1.5 }, ..OpParams::default() })
        .unwrap_err();
    names(e, &["groups", "1.5"]);
}

#[test]
fn empty_inputs_give_empty_outputs() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[], &[0, 4]);
    let w = f32s(&dev, &[1.0; 4], &[4]);
    let (h, y) = ops::add_rms_norm(&dev, &x, &x, &w, 1e-5).unwrap();
    assert_eq!((h.shape(), y.shape()), (&[0usize, 4][..], &[0usize, 4][..]));
    let x = f32s(&dev, &[], &[0, 4, 3]);
    assert_eq!(ops::group_norm(&dev, &x, &w, &w, 2, 1e-5).unwrap().shape(), &[0, 4, 3]);
    assert_eq!(ops::batch_norm(&dev, &x, &w, &w, &w, &w, 1e-5).unwrap().shape(), &[0, 4, 3]);
}

#[test]
fn layer_norm_takes_its_affine_parts_optionally() {
    let dev = Device::cpu();
    // Rows long enough for every strategy's layout choice not to matter: 3 of 1000.
    for dtype in FLOAT_DTYPES {
        // add_rms_norm's draws: x [3, 1000] and a weight [1000] near 1.
        let (b, held) = case_inputs(&dev, NormKind::AddRmsNorm, dtype, &[3, 1000], 5);
        let (x, w, w_held) = (&b[0], &b[2], &held[2].data);
        let tol = dtype.tolerance();
        let check = |got: Buffer, wv: &[f64]| {
            let got = got.to_f64().unwrap();
            let want: Vec<f64> = held[0]
                .data
                .chunks(1000)
                .flat_map(|row| metaltile_std::reference::layer_norm_row(row, wv, &[0.0; 1000], 1e-5))
                .collect();
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= tol.atol + tol.rtol * w.abs(), "{dtype}: {g} against {w}");
            }
        };
        check(ops::layer_norm_plain(&dev, x, 1e-5).unwrap(), &[1.0; 1000]);
        check(ops::layer_norm_weight(&dev, x, w, 1e-5).unwrap(), w_held);
    }
    // A weight of the wrong length is named as layer_norm names it.
    let x = f32s(&dev, &[1.0; 8], &[2, 4]);
    names(ops::layer_norm_weight(&dev, &x, &f32s(&dev, &[1.0; 3], &[3]), 1e-5).unwrap_err(), &["`w`", "[4]", "[3]"]);
}
