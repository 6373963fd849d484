//! Memory inside kernels: buffer parameters, threadgroup and private arrays, and local
//! variables. Indexing in a kernel (`x[i]`, `y[i] = v`) becomes [`load`] and [`store`].

use super::builtins::Dim3;
use super::scalar::{AtomicScalar, IndexType, Scalar};
use super::trace::{emit, emit_effect, with_builder, POISON};
use super::val::{const_u32, Val};
use metaltile_ir::{ArraySpace, AtomicOp, MemRef, Op, Ty, VarId};
use std::marker::PhantomData;

/// Anything that can be indexed in a kernel.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not kernel memory of `{T}` elements",
    label = "not indexable memory of `{T}`",
    note = "kernel memory is a buffer parameter (`&[T]`, `&mut [T]`), a `threadgroup_array` or a `private_array`"
)]
pub trait Memory<T: Scalar>: Copy {
    /// The IR memory reference (`None` after a tracing error).
    fn mem(&self) -> Option<MemRef>;
}
/// Memory that may be written.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is read-only memory",
    label = "cannot be written",
    note = "declare the buffer parameter as `&mut [T]` to write it"
)]
pub trait WritableMemory<T: Scalar>: Memory<T> {}

/// A reference to memory is the same memory (handles are copies of one reference), so
/// `helper(&x)` and `helper(x)` mean the same.
impl<T: Scalar, M: Memory<T>> Memory<T> for &M {
    fn mem(&self) -> Option<MemRef> {
        (**self).mem()
    }
}
impl<T: Scalar, M: WritableMemory<T>> WritableMemory<T> for &M {}

