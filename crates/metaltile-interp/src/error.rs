//! What can go wrong in a launch. Every message names what a kernel author needs to find the
//! fault: the buffer or array, the index and length, and the thread (threadgroup and local
//! position, both 3-D).

use metaltile_ir::{DType, IrError};
use std::fmt;

/// A 3-D position (of a threadgroup in the grid or of a thread in its threadgroup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dim3(pub [u32; 3]);

impl fmt::Display for Dim3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [x, y, z] = self.0;
        write!(f, "({x}, {y}, {z})")
    }
}

/// One thread of a launch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadId {
    /// Position of the threadgroup in the grid.
    pub group: Dim3,
    /// Position of the thread in its threadgroup.
    pub local: Dim3,
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread {} of threadgroup {}", self.local, self.group)
    }
}

/// How a thread touched memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Atomic,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Atomic => "atomic",
        })
    }
}

/// An error of a launch: bad arguments, or a fault of the kernel found while it ran.
#[derive(Debug, thiserror::Error)]
pub enum InterpError {
    /// The kernel does not verify.
    #[error("kernel `{kernel}` is not valid IR: {source}")]
    InvalidKernel {
        kernel: String,
        #[source]
        source: IrError,
    },
    /// The launch geometry is rejected by `Geometry::validate`.
    #[error("{0}")]
    Geometry(#[source] IrError),
    /// The number of arguments differs from the number of parameters.
    #[error("kernel `{kernel}` takes {expected} arguments, got {got}")]
    ArgCount { kernel: String, expected: usize, got: usize },
    /// An argument of the wrong kind (scalar for buffer, `Input` for a `&mut` buffer, ...).
    #[error("argument #{index} `{param}`: expected {expected}, got {got}")]
    ArgKind { index: usize, param: String, expected: &'static str, got: &'static str },
    /// A scalar argument whose dtype is not the parameter's.
    #[error("argument #{index} `{param}`: the scalar has dtype {got}, the parameter is {expected}")]
    ScalarDType { index: usize, param: String, expected: DType, got: DType },
    /// A buffer whose byte length is not a multiple of its element size.
    #[error("argument #{index} `{param}`: {len} bytes is not a whole number of {dtype} elements ({size} bytes each)")]
    ByteLength { index: usize, param: String, len: usize, dtype: DType, size: usize },
    /// An access outside a buffer or array; `index` is the first element outside.
    #[error("out-of-bounds {access} of `{buffer}`: index {index}, length {len}, by {thread}")]
    OutOfBounds { buffer: String, access: Access, index: i128, len: u64, thread: ThreadId },
    /// A 2- or 4-wide access at an index that is not a multiple of its width.
    #[error("misaligned {lanes}-wide {access} of `{buffer}` at index {index} (it must be a multiple of {lanes}), by {thread}")]
    Misaligned { buffer: String, access: Access, index: i128, lanes: u8, thread: ThreadId },
    /// A threadgroup barrier that not every thread of the threadgroup reached.
    #[error("threadgroup barrier in threadgroup {group} reached by {arrived} of {expected} threads; first missing: thread {first_missing}")]
    PartialBarrier { group: Dim3, arrived: u32, expected: u32, first_missing: Dim3 },
    /// A simdgroup barrier that not every lane of the simdgroup reached.
    #[error("simdgroup barrier in simdgroup {simdgroup} of threadgroup {group} reached by {arrived} of {expected} lanes; first missing: thread {first_missing}")]
    PartialSimdBarrier { group: Dim3, simdgroup: u32, arrived: u32, expected: u32, first_missing: Dim3 },
    /// A simdgroup collective reached by only part of a simdgroup.
    #[error("`{op}` in simdgroup {simdgroup} of threadgroup {group} with {active} of 32 lanes active; simdgroup collectives need every lane")]
    PartialSimdgroup { op: &'static str, group: Dim3, simdgroup: u32, active: u32 },
    /// A broadcast whose source lane is not the same in every lane.
    #[error("`simd_broadcast` in simdgroup {simdgroup} of threadgroup {group}: the source lane differs between lanes ({first} and {other}); it must be uniform")]
    NonUniformBroadcast { group: Dim3, simdgroup: u32, first: u64, other: u64 },
    /// Two unordered accesses to one threadgroup-memory element, at least one a write
    /// (only with [`crate::Options::detect_races`]).
    #[error("data race on threadgroup array `{array}`[{index}]: {first_access} by {first} and {second_access} by {second} with no barrier between them")]
    Race { array: String, index: u64, first_access: Access, first: ThreadId, second_access: Access, second: ThreadId },
    /// Integer division or remainder by zero.
    #[error("integer {op} by zero by {thread}")]
    DivByZero { op: &'static str, thread: ThreadId },
    /// A loop that ran more than [`crate::Options::max_loop_iterations`] iterations.
    #[error("a `{kind}` loop in threadgroup {group} ran more than {limit} iterations (Options::max_loop_iterations)")]
    LoopLimit { kind: &'static str, group: Dim3, limit: u64 },
    /// A `for` loop whose step is zero or negative.
    #[error("`for` loop step {step} by {thread}: steps must be positive")]
    BadStep { step: i128, thread: ThreadId },
    /// The next index of a `for` loop does not fit its type; a GPU would wrap around.
    #[error("`for` loop index {index} + step {step} overflows {dtype} by {thread}; on a GPU the loop would wrap around instead of ending")]
    ForOverflow { dtype: DType, index: i128, step: i128, thread: ThreadId },
    /// An inconsistency a verified kernel cannot have; reported instead of panicking.
    #[error("internal interpreter error: {0}")]
    Internal(String),
}
