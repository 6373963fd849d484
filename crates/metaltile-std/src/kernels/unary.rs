//! Elementwise functions of one tensor: `y[i] = f(x[i])`, one thread per element. Launched by
//! `ops::unary` over `n` threads rounded up to whole threadgroups, hence the `i < n` guard.

use metaltile::prelude::*;

/// y = e^x
#[kernel]
pub fn exp<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).exp() as T;
    }
}

/// y = ln x
#[kernel]
pub fn log<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).ln() as T;
    }
}

/// y = √x
#[kernel]
pub fn sqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).sqrt() as T;
    }
}

/// y = 1/√x
#[kernel]
pub fn rsqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).rsqrt() as T;
    }
}

/// y = |x|
#[kernel]
pub fn abs<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).abs() as T;
    }
}

/// y = -x
#[kernel]
pub fn neg<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (-(x[i] as f32)) as T;
    }
}

/// y = 1 / (1 + e^-x)
#[kernel]
pub fn sigmoid<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        let v = x[i] as f32;
        y[i] = (1.0 / (1.0 + (-v).exp())) as T;
    }
}

/// y = x · sigmoid(x) = x / (1 + e^-x)
#[kernel]
pub fn silu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        let v = x[i] as f32;
        y[i] = (v / (1.0 + (-v).exp())) as T;
    }
}

/// y = ½x(1 + erf(x/√2)), the exact GELU.
#[kernel]
pub fn gelu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        let v = x[i] as f32;
        y[i] = (0.5 * v * (1.0 + (v / 2.0f32.sqrt()).erf())) as T;
    }
}

/// y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of GELU.
#[kernel]
pub fn gelu_tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        let v = x[i] as f32;
        let sqrt_2_over_pi = 0.79788456080286536;
        let inner = sqrt_2_over_pi * (v + 0.044715 * v * v * v);
        y[i] = (0.5 * v * (1.0 + inner.tanh())) as T;
    }
}

/// y = max(x, 0); NaN stays NaN (a comparison, not `max`, which would drop it).
#[kernel]
pub fn relu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        let v = x[i] as f32;
        y[i] = (if v < 0.0 { 0.0 } else { v }) as T;
    }
}

/// y = tanh x
#[kernel]
pub fn tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).tanh() as T;
    }
}

/// y = sin x
#[kernel]
pub fn sin<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).sin() as T;
    }
}

/// y = cos x
#[kernel]
pub fn cos<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).cos() as T;
    }
}

/// y = erf x
#[kernel]
pub fn erf<T: Float>(x: &[T], y: &mut [T], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = (x[i] as f32).erf() as T;
    }
}
