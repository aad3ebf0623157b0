// MT19937, the generator behind PyTorch's CPU default generator (torch.manual_seed).
// Seeded with init_genrand (the 32-bit seed), tempered 32-bit outputs.

const N = 624;
const M = 397;

export class MT19937 {
  // Int32Array, not Uint32Array: words above 2^31 would leave the JIT's int32 fast path.
  private readonly mt = new Int32Array(N);
  private index = N;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** Refill the state with the next 624 untempered words (three loops: no modulo in the hot path). */
  private twist(): void {
    const mt = this.mt;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7fffffff);
      mt[i] = mt[i + M] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    for (; i < N - 1; i++) {
      const y = (mt[i] & 0x80000000) | (mt[i + 1] & 0x7fffffff);
      mt[i] = mt[i + M - N] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    this.index = 0;
  }

  /** Next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * Fill `out` the way torch's `Tensor.uniform_(from, to)` does for float32 on CPU:
   * one 32-bit draw per value, its low 24 bits scaled to [0, 1), then x * (to - from) + from,
   * rounded once to float32 (a fused multiply-add).
   */
  fillUniformFloat32(out: Float32Array, from: number, to: number): void {
    const f = Math.fround;
    const lo = f(from);
    const range = f(f(to) - lo);
    const mt = this.mt;
    const n = out.length;
    let idx = this.index;
    let k = 0;
    while (k < n) {
      if (idx >= N) {
        this.twist();
        idx = 0;
      }
      // Run to the end of the state block (or of out) without a per-value refill check.
      const end = Math.min(n, k + (N - idx));
      for (; k < end; k++) {
        let y = mt[idx++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        // (y & 0xFFFFFF) * 2^-24 is exact. PyTorch's build contracts x * range + from into one
        // fused multiply-add: the 48-bit product is exact in a double, so one rounding of the
        // double sum to float32 (the store into a Float32Array) reproduces it (checked bit for
        // bit on all 61.1 M weights).
        out[k] = (y & 0xffffff) * 5.9604644775390625e-8 * range + lo;
      }
    }
    this.index = idx;
  }
}
