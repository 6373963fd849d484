//! The host generator of the random ops: Philox-4x32-10 written from its published
//! definition (Salmon et al., SC 2011) in plain Rust, and the values of `rand_uniform`,
//! `rand_normal` and `bernoulli` from its words as `crate::kernels::random` defines them.
//! It is the reference of the random ops: the kernels must give the same u32 stream, the
//! same uniform and bernoulli values bit for bit, and normal values to a few ulps (the
//! reference computes Box-Muller in f64).

use metaltile_ir::dtype::{bits_to_f64, f64_to_bits};
use metaltile_ir::DType;

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox-4x32 with `rounds` rounds of `ctr` under `key`.
pub fn philox4x32(ctr: [u32; 4], key: [u32; 2], rounds: u32) -> [u32; 4] {
    let (mut c, mut k) = (ctr, key);
    for _ in 0..rounds {
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        c = [((p1 >> 32) as u32) ^ c[1] ^ k[0], p1 as u32, ((p0 >> 32) as u32) ^ c[3] ^ k[1], p0 as u32];
        k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
    }
    c
}

/// The key of a 64-bit seed: its low word, then its high word.
pub fn seed_key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

/// Element `e` of the stream of `seed`: word `e % 4` of Philox-4x32-10 of counter `e / 4`.
pub fn stream_word(seed: u64, e: u64) -> u32 {
    let q = e / 4;
    philox4x32([q as u32, (q >> 32) as u32, 0, 0], seed_key(seed), 10)[(e % 4) as usize]
}

/// `n` words of the stream of `seed` from element `offset`.
pub fn stream(seed: u64, offset: u64, n: usize) -> Vec<u32> {
    (0..n as u64).map(|i| stream_word(seed, offset.wrapping_add(i))).collect()
}

/// The 24 high bits of `w` as a uniform in [0, 1) (exact in f32).
pub fn unit24(w: u32) -> f32 {
    (w >> 8) as f32 / 16_777_216.0
}

/// `v` rounded to `dtype` (nearest even), as f64.
fn round_to(dtype: DType, v: f64) -> f64 {
    bits_to_f64(dtype, f64_to_bits(dtype, v))
}

/// The largest `dtype` value strictly below `high`, if any is finite.
pub fn largest_below(dtype: DType, high: f64) -> Option<f64> {
    let r = round_to(dtype, high);
    if r < high {
        // Below the dtype's range `high` rounds to -∞: no finite value lies below it.
        return r.is_finite().then_some(r);
    }
    // One step toward -∞ from r (r ≥ high, finite or +∞).
    let bits = f64_to_bits(dtype, r);
    let sign = 1u64 << (dtype.size_bytes() * 8 - 1);
    let below = if r == 0.0 {
        sign | 1
    } else if bits & sign == 0 {
        bits - 1
    } else {
        bits + 1
    };
    let v = bits_to_f64(dtype, below);
    (v.is_finite() && v < high).then_some(v)
}

/// The `rand_uniform` value of word `w` in `dtype`: `fma(high - low, u, low)` in f32, rounded
/// to `dtype`, the largest `dtype` value below `high` where it reached `high`.
pub fn uniform_value(dtype: DType, w: u32, low: f32, high: f32) -> f64 {
    let t = round_to(dtype, (high - low).mul_add(unit24(w), low) as f64);
    if t >= high as f64 {
        largest_below(dtype, high as f64).unwrap_or(f64::NAN)
    } else {
        t
    }
}

/// The `bernoulli` value of word `w`: 1 where the uniform is below `p`.
pub fn bernoulli_value(w: u32, p: f32) -> f64 {
    if (unit24(w) as f64) < p as f64 {
        1.0
    } else {
        0.0
    }
}

/// The standard normal of stream element `e`: Box-Muller in f64 on the pair `(e & !1, e | 1)`,
/// the cosine for even `e`, the sine for odd.
pub fn standard_normal(seed: u64, e: u64) -> f64 {
    let m1 = stream_word(seed, e & !1) >> 8;
    let m2 = stream_word(seed, e | 1) >> 8;
    let u1 = (m1 as f64 + 1.0) / 16_777_216.0;
    let theta = 2.0 * std::f64::consts::PI * (m2 as f64 / 16_777_216.0);
    let r = (-2.0 * u1.ln()).sqrt();
    if e & 1 == 0 {
        r * theta.cos()
    } else {
        r * theta.sin()
    }
}

/// `n` values of `rand_uniform` in `dtype` from stream element `offset`.
pub fn rand_uniform(dtype: DType, seed: u64, offset: u64, n: usize, low: f32, high: f32) -> Vec<f64> {
    stream(seed, offset, n).into_iter().map(|w| uniform_value(dtype, w, low, high)).collect()
}

/// `n` values of `rand_normal` (unrounded: f64) from stream element `offset`.
pub fn rand_normal(seed: u64, offset: u64, n: usize, mean: f32, std: f32) -> Vec<f64> {
    (0..n as u64).map(|i| mean as f64 + std as f64 * standard_normal(seed, offset.wrapping_add(i))).collect()
}

/// `n` values of `bernoulli` from stream element `offset`.
pub fn bernoulli(seed: u64, offset: u64, n: usize, p: f32) -> Vec<f64> {
    stream(seed, offset, n).into_iter().map(|w| bernoulli_value(w, p)).collect()
}

/// The oracle's reference of random op `kind`: `n` values under `p`, uniform ones as f32
/// computes them (the oracle rounds them to the output's dtype; the kernel's clamp below
/// `high` after that rounding is checked by `tests/random.rs`, which knows the dtype).
pub fn random_op(kind: crate::ops::RandomKind, n: usize, p: &crate::ops::RandomParams) -> Vec<f64> {
    use crate::ops::RandomKind;
    match kind {
        RandomKind::Uniform => rand_uniform(DType::F32, p.seed, p.rng_offset, n, p.low, p.high),
        RandomKind::Normal => rand_normal(p.seed, p.rng_offset, n, p.mean, p.std),
        RandomKind::Bernoulli => bernoulli(p.seed, p.rng_offset, n, p.p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Philox-4x32-10 known-answer vectors of Random123's `kat_vectors`.
    #[test]
    fn philox_matches_the_published_known_answers() {
        assert_eq!(philox4x32([0; 4], [0; 2], 10), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(philox4x32([u32::MAX; 4], [u32::MAX; 2], 10), [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]);
        assert_eq!(
            philox4x32([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0], 10),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn largest_below_steps_down_one_value_of_the_dtype() {
        assert_eq!(largest_below(DType::F32, 1.0), Some(1.0 - f32::EPSILON as f64 / 2.0));
        assert_eq!(largest_below(DType::BF16, 1.0), Some(1.0 - 1.0 / 256.0));
        assert_eq!(largest_below(DType::F16, 1.0), Some(1.0 - 1.0 / 2048.0));
        assert_eq!(largest_below(DType::F16, -1.0), Some(-1.0 - 1.0 / 1024.0));
        assert!(largest_below(DType::F16, 0.0).is_some_and(|v| v < 0.0 && v > -1e-7));
        // 1.0001 is not an f16: it rounds to 1, which lies below it.
        assert_eq!(largest_below(DType::F16, 1.0001), Some(1.0));
        assert_eq!(largest_below(DType::F16, f64::MIN), None);
    }
}
