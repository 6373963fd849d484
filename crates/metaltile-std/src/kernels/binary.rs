//! Elementwise functions of two tensors of one shape: `y[i] = f(a[i], b[i])`, one thread per
//! element. Launched by `ops::binary` over `n` threads rounded up to whole threadgroups.

use super::helpers::{max_nan, min_nan};
use metaltile::prelude::*;

/// y = a + b
#[kernel]
pub fn add<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (a[i] as f32 + b[i] as f32) as T;
    }
}

/// y = a - b
#[kernel]
pub fn sub<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (a[i] as f32 - b[i] as f32) as T;
    }
}

/// y = a · b
#[kernel]
pub fn mul<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (a[i] as f32 * b[i] as f32) as T;
    }
}

/// y = a / b
#[kernel]
pub fn div<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (a[i] as f32 / b[i] as f32) as T;
    }
}

/// y = max(a, b), NaN if either is NaN (as `torch.maximum`).
#[kernel]
pub fn max<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = max_nan(a[i] as f32, b[i] as f32) as T;
    }
}

/// y = min(a, b), NaN if either is NaN (as `torch.minimum`).
#[kernel]
pub fn min<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = min_nan(a[i] as f32, b[i] as f32) as T;
    }
}

/// y = a^b
#[kernel]
pub fn pow<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (a[i] as f32).powf(b[i] as f32) as T;
    }
}
