//! Every error path of emission and checking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use metaltile::ir::{ArraySpace, Builder, Constant, DType, Inst, MemRef, Op, ValueId};
use metaltile_codegen::check::{compiler_on, syntax_check, syntax_check_many};
use metaltile_codegen::{emit, CheckError, CodegenError, Target};

#[test]
fn targets_parse_and_print() {
    for t in Target::ALL {
        assert_eq!(t.to_string().parse::<Target>(), Ok(t));
    }
    assert_eq!("msl".parse::<Target>(), Ok(Target::Msl));
    assert_eq!("cuda".parse::<Target>(), Ok(Target::Cuda));
    let e = "metal".parse::<Target>().unwrap_err().to_string();
    assert!(e.contains("metal") && e.contains("msl") && e.contains("cuda"), "{e}");
}

#[test]
fn invalid_ir_is_rejected_before_printing() {
    let mut k = common::silu(DType::F32);
    // A store of a value that is never defined.
    k.body
        .insts
        .push(Inst { result: None, op: Op::Store { mem: MemRef::Param(1), index: ValueId(0), value: ValueId(9999) } });
    for t in Target::ALL {
        match emit(&k, t) {
            Err(CodegenError::InvalidKernel { kernel, .. }) => assert_eq!(kernel, "silu_f32"),
            other => panic!("expected InvalidKernel, got {other:?}"),
        }
    }
}

fn with_shared_floats(len: u32) -> metaltile::ir::Kernel {
    let mut b = Builder::new("big_shared", None);
    let y = b.buffer_param("y", DType::F32, true);
    let tile = b.array("tile", DType::F32, len, ArraySpace::Threadgroup).unwrap();
    let i = b.value(Op::Const(Constant::u32(0))).unwrap();
    let v = b.value(Op::Load { mem: tile, index: i, lanes: 1 }).unwrap();
    b.push(Op::Store { mem: y, index: i, value: v }).unwrap();
    b.finish().unwrap()
}

#[test]
fn threadgroup_memory_beyond_the_target_limit_is_unsupported() {
    // 40 KiB: over Metal's 32 KiB, under CUDA's 48 KiB of static shared memory.
    let k = with_shared_floats(10 * 1024);
    match emit(&k, Target::Msl) {
        Err(CodegenError::Unsupported { target: Target::Msl, what, .. }) => {
            assert!(what.contains("40960 bytes") && what.contains("32768"), "{what}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert!(emit(&k, Target::Cuda).is_ok());
    let k = with_shared_floats(16 * 1024);
    let e = emit(&k, Target::Cuda).unwrap_err().to_string();
    assert!(e.contains("big_shared") && e.contains("cuda") && e.contains("49152"), "{e}");
}

#[test]
fn missing_compiler_says_how_to_install_one() {
    let e = compiler_on(std::ffi::OsStr::new("")).unwrap_err();
    assert!(matches!(e, CheckError::NoCompiler { .. }));
    let msg = e.to_string();
    assert!(msg.contains("c++, g++, clang++") && msg.contains("apt-get install g++"), "{msg}");
}

#[test]
fn rejected_files_are_named_with_their_diagnostics() {
    let good = emit(&common::silu(DType::F32), Target::Msl).unwrap();
    let bad = good.replace("precise::exp(v7)", "precise::exp(v7, v7)");
    assert_ne!(good, bad);
    match syntax_check_many(&[(&good, Target::Msl), (&bad, Target::Msl), (&good, Target::Msl)]) {
        Err(CheckError::Rejected { failures, .. }) => {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].index, 1);
            assert_eq!(failures[0].target, Target::Msl);
            assert!(failures[0].diagnostics.contains("exp"), "{}", failures[0].diagnostics);
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[test]
fn the_headers_reject_what_the_targets_reject() {
    // Wrong arity of a Metal simd function.
    let msl = "#include <metal_stdlib>\nusing namespace metal;\nkernel void k(device float* y [[buffer(0)]]) { y[0] = simd_sum(y[0], y[1]); }\n";
    assert!(matches!(syntax_check(msl, Target::Msl), Err(CheckError::Rejected { .. })));
    // Metal has no simd_sum on 64-bit integers.
    let msl64 = "#include <metal_stdlib>\nusing namespace metal;\nkernel void k(device long* y [[buffer(0)]]) { y[0] = simd_sum(y[0]); }\n";
    assert!(matches!(syntax_check(msl64, Target::Msl), Err(CheckError::Rejected { .. })));
    // __half without <cuda_fp16.h>.
    let cu = "extern \"C\" __global__ void k(__half* y) { y[0] = y[1]; }\n";
    assert!(matches!(syntax_check(cu, Target::Cuda), Err(CheckError::Rejected { .. })));
    let cu_ok = format!("#include <cuda_fp16.h>\n{cu}");
    syntax_check(&cu_ok, Target::Cuda).unwrap();
    // Warnings are errors: an unused variable.
    let unused = "extern \"C\" __global__ void k(float* y) { const float t = y[0]; }\n";
    assert!(matches!(syntax_check(unused, Target::Cuda), Err(CheckError::Rejected { .. })));
}

#[test]
fn checking_nothing_succeeds() {
    syntax_check_many(&[]).unwrap();
}
