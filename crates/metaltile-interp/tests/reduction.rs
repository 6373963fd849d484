//! Row reductions through threadgroup memory and barriers, and through simdgroup sums; the
//! expected values repeat the kernels' summation order in plain Rust, so they are bit-exact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{Axis, BarrierScope, BinaryOp, Builtin, CmpOp, DType, Geometry, Kernel, Op, SimdOp, ValueId};

const GROUP: u32 = 64;

/// Per thread: acc = sum of x[row*cols + i] for i in (lid..cols).step_by(GROUP).
fn partial_sums(k: &mut K, x: metaltile_ir::MemRef, cols: ValueId) -> ValueId {
    let row = k.builtin(Builtin::GroupId(Axis::X));
    let lid = k.lid();
    let base = k.mul(row, cols);
    let zero = k.f32(0.0);
    let acc = k.var("acc", zero);
    let step = k.builtin(Builtin::GroupSize(Axis::X));
    k.for_(lid, cols, step, false, |k, i| {
        let at = k.add(base, i);
        let v = k.load(x, at);
        let a = k.get(acc);
        let s = k.add(a, v);
        k.set(acc, s);
    });
    k.get(acc)
}

fn tree_kernel() -> Kernel {
    let mut k = K::new("row_sum_tree");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let cols = k.scalar("cols", DType::U32);
    let sh = k.shared("partial", DType::F32, GROUP);
    let acc = partial_sums(&mut k, x, cols);
    let lid = k.lid();
    k.store(sh, lid, acc);
    k.effect(Op::Barrier(BarrierScope::Threadgroup));
    let half = k.u32(GROUP / 2);
    let stride = k.var("stride", half);
    k.while_(
        |k| {
            let s = k.get(stride);
            let zero = k.u32(0);
            k.cmp(CmpOp::Gt, s, zero)
        },
        |k| {
            let s = k.get(stride);
            let active = k.cmp(CmpOp::Lt, lid, s);
            k.if_(
                active,
                |k| {
                    let other = k.add(lid, s);
                    let a = k.load(sh, lid);
                    let b = k.load(sh, other);
                    let sum = k.add(a, b);
                    k.store(sh, lid, sum);
                },
                |_| {},
            );
            k.effect(Op::Barrier(BarrierScope::Threadgroup));
            let two = k.u32(2);
            let next = k.bin(BinaryOp::Div, s, two);
            k.set(stride, next);
        },
    );
    let zero = k.u32(0);
    let first = k.cmp(CmpOp::Eq, lid, zero);
    k.if_(
        first,
        |k| {
            let row = k.builtin(Builtin::GroupId(Axis::X));
            let v = k.load(sh, zero);
            k.store(out, row, v);
        },
        |_| {},
    );
    k.finish()
}

fn simd_kernel() -> Kernel {
    let mut k = K::new("row_sum_simd");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let cols = k.scalar("cols", DType::U32);
    let sh = k.shared("per_simdgroup", DType::F32, 32);
    let acc = partial_sums(&mut k, x, cols);
    let v = k.simd(SimdOp::Sum, acc, None);
    let lane = k.builtin(Builtin::Lane);
    let sg = k.builtin(Builtin::SimdGroup);
    let zero = k.u32(0);
    let lane0 = k.cmp(CmpOp::Eq, lane, zero);
    k.if_(lane0, |k| k.store(sh, sg, v), |_| {});
    k.effect(Op::Barrier(BarrierScope::Threadgroup));
    let sg0 = k.cmp(CmpOp::Eq, sg, zero);
    k.if_(
        sg0,
        |k| {
            let nsg = k.builtin(Builtin::NumSimdGroups);
            let have = k.cmp(CmpOp::Lt, lane, nsg);
            let w = k.if_expr(have, |k| k.load(sh, lane), |k| k.f32(0.0));
            let total = k.simd(SimdOp::Sum, w, None);
            k.if_(
                lane0,
                |k| {
                    let row = k.builtin(Builtin::GroupId(Axis::X));
                    k.store(out, row, total)
                },
                |_| {},
            );
        },
        |_| {},
    );
    k.finish()
}

fn partials(row: &[f32]) -> Vec<f32> {
    (0..GROUP as usize).map(|l| row.iter().skip(l).step_by(GROUP as usize).fold(0.0f32, |a, &b| a + b)).collect()
}

fn tree_reference(row: &[f32]) -> f32 {
    let mut s = partials(row);
    let mut stride = s.len() / 2;
    while stride > 0 {
        for l in 0..stride {
            s[l] += s[l + stride];
        }
        stride /= 2;
    }
    s[0]
}

fn simd_reference(row: &[f32]) -> f32 {
    let p = partials(row);
    let per_sg: Vec<f32> = p.chunks(32).map(|c| c[1..].iter().fold(c[0], |a, &b| a + b)).collect();
    let mut lanes = per_sg.clone();
    lanes.resize(32, 0.0);
    lanes[1..].iter().fold(lanes[0], |a, &b| a + b)
}

fn run_rows(k: &Kernel, x: &[f32], rows: usize, cols: usize, detect_races: bool) -> (Vec<f32>, u64) {
    let xb = bytes(x);
    let mut o = poisoned(rows, 4);
    let mut args = [Arg::Input(&xb), Arg::Output(&mut o), Arg::Scalar(metaltile_ir::Constant::u32(cols as u32))];
    let opts = Options { detect_races, ..Options::default() };
    let stats = run(k, &Geometry::linear(rows as u32, GROUP), &mut args, &opts).unwrap();
    (elems(&o), stats.lane_ops)
}

#[test]
fn tree_reduction_through_threadgroup_memory() {
    let k = tree_kernel();
    for (rows, cols) in [(3, 1), (4, 50), (2, 64), (5, 1000)] {
        let x = randf(rows * cols, cols as u64);
        for detect in [false, true] {
            let (got, _) = run_rows(&k, &x, rows, cols, detect);
            for r in 0..rows {
                let want = tree_reference(&x[r * cols..(r + 1) * cols]);
                assert_eq!(got[r].to_bits(), want.to_bits(), "row {r} of {rows}x{cols}");
            }
        }
    }
}

#[test]
fn simd_sum_reduction() {
    let k = simd_kernel();
    for (rows, cols) in [(2, 7), (3, 64), (4, 999)] {
        let x = randf(rows * cols, 100 + cols as u64);
        for detect in [false, true] {
            let (got, lane_ops) = run_rows(&k, &x, rows, cols, detect);
            assert!(lane_ops > 0);
            for r in 0..rows {
                let want = simd_reference(&x[r * cols..(r + 1) * cols]);
                assert_eq!(got[r].to_bits(), want.to_bits(), "row {r} of {rows}x{cols}");
            }
        }
    }
}
