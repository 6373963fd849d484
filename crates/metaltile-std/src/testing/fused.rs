//! The cases and inputs of the fused elementwise ops: the elementwise shapes (tails, size 1,
//! no tail, 3-d), special values in every operand, and the parameters that change the math
//! (clip's open and crossed bounds, fma's scale and shift).

use super::inputs::{unary_specials, SPECIALS};
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{FusedKind, OpParams, UnaryKind};
use crate::tensor::HostTensor;

/// Clip's bounds and fma's scale and shift in the cases that do not set their own.
const CLIP: (f32, f32) = (-0.5, 2.0);
const FMA: (f32, f32) = (1.5, -0.25);

/// Parameters of the cases of `k`: [`CLIP`] and [`FMA`] unless `set` says otherwise.
fn params(set: &[(&str, f32)]) -> OpParams {
    let mut p = OpParams::default();
    (p.fused.min, p.fused.max, p.fused.scale, p.fused.shift) = (CLIP.0, CLIP.1, FMA.0, FMA.1);
    for (name, v) in set {
        if let Some(slot) = p.fused.slot(name) {
            *slot = *v;
        }
    }
    p
}

/// Every case of `k`, for every float dtype.
pub fn cases(k: FusedKind) -> Vec<Case> {
    use CaseKind::*;
    let base = params(&[]);
    let mut table: Vec<(Vec<usize>, u64, CaseKind, &str, OpParams)> = vec![
        (vec![1000], 1, Random, "random, 1000 elements (not a multiple of the threadgroup)", base),
        (vec![1000], 2, Random, "random, seed 2", base),
        (vec![1000], 3, Random, "random, seed 3", base),
        (vec![1], 4, Random, "size 1", base),
        (vec![3, 5, 67], 5, Random, "3-d", base),
        (vec![400], 6, Specials, "NaN, ±inf, ±0 and other special values in every operand", base),
        (vec![1000], 7, Large, "large magnitudes", base),
        (vec![4096], 8, Random, "a multiple of a thread's 16 elements: no scalar tail", base),
        (vec![17], 9, Random, "one thread's elements and a tail of 1", base),
        (vec![4111], 10, Random, "a scalar tail of 15", base),
    ];
    match k {
        FusedKind::Clip => table.extend([
            (
                vec![1000],
                11,
                Random,
                "min > max: every element max (torch.clamp)",
                params(&[("min", 1.0), ("max", -1.0)]),
            ),
            (vec![1000], 12, Random, "min -∞: clamped above only", params(&[("min", f32::NEG_INFINITY)])),
            (vec![600], 13, Specials, "max +∞ with special values", params(&[("max", f32::INFINITY)])),
            (vec![1000], 14, Random, "min = max", params(&[("min", 0.25), ("max", 0.25)])),
        ]),
        FusedKind::Fma => table.extend([
            (vec![1000], 11, Random, "scale 0: shift everywhere but NaN and ±inf", params(&[("scale", 0.0)])),
            (vec![1000], 12, Random, "scale -1e3, shift 7", params(&[("scale", -1000.0), ("shift", 7.0)])),
        ]),
        _ => {}
    }
    super::in_every_float_dtype(&table)
}

/// One random value of input `index` of `k`: `where`'s condition is 0 or 1 with equal odds;
/// gates cover silu's and gelu's curved parts; the rest moderate values of either sign.
fn draw(k: FusedKind, index: usize, rng: &mut Rng) -> f64 {
    match (k, index) {
        (FusedKind::Where, 0) => (rng.next_u64() & 1) as f64,
        (FusedKind::Swiglu | FusedKind::Geglu | FusedKind::GegluTanh, 0) => rng.uniform(-6.0, 6.0),
        (FusedKind::Clip, _) => rng.uniform(-3.0, 3.0),
        _ => rng.uniform(-5.0, 5.0),
    }
}

/// The float operands that carry the data (scaled by large cases, fed special values): every
/// one but `where`'s condition and `add_mul`'s scale `c`.
fn data_inputs(k: FusedKind) -> std::ops::Range<usize> {
    match k {
        FusedKind::Where => 1..3,
        FusedKind::AddMul => 0..2,
        _ => 0..k.inputs().len(),
    }
}

/// Generate the inputs of `k` for `case`, in the order of [`FusedKind::inputs`], all of the
/// case's shape.
pub fn generate(k: FusedKind, case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let mut data: Vec<Vec<f64>> =
        (0..k.inputs().len()).map(|i| (0..len).map(|_| draw(k, i, &mut rng)).collect()).collect();
    let on = data_inputs(k);
    match case.kind {
        CaseKind::Large => {
            for v in data[on].iter_mut().flatten() {
                *v *= 1e3;
            }
        }
        CaseKind::Specials => insert_specials(k, &mut data, on, case),
        _ => {}
    }
    data.into_iter().map(|d| HostTensor::new(&case.shape, d)).collect()
}

/// Special values: one operand takes every special of the op it fuses (and clip's bounds
/// with their f32 neighbours); two take every pair of [`SPECIALS`], then a gate takes its
/// activation's thresholds against an ordinary `up`.
fn insert_specials(k: FusedKind, data: &mut [Vec<f64>], on: std::ops::Range<usize>, case: &Case) {
    let p = case.params.fused;
    let (lo, hi) = (p.min as f64, p.max as f64);
    let one: Vec<f64> = match k {
        FusedKind::Clip => {
            let near = |v: f64| [v, f64::from(next_f32(v as f32, 1)), f64::from(next_f32(v as f32, -1))];
            unary_specials(UnaryKind::Hardtanh).into_iter().chain(near(lo)).chain(near(hi)).collect()
        }
        _ => unary_specials(UnaryKind::Abs),
    };
    if on.len() == 1 {
        for (v, s) in data[on.start].iter_mut().zip(one) {
            *v = s;
        }
        return;
    }
    let (first, second) = (on.start, on.start + 1);
    let gate_edges = match k {
        FusedKind::Swiglu => unary_specials(UnaryKind::Silu),
        FusedKind::Geglu => unary_specials(UnaryKind::Gelu),
        FusedKind::GegluTanh => unary_specials(UnaryKind::GeluTanh),
        _ => vec![],
    };
    let pairs = SPECIALS.iter().flat_map(|a| SPECIALS.iter().map(move |b| (*a, *b)));
    let pairs = pairs.chain(gate_edges.into_iter().map(|g| (g, 1.5)));
    for (i, (a, b)) in pairs.enumerate().take(data[first].len()) {
        data[first][i] = a;
        data[second][i] = b;
    }
}

/// The f32 `steps` ulps above `v` (below for negative `steps`); infinities stay.
fn next_f32(v: f32, steps: i32) -> f32 {
    if !v.is_finite() {
        return v;
    }
    let bits = v.to_bits() as i32;
    // Stepping toward +∞ raises a positive float's bits and lowers a negative one's.
    let delta = if v.is_sign_negative() { -steps } else { steps };
    f32::from_bits(bits.wrapping_add(delta) as u32)
}
