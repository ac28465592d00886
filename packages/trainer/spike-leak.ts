import { TrialConfig } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { runTrial, initBackend } from "./src/index.ts";
await initBackend();
for (const strategy of process.argv.slice(2)) {
const config = TrialConfig.parse({
  experiment: "x", seed: 1,
  dataset: { name: "classification", options: { n_samples: 300 } },
  tasks: [{ name: "task1", kind: "classification", metric: "accuracy" }, { name: "task2", kind: "classification", metric: "f1" }],
  model: { architecture: "hard-sharing", hidden: [16] },
  strategy, training: { epochs: 2, batchSize: 64 },
});
await runTrial(config); // warm
const before = tf.memory().numTensors;
const out = await runTrial(config);
console.log(strategy, out.status, out.error ?? "", "leak", tf.memory().numTensors - before);
}
