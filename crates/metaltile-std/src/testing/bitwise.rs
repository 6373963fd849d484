//! The cases of the bitwise ops: every integer dtype (and bool for and / or / xor / not),
//! three seeds, a whole threadgroup of 4096 with a tail, one element, and the extremes.
//!
//! Values span each type's whole range for widths up to 32 bits. The oracle carries values as
//! f64, exact to 53 bits, so 64-bit cases draw each element either small (below 2^31 in
//! magnitude) or as a 53-bit integer times 2^11 (the high bits set, the low 11 clear), both
//! operands of an element alike: every result but `not` of a 64-bit value is then exact in
//! f64 too (`not` of 64-bit values draws small ones only). Every bit of 64-bit values is checked by `tests/bitwise.rs` against Rust's own
//! integer ops.
//!
//! Shift amounts are drawn in `[0, width)`; the extremes case adds amounts of exactly the
//! width, beyond it and (for signed types) below 0, which torch defines.

use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{BitwiseKind, OpParams};
use crate::tensor::HostTensor;
use metaltile_ir::DType;

/// Every case of `k`.
pub fn cases(k: BitwiseKind) -> Vec<Case> {
    let rows: [(Vec<usize>, u64, CaseKind, &str); 8] = [
        (vec![1000], 1, CaseKind::Random, "random over the type's range"),
        (vec![1000], 2, CaseKind::Random, "random, seed 2"),
        (vec![3, 17], 3, CaseKind::Random, "random, 2-d with a tail"),
        (vec![4111], 4, CaseKind::Random, "a whole threadgroup and a tail of 15"),
        (vec![2, 4100], 5, CaseKind::Random, "two threadgroups and a tail"),
        (vec![1], 6, CaseKind::Random, "size 1"),
        (vec![64], 7, CaseKind::Specials, "extremes, 0, ±1; shift amounts at and beyond the width"),
        (vec![1000], 8, CaseKind::Large, "every value in the top half of the type's magnitudes"),
    ];
    let mut out = Vec::new();
    for &dtype in k.def().dtypes {
        for (shape, seed, kind, label) in &rows {
            out.push(Case {
                dtype,
                shape: shape.clone(),
                seed: *seed,
                kind: *kind,
                label: label.to_string(),
                params: OpParams::default(),
            });
        }
    }
    out
}

/// The smallest and largest values of an integer `dtype` that f64 holds exactly (bool: 0, 1).
fn range(dtype: DType) -> (f64, f64) {
    let bits = dtype.size_bytes() as u32 * 8;
    match dtype {
        DType::Bool => (0.0, 1.0),
        DType::I64 => (-(2f64.powi(63)), 2f64.powi(63) - 2048.0),
        DType::U64 => (0.0, 2f64.powi(64) - 2048.0),
        d if d.is_signed() => (-(2f64.powi(bits as i32 - 1)), 2f64.powi(bits as i32 - 1) - 1.0),
        _ => (0.0, 2f64.powi(bits as i32) - 1.0),
    }
}

/// One random value of `dtype`; for 64-bit types small or high-bits as the module says.
fn value(dtype: DType, big: bool, rng: &mut Rng) -> f64 {
    let (lo, hi) = range(dtype);
    if dtype.size_bytes() < 8 {
        return lo + rng.below((hi - lo) as usize + 1) as f64;
    }
    let signed = dtype.is_signed();
    if big {
        let m = (rng.next_u64() >> 11) as f64 * 2048.0;
        // Signed: the 53-bit pattern shifted to the top half-range, either sign.
        if signed {
            let v = m / 2.0 - (m / 2.0) % 2048.0;
            if rng.next_u64() & 1 == 0 {
                v
            } else {
                -v - 2048.0
            }
        } else {
            m
        }
    } else {
        let m = (rng.next_u64() >> 33) as f64;
        if signed && rng.next_u64() & 1 == 1 {
            -m - 1.0
        } else {
            m
        }
    }
}

/// A value of `dtype` in the top half of its magnitudes (either sign when signed): for widths
/// up to 32 bits `[2^(w-2), 2^(w-1))` signed and `[2^(w-1), 2^w)` unsigned; for 64-bit types
/// the high-bits values of [`value`], except for `not`, whose results those would not fit in
/// an f64: there `[2^52, 2^53)`.
fn large_value(dtype: DType, k: BitwiseKind, rng: &mut Rng) -> f64 {
    let bits = dtype.size_bytes() as i32 * 8;
    let signed = dtype.is_signed();
    let (lo, width) = match (dtype, k) {
        (DType::Bool, _) => return rng.below(2) as f64,
        (_, BitwiseKind::Not) if bits == 64 => (2f64.powi(52), 2f64.powi(52)),
        (_, _) if bits == 64 => return value(dtype, true, rng),
        _ if signed => (2f64.powi(bits - 2), 2f64.powi(bits - 2)),
        _ => (2f64.powi(bits - 1), 2f64.powi(bits - 1)),
    };
    let m = lo + (rng.unit() * width).floor();
    if signed && rng.next_u64() & 1 == 1 {
        -m
    } else {
        m
    }
}

/// A shift amount of `dtype`: in `[0, width)`.
fn amount(dtype: DType, rng: &mut Rng) -> f64 {
    rng.below(dtype.size_bytes() * 8) as f64
}

/// The inputs of `k` for `case`, in the order of [`BitwiseKind::inputs`].
pub fn generate(k: BitwiseKind, case: &Case) -> Vec<HostTensor> {
    let mut rng = Rng::new(case.seed);
    let len: usize = case.shape.iter().product();
    let d = case.dtype;
    let shift = matches!(k, BitwiseKind::LeftShift | BitwiseKind::RightShift);
    let mut a = Vec::with_capacity(len);
    let mut b = Vec::with_capacity(len);
    let large = case.kind == CaseKind::Large;
    for _ in 0..len {
        // `not` of a high-bits value sets its 11 low bits: no f64 holds that.
        let big = (large || rng.next_u64() & 1 == 1) && k != BitwiseKind::Not;
        let draw = |rng: &mut Rng| if large { large_value(d, k, rng) } else { value(d, big, rng) };
        a.push(draw(&mut rng));
        b.push(if shift { amount(d, &mut rng) } else { draw(&mut rng) });
    }
    if case.kind == CaseKind::Specials {
        let (lo, hi) = range(d);
        let width = (d.size_bytes() * 8) as f64;
        let values = [lo, hi, 0.0, 1.0, lo.max(-1.0), (hi / 2.0).floor(), lo / 2.0];
        let amounts: Vec<f64> = [0.0, 1.0, width - 1.0, width, width + 1.0, 255.0_f64.min(hi), lo.max(-1.0), lo]
            .into_iter()
            .filter(|v| *v >= lo && *v <= hi)
            .collect();
        let mut i = 0;
        for &p in &values {
            if shift {
                for &q in &amounts {
                    if i < len {
                        (a[i], b[i]) = (p, q);
                        i += 1;
                    }
                }
            } else {
                for &q in &values {
                    if i < len {
                        (a[i], b[i]) = (p, q);
                        i += 1;
                    }
                }
            }
        }
    }
    let tensor = |v| HostTensor::new(&case.shape, v);
    match k {
        BitwiseKind::Not => vec![tensor(a)],
        _ => vec![tensor(a), tensor(b)],
    }
}
