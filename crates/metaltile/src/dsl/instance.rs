//! Instantiating a generic kernel for one element type. A `#[kernel]` with a parameter
//! `<T: Float>` implements [`FloatKernel`] and calls [`build_float`] with the requested
//! dtype; the mapping from a dtype to the Rust type `T` lives here, beside the type lists
//! of each bound, and nowhere in generated code.

use super::scalar::{Float, Int, Logical, Numeric, Scalar};
use half::{bf16, f16};
use metaltile_ir::{DType, IrError, IrResult, Kernel};

fn names(dtypes: &[DType]) -> String {
    dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
}

fn no_instance(kernel: &str, dtype: DType, supported: &[DType]) -> IrError {
    let supported = if supported.is_empty() { "none: it is not generic".to_string() } else { names(supported) };
    IrError::UnsupportedDType { kernel: kernel.to_string(), dtype, supported }
}

/// Check the dtype requested for a kernel that is not generic (there must be none).
pub fn build_plain(kernel: &str, dtype: Option<DType>) -> IrResult<()> {
    match dtype {
        None => Ok(()),
        Some(d) => Err(no_instance(kernel, d, &[])),
    }
}

macro_rules! families {
    ($( $(#[$doc:meta])* $visitor:ident, $bound:ident, $build:ident, $list:ident: [$($t:ty),*]; )*) => { $(
        $(#[$doc])*
        pub trait $visitor {
            /// Trace the kernel with `T` as its element type (`dtype` is `T`'s dtype).
            fn build<T: $bound>(self, dtype: DType) -> IrResult<Kernel>;
        }

        #[doc = concat!("The dtypes of a `<T: ", stringify!($bound), ">` kernel, in instance order.")]
        pub const $list: &[DType] = &[$(<$t as Scalar>::DTYPE),*];

        #[doc = concat!("Build the instance of a `<T: ", stringify!($bound), ">` kernel for `dtype`; an error names")]
        /// the supported dtypes when `dtype` is missing or not one of them.
        pub fn $build(kernel: &str, dtype: Option<DType>, k: impl $visitor) -> IrResult<Kernel> {
            let Some(d) = dtype else {
                return Err(IrError::Invalid(format!(
                    "kernel `{kernel}` is generic: choose its element type (one of {})",
                    names($list)
                )));
            };
            $( if d == <$t as Scalar>::DTYPE { return k.build::<$t>(d); } )*
            Err(no_instance(kernel, d, $list))
        }
    )* };
}

families! {
    /// A kernel generic over `T: Float`.
    FloatKernel, Float, build_float, FLOAT_KERNEL_DTYPES: [f32, f16, bf16];
    /// A kernel generic over `T: Int`.
    IntKernel, Int, build_int, INT_KERNEL_DTYPES: [i8, u8, i16, u16, i32, u32, i64, u64];
    /// A kernel generic over `T: Logical` (the integers and bool: the types of `& | ^ !`).
    LogicalKernel, Logical, build_logical, LOGICAL_KERNEL_DTYPES: [i8, u8, i16, u16, i32, u32, i64, u64, bool];
    /// A kernel generic over `T: Numeric`.
    NumericKernel, Numeric, build_numeric, NUMERIC_KERNEL_DTYPES:
        [f32, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64];
    /// A kernel generic over `T: Scalar`.
    ScalarKernel, Scalar, build_scalar, SCALAR_KERNEL_DTYPES:
        [f32, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64, bool];
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use metaltile_ir::{ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES};

    fn filtered(f: impl Fn(DType) -> bool) -> Vec<DType> {
        ALL_DTYPES.iter().copied().filter(|d| f(*d)).collect()
    }

    #[test]
    fn lists_cover_exactly_the_dtypes_of_each_bound() {
        assert_eq!(FLOAT_KERNEL_DTYPES, FLOAT_DTYPES);
        assert_eq!(INT_KERNEL_DTYPES, INT_DTYPES);
        assert_eq!(NUMERIC_KERNEL_DTYPES, filtered(|d| d.is_float() || d.is_int()));
        assert_eq!(LOGICAL_KERNEL_DTYPES, filtered(|d| d.is_int() || d == DType::Bool));
        assert_eq!(SCALAR_KERNEL_DTYPES, ALL_DTYPES);
    }

    struct Probe;
    impl IntKernel for Probe {
        fn build<T: Int>(self, dtype: DType) -> IrResult<Kernel> {
            assert_eq!(T::DTYPE, dtype);
            Err(IrError::Invalid(format!("probe {dtype}")))
        }
    }

    #[test]
    fn dispatch_picks_the_type_of_the_dtype() {
        for d in INT_DTYPES {
            assert_eq!(build_int("k", Some(d), Probe), Err(IrError::Invalid(format!("probe {d}"))));
        }
        let e = build_int("k", Some(DType::F32), Probe).unwrap_err();
        assert!(matches!(e, IrError::UnsupportedDType { dtype: DType::F32, .. }), "{e}");
        assert!(e.to_string().contains("i8, u8"), "{e}");
        let e = build_int("k", None, Probe).unwrap_err();
        assert!(e.to_string().contains("is generic"), "{e}");
    }

    #[test]
    fn plain_kernels_take_no_dtype() {
        assert_eq!(build_plain("k", None), Ok(()));
        let e = build_plain("k", Some(DType::F16)).unwrap_err();
        assert!(e.to_string().contains("not generic"), "{e}");
    }
}
