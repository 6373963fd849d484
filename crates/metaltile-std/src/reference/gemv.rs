//! Matrix-vector products in f64, written from the definition: each output an exact-order
//! sum of products (f64 keeps the rounding far below any dtype's tolerance).

use crate::ops::GemvForm;
use crate::tensor::HostTensor;

/// `y[i] = Σ_j a[i, j]·x[j]` for a row-major `a` of `m` rows of `k`.
pub fn gemv(a: &[f64], m: usize, k: usize, x: &[f64]) -> Vec<f64> {
    (0..m).map(|i| (0..k).map(|j| a[i * k + j] * x[j]).sum()).collect()
}

/// `y[j] = Σ_i x[i]·a[i, j]` for a row-major `a` of `m` rows of `k`.
pub fn gemv_t(a: &[f64], m: usize, k: usize, x: &[f64]) -> Vec<f64> {
    (0..k).map(|j| (0..m).map(|i| x[i] * a[i * k + j]).sum()).collect()
}

/// Block-masked `a·x`: `y[i] = Σ_j a[i, j]·x[j]` over the columns `j` whose block
/// `(i / bs, j / bs)` has a nonzero entry in `mask` (`[⌈m/bs⌉, ⌈k/bs⌉]`), the other terms not
/// formed at all (a NaN there counts for nothing); `y[i] = 0` where `out_mask[i / bs]` is 0.
#[allow(clippy::too_many_arguments)]
pub fn gemv_masked(a: &[f64], m: usize, k: usize, x: &[f64], mask: &[f64], out_mask: &[f64], bs: usize) -> Vec<f64> {
    let kb = k.div_ceil(bs);
    (0..m)
        .map(|i| {
            if out_mask[i / bs] == 0.0 {
                return 0.0;
            }
            (0..k).filter(|j| mask[(i / bs) * kb + j / bs] != 0.0).map(|j| a[i * k + j] * x[j]).sum()
        })
        .collect()
}

/// The output of the op `form` on `inputs` (in [`GemvForm::inputs`] order; masks in blocks
/// of `bs`), or with `scale` the size each output is judged against: the sum of the
/// magnitudes of the terms it adds over `√n` (`n` the length of the reduced axis; see
/// [`crate::registry::Entry::error_scale`]). Empty (failing any comparison) for inputs of the wrong shapes.
pub fn gemv_op(form: GemvForm, inputs: &[HostTensor], bs: usize, scale: bool) -> HostTensor {
    let empty = HostTensor::new(&[0], vec![]);
    let (Some(a), Some(x)) = (inputs.first(), inputs.get(1)) else { return empty };
    let Ok([m, k]) = <[usize; 2]>::try_from(a.shape.as_slice()) else { return empty };
    let abs = |t: &HostTensor| -> Vec<f64> { t.data.iter().map(|v| if scale { v.abs() } else { *v }).collect() };
    let (av, xv) = (abs(a), abs(x));
    let (y, n) = match form {
        GemvForm::Ax if x.data.len() == k => (gemv(&av, m, k, &xv), k),
        GemvForm::XtA if x.data.len() == m => (gemv_t(&av, m, k, &xv), m),
        GemvForm::Masked if x.data.len() == k && inputs.len() == 4 => {
            let (mask, out) = (&inputs[2], &inputs[3]);
            if mask.data.len() != m.div_ceil(bs) * k.div_ceil(bs) || out.data.len() != m.div_ceil(bs) {
                return empty;
            }
            (gemv_masked(&av, m, k, &xv, &mask.data, &out.data, bs), k)
        }
        _ => return empty,
    };
    let root = if scale { (n.max(1) as f64).sqrt() } else { 1.0 };
    let len = y.len();
    HostTensor::new(&[len], y.into_iter().map(|v| v / root).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_by_hand() {
        // a = [[1, 2, 3], [4, 5, 6]]
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(gemv(&a, 2, 3, &[1.0, 0.5, -1.0]), vec![1.0 + 1.0 - 3.0, 4.0 + 2.5 - 6.0]);
        assert_eq!(gemv_t(&a, 2, 3, &[2.0, -1.0]), vec![2.0 - 4.0, 4.0 - 5.0, 6.0 - 6.0]);
        // Terms 1, 1, 3 over √3.
        let inputs = [HostTensor::new(&[2, 3], a.to_vec()), HostTensor::new(&[3], vec![1.0, 0.5, -1.0])];
        let s = gemv_op(GemvForm::Ax, &inputs, 32, true).data;
        assert!((s[0] - 5.0 / 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn masked_blocks_count_for_nothing() {
        // 3×3 in blocks of 2: block (0, 1) (column 2 of rows 0 and 1) is masked out, and
        // holds a NaN that must not reach the output; row block 1 (row 2) is zeroed.
        let a = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let y = gemv_masked(&a, 3, 3, &[1.0, 1.0, 1.0], &[1.0, 0.0, 1.0, 1.0], &[1.0, 0.0], 2);
        assert_eq!(y, vec![3.0, 9.0, 0.0]);
    }
}
