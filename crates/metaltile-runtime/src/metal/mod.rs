//! The Metal backend (macOS): kernels emitted as MSL and compiled at run time, buffers in
//! shared (unified) memory, one command buffer per launch, GPU time from the command buffer.
//!
//! Only [`checks`] — the decisions that need no Metal — is compiled on other hosts, so it
//! is tested everywhere; the rest calls Metal through `objc2-metal`.

mod checks;

#[cfg(target_os = "macos")]
mod backend;
#[cfg(target_os = "macos")]
mod compile;
#[cfg(target_os = "macos")]
mod memory;
#[cfg(target_os = "macos")]
mod queue;

#[cfg(test)]
#[cfg(target_os = "macos")]
mod gpu_tests;

#[cfg(target_os = "macos")]
pub(crate) use backend::MetalBackend;
