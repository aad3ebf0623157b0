// Procedurally drawn test images (deterministic in the seed): used to calibrate the demo
// subject and as stimuli in tests.
import { MT19937 } from '../../src/engine/mt19937.ts';

/** Procedural calibration images: gradients, rectangles, discs and noise in random colours. */
export function calibrationImages(n: number, size: number, seed: number): Uint8Array {
  const rng = new MT19937(seed);
  const u = () => rng.nextUint32() / 2 ** 32;
  const plane = size * size;
  const out = new Uint8Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    const img = out.subarray(i * 3 * plane, (i + 1) * 3 * plane);
    const c0 = [u(), u(), u()].map((v) => v * 255);
    const c1 = [u(), u(), u()].map((v) => v * 255);
    const angle = u() * Math.PI * 2;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const s = 0.5 + 0.5 * Math.sin(((x * Math.cos(angle) + y * Math.sin(angle)) / size) * Math.PI);
        for (let c = 0; c < 3; c++) img[c * plane + y * size + x] = c0[c] * (1 - s) + c1[c] * s;
      }
    const shapes = 1 + Math.floor(u() * 6);
    for (let k = 0; k < shapes; k++) {
      const col = [u(), u(), u()].map((v) => Math.floor(v * 256));
      const cx = u() * size, cy = u() * size, r = (0.05 + 0.3 * u()) * size;
      const disc = u() < 0.5;
      const noise = u() < 0.3 ? 60 + u() * 120 : 0;
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(size, cy + r); y++)
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(size, cx + r); x++) {
          if (disc && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
          for (let c = 0; c < 3; c++) {
            const v = col[c] + (noise ? (u() - 0.5) * noise : 0);
            img[c * plane + y * size + x] = Math.max(0, Math.min(255, v));
          }
        }
    }
  }
  return out;
}
