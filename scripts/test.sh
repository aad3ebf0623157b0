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

echo "== type check"
npx tsc --noEmit
echo "== unit and parity tests (Node)"
npx vitest run
echo "== browser tests (Chromium)"
npx playwright test
