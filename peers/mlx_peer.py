#!/usr/bin/env python3
"""MetalTile bench peer: MLX on its GPU (Metal on a Mac, CUDA with mlx-cuda-13 on Linux), eager
and mx.compile (protocol: docs/bench.md).

Timing: MLX has no device-event timer in Python, so each run is timed by the wall clock around a
synchronized evaluation: synchronize, start the clock, build the graph, mx.eval, mx.synchronize,
stop. That includes the host's launch overhead, which the CUDA-event figures of the torch peer
leave out; read small-shape ratios with that in mind. The cache is flushed before each timed run
when the request asks.

Each op is what an MLX user would call: mx.* or mlx.nn.* where MLX has it (mlx.nn's activations
are themselves mx.compile'd, shapeless), composed from mx ops where it has not (exp2, cbrt,
hardsigmoid). isnan, isinf and isfinite are timed with MLX's bool result; the output file holds
it as 1/0 in the request's dtype, which is what the bench reads back.

METALTILE_MLX_DEVICE=cpu times MLX's CPU instead of its GPU (for testing the peer where MLX has
no GPU); by default a missing GPU is a refusal.
"""

import os
import sys
import time

# The shared module sits beside this script; no bytecode cache left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_protocol as proto  # noqa: E402
import rope_freqs  # noqa: E402

try:
    import mlx.core as mx
    from mlx import nn
except ModuleNotFoundError as e:
    proto.refuse(f"mlx not installed ({proto.short(e)})")
except Exception as e:  # noqa: BLE001 - a broken install (a missing CUDA library) is a refusal too
    proto.refuse(f"mlx not importable ({proto.short(e)})")
try:
    import numpy as np
except Exception as e:  # noqa: BLE001
    proto.refuse(f"numpy not installed ({proto.short(e)})")

DEVICE_ENV = "METALTILE_MLX_DEVICE"
_want = os.environ.get(DEVICE_ENV, "gpu")
if _want not in ("gpu", "cpu"):
    proto.refuse(f"{DEVICE_ENV}={_want!r}: expected gpu or cpu")
if _want == "gpu" and not mx.is_available(mx.gpu):
    proto.refuse(f"mlx {mx.__version__} sees no GPU (a CPU-only build?); {DEVICE_ENV}=cpu times its CPU")
try:
    mx.set_default_device(mx.gpu if _want == "gpu" else mx.cpu)
except Exception as e:  # noqa: BLE001
    proto.refuse(f"mlx cannot use its {_want} ({proto.short(e)})")

DTYPES = {"f32": mx.float32, "f16": mx.float16, "bf16": mx.bfloat16}
NPY = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16}
CAST_TO = {
    "f32": mx.float32, "f16": mx.float16, "bf16": mx.bfloat16, "i8": mx.int8, "u8": mx.uint8,
    "i16": mx.int16, "u16": mx.uint16, "i32": mx.int32, "u32": mx.uint32, "i64": mx.int64,
    "u64": mx.uint64, "bool": mx.bool_,
}


def _cbrt(x):
    # MLX has no cbrt; a fractional power of a negative base is NaN, so the sign goes outside.
    return mx.sign(x) * mx.power(mx.abs(x), 1.0 / 3.0)


def _fmod(a, b):
    # MLX has no fmod; remainder of the magnitudes (exact) with the dividend's sign is its
    # definition. A zero result keeps a's sign, as C's fmod.
    return mx.where(a < 0, -mx.remainder(mx.abs(a), mx.abs(b)), mx.remainder(mx.abs(a), mx.abs(b)))


def _logical_and(a, b):
    # Nonzero is true, NaN included (torch's truth of a float).
    return mx.logical_and(a != 0, b != 0)


def _logical_or(a, b):
    return mx.logical_or(a != 0, b != 0)


def _logical_xor(a, b):
    return mx.not_equal(a != 0, b != 0)


def _add_mul(a, b, c):
    """The residual add returning its sum, then the scale."""
    s = a + b
    return s, s * c


