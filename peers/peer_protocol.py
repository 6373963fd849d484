"""The line protocol of MetalTile's bench peers (docs/bench.md).

A peer reads one JSON request per line on stdin and writes one JSON reply per line on stdout;
the first request is {"op": "info"}. This module owns what every peer shares: the loop, a reply
channel nothing else can write into, the input files, the dtype names and the statistics. A
peer module supplies `info()` and `run(request)` and calls `serve`. It imports nothing beyond
the standard library, so a peer can still refuse cleanly when its framework is missing.
"""

import json
import os
import sys

# The element types the bench times, by the names the requests use.
DTYPES = ("f32", "f16", "bf16")
# The std kernels a peer is asked about, by family; "copy" is the copy bandwidth yardstick.
UNARY = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "cbrt", "abs", "neg",
         "sign", "ceil", "floor", "round", "trunc", "recip", "square", "sin", "cos", "tan", "asin", "acos",
         "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfinv", "sigmoid", "logsigmoid",
         "silu", "gelu", "gelu_tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "softsign", "mish",
         "hardsigmoid", "hardswish", "hardtanh", "isnan", "isinf", "isfinite")
BINARY = ("add", "sub", "mul", "div", "max", "min", "pow", "atan2", "remainder", "fmod", "logaddexp", "eq", "ne",
          "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")
ROWS = ("sum_rows", "max_rows", "min_rows", "mean_rows", "prod_rows", "l1_norm_rows", "l2_norm_rows",
        "logsumexp_rows", "var_rows", "std_rows", "argmax_rows", "argmin_rows", "softmax", "log_softmax",
        "rms_norm", "layer_norm")
ROPE = ("rope", "rope_interleaved")
GEMV = ("gemv", "gemv_t", "gemv_masked")
FUSED = ("swiglu", "geglu", "geglu_tanh", "clip", "fma", "where_select", "add_mul")
# The data-movement ops; their parameters (lists among them) come in the request's `lists`.
MOVEMENT = ("as_strided", "permute", "slice", "concat", "fill", "arange")
SCANS = ("cumsum", "cumsum_exclusive", "cumprod", "cumprod_exclusive", "masked_cumsum")
# Gather and scatter; their index inputs arrive as int32 or int64 .npy files.
INDEX = ("embedding", "index_select", "gather", "scatter", "scatter_add", "masked_scatter")
# The bitwise ops, timed at integer dtypes (the bench picks the integer of a float's width).
BITWISE = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift")
INT_DTYPES = ("i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64")
SORTS = ("sort", "argsort", "topk")
# The random ops: the peers draw with their own generators (other bits), so only the times
# compare; they write no output.
RANDOM = ("rand_uniform", "rand_normal", "bernoulli")
# The losses (mean reduction, torch's default; cross_entropy's targets arrive as int64).
LOSS = ("cross_entropy", "mse_loss", "kl_div")
# The normalization variants; group_norm's `groups` comes in the request's `params`.
NORMS = ("add_rms_norm", "rms_norm_gated", "group_norm", "batch_norm")
CASTS = tuple(f"cast_{d}" for d in ("f32", "f16", "bf16", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool"))


def reply_channel():
    """Keep the real stdout for replies alone. Everything else that writes to file descriptor 1
    (prints, C libraries, compilers invoked by torch.compile) goes to stderr instead, so it
    cannot corrupt the stream the bench parses."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8")


def send(out, reply):
    """One reply, one line. NaN and infinities are not JSON: such a reply becomes an error."""
    try:
        text = json.dumps(reply, allow_nan=False)
    except ValueError as e:
        text = json.dumps({"ok": False, "error": f"reply is not JSON: {e}"})
    out.write(text + "\n")
    out.flush()


def short(e):
    """An exception as one line: compilers raise pages of text."""
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    text = f"{type(e).__name__}: {first}" if first else type(e).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def refuse(why):
    """For a peer whose framework is missing: answer the first request with `why`, then exit."""
    out = reply_channel()
    sys.stdin.readline()
    send(out, {"ok": False, "error": why})
    sys.exit(0)


def serve(info, run):
    """Answer requests until stdin closes; a failing request becomes an error reply."""
    out = reply_channel()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict) or not isinstance(req.get("op"), str):
                raise ValueError("a request is a JSON object with an `op`")
            reply = {"ok": True, "info": info()} if req["op"] == "info" else run(req)
        except Exception as e:  # noqa: BLE001 - every failure is reported, none ends the peer
            reply = {"ok": False, "error": short(e)}
        send(out, reply)


def check(req):
    """The request's op and dtype, refused when the peer cannot know them."""
    op, dtype = req["op"], req.get("dtype")
    if dtype not in DTYPES and not (op in BITWISE and dtype in INT_DTYPES):
        raise ValueError(f"dtype {dtype!r} is not one of {', '.join(DTYPES)} (the bitwise ops: integers)")
    known = UNARY + BINARY + ROWS + ROPE + GEMV + FUSED + CASTS + MOVEMENT + SCANS + INDEX + BITWISE + SORTS
    if op not in known + RANDOM + LOSS + NORMS + ("copy",):
        raise ValueError(f"unknown op {op!r}")
    return op, dtype


def input_files(req):
    """The .npy files to read, in input order, or None when the peer draws its own inputs."""
    inputs = req.get("inputs", "seed")
    if inputs == "seed":
        return None
    return [os.path.join(inputs["path"], name + ".npy") for name in inputs["names"]]


def stats(times_ms):
    """Median (mean of the middle two for an even count), fastest and 90th percentile by
    nearest rank, as the Rust side computes them for our own runs."""
    t = sorted(times_ms)
    n = len(t)
    if n == 0:
        raise ValueError("no timed runs")
    median = t[n // 2] if n % 2 else (t[n // 2 - 1] + t[n // 2]) / 2
    rank = max(1, -(-9 * n // 10))
    return {"median_ms": median, "min_ms": t[0], "p90_ms": t[rank - 1], "runs": n}


def bf16_bits_to_f32_bits(u16):
    """bf16 is the high half of an f32: widening its raw bits is exact (numpy arrays)."""
    import numpy as np
    return (u16.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16_bits(f32):
    """The inverse for values that are already bf16 (the low half is zero): exact."""
    import numpy as np
    return (f32.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
