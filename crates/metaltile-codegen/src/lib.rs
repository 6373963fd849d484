//! MSL and CUDA C emitters.
