// Seeded test images with the ingredients of photos (smooth illumination, coloured objects with
// edges, texture), for measuring how far an approximation moves the responses (the compact form, compact_error.ts).
// Deterministic: the same n and size always give the same bytes.

import { MT19937 } from '../engine/mt19937.ts';
import type { ImageBatch } from '../core/types.ts';

/** n uint8 RGB images [n, 3, size, size]. */
export function probeImages(n: number, size = 224, seed = 20200220): ImageBatch {
  const rng = new MT19937(seed);
  const u = () => rng.nextUint32() / 2 ** 32;
  const data = new Uint8Array(n * 3 * size * size);
  const plane = size * size;
  const rgb = new Float32Array(3 * plane);
  for (let i = 0; i < n; i++) {
    // background: a colour gradient in a random direction
    const a = [u(), u(), u()].map((v) => 40 + 160 * v);
    const b = [u(), u(), u()].map((v) => 40 + 160 * v);
    const angle = 2 * Math.PI * u();
    const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const t = 0.5 + (((x / size - 0.5) * dx + (y / size - 0.5) * dy) * Math.SQRT1_2);
        for (let c = 0; c < 3; c++) rgb[c * plane + y * size + x] = a[c] + (b[c] - a[c]) * t;
      }
    }
    // objects: filled ellipses and rectangles of random colour, shaded across their width
    const objects = 3 + Math.floor(6 * u());
    for (let o = 0; o < objects; o++) {
      const cx = size * u();
      const cy = size * u();
      const rx = size * (0.05 + 0.25 * u());
      const ry = size * (0.05 + 0.25 * u());
      const ellipse = u() < 0.5;
      const col = [u(), u(), u()].map((v) => 255 * v);
      for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(size, Math.ceil(cy + ry)); y++) {
        for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(size, Math.ceil(cx + rx)); x++) {
          const ex = (x - cx) / rx;
          const ey = (y - cy) / ry;
          if (ellipse && ex * ex + ey * ey > 1) continue;
          const shade = 0.75 + 0.25 * ex;
          for (let c = 0; c < 3; c++) rgb[c * plane + y * size + x] = col[c] * shade;
        }
      }
    }
    // texture: pixel noise plus a grating
    const freq = (2 * Math.PI * (2 + 20 * u())) / size;
    const amp = 25 * u();
    const out = data.subarray(i * 3 * plane, (i + 1) * 3 * plane);
    for (let p = 0; p < plane; p++) {
      const g = amp * Math.sin(freq * ((p % size) + Math.floor(p / size)));
      for (let c = 0; c < 3; c++) {
        const v = rgb[c * plane + p] + g + 24 * (u() - 0.5);
        out[c * plane + p] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return { data, shape: [n, 3, size, size] };
}
