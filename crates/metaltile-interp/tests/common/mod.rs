//! Test helpers: a thin layer over `metaltile_ir::Builder` for writing kernels by hand, and
//! byte conversions for buffers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use metaltile_ir::{
    ArraySpace, Axis, BinaryOp, Block, Builder, Builtin, CmpOp, Constant, DType, Inst, Kernel, MemRef, Op, SimdOp, Ty,
    UnaryOp, ValueId, VarId,
};

/// A kernel under construction.
pub struct K {
    pub b: Builder,
}

impl K {
    pub fn new(name: &str) -> K {
        K { b: Builder::new(name, None) }
    }
    pub fn input(&mut self, name: &str, d: DType) -> MemRef {
        self.b.buffer_param(name, d, false)
    }
    pub fn output(&mut self, name: &str, d: DType) -> MemRef {
        self.b.buffer_param(name, d, true)
    }
    pub fn scalar(&mut self, name: &str, d: DType) -> ValueId {
        self.b.scalar_param(name, d).unwrap()
    }
    pub fn shared(&mut self, name: &str, d: DType, len: u32) -> MemRef {
        self.b.array(name, d, len, ArraySpace::Threadgroup).unwrap()
    }
    pub fn private(&mut self, name: &str, d: DType, len: u32) -> MemRef {
        self.b.array(name, d, len, ArraySpace::Private).unwrap()
    }
    pub fn v(&mut self, op: Op) -> ValueId {
        self.b.value(op).unwrap()
    }
    pub fn effect(&mut self, op: Op) {
        self.b.push(op).unwrap();
    }
    pub fn c(&mut self, c: Constant) -> ValueId {
        self.v(Op::Const(c))
    }
    pub fn u32(&mut self, x: u32) -> ValueId {
        self.c(Constant::u32(x))
    }
    pub fn i32(&mut self, x: i32) -> ValueId {
        self.c(Constant::i32(x))
    }
    pub fn f32(&mut self, x: f32) -> ValueId {
        self.c(Constant::f32(x))
    }
    pub fn bool(&mut self, x: bool) -> ValueId {
        self.c(Constant::bool(x))
    }
    pub fn builtin(&mut self, b: Builtin) -> ValueId {
        self.v(Op::Builtin(b))
    }
    pub fn gid(&mut self) -> ValueId {
        self.builtin(Builtin::GlobalId(Axis::X))
    }
    pub fn lid(&mut self) -> ValueId {
        self.builtin(Builtin::LocalId(Axis::X))
    }
    pub fn bin(&mut self, op: BinaryOp, lhs: ValueId, rhs: ValueId) -> ValueId {
        self.v(Op::Binary { op, lhs, rhs })
    }
    pub fn add(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.bin(BinaryOp::Add, a, b)
    }
    pub fn mul(&mut self, a: ValueId, b: ValueId) -> ValueId {
        self.bin(BinaryOp::Mul, a, b)
    }
    pub fn un(&mut self, op: UnaryOp, arg: ValueId) -> ValueId {
        self.v(Op::Unary { op, arg, fast: false })
    }
    pub fn cmp(&mut self, op: CmpOp, lhs: ValueId, rhs: ValueId) -> ValueId {
        self.v(Op::Cmp { op, lhs, rhs })
    }
    pub fn cast(&mut self, arg: ValueId, to: DType) -> ValueId {
        self.v(Op::Cast { arg, to })
    }
    pub fn load(&mut self, mem: MemRef, index: ValueId) -> ValueId {
        self.v(Op::Load { mem, index, lanes: 1 })
    }
    pub fn store(&mut self, mem: MemRef, index: ValueId, value: ValueId) {
        self.effect(Op::Store { mem, index, value })
    }
    pub fn simd(&mut self, op: SimdOp, arg: ValueId, lane: Option<ValueId>) -> ValueId {
        self.v(Op::Simd { op, arg, lane })
    }
    pub fn var(&mut self, name: &str, init: ValueId) -> VarId {
        let ty = self.b.ty(init).unwrap();
        let var = self.b.var(name, ty);
        self.effect(Op::VarStore { var, value: init });
        var
    }
    pub fn get(&mut self, var: VarId) -> ValueId {
        self.v(Op::VarLoad(var))
    }
    pub fn set(&mut self, var: VarId, value: ValueId) {
        self.effect(Op::VarStore { var, value })
    }
    fn region(&mut self, f: impl FnOnce(&mut K)) -> Block {
        self.b.begin_block();
        f(self);
        self.b.end_block().unwrap()
    }
    /// `if cond { then } else { otherwise }` as a statement.
    pub fn if_(&mut self, cond: ValueId, then: impl FnOnce(&mut K), otherwise: impl FnOnce(&mut K)) {
        let t = self.region(then);
        let e = self.region(otherwise);
        self.b.push_if(cond, t, e, None).unwrap();
    }
    /// `if cond { a } else { b }` as an expression.
    pub fn if_expr(
        &mut self,
        cond: ValueId,
        then: impl FnOnce(&mut K) -> ValueId,
        otherwise: impl FnOnce(&mut K) -> ValueId,
    ) -> ValueId {
        let mut ty = None;
        let t = self.region(|k| {
            let v = then(k);
            ty = Some(k.b.ty(v).unwrap());
            k.effect(Op::Yield(Some(v)));
        });
        let e = self.region(|k| {
            let v = otherwise(k);
            k.effect(Op::Yield(Some(v)));
        });
        self.b.push_if(cond, t, e, ty).unwrap().unwrap()
    }
    /// `for i in (start..end).step_by(step)` (`..=` when `inclusive`).
    pub fn for_(
        &mut self,
        start: ValueId,
        end: ValueId,
        step: ValueId,
        inclusive: bool,
        body: impl FnOnce(&mut K, ValueId),
    ) {
        let ty = self.b.ty(start).unwrap();
        let index = self.b.new_value(ty);
        let body = self.region(|k| body(k, index));
        self.b.push_inst(Inst { result: None, op: Op::For { index, start, end, step, inclusive, body } }).unwrap();
    }
    pub fn while_(&mut self, cond: impl FnOnce(&mut K) -> ValueId, body: impl FnOnce(&mut K)) {
        let cond = self.region(|k| {
            let c = cond(k);
            k.effect(Op::Yield(Some(c)));
        });
        let body = self.region(body);
        self.b.push_inst(Inst { result: None, op: Op::While { cond, body } }).unwrap();
    }
    pub fn finish(self) -> Kernel {
        self.b.finish().unwrap()
    }
}

