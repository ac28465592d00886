/**
 * A results file with one sweep in every interesting state, built through the Store's own
 * transitions (test helper, not exported from the package).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuiltinExperiment, ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";

export const experiment = builtinExperiment({
  name: "fixture",
  dataset: { name: "classification" },
  tasks: [
    { name: "task1", kind: "classification", metric: "accuracy" },
    { name: "task2", kind: "regression", metric: "mse" },
  ],
  strategies: ["equal", "fixed"],
  baselines: true,
  seeds: [0, 1],
  training: { epochs: 3 },
  sweep: { objective: { task: "task1" } },
});

function builtinExperiment(input: unknown): BuiltinExperiment {
  const e = ExperimentSpec.parse(input);
  if (e.kind !== "builtin") throw new Error("the fixture is a built-in experiment");
  return e;
}

type Plan = { method: string; seed: number; weights?: Record<string, number>; lr?: number };

const PLANS: Plan[] = [
  { method: "single-task", seed: 0 },
  { method: "single-task", seed: 1 },
  { method: "equal", seed: 0 },
  { method: "equal", seed: 1 },
  { method: "fixed", seed: 0, weights: { task1: 0.5, task2: 1.5 } },
  { method: "fixed", seed: 1, weights: { task1: 0.5, task2: 1.5 } },
  { method: "fixed", seed: 0, weights: { task1: 1.5, task2: 0.5 } },
  { method: "fixed", seed: 1, weights: { task1: 1.5, task2: 0.5 } },
  { method: "equal", seed: 0, lr: 0.01 },
];

/** Final metrics by trial number: task1 accuracy (higher better), task2 mse (lower better). */
export const FINALS: Record<number, [number, number]> = {
  0: [0.8, 0.2],
  1: [0.8, 0.2],
  2: [0.88, 0.18],
  3: [0.84, 0.22],
  4: [0.72, 0.1],
};

function final(acc: number, mse: number) {
  return {
    task1: { val: { accuracy: acc, loss: 1 - acc }, test: { accuracy: acc - 0.01, loss: 1 - acc } },
    task2: { val: { mse, loss: mse }, test: { mse: mse + 0.01, loss: mse } },
  };
}

function epoch(e: number, acc: number, mse: number, weights: Record<string, number>) {
  const points = (["train", "val"] as const).flatMap((split) => {
    const bonus = split === "train" ? 0.03 : 0;
    return [
      { task: "task1", split, name: "accuracy", value: acc * (e / 3) + bonus },
      { task: "task1", split, name: "loss", value: 1 - acc * (e / 3) },
      { task: "task2", split, name: "mse", value: mse * (4 - e) - bonus / 10 },
      { task: "task2", split, name: "loss", value: mse * (4 - e) },
    ];
  });
  return { epoch: e, metrics: points, weights, wallMs: 100 };
}

/**
 * Trials 0–1 single-task baselines, 2–3 equal, 4 fixed λ(0.5,1.5) completed, 5 failed after a
 * retry, 6 running at epoch 2, 7 queued, 8 pruned. Two workers, one gone.
 */
export function buildFixture(): {
  dir: string;
  path: string;
  store: Store;
  sweepId: number;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), "mtl-dash-"));
  const path = join(dir, "fixture.db");
  const store = new Store(path);
  const { sweep } = store.ensureSweep(experiment);
  store.setSweepStatus(sweep.id, "running", PLANS.length);
  const planned = store.planTrials(
    sweep.id,
    PLANS.map((p) => {
      const params: Record<string, unknown> = {
        strategy: p.method === "single-task" ? "equal" : p.method,
        ...(p.method === "single-task" ? { architecture: "single-task" } : {}),
        ...(p.weights ? { weights: p.weights } : {}),
        ...(p.lr ? { learningRate: p.lr } : {}),
      };
      const config = {
        experiment: "fixture",
        dataset: experiment.dataset,
        tasks: experiment.tasks,
        model: {
          ...experiment.model,
          architecture: p.method === "single-task" ? "single-task" : "hard-sharing",
        },
        strategy: { name: p.method === "single-task" ? "equal" : p.method, options: {} },
        training: { ...experiment.training, ...(p.lr ? { learningRate: p.lr } : {}) },
        ...(p.weights ? { weights: p.weights } : {}),
        seed: p.seed,
        params,
      };
      return {
        configKey: JSON.stringify([p.method, p.weights ?? null, p.lr ?? null]),
        seed: p.seed,
        method: p.method,
        params,
        config,
      };
    }),
  );
  store.upsertWorker({ name: "local-1", host: "box", pool: "cpu", backend: "wasm", state: "busy" });
  store.upsertWorker({
    name: "gpu-1",
    host: "rig",
    pool: "gpu",
    backend: "tensorflow-gpu",
    devices: ["GPU:0"],
    state: "idle",
  });
  const w = (i: number) => planned[i]!;
  const weightsOf = (i: number) => PLANS[i]!.weights ?? { task1: 1, task2: 1 };
  for (const [n, [acc, mse]] of Object.entries(FINALS)) {
    const i = Number(n);
    const runId = `run-${i}`;
    store.startTrial(w(i).id, { runId, worker: "local-1", backend: "wasm" });
    for (let e = 1; e <= 3; e++) store.recordEpoch(w(i).id, runId, epoch(e, acc, mse, weightsOf(i)));
    store.completeTrial(w(i).id, runId, {
      final: final(acc, mse),
      epochs: 3,
      backend: "wasm",
      objective: [acc],
    });
  }
  store.startTrial(w(5).id, { runId: "run-5a", worker: "gpu-1", backend: "tensorflow-gpu" });
  store.failTrial(w(5).id, "run-5a", "NaN loss at epoch 2", true);
  store.startTrial(w(5).id, { runId: "run-5b", worker: "gpu-1", backend: "tensorflow-gpu" });
  store.failTrial(w(5).id, "run-5b", "NaN loss at epoch 1", false);
  store.startTrial(w(6).id, { runId: "run-6", worker: "local-1", backend: "wasm" });
  for (let e = 1; e <= 2; e++) store.recordEpoch(w(6).id, "run-6", epoch(e, 0.9, 0.15, weightsOf(6)));
  store.upsertWorker({ name: "local-1", state: "busy", currentTrial: w(6).id });
  store.startTrial(w(8).id, { runId: "run-8", worker: "local-1", backend: "wasm" });
  store.recordEpoch(w(8).id, "run-8", epoch(1, 0.5, 0.5, weightsOf(8)));
  store.pruneTrial(w(8).id, "run-8", 1);
  store.markWorkerGone("gpu-1", "no heartbeat for 15s");
  return {
    dir,
    path,
    store,
    sweepId: sweep.id,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
