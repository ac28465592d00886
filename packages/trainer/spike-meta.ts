import { TrialConfig } from "@mtl/spec";
import { runTrial } from "./src/index.ts";
const strat = JSON.parse(process.argv[2] ?? '{"name":"maml"}');
const epochs = Number(process.argv[3] ?? 3);
const config = TrialConfig.parse({
  experiment: "x", dataset: { name: "sinusoid", options: {} }, tasks: [{ name: "sinusoid", kind: "regression", metric: "mse" }],
  model: { hidden: [40, 40] }, strategy: strat, training: { epochs, learningRate: Number(process.argv[5] ?? 1e-3), batchSize: 250 }, seed: 0, backend: process.argv[4] ?? "wasm",
});
const t0 = performance.now();
const out = await runTrial(config, { onEpoch: (r) => { const m = Object.fromEntries(r.metrics.filter(p=>p.split!=="val").map((p) => [`${p.split}.${p.name}`, +p.value.toFixed(3)])); console.log(r.epoch, Math.round(r.wallMs), JSON.stringify(m)); } });
console.log(out.status, out.error ?? "", Math.round(performance.now() - t0), "ms");
