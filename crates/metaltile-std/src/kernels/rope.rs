//! Rotary position embedding over `x` of shape `[tokens, heads, head_dim]` (a batch and a
//! sequence flattened into tokens; token `t` is at position `offset + t % seq`): the first
//! `2·half` features of each head are rotated in pairs, the rest copied.
//!
//! **Pairs.** [`rope`] pairs feature `i` with `i + half` (GPT-NeoX, Llama, HF's
//! `rotate_half`); [`rope_interleaved`] pairs `2i` with `2i + 1` (GPT-J, MLX's
//! `traditional`). Pair `i` turns by `pos · inv_freq[i]`; positions come from the offset or
//! from an i32 buffer, and a 2-D (vision) embedding turns the first half of the pairs by the
//! row of the position in a grid and the second half by its column.
//!
//! **Layout.** A thread owns `vec` pairs (or `vec` copied features) of one token and applies
//! them to `hpt` consecutive heads, so each angle's sine and cosine (the costly part: an
//! accurate f32 sine is tens of instructions) is computed once for several heads. Threads
//! next to each other own neighbouring pairs of the same head: every access of a warp is one
//! contiguous span. With `vec = 4` (when `half` and `head_dim` are multiples of 4, so every
//! access is aligned) each access is one 4-wide vector; 16-bit types take `vec = 8` when they
//! are multiples of 8, so each access is 16 bytes (8-byte accesses held bf16 prefill near 68%
//! of copy bandwidth on the H200).
//!
//! **Angles.** The angle is formed in double-f32: the host passes each frequency as a sum
//! `hi + lo` of two f32 (`freqs[i]`, `freqs[half + i]`), the product with the position is
//! split exactly by an fma, and the reduction by 2π uses 2π in two parts. The angle reaching
//! `sin`/`cos` is then within a few 1e-7 rad of the exact one for any position below 2^24,
//! where the plain f32 product `pos · inv_freq` (what HF's f32 cache holds) is off by up to
//! `pos · 2^-23` rad: 0.016 rad at position 131071.

use super::elementwise::{load4_f32, load8_f32, store4_f32, store8_f32};
use metaltile::prelude::*;

/// 2π rounded to f32.
const TWO_PI_HI: f32 = std::f32::consts::TAU;
/// What [`TWO_PI_HI`] lacks of 2π, rounded to f32.
const TWO_PI_LO: f32 = (std::f64::consts::TAU - std::f32::consts::TAU as f64) as f32;
/// 1 / 2π
const INV_TWO_PI: f32 = (1.0 / std::f64::consts::TAU) as f32;

/// `[cos θ, sin θ] · scale` for `θ = pos · (hi + lo)`, θ reduced to about [-π, π] without
/// losing the bits that a plain f32 product drops (see the module's notes).
#[helper]
pub fn cos_sin(pos: f32, hi: f32, lo: f32, scale: f32) -> [f32; 2] {
    let a = pos * hi;
    // pos·hi - a exactly (one rounding of an exact value), plus the small term pos·lo.
    let err = pos.mul_add(hi, -a) + pos * lo;
    let k = (a * INV_TWO_PI).round();
    let r = (-k).mul_add(TWO_PI_HI, a);
    let r = (-k).mul_add(TWO_PI_LO, r) + err;
    [r.cos() * scale, r.sin() * scale]
}

/// The rotation of the pair `(p, q)` by the angle of `[c, s]`: `[p·c - q·s, q·c + p·s]`.
#[helper]
fn turn(p: f32, q: f32, c: f32, s: f32) -> [f32; 2] {
    [p * c - q * s, q * c + p * s]
}

/// [`turn`] of four pairs: `[[p'; 4], [q'; 4]]`.
#[helper]
fn turn4(p: [f32; 4], q: [f32; 4], c: [f32; 4], s: [f32; 4]) -> [[f32; 4]; 2] {
    let [p0, p1, p2, p3] = p;
    let [q0, q1, q2, q3] = q;
    let [c0, c1, c2, c3] = c;
    let [s0, s1, s2, s3] = s;
    let [a0, b0] = turn(p0, q0, c0, s0);
    let [a1, b1] = turn(p1, q1, c1, s1);
    let [a2, b2] = turn(p2, q2, c2, s2);
    let [a3, b3] = turn(p3, q3, c3, s3);
    [[a0, a1, a2, a3], [b0, b1, b2, b3]]
}

/// Rotate four pairs, feature `e` with `e + half`, in 4-wide accesses (`e`, `half` and the
/// row start are multiples of 4); `c` and `s` are their cosines and sines.
#[helper]
#[allow(clippy::too_many_arguments)]
fn split4<T: Float>(x: &[T], y: &mut [T], row: u32, e: u32, half: u32, c: [f32; 4], s: [f32; 4]) {
    let [a, b] = turn4(load4_f32(x, row + e), load4_f32(x, row + e + half), c, s);
    store4_f32(y, row + e, a);
    store4_f32(y, row + e + half, b);
}

