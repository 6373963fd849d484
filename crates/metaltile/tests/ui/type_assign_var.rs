use metaltile::prelude::*;

#[kernel]
pub fn k(h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    let mut acc = 0.0f32;
    acc = h[i];
    y[i] = acc;
}

fn main() {}
