use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    let b = b'a';
    y[i] = x[i];
}

fn main() {}
