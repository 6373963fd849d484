use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    y[i] = x[i] * 2;
}

fn main() {}
