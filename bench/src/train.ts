/**
 * `pnpm bench train`: training speed of the reference model (64 → 256 → 256 shared trunk, two
 * task heads, batch 256, Adam) on every TensorFlow.js backend that loads — wasm with the
 * transposed-matMul fix, stock wasm, cpu — and, where /usr/bin/python3 has torch, the same model
 * in PyTorch on one thread, with the ratio to it.
 * Options: --steps N (timed steps per backend, default 60), --seconds S (cap per backend, default 8).
 */
import { spawnSync } from "node:child_process";
import { initBackend, installFastMatMul, referenceTrainingStep, uninstallFastMatMul } from "@mtl/trainer";

const BATCH = 256;

interface Row {
  backend: string;
  stepsPerSec: number;
  samplesPerSec: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function time(steps: number, seconds: number): number {
  const ref = referenceTrainingStep({ batch: BATCH });
  try {
    for (let i = 0; i < 10; i++) ref.step(); // warm-up: kernel setup, JIT, allocation
    const start = performance.now();
    let done = 0;
    while (done < steps && performance.now() - start < seconds * 1000) {
      ref.step();
      done++;
    }
    return done / ((performance.now() - start) / 1000);
  } finally {
    ref.dispose();
  }
}

const PYTORCH = `
import json, sys, time, torch
torch.set_num_threads(1)
torch.manual_seed(0)
steps, seconds, batch = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
trunk = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU())
heads = torch.nn.ModuleList([torch.nn.Linear(256, 1) for _ in range(2)])
opt = torch.optim.Adam(list(trunk.parameters()) + list(heads.parameters()), lr=1e-3)
x = torch.randn(batch, 64)
ys = [torch.randn(batch) for _ in range(2)]
def step():
    opt.zero_grad()
    z = trunk(x)
    loss = sum(torch.mean((h(z).squeeze(1) - y) ** 2) for h, y in zip(heads, ys))
    loss.backward()
    opt.step()
for _ in range(3):
    step()
start = time.perf_counter()
done = 0
while done < steps and time.perf_counter() - start < seconds:
    step()
    done += 1
print(json.dumps({"steps_per_sec": done / (time.perf_counter() - start), "torch": torch.__version__}))
`;

function pytorch(steps: number, seconds: number): { stepsPerSec: number; version: string } | string {
  const r = spawnSync("/usr/bin/python3", ["-c", PYTORCH, String(steps), String(seconds), String(BATCH)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.error) return `python3 not runnable (${r.error.message})`;
  if (r.status !== 0)
    return /No module named 'torch'/.test(r.stderr)
      ? "torch not installed"
      : (r.stderr.trim().split("\n").pop() ?? "failed");
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as {
    steps_per_sec: number;
    torch: string;
  };
  return { stepsPerSec: out.steps_per_sec, version: out.torch };
}

export async function main(args: string[] = []): Promise<void> {
  const steps = option(args, "steps", 60);
  const seconds = option(args, "seconds", 8);
  const rows: Row[] = [];
  const add = (backend: string, sps: number) =>
    rows.push({ backend, stepsPerSec: sps, samplesPerSec: sps * BATCH });

  for (const backend of ["tensorflow-gpu", "tensorflow"]) {
    try {
      await initBackend(backend);
      add(backend, time(steps, seconds));
    } catch {
      console.log(`${backend}: not available on this machine`);
    }
  }
  try {
    await initBackend("wasm");
    add("wasm (transpose fix)", time(steps, seconds));
    uninstallFastMatMul();
    add("wasm (stock)", time(Math.min(steps, 20), seconds));
    installFastMatMul();
  } catch (err) {
    console.log(`wasm: not available (${(err as Error).message})`);
  }
  await initBackend("cpu");
  add("cpu", time(Math.min(steps, 30), seconds));

  const torch = pytorch(steps * 4, seconds);
  if (typeof torch === "string") console.log(`pytorch: ${torch}`);
  else add(`pytorch ${torch.version} (1 thread)`, torch.stepsPerSec);
  const torchRate = typeof torch === "string" ? undefined : torch.stepsPerSec;

  console.log(`\nreference model: 64 → 256 → 256 shared, 2 heads, batch ${BATCH}, Adam`);
  const header = ["backend", "steps/s", "samples/s", "× pytorch"];
  const lines = rows.map((r) => [
    r.backend,
    r.stepsPerSec.toFixed(1),
    Math.round(r.samplesPerSec).toLocaleString("en-US"),
    torchRate ? (r.stepsPerSec / torchRate).toFixed(2) : "–",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

// Run directly: tsx bench/src/train.ts [--steps N]
if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
