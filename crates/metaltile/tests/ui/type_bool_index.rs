use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let inside = i < n;
    y[i] = x[inside];
}

fn main() {}
