//! The reference SIMT interpreter.
