//! References of the scans, in f64 from their definitions: each output is the sum (or
//! product) of the inputs before it in scan order, computed by a plain running loop.

use crate::ops::{axis_view, OpParams, ScanKind};
use crate::tensor::HostTensor;

/// The output of scan `kind` on `inputs` (`x`, and `mask` for the masked sum) under
/// `params`, or with `scale` the size each output is judged against ([`scan_error_scale`]).
/// Empty (failing any comparison) for an axis or inputs the op refuses.
pub fn scan_op(kind: ScanKind, inputs: &[HostTensor], params: &OpParams, scale: bool) -> HostTensor {
    let empty = HostTensor::new(&[0], vec![]);
    let Some(x) = inputs.first() else { return empty };
    let Ok(view) = axis_view(kind.name(), &x.shape, params.reduce.axis) else { return empty };
    let mask = inputs.get(1).filter(|_| kind.inputs().len() == 2).map(|m| &m.data[..]);
    if kind.inputs().len() == 2 && mask.is_none_or(|m| m.len() != x.data.len()) {
        return empty;
    }
    let spec = kind.spec(params.scan.reverse == 1.0);
    let y = if scale { scan_error_scale(&x.data, mask, view, spec) } else { scan(&x.data, mask, view, spec) };
    HostTensor::new(&x.shape, y)
}

/// A scan, as the references take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanSpec {
    /// A product (else a sum).
    pub prod: bool,
    /// Each output leaves out its own element.
    pub exclusive: bool,
    /// From the end of the axis.
    pub reverse: bool,
}

/// The positions of a lane `x[o, .., j]` of a tensor seen as `[outer, n, inner]`, in scan
/// order (from the end when `reverse`).
fn lane_positions(view: [usize; 3], o: usize, j: usize, reverse: bool) -> Vec<usize> {
    let [_, n, inner] = view;
    let mut at: Vec<usize> = (0..n).map(|k| (o * n + k) * inner + j).collect();
    if reverse {
        at.reverse();
    }
    at
}

/// The scan `spec` of `data` (seen as `[outer, n, inner]`) along its middle axis; `mask`
/// (same length, nonzero true) drops the elements where it is false: they add 0.
pub fn scan(data: &[f64], mask: Option<&[f64]>, view: [usize; 3], spec: ScanSpec) -> Vec<f64> {
    let [outer, _, inner] = view;
    let mut out = vec![0.0; data.len()];
    for o in 0..outer {
        for j in 0..inner {
            let mut acc = if spec.prod { 1.0 } else { 0.0 };
            for i in lane_positions(view, o, j, spec.reverse) {
                let kept = mask.is_none_or(|m| m[i] != 0.0);
                let v = if kept { data[i] } else { 0.0 };
                let next = if spec.prod { acc * v } else { acc + v };
                out[i] = if spec.exclusive { acc } else { next };
                acc = next;
            }
        }
    }
    out
}

/// The size each output of a sum scan is judged against: `Σ |x|` over the terms it adds
/// divided by `√k`, `k` their count (the size of a sum of `k` terms of random sign; see
/// [`crate::registry::Entry::error_scale`]). Masked-off terms add exactly 0 and do not count.
pub fn scan_error_scale(data: &[f64], mask: Option<&[f64]>, view: [usize; 3], spec: ScanSpec) -> Vec<f64> {
    let [outer, _, inner] = view;
    let mut out = vec![0.0; data.len()];
    for o in 0..outer {
        for j in 0..inner {
            let (mut total, mut count) = (0.0f64, 0usize);
            for i in lane_positions(view, o, j, spec.reverse) {
                let kept = mask.is_none_or(|m| m[i] != 0.0);
                let (before, before_count) = (total, count);
                if kept {
                    total += data[i].abs();
                    count += 1;
                }
                let (t, c) = if spec.exclusive { (before, before_count) } else { (total, count) };
                out[i] = t / (c.max(1) as f64).sqrt();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUM: ScanSpec = ScanSpec { prod: false, exclusive: false, reverse: false };

    #[test]
    fn sums_and_products_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(scan(&x, None, [1, 4, 1], SUM), vec![1.0, 3.0, 6.0, 10.0]);
        let excl = ScanSpec { exclusive: true, ..SUM };
        assert_eq!(scan(&x, None, [1, 4, 1], excl), vec![0.0, 1.0, 3.0, 6.0]);
        let rev = ScanSpec { reverse: true, ..SUM };
        assert_eq!(scan(&x, None, [1, 4, 1], rev), vec![10.0, 9.0, 7.0, 4.0]);
        let prod = ScanSpec { prod: true, exclusive: true, reverse: true };
        assert_eq!(scan(&x, None, [1, 4, 1], prod), vec![24.0, 12.0, 4.0, 1.0]);
    }

    #[test]
    fn along_the_first_of_two_axes_and_masked() {
        // [[1, 2], [3, 4]] along axis 0: columns (1, 3) and (2, 4).
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(scan(&x, None, [1, 2, 2], SUM), vec![1.0, 2.0, 4.0, 6.0]);
        let nan = [f64::NAN, 1.0, 2.0];
        assert_eq!(scan(&nan, Some(&[0.0, 1.0, 1.0]), [1, 3, 1], SUM), vec![0.0, 1.0, 3.0]);
    }

    #[test]
    fn the_error_scale_counts_the_terms_added() {
        let x = [-1.0, 1.0, -2.0, 2.0];
        let s = scan_error_scale(&x, None, [1, 4, 1], SUM);
        assert_eq!(s, vec![1.0, 2.0 / 2f64.sqrt(), 4.0 / 3f64.sqrt(), 3.0]);
        let excl = scan_error_scale(&x, None, [1, 4, 1], ScanSpec { exclusive: true, ..SUM });
        assert_eq!(excl[0], 0.0);
    }
}