/// Rotate four pairs `(2i, 2i + 1)` from feature `2e` on, in two 4-wide accesses (`2e` is a
/// multiple of 8, the row start of 4).
#[helper]
fn interleaved4<T: Float>(x: &[T], y: &mut [T], row: u32, e: u32, c: [f32; 4], s: [f32; 4]) {
    let i = row + 2 * e;
    let [p0, q0, p1, q1] = load4_f32(x, i);
    let [p2, q2, p3, q3] = load4_f32(x, i + 4);
    let [a, b] = turn4([p0, p1, p2, p3], [q0, q1, q2, q3], c, s);
    let [a0, a1, a2, a3] = a;
    let [b0, b1, b2, b3] = b;
    store4_f32(y, i, [a0, b0, a1, b1]);
    store4_f32(y, i + 4, [a2, b2, a3, b3]);
}
/// Rotate eight pairs, feature `e` with `e + half`, in 8-wide accesses (`e`, `half` and the
/// row start are multiples of 8); `c` and `s` hold the cosines and sines of pairs `e..e + 4`
/// and `e + 4..e + 8`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn split8<T: Float>(x: &[T], y: &mut [T], row: u32, e: u32, half: u32, c: [[f32; 4]; 2], s: [[f32; 4]; 2]) {
    let [p_lo, p_hi] = load8_f32(x, row + e);
    let [q_lo, q_hi] = load8_f32(x, row + e + half);
    let [c_lo, c_hi] = c;
    let [s_lo, s_hi] = s;
    let [a_lo, b_lo] = turn4(p_lo, q_lo, c_lo, s_lo);
    let [a_hi, b_hi] = turn4(p_hi, q_hi, c_hi, s_hi);
    store8_f32(y, row + e, [a_lo, a_hi]);
    store8_f32(y, row + e + half, [b_lo, b_hi]);
}

/// Rotate eight pairs `(2i, 2i + 1)` from feature `2e` on, in two 8-wide accesses (`2e` is a
/// multiple of 16, the row start of 8).
#[helper]
fn interleaved8<T: Float>(x: &[T], y: &mut [T], row: u32, e: u32, c: [[f32; 4]; 2], s: [[f32; 4]; 2]) {
    let i = row + 2 * e;
    let [c_lo, c_hi] = c;
    let [s_lo, s_hi] = s;
    let [v0, v1] = load8_f32(x, i);
    let [v2, v3] = load8_f32(x, i + 8);
    let [p0, q0, p1, q1] = v0;
    let [p2, q2, p3, q3] = v1;
    let [p4, q4, p5, q5] = v2;
    let [p6, q6, p7, q7] = v3;
    let [a, b] = turn4([p0, p1, p2, p3], [q0, q1, q2, q3], c_lo, s_lo);
    let [a0, a1, a2, a3] = a;
    let [b0, b1, b2, b3] = b;
    let [d, f] = turn4([p4, p5, p6, p7], [q4, q5, q6, q7], c_hi, s_hi);
    let [a4, a5, a6, a7] = d;
    let [b4, b5, b6, b7] = f;
    store8_f32(y, i, [[a0, b0, a1, b1], [a2, b2, a3, b3]]);
    store8_f32(y, i + 8, [[a4, b4, a5, b5], [a6, b6, a7, b7]]);
}

/// `[cos, sin]` of pairs `i..i + 4`, as [`pair_cos_sin`] gives each: `[[cos; 4], [sin; 4]]`.
#[helper]
#[allow(clippy::too_many_arguments)]
fn four_cos_sin(freqs: &[f32], half: u32, i: u32, split: u32, pa: f32, pb: f32, scale: f32) -> [[f32; 4]; 2] {
    let [c0, s0] = pair_cos_sin(freqs, half, i, split, pa, pb, scale);
    let [c1, s1] = pair_cos_sin(freqs, half, i + 1, split, pa, pb, scale);
    let [c2, s2] = pair_cos_sin(freqs, half, i + 2, split, pa, pb, scale);
    let [c3, s3] = pair_cos_sin(freqs, half, i + 3, split, pa, pb, scale);
    [[c0, c1, c2, c3], [s0, s1, s2, s3]]
}

/// `[cos, sin]` of pair `i`: its frequency from the table, its position `pa` below pair
/// `split` and `pb` from there on (the two axes of a 2-D embedding; one position in 1-D).
#[helper]
#[allow(clippy::too_many_arguments)]
fn pair_cos_sin(freqs: &[f32], half: u32, i: u32, split: u32, pa: f32, pb: f32, scale: f32) -> [f32; 2] {
    cos_sin(select(i < split, pa, pb), freqs[i], freqs[half + i], scale)
}

