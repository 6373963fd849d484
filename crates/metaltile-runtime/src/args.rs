//! Launch arguments as a user gives them, and their validation against a kernel's
//! parameters. Validation is the same for every backend, so it lives here, not in backends.

use crate::backend::BoundArg;
use crate::buffer::{memory_id, Buffer};
use crate::error::{Result, RuntimeError};
use metaltile_ir::{Constant, DType, Kernel, ParamKind};

/// One argument of a launch, in the order of the kernel's parameters.
#[derive(Clone, Debug)]
pub enum KernelArg<'a> {
    /// A buffer, for a buffer parameter.
    Buffer(&'a Buffer),
    /// A runtime scalar, for a scalar parameter; its dtype must be the parameter's.
    Scalar(Constant),
}

impl<'a> KernelArg<'a> {
    /// A `u32` scalar (sizes, counts).
    pub fn u32(v: u32) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::u32(v))
    }
    /// An `i32` scalar.
    pub fn i32(v: i32) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::i32(v))
    }
    /// An `f32` scalar (epsilons, scales).
    pub fn f32(v: f32) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::f32(v))
    }
    /// An `f16` scalar.
    pub fn f16(v: half::f16) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::from_bits(DType::F16, v.to_bits() as u64))
    }
    /// A `bf16` scalar.
    pub fn bf16(v: half::bf16) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::from_bits(DType::BF16, v.to_bits() as u64))
    }
    /// A scalar of `dtype` from an f64, rounded once (floats) or converted with Rust `as`
    /// semantics (integers): the way to pass a generic kernel's `T` scalar for any dtype.
    pub fn of_dtype(dtype: DType, v: f64) -> KernelArg<'a> {
        KernelArg::Scalar(Constant::from_f64(dtype, v))
    }
    /// A scalar of any dtype.
    pub fn scalar(c: Constant) -> KernelArg<'a> {
        KernelArg::Scalar(c)
    }
    /// A buffer.
    pub fn buffer(b: &'a Buffer) -> KernelArg<'a> {
        KernelArg::Buffer(b)
    }

    fn describe(&self) -> &'static str {
        match self {
            KernelArg::Buffer(_) => "a buffer",
            KernelArg::Scalar(_) => "a scalar",
        }
    }
}

impl<'a> From<&'a Buffer> for KernelArg<'a> {
    fn from(b: &'a Buffer) -> Self {
        KernelArg::Buffer(b)
    }
}

/// Check `args` against `kernel`'s parameters and bind them; `device_id` is the launching
/// device, whose name `device` appears in errors.
pub(crate) fn bind<'a>(
    kernel: &Kernel,
    args: &[KernelArg<'a>],
    device_id: u64,
    device: &str,
) -> Result<Vec<BoundArg<'a>>> {
    if args.len() != kernel.params.len() {
        let params = kernel.params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        return Err(RuntimeError::ArgCount {
            kernel: kernel.name.clone(),
            expected: kernel.params.len(),
            found: args.len(),
            params,
        });
    }
    let mut bound = Vec::with_capacity(args.len());
    // (memory id, parameter name) of each written buffer seen so far.
    let mut written: Vec<(usize, &str)> = Vec::new();
    for (p, a) in kernel.params.iter().zip(args) {
        let kind_error = |expected| RuntimeError::ArgKind {
            kernel: kernel.name.clone(),
            param: p.name.clone(),
            expected,
            found: a.describe(),
        };
        let dtype_error = |found| RuntimeError::DTypeMismatch {
            what: format!("kernel `{}`, parameter `{}`", kernel.name, p.name),
            expected: p.dtype,
            found,
        };
        match (p.kind, a) {
            (ParamKind::Buffer { mutable }, KernelArg::Buffer(b)) => {
                if b.dtype() != p.dtype {
                    return Err(dtype_error(b.dtype()));
                }
                if b.owner().id != device_id {
                    return Err(RuntimeError::WrongDevice {
                        kernel: kernel.name.clone(),
                        param: p.name.clone(),
                        owner: b.owner().name.to_string(),
                        device: device.to_string(),
                    });
                }
                if mutable {
                    if !b.is_writable() {
                        return Err(RuntimeError::ReadOnly { kernel: kernel.name.clone(), param: p.name.clone() });
                    }
                    let id = memory_id(b.memory());
                    if let Some((_, first)) = written.iter().find(|(m, _)| *m == id) {
                        return Err(RuntimeError::Alias {
                            kernel: kernel.name.clone(),
                            first: first.to_string(),
                            second: p.name.clone(),
                        });
                    }
                    written.push((id, p.name.as_str()));
                }
                bound.push(BoundArg::Buffer { memory: b.memory(), written: mutable });
            }
            (ParamKind::Scalar, KernelArg::Scalar(c)) => {
                if c.dtype != p.dtype {
                    return Err(dtype_error(c.dtype));
                }
                bound.push(BoundArg::Scalar(*c));
            }
            (ParamKind::Buffer { .. }, KernelArg::Scalar(_)) => return Err(kind_error("a buffer")),
            (ParamKind::Scalar, KernelArg::Buffer(_)) => return Err(kind_error("a scalar")),
        }
    }
    Ok(bound)
}

#[cfg(test)]
mod constructor_tests {
    use super::*;

    fn constant(a: KernelArg<'_>) -> Constant {
        match a {
            KernelArg::Scalar(c) => c,
            KernelArg::Buffer(_) => unreachable!(),
        }
    }

    #[test]
    fn half_scalars_carry_their_dtype_and_bits() {
        let c = constant(KernelArg::f16(half::f16::from_f32(1.5)));
        assert_eq!((c.dtype, c.as_f64()), (DType::F16, 1.5));
        let c = constant(KernelArg::bf16(half::bf16::from_f32(-2.0)));
        assert_eq!((c.dtype, c.as_f64()), (DType::BF16, -2.0));
        let c = constant(KernelArg::of_dtype(DType::BF16, 0.1));
        assert_eq!(c.bits, half::bf16::from_f64(0.1).to_bits() as u64);
        let c = constant(KernelArg::of_dtype(DType::I8, -3.9));
        assert_eq!((c.dtype, c.as_i128()), (DType::I8, -3));
    }
}
