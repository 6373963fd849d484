//! The emitted MSL and CUDA of the DSL test kernels, reviewed as snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{bucket_count, row_sum, silu, wide_reverse};
use insta::assert_snapshot;
use metaltile::ir::DType;
use metaltile_codegen::{emit, Target};

fn both(name: &str, k: &metaltile::ir::Kernel) {
    for t in Target::ALL {
        let text = emit(k, t).unwrap();
        assert_eq!(text, emit(k, t).unwrap(), "emission is deterministic");
        assert_snapshot!(format!("{name}_{t}"), text);
    }
}

#[test]
fn elementwise_f32() {
    both("silu_f32", &silu(DType::F32));
}

#[test]
fn eight_lane_accesses_bf16() {
    both("wide_reverse_bf16", &wide_reverse(DType::BF16));
}

#[test]
fn elementwise_bf16() {
    both("silu_bf16", &silu(DType::BF16));
}

#[test]
fn row_reduction_f32() {
    both("row_sum_f32", &row_sum(DType::F32));
}

#[test]
fn row_reduction_f16() {
    both("row_sum_f16", &row_sum(DType::F16));
}

#[test]
fn control_flow_atomics_vectors_f32() {
    both("bucket_count_f32", &bucket_count(DType::F32));
}
