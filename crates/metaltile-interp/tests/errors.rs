//! Every error the interpreter reports, with the facts its message must name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use metaltile_interp::{run, Access, Arg, Dim3, InterpError, Options, ThreadId};
use metaltile_ir::{
    AtomicOp, Axis, BarrierScope, BinaryOp, Builtin, CmpOp, Constant, DType, Geometry, Kernel, Op, SimdOp, ValueId,
};

fn thread(group: [u32; 3], local: [u32; 3]) -> ThreadId {
    ThreadId { group: Dim3(group), local: Dim3(local) }
}

/// `out[gid] = x[gid + offset]` with a read-only `x` of f32.
fn shifted_copy(offset: i32, index_dtype: DType) -> Kernel {
    let mut k = K::new("shifted");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let gid = k.gid();
    let g = k.cast(gid, index_dtype);
    let o = k.c(Constant::from_i128(index_dtype, offset as i128));
    let at = k.add(g, o);
    let v = k.load(x, at);
    k.store(out, gid, v);
    k.finish()
}

fn launch(k: &Kernel, geo: Geometry, args: &mut [Arg<'_>], opts: &Options) -> InterpError {
    run(k, &geo, args, opts).unwrap_err()
}

fn copy_err(k: &Kernel, x_len: usize, out_len: usize, geo: Geometry) -> InterpError {
    let xb = bytes(&vec![1.0f32; x_len]);
    let mut o = poisoned(out_len, 4);
    launch(k, geo, &mut [Arg::Input(&xb), Arg::Output(&mut o)], &Options::default())
}

#[test]
fn out_of_bounds_read_names_buffer_index_length_and_thread() {
    let e = copy_err(&shifted_copy(0, DType::U32), 100, 128, Geometry::linear(4, 32));
    match &e {
        InterpError::OutOfBounds { buffer, access, index, len, thread: t } => {
            assert_eq!((buffer.as_str(), *access, *index, *len), ("x", Access::Read, 100, 100));
            assert_eq!(*t, thread([3, 0, 0], [4, 0, 0]));
        }
        other => panic!("wrong error: {other}"),
    }
    let msg = e.to_string();
    for part in ["read", "`x`", "index 100", "length 100", "thread (4, 0, 0) of threadgroup (3, 0, 0)"] {
        assert!(msg.contains(part), "`{part}` missing from: {msg}");
    }
}

#[test]
fn negative_index_is_out_of_bounds() {
    let e = copy_err(&shifted_copy(-1, DType::I32), 64, 64, Geometry::linear(1, 64));
    assert!(matches!(e, InterpError::OutOfBounds { index: -1, .. }), "{e}");
    assert!(e.to_string().contains("index -1"), "{e}");
}

#[test]
fn out_of_bounds_write_names_the_output() {
    let e = copy_err(&shifted_copy(0, DType::U32), 64, 40, Geometry::linear(2, 32));
    let msg = e.to_string();
    assert!(matches!(e, InterpError::OutOfBounds { access: Access::Write, index: 40, len: 40, .. }), "{msg}");
    assert!(msg.contains("`out`") && msg.contains("thread (8, 0, 0) of threadgroup (1, 0, 0)"), "{msg}");
}

#[test]
fn out_of_bounds_in_a_3d_launch_names_3d_positions() {
    // out[gid.y] = 1 with out of length 5; the first fault is at global y = 5: group y 2, local y 1.
    let mut k = K::new("oob3d");
    let out = k.output("out", DType::U32);
    let y = k.builtin(Builtin::GlobalId(Axis::Y));
    let one = k.u32(1);
    k.store(out, y, one);
    let k = k.finish();
    let mut o = poisoned(5, 4);
    let geo = Geometry { groups: [1, 4, 2], group_size: [2, 2, 1] };
    let e = launch(&k, geo, &mut [Arg::Output(&mut o)], &Options::default());
    assert!(e.to_string().contains("thread (0, 1, 0) of threadgroup (0, 2, 0)"), "{e}");
}

#[test]
fn out_of_bounds_on_threadgroup_and_private_arrays() {
    for space_shared in [true, false] {
        let mut k = K::new("arr");
        let arr = if space_shared { k.shared("tile", DType::F32, 16) } else { k.private("scratch", DType::F32, 16) };
        let lid = k.lid();
        let v = k.f32(1.0);
        k.store(arr, lid, v);
        let k = k.finish();
        let e = launch(&k, Geometry::linear(1, 32), &mut [], &Options::default());
        let name = if space_shared { "`tile`" } else { "`scratch`" };
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains("index 16") && msg.contains("length 16"), "{msg}");
    }
}

