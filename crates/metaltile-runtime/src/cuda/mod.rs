//! The CUDA backend: kernels emitted as CUDA C, compiled by NVRTC for the GPU's architecture,
//! launched through the driver API on one stream per device.
//!
//! The driver (`libcuda`) and NVRTC are loaded when a device is opened, not linked: a build
//! needs no CUDA toolkit, and a machine without a driver or GPU gets
//! [`crate::RuntimeError::BackendUnavailable`] with the reason.

mod arch;
mod driver;
mod launch;
mod memory;
mod nvrtc;
mod paths;

use crate::backend::{Backend, BackendKind, DeviceMemory, LaunchRequest, LaunchStats};
use crate::error::{Result, RuntimeError};
use arch::CodeTarget;
use cudarc::driver::sys::CUdevice_attribute as Attr;
use cudarc::driver::{result, sys, CudaContext, CudaFunction};
use driver::{describe, Limits};
use memory::{CudaMemory, Pending, Shared};
use metaltile_codegen::Target;
use metaltile_ir::Kernel;
use std::any::Any;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A kernel compiled and loaded for one device.
pub(crate) struct CudaKernel {
    function: CudaFunction,
    /// The kernel's name in messages.
    name: String,
    /// Threads per block this compiled function can run with (registers may lower it).
    max_threads: u32,
    shared: Arc<Shared>,
}

impl Drop for CudaKernel {
    fn drop(&mut self) {
        // The module unloads with the last handle to the function: let queued launches of it
        // finish first. A failure here is reported by the next wait on the stream.
        let _ = self.shared.ctx.bind_to_thread();
        let _ = self.shared.stream.synchronize();
    }
}

/// One GPU: its context and stream, what NVRTC compiles for, and its launch limits.
pub(crate) struct CudaBackend {
    shared: Arc<Shared>,
    name: String,
    target: CodeTarget,
    include: Option<PathBuf>,
    limits: Limits,
}

/// Open the GPU `METALTILE_CUDA_DEVICE` names (default 0), or say why there is none.
pub(crate) fn open() -> std::result::Result<CudaBackend, String> {
    // The bindings panic on a missing entry point; the version check below rules that out for
    // the calls this backend makes, and this turns anything left into an error.
    std::panic::catch_unwind(open_unchecked).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("loading the CUDA libraries failed: {msg}"))
    })
}

fn attribute(ctx: &CudaContext, a: Attr) -> std::result::Result<u32, String> {
    ctx.attribute(a).map(|v| v.max(0) as u32).map_err(|e| format!("reading device attribute {a:?}: {}", describe(e)))
}

