import { TrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { runTrial } from "./src/index.ts";
const strategy = process.argv[2] ?? "equal";
const config = TrialConfig.parse({
  experiment: "x", seed: 1,
  dataset: { name: "classification", options: { n_samples: 2000 } },
  tasks: [{ name: "task1", kind: "classification", metric: "accuracy" }, { name: "task2", kind: "classification", metric: "f1" }],
  model: { architecture: process.argv[3] ?? "hard-sharing", hidden: [64, 64] },
  strategy, training: { epochs: 5, batchSize: 64 },
});
const t = performance.now();
const out = await runTrial(config, { onEpoch: (r) => console.log(r.epoch, r.wallMs.toFixed(0), JSON.stringify(r.weights), r.metrics.filter(m => m.split === "val").map(m => `${m.task}.${m.name}=${m.value.toFixed(3)}`).join(" ")) });
console.log(JSON.stringify(out.final?.task1?.test), out.status, out.backend, out.error, (performance.now() - t).toFixed(0), "ms", tf.memory().numTensors);
