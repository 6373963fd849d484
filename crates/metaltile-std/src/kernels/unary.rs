//! Elementwise functions of one tensor, `y[i] = f(x[i])`: each kernel is the shared
//! [`map_unary`] skeleton (vector loads and stores, scalar tail) applied to its math in
//! [`math`]. Launched by `ops::unary_plan` over [`super::elementwise::threads`] threads.

use super::elementwise::map_unary;
use metaltile::prelude::*;

/// The math of each unary op, in f32.
pub mod math {
    use metaltile::prelude::*;

    /// e^v
    #[helper]
    pub fn exp(v: f32) -> f32 {
        v.exp()
    }
    /// ln v
    #[helper]
    pub fn log(v: f32) -> f32 {
        v.ln()
    }
    /// √v
    #[helper]
    pub fn sqrt(v: f32) -> f32 {
        v.sqrt()
    }
    /// 1/√v
    #[helper]
    pub fn rsqrt(v: f32) -> f32 {
        v.rsqrt()
    }
    /// |v|
    #[helper]
    pub fn abs(v: f32) -> f32 {
        v.abs()
    }
    /// -v
    #[helper]
    pub fn neg(v: f32) -> f32 {
        -v
    }
    /// 1 / (1 + e^-v)
    #[helper]
    pub fn sigmoid(v: f32) -> f32 {
        1.0 / (1.0 + (-v).exp())
    }
    /// v / (1 + e^-v)
    #[helper]
    pub fn silu(v: f32) -> f32 {
        v / (1.0 + (-v).exp())
    }
    /// ½v(1 + erf(v/√2))
    #[helper]
    pub fn gelu(v: f32) -> f32 {
        0.5 * v * (1.0 + (v / 2.0f32.sqrt()).erf())
    }
    /// ½v(1 + tanh(√(2/π)(v + 0.044715v³)))
    #[helper]
    pub fn gelu_tanh(v: f32) -> f32 {
        let sqrt_2_over_pi = 0.79788456080286536;
        let inner = sqrt_2_over_pi * (v + 0.044715 * v * v * v);
        0.5 * v * (1.0 + inner.tanh())
    }
    /// max(v, 0), NaN for NaN (a comparison, not `max`, which would drop the NaN).
    #[helper]
    pub fn relu(v: f32) -> f32 {
        if v < 0.0 {
            0.0
        } else {
            v
        }
    }
    /// tanh v
    #[helper]
    pub fn tanh(v: f32) -> f32 {
        v.tanh()
    }
    /// sin v
    #[helper]
    pub fn sin(v: f32) -> f32 {
        v.sin()
    }
    /// cos v
    #[helper]
    pub fn cos(v: f32) -> f32 {
        v.cos()
    }
    /// erf v
    #[helper]
    pub fn erf(v: f32) -> f32 {
        v.erf()
    }
}

/// y = e^x
#[kernel]
pub fn exp<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::exp);
}

/// y = ln x
#[kernel]
pub fn log<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::log);
}

/// y = √x
#[kernel]
pub fn sqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sqrt);
}

/// y = 1/√x
#[kernel]
pub fn rsqrt<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::rsqrt);
}

/// y = |x|
#[kernel]
pub fn abs<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::abs);
}

/// y = -x
#[kernel]
pub fn neg<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::neg);
}

/// y = 1 / (1 + e^-x)
#[kernel]
pub fn sigmoid<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sigmoid);
}

/// y = x · sigmoid(x) = x / (1 + e^-x)
#[kernel]
pub fn silu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::silu);
}

/// y = ½x(1 + erf(x/√2)), the exact GELU.
#[kernel]
pub fn gelu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::gelu);
}

/// y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of GELU.
#[kernel]
pub fn gelu_tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::gelu_tanh);
}

/// y = max(x, 0); NaN stays NaN.
#[kernel]
pub fn relu<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::relu);
}

/// y = tanh x
#[kernel]
pub fn tanh<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::tanh);
}

/// y = sin x
#[kernel]
pub fn sin<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::sin);
}

/// y = cos x
#[kernel]
pub fn cos<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::cos);
}

/// y = erf x
#[kernel]
pub fn erf<T: Float>(x: &[T], y: &mut [T], n: u32) {
    map_unary(x, y, n, math::erf);
}
