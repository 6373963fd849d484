//! Atomics across threads and threadgroups: lane by lane in thread order, threadgroups one
//! after another, each thread getting the value before its own update.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{AtomicOp, Axis, BarrierScope, BinaryOp, Builtin, CmpOp, DType, Geometry, Kernel, Op};

const N: usize = 256;

/// `old[gid] = atomic op(acc[gid % slots], x[gid])`.
fn atomic_kernel(op: AtomicOp, d: DType, slots: u32) -> Kernel {
    let mut k = K::new(op.name());
    let x = k.input("x", d);
    let acc = k.output("acc", d);
    let old = k.output("old", d);
    let gid = k.gid();
    let s = k.u32(slots);
    let slot = k.bin(BinaryOp::Rem, gid, s);
    let v = k.load(x, gid);
    let r = k.v(Op::Atomic { op, mem: acc, index: slot, value: v });
    k.store(old, gid, r);
    k.finish()
}

fn run_atomic<T: Elem>(op: AtomicOp, d: DType, slots: usize, x: &[T], init: T) -> (Vec<T>, Vec<T>) {
    let k = atomic_kernel(op, d, slots as u32);
    let xb = bytes(x);
    let mut acc = bytes(&vec![init; slots]);
    let mut old = poisoned(x.len(), T::SIZE);
    let mut args = [Arg::Input(&xb), Arg::Output(&mut acc), Arg::Output(&mut old)];
    run(
        &k,
        &Geometry::linear((x.len() / 64) as u32, 64),
        &mut args,
        &Options { detect_races: true, ..Default::default() },
    )
    .unwrap();
    (elems(&acc), elems(&old))
}

/// The sequential execution in thread order: final slot values and each thread's old value.
fn sequential<T: Copy>(x: &[T], slots: usize, init: T, f: impl Fn(T, T) -> T) -> (Vec<T>, Vec<T>) {
    let mut acc = vec![init; slots];
    let old = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let o = acc[i % slots];
            acc[i % slots] = f(o, v);
            o
        })
        .collect();
    (acc, old)
}

#[test]
fn add_u32_i32_f32() {
    let xu: Vec<u32> = randu(N, 1).iter().map(|v| v >> 4).collect();
    assert_eq!(run_atomic(AtomicOp::Add, DType::U32, 4, &xu, 7), sequential(&xu, 4, 7, u32::wrapping_add));
    let xi: Vec<i32> = randu(N, 2).iter().map(|&v| v as i32 >> 8).collect();
    assert_eq!(run_atomic(AtomicOp::Add, DType::I32, 3, &xi, -5), sequential(&xi, 3, -5, i32::wrapping_add));
    let xf = randf(N, 3);
    let (acc, old) = run_atomic(AtomicOp::Add, DType::F32, 5, &xf, 0.5f32);
    let (want_acc, want_old) = sequential(&xf, 5, 0.5f32, |a, b| a + b);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&acc), bits(&want_acc));
    assert_eq!(bits(&old), bits(&want_old));
}

#[test]
fn min_max_and_bitwise() {
    let xi: Vec<i32> = randu(N, 4).iter().map(|&v| v as i32).collect();
    assert_eq!(run_atomic(AtomicOp::Min, DType::I32, 2, &xi, 0), sequential(&xi, 2, 0, i32::min));
    assert_eq!(run_atomic(AtomicOp::Max, DType::I32, 2, &xi, 0), sequential(&xi, 2, 0, i32::max));
    let xu = randu(N, 5);
    assert_eq!(run_atomic(AtomicOp::Min, DType::U32, 3, &xu, u32::MAX), sequential(&xu, 3, u32::MAX, u32::min));
    assert_eq!(run_atomic(AtomicOp::Max, DType::U32, 3, &xu, 0), sequential(&xu, 3, 0, u32::max));
    assert_eq!(run_atomic(AtomicOp::And, DType::U32, 1, &xu, u32::MAX), sequential(&xu, 1, u32::MAX, |a, b| a & b));
    assert_eq!(run_atomic(AtomicOp::Or, DType::U32, 7, &xu, 0), sequential(&xu, 7, 0, |a, b| a | b));
    assert_eq!(run_atomic(AtomicOp::Xor, DType::I32, 2, &xi, 1), sequential(&xi, 2, 1, |a, b| a ^ b));
    let xf = randf(N, 6);
    let (acc, old) = run_atomic(AtomicOp::Exchange, DType::F32, 1, &xf, 9.0f32);
    assert_eq!(acc, vec![xf[N - 1]]);
    assert_eq!(old[0], 9.0);
    assert_eq!(&old[1..], &xf[..N - 1]);
}

