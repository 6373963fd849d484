use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    for v in x.iter() {
        y[i] = v;
    }
}

fn main() {}
