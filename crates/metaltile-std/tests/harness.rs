//! The test harness itself: inputs honour domains and carry the edge cases, failures are
//! reported rather than hidden, filters select what they name.

#![allow(clippy::unwrap_used, clippy::panic)]

use metaltile_ir::DType;
use metaltile_runtime::Device;
use metaltile_std::ops::{BinaryKind, StdOp, UnaryKind};
use metaltile_std::registry;
use metaltile_std::testing::inputs::{domain, generate, Domain, SPECIALS};
use metaltile_std::testing::{cases, run_case, run_suite, selects, Case, CaseKind};

fn case(shape: &[usize], kind: CaseKind) -> Case {
    Case { dtype: DType::F32, shape: shape.to_vec(), seed: 9, kind, label: "t".into(), params: Default::default() }
}

#[test]
fn random_inputs_stay_in_the_domain_and_depend_on_the_seed() {
    let op = StdOp::Unary(UnaryKind::Log);
    let x = &generate(op, &case(&[500], CaseKind::Random))[0];
    assert_eq!(x.shape, vec![500]);
    assert!(x.data.iter().all(|v| *v > 0.0 && *v < 10.0));
    let other = Case { seed: 10, ..case(&[500], CaseKind::Random) };
    assert_ne!(generate(op, &other)[0].data, x.data);
    assert_eq!(generate(op, &case(&[500], CaseKind::Random))[0].data, x.data);
    let div = generate(StdOp::Binary(BinaryKind::Div), &case(&[500], CaseKind::Random));
    assert!(matches!(domain(StdOp::Binary(BinaryKind::Div), 1), Domain::SignedMagnitude(..)));
    assert!(div[1].data.iter().all(|v| v.abs() >= 0.25));
}

#[test]
fn special_cases_carry_every_special_value() {
    let x = &generate(StdOp::Unary(UnaryKind::Exp), &case(&[600], CaseKind::Specials))[0];
    for s in SPECIALS {
        assert!(x.data.iter().any(|v| v.to_bits() == s.to_bits()), "{s}");
    }
    let ab = generate(StdOp::Binary(BinaryKind::Max), &case(&[600], CaseKind::Specials));
    for a in SPECIALS {
        for b in SPECIALS {
            let found = ab[0]
                .data
                .iter()
                .zip(&ab[1].data)
                .any(|(x, y)| x.to_bits() == a.to_bits() && y.to_bits() == b.to_bits());
            assert!(found, "({a}, {b})");
        }
    }
    let rows = &generate(StdOp::Softmax, &case(&[8, 77], CaseKind::Specials))[0];
    let row = |r: usize| &rows.data[r * 77..(r + 1) * 77];
    assert!(row(0).iter().any(|v| v.is_nan()));
    assert!(row(1).contains(&f64::INFINITY));
    assert!(row(2).contains(&f64::NEG_INFINITY));
    assert!(row(4).iter().all(|v| v.to_bits() == (-0.0f64).to_bits()));
    assert!(row(7).iter().all(|v| v.is_finite()));
}

#[test]
fn large_cases_scale_the_data() {
    let op = StdOp::Reduce(metaltile_std::ops::ReduceKind::Sum);
    let big = &generate(op, &case(&[4, 100], CaseKind::Large))[0];
    assert!(big.data.iter().any(|v| v.abs() > 100.0));
}

#[test]
fn norm_weights_are_one_row() {
    let t = generate(StdOp::LayerNorm, &case(&[3, 40], CaseKind::Random));
    assert_eq!(t.iter().map(|t| t.shape.clone()).collect::<Vec<_>>(), vec![vec![3, 40], vec![40], vec![40]]);
}

#[test]
fn a_case_that_cannot_run_fails_with_its_error() {
    let dev = Device::cpu();
    let exp = registry::find("exp").unwrap();
    let bad = Case { dtype: DType::I32, ..case(&[10], CaseKind::Random) };
    let r = run_case(&dev, &exp, &bad);
    assert!(!r.passed);
    assert!(r.error.as_deref().unwrap().contains("not supported"), "{r:?}");
    let good = run_case(&dev, &exp, &case(&[10], CaseKind::Random));
    assert!(good.passed && good.error.is_none(), "{good:?}");
    let json = serde_json::to_string(&good).unwrap();
    assert!(json.contains("\"dtype\":\"f32\"") && json.contains("\"kernel\":\"exp\""), "{json}");
}

#[test]
fn filters_select_families_and_names() {
    let reduce: Vec<_> = registry::all().into_iter().filter(|e| selects(Some("reduce"), e)).collect();
    assert_eq!(
        reduce.iter().map(|e| e.name()).collect::<Vec<_>>(),
        vec![
            "sum_rows",
            "max_rows",
            "min_rows",
            "mean_rows",
            "prod_rows",
            "l1_norm_rows",
            "l2_norm_rows",
            "logsumexp_rows",
            "var_rows",
            "std_rows",
            "argmax_rows",
            "argmin_rows"
        ]
    );
    assert!(registry::all().iter().all(|e| selects(None, e)));
    let names =
        |f: &str| registry::all().into_iter().filter(|e| selects(Some(f), e)).map(|e| e.name()).collect::<Vec<_>>();
    // A whole name picks that kernel alone; a part of names, every kernel it is part of.
    assert_eq!(names("exp"), vec!["exp"]);
    assert_eq!(names("erf"), vec!["erf"]);
    assert_eq!(names("exp2"), vec!["exp2"]);
    assert_eq!(names("expm"), vec!["expm1"]);
    assert_eq!(names("sigmoid"), vec!["sigmoid"]);
    assert_eq!(names("sigm"), vec!["sigmoid", "logsigmoid", "hardsigmoid"]);
    // A family's name picks that family alone, not the kernels whose names contain it.
    assert_eq!(
        names("norm"),
        vec!["rms_norm", "layer_norm", "add_rms_norm", "rms_norm_gated", "group_norm", "batch_norm"]
    );
    assert_eq!(names("norm_rows"), vec!["l1_norm_rows", "l2_norm_rows"]);
    let dev = Device::cpu();
    let mut seen = 0;
    let results = run_suite(&dev, Some("gelu_tanh"), &mut |_| seen += 1);
    let expected = cases(&registry::find("gelu_tanh").unwrap()).len();
    assert_eq!((results.len(), seen), (expected, expected));
    assert!(results.iter().all(|r| r.kernel == "gelu_tanh" && r.passed));
}
