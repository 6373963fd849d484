use metaltile::prelude::*;

#[kernel]
pub fn k(h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    let v: f32 = h[i];
    y[i] = v;
}

fn main() {}
