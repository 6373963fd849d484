//! Counter-based random numbers: `rand_uniform`, `rand_normal` and `bernoulli` from the
//! Philox-4x32-10 generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
//! SC 2011), so that every backend gives the same bits for the same key.
//!
//! **The stream.** Element `e` of the stream of a key (two u32 words, a 64-bit seed) is word
//! `e % 4` of Philox applied to the 128-bit counter `[e / 4 low, e / 4 high, 0, 0]`. Output
//! element `i` takes stream element `offset + i`: its bits depend on the seed, the offset and
//! `i` only — never on the launch geometry, the thread count or the backend. Generating `n`
//! values and then `m` more at offset `n` gives the same values as generating `n + m`.
//!
//! **Values.** Of a word `w` the 24 high bits `m = w >> 8` make the uniform `m · 2^-24` in
//! `[0, 1)` (exact in f32, never 1). `rand_uniform` scales it with one fused multiply-add,
//! `fma(high - low, u, low)` (one rounding on every backend, unlike a multiply and an add that
//! a compiler may or may not contract), rounds to `T`, and replaces a result that reached
//! `high` (f32 rounding, or the rounding to f16/bf16) by `top`, the largest `T` value below
//! `high`. `bernoulli` is 1 where `m < threshold` (`threshold = ⌈p · 2^24⌉`, so P = p to
//! 2^-24), an integer comparison, exact everywhere; its output is `T` 0 or 1, as
//! `torch.bernoulli`. `rand_normal` pairs stream elements `2k` and `2k + 1` (words of one
//! Philox output) in Box-Muller: `r = √(-2 ln u1)` with `u1 = (m₁ + 1) · 2^-24` in `(0, 1]`
//! (ln u1 computed as `ln_1p(-(1 - u1))`, accurate near 1), `θ = 2π · m₂ · 2^-24`, element
//! `2k` is `r cos θ` and `2k + 1` is `r sin θ`, then `std · z + mean` (one fma). The
//! transcendentals make normal values agree between backends to a few ulps, not bit for bit;
//! the 24-bit uniforms bound |z| by √(2 ln 2^24) ≈ 5.77.
//!
//! **Layout.** The elementwise skeleton's (see [`super::elementwise`]): 16 elements per
//! thread as four 4-wide vectors, the 16-bit types as two 16-byte packs, the last threadgroup
//! element by element. A vector starts at a multiple of 4, so when `offset % 4 == 0` it is one
//! Philox output; otherwise (the constexpr `shift = offset % 4`) it spans two, and the vector
//! computes both (twice the integer work; the planner passes `shift` so the aligned case
//! carries no second call).

use super::elementwise::{group_span, group_vectors, store_group, vector_offset};
use metaltile::prelude::*;

/// Philox-4x32's multiplier of counter word 0.
pub const PHILOX_M0: u32 = 0xD251_1F53;
/// Philox-4x32's multiplier of counter word 2.
pub const PHILOX_M1: u32 = 0xCD9E_8D57;
/// The Weyl increment of key word 0 between rounds (the golden ratio's fraction).
pub const PHILOX_W0: u32 = 0x9E37_79B9;
/// The Weyl increment of key word 1 (√3 - 1's fraction).
pub const PHILOX_W1: u32 = 0xBB67_AE85;
/// Rounds of Philox-4x32-10.
pub const PHILOX_ROUNDS: u32 = 10;
/// 2^-24: a 24-bit integer times it is a float in [0, 1), exactly.
pub const UNIT_24: f32 = 1.0 / 16_777_216.0;
/// 2^24 - 1, the largest 24-bit integer.
pub const MAX_24: u32 = 0x00FF_FFFF;
/// 2π in f32.
pub const TWO_PI: f32 = 2.0 * std::f32::consts::PI;

/// The distributions, as the `dist` argument of [`fill_random`].
pub const UNIFORM: u32 = 0;
pub const NORMAL: u32 = 1;
pub const BERNOULLI: u32 = 2;

