//! MetalTile's standard kernel library.
//!
//! Kernels ([`kernels`]) are written once with `#[kernel]` and instantiated for f32, f16 and
//! bf16; they compute in f32. [`ops`] calls them on buffers with shapes checked and launch
//! geometry decided; [`registry`] lists them; [`testing`] checks each against its
//! independent f64 [`reference`](mod@reference); [`bench`](mod@bench) times them.
//!
//! ```
//! use metaltile_runtime::Device;
//! let dev = Device::cpu();
//! let x = dev.upload(&[0.0f32, 1.0], &[2]).unwrap();
//! let y = metaltile_std::ops::exp(&dev, &x).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap()[0], 1.0);
//! ```

pub mod bench;
pub mod broadcast;
pub mod guard;
pub mod kernels;
pub mod ops;
pub mod plan;
pub mod reference;
pub mod registry;
pub mod tensor;
pub mod testing;

pub use plan::Plan;
pub use registry::Entry;
pub use tensor::HostTensor;
