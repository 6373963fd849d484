//! Test inputs: where each op's random values come from, which special values it is fed,
//! and how a case's inputs are generated (in f64; the harness rounds them to the dtype).

use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{BinaryKind, ReduceKind, StdOp, UnaryKind};
use crate::tensor::HostTensor;

/// Where the random values of one input come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Uniform in `[lo, hi)`.
    Uniform(f64, f64),
    /// Magnitude uniform in `[lo, hi)`, sign random: keeps values away from zero (divisors).
    SignedMagnitude(f64, f64),
}

impl Domain {
    pub(crate) fn sample(self, rng: &mut Rng) -> f64 {
        match self {
            Domain::Uniform(lo, hi) => rng.uniform(lo, hi),
            Domain::SignedMagnitude(lo, hi) => {
                let m = rng.uniform(lo, hi);
                if rng.next_u64() & 1 == 0 {
                    m
                } else {
                    -m
                }
            }
        }
    }
}

/// The domain of input `index` of `op`: where its values are meaningful and well conditioned.
pub fn domain(op: StdOp, index: usize) -> Domain {
    match op {
        StdOp::Unary(k) => unary_domain(k),
        StdOp::Binary(k) => match (k, index) {
            (BinaryKind::Div, 1) => Domain::SignedMagnitude(0.25, 4.0),
            (BinaryKind::Pow, 0) => Domain::Uniform(0.05, 4.0),
            (BinaryKind::Pow, _) => Domain::Uniform(-3.0, 3.0),
            (BinaryKind::Remainder | BinaryKind::Fmod, 0) => Domain::Uniform(-20.0, 20.0),
            (BinaryKind::Remainder | BinaryKind::Fmod, _) => Domain::SignedMagnitude(0.25, 4.0),
            (BinaryKind::Logaddexp, _) => Domain::Uniform(-20.0, 20.0),
            // Few distinct values, so that equal operands (and zeros, for the logical ops) occur.
            (k, _) if k.is_test() => Domain::Uniform(-2.0, 2.0),
            _ => Domain::Uniform(-5.0, 5.0),
        },
        // Factors near 1, so that products of thousands stay in range.
        StdOp::Reduce(ReduceKind::Prod) => Domain::SignedMagnitude(0.9, 1.1),
        StdOp::Reduce(_) => Domain::Uniform(-4.0, 4.0),
        StdOp::Scan(k) if !k.is_sum() => Domain::SignedMagnitude(0.9, 1.1),
        StdOp::Scan(_) => Domain::Uniform(-4.0, 4.0),
        StdOp::Sort(_) => Domain::Uniform(-4.0, 4.0),
        StdOp::Softmax | StdOp::LogSoftmax => Domain::Uniform(-8.0, 8.0),
        StdOp::Rope(_) => Domain::Uniform(-4.0, 4.0),
        StdOp::Gemv(_) => Domain::Uniform(-1.0, 1.0),
        // Drawn by `testing::fused`, which `generate` hands the fused ops to.
        StdOp::Fused(_) | StdOp::Copy | StdOp::Cast(_) | StdOp::Move(_) | StdOp::Index(_) | StdOp::Bitwise(_) => {
            Domain::Uniform(-5.0, 5.0)
        }
        // `x` gives the random ops' dtype and shape only.
        StdOp::Random(_) => Domain::Uniform(-1.0, 1.0),
        // Drawn by `testing::loss`.
        StdOp::Loss(_) => Domain::Uniform(-8.0, 8.0),
        // Drawn by `testing::normvar`.
        StdOp::Norm(_) => Domain::Uniform(-3.0, 3.0),
        StdOp::RmsNorm | StdOp::LayerNorm => match index {
            0 => Domain::Uniform(-3.0, 3.0),
            1 => Domain::Uniform(0.5, 1.5),
            _ => Domain::Uniform(-1.0, 1.0),
        },
    }
}

