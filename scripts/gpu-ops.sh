#!/usr/bin/env bash
# Bench single ops beside the torch peer, one `tile bench` per op and shape (each under its own
# time limit), writing OUT/bench/<op>-<shape>.{json,txt}; prints the table rows last.
#   usage: scripts/gpu-ops.sh SHAPE OP...      (env: OUT, TILE, LIMIT, RUNS, PEER)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-./gpu-out}
TILE=${TILE:-target/release/tile}
mkdir -p "$OUT/bench"
shape=$1
shift
for op in "$@"; do
  name="$op-$shape"
  timeout --kill-after=10 "${LIMIT:-120}" "$TILE" bench --backend cuda --peer "${PEER:-torch}" --runs "${RUNS:-30}" \
    --filter "$op" --shape "$shape" --out "$OUT/bench/$name.json" >"$OUT/bench/$name.txt" 2>&1
  rc=$?
  [ "$rc" = 0 ] || echo "$name: rc=$rc" >>"$OUT/bench/$name.txt"
  grep -E "^$op +(f32|bf16|f16) |rc=|error" "$OUT/bench/$name.txt" | cut -c1-170
done
