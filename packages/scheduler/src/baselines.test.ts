/**
 * The baselines planned are spec's `baselineConfigOf` of the configurations planned (the config
 * the analysis pairs each configuration with), one per combination of the parameters they keep,
 * and the parameters recorded on a baseline trial resolve to its config.
 */
import {
  baselineConfigOf,
  choice,
  configKeyOf,
  type Experiment,
  ExperimentSpec,
  isSingleTask,
  simplex,
} from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "./resolve.ts";
import { createSampler } from "./sampler.ts";
import type { PlannedTrial } from "./types.ts";

/** A baseline trial's recorded parameters make its config (they are what a table shows). */
function expectParamsMakeConfig(e: Experiment, t: PlannedTrial) {
  const config = baselineConfigOf(resolveConfig(e, t.params, t.config.seed));
  expect(configKeyOf(config), JSON.stringify(t.params)).toBe(configKeyOf(t.config));
}

describe("the baselines a sweep plans", () => {
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
    const baselineKeys = new Set(planned.filter((t) => isSingleTask(t.config)).map((t) => t.configKey));
    expect(baselineKeys.size).toBe(2 * 2 * 2); // learning rate × relatedness × dropout
    for (const t of planned.filter((t) => isSingleTask(t.config))) expectParamsMakeConfig(e, t);
    for (const t of planned) {
      if (isSingleTask(t.config)) continue;
      expect(baselineKeys.has(configKeyOf(baselineConfigOf(t.config))), JSON.stringify(t.params)).toBe(true);
    }
  });

  it("does the same for a program's trials: its settings are the configuration, its baseline is the strategy single-task", () => {
    const e = ExperimentSpec.parse({
      name: "program-pairs",
      trainer: { program: "train" },
      tasks: [
        { name: "a", kind: "classification", metric: "accuracy" },
        { name: "b", kind: "classification", metric: "accuracy" },
      ],
      strategies: ["fixed", "pcgrad"],
      baselines: true,
      space: {
        weights: simplex(["a", "b"], { resolution: 2 }),
        learningRate: choice([1e-3, 1e-2]),
        hidden: choice([32, 64]),
        architecture: choice(["shared", "towers"]),
        "pcgrad.reduction": choice(["mean", "sum"]),
      },
      seeds: [0],
    });
    const planned = createSampler(e).next(100_000, []);
    const baselines = planned.filter((t) => isSingleTask(t.config));
    // One baseline per learning rate × hidden width; the program's own architecture setting is
    // not the baseline's (a baseline is one model per task, whatever the multi-task model is).
    expect(new Set(baselines.map((t) => t.configKey)).size).toBe(2 * 2);
    for (const t of baselines) expect(t.config.strategy.name).toBe("single-task");
    for (const t of baselines) expectParamsMakeConfig(e, t);
    const keys = new Set(baselines.map((t) => t.configKey));
    const others = planned.filter((t) => !isSingleTask(t.config));
    // hidden and the program's architecture sit in the configuration: fixed has λ × lr × hidden ×
    // architecture, pcgrad also its reduction (no catalog here: every strategy reads λ).
    expect(new Set(others.map((t) => t.configKey)).size).toBe(3 * 2 * 2 * 2 + 3 * 2 * 2 * 2 * 2);
    for (const t of others)
      expect(keys.has(configKeyOf(baselineConfigOf(t.config))), JSON.stringify(t.params)).toBe(true);
  });
});
