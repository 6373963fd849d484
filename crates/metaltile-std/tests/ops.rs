//! The host op API: results on small hand-checked inputs, and every error it reports.

#![allow(clippy::unwrap_used, clippy::panic)]

use half::{bf16, f16};
use metaltile_ir::DType;
use metaltile_runtime::{Device, RuntimeError};
use metaltile_std::ops::{self, BinaryKind, ReduceKind, UnaryKind};

fn f32s(dev: &Device, v: &[f32], shape: &[usize]) -> metaltile_runtime::Buffer {
    dev.upload(v, shape).unwrap()
}

#[test]
fn elementwise_ops_compute_and_keep_the_shape() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 4.0, 9.0, 16.0, 25.0, 36.0], &[2, 3]);
    let y = ops::sqrt(&dev, &x).unwrap();
    assert_eq!(y.shape(), &[2, 3]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let z = ops::sub(&dev, &y, &x).unwrap();
    assert_eq!(z.to_vec::<f32>().unwrap(), vec![0.0, -2.0, -6.0, -12.0, -20.0, -30.0]);
    let m = ops::maximum(&dev, &x, &dev.upload(&[f32::NAN, 5.0, 1.0, 1.0, 1.0, 1.0], &[2, 3]).unwrap()).unwrap();
    let m = m.to_vec::<f32>().unwrap();
    assert!(m[0].is_nan());
    assert_eq!(&m[1..], &[5.0, 9.0, 16.0, 25.0, 36.0]);
}

#[test]
fn every_named_wrapper_runs_its_kernel() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[0.5, 1.5], &[2]);
    let unary = [
        (ops::exp as fn(&Device, &_) -> _, UnaryKind::Exp),
        (ops::exp2, UnaryKind::Exp2),
        (ops::expm1, UnaryKind::Expm1),
        (ops::log, UnaryKind::Log),
        (ops::log2, UnaryKind::Log2),
        (ops::log10, UnaryKind::Log10),
        (ops::log1p, UnaryKind::Log1p),
        (ops::sqrt, UnaryKind::Sqrt),
        (ops::rsqrt, UnaryKind::Rsqrt),
        (ops::cbrt, UnaryKind::Cbrt),
        (ops::abs, UnaryKind::Abs),
        (ops::neg, UnaryKind::Neg),
        (ops::sign, UnaryKind::Sign),
        (ops::ceil, UnaryKind::Ceil),
        (ops::floor, UnaryKind::Floor),
        (ops::round, UnaryKind::Round),
        (ops::trunc, UnaryKind::Trunc),
        (ops::recip, UnaryKind::Recip),
        (ops::square, UnaryKind::Square),
        (ops::sin, UnaryKind::Sin),
        (ops::cos, UnaryKind::Cos),
        (ops::tan, UnaryKind::Tan),
        (ops::asin, UnaryKind::Asin),
        (ops::acos, UnaryKind::Acos),
        (ops::atan, UnaryKind::Atan),
        (ops::sinh, UnaryKind::Sinh),
        (ops::cosh, UnaryKind::Cosh),
        (ops::tanh, UnaryKind::Tanh),
        (ops::asinh, UnaryKind::Asinh),
        (ops::acosh, UnaryKind::Acosh),
        (ops::atanh, UnaryKind::Atanh),
        (ops::erf, UnaryKind::Erf),
        (ops::erfinv, UnaryKind::Erfinv),
        (ops::sigmoid, UnaryKind::Sigmoid),
        (ops::logsigmoid, UnaryKind::Logsigmoid),
        (ops::silu, UnaryKind::Silu),
        (ops::gelu, UnaryKind::Gelu),
        (ops::gelu_tanh, UnaryKind::GeluTanh),
        (ops::relu, UnaryKind::Relu),
        (ops::selu, UnaryKind::Selu),
        (ops::softplus, UnaryKind::Softplus),
        (ops::softsign, UnaryKind::Softsign),
        (ops::mish, UnaryKind::Mish),
        (ops::hardsigmoid, UnaryKind::Hardsigmoid),
        (ops::hardswish, UnaryKind::Hardswish),
        (ops::isnan, UnaryKind::Isnan),
        (ops::isinf, UnaryKind::Isinf),
        (ops::isfinite, UnaryKind::Isfinite),
    ];
    // The ops with parameters have wrappers of their own (`unary_params_reach_the_kernel`).
    assert_eq!(unary.len() + 3, UnaryKind::ALL.len());
    for (f, k) in unary {
        let named = f(&dev, &x).unwrap().to_bytes().unwrap();
        assert_eq!(named, ops::unary(&dev, k, &x).unwrap().to_bytes().unwrap(), "{}", k.name());
    }
    let binary = [
        (ops::add as fn(&Device, &_, &_) -> _, BinaryKind::Add),
        (ops::sub, BinaryKind::Sub),
        (ops::mul, BinaryKind::Mul),
        (ops::div, BinaryKind::Div),
        (ops::maximum, BinaryKind::Max),
        (ops::minimum, BinaryKind::Min),
        (ops::pow, BinaryKind::Pow),
        (ops::atan2, BinaryKind::Atan2),
        (ops::remainder, BinaryKind::Remainder),
        (ops::fmod, BinaryKind::Fmod),
        (ops::logaddexp, BinaryKind::Logaddexp),
        (ops::eq, BinaryKind::Eq),
        (ops::ne, BinaryKind::Ne),
        (ops::lt, BinaryKind::Lt),
        (ops::le, BinaryKind::Le),
        (ops::gt, BinaryKind::Gt),
        (ops::ge, BinaryKind::Ge),
        (ops::logical_and, BinaryKind::LogicalAnd),
        (ops::logical_or, BinaryKind::LogicalOr),
        (ops::logical_xor, BinaryKind::LogicalXor),
    ];
    assert_eq!(binary.len(), BinaryKind::ALL.len());
    let b = f32s(&dev, &[2.0, -1.0], &[2]);
    for (f, k) in binary {
        let named = f(&dev, &x, &b).unwrap().to_bytes().unwrap();
        assert_eq!(named, ops::binary(&dev, k, &x, &b).unwrap().to_bytes().unwrap(), "{}", k.name());
    }
    for (f, k) in [
        (ops::sum_rows as fn(&Device, &_) -> _, ReduceKind::Sum),
        (ops::max_rows, ReduceKind::Max),
        (ops::min_rows, ReduceKind::Min),
    ] {
        let named = f(&dev, &x).unwrap().to_bytes().unwrap();
        assert_eq!(named, ops::reduce_rows(&dev, k, &x).unwrap().to_bytes().unwrap(), "{}", k.name());
    }
}

