// Iso-lines of a regular grid by marching squares, as line segments. Used for the topomap's contour
// lines (matplotlib's contour, which MNE uses, traces the same linear-interpolated crossings).

/**
 * Segments where the grid z (res x res, row = y) crosses `level`, in grid units
 * [x0, y0, x1, y1, ...] (x = column, y = row). Cells with a NaN corner are skipped.
 * Saddle cells are resolved by the cell-centre mean, as matplotlib does.
 */
export function isoSegments(z: ArrayLike<number>, res: number, level: number): Float32Array {
  const out: number[] = [];
  // (the edge points are pushed straight from the corner values: a closure or a pair per point
  // made every cell of every level allocate, on every topomap drawn)
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
      switch (code) {
        case 1:
        case 14:
          left(out, c, r, v0, v3, level);
          bottom(out, c, r, v0, v1, level);
          break;
        case 2:
        case 13:
          bottom(out, c, r, v0, v1, level);
          right(out, c, r, v1, v2, level);
          break;
        case 3:
        case 12:
          left(out, c, r, v0, v3, level);
          right(out, c, r, v1, v2, level);
          break;
        case 4:
        case 11:
          right(out, c, r, v1, v2, level);
          top(out, c, r, v3, v2, level);
          break;
        case 6:
        case 9:
          bottom(out, c, r, v0, v1, level);
          top(out, c, r, v3, v2, level);
          break;
        case 7:
        case 8:
          left(out, c, r, v0, v3, level);
          top(out, c, r, v3, v2, level);
          break;
        case 5:
        case 10: {
          // Saddle: the centre decides which corners connect.
          const centreHigh = (v0 + v1 + v2 + v3) / 4 > level;
          if ((code === 5) === centreHigh) {
            left(out, c, r, v0, v3, level);
            top(out, c, r, v3, v2, level);
            bottom(out, c, r, v0, v1, level);
            right(out, c, r, v1, v2, level);
          } else {
            left(out, c, r, v0, v3, level);
            bottom(out, c, r, v0, v1, level);
            right(out, c, r, v1, v2, level);
            top(out, c, r, v3, v2, level);
          }
          break;
        }
      }
    }
  }
  return Float32Array.from(out);
}

// The crossing point on one edge of cell (c, r), pushed as x, y (grid units), linear between its corners a and b.
function bottom(out: number[], c: number, r: number, a: number, b: number, level: number) {
  out.push(c + (level - a) / (b - a), r);
}
function right(out: number[], c: number, r: number, a: number, b: number, level: number) {
  out.push(c + 1, r + (level - a) / (b - a));
}
function top(out: number[], c: number, r: number, a: number, b: number, level: number) {
  out.push(c + (level - a) / (b - a), r + 1);
}
function left(out: number[], c: number, r: number, a: number, b: number, level: number) {
  out.push(c, r + (level - a) / (b - a));
}
