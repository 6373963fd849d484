use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], h: &[f16], y: &mut [f32], n: u32) {
    let i = global_id().x;
    if i < n {
        y[i] = x[i] + h[i];
    }
}

fn main() {}