#[test]
fn row_ops_reduce_the_last_axis() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0, 3.0, -1.0, -5.0, 0.5], &[2, 3]);
    let s = ops::sum_rows(&dev, &x).unwrap();
    assert_eq!(s.shape(), &[2]);
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![6.0, -5.5]);
    assert_eq!(ops::max_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap(), vec![3.0, 0.5]);
    assert_eq!(ops::min_rows(&dev, &x).unwrap().to_vec::<f32>().unwrap(), vec![1.0, -5.0]);
    let sm = ops::softmax(&dev, &x).unwrap().to_vec::<f32>().unwrap();
    assert!((sm[0] + sm[1] + sm[2] - 1.0).abs() < 1e-6 && sm[2] > sm[1] && sm[1] > sm[0]);
    let w = f32s(&dev, &[1.0, 1.0, 1.0], &[3]);
    let b = f32s(&dev, &[0.0, 0.0, 0.0], &[3]);
    let ln = ops::layer_norm(&dev, &x, &w, &b, 0.0).unwrap().to_vec::<f32>().unwrap();
    assert!((ln[0] + ln[2]).abs() < 1e-6 && ln[1].abs() < 1e-6);
    let rms = ops::rms_norm(&dev, &f32s(&dev, &[3.0, 4.0], &[1, 2]), &f32s(&dev, &[1.0, 1.0], &[2]), 0.0).unwrap();
    let r = (12.5f32).sqrt();
    let got = rms.to_vec::<f32>().unwrap();
    assert!((got[0] - 3.0 / r).abs() < 1e-6 && (got[1] - 4.0 / r).abs() < 1e-6, "{got:?}");
}

