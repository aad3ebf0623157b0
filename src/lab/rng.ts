// Seeded draws for the stochastic manipulations, reproducible in Python with
// numpy.random.RandomState(seed): random_sample for uniforms, the legacy polar
// Box-Muller (RandomState.standard_normal) for normals.
import { RandomState } from '../analysis/random_state.ts';

export class LabRandom {
  private readonly rs: RandomState;
  private spare: number | null = null;

  constructor(seed: number) {
    this.rs = new RandomState(seed >>> 0);
  }

  /** RandomState.random_sample(): uniform on [0, 1), 53 bits. */
  uniform(): number {
    return this.rs.nextDouble();
  }

  /** RandomState.standard_normal(): numpy's legacy_gauss, which caches the second value of each pair. */
  normal(): number {
    if (this.spare !== null) {
      const g = this.spare;
      this.spare = null;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.rs.nextDouble() - 1;
      x2 = 2 * this.rs.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.spare = f * x1;
    return f * x2;
  }

  /** n draws of normal() into one array (the same values, without a call per value). */
  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    let i = 0;
    if (this.spare !== null && n > 0) {
      out[i++] = this.spare;
      this.spare = null;
    }
    const rs = this.rs;
    while (i < n) {
      let x1: number;
      let x2: number;
      let r2: number;
      do {
        x1 = 2 * rs.nextDouble() - 1;
        x2 = 2 * rs.nextDouble() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i++] = f * x2;
      if (i < n) out[i++] = f * x1;
      else this.spare = f * x1;
    }
    return out;
  }
}
