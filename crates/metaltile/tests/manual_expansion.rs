//! What `#[kernel]` expands to, written by hand: the DSL must trace it into verified IR.
//! `macro_expansion_computes_the_same` checks that the macro's expansion of the source form
//! below computes what this hand-written one does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metaltile::dsl::{self, *};
use metaltile::ir::{print_kernel, ConstArg, ConstArgs, ConstexprInfo, DType, IrResult, Kernel};

// Source form:
// #[kernel]
// pub fn scale_rows<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr] block: u32) {
//     let row = group_id().x;
//     let mut acc = 0.0;
//     for i in (local_id().x..n).step_by(block) {
//         if x[row * n + i] > 0.0 && i < n { acc += x[row * n + i]; } else { continue; }
//     }
//     let tile = threadgroup_array::<f32>(block);
//     tile[local_id().x] = acc as f32;
//     threadgroup_barrier();
//     y[row] = if local_id().x == 0 { acc } else { -acc };
// }
fn body<T: Float>(x: Buf<T>, y: BufMut<T>, n: Val<u32>, block: Val<u32>) {
    let row = dsl::Named::named(group_id().x, "row");
    let acc = Var::<T>::new("acc", lit_float(0.0));
    for_range(local_id().x, n, block, false, |i| {
        if_(
            and_then(gt(load(&x, row * n + i), lit_float(0.0)), || lt(i, n)),
            || acc.set(acc.get() + load(&x, row * n + i)),
            continue_,
        );
    });
    let tile = threadgroup_array::<f32>(block);
    store(&tile, local_id().x, acc.get().cast::<f32>());
    threadgroup_barrier();
    store(&y, row, if_expr(eq(local_id().x, lit_int(0)), || acc.get(), || -acc.get()));
}

const BLOCK: ConstexprInfo = ConstexprInfo { name: "block", dtype: DType::U32, default: Some(ConstArg::Int(256)) };

fn ir(dtype: Option<DType>, consts: &ConstArgs) -> IrResult<Kernel> {
    fn go<T: Float>(dtype: DType, consts: &ConstArgs) -> IrResult<Kernel> {
        trace("scale_rows", Some(dtype), || {
            let x = declare::input::<T>("x");
            let y = declare::output::<T>("y");
            let n = declare::scalar::<u32>("n");
            let block = declare::constexpr::<u32>(&BLOCK, consts)?;
            body::<T>(x, y, n, block);
            Ok(())
        })
    }
    match dtype {
        Some(DType::F32) => go::<f32>(DType::F32, consts),
        Some(DType::F16) => go::<half::f16>(DType::F16, consts),
        Some(DType::BF16) => go::<half::bf16>(DType::BF16, consts),
        _ => Err(metaltile::ir::IrError::Invalid("unsupported".into())),
    }
}

#[test]
fn traces_and_verifies_for_every_float_dtype() {
    for d in metaltile::ir::FLOAT_DTYPES {
        let k = ir(Some(d), &ConstArgs::new()).unwrap();
        assert_eq!(k.name, format!("scale_rows_{d}"));
        assert_eq!(k.arrays[0].len, 256);
        let text = print_kernel(&k);
        assert!(text.contains("threadgroup_barrier"), "{text}");
        assert!(text.contains("continue"), "{text}");
    }
}

#[test]
fn constexpr_override_changes_array_size() {
    let k = ir(Some(DType::F32), &ConstArgs::new().with("block", ConstArg::Int(64))).unwrap();
    assert_eq!(k.arrays[0].len, 64);
}

#[test]
fn non_constant_array_length_is_an_error() {
    let r = trace("bad", None, || {
        let n = declare::scalar::<u32>("n");
        let _a = threadgroup_array::<f32>(n);
        Ok(())
    });
    let e = r.unwrap_err().to_string();
    assert!(e.contains("compile-time constant"), "{e}");
}

#[test]
fn barrier_under_thread_dependent_if_is_rejected() {
    let r = trace("bad", None, || {
        if_(lt(local_id().x, lit_int(16)), threadgroup_barrier, || {});
        Ok(())
    });
    let e = r.unwrap_err().to_string();
    assert!(e.contains("barrier"), "{e}");
}

#[test]
fn storing_to_read_only_buffer_is_a_type_error_at_build_time_for_ir_users() {
    // Through the DSL this is a rustc error (Buf is not WritableMemory); the IR rejects it too.
    let mut b = metaltile::ir::Builder::new("k", None);
    let x = b.buffer_param("x", DType::F32, false);
    let i = b.value(metaltile::ir::Op::Const(metaltile::ir::Constant::u32(0))).unwrap();
    let v = b.value(metaltile::ir::Op::Const(metaltile::ir::Constant::f32(1.0))).unwrap();
    let e = b.push(metaltile::ir::Op::Store { mem: x, index: i, value: v }).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
}

#[test]
fn print_sample() {
    println!("{}", print_kernel(&ir(Some(DType::F16), &ConstArgs::new()).unwrap()));
}

/// The source form above, through the macro.
mod generated {
    use metaltile::prelude::*;

    #[kernel]
    pub fn scale_rows<T: Float>(x: &[T], y: &mut [T], n: u32, #[constexpr(default = 256)] block: u32) {
        let row = group_id().x;
        let mut acc = 0.0;
        for i in (local_id().x..n).step_by(block) {
            if x[row * n + i] > 0.0 && i < n {
                acc += x[row * n + i];
            } else {
                continue;
            }
        }
        let tile = threadgroup_array::<f32>(block);
        tile[local_id().x] = acc as f32;
        threadgroup_barrier();
        y[row] = if local_id().x == 0 { acc } else { -acc };
    }
}

#[test]
fn macro_expansion_computes_the_same() {
    use metaltile_interp::{run, Arg, Options};
    let consts = ConstArgs::new().with("block", ConstArg::Int(64));
    let manual = ir(Some(DType::F32), &consts).unwrap();
    let macro_ = generated::scale_rows::DEF.ir(Some(DType::F32), &consts).unwrap();
    let (rows, n) = (4u32, 150u32);
    let x: Vec<f32> = (0..rows * n).map(|i| ((i * 7919 % 211) as f32 - 90.0) * 0.25).collect();
    let xb: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    let outputs: Vec<Vec<u8>> = [&manual, &macro_]
        .iter()
        .map(|k| {
            let mut yb = vec![0u8; rows as usize * 4];
            let mut args = [Arg::Input(&xb), Arg::Output(&mut yb), Arg::Scalar(metaltile::ir::Constant::u32(n))];
            run(k, &metaltile::ir::Geometry::linear(rows, 64), &mut args, &Options::default()).unwrap();
            yb
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
    assert!(outputs[0].iter().any(|&b| b != 0), "the comparison must see real outputs");
}
