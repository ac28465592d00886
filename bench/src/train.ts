/**
 * `pnpm bench train`: training speed of two reference models on every TensorFlow.js backend that
 * loads — wasm with our kernels, wasm with tfjs's own kernels (MTL_ACCEL=off), cpu — and, where /usr/bin/python3 has
 * torch, the same model in PyTorch with one torch thread (its BLAS keeps its own threads), with the ratio to it; each in every round, the order
 * reversed every other round, every round printed, the table from the medians:
 * - mlp: 64 → 256 → 256 shared trunk, two regression heads, batch 256, Adam;
 * - cnn: the mnist-multitask cnn hard-sharing model (28×28×1 → Conv2D 32 3×3 → relu →
 *   MaxPool 2×2 → 64), heads for 10, 2 and 3 classes, cross-entropy, batch 64, Adam.
 * PyTorch runs without the BLAS/OpenMP overrides this machine sets (`_python.ts`), and the bench
 * prints which BLAS it used.
 *
 * Then few-shot MNIST evaluation (`fewshot`: the meta-test pass every maml/reptile trial runs each
 * epoch, batched [tasks, n, d] products) on wasm: the fast kernels, the fast kernels with batched
 * products left to tfjs (as before the accel took them), and tfjs's own kernels (MTL_ACCEL=off),
 * in alternating rounds, every round printed, medians compared.
 * Options: --steps N (timed steps per backend, default 60), --seconds S (cap per backend, default 8),
 * --rounds R (rounds of every table, default 3), --only mlp|cnn|fewshot.
 * Each table's figures go to bench/results/train.json (parts mlp, cnn, fewshot) as it finishes.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { median } from "@mtl/scheduler";
import {
  accel,
  initBackend,
  referenceCnnTrainingStep,
  referenceFewShotEvaluation,
  referenceTrainingStep,
} from "@mtl/trainer";
import { BLAS_INFO_PY, PYTHON, pythonEnv } from "./_python.ts";
import {
  type FewShotFigures,
  type FewShotMode,
  saveResults,
  startRun,
  type TrainModelFigures,
} from "./_results.ts";

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
const PYTORCH_TIMING = `${BLAS_INFO_PY}
for _ in range(3):
    step()
start = time.perf_counter()
done = 0
while done < steps and time.perf_counter() - start < seconds:
    step()
    done += 1
print(json.dumps({"steps_per_sec": done / (time.perf_counter() - start), "torch": torch.__version__, "blas": blas_info()}))
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

let saidBlas = false;

function pytorch(
  script: string,
  batch: number,
  steps: number,
  seconds: number,
): { stepsPerSec: number; version: string; blas: string } | string {
  const r = spawnSync(PYTHON, ["-c", script, String(steps), String(seconds), String(batch)], {
    encoding: "utf8",
    timeout: 120_000,
    env: pythonEnv(),
  });
  if (r.error) return `${PYTHON} not runnable (${r.error.message})`;
  if (r.status !== 0)
    return /No module named 'torch'/.test(r.stderr)
      ? "torch not installed"
      : (r.stderr.trim().split("\n").pop() ?? "failed");
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as {
    steps_per_sec: number;
    torch: string;
    blas: string;
  };
  if (!saidBlas) {
    saidBlas = true;
    console.log(`pytorch: ${out.blas}; environment without the machine's OPENBLAS_*/OMP_*/MKL_* overrides`);
  }
  return { stepsPerSec: out.steps_per_sec, version: out.torch, blas: out.blas };
}

/** The contenders the README's rows compare. */
const FAST = "wasm (fast kernels)";
const TFJS = "wasm (tfjs kernels)";
const TORCH = "pytorch (1 torch thread)";

interface Model {
  title: string;
  batch: number;
  make: () => Reference;
  torch: string;
  /** Steps for the slow backends (wasm with tfjs's kernels, cpu). */
  slowSteps: (steps: number) => number;
  warmup: number;
}

/** One way to train the model: a steps/s figure, or why it cannot run here. */
interface Contender {
  name: string;
  run(): Promise<number | string>;
}

/**
 * Every backend that loads, and PyTorch, once per round, the order reversed every other round
 * (the machine's load drifts); every round printed, the table from the medians.
 */
async function measure(
  model: Model,
  steps: number,
  seconds: number,
  rounds: number,
): Promise<TrainModelFigures> {
  const timed = (n: number) => time(model.make, n, seconds, model.warmup);
  const contenders: Contender[] = [];
  for (const backend of ["tensorflow-gpu", "tensorflow"]) {
    try {
      await initBackend(backend);
      contenders.push({
        name: backend,
        run: async () => {
          await initBackend(backend);
          return timed(steps);
        },
      });
    } catch {
      console.log(`${backend}: not available on this machine`);
    }
  }
  try {
    await initBackend("wasm");
    if (accel()?.active)
      contenders.push({
        name: FAST,
        run: async () => {
          await initBackend("wasm");
          return timed(steps);
        },
      });
    else console.log("wasm: the accel is not active (MTL_ACCEL=off?)");
    // tfjs-wasm's own kernels: XNNPACK's matrix products, the dense and loss ops in their tf-op
    // form, the step on the gradient tape and tfjs's optimiser (what MTL_ACCEL=off trains with).
    contenders.push({
      name: TFJS,
      run: async () => {
        await initBackend("wasm");
        const fast = accel();
        fast?.disable();
        try {
          return timed(model.slowSteps(steps));
        } finally {
          fast?.enable();
        }
      },
    });
  } catch (err) {
    console.log(`wasm: not available (${(err as Error).message})`);
  }
  contenders.push({
    name: "cpu",
    run: async () => {
      await initBackend("cpu");
      return timed(model.slowSteps(steps));
    },
  });
  let torchName = TORCH;
  contenders.push({
    name: TORCH,
    run: async () => {
      const torch = pytorch(model.torch, model.batch, steps * 4, seconds);
      if (typeof torch === "string") return torch;
      torchName = `pytorch ${torch.version} (1 torch thread)`;
      return torch.stepsPerSec;
    },
  });
  const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  /** Our kernels' steps/s over PyTorch's, in each round both ran. */
  const fastVsPytorch: number[] = [];
  let active = contenders;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? active : [...active].reverse();
    const line: string[] = [];
    const round = new Map<string, number>();
    for (const c of order) {
      const rate = await c.run();
      if (typeof rate === "string") {
        console.log(`${c.name}: ${rate}`);
        active = active.filter((x) => x !== c);
        continue;
      }
      rates.get(c.name)?.push(rate);
      round.set(c.name, rate);
      line.push(`${c.name} ${rate.toFixed(1)}`);
    }
    const [fastRate, torchRound] = [round.get(FAST), round.get(TORCH)];
    if (fastRate !== undefined && torchRound !== undefined) fastVsPytorch.push(fastRate / torchRound);
    console.log(`round ${r + 1} (steps/s): ${line.join(", ")}`);
  }
  await initBackend("wasm").catch(() => undefined);
  const rows: Row[] = active.map((c) => {
    const sps = median(rates.get(c.name) ?? []);
    return {
      backend: c.name.startsWith("pytorch") ? torchName : c.name,
      stepsPerSec: sps,
      samplesPerSec: sps * model.batch,
    };
  });
  const torchRate = rows.find((r) => r.backend.startsWith("pytorch"))?.stepsPerSec;

  console.log(`\n${model.title} (median of ${rounds} rounds)`);
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
  const fast = rows.find((r) => r.backend === FAST);
  const tfjs = rows.find((r) => r.backend === TFJS);
  return {
    rounds,
    batch: model.batch,
    fast: fast ? { stepsPerSec: fast.stepsPerSec, samplesPerSec: fast.samplesPerSec } : null,
    fastVsPytorchPerRound: fastVsPytorch.length
      ? [Math.min(...fastVsPytorch), Math.max(...fastVsPytorch)]
      : null,
    tfjsVsFast: fast && tfjs ? tfjs.stepsPerSec / fast.stepsPerSec : null,
    backends: rows.map((r) => ({
      backend: r.backend,
      stepsPerSec: r.stepsPerSec,
      samplesPerSec: r.samplesPerSec,
      vsPytorch: torchRate ? r.stepsPerSec / torchRate : null,
    })),
    pytorch: torchRate ? torchName : null,
  };
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

/** Held-out tasks per few-shot evaluation: the family's default, what a trial scores each epoch. */
const FEWSHOT_TASKS = 100;

/** Few-shot MNIST evaluation on wasm: fast kernels with and without batched products, and tfjs's. */
async function measureFewShot(rounds: number): Promise<FewShotFigures | undefined> {
  try {
    await initBackend("wasm");
  } catch (err) {
    console.log(`few-shot: wasm not available (${(err as Error).message})`);
    return undefined;
  }
  const fast = accel();
  if (!fast?.active) {
    console.log("few-shot: the accel is not active (MTL_ACCEL=off?): nothing to compare");
    return undefined;
  }
  const ref = referenceFewShotEvaluation({ evalTasks: FEWSHOT_TASKS });
  const modes = {
    "wasm, fast kernels": () => {},
    "wasm, fast kernels, batched products by tfjs (before)": () => fast.batchedProducts(false),
    "wasm, tfjs kernels (MTL_ACCEL=off)": () => fast.disable(),
  };
  const names = Object.keys(modes) as (keyof typeof modes)[];
  const times = new Map(names.map((n) => [n, [] as number[]]));
  const accuracy = new Map<string, number>();
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate the order: the machine's load drifts from one minute to the next.
      const order = r % 2 === 0 ? names : [...names].reverse();
      const line: string[] = [];
      for (const name of order) {
        modes[name]();
        try {
          ref.step(); // warm-up: kernel setup and V8's tiering
          const started = performance.now();
          accuracy.set(name, ref.step());
          const ms = performance.now() - started;
          times.get(name)?.push(ms);
          line.push(`${name} ${ms.toFixed(0)} ms`);
        } finally {
          fast.batchedProducts(true);
          fast.enable();
        }
      }
      console.log(`few-shot round ${r + 1}: ${line.join(", ")}`);
    }
  } finally {
    ref.dispose();
  }
  const base = median(times.get(names[0] as keyof typeof modes) ?? []);
  console.log(
    `\nfew-shot MNIST evaluation: ${FEWSHOT_TASKS} held-out 5-way 1-shot tasks, MLP 784 → 64 → 64 → 5, 10 SGD steps each (median of ${rounds})`,
  );
  for (const name of names) {
    const ms = median(times.get(name) ?? []);
    console.log(
      `${name.padEnd(54)} ${ms.toFixed(0).padStart(6)} ms  ×${(ms / base).toFixed(2)} the fast kernels' time  accuracy@1 ${accuracy.get(name)?.toFixed(4)}`,
    );
  }
  console.log("");
  const mode = (name: keyof typeof modes) => {
    const ms = median(times.get(name) ?? []);
    const acc = accuracy.get(name);
    return { ms, ratio: ms / base, ...(acc === undefined ? {} : { accuracy: acc }) };
  };
  const [fastMode, batched, tfjs] = names.map(mode) as [FewShotMode, FewShotMode, FewShotMode];
  return {
    tasks: FEWSHOT_TASKS,
    rounds,
    fast: fastMode,
    batchedByTfjs: batched,
    tfjsKernels: tfjs,
    sameAccuracy: new Set(names.map((n) => accuracy.get(n)?.toFixed(4))).size === 1,
  };
}

export async function main(args: string[] = []): Promise<void> {
  const steps = option(args, "steps", 60);
  const seconds = option(args, "seconds", 8);
  const i = args.indexOf("--only");
  const only = i >= 0 ? args[i + 1] : undefined;
  if (only !== undefined && !MODELS[only] && only !== "fewshot")
    throw new Error(`--only: expected one of ${[...Object.keys(MODELS), "fewshot"].join(", ")}`);
  const rounds = option(args, "rounds", 3);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(`load average (1/5/15 min) before: ${load()}`);
  for (const [name, model] of Object.entries(MODELS))
    if (!only || only === name) {
      const start = startRun(args);
      saveResults("train", { [name]: await measure(model, steps, seconds, rounds) }, start);
    }
  if (!only || only === "fewshot") {
    const start = startRun(args);
    const fewshot = await measureFewShot(rounds);
    if (fewshot) saveResults("train", { fewshot }, start);
  }
  console.log(`load average (1/5/15 min) after: ${load()}`);
}

// Run directly: tsx bench/src/train.ts [--steps N]
if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
