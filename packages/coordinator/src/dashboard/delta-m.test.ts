import type { TaskInfo } from "@mtl/bus";
import { describe, expect, it } from "vitest";
import { baselineMatches, deltaM, deltaMByConfig, taskMeans } from "./delta-m.ts";

const tasks: TaskInfo[] = [
  { name: "a", metric: "accuracy", direction: "max" },
  { name: "b", metric: "mse", direction: "min" },
];

describe("Δm%", () => {
  it("is positive when the method beats the baseline, whichever way each metric points", () => {
    // One task better, the other equal: half its relative improvement.
    expect(deltaM([0.9, 0.2], [0.8, 0.2], tasks)).toBeCloseTo(6.25); // accuracy up 12.5 %
    expect(deltaM([0.8, 0.1], [0.8, 0.2], tasks)).toBeCloseTo(25); // mse down 50 %
    expect(deltaM([0.8, 0.3], [0.8, 0.2], tasks)).toBeCloseTo(-25); // mse up 50 %
    expect(deltaM([0.7, 0.2], [0.8, 0.2], tasks)).toBeCloseTo(-6.25); // accuracy down 12.5 %
    // (0.125 + 0.5) / 2 tasks · 100
    expect(deltaM([0.9, 0.1], [0.8, 0.2], tasks)).toBeCloseTo(31.25);
  });

  it("is NaN when a value is missing or a baseline is 0", () => {
    expect(deltaM([0.9, null], [0.8, 0.2], tasks)).toBeNaN();
    expect(deltaM([0.9, 0.1], [0, 0.2], tasks)).toBeNaN();
  });

  it("compares each configuration's seed mean with the mean of its matching baselines", () => {
    const t = (
      method: string,
      configKey: string,
      params: Record<string, unknown>,
      a: number,
      b: number,
      state = "completed",
    ) => ({
      method,
      configKey,
      state,
      params,
      metrics: { a, b },
    });
    const trials = [
      t("single-task", "base-lr1", { architecture: "single-task", learningRate: 1 }, 0.8, 0.2),
      t("single-task", "base-lr1", { architecture: "single-task", learningRate: 1 }, 0.6, 0.2),
      t("single-task", "base-lr2", { architecture: "single-task", learningRate: 2 }, 0.5, 0.5),
      t("equal", "eq-lr1", { learningRate: 1 }, 0.8, 0.1),
      t("equal", "eq-lr1", { learningRate: 1 }, 0.6, 0.1),
      t("equal", "eq-lr1", { learningRate: 1 }, 0.0, 9, "failed"),
      t("equal", "eq-lr3", { learningRate: 3 }, 0.9, 0.1),
    ];
    const d = deltaMByConfig(trials, tasks);
    // a: 0.7 vs 0.7 → 0; b: 0.1 vs 0.2 → +0.5; mean 0.25 → 25%.
    expect(d.get("eq-lr1")).toBeCloseTo(25);
    expect(d.get("base-lr1")).toBeCloseTo(0);
    expect(d.has("eq-lr3")).toBe(false); // no baseline with learningRate 3
  });

  it("averages each task over the seeds that report it", () => {
    const run = (a: number | null, b: number | null) => ({
      method: "equal",
      configKey: "k",
      state: "completed",
      params: {},
      metrics: { a, b },
    });
    expect(taskMeans([run(0.6, null), run(0.8, 0.2)], tasks)).toEqual([0.7, 0.2]);
    expect(taskMeans([run(0.6, null)], tasks)).toEqual([0.6, null]);
  });

  it("has no entries without baselines", () => {
    expect(
      deltaMByConfig(
        [{ method: "equal", configKey: "k", state: "completed", params: {}, metrics: { a: 1, b: 1 } }],
        tasks,
      ).size,
    ).toBe(0);
  });

  it("matches baselines on shared parameters, ignoring the architecture", () => {
    expect(baselineMatches({ architecture: "single-task", lr: 1 }, { lr: 1, weights: { a: 2 } })).toBe(true);
    expect(baselineMatches({ architecture: "single-task", lr: 1 }, { lr: 2 })).toBe(false);
  });
});
