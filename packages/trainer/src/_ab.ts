// Temporary: before/after of the cnn trunk, alternating runs. Not committed.
import { ModelSpec, TaskSpec } from "@mtl/spec";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./backend.ts";
import * as NEW from "./models/layers.ts";
import * as OLD from "./models/_old-layers.ts";
import type { Model } from "./models/types.ts";
import { createOptimizer } from "./optimizers.ts";
import { createRng } from "./rng.ts";
import { equal } from "./strategies/equal.ts";
import { makeStep } from "./train.ts";
import { loadavg } from "node:os";

await initBackend(process.argv[2] ?? "wasm");
const B = 64;
const outs = [10, 2, 3];
function build(L: typeof NEW, tag: string) {
  const rng = createRng(0);
  const spec = ModelSpec.parse({ architecture: "hard-sharing", trunk: "cnn", hidden: [64] });
  const trunk = L.trunkBlocks(spec, [28, 28, 1], rng, `trunk${tag}`);
  const size = L.outSizeOf(trunk, [28, 28, 1]);
  const heads = outs.map((o, i) => L.headBlocks(spec, size, o, rng, `h${tag}${i}`));
  const model: Model = {
    shared: L.varsOf(trunk), perTask: heads.map(L.varsOf), lastShared: trunk[1]!.vars,
    forward: (x) => { const z = L.applyAll(trunk, x); return heads.map((h) => L.applyAll(h, z)) as never; },
  } as Model;
  const tasks = outs.map((c, i) => ({ spec: TaskSpec.parse({ name: `t${i}`, kind: "classification", metric: "accuracy" }), units: c, classes: c }));
  const strategy = equal.create({}, { tasks: tasks.map((t) => t.spec.name), initialWeights: [], rng });
  const opt = createOptimizer({ optimizer: "adam", learningRate: 1e-3 });
  const step = makeStep(model, strategy, tasks as never, opt, 0);
  const x = tf.tensor2d(Float32Array.from({ length: B * 784 }, () => rng.next()), [B, 784]);
  const ys = outs.map((c) => tf.tensor1d(Int32Array.from({ length: B }, () => rng.int(c)), "int32"));
  return { run: () => step(x, ys), model };
}
const mode = process.argv[3] ?? "ab";
const old = mode.includes("a") ? build(OLD as never, "old") : undefined;
const neu = build(NEW, "new");
const time = (f: () => unknown, n: number) => {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const wall = (performance.now() - t0) / n; const cpu = ((c => (c.user + c.system) / 1000)(process.cpuUsage(c0))) / n;
  return { wall, cpu };
};
for (let i = 0; i < 3; i++) { old?.run(); neu.run(); }
const fmt = (r: { wall: number; cpu: number }) => `${r.wall.toFixed(1)} ms wall (${(B / r.wall * 1000).toFixed(0)} samples/s), ${r.cpu.toFixed(1)} ms cpu (${(B / r.cpu * 1000).toFixed(0)} samples/s)`;
console.log("loadavg", loadavg().map((l) => l.toFixed(2)).join(" "));
for (let round = 0; round < Number(process.argv[4] ?? 2); round++) {
  if (old) console.log("before:", fmt(time(old.run, 2)));
  console.log("after: ", fmt(time(neu.run, 20)));
}
if (mode.includes("p")) {
  const prof = await tf.profile(() => { neu.run(); });
  const by = new Map<string, { n: number; ms: number }>();
  for (const k of prof.kernels) { const key = `${k.name} ${JSON.stringify(k.inputShapes)}`; const e = by.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += k.kernelTimeMs as number; by.set(key, e); }
  for (const [k, v] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(v.ms.toFixed(2).padStart(8), String(v.n).padStart(3), k);
  console.log("kernels", prof.kernels.length, "kernel ms", prof.kernels.reduce((a, k) => a + (k.kernelTimeMs as number), 0).toFixed(1));
}
console.log("loadavg", loadavg().map((l) => l.toFixed(2)).join(" "));
