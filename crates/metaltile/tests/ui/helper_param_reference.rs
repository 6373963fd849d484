use metaltile::prelude::*;

#[helper]
fn twice(v: &f32) -> f32 {
    v * 2.0
}

fn main() {}
