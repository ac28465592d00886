import { createSampler } from "@mtl/scheduler";
import { choice, configKeyOf, ExperimentSpec, simplex } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { baselineConfigOf } from "./pairing.ts";

describe("baselineConfigOf", () => {
  it("names the single-task configuration the scheduler plans for each configuration", () => {
    const e = ExperimentSpec.parse({
      name: "pairs",
      dataset: { name: "classification" },
      tasks: [
        { name: "a", kind: "classification", metric: "accuracy" },
        { name: "b", kind: "regression", metric: "mse" },
      ],
      strategies: ["fixed", { name: "mgda", options: { ub: true } }, "gradnorm"],
      baselines: true,
      space: {
        weights: simplex(["a", "b"], { resolution: 2 }),
        learningRate: choice([1e-3, 1e-2]),
        architecture: choice(["hard-sharing", "mmoe"]),
        "dataset.relatedness": choice([0.2, 0.8]),
        "gradnorm.alpha": choice([0.5, 1.5]),
        dropout: choice([0, 0.1]),
      },
      seeds: [0, 1],
    });
    const planned = createSampler(e).next(100_000, []);
    const baselineKeys = new Set(
      planned.filter((t) => t.config.model.architecture === "single-task").map((t) => t.configKey),
    );
    expect(baselineKeys.size).toBe(2 * 2 * 2); // learning rate × relatedness × dropout
    for (const t of planned) {
      if (t.config.model.architecture === "single-task") continue;
      expect(baselineKeys.has(configKeyOf(baselineConfigOf(t.config))), JSON.stringify(t.params)).toBe(true);
    }
  });
});
