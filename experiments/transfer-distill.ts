import { choice, defineExperiment } from "@mtl/spec";

/**
 * Transfer and distillation beside plain multi-task training on the same three classification
 * tasks: pretrain on tasks 1–2 then fine-tune on task 3 (whole model or head only), and a small
 * student distilled from a multi-task teacher at a few temperatures, against single-task models.
 */
export default defineExperiment({
  name: "transfer-distill",
  dataset: {
    name: "classification",
    options: {
      n_samples: 3000,
      n_features: 30,
      n_informative: 8,
      n_classes: 3,
      n_tasks: 3,
      relatedness: 0.7,
    },
  },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "classification", metric: "accuracy" },
    { name: "task3", kind: "classification", metric: "accuracy" },
  ],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [32] },
  strategies: [
    "equal",
    { name: "transfer", options: { target: "task3", fineTune: "whole" } },
    { name: "transfer", options: { target: "task3", fineTune: "head" } },
    { name: "distill", options: { teacher: "multi-task", teacherHidden: [128, 128] } },
  ],
  space: { "distill.temperature": choice([2, 4, 8]) },
  baselines: true,
  seeds: [0, 1, 2],
  training: { epochs: 16, batchSize: 64, optimizer: "adam", learningRate: 0.003 },
  sweep: { sampler: "grid", objective: { task: "task3", metric: "accuracy", split: "val" } },
});
