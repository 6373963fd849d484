#!/usr/bin/env bash
# MLX's CUDA build (mlx + mlx-cuda-13, the bench's MLX peer) on a GPU machine that has no
# network, in two calls made while the machine stays warm: the CUDA wheel is larger than one
# call may carry, so it travels as two split parts (docs/bench.md, "MLX on CUDA").
#
#   bash scripts/mlx-setup.sh fetch     # here, with PyPI: download, split into .whl-a and .whl-b
#   bash scripts/mlx-setup.sh stage     # call 1, carrying .whl-a: parts -> /tmp/mlx-parts
#   bash scripts/mlx-setup.sh install   # call 2, carrying .whl-b: join, verify, install, check
#
# install puts MLX in /tmp/mlx-site (--no-deps: the CUDA 13 libraries it links are those of the
# image's torch, the nvidia-* packages) and writes /tmp/mlx-env.sh, which later commands source
# before starting a peer: PYTHONPATH, LD_LIBRARY_PATH and, where needed, CUDA_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."

PARTS=/tmp/mlx-parts
SITE=/tmp/mlx-site
ENV_FILE=/tmp/mlx-env.sh
SUMS="$PWD/scripts/mlx-wheels.sha256"
PY=${PYTHON:-python3}

# Every file in DIR (parts, wheels) must match its line in the committed sums before it is used.
verify() { # DIR
  local f name
  for f in "$1"/*; do
    name=$(basename "$f")
    awk -v n="$name" '$2 == n' "$SUMS" | (cd "$1" && sha256sum -c --quiet -) || {
      echo "checksum mismatch, or no sum for: $f" >&2
      exit 1
    }
  done
}

CUDA_WHEEL=mlx_cuda_13-0.32.4-py3-none-manylinux_2_35_x86_64.whl
FRONT_WHEEL=mlx-0.32.4-cp312-cp312-manylinux_2_35_x86_64.whl

fetch() {
  mkdir -p .whl-mlx .whl-a .whl-b
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_35_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    -d .whl-mlx mlx==0.32.4 mlx-cuda-13==0.32.4
  verify .whl-mlx
  rm -f .whl-a/* .whl-b/*
  # Two parts of 45 MiB and the rest: each call may carry about 60 MB with the working tree.
  split -b 45M -a 2 ".whl-mlx/$CUDA_WHEEL" "/tmp/$CUDA_WHEEL.part-"
  mv "/tmp/$CUDA_WHEEL.part-aa" .whl-a/
  mv "/tmp/$CUDA_WHEEL.part-ab" .whl-b/
  cp ".whl-mlx/$FRONT_WHEEL" .whl-a/
  verify .whl-a
  verify .whl-b
  du -sh .whl-a .whl-b
}

stage() {
  mkdir -p "$PARTS"
  cp .whl-a/* "$PARTS"/
  verify "$PARTS"
  echo "staged in $PARTS:"
  ls -l "$PARTS"
}

# The folders of torch's nvidia-* packages that hold shared libraries (nvidia/cu13/lib,
# nvidia/cudnn/lib, ...). libmlx.so looks for them next to itself ($ORIGIN/../../nvidia/...),
# which is not where --target puts it, so the loader is told through LD_LIBRARY_PATH.
nvidia_lib_dirs() {
  "$PY" - <<'EOF'
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
for root in roots:
    for d in sorted(glob.glob(os.path.join(root, "*", "lib"))):
        print(d)
EOF
}

# libmlx.so's CUDA needs, by soname (readelf -d of mlx-cuda-13 0.32.4); libcuda comes with the driver.
NEEDED="libcuda.so.1 libcublasLt.so.13 libcufft.so.12 libcusolver.so.12 libnvrtc.so.13 libcudnn.so.9 libnccl.so.2"

install() {
  local wheels=/tmp/mlx-wheels cuda=$CUDA_WHEEL front=$FRONT_WHEEL
  [ -d "$PARTS" ] || { echo "no $PARTS: run 'stage' first, in an earlier call on this machine" >&2; exit 1; }
  verify .whl-b
  rm -rf "$wheels" && mkdir -p "$wheels"
  cat "$PARTS/$cuda.part-aa" .whl-b/"$cuda.part-ab" >"$wheels/$cuda"
  cp "$PARTS/$front" "$wheels/"
  verify "$wheels"
  echo "joined and verified: $cuda, $front"
  echo "glibc: $(ldd --version | head -1) (the wheels are manylinux_2_35)"
  echo "python: $("$PY" --version) at $(command -v "$PY")"

  rm -rf "$SITE"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
    "$wheels/$front" "$wheels/$cuda"
  echo "installed in $SITE"

  local dirs
  dirs=$(nvidia_lib_dirs | paste -sd: -)
  echo "torch's nvidia library folders (for LD_LIBRARY_PATH):"
  echo "${dirs:-none found}" | tr ':' '\n' | sed 's/^/  /'
  local ld="${dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "mlx-cuda-13's Requires-Dist, installed with --no-deps: each should come with torch"
  "$PY" - <<'EOF'
from importlib import metadata
wanted = {"nvidia-cudnn-cu13": "9.*", "nvidia-nccl-cu13": "any", "nvidia-cublas": "13.*", "nvidia-cufft": "12.*",
          "nvidia-cuda-nvrtc": "13.*", "nvidia-cuda-runtime": "13.*", "nvidia-cusolver": "12.*"}
for name, spec in wanted.items():
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = "MISSING"
    print(f"  {name} {spec}: {have}")
EOF

  # A library the loader cannot find is named here rather than as an ImportError later.
  local missing=""
  for so in $NEEDED; do
    local found=""
    for d in ${ld//:/ }; do [ -e "$d/$so" ] && found="$d/$so" && break; done
    [ -n "$found" ] || found=$(ldconfig -p 2>/dev/null | awk -v s="$so" '$1 == s {print $NF; exit}')
    echo "  $so -> ${found:-NOT FOUND}"
    [ -n "$found" ] || missing="$missing $so"
  done

  # NVRTC compiles MLX's fused kernels against CUDA's headers at $CUDA_HOME/include (default
  # /usr/local/cuda); where that is absent, torch's nvidia/cu13 has them.
  local cuda_home="${CUDA_HOME:-${CUDA_PATH:-}}"
  if [ -z "$cuda_home" ] && [ ! -e /usr/local/cuda/include/cuda_fp16.h ]; then
    for d in $(nvidia_lib_dirs); do
      [ -e "$(dirname "$d")/include/cuda_fp16.h" ] && cuda_home=$(dirname "$d") && break
    done
  fi
  echo "CUDA headers for NVRTC: ${cuda_home:-/usr/local/cuda}/include"

  {
    echo "export PYTHONPATH=$SITE\${PYTHONPATH:+:\$PYTHONPATH}"
    [ -z "$dirs" ] || echo "export LD_LIBRARY_PATH=$dirs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
    [ -z "$cuda_home" ] || echo "export CUDA_HOME=$cuda_home"
  } >"$ENV_FILE"
  echo "wrote $ENV_FILE (source it before starting the peer):"
  cat "$ENV_FILE"
  [ -z "$missing" ] || echo "WARNING: not found:$missing" >&2

  # shellcheck disable=SC1090
  . "$ENV_FILE"
  "$PY" -c 'import mlx.core as mx; print(mx.default_device(), mx.__version__)'
  "$PY" -c 'import mlx.core as mx; print(mx.device_info().get("device_name"), "exp(1) =", mx.exp(mx.ones(4)).tolist()[0])'
}

case "${1:-}" in
  fetch) fetch ;;
  stage) stage ;;
  install) install ;;
  *)
    echo "usage: $0 fetch|stage|install" >&2
    exit 2
    ;;
esac
