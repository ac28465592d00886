import { choice, int, loguniform, simplex, uniform } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { createSampler } from "./sampler.ts";
import { experiment, runSequential, toHistory } from "./test-fixtures.ts";
import type { TrialHistory } from "./types.ts";

const space = {
  learningRate: loguniform(1e-4, 1e-2),
  weights: simplex(["a", "b"], { resolution: 2 }),
  "gradnorm.alpha": choice([0.5, 1.5]),
};

describe("grid sampler", () => {
  it("plans every point once per seed, with a documented default for continuous parameters", () => {
    const e = experiment({ space, strategies: ["equal", "gradnorm"], seeds: [0, 1, 2] });
    const s = createSampler(e);
    // lr: 3 points × weights: 3 points × (equal: 1 + gradnorm: 2 alphas) = 27 configurations.
    expect(s.total).toBe(27 * 3);
    const all = s.next(1000, []);
    expect(all).toHaveLength(81);
    expect(new Set(all.map((t) => t.configKey)).size).toBe(27);
    expect(new Set(all.map((t) => t.config.training.learningRate))).toEqual(new Set([1e-4, 1e-3, 1e-2]));
    expect(
      s.next(
        10,
        all.map((t) => toHistory(t)),
      ),
    ).toEqual([]);
  });

  it("groups seeds: replicates share a configKey and differ only in seed", () => {
    const s = createSampler(experiment({ space, strategies: ["equal", "gradnorm"], seeds: [5, 6] }));
    const all = s.next(1000, []);
    for (let i = 0; i < all.length; i += 2) {
      const [x, y] = [all[i]!, all[i + 1]!];
      expect(x.configKey).toBe(y.configKey);
      expect([x.config.seed, y.config.seed]).toEqual([5, 6]);
      expect({ ...x.config, seed: 0 }).toEqual({ ...y.config, seed: 0 });
    }
  });

  it("enumerates int parameters in full when small, else 3 points", () => {
    const small = createSampler(experiment({ space: { depth: int(1, 4) } })).next(100, []);
    expect(small.map((t) => t.params.depth)).toEqual([1, 2, 3, 4]);
    const big = createSampler(experiment({ space: { width: int(16, 512, 16) } })).next(100, []);
    expect(big.map((t) => t.params.width)).toEqual([16, 272, 512]); // the middle on the step grid;
    const u = createSampler(experiment({ space: { dropout: uniform(0, 0.5) } })).next(100, []);
    expect(u.map((t) => t.config.model.options.dropout)).toEqual([0, 0.25, 0.5]);
  });

  it("stops at maxTrials, planning whole replicate groups", () => {
    const e = experiment({ space, strategies: ["gradnorm"], seeds: [0, 1, 2], sweep: { maxTrials: 8 } });
    const s = createSampler(e);
    expect(s.next(100, [])).toHaveLength(6);
    expect(s.total).toBe(6);
  });
});

describe("conditional parameters", () => {
  it("exist only on their strategy's trials and land in its options", () => {
    for (const sampler of ["grid", "random", "tpe"] as const) {
      const e = experiment({
        space: { ...space, "uncertainty.lr": uniform(0, 1) },
        strategies: ["equal", "gradnorm", { name: "uncertainty", options: { init: 0 } }],
        sweep: { sampler, maxTrials: 30 },
      });
      const trials = runSequential(createSampler(e), (p) => [Number(p.learningRate)]);
      const plans = createSampler(e).next(30, []);
      expect(trials.length).toBeGreaterThan(0);
      for (const t of plans) {
        expect("gradnorm.alpha" in t.params).toBe(t.config.strategy.name === "gradnorm");
        expect("uncertainty.lr" in t.params).toBe(t.config.strategy.name === "uncertainty");
        if (t.config.strategy.name === "gradnorm")
          expect(t.config.strategy.options.alpha).toBe(t.params["gradnorm.alpha"]);
        if (t.config.strategy.name === "uncertainty") expect(t.config.strategy.options.init).toBe(0);
        if (t.config.strategy.name === "equal") expect(t.config.strategy.options).toEqual({});
      }
      expect(new Set(plans.map((t) => t.config.strategy.name)).size).toBe(3);
    }
  });
});

describe("baselines", () => {
  it("adds one single-task group per combination of the non-weight parameters", () => {
    const e = experiment({ space, strategies: ["equal", "gradnorm"], baselines: true, seeds: [0, 1] });
    const all = createSampler(e).next(1000, []);
    const base = all.filter((t) => t.config.model.architecture === "single-task");
    expect(base).toHaveLength(3 * 2); // three learning rates × two seeds
    for (const t of base) {
      expect(t.config.strategy).toEqual({ name: "equal", options: {} });
      expect(t.config.weights).toBeUndefined();
      expect(Object.keys(t.params).sort()).toEqual(["architecture", "learningRate", "strategy"]);
    }
    expect(all).toHaveLength(27 * 2 + 6);
  });
});

