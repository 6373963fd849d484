use metaltile::prelude::*;

#[kernel]
pub fn k(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    while x[i] {
        y[i] = x[i];
    }
}

fn main() {}