fn open_unchecked() -> std::result::Result<CudaBackend, String> {
    // SAFETY: only attempts to dlopen the driver library.
    if !unsafe { sys::is_culib_present() } {
        return Err("no NVIDIA driver: the CUDA driver library (libcuda) could not be loaded".into());
    }
    let mut version = 0;
    // SAFETY: `version` is valid for one write; cuDriverGetVersion exists in every driver.
    unsafe { sys::cuDriverGetVersion(&mut version) }
        .result()
        .map_err(|e| format!("asking the NVIDIA driver for its version: {}", describe(e)))?;
    if let Some(reason) = driver::driver_too_old(version) {
        return Err(reason);
    }
    result::init().map_err(|e| match e.0 {
        sys::CUresult::CUDA_ERROR_NO_DEVICE => "the NVIDIA driver is installed but found no GPU".to_string(),
        _ => format!("initializing the NVIDIA driver: {}", describe(e)),
    })?;
    let count = result::device::get_count().map_err(|e| format!("counting GPUs: {}", describe(e)))?;
    if count <= 0 {
        return Err("the NVIDIA driver is installed but found no GPU".into());
    }
    let ordinal = driver::device_ordinal(paths::process_env("METALTILE_CUDA_DEVICE").as_deref(), count)?;
    nvrtc::ensure_loaded()?;
    let ctx = CudaContext::new(ordinal).map_err(|e| format!("creating a context on GPU {ordinal}: {}", describe(e)))?;
    // SAFETY: this backend uses one stream per device, so stream order alone orders every
    // copy, launch and free; per-buffer events would only add work.
    unsafe { ctx.disable_event_tracking() };
    let stream = ctx.new_stream().map_err(|e| format!("creating a stream: {}", describe(e)))?;
    let (major, minor) =
        ctx.compute_capability().map_err(|e| format!("reading the compute capability: {}", describe(e)))?;
    let device_arch = arch::arch_number(major, minor);
    let supported = nvrtc::supported_archs();
    let (nv_major, nv_minor) = nvrtc::version()?;
    let target = arch::choose(device_arch, &supported).ok_or_else(|| {
        format!(
            "NVRTC {nv_major}.{nv_minor} cannot compile for this GPU's sm_{device_arch} (it supports {})",
            supported.iter().map(|a| format!("sm_{a}")).collect::<Vec<_>>().join(", ")
        )
    })?;
    let limits = Limits {
        max_grid: [
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X)?,
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y)?,
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z)?,
        ],
        max_block: [
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X)?,
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y)?,
            attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z)?,
        ],
        max_threads_per_block: attribute(&ctx, Attr::CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK)?,
    };
    let gpu = ctx.name().map_err(|e| format!("reading the GPU's name: {}", describe(e)))?;
    let name = format!(
        "cuda: {gpu} (GPU {ordinal}, {target}, driver for CUDA {}, NVRTC {nv_major}.{nv_minor})",
        driver::version_text(version)
    );
    let shared = Arc::new(Shared { ctx, stream, pending: Mutex::new(Pending::default()) });
    Ok(CudaBackend { shared, name, target, include: nvrtc::include_dir(), limits })
}

impl CudaBackend {
    fn compile_error(&self, kernel: &Kernel, message: String) -> RuntimeError {
        RuntimeError::Compile { backend: BackendKind::Cuda, kernel: kernel.name.clone(), message }
    }
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn alloc(&self, size_bytes: usize) -> Result<Arc<dyn DeviceMemory>> {
        Ok(Arc::new(CudaMemory::new(&self.shared, size_bytes)?))
    }

    fn compile(&self, kernel: &Kernel) -> Result<Option<Box<dyn Any + Send + Sync>>> {
        let source = metaltile_codegen::emit(kernel, Target::Cuda)
            .map_err(|e| self.compile_error(kernel, format!("emitting CUDA C: {e}")))?;
        let entry = nvrtc::entry_name(&source)
            .ok_or_else(|| self.compile_error(kernel, "the emitted CUDA C defines no __global__ function".into()))?;
        let file = format!("{entry}.cu");
        let image = nvrtc::compile(&source, &file, self.target, self.include.as_deref())
            .map_err(|m| self.compile_error(kernel, m))?;
        self.shared.bind()?;
        let module =
            self.shared.ctx.load_module(cudarc::nvrtc::Ptx::from_binary(image.0)).map_err(|e| {
                self.compile_error(kernel, format!("loading the {} module: {}", self.target, describe(e)))
            })?;
        let function = module
            .load_function(entry)
            .map_err(|e| self.compile_error(kernel, format!("finding `{entry}` in the module: {}", describe(e))))?;
        let max_threads = function
            .max_threads_per_block()
            .map_err(|e| self.compile_error(kernel, format!("reading the kernel's thread limit: {}", describe(e))))?;
        Ok(Some(Box::new(CudaKernel {
            function,
            name: kernel.name.clone(),
            max_threads: max_threads.max(0) as u32,
            shared: self.shared.clone(),
        })))
    }

    fn launch(&self, request: &LaunchRequest<'_>) -> Result<LaunchStats> {
        launch::timed(&self.shared, &self.limits, request)
    }

    fn enqueue(&self, request: &LaunchRequest<'_>) -> Result<()> {
        launch::queued(&self.shared, &self.limits, request)
    }

    fn synchronize(&self) -> Result<()> {
        self.shared.wait("waiting for queued launches")
    }
}