/// `out[0] = x[i..i+lanes]` summed, where `i` is a scalar argument.
fn vector_load_kernel(lanes: u8) -> Kernel {
    let mut k = K::new("vload");
    let x = k.input("x", DType::F32);
    let out = k.output("out", DType::F32);
    let i = k.scalar("i", DType::U32);
    let v = k.v(Op::Load { mem: x, index: i, lanes });
    let a = k.v(Op::Extract { vector: v, lane: 0 });
    let zero = k.u32(0);
    k.store(out, zero, a);
    k.finish()
}

fn vload_err(lanes: u8, i: u32, len: usize) -> InterpError {
    let k = vector_load_kernel(lanes);
    let xb = bytes(&vec![0.0f32; len]);
    let mut o = poisoned(1, 4);
    let mut args = [Arg::Input(&xb), Arg::Output(&mut o), Arg::Scalar(Constant::u32(i))];
    launch(&k, Geometry::linear(1, 1), &mut args, &Options::default())
}

#[test]
fn misaligned_vector_load() {
    let e = vload_err(4, 2, 16);
    assert!(matches!(e, InterpError::Misaligned { lanes: 4, index: 2, .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("`x`") && msg.contains("multiple of 4"), "{msg}");
    assert!(matches!(vload_err(2, 3, 16), InterpError::Misaligned { lanes: 2, index: 3, .. }));
}

#[test]
fn vector_load_checks_bounds_of_every_lane() {
    let e = vload_err(4, 8, 10);
    assert!(matches!(e, InterpError::OutOfBounds { index: 10, len: 10, .. }), "{e}");
}

#[test]
fn misaligned_vector_store() {
    let mut k = K::new("vstore");
    let out = k.output("out", DType::F32);
    let one = k.u32(1);
    let f = k.f32(1.0);
    let v = k.v(Op::MakeVector { elems: vec![f, f] });
    k.store(out, one, v);
    let k = k.finish();
    let mut o = poisoned(8, 4);
    let e = launch(&k, Geometry::linear(1, 1), &mut [Arg::Output(&mut o)], &Options::default());
    assert!(matches!(e, InterpError::Misaligned { access: Access::Write, lanes: 2, index: 1, .. }), "{e}");
}

#[test]
fn barrier_reached_by_part_of_the_threadgroup() {
    // Threads with lid % 4 == 1 return before the barrier.
    let mut k = K::new("partial_barrier");
    let lid = k.lid();
    let four = k.u32(4);
    let m = k.bin(BinaryOp::Rem, lid, four);
    let one = k.u32(1);
    let c = k.cmp(CmpOp::Eq, m, one);
    k.if_(c, |k| k.effect(Op::Return), |_| {});
    k.effect(Op::Barrier(BarrierScope::Threadgroup));
    let k = k.finish();
    let e = launch(&k, Geometry::linear(2, 64), &mut [], &Options::default());
    assert!(
        matches!(e, InterpError::PartialBarrier { arrived: 48, expected: 64, first_missing: Dim3([1, 0, 0]), .. }),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains("48 of 64") && msg.contains("first missing: thread (1, 0, 0)"), "{msg}");
}

#[test]
fn barrier_inside_a_loop_left_early_by_some_threads() {
    // for i in 0..4 { if i == 2 && lid == 5 { break } barrier }
    let mut k = K::new("loop_barrier");
    let lid = k.lid();
    let zero = k.u32(0);
    let four = k.u32(4);
    let one = k.u32(1);
    let five = k.u32(5);
    let two = k.u32(2);
    let is5 = k.cmp(CmpOp::Eq, lid, five);
    k.for_(zero, four, one, false, |k, i| {
        let at2 = k.cmp(CmpOp::Eq, i, two);
        let both = k.bin(BinaryOp::And, at2, is5);
        k.if_(both, |k| k.effect(Op::Break), |_| {});
        k.effect(Op::Barrier(BarrierScope::Threadgroup));
    });
    let k = k.finish();
    let e = launch(&k, Geometry::linear(1, 32), &mut [], &Options::default());
    assert!(matches!(e, InterpError::PartialBarrier { arrived: 31, first_missing: Dim3([5, 0, 0]), .. }), "{e}");
}

#[test]
fn simdgroup_barrier_reached_by_part_of_a_simdgroup() {
    let mut k = K::new("partial_simd_barrier");
    let lid = k.lid();
    let lim = k.u32(40);
    let c = k.cmp(CmpOp::Lt, lid, lim);
    k.if_(c, |k| k.effect(Op::Barrier(BarrierScope::Simdgroup)), |_| {});
    let k = k.finish();
    let e = launch(&k, Geometry::linear(1, 64), &mut [], &Options::default());
    assert!(
        matches!(
            e,
            InterpError::PartialSimdBarrier {
                simdgroup: 1,
                arrived: 8,
                expected: 32,
                first_missing: Dim3([40, 0, 0]),
                ..
            }
        ),
        "{e}"
    );
    // A whole simdgroup may pass one alone.
    let mut k = K::new("whole_simd_barrier");
    let lid = k.lid();
    let lim = k.u32(32);
    let c = k.cmp(CmpOp::Lt, lid, lim);
    k.if_(c, |k| k.effect(Op::Barrier(BarrierScope::Simdgroup)), |_| {});
    run(&k.finish(), &Geometry::linear(1, 64), &mut [], &Options::default()).unwrap();
}

#[test]
fn collective_with_part_of_a_simdgroup_active() {
    let mut k = K::new("partial_simd");
    let out = k.output("out", DType::F32);
    let lane = k.builtin(Builtin::Lane);
    let lid = k.lid();
    let sixteen = k.u32(16);
    let c = k.cmp(CmpOp::Lt, lane, sixteen);
    k.if_(
        c,
        |k| {
            let one = k.f32(1.0);
            let s = k.simd(SimdOp::Sum, one, None);
            k.store(out, lid, s);
        },
        |_| {},
    );
    let k = k.finish();
    let mut o = poisoned(64, 4);
    let e = launch(&k, Geometry::linear(1, 64), &mut [Arg::Output(&mut o)], &Options::default());
    assert!(matches!(e, InterpError::PartialSimdgroup { op: "simd_sum", simdgroup: 0, active: 16, .. }), "{e}");
    assert!(e.to_string().contains("16 of 32 lanes"), "{e}");
}

#[test]
fn broadcast_from_a_non_uniform_lane() {
    let mut k = K::new("bcast");
    let out = k.output("out", DType::U32);
    let lid = k.lid();
    let lane = k.builtin(Builtin::Lane);
    let two = k.u32(2);
    let src = k.bin(BinaryOp::Div, lane, two);
    let v = k.simd(SimdOp::Broadcast, lid, Some(src));
    k.store(out, lid, v);
    let k = k.finish();
    let mut o = poisoned(32, 4);
    let e = launch(&k, Geometry::linear(1, 32), &mut [Arg::Output(&mut o)], &Options::default());
    assert!(matches!(e, InterpError::NonUniformBroadcast { first: 0, other: 1, .. }), "{e}");
}

fn racy(write_then_read_other: bool, barrier_between: bool) -> Kernel {
    let mut k = K::new("racy");
    let out = k.output("out", DType::F32);
    let tile = k.shared("tile", DType::F32, 64);
    let lid = k.lid();
    let v = k.f32(2.0);
    let one = k.u32(1);
    let n = k.u32(64);
    let next = k.add(lid, one);
    let next = k.bin(BinaryOp::Rem, next, n);
    if write_then_read_other {
        k.store(tile, lid, v);
        if barrier_between {
            k.effect(Op::Barrier(BarrierScope::Threadgroup));
        }
        let r = k.load(tile, next);
        k.store(out, lid, r);
    } else {
        // Read a neighbour's element, then write one's own: the neighbour's write races.
        let r = k.load(tile, next);
        if barrier_between {
            k.effect(Op::Barrier(BarrierScope::Threadgroup));
        }
        k.store(tile, lid, v);
        k.store(out, lid, r);
    }
    k.finish()
}

fn race_run(k: &Kernel, detect: bool) -> Result<(), InterpError> {
    let mut o = poisoned(64, 4);
    let opts = Options { detect_races: detect, ..Options::default() };
    run(k, &Geometry::linear(1, 64), &mut [Arg::Output(&mut o)], &opts).map(|_| ())
}

#[test]
fn read_after_write_race() {
    let k = racy(true, false);
    race_run(&k, false).unwrap();
    let e = race_run(&k, true).unwrap_err();
    // Thread 0 reads tile[1], written by thread 1.
    assert!(
        matches!(&e, InterpError::Race { array, index: 1, first_access: Access::Write, first, second_access: Access::Read, second }
            if array == "tile" && first.local == Dim3([1, 0, 0]) && second.local == Dim3([0, 0, 0])),
        "{e}"
    );
    let msg = e.to_string();
    assert!(msg.contains("`tile`[1]") && msg.contains("write by thread (1, 0, 0)"), "{msg}");
    race_run(&racy(true, true), true).unwrap();
}

#[test]
fn write_after_read_race() {
    let k = racy(false, false);
    race_run(&k, false).unwrap();
    let e = race_run(&k, true).unwrap_err();
    // Thread 63 read tile[0] (0 = (63+1) % 64); thread 0 writes it.
    assert!(
        matches!(&e, InterpError::Race { index: 0, first_access: Access::Read, first, second_access: Access::Write, second, .. }
            if first.local == Dim3([63, 0, 0]) && second.local == Dim3([0, 0, 0])),
        "{e}"
    );
    race_run(&racy(false, true), true).unwrap();
}

#[test]
fn write_write_race_and_atomics_are_exempt() {
    let mut k = K::new("ww");
    let tile = k.shared("tile", DType::U32, 4);
    let zero = k.u32(0);
    let lid = k.lid();
    k.store(tile, zero, lid);
    let k = k.finish();
    let e = race_run_noargs(&k).unwrap_err();
    assert!(
        matches!(&e, InterpError::Race { first_access: Access::Write, second_access: Access::Write, second, .. }
            if second.local == Dim3([1, 0, 0])),
        "{e}"
    );
    let mut k = K::new("atomic_ok");
    let tile = k.shared("tile", DType::U32, 4);
    let zero = k.u32(0);
    let lid = k.lid();
    k.v(Op::Atomic { op: AtomicOp::Add, mem: tile, index: zero, value: lid });
    race_run_noargs(&k.finish()).unwrap();
}

fn race_run_noargs(k: &Kernel) -> Result<(), InterpError> {
    let opts = Options { detect_races: true, ..Options::default() };
    run(k, &Geometry::linear(1, 64), &mut [], &opts).map(|_| ())
}

#[test]
fn simdgroup_barrier_orders_only_its_own_lanes() {
    // Each thread writes tile[lid], simdgroup barrier, reads tile[lid ^ 1] (same simdgroup):
    // no race. Reading tile[lid ^ 32] (the other simdgroup) is one.
    for (mask, racy) in [(1u32, false), (32, true)] {
        let mut k = K::new("simd_order");
        let tile = k.shared("tile", DType::U32, 64);
        let lid = k.lid();
        k.store(tile, lid, lid);
        k.effect(Op::Barrier(BarrierScope::Simdgroup));
        let m = k.u32(mask);
        let other = k.bin(BinaryOp::Xor, lid, m);
        k.load(tile, other);
        let r = race_run_noargs(&k.finish());
        assert_eq!(r.is_err(), racy, "{r:?}");
    }
}

#[test]
fn integer_division_by_zero() {
    let mut k = K::new("div0");
    let out = k.output("out", DType::I32);
    let lid = k.lid();
    let four = k.u32(4);
    let m = k.bin(BinaryOp::Rem, lid, four);
    let ten = k.u32(10);
    let d = k.bin(BinaryOp::Div, ten, m);
    let d = k.cast(d, DType::I32);
    k.store(out, lid, d);
    let k = k.finish();
    let mut o = poisoned(32, 4);
    let e = launch(&k, Geometry::linear(1, 32), &mut [Arg::Output(&mut o)], &Options::default());
    assert!(matches!(e, InterpError::DivByZero { op: "div", thread: t } if t.local == Dim3([0, 0, 0])), "{e}");
    assert!(e.to_string().contains("by zero"), "{e}");
}

#[test]
fn division_by_zero_in_an_inactive_thread_is_not_an_error() {
    // if lid != 0 { out[lid] = 10 / lid }
    let mut k = K::new("div_guarded");
    let out = k.output("out", DType::U32);
    let lid = k.lid();
    let zero = k.u32(0);
    let c = k.cmp(CmpOp::Ne, lid, zero);
    k.if_(
        c,
        |k| {
            let ten = k.u32(10);
            let d = k.bin(BinaryOp::Div, ten, lid);
            k.store(out, lid, d);
        },
        |_| {},
    );
    let mut o = poisoned(32, 4);
    run(&k.finish(), &Geometry::linear(1, 32), &mut [Arg::Output(&mut o)], &Options::default()).unwrap();
    assert_eq!(elems::<u32>(&o)[3], 3);
}

#[test]
fn runaway_loops_hit_the_iteration_limit() {
    let opts = Options { max_loop_iterations: 1000, ..Options::default() };
    let mut k = K::new("spin");
    k.while_(|k| k.bool(true), |_| {});
    let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &opts).unwrap_err();
    assert!(matches!(e, InterpError::LoopLimit { kind: "while", limit: 1000, .. }), "{e}");
    assert!(e.to_string().contains("1000 iterations"), "{e}");
    // for i in 0..u32::MAX: too many iterations, reported before it finishes.
    let mut k = K::new("long_for");
    let zero = k.u32(0);
    let end = k.u32(u32::MAX);
    let one = k.u32(1);
    k.for_(zero, end, one, false, |_, _| {});
    let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &opts).unwrap_err();
    assert!(matches!(e, InterpError::LoopLimit { kind: "for", .. }), "{e}");
    // Exactly the limit is allowed.
    let mut k = K::new("exact_for");
    let zero = k.u32(0);
    let end = k.u32(1000);
    let one = k.u32(1);
    k.for_(zero, end, one, false, |_, _| {});
    run(&k.finish(), &Geometry::linear(1, 32), &mut [], &opts).unwrap();
}

