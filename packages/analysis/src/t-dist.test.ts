import { describe, expect, it } from "vitest";
import { incompleteBeta, lnGamma, tCdf, tQuantile, tTwoSided } from "./t-dist.ts";

// Reference values from scipy 1.10 (scipy.stats.t, scipy.special.betainc) on this machine.
describe("t distribution", () => {
  it("lnGamma matches factorials and Γ(½) = √π", () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 10);
  });

  it("incomplete beta matches scipy", () => {
    expect(incompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 12);
    expect(incompleteBeta(0.48, 50, 50)).toBeCloseTo(0.3448872378754365, 10);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
    // I_x(1, 1) is the uniform CDF.
    expect(incompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 14);
  });

  it("quantiles at integer and fractional df", () => {
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764451051977934, 10);
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 8);
    expect(tQuantile(0.995, 2.5)).toBeCloseTo(7.163728138948783, 8);
    expect(tQuantile(0.975, 1000)).toBeCloseTo(1.9623390808264083, 10);
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.7764451051977934, 10);
    expect(tQuantile(0.5, 3)).toBe(0);
  });

  it("cdf and the two-sided tail agree with each other and with scipy", () => {
    expect(tCdf(-1.3, 7.2)).toBeCloseTo(0.11683460391731768, 12);
    expect(tCdf(0, 5)).toBeCloseTo(0.5, 14);
    const t = 2.1;
    expect(tTwoSided(t, 6)).toBeCloseTo(2 * (1 - tCdf(t, 6)), 12);
    // Round trip.
    for (const df of [1, 2, 3.3, 9, 40]) expect(tCdf(tQuantile(0.9, df), df)).toBeCloseTo(0.9, 12);
  });
});
