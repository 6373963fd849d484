//! Divergent control flow: if / if-expressions, for with per-thread bounds, break, continue,
//! while, early return, dead code after terminators.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{BinaryOp, CmpOp, DType, Geometry, Kernel, Op, ValueId};

const N: usize = 96;

fn run_u32(k: &Kernel, outputs: usize) -> Vec<Vec<u32>> {
    let mut bufs: Vec<Vec<u8>> = (0..outputs).map(|_| poisoned(N, 4)).collect();
    let mut args: Vec<Arg> = bufs.iter_mut().map(|b| Arg::Output(b)).collect();
    run(k, &Geometry::linear((N / 32) as u32, 32), &mut args, &Options::default()).unwrap();
    bufs.iter().map(|b| elems(b)).collect()
}

const POISON: u32 = 0xcdcd_cdcd;

fn rem(k: &mut K, a: ValueId, m: u32) -> ValueId {
    let m = k.u32(m);
    k.bin(BinaryOp::Rem, a, m)
}

fn is(k: &mut K, a: ValueId, v: u32) -> ValueId {
    let v = k.u32(v);
    k.cmp(CmpOp::Eq, a, v)
}

#[test]
fn divergent_if_and_nested_if_expressions() {
    let mut k = K::new("branches");
    let out = k.output("out", DType::U32);
    let out2 = k.output("out2", DType::U32);
    let t = k.gid();
    let m3 = rem(&mut k, t, 3);
    let c0 = is(&mut k, m3, 0);
    let r = k.if_expr(
        c0,
        |k| {
            let two = k.u32(2);
            k.mul(t, two)
        },
        |k| {
            let c1 = is(k, m3, 1);
            k.if_expr(
                c1,
                |k| {
                    let h = k.u32(100);
                    k.add(t, h)
                },
                |k| k.u32(7),
            )
        },
    );
    k.store(out, t, r);
    let m2 = rem(&mut k, t, 2);
    let even = is(&mut k, m2, 0);
    k.if_(
        even,
        |k| {
            let one = k.u32(1);
            k.store(out2, t, one)
        },
        |k| {
            let two = k.u32(2);
            k.store(out2, t, two)
        },
    );
    let got = run_u32(&k.finish(), 2);
    for t in 0..N as u32 {
        let want = match t % 3 {
            0 => t * 2,
            1 => t + 100,
            _ => 7,
        };
        assert_eq!(got[0][t as usize], want);
        assert_eq!(got[1][t as usize], if t % 2 == 0 { 1 } else { 2 });
    }
}

#[test]
fn for_with_per_thread_bounds_step_break_and_continue() {
    // acc = sum of odd i in (t%4 .. 20+t%7).step_by(1+t%3), stopping at i == t%5+10.
    for inclusive in [false, true] {
        let mut k = K::new("loops");
        let out = k.output("out", DType::U32);
        let iters = k.output("iters", DType::U32);
        let t = k.gid();
        let start = rem(&mut k, t, 4);
        let m7 = rem(&mut k, t, 7);
        let twenty = k.u32(20);
        let end = k.add(twenty, m7);
        let m3 = rem(&mut k, t, 3);
        let one = k.u32(1);
        let step = k.add(one, m3);
        let m5 = rem(&mut k, t, 5);
        let ten = k.u32(10);
        let stop = k.add(m5, ten);
        let zero = k.u32(0);
        let acc = k.var("acc", zero);
        let count = k.var("count", zero);
        k.for_(start, end, step, inclusive, |k, i| {
            let c = k.get(count);
            let one = k.u32(1);
            let c = k.add(c, one);
            k.set(count, c);
            let hit = k.cmp(CmpOp::Eq, i, stop);
            k.if_(hit, |k| k.effect(Op::Break), |_| {});
            let m2 = rem(k, i, 2);
            let even = is(k, m2, 0);
            k.if_(even, |k| k.effect(Op::Continue), |_| {});
            let a = k.get(acc);
            let a = k.add(a, i);
            k.set(acc, a);
        });
        let a = k.get(acc);
        k.store(out, t, a);
        let c = k.get(count);
        k.store(iters, t, c);
        let got = run_u32(&k.finish(), 2);
        for t in 0..N as u32 {
            let (mut acc, mut count) = (0, 0);
            let end = 20 + t % 7;
            let mut i = t % 4;
            while i < end || (inclusive && i == end) {
                count += 1;
                if i == t % 5 + 10 {
                    break;
                }
                if i % 2 == 1 {
                    acc += i;
                }
                i += 1 + t % 3;
            }
            assert_eq!((got[0][t as usize], got[1][t as usize]), (acc, count), "thread {t} inclusive {inclusive}");
        }
    }
}

