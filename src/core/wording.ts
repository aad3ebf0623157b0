// How the product words what it shows in several places (CLI, page, exports), so that they say
// the same thing.
import type { CompactInfo } from './types.ts';

/** A byte count in SI units (kB, MB, GB), as the page and the CLI print sizes. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} bytes`;
}

/** One line on what the compact precision is and costs (CLI, app, exports). */
export function describeCompact(c: CompactInfo): string {
  const e = c.error;
  const measured = e
    ? `responses within ${e.relative.toExponential(2)} of the largest exact response (max abs ${e.max_abs.toExponential(2)}, ${e.probe_images} probe images)`
    : 'its error was not measured';
  return `compact precision: one PCA basis (${c.components}) shared by the four repetitions, float16 basis and fc6-fc8; ${measured}`;
}
