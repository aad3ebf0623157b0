// Sensor adjacency as MNE builds it for a montage without a template
// (mne.channels.find_ch_adjacency -> _compute_ch_adjacency): a Delaunay triangulation of the 2-D
// topomap positions; two sensors are neighbours when they share a triangle; the diagonal is set.

/** Delaunay triangles of 2-D points (Bowyer-Watson), as index triples. Points must be distinct. */
export function delaunay(xy: ArrayLike<number>[]): [number, number, number][] {
  const n = xy.length;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of xy) {
    minX = Math.min(minX, p[0]);
    minY = Math.min(minY, p[1]);
    maxX = Math.max(maxX, p[0]);
    maxY = Math.max(maxY, p[1]);
  }
  // Work in a normalised frame so the in-circle determinants stay well scaled.
  const s = Math.max(maxX - minX, maxY - minY) || 1;
  const px = new Float64Array(n + 3);
  const py = new Float64Array(n + 3);
  for (let i = 0; i < n; i++) {
    px[i] = (xy[i][0] - minX) / s;
    py[i] = (xy[i][1] - minY) / s;
  }
  // A super-triangle far outside the unit square.
  px[n] = -100;
  py[n] = -100;
  px[n + 1] = 100;
  py[n + 1] = -100;
  px[n + 2] = 0.5;
  py[n + 2] = 100;
  let tris: [number, number, number][] = [[n, n + 1, n + 2]];
  const inCircle = (t: [number, number, number], x: number, y: number) => {
    const [a, b, c] = t;
    const ax = px[a] - x;
    const ay = py[a] - y;
    let bx = px[b] - x;
    let by = py[b] - y;
    let cx = px[c] - x;
    let cy = py[c] - y;
    // orient counter-clockwise
    const orient = (px[b] - px[a]) * (py[c] - py[a]) - (py[b] - py[a]) * (px[c] - px[a]);
    if (orient < 0) {
      [bx, cx] = [cx, bx];
      [by, cy] = [cy, by];
    }
    const det = (ax * ax + ay * ay) * (bx * cy - cx * by) - (bx * bx + by * by) * (ax * cy - cx * ay) + (cx * cx + cy * cy) * (ax * by - bx * ay);
    return det > 0;
  };
  for (let i = 0; i < n; i++) {
    const bad: [number, number, number][] = [];
    const keep: [number, number, number][] = [];
    for (const t of tris) (inCircle(t, px[i], py[i]) ? bad : keep).push(t);
    // Boundary of the cavity: edges of bad triangles not shared by another bad triangle.
    const count = new Map<string, [number, number]>();
    const seen = new Map<string, number>();
    for (const [a, b, c] of bad)
      for (const [u, v] of [
        [a, b],
        [b, c],
        [c, a],
      ]) {
        const key = u < v ? `${u},${v}` : `${v},${u}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        count.set(key, [u, v]);
      }
    for (const [key, e] of count) if (seen.get(key) === 1) keep.push([e[0], e[1], i]);
    tris = keep;
  }
  return tris.filter((t) => t[0] < n && t[1] < n && t[2] < n);
}

/**
 * Channel adjacency [C][C] booleans as neighbour lists (each list sorted, including the channel itself),
 * MNE's find_ch_adjacency(info, 'eeg') for positions without a built-in neighbour template.
 */
export function channelAdjacency(xy: ArrayLike<number>[]): number[][] {
  const n = xy.length;
  const sets = Array.from({ length: n }, (_, i) => new Set<number>([i]));
  for (const [a, b, c] of delaunay(xy)) {
    sets[a].add(b).add(c);
    sets[b].add(a).add(c);
    sets[c].add(a).add(b);
  }
  return sets.map((s) => [...s].sort((u, v) => u - v));
}

/** Neighbour lists of the channels `keep` (indices into the full list), re-indexed 0..keep.length - 1. */
export function subsetAdjacency(neighbors: number[][], keep: ArrayLike<number>): number[][] {
  const pos = new Map<number, number>();
  for (let i = 0; i < keep.length; i++) pos.set(keep[i], i);
  return Array.from(keep, (k) => neighbors[k].filter((j) => pos.has(j)).map((j) => pos.get(j)!));
}
