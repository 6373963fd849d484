use metaltile::prelude::*;

#[kernel(fast)]
fn k(x: &[f32], y: &mut [f32]) {
    y[0] = x[0];
}

fn main() {}
