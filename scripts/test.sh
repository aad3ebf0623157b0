#!/usr/bin/env bash
# npm test: type check, unit + parity tests (Node: wasm and cpu backends), then browser tests
# (headless Debian chromium: wasm, WebGL and WebGPU on SwiftShader). Installs chromium when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  else
    echo "error: the browser tests need Chromium: install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi

# WebGPU in Node (Dawn, the webgpu package) loads the system's Vulkan loader; newer Debian chromium
# builds carry their own copy inside /usr/lib/chromium and no longer pull libvulkan1 in.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's libvulkan1 for WebGPU in Node..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libvulkan1
  else
    echo "error: the WebGPU-in-Node test needs the Vulkan loader: install Debian's libvulkan1 (apt-get install libvulkan1)" >&2
    exit 1
  fi
fi

# Some browser and unit tests compare with MNE-Python run live (the topomap, the Load in Python
# recipe): Debian's python3-mne under /usr/bin/python3, as tools/reference/ uses it.
if ! /usr/bin/python3 -c 'import mne, matplotlib' >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's python3-mne for the reference comparisons..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-mne python3-scipy python3-matplotlib
  else
    echo "error: some tests compare with MNE-Python: install Debian's python3-mne (apt-get install python3-mne)" >&2
    exit 1
  fi
fi

echo "== type check"
# Incremental: a run after a small change re-checks only what it touches (the state is kept in
# .cache/, gitignored; the errors of unchanged files are reported again from it).
npx tsc --noEmit --incremental --tsBuildInfoFile .cache/tsc/tsconfig.tsbuildinfo
echo "== unit and parity tests (Node)"
npx vitest run
echo "== browser tests (Chromium)"
npx playwright test
