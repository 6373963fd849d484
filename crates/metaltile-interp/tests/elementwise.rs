//! Straight-line kernels: arithmetic per dtype, builtins, vector and masked accesses,
//! variables, private arrays, casts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use half::{bf16, f16};
use metaltile_interp::{run, Arg, Options};
use metaltile_ir::{Axis, BinaryOp, Builtin, CmpOp, Constant, DType, Geometry, Kernel, Op, UnaryOp};

/// `if gid < n { out[gid] = x[gid] + y[gid] }` for element dtype `d`.
fn add_kernel(d: DType) -> Kernel {
    let mut k = K::new("add");
    let x = k.input("x", d);
    let y = k.input("y", d);
    let out = k.output("out", d);
    let n = k.scalar("n", DType::U32);
    let gid = k.gid();
    let inside = k.cmp(CmpOp::Lt, gid, n);
    k.if_(
        inside,
        |k| {
            let a = k.load(x, gid);
            let b = k.load(y, gid);
            let s = k.add(a, b);
            k.store(out, gid, s);
        },
        |_| {},
    );
    k.finish()
}

fn run_add<T: Elem>(d: DType, x: &[T], y: &[T]) -> (Vec<T>, metaltile_interp::Stats) {
    let k = add_kernel(d);
    let n = x.len();
    let (xb, yb) = (bytes(x), bytes(y));
    let mut out = poisoned(n, T::SIZE);
    let mut args = [Arg::Input(&xb), Arg::Input(&yb), Arg::Output(&mut out), Arg::Scalar(Constant::u32(n as u32))];
    let stats = run(&k, &Geometry::cover(n as u64, 256), &mut args, &Options::default()).unwrap();
    (elems(&out), stats)
}

#[test]
fn add_f32_is_bit_exact() {
    let n = 1000;
    let mut x = randf(n, 1);
    let y = randf(n, 2);
    x[0] = -0.0;
    x[1] = f32::NAN;
    x[2] = f32::INFINITY;
    x[3] = f32::MAX;
    let (out, stats) = run_add(DType::F32, &x, &y);
    for i in 0..n {
        assert_eq!(out[i].to_bits(), (x[i] + y[i]).to_bits(), "element {i}");
    }
    assert_eq!(stats.threadgroups, 4);
    // Every thread runs the param, gid, compare and if; the 1000 in range also run the two
    // loads, the add and the store.
    assert_eq!(stats.lane_ops, 4 * 1024 + 4 * 1000, "{stats:?}");
}

#[test]
fn add_f16_rounds_once_from_f32() {
    let n = 777;
    let x: Vec<f16> = randf(n, 3).iter().map(|&v| f16::from_f32(v * 1000.0)).collect();
    let y: Vec<f16> = randf(n, 4).iter().map(|&v| f16::from_f32(v * 3.0)).collect();
    let (out, _) = run_add(DType::F16, &x, &y);
    for i in 0..n {
        let want = f16::from_f32(x[i].to_f32() + y[i].to_f32());
        assert_eq!(out[i].to_bits(), want.to_bits(), "element {i}");
    }
}

#[test]
fn add_bf16_rounds_once_from_f32() {
    let n = 513;
    let x: Vec<bf16> = randf(n, 5).iter().map(|&v| bf16::from_f32(v * 1e5)).collect();
    let y: Vec<bf16> = randf(n, 6).iter().map(|&v| bf16::from_f32(v)).collect();
    let (out, _) = run_add(DType::BF16, &x, &y);
    for i in 0..n {
        let want = bf16::from_f32(x[i].to_f32() + y[i].to_f32());
        assert_eq!(out[i].to_bits(), want.to_bits(), "element {i}");
    }
}

