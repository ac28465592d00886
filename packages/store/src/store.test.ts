import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec } from "@mtl/spec";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "./open.ts";
import { Store, specKeyOf } from "./store.ts";

const experiment = ExperimentSpec.parse({
  name: "unit",
  dataset: { name: "classification" },
  tasks: [
    { name: "a", kind: "classification", metric: "accuracy" },
    { name: "b", kind: "classification", metric: "accuracy" },
  ],
});

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-store-"));
  store = new Store(join(dir, "t.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function planOne() {
  const { sweep } = store.ensureSweep(experiment);
  const [t] = store.planTrials(
    sweep.id,
    [{ configKey: "k", seed: 0, method: "equal", params: {}, config: {} }],
    2,
  );
  return { sweep, trial: t! };
}
const report = (epoch: number) => ({
  epoch,
  metrics: [{ task: "a", split: "val" as const, name: "accuracy", value: 0.5 + epoch / 100 }],
  weights: { a: 1, b: 1 },
  wallMs: 10,
});

describe("Store", () => {
  it("uses WAL mode on a real file", () => {
    const raw = new Database(join(dir, "t.db"), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("maps the same experiment to the same sweep, budget aside", () => {
    const a = store.ensureSweep(experiment);
    const b = store.ensureSweep({ ...experiment, sweep: { ...experiment.sweep, maxTrials: 99 } });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.sweep.id).toBe(a.sweep.id);
    expect(specKeyOf({ ...experiment, seeds: [1, 2] })).not.toBe(specKeyOf(experiment));
    expect(specKeyOf({ ...experiment, baselines: true })).toBe(specKeyOf(experiment));
  });

  it("runs a trial through its life and ignores duplicates", () => {
    const { sweep, trial } = planOne();
    expect(store.startTrial(trial.id, { runId: "r1", worker: "w" }).trial.state).toBe("running");
    expect(store.startTrial(trial.id, { runId: "r1", worker: "w" }).applied).toBe(false);
    expect(store.recordEpoch(trial.id, "r1", report(1)).applied).toBe(true);
    store.recordEpoch(trial.id, "r1", report(1)); // redelivered: no second row
    expect(store.metricsOf(trial.id).filter((m) => m.name === "accuracy")).toHaveLength(1);
    const done = store.completeTrial(trial.id, "r1", { final: { a: { val: { accuracy: 0.51 } } } });
    expect(done.applied).toBe(true);
    expect(store.completeTrial(trial.id, "r1", { final: {} }).applied).toBe(false);
    expect(store.trial(trial.id)!.final).toEqual({ a: { val: { accuracy: 0.51 } } });
    expect(store.counts(sweep.id).completed).toBe(1);
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["completed"]);
  });

  it("starts a new attempt when a trial is delivered again, and gives up after maxAttempts", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w1" });
    const again = store.startTrial(trial.id, { runId: "r2", worker: "w2" });
    expect(again.trial.attempt).toBe(2);
    expect(store.recordEpoch(trial.id, "r1", report(1)).applied).toBe(false); // stale run
    const third = store.startTrial(trial.id, { runId: "r3", worker: "w3" });
    expect(third.applied).toBe(false);
    expect(third.trial.state).toBe("failed");
  });

  it("keeps a late result from a superseded attempt, once", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w1" });
    store.startTrial(trial.id, { runId: "r2", worker: "w2" });
    expect(store.completeTrial(trial.id, "r1", { final: { a: {} } }).applied).toBe(true);
    expect(store.completeTrial(trial.id, "r2", { final: { b: {} } }).applied).toBe(false);
    expect(store.trial(trial.id)!.attempt).toBe(1);
  });

  it("requeues an interrupted trial without counting a failure, and retries retryable failures", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    expect(store.requeueTrial(trial.id, "interrupted", "Ctrl-C").trial.state).toBe("queued");
    store.startTrial(trial.id, { runId: "r2", worker: "w" });
    store.startTrial(trial.id, { runId: "r3", worker: "w" }); // r2 lost: 1 lost attempt of 2 allowed
    expect(store.trial(trial.id)!.state).toBe("running");
    expect(store.failTrial(trial.id, "r3", "boom", false).trial.state).toBe("failed");
    expect(store.cancelTrial(trial.id).applied).toBe(false); // terminal states are final
  });

  it("prunes and cancels, recording events", () => {
    const { sweep, trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    expect(store.pruneTrial(trial.id, "r1", 3).trial).toMatchObject({ state: "pruned", prunedEpoch: 3 });
    const kinds = store.eventsSince(0, sweep.id).map((e) => e.kind);
    expect(kinds).toEqual(["sweep.created", "trial.started", "trial.pruned"]);
  });

  it("records dead letters", () => {
    store.recordDeadLetter("mtl.trials.cpu", "{not json", "invalid JSON");
    expect(store.deadLetters()[0]).toMatchObject({ source: "mtl.trials.cpu", error: "invalid JSON" });
  });
});

describe("migrations", () => {
  it("brings a database made by an older version up to date, keeping its data", () => {
    // An "older version": the same migrations folder cut after the first migration.
    const old = join(dir, "old-migrations");
    cpSync(MIGRATIONS_FOLDER, old, { recursive: true });
    const journalPath = join(old, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8"));
    expect(journal.entries.length).toBeGreaterThan(1);
    journal.entries = journal.entries.slice(0, 1);
    writeFileSync(journalPath, JSON.stringify(journal));
    const path = join(dir, "older.db");
    const before = new Store(path, { migrationsFolder: old });
    before.ensureSweep(experiment);
    before.close();
    const raw = new Database(path);
    const tables = () =>
      raw
        .prepare("select name from sqlite_master where type = 'table'")
        .all()
        .map((r) => (r as { name: string }).name);
    expect(tables()).not.toContain("dead_letters");
    const after = new Store(path);
    expect(tables()).toContain("dead_letters");
    expect(after.listSweeps()).toHaveLength(1);
    after.close();
    raw.close();
  });
});

describe("Store transitions for the distributed path", () => {
  it("gives a trial up as failed, whatever attempts remain, once", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    const r = store.giveUpTrial(trial.id, "delivered 10 times without finishing");
    expect(r.applied).toBe(true);
    expect(r.trial).toMatchObject({ state: "failed", error: "delivered 10 times without finishing" });
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["failed"]);
    expect(store.giveUpTrial(trial.id, "again").applied).toBe(false);
  });

  it("keeps a lost attempt's late result as the completed attempt and cancels the newer one", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "old", worker: "w1" });
    store.startTrial(trial.id, { runId: "new", worker: "w2" }); // the lease was lost: delivered again
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["lost", "running"]);
    const r = store.completeTrial(trial.id, "old", { final: { a: { val: { accuracy: 1 } } } });
    expect(r.trial).toMatchObject({ state: "completed", runId: "old", attempt: 1 });
    expect(store.attemptsOf(trial.id).map((a) => [a.runId, a.state])).toEqual([
      ["old", "completed"],
      ["new", "cancelled"],
    ]);
    expect(store.completeTrial(trial.id, "new", { final: {} }).applied).toBe(false);
  });

  it("lists the ids of a sweep's trials by state", () => {
    const { sweep, trial } = planOne();
    expect(store.trialIds(sweep.id, ["queued"])).toEqual([trial.id]);
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    expect(store.trialIds(sweep.id, ["queued"])).toEqual([]);
    expect(store.trialIds(sweep.id, ["running", "queued"])).toEqual([trial.id]);
  });
});
