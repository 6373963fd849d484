use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i;
    y[0] = x[0];
}

fn main() {}
