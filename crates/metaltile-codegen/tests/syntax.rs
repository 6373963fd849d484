//! Every test kernel, for every dtype it has, compiles for both targets against the
//! declaration headers (checked with the host C++ compiler, warnings as errors).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use metaltile::ir::{DType, Kernel, ALL_DTYPES};
use metaltile_codegen::check::syntax_check_many;
use metaltile_codegen::{emit, Target};

fn check_all(kernels: &[Kernel]) {
    let mut sources = Vec::new();
    for k in kernels {
        for t in Target::ALL {
            sources.push((emit(k, t).unwrap(), t, k.name.clone()));
        }
    }
    let files: Vec<(&str, Target)> = sources.iter().map(|(s, t, _)| (s.as_str(), *t)).collect();
    if let Err(e) = syntax_check_many(&files) {
        let names: Vec<String> = sources.iter().enumerate().map(|(i, (_, t, n))| format!("#{i} {n} {t}")).collect();
        panic!("{e}\nfiles: {names:?}");
    }
}

#[test]
fn dsl_kernels_compile_for_every_float_dtype() {
    let mut ks = Vec::new();
    for (_, build) in common::dsl_kernels() {
        for d in common::float_dtypes() {
            ks.push(build(d));
        }
    }
    check_all(&ks);
}

#[test]
fn every_op_on_every_dtype_compiles() {
    let ks: Vec<Kernel> = ALL_DTYPES.iter().map(|&d| common::every_op(d)).collect();
    check_all(&ks);
}

#[test]
fn every_control_flow_form_compiles() {
    let ks: Vec<Kernel> =
        [DType::F32, DType::F16, DType::BF16, DType::I8, DType::U64].iter().map(|&d| common::control_flow(d)).collect();
    check_all(&ks);
}

#[test]
fn awkward_source_names_compile() {
    check_all(&[common::awkward_names()]);
}
