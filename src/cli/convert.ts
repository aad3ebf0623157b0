// `insilico-eeg convert`: BERG weights + metadata -> model folders under --out.

import * as path from 'node:path';
import { convertBergSubject, findBergSubjects, type ConvertProgress, type ConvertResult } from '../convert/convert.ts';
import type { StoredDtype } from '../io/model_folder.ts';

export const CONVERT_USAGE = `usage: insilico-eeg convert --berg-dir DIR --subject N|all [--out DIR] [--dtype float32|float16] [--compact]

  --berg-dir DIR   BERG's folder (the one 'aws s3 sync' filled), or its model-alexnet_untrained folder
  --subject N|all  subject number 1-10, or all subjects found
  --out DIR        models root (default public/models); writes DIR/eeg-things_eeg_2-alexnet_untrained/sub-NN/
  --dtype T        float32 (default, exact) or float16 (half the size; the max rounding error is reported)
  --compact        also store the compact form (one PCA basis for all four repetitions; loads in about a
                   quarter of the memory with precision 'compact'); its error against the exact model
                   is measured on probe images and recorded (takes about a minute per subject)`;

interface ConvertArgs {
  bergDir: string;
  subject: number | 'all';
  out: string;
  dtype: StoredDtype;
  compact: boolean;
}

function parseArgs(argv: string[]): ConvertArgs | 'help' {
  const vals: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--compact') {
      vals.compact = 'yes';
      continue;
    }
    const m = /^--(berg-dir|subject|out|dtype)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`convert: unknown argument ${JSON.stringify(a)} (see --help)`);
    const v = m[2] ?? argv[++i];
    if (v === undefined || (m[2] === undefined && v.startsWith('--'))) throw new Error(`convert: --${m[1]} needs a value`);
    vals[m[1]] = v;
  }
  if (!vals['berg-dir']) throw new Error('convert: --berg-dir DIR is required (BERG\'s downloaded folder)');
  if (!vals.subject) throw new Error('convert: --subject N|all is required');
  let subject: number | 'all';
  if (vals.subject === 'all') subject = 'all';
  else {
    if (!/^\d+$/.test(vals.subject) || Number(vals.subject) < 1 || Number(vals.subject) > 99) {
      throw new Error(`convert: --subject ${vals.subject}: give a subject number (1-10) or all`);
    }
    subject = Number(vals.subject);
  }
  const dtype = vals.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16') throw new Error(`convert: --dtype ${dtype}: use float32 or float16`);
  return { bergDir: vals['berg-dir'], subject, out: vals.out ?? path.join('public', 'models'), dtype, compact: vals.compact === 'yes' };
}

const PHASE_LABEL: Record<ConvertProgress['phase'], string> = {
  'read-weights': 'reading weights',
  'read-metadata': 'reading metadata',
  fold: 'folding scaler into PCA',
  compact: 'fitting the compact form',
  write: 'writing shards',
};

function progressPrinter() {
  const tty = Boolean(process.stderr.isTTY);
  let lastKey = '';
  let lastPct = -1;
  return {
    update(p: ConvertProgress) {
      const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
      const key = `${p.subject}:${p.phase}`;
      // a TTY gets one rewritten line; logs get a line per 10%
      const step = tty ? 1 : 10;
      if (key === lastKey && Math.floor(pct / step) === Math.floor(lastPct / step)) return;
      lastKey = key;
      lastPct = pct;
      const mb = p.phase === 'fold' || p.phase === 'compact' ? '' : ` (${(p.done / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB)`;
      const line = `sub-${String(p.subject).padStart(2, '0')}: ${PHASE_LABEL[p.phase]} ${pct}%${mb}`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    done() {
      if (tty && lastKey) process.stderr.write('\r\x1b[K');
      lastKey = '';
    },
  };
}

export function summary(r: ConvertResult): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const layout = r.pcaLayout === 'shared' ? 'shared PCA' : 'per-repetition PCA';
  let s =
    `sub-${String(r.subject).padStart(2, '0')}: K=${r.nComponents}, ${layout}, ${r.dtype}, ${mb(r.bytesTotal)} of weights ` +
    `(${r.shardsWritten} shards written, ${r.shardsReused} reused) -> ${r.dir} in ${r.seconds.toFixed(1)} s`;
  if (r.float16Error) {
    s += `; float16 max relative error ${r.float16Error.maxRelative.toExponential(2)} ` +
      `(max abs error ${r.float16Error.maxAbsoluteOfRange.toExponential(2)} of each array's largest weight)`;
  }
  const c = r.manifest.compact;
  if (c?.error) {
    s += `\n  compact form: error ${c.error.relative.toExponential(2)} of the largest response (max abs ${c.error.max_abs.toExponential(2)}, ` +
      `${c.error.probe_images} probe images, ${c.error.backend}); repetitions outside the shared basis: ${c.residual.map((v) => v.toExponential(1)).join(', ')}`;
  }
  return s;
}

/** Measures the compact form of the folder being written (CLI only: it runs the engine). */
async function compactError(dir: string, subject: number) {
  const { enableWasmThreads } = await import('../engine/wasm_threads_node.ts');
  const { measureCompactError } = await import('../convert/compact_error.ts');
  const { directorySource } = await import('../io/source_node.ts');
  enableWasmThreads();
  process.stderr.write(`sub-${String(subject).padStart(2, '0')}: measuring the compact form on probe images\n`);
  const error = await measureCompactError(subject, { source: directorySource(dir), device: 'auto' });
  const { disposeBackbone } = await import('../engine/index.ts');
  disposeBackbone();
  return error;
}

/** Runs `convert` with its arguments (after the command name). Returns the exit code; bad input throws one-line Errors. */
export async function runConvert(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(CONVERT_USAGE + '\n');
    return 0;
  }
  const subjects = args.subject === 'all' ? await findBergSubjects(args.bergDir) : [args.subject];
  if (subjects.length === 0) throw new Error(`convert: no weights_subject-NN.npy files under ${args.bergDir}`);
  const printer = progressPrinter();
  for (const subject of subjects) {
    try {
      const r = await convertBergSubject({
        bergDir: args.bergDir,
        subject,
        out: args.out,
        dtype: args.dtype,
        compact: args.compact,
        beforeCommit: args.compact
          ? async (dir, manifest) => {
              printer.done();
              return { compact: { ...manifest.compact!, error: await compactError(dir, subject) } };
            }
          : undefined,
        onProgress: (p) => printer.update(p),
      });
      printer.done();
      process.stdout.write(summary(r) + '\n');
    } catch (e) {
      printer.done();
      if (subjects.length === 1) throw e;
      const err = e as Error;
      err.message = `subject ${subject}: ${err.message}`;
      throw err;
    }
  }
  return 0;
}
