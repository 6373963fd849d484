use metaltile::prelude::*;

const NAME: &str = "k";

#[kernel]
fn k(x: &[f32], y: &mut [f32]) {
    let i = global_id().x;
    let s = NAME;
    y[i] = x[i];
}

fn main() {}
