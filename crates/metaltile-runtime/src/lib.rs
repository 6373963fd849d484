//! MetalTile's host runtime: devices, buffers, pipelines and launches.
//!
//! A [`Device`] wraps one [`Backend`]: the CPU, which runs kernels on the reference
//! interpreter, or CUDA, which compiles the emitted CUDA C with NVRTC and runs it on an NVIDIA
//! GPU (driver and NVRTC loaded at run time; see `Device::new`). Everything that
//! does not depend on the backend — argument validation, the pipeline cache, poisoning of
//! fresh buffers — lives in [`Device`], so every backend behaves the same way.
//!
//! ```
//! use metaltile_runtime::{Device, KernelArg};
//! let dev = Device::cpu();
//! let x = dev.upload(&[1.0f32, 2.0, 3.0], &[3]).unwrap();
//! assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
//! let _arg = KernelArg::Buffer(&x);
//! ```

mod args;
pub mod backend;
mod buffer;
mod cpu;
mod cuda;
mod device;
mod element;
mod error;
mod metal;
mod pipeline;

pub use args::KernelArg;
pub use backend::{Backend, BackendKind, BoundArg, DeviceMemory, LaunchRequest, LaunchStats, UnknownBackend};
pub use buffer::{element_count, Buffer};
pub use device::{CpuOptions, Device};
pub use element::{poison_bits, Element};
pub use error::{Result, RuntimeError};
pub use pipeline::{Pipeline, PipelineOptions};
