/**
 * `sinusoid`: the regression task family of MAML (Finn et al. 2017, §5.1). A task is
 * y = A·sin(x − φ) with A ~ U[0.1, 5], φ ~ U[0, π], inputs x ~ U[−5, 5]; a learner sees K
 * support points of a new task and is scored on its query points.
 *
 * As a task family (meta strategies): meta-training tasks come from the trial's generator,
 * meta-val and meta-test tasks from the dataset seed (continuous parameters, so they are never
 * among the training tasks). As a plain dataset (`load`, other strategies): pooled points of many
 * random tasks under one output `sinusoid`, i.e. what "pretraining on all tasks" sees.
 */

import { Rng, rngStream } from "@mtl/spec";
import { z } from "zod";
import type { Episodes, TaskFamily, TaskFamilyModule } from "../meta/types.ts";

const range = (lo: number, hi: number, what: string) =>
  z
    .tuple([z.number(), z.number()])
    .default([lo, hi])
    .refine(([a, b]) => a <= b, "expected [low, high] with low ≤ high")
    .describe(what);

const Options = z
  .object({
    shots: z.number().int().min(1).max(1000).default(10).describe("K: support points per meta-training task"),
    queries: z.number().int().min(1).max(1000).default(10).describe("query points per meta-training task"),
    evalShots: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe("support points of held-out tasks (default: shots)"),
    evalQueries: z.number().int().min(1).max(1000).default(100).describe("query points of held-out tasks"),
    evalTasks: z
      .number()
      .int()
      .min(1)
      .max(2000)
      .default(100)
      .describe("held-out tasks in each of meta-val and meta-test"),
    evalSteps: z
      .array(z.number().int().min(0).max(100))
      .min(1)
      .default([0, 1, 5, 10])
      .describe("adaptation steps after which held-out query MSE is reported (query_mse@k)"),
    headlineStep: z.number().int().min(0).max(100).default(1).describe("steps behind the plain `mse` metric"),
    amplitude: range(0.1, 5, "amplitude A ~ U[low, high]"),
    phase: range(0, Math.PI, "phase φ ~ U[low, high]"),
    xRange: range(-5, 5, "inputs x ~ U[low, high]"),
    n_samples: z
      .number()
      .int()
      .min(10)
      .max(200000)
      .default(2000)
      .describe("pooled points when loaded as a plain dataset"),
  })
  .strict();
type Options = z.output<typeof Options>;

const uniform = (rng: Rng, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng.float();

function episodes(o: Options, tasks: number, shots: number, queries: number, rng: Rng): Episodes {
  const supportX = new Float32Array(tasks * shots);
  const supportY = new Float32Array(tasks * shots);
  const queryX = new Float32Array(tasks * queries);
  const queryY = new Float32Array(tasks * queries);
  for (let t = 0; t < tasks; t++) {
    const A = uniform(rng, o.amplitude);
    const phi = uniform(rng, o.phase);
    const fill = (x: Float32Array, y: Float32Array, from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        x[i] = uniform(rng, o.xRange);
        y[i] = A * Math.sin((x[i] as number) - phi);
      }
    };
    fill(supportX, supportY, t * shots, shots);
    fill(queryX, queryY, t * queries, queries);
  }
  return { tasks, features: 1, shots, queries, supportX, supportY, queryX, queryY };
}

function family(o: Options, seed: number): TaskFamily {
  const held = new Map<string, Episodes>();
  return {
    kind: "regression",
    features: 1,
    outputs: 1,
    pooledOutputs: 1,
    evalSteps: [...new Set(o.evalSteps)].sort((a, b) => a - b),
    headlineStep: o.headlineStep,
    sampleTrain: (tasks, rng) => episodes(o, tasks, o.shots, o.queries, rng),
    heldOut(split) {
      let e = held.get(split);
      if (!e) {
        e = episodes(
          o,
          o.evalTasks,
          o.evalShots ?? o.shots,
          o.evalQueries,
          rngStream("sinusoid", seed, split),
        );
        held.set(split, e);
      }
      return e;
    },
    samplePooled(n, rng) {
      // Points of many tasks, in groups of `shots` per task as a meta-batch would hold them.
      const e = episodes(o, Math.ceil(n / o.shots), o.shots, 0, rng);
      return { n, x: e.supportX.slice(0, n), y: e.supportY.slice(0, n) };
    },
  };
}

export const sinusoid: TaskFamilyModule<typeof Options> = {
  name: "sinusoid",
  description:
    "MAML's sinusoid regression tasks y = A·sin(x − φ) (task family for meta strategies; pooled points as output `sinusoid` otherwise).",
  kind: "family",
  options: Options,
  family: (o, ctx) => family(o, ctx.seed),
  describe: (o) => ({
    kind: "family",
    outputs: [{ name: "sinusoid", kind: "regression" }],
    samples: o.n_samples,
    inputShape: [1],
  }),
  load(o, ctx) {
    const p = family(o, ctx.seed).samplePooled(o.n_samples, new Rng(`sinusoid:${ctx.seed}:pooled`));
    return {
      n: p.n,
      inputShape: [1],
      x: p.x,
      targets: { sinusoid: { kind: "regression", values: p.y as Float32Array } },
    };
  },
};