fn for_with_step(step: ValueId, k: &mut K) {
    let zero = k.c(Constant::i32(0));
    let ten = k.c(Constant::i32(10));
    k.for_(zero, ten, step, false, |_, _| {});
}

#[test]
fn non_positive_for_step() {
    for s in [0, -1] {
        let mut k = K::new("step");
        let lid = k.lid();
        let lid = k.cast(lid, DType::I32);
        let base = k.i32(s);
        let step = k.bin(BinaryOp::Sub, base, lid);
        // step = s - lid: thread 0 has step s.
        for_with_step(step, &mut k);
        let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &Options::default()).unwrap_err();
        assert!(
            matches!(e, InterpError::BadStep { step, thread: t } if step == s as i128 && t.local == Dim3([0, 0, 0])),
            "{e}"
        );
    }
}

#[test]
fn for_index_stepping_past_its_type() {
    // for i in 124i8..=127: the step after 127 does not fit in i8.
    let mut k = K::new("top");
    let start = k.c(Constant::from_i128(DType::I8, 124));
    let end = k.c(Constant::from_i128(DType::I8, 127));
    let step = k.c(Constant::from_i128(DType::I8, 1));
    k.for_(start, end, step, true, |_, _| {});
    let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &Options::default()).unwrap_err();
    assert!(matches!(e, InterpError::ForOverflow { dtype: DType::I8, index: 127, step: 1, .. }), "{e}");
    // for i in (0u32..u32::MAX).step_by(1 << 31): 0, 2^31, then 2^32 overflows.
    let mut k = K::new("wide_step");
    let start = k.u32(0);
    let end = k.u32(u32::MAX);
    let step = k.u32(1 << 31);
    k.for_(start, end, step, false, |_, _| {});
    let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &Options::default()).unwrap_err();
    assert!(matches!(e, InterpError::ForOverflow { dtype: DType::U32, index: 2147483648, .. }), "{e}");
    assert!(e.to_string().contains("overflows u32"), "{e}");
}

