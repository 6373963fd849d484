//! Host tensors of f64: what references read and write, and what test inputs are made of.

/// A row-major array of f64 values with a shape.
#[derive(Clone, Debug, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl HostTensor {
    /// A tensor of `shape` holding `data` (whose length the caller keeps consistent).
    pub fn new(shape: &[usize], data: Vec<f64>) -> HostTensor {
        HostTensor { shape: shape.to_vec(), data }
    }

    /// Length of the last axis (1 for a scalar).
    pub fn row_len(&self) -> usize {
        self.shape.last().copied().unwrap_or(1)
    }

    /// The rows along the last axis (none when rows are empty).
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        let n = self.row_len();
        self.data.chunks(n.max(1)).filter(move |_| n > 0)
    }

    /// Number of rows along the last axis, empty rows included.
    pub fn row_count(&self) -> usize {
        match self.shape.split_last() {
            Some((_, lead)) => lead.iter().product(),
            None => 1,
        }
    }
}