#[test]
fn integer_arithmetic_wraps() {
    let mut k = K::new("mix");
    let x = k.input("x", DType::I32);
    let out = k.output("out", DType::I32);
    let gid = k.gid();
    let a = k.load(x, gid);
    let big = k.i32(i32::MAX);
    let s = k.add(a, big);
    let three = k.i32(3);
    let p = k.mul(s, three);
    let q = k.bin(BinaryOp::Div, p, three);
    let r = k.bin(BinaryOp::Rem, p, three);
    let v = k.bin(BinaryOp::Xor, q, r);
    k.store(out, gid, v);
    let k = k.finish();
    let xs: Vec<i32> = (-40..24).collect();
    let xb = bytes(&xs);
    let mut out = poisoned(64, 4);
    run(&k, &Geometry::linear(2, 32), &mut [Arg::Input(&xb), Arg::Output(&mut out)], &Options::default()).unwrap();
    let got: Vec<i32> = elems(&out);
    for (i, &a) in xs.iter().enumerate() {
        let p = a.wrapping_add(i32::MAX).wrapping_mul(3);
        assert_eq!(got[i], (p / 3) ^ (p % 3), "x = {a}");
    }
}

#[test]
fn builtins_in_a_3d_grid() {
    // out[flat global id] = packed (group, local, lane, simdgroup) facts.
    let mut k = K::new("ids");
    let out = k.output("out", DType::U32);
    let gx = k.builtin(Builtin::GlobalId(Axis::X));
    let gy = k.builtin(Builtin::GlobalId(Axis::Y));
    let gz = k.builtin(Builtin::GlobalId(Axis::Z));
    let sx = k.builtin(Builtin::GridSize(Axis::X));
    let sy = k.builtin(Builtin::GridSize(Axis::Y));
    let row = k.mul(gz, sy);
    let row = k.add(row, gy);
    let flat = k.mul(row, sx);
    let flat = k.add(flat, gx);
    let mut acc = k.builtin(Builtin::LocalIndex);
    for (b, shift) in [
        (Builtin::Lane, 10),
        (Builtin::SimdGroup, 15),
        (Builtin::GroupId(Axis::X), 18),
        (Builtin::GroupId(Axis::Y), 20),
        (Builtin::GroupId(Axis::Z), 22),
        (Builtin::NumSimdGroups, 24),
        (Builtin::NumGroups(Axis::Y), 27),
        (Builtin::GroupSize(Axis::Z), 30),
    ] {
        let v = k.builtin(b);
        let sh = k.u32(shift);
        let v = k.bin(BinaryOp::Shl, v, sh);
        acc = k.bin(BinaryOp::Or, acc, v);
    }
    k.store(out, flat, acc);
    let k = k.finish();
    let geo = Geometry { groups: [3, 2, 2], group_size: [8, 3, 2] };
    let (nx, ny, nz) = (24usize, 6usize, 4usize);
    let mut out = poisoned(nx * ny * nz, 4);
    let stats = run(&k, &geo, &mut [Arg::Output(&mut out)], &Options::default()).unwrap();
    assert_eq!(stats.threadgroups, 12);
    let got: Vec<u32> = elems(&out);
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let (lx, ly, lz) = (x % 8, y % 3, z % 2);
                let li = (lx + ly * 8 + lz * 24) as u32;
                let want = li
                    | (li % 32) << 10
                    | (li / 32) << 15
                    | ((x / 8) as u32) << 18
                    | ((y / 3) as u32) << 20
                    | ((z / 2) as u32) << 22
                    | 2 << 24
                    | 2 << 27
                    | 2 << 30;
                assert_eq!(got[(z * ny + y) * nx + x], want, "({x}, {y}, {z})");
            }
        }
    }
}