#[test]
fn bad_arguments() {
    let k = shifted_copy(0, DType::U32);
    let xb = bytes(&[0.0f32; 32]);
    let mut o = poisoned(32, 4);
    let geo = Geometry::linear(1, 32);
    let opts = Options::default();
    let e = run(&k, &geo, &mut [Arg::Input(&xb)], &opts).unwrap_err();
    assert!(matches!(e, InterpError::ArgCount { expected: 2, got: 1, .. }), "{e}");
    assert!(e.to_string().contains("takes 2 arguments, got 1"), "{e}");

    let e = run(&k, &geo, &mut [Arg::Input(&xb), Arg::Input(&xb)], &opts).unwrap_err();
    assert!(matches!(&e, InterpError::ArgKind { index: 1, param, got: "Arg::Input", .. } if param == "out"), "{e}");

    let e = run(&k, &geo, &mut [Arg::Scalar(Constant::u32(1)), Arg::Output(&mut o)], &opts).unwrap_err();
    assert!(matches!(&e, InterpError::ArgKind { index: 0, got: "Arg::Scalar", .. }), "{e}");

    let odd = vec![0u8; 30];
    let e = run(&k, &geo, &mut [Arg::Input(&odd), Arg::Output(&mut o)], &opts).unwrap_err();
    assert!(matches!(&e, InterpError::ByteLength { index: 0, len: 30, size: 4, dtype: DType::F32, .. }), "{e}");

    let mut k2 = K::new("scalar");
    k2.scalar("alpha", DType::F32);
    let k2 = k2.finish();
    let e = run(&k2, &geo, &mut [Arg::Scalar(Constant::u32(1))], &opts).unwrap_err();
    assert!(
        matches!(&e, InterpError::ScalarDType { param, expected: DType::F32, got: DType::U32, .. } if param == "alpha"),
        "{e}"
    );
    let e = run(&k2, &geo, &mut [Arg::Input(&xb)], &opts).unwrap_err();
    assert!(matches!(&e, InterpError::ArgKind { expected: "Arg::Scalar", got: "Arg::Input", .. }), "{e}");
}

