//! Outputs that need no input: `fill` (one value everywhere) and `arange` (`start + i·step`).
//! The elementwise skeleton's layout (16 elements per thread as four 4-wide stores, each warp
//! store one contiguous span; the last threadgroup element by element).
//!
//! `arange` computes floats in f32 (`start + step·i`, `i` converted to f32: the accumulate type
//! torch's CUDA kernel uses for f32, f16 and bf16, so past 2^24 elements `i` itself rounds) and
//! integers in i64, wrapping into narrower types.

use super::elementwise::{group_span, vector_offset};
use metaltile::prelude::*;

/// y = value
#[kernel]
pub fn fill<T: Scalar>(y: &mut [T], n: u32, value: T) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        for k in 0..4u32 {
            store4(&y, base + vector_offset(k), [value, value, value, value]);
        }
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = value;
            }
        }
    }
}

/// Element `i` of an arange: in f32 when `float`, else in i64.
#[helper]
pub fn arange_at<T: Numeric>(i: u32, start_f: f32, step_f: f32, start_i: i64, step_i: i64, float: bool) -> T {
    if float {
        (start_f + step_f * (i as f32)) as T
    } else {
        (start_i + (i as i64) * step_i) as T
    }
}

/// y[i] = start + i·step
#[kernel]
pub fn arange<T: Numeric>(
    y: &mut [T],
    n: u32,
    start_f: f32,
    step_f: f32,
    start_i: i64,
    step_i: i64,
    #[constexpr(default = true)] float: bool,
) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        for k in 0..4u32 {
            let i = base + vector_offset(k);
            store4(
                &y,
                i,
                [
                    arange_at(i, start_f, step_f, start_i, step_i, float),
                    arange_at(i + 1, start_f, step_f, start_i, step_i, float),
                    arange_at(i + 2, start_f, step_f, start_i, step_i, float),
                    arange_at(i + 3, start_f, step_f, start_i, step_i, float),
                ],
            );
        }
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = arange_at(base + e, start_f, step_f, start_i, step_i, float);
            }
        }
    }
}
