//! Test inputs: where each op's random values come from, which special values it is fed,
//! and how a case's inputs are generated (in f64; the harness rounds them to the dtype).

use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{BinaryKind, StdOp, UnaryKind};
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
    fn sample(self, rng: &mut Rng) -> f64 {
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
        StdOp::Unary(k) => match k {
            UnaryKind::Exp | UnaryKind::Sin | UnaryKind::Cos => Domain::Uniform(-10.0, 10.0),
            UnaryKind::Log | UnaryKind::Sqrt | UnaryKind::Rsqrt => Domain::Uniform(1e-3, 10.0),
            UnaryKind::Abs | UnaryKind::Neg | UnaryKind::Relu => Domain::Uniform(-5.0, 5.0),
            UnaryKind::Sigmoid
            | UnaryKind::Silu
            | UnaryKind::Gelu
            | UnaryKind::GeluTanh
            | UnaryKind::Tanh
            | UnaryKind::Erf => Domain::Uniform(-6.0, 6.0),
        },
        StdOp::Binary(k) => match (k, index) {
            (BinaryKind::Div, 1) => Domain::SignedMagnitude(0.25, 4.0),
            (BinaryKind::Pow, 0) => Domain::Uniform(0.05, 4.0),
            (BinaryKind::Pow, _) => Domain::Uniform(-3.0, 3.0),
            _ => Domain::Uniform(-5.0, 5.0),
        },
        StdOp::Reduce(_) => Domain::Uniform(-4.0, 4.0),
        StdOp::Softmax => Domain::Uniform(-8.0, 8.0),
        StdOp::RmsNorm | StdOp::LayerNorm => match index {
            0 => Domain::Uniform(-3.0, 3.0),
            1 => Domain::Uniform(0.5, 1.5),
            _ => Domain::Uniform(-1.0, 1.0),
        },
    }
}

/// The factor "large magnitude" cases scale the data input by.
pub fn large_scale(op: StdOp) -> f64 {
    match op {
        StdOp::Unary(_) | StdOp::Binary(_) | StdOp::Reduce(_) | StdOp::Softmax => 1e3,
        StdOp::RmsNorm | StdOp::LayerNorm => 1e2,
    }
}

/// Values every elementwise op meets in a special-values case; IEEE defines each op on all.
pub const SPECIALS: [f64; 12] =
    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-3];

/// Generate the inputs of `op` for `case`, in the order of `op.inputs()`.
pub fn generate(op: StdOp, case: &Case) -> Vec<HostTensor> {
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
            _ => fill(i, len),
        })
        .collect();
    match case.kind {
        CaseKind::Random => {}
        CaseKind::Large => {
            let s = large_scale(op);
            let scaled = match op {
                StdOp::Binary(BinaryKind::Pow) => 0..1,
                StdOp::Binary(_) => 0..2,
                _ => 0..1,
            };
            for v in data[scaled].iter_mut().flatten() {
                *v *= s;
            }
        }
        CaseKind::Specials => insert_specials(op, &mut data, n, &mut Rng::new(case.seed ^ 0x5EC1A1)),
    }
    op.inputs()
        .iter()
        .zip(data)
        .enumerate()
        .map(|(i, (_, d))| match op {
            StdOp::RmsNorm | StdOp::LayerNorm if i > 0 => HostTensor::new(&[n], d),
            _ => HostTensor::new(shape, d),
        })
        .collect()
}

/// Put special values into the data inputs: every special for unary ops, every pair of
/// specials for binary ops, and for row ops one kind of special per row.
fn insert_specials(op: StdOp, data: &mut [Vec<f64>], n: usize, rng: &mut Rng) {
    match op {
        StdOp::Unary(_) => {
            for (v, s) in data[0].iter_mut().zip(SPECIALS) {
                *v = s;
            }
        }
        StdOp::Binary(_) => {
            let pairs = SPECIALS.iter().flat_map(|a| SPECIALS.iter().map(move |b| (*a, *b)));
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
fn row_specials(r: usize, row: &mut [f64], rng: &mut Rng) {
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
