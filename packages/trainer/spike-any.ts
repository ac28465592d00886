import { TrialConfig } from "@mtl/spec";
import { runTrial } from "./src/index.ts";
const config = TrialConfig.parse({ experiment: "x", seed: 0, backend: "wasm", ...JSON.parse(process.argv[2]!) });
const t0 = performance.now();
const out = await runTrial(config, { onEpoch: (r) => { const m = Object.fromEntries(r.metrics.filter(p=>p.split==="test").map((p) => [`${p.task}.${p.name}`, +p.value.toFixed(3)])); console.log(r.epoch, Math.round(r.wallMs), JSON.stringify(r.weights), JSON.stringify(m)); } });
console.log(out.status, out.error ?? "", Math.round(performance.now() - t0), "ms");