#[test]
fn bad_geometry() {
    let opts = Options::default();
    let plain = K::new("plain").finish();
    for geo in [
        Geometry { groups: [0, 1, 1], group_size: [32, 1, 1] },
        Geometry::linear(1, 2048),
        Geometry { groups: [1 << 20, 1 << 10, 1], group_size: [64, 1, 1] },
    ] {
        let e = run(&plain, &geo, &mut [], &opts).unwrap_err();
        assert!(matches!(e, InterpError::Geometry(_)), "{geo:?}: {e}");
    }
    let mut k = K::new("simd");
    let one = k.u32(1);
    k.simd(SimdOp::Sum, one, None);
    let e = run(&k.finish(), &Geometry::linear(1, 48), &mut [], &opts).unwrap_err();
    assert!(matches!(e, InterpError::Geometry(_)) && e.to_string().contains("multiple of 32"), "{e}");
    let mut k = K::new("big_tile");
    k.shared("tile", DType::F32, 9000);
    let e = run(&k.finish(), &Geometry::linear(1, 32), &mut [], &opts).unwrap_err();
    assert!(matches!(e, InterpError::Geometry(_)) && e.to_string().contains("threadgroup memory"), "{e}");
}

#[test]
fn invalid_kernel_is_rejected_before_running() {
    let mut k = shifted_copy(0, DType::U32);
    // Make the store use a value that no instruction defines.
    let bogus = metaltile_ir::ValueId(k.values.len() as u32 - 1);
    if let Some(last) = k.body.insts.last_mut() {
        last.op = Op::Store { mem: metaltile_ir::MemRef::Param(1), index: bogus, value: bogus };
    }
    let e = copy_err(&k, 32, 32, Geometry::linear(1, 32));
    assert!(matches!(e, InterpError::InvalidKernel { .. }), "{e}");
}
