use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    y[i] = x[i] + h[i] as f16;
}

fn main() {}
