// Student t and Fisher F quantiles (scipy.stats.t.ppf, scipy.stats.f.ppf), the cluster-forming
// thresholds MNE derives from p = 0.05, and the t multiplier of confidence intervals.
// Both come from the regularized incomplete beta function I_x(a, b), inverted by bisection
// (monotone, so bisection reaches double precision without a starting guess).

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for I_x(a, b) (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b) (scipy.special.betainc). */
export function betainc(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Bisection of an increasing function f on [lo, hi] for f(x) = target, to double precision. */
function invertIncreasing(f: (x: number) => number, target: number, lo: number, hi: number): number {
  for (let i = 0; i < 2000; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** P(T <= t) for Student's t with df degrees of freedom (scipy.stats.t.cdf). */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * betainc(df / 2, 0.5, x);
  return t > 0 ? 1 - tail : tail;
}

/** Student t quantile (scipy.stats.t.ppf(p, df)). */
export function tPpf(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (p === 0.5) return 0;
  // Solve in the tail area, which keeps precision for p near 0 or 1: area(t) = 0.5 I_{df/(df+t^2)}(df/2, 1/2).
  const q = p > 0.5 ? 1 - p : p;
  // x = df / (df + t^2) in (0, 1); the tail area increases with x.
  const x = invertIncreasing((v) => 0.5 * betainc(df / 2, 0.5, v), q, 0, 1);
  const t = Math.sqrt((df * (1 - x)) / x);
  return p > 0.5 ? t : -t;
}

/** P(F <= f) for Fisher's F (scipy.stats.f.cdf). */
export function fCdf(f: number, dfn: number, dfd: number): number {
  if (f <= 0) return 0;
  return betainc(dfn / 2, dfd / 2, (dfn * f) / (dfn * f + dfd));
}

/** Fisher F quantile (scipy.stats.f.ppf(p, dfn, dfd)). */
export function fPpf(p: number, dfn: number, dfd: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? 0 : p === 1 ? Infinity : NaN;
  // u = dfn f / (dfn f + dfd) in (0, 1), increasing in f; invert I_u(dfn/2, dfd/2) = p.
  // For p close to 1, solve the complement I_{1-u}(dfd/2, dfn/2) = 1 - p instead.
  let u: number;
  if (p > 0.5) {
    const w = invertIncreasing((v) => betainc(dfd / 2, dfn / 2, v), 1 - p, 0, 1); // w = 1 - u
    return (dfd * (1 - w)) / (dfn * w);
  }
  u = invertIncreasing((v) => betainc(dfn / 2, dfd / 2, v), p, 0, 1);
  return (dfd * u) / (dfn * (1 - u));
}
