//! Launch arguments and their validation against the kernel's signature.

use crate::error::InterpError;
use metaltile_ir::{dtype, Constant, DType, Kernel, ParamKind};

/// One launch argument, in `Kernel::params` order. Buffers are little-endian element bytes of
/// the parameter's dtype.
#[derive(Debug)]
pub enum Arg<'a> {
    /// A buffer the kernel only reads (`&[T]` parameters).
    Input(&'a [u8]),
    /// A buffer the kernel may write (`&mut [T]` parameters; accepted for `&[T]` too).
    Output(&'a mut [u8]),
    /// A runtime scalar of the parameter's dtype.
    Scalar(Constant),
}

impl Arg<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Arg::Input(_) => "Arg::Input",
            Arg::Output(_) => "Arg::Output",
            Arg::Scalar(_) => "Arg::Scalar",
        }
    }
}

/// A buffer argument as the interpreter holds it.
pub(crate) enum BufferArg<'a> {
    Read(&'a [u8]),
    Write(&'a mut [u8]),
}

impl BufferArg<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            BufferArg::Read(b) => b,
            BufferArg::Write(b) => b,
        }
    }
}

/// A parameter's argument after validation.
pub(crate) enum Bound<'a> {
    Buffer { data: BufferArg<'a>, dtype: DType, len: u64 },
    Scalar(u64),
}

/// Check every argument against its parameter and bind it.
pub(crate) fn bind<'a>(k: &Kernel, args: &'a mut [Arg<'_>]) -> Result<Vec<Bound<'a>>, InterpError> {
    if args.len() != k.params.len() {
        return Err(InterpError::ArgCount { kernel: k.name.clone(), expected: k.params.len(), got: args.len() });
    }
    let mut out = Vec::with_capacity(args.len());
    for (index, (p, a)) in k.params.iter().zip(args.iter_mut()).enumerate() {
        let kind_err = |expected: &'static str, got: &Arg<'_>| InterpError::ArgKind {
            index,
            param: p.name.clone(),
            expected,
            got: got.kind(),
        };
        let data = match (p.kind, a) {
            (ParamKind::Scalar, Arg::Scalar(c)) => {
                if c.dtype != p.dtype {
                    return Err(InterpError::ScalarDType {
                        index,
                        param: p.name.clone(),
                        expected: p.dtype,
                        got: c.dtype,
                    });
                }
                out.push(Bound::Scalar(dtype::wrap_int(p.dtype, c.bits)));
                continue;
            }
            (ParamKind::Scalar, a) => return Err(kind_err("Arg::Scalar", a)),
            (ParamKind::Buffer { mutable: false }, Arg::Input(b)) => BufferArg::Read(b),
            (ParamKind::Buffer { .. }, Arg::Output(b)) => BufferArg::Write(b),
            (ParamKind::Buffer { mutable: true }, a) => return Err(kind_err("Arg::Output (a `&mut` buffer)", a)),
            (ParamKind::Buffer { mutable: false }, a) => {
                return Err(kind_err("Arg::Input or Arg::Output (a buffer)", a))
            }
        };
        let size = p.dtype.size_bytes();
        let len = data.bytes().len();
        if len % size != 0 {
            return Err(InterpError::ByteLength { index, param: p.name.clone(), len, dtype: p.dtype, size });
        }
        out.push(Bound::Buffer { data, dtype: p.dtype, len: (len / size) as u64 });
    }
    Ok(out)
}
