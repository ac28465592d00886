/**
 * `pnpm bench train`: training speed of two reference models on every TensorFlow.js backend that
 * loads — wasm with our kernels, wasm with tfjs's own kernels (MTL_ACCEL=off), cpu — and, where /usr/bin/python3 has
 * torch, the same model in PyTorch on one thread, with the ratio to it:
 * - mlp: 64 → 256 → 256 shared trunk, two regression heads, batch 256, Adam;
 * - cnn: the mnist-multitask cnn hard-sharing model (28×28×1 → Conv2D 32 3×3 → relu →
 *   MaxPool 2×2 → 64), heads for 10, 2 and 3 classes, cross-entropy, batch 64, Adam.
 * Options: --steps N (timed steps per backend, default 60), --seconds S (cap per backend, default 8),
 * --only mlp|cnn.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { accel, initBackend, referenceCnnTrainingStep, referenceTrainingStep } from "@mtl/trainer";

const BATCH = 256;
/** Minimum warm-up time per backend, on top of the warm-up steps. */
const WARMUP_MS = 1500;
const CNN_BATCH = 64;

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

type Reference = { step(): unknown; dispose(): void };

function time(make: () => Reference, steps: number, seconds: number, warmup = 10): number {
  const ref = make();
  try {
    // Warm-up: kernel setup, allocation, and V8's tiering of tfjs's JS and of the wasm kernels,
    // which takes longer than 10 steps of the fast backends (the steady state is what trials see).
    const warm = performance.now();
    for (let i = 0; i < warmup || performance.now() - warm < WARMUP_MS; i++) ref.step();
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

/** The timing loop both PyTorch models share: a short warm-up, then steps until a count or a time. */
const PYTORCH_TIMING = `for _ in range(3):
    step()
start = time.perf_counter()
done = 0
while done < steps and time.perf_counter() - start < seconds:
    step()
    done += 1
print(json.dumps({"steps_per_sec": done / (time.perf_counter() - start), "torch": torch.__version__}))
`;

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
${PYTORCH_TIMING}`;

const PYTORCH_CNN = `
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(1)
torch.manual_seed(0)
steps, seconds, batch = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
classes = [10, 2, 3]
trunk = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
    torch.nn.Linear(32 * 13 * 13, 64), torch.nn.ReLU())
heads = torch.nn.ModuleList([torch.nn.Linear(64, c) for c in classes])
opt = torch.optim.Adam(list(trunk.parameters()) + list(heads.parameters()), lr=1e-3)
x = torch.rand(batch, 1, 28, 28)
ys = [torch.randint(0, c, (batch,)) for c in classes]
def step():
    opt.zero_grad()
    z = trunk(x)
    loss = sum(F.cross_entropy(h(z), y) for h, y in zip(heads, ys))
    loss.backward()
    opt.step()
${PYTORCH_TIMING}`;

function pytorch(
  script: string,
  batch: number,
  steps: number,
  seconds: number,
): { stepsPerSec: number; version: string } | string {
  const r = spawnSync("/usr/bin/python3", ["-c", script, String(steps), String(seconds), String(batch)], {
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

interface Model {
  title: string;
  batch: number;
  make: () => Reference;
  torch: string;
  /** Steps for the slow backends (wasm with tfjs's kernels, cpu). */
  slowSteps: (steps: number) => number;
  warmup: number;
}

async function measure(model: Model, steps: number, seconds: number): Promise<void> {
  const rows: Row[] = [];
  const add = (backend: string, sps: number) =>
    rows.push({ backend, stepsPerSec: sps, samplesPerSec: sps * model.batch });
  const run = (n: number) => time(model.make, n, seconds, model.warmup);

  for (const backend of ["tensorflow-gpu", "tensorflow"]) {
    try {
      await initBackend(backend);
      add(backend, run(steps));
    } catch {
      console.log(`${backend}: not available on this machine`);
    }
  }
  try {
    await initBackend("wasm");
    const fast = accel();
    if (fast?.active) {
      add("wasm (fast kernels)", run(steps));
      fast.disable();
    } else console.log("wasm: the accel is not active (MTL_ACCEL=off?)");
    // tfjs-wasm's own kernels: XNNPACK's matrix products, the dense and loss ops in their tf-op
    // form, the step on the gradient tape and tfjs's optimiser (what MTL_ACCEL=off trains with).
    add("wasm (tfjs kernels)", run(model.slowSteps(steps)));
    fast?.enable();
  } catch (err) {
    console.log(`wasm: not available (${(err as Error).message})`);
  }
  await initBackend("cpu");
  add("cpu", run(model.slowSteps(steps)));

  const torch = pytorch(model.torch, model.batch, steps * 4, seconds);
  if (typeof torch === "string") console.log(`pytorch: ${torch}`);
  else add(`pytorch ${torch.version} (1 thread)`, torch.stepsPerSec);
  const torchRate = typeof torch === "string" ? undefined : torch.stepsPerSec;

  console.log(`\n${model.title}`);
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
  console.log("");
}

const MODELS: Record<string, Model> = {
  mlp: {
    title: `reference model: 64 → 256 → 256 shared, 2 heads, batch ${BATCH}, Adam`,
    batch: BATCH,
    make: () => referenceTrainingStep({ batch: BATCH }),
    torch: PYTORCH,
    slowSteps: (steps) => Math.min(steps, 20),
    warmup: 10,
  },
  cnn: {
    title: `mnist cnn: Conv2D 32 3×3 → MaxPool 2×2 → 64 shared, 3 heads (10/2/3 classes), batch ${CNN_BATCH}, Adam`,
    batch: CNN_BATCH,
    make: () => referenceCnnTrainingStep({ batch: CNN_BATCH }),
    torch: PYTORCH_CNN,
    slowSteps: (steps) => Math.min(steps, 10),
    warmup: 5,
  },
};

export async function main(args: string[] = []): Promise<void> {
  const steps = option(args, "steps", 60);
  const seconds = option(args, "seconds", 8);
  const i = args.indexOf("--only");
  const only = i >= 0 ? args[i + 1] : undefined;
  if (only !== undefined && !MODELS[only])
    throw new Error(`--only: expected one of ${Object.keys(MODELS).join(", ")}`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(`load average (1/5/15 min) before: ${load()}`);
  for (const [name, model] of Object.entries(MODELS))
    if (!only || only === name) await measure(model, steps, seconds);
  console.log(`load average (1/5/15 min) after: ${load()}`);
}

// Run directly: tsx bench/src/train.ts [--steps N]
if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
