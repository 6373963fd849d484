//! Optimization passes over verified kernels.
