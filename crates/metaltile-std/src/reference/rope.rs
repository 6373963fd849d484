//! The rotary embedding in f64, from its definition: each pair of features turned by the
//! angle `position · frequency`, the frequencies written from the published formulas in
//! frequency terms (the host's table works in wavelengths and a vectorised form).

use crate::ops::{RopeConfig, RopeLayout, RopeScaling};
use std::f64::consts::PI;

/// The frequency of pair `i` of `rotary_dim` features.
pub fn rope_frequency(i: usize, rotary_dim: usize, base: f64, scaling: RopeScaling) -> f64 {
    let theta = 1.0 / base.powf((2 * i) as f64 / rotary_dim as f64);
    match scaling {
        RopeScaling::None => theta,
        RopeScaling::Llama3 { factor, low_freq_factor, high_freq_factor, original_max_positions } => {
            // Turns over the original context: above high_freq_factor kept, below
            // low_freq_factor divided by the factor, linear in the turns between.
            let turns = original_max_positions * theta / (2.0 * PI);
            if turns > high_freq_factor {
                theta
            } else if turns < low_freq_factor {
                theta / factor
            } else {
                let kept = (turns - low_freq_factor) / (high_freq_factor - low_freq_factor);
                kept * theta + (1.0 - kept) * theta / factor
            }
        }
        RopeScaling::Yarn { factor, original_max_positions, beta_fast, beta_slow } => {
            // Pair index where the frequency turns `beta` times over the original context.
            let pair_at =
                |beta: f64| (rotary_dim as f64 / 2.0) * (original_max_positions / (2.0 * PI * beta)).ln() / base.ln();
            let first = pair_at(beta_fast).floor().max(0.0);
            let last = pair_at(beta_slow).ceil().min(rotary_dim as f64 - 1.0);
            let span = if last == first { 0.001 } else { last - first };
            let divided = ((i as f64 - first) / span).clamp(0.0, 1.0);
            theta * (1.0 - divided) + theta / factor * divided
        }
    }
}

/// YaRN's scale of cos and sin, 1 otherwise.
pub fn rope_magnitude(scaling: RopeScaling) -> f64 {
    match scaling {
        RopeScaling::Yarn { factor, .. } if factor > 1.0 => 1.0 + 0.1 * factor.ln(),
        _ => 1.0,
    }
}

/// The rotary embedding of `x` of `shape` (`[batch, seq, heads, head_dim]` or
/// `[seq, heads, head_dim]`) under `cfg`, token `t` at `cfg.offset + t % seq`.
pub fn rope(shape: &[usize], x: &[f64], cfg: &RopeConfig) -> Vec<f64> {
    rope_at(shape, x, cfg, None)
}

/// [`rope`] with the positions given, one per token of a sequence (`[seq]`) or of the batch
/// (`[batch, seq]`).
pub fn rope_at(shape: &[usize], x: &[f64], cfg: &RopeConfig, positions: Option<&[f64]>) -> Vec<f64> {
    let (seq, heads, dim) = match *shape {
        [_, s, h, d] | [s, h, d] => (s, h, d),
        _ => return vec![],
    };
    let rotary = cfg.rotary_dim.unwrap_or(dim);
    let half = rotary / 2;
    let m = rope_magnitude(cfg.scaling);
    // A 2-D embedding: each half of the pairs has the frequencies of rotary/2 features.
    let freq: Vec<f64> = match cfg.grid_width {
        Some(_) => (0..half).map(|i| rope_frequency(i % (half / 2), rotary / 2, cfg.base, cfg.scaling)).collect(),
        None => (0..half).map(|i| rope_frequency(i, rotary, cfg.base, cfg.scaling)).collect(),
    };
    let mut y = x.to_vec();
    for (r, head) in x.chunks(dim.max(1)).enumerate() {
        let token = r / heads.max(1);
        let position = match positions {
            Some(p) => p[token % p.len()],
            None => cfg.offset as f64 + (token % seq.max(1)) as f64,
        };
        let out = &mut y[r * dim..(r + 1) * dim];
        for (i, f) in freq.iter().enumerate() {
            let position = match cfg.grid_width {
                Some(w) if i < half / 2 => (position / w as f64).floor(),
                Some(w) => position.rem_euclid(w as f64),
                None => position,
            };
            let (p, q) = match cfg.layout {
                RopeLayout::HalfSplit => (i, i + half),
                RopeLayout::Interleaved => (2 * i, 2 * i + 1),
            };
            let (s, c) = (position * f).sin_cos();
            out[p] = m * (head[p] * c - head[q] * s);
            out[q] = m * (head[q] * c + head[p] * s);
        }
    }
    y
}

/// For each element of `x`, the norm of the pair it is rotated with under `cfg`, times the
/// scale of cos and sin (0 for the features that are copied).
pub fn rope_pair_norms(shape: &[usize], x: &[f64], cfg: &RopeConfig) -> Vec<f64> {
    let dim = shape.last().copied().unwrap_or(0);
    let half = cfg.rotary_dim.unwrap_or(dim) / 2;
    let m = rope_magnitude(cfg.scaling);
    let mut out = vec![0.0; x.len()];
    for (r, head) in x.chunks(dim.max(1)).enumerate() {
        for i in 0..half {
            let (p, q) = match cfg.layout {
                RopeLayout::HalfSplit => (i, i + half),
                RopeLayout::Interleaved => (2 * i, 2 * i + 1),
            };
            let norm = m * head[p].hypot(head[q]);
            out[r * dim + p] = norm;
            out[r * dim + q] = norm;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_radian_and_the_pass_through() {
        // head_dim 4, 2 rotated: pair 0's frequency is 1, so position 1 turns (0, 1) by 1 rad.
        let cfg = RopeConfig { rotary_dim: Some(2), offset: 1, ..RopeConfig::new(RopeLayout::HalfSplit) };
        let y = rope(&[1, 1, 4], &[1.0, 0.0, 5.0, 6.0], &cfg);
        assert!((y[0] - 1f64.cos()).abs() < 1e-15 && (y[1] - 1f64.sin()).abs() < 1e-15);
        assert_eq!(&y[2..], &[5.0, 6.0]);
    }

    #[test]
    fn llama3_bands_at_the_published_values() {
        let s = RopeScaling::Llama3 {
            factor: 8.0,
            low_freq_factor: 1.0,
            high_freq_factor: 4.0,
            original_max_positions: 8192.0,
        };
        // Pair 0 (frequency 1) turns 1304 times over 8192 positions: kept. The last pair of
        // 128 features at base 500000 turns far less than once: divided by 8.
        assert_eq!(rope_frequency(0, 128, 500000.0, s), 1.0);
        let last = 1.0 / 500000f64.powf(126.0 / 128.0);
        assert!((rope_frequency(63, 128, 500000.0, s) - last / 8.0).abs() < 1e-18);
    }

    #[test]
    fn yarn_scales_cos_and_sin() {
        let s = RopeScaling::Yarn { factor: 4.0, original_max_positions: 4096.0, beta_fast: 32.0, beta_slow: 1.0 };
        assert!((rope_magnitude(s) - (1.0 + 0.1 * 4f64.ln())).abs() < 1e-15);
        assert_eq!(rope_frequency(0, 128, 10000.0, s), 1.0);
        assert_eq!(rope_magnitude(RopeScaling::None), 1.0);
    }
}
