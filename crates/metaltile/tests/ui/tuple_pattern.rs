use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let (a, b) = load2(&x, i);
    y[i] = a;
}

fn main() {}
