// numpy's legacy RandomState (np.random.RandomState(seed)), the generator MNE-Python and
// scikit-learn draw from when given an integer seed: same seed, same draws. Reproducing it makes
// permutation p-values and shuffled folds identical to MNE's and scikit-learn's, not just close.
import { MT19937 } from '../engine/mt19937.ts';

export class RandomState {
  private readonly mt: MT19937;

  /** np.random.RandomState(seed): MT19937 init_genrand(seed), seed in 0..2**32 - 1. */
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    this.mt = new MT19937(seed);
  }

  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** random_sample(): 53-bit double from two 32-bit words (a >> 5, b >> 6). */
  nextDouble(): number {
    const a = this.mt.nextUint32() >>> 5;
    const b = this.mt.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** numpy's random_interval(max): a uniform integer in 0..max by masked rejection (max < 2**32). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new RangeError('interval: max must be below 2**32');
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.mt.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** RandomState.shuffle on a 1-D array, in place (Fisher-Yates from the end, as numpy does). */
  shuffle<T extends { length: number; [i: number]: number }>(x: T): T {
    for (let i = x.length - 1; i >= 1; i--) {
      const j = this.interval(i);
      const tmp = x[i];
      x[i] = x[j];
      x[j] = tmp;
    }
    return x;
  }

  /** RandomState.permutation(n): a shuffled arange(n). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    return this.shuffle(a);
  }

  /** RandomState.choice(n, size, replace=False): the legacy algorithm takes permutation(n)[:size]. */
  choiceWithoutReplacement(n: number, size: number): Int32Array {
    if (size > n) throw new RangeError("Cannot take a larger sample than population when 'replace=False'");
    return this.permutation(n).slice(0, size);
  }

  /** RandomState.uniform(size=n) on [0, 1). */
  uniform(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextDouble();
    return out;
  }
}
