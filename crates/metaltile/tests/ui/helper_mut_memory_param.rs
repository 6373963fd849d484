use metaltile::prelude::*;

#[helper]
fn fill(mut m: &mut [f32], v: f32) {
    m[0] = v;
}

fn main() {}