#[test]
fn nested_loops_break_only_the_inner_one() {
    // for a in 0..5 { for b in 0..10 { if b == a + t%3 { break } acc += 1 } acc += 100 }
    let mut k = K::new("nested");
    let out = k.output("out", DType::U32);
    let t = k.gid();
    let m3 = rem(&mut k, t, 3);
    let zero = k.u32(0);
    let one = k.u32(1);
    let five = k.u32(5);
    let ten = k.u32(10);
    let acc = k.var("acc", zero);
    k.for_(zero, five, one, false, |k, a| {
        k.for_(zero, ten, one, false, |k, b| {
            let lim = k.add(a, m3);
            let hit = k.cmp(CmpOp::Eq, b, lim);
            k.if_(hit, |k| k.effect(Op::Break), |_| {});
            let v = k.get(acc);
            let v = k.add(v, one);
            k.set(acc, v);
        });
        let v = k.get(acc);
        let h = k.u32(100);
        let v = k.add(v, h);
        k.set(acc, v);
    });
    let v = k.get(acc);
    k.store(out, t, v);
    let got = run_u32(&k.finish(), 1);
    for t in 0..N as u32 {
        let want: u32 = (0..5).map(|a| (a + t % 3).min(10) + 100).sum();
        assert_eq!(got[0][t as usize], want, "thread {t}");
    }
}

#[test]
fn while_loops_run_until_every_thread_is_done() {
    // Collatz steps of t + 1.
    let mut k = K::new("collatz");
    let out = k.output("out", DType::U32);
    let t = k.gid();
    let one = k.u32(1);
    let start = k.add(t, one);
    let x = k.var("x", start);
    let zero = k.u32(0);
    let steps = k.var("steps", zero);
    k.while_(
        |k| {
            let v = k.get(x);
            let one = k.u32(1);
            k.cmp(CmpOp::Ne, v, one)
        },
        |k| {
            let v = k.get(x);
            let m2 = rem(k, v, 2);
            let even = is(k, m2, 0);
            let next = k.if_expr(
                even,
                |k| {
                    let two = k.u32(2);
                    k.bin(BinaryOp::Div, v, two)
                },
                |k| {
                    let three = k.u32(3);
                    let one = k.u32(1);
                    let m = k.mul(v, three);
                    k.add(m, one)
                },
            );
            k.set(x, next);
            let s = k.get(steps);
            let one = k.u32(1);
            let s = k.add(s, one);
            k.set(steps, s);
        },
    );
    let s = k.get(steps);
    k.store(out, t, s);
    let got = run_u32(&k.finish(), 1);
    for t in 0..N as u32 {
        let (mut x, mut steps) = (t + 1, 0);
        while x != 1 {
            x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
            steps += 1;
        }
        assert_eq!(got[0][t as usize], steps, "thread {t}");
    }
}

#[test]
fn early_return_finishes_the_thread() {
    // if t%3 == 1 { out[t] = 5; return }
    // for i in 0..10 { if i == t%4 && t%2 == 0 { return } n += 1 }
    // out[t] = 9; out2[t] = n
    let mut k = K::new("ret");
    let out = k.output("out", DType::U32);
    let out2 = k.output("out2", DType::U32);
    let t = k.gid();
    let m3 = rem(&mut k, t, 3);
    let c = is(&mut k, m3, 1);
    k.if_(
        c,
        |k| {
            let five = k.u32(5);
            k.store(out, t, five);
            k.effect(Op::Return);
        },
        |_| {},
    );
    let zero = k.u32(0);
    let ten = k.u32(10);
    let one = k.u32(1);
    let n = k.var("n", zero);
    let m4 = rem(&mut k, t, 4);
    let m2 = rem(&mut k, t, 2);
    let even = is(&mut k, m2, 0);
    k.for_(zero, ten, one, false, |k, i| {
        let hit = k.cmp(CmpOp::Eq, i, m4);
        let both = k.bin(BinaryOp::And, hit, even);
        k.if_(both, |k| k.effect(Op::Return), |_| {});
        let v = k.get(n);
        let v = k.add(v, one);
        k.set(n, v);
    });
    let nine = k.u32(9);
    k.store(out, t, nine);
    let v = k.get(n);
    k.store(out2, t, v);
    let got = run_u32(&k.finish(), 2);
    for t in 0..N as u32 {
        let (o, o2) = (got[0][t as usize], got[1][t as usize]);
        if t % 3 == 1 {
            assert_eq!((o, o2), (5, POISON), "thread {t}");
        } else if t % 2 == 0 {
            assert_eq!((o, o2), (POISON, POISON), "thread {t}");
        } else {
            assert_eq!((o, o2), (9, 10), "thread {t}");
        }
    }
}

#[test]
fn code_after_a_terminator_is_dead() {
    // for i in 0..3 { out[t] = i; continue; out[t] = 100 }
    let mut k = K::new("dead");
    let out = k.output("out", DType::U32);
    let t = k.gid();
    let zero = k.u32(0);
    let three = k.u32(3);
    let one = k.u32(1);
    k.for_(zero, three, one, false, |k, i| {
        k.store(out, t, i);
        k.effect(Op::Continue);
        let h = k.u32(100);
        k.store(out, t, h);
    });
    let got = run_u32(&k.finish(), 1);
    assert!(got[0].iter().all(|&v| v == 2), "{:?}", got[0]);
}