#[test]
fn vector_loads_and_stores() {
    // out[4i..4i+4] = reverse(x[4i..4i+4]) via a 4-wide load; y[2i..2i+2] = x[2i+1], x[2i] via 2-wide.
    let mut k = K::new("vec");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let out2 = k.output("out2", DType::F32);
    let gid = k.gid();
    let four = k.u32(4);
    let i4 = k.mul(gid, four);
    let v = k.v(Op::Load { mem: x, index: i4, lanes: 4 });
    let parts: Vec<_> = (0..4u8).map(|lane| k.v(Op::Extract { vector: v, lane })).collect();
    let rev = k.v(Op::MakeVector { elems: parts.iter().rev().copied().collect() });
    k.store(out, i4, rev);
    let two = k.u32(2);
    let i2 = k.mul(gid, two);
    let w = k.v(Op::Load { mem: x, index: i2, lanes: 2 });
    let a = k.v(Op::Extract { vector: w, lane: 0 });
    let b = k.v(Op::Extract { vector: w, lane: 1 });
    let sw = k.v(Op::MakeVector { elems: vec![b, a] });
    k.store(out2, i2, sw);
    let k = k.finish();
    let xs = randf(64, 9);
    let xb = bytes(&xs);
    let (mut o, mut o2) = (poisoned(64, 4), poisoned(32, 4));
    let mut args = [Arg::Input(&xb), Arg::Output(&mut o), Arg::Output(&mut o2)];
    run(&k, &Geometry::linear(1, 16), &mut args, &Options::default()).unwrap();
    let (got, got2): (Vec<f32>, Vec<f32>) = (elems(&o), elems(&o2));
    for i in 0..16 {
        for j in 0..4 {
            assert_eq!(got[4 * i + j], xs[4 * i + 3 - j]);
        }
        assert_eq!(got2[2 * i], xs[2 * i + 1]);
        assert_eq!(got2[2 * i + 1], xs[2 * i]);
    }
}

#[test]
fn masked_load_reads_only_where_the_mask_holds() {
    // Reads x[gid] for gid < 10 and fills -1 elsewhere; x has only 10 elements, so any read
    // past it would be an out-of-bounds error.
    let mut k = K::new("masked");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let gid = k.gid();
    let ten = k.u32(10);
    let m = k.cmp(CmpOp::Lt, gid, ten);
    let fill = k.f32(-1.0);
    let v = k.v(Op::MaskedLoad { mem: x, index: gid, mask: m, fill });
    k.store(out, gid, v);
    let k = k.finish();
    let xs = randf(10, 11);
    let xb = bytes(&xs);
    let mut o = poisoned(32, 4);
    run(&k, &Geometry::linear(1, 32), &mut [Arg::Input(&xb), Arg::Output(&mut o)], &Options::default()).unwrap();
    let got: Vec<f32> = elems(&o);
    for i in 0..32 {
        assert_eq!(got[i], if i < 10 { xs[i] } else { -1.0 });
    }
}

#[test]
fn variables_private_arrays_and_casts() {
    // Each thread fills a private array with (gid + j) as f32, sums it in a variable through
    // a bf16 round trip, and stores the sum as i32 and the exp of it as f32.
    let mut k = K::new("priv");
    let out = k.output("out", DType::I32);
    let out_exp = k.output("out_exp", DType::F32);
    let arr = k.private("p", DType::F32, 8);
    let gid = k.gid();
    let zero = k.u32(0);
    let eight = k.u32(8);
    let one = k.u32(1);
    k.for_(zero, eight, one, false, |k, j| {
        let s = k.add(gid, j);
        let f = k.cast(s, DType::F32);
        k.store(arr, j, f);
    });
    let z = k.f32(0.0);
    let acc = k.var("acc", z);
    k.for_(zero, eight, one, false, |k, j| {
        let v = k.load(arr, j);
        let h = k.cast(v, DType::BF16);
        let back = k.cast(h, DType::F32);
        let a = k.get(acc);
        let s = k.add(a, back);
        k.set(acc, s);
    });
    let total = k.get(acc);
    let as_int = k.cast(total, DType::I32);
    k.store(out, gid, as_int);
    let tenth = k.f32(0.1);
    let scaled = k.mul(total, tenth);
    let e = k.un(UnaryOp::Exp, scaled);
    k.store(out_exp, gid, e);
    let k = k.finish();
    let (mut o, mut oe) = (poisoned(64, 4), poisoned(64, 4));
    run(&k, &Geometry::linear(2, 32), &mut [Arg::Output(&mut o), Arg::Output(&mut oe)], &Options::default()).unwrap();
    let (got, got_e): (Vec<i32>, Vec<f32>) = (elems(&o), elems(&oe));
    for g in 0..64u32 {
        let total: f32 = (0..8).map(|j| bf16::from_f32((g + j) as f32).to_f32()).fold(0.0, |a, b| a + b);
        assert_eq!(got[g as usize], total as i32);
        assert_eq!(got_e[g as usize].to_bits(), (total * 0.1f32).exp().to_bits());
    }
}

