// Iso-lines of a regular grid by marching squares, as line segments. Used for the topomap's contour
// lines (matplotlib's contour, which MNE uses, traces the same linear-interpolated crossings).

/**
 * Segments where the grid z (res x res, row = y) crosses `level`, in grid units
 * [x0, y0, x1, y1, ...] (x = column, y = row). Cells with a NaN corner are skipped.
 * Saddle cells are resolved by the cell-centre mean, as matplotlib does.
 */
export function isoSegments(z: ArrayLike<number>, res: number, level: number): Float32Array {
  const out: number[] = [];
  // Crossing point on the edge between corners a (at pa) and b (at pb) along one axis.
  const t = (a: number, b: number) => (level - a) / (b - a);
  for (let r = 0; r < res - 1; r++) {
    for (let c = 0; c < res - 1; c++) {
      const v0 = z[r * res + c]; // (c, r)
      const v1 = z[r * res + c + 1]; // (c+1, r)
      const v2 = z[(r + 1) * res + c + 1]; // (c+1, r+1)
      const v3 = z[(r + 1) * res + c]; // (c, r+1)
      if (!(Number.isFinite(v0) && Number.isFinite(v1) && Number.isFinite(v2) && Number.isFinite(v3))) continue;
      const code = (v0 > level ? 1 : 0) | (v1 > level ? 2 : 0) | (v2 > level ? 4 : 0) | (v3 > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // Edge points: bottom (v0-v1), right (v1-v2), top (v3-v2), left (v0-v3).
      const bottom = () => [c + t(v0, v1), r];
      const right = () => [c + 1, r + t(v1, v2)];
      const top = () => [c + t(v3, v2), r + 1];
      const left = () => [c, r + t(v0, v3)];
      const seg = (a: number[], b: number[]) => out.push(a[0], a[1], b[0], b[1]);
      switch (code) {
        case 1:
        case 14:
          seg(left(), bottom());
          break;
        case 2:
        case 13:
          seg(bottom(), right());
          break;
        case 3:
        case 12:
          seg(left(), right());
          break;
        case 4:
        case 11:
          seg(right(), top());
          break;
        case 6:
        case 9:
          seg(bottom(), top());
          break;
        case 7:
        case 8:
          seg(left(), top());
          break;
        case 5:
        case 10: {
          // Saddle: the centre decides which corners connect.
          const centreHigh = (v0 + v1 + v2 + v3) / 4 > level;
          if ((code === 5) === centreHigh) {
            seg(left(), top());
            seg(bottom(), right());
          } else {
            seg(left(), bottom());
            seg(right(), top());
          }
          break;
        }
      }
    }
  }
  return Float32Array.from(out);
}
