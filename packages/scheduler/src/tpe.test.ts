import { loguniform, type ParamValue, simplex, uniform } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { paretoFront } from "./pareto.ts";
import { createSampler } from "./sampler.ts";
import { experiment, runSequential } from "./test-fixtures.ts";

const regression = [{ name: "r", kind: "regression" as const, metric: "mse" as const }];

/** Mean over sweep seeds of the best value each sampler finds on f within the budget. */
function meanBest(
  sampler: "random" | "tpe",
  space: Record<string, ReturnType<typeof uniform> | ReturnType<typeof loguniform>>,
  f: (p: Record<string, ParamValue>) => number,
  budget: number,
  seeds = 12,
): number {
  let total = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const e = experiment({ tasks: regression, space, sweep: { sampler, seed, maxTrials: budget } });
    const h = runSequential(createSampler(e), (p) => [f(p)]);
    expect(h).toHaveLength(budget);
    total += Math.min(...h.map((x) => x.values![0]!));
  }
  return total / seeds;
}

// Each test plans hundreds of sweeps: seconds of CPU, many more on a shared, busy machine.
describe("TPE", { timeout: 120_000 }, () => {
  it("beats random search on a 2-D function (mean best over 12 sweep seeds, 40 trials)", () => {
    // A shifted, stretched quadratic bowl: minimum 0 at (0.7, -1.3).
    const f = (p: Record<string, ParamValue>) => (Number(p.x) - 0.7) ** 2 + 3 * (Number(p.y) + 1.3) ** 2;
    const space = { x: uniform(-5, 5), y: uniform(-5, 5) };
    const tpe = meanBest("tpe", space, f, 40);
    const rnd = meanBest("random", space, f, 40);
    expect(tpe).toBeLessThan(rnd * 0.5);
  });

  it("beats random search on Branin, a 2-D function with three minima", () => {
    const f = (p: Record<string, ParamValue>) => {
      const [x, y] = [Number(p.x), Number(p.y)];
      const b = 5.1 / (4 * Math.PI ** 2);
      return (
        (y - b * x * x + (5 / Math.PI) * x - 6) ** 2 +
        10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) +
        10 -
        0.397887
      );
    };
    const space = { x: uniform(-5, 10), y: uniform(0, 15) };
    expect(meanBest("tpe", space, f, 40)).toBeLessThan(meanBest("random", space, f, 40) * 0.6);
  });

  it("beats random search on a 1-D log-scale parameter (a learning rate)", () => {
    const f = (p: Record<string, ParamValue>) => (Math.log10(Number(p.learningRate)) + 2.6) ** 2;
    const space = { learningRate: loguniform(1e-5, 1) };
    expect(meanBest("tpe", space, f, 20)).toBeLessThan(meanBest("random", space, f, 20) * 0.6);
  });

  it("learns the best task-weight mix on the simplex", () => {
    // Best with weights a: 1.5, b: 0.5 (scaled so Σλ = 2).
    const f = (p: Record<string, ParamValue>) => {
      const w = p.weights as Record<string, number>;
      return (w.a! - 1.5) ** 2;
    };
    const mean = (sampler: "random" | "tpe") => {
      let s = 0;
      for (let seed = 0; seed < 10; seed++) {
        const e = experiment({
          tasks: [...regression, { name: "q", kind: "regression", metric: "mse" }],
          space: { weights: simplex(["r", "q"], { samples: 1 }) },
          sweep: { sampler, seed, maxTrials: 30 },
        });
        const h = runSequential(createSampler(e), (p) => {
          const w = p.weights as Record<string, number>;
          return [f({ weights: { a: w.r!, b: w.q! } }), 0];
        });
        s += Math.min(...h.map((x) => x.values![0]!));
      }
      return s / 10;
    };
    expect(mean("tpe")).toBeLessThan(mean("random"));
  });

  it("multi-objective: finds a better Pareto front than random search", () => {
    // Two conflicting objectives on x ∈ [0, 1], y ∈ [0, 1]: f1 = x + 2y, f2 = 1 − x + 2y (both min), front at y = 0.
    const tasks = [
      { name: "r", kind: "regression" as const, metric: "mse" as const },
      { name: "q", kind: "regression" as const, metric: "mse" as const },
    ];
    const mean = (sampler: "random" | "tpe") => {
      let s = 0;
      for (let seed = 0; seed < 10; seed++) {
        const e = experiment({
          tasks,
          space: { x: uniform(0, 1), y: uniform(0, 1) },
          sweep: { sampler, seed, maxTrials: 40, objective: { task: "pareto" } },
        });
        const h = runSequential(createSampler(e), (p) => [
          Number(p.x) + 2 * Number(p.y),
          1 - Number(p.x) + 2 * Number(p.y),
        ]);
        const front = paretoFront(h, (x) => x.values!, ["min", "min"]);
        // Distance of the front from the true front: mean y of its points.
        s += front.reduce((a, x) => a + Number(x.params.y), 0) / front.length;
      }
      return s / 10;
    };
    expect(mean("tpe")).toBeLessThan(mean("random"));
  });
});