/// The body both kernels share; `interleaved` picks the pairing.
#[helper]
#[allow(clippy::too_many_arguments)]
fn apply_rope<T: Float>(
    x: &[T],
    pos: &[i32],
    freqs: &[f32],
    y: &mut [T],
    tokens: u32,
    seq: u32,
    heads: u32,
    head_dim: u32,
    half: u32,
    hpt: u32,
    offset: u32,
    pos_len: u32,
    grid_w: u32,
    scale: f32,
    vec: u32,
    explicit: bool,
    interleaved: bool,
) {
    // Units of a token's head: `half / vec` of pairs, then those of copied features.
    let pair_units = half / vec;
    let units = pair_units + (head_dim - 2 * half) / vec;
    let chunks = (heads + hpt - 1) / hpt;
    let g = global_id().x;
    let u = g % units;
    let rest = g / units;
    let token = rest / chunks;
    let h0 = (rest % chunks) * hpt;
    if token < tokens {
        let h1 = (h0 + hpt).min(heads);
        if u < pair_units {
            let p = if explicit { pos[token % pos_len] } else { (offset + token % seq) as i32 };
            // A 2-D embedding turns the first half of the pairs by the row of position p in a
            // grid `grid_w` wide, the second half by its column.
            let gw = grid_w.max(1) as i32;
            let pa = select(grid_w > 0, p / gw, p) as f32;
            let pb = select(grid_w > 0, p % gw, p) as f32;
            let split = select(grid_w > 0, half / 2, half);
            let e = u * vec;
            if vec == 8 {
                let [ca, sa] = four_cos_sin(freqs, half, e, split, pa, pb, scale);
                let [cb, sb] = four_cos_sin(freqs, half, e + 4, split, pa, pb, scale);
                for h in h0..h1 {
                    let row = (token * heads + h) * head_dim;
                    if interleaved {
                        interleaved8(x, y, row, e, [ca, cb], [sa, sb]);
                    } else {
                        split8(x, y, row, e, half, [ca, cb], [sa, sb]);
                    }
                }
            } else if vec == 4 {
                let [c, s] = four_cos_sin(freqs, half, e, split, pa, pb, scale);
                for h in h0..h1 {
                    let row = (token * heads + h) * head_dim;
                    if interleaved {
                        interleaved4(x, y, row, e, c, s);
                    } else {
                        split4(x, y, row, e, half, c, s);
                    }
                }
            } else {
                let [c0, s0] = pair_cos_sin(freqs, half, e, split, pa, pb, scale);
                for h in h0..h1 {
                    let row = (token * heads + h) * head_dim;
                    let ip = if interleaved { row + 2 * e } else { row + e };
                    let iq = if interleaved { ip + 1 } else { ip + half };
                    let [a, b] = turn(x[ip] as f32, x[iq] as f32, c0, s0);
                    y[ip] = a as T;
                    y[iq] = b as T;
                }
            }
        } else {
            let e = 2 * half + (u - pair_units) * vec;
            for h in h0..h1 {
                let i = (token * heads + h) * head_dim + e;
                if vec == 8 {
                    let [a, b, c, d, e, f, g, h] = load8(&x, i);
                    store8(&y, i, [a, b, c, d, e, f, g, h]);
                } else if vec == 4 {
                    let [a, b, c, d] = load4(&x, i);
                    store4(&y, i, [a, b, c, d]);
                } else {
                    y[i] = x[i];
                }
            }
        }
    }
}

/// Rotary embedding, pairs `(i, i + half)` (GPT-NeoX, Llama, HF `rotate_half`):
/// `y[i] = x[i]·cos θ_i - x[i + half]·sin θ_i`, `y[i + half] = x[i + half]·cos θ_i + x[i]·sin θ_i`
/// with `θ_i = pos · freq_i` (cos and sin times `scale`), features from `2·half` on copied.
/// The position of token `t` (of `tokens`, `seq` per sequence) is `offset + t % seq`, or
/// `pos[t % pos_len]` when `explicit`; with `grid_w > 0`, pairs below `half / 2` turn by
/// `pos / grid_w` (the row in a grid), the rest by `pos % grid_w` (the column).
/// One thread per `vec` pairs (or copied features) of a token, for `hpt` heads.
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn rope<T: Float>(
    x: &[T],
    pos: &[i32],
    freqs: &[f32],
    y: &mut [T],
    tokens: u32,
    seq: u32,
    heads: u32,
    head_dim: u32,
    half: u32,
    hpt: u32,
    offset: u32,
    pos_len: u32,
    grid_w: u32,
    scale: f32,
    #[constexpr(default = 4)] vec: u32,
    #[constexpr(default = false)] explicit: bool,
) {
    apply_rope(
        x, pos, freqs, y, tokens, seq, heads, head_dim, half, hpt, offset, pos_len, grid_w, scale, vec, explicit, false,
    );
}

/// Rotary embedding, pairs `(2i, 2i + 1)` (GPT-J, MLX `traditional`); otherwise as [`rope`].
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn rope_interleaved<T: Float>(
    x: &[T],
    pos: &[i32],
    freqs: &[f32],
    y: &mut [T],
    tokens: u32,
    seq: u32,
    heads: u32,
    head_dim: u32,
    half: u32,
    hpt: u32,
    offset: u32,
    pos_len: u32,
    grid_w: u32,
    scale: f32,
    #[constexpr(default = 4)] vec: u32,
    #[constexpr(default = false)] explicit: bool,
) {
    apply_rope(
        x, pos, freqs, y, tokens, seq, heads, head_dim, half, hpt, offset, pos_len, grid_w, scale, vec, explicit, true,
    );
}
