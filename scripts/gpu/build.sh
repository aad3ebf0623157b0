#!/usr/bin/env bash
# Packs the WebGPU benchmark for a Linux x86-64 machine that has a GPU but no Node, npm or network:
#   .gpu/bench.mjs         scripts/bench_webgpu.ts and everything it imports, one ESM file
#   .gpu/payload.tar.xz    node_modules/webgpu (index.js + linux-x64 dawn.node) and data/ (the --check fixture)
#   .gpu/node.tar.xz       this machine's /usr/bin/node (usr/bin/node inside)
#   .gpu/run.sh            a copy of scripts/gpu/run_remote.sh
# .gl/ (Vulkan loader + libglvnd .debs) is fetched with --gl.
# Usage (repo root): bash scripts/gpu/build.sh [--gl]
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=.gpu
STAGE=$(mktemp -d /tmp/bench-webgpu-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$OUT"
for p in /.gpu/ /.gl/; do grep -qxF "$p" .git/info/exclude || echo "$p" >>.git/info/exclude; done

echo "== bundle scripts/bench_webgpu.ts -> $OUT/bench.mjs"
# webgpu stays outside (it loads its native dawn.node from its own folder); the wasm and webgl
# backends are only imported when asked for, which this benchmark never does.
node_modules/.bin/esbuild scripts/bench_webgpu.ts \
  --bundle --platform=node --format=esm --target=node20 --main-fields=module,main \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-backend-webgl \
  --banner:js="import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" \
  --legal-comments=none --log-level=warning \
  --outfile="$OUT/bench.mjs"

echo "== payload: webgpu (linux-x64) + check data"
W=node_modules/webgpu
mkdir -p "$STAGE/node_modules/webgpu/dist/linux-x64"
cp "$W/package.json" "$W/index.js" "$W/LICENSE.md" "$STAGE/node_modules/webgpu/"
cp "$W/dist/linux-x64/dawn.node" "$STAGE/node_modules/webgpu/dist/linux-x64/"
BERG=test/fixtures/berg/layout-b/encoding_models/modality-eeg/train_dataset-things_eeg_2/model-alexnet_untrained
for f in \
  "$BERG/encoding_models_weights/weights_subject-01.npy" \
  "$BERG/metadata/metadata_subject-01.npy" \
  test/golden/taps/input.npy \
  test/golden/taps/taps.npy \
  test/golden/responses/layout-b_sub-01_all.npy; do
  mkdir -p "$STAGE/data/$(dirname "$f")"
  # large fixtures are kept gzipped in the tree (test/helpers.ts fixturePath)
  if [ -f "$f" ]; then cp "$f" "$STAGE/data/$f"; else gunzip -c "$f.gz" >"$STAGE/data/$f"; fi
done
tar -C "$STAGE" -cf - node_modules data | xz -9e -T0 >"$OUT/payload.tar.xz"

NODE_VER=$(node --version)
if [ ! -s "$OUT/node.tar.xz" ] || [ "$(cat "$OUT/node.version" 2>/dev/null)" != "$NODE_VER" ]; then
  echo "== node $NODE_VER -> $OUT/node.tar.xz (takes a minute)"
  tar -C / -cf - usr/bin/node | xz -9 -T0 >"$OUT/node.tar.xz"
  echo "$NODE_VER" >"$OUT/node.version"
fi
cp scripts/gpu/run_remote.sh "$OUT/run.sh"

if [ "${1:-}" = "--gl" ]; then
  echo "== Vulkan loader + libglvnd .debs -> .gl/"
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

ls -la "$OUT"
du -shc "$OUT" .gl 2>/dev/null
