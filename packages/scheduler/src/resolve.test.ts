import { builtinConfig, choice, configKeyOf, ExperimentSpec, isProgramTrial, simplex } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { SearchSpaceError } from "./errors.ts";
import { baselineParams, resolveConfig } from "./resolve.ts";
import { analyzeSpace } from "./space.ts";
import { experiment } from "./test-fixtures.ts";

describe("resolveConfig", () => {
  const e = experiment({ strategies: ["equal", "gradnorm"], model: { hidden: [64, 64, 64] } });

  it("maps keys to training, model, weights, strategy options and model options", () => {
    const c = builtinConfig(
      resolveConfig(
        e,
        {
          strategy: "gradnorm",
          learningRate: 0.01,
          batchSize: 32,
          optimizer: "sgd",
          activation: "tanh",
          hidden: 128,
          weights: { a: 1.5, b: 0.5 },
          "gradnorm.alpha": 1.5,
          dropout: 0.1,
        },
        7,
      ),
    );
    expect(c.training).toMatchObject({ learningRate: 0.01, batchSize: 32, optimizer: "sgd" });
    expect(c.model.activation).toBe("tanh");
    expect(c.model.hidden).toEqual([128, 128, 128]);
    expect(c.model.options).toEqual({ dropout: 0.1 });
    expect(c.weights).toEqual({ a: 1.5, b: 0.5 });
    expect(c.strategy).toEqual({ name: "gradnorm", options: { alpha: 1.5 } });
    expect(c.seed).toBe(7);
    expect(c.params["gradnorm.alpha"]).toBe(1.5);
  });

  it("reads hidden widths from a string and single task weights", () => {
    const c = builtinConfig(resolveConfig(e, { strategy: "equal", hidden: "128,32", "weights.b": 2 }, 0));
    expect(c.model.hidden).toEqual([128, 32]);
    expect(c.weights).toEqual({ b: 2 });
  });

  it("maps dataset.<option> to the dataset's options, and keeps it in the baseline's parameters", () => {
    const c = builtinConfig(resolveConfig(e, { strategy: "equal", "dataset.correlation": 0.9 }, 0));
    expect(c.dataset.options.correlation).toBe(0.9);
    expect(c.model.options).toEqual({});
    expect(baselineParams(e, { strategy: "equal", "dataset.correlation": 0.9, "weights.b": 2 })).toEqual({
      strategy: "equal",
      architecture: "single-task",
      "dataset.correlation": 0.9,
    });
  });

  it("rejects values the trial schema rejects", () => {
    expect(() => resolveConfig(e, { strategy: "equal", optimizer: "lbfgs" }, 0)).toThrow(SearchSpaceError);
    expect(() => resolveConfig(e, { strategy: "equal", hidden: "wide" }, 0)).toThrow(/128,64/);
  });

  it("gives replicates one configKey and other configurations another", () => {
    const k = (p: Record<string, number | string>, seed: number) =>
      configKeyOf(resolveConfig(e, { strategy: "equal", ...p }, seed));
    expect(k({ learningRate: 0.1 }, 0)).toBe(k({ learningRate: 0.1 }, 1));
    expect(k({ learningRate: 0.1 }, 0)).not.toBe(k({ learningRate: 0.01 }, 0));
    expect(k({ learningRate: 0.1 }, 0)).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe("analyzeSpace", () => {
  it("reports every problem with its key", () => {
    const e = experiment({
      strategies: ["equal", "gradnorm"],
      space: {
        "gradnrom.alpha": choice([1]),
        weights: simplex(["a", "b"], { resolution: 2 }),
        "weights.a": choice([1, 2]),
        mix: simplex(["a", "b"], { resolution: 2 }),
      },
    });
    try {
      analyzeSpace(e);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SearchSpaceError);
      const details = (err as SearchSpaceError).details;
      expect(details.some((d) => d.startsWith('space.gradnrom.alpha: "gradnrom" is not a strategy'))).toBe(
        true,
      );
      expect(details).toContain('space.weights.a: task "a" is already in space.weights');
      expect(details).toContain('space.mix: simplex is only for the key "weights"');
    }
  });

  it("labels a strategy listed twice by occurrence", () => {
    const e = experiment({
      strategies: [
        { name: "fixed", options: { a: 1 } },
        { name: "fixed", options: { a: 2 } },
      ],
    });
    expect(analyzeSpace(e).arms.map((a) => a.label)).toEqual(["fixed#1", "fixed#2"]);
    expect(resolveConfig(e, { strategy: "fixed#2" }, 0).strategy).toEqual({
      name: "fixed",
      options: { a: 2 },
    });
  });
});

describe("a program's trials", () => {
  const program = ExperimentSpec.parse({
    name: "p",
    trainer: { program: "torch" },
    tasks: [
      { name: "a", kind: "classification", metric: "accuracy" },
      { name: "b", kind: "regression", metric: "mse" },
    ],
    strategies: ["equal", "pcgrad"],
    dataset: { name: "digits", options: { path: "data/" } },
    model: { hidden: [32] },
    space: { "model.hidden": choice([16, 64]), learningRate: choice([0.01]), "dataset.size": choice([100]) },
  });

  it("carry the program's name, its settings (dataset and model as data) and no command", () => {
    const c = resolveConfig(
      program,
      { strategy: "pcgrad", "model.hidden": 64, learningRate: 0.01, "dataset.size": 100 },
      3,
    );
    expect(isProgramTrial(c)).toBe(true);
    if (!isProgramTrial(c)) return;
    expect(c.program).toBe("torch");
    expect(c.strategy.name).toBe("pcgrad");
    expect(c.training.learningRate).toBe(0.01);
    expect(c.settings).toMatchObject({
      dataset: { name: "digits", options: { path: "data/" } },
      model: { hidden: [32] },
      "model.hidden": 64,
      "dataset.size": 100,
    });
    expect(JSON.stringify(c)).not.toMatch(/python|\.py/);
  });

  it("settings are part of the configuration; the seed is not", () => {
    const at = (hidden: number, seed: number) =>
      configKeyOf(
        resolveConfig(
          program,
          { strategy: "equal", "model.hidden": hidden, learningRate: 0.01, "dataset.size": 100 },
          seed,
        ),
      );
    expect(at(16, 0)).toBe(at(16, 1));
    expect(at(16, 0)).not.toBe(at(64, 0));
  });

  it("have single-task baselines told by their strategy", () => {
    const params = baselineParams(program, {
      strategy: "equal",
      "model.hidden": 16,
      learningRate: 0.01,
      "dataset.size": 100,
    });
    const c = resolveConfig(program, params, 0);
    expect(c.strategy.name).toBe("single-task");
    expect(isProgramTrial(c) && c.settings.architecture).toBeFalsy();
  });
});
