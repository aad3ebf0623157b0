// insilico-eeg: BERG's eeg-things_eeg_2-alexnet_untrained in Node (ONNX Runtime on CPU by default, WebGPU through Dawn for a GPU, TF.js wasm as the fallback).
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from './args.ts';
import { VERSION } from './version.ts';

const USAGE = `insilico-eeg ${VERSION}: in-silico EEG from BERG's eeg-things_eeg_2-alexnet_untrained

usage:
  insilico-eeg convert  --berg-dir DIR --subject N|all [--out public/models] [--dtype float32|float16]
                        [--compact]
  insilico-eeg encode   --model MODEL_DIR --images IN --out OUT.npy [--channels Oz,Cz,...]
                        [--timepoints MASK] [--device auto|cpu|cuda|webgpu|onnx|wasm|tfjs-cpu] [--batch-size N] [--shard i/n]
                        [--threads N] [--precision exact|compact] [--exif-orientation ignore|apply]
                        [--max-pixels N] [--quiet]
  insilico-eeg merge    --out OUT.npy SHARD_0.npy SHARD_1.npy ...
  insilico-eeg metadata --model MODEL_DIR

IN is a uint8 .npy [B,3,H,W] or a folder of PNG/JPEG files (non-square ones are center-cropped).
MASK is a 140-character 0/1 string. --precision compact: a folder converted with --compact, in about a quarter
of the memory (its measured error is printed and written to the sidecar). --threads: CPU threads (default: every logical core).
--device: auto = a hardware GPU, else the CPU; cpu = ONNX Runtime (wasm where it does not load); cuda or gpu = WebGPU
through Dawn; or one runtime by name. --quiet: no progress lines (progress: images/s and time left on stderr).
--batch-size: images per engine call (default 32 on onnx, 16 on wasm, where a K=250 subject then fits in 1.2 GB).
--exif-orientation: ignore the EXIF orientation tag as PIL's Image.open does (default), or apply it.
--max-pixels: refuse image files larger than N pixels.
OUT is float32, C order, shape [B, 4, C, T], with its sidecar OUT.npy.json (docs/sidecar.md). OUT.lock keeps a
second run off the same OUT; a killed run resumes when rerun, re-encoding any batch whose pixels changed.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Quiet TF.js's console hints; errors still surface as exceptions.
  tf.env().set('PROD', true);
  switch (command) {
    case 'convert':
      return (await import('./convert.ts')).runConvert(rest);
    case 'encode':
      return (await import('./encode.ts')).runEncode(rest);
    case 'merge':
      return (await import('./merge.ts')).runMerge(rest);
    case 'metadata':
      return (await import('./metadata.ts')).runMetadata(rest);
    case '--version':
      process.stdout.write(VERSION + '\n');
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`unknown command '${command}' (try: insilico-eeg --help)`);
  }
}

// Exit only once stdout is flushed: a pipe reader would otherwise get truncated JSON.
const flushed = () => new Promise<void>((resolve) => process.stdout.write('', () => resolve()));

main(process.argv.slice(2)).then(
  async (code) => {
    await flushed();
    process.exit(code);
  },
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${msg.split('\n')[0]}\n`);
    if (process.env.INSILICO_EEG_DEBUG && e instanceof Error) process.stderr.write(e.stack + '\n');
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