def _add_rms_norm(x, r, w, eps):
    """The residual add returning its sum, then rms_norm of it (mlx-lm's decoder layer)."""
    h = x + r
    return h, mx.fast.rms_norm(h, w, eps)


def _hardsigmoid(x):
    # MLX has no hard sigmoid; relu6(x + 3) / 6 is its definition (and torch's).
    return nn.relu6(x + 3) / 6


# Ops without parameters: the std kernel name -> the MLX call.
PLAIN = {
    # x gives the dtype and shape; MLX's own generator, so other bits: times only.
    "rand_uniform": lambda x: mx.random.uniform(shape=x.shape, dtype=x.dtype),
    "rand_normal": lambda x: mx.random.normal(shape=x.shape, dtype=x.dtype),
    "bernoulli": lambda x: mx.random.bernoulli(0.5, x.shape).astype(x.dtype),
    "exp": mx.exp, "log": mx.log, "sqrt": mx.sqrt, "rsqrt": mx.rsqrt, "abs": mx.abs,
    "neg": mx.negative, "sigmoid": mx.sigmoid, "silu": nn.silu, "gelu": nn.gelu,
    "gelu_tanh": nn.gelu_approx, "relu": nn.relu, "tanh": mx.tanh, "sin": mx.sin, "cos": mx.cos,
    "erf": mx.erf,
    # MLX has no exp2; 2 ** x keeps x's dtype (a Python scalar is weakly typed).
    "exp2": lambda x: mx.power(2, x), "expm1": mx.expm1, "log2": mx.log2, "log10": mx.log10,
    "log1p": mx.log1p, "cbrt": _cbrt, "sign": mx.sign, "ceil": mx.ceil, "floor": mx.floor,
    # mx.round rounds halves to even, as the library's round does.
    "round": mx.round, "trunc": mx.trunc, "recip": mx.reciprocal, "square": mx.square, "tan": mx.tan,
    "asin": mx.arcsin, "acos": mx.arccos, "atan": mx.arctan, "sinh": mx.sinh, "cosh": mx.cosh,
    "asinh": mx.arcsinh, "acosh": mx.arccosh, "atanh": mx.arctanh, "erfinv": mx.erfinv,
    "logsigmoid": nn.log_sigmoid, "leaky_relu": nn.leaky_relu, "elu": nn.elu, "selu": nn.selu,
    "softplus": nn.softplus, "softsign": nn.softsign, "mish": nn.mish, "hardsigmoid": _hardsigmoid,
    "hardswish": nn.hardswish, "hardtanh": nn.hard_tanh,
    "isnan": mx.isnan, "isinf": mx.isinf, "isfinite": mx.isfinite,
    "add": mx.add, "sub": mx.subtract, "mul": mx.multiply, "div": mx.divide,
    "max": mx.maximum, "min": mx.minimum, "pow": mx.power,
    "atan2": mx.arctan2, "remainder": mx.remainder, "fmod": _fmod, "logaddexp": mx.logaddexp,
    "eq": mx.equal, "ne": mx.not_equal, "lt": mx.less, "le": mx.less_equal, "gt": mx.greater,
    "ge": mx.greater_equal, "logical_and": _logical_and, "logical_or": _logical_or,
    "logical_xor": _logical_xor,
    # The library (and torch) accumulate a softmax of f16/bf16 in f32; precise=True asks MLX for
    # the same instead of accumulating in the input's type.
    "softmax": lambda x: mx.softmax(x, axis=-1, precise=True),
    "log_softmax": lambda x: nn.log_softmax(x, axis=-1),
    # a [m, k] times x [k], and xᵀ·a: MLX dispatches both to its gemv kernels.
    "gemv": lambda a, x: a @ x,
    "gemv_t": lambda a, x: x @ a,
    # MLX's block-masked product, blocks of 32, with x as a one-column matrix.
    "gemv_masked": lambda a, x, mask, out: mx.block_masked_mm(
        a, x[:, None], 32, out[:, None] != 0, mask != 0, None
    )[:, 0],
    # MLX arrays are immutable and it has no copy op: adding zero reads and writes each element
    # once, which is what a copy moves.
    "copy": lambda x: x + 0,
    # The fused ops as a user writes them unfused (mx.compile fuses them).
    "swiglu": lambda g, u: nn.silu(g) * u,
    "geglu": lambda g, u: nn.gelu(g) * u,
    "geglu_tanh": lambda g, u: nn.gelu_approx(g) * u,
    "where_select": mx.where,
    "add_mul": _add_mul,
    **{f"cast_{d}": (lambda t: lambda x: x.astype(t))(t) for d, t in CAST_TO.items()},
}