describe("determinism and resume", () => {
  const make = (sampler: "grid" | "random" | "tpe", seed = 0, maxTrials = 24) =>
    createSampler(
      experiment({
        space: { ...space, dropout: uniform(0, 0.5) },
        strategies: ["equal", "gradnorm"],
        seeds: [0, 1],
        baselines: true,
        sweep: { sampler, seed, maxTrials },
      }),
    );
  const score = (p: Record<string, unknown>) => [Math.log10(Number(p.learningRate)) + Number(p.dropout)];

  for (const kind of ["grid", "random", "tpe"] as const) {
    it(`${kind}: the same seed plans the same trials; another seed other ones`, () => {
      const a = runSequential(make(kind, 1), score);
      const b = runSequential(make(kind, 1), score);
      expect(a).toEqual(b);
      expect(a.length).toBeLessThanOrEqual(24);
      if (kind !== "grid") expect(runSequential(make(kind, 2), score)).not.toEqual(a);
    });

    it(`${kind}: planning in batches, or restarting from the history, gives the same plan`, () => {
      const s = make(kind, 3);
      const once = s.next(1000, []);
      const batched: TrialHistory[] = [];
      for (let k = 0; ; k++) {
        const fresh = make(kind, 3); // a new sampler per call, as after a restart
        const got = fresh.next(1 + (k % 3), batched);
        if (got.length === 0) break;
        batched.push(...got.map((t) => toHistory(t)));
      }
      expect(batched).toEqual(once.map((t) => toHistory(t)));
    });
  }

  it("extends a finished sweep: a larger maxTrials continues the same plan", () => {
    for (const kind of ["random", "tpe"] as const) {
      const first = runSequential(make(kind, 4, 12), score);
      expect(make(kind, 4, 12).next(5, first)).toEqual([]);
      const more = make(kind, 4, 24).next(100, first);
      expect(more.length).toBeGreaterThan(0);
      const longer = runSequential(make(kind, 4, 24), score);
      expect(longer.slice(0, first.length)).toEqual(first);
      const keys = new Set(first.map((h) => `${h.configKey}/${h.seed}`));
      for (const t of more) expect(keys.has(`${t.configKey}/${t.config.seed}`)).toBe(false);
    }
  });

  it("random search of a small finite space plans each point once, then stops", () => {
    const e = experiment({
      space: { learningRate: choice([0.1, 0.01]), batchSize: choice([16, 32, 64]) },
      sweep: { sampler: "random", maxTrials: 100 },
    });
    const h = runSequential(createSampler(e), () => [0]);
    expect(h).toHaveLength(6);
    expect(new Set(h.map((x) => x.configKey)).size).toBe(6);
  });

  it("TPE never repeats a configuration of a small finite space", () => {
    const e = experiment({
      space: { learningRate: choice([0.1, 0.01, 0.001]), batchSize: choice([16, 32]) },
      sweep: { sampler: "tpe", maxTrials: 100 },
    });
    const h = runSequential(createSampler(e), (p) => [Number(p.learningRate)]);
    expect(h).toHaveLength(6);
    expect(new Set(h.map((x) => x.configKey)).size).toBe(6);
  });
});

describe("task weights only for strategies that read them", () => {
  // The README's example: 5 weight settings × 2 learning rates, three strategies, three seeds.
  const readme = (sampler: "grid" | "random" | "tpe" = "grid") =>
    experiment({
      strategies: ["fixed", "uncertainty", { name: "gradnorm", options: { alpha: 1.5 } }],
      baselines: true,
      space: { weights: simplex(["a", "b"], { resolution: 4 }), learningRate: choice([1e-3, 3e-3]) },
      seeds: [0, 1, 2],
      sweep: { sampler, maxTrials: 1000 },
    });
  const catalog = new Map([
    ["fixed", { taskWeights: "fixed" as const }],
    ["uncertainty", { taskWeights: "ignored" as const }],
    ["gradnorm", { taskWeights: "initial" as const }],
  ]);
  const strategies = (name: string) => catalog.get(name);

  it("plans an ignoring strategy once per setting of the other parameters, not once per λ", () => {
    const all = createSampler(readme(), { strategies }).next(1000, []);
    const count = (name: string) => all.filter((t) => t.params.strategy === name).length;
    expect(count("fixed")).toBe(5 * 2 * 3);
    expect(count("gradnorm")).toBe(5 * 2 * 3);
    expect(count("uncertainty")).toBe(2 * 3);
    expect(all.filter((t) => t.config.model.architecture === "single-task")).toHaveLength(2 * 3);
    for (const t of all.filter((x) => x.params.strategy === "uncertainty")) {
      expect(t.params.weights).toBeUndefined();
      expect(t.config.weights).toBeUndefined();
    }
    expect(createSampler(readme(), { strategies }).total).toBe(all.length);
    // Without the lookup every strategy is assumed to read λ: the old plan of 96 trials.
    expect(createSampler(readme()).next(1000, [])).toHaveLength(96);
  });

  it("never plans two trials with the same configuration and seed, whatever the sampler", () => {
    for (const kind of ["grid", "random", "tpe"] as const) {
      const h = runSequential(createSampler(readme(kind), { strategies }), (p) => [Number(p.learningRate)]);
      const ids = h.map((x) => `${x.configKey}/${x.seed}`);
      expect(new Set(ids).size, kind).toBe(ids.length);
      // Random and TPE stop when the finite space is exhausted: the same 72 distinct trials.
      expect(h, kind).toHaveLength(72);
      expect(h.filter((x) => x.params.strategy === "uncertainty" && "weights" in x.params)).toEqual([]);
    }
  });

  it("skips a parameter set that resolves to a configuration already planned", () => {
    // hidden: 16 and "16" both give a [16] trunk at depth 1: one configuration, not two.
    const e = experiment({ model: { hidden: [8] }, space: { hidden: choice([16, "16", 32]) } });
    const all = createSampler(e).next(100, []);
    expect(all.map((t) => t.config.model.hidden)).toEqual([[16], [32]]);
  });
});
