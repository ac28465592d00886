import { choice, defineExperiment } from "@mtl/spec";

/**
 * Two related classification tasks over shared features: how much should task 1 weigh against
 * task 2? Fixed task weights λ₁ ∈ {0.25, 1, 4}, three seeds each, plus single-task baselines.
 */
export default defineExperiment({
  name: "quickstart",
  description: "hard parameter sharing on two related classification tasks",
  dataset: {
    name: "classification",
    options: { n_samples: 2000, n_features: 20, n_informative: 8, n_classes: 3, n_tasks: 2 },
  },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [64, 64] },
  strategies: ["fixed"],
  space: { "weights.task1": choice([0.25, 1, 4]) },
  baselines: true,
  seeds: [0, 1, 2],
  training: { epochs: 12, batchSize: 64, optimizer: "adam", learningRate: 0.003 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "accuracy", split: "val" } },
});
