#!/usr/bin/env bash
# The project's test command: every crate's tests, including the MSL and CUDA syntax checks
# (which need a C++ compiler) and the standalone user crate under examples/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1; then
  echo "installing a C++ compiler for the MSL/CUDA syntax checks"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq g++ >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq g++ >/dev/null; fi
fi

# Release mode: the interpreter runs the whole std suite; debug builds are several times slower.
cargo test --workspace --release
(cd examples/user-kernel && cargo run --release --quiet)
