#!/usr/bin/env python3
"""Smoke test of a bench peer on its real device, without the Rust side.

Writes inputs as the bench does (.npy, bf16 as <u2 raw bits), writes a request file, pipes it
into the peer (`python3 peers/<name>_peer.py < requests.jsonl`), then checks every reply: the
right number, `ok` where expected, positive median times for each mode, and each output
against a float64 NumPy reference with the bench's per-dtype tolerance. Prints the requests,
the raw replies and a summary table; exits 1 if any check failed.

    python3 peers/smoke.py [torch|mlx|PATH_TO_PEER.py] [DTYPE...]

For mlx it also runs every op of the MLX peer on small shapes in each DTYPE (default: f32 f16
bf16), both modes; each first call of an op JIT-compiles on MLX's side, so fewer dtypes finish
sooner. A peer whose framework is missing prints its note and exits 2.
"""

import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer_protocol as proto  # noqa: E402

# The bench's tolerances (metaltile-ir's DType::tolerance): |a - b| <= atol + rtol * |b|.
TOL = {"f32": (1e-5, 1e-5), "f16": (1e-3, 2e-3), "bf16": (1e-2, 1.6e-2)}
ELEM = {"f32": 4, "f16": 2, "bf16": 2}


def to_bf16_bits(a):
    """Round float values to bf16 (to nearest, ties to even) and return the raw bits."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def stored(a, dtype):
    """(array as written to .npy, its values as float64)."""
    if dtype == "bf16":
        bits = to_bf16_bits(a)
        return bits, proto.bf16_bits_to_f32_bits(bits).astype(np.float64)
    x = a.astype(np.float32 if dtype == "f32" else np.float16)
    return x, x.astype(np.float64)


def read_output(path, dtype):
    a = np.load(path)
    if a.dtype == np.bool_:
        return a.astype(np.float64)
    if dtype == "bf16":
        assert a.dtype == np.uint16, a.dtype
        return proto.bf16_bits_to_f32_bits(a).astype(np.float64)
    return a.astype(np.float64)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    d = x - x.max(axis=-1, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=-1, keepdims=True))


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps):
    m = x.mean(axis=-1, keepdims=True)
    v = ((x - m) ** 2).mean(axis=-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


EPS = 1e-5
BOTH = ["eager", "compile"]
# (op, dtype, input shapes, input ranges, modes, float64 reference). torch.compile takes
# seconds per op, so only the ops the bench leans on most are compiled here.
CASES = [
    ("exp", "f32", [[1 << 22]], [(-10, 10)], BOTH, lambda x: np.exp(x)),
    ("softmax", "bf16", [[512, 8192]], [(-8, 8)], BOTH, softmax),
    ("rms_norm", "f32", [[1024, 4096], [4096]], [(-3, 3), (0.5, 1.5)], BOTH, lambda x, w: rms_norm(x, w, EPS)),
    ("exp", "bf16", [[1 << 22]], [(-10, 10)], ["eager"], lambda x: np.exp(x)),
    ("rms_norm", "bf16", [[1024, 4096], [4096]], [(-3, 3), (0.5, 1.5)], ["eager"], lambda x, w: rms_norm(x, w, EPS)),
    ("layer_norm", "bf16", [[1024, 4096], [4096], [4096]], [(-3, 3), (0.5, 1.5), (-1, 1)], ["eager"],
     lambda x, w, b: layer_norm(x, w, b, EPS)),
    ("add", "f32", [[1 << 22], [1 << 22]], [(-5, 5), (-5, 5)], ["eager"], lambda a, b: a + b),
    ("sum_rows", "f32", [[4096, 1024]], [(-4, 4)], ["eager"], lambda x: x.sum(axis=-1)),
    # A bool output of bf16 inputs is saved as bool, not as bf16 bits.
    ("lt", "bf16", [[1 << 16], [1 << 16]], [(-2, 2), (-2, 2)], ["eager"], lambda a, b: a < b),
]
NAMES = {1: ["x"], 2: ["x", "w"], 3: ["x", "w", "b"]}


# -- MLX: every op of the MLX peer (the torch peer's and the unary ops added since), in each
# dtype and both modes, on small shapes. Each op's first call per dtype JIT-compiles on MLX's
# side (NVRTC on CUDA, a C++ compiler on the CPU): all three dtypes took 7 minutes on a 2-core
# CPU. MLX's CPU build runs them too, with METALTILE_MLX_DEVICE=cpu (see mlx_peer.py).
_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    return _erf(x).astype(np.float64)


def erfinv(y):
    """Newton's method on erf from 0. erf bends away from its tangents toward 0 (concave for
    x > 0, convex for x < 0), so no step passes the root: the iteration converges monotonically
    for |y| < 1."""
    x = np.zeros_like(y)
    for _ in range(100):
        x = x - (erf(x) - y) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    return x


def halves(rng, shape):
    """Integers and halves (round's ties) mixed with arbitrary values in [-10, 10)."""
    ties = rng.integers(-20, 21, size=shape) / 2
    return np.where(rng.random(size=shape) < 0.5, ties, rng.uniform(-10, 10, size=shape))


def specials(rng, shape):
    """Finite values with NaN, +inf and -inf among them."""
    x = rng.uniform(-5, 5, size=shape)
    pick = rng.integers(0, 8, size=shape)
    return np.where(pick == 0, np.nan, np.where(pick == 1, np.inf, np.where(pick == 2, -np.inf, x)))


SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
MLX_UNARY = {
    "exp": ((-10, 10), np.exp), "log": ((0.01, 100), np.log), "sqrt": ((0, 100), np.sqrt),
    "rsqrt": ((0.01, 100), lambda x: 1 / np.sqrt(x)), "abs": ((-5, 5), np.abs), "neg": ((-5, 5), np.negative),
    "sigmoid": ((-10, 10), lambda x: 1 / (1 + np.exp(-x))), "silu": ((-10, 10), lambda x: x / (1 + np.exp(-x))),
    "gelu": ((-5, 5), lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    "gelu_tanh": ((-5, 5), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "relu": ((-5, 5), lambda x: np.maximum(x, 0)), "tanh": ((-5, 5), np.tanh), "sin": ((-6, 6), np.sin),
    "cos": ((-6, 6), np.cos), "erf": ((-3, 3), erf),
    "exp2": ((-10, 10), np.exp2), "expm1": ((-5, 5), np.expm1), "log2": ((0.01, 100), np.log2),
    "log10": ((0.01, 100), np.log10), "log1p": ((-0.9, 100), np.log1p), "cbrt": ((-100, 100), np.cbrt),
    "sign": ((-5, 5), np.sign), "ceil": (halves, np.ceil), "floor": (halves, np.floor),
    "round": (halves, np.round), "trunc": (halves, np.trunc), "recip": ((0.1, 10), lambda x: 1 / x),
    "square": ((-10, 10), np.square), "tan": ((-1.5, 1.5), np.tan), "asin": ((-0.999, 0.999), np.arcsin),
    "acos": ((-0.999, 0.999), np.arccos), "atan": ((-10, 10), np.arctan), "sinh": ((-5, 5), np.sinh),
    "cosh": ((-5, 5), np.cosh), "asinh": ((-10, 10), np.arcsinh), "acosh": ((1, 10), np.arccosh),
    "atanh": ((-0.99, 0.99), np.arctanh), "erfinv": ((-0.99, 0.99), erfinv),
    "logsigmoid": ((-20, 20), lambda x: -np.logaddexp(0, -x)),
    "leaky_relu": ((-5, 5), lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": ((-5, 5), lambda x: np.where(x > 0, x, np.expm1(x))),
    "selu": ((-5, 5), lambda x: SELU_L * np.where(x > 0, x, SELU_A * np.expm1(x))),
    "softplus": ((-20, 20), lambda x: np.logaddexp(0, x)), "softsign": ((-10, 10), lambda x: x / (1 + np.abs(x))),
    "mish": ((-10, 10), lambda x: x * np.tanh(np.logaddexp(0, x))),
    "hardsigmoid": ((-5, 5), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": ((-5, 5), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hardtanh": ((-3, 3), lambda x: np.clip(x, -1, 1)),
    "isnan": (specials, lambda x: np.isnan(x).astype(np.float64)),
    "isinf": (specials, lambda x: np.isinf(x).astype(np.float64)),
    "isfinite": (specials, lambda x: np.isfinite(x).astype(np.float64)),
}
MLX_BINARY = {
    "add": ([(-5, 5), (-5, 5)], np.add), "sub": ([(-5, 5), (-5, 5)], np.subtract),
    "mul": ([(-5, 5), (-5, 5)], np.multiply), "div": ([(-5, 5), (0.5, 5)], np.divide),
    "max": ([(-5, 5), (-5, 5)], np.maximum), "min": ([(-5, 5), (-5, 5)], np.minimum),
    "pow": ([(0.1, 5), (-3, 3)], np.power),
}
ROWS, COLS = 64, 512
MLX_ROWS = {
    "sum_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.sum(axis=-1)),
    "max_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.max(axis=-1)),
    "min_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.min(axis=-1)),
    "softmax": ([[ROWS, COLS]], [(-8, 8)], softmax),
    "log_softmax": ([[ROWS, COLS]], [(-8, 8)], log_softmax),
    "rms_norm": ([[ROWS, COLS], [COLS]], [(-3, 3), (0.5, 1.5)], lambda x, w: rms_norm(x, w, EPS)),
    "layer_norm": ([[ROWS, COLS], [COLS], [COLS]], [(-3, 3), (0.5, 1.5), (-1, 1)],
                   lambda x, w, b: layer_norm(x, w, b, EPS)),
    "mean_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.mean(axis=-1)),
    "l2_norm_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: np.sqrt((x * x).sum(axis=-1))),
    "logsumexp_rows": ([[ROWS, COLS]], [(-8, 8)], lambda x: np.log(np.exp(x).sum(axis=-1))),
    # The library's default correction of 1.
    "var_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.var(axis=-1, ddof=1)),
    "std_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.std(axis=-1, ddof=1)),
    # Saved as int64, as the library's indices.
    "argmax_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.argmax(axis=-1).astype(np.float64)),
    "argmin_rows": ([[ROWS, COLS]], [(-4, 4)], lambda x: x.argmin(axis=-1).astype(np.float64)),
    # The fused ops at their default parameters (clip to [-1, 1], fma x * 1 + 0).
    "swiglu": ([[ROWS, COLS], [ROWS, COLS]], [(-5, 5), (-5, 5)], lambda g, u: g / (1 + np.exp(-g)) * u),
    "geglu": ([[ROWS, COLS], [ROWS, COLS]], [(-5, 5), (-5, 5)],
              lambda g, u: 0.5 * g * (1 + erf(g / math.sqrt(2))) * u),
    "clip": ([[ROWS, COLS]], [(-3, 3)], lambda x: np.clip(x, -1, 1)),
    "fma": ([[ROWS, COLS]], [(-3, 3)], lambda x: x),
}


def mlx_cases(dtypes):
    n = 1 << 14
    cases = []
    for dtype in dtypes:
        for op, (domain, ref) in MLX_UNARY.items():
            cases.append((op, dtype, [[n]], [domain], BOTH, ref))
        for op, (domains, ref) in MLX_BINARY.items():
            cases.append((op, dtype, [[n], [n]], domains, BOTH, ref))
        for op, (shapes, domains, ref) in MLX_ROWS.items():
            cases.append((op, dtype, shapes, domains, BOTH, ref))
    return cases


def draw(rng, domain, shape):
    return domain(rng, shape) if callable(domain) else rng.uniform(*domain, size=shape)


def main():
    peer = sys.argv[1] if len(sys.argv) > 1 else "torch"
    script = peer if peer.endswith(".py") else os.path.join(HERE, f"{peer}_peer.py")
    peer = os.path.basename(peer).removesuffix(".py").removesuffix("_peer")
    work = tempfile.mkdtemp(prefix="peer-smoke-")
    rng = np.random.default_rng(1)
    requests, expect = [{"op": "info"}], [("info", None)]
    sweep = sys.argv[2:] or list(proto.DTYPES)
    if any(d not in proto.DTYPES for d in sweep):
        sys.exit(f"dtypes are {', '.join(proto.DTYPES)}, not {' '.join(sweep)}")
    cases = CASES + (mlx_cases(sweep) if peer == "mlx" else [])
    for i, (op, dtype, shapes, ranges, modes, ref) in enumerate(cases):
        d = os.path.join(work, f"case{i}")
        os.makedirs(d)
        names = ["a", "b"] if op in proto.BINARY else NAMES[len(shapes)]
        values = []
        for name, shape, domain in zip(names, shapes, ranges):
            written, as_f64 = stored(draw(rng, domain, shape), dtype)
            np.save(os.path.join(d, name + ".npy"), written)
            values.append(as_f64)
        want = ref(*values)
        nbytes = sum(v.size for v in values) * ELEM[dtype] + want.size * ELEM[dtype]
        requests.append({
            "op": op, "shapes": shapes, "dtype": dtype, "seed": 1,
            "params": {"eps": EPS} if op in ("rms_norm", "layer_norm") else {},
            "runs": 20, "warmup": 3, "flush_bytes": 256 << 20, "modes": modes,
            "inputs": {"path": d, "names": names}, "output_path": os.path.join(d, f"{peer}_y.npy"),
        })
        expect.append(("compare", (want, nbytes)))
    # Timing only, on the peer's own inputs; the copy yardstick; two requests it must refuse.
    requests.append({"op": "exp", "shapes": [[1 << 24]], "dtype": "bf16", "seed": 1, "runs": 20, "warmup": 3,
                     "flush_bytes": 0, "modes": ["eager"], "inputs": "seed"})
    expect.append(("timing", 2 * (1 << 24) * 2))
    requests.append({"op": "copy", "shapes": [[1 << 28]], "dtype": "f32", "seed": 1, "runs": 20, "warmup": 3,
                     "flush_bytes": 0, "modes": ["eager"], "inputs": "seed"})
    expect.append(("timing", 2 * (1 << 28) * 4))
    requests.append({"op": "matmul", "shapes": [[4, 4]], "dtype": "f32", "inputs": "seed"})
    expect.append(("refused", None))
    lines = [json.dumps(r) for r in requests] + ["this line is not JSON"]
    expect.append(("refused", None))
    req_path = os.path.join(work, "requests.jsonl")
    with open(req_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"== requests ({req_path})")
    for line in lines:
        print(line)

    # Replies are printed as they arrive, so a run cut short still shows how far it got.
    print("\n== replies")
    err_path = os.path.join(work, "stderr.txt")
    replies = []
    with open(req_path) as stdin, open(err_path, "w") as err:
        p = subprocess.Popen([sys.executable, script], stdin=stdin, stdout=subprocess.PIPE, stderr=err, text=True)
        for line in p.stdout:
            if line.strip():
                replies.append(line.strip())
                print(line.strip(), flush=True)
        code = p.wait()
    print(f"(peer exit status {code})")
    with open(err_path) as f:
        tail = f.read().strip().splitlines()[-20:]
    if tail:
        print("\n== peer stderr (last 20 lines)")
        print("\n".join(tail))

    # A peer whose framework is missing answers `info` with a refusal and exits: one note,
    # not a failure per request; exit 2 says nothing was tested.
    if len(replies) == 1 and not json.loads(replies[0]).get("ok"):
        print(f"\n{peer} peer not available: {json.loads(replies[0]).get('error')}")
        return 2

    failures = []
    rows = []
    if len(replies) != len(expect):
        failures.append(f"{len(replies)} replies to {len(expect)} requests")
    for req, line, (kind, arg) in zip(requests + [{"op": "<garbage>"}], replies, expect):
        r = json.loads(line)
        what = f"{req['op']} {req.get('dtype', '')} {req.get('shapes', '')}"
        if kind == "refused":
            if r.get("ok") is not False or not r.get("error"):
                failures.append(f"{what}: expected a refusal, got {line}")
            continue
        if not r.get("ok"):
            failures.append(f"{what}: {r.get('error')}")
            continue
        if kind == "info":
            print(f"\n== info: {r['info']}")
            continue
        nbytes = arg if kind == "timing" else arg[1]
        cells = [what]
        for mode in req["modes"]:
            m = r["results"].get(mode, {})
            ms = m.get("median_ms")
            if m.get("error") or not ms or ms <= 0:
                failures.append(f"{what} {mode}: {m.get('error', 'no median')}")
                cells.append(f"{mode}: -")
            else:
                cells.append(f"{mode}: {ms:.4f} ms {nbytes / (ms * 1e-3) / 1e9:8.1f} GB/s")
        if kind == "compare":
            want, _ = arg
            got = read_output(r["output"]["path"], req["dtype"])
            atol, rtol = TOL[req["dtype"]]
            err = np.abs(got - want)
            bad = int(np.count_nonzero(~(err <= atol + rtol * np.abs(want))))
            cells.append(f"max |err| {float(err.max()):.3g}, {bad} outside tolerance")
            if got.shape != want.shape or bad:
                failures.append(f"{what}: output {got.shape}, {bad} elements outside tolerance")
        rows.append(" | ".join(cells))
    print("\n== summary")
    for row in rows:
        print(row)
    print(f"\n{len(failures)} failures" + "".join(f"\n  - {f}" for f in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
