/** Descriptive statistics and two-sample tests for a handful of seeds. */
import { Rng } from "@mtl/spec";
import { tQuantile, tTwoSided } from "./t-dist.ts";

/** Arithmetic mean; NaN for an empty sample. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance (n − 1 denominator); NaN when n < 2. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / (xs.length - 1);
}

/** Sample standard deviation (n − 1 denominator); NaN when n < 2. */
export function sampleStd(xs: readonly number[]): number {
  return Math.sqrt(sampleVariance(xs));
}

/** A sample summarised: mean, sample std, and a two-sided t confidence interval for the mean. */
export interface Summary {
  n: number;
  mean: number;
  /** NaN when n < 2. */
  std: number;
  /** [low, high], or null when n < 2 (one seed says nothing about spread). */
  ci: [number, number] | null;
}

/**
 * Mean, std and the Student-t confidence interval mean ± t_{(1+level)/2, n−1}·s/√n.
 * @param level confidence level. @default 0.95
 */
export function summarize(xs: readonly number[], level = 0.95): Summary {
  const n = xs.length;
  const m = mean(xs);
  const s = sampleStd(xs);
  if (n < 2) return { n, mean: m, std: s, ci: null };
  const half = quantileOf((1 + level) / 2, n - 1) * (s / Math.sqrt(n));
  return { n, mean: m, std: s, ci: [m - half, m + half] };
}

// A comparison of thousands of rows asks for the same few quantiles (one per seed count) again and again.
const quantiles = new Map<string, number>();
function quantileOf(p: number, df: number): number {
  const key = `${p}/${df}`;
  let q = quantiles.get(key);
  if (q === undefined) {
    q = tQuantile(p, df);
    quantiles.set(key, q);
  }
  return q;
}

/** A test's result: statistic, two-sided p-value, and df where the test has them. */
export interface TestResult {
  statistic: number;
  p: number;
  df?: number;
}

/**
 * Welch's unequal-variance t-test, two-sided. Returns null when a group has fewer than two
 * values or both variances are zero (the statistic is undefined, not infinitely significant).
 */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se2 = va + vb;
  if (!(se2 > 0)) return null;
  const t = (mean(a) - mean(b)) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  return { statistic: t, df, p: tTwoSided(t, df) };
}

/** Options of {@link permutationTest}. */
export interface PermutationOptions {
  /** Above this many distinct splits, sample instead of enumerating. @default 100000 */
  maxExact?: number;
  /** Random relabellings when sampling. @default 20000 */
  resamples?: number;
  /** Seed of the sampler. @default 1 */
  seed?: number;
}

/**
 * Unpaired two-sided permutation test on the difference of means. Exact (every split of the
 * pooled values) when there are few enough splits, which is the usual case with a few seeds;
 * otherwise a seeded Monte Carlo estimate with the +1 correction so that p is never 0.
 * Note: with 3 seeds against 3 the smallest possible p is 2/20 = 0.1.
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  options: PermutationOptions = {},
): TestResult | null {
  const { maxExact = 100_000, resamples = 20_000, seed = 1 } = options;
  if (a.length === 0 || b.length === 0) return null;
  const pooled = [...a, ...b];
  const n = pooled.length;
  const k = a.length;
  const total = pooled.reduce((s, x) => s + x, 0);
  const observed = Math.abs(mean(a) - mean(b));
  // Floating sums of the same values in another order differ in the last bits: count ties as extreme.
  const tol = 1e-12 * Math.max(1, Math.abs(observed), ...pooled.map(Math.abs));
  const diff = (sumA: number) => Math.abs(sumA / k - (total - sumA) / (n - k));
  if (binomial(n, k) <= maxExact) {
    let extreme = 0;
    let count = 0;
    const walk = (start: number, left: number, sum: number): void => {
      if (left === 0) {
        count++;
        if (diff(sum) >= observed - tol) extreme++;
        return;
      }
      for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, sum + pooled[i]!);
    };
    walk(0, k, 0);
    return { statistic: mean(a) - mean(b), p: extreme / count };
  }
  const rng = new Rng(seed);
  const rand = () => rng.float();
  const idx = pooled.map((_, i) => i);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    // Partial Fisher–Yates: only the first k positions need to be random.
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (n - i));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      sum += pooled[idx[i]!]!;
    }
    if (diff(sum) >= observed - tol) extreme++;
  }
  return { statistic: mean(a) - mean(b), p: (extreme + 1) / (resamples + 1) };
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Holm's step-down adjustment of a family of p-values (controls the family-wise error rate
 * without assuming independence). Nulls stay null and do not count towards the family size.
 */
export function holm(ps: readonly (number | null)[]): (number | null)[] {
  const present = ps.flatMap((p, i) => (p === null || Number.isNaN(p) ? [] : [{ p, i }]));
  present.sort((x, y) => x.p - y.p);
  const m = present.length;
  const out: (number | null)[] = ps.map(() => null);
  let running = 0;
  present.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Ranks with ties given the average rank (1 = first in `better` order). */
export function averageRanks(values: readonly number[], better: (a: number, b: number) => number): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => better(x.v, y.v));
  const ranks = new Array<number>(values.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && better(order[j + 1]!.v, order[i]!.v) === 0) j++;
    const r = (i + j) / 2 + 1;
    for (let q = i; q <= j; q++) ranks[order[q]!.i] = r;
    i = j + 1;
  }
  return ranks;
}