#[test]
fn shared_memory_is_poisoned_at_each_threadgroup() {
    // Group 0 writes shared[lid]; every group then reads shared[lid] without writing: only
    // group 0 sees values, later groups see the poison pattern (a NaN).
    let mut k = K::new("poison");
    let out = k.output("out", DType::F32);
    let sh = k.shared("s", DType::F32, 32);
    let lid = k.lid();
    let grp = k.builtin(Builtin::GroupId(Axis::X));
    let zero = k.u32(0);
    let first = k.cmp(CmpOp::Eq, grp, zero);
    k.if_(
        first,
        |k| {
            let one = k.f32(1.0);
            k.store(sh, lid, one);
        },
        |_| {},
    );
    let v = k.load(sh, lid);
    let gid = k.gid();
    k.store(out, gid, v);
    let k = k.finish();
    let mut o = poisoned(64, 4);
    run(&k, &Geometry::linear(2, 32), &mut [Arg::Output(&mut o)], &Options::default()).unwrap();
    let got: Vec<f32> = elems(&o);
    assert!(got[..32].iter().all(|&v| v == 1.0));
    assert!(got[32..].iter().all(|v| v.is_nan()));
}

#[test]
fn output_may_be_given_for_a_read_only_buffer() {
    let k = add_kernel(DType::U32);
    let (mut xb, yb) = (bytes(&[1u32, 2, 3]), bytes(&[10u32, 20, 30]));
    let mut out = poisoned(3, 4);
    let mut args = [Arg::Output(&mut xb), Arg::Input(&yb), Arg::Output(&mut out), Arg::Scalar(Constant::u32(3))];
    run(&k, &Geometry::linear(1, 32), &mut args, &Options::default()).unwrap();
    assert_eq!(elems::<u32>(&out), vec![11, 22, 33]);
}

#[test]
fn fast_unary_variants_evaluate_like_precise_ones() {
    let ops = [UnaryOp::Exp, UnaryOp::Log, UnaryOp::Rsqrt, UnaryOp::Tanh, UnaryOp::Recip];
    let mut k = K::new("fast");
    let x = k.input("x", DType::F32);
    let outs: Vec<_> = (0..ops.len() * 2).map(|i| k.output(&format!("o{i}"), DType::F32)).collect();
    let gid = k.gid();
    let v = k.load(x, gid);
    for (j, &op) in ops.iter().enumerate() {
        for fast in [false, true] {
            let r = k.v(Op::Unary { op, arg: v, fast });
            k.store(outs[2 * j + usize::from(fast)], gid, r);
        }
    }
    let k = k.finish();
    let xs: Vec<f32> = randf(64, 12).iter().map(|v| v.abs() + 0.01).collect();
    let xb = bytes(&xs);
    let mut bufs: Vec<Vec<u8>> = (0..ops.len() * 2).map(|_| poisoned(64, 4)).collect();
    let mut args = vec![Arg::Input(&xb)];
    args.extend(bufs.iter_mut().map(|b| Arg::Output(b)));
    run(&k, &Geometry::linear(2, 32), &mut args, &Options::default()).unwrap();
    let precise: [fn(f32) -> f32; 5] = [f32::exp, f32::ln, |v| 1.0 / v.sqrt(), f32::tanh, |v| 1.0 / v];
    for (j, f) in precise.iter().enumerate() {
        let (slow, fast): (Vec<f32>, Vec<f32>) = (elems(&bufs[2 * j]), elems(&bufs[2 * j + 1]));
        for i in 0..64 {
            assert_eq!(slow[i].to_bits(), f(xs[i]).to_bits(), "{:?} of {}", ops[j], xs[i]);
            assert_eq!(fast[i].to_bits(), slow[i].to_bits(), "{:?} fast", ops[j]);
        }
    }
}

