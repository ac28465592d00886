import { ModelSpec, TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import { hardSharing } from "./models/hard-sharing.ts";
import { createOptimizer } from "./optimizers.ts";
import { createRng } from "./rng.ts";
import { equal } from "./strategies/equal.ts";
import { makeStep } from "./train.ts";

await initBackend(process.argv[2] ?? "wasm");
const rng = createRng(0);
const spec = ModelSpec.parse({ architecture: "hard-sharing", trunk: "cnn", hidden: [64] });
const outs = [10, 2, 3];
const model = hardSharing.build(spec, {}, { inputShape: [28, 28, 1], outputs: outs, rng });
const tasks = outs.map((c, i) => ({ spec: TaskSpec.parse({ name: `t${i}`, kind: "classification", metric: "accuracy" }), units: c, classes: c }));
const strategy = equal.create({}, { tasks: tasks.map((t) => t.spec.name), initialWeights: [], rng });
const opt = createOptimizer({ optimizer: "adam", learningRate: 1e-3 });
const step = makeStep(model, strategy, tasks as never, opt, 0);
const B = 64;
const x = tf.tensor2d(Float32Array.from({ length: B * 784 }, () => rng.next()), [B, 784]);
const ys = outs.map((c) => tf.tensor1d(Int32Array.from({ length: B }, () => rng.int(c)), "int32"));
for (let i = 0; i < 3; i++) step(x, ys);
let t = performance.now();
const N = Number(process.argv[3] ?? 5);
for (let i = 0; i < N; i++) step(x, ys);
const ms = (performance.now() - t) / N;
console.log(`step ${ms.toFixed(1)} ms, ${(B / ms * 1000).toFixed(0)} samples/s`);
const prof = await tf.profile(() => { step(x, ys); });
const by = new Map<string, { n: number; ms: number }>();
for (const k of prof.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const e = by.get(key) ?? { n: 0, ms: 0 };
  e.n++; e.ms += k.kernelTimeMs as number;
  by.set(key, e);
}
const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
for (const [k, v] of rows) console.log(v.ms.toFixed(2).padStart(8), String(v.n).padStart(3), k);
console.log("total kernels", prof.kernels.length, "kernel ms", prof.kernels.reduce((a, k) => a + (k.kernelTimeMs as number), 0).toFixed(1));