#[test]
fn reductions_of_a_vector_give_a_scalar_and_empty_inputs_are_fine() {
    let dev = Device::cpu();
    let s = ops::sum_rows(&dev, &f32s(&dev, &[1.0, 2.0], &[2])).unwrap();
    assert_eq!(s.shape(), &[] as &[usize]);
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![3.0]);
    // Zero rows, and rows of zero elements (a sum of nothing is 0).
    let empty_rows = dev.alloc(DType::F32, &[0, 4]).unwrap();
    assert!(ops::sum_rows(&dev, &empty_rows).unwrap().is_empty());
    assert!(ops::exp(&dev, &empty_rows).unwrap().is_empty());
    assert!(ops::softmax(&dev, &empty_rows).unwrap().is_empty());
    let zero_len = dev.alloc(DType::F32, &[3, 0]).unwrap();
    assert_eq!(ops::sum_rows(&dev, &zero_len).unwrap().to_vec::<f32>().unwrap(), vec![0.0; 3]);
}

#[test]
fn half_types_round_once() {
    let dev = Device::cpu();
    let x = dev.upload(&[f16::from_f32(1.0), f16::from_f32(2.0)], &[2]).unwrap();
    let y = ops::exp(&dev, &x).unwrap().to_vec::<f16>().unwrap();
    assert_eq!(y, vec![f16::from_f32(1f32.exp()), f16::from_f32(2f32.exp())]);
    let b = dev.upload(&[bf16::from_f32(3.0)], &[1]).unwrap();
    assert_eq!(ops::mul(&dev, &b, &b).unwrap().to_vec::<bf16>().unwrap(), vec![bf16::from_f32(9.0)]);
}

#[test]
fn integer_inputs_are_rejected_by_name() {
    let dev = Device::cpu();
    let x = dev.upload(&[1i32, 2], &[2]).unwrap();
    let e = ops::exp(&dev, &x).unwrap_err();
    assert!(matches!(&e, RuntimeError::UnsupportedDType { dtype: DType::I32, .. }), "{e}");
    assert!(e.to_string().contains("`exp`, input `x`"), "{e}");
    assert!(e.to_string().contains("f32, f16, bf16"), "{e}");
    let e = ops::softmax(&dev, &x).unwrap_err();
    assert!(matches!(e, RuntimeError::UnsupportedDType { .. }), "{e}");
}

#[test]
fn binary_operands_must_match() {
    let dev = Device::cpu();
    let a = f32s(&dev, &[1.0; 6], &[2, 3]);
    let e = ops::add(&dev, &a, &f32s(&dev, &[1.0; 6], &[3, 2])).unwrap_err();
    assert!(
        matches!(&e, RuntimeError::ShapeMismatch { expected, found, .. } if expected == &[2, 3] && found == &[3, 2])
    );
    assert!(e.to_string().contains("`add`, input `b`"), "{e}");
    let h = dev.upload(&[f16::ONE; 6], &[2, 3]).unwrap();
    let e = ops::pow(&dev, &a, &h).unwrap_err();
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::F32, found: DType::F16, .. }), "{e}");
}

