//! MetalTile's code generators: Metal Shading Language and CUDA C from one printer.
//!
//! [`emit`] walks a verified [`metaltile_ir::Kernel`] once (the printer); a dialect
//! (MSL or CUDA) supplies every spelling — types, the kernel signature, builtins, memory spaces,
//! barriers, atomics, simdgroup collectives, math functions and the helper functions a kernel
//! needs. The emitted code keeps the IR's semantics (`metaltile_ir::eval` and `dtype` are the
//! reference): f16/bf16 math rounds once from f32, float-to-int casts saturate, integers wrap,
//! shift amounts are taken modulo the bit width.
//!
//! [`check`] compiles emitted files with the host C++ compiler against the project's own
//! declaration headers for the subset of the Metal and CUDA libraries the emitters use, so MSL
//! and CUDA output are syntax- and type-checked on any Linux machine.

mod analysis;
pub mod check;
mod cuda;
mod dialect;
mod error;
mod expr;
mod helpers;
mod msl;
#[cfg(test)]
mod msl_math_check;
pub mod names;
mod printer;
mod target;

pub use error::{CheckError, CheckFailure, CodegenError};
pub use target::{Target, UnknownTarget};

/// Emit `kernel` as source text for `target`. The kernel is verified first; the result is
/// deterministic (the function is named `kernel.name`, values `v<N>` or `<name>_<N>`).
pub fn emit(kernel: &metaltile_ir::Kernel, target: Target) -> Result<String, CodegenError> {
    metaltile_ir::verify(kernel)
        .map_err(|source| CodegenError::InvalidKernel { kernel: kernel.name.clone(), source })?;
    match target {
        Target::Msl => printer::print(kernel, &msl::Msl),
        Target::Cuda => printer::print(kernel, &cuda::Cuda),
    }
}
