//! Kernels the emitter tests share: three written with the DSL as `#[kernel]` expands them
//! (an elementwise op, a row reduction, one with the remaining control flow, atomics and
//! vector accesses), and IR built directly to reach every op on every dtype.
#![allow(dead_code)]

use metaltile::dsl::{self, *};
use metaltile::ir::{
    ArraySpace, AtomicOp, Axis, BarrierScope, BinaryOp, Builder, Builtin, CmpOp, Constant, DType, Inst, Kernel, MemRef,
    Op, SimdOp, Ty, UnaryOp, ValueId, ALL_DTYPES,
};
use metaltile::ir::{IrResult, FLOAT_DTYPES};

/// `y[i] = x[i] * sigmoid(x[i])` for `i < n`.
pub fn silu(d: DType) -> Kernel {
    struct K;
    impl FloatKernel for K {
        fn build<T: Float>(self, d: DType) -> IrResult<Kernel> {
            trace("silu", Some(d), || {
                let x = declare::input::<T>("x");
                let y = declare::output::<T>("y");
                let n = declare::scalar::<u32>("n");
                let i = dsl::Named::named(global_id().x, "i");
                if_(ge(i, n), return_, || {});
                let v = dsl::Named::named(load(&x, i), "v");
                let one = lit_float::<T>(1.0);
                let sigmoid = dsl::Named::named(one / (one + (-v).exp()), "sigmoid");
                store(&y, i, v * sigmoid);
                Ok(())
            })
        }
    }
    build_float("silu", Some(d), K).unwrap()
}

/// `y[row] = sum(x[row, ..n])`, one threadgroup of 256 threads per row: a strided loop, a
/// simdgroup sum, partial sums in threadgroup memory, a barrier, a second simdgroup sum.
pub fn row_sum(d: DType) -> Kernel {
    struct K;
    impl FloatKernel for K {
        fn build<T: Float>(self, d: DType) -> IrResult<Kernel> {
            trace("row_sum", Some(d), || {
                let x = declare::input::<T>("x");
                let y = declare::output::<T>("y");
                let n = declare::scalar::<u32>("n");
                let row = dsl::Named::named(group_id().x, "row");
                let tid = dsl::Named::named(local_id().x, "tid");
                let partials = dsl::Named::named(threadgroup_array::<f32>(lit_int(8)), "partials");
                let acc = Var::<f32>::new("acc", lit_float(0.0));
                for_range(tid, n, lit_int(256), false, |i| {
                    acc.set(acc.get() + load(&x, row * n + i).cast::<f32>());
                });
                let s = dsl::Named::named(simd_sum(acc.get()), "simd_total");
                if_(eq(lane_id(), lit_int(0)), || store(&partials, simdgroup_id(), s), || {});
                threadgroup_barrier();
                let part = if_expr(lt(tid, num_simdgroups()), || load(&partials, tid), || lit_float(0.0));
                let total = dsl::Named::named(simd_sum(dsl::Named::named(part, "part")), "total");
                if_(eq(tid, lit_int(0)), || store(&y, row, total.cast::<T>()), || {});
                Ok(())
            })
        }
    }
    build_float("row_sum", Some(d), K).unwrap()
}