def _reduction(fold):
    """A reduction along the `axis` parameter (default the last), as the library's."""
    return lambda p: lambda x: fold(x, int(p.get("axis", -1)))


def _moment(fold):
    """var/std along `axis` with the `correction` parameter (MLX calls it ddof; default 1 as
    the library's and torch's)."""
    return lambda p: lambda x: fold(x, axis=int(p.get("axis", -1)), ddof=int(float(p.get("correction", 1))))


AXIS = {"axis"}
# Ops with parameters: name -> (the parameters they take, params -> the MLX call).
WITH_PARAMS = {
    "sum_rows": (AXIS, _reduction(lambda x, a: mx.sum(x, axis=a))),
    "max_rows": (AXIS, _reduction(lambda x, a: mx.max(x, axis=a))),
    "min_rows": (AXIS, _reduction(lambda x, a: mx.min(x, axis=a))),
    "mean_rows": (AXIS, _reduction(lambda x, a: mx.mean(x, axis=a))),
    "prod_rows": (AXIS, _reduction(lambda x, a: mx.prod(x, axis=a))),
    "l1_norm_rows": (AXIS, _reduction(lambda x, a: mx.sum(mx.abs(x), axis=a))),
    "l2_norm_rows": (AXIS, _reduction(lambda x, a: mx.sqrt(mx.sum(mx.square(x), axis=a)))),
    "logsumexp_rows": (AXIS, _reduction(lambda x, a: mx.logsumexp(x, axis=a))),
    "argmax_rows": (AXIS, _reduction(lambda x, a: mx.argmax(x, axis=a))),
    "argmin_rows": (AXIS, _reduction(lambda x, a: mx.argmin(x, axis=a))),
    "var_rows": (AXIS | {"correction"}, _moment(mx.var)),
    "std_rows": (AXIS | {"correction"}, _moment(mx.std)),
    "clip": ({"min", "max"}, lambda p: lambda x: mx.clip(x, float(p.get("min", -1.0)), float(p.get("max", 1.0)))),
    "fma": ({"scale", "shift"}, lambda p: lambda x: x * float(p.get("scale", 1.0)) + float(p.get("shift", 0.0))),
}
# Ops with an `eps`: name -> eps -> the MLX call.
WITH_EPS = {
    "rms_norm": lambda eps: lambda x, w: mx.fast.rms_norm(x, w, eps),
    "layer_norm": lambda eps: lambda x, w, b: mx.fast.layer_norm(x, w, b, eps),
    "rms_norm_gated": lambda eps: lambda x, z, w: mx.fast.rms_norm(x, w, eps) * nn.silu(z),
    "add_rms_norm": lambda eps: lambda x, r, w: _add_rms_norm(x, r, w, eps),
}
DEFAULT_EPS = 1e-5


def check(req):
    """The request's op and dtype, refused when this peer cannot run them."""
    op, dtype = req["op"], req.get("dtype")
    if dtype not in proto.DTYPES:
        raise ValueError(f"dtype {dtype!r} is not one of {', '.join(proto.DTYPES)}")
    if op not in PLAIN and op not in WITH_EPS and op not in WITH_PARAMS and op not in proto.ROPE:
        raise ValueError(f"unknown op {op!r}")
    return op, dtype


