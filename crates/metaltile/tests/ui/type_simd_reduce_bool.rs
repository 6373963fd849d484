use metaltile::prelude::*;

#[kernel]
pub fn k(y: &mut [u32], n: u32) {
    let i = global_id().x;
    let inside = simd_sum(i < n);
    y[i] = i;
}

fn main() {}