/// Four elements per thread with vector accesses, a `while` with `break`, an if-expression,
/// atomics (add, max, compare-exchange) and a masked load.
pub fn bucket_count(d: DType) -> Kernel {
    struct K;
    impl FloatKernel for K {
        fn build<T: Float>(self, d: DType) -> IrResult<Kernel> {
            trace("bucket_count", Some(d), || {
                let x = declare::input::<T>("x");
                let y = declare::output::<T>("y");
                let counts = declare::output::<u32>("counts");
                let n = declare::scalar::<u32>("n");
                let gid = dsl::Named::named(global_id().x, "gid");
                let base = dsl::Named::named(gid * lit_int(4), "base");
                if_(gt(base + lit_int(4), n), return_, || {});
                let v = load4(&x, base);
                let m = dsl::Named::named(v[0].max(v[1]).max(v[2].max(v[3])), "m");
                store4(&y, base, [v[0] - m, v[1] - m, v[2] - m, v[3] - m]);
                let k = Var::<u32>::new("k", lit_int(0));
                while_(
                    || lt(k.get(), lit_int(32)),
                    || {
                        if_(gt(load(&x, (base + k.get()) % n), m), break_, || {});
                        k.set(k.get() + lit_int(1));
                    },
                );
                let bucket = if_expr(gt(m, lit_float(0.0)), || k.get(), || lit_int(32));
                let old =
                    dsl::Named::named(atomic_add(&counts, dsl::Named::named(bucket, "bucket"), lit_int(1)), "old");
                atomic_max(&counts, lit_int::<u32>(33), old);
                atomic_compare_exchange(&counts, lit_int::<u32>(34), lit_int(0), gid);
                let next = gid + lit_int(1);
                let tail = masked_load(&x, next, lt(next, n), lit_float(0.0));
                store(&y, gid, tail);
                Ok(())
            })
        }
    }
    build_float("bucket_count", Some(d), K).unwrap()
}

/// A test kernel for one element type.
pub type KernelFn = fn(DType) -> Kernel;

/// The DSL kernels, by name.
pub fn dsl_kernels() -> Vec<(&'static str, KernelFn)> {
    vec![("silu", silu), ("row_sum", row_sum), ("bucket_count", bucket_count), ("wide_reverse", wide_reverse)]
}

/// Eight elements per thread in one 8-lane load and one 8-lane store, reversed (the 16-byte
/// accesses of 16-bit types; 32-byte ones for f32).
pub fn wide_reverse(d: DType) -> Kernel {
    struct K;
    impl FloatKernel for K {
        fn build<T: Float>(self, d: DType) -> IrResult<Kernel> {
            trace("wide_reverse", Some(d), || {
                let x = declare::input::<T>("x");
                let y = declare::output::<T>("y");
                let base = dsl::Named::named(global_id().x * lit_int(8), "base");
                let v = load8(&x, base);
                store8(&y, base, [v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0]]);
                Ok(())
            })
        }
    }
    build_float("wide_reverse", Some(d), K).unwrap()
}

pub fn float_dtypes() -> [DType; 3] {
    FLOAT_DTYPES
}

// ---------------------------------------------------------------------------------------
// IR built directly: every op on every dtype it accepts.
// ---------------------------------------------------------------------------------------

struct Ops {
    b: Builder,
    outs: Vec<(DType, MemRef)>,
    slot: i64,
}

impl Ops {
    fn v(&mut self, op: Op) -> ValueId {
        self.b.value(op).unwrap()
    }
    fn c(&mut self, c: Constant) -> ValueId {
        self.v(Op::Const(c))
    }
    fn u32(&mut self, v: u32) -> ValueId {
        self.c(Constant::u32(v))
    }
    /// Store `v` to the output buffer of its dtype, at a fresh index.
    fn keep(&mut self, v: ValueId) {
        let t = self.b.ty(v).unwrap();
        let mem = self.outs.iter().find(|(d, _)| *d == t.dtype).unwrap().1;
        self.slot += 4;
        let i = self.u32(self.slot as u32);
        self.b.push(Op::Store { mem, index: i, value: v }).unwrap();
    }
}