macro_rules! memory_handle {
    ($(#[$doc:meta])* $name:ident, writable: $w:tt) => {
        $(#[$doc])*
        pub struct $name<T> {
            mem: Option<MemRef>,
            _t: PhantomData<T>,
        }
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<T> Copy for $name<T> {}
        impl<T: Scalar> $name<T> {
            /// Wrap an IR memory reference (used by generated code).
            pub fn from_mem(mem: Option<MemRef>) -> Self {
                $name { mem, _t: PhantomData }
            }
        }
        impl<T: Scalar> Memory<T> for $name<T> {
            fn mem(&self) -> Option<MemRef> {
                self.mem
            }
        }
        memory_handle!(@w $name $w);
    };
    (@w $name:ident true) => { impl<T: Scalar> WritableMemory<T> for $name<T> {} };
    (@w $name:ident false) => {};
}

memory_handle!(
    /// A read-only buffer parameter (`&[T]` in the signature).
    Buf, writable: false
);
memory_handle!(
    /// A writable buffer parameter (`&mut [T]` in the signature).
    BufMut, writable: true
);
memory_handle!(
    /// An array shared by the threads of a threadgroup.
    Shared, writable: true
);
memory_handle!(
    /// A per-thread array.
    Local, writable: true
);

fn array<T: Scalar>(len: Val<u32>, space: ArraySpace, what: &str) -> Option<MemRef> {
    let n = const_u32(len, &format!("the length of a {what} array"))?;
    with_builder(|b| b.array(what, T::DTYPE, n, space))
}

/// A threadgroup array of `len` elements; `len` must be a compile-time constant.
pub fn threadgroup_array<T: Scalar>(len: Val<u32>) -> Shared<T> {
    Shared::from_mem(array::<T>(len, ArraySpace::Threadgroup, "shared"))
}

/// The size of one `T` in bytes, a compile-time constant: kernels generic over the element
/// type branch on it to pick an access width (`if elem_bytes::<T>() == 2 { load8 } else { load4 }`),
/// and the branch not taken folds away.
pub fn elem_bytes<T: Scalar>() -> Val<u32> {
    crate::dsl::lit_int::<u32>(T::DTYPE.size_bytes() as i128)
}

/// A thread-private array of `len` elements; `len` must be a compile-time constant.
pub fn private_array<T: Scalar>(len: Val<u32>) -> Local<T> {
    Local::from_mem(array::<T>(len, ArraySpace::Private, "local"))
}

fn mem_or_poison<T: Scalar>(m: &impl Memory<T>) -> Option<MemRef> {
    m.mem()
}

/// `m[i]`.
pub fn load<T: Scalar, I: IndexType>(m: &impl Memory<T>, i: Val<I>) -> Val<T> {
    match mem_or_poison(m) {
        Some(mem) => Val::from_id(emit(Op::Load { mem, index: i.id(), lanes: 1 })),
        None => Val::from_id(POISON),
    }
}

/// `m[i] = v`.
pub fn store<T: Scalar, I: IndexType>(m: &impl WritableMemory<T>, i: Val<I>, v: Val<T>) {
    if let Some(mem) = m.mem() {
        emit_effect(Op::Store { mem, index: i.id(), value: v.id() })
    }
}

/// `m[i]` where `mask` holds, `fill` elsewhere; memory is not touched where `mask` is false.
pub fn masked_load<T: Scalar, I: IndexType>(m: &impl Memory<T>, i: Val<I>, mask: Val<bool>, fill: Val<T>) -> Val<T> {
    match m.mem() {
        Some(mem) => Val::from_id(emit(Op::MaskedLoad { mem, index: i.id(), mask: mask.id(), fill: fill.id() })),
        None => Val::from_id(POISON),
    }
}

fn load_vec<T: Scalar, I: IndexType, const N: usize>(m: &impl Memory<T>, i: Val<I>) -> [Val<T>; N] {
    let v = match m.mem() {
        Some(mem) => emit(Op::Load { mem, index: i.id(), lanes: N as u8 }),
        None => POISON,
    };
    std::array::from_fn(|lane| Val::from_id(emit(Op::Extract { vector: v, lane: lane as u8 })))
}

fn store_vec<T: Scalar, I: IndexType, const N: usize>(m: &impl WritableMemory<T>, i: Val<I>, v: [Val<T>; N]) {
    let vector = emit(Op::MakeVector { elems: v.iter().map(|x| x.id()).collect() });
    if let Some(mem) = m.mem() {
        emit_effect(Op::Store { mem, index: i.id(), value: vector })
    }
}

/// Two consecutive elements starting at `i`, which must be a multiple of 2 (one 2-wide access).
pub fn load2<T: Scalar, I: IndexType>(m: &impl Memory<T>, i: Val<I>) -> [Val<T>; 2] {
    load_vec::<T, I, 2>(m, i)
}
/// Four consecutive elements starting at `i`, which must be a multiple of 4 (one 4-wide access).
pub fn load4<T: Scalar, I: IndexType>(m: &impl Memory<T>, i: Val<I>) -> [Val<T>; 4] {
    load_vec::<T, I, 4>(m, i)
}
/// Eight consecutive elements starting at `i`, which must be a multiple of 8 (one 8-wide
/// access: 16 bytes of a 16-bit type, the widest single load a GPU thread issues).
pub fn load8<T: Scalar, I: IndexType>(m: &impl Memory<T>, i: Val<I>) -> [Val<T>; 8] {
    load_vec::<T, I, 8>(m, i)
}
/// Store two consecutive elements at `i` (a multiple of 2).
pub fn store2<T: Scalar, I: IndexType>(m: &impl WritableMemory<T>, i: Val<I>, v: [Val<T>; 2]) {
    store_vec::<T, I, 2>(m, i, v)
}
/// Store four consecutive elements at `i` (a multiple of 4).
pub fn store4<T: Scalar, I: IndexType>(m: &impl WritableMemory<T>, i: Val<I>, v: [Val<T>; 4]) {
    store_vec::<T, I, 4>(m, i, v)
}

/// Store eight consecutive elements at `i` (a multiple of 8).
pub fn store8<T: Scalar, I: IndexType>(m: &impl WritableMemory<T>, i: Val<I>, v: [Val<T>; 8]) {
    store_vec::<T, I, 8>(m, i, v)
}

fn atomic<T: AtomicScalar, I: IndexType>(op: AtomicOp, m: &impl WritableMemory<T>, i: Val<I>, v: Val<T>) -> Val<T> {
    match m.mem() {
        Some(mem) => Val::from_id(emit(Op::Atomic { op, mem, index: i.id(), value: v.id() })),
        None => Val::from_id(POISON),
    }
}

macro_rules! atomics {
    ($($(#[$doc:meta])* $f:ident => $op:ident;)*) => { $(
        $(#[$doc])*
        pub fn $f<T: AtomicScalar, I: IndexType>(m: &impl WritableMemory<T>, i: Val<I>, v: Val<T>) -> Val<T> {
            atomic(AtomicOp::$op, m, i, v)
        }
    )* };
}
atomics! {
    /// Atomically add `v` to `m[i]`; returns the old value (i32, u32, f32).
    atomic_add => Add;
    /// Atomic minimum (i32, u32); returns the old value.
    atomic_min => Min;
    /// Atomic maximum (i32, u32); returns the old value.
    atomic_max => Max;
    /// Atomic bitwise and (i32, u32); returns the old value.
    atomic_and => And;
    /// Atomic bitwise or (i32, u32); returns the old value.
    atomic_or => Or;
    /// Atomic bitwise xor (i32, u32); returns the old value.
    atomic_xor => Xor;
    /// Atomically replace `m[i]` with `v` (i32, u32, f32); returns the old value.
    atomic_exchange => Exchange;
}

/// If `m[i] == expected`, store `desired`; returns the old value (i32, u32).
pub fn atomic_compare_exchange<T: AtomicScalar, I: IndexType>(
    m: &impl WritableMemory<T>,
    i: Val<I>,
    expected: Val<T>,
    desired: Val<T>,
) -> Val<T> {
    match m.mem() {
        Some(mem) => {
            Val::from_id(emit(Op::AtomicCas { mem, index: i.id(), expected: expected.id(), desired: desired.id() }))
        }
        None => Val::from_id(POISON),
    }
}

/// A mutable local (`let mut x = ...` in kernels).
pub struct Var<T> {
    var: Option<VarId>,
    _t: PhantomData<T>,
}
impl<T> Clone for Var<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Var<T> {}

impl<T: Scalar> Var<T> {
    /// Declare a variable named `name` holding `init`.
    pub fn new(name: &str, init: Val<T>) -> Var<T> {
        let var = with_builder(|b| Ok(b.var(name, Ty::scalar(T::DTYPE))));
        let v = Var { var, _t: PhantomData };
        v.set(init);
        v
    }
    /// Current value.
    pub fn get(self) -> Val<T> {
        match self.var {
            Some(var) => Val::from_id(emit(Op::VarLoad(var))),
            None => Val::from_id(POISON),
        }
    }
    /// Assign.
    pub fn set(self, v: Val<T>) {
        if let Some(var) = self.var {
            emit_effect(Op::VarStore { var, value: v.id() })
        }
    }
}

/// Give the value bound by a `let` its source name (readable IR and emitted code).
#[diagnostic::on_unimplemented(
    message = "a `let` in a kernel cannot hold `{Self}`",
    label = "not a kernel value",
    note = "kernel bindings hold values (`Val<T>`, arrays of them), memory handles or `Dim3` positions"
)]
pub trait Named {
    /// `self`, recorded under `name` where the IR keeps names.
    fn named(self, name: &str) -> Self;
}
impl Named for () {
    fn named(self, _name: &str) -> Self {}
}
impl Named for Dim3 {
    fn named(self, name: &str) -> Self {
        Dim3 {
            x: self.x.named(&format!("{name}_x")),
            y: self.y.named(&format!("{name}_y")),
            z: self.z.named(&format!("{name}_z")),
        }
    }
}
impl<T: Scalar> Named for Buf<T> {
    fn named(self, _name: &str) -> Self {
        self
    }
}
impl<T: Scalar> Named for BufMut<T> {
    fn named(self, _name: &str) -> Self {
        self
    }
}
impl<T: Scalar> Named for Val<T> {
    fn named(self, name: &str) -> Self {
        let id = self.id();
        with_builder(|b| {
            b.name_value(id, name);
            Ok(())
        });
        self
    }
}
impl<T: Scalar, const N: usize> Named for [Val<T>; N] {
    fn named(self, _name: &str) -> Self {
        self
    }
}

macro_rules! named_array {
    ($($h:ident),*) => { $(
        impl<T: Scalar> Named for $h<T> {
            fn named(self, name: &str) -> Self {
                if let Some(m) = self.mem {
                    with_builder(|b| {
                        b.rename_array(m, name);
                        Ok(())
                    });
                }
                self
            }
        }
    )* };
}
named_array!(Shared, Local);
