use metaltile::prelude::*;

#[helper]
fn twice(v: f32) -> f32 {
    v + v
}

#[kernel]
pub fn k(h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    y[i] = twice(h[i]);
}

fn main() {}
