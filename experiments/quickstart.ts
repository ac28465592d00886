import { defineExperiment } from "@mtl/spec";

/**
 * What multi-task learning is for: several related tasks with little data each, where one shared
 * network learns what they have in common better than one network per task. The tasks are the
 * MMoE paper's synthetic regressions (Ma et al. 2018, §3.2): four targets of the same inputs whose
 * weight vectors have cosine similarity 0.9, with shared nonlinear terms; 800 samples, of which
 * 480 train, in 30 dimensions. Seven strategies on one hard-sharing network against one network
 * per task (the single-task baselines), five seeds each: 40 trials, about two minutes on two cores.
 * Then `pnpm exec mtl compare` for each strategy's Δm% against its single-task baseline (positive =
 * better), paired by seed, with its confidence interval.
 */
export default defineExperiment({
  name: "quickstart",
  description:
    "four related regression tasks with little data: sharing one network against one network per task",
  dataset: {
    name: "correlated-regression",
    options: { n_samples: 800, dim: 30, correlation: 0.9, n_tasks: 4 },
    split: { val: 0.2, test: 0.2 },
  },
  tasks: [
    { name: "task1", kind: "regression", metric: "mse" },
    { name: "task2", kind: "regression", metric: "mse" },
    { name: "task3", kind: "regression", metric: "mse" },
    { name: "task4", kind: "regression", metric: "mse" },
  ],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [64] },
  strategies: ["equal", "uncertainty", "dwa", "gradnorm", "pcgrad", "mgda", "cagrad"],
  baselines: true,
  seeds: [0, 1, 2, 3, 4],
  training: { epochs: 50, batchSize: 32, optimizer: "adam", learningRate: 0.003 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "mse", split: "val" } },
});
