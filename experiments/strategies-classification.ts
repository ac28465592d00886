import { defineExperiment } from "@mtl/spec";

/**
 * Every loss-weighting and gradient-manipulation strategy against single-task baselines, on
 * three related classification tasks over shared features. Compare with `mtl compare`.
 */
export default defineExperiment({
  name: "strategies-classification",
  dataset: {
    name: "classification",
    options: {
      n_samples: 3000,
      n_features: 30,
      n_informative: 8,
      n_classes: 3,
      n_tasks: 3,
      relatedness: 0.6,
      class_sep: 0.8,
      flip_y: 0.05,
    },
  },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
    { name: "task3", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [64, 64] },
  strategies: [
    "equal",
    "uncertainty",
    "dwa",
    "gradnorm",
    "rlw",
    "pcgrad",
    "mgda",
    { name: "mgda", options: { ub: true } },
    "cagrad",
    "imtl",
    "nash-mtl",
  ],
  baselines: true,
  seeds: [0, 1, 2],
  training: { epochs: 15, batchSize: 64, optimizer: "adam", learningRate: 0.002 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "accuracy", split: "val" } },
});