/// Where a unary op's random inputs come from: its domain where it has one (log, asin,
/// acosh, ...), else a range that covers its curved part, thresholds and kinks.
fn unary_domain(k: UnaryKind) -> Domain {
    use UnaryKind::*;
    match k {
        Exp | Expm1 | Sin | Cos | Atan | Sinh | Cosh | Asinh | Cbrt | Square => Domain::Uniform(-10.0, 10.0),
        Ceil | Floor | Round | Trunc | Softsign | Mish => Domain::Uniform(-10.0, 10.0),
        Exp2 => Domain::Uniform(-15.0, 15.0),
        Log | Sqrt | Rsqrt => Domain::Uniform(1e-3, 10.0),
        Log2 | Log10 => Domain::Uniform(1e-3, 100.0),
        Log1p => Domain::Uniform(-0.9, 10.0),
        Recip => Domain::SignedMagnitude(1e-2, 10.0),
        Tan => Domain::Uniform(-1.5, 1.5),
        Asin | Acos | Atanh | Erfinv => Domain::Uniform(-1.0, 1.0),
        Acosh => Domain::Uniform(1.0, 10.0),
        Abs | Neg | Sign | Relu | LeakyRelu | Elu | Selu | Hardsigmoid | Hardswish => Domain::Uniform(-5.0, 5.0),
        Hardtanh => Domain::Uniform(-3.0, 3.0),
        Sigmoid | Silu | Gelu | GeluTanh | Tanh | Erf => Domain::Uniform(-6.0, 6.0),
        Logsigmoid => Domain::Uniform(-20.0, 20.0),
        Softplus => Domain::Uniform(-30.0, 30.0),
        // Scaled by the large case, f16 rounds these to ±∞.
        Isnan | Isinf | Isfinite => Domain::Uniform(-100.0, 100.0),
    }
}

/// The factor "large magnitude" cases scale the data input by.
pub fn large_scale(op: StdOp) -> f64 {
    match op {
        StdOp::Unary(_)
        | StdOp::Binary(_)
        | StdOp::Reduce(_)
        | StdOp::Softmax
        | StdOp::LogSoftmax
        | StdOp::Rope(_)
        | StdOp::Fused(_)
        | StdOp::Copy
        | StdOp::Cast(_)
        | StdOp::Move(_)
        | StdOp::Index(_)
        | StdOp::Bitwise(_) => 1e3,
        StdOp::Random(_) | StdOp::Loss(_) => 1e3,
        StdOp::Scan(_) => 1e3,
        StdOp::Sort(_) => 1e3,
        StdOp::RmsNorm | StdOp::LayerNorm | StdOp::Norm(_) => 1e2,
        StdOp::Gemv(_) => 1e3,
    }
}

/// Values every elementwise op meets in a special-values case; IEEE defines each op on all.
pub const SPECIALS: [f64; 12] =
    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-3];

/// Values every unary op meets besides [`SPECIALS`]: large and tiny magnitudes (f16 rounds
/// the largest to ±∞ and the tiniest to ±0; none is subnormal in f32, which GPUs may flush).
pub const UNARY_SPECIALS: [f64; 8] = [1e4, -1e4, 1e30, -1e30, 3e38, -3e38, 1e-30, -1e-30];

/// Every special value unary op `k` is fed: [`SPECIALS`], [`UNARY_SPECIALS`], and the points
/// where its definition or its formula changes (domain edges, thresholds, kinks, overflow,
/// halves for rounding), with their f32 neighbours.
pub fn unary_specials(k: UnaryKind) -> Vec<f64> {
    use UnaryKind::*;
    let edges: &[f64] = match k {
        Ceil | Floor | Round | Trunc => &[1.5, 2.5, -2.5, -1.5, 0.499_999_97, 4_194_304.5, 8_388_609.0],
        Asin | Acos | Atanh | Erfinv => &[0.999_999_94, -0.999_999_94, 0.9999, -0.9999, 1.000_000_1, -1.5],
        Acosh => &[1.000_000_1, 0.99, 1e4],
        Log1p => &[-0.999_999_94, -1.5, 1e-7, -1e-7],
        Expm1 => &[1e-7, -1e-7, 88.7, 88.8, -88.7],
        Exp => &[88.7, 88.8, -87.3, -103.0],
        Exp2 => &[127.9, 128.0, -126.0, -149.0],
        Sinh | Cosh => &[89.0, -89.0, 89.5, -89.5],
        Tan => &[1.570_796_4, -1.570_796_4],
        Sigmoid | Logsigmoid | Silu => &[-88.0, -89.0, -100.0, 88.0, 17.0, 20.0],
        Softplus | Mish => &[20.0, 20.000_002, 19.999_998, -88.0, -104.0, 100.0],
        Hardsigmoid | Hardswish => &[3.0, -3.0, 2.999_999_8, -2.999_999_8, 3.000_000_2],
        Hardtanh => &[1.000_000_1, -1.000_000_1, 0.999_999_94],
        Erf | Gelu | GeluTanh => &[3.9, -3.9, 10.0],
        Cbrt => &[-8.0, 27.0],
        _ => &[],
    };
    SPECIALS.iter().chain(&UNARY_SPECIALS).chain(edges).copied().collect()
}

