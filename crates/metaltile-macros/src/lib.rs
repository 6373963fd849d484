//! The `#[kernel]` front end.