/// Philox-4x32-10 of counter `c` under key `key`: four u32 words.
#[helper]
pub fn philox(c: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let [a0, a1, a2, a3] = c;
    let [b0, b1] = key;
    let mut c0 = a0;
    let mut c1 = a1;
    let mut c2 = a2;
    let mut c3 = a3;
    let mut k0 = b0;
    let mut k1 = b1;
    for _ in 0..PHILOX_ROUNDS {
        // 32 × 32 → 64-bit products: the high and low words of each.
        let p0 = (c0 as u64) * (PHILOX_M0 as u64);
        let p1 = (c2 as u64) * (PHILOX_M1 as u64);
        let n0 = ((p1 >> 32) as u32) ^ c1 ^ k0;
        let n2 = ((p0 >> 32) as u32) ^ c3 ^ k1;
        c0 = n0;
        c1 = p1 as u32;
        c2 = n2;
        c3 = p0 as u32;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    [c0, c1, c2, c3]
}

/// The Philox counter of stream block `q` (stream elements `4q .. 4q + 4`).
#[helper]
pub fn block_counter(q: u64) -> [u32; 4] {
    [q as u32, (q >> 32) as u32, 0u32, 0u32]
}

/// Word `k` (0..8) of the two blocks `a` then `b`.
#[helper]
pub fn pick(k: u32, a: [u32; 4], b: [u32; 4]) -> u32 {
    let [a0, a1, a2, a3] = a;
    let [b0, b1, b2, b3] = b;
    let lo = select(k == 0, a0, select(k == 1, a1, select(k == 2, a2, a3)));
    let hi = select(k == 4, b0, select(k == 5, b1, select(k == 6, b2, b3)));
    select(k < 4, lo, hi)
}

/// The uniform `(w >> 8) · 2^-24` in [0, 1).
#[helper]
pub fn unit24(w: u32) -> f32 {
    ((w >> 8) as f32) * UNIT_24
}

/// The value of the element at word `k` of blocks `a`, `b` for distribution `dist`:
/// `p` is `[low, high - low, high, top]` (uniform) or `[mean, std, 0, 0]` (normal);
/// `threshold` is bernoulli's. The result is exactly representable in `T`.
#[helper]
pub fn random_value<T: Float>(a: [u32; 4], b: [u32; 4], k: u32, dist: u32, p: [f32; 4], threshold: u32) -> f32 {
    let [p0, p1, p2, p3] = p;
    if dist == NORMAL {
        // The pair's words: 2j (the radius) and 2j + 1 (the angle).
        let m1 = pick(k & 6, a, b) >> 8;
        let below_one = ((MAX_24 - m1) as f32) * UNIT_24;
        let r = (-2.0 * (-below_one).ln_1p()).sqrt();
        let theta = TWO_PI * unit24(pick(k | 1, a, b));
        let z = select((k & 1) == 1, r * theta.sin(), r * theta.cos());
        ((p1.mul_add(z, p0)) as T) as f32
    } else if dist == BERNOULLI {
        select((pick(k, a, b) >> 8) < threshold, 1.0f32, 0.0f32)
    } else {
        let t = ((p1.mul_add(unit24(pick(k, a, b)), p0)) as T) as f32;
        select(t >= p2, p3, t)
    }
}

/// The values of output elements `i .. i + 4` (`i` a multiple of 4).
#[helper]
#[allow(clippy::too_many_arguments)]
pub fn random4<T: Float>(
    i: u32,
    key: [u32; 2],
    offset: u64,
    shift: u32,
    dist: u32,
    p: [f32; 4],
    threshold: u32,
) -> [f32; 4] {
    let q = (offset + (i as u64)) >> 2;
    let a = philox(block_counter(q), key);
    let mut b0 = 0u32;
    let mut b1 = 0u32;
    let mut b2 = 0u32;
    let mut b3 = 0u32;
    if shift != 0 {
        let [x0, x1, x2, x3] = philox(block_counter(q + 1), key);
        b0 = x0;
        b1 = x1;
        b2 = x2;
        b3 = x3;
    }
    let b = [b0, b1, b2, b3];
    [
        random_value::<T>(a, b, shift, dist, p, threshold),
        random_value::<T>(a, b, shift + 1, dist, p, threshold),
        random_value::<T>(a, b, shift + 2, dist, p, threshold),
        random_value::<T>(a, b, shift + 3, dist, p, threshold),
    ]
}

/// `y[i]` = the value of stream element `offset + i` for `i < n` (see the module docs).
#[helper]
#[allow(clippy::too_many_arguments)]
pub fn fill_random<T: Float>(
    y: &mut [T],
    n: u32,
    key: [u32; 2],
    offset: u64,
    shift: u32,
    dist: u32,
    p: [f32; 4],
    threshold: u32,
) {
    let [base, span] = group_span();
    // Every launched group starts below n, so `n - base` does not wrap.
    let left = n - base;
    if left >= span {
        let at = group_vectors::<T>(base);
        let [i0, i1, i2, i3] = at;
        store_group(
            y,
            at,
            [
                random4::<T>(i0, key, offset, shift, dist, p, threshold),
                random4::<T>(i1, key, offset, shift, dist, p, threshold),
                random4::<T>(i2, key, offset, shift, dist, p, threshold),
                random4::<T>(i3, key, offset, shift, dist, p, threshold),
            ],
        );
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            if o < left {
                let i = base + o;
                let [v0, v1, v2, v3] = random4::<T>(i, key, offset, shift, dist, p, threshold);
                y[i] = v0 as T;
                if o + 1 < left {
                    y[i + 1] = v1 as T;
                }
                if o + 2 < left {
                    y[i + 2] = v2 as T;
                }
                if o + 3 < left {
                    y[i + 3] = v3 as T;
                }
            }
        }
    }
}

/// `y[i]` uniform in `[low, high)`: `fma(range, u, low)` rounded to `T`, `top` (the largest
/// `T` below `high`) where that reached `high`; `range = high - low` in f32.
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn rand_uniform<T: Float>(
    y: &mut [T],
    n: u32,
    key0: u32,
    key1: u32,
    offset: u64,
    low: f32,
    range: f32,
    high: f32,
    top: f32,
    #[constexpr(default = 0)] shift: u32,
) {
    fill_random::<T>(y, n, [key0, key1], offset, shift, UNIFORM, [low, range, high, top], 0u32);
}

/// `y[i]` normal with mean `mean` and standard deviation `sigma` (Box-Muller).
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn rand_normal<T: Float>(
    y: &mut [T],
    n: u32,
    key0: u32,
    key1: u32,
    offset: u64,
    mean: f32,
    sigma: f32,
    #[constexpr(default = 0)] shift: u32,
) {
    fill_random::<T>(y, n, [key0, key1], offset, shift, NORMAL, [mean, sigma, 0.0f32, 0.0f32], 0u32);
}

/// `y[i]` = 1 with probability `threshold / 2^24`, else 0.
#[kernel]
pub fn bernoulli<T: Float>(
    y: &mut [T],
    n: u32,
    key0: u32,
    key1: u32,
    offset: u64,
    threshold: u32,
    #[constexpr(default = 0)] shift: u32,
) {
    fill_random::<T>(y, n, [key0, key1], offset, shift, BERNOULLI, [0.0f32, 0.0f32, 0.0f32, 0.0f32], threshold);
}
