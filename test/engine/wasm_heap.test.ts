// The wasm heap is sized once, as a subject loads (reserveWasmHeap): encoding batches of the
// size it was planned for then allocates nothing new, the heap holds little beyond the tensors,
// and a subject loaded after another one was released fits in the space it left.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultBatchSize, disposeBackbone, encode, getEncodingModel, MODEL_ID } from '../../src/engine/index.ts';
import { enableWasmThreads } from '../../src/engine/wasm_threads_node.ts';
import { convertBergSubject } from '../../src/convert/convert.ts';
import { directorySource } from '../../src/io/source_node.ts';
import { fixturePath } from '../helpers.ts';

const out = mkdtempSync(join(tmpdir(), 'insilico-heap-'));
afterAll(() => {
  disposeBackbone();
  tf.removeBackend('wasm');
  rmSync(out, { recursive: true, force: true });
});

const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;

it('does not grow while a default batch encodes, and holds the tensors plus a batch workspace', async () => {
  await convertBergSubject({ bergDir: fixturePath('test/fixtures/berg/layout-b'), subject: 1, out });
  enableWasmThreads();
  const model = await getEncodingModel(MODEL_ID, 1, { source: directorySource(join(out, MODEL_ID, 'sub-01')), device: 'wasm', wasmThreads: 2 });
  const afterLoad = heapBytes();
  const tensors = tf.memory().numBytes;
  const batch = defaultBatchSize('wasm');
  const size = 32;
  const data = new Uint8Array(2 * batch * 3 * size * size).map((_, i) => (i * 2654435761) >>> 24);
  const y = await encode(model, { data, shape: [2 * batch, 3, size, size] });
  expect(y.shape).toEqual([2 * batch, 4, 63, 140]);
  expect(heapBytes()).toBe(afterLoad);
  // a heap grown piecemeal ends up to 96 MiB past its last request; this one is planned
  expect(afterLoad - tensors).toBeLessThan(0.12e9);
  model.dispose();

  // another subject in its place reuses the space the first one freed
  const again = await getEncodingModel(MODEL_ID, 1, { source: directorySource(join(out, MODEL_ID, 'sub-01')), device: 'wasm', wasmThreads: 2 });
  await encode(again, { data, shape: [2 * batch, 3, size, size] });
  expect(heapBytes()).toBe(afterLoad);
  again.dispose();
});
