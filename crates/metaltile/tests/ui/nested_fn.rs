use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    fn twice(v: u32) -> u32 {
        v * 2
    }
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
