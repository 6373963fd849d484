use metaltile::prelude::*;

#[kernel]
pub fn k(h: &[f16], y: &mut [f32]) {
    let i = global_id().x;
    let mut v: f32 = h[i];
    v += 1.0;
    y[i] = v;
}

fn main() {}
