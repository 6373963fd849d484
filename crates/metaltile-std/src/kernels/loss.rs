//! Losses at evaluation time: `cross_entropy` (log-softmax and NLL fused), `mse_loss` and
//! `kl_div`, accumulating in f32.
//!
//! **Cross-entropy.** [`cross_entropy`] gives each row of logits `tpr` threads (the row
//! reductions' layout, [`super::reduce`]): one read of the row with an online max and a sum
//! rescaled to it (logsumexp; the log-softmax is never stored), then the row's first thread
//! reads the target's logit and stores `(lse - x[target], 1)`, or `(0, 0)` for a target equal
//! to `ignore_index`. Targets are i32 words (i64 targets two words, low first, when `wide`, as
//! the index family reads its indices); a target outside `[0, n)` that is not ignored is
//! recorded in `flag` (the host's checked mode turns it into an error) and its row stores NaN.
//!
//! **Pointwise losses.** [`mse_loss`] and [`kl_div`] write `f(input, target)` elementwise (reduction
//! `none`) in the elementwise skeleton; [`pointwise_partials`] sums it over each threadgroup's
//! 4096 elements (the same layout: 16-byte loads, all in flight before the sum) into one f32
//! partial per threadgroup.
//!
//! **Reductions.** [`loss_finish`] folds the `(value, weight)` pairs of the partials in one
//! threadgroup and stores `Σ value / divisor`, or `Σ value / Σ weight` when `weighted`
//! (cross-entropy's mean over the rows not ignored: 0/0 = NaN when every row is, as torch).

use super::elementwise::{group_span, group_vectors, load_group, map_binary, vector_offset};
use super::helpers::BinaryFn;
use super::index::{in_range, index_words, record_bad};
use super::reduce::{combine, thread_value, LOGSUMEXP};
use super::rows::{add, index_in_row, row_of, row_reduce};
use metaltile::prelude::*;

/// `op` of [`pointwise_partials`]: `(input - target)²`.
pub const MSE: u32 = 0;
/// `op`: `target · ln target - target · input`, the first term 0 where `target = 0` (torch's
/// `kl_div`: `xlogy(target, target) - target · input`).
pub const KL: u32 = 1;
/// `op`: `e^target · (target - input)` (`kl_div` with `log_target`).
pub const KL_LOG_TARGET: u32 = 2;
/// Threads of [`loss_finish`]'s one threadgroup.
pub const FINISH_GROUP: u32 = 1024;

/// `(a - b)²`
#[helper]
pub fn squared_error(a: f32, b: f32) -> f32 {
    let d = a - b;
    d * d
}

/// `xlogy(b, b) - b · a` (`b · ln b` is 0 where `b = 0`; NaN for `b < 0`), torch's form: a
/// zero target against a `-∞` input is NaN, as there.
#[helper]
pub fn kl_term(a: f32, b: f32) -> f32 {
    select(b == 0.0, 0.0, b * b.ln()) - b * a
}

/// `e^b · (b - a)`
#[helper]
pub fn kl_log_target_term(a: f32, b: f32) -> f32 {
    b.exp() * (b - a)
}

/// The four sums of `f` over a thread's vectors.
#[helper]
pub fn sum4_2(f: BinaryFn, a: [f32; 4], b: [f32; 4]) -> f32 {
    let [a0, a1, a2, a3] = a;
    let [b0, b1, b2, b3] = b;
    (f(a0, b0) + f(a1, b1)) + (f(a2, b2) + f(a3, b3))
}

/// Cross-entropy of each row of `x` (`[rows, n]`) against `target`: `part[2r] = lse(x[r]) -
/// x[r, target[r]]` and `part[2r + 1] = 1`, or `(0, 0)` where the target is `ignore_index`
/// (words `ignore_lo`, `ignore_hi`), `(NaN, 1)` where it is out of range (recorded in `flag`).
#[kernel]
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy<T: Float>(
    x: &[T],
    target: &[i32],
    part: &mut [f32],
    flag: &mut [u32],
    rows: u32,
    n: u32,
    tpr: u32,
    ignore_lo: i32,
    ignore_hi: i32,
    #[constexpr(default = false)] wide: bool,
) {
    let row = row_of(tpr);
    let live = row < rows;
    let lse = combine(thread_value(x, row * n, 0, n, tpr, n, live, LOGSUMEXP), tpr, LOGSUMEXP);
    if live & (index_in_row(tpr) == 0) {
        let w = index_words(target, row, wide);
        let [lo, hi] = w;
        let ignored = (lo == ignore_lo) & (hi == ignore_hi);
        let ok = in_range(w, n);
        let mut picked = f32::NAN;
        if ok {
            picked = lse - (x[row * n + (lo as u32)] as f32);
        } else if !ignored {
            record_bad(flag, w, row, n);
        }
        part[2 * row] = select(ignored, 0.0, picked);
        part[2 * row + 1] = select(ignored, 0.0, 1.0);
    }
}