/// A scalar type with a little-endian byte form.
pub trait Elem: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
}

macro_rules! elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().unwrap())
            }
        }
    )*};
}
elem!(f32, u32, i32, u16, i16, u8, i8, u64, i64);

impl Elem for half::f16 {
    const SIZE: usize = 2;
    fn put(self, out: &mut Vec<u8>) {
        self.to_bits().put(out)
    }
    fn get(b: &[u8]) -> Self {
        half::f16::from_bits(u16::get(b))
    }
}

impl Elem for half::bf16 {
    const SIZE: usize = 2;
    fn put(self, out: &mut Vec<u8>) {
        self.to_bits().put(out)
    }
    fn get(b: &[u8]) -> Self {
        half::bf16::from_bits(u16::get(b))
    }
}

impl Elem for bool {
    const SIZE: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(self as u8)
    }
    fn get(b: &[u8]) -> Self {
        b[0] != 0
    }
}

pub fn bytes<T: Elem>(xs: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xs.len() * T::SIZE);
    xs.iter().for_each(|x| x.put(&mut out));
    out
}

pub fn elems<T: Elem>(b: &[u8]) -> Vec<T> {
    b.chunks_exact(T::SIZE).map(T::get).collect()
}

/// A buffer of `n` elements filled with a recognizable pattern, as the oracle poisons outputs.
pub fn poisoned(n: usize, size: usize) -> Vec<u8> {
    vec![0xcd; n * size]
}

/// Deterministic pseudo-random f32 values in [-4, 4).
pub fn randf(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 8.0 - 4.0
        })
        .collect()
}

/// Deterministic pseudo-random u32 values.
pub fn randu(n: usize, seed: u64) -> Vec<u32> {
    let mut s = seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 32) as u32
        })
        .collect()
}

/// The scalar type of values as a `Ty`.
pub fn scalar(d: DType) -> Ty {
    Ty::scalar(d)
}
