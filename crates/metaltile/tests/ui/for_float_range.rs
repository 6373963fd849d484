use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    for t in 0.0..1.0 {
        y[i] = x[i];
    }
}

fn main() {}