/// A kernel applying every op the IR accepts on element type `d` (unary, binary, compare,
/// select, fma, casts to every dtype, bitcasts, vectors, masked loads, atomics, collectives,
/// builtins, a runtime scalar), each result stored so it is live.
pub fn every_op(d: DType) -> Kernel {
    let mut b = Builder::new("every_op", Some(d));
    let x = b.buffer_param("x", d, false);
    let outs: Vec<(DType, MemRef)> =
        ALL_DTYPES.iter().map(|&t| (t, b.buffer_param(&format!("out_{t}"), t, true))).collect();
    let mut o = Ops { b, outs, slot: 0 };
    let s = o.b.scalar_param("s", d).unwrap();
    let gid = o.v(Op::Builtin(Builtin::GlobalId(Axis::X)));
    let one = o.u32(1);
    let gid1 = o.v(Op::Binary { op: BinaryOp::Add, lhs: gid, rhs: one });
    let a = o.v(Op::Load { mem: x, index: gid, lanes: 1 });
    let c = o.v(Op::Load { mem: x, index: gid1, lanes: 1 });
    for &op in UnaryOp::ALL {
        if !op.accepts().contains(d) {
            continue;
        }
        for fast in [false, true] {
            if fast && !op.has_fast_variant() {
                continue;
            }
            let r = o.v(Op::Unary { op, arg: a, fast });
            o.keep(r);
        }
    }
    for &op in BinaryOp::ALL {
        if !op.accepts().contains(d) {
            continue;
        }
        let r = o.v(Op::Binary { op, lhs: a, rhs: c });
        o.keep(r);
        let r = o.v(Op::Binary { op, lhs: a, rhs: s });
        o.keep(r);
        if matches!(op, BinaryOp::Shl | BinaryOp::Shr) {
            let k = o.c(Constant::from_i128(d, 3));
            let r = o.v(Op::Binary { op, lhs: a, rhs: k });
            o.keep(r);
        }
    }
    for op in CmpOp::ALL {
        let r = o.v(Op::Cmp { op, lhs: a, rhs: c });
        o.keep(r);
    }
    let cond = o.v(Op::Cmp { op: CmpOp::Lt, lhs: a, rhs: c });
    let r = o.v(Op::Select { cond, on_true: a, on_false: c });
    o.keep(r);
    if d.is_float() {
        let r = o.v(Op::Fma { a, b: c, c: s });
        o.keep(r);
    }
    for to in ALL_DTYPES {
        let r = o.v(Op::Cast { arg: a, to });
        o.keep(r);
        if to != d && to.size_bytes() == d.size_bytes() && !to.is_bool() && !d.is_bool() {
            let r = o.v(Op::Bitcast { arg: a, to });
            o.keep(r);
        }
    }
    // Constants: zero, one, a negative, the extremes, and the special floats.
    let mut consts = vec![Constant::from_i128(d, 0), Constant::from_i128(d, 1)];
    if d.is_signed() {
        consts.push(Constant::from_i128(d, -3));
    }
    let (lo, hi) = d.min_max();
    consts.push(Constant::from_f64(d, lo));
    consts.push(Constant::from_f64(d, hi));
    if d.is_float() {
        consts.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0, 0.1, 1e-30].map(|v| Constant::from_f64(d, v)));
    }
    for k in consts {
        let kv = o.c(k);
        let r = o.v(Op::Select { cond, on_true: kv, on_false: a });
        o.keep(r);
    }
    if !d.is_bool() {
        for lanes in [2u8, 4] {
            let i = o.u32(lanes as u32 * 8);
            let vec = o.v(Op::Load { mem: x, index: i, lanes });
            let elems: Vec<ValueId> = (0..lanes).map(|l| o.v(Op::Extract { vector: vec, lane: l })).collect();
            let rebuilt = o.v(Op::MakeVector { elems: elems.iter().rev().copied().collect() });
            let mem = o.outs.iter().find(|(t, _)| *t == d).unwrap().1;
            let j = o.u32(64 + lanes as u32 * 4);
            o.b.push(Op::Store { mem, index: j, value: rebuilt }).unwrap();
            o.keep(elems[0]);
        }
    }
    let t = o.v(Op::Cmp { op: CmpOp::Ne, lhs: gid, rhs: one });
    let r = o.v(Op::MaskedLoad { mem: x, index: gid, mask: t, fill: a });
    o.keep(r);
    // Collectives.
    let lane = o.v(Op::Builtin(Builtin::Lane));
    for op in [
        SimdOp::Sum,
        SimdOp::Product,
        SimdOp::Max,
        SimdOp::Min,
        SimdOp::PrefixSum,
        SimdOp::PrefixSumExclusive,
        SimdOp::Shuffle,
        SimdOp::ShuffleXor,
        SimdOp::ShuffleUp,
        SimdOp::ShuffleDown,
        SimdOp::Broadcast,
        SimdOp::Any,
        SimdOp::All,
        SimdOp::Ballot,
    ] {
        let accepted = if matches!(op, SimdOp::Any | SimdOp::All | SimdOp::Ballot) {
            d.is_bool()
        } else {
            op.accepts().contains(d)
        };
        if !accepted {
            continue;
        }
        if op.has_lane_operand() {
            let five = o.u32(5);
            let forty = o.u32(40);
            for l in [lane, five, forty] {
                if op == SimdOp::Broadcast && l == lane {
                    continue;
                }
                let r = o.v(Op::Simd { op, arg: a, lane: Some(l) });
                o.keep(r);
            }
        } else {
            let r = o.v(Op::Simd { op, arg: a, lane: None });
            o.keep(r);
        }
    }
    // Atomics on device and threadgroup memory.
    let mem_d = o.outs.iter().find(|(t, _)| *t == d).unwrap().1;
    let tg = o.b.array("scratch", d, 64, ArraySpace::Threadgroup).unwrap();
    for mem in [mem_d, tg] {
        for op in [
            AtomicOp::Add,
            AtomicOp::Min,
            AtomicOp::Max,
            AtomicOp::And,
            AtomicOp::Or,
            AtomicOp::Xor,
            AtomicOp::Exchange,
        ] {
            if op.accepts(d) {
                let r = o.v(Op::Atomic { op, mem, index: gid, value: a });
                o.keep(r);
                o.b.push(Op::Atomic { op, mem, index: one, value: a }).unwrap();
            }
        }
        if matches!(d, DType::I32 | DType::U32) {
            let r = o.v(Op::AtomicCas { mem, index: gid, expected: a, desired: c });
            o.keep(r);
            o.b.push(Op::AtomicCas { mem, index: one, expected: c, desired: a }).unwrap();
        }
    }
    o.b.push(Op::Barrier(BarrierScope::Threadgroup)).unwrap();
    o.b.push(Op::Barrier(BarrierScope::Simdgroup)).unwrap();
    for bi in [
        Builtin::GlobalId,
        Builtin::LocalId,
        Builtin::GroupId,
        Builtin::GroupSize,
        Builtin::NumGroups,
        Builtin::GridSize,
    ] {
        for axis in Axis::ALL {
            let r = o.v(Op::Builtin(bi(axis)));
            o.keep(r);
        }
    }
    for bi in [Builtin::LocalIndex, Builtin::Lane, Builtin::SimdGroup, Builtin::NumSimdGroups] {
        let r = o.v(Op::Builtin(bi));
        o.keep(r);
    }
    o.b.finish().unwrap()
}

