//! Casts between every pair of dtypes: one kernel per destination type, generic over the
//! source (`T: Scalar`), so a launch is the instance of the destination's kernel for the
//! source dtype. Conversions follow the project's rules (`metaltile_ir::dtype::f64_to_bits`,
//! Rust's `as`): floats round to nearest even; float to integer truncates toward zero and
//! saturates at the type's bounds, NaN becomes 0; integer to integer wraps (two's complement);
//! to bool, nonzero (NaN included) is true; from bool, true is 1 and false 0. (`.cast` is
//! `as` for numbers; the DSL refuses `bool as f32`, as Rust does, hence the method.)
//!
//! Layout: the elementwise skeleton's four 4-lane vectors per thread (16 elements), every
//! load before the first store, the last threadgroup element by element. The access width
//! is the source's and the destination's own (4 to 32 bytes): 4-lane vectors are the one
//! width every dtype takes.

use super::elementwise::{group_span, vector_offset};
use metaltile::prelude::*;

/// The four vectors of this thread, at `(k · group_size + t) · 4`.
#[helper]
pub fn cast_vectors(base: u32) -> [u32; 4] {
    [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)]
}

macro_rules! cast_kernel {
    ($(#[$doc:meta])* $name:ident, $to:ty, |$v:ident| $conv:expr) => {
        $(#[$doc])*
        #[kernel]
        pub fn $name<T: Scalar>(x: &[T], y: &mut [$to], n: u32) {
            let [base, span] = group_span();
            // Every launched group starts below n, so `n - base` does not wrap.
            let left = n - base;
            if left >= span {
                let [i0, i1, i2, i3] = cast_vectors(base);
                let [a0, a1, a2, a3] = load4(&x, i0);
                let [b0, b1, b2, b3] = load4(&x, i1);
                let [c0, c1, c2, c3] = load4(&x, i2);
                let [d0, d1, d2, d3] = load4(&x, i3);
                store4(&y, i0, [{ let $v = a0; $conv }, { let $v = a1; $conv }, { let $v = a2; $conv }, { let $v = a3; $conv }]);
                store4(&y, i1, [{ let $v = b0; $conv }, { let $v = b1; $conv }, { let $v = b2; $conv }, { let $v = b3; $conv }]);
                store4(&y, i2, [{ let $v = c0; $conv }, { let $v = c1; $conv }, { let $v = c2; $conv }, { let $v = c3; $conv }]);
                store4(&y, i3, [{ let $v = d0; $conv }, { let $v = d1; $conv }, { let $v = d2; $conv }, { let $v = d3; $conv }]);
            } else {
                for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
                    for e in o..(o + 4).min(left) {
                        let $v = x[base + e];
                        y[base + e] = $conv;
                    }
                }
            }
        }
    };
}

cast_kernel!(
    /// y = x as f32
    cast_f32, f32, |v| v.cast::<f32>()
);
cast_kernel!(
    /// y = x as f16
    cast_f16, f16, |v| v.cast::<f16>()
);
cast_kernel!(
    /// y = x as bf16
    cast_bf16, bf16, |v| v.cast::<bf16>()
);
cast_kernel!(
    /// y = x as i8
    cast_i8, i8, |v| v.cast::<i8>()
);
cast_kernel!(
    /// y = x as u8
    cast_u8, u8, |v| v.cast::<u8>()
);
cast_kernel!(
    /// y = x as i16
    cast_i16, i16, |v| v.cast::<i16>()
);
cast_kernel!(
    /// y = x as u16
    cast_u16, u16, |v| v.cast::<u16>()
);
cast_kernel!(
    /// y = x as i32
    cast_i32, i32, |v| v.cast::<i32>()
);
cast_kernel!(
    /// y = x as u32
    cast_u32, u32, |v| v.cast::<u32>()
);
cast_kernel!(
    /// y = x as i64
    cast_i64, i64, |v| v.cast::<i64>()
);
cast_kernel!(
    /// y = x as u64
    cast_u64, u64, |v| v.cast::<u64>()
);
cast_kernel!(
    /// y = x ≠ 0 (NaN is nonzero). Through f32, which is exact for this test: no nonzero value
    /// of any dtype rounds to 0 in f32.
    cast_bool, bool, |v| v.cast::<f32>() != 0.0
);
