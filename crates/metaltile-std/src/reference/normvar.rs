//! References of the normalization variants, from their definitions on f64: the fused and
//! gated ones as the compositions they replace, group_norm and batch_norm as
//! `torch.nn.functional` defines them (biased variance).

use super::{layer_norm_row, rms_norm_row, silu};
use crate::ops::{NormKind, OpParams};
use crate::tensor::HostTensor;

/// The outputs of `kind` (in [`NormKind::outputs`] order) for `inputs` (in
/// [`NormKind::inputs`] order); parameters at the precision the kernel receives them (f32).
/// A configuration the op refuses (a bad `groups`) has an empty reference, which fails any
/// comparison.
pub fn norm_variant(kind: NormKind, inputs: &[HostTensor], p: &OpParams) -> Vec<HostTensor> {
    let eps = p.eps as f64;
    let empty = HostTensor::new(&[0], vec![]);
    let arg = |i: usize| inputs.get(i).unwrap_or(&empty);
    let x = arg(0);
    match kind {
        NormKind::AddRmsNorm => {
            // h exactly; the harness rounds it to the dtype. y is judged against the
            // statistics of the exact h: the kernel's come from h rounded to the dtype, which
            // moves y by well under the dtype's tolerance (and the host test checks it
            // against rms_norm of the stored h bit for bit).
            let h: Vec<f64> = x.data.iter().zip(&arg(1).data).map(|(a, b)| a + b).collect();
            let h = HostTensor::new(&x.shape, h);
            let y = h.rows().flat_map(|row| rms_norm_row(row, &arg(2).data, eps)).collect();
            let y = HostTensor::new(&x.shape, y);
            vec![h, y]
        }
        NormKind::RmsNormGated => {
            let n = x.row_len().max(1);
            let y = x
                .rows()
                .zip(arg(1).data.chunks(n))
                .flat_map(|(row, z)| {
                    rms_norm_row(row, &arg(2).data, eps)
                        .into_iter()
                        .zip(z)
                        .map(|(v, g)| v * silu(*g))
                        .collect::<Vec<_>>()
                })
                .collect();
            vec![HostTensor::new(&x.shape, y)]
        }
        NormKind::GroupNorm => vec![group_norm(x, &arg(1).data, &arg(2).data, p.norm.groups as f64, eps)],
        NormKind::BatchNorm => {
            let [mean, var, w, b] = [1, 2, 3, 4].map(|i| &arg(i).data[..]);
            vec![batch_norm(x, mean, var, w, b, eps)]
        }
    }
}

/// `[N, C, *spatial]` as (N, C, spatial); `None` below rank 2.
fn channel_view(shape: &[usize]) -> Option<(usize, usize, usize)> {
    match shape {
        [n, c, rest @ ..] => Some((*n, *c, rest.iter().product())),
        _ => None,
    }
}

/// group_norm: each sample's `groups` groups of `C / groups` channels normalized by their
/// own mean and biased variance, then channel `c` scaled by `w[c]` and shifted by `b[c]`.
pub fn group_norm(x: &HostTensor, w: &[f64], b: &[f64], groups: f64, eps: f64) -> HostTensor {
    let Some((_, channels, spatial)) = channel_view(&x.shape) else {
        return HostTensor::new(&[0], vec![]);
    };
    if groups < 1.0 || groups.fract() != 0.0 || channels % groups as usize != 0 {
        return HostTensor::new(&[0], vec![]);
    }
    let per_group = channels / groups as usize;
    let len = per_group * spatial;
    let mut y = Vec::with_capacity(x.data.len());
    for (r, row) in x.data.chunks(len.max(1)).enumerate().filter(|_| len > 0) {
        let first = (r % groups as usize) * per_group;
        // layer_norm of the group with unit weights, then each channel's affine.
        let ones = vec![1.0; len];
        let zeros = vec![0.0; len];
        let normed = layer_norm_row(row, &ones, &zeros, eps);
        y.extend(normed.iter().enumerate().map(|(j, v)| {
            let c = first + j / spatial;
            v * w[c] + b[c]
        }));
    }
    HostTensor::new(&x.shape, y)
}

/// Inference batch_norm: `(x - mean[c]) / √(var[c] + eps) · w[c] + b[c]`.
pub fn batch_norm(x: &HostTensor, mean: &[f64], var: &[f64], w: &[f64], b: &[f64], eps: f64) -> HostTensor {
    let Some((_, channels, spatial)) = channel_view(&x.shape) else {
        return HostTensor::new(&[0], vec![]);
    };
    let y = x
        .data
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let c = (i / spatial.max(1)) % channels.max(1);
            (v - mean[c]) / (var[c] + eps).sqrt() * w[c] + b[c]
        })
        .collect();
    HostTensor::new(&x.shape, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_norm_of_two_groups_by_hand() {
        // [1, 2, 2], groups of one channel each: (1, 3) → (-1, 1); (2, 4) → (-1, 1).
        let x = HostTensor::new(&[1, 2, 2], vec![1.0, 3.0, 2.0, 4.0]);
        let y = group_norm(&x, &[2.0, 1.0], &[0.5, -1.0], 2.0, 0.0);
        assert_eq!(y.data, vec![-1.5, 2.5, -2.0, 0.0]);
        // One group over both channels: mean 2.5, variance 1.25.
        let y = group_norm(&x, &[1.0, 1.0], &[0.0, 0.0], 1.0, 0.0);
        let want = [1.0, 3.0, 2.0, 4.0].map(|v: f64| (v - 2.5) / 1.25f64.sqrt());
        assert!(y.data.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-15), "{:?}", y.data);
        // Groups that do not divide the channels have no reference.
        assert!(group_norm(&x, &[1.0, 1.0], &[0.0, 0.0], 3.0, 0.0).data.is_empty());
    }

    #[test]
    fn batch_norm_by_hand() {
        let x = HostTensor::new(&[2, 2, 1], vec![1.0, 2.0, 3.0, 4.0]);
        let y = batch_norm(&x, &[1.0, 0.0], &[4.0, 1.0], &[2.0, 1.0], &[0.0, 1.0], 0.0);
        assert_eq!(y.data, vec![0.0, 3.0, 2.0, 5.0]);
    }
}
