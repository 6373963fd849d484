use metaltile::prelude::*;

struct S;

impl S {
    #[helper]
    fn h(&self, v: f32) -> f32 {
        v
    }
}

fn main() {}
