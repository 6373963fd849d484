//! Independent references: each op written plainly in Rust on f64, from its mathematical
//! definition, never from a kernel's IR. NaN and infinity behave as PyTorch defines them
//! (max/min/relu propagate NaN). The unary functions are in [`unary`].

mod binary;
mod bitwise;
mod fused;
mod gemv;
mod index;
mod loss;
mod movement;
mod normvar;
mod random;
mod reduce;
mod rope;
mod scan;
mod sort;
mod unary;

pub use binary::*;
pub use bitwise::*;
pub use fused::*;
pub use gemv::*;
pub use index::*;
pub use loss::*;
pub use movement::*;
pub use normvar::*;
pub use random::*;
pub use reduce::*;
pub use rope::*;
pub use scan::*;
pub use sort::*;
pub use unary::*;

/// a + b
pub fn add(a: f64, b: f64) -> f64 {
    a + b
}
/// a - b
pub fn sub(a: f64, b: f64) -> f64 {
    a - b
}
/// a · b
pub fn mul(a: f64, b: f64) -> f64 {
    a * b
}
/// a / b
pub fn div(a: f64, b: f64) -> f64 {
    a / b
}
/// The larger of a and b; NaN if either is NaN (`torch.maximum`).
pub fn max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}
/// The smaller of a and b; NaN if either is NaN (`torch.minimum`).
pub fn min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a <= b {
        a
    } else {
        b
    }
}
/// a^b (IEEE `pow`: NaN for a negative base with a non-integer exponent).
pub fn pow(a: f64, b: f64) -> f64 {
    a.powf(b)
}

/// Σ row
pub fn sum_row(row: &[f64]) -> f64 {
    row.iter().sum()
}
/// Largest element; NaN if any is NaN. The row must not be empty.
pub fn max_row(row: &[f64]) -> f64 {
    row.iter().copied().fold(f64::NEG_INFINITY, max)
}
/// Smallest element; NaN if any is NaN. The row must not be empty.
pub fn min_row(row: &[f64]) -> f64 {
    row.iter().copied().fold(f64::INFINITY, min)
}
/// e^(x_i - max) / Σ_j e^(x_j - max)
pub fn softmax_row(row: &[f64]) -> Vec<f64> {
    let m = max_row(row);
    let e: Vec<f64> = row.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}
/// (x_i - max) - ln Σ_j e^(x_j - max)
pub fn log_softmax_row(row: &[f64]) -> Vec<f64> {
    let m = max_row(row);
    let s: f64 = row.iter().map(|x| (x - m).exp()).sum();
    row.iter().map(|x| (x - m) - s.ln()).collect()
}
/// x_i / √(mean(x²) + eps) · w_i
pub fn rms_norm_row(row: &[f64], w: &[f64], eps: f64) -> Vec<f64> {
    let mean_sq = row.iter().map(|x| x * x).sum::<f64>() / row.len() as f64;
    let r = 1.0 / (mean_sq + eps).sqrt();
    row.iter().zip(w).map(|(x, w)| x * r * w).collect()
}
/// (x_i - mean) / √(var + eps) · w_i + b_i, with the biased variance.
pub fn layer_norm_row(row: &[f64], w: &[f64], b: &[f64], eps: f64) -> Vec<f64> {
    let n = row.len() as f64;
    let mean = row.iter().sum::<f64>() / n;
    let var = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let r = 1.0 / (var + eps).sqrt();
    row.iter().zip(w).zip(b).map(|((x, w), b)| (x - mean) * r * w + b).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_at_known_points() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(silu(0.0), 0.0);
        assert!((gelu(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((gelu_tanh(1.0) - 0.841_191_990_608_276_8).abs() < 1e-12);
        assert!(relu(f64::NAN).is_nan());
        assert_eq!(relu(-2.0), 0.0);
        assert!((erf(0.5) - 0.520_499_877_813_046_5).abs() < 1e-15);
    }

    #[test]
    fn max_and_min_propagate_nan() {
        assert!(max(1.0, f64::NAN).is_nan() && max(f64::NAN, 1.0).is_nan());
        assert!(min(1.0, f64::NAN).is_nan());
        assert!(max_row(&[1.0, f64::NAN, 3.0]).is_nan());
        assert_eq!(max_row(&[1.0, 3.0, 2.0]), 3.0);
        assert_eq!(min_row(&[1.0, -3.0, 2.0]), -3.0);
    }

    #[test]
    fn row_ops() {
        let s = softmax_row(&[1.0, 2.0, 3.0]);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((s[2] - 0.665_240_955_774_821_8).abs() < 1e-15);
        let r = rms_norm_row(&[3.0, 4.0], &[1.0, 2.0], 0.0);
        let rms = (12.5f64).sqrt();
        assert!((r[0] - 3.0 / rms).abs() < 1e-15 && (r[1] - 8.0 / rms).abs() < 1e-15);
        let l = layer_norm_row(&[1.0, 3.0], &[1.0, 1.0], &[0.5, 0.5], 0.0);
        assert_eq!(l, vec![-0.5, 1.5]);
    }
}
