import { defineExperiment } from "@mtl/spec";

/**
 * MAML's sinusoid regression (Finn et al. 2017, §5.1): second-order MAML, first-order MAML,
 * Reptile, and the paper's baseline (pretrain on all tasks, then fine-tune), three seeds each.
 * A 1-40-40-1 ReLU net; each epoch is 100 meta-iterations of 25 tasks (K = 10 support and
 * 10 query points); after each epoch every method is adapted to 100 held-out tasks (fixed by the
 * dataset seed, the same for every trial) and scored by query MSE after 0, 1, 5 and 10 SGD steps
 * (`query_mse@k`); `mse`, the objective, is the one-step score.
 */
export default defineExperiment({
  name: "sinusoid-meta",
  description: "maml vs fomaml vs reptile vs pretrain-finetune on MAML's sinusoid tasks",
  dataset: {
    name: "sinusoid",
    options: { shots: 10, queries: 10, evalTasks: 100, evalSteps: [0, 1, 5, 10] },
  },
  tasks: [{ name: "sinusoid", kind: "regression", metric: "mse" }],
  model: { architecture: "hard-sharing", trunk: "mlp", hidden: [40, 40], activation: "relu" },
  strategies: [
    { name: "maml", options: { innerSteps: 1, innerLr: 0.01 } },
    { name: "fomaml", options: { innerSteps: 1, innerLr: 0.01 } },
    { name: "reptile", options: { innerSteps: 5, innerLr: 0.02, outerStepSize: 1 } },
    { name: "pretrain-finetune", options: { fineTuneLr: 0.01 } },
  ],
  seeds: [0, 1, 2],
  // learningRate: the outer Adam step of maml/fomaml and pretraining's; batchSize: pooled points per pretraining step.
  training: { epochs: 10, batchSize: 250, optimizer: "adam", learningRate: 0.003 },
  sweep: { sampler: "grid", objective: { task: "sinusoid", metric: "mse", split: "val" } },
});
