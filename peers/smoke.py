#!/usr/bin/env python3
"""Smoke test of a bench peer on its real device, without the Rust side.

Writes inputs as the bench does (.npy, bf16 as <u2 raw bits), writes a request file, pipes it
into the peer (`python3 peers/<name>_peer.py < requests.jsonl`), then checks every reply: the
right number, `ok` where expected, positive median times for each mode, and each output
against a float64 NumPy reference with the bench's per-dtype tolerance. Prints the requests,
the raw replies and a summary table; exits 1 if any check failed.

    python3 peers/smoke.py [torch|mlx|PATH_TO_PEER.py]
"""

import json
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
    if dtype == "bf16":
        assert a.dtype == np.uint16, a.dtype
        return proto.bf16_bits_to_f32_bits(a).astype(np.float64)
    return a.astype(np.float64)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


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
]
NAMES = {1: ["x"], 2: ["x", "w"], 3: ["x", "w", "b"]}


def main():
    peer = sys.argv[1] if len(sys.argv) > 1 else "torch"
    script = peer if peer.endswith(".py") else os.path.join(HERE, f"{peer}_peer.py")
    peer = os.path.basename(peer).removesuffix(".py").removesuffix("_peer")
    work = tempfile.mkdtemp(prefix="peer-smoke-")
    rng = np.random.default_rng(1)
    requests, expect = [{"op": "info"}], [("info", None)]
    for i, (op, dtype, shapes, ranges, modes, ref) in enumerate(CASES):
        d = os.path.join(work, f"case{i}")
        os.makedirs(d)
        names = ["a", "b"] if op == "add" else NAMES[len(shapes)]
        values = []
        for name, shape, (lo, hi) in zip(names, shapes, ranges):
            written, as_f64 = stored(rng.uniform(lo, hi, size=shape), dtype)
            np.save(os.path.join(d, name + ".npy"), written)
            values.append(as_f64)
        want = ref(*values)
        nbytes = sum(v.size for v in values) * ELEM[dtype] + want.size * ELEM[dtype]
        requests.append({
            "op": op, "shapes": shapes, "dtype": dtype, "seed": 1,
            "params": {"eps": EPS} if "norm" in op else {},
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