def rope_fn(op, params, head_dim):
    """mx.fast.rope, as mlx-lm calls it: `traditional` for the interleaved pairs, the base, the
    offset, and for Llama 3 and YaRN `freqs=` (MLX takes each pair's period, 1 / inv_freq) with
    YaRN's attention scale applied to the rotated features. fast.rope wants the positions on the
    second-last axis, so the bench's [batch, seq, heads, head_dim] goes through [batch, heads, seq,
    head_dim] and back, as an MLX model transposes its queries before the rope."""
    p, rotary = rope_freqs.settings(params, head_dim)
    traditional = op == "rope_interleaved"
    freqs, base = None, float(p["base"])
    if rope_freqs.scaled(p):
        freqs, base = mx.array([1.0 / f for f in rope_freqs.inv_freq(p, rotary)], dtype=mx.float32), None
    m, offset = rope_freqs.attention_scale(p), int(p["offset"])

    def fn(x):
        t = mx.swapaxes(x, -3, -2)
        y = mx.fast.rope(t, rotary, traditional=traditional, base=base, scale=1.0, offset=offset, freqs=freqs)
        y = mx.swapaxes(y, -3, -2)
        if m == 1.0:
            return y
        if rotary == head_dim:
            return y * m
        return mx.concatenate([y[..., :rotary] * m, y[..., rotary:]], axis=-1)

    return fn


def scan_fn(op, params):
    """mx.cumsum / mx.cumprod with their own reverse and inclusive flags; the masked sum over
    mx.where(mask, x, 0) (a masked-off NaN adds 0, as the library's)."""
    ax, rev = int(params.get("axis", -1)), float(params.get("reverse", 0.0)) == 1.0
    f = mx.cumprod if op.startswith("cumprod") else mx.cumsum
    inclusive = not op.endswith("_exclusive")
    if op == "masked_cumsum":
        return lambda x, mask: mx.cumsum(mx.where(mask, x, mx.zeros_like(x)), axis=ax, reverse=rev)
    return lambda x: f(x, axis=ax, reverse=rev, inclusive=inclusive)


def sort_fn(op, params):
    """mx.sort / mx.argsort (ascending only: MLX has no descending flag, and a flipped sort is
    not the same stable order). MLX's topk returns its k values unsorted: not compared."""
    if op == "topk":
        raise ValueError("mx.topk returns the k values unsorted; topk is not compared against MLX")
    if float(params.get("descending", 0.0)) != 0.0:
        raise ValueError(f"{op}: MLX sorts ascending only")
    ax = int(params.get("axis", -1))
    f = mx.sort if op == "sort" else mx.argsort
    return lambda x: f(x, axis=ax)


def op_fn(op, params, head_dim=None):
    """The MLX function of a std kernel. A parameter it does not take is refused rather than
    ignored: the figures would be of another function."""
    if op in proto.ROPE:
        return rope_fn(op, params, head_dim)
    if op in proto.SCANS:
        extra = sorted(set(params) - {"axis", "reverse"})
        if extra:
            raise ValueError(f"{op} takes no parameter {', '.join(extra)}")
        return scan_fn(op, params)
    if op in proto.SORTS:
        return sort_fn(op, params)
    takes = {"eps"} if op in WITH_EPS else WITH_PARAMS[op][0] if op in WITH_PARAMS else set()
    extra = sorted(set(params) - takes)
    if extra:
        raise ValueError(f"{op} takes no parameter {', '.join(extra)}")
    if op in WITH_EPS:
        return WITH_EPS[op](float(params.get("eps", DEFAULT_EPS)))
    if op in WITH_PARAMS:
        return WITH_PARAMS[op][1](params)
    return PLAIN[op]


