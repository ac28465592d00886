import { defineExperiment } from "@mtl/spec";

/**
 * Two related classification tasks over shared features, one hard-sharing network: equal
 * weighting, learned uncertainty weights, DWA, GradNorm, PCGrad, MGDA and CAGrad against
 * single-task baselines, three seeds each (24 trials). Then `pnpm mtl compare` for Δm% and
 * significance.
 */
export default defineExperiment({
  name: "quickstart",
  description: "loss weighting and gradient surgery on two related classification tasks",
  dataset: {
    name: "classification",
    options: { n_samples: 4000, n_features: 20, n_informative: 8, n_classes: 3, n_tasks: 2, class_sep: 0.8 },
  },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [64, 64] },
  strategies: ["equal", "uncertainty", "dwa", "gradnorm", "pcgrad", "mgda", "cagrad"],
  baselines: true,
  seeds: [0, 1, 2],
  training: { epochs: 20, batchSize: 64, optimizer: "adam", learningRate: 0.002 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "accuracy", split: "val" } },
});