/// Generate the inputs of `op` for `case`, in the order of `op.inputs()`.
pub fn generate(op: StdOp, case: &Case) -> Vec<HostTensor> {
    if let StdOp::Gemv(form) = op {
        return super::gemv::generate(form, case);
    }
    if let StdOp::Fused(k) = op {
        return super::fused::generate(k, case);
    }
    if let StdOp::Scan(k) = op {
        return super::scan::generate(k, case);
    }
    if let StdOp::Copy = op {
        return super::copy::generate(case);
    }
    if let StdOp::Cast(to) = op {
        return super::copy::generate_cast(to, case);
    }
    if let StdOp::Move(k) = op {
        return super::movement::generate(k, case);
    }
    if let StdOp::Index(k) = op {
        return super::index::generate(k, case);
    }
    if let StdOp::Bitwise(k) = op {
        return super::bitwise::generate(k, case);
    }
    if let StdOp::Sort(k) = op {
        return super::sort::generate(k, case);
    }
    if let StdOp::Loss(k) = op {
        return super::loss::generate(k, case);
    }
    if let StdOp::Norm(k) = op {
        return super::normvar::generate(k, case);
    }
    let mut rng = Rng::new(case.seed);
    let shape = &case.shape;
    let len: usize = shape.iter().product();
    let n = shape.last().copied().unwrap_or(1);
    let mut fill = |index: usize, count: usize| -> Vec<f64> {
        let d = domain(op, index);
        (0..count).map(|_| d.sample(&mut rng)).collect()
    };
    let mut data: Vec<Vec<f64>> = op
        .inputs()
        .iter()
        .enumerate()
        .map(|(i, _)| match op {
            // The weights and biases of the norms have the shape of one row.
            StdOp::RmsNorm | StdOp::LayerNorm if i > 0 => fill(i, n),
            _ if i > 0 => fill(i, operand_shape(case.kind, shape).iter().product()),
            _ => fill(i, len),
        })
        .collect();
    match case.kind {
        CaseKind::Random | CaseKind::Broadcast(_) | CaseKind::RowBroadcast | CaseKind::Scalar { .. } => {}
        CaseKind::Large => {
            let s = large_scale(op);
            let scaled = match op {
                // The exponent, and the divisor (for ratios of 1e3 and more), stay in range.
                StdOp::Binary(BinaryKind::Pow | BinaryKind::Fmod | BinaryKind::Remainder) => 0..1,
                StdOp::Binary(_) => 0..2,
                _ => 0..1,
            };
            for v in data[scaled].iter_mut().flatten() {
                *v *= s;
            }
        }
        CaseKind::Specials => insert_specials(op, &mut data, n, &mut Rng::new(case.seed ^ 0x5EC1A1)),
        CaseKind::Cancelling => {
            // Element i + n/2 is -x[i] plus a thousandth of its own draw.
            for row in data[0].chunks_mut(n.max(1)) {
                let half = row.len() / 2;
                for i in 0..half {
                    row[half + i] = -row[i] + 1e-3 * row[half + i];
                }
            }
        }
    }
    op.inputs()
        .iter()
        .zip(data)
        .enumerate()
        .map(|(i, (_, d))| match op {
            StdOp::RmsNorm | StdOp::LayerNorm if i > 0 => HostTensor::new(&[n], d),
            _ if i > 0 => HostTensor::new(&operand_shape(case.kind, shape), d),
            _ => HostTensor::new(shape, d),
        })
        .collect()
}

/// Put special values into the data inputs: every special of the op for unary ops, every pair of
/// specials for binary ops, and for row ops one kind of special per row.
fn insert_specials(op: StdOp, data: &mut [Vec<f64>], n: usize, rng: &mut Rng) {
    match op {
        StdOp::Unary(k) => {
            for (v, s) in data[0].iter_mut().zip(unary_specials(k)) {
                *v = s;
            }
        }
        StdOp::Binary(k) => {
            let pairs = SPECIALS.iter().flat_map(|a| SPECIALS.iter().map(move |b| (*a, *b)));
            let pairs = pairs.chain(binary_specials(k));
            for (i, (a, b)) in pairs.enumerate().take(data[0].len()) {
                data[0][i] = a;
                data[1][i] = b;
            }
        }
        _ => {
            for (r, row) in data[0].chunks_mut(n.max(1)).enumerate() {
                row_specials(r, row, rng);
            }
        }
    }
}

