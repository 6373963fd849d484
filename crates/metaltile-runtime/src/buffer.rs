//! Buffers: a dtype, a shape and a handle to device memory. Cloning a buffer, reshaping it or
//! taking a read-only view shares the memory; the memory lives while any handle does.

use crate::backend::DeviceMemory;
use crate::element::{decode, Element};
use crate::error::{Result, RuntimeError};
use metaltile_ir::dtype::bits_to_f64;
use metaltile_ir::DType;
use std::fmt;
use std::sync::Arc;

/// Identity of the device that owns a buffer, for the check at launch.
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    pub(crate) id: u64,
    pub(crate) name: Arc<str>,
}

/// An n-dimensional array of one dtype in a device's memory, row-major and contiguous.
#[derive(Clone)]
pub struct Buffer {
    dtype: DType,
    shape: Vec<usize>,
    len: usize,
    memory: Arc<dyn DeviceMemory>,
    writable: bool,
    owner: Owner,
}

/// Number of elements of a shape (1 for the scalar shape `[]`), or an error on overflow.
pub fn element_count(shape: &[usize]) -> Result<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or_else(|| RuntimeError::InvalidShape {
        shape: shape.to_vec(),
        reason: "the number of elements overflows usize".into(),
    })
}

impl Buffer {
    pub(crate) fn new(dtype: DType, shape: &[usize], memory: Arc<dyn DeviceMemory>, owner: Owner) -> Result<Buffer> {
        let len = element_count(shape)?;
        let bytes = len.checked_mul(dtype.size_bytes()).ok_or_else(|| RuntimeError::InvalidShape {
            shape: shape.to_vec(),
            reason: format!("the size in bytes of a {dtype} buffer overflows usize"),
        })?;
        if memory.size_bytes() != bytes {
            return Err(RuntimeError::LengthMismatch {
                what: format!("memory of a {dtype} buffer of shape {shape:?}"),
                unit: "bytes",
                expected: bytes,
                found: memory.size_bytes(),
            });
        }
        Ok(Buffer { dtype, shape: shape.to_vec(), len, memory, writable: true, owner })
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// Dimensions, outermost first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Size in bytes.
    pub fn size_bytes(&self) -> usize {
        self.len * self.dtype.size_bytes()
    }
    /// False for read-only views, which kernels may only read.
    pub fn is_writable(&self) -> bool {
        self.writable
    }
    /// A view of the same memory that launches refuse to pass to a parameter the kernel writes.
    pub fn read_only(&self) -> Buffer {
        Buffer { writable: false, ..self.clone() }
    }
    /// True when both handles refer to the same memory.
    pub fn shares_memory(&self, other: &Buffer) -> bool {
        memory_id(&self.memory) == memory_id(&other.memory)
    }

    /// The same memory seen with another shape of the same element count.
    pub fn reshape(&self, shape: &[usize]) -> Result<Buffer> {
        let n = element_count(shape)?;
        if n != self.len {
            return Err(RuntimeError::LengthMismatch {
                what: format!("reshape of a buffer of shape {:?} to {shape:?}", self.shape),
                unit: "elements",
                expected: self.len,
                found: n,
            });
        }
        Ok(Buffer { shape: shape.to_vec(), ..self.clone() })
    }

    /// The same memory seen as elements of `dtype`, a dtype whose size divides the buffer's
    /// (or is a multiple of it, when the last axis divides evenly): the last axis is rescaled.
    /// An i64 buffer of shape `[n]` seen as i32 has shape `[2n]`, each element's low word
    /// first (little-endian): kernels that read indices as 32-bit words take both widths.
    pub fn bitcast(&self, dtype: DType) -> Result<Buffer> {
        let (from, to) = (self.dtype.size_bytes(), dtype.size_bytes());
        let mut shape = if self.shape.is_empty() { vec![1] } else { self.shape.clone() };
        let last = shape.len() - 1;
        let bytes = shape[last] * from;
        if !bytes.is_multiple_of(to) {
            return Err(RuntimeError::InvalidShape {
                shape: self.shape.clone(),
                reason: format!("the last axis holds {bytes} bytes, not a whole number of {dtype} elements"),
            });
        }
        shape[last] = bytes / to;
        Ok(Buffer { dtype, len: element_count(&shape)?, shape, ..self.clone() })
    }

    /// The contents as little-endian bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.memory.read()
    }

    /// The contents as a vector of `T`, which must be the buffer's dtype.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if T::DTYPE != self.dtype {
            return Err(RuntimeError::DTypeMismatch {
                what: "reading a buffer back with to_vec".into(),
                expected: self.dtype,
                found: T::DTYPE,
            });
        }
        Ok(self.decoded()?.into_iter().map(T::from_bits).collect())
    }

    /// The contents converted to f64 (exact for floats and for integers up to 2^53).
    pub fn to_f64(&self) -> Result<Vec<f64>> {
        Ok(self.decoded()?.into_iter().map(|b| bits_to_f64(self.dtype, b)).collect())
    }

    /// Each element in the project's u64 encoding.
    pub fn to_bits(&self) -> Result<Vec<u64>> {
        self.decoded()
    }

    fn decoded(&self) -> Result<Vec<u64>> {
        let bytes = self.memory.read()?;
        Ok(bytes.chunks_exact(self.dtype.size_bytes()).map(|c| decode(self.dtype, c)).collect())
    }

    pub(crate) fn memory(&self) -> &Arc<dyn DeviceMemory> {
        &self.memory
    }
    pub(crate) fn owner(&self) -> &Owner {
        &self.owner
    }
}

/// Address of an allocation, identifying it among live buffers.
pub(crate) fn memory_id(m: &Arc<dyn DeviceMemory>) -> usize {
    Arc::as_ptr(m) as *const () as usize
}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buffer")
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("writable", &self.writable)
            .field("device", &self.owner.name)
            .finish()
    }
}
