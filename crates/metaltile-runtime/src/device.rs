//! The device: a backend plus everything backend-independent — buffer creation and
//! poisoning, the pipeline cache, and argument validation at launch.

use crate::args::{bind, KernelArg};
use crate::backend::{Backend, BackendKind, LaunchRequest, LaunchStats};
use crate::buffer::{element_count, Buffer, Owner};
use crate::cpu::CpuBackend;
use crate::element::{encode, poison_bits, Element};
use crate::error::{Result, RuntimeError};
use crate::pipeline::{Pipeline, PipelineKey, PipelineOptions};
use metaltile_ir::dtype::f64_to_bits;
use metaltile_ir::{passes, ConstArgs, DType, Geometry, Kernel, KernelDef};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Options of the CPU backend (the interpreter's options).
pub use metaltile_interp::Options as CpuOptions;

static NEXT_DEVICE_ID: AtomicU64 = AtomicU64::new(1);

struct Inner {
    id: u64,
    name: Arc<str>,
    backend: Box<dyn Backend>,
    cache: Mutex<HashMap<PipelineKey, Arc<Pipeline>>>,
}

/// A compute device. Cloning is cheap and shares the device (and its pipeline cache).
#[derive(Clone)]
pub struct Device {
    inner: Arc<Inner>,
}

impl Device {
    /// A device on any backend implementation.
    pub fn from_backend(backend: Box<dyn Backend>) -> Device {
        let id = NEXT_DEVICE_ID.fetch_add(1, Ordering::Relaxed);
        let name: Arc<str> = Arc::from(format!("{} #{id}", backend.name()));
        Device { inner: Arc::new(Inner { id, name, backend, cache: Mutex::new(HashMap::new()) }) }
    }

    /// The reference interpreter on this CPU, with default options.
    pub fn cpu() -> Device {
        Device::cpu_with(CpuOptions::default())
    }

    /// The reference interpreter with explicit options (race detection, loop limits).
    pub fn cpu_with(options: CpuOptions) -> Device {
        Device::from_backend(Box::new(CpuBackend { options }))
    }

    /// A device of the given kind, or why it cannot be had here
    /// ([`RuntimeError::BackendUnavailable`]: no driver, no GPU, no NVRTC, wrong OS). For CUDA,
    /// `METALTILE_CUDA_DEVICE` picks the GPU (default 0).
    pub fn new(kind: BackendKind) -> Result<Device> {
        let unavailable = |reason: String| RuntimeError::BackendUnavailable { kind, reason };
        match kind {
            BackendKind::Cpu => Ok(Device::cpu()),
            BackendKind::Cuda => crate::cuda::open().map(|b| Device::from_backend(Box::new(b))).map_err(unavailable),
            #[cfg(target_os = "macos")]
            BackendKind::Metal => crate::metal::MetalBackend::new().map(|b| Device::from_backend(Box::new(b))),
            #[cfg(not(target_os = "macos"))]
            BackendKind::Metal => Err(unavailable(
                "Metal exists only on macOS; use the cpu backend (or cuda on an NVIDIA machine)".into(),
            )),
        }
    }

    /// The fastest device available: Metal on a Mac, CUDA where the driver loads and a GPU is
    /// present, else the CPU. Never fails.
    pub fn best() -> Device {
        [BackendKind::Metal, BackendKind::Cuda]
            .into_iter()
            .find_map(|k| Device::new(k).ok())
            .unwrap_or_else(Device::cpu)
    }

    /// Which backend runs this device.
    pub fn kind(&self) -> BackendKind {
        self.inner.backend.kind()
    }

    /// Human-readable name, unique among the devices of this process.
    pub fn name(&self) -> String {
        self.inner.name.to_string()
    }

    fn owner(&self) -> Owner {
        Owner { id: self.inner.id, name: self.inner.name.clone() }
    }

    fn new_buffer(&self, dtype: DType, shape: &[usize], fill: impl FnOnce(&mut [u8]) -> Result<()>) -> Result<Buffer> {
        let n = element_count(shape)?;
        let size = n.checked_mul(dtype.size_bytes()).ok_or_else(|| RuntimeError::InvalidShape {
            shape: shape.to_vec(),
            reason: format!("the size in bytes of a {dtype} buffer overflows usize"),
        })?;
        let mut bytes = vec![0u8; size];
        fill(&mut bytes)?;
        let memory = self.inner.backend.alloc(size)?;
        memory.write(&bytes)?;
        Buffer::new(dtype, shape, memory, self.owner())
    }

    /// A buffer whose every element is poisoned (a NaN for floats, `0xAA` bytes otherwise),
    /// so an output a kernel fails to write is visible.
    pub fn alloc(&self, dtype: DType, shape: &[usize]) -> Result<Buffer> {
        let poison = poison_bits(dtype);
        self.new_buffer(dtype, shape, |bytes| {
            bytes.chunks_exact_mut(dtype.size_bytes()).for_each(|c| encode(dtype, poison, c));
            Ok(())
        })
    }

    /// A buffer holding `data`, whose length must match `shape`.
    pub fn upload<T: Element>(&self, data: &[T], shape: &[usize]) -> Result<Buffer> {
        let d = T::DTYPE;
        check_len("upload", element_count(shape)?, data.len(), "elements")?;
        self.new_buffer(d, shape, |bytes| {
            bytes.chunks_exact_mut(d.size_bytes()).zip(data).for_each(|(c, v)| encode(d, v.to_bits(), c));
            Ok(())
        })
    }

    /// A bool buffer (the same as [`Device::upload`] of `bool`s).
    pub fn upload_bool(&self, data: &[bool], shape: &[usize]) -> Result<Buffer> {
        self.upload(data, shape)
    }

    /// A buffer from little-endian bytes of `dtype`.
    pub fn from_bytes(&self, dtype: DType, shape: &[usize], bytes: &[u8]) -> Result<Buffer> {
        self.new_buffer(dtype, shape, |out| {
            check_len(&format!("{dtype} bytes for shape {shape:?}"), out.len(), bytes.len(), "bytes")?;
            out.copy_from_slice(bytes);
            Ok(())
        })
    }

    /// A buffer from f64 values, each rounded to `dtype` by the project's conversion rules.
    pub fn from_f64(&self, dtype: DType, shape: &[usize], values: &[f64]) -> Result<Buffer> {
        check_len("from_f64", element_count(shape)?, values.len(), "values")?;
        self.new_buffer(dtype, shape, |bytes| {
            bytes
                .chunks_exact_mut(dtype.size_bytes())
                .zip(values)
                .for_each(|(c, v)| encode(dtype, f64_to_bits(dtype, *v), c));
            Ok(())
        })
    }

    /// The pipeline of `def` for one dtype and constexpr set: built, optimized and compiled
    /// once per device, then served from the cache.
    pub fn pipeline(&self, def: &KernelDef, dtype: Option<DType>, consts: &ConstArgs) -> Result<Arc<Pipeline>> {
        self.pipeline_with(def, dtype, consts, PipelineOptions::default())
    }

    /// [`Device::pipeline`] with explicit options.
    pub fn pipeline_with(
        &self,
        def: &KernelDef,
        dtype: Option<DType>,
        consts: &ConstArgs,
        options: PipelineOptions,
    ) -> Result<Arc<Pipeline>> {
        let key = PipelineKey::new(def, dtype, consts, options);
        // Holding the lock while building means two threads never build the same pipeline.
        let mut cache = self.cache();
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let p = self.build(def.ir(dtype, consts)?, options)?;
        cache.insert(key, p.clone());
        Ok(p)
    }

    /// A pipeline from a kernel built some other way (the IR builder, a file); not cached.
    pub fn pipeline_from_kernel(&self, kernel: Kernel, options: PipelineOptions) -> Result<Arc<Pipeline>> {
        metaltile_ir::verify(&kernel)?;
        self.build(kernel, options)
    }

    fn build(&self, mut kernel: Kernel, options: PipelineOptions) -> Result<Arc<Pipeline>> {
        if options.optimize {
            passes::run_pipeline(&mut kernel)?;
        }
        let compiled = self.inner.backend.compile(&kernel)?;
        Ok(Arc::new(Pipeline { kernel, compiled }))
    }

    /// Number of pipelines in this device's cache.
    pub fn cached_pipelines(&self) -> usize {
        self.cache().len()
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<PipelineKey, Arc<Pipeline>>> {
        // Entries are inserted whole, so a panic elsewhere cannot leave the map inconsistent.
        self.inner.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn request<'a>(
        &self,
        p: &'a Pipeline,
        geometry: Geometry,
        args: &[KernelArg<'a>],
    ) -> Result<(Geometry, Vec<crate::backend::BoundArg<'a>>)> {
        let bound = bind(p.kernel(), args, self.inner.id, &self.inner.name)?;
        geometry.validate(p.kernel())?;
        Ok((geometry, bound))
    }

    /// Run `p` over `geometry` with `args` (one per kernel parameter, in order) and wait for
    /// it. Checks the geometry, the number, kinds and dtypes of the arguments, that written
    /// parameters get writable buffers of this device, and that no buffer is written twice.
    pub fn launch(&self, p: &Pipeline, geometry: Geometry, args: &[KernelArg<'_>]) -> Result<LaunchStats> {
        let (geometry, bound) = self.request(p, geometry, args)?;
        self.inner.backend.launch(&LaunchRequest { pipeline: p, geometry, args: &bound })
    }

    /// Like [`Device::launch`], but returns once the launch is queued; its results are
    /// visible after [`Device::synchronize`] or when a buffer it writes is read.
    pub fn enqueue(&self, p: &Pipeline, geometry: Geometry, args: &[KernelArg<'_>]) -> Result<()> {
        let (geometry, bound) = self.request(p, geometry, args)?;
        self.inner.backend.enqueue(&LaunchRequest { pipeline: p, geometry, args: &bound })
    }

    /// Wait for all queued work.
    pub fn synchronize(&self) -> Result<()> {
        self.inner.backend.synchronize()
    }
}

fn check_len(what: &str, expected: usize, found: usize, unit: &'static str) -> Result<()> {
    if expected != found {
        return Err(RuntimeError::LengthMismatch { what: what.to_string(), unit, expected, found });
    }
    Ok(())
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device").field("name", &self.inner.name).field("kind", &self.kind()).finish()
    }
}
