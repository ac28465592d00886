import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec, TrialConfig } from "@mtl/spec";
import { afterEach, beforeEach, expect, it } from "vitest";
import { Store } from "./store.ts";

const experiment = ExperimentSpec.parse({
  name: "resume",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
});
const config = TrialConfig.parse({
  experiment: "resume",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
  model: {},
  strategy: "equal",
  training: { epochs: 4 },
  seed: 0,
});
const report = (epoch: number) => ({
  epoch,
  metrics: [{ task: "a", split: "val" as const, name: "accuracy", value: epoch / 10 }],
  weights: { a: 1 },
  wallMs: 1,
});

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-store-resume-"));
  store = new Store(join(dir, "t.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

it("records the epoch an attempt resumed from and why checkpoints were refused", () => {
  const { sweep } = store.ensureSweep(experiment);
  const [t] = store.planTrials(
    sweep.id,
    [{ configKey: "k", seed: 0, method: "equal", params: {}, config }],
    3,
  );
  store.startTrial(t!.id, { runId: "r1", worker: "w" });
  for (const e of [1, 2, 3]) store.recordEpoch(t!.id, "r1", report(e));
  // r1's lease lapsed; r2 resumes from its checkpoint at epoch 2 (the one at 3 was corrupted).
  store.startTrial(t!.id, {
    runId: "r2",
    worker: "w2",
    resumedFrom: 2,
    resumeNotes: ["epoch 3 (attempt 1): checksum mismatch"],
  });
  // The resumed run reports the checkpoint's epochs again, then its own.
  store.recordEpochs(t!.id, "r2", [1, 2, 3, 4].map(report));
  const done = store.completeTrial(t!.id, "r2", { final: { a: { val: { accuracy: 0.4 } } }, epochs: 4 });
  expect(done.trial.state).toBe("completed");
  const attempts = store.attemptsOf(t!.id);
  expect(attempts.map((a) => [a.attempt, a.state, a.resumedFrom])).toEqual([
    [1, "lost", null],
    [2, "completed", 2],
  ]);
  expect([...new Set(store.metricsOf(t!.id).map((m) => m.epoch))]).toEqual([1, 2, 3, 4]);
  const kinds = store.trialEvents(t!.id).map((e) => `${e.kind}: ${e.message}`);
  expect(kinds).toContain("checkpoint.refused: trial 0 attempt 2: epoch 3 (attempt 1): checksum mismatch");
  expect(kinds).toContain("checkpoint.resumed: trial 0 attempt 2 resumed from epoch 2");
});
