use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let acc = 0.0;
    acc = x[i];
    y[i] = acc;
}

fn main() {}
