//! The kernel language's runtime side: what the code inside a `#[kernel]` function calls.
//! The macro rewrites literals, comparisons, indexing and control flow into these calls;
//! everything else (arithmetic, method-call math, helper calls) is plain Rust on [`Val`].

pub mod builtins;
pub mod cast;
pub mod consts;
pub mod control;
pub mod instance;
pub mod mem;
pub mod scalar;
pub mod trace;
pub mod val;

pub use builtins::*;
pub use cast::*;
pub use consts::*;
pub use control::*;
pub use instance::*;
pub use mem::*;
pub use scalar::*;
pub use trace::{declare, trace};
pub use val::*;
