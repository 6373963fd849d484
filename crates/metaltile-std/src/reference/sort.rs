//! References of sort, argsort and top-k: a plain stable sort in f64 of each lane along the
//! axis, by torch's order (NaN the largest value, -0.0 equal to +0.0; ties in input order).

use crate::ops::{axis_view, OpParams, SortKind};
use crate::tensor::HostTensor;
use std::cmp::Ordering;

/// Torch's order of two values: numeric, -0.0 == +0.0, NaN above everything, NaNs equal.
pub fn torch_order(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // Neither is NaN: partial_cmp is total here, and says -0.0 == +0.0.
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// The positions `0..lane.len()` in sorted order (largest first when `descending`), ties in
/// input order.
pub fn stable_order(lane: &[f64], descending: bool) -> Vec<usize> {
    let mut at: Vec<usize> = (0..lane.len()).collect();
    // `sort_by` is stable: equal values keep their input order, whatever the direction.
    if descending {
        at.sort_by(|&i, &j| torch_order(lane[j], lane[i]));
    } else {
        at.sort_by(|&i, &j| torch_order(lane[i], lane[j]));
    }
    at
}

/// The outputs of `kind` on `inputs` (`x`) under `params`: sort's values, argsort's indices,
/// topk's values and indices (indices as f64). Empty (failing any comparison) for an axis or
/// `k` the op refuses.
pub fn sort_op(kind: SortKind, inputs: &[HostTensor], params: &OpParams) -> Vec<HostTensor> {
    let empty = vec![HostTensor::new(&[0], vec![]); kind.outputs().len()];
    let Some(x) = inputs.first() else { return empty };
    let Ok([outer, n, inner]) = axis_view(kind.name(), &x.shape, params.reduce.axis) else { return empty };
    let (descending, keep) = match kind {
        SortKind::Topk => {
            let k = params.sort.k;
            if k.fract() != 0.0 || !(0.0..=n as f32).contains(&k) {
                return empty;
            }
            (params.sort.largest == 1.0, k as usize)
        }
        _ => (params.sort.descending == 1.0, n),
    };
    let rank = x.shape.len() as i64;
    let axis = (params.reduce.axis as i64).rem_euclid(rank.max(1)) as usize;
    let mut shape = x.shape.clone();
    if let Some(d) = shape.get_mut(axis) {
        *d = keep;
    }
    let mut values = vec![0.0; outer * keep * inner];
    let mut indices = vec![0.0; outer * keep * inner];
    for o in 0..outer {
        for j in 0..inner {
            let lane: Vec<f64> = (0..n).map(|i| x.data[(o * n + i) * inner + j]).collect();
            for (slot, &i) in stable_order(&lane, descending).iter().take(keep).enumerate() {
                values[(o * keep + slot) * inner + j] = lane[i];
                indices[(o * keep + slot) * inner + j] = i as f64;
            }
        }
    }
    match kind {
        SortKind::Sort => vec![HostTensor::new(&shape, values)],
        SortKind::Argsort => vec![HostTensor::new(&shape, indices)],
        SortKind::Topk => vec![HostTensor::new(&shape, values), HostTensor::new(&shape, indices)],
    }
}
