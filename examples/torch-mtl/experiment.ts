import { defineExperiment, simplex } from "@mtl/spec";
import { pythonWith } from "../python.ts";

/**
 * A PyTorch hard-sharing network on scikit-learn's digits with three tasks (which digit, its
 * parity, whether it is ≥ 5), swept over task weights λ on the simplex, against single-task runs
 * of the same program (strategy "single-task": one network per task). `mtl compare` then gives
 * each λ's Δm% against those baselines. train.py runs on CUDA where PyTorch finds a GPU: start
 * workers with `--pool gpu` and set `sweep.pool: "gpu"` to send the trials there.
 *
 *   pnpm exec mtl run examples/torch-mtl/experiment.ts --db torch.db
 *   pnpm exec mtl compare --db torch.db
 */
export default defineExperiment({
  name: "torch-mtl",
  description: "PyTorch hard sharing on the digits: task weights against single-task runs",
  trainer: { program: "torch-mtl" },
  programs: { "torch-mtl": [pythonWith("torch", "sklearn"), "train.py"] },
  tasks: [
    { name: "digit", kind: "classification", metric: "accuracy" },
    { name: "parity", kind: "classification", metric: "accuracy" },
    { name: "ge5", kind: "classification", metric: "accuracy" },
  ],
  strategies: ["fixed"],
  baselines: true,
  space: { weights: simplex(["digit", "parity", "ge5"], { resolution: 2 }) },
  seeds: [0, 1, 2],
  training: { epochs: 12, learningRate: 0.003 },
  sweep: { sampler: "grid", objective: { task: "mean", metric: "accuracy", split: "val" } },
});