/// Structured control flow in every form: an inclusive `for` over i32 with `continue`, a
/// `while` whose body continues, nested if-expressions, variables first written inside
/// branches, a private array and a threadgroup array accessed as vectors, an early return.
pub fn control_flow(d: DType) -> Kernel {
    let mut b = Builder::new("control_flow", Some(d));
    let x = b.buffer_param("x", d, false);
    let y = b.buffer_param("y", d, true);
    let n = b.scalar_param("n", DType::I32).unwrap();
    let tg = b.array("tile", d, 64, ArraySpace::Threadgroup).unwrap();
    let pv = b.array("local", d, 8, ArraySpace::Private).unwrap();
    let acc = b.var("acc", Ty::scalar(d));
    let flag = b.var("flag", Ty::scalar(DType::Bool));
    let lid = b.value(Op::Builtin(Builtin::LocalId(Axis::X))).unwrap();
    let zero = b.value(Op::Const(Constant::from_i128(d, 0))).unwrap();
    b.push(Op::VarStore { var: acc, value: zero }).unwrap();
    // for i in 0..=n (i32), continue on odd i
    let (i0, i1, i2) = (
        b.value(Op::Const(Constant::i32(0))).unwrap(),
        b.value(Op::Const(Constant::i32(1))).unwrap(),
        b.value(Op::Const(Constant::i32(2))).unwrap(),
    );
    let idx = b.new_value(Ty::scalar(DType::I32));
    b.begin_block();
    let r = b.value(Op::Binary { op: BinaryOp::Rem, lhs: idx, rhs: i2 }).unwrap();
    let odd = b.value(Op::Cmp { op: CmpOp::Ne, lhs: r, rhs: i0 }).unwrap();
    b.begin_block();
    b.push(Op::Continue).unwrap();
    let then_b = b.end_block().unwrap();
    b.push_if(odd, then_b, Default::default(), None).unwrap();
    let xi = b.value(Op::Load { mem: x, index: idx, lanes: 1 }).unwrap();
    let cur = b.value(Op::VarLoad(acc)).unwrap();
    let sum = b.value(Op::Binary { op: BinaryOp::Add, lhs: cur, rhs: xi }).unwrap();
    b.push(Op::VarStore { var: acc, value: sum }).unwrap();
    let t = b.value(Op::Const(Constant::bool(true))).unwrap();
    b.push(Op::VarStore { var: flag, value: t }).unwrap();
    let body = b.end_block().unwrap();
    b.push_inst(Inst { result: None, op: Op::For { index: idx, start: i0, end: n, step: i1, inclusive: true, body } })
        .unwrap();
    // while (k < 8) { k += 1; if k == 3 continue; local[k % 8] = acc }
    let k = b.var("k", Ty::scalar(DType::U32));
    let u0 = b.value(Op::Const(Constant::u32(0))).unwrap();
    b.push(Op::VarStore { var: k, value: u0 }).unwrap();
    b.begin_block();
    let kv = b.value(Op::VarLoad(k)).unwrap();
    let eight = b.value(Op::Const(Constant::u32(8))).unwrap();
    let c = b.value(Op::Cmp { op: CmpOp::Lt, lhs: kv, rhs: eight }).unwrap();
    b.push(Op::Yield(Some(c))).unwrap();
    let cond = b.end_block().unwrap();
    b.begin_block();
    let kv = b.value(Op::VarLoad(k)).unwrap();
    let u1 = b.value(Op::Const(Constant::u32(1))).unwrap();
    let k1 = b.value(Op::Binary { op: BinaryOp::Add, lhs: kv, rhs: u1 }).unwrap();
    b.push(Op::VarStore { var: k, value: k1 }).unwrap();
    let three = b.value(Op::Const(Constant::u32(3))).unwrap();
    let is3 = b.value(Op::Cmp { op: CmpOp::Eq, lhs: k1, rhs: three }).unwrap();
    b.begin_block();
    b.push(Op::Continue).unwrap();
    let then_b = b.end_block().unwrap();
    b.push_if(is3, then_b, Default::default(), None).unwrap();
    let seven = b.value(Op::Const(Constant::u32(7))).unwrap();
    let slot = b.value(Op::Binary { op: BinaryOp::And, lhs: k1, rhs: seven }).unwrap();
    let av = b.value(Op::VarLoad(acc)).unwrap();
    b.push(Op::Store { mem: pv, index: slot, value: av }).unwrap();
    let body = b.end_block().unwrap();
    b.push_inst(Inst { result: None, op: Op::While { cond, body } }).unwrap();
    // Vector accesses to the private and threadgroup arrays.
    let four = b.value(Op::Const(Constant::u32(4))).unwrap();
    let v4 = b.value(Op::Load { mem: pv, index: four, lanes: 4 }).unwrap();
    let base = b.value(Op::Binary { op: BinaryOp::Mul, lhs: lid, rhs: four }).unwrap();
    b.push(Op::Store { mem: tg, index: base, value: v4 }).unwrap();
    b.push(Op::Barrier(BarrierScope::Threadgroup)).unwrap();
    let w = b.value(Op::Load { mem: tg, index: base, lanes: 2 }).unwrap();
    let w0 = b.value(Op::Extract { vector: w, lane: 1 }).unwrap();
    // Nested if-expressions, reading a variable only some paths write.
    let fv = b.value(Op::VarLoad(flag)).unwrap();
    b.begin_block();
    let inner_c = b.value(Op::Cmp { op: CmpOp::Gt, lhs: w0, rhs: zero }).unwrap();
    b.begin_block();
    b.push(Op::Yield(Some(w0))).unwrap();
    let t2 = b.end_block().unwrap();
    b.begin_block();
    b.push(Op::Return).unwrap();
    b.push(Op::Yield(Some(zero))).unwrap();
    let e2 = b.end_block().unwrap();
    let inner = b.push_if(inner_c, t2, e2, Some(Ty::scalar(d))).unwrap().unwrap();
    b.push(Op::Yield(Some(inner))).unwrap();
    let t1 = b.end_block().unwrap();
    b.begin_block();
    let accv = b.value(Op::VarLoad(acc)).unwrap();
    b.push(Op::Yield(Some(accv))).unwrap();
    let e1 = b.end_block().unwrap();
    let outer = b.push_if(fv, t1, e1, Some(Ty::scalar(d))).unwrap().unwrap();
    b.push(Op::Store { mem: y, index: lid, value: outer }).unwrap();
    // A loop that never ends by its condition.
    b.begin_block();
    let tr = b.value(Op::Const(Constant::bool(true))).unwrap();
    b.push(Op::Yield(Some(tr))).unwrap();
    let cond = b.end_block().unwrap();
    b.begin_block();
    b.push(Op::Break).unwrap();
    let body = b.end_block().unwrap();
    b.push_inst(Inst { result: None, op: Op::While { cond, body } }).unwrap();
    b.finish().unwrap()
}

