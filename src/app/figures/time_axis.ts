// Sample indices and the words for times on the page's time axis (ms).
import { maskSpans } from '../../viz/plots.ts';

/** Index of the sample nearest to a time in ms. */
export function nearestIndex(ms: number, tms: number[]): number {
  let best = 0;
  for (let i = 1; i < tms.length; i++) if (Math.abs(tms[i] - ms) < Math.abs(tms[best] - ms)) best = i;
  return best;
}

/** "0–100 ms" for one run, "0–100, 200–300 ms (2 runs)" for more: a split mask is never titled as one window. */
export function windowText(mask: ArrayLike<number>, tms: number[]): string {
  const spans = maskSpans(mask);
  if (!spans.length) return 'no samples';
  const parts = spans.map(([a, b]) => (a === b ? `${tms[a]}` : `${tms[a]}…${tms[b]}`));
  return spans.length === 1 ? `${parts[0]} ms` : `${parts.join(', ')} ms (${spans.length} runs)`;
}
