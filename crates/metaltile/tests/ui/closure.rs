use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let f = |v| v * 2.0;
    y[i] = f(x[i]);
}

fn main() {}
