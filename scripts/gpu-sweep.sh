#!/usr/bin/env bash
# Time one kind of kernel at one shape under several launch strategies (`tile bench --strategy`),
# f32 and bf16, without peers: which plan should the planner pick on this GPU?
#   usage: scripts/gpu-sweep.sh FILTER SHAPE STRATEGY...     (env: OUT, TILE, RUNS)
# Prints one table per strategy and writes each run's JSON to $OUT/sweep/.
set -uo pipefail
cd "$(dirname "$0")/.."
TILE=${TILE:-target/release/tile}
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT/sweep"  # callers tar it: only 8 files come back from a device run
filter=$1 shape=$2
shift 2
for s in auto "$@"; do
  strategy=()
  [ "$s" = auto ] || strategy=(--strategy "$s")
  name="$filter-$shape-${s//:/_}"
  "$TILE" bench --backend cuda --peer none --filter "$filter" --shape "$shape" "${strategy[@]}" \
    --runs "${RUNS:-50}" --out "$OUT/sweep/$name.json" 2>&1 | grep -F -e "${shape//x/×}" -e error
done
