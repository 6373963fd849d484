use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    let j = i + 1.5;
    y[j] = x[i];
}

fn main() {}
