//! The CPU backend: host memory and the reference interpreter.
//!
//! A launch locks each distinct allocation once, in address order (so concurrent launches
//! cannot deadlock): for writing when a parameter the kernel writes uses it, for reading
//! otherwise. A read-only parameter that shares memory with a written one (an in-place op)
//! reads a snapshot taken before the kernel runs.

use crate::backend::{foreign_memory, Backend, BackendKind, BoundArg, DeviceMemory, LaunchRequest, LaunchStats};
use crate::buffer::memory_id;
use crate::error::{Result, RuntimeError};
use metaltile_interp::{Arg, Options};
use metaltile_ir::Kernel;
use std::any::Any;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

/// Host memory of one CPU buffer.
#[derive(Debug)]
pub(crate) struct HostMemory {
    bytes: RwLock<Vec<u8>>,
}

impl HostMemory {
    fn read_lock(&self) -> RwLockReadGuard<'_, Vec<u8>> {
        // A panic while a lock was held cannot leave the bytes half-typed: they stay valid
        // bytes, so a poisoned lock is still safe to use.
        self.bytes.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write_lock(&self) -> RwLockWriteGuard<'_, Vec<u8>> {
        self.bytes.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl DeviceMemory for HostMemory {
    fn size_bytes(&self) -> usize {
        self.read_lock().len()
    }
    fn read(&self) -> Result<Vec<u8>> {
        Ok(self.read_lock().clone())
    }
    fn write(&self, bytes: &[u8]) -> Result<()> {
        let mut g = self.write_lock();
        if g.len() != bytes.len() {
            return Err(RuntimeError::LengthMismatch {
                what: "write to a cpu buffer".into(),
                unit: "bytes",
                expected: g.len(),
                found: bytes.len(),
            });
        }
        g.copy_from_slice(bytes);
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The reference interpreter as a backend.
pub(crate) struct CpuBackend {
    pub(crate) options: Options,
}

enum Guard<'a> {
    Read(RwLockReadGuard<'a, Vec<u8>>),
    Write(RwLockWriteGuard<'a, Vec<u8>>),
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }
    fn name(&self) -> String {
        "cpu (reference interpreter)".into()
    }
    fn alloc(&self, size_bytes: usize) -> Result<Arc<dyn DeviceMemory>> {
        Ok(Arc::new(HostMemory { bytes: RwLock::new(vec![0; size_bytes]) }))
    }
    fn compile(&self, _kernel: &Kernel) -> Result<Option<Box<dyn Any + Send + Sync>>> {
        Ok(None)
    }
    fn launch(&self, request: &LaunchRequest<'_>) -> Result<LaunchStats> {
        let kernel = request.pipeline.kernel();
        // Distinct allocations, in address order, each with whether any use writes it.
        let mut distinct: Vec<(usize, &HostMemory, bool)> = Vec::new();
        for a in request.args {
            if let BoundArg::Buffer { memory, written } = a {
                let host = memory.as_any().downcast_ref::<HostMemory>().ok_or_else(|| foreign_memory(self.kind()))?;
                let id = memory_id(memory);
                match distinct.iter_mut().find(|(m, _, _)| *m == id) {
                    Some(entry) => entry.2 |= *written,
                    None => distinct.push((id, host, *written)),
                }
            }
        }
        distinct.sort_by_key(|(id, _, _)| *id);
        let mut guards: Vec<Guard<'_>> = distinct
            .iter()
            .map(|(_, m, w)| if *w { Guard::Write(m.write_lock()) } else { Guard::Read(m.read_lock()) })
            .collect();
        let slot_of = |memory: &Arc<dyn DeviceMemory>| {
            let id = memory_id(memory);
            distinct.iter().position(|(m, _, _)| *m == id).ok_or_else(|| foreign_memory(self.kind()))
        };
        // Snapshots of read-only uses of written allocations, taken before anything runs.
        let mut snapshots: Vec<(usize, Vec<u8>)> = Vec::new();
        for a in request.args {
            if let BoundArg::Buffer { memory, written: false } = a {
                let slot = slot_of(memory)?;
                if let Some(Guard::Write(g)) = guards.get(slot) {
                    if !snapshots.iter().any(|(s, _)| *s == slot) {
                        snapshots.push((slot, g.to_vec()));
                    }
                }
            }
        }
        let slots: Vec<Option<usize>> = request
            .args
            .iter()
            .map(|a| match a {
                BoundArg::Buffer { memory, .. } => slot_of(memory).map(Some),
                BoundArg::Scalar(_) => Ok(None),
            })
            .collect::<Result<_>>()?;
        let mut interp_args: Vec<Option<Arg<'_>>> = request.args.iter().map(|_| None).collect();
        // Each scalar and each read-only use first; then the one written use of each
        // write-locked allocation takes its guard mutably.
        for (i, a) in request.args.iter().enumerate() {
            match (a, slots[i]) {
                (BoundArg::Scalar(c), _) => interp_args[i] = Some(Arg::Scalar(*c)),
                (BoundArg::Buffer { written: false, .. }, Some(slot)) => {
                    if let Some((_, snap)) = snapshots.iter().find(|(s, _)| *s == slot) {
                        interp_args[i] = Some(Arg::Input(snap.as_slice()));
                    }
                }
                _ => {}
            }
        }
        for (slot, guard) in guards.iter_mut().enumerate() {
            match guard {
                Guard::Read(g) => {
                    let bytes: &[u8] = g.as_slice();
                    for (i, s) in slots.iter().enumerate() {
                        if *s == Some(slot) {
                            interp_args[i] = Some(Arg::Input(bytes));
                        }
                    }
                }
                Guard::Write(g) => {
                    let writer = request
                        .args
                        .iter()
                        .zip(&slots)
                        .position(|(a, s)| matches!(a, BoundArg::Buffer { written: true, .. }) && *s == Some(slot));
                    if let Some(i) = writer {
                        interp_args[i] = Some(Arg::Output(g.as_mut_slice()));
                    }
                }
            }
        }
        let mut args: Vec<Arg<'_>> = interp_args
            .into_iter()
            .map(|a| {
                a.ok_or_else(|| RuntimeError::Backend {
                    backend: self.kind(),
                    message: format!("launch of `{}`: an argument was left unbound", kernel.name),
                })
            })
            .collect::<Result<_>>()?;
        let start = Instant::now();
        let stats = metaltile_interp::run(kernel, &request.geometry, &mut args, &self.options)
            .map_err(|e| RuntimeError::Interp { kernel: kernel.name.clone(), source: Box::new(e) })?;
        let elapsed = start.elapsed();
        Ok(LaunchStats { elapsed, lane_ops: stats.lane_ops })
    }
    fn synchronize(&self) -> Result<()> {
        Ok(())
    }
}
