import { choice, defineExperiment } from "@mtl/spec";

/**
 * The MMoE paper's synthetic study (Ma et al., KDD 2018, §3.2 and §5): two regression tasks whose
 * correlation p is controlled. Hard sharing should suffer as p falls; MMoE should cope.
 */
export default defineExperiment({
  name: "correlated-regression",
  dataset: { name: "correlated-regression", options: { n_samples: 4000, dim: 100, n_tasks: 2 } },
  tasks: [
    { name: "task1", kind: "regression", metric: "mse" },
    { name: "task2", kind: "regression", metric: "mse" },
  ],
  // mmoe takes its default of 4 experts: model.options would go to every architecture of the space.
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [64, 32] },
  strategies: ["equal"],
  space: {
    architecture: choice(["hard-sharing", "mmoe", "single-task"]),
    "dataset.correlation": choice([0.1, 0.5, 0.9]),
  },
  seeds: [0, 1, 2],
  training: { epochs: 20, batchSize: 128, optimizer: "adam", learningRate: 0.002 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "mse", split: "val" } },
});
