import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec, TrialConfig } from "@mtl/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "./store.ts";

const experiment = ExperimentSpec.parse({
  name: "retry",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
});

const config = TrialConfig.parse({
  experiment: "retry",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
  model: {},
  strategy: "equal",
  training: {},
  seed: 0,
});

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-retry-"));
  store = new Store(join(dir, "t.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("retryFailedTrials", () => {
  it("queues failed trials again with fresh attempts and leaves the others", () => {
    const { sweep } = store.ensureSweep(experiment);
    const planned = [0, 1].map((seed) => ({ configKey: "k", seed, method: "equal", params: {}, config }));
    const [a, b] = store.planTrials(sweep.id, planned, 1);
    for (const [t, run] of [
      [a!, "r1"],
      [b!, "r2"],
    ] as const)
      store.startTrial(t.id, { runId: run, worker: "w" });
    store.failTrial(a!.id, "r1", "csv: cannot read data.csv");
    store.completeTrial(b!.id, "r2", { final: {}, epochs: 0 });
    store.setSweepStatus(sweep.id, "completed");

    const retried = store.retryFailedTrials(sweep.id, 1);
    expect(retried.map((t) => t.id)).toEqual([a!.id]);
    expect(store.trial(a!.id)).toMatchObject({ state: "queued", error: null, runId: null, maxAttempts: 2 });
    expect(store.trial(b!.id)?.state).toBe("completed");
    expect(store.getSweep(sweep.id)?.status).toBe("running");
    // The fresh attempt may start although the first budget was spent.
    expect(store.startTrial(a!.id, { runId: "r3", worker: "w" }).applied).toBe(true);
  });

  it("changes nothing when nothing failed", () => {
    const { sweep } = store.ensureSweep(experiment);
    store.setSweepStatus(sweep.id, "completed");
    expect(store.retryFailedTrials(sweep.id, 3)).toEqual([]);
    expect(store.getSweep(sweep.id)?.status).toBe("completed");
  });
});