/// Row `r` of a special-values case: a NaN, +∞, -∞, both infinities, all -0.0, half -∞
/// (masked attention scores), all equal, then ordinary rows.
pub(crate) fn row_specials(r: usize, row: &mut [f64], rng: &mut Rng) {
    let n = row.len();
    let at = |rng: &mut Rng| rng.below(n);
    match r {
        0 => row[at(rng)] = f64::NAN,
        1 => row[at(rng)] = f64::INFINITY,
        2 => row[at(rng)] = f64::NEG_INFINITY,
        3 => {
            row[at(rng)] = f64::INFINITY;
            row[at(rng)] = f64::NEG_INFINITY;
        }
        4 => row.iter_mut().for_each(|v| *v = -0.0),
        5 => row.iter_mut().step_by(2).for_each(|v| *v = f64::NEG_INFINITY),
        6 => row.iter_mut().for_each(|v| *v = 1.25),
        _ => {}
    }
}

/// The shape of the second input of a binary case: `b`'s for a broadcast, one element for a
/// scalar operand, else the case's shape.
fn operand_shape(kind: CaseKind, shape: &[usize]) -> Vec<usize> {
    match kind {
        CaseKind::Broadcast(b) => b.to_vec(),
        CaseKind::RowBroadcast => shape.last().map_or(vec![], |n| vec![*n]),
        CaseKind::Scalar { .. } => vec![1],
        _ => shape.to_vec(),
    }
}

/// The inputs of a binary case as the elementwise reference takes them: both operands of a
/// broadcast repeated to the output's shape (by coordinates, NumPy's rule written plainly),
/// a scalar repeated to `a`'s shape and put on its side of the op.
pub fn expand(kind: CaseKind, inputs: Vec<HostTensor>) -> Vec<HostTensor> {
    let [a, b] = match <[HostTensor; 2]>::try_from(inputs) {
        Ok(ab) => ab,
        Err(other) => return other,
    };
    match kind {
        CaseKind::Scalar { left } => {
            let s = HostTensor::new(&a.shape, vec![b.data.first().copied().unwrap_or(0.0); a.data.len()]);
            if left {
                vec![s, a]
            } else {
                vec![a, s]
            }
        }
        CaseKind::Broadcast(_) | CaseKind::RowBroadcast => {
            let rank = a.shape.len().max(b.shape.len());
            let padded = |s: &[usize]| [vec![1; rank - s.len()], s.to_vec()].concat();
            let (pa, pb) = (padded(&a.shape), padded(&b.shape));
            let out: Vec<usize> = pa.iter().zip(&pb).map(|(p, q)| *p.max(q)).collect();
            let count: usize = out.iter().product();
            let pick = |t: &HostTensor, dims: &[usize]| -> Vec<f64> {
                (0..count)
                    .map(|i| {
                        // Row-major coordinates of i in `out`, clamped to 0 where `dims` is 1.
                        let (mut rest, mut at, mut step) = (i, 0, 1);
                        for d in (0..rank).rev() {
                            let c = rest % out[d];
                            rest /= out[d];
                            at += if dims[d] == 1 { 0 } else { c * step };
                            step *= dims[d];
                        }
                        t.data[at]
                    })
                    .collect()
            };
            vec![HostTensor::new(&out, pick(&a, &pa)), HostTensor::new(&out, pick(&b, &pb))]
        }
        _ => vec![a, b],
    }
}

/// Pairs binary op `k` meets besides every pair of [`SPECIALS`]: huge ratios for the
/// remainders (exact in IEEE arithmetic, where `a - b·trunc(a/b)` is not), signed zeros and
/// infinities for atan2, far-apart and equal operands for logaddexp, equal and nearly equal
/// values for the comparisons.
pub fn binary_specials(k: BinaryKind) -> Vec<(f64, f64)> {
    use BinaryKind::*;
    match k {
        Remainder | Fmod => vec![
            (1e30, 3.0),
            (-1e30, 3.0),
            (3e38, -0.7),
            (1e4, 1e-3),
            (-1e4, 7.0),
            (5.0, 1e30),
            (-5.0, 1e30),
            (-5.0, f64::INFINITY),
            (5.0, f64::NEG_INFINITY),
            (0.0, -2.0),
            (-0.0, 2.0),
            (6.0, 3.0),
            (-6.0, 3.0),
        ],
        Atan2 => vec![(0.0, -0.0), (-0.0, -0.0), (1e-30, -1e30), (3e38, 1e-30), (-1.0, f64::NEG_INFINITY)],
        Logaddexp => vec![(1e4, -1e4), (80.0, 80.0), (3e38, 3e38), (-3e38, 0.0), (88.0, 88.5), (-100.0, -100.0)],
        _ if k.is_test() => vec![(1.0, 1.000_000_1), (3e38, f64::INFINITY), (-0.0, 0.0), (1e-30, 0.0)],
        _ => vec![],
    }
}
