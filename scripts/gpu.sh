#!/usr/bin/env bash
# MetalTile on an NVIDIA GPU, in one command: every std kernel against its f64 reference
# (`tile test --backend cuda`), the CUDA backend's own tests (when their binary was built),
# compute-sanitizer memcheck and racecheck over a set of kernels, then `tile bench`.
# Full logs and results go to ${OUT:-./gpu-out}; a short table is printed last.
#
#   bash scripts/gpu.sh             # on the GPU machine
#   bash scripts/gpu.sh --prepare   # with cargo: build tile and the CUDA test binaries first, e.g.
#                                   # to carry them to a GPU machine that has no Rust toolchain
#
# Settings (environment):
#   TILE=path            the tile binary (default target/release/tile, built with cargo if missing)
#   CUDA_TESTS=dir       the runtime's test binaries (default target/gpu; skipped if empty), run with
#                        METALTILE_TEST_CUDA=1. `--prepare` puts them there.
#   SANITIZE_FILTERS     kernels run under the sanitizers, as `tile test --filter` values (a family or
#                        part of a name), space-separated; "all" runs the whole suite.
#   MEMCHECK_FILTERS     overrides SANITIZE_FILTERS for memcheck; RACECHECK_FILTERS for racecheck.
#   TEST_FILTERS         families (or names) the correctness suite covers, space-separated; "all"
#                        (the default) runs the whole suite.
#   BENCH_ARGS           extra arguments for `tile bench` (e.g. "--size quick" or "--dtype f16");
#                        "skip" leaves the benchmark out.
#   *_TIMEOUT            seconds for each step: TEST_TIMEOUT, UNIT_TIMEOUT, SANITIZE_TIMEOUT (per
#                        sanitizer run), BENCH_TIMEOUT. A step that runs out is reported as such.
# Everything but the benchmark runs concurrently; the time column of a sanitizer row is its
# longest run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

OUT=${OUT:-./gpu-out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TILE=${TILE:-target/release/tile}
CUDA_TESTS=${CUDA_TESTS:-target/gpu}
# By default memcheck covers the whole suite (one run per family, side by side) and racecheck
# the families that use threadgroup memory.
SANITIZE_FILTERS=${SANITIZE_FILTERS:-"unary binary reduce softmax norm"}
MEMCHECK_FILTERS=${MEMCHECK_FILTERS:-$SANITIZE_FILTERS}
RACECHECK_FILTERS=${RACECHECK_FILTERS:-"reduce softmax norm"}
BENCH_ARGS=${BENCH_ARGS:-}
TEST_FILTERS=${TEST_FILTERS:-all}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}
SANITIZE_TIMEOUT=${SANITIZE_TIMEOUT:-600}
# The full bench generates and checks up to 2^28-element inputs on the host and starts the
# peers: it takes many minutes.
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}

if [ "${1:-}" = --prepare ]; then
  cargo build --release -p metaltile-cli || exit 1
  mkdir -p "$CUDA_TESTS"
  # Each test executable cargo reports, copied under its target name (the hash dropped).
  cargo test --release -p metaltile-runtime --lib --test cuda --no-run --message-format=json |
    grep -oE '"executable":"[^"]+"' | cut -d'"' -f4 | while read -r exe; do
    name=$(basename "$exe" | sed -E 's/-[0-9a-f]{16}$//')
    cp "$exe" "$CUDA_TESTS/$name" && echo "prepared $CUDA_TESTS/$name"
  done
  exit 0
fi

