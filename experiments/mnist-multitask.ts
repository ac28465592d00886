import { defineExperiment } from "@mtl/spec";

/**
 * Several tasks on the same MNIST digits (shipped in the `mnist` package, nothing downloaded)
 * with the small CNN trunk: Conv2D 32 3×3 → MaxPool 2×2 → Flatten → dense.
 */
export default defineExperiment({
  name: "mnist-multitask",
  dataset: { name: "mnist-multitask", options: { n_samples: 1500 } },
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "parity", kind: "classification", metric: "accuracy" },
    { name: "ge5", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", trunk: "cnn", hidden: [64] },
  strategies: ["equal", "uncertainty", "pcgrad"],
  baselines: true,
  seeds: [0, 1],
  training: { epochs: 3, batchSize: 64, optimizer: "adam", learningRate: 0.002 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "accuracy", split: "val" } },
});
