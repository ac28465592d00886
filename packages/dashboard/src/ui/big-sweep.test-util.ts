/**
 * A results file with one large finished sweep (test helper): `n` trials over n/4 configurations
 * (four seeds each) and their single-task baselines, every one completed through the Store's own
 * transitions, with final metrics on two tasks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { experiment } from "@mtl/coordinator/testing";
import { Store } from "@mtl/store";

export function buildBigSweep(n: number): {
  store: Store;
  sweepId: number;
  /** The results file. */
  path: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), "mtl-big-"));
  const path = join(dir, "big.db");
  const store = new Store(path);
  const { sweep } = store.ensureSweep(experiment);
  store.setSweepStatus(sweep.id, "running", n);
  const configs = Math.max(1, Math.floor(n / 4));
  const planned = store.planTrials(
    sweep.id,
    Array.from({ length: n }, (_, i) => {
      const c = i % configs;
      const seed = Math.floor(i / configs);
      // The first configuration's trials are the baselines of the training setting all share.
      const baseline = c === 0;
      const method = baseline ? "single-task" : "equal";
      const lr = baseline ? 0.001 : 0.001 * (1 + c / configs);
      const params: Record<string, unknown> = {
        strategy: "equal",
        learningRate: lr,
        ...(baseline ? { architecture: "single-task" } : {}),
      };
      return {
        configKey: `${method}-${c}`,
        seed,
        method,
        params,
        config: {
          experiment: "fixture",
          dataset: experiment.dataset,
          tasks: experiment.tasks,
          model: { ...experiment.model, architecture: baseline ? "single-task" : "hard-sharing" },
          strategy: { name: "equal", options: {} },
          training: { ...experiment.training, learningRate: baseline ? 0.001 : lr },
          seed,
          params,
        },
      };
    }),
  );
  store.upsertWorker({ name: "local-1", host: "box", pool: "cpu", backend: "wasm", state: "idle" });
  planned.forEach((t, i) => {
    const acc = 0.7 + ((i * 37) % 100) / 1000;
    const mse = 0.2 + ((i * 53) % 100) / 1000;
    store.startTrial(t.id, { runId: `run-${t.id}`, worker: "local-1", backend: "wasm" });
    store.completeTrial(t.id, `run-${t.id}`, {
      final: {
        task1: { val: { accuracy: acc }, test: { accuracy: acc } },
        task2: { val: { mse }, test: { mse } },
      },
      epochs: 0,
      backend: "wasm",
      objective: [acc],
    });
  });
  store.setSweepStatus(sweep.id, "completed");
  return {
    store,
    sweepId: sweep.id,
    path,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