if [ ! -x "$TILE" ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    echo "no $TILE and no cargo to build it: build it with 'cargo build --release -p metaltile-cli'" >&2
    exit 1
  fi
  echo "building $TILE"
  cargo build --release -p metaltile-cli >"$OUT/build.txt" 2>&1 || { tail -30 "$OUT/build.txt"; exit 1; }
fi

SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
ROWS=()
FAILED=0

# NVRTC is loaded at run time; the runtime also looks in CUDA_HOME and /usr/local/cuda, and
# this makes its builtins library findable when the toolkit is not in the loader's cache.
if ! ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so'; then
  for d in ${CUDA_HOME:-/usr/local/cuda}/lib64 /usr/local/cuda/lib64; do
    [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && break
  done
fi

# row STEP RESULT SECONDS
row() { ROWS+=("$(printf '%-22s %-46s %6ss' "$1" "$2" "$3")"); }

# run_step TIMEOUT LOG CMD...: runs CMD with a time limit, appending to LOG; sets RC and SECS.
run_step() {
  local limit=$1 log=$2
  shift 2
  local t0=$SECONDS
  echo "\$ $*" >"$log"
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  RC=$?
  SECS=$((SECONDS - t0))
  if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then echo "(stopped after ${limit}s)" >>"$log"; fi
}

# passed_failed LOG: the last "N passed, M failed" line of a tile test log.
passed_failed() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  else echo "gpu: no nvidia-smi on PATH"; fi
  command -v compute-sanitizer >/dev/null && compute-sanitizer --version 2>&1 | grep -i version | head -1 | sed 's/^/sanitizer: /'
} >>"$SUMMARY"

# Steps 1-3 only check results, so they run side by side (the machine's cores compile and
# instrument in parallel); the benchmark runs alone afterwards.
JOBS=$(mktemp -d)
trap 'rm -rf "$JOBS"' EXIT

# job NAME LIMIT LOG CMD...: run_step in the background; its "RC SECS" lands in $JOBS/NAME.
job() {
  local name=$1
  shift
  (
    run_step "$@"
    echo "$RC $SECS" >"$JOBS/$name"
  ) &
}
# result NAME: sets RC and SECS from a finished job.
result() { read -r RC SECS <"$JOBS/$1" || { RC=255; SECS=0; }; }

# 1. The correctness suite, one run per filter (side by side).
TEST_RUNS=0
for f in $TEST_FILTERS; do
  filt=(--filter "$f")
  [ "$f" = all ] && filt=()
  job "test.$TEST_RUNS" "$TEST_TIMEOUT" "$JOBS/test.$TEST_RUNS.log" "$TILE" test --backend cuda "${filt[@]}"
  TEST_RUNS=$((TEST_RUNS + 1))
done

# 2. The runtime's own tests, GPU tests included (the std suite is step 1 already).
TEST_BINS=()
for f in "$CUDA_TESTS"/*; do [ -f "$f" ] && [ -x "$f" ] && TEST_BINS+=("$f"); done
for i in "${!TEST_BINS[@]}"; do
  job "unit.$i" "$UNIT_TIMEOUT" "$JOBS/unit.$i.log" \
    env METALTILE_TEST_CUDA=1 "${TEST_BINS[$i]}" --skip gpu_std_suite_passes_on_cuda --test-threads=4
done

# 3. Sanitizers: each filter is one `tile test` run under the tool, each with its own log.
HAVE_SANITIZER=0
command -v compute-sanitizer >/dev/null 2>&1 && HAVE_SANITIZER=1
start_sanitizer() {
  local tool=$1 filters=$2 i=0
  for f in $filters; do
    local filt=(--filter "$f")
    [ "$f" = all ] && filt=()
    job "$tool.$i" "$SANITIZE_TIMEOUT" "$JOBS/$tool.$i.log" compute-sanitizer --tool "$tool" --error-exitcode 86 \
      "$TILE" test --backend cuda "${filt[@]}"
    i=$((i + 1))
  done
}
if [ "$HAVE_SANITIZER" = 1 ]; then
  start_sanitizer memcheck "$MEMCHECK_FILTERS"
  start_sanitizer racecheck "$RACECHECK_FILTERS"
fi
wait

: >"$OUT/test.txt"
for ((i = 0; i < TEST_RUNS; i++)); do
  cat "$JOBS/test.$i.log" >>"$OUT/test.txt"
  result "test.$i"
  line=$(passed_failed "$JOBS/test.$i.log")
  what=$(head -1 "$JOBS/test.$i.log" | grep -oE -- '--filter [^ ]+' || echo all)
  if [ "$RC" = 0 ]; then row "tile test ${what#--filter }" "$line" "$SECS"; else
    FAILED=1
    row "tile test ${what#--filter }" "FAILED rc=$RC ${line:-$(grep -m1 -i error "$JOBS/test.$i.log" | cut -c1-120)}" "$SECS"
  fi
done

if [ "${#TEST_BINS[@]}" -gt 0 ]; then
  : >"$OUT/cuda-tests.txt"
  bad=0 longest=0
  for i in "${!TEST_BINS[@]}"; do
    cat "$JOBS/unit.$i.log" >>"$OUT/cuda-tests.txt"
    result "unit.$i"
    [ "$RC" = 0 ] || bad=$((bad + 1))
    [ "$SECS" -gt "$longest" ] && longest=$SECS
  done
  line=$(grep -E '^test result:' "$OUT/cuda-tests.txt" |
    awk '{p += $4; f += $6} END {printf "%d passed, %d failed", p, f}')
  [ "$bad" = 0 ] || { FAILED=1; line="FAILED in $bad of ${#TEST_BINS[@]} binaries: $line"; }
  row "runtime tests (${#TEST_BINS[@]} bins)" "$line" "$longest"
else
  row "runtime tests" "skipped (nothing in $CUDA_TESTS)" 0
fi

# summarize_sanitizer TOOL FILTERS: one log and one row per tool.
summarize_sanitizer() {
  local tool=$1 filters=$2 log="$OUT/$1.txt" i=0 bad=0 runs=0 longest=0
  : >"$log"
  for _ in $filters; do
    cat "$JOBS/$tool.$i.log" >>"$log" 2>/dev/null
    result "$tool.$i"
    [ "$RC" = 0 ] || bad=$((bad + 1))
    [ "$SECS" -gt "$longest" ] && longest=$SECS
    runs=$((runs + 1))
    i=$((i + 1))
  done
  # memcheck: "ERROR SUMMARY: N errors"; racecheck: "RACECHECK SUMMARY: N hazards displayed (...)".
  local errors cases what
  errors=$(grep -E 'ERROR SUMMARY: [0-9]+ error|RACECHECK SUMMARY: [0-9]+ hazard' "$log" |
    grep -oE '[0-9]+ (error|hazard)' | awk '{s += $1} END {print s + 0}')
  cases=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | awk '{p += $1; f += $3} END {printf "%d passed, %d failed", p, f}')
  what="$errors errors/hazards; $cases"
  [ "$bad" = 0 ] || { FAILED=1; what="FAILED in $bad of $runs runs: $what"; }
  [ "$errors" = 0 ] || FAILED=1
  row "$tool ($runs runs)" "$what" "$longest"
}
if [ "$HAVE_SANITIZER" = 1 ]; then
  summarize_sanitizer memcheck "$MEMCHECK_FILTERS"
  summarize_sanitizer racecheck "$RACECHECK_FILTERS"
else
  row "compute-sanitizer" "skipped (not on PATH)" 0
fi

# 4. The benchmark.
if [ "$BENCH_ARGS" = skip ]; then
  : >"$OUT/bench.txt"
  row "tile bench" "skipped (BENCH_ARGS=skip)" 0
else
  # shellcheck disable=SC2086
  run_step "$BENCH_TIMEOUT" "$OUT/bench.txt" "$TILE" bench --backend cuda --out "$OUT/bench.json" $BENCH_ARGS
  results=$(grep -cE '[0-9.]+ (µs|ms|s) ' "$OUT/bench.txt" || true)
  if [ "$RC" = 0 ]; then row "tile bench" "$results timed rows (bench.json)" "$SECS"; else
    FAILED=1
    row "tile bench" "FAILED rc=$RC" "$SECS"
  fi
fi

{
  echo
  printf '%-22s %-46s %7s\n' step result time
  printf '%s\n' "${ROWS[@]}"
  # The bench's family summary is the last table of its output.
  if [ -s "$OUT/bench.txt" ]; then
    echo
    awk '/^family/ {p = 1} p' "$OUT/bench.txt"
  fi
  echo
  echo "logs: $OUT"
} >>"$SUMMARY"
cat "$SUMMARY"
exit "$FAILED"