def load(path, dtype):
    a = np.ascontiguousarray(np.load(path))
    if a.dtype == np.bool_:
        # A condition (where_select) or a mask (masked_cumsum): bool whatever the op's dtype.
        return mx.array(a)
    if a.dtype != NPY[dtype]:
        raise ValueError(f"{path} holds {a.dtype}, expected {np.dtype(NPY[dtype])} for {dtype}")
    x = mx.array(a)
    # bf16 travels as its raw bits: reinterpret, no rounding on the way.
    return x.view(mx.bfloat16) if dtype == "bf16" else x


def inputs(req, dtype):
    files = proto.input_files(req)
    if files is not None:
        xs = [load(f, dtype) for f in files]
    else:
        # Drawn here: positive and away from zero, valid for most ops (log, sqrt, div, pow).
        mx.random.seed(int(req.get("seed", 1)))
        xs = [mx.random.uniform(0.5, 1.5, tuple(s)).astype(DTYPES[dtype]) for s in req["shapes"]]
    mx.eval(*xs)
    return xs


# MLX returns argmax/argmin as uint32; the library (and torch) as int64.
INDEX_OPS = ("argmax_rows", "argmin_rows")


def save(y, op, path):
    """The output by its own dtype (a comparison of bf16 inputs is bool, a cast is its
    destination's); of several outputs the first (add_mul's sum), as the bench compares."""
    y = y[0] if isinstance(y, tuple) else y
    if op in INDEX_OPS:
        y = y.astype(mx.int64)
    a = np.array(y.view(mx.uint16)) if y.dtype == mx.bfloat16 else np.array(y)
    with open(path, "wb") as f:
        np.save(f, a)


_flush = {}


class Flush:
    """Reads a buffer of `nbytes` before each timed run, evicting the cache. Read, not
    written: a write would leave dirty lines for the timed run to write back (the bench's own
    flush and the torch peer's read too)."""

    def __init__(self, nbytes):
        self.buf = mx.zeros((max(nbytes // 4, 1),), dtype=mx.uint32)
        mx.eval(self.buf)

    def __call__(self):
        mx.eval(mx.max(self.buf))
        mx.synchronize()


def flush_buffer(nbytes):
    """The flusher of `nbytes` (kept for the next request, which usually asks the same)."""
    if nbytes <= 0:
        return None
    if nbytes not in _flush:
        _flush.clear()
        _flush[nbytes] = Flush(nbytes)
    return _flush[nbytes]


def time_wall(fn, xs, runs, warmup, flush):
    # At least one untimed run: mx.compile traces and compiles on the first call, and MLX's
    # CUDA backend compiles a kernel the first time it meets it.
    for _ in range(max(warmup, 1)):
        mx.eval(fn(*xs))
    mx.synchronize()
    times = []
    for _ in range(max(runs, 1)):
        if flush is not None:
            flush()
        mx.synchronize()
        t0 = time.perf_counter()
        y = fn(*xs)
        mx.eval(y)
        mx.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
        del y
    return proto.stats(times)


def run(req):
    op, dtype = check(req)
    shapes = req.get("shapes") or [[1]]
    fn = op_fn(op, req.get("params") or {}, shapes[0][-1])
    xs = inputs(req, dtype)
    flush = flush_buffer(int(req.get("flush_bytes", 0)))
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
    if path and op not in proto.RANDOM:
        y = fn(*xs)
        mx.eval(y)
        save(y, op, path)
        reply["output"] = {"path": path}
    del xs
    # Freed buffers stay in MLX's cache; the next request may need the memory (2^28 elements).
    mx.clear_cache()
    return reply


def device_name():
    # The name is a nicety: an MLX whose device_info differs must not cost the whole peer.
    try:
        name = mx.device_info().get("device_name")
    except Exception:  # noqa: BLE001
        name = None
    return f"{mx.default_device()} {name}" if name else str(mx.default_device())


def info():
    return {
        "peer": "mlx",
        "version": mx.__version__,
        "device": device_name(),
        "modes": ["eager", "compile"],
        "timing": "wall clock around a synchronized mx.eval (MLX has no device events in Python); "
        "cache flushed before each timed run when asked",
    }


if __name__ == "__main__":
    proto.serve(info, run)
