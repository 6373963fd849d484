//! Contiguous copy, bit for bit: the elementwise skeleton's layout (16 elements per thread,
//! each warp access one contiguous span, every load before the first store, the last
//! threadgroup element by element) without widening to f32.
//!
//! - `copy` (float types): `group_vectors`' 16-byte accesses (two 8-lane packs of f16/bf16).
//! - `copy_scalar` (integers and bool): four 4-lane vectors per thread, 4 to 32 bytes each.
//!   The 8-lane loads of 16-bit types cannot be traced for 8-byte integers or bool (the IR
//!   refuses those vectors even in a branch that folds away), hence two kernels.

use super::elementwise::{group_span, group_vectors, vector_offset};
use metaltile::prelude::*;

/// y = x for a float type.
#[kernel]
pub fn copy<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        let [i0, i1, i2, i3] = group_vectors::<T>(base);
        if elem_bytes::<T>() == 2 {
            // Vectors 0-1 and 2-3 are the halves of two 8-lane packs.
            let p = load8(&x, i0);
            let q = load8(&x, i2);
            store8(&y, i0, p);
            store8(&y, i2, q);
        } else {
            let [v0, v1, v2, v3] = [load4(&x, i0), load4(&x, i1), load4(&x, i2), load4(&x, i3)];
            store4(&y, i0, v0);
            store4(&y, i1, v1);
            store4(&y, i2, v2);
            store4(&y, i3, v3);
        }
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = x[base + e];
            }
        }
    }
}

/// y = x for any element type (the library launches it for integers and bool).
#[kernel]
pub fn copy_scalar<T: Scalar>(x: &[T], y: &mut [T], n: u32) {
    let [base, span] = group_span();
    let left = n - base;
    if left >= span {
        let [i0, i1, i2, i3] =
            [base + vector_offset(0), base + vector_offset(1), base + vector_offset(2), base + vector_offset(3)];
        let [v0, v1, v2, v3] = [load4(&x, i0), load4(&x, i1), load4(&x, i2), load4(&x, i3)];
        store4(&y, i0, v0);
        store4(&y, i1, v1);
        store4(&y, i2, v2);
        store4(&y, i3, v3);
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                y[base + e] = x[base + e];
            }
        }
    }
}
