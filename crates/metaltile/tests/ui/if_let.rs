use metaltile::prelude::*;

#[kernel]
fn k(x: &[f32], y: &mut [f32], n: u32) {
    let i = global_id().x;
    if let Some(v) = None::<u32> {
        y[i] = x[v];
    }
}

fn main() {}
