// Test images drawn from code (deterministic, no colour profile), so the browser's PNG decode
// and pngjs give identical pixels and the Node engine can compute the reference responses.
import { PNG } from 'pngjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  name: string;
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
  path: string;
}

type Rgb = [number, number, number];

class Canvas {
  rgba: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
    seed: number,
  ) {
    this.rgba = new Uint8Array(w * h * 4).fill(255);
    this.seed = seed >>> 0;
  }
  private seed: number;
  rand(): number {
    this.seed = (this.seed * 1664525 + 1013904223) >>> 0;
    return this.seed / 2 ** 32;
  }
  put(x: number, y: number, c: Rgb) {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (y * this.w + x) * 4;
    this.rgba[i] = c[0];
    this.rgba[i + 1] = c[1];
    this.rgba[i + 2] = c[2];
    this.rgba[i + 3] = 255;
  }
  gradient(top: Rgb, bottom: Rgb) {
    for (let y = 0; y < this.h; y++) {
      const f = y / (this.h - 1);
      for (let x = 0; x < this.w; x++) this.put(x, y, top.map((t, k) => Math.round(t + (bottom[k] - t) * f)) as Rgb);
    }
  }
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb) {
    for (let y = Math.floor(cy - ry); y <= cy + ry; y++)
      for (let x = Math.floor(cx - rx); x <= cx + rx; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) this.put(x, y, c);
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb) {
    for (let y = Math.round(y0); y < y1; y++) for (let x = Math.round(x0); x < x1; x++) this.put(x, y, c);
  }
  triangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, c: Rgb) {
    const area = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) => (qx - px) * (ry - py) - (qy - py) * (rx - px);
    for (let y = Math.floor(Math.min(ay, by, cy)); y <= Math.max(ay, by, cy); y++)
      for (let x = Math.floor(Math.min(ax, bx, cx)); x <= Math.max(ax, bx, cx); x++) {
        const d1 = area(ax, ay, bx, by, x, y);
        const d2 = area(bx, by, cx, cy, x, y);
        const d3 = area(cx, cy, ax, ay, x, y);
        if ((d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0)) this.put(x, y, c);
      }
  }
  noise(amount: number) {
    for (let i = 0; i < this.rgba.length; i += 4)
      for (let k = 0; k < 3; k++) this.rgba[i + k] = Math.max(0, Math.min(255, Math.round(this.rgba[i + k] + (this.rand() - 0.5) * amount)));
  }
}

function face(w: number, h: number, seed: number, skin: Rgb, bg: [Rgb, Rgb]): Canvas {
  const c = new Canvas(w, h, seed);
  c.gradient(...bg);
  const s = Math.min(w, h);
  const cx = w / 2 + (c.rand() - 0.5) * s * 0.1;
  const cy = h / 2;
  c.ellipse(cx, cy + s * 0.02, s * 0.3, s * 0.38, [70, 45, 30]); // hair
  c.ellipse(cx, cy + s * 0.06, s * 0.27, s * 0.34, skin);
  c.ellipse(cx - s * 0.1, cy - s * 0.02, s * 0.045, s * 0.03, [255, 255, 255]);
  c.ellipse(cx + s * 0.1, cy - s * 0.02, s * 0.045, s * 0.03, [255, 255, 255]);
  c.ellipse(cx - s * 0.1, cy - s * 0.02, s * 0.02, s * 0.025, [40, 60, 90]);
  c.ellipse(cx + s * 0.1, cy - s * 0.02, s * 0.02, s * 0.025, [40, 60, 90]);
  c.triangle(cx, cy, cx - s * 0.03, cy + s * 0.1, cx + s * 0.03, cy + s * 0.1, skin.map((v) => v - 30) as Rgb);
  c.ellipse(cx, cy + s * 0.2, s * 0.09, s * 0.03, [170, 60, 60]);
  c.noise(10);
  return c;
}

function house(w: number, h: number, seed: number, wall: Rgb, roof: Rgb): Canvas {
  const c = new Canvas(w, h, seed);
  c.gradient([120, 170, 230], [200, 225, 250]);
  c.rect(0, h * 0.78, w, h, [80, 140, 60]);
  const bw = w * 0.56;
  const x0 = (w - bw) / 2;
  const y0 = h * 0.45;
  c.rect(x0, y0, x0 + bw, h * 0.8, wall);
  c.triangle(x0 - w * 0.06, y0, x0 + bw + w * 0.06, y0, w / 2, h * 0.2, roof);
  c.rect(w / 2 - bw * 0.1, h * 0.62, w / 2 + bw * 0.1, h * 0.8, [90, 60, 40]);
  for (const fx of [0.18, 0.68]) c.rect(x0 + bw * fx, y0 + h * 0.06, x0 + bw * (fx + 0.16), y0 + h * 0.15, [220, 235, 250]);
  c.noise(10);
  return c;
}

/** Writes the PNGs (and one file that is not an image) into dir. */
export function writeFixtures(dir: string): { images: Fixture[]; broken: string } {
  mkdirSync(dir, { recursive: true });
  const canvases: [string, Canvas][] = [
    ['face_anna.png', face(256, 256, 1, [235, 190, 160], [[60, 80, 110], [30, 40, 60]])],
    ['house_red.png', house(320, 240, 2, [190, 70, 60], [90, 40, 40])], // landscape: centre-cropped
    ['face_ben.png', face(200, 300, 3, [200, 150, 110], [[200, 200, 190], [140, 140, 130]])], // portrait
    ['house_blue.png', house(224, 224, 4, [80, 120, 190], [60, 60, 70])],
  ];
  const images = canvases.map(([name, c]) => {
    const png = new PNG({ width: c.w, height: c.h });
    png.data = Buffer.from(c.rgba);
    const path = join(dir, name);
    writeFileSync(path, PNG.sync.write(png, { colorType: 6 }));
    return { name, width: c.w, height: c.h, rgba: c.rgba, path };
  });
  const broken = join(dir, 'notes_not_an_image.png');
  writeFileSync(broken, 'These are lab notes, not an image.\n');
  return { images, broken };
}

/** A small image for the slow software-GPU backends. */
export function writeSmall(dir: string): Fixture {
  mkdirSync(dir, { recursive: true });
  const c = face(64, 48, 9, [230, 185, 150], [[50, 90, 120], [20, 30, 50]]);
  const png = new PNG({ width: c.w, height: c.h });
  png.data = Buffer.from(c.rgba);
  const path = join(dir, 'small_face.png');
  writeFileSync(path, PNG.sync.write(png, { colorType: 6 }));
  return { name: 'small_face.png', width: c.w, height: c.h, rgba: c.rgba, path };
}
