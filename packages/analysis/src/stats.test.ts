import { describe, expect, it } from "vitest";
import { averageRanks, holm, mean, permutationTest, sampleStd, summarize, welchTTest } from "./stats.ts";

describe("descriptive statistics", () => {
  it("mean and sample std by hand", () => {
    // mean 5, squared deviations 9+1+1+9 = 20, /3 → std √(20/3)
    expect(mean([2, 4, 6, 8])).toBe(5);
    expect(sampleStd([2, 4, 6, 8])).toBeCloseTo(Math.sqrt(20 / 3), 14);
    expect(sampleStd([3])).toBeNaN();
  });

  it("95% CI uses t(0.975, n−1)", () => {
    const s = summarize([2, 4, 6, 8, 10]); // mean 6, s = √10, n = 5 → half = 2.7764451·√10/√5
    const half = 2.7764451051977934 * Math.sqrt(10 / 5);
    expect(s.ci![0]).toBeCloseTo(6 - half, 10);
    expect(s.ci![1]).toBeCloseTo(6 + half, 10);
    expect(summarize([1]).ci).toBeNull();
  });
});

describe("two-sample tests", () => {
  const a = [0.81, 0.83, 0.8];
  const b = [0.78, 0.79, 0.77, 0.8];

  it("Welch's t-test matches scipy.stats.ttest_ind(equal_var=False)", () => {
    const r = welchTTest(a, b)!;
    expect(r.statistic).toBeCloseTo(2.592475695654303, 10);
    expect(r.df).toBeCloseTo(3.9593147751606113, 10);
    expect(r.p).toBeCloseTo(0.06114410196916134, 10);
    const r2 = welchTTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 30])!;
    expect(r2.p).toBeCloseTo(0.2430251756484008, 10);
  });

  it("Welch is undefined without spread or with one seed", () => {
    expect(welchTTest([1, 1], [2, 2])).toBeNull();
    expect(welchTTest([1], [2, 3])).toBeNull();
  });

  it("exact permutation test: 3 of the 35 splits are as extreme in |difference|", () => {
    // scipy's null distribution for these data holds |Δ| ≥ 0.02833 at 0.02833 (twice) and −0.03.
    // (scipy reports 4/35 because it doubles the smaller one-sided p; we use |Δ| directly.)
    const r = permutationTest(a, b)!;
    expect(r.p).toBeCloseTo(3 / 35, 12);
    // 3 vs 3 cannot go below 2/20.
    expect(permutationTest([10, 11, 12], [0, 1, 2])!.p).toBeCloseTo(0.1, 12);
  });

  it("Monte Carlo permutation test is seeded and close to the exact value", () => {
    const x = [1.2, 0.8, 1.5, 1.1, 0.9, 1.3, 1.0, 1.4];
    const y = [0.7, 0.9, 0.6, 1.0, 0.8, 0.75, 0.95, 0.85];
    const exact = permutationTest(x, y)!.p;
    const mc1 = permutationTest(x, y, { maxExact: 10, resamples: 20000, seed: 3 })!.p;
    const mc2 = permutationTest(x, y, { maxExact: 10, resamples: 20000, seed: 3 })!.p;
    expect(mc1).toBe(mc2);
    expect(Math.abs(mc1 - exact)).toBeLessThan(0.01);
  });
});

describe("Holm and ranks", () => {
  it("Holm step-down by hand", () => {
    // sorted: 0.01·3 = 0.03, 0.02·2 = 0.04, 0.04·1 = 0.04 (monotone)
    const r = holm([0.04, 0.01, null, 0.02]);
    expect(r[1]).toBeCloseTo(0.03, 14);
    expect(r[3]).toBeCloseTo(0.04, 14);
    expect(r[0]).toBeCloseTo(0.04, 14);
    expect(r[2]).toBeNull();
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
  });

  it("average ranks on ties", () => {
    expect(averageRanks([3, 1, 3, 2], (x, y) => y - x)).toEqual([1.5, 4, 1.5, 3]);
  });
});
