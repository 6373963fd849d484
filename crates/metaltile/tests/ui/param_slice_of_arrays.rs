use metaltile::prelude::*;

#[kernel]
fn k(x: &[[f32; 4]], y: &mut [f32]) {
    let i = global_id().x;
}

fn main() {}
