//! Every simdgroup collective against a plain Rust computation over each group of 32 lanes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{CmpOp, DType, Geometry, SimdOp};

const THREADS: usize = 128;

/// `out[gid] = op(x[gid], lane[gid])` for `THREADS` threads in threadgroups of 64.
fn collective<T: Elem, R: Elem>(op: SimdOp, d: DType, x: &[T], lanes: &[u32]) -> Vec<R> {
    let mut k = K::new(op.name());
    let xm = k.input("x", d);
    let lm = k.input("lane", DType::U32);
    let out = k.output("out", op.result_dtype(d));
    let gid = k.gid();
    let v = k.load(xm, gid);
    let l = k.load(lm, gid);
    let r = k.simd(op, v, op.has_lane_operand().then_some(l));
    k.store(out, gid, r);
    let k = k.finish();
    let (xb, lb) = (bytes(x), bytes(lanes));
    let mut o = poisoned(THREADS, R::SIZE);
    let mut args = [Arg::Input(&xb), Arg::Input(&lb), Arg::Output(&mut o)];
    run(&k, &Geometry::linear((THREADS / 64) as u32, 64), &mut args, &Options::default()).unwrap();
    elems(&o)
}

/// Per simdgroup: the 32 values a lane function gives.
fn per_group<T: Copy, R>(x: &[T], f: impl Fn(&[T], usize) -> R) -> Vec<R> {
    x.chunks(32).flat_map(|g| (0..32).map(|l| f(g, l)).collect::<Vec<_>>()).collect()
}

fn f32_bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn reductions_fold_left_to_right_in_lane_order() {
    let x = randf(THREADS, 21);
    let lanes = vec![0u32; THREADS];
    type Fold = fn(f32, f32) -> f32;
    let cases: [(SimdOp, Fold); 4] = [
        (SimdOp::Sum, |a, b| a + b),
        (SimdOp::Product, |a, b| a * b),
        (SimdOp::Max, f32::max),
        (SimdOp::Min, f32::min),
    ];
    for (op, f) in cases {
        let got: Vec<f32> = collective(op, DType::F32, &x, &lanes);
        let want = per_group(&x, |g, _| g[1..].iter().fold(g[0], |a, &b| f(a, b)));
        assert_eq!(f32_bits(&got), f32_bits(&want), "{op:?}");
    }
}

#[test]
fn max_ignores_nan_lanes() {
    let mut x = randf(THREADS, 22);
    x[0] = f32::NAN;
    x[33] = f32::NAN;
    let got: Vec<f32> = collective(SimdOp::Max, DType::F32, &x, &[0; THREADS]);
    let want0 = x[1..32].iter().copied().fold(f32::NEG_INFINITY, f32::max);
    assert_eq!(got[5], want0);
    assert!(!got[40].is_nan());
}

#[test]
fn integer_sum_wraps() {
    let x: Vec<i32> = (0..THREADS as i32).map(|i| i32::MAX - i).collect();
    let got: Vec<i32> = collective(SimdOp::Sum, DType::I32, &x, &[0; THREADS]);
    let want = per_group(&x, |g, _| g.iter().fold(0i32, |a, &b| a.wrapping_add(b)));
    assert_eq!(got, want);
}

#[test]
fn prefix_sums() {
    let x = randf(THREADS, 23);
    let inc: Vec<f32> = collective(SimdOp::PrefixSum, DType::F32, &x, &[0; THREADS]);
    let want_inc = per_group(&x, |g, l| g[1..=l].iter().fold(g[0], |a, &b| a + b));
    assert_eq!(f32_bits(&inc), f32_bits(&want_inc));
    let exc: Vec<f32> = collective(SimdOp::PrefixSumExclusive, DType::F32, &x, &[0; THREADS]);
    let want_exc = per_group(&x, |g, l| if l == 0 { 0.0 } else { g[1..l].iter().fold(g[0], |a, &b| a + b) });
    assert_eq!(f32_bits(&exc), f32_bits(&want_exc));
    let xi: Vec<u32> = randu(THREADS, 24);
    let exc_i: Vec<u32> = collective(SimdOp::PrefixSumExclusive, DType::U32, &xi, &[0; THREADS]);
    let want_i = per_group(&xi, |g, l| g[..l].iter().fold(0u32, |a, &b| a.wrapping_add(b)));
    assert_eq!(exc_i, want_i);
}

