use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: usize) {
    y[0] = x[0];
}

fn main() {}