#[test]
fn binary_operands_broadcast_or_fail_naming_both_shapes() {
    let dev = Device::cpu();
    let a = f32s(&dev, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let y = ops::add(&dev, &a, &f32s(&dev, &[10.0, 20.0, 30.0], &[3])).unwrap();
    assert_eq!(y.shape(), &[2, 3]);
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
    let y = ops::sub(&dev, &f32s(&dev, &[1.0, 2.0], &[2, 1]), &a).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, -1.0, -2.0, -2.0, -3.0, -4.0]);
    let e = ops::mul(&dev, &a, &f32s(&dev, &[1.0, 2.0], &[2])).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { expected, found, .. } if expected == &[2, 3] && found == &[2]));
    assert!(
        e.to_string().contains("[2, 3]") && e.to_string().contains("[2]") && e.to_string().contains("`mul`"),
        "{e}"
    );
    let h = dev.upload(&[f16::ONE; 3], &[3]).unwrap();
    let e = ops::add(&dev, &a, &h).unwrap_err();
    assert!(matches!(e, RuntimeError::DTypeMismatch { expected: DType::F32, found: DType::F16, .. }), "{e}");
    let i = dev.upload(&[1i32; 6], &[2, 3]).unwrap();
    let e = ops::binary_scalar(&dev, BinaryKind::Add, &i, 1.0).unwrap_err();
    assert!(matches!(e, RuntimeError::UnsupportedDType { dtype: DType::I32, .. }), "{e}");
    // More than six axes longer than 1 are refused by the strided kernel.
    let big = f32s(&dev, &[0.0; 128], &[2, 2, 2, 2, 2, 2, 2]);
    let e = ops::add(&dev, &big, &f32s(&dev, &[0.0; 2], &[2, 1])).unwrap_err();
    assert!(matches!(e, RuntimeError::InvalidShape { .. }), "{e}");
}

#[test]
fn scalar_operands_and_bool_outputs() {
    let dev = Device::cpu();
    let a = f32s(&dev, &[-7.0, 7.0, 0.5, f32::NAN], &[2, 2]);
    let y = ops::binary_scalar(&dev, BinaryKind::Remainder, &a, 3.0).unwrap();
    let y = y.to_vec::<f32>().unwrap();
    assert_eq!(&y[..3], &[2.0, 1.0, 0.5]);
    assert!(y[3].is_nan());
    let y = ops::scalar_binary(&dev, BinaryKind::Sub, 1.0, &a).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(&y[..3], &[8.0, -6.0, 0.5]);
    let y = ops::binary_scalar(&dev, BinaryKind::Fmod, &a, -3.0).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(&y[..3], &[-1.0, 1.0, 0.5]);
    let t = ops::binary_scalar(&dev, BinaryKind::Gt, &a, 0.0).unwrap();
    assert_eq!(t.dtype(), DType::Bool);
    assert_eq!(t.to_bytes().unwrap(), vec![0, 1, 1, 0]);
    let t = ops::scalar_binary(&dev, BinaryKind::Lt, 0.0, &a).unwrap();
    assert_eq!(t.to_bytes().unwrap(), vec![0, 1, 1, 0]);
    let t = ops::logical_and(&dev, &a, &f32s(&dev, &[1.0, 0.0], &[2])).unwrap();
    assert_eq!((t.dtype(), t.shape()), (DType::Bool, &[2, 2][..]));
    assert_eq!(t.to_bytes().unwrap(), vec![1, 0, 1, 0]);
}

#[test]
fn norm_weights_must_have_one_row_of_the_input_dtype() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0; 8], &[2, 4]);
    let w = f32s(&dev, &[1.0; 4], &[4]);
    let e = ops::rms_norm(&dev, &x, &f32s(&dev, &[1.0; 8], &[8]), 1e-5).unwrap_err();
    assert!(matches!(&e, RuntimeError::ShapeMismatch { expected, .. } if expected == &[4]), "{e}");
    assert!(e.to_string().contains("input `w`"), "{e}");
    let bad_b = dev.upload(&[bf16::ONE; 4], &[4]).unwrap();
    let e = ops::layer_norm(&dev, &x, &w, &bad_b, 1e-5).unwrap_err();
    assert!(matches!(&e, RuntimeError::DTypeMismatch { what, .. } if what.contains("input `b`")), "{e}");
    let e = ops::rms_norm(&dev, &x, &w, f32::NAN).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "eps"), "{e}");
    let e = ops::layer_norm(&dev, &x, &w, &w, -1.0).unwrap_err();
    assert!(matches!(e, RuntimeError::BadParameter { .. }), "{e}");
}

#[test]
fn shapes_without_rows_are_rejected() {
    let dev = Device::cpu();
    let scalar = dev.upload(&[1.0f32], &[]).unwrap();
    let e = ops::softmax(&dev, &scalar).unwrap_err();
    assert!(matches!(e, RuntimeError::InvalidShape { .. }), "{e}");
    assert!(e.to_string().contains("last axis"), "{e}");
    let e = ops::max_rows(&dev, &dev.alloc(DType::F32, &[2, 0]).unwrap()).unwrap_err();
    assert!(e.to_string().contains("empty row"), "{e}");
}

