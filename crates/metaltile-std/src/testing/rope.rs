//! The cases of the rotary embeddings: shapes `[batch, seq, heads, head_dim]` (or rank 3) that
//! take each launch layout, and the parameters that change the math (partial rotation, large
//! positions, Llama 3 and YaRN frequencies, heads per thread).

use super::{Case, CaseKind};
use crate::ops::OpParams;

/// Parameters with the given rope values set.
fn with(set: &[(&str, f32)]) -> OpParams {
    let mut p = OpParams::default();
    for (name, v) in set {
        if let Some(slot) = p.rope.slot(name) {
            *slot = *v;
        }
    }
    p
}

/// Llama 3.1's scaling at its base.
const LLAMA31: [(&str, f32); 5] = [
    ("base", 500000.0),
    ("llama3_factor", 8.0),
    ("low_freq_factor", 1.0),
    ("high_freq_factor", 4.0),
    ("original_max_positions", 8192.0),
];

/// Every case of a rope op (both layouts share them), for every float dtype.
pub fn cases() -> Vec<Case> {
    use CaseKind::*;
    let none = with(&[]);
    let llama = with(&LLAMA31);
    let llama_far = with(&[LLAMA31.as_slice(), &[("offset", 60000.0)]].concat());
    let yarn = with(&[("yarn_factor", 4.0), ("original_max_positions", 4096.0), ("offset", 10000.0)]);
    let table: Vec<(Vec<usize>, u64, CaseKind, &str, OpParams)> = vec![
        (
            vec![2, 5, 3, 64],
            1,
            Random,
            "random, 2×5 tokens × 3 heads × 64: 4-wide accesses (8-wide for 16-bit types)",
            none,
        ),
        (vec![2, 5, 3, 64], 2, Random, "random, seed 2", none),
        (vec![2, 5, 3, 64], 3, Random, "random, seed 3", none),
        (vec![1, 1, 1, 2], 4, Random, "one pair", none),
        (vec![7, 3, 16], 5, Random, "rank 3: [seq, heads, head_dim]", none),
        (vec![4, 1, 8, 64], 6, Random, "decode: seq 1 at offset 1000", with(&[("offset", 1000.0)])),
        (
            vec![1, 6, 2, 64],
            7,
            Random,
            "rotary_dim 32 of 64: the rest copied, 4-wide (8-wide for 16-bit)",
            with(&[("rotary_dim", 32.0)]),
        ),
        (vec![1, 6, 2, 64], 8, Random, "rotary_dim 10 of 64: scalar layout, 54 copied", with(&[("rotary_dim", 10.0)])),
        (vec![1, 5, 3, 24], 9, Random, "head_dim 24 (half 12, not a multiple of 8): 4-wide in every dtype", none),
        (vec![1, 5, 3, 36], 10, Random, "head_dim 36: half 18, scalar layout", none),
        (vec![2, 3, 2, 6], 11, Random, "head_dim 6", none),
        (vec![1, 4, 3, 40], 12, Random, "head_dim 40, rotary_dim 30: scalar, 10 copied", with(&[("rotary_dim", 30.0)])),
        (vec![1, 4, 2, 128], 13, Random, "positions 131068 to 131071", with(&[("offset", 131068.0)])),
        (vec![1, 4, 2, 64], 14, Random, "positions up to 2^24 - 1, the largest taken", with(&[("offset", 16777212.0)])),
        (vec![1, 4, 2, 128], 15, Random, "Llama 3.1 scaling, base 500000", llama),
        (vec![1, 4, 2, 128], 16, Random, "Llama 3.1 scaling at positions from 60000", llama_far),
        (vec![1, 4, 2, 64], 17, Random, "YaRN ×4 of 4096 (attention scale 1.139) from position 10000", yarn),
        (
            vec![2, 3, 12, 64],
            18,
            Random,
            "12 heads, 8 per thread: the last chunk partial",
            with(&[("heads_per_thread", 8.0)]),
        ),
        (vec![2, 3, 5, 20], 19, Random, "5 heads, 2 per thread, scalar layout", with(&[("heads_per_thread", 2.0)])),
        (vec![1, 12, 2, 64], 22, Random, "2-D: 12 patches of a grid 4 wide", with(&[("grid_width", 4.0)])),
        (
            vec![2, 6, 3, 40],
            23,
            Random,
            "2-D, grid 3 wide: axes split at pair 10, inside a 4-wide unit",
            with(&[("grid_width", 3.0), ("offset", 5.0)]),
        ),
        (
            vec![1, 6, 2, 48],
            24,
            Random,
            "2-D, rotary_dim 36 of 48: scalar layout",
            with(&[("grid_width", 2.0), ("rotary_dim", 36.0)]),
        ),
        (
            vec![1, 6, 2, 48],
            25,
            Random,
            "2-D, grid 5 wide: axes split at pair 12, inside an 8-wide unit of 16-bit types",
            with(&[("grid_width", 5.0)]),
        ),
        (vec![1, 8, 2, 64], 20, Specials, "heads with NaN, ±inf, all -0.0, constant", none),
        (vec![1, 4, 2, 64], 21, Large, "large magnitudes", with(&[("offset", 500.0)])),
    ];
    super::in_every_float_dtype(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelt parameter name would leave its case at the defaults: every case whose label
    /// names a setting must have it set.
    #[test]
    fn every_labelled_setting_is_set() {
        let base = OpParams::default().rope;
        for c in cases() {
            let p = c.params.rope;
            let l = c.label.as_str();
            let checks = [
                ("Llama", p.llama3_factor == 8.0 && p.base == 500000.0),
                ("YaRN", p.yarn_factor == 4.0),
                ("2-D", p.grid_width > 0.0),
                ("rotary_dim", p.rotary_dim > 0.0),
                ("per thread", p.heads_per_thread > 0.0),
                ("positions", p.offset > 0.0),
                ("offset", p.offset > 0.0),
            ];
            for (word, set) in checks {
                assert!(!l.contains(word) || set, "{l}: {p:?}");
            }
            if l.starts_with("random") {
                assert_eq!(p, base, "{l}");
            }
        }
    }
}
