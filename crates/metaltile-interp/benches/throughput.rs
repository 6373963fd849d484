//! Interpreter throughput in lane-ops per second (one lane-op = one instruction for one
//! active thread) on two kernels: an elementwise `out = x * a + y` and a row sum through a
//! simdgroup sum and threadgroup memory. Plain `std::time`; run with
//! `cargo bench -p metaltile-interp`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{Axis, BarrierScope, Builtin, CmpOp, Constant, DType, Geometry, Kernel, Op, SimdOp};
use std::time::{Duration, Instant};

fn axpy() -> Kernel {
    let mut k = K::new("axpy");
    let x = k.input("x", DType::F32);
    let y = k.input("y", DType::F32);
    let out = k.output("out", DType::F32);
    let a = k.scalar("a", DType::F32);
    let n = k.scalar("n", DType::U32);
    let gid = k.gid();
    let inside = k.cmp(CmpOp::Lt, gid, n);
    k.if_(
        inside,
        |k| {
            let xv = k.load(x, gid);
            let yv = k.load(y, gid);
            let m = k.mul(xv, a);
            let s = k.add(m, yv);
            k.store(out, gid, s);
        },
        |_| {},
    );
    k.finish()
}

fn row_sum() -> Kernel {
    let mut k = K::new("row_sum");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let cols = k.scalar("cols", DType::U32);
    let sh = k.shared("partial", DType::F32, 32);
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
    let a = k.get(acc);
    let v = k.simd(SimdOp::Sum, a, None);
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
            k.if_(lane0, |k| k.store(out, row, total), |_| {});
        },
        |_| {},
    );
    k.finish()
}

/// Run `launch` until at least `min` has passed; the best lane-ops per second of the runs.
fn measure(name: &str, min: Duration, mut launch: impl FnMut() -> u64) {
    let mut best = 0.0f64;
    let mut total = Duration::ZERO;
    let mut runs = 0;
    while total < min || runs < 3 {
        let t = Instant::now();
        let ops = launch();
        let dt = t.elapsed();
        total += dt;
        runs += 1;
        best = best.max(ops as f64 / dt.as_secs_f64());
    }
    println!("{name:<40} {:>8.1} M lane-ops/s  ({runs} runs)", best / 1e6);
}

fn main() {
    let min = Duration::from_secs(2);
    let n = 1 << 20;
    let k = axpy();
    let (x, y) = (bytes(&randf(n, 1)), bytes(&randf(n, 2)));
    let mut out = vec![0u8; n * 4];
    for (group, detect) in [(256, false), (32, false), (256, true)] {
        let label = format!("axpy f32 n=2^20 tg={group}{}", if detect { " races" } else { "" });
        let opts = Options { detect_races: detect, ..Options::default() };
        measure(&label, min, || {
            let mut args = [
                Arg::Input(&x),
                Arg::Input(&y),
                Arg::Output(&mut out),
                Arg::Scalar(Constant::f32(0.5)),
                Arg::Scalar(Constant::u32(n as u32)),
            ];
            run(&k, &Geometry::cover(n as u64, group), &mut args, &opts).map(|s| s.lane_ops).unwrap_or(0)
        });
    }

    let (rows, cols) = (512usize, 4096usize);
    let k = row_sum();
    let x = bytes(&randf(rows * cols, 3));
    let mut out = vec![0u8; rows * 4];
    for detect in [false, true] {
        let label = format!("row_sum f32 {rows}x{cols} tg=256{}", if detect { " races" } else { "" });
        let opts = Options { detect_races: detect, ..Options::default() };
        measure(&label, min, || {
            let mut args = [Arg::Input(&x), Arg::Output(&mut out), Arg::Scalar(Constant::u32(cols as u32))];
            run(&k, &Geometry::linear(rows as u32, 256), &mut args, &opts).map(|s| s.lane_ops).unwrap_or(0)
        });
    }
}