#[test]
fn ops_read_inputs_without_changing_them_and_outputs_are_new() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0, 2.0], &[2]);
    let y = ops::neg(&dev, &x).unwrap();
    assert!(!y.shares_memory(&x));
    assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
    // A read-only view is a fine input.
    assert_eq!(ops::neg(&dev, &x.read_only()).unwrap().to_vec::<f32>().unwrap(), vec![-1.0, -2.0]);
}

#[test]
fn unary_params_reach_the_kernel() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[-2.0, -0.5, 0.5, 3.0], &[4]);
    let y = |b: metaltile_runtime::Result<metaltile_runtime::Buffer>| b.unwrap().to_vec::<f32>().unwrap();
    assert_eq!(y(ops::leaky_relu(&dev, &x, 0.25)), vec![-0.5, -0.125, 0.5, 3.0]);
    let elu = y(ops::elu(&dev, &x, 2.0));
    assert!((elu[0] - 2.0 * (-2f32).exp_m1()).abs() < 1e-6 && elu[2..] == [0.5, 3.0], "{elu:?}");
    assert_eq!(y(ops::hardtanh(&dev, &x, -1.0, 2.0)), vec![-1.0, -0.5, 0.5, 2.0]);
    // Without parameters, torch's defaults.
    assert_eq!(y(ops::unary(&dev, UnaryKind::LeakyRelu, &x)), vec![-0.02, -0.005, 0.5, 3.0]);
    assert_eq!(y(ops::unary(&dev, UnaryKind::Hardtanh, &x)), vec![-1.0, -0.5, 0.5, 1.0]);
    let elu1 = y(ops::unary(&dev, UnaryKind::Elu, &x));
    assert!((elu1[0] - (-2f32).exp_m1()).abs() < 1e-6, "{elu1:?}");
}

#[test]
fn unary_params_are_checked() {
    let dev = Device::cpu();
    let x = f32s(&dev, &[1.0], &[1]);
    let e = ops::hardtanh(&dev, &x, 1.0, -1.0).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "min_val"), "{e}");
    assert!(e.to_string().contains("max_val"), "{e}");
    let e = ops::leaky_relu(&dev, &x, f32::NAN).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "negative_slope"), "{e}");
    let e = ops::elu(&dev, &x, f32::INFINITY).unwrap_err();
    assert!(matches!(&e, RuntimeError::BadParameter { name, .. } if name == "alpha"), "{e}");
    // Equal bounds are a constant function, not an error.
    assert_eq!(ops::hardtanh(&dev, &x, 0.5, 0.5).unwrap().to_vec::<f32>().unwrap(), vec![0.5]);
}

#[test]
fn class_tests_give_bools_of_the_input_shape() {
    let dev = Device::cpu();
    let v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -1.5, 7.0];
    let x = f32s(&dev, &v, &[2, 3]);
    let y = ops::isnan(&dev, &x).unwrap();
    assert_eq!((y.dtype(), y.shape()), (DType::Bool, &[2, 3][..]));
    assert_eq!(y.to_vec::<bool>().unwrap(), vec![true, false, false, false, false, false]);
    assert_eq!(ops::isinf(&dev, &x).unwrap().to_vec::<bool>().unwrap(), vec![false, true, true, false, false, false]);
    assert_eq!(ops::isfinite(&dev, &x).unwrap().to_vec::<bool>().unwrap(), vec![false, false, false, true, true, true]);
    // f16 overflows to ∞ where f32 does not.
    let h = dev.upload(&[f16::from_f32(65504.0), f16::INFINITY, f16::NAN], &[3]).unwrap();
    assert_eq!(ops::isinf(&dev, &h).unwrap().to_vec::<bool>().unwrap(), vec![false, true, false]);
    assert_eq!(ops::isfinite(&dev, &h).unwrap().to_vec::<bool>().unwrap(), vec![true, false, false]);
}
