import { describe, expect, it } from "vitest";
import { deltaM, type MetricColumn } from "./delta-m.ts";

const cols: MetricColumn[] = [
  { task: "cls", metric: "accuracy", direction: "max" },
  { task: "reg", metric: "mse", direction: "min" },
];

describe("Δm%", () => {
  it("is positive when better on both, with the right magnitude", () => {
    // cls: accuracy 0.80 → 0.84: (0.84 − 0.80)/0.80 = +0.05
    // reg: mse 0.20 → 0.15 (lower is better): (0.20 − 0.15)/0.20 = +0.25
    // Δm = 100 · (0.05 + 0.25)/2 = 15
    expect(deltaM([0.84, 0.15], [0.8, 0.2], cols)).toBeCloseTo(15, 10);
  });

  it("is negative when worse; a min-is-better metric going up counts against", () => {
    // cls: 0.80 → 0.76: −0.05; reg: 0.20 → 0.30: (0.20 − 0.30)/0.20 = −0.5 → Δm = −27.5
    expect(deltaM([0.76, 0.3], [0.8, 0.2], cols)).toBeCloseTo(-27.5, 10);
  });

  it("is 0 for the baseline itself", () => {
    expect(deltaM([0.8, 0.2], [0.8, 0.2], cols)).toBe(0);
  });

  it("averages metrics within a task before averaging tasks", () => {
    const three: MetricColumn[] = [
      { task: "cls", metric: "accuracy", direction: "max" },
      { task: "reg", metric: "mse", direction: "min" },
      { task: "reg", metric: "mae", direction: "min" },
    ];
    // cls +0.10; reg: mse +0.5, mae 0 → +0.25; Δm = 100·(0.10 + 0.25)/2 = 17.5 (a flat mean would give 20)
    expect(deltaM([0.88, 0.1, 0.3], [0.8, 0.2, 0.3], three)).toBeCloseTo(17.5, 10);
  });

  it("is NaN with a zero baseline", () => {
    expect(deltaM([0.5, 0.1], [0, 0.2], cols)).toBeNaN();
  });
});
