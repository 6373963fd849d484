#!/usr/bin/env python3
"""MetalTile bench peer: MLX on its GPU (Metal on a Mac, CUDA with mlx-cuda), eager and
mx.compile (protocol: docs/bench.md).

MLX has no device-event timer in Python, so each run is timed by the wall clock around a
synchronized evaluation: synchronize, start the clock, call, mx.eval, synchronize, stop. That
includes the launch overhead the CUDA-event figures leave out; read small-shape ratios with
that in mind. The cache is flushed before each timed run when the request asks.
"""

import math
import os
import sys
import time

# The shared module sits beside this script; no bytecode cache left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_protocol as proto  # noqa: E402

try:
    import mlx.core as mx
except Exception as e:  # noqa: BLE001
    proto.refuse(f"mlx not installed ({proto.short(e)})")
try:
    import numpy as np
except Exception as e:  # noqa: BLE001
    proto.refuse(f"numpy not installed ({proto.short(e)})")

mx.set_default_device(mx.gpu)
DTYPES = {"f32": mx.float32, "f16": mx.float16, "bf16": mx.bfloat16}
NPY = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16}
SQRT2 = math.sqrt(2.0)
SQRT_2_PI = math.sqrt(2.0 / math.pi)


def sync():
    if hasattr(mx, "synchronize"):
        mx.synchronize()


def op_fn(op, params):
    """The MLX function of a std kernel."""
    eps = float(params.get("eps", 1e-5))
    table = {
        "exp": mx.exp, "log": mx.log, "sqrt": mx.sqrt, "rsqrt": mx.rsqrt, "abs": mx.abs,
        "neg": mx.negative, "sigmoid": mx.sigmoid, "silu": lambda x: x * mx.sigmoid(x),
        "gelu": lambda x: 0.5 * x * (1 + mx.erf(x / SQRT2)),
        "gelu_tanh": lambda x: 0.5 * x * (1 + mx.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x))),
        "relu": lambda x: mx.maximum(x, 0), "tanh": mx.tanh, "sin": mx.sin, "cos": mx.cos,
        "erf": mx.erf,
        "add": mx.add, "sub": mx.subtract, "mul": mx.multiply, "div": mx.divide,
        "max": mx.maximum, "min": mx.minimum, "pow": mx.power,
        "sum_rows": lambda x: mx.sum(x, axis=-1),
        "max_rows": lambda x: mx.max(x, axis=-1),
        "min_rows": lambda x: mx.min(x, axis=-1),
        "softmax": lambda x: mx.softmax(x, axis=-1),
        "rms_norm": lambda x, w: mx.fast.rms_norm(x, w, eps),
        "layer_norm": lambda x, w, b: mx.fast.layer_norm(x, w, b, eps),
        # MLX arrays are immutable and it has no copy op: adding zero reads and writes each
        # element once, which is what a copy moves.
        "copy": lambda x: x + 0,
    }
    return table[op]


def load(path, dtype):
    a = np.load(path)
    if a.dtype != NPY[dtype]:
        raise ValueError(f"{path} holds {a.dtype}, expected {np.dtype(NPY[dtype])} for {dtype}")
    if dtype == "bf16":
        return mx.array(proto.bf16_bits_to_f32_bits(a)).astype(mx.bfloat16)
    return mx.array(a)


def inputs(req, dtype):
    files = proto.input_files(req)
    if files is not None:
        xs = [load(f, dtype) for f in files]
    else:
        mx.random.seed(int(req.get("seed", 1)))
        xs = [mx.random.uniform(0.5, 1.5, tuple(s)).astype(DTYPES[dtype]) for s in req["shapes"]]
    mx.eval(*xs)
    return xs


def save(y, dtype, path):
    if dtype == "bf16":
        a = proto.f32_to_bf16_bits(np.array(y.astype(mx.float32)))
    else:
        a = np.array(y)
    with open(path, "wb") as f:
        np.save(f, a)


class Flush:
    """Overwrites a buffer of `nbytes` before each timed run."""

    def __init__(self, nbytes):
        self.buf = mx.zeros((max(nbytes // 4, 1),), dtype=mx.uint32)
        mx.eval(self.buf)

    def __call__(self):
        self.buf = self.buf + 1
        mx.eval(self.buf)


def time_wall(fn, xs, runs, warmup, flush):
    for _ in range(max(warmup, 1)):
        mx.eval(fn(*xs))
    sync()
    times = []
    for _ in range(max(runs, 1)):
        if flush is not None:
            flush()
        sync()
        t0 = time.perf_counter()
        mx.eval(fn(*xs))
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return proto.stats(times)


def run(req):
    op, dtype = proto.check(req)
    xs = inputs(req, dtype)
    fn = op_fn(op, req.get("params", {}))
    nbytes = int(req.get("flush_bytes", 0))
    flush = Flush(nbytes) if nbytes > 0 else None
    results = {}
    for mode in req.get("modes", ["eager"]):
        try:
            if mode == "eager":
                f = fn
            elif mode == "compile":
                f = mx.compile(fn)
            else:
                raise ValueError(f"unknown mode {mode!r}")
            results[mode] = time_wall(f, xs, int(req.get("runs", 50)), int(req.get("warmup", 10)), flush)
        except Exception as e:  # noqa: BLE001 - one mode failing leaves the others
            results[mode] = {"error": proto.short(e)}
    reply = {"ok": True, "results": results}
    path = req.get("output_path")
    if path:
        y = fn(*xs)
        mx.eval(y)
        save(y, dtype, path)
        reply["output"] = {"path": path}
    return reply


def info():
    return {
        "peer": "mlx",
        "version": getattr(mx, "__version__", None),
        "device": str(mx.default_device()),
        "modes": ["eager", "compile"],
        "timing": "wall clock around a synchronized mx.eval (MLX has no device events in Python)",
    }


if __name__ == "__main__":
    proto.serve(info, run)
