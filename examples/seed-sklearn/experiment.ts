import { choice, defineExperiment, loguniform } from "@mtl/spec";
import { pythonWith } from "../python.ts";

/**
 * The seed document's scikit-learn comparison, swept: logistic regression (over its C) against a
 * one-hidden-layer MLP (over its width and L2 penalty) on make_classification's binary task, five
 * seeds each. The program is train.py in this folder; each strategy name selects its model.
 *
 *   pnpm exec mtl run examples/seed-sklearn/experiment.ts --db sklearn.db
 *   pnpm exec mtl compare --db sklearn.db
 */
export default defineExperiment({
  name: "seed-sklearn",
  description: "logistic regression vs an MLP on make_classification, swept as a program",
  trainer: { program: "sklearn" },
  programs: { sklearn: [pythonWith("sklearn"), "train.py"] },
  tasks: [{ name: "y", kind: "classification", metric: "accuracy" }],
  strategies: ["logistic", "mlp"],
  space: {
    "logistic.C": loguniform(0.01, 10),
    "mlp.hidden": choice([8, 32]),
    "mlp.alpha": loguniform(1e-5, 1e-2),
  },
  seeds: [0, 1, 2, 3, 4],
  training: { epochs: 15 },
  sweep: { sampler: "random", maxTrials: 40, seed: 1, objective: { task: "y", split: "val" } },
});