/// `old[gid] = cas(flag[0], expected, gid + 1)`.
#[test]
fn compare_exchange_only_the_first_thread_wins() {
    let mut k = K::new("cas");
    let flag = k.output("flag", DType::U32);
    let old = k.output("old", DType::U32);
    let gid = k.gid();
    let zero = k.u32(0);
    let one = k.u32(1);
    let desired = k.add(gid, one);
    let r = k.v(Op::AtomicCas { mem: flag, index: zero, expected: zero, desired });
    k.store(old, gid, r);
    let k = k.finish();
    let mut f = bytes(&[0u32]);
    let mut o = poisoned(N, 4);
    run(&k, &Geometry::linear(4, 64), &mut [Arg::Output(&mut f), Arg::Output(&mut o)], &Options::default()).unwrap();
    assert_eq!(elems::<u32>(&f), vec![1]);
    let got: Vec<u32> = elems(&o);
    assert_eq!(got[0], 0);
    assert!(got[1..].iter().all(|&v| v == 1));
}

#[test]
fn compare_exchange_loop_increments_once_per_thread() {
    // loop { let seen = counter[0]; if cas(counter[0], seen, seen + 1) == seen { break } }
    let mut k = K::new("cas_loop");
    let counter = k.output("counter", DType::I32);
    let tries = k.output("tries", DType::U32);
    let gid = k.gid();
    let zero = k.u32(0);
    let n = k.var("n", zero);
    k.while_(
        |k| k.bool(true),
        |k| {
            let v = k.get(n);
            let one = k.u32(1);
            let v = k.add(v, one);
            k.set(n, v);
            let zero = k.u32(0);
            let seen = k.load(counter, zero);
            let one = k.i32(1);
            let next = k.add(seen, one);
            let got = k.v(Op::AtomicCas { mem: counter, index: zero, expected: seen, desired: next });
            let won = k.cmp(CmpOp::Eq, got, seen);
            k.if_(won, |k| k.effect(Op::Break), |_| {});
        },
    );
    let v = k.get(n);
    k.store(tries, gid, v);
    let k = k.finish();
    let mut c = bytes(&[0i32]);
    let mut t = poisoned(64, 4);
    run(&k, &Geometry::linear(2, 32), &mut [Arg::Output(&mut c), Arg::Output(&mut t)], &Options::default()).unwrap();
    assert_eq!(elems::<i32>(&c), vec![64]);
    // In lockstep every lane reads the same value, so lane i of each simdgroup wins on try i + 1.
    let got: Vec<u32> = elems(&t);
    for (i, &v) in got.iter().enumerate() {
        assert_eq!(v, (i % 32) as u32 + 1, "thread {i}");
    }
}

#[test]
fn threadgroup_histogram_with_atomics() {
    // hist[lid] = 0; barrier; atomic_add(hist[x[gid] % 8], 1); barrier; out[group*8 + lid] = hist[lid]
    let mut k = K::new("hist");
    let x = k.input("x", DType::U32);
    let out = k.output("out", DType::U32);
    let hist = k.shared("hist", DType::U32, 8);
    let gid = k.gid();
    let lid = k.lid();
    let eight = k.u32(8);
    let small = k.cmp(CmpOp::Lt, lid, eight);
    k.if_(
        small,
        |k| {
            let z = k.u32(0);
            k.store(hist, lid, z)
        },
        |_| {},
    );
    k.effect(Op::Barrier(BarrierScope::Threadgroup));
    let v = k.load(x, gid);
    let bin = k.bin(BinaryOp::Rem, v, eight);
    let one = k.u32(1);
    k.v(Op::Atomic { op: AtomicOp::Add, mem: hist, index: bin, value: one });
    k.effect(Op::Barrier(BarrierScope::Threadgroup));
    k.if_(
        small,
        |k| {
            let g = k.builtin(Builtin::GroupId(Axis::X));
            let base = k.mul(g, eight);
            let at = k.add(base, lid);
            let h = k.load(hist, lid);
            k.store(out, at, h)
        },
        |_| {},
    );
    let k = k.finish();
    let xs = randu(N, 7);
    let xb = bytes(&xs);
    let mut o = poisoned(32, 4);
    let opts = Options { detect_races: true, ..Default::default() };
    run(&k, &Geometry::linear(4, 64), &mut [Arg::Input(&xb), Arg::Output(&mut o)], &opts).unwrap();
    let got: Vec<u32> = elems(&o);
    for g in 0..4 {
        let mut want = [0u32; 8];
        xs[g * 64..(g + 1) * 64].iter().for_each(|v| want[(v % 8) as usize] += 1);
        assert_eq!(&got[g * 8..(g + 1) * 8], &want, "group {g}");
    }
}

#[test]
fn atomic_out_of_bounds_is_an_error() {
    let k = atomic_kernel(AtomicOp::Add, DType::U32, 4);
    let xb = bytes(&[1u32; 64]);
    let mut acc = bytes(&[0u32; 3]);
    let mut old = poisoned(64, 4);
    let e = run(
        &k,
        &Geometry::linear(1, 64),
        &mut [Arg::Input(&xb), Arg::Output(&mut acc), Arg::Output(&mut old)],
        &Options::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("atomic") && msg.contains("`acc`") && msg.contains("index 3") && msg.contains("length 3"),
        "{msg}"
    );
}
