#!/usr/bin/env bash
# Bench several kernel families on the GPU beside the torch peer, one `tile bench` per family
# (each under its own time limit, so one slow family cannot take the others' results with it),
# then pack every result and log into one archive under $OUT.
#   usage: scripts/gpu-bench.sh FAMILY_OR_KERNEL...      (env: OUT, TILE, PER_FAMILY_TIMEOUT, BENCH_EXTRA)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT/bench"
TILE=${TILE:-target/release/tile}
LIMIT=${PER_FAMILY_TIMEOUT:-150}
for f in "$@"; do
  echo "== bench $f (limit ${LIMIT}s)"
  timeout --kill-after=10 "$LIMIT" "$TILE" bench --backend cuda --size full --peer torch --filter "$f" \
    --out "$OUT/bench/$f.json" ${BENCH_EXTRA:-} >"$OUT/bench/$f.txt" 2>&1
  echo "rc=$?" >>"$OUT/bench/$f.txt"
  tail -n 25 "$OUT/bench/$f.txt"
done
