/**
 * `classification`: like scikit-learn's make_classification (class clusters on the vertices of a
 * hypercube, Gaussian within each cluster under a random linear map, redundant features as linear
 * combinations of informative ones, the rest noise, `flip_y` of labels randomised), extended to
 * several tasks over the same samples.
 *
 * Tasks are named "task1", "task2", … Every task owns a block of `n_informative` features that
 * carries its label; all tasks see all features. `relatedness` controls how much the tasks share:
 * each sample's label for task t ≥ 2 copies task 1's label with that probability, otherwise it is
 * drawn uniformly. relatedness = 1 makes all tasks the same labels (different features encode
 * them); 0 makes them independent.
 */

import { type Rng, rngStream } from "@mtl/spec";
import { z } from "zod";
import type { Dataset, DatasetModule, Target } from "./types.ts";

const Options = z
  .object({
    n_samples: z.number().int().min(10).default(1000).describe("number of samples"),
    n_features: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe("total features (informative + redundant + noise)"),
    n_informative: z.number().int().min(1).default(5).describe("informative features per task"),
    n_redundant: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe("linear combinations of the informative features"),
    n_classes: z.number().int().min(2).default(2).describe("classes per task"),
    n_clusters_per_class: z.number().int().min(1).default(1).describe("Gaussian clusters per class"),
    flip_y: z.number().min(0).max(1).default(0.01).describe("fraction of labels assigned at random"),
    class_sep: z
      .number()
      .positive()
      .default(1)
      .describe("half the side of the hypercube the clusters sit on"),
    n_tasks: z.number().int().min(1).default(2).describe('number of tasks, named "task1", "task2", …'),
    relatedness: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("probability that a sample's label for task t ≥ 2 copies its task-1 label"),
    standardize: z.boolean().default(true).describe("standardise features with training-split statistics"),
  })
  .strict()
  .superRefine((o, ctx) => {
    const needed = o.n_tasks * o.n_informative + o.n_redundant;
    if (needed > o.n_features)
      ctx.addIssue({
        code: "custom",
        path: ["n_features"],
        message: `expected at least n_tasks·n_informative + n_redundant = ${needed}`,
      });
    if (o.n_classes * o.n_clusters_per_class > 2 ** Math.min(o.n_informative, 30))
      ctx.addIssue({
        code: "custom",
        path: ["n_informative"],
        message: "expected 2^n_informative ≥ n_classes·n_clusters_per_class",
      });
  });
type Options = z.output<typeof Options>;

function generate(o: Options, seed: number): Dataset {
  const rng = rngStream("classification", seed);
  const n = o.n_samples;
  const k = o.n_informative;
  const T = o.n_tasks;
  const labels: Int32Array[] = [];
  // Task 1: balanced classes as in scikit-learn, in shuffled order.
  const order = rng.permutation(n);
  const first = new Int32Array(n);
  order.forEach((sample, i) => {
    first[sample] = i % o.n_classes;
  });
  labels.push(first);
  for (let t = 1; t < T; t++) {
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++)
      y[i] = rng.float() < o.relatedness ? (first[i] as number) : rng.int(o.n_classes);
    labels.push(y);
  }
  const K = T * k;
  const informative = new Float64Array(n * K);
  for (let t = 0; t < T; t++) {
    const nClusters = o.n_classes * o.n_clusters_per_class;
    const vertices = distinctVertices(nClusters, k, rng);
    const maps = vertices.map(() => Array.from({ length: k * k }, () => 2 * rng.float() - 1));
    const y = labels[t] as Int32Array;
    for (let i = 0; i < n; i++) {
      const cluster = (y[i] as number) * o.n_clusters_per_class + rng.int(o.n_clusters_per_class);
      const v = vertices[cluster] as number[];
      const A = maps[cluster] as number[];
      const g = Array.from({ length: k }, () => rng.normal());
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += (g[b] as number) * (A[b * k + a] as number);
        informative[i * K + t * k + a] = s + (v[a] as number) * o.class_sep;
      }
    }
  }
  const B = Array.from({ length: K * o.n_redundant }, () => 2 * rng.float() - 1);
  const d = o.n_features;
  const columns = rng.permutation(d); // scikit-learn shuffles feature order too
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let value: number;
      if (j < K) value = informative[i * K + j] as number;
      else if (j < K + o.n_redundant) {
        const r = j - K;
        value = 0;
        for (let a = 0; a < K; a++)
          value += (informative[i * K + a] as number) * (B[a * o.n_redundant + r] as number);
      } else value = rng.normal();
      x[i * d + (columns[j] as number)] = value;
    }
  }
  const targets: Record<string, Target> = {};
  labels.forEach((y, t) => {
    for (let i = 0; i < n; i++) if (rng.float() < o.flip_y) y[i] = rng.int(o.n_classes);
    targets[`task${t + 1}`] = { kind: "classification", classes: o.n_classes, labels: y };
  });
  return { n, inputShape: [d], x, targets, standardize: o.standardize };
}

/** `count` distinct vertices of the {−1, 1}^k hypercube. */
function distinctVertices(count: number, k: number, rng: Rng): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < count) {
    const v = Array.from({ length: k }, () => (rng.float() < 0.5 ? -1 : 1));
    const key = v.join();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}

export const classification: DatasetModule<typeof Options> = {
  name: "classification",
  description:
    'Synthetic multi-task classification like make_classification; tasks "task1".."taskN" with controllable relatedness.',
  kind: "multitask",
  options: Options,
  load: (o, ctx) => generate(o, ctx.seed),
  describe: (o) => ({
    kind: "multitask",
    outputs: Array.from({ length: o.n_tasks }, (_, t) => ({
      name: `task${t + 1}`,
      kind: "classification" as const,
      classes: o.n_classes,
    })),
    samples: o.n_samples,
    inputShape: [o.n_features],
  }),
};
