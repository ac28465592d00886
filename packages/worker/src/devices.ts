/**
 * What a worker reports it trains on, for the heartbeat and the dashboard's workers view. Found,
 * not assumed: a GPU worker lists the GPUs `nvidia-smi` sees (none found is said, not hidden).
 */
import { availableParallelism, cpus } from "node:os";
import { execa } from "execa";

/** `nvidia-smi -L` lines: `GPU 0: NVIDIA H200 (UUID: GPU-…)`. */
export function parseNvidiaSmi(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split("\n")) {
    const m = /^GPU (\d+): (.+?)(?: \(UUID:.*\))?\s*$/.exec(line.trim());
    if (m) out.push(`gpu:${m[1]} ${m[2]}`);
  }
  return out;
}

/** `cpu: 16 × AMD EPYC …`, and on a `gpu` pool each GPU found (or `gpu: none found`). */
export async function detectDevices(pool: "cpu" | "gpu"): Promise<string[]> {
  const model = cpus()[0]?.model?.trim();
  const cpu = `cpu: ${availableParallelism()} core(s)${model ? ` · ${model}` : ""}`;
  if (pool !== "gpu") return [cpu];
  const smi = await execa("nvidia-smi", ["-L"], { reject: false, timeout: 10_000 });
  const gpus = smi.exitCode === 0 ? parseNvidiaSmi(smi.stdout) : [];
  return [...(gpus.length ? gpus : ["gpu: none found (nvidia-smi)"]), cpu];
}
