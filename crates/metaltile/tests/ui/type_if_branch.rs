use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let v = if i < n { x[i] } else { 0u32 };
    y[i] = v;
}

fn main() {}