#[test]
fn bool_buffers_vector_select_and_vector_if_expression() {
    // out[2g..2g+2] = if flag[g] { (x, 2x) } else { (-x, 0) } through select and an
    // if-expression of vector type; flag_out[g] = !flag[g].
    let mut k = K::new("vsel");
    let flag = k.input("flag", DType::Bool);
    let x = k.input("x", DType::F32);
    let out_sel = k.output("out_sel", DType::F32);
    let out_if = k.output("out_if", DType::F32);
    let flag_out = k.output("flag_out", DType::Bool);
    let g = k.gid();
    let f = k.load(flag, g);
    let xv = k.load(x, g);
    let two = k.f32(2.0);
    let x2 = k.mul(xv, two);
    let neg = k.un(UnaryOp::Neg, xv);
    let zero = k.f32(0.0);
    let a = k.v(Op::MakeVector { elems: vec![xv, x2] });
    let b = k.v(Op::MakeVector { elems: vec![neg, zero] });
    let sel = k.v(Op::Select { cond: f, on_true: a, on_false: b });
    let two_u = k.u32(2);
    let at = k.mul(g, two_u);
    k.store(out_sel, at, sel);
    let e = k.if_expr(f, |_| a, |_| b);
    k.store(out_if, at, e);
    let nf = k.un(UnaryOp::Not, f);
    k.store(flag_out, g, nf);
    let k = k.finish();
    let flags: Vec<bool> = (0..32).map(|i| i % 3 != 0).collect();
    let xs = randf(32, 13);
    let (fb, xb) = (bytes(&flags), bytes(&xs));
    let (mut os, mut oi, mut of) = (poisoned(64, 4), poisoned(64, 4), poisoned(32, 1));
    let mut args = [Arg::Input(&fb), Arg::Input(&xb), Arg::Output(&mut os), Arg::Output(&mut oi), Arg::Output(&mut of)];
    run(&k, &Geometry::linear(1, 32), &mut args, &Options::default()).unwrap();
    let (sel, iff, nflags): (Vec<f32>, Vec<f32>, Vec<bool>) = (elems(&os), elems(&oi), elems(&of));
    for i in 0..32 {
        let want = if flags[i] { [xs[i], xs[i] * 2.0] } else { [-xs[i], 0.0] };
        assert_eq!([sel[2 * i], sel[2 * i + 1]], want);
        assert_eq!([iff[2 * i], iff[2 * i + 1]], want);
        assert_eq!(nflags[i], !flags[i]);
    }
    assert!(of.iter().all(|&b| b <= 1), "bools are stored as 0 or 1");
}

#[test]
fn lane_ops_count_only_active_threads() {
    // lid, const, cmp, if for all 32 threads; the store for the 10 below the bound.
    let mut k = K::new("count");
    let out = k.output("out", DType::U32);
    let lid = k.lid();
    let ten = k.u32(10);
    let c = k.cmp(CmpOp::Lt, lid, ten);
    k.if_(c, |k| k.store(out, lid, lid), |_| {});
    let mut o = poisoned(32, 4);
    let stats = run(&k.finish(), &Geometry::linear(3, 32), &mut [Arg::Output(&mut o)], &Options::default()).unwrap();
    assert_eq!(stats.lane_ops, 3 * (4 * 32 + 10));
    assert_eq!(stats.threadgroups, 3);
}
