use metaltile::prelude::*;

#[kernel]
pub fn k(h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    y[i] += h[i];
}

fn main() {}
