import * as tf from "@tensorflow/tfjs-core";
import { initBackend, referenceTrainingStep } from "./src/index.ts";
await initBackend("wasm");
const ref = referenceTrainingStep();
for (let i = 0; i < 5; i++) ref.step();
const info = await tf.profile(() => { for (let i = 0; i < 10; i++) ref.step(); });
const agg = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) { const e = agg.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; agg.set(k.name, e); }
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
let total = 0; for (const [, e] of rows) total += e.ms;
console.log("total kernel ms per step", (total / 10).toFixed(2));
for (const [k, e] of rows.slice(0, 25)) console.log(k.padEnd(20), (e.ms / 10).toFixed(3), (e.n / 10));
const t = performance.now(); for (let i = 0; i < 30; i++) ref.step(); console.log("wall per step", ((performance.now() - t) / 30).toFixed(2));
