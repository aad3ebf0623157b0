#!/usr/bin/env bash
# npm test: type check, unit + parity tests (Node: wasm and cpu backends), then browser tests
# (headless Debian chromium: wasm, WebGL and WebGPU on SwiftShader). Installs chromium when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian packages a test run needs, as root where apt-get is there; else says what to
# install and stops. $1: what they are for; $2: the message without them; the rest: the packages.
install_or_fail() {
  local why=$1 missing=$2
  shift 2
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's $* for $why..."
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  else
    echo "error: $missing" >&2
    exit 1
  fi
}

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  install_or_fail "the browser tests" "the browser tests need Chromium: install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH" chromium
fi

# WebGPU in Node (Dawn, the webgpu package) loads the system's Vulkan loader; newer Debian chromium
# builds carry their own copy inside /usr/lib/chromium and no longer pull libvulkan1 in.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  install_or_fail "WebGPU in Node" "the WebGPU-in-Node test needs the Vulkan loader: install Debian's libvulkan1 (apt-get install libvulkan1)" libvulkan1
fi

# Some browser and unit tests compare with MNE-Python run live (the topomap, the Load in Python
# recipe): Debian's python3-mne under /usr/bin/python3, as tools/reference/ uses it.
if ! /usr/bin/python3 -c 'import mne, matplotlib' >/dev/null 2>&1; then
  install_or_fail "the reference comparisons" "some tests compare with MNE-Python: install Debian's python3-mne (apt-get install python3-mne)" python3-mne python3-scipy python3-matplotlib
fi

echo "== type check"
# Incremental: a run after a small change re-checks only what it touches (the state is kept in
# .cache/, gitignored; the errors of unchanged files are reported again from it).
npx tsc --noEmit --incremental --tsBuildInfoFile .cache/tsc/tsconfig.tsbuildinfo
echo "== unit and parity tests (Node)"
npx vitest run
echo "== browser tests (Chromium)"
npx playwright test
