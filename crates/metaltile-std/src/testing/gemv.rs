//! The cases of the matrix-vector products: shapes `[m, k]` of `a` that take each column
//! layout, threads per row, rows per segment and split, and the inputs `a` and `x` (whose
//! length is `k` for `gemv`, `m` for `gemv_t`).

use super::inputs::{domain, large_scale, row_specials};
use super::rng::Rng;
use super::{Case, CaseKind};
use crate::ops::{GemvForm, OpParams, StdOp, GEMV_MASK_BLOCK};
use crate::tensor::HostTensor;
use metaltile_ir::FLOAT_DTYPES;

/// Every case of a gemv op (both forms share them), for every float dtype.
pub fn cases() -> Vec<Case> {
    use CaseKind::*;
    let table: Vec<(Vec<usize>, u64, CaseKind, &str)> = vec![
        (vec![37, 1000], 1, Random, "random, 37×1000: 16-byte accesses, a partial last tile"),
        (vec![37, 1000], 2, Random, "random, seed 2"),
        (vec![37, 1000], 3, Random, "random, seed 3"),
        (vec![1, 1], 4, Random, "one element"),
        (vec![5, 7], 5, Random, "k = 7: scalar layout"),
        (vec![9, 12], 6, Random, "k = 12: 4-wide accesses for every dtype"),
        (vec![3, 2003], 7, Random, "k = 2003: scalar layout, several tiles"),
        (vec![70, 64], 8, Random, "short rows: 4 threads a row, a partial last threadgroup"),
        (vec![4, 4096], 9, Random, "k = 4096: whole tiles only"),
        (vec![600, 40], 10, Random, "tall: gemv_t splits its rows over 5 threadgroups"),
        (vec![1000, 9], 11, Random, "tall, k = 9: scalar columns, split rows"),
        (vec![300, 20], 12, Random, "tall, k = 20: 4-wide columns, split rows"),
        (vec![1, 300], 13, Random, "one row"),
        (vec![300, 1], 14, Random, "one column"),
        (vec![8, 77], 15, Specials, "rows with NaN, ±inf, all -0.0, alternate -inf, constant"),
        (vec![8, 256], 16, Specials, "specials, 16-byte accesses"),
        (vec![3, 40], 17, Large, "large magnitudes"),
    ];
    let mut out = Vec::new();
    for dtype in FLOAT_DTYPES {
        for (shape, seed, kind, label) in &table {
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

/// The inputs `[a, x]` of `form` for `case` (`case.shape` is the shape of `a`).
pub fn generate(form: GemvForm, case: &Case) -> Vec<HostTensor> {
    let op = StdOp::Gemv(form);
    let mut rng = Rng::new(case.seed);
    let (m, k) = match case.shape[..] {
        [m, k] => (m, k),
        _ => (case.shape.iter().product(), 1),
    };
    let len = match form {
        GemvForm::Ax | GemvForm::Masked => k,
        GemvForm::XtA => m,
    };
    let (da, dx) = (domain(op, 0), domain(op, 1));
    let mut a: Vec<f64> = (0..m * k).map(|_| da.sample(&mut rng)).collect();
    let x: Vec<f64> = (0..len).map(|_| dx.sample(&mut rng)).collect();
    match case.kind {
        CaseKind::Large => a.iter_mut().for_each(|v| *v *= large_scale(op)),
        CaseKind::Specials => {
            let mut special = Rng::new(case.seed ^ 0x5EC1A1);
            for (r, row) in a.chunks_mut(k.max(1)).enumerate() {
                row_specials(r, row, &mut special);
            }
        }
        _ => {}
    }
    let mut out = vec![HostTensor::new(&[m, k], a), HostTensor::new(&[len], x)];
    if form == GemvForm::Masked {
        out.extend(masks(case, m, k));
    }
    out
}

/// The block mask (about a third of the blocks out) and the output mask (about a quarter of
/// the row blocks out) of a masked case, in blocks of [`GEMV_MASK_BLOCK`]; in a
/// special-values case the first block's entry is NaN, which keeps it.
fn masks(case: &Case, m: usize, k: usize) -> [HostTensor; 2] {
    let bs = GEMV_MASK_BLOCK as usize;
    let (mb, kb) = (m.div_ceil(bs), k.div_ceil(bs));
    let mut rng = Rng::new(case.seed ^ 0xB10C);
    let mut mask: Vec<f64> = (0..mb * kb).map(|_| if rng.below(3) == 0 { 0.0 } else { 1.0 }).collect();
    let out: Vec<f64> = (0..mb).map(|_| if rng.below(4) == 0 { 0.0 } else { 1.0 }).collect();
    if case.kind == CaseKind::Specials {
        if let Some(first) = mask.first_mut() {
            *first = f64::NAN;
        }
    }
    [HostTensor::new(&[mb, kb], mask), HostTensor::new(&[mb], out)]
}
