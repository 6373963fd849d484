use metaltile::prelude::*;

#[helper]
fn half(v: f32) -> f16 {
    v * 0.5
}

fn main() {}