/// Source names that are keywords or library names in the targets.
pub fn awkward_names() -> Kernel {
    let mut b = Builder::new("kernel", None);
    let x = b.buffer_param("half", DType::F32, false);
    let y = b.buffer_param("threadIdx", DType::F32, true);
    let n = b.scalar_param("float4", DType::U32).unwrap();
    let tg = b.array("device", DType::F32, 4, ArraySpace::Threadgroup).unwrap();
    let v = b.var("exp", Ty::scalar(DType::F32));
    let i = b.value(Op::Builtin(Builtin::GlobalId(Axis::X))).unwrap();
    b.name_value(i, "v3");
    let xi = b.value(Op::Load { mem: x, index: i, lanes: 1 }).unwrap();
    b.name_value(xi, "int");
    let e = b.value(Op::Unary { op: UnaryOp::Exp, arg: xi, fast: false }).unwrap();
    b.name_value(e, "mt_thing");
    b.push(Op::VarStore { var: v, value: e }).unwrap();
    let z = b.value(Op::Const(Constant::u32(0))).unwrap();
    b.push(Op::Store { mem: tg, index: z, value: e }).unwrap();
    let ld = b.value(Op::VarLoad(v)).unwrap();
    let back = b.value(Op::Load { mem: tg, index: z, lanes: 1 }).unwrap();
    let sum = b.value(Op::Binary { op: BinaryOp::Add, lhs: ld, rhs: back }).unwrap();
    let m = b.value(Op::Binary { op: BinaryOp::Rem, lhs: i, rhs: n }).unwrap();
    b.push(Op::Store { mem: y, index: m, value: sum }).unwrap();
    b.finish().unwrap()
}
