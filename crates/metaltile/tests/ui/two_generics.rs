use metaltile::prelude::*;

#[kernel]
fn k<T: Float, U: Float>(x: &[T], y: &mut [U]) {
    let i = global_id().x;
    y[i] = x[i];
}

fn main() {}
