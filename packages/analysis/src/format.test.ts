import { describe, expect, it } from "vitest";
import type { Cell } from "./compare.ts";
import {
  ci,
  columnFormat,
  decimalsFromSpread,
  fmtDuration,
  fmtNumber,
  fmtPct,
  fmtSigned,
  fmtValue,
  meanStd,
  metricBounds,
} from "./format.ts";

const cell = (mean: number, std: number, ciRange: [number, number] | null = null): Cell => ({
  mean,
  std,
  n: 3,
  ci: ciRange,
  values: [],
  diverged: 0,
  p: null,
  pHolm: null,
});

describe("the number formatter", () => {
  it("writes a column's means to the digits its spread over seeds supports", () => {
    // stds 0.012 and 0.03: two significant digits of the typical std → 3 decimals.
    expect(decimalsFromSpread([0.8967, 0.91], [0.012, 0.03])).toBe(3);
    // Spreads around 4 (Δm% in percent): one decimal.
    expect(decimalsFromSpread([-0.92, 3.1], [4.79, 3.9])).toBe(1);
    // No real spread anywhere (one seed, or equal seeds): four significant digits.
    expect(decimalsFromSpread([0.8967, 0.91], [Number.NaN, 1.6e-16])).toBe(4);
  });

  it("prints a noise-sized std as 0 and never a negative zero", () => {
    expect(meanStd(cell(0.8967, 1.6e-16), 4)).toBe("0.8967 ± 0");
    expect(meanStd(cell(0.8667, 0), 4)).toBe("0.8667 ± 0");
    expect(fmtSigned(-1e-17, 2)).toBe("0.00");
    expect(fmtSigned(-0.004, 2)).toBe("0.00");
    expect(fmtSigned(0.004, 2)).toBe("0.00");
    expect(fmtSigned(3.75, 2)).toBe("+3.75");
    expect(fmtPct(-0.04)).toBe("0.0%");
    expect(fmtPct(2.345)).toBe("+2.3%");
  });

  it("clips an interval to the metric's range", () => {
    expect(metricBounds("accuracy")).toEqual([0, 1]);
    expect(metricBounds("mse")[0]).toBe(0);
    expect(ci(cell(0.4, 0.5, [-1.18, 1.95]), 2, metricBounds("accuracy"))).toBe("[0.00, 1.00]");
    expect(ci(cell(0.1, 0.5, [-0.3, 0.5]), 2, metricBounds("mse"))).toBe("[0.00, 0.50]");
    expect(ci(cell(-1, 0.5, [-3, 1]), 1)).toBe("[-3.0, 1.0]");
  });

  it("writes lone numbers and parameters without float noise or padding", () => {
    expect(fmtNumber(0.9488888888888889)).toBe("0.9489");
    expect(fmtNumber(32)).toBe("32");
    expect(fmtNumber(0.000456)).toBe("4.56e-4");
    expect(fmtNumber(12345.6)).toBe("12346");
    expect(fmtNumber(Number.NaN)).toBe("—");
    expect(fmtValue(32)).toBe("32");
    expect(fmtValue(0.0045612)).toBe("0.00456");
    expect(fmtValue([64, 32])).toBe("64,32");
    expect(fmtValue({ a: 0.5, b: 1.5 })).toBe("a:0.5,b:1.5");
  });

  it("gives a column one number of decimals, so values line up", () => {
    const f = columnFormat([0.92, 0.932, 0.9]);
    expect([0.92, 0.932].map(f)).toEqual(["0.9200", "0.9320"]);
    expect(columnFormat([0.92, 0.932], 3)(0.92)).toBe("0.920");
  });

  it("writes durations short", () => {
    expect(fmtDuration(850)).toBe("850ms");
    expect(fmtDuration(4250)).toBe("4.3s");
    expect(fmtDuration(42_000)).toBe("42s");
    expect(fmtDuration(185_000)).toBe("3m05s");
    expect(fmtDuration(7_800_000)).toBe("2h10m");
    expect(fmtDuration(null)).toBe("—");
  });
});
