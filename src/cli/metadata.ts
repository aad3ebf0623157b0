// `insilico-eeg metadata`: a model folder's metadata as JSON on stdout (no weights are read).
import { getModelMetadata, MODEL_ID } from '../engine/index.ts';
import { readModelManifest } from '../io/model_folder.ts';
import { parseFlags, required } from './args.ts';
import { directorySource } from '../io/source_node.ts';

export async function runMetadata(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, ['model']);
  const source = directorySource(required(flags, 'model'));
  const manifest = await readModelManifest(source);
  const meta = await getModelMetadata(MODEL_ID, manifest.subject, { source });
  // Typed arrays print as plain lists.
  const json = JSON.stringify(meta, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
  process.stdout.write(json + '\n');
  return 0;
}