#[test]
fn shuffles() {
    let x: Vec<u32> = randu(THREADS, 25);
    let src: Vec<u32> = randu(THREADS, 26).iter().map(|v| v % 100).collect();
    let got: Vec<u32> = collective(SimdOp::Shuffle, DType::U32, &x, &src);
    for (i, &v) in got.iter().enumerate() {
        let base = i / 32 * 32;
        assert_eq!(v, x[base + (src[i] % 32) as usize], "shuffle lane {i}");
    }
    let masks: Vec<u32> = (0..THREADS as u32).map(|i| (i * 7) % 32).collect();
    let got: Vec<u32> = collective(SimdOp::ShuffleXor, DType::U32, &x, &masks);
    for (i, &v) in got.iter().enumerate() {
        let base = i / 32 * 32;
        assert_eq!(v, x[base + ((i % 32) ^ masks[i] as usize)], "xor lane {i}");
    }
    for delta in [0u32, 1, 5, 31, 32, 40] {
        let d = vec![delta; THREADS];
        let up: Vec<u32> = collective(SimdOp::ShuffleUp, DType::U32, &x, &d);
        let down: Vec<u32> = collective(SimdOp::ShuffleDown, DType::U32, &x, &d);
        let want_up = per_group(&x, |g, l| if l < delta as usize { g[l] } else { g[l - delta as usize] });
        let want_down = per_group(&x, |g, l| if l + delta as usize >= 32 { g[l] } else { g[l + delta as usize] });
        assert_eq!(up, want_up, "up {delta}");
        assert_eq!(down, want_down, "down {delta}");
    }
}

#[test]
fn broadcast_takes_the_named_lane() {
    let x = randf(THREADS, 27);
    for src in [0u32, 7, 31, 45] {
        let got: Vec<f32> = collective(SimdOp::Broadcast, DType::F32, &x, &vec![src; THREADS]);
        let want = per_group(&x, |g, _| g[(src % 32) as usize]);
        assert_eq!(f32_bits(&got), f32_bits(&want));
    }
}

/// `out[gid] = op(x[gid] > threshold)` for the bool collectives.
fn vote<R: Elem>(op: SimdOp, x: &[u32], threshold: u32) -> Vec<R> {
    let mut k = K::new(op.name());
    let xm = k.input("x", DType::U32);
    let out = k.output("out", op.result_dtype(DType::Bool));
    let gid = k.gid();
    let v = k.load(xm, gid);
    let t = k.u32(threshold);
    let c = k.cmp(CmpOp::Gt, v, t);
    let r = k.simd(op, c, None);
    k.store(out, gid, r);
    let k = k.finish();
    let xb = bytes(x);
    let mut o = poisoned(x.len(), R::SIZE);
    run(&k, &Geometry::linear(1, x.len() as u32), &mut [Arg::Input(&xb), Arg::Output(&mut o)], &Options::default())
        .unwrap();
    elems(&o)
}

#[test]
fn votes() {
    // Group 0 all above, group 1 none above, groups 2 and 3 mixed.
    let mut x = vec![10u32; 32];
    x.extend(vec![0u32; 32]);
    x.extend((0..64).map(|i| if i % 3 == 0 { 10 } else { 0 }));
    let any: Vec<bool> = vote(SimdOp::Any, &x, 5);
    let all: Vec<bool> = vote(SimdOp::All, &x, 5);
    let ballot: Vec<u32> = vote(SimdOp::Ballot, &x, 5);
    assert_eq!(any, per_group(&x, |g, _| g.iter().any(|&v| v > 5)));
    assert_eq!(all, per_group(&x, |g, _| g.iter().all(|&v| v > 5)));
    let want = per_group(&x, |g, _| g.iter().enumerate().fold(0u32, |m, (i, &v)| m | (u32::from(v > 5) << i)));
    assert_eq!(ballot, want);
    assert_eq!(ballot[0], u32::MAX);
    assert_eq!(ballot[32], 0);
}

#[test]
fn half_precision_sum_rounds_at_every_step() {
    use half::f16;
    let x: Vec<f16> = randf(THREADS, 28).iter().map(|&v| f16::from_f32(v * 300.0)).collect();
    let got: Vec<f16> = collective(SimdOp::Sum, DType::F16, &x, &[0; THREADS]);
    let want = per_group(&x, |g, _| g[1..].iter().fold(g[0], |a, &b| f16::from_f32(a.to_f32() + b.to_f32())));
    let bits = |v: &[f16]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&want));
}
