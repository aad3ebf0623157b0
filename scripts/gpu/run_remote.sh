#!/usr/bin/env bash
# Runs the bundled WebGPU benchmark on a Linux x86-64 GPU machine without Node or network.
# Needs, beside this script (run from the repo root): .gpu/ from scripts/gpu/build.sh and .gl/
# (the Vulkan loader + libglvnd .debs). Extra arguments go to the benchmark, e.g.
#   bash scripts/gpu/run_remote.sh --k 250 --batches 1,8,32,64,128 --n 256 --timeout-s 420
# The log goes to $OUT/bench_webgpu.log when OUT is set. The exit status is the benchmark's.
# Environment (for trying it elsewhere):
#   BENCH_SKIP_SYSTEM=1   don't unpack .gl/*.deb into / (nor run ldconfig)
#   BENCH_ICD=FILE        Vulkan ICD json (default: NVIDIA's, searched in the usual places)
#   BENCH_RT=DIR          where node, dawn.node and the data are unpacked (default /tmp/bench_webgpu_rt)
#   BENCH_NODE_FLAGS=...  flags for node itself, e.g. "--cpu-prof --cpu-prof-dir=DIR"
set -uo pipefail
GPU_DIR=${BENCH_GPU_DIR:-.gpu}
GL_DIR=${BENCH_GL_DIR:-.gl}
RT=${BENCH_RT:-/tmp/bench_webgpu_rt}
LOG=${OUT:+$OUT/bench_webgpu.log}
LOG=${LOG:-/dev/null}

say() { echo "run_remote: $*" | tee -a "$LOG" >&2; }
unxz_to() { # unxz_to ARCHIVE DIR: tar.xz without relying on the xz binary being there
  mkdir -p "$2"
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" | tar -C "$2" -xf -
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1" | tar -C "$2" -xf -
  fi
}

for f in "$GPU_DIR/bench.mjs" "$GPU_DIR/payload.tar.xz" "$GPU_DIR/node.tar.xz"; do
  [ -s "$f" ] || { say "missing $f (build it with: bash scripts/gpu/build.sh; carry .gpu and .gl)"; exit 1; }
done

if [ -z "${BENCH_SKIP_SYSTEM:-}" ]; then
  if ls "$GL_DIR"/*.deb >/dev/null 2>&1; then
    for f in "$GL_DIR"/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    say "no $GL_DIR/*.deb: relying on the system's Vulkan loader and libglvnd"
  fi
fi

t0=$(date +%s)
rm -rf "$RT" && mkdir -p "$RT"
unxz_to "$GPU_DIR/node.tar.xz" "$RT" || { say "could not unpack node"; exit 1; }
unxz_to "$GPU_DIR/payload.tar.xz" "$RT" || { say "could not unpack the payload"; exit 1; }
cp "$GPU_DIR/bench.mjs" "$RT/bench.mjs"
NODE="$RT/usr/bin/node"
say "unpacked into $RT in $(( $(date +%s) - t0 )) s; node $("$NODE" --version)"

ICD=${BENCH_ICD:-}
if [ -z "$ICD" ]; then
  for c in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/*.json \
    /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json; do
    [ -f "$c" ] && { ICD=$c; break; }
  done
fi
if [ -n "$ICD" ]; then
  export VK_ICD_FILENAMES="$ICD" VK_DRIVER_FILES="$ICD"
else
  say "no NVIDIA Vulkan ICD json found; leaving VK_ICD_FILENAMES unset"
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] &&
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

{
  echo "== $(date -u +%FT%TZ) $(uname -srm)"
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
  [ -n "$ICD" ] && { cat "$ICD"; echo; }
  ldconfig -p 2>/dev/null | grep -E 'libvulkan\.so|libGLX_nvidia|libGLdispatch' || true
} 2>&1 | tee -a "$LOG"

"$NODE" ${BENCH_NODE_FLAGS:-} "$RT/bench.mjs" --data "$RT/data" --check "$@" 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
say "benchmark exit status $rc"
exit "$rc"
