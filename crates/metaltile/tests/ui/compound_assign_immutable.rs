use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let acc = x[i];
    acc += 1.0;
    y[i] = acc;
}

fn main() {}
