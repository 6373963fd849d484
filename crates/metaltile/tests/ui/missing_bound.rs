use metaltile::prelude::*;

#[kernel]
fn k<T>(x: &[T], y: &mut [T]) {
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