/// `y[i] = (a[i] - b[i])²` (reduction `none`).
#[kernel]
pub fn mse_loss<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32) {
    map_binary(a, b, y, n, squared_error);
}

/// `y[i] = xlogy(b[i], b[i]) - b[i] · a[i]`, or `e^b[i] · (b[i] - a[i])` with `log_target`
/// (reduction `none`).
#[kernel]
pub fn kl_div<T: Float>(a: &[T], b: &[T], y: &mut [T], n: u32, #[constexpr(default = false)] log_target: bool) {
    if log_target {
        map_binary(a, b, y, n, kl_log_target_term);
    } else {
        map_binary(a, b, y, n, kl_term);
    }
}

/// This thread's Σ of `f` over its elements of the group at `base` (the skeleton's layout).
#[helper]
pub fn group_sum<T: Float>(a: &[T], b: &[T], n: u32, f: BinaryFn) -> f32 {
    let [base, span] = group_span();
    let left = n - base;
    let mut s = 0.0f32;
    if left >= span {
        let at = group_vectors::<T>(base);
        let [a0, a1, a2, a3] = load_group(a, at);
        let [b0, b1, b2, b3] = load_group(b, at);
        s = (sum4_2(f, a0, b0) + sum4_2(f, a1, b1)) + (sum4_2(f, a2, b2) + sum4_2(f, a3, b3));
    } else {
        for o in (vector_offset(0)..span).step_by(4 * group_size().x) {
            for e in o..(o + 4).min(left) {
                s += f(a[base + e] as f32, b[base + e] as f32);
            }
        }
    }
    s
}

/// `part[2g] = Σ f(a[i], b[i])` over threadgroup `g`'s elements, `part[2g + 1] = 0`.
#[kernel]
pub fn pointwise_partials<T: Float>(a: &[T], b: &[T], part: &mut [f32], n: u32, #[constexpr(default = 0)] op: u32) {
    let mut s = 0.0f32;
    if op == MSE {
        s = group_sum(a, b, n, squared_error);
    } else if op == KL {
        s = group_sum(a, b, n, kl_term);
    } else {
        s = group_sum(a, b, n, kl_log_target_term);
    }
    let total = row_reduce(s, group_size().x, 0.0, add);
    if local_id().x == 0 {
        part[2 * group_id().x] = total;
        part[2 * group_id().x + 1] = 0.0;
    }
}

/// `y[0] = Σ part[2i] / divisor` over `count` pairs, or `/ Σ part[2i + 1]` when `weighted`;
/// one threadgroup of [`FINISH_GROUP`] threads.
#[kernel]
pub fn loss_finish<T: Float>(
    part: &[f32],
    y: &mut [T],
    count: u32,
    divisor: f32,
    #[constexpr(default = false)] weighted: bool,
) {
    let mut s = 0.0f32;
    let mut w = 0.0f32;
    for i in (local_id().x..count).step_by(group_size().x) {
        s += part[2 * i];
        w += part[2 * i + 1];
    }
    let s = row_reduce(s, group_size().x, 0.0, add);
    let w = row_reduce(w, group_size().x, 0.0, add);
    if local_id().x == 0 {
        y[0] = (s / select(weighted, w, divisor)) as T;
    }
}

/// `y[r] = part[2r]` as `T`: cross-entropy's per-row losses (reduction `none`).
#[kernel]
pub fn loss_rows_out<T: Float>(part: &[f32], y: &mut [T], rows: u32) {
    let r = global_id().x;
    if r < rows {
        y[r] = part[2 * r] as T;
    }
}
