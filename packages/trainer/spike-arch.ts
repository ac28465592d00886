import { TrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { runTrial, initBackend } from "./src/index.ts";
await initBackend();
const cases: [string, any, any, any?][] = [
  ["mgda-ub/hard", { name: "mgda", options: { ub: true } }, { architecture: "hard-sharing" }],
  ["single", "equal", { architecture: "single-task" }],
  ["logistic", "equal", { architecture: "logistic" }],
  ["soft", "equal", { architecture: "soft-sharing" }],
  ["soft-pcgrad", "pcgrad", { architecture: "soft-sharing" }],
  ["cross", "equal", { architecture: "cross-stitch" }],
  ["mmoe", "gradnorm", { architecture: "mmoe", options: { experts: 3 } }],
  ["gelu-tanh", "equal", { architecture: "hard-sharing", activation: "gelu", head: [8] }],
  ["mnist-cnn", "equal", { architecture: "hard-sharing", trunk: "cnn", hidden: [32] }, { name: "mnist-multitask", options: { n_samples: 1000 } }],
  ["regression", "uncertainty", { architecture: "mmoe" }, { name: "correlated-regression", options: { n_samples: 1000 } }],
];
for (const [label, strategy, model, dataset] of cases) {
  const reg = dataset?.name === "correlated-regression";
  const mn = dataset?.name === "mnist-multitask";
  const tasks = reg ? [{ name: "task1", kind: "regression", metric: "mse" }, { name: "task2", kind: "regression", metric: "mae", loss: "huber" }]
    : mn ? [{ name: "digit", kind: "classification", metric: "accuracy" }, { name: "parity", kind: "classification", metric: "f1" }]
    : [{ name: "task1", kind: "classification", metric: "accuracy" }, { name: "task2", kind: "classification", metric: "f1" }];
  const config = TrialConfig.parse({ experiment: "x", seed: 1, dataset: dataset ?? { name: "classification", options: { n_samples: 600 } },
    tasks, model: { hidden: [32], ...model }, strategy, training: { epochs: 3, batchSize: 64 } });
  const before = tf.memory().numTensors; const t = performance.now();
  try {
    const out = await runTrial(config);
    const f = out.final!;
    console.log(label, out.status, out.error ?? "", "leak", tf.memory().numTensors - before, (performance.now() - t).toFixed(0) + "ms", JSON.stringify(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.val]))));
  } catch (e) { console.log(label, "THREW", String(e).slice(0, 300)); }
}
