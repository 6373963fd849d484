//! The bench shapes of the matrix-vector products: `[m, k]` of `a`, the weights of real
//! models at one decode step (a vector of activations).

use super::BenchSize;

/// Llama-3-8B's square projection (4096×4096), its MLP up (14336 out of 4096, for `gemv`;
/// the same matrix stored `[in, out]` for `gemv_t`) and down (4096 out of 14336), and its
/// lm head (a vocabulary of 128256 out of 4096).
pub fn shapes(size: BenchSize) -> Vec<Vec<usize>> {
    match size {
        BenchSize::Quick => vec![vec![256, 512]],
        BenchSize::Full => vec![vec![4096, 4096], vec![4096, 14336], vec![14336, 4096], vec![128256, 4096]],
    }
}
