// A model folder's stored weights -> the encoder's arrays under the engine's names
// ('pca/components' or 'pca/rep-r/components', 'pca/.../offset', 'reg/rep-r/coef',
// 'reg/rep-r/intercept'), for every runtime. The folder may hold one shared PCA, four
// per-repetition PCAs (byte-identical ones are read once and projected once), or a compact form
// (convert --compact: one basis whose maps are folded into `compact/rep-r/*`).
import type { ModelSource } from '../core/source.ts';
import { N_REPETITIONS, type CompactInfo, type ModelManifest } from '../core/types.ts';
import { float32ToFloat16 } from '../io/dtype.ts';
import { readModelFolder, weightNames } from '../io/model_folder.ts';
import type { EncoderArrays } from './encoder.ts';

export interface EncoderLayout {
  nComponents: number;
  /** One projection feeds all four repetitions (shared layout, four identical PCAs, or compact). */
  sharedPca: boolean;
  /** the engine's weight names, in reading order: the PCA(s) first, then the regressions */
  names: string[];
  /** sha256 of each weight shard, from the manifest */
  weightsSha256: Record<string, string>;
}

/** True when a model folder stores the same PCA (components and offset) for all four repetitions. */
function samePcaForAllRepetitions(manifest: ModelManifest): boolean {
  const groups = (manifest.weightsManifest ?? []) as Array<{ paths: string[]; weights: Array<{ name: string }> }>;
  const pathsOf = (name: string) => JSON.stringify(groups.find((g) => g.weights.some((w) => w.name === name))?.paths ?? null);
  return ['components', 'offset'].every((part) => {
    const first = pathsOf(`pca/rep-1/${part}`);
    return first !== 'null' && [2, 3, 4].every((r) => pathsOf(`pca/rep-${r}/${part}`) === first);
  });
}

/** Reads the encoder's weights of a converted folder, all at once or a few names at a time. */
export class EncoderWeights {
  readonly layout: EncoderLayout;
  private readonly identicalPcas: boolean;

  constructor(
    private readonly source: ModelSource,
    manifest: ModelManifest,
    private readonly compact: CompactInfo | undefined,
  ) {
    const enc = manifest.encoder as { n_components: number; pca_layout: 'shared' | 'per-repetition' };
    // Per-repetition files whose four PCAs are byte-identical (same content-addressed shards):
    // project once and feed all four regressions, a quarter of the memory and the work.
    this.identicalPcas = !compact && enc.pca_layout !== 'shared' && samePcaForAllRepetitions(manifest);
    const sharedPca = Boolean(compact) || enc.pca_layout === 'shared' || this.identicalPcas;
    const shards = (manifest.shards ?? {}) as Record<string, { sha256: string }>;
    this.layout = {
      nComponents: enc.n_components,
      sharedPca,
      names: weightNames(sharedPca ? 'shared' : 'per-repetition'),
      weightsSha256: Object.fromEntries(Object.entries(shards).map(([k, v]) => [k, v.sha256])),
    };
  }

  /** The folder's name for one of the engine's. */
  private stored(name: string): string {
    const c = this.compact;
    if (c) return name === 'pca/components' ? c.components : name === 'pca/offset' ? c.offset : name.replace(/^reg\//, 'compact/');
    return this.identicalPcas ? name.replace(/^pca\/(components|offset)$/, 'pca/rep-1/$1') : name;
  }

  /**
   * The named weights (default: all of layout.names). Float16-stored components stay float16
   * bits: the encoder decodes them on the way into place, or keeps them so where WebGPU's
   * split-K kernel reads them; the compact basis is rounded to float16 on every runtime, so all
   * give the same numbers.
   */
  async read(names: string[] = this.layout.names, onProgress?: (done: number, total: number) => void): Promise<EncoderArrays> {
    const folder = await readModelFolder(this.source, {
      names: names.map((n) => this.stored(n)),
      keepFloat16: (name) => name.endsWith('/components'),
      onProgress,
    });
    const all = new Map<string, Float32Array | Uint16Array>([...folder.arrays, ...folder.float16]);
    const out: EncoderArrays = new Map();
    for (const n of names) {
      let a = all.get(this.stored(n));
      if (a && this.compact && n === 'pca/components' && a instanceof Float32Array) a = float32ToFloat16(a);
      if (a) out.set(n, a);
    }
    return out;
  }

  /** How many read() calls of one PCA or one repetition's regression a piecewise load makes. */
  get pieces(): number {
    return (this.layout.sharedPca ? 1 : N_REPETITIONS) + N_REPETITIONS;
  }
}
