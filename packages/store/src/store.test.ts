import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec, TrialConfig } from "@mtl/spec";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockHeld } from "./locks.ts";
import { MIGRATIONS_FOLDER, openDatabase } from "./open.ts";
import { Store, SWEEP_TIMINGS_SQL, specKeyOf, TRIAL_STATES_KEY_SQL } from "./store.ts";

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

const config = TrialConfig.parse({
  experiment: "unit",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
  model: {},
  strategy: "equal",
  training: { epochs: 2 },
  seed: 0,
});

function planOne(maxAttempts = 2) {
  const { sweep } = store.ensureSweep(experiment);
  const [t] = store.planTrials(
    sweep.id,
    [{ configKey: "k", seed: 0, method: "equal", params: {}, config }],
    maxAttempts,
  );
  return { sweep, trial: t! };
}
const report = (epoch: number, value = 0.5 + epoch / 100) => ({
  epoch,
  metrics: [{ task: "a", split: "val" as const, name: "accuracy", value }],
  weights: { a: 1, b: 1 },
  wallMs: 10,
});
const result = (accuracy: number, epochs = 2) => ({ final: { a: { val: { accuracy } } }, epochs });
/** Starts `runId` and stores epochs 1..n of it. */
function run(trialId: number, runId: string, worker: string, epochs: number) {
  store.startTrial(trialId, { runId, worker });
  for (let e = 1; e <= epochs; e++) store.recordEpoch(trialId, runId, report(e));
}
const epochsOf = (trialId: number, attempt?: number) => [
  ...new Set(store.metricsOf(trialId, attempt).map((m) => m.epoch)),
];

describe("Store", () => {
  it("uses WAL mode on a real file", () => {
    const raw = new Database(join(dir, "t.db"), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("maps the same experiment to the same sweep, budget aside, with one identity", () => {
    const a = store.ensureSweep(experiment);
    const b = store.ensureSweep({ ...experiment, sweep: { ...experiment.sweep, maxTrials: 99 } });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.sweep.id).toBe(a.sweep.id);
    expect(a.sweep.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(store.sweepByUid(a.sweep.uid)?.id).toBe(a.sweep.id);
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
    store.recordEpoch(trial.id, "r1", report(2));
    const done = store.completeTrial(trial.id, "r1", result(0.51));
    expect(done.applied).toBe(true);
    expect(store.completeTrial(trial.id, "r1", result(0.7)).applied).toBe(false);
    expect(store.trial(trial.id)).toMatchObject({ final: { a: { val: { accuracy: 0.51 } } }, epoch: 2 });
    expect(store.counts(sweep.id).completed).toBe(1);
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["completed"]);
  });

  it("waits for a result's epochs before completing a trial (they may arrive late)", () => {
    const { trial } = planOne();
    run(trial.id, "r1", "w", 1);
    const early = store.completeTrial(trial.id, "r1", result(0.5));
    expect(early).toMatchObject({ applied: false, verdict: "defer" });
    store.recordEpoch(trial.id, "r1", report(2));
    expect(store.completeTrial(trial.id, "r1", result(0.5)).trial.state).toBe("completed");
  });

  it("fails a trial whose result never got all its epochs, when told it is the last chance", () => {
    const { trial } = planOne();
    run(trial.id, "r1", "w", 1);
    const r = store.completeTrial(trial.id, "r1", result(0.5), { lastChance: true });
    expect(r.trial).toMatchObject({ state: "failed", error: expect.stringMatching(/1 of 2 stored/) });
  });

  it("starts a new attempt when a trial is delivered again, and gives up after maxAttempts", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w1" });
    const again = store.startTrial(trial.id, { runId: "r2", worker: "w2" });
    expect(again.trial.attempt).toBe(2);
    expect(again.orders).toEqual([{ runId: "r1", kind: "release" }]);
    const third = store.startTrial(trial.id, { runId: "r3", worker: "w3" });
    expect(third.trial).toMatchObject({ state: "failed", error: "gave up after 2 lost or failed attempts" });
    expect(store.attemptsOf(trial.id).map((a) => [a.runId, a.state])).toEqual([
      ["r1", "lost"],
      ["r2", "lost"],
      ["r3", "refused"],
    ]);
    expect(store.attemptsLeft(trial.id)).toBe(0);
  });

  it("keeps a former attempt's epochs on its own attempt, not the trial's", () => {
    const { trial } = planOne(3);
    run(trial.id, "old", "w1", 1);
    store.startTrial(trial.id, { runId: "new", worker: "w2" }); // the lease lapsed: delivered again
    const late = store.recordEpoch(trial.id, "old", report(2));
    expect(late.orders).toEqual([{ runId: "old", kind: "release" }]);
    expect(store.trial(trial.id)).toMatchObject({ runId: "new", attempt: 2, epoch: 0 });
    expect(epochsOf(trial.id, 1)).toEqual([1, 2]);
    expect(epochsOf(trial.id, 2)).toEqual([]);
  });

  it("adopts a former attempt's result whole and cancels the holder", () => {
    const { trial } = planOne(3);
    run(trial.id, "old", "w1", 1);
    run(trial.id, "new", "w2", 1);
    store.recordEpoch(trial.id, "old", report(2));
    const r = store.completeTrial(trial.id, "old", result(1));
    expect(r.trial).toMatchObject({ state: "completed", runId: "old", attempt: 1, worker: "w1", epoch: 2 });
    expect(r.orders).toEqual([{ runId: "new", kind: "cancel" }]);
    expect(store.attemptsOf(trial.id).map((a) => [a.runId, a.state])).toEqual([
      ["old", "completed"],
      ["new", "cancelled"],
    ]);
    expect(epochsOf(trial.id)).toEqual([1, 2]); // the kept result's epochs, all of them
    expect(store.completeTrial(trial.id, "new", result(0)).applied).toBe(false);
  });

  it("never completes a trial with a former attempt's result that misses epochs", () => {
    const { trial } = planOne(3);
    run(trial.id, "old", "w1", 1);
    run(trial.id, "new", "w2", 2);
    expect(store.completeTrial(trial.id, "old", result(1)).verdict).toBe("defer");
    const last = store.completeTrial(trial.id, "old", result(1), { lastChance: true });
    expect(last.trial).toMatchObject({ state: "running", runId: "new" });
    expect(store.attemptsOf(trial.id)[0]).toMatchObject({ state: "cancelled" });
    expect(store.completeTrial(trial.id, "new", result(0.9)).trial).toMatchObject({
      state: "completed",
      attempt: 2,
    });
    expect(epochsOf(trial.id)).toEqual([1, 2]);
  });

  it("lets a stalled run that is told to stop end only its own attempt", () => {
    // The first case: a SIGSTOPped worker wakes up past its lease and reports `cancelled`.
    const { trial } = planOne(3);
    run(trial.id, "stalled", "w1", 1);
    run(trial.id, "live", "w2", 1);
    const r = store.stopTrial(trial.id, "stalled", "cancelled", 1);
    expect(r.applied).toBe(true);
    expect(r.trial).toMatchObject({ state: "running", runId: "live" });
    expect(store.attemptsOf(trial.id).map((a) => [a.runId, a.state])).toEqual([
      ["stalled", "cancelled"],
      ["live", "running"],
    ]);
    // Pruning and failing are the holder's too.
    expect(store.pruneTrial(trial.id, "stalled", 1).trial.state).toBe("running");
    expect(store.failTrial(trial.id, "stalled", "x").trial.state).toBe("running");
  });

  it("rejects events of a run that is no attempt of the trial", () => {
    const { trial } = planOne();
    run(trial.id, "r1", "w", 2);
    const forged = store.completeTrial(trial.id, "forged", result(1));
    expect(forged).toMatchObject({ applied: false, verdict: "reject" });
    expect(store.recordEpoch(trial.id, "forged", report(1)).verdict).toBe("reject");
    expect(store.trial(trial.id)?.state).toBe("running");
  });

  it("refuses a start of a finished trial, telling the run to stop", () => {
    const { trial } = planOne();
    run(trial.id, "r1", "w", 2);
    store.completeTrial(trial.id, "r1", result(0.5));
    const again = store.startTrial(trial.id, { runId: "r2", worker: "w" });
    expect(again.orders).toEqual([{ runId: "r2", kind: "cancel" }]);
    expect(again.trial).toMatchObject({ state: "completed", runId: "r1", attempt: 1 });
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["completed", "refused"]);
  });

  it("requeues an interrupted trial without counting a failure, and retries retryable failures", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    const requeued = store.requeueTrial(trial.id, "interrupted", "Ctrl-C");
    expect(requeued).toMatchObject({ republish: true, trial: { state: "queued" } });
    store.startTrial(trial.id, { runId: "r2", worker: "w" });
    expect(store.failTrial(trial.id, "r2", "thread died", true).trial.state).toBe("queued");
    store.startTrial(trial.id, { runId: "r3", worker: "w" });
    expect(store.failTrial(trial.id, "r3", "boom", true).trial.state).toBe("failed"); // 2 of 2 used
    expect(store.cancelTrial(trial.id).applied).toBe(false); // terminal states are final
  });

  it("cancels a running trial for a person and names the run to stop", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    const r = store.cancelTrial(trial.id, "from the dashboard");
    expect(r.trial).toMatchObject({ state: "cancelled", error: "from the dashboard" });
    expect(r.orders).toEqual([{ runId: "r1", kind: "cancel" }]);
  });

  it("prunes and records events", () => {
    const { sweep, trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    expect(store.pruneTrial(trial.id, "r1", 3).trial).toMatchObject({ state: "pruned", prunedEpoch: 3 });
    const kinds = store.eventsSince(0, sweep.id).map((e) => e.kind);
    expect(kinds).toEqual(["sweep.created", "trial.started", "trial.pruned"]);
  });

  it("stores NaN and ±Infinity metrics and reads them back as such", () => {
    const { trial } = planOne();
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    store.recordEpoch(trial.id, "r1", {
      epoch: 1,
      metrics: [
        { task: "a", split: "val", name: "mse", value: Number.POSITIVE_INFINITY },
        { task: "a", split: "val", name: "loss", value: Number.NaN },
        { task: "a", split: "test", name: "mse", value: Number.NEGATIVE_INFINITY },
      ],
      weights: { a: 1 },
      wallMs: 1,
    });
    store.recordEpoch(trial.id, "r1", report(2));
    const values = Object.fromEntries(
      store.metricsOf(trial.id, 1).flatMap((m) => (m.epoch === 1 ? [[`${m.split}.${m.name}`, m.value]] : [])),
    );
    expect(values).toMatchObject({
      "val.mse": Number.POSITIVE_INFINITY,
      "val.loss": Number.NaN,
      "test.mse": Number.NEGATIVE_INFINITY,
    });
    const final = { a: { val: { mse: Number.POSITIVE_INFINITY, loss: Number.NaN, accuracy: 0.5 } } };
    store.completeTrial(trial.id, "r1", { final, epochs: 2 });
    expect(store.trial(trial.id)?.final).toEqual(final);
  });

  it("records dead letters", () => {
    store.recordDeadLetter("mtl.trials.cpu", "{not json", "invalid JSON");
    expect(store.deadLetters()[0]).toMatchObject({ source: "mtl.trials.cpu", error: "invalid JSON" });
  });
});

describe("reading a large sweep a page at a time", () => {
  function planFive() {
    const { sweep } = store.ensureSweep(experiment);
    const rows = store.planTrials(
      sweep.id,
      [0, 1, 2, 3, 4].map((seed) => ({
        configKey: seed === 0 ? "st" : "k",
        seed,
        method: seed === 0 ? "single-task" : "equal",
        params: {},
        config,
      })),
    );
    return { sweep, rows };
  }

  it("trialsPage reads trials by number, either way, from an offset", () => {
    const { sweep, rows } = planFive();
    expect(store.trialsPage(sweep.id, 1, 2).map((t) => t.number)).toEqual([1, 2]);
    expect(store.trialsPage(sweep.id, 0, 2, true).map((t) => t.number)).toEqual([4, 3]);
    expect(store.trialsPage(sweep.id, 4, 10).map((t) => t.id)).toEqual([rows[4]!.id]);
  });

  it("trialsOf in some states returns those trials in number order, whatever order they changed in", () => {
    const { sweep, rows } = planFive();
    for (const i of [4, 1, 3]) store.startTrial(rows[i]!.id, { runId: `r${i}`, worker: "w" });
    expect(store.trialsOf(sweep.id, ["running"]).map((t) => t.number)).toEqual([1, 3, 4]);
    expect(store.trialsOf(sweep.id, ["queued", "running"]).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(store.trialsOf(sweep.id, ["queued"]).map((t) => t.number)).toEqual([0, 2]);
  });

  it("trialStatesKey changes when a trial's state changes, and only then", () => {
    const { sweep, rows } = planFive();
    const before = store.trialStatesKey(sweep.id);
    expect(before).toBe(rows.map((t) => `${t.id}:queued:`).join(","));
    expect(store.trialStatesKey(sweep.id)).toBe(before);
    store.startTrial(rows[2]!.id, { runId: "r", worker: "w" });
    expect(store.trialStatesKey(sweep.id)).toBe(
      before.replace(`${rows[2]!.id}:queued:`, `${rows[2]!.id}:running:`),
    );
  });

  it("hasCompleted tells whether a method has a completed trial", () => {
    const { sweep, rows } = planFive();
    expect(store.hasCompleted(sweep.id, "single-task")).toBe(false);
    run(rows[0]!.id, "r0", "w", 2);
    expect(store.completeTrial(rows[0]!.id, "r0", result(0.9)).trial?.state).toBe("completed");
    expect(store.hasCompleted(sweep.id, "single-task")).toBe(true);
    expect(store.hasCompleted(sweep.id, "equal")).toBe(false);
  });
});

describe("locks", () => {
  const me = { token: "me", pid: 100, host: "here" };
  const other = { token: "other", pid: 200, host: "here" };
  it("refuses a second holder while the first lives, naming it", () => {
    store.acquireLock("coordinator", "mtl run a.ts", { owner: me, alive: () => true });
    expect(() =>
      store.acquireLock("coordinator", "mtl run b.ts", { owner: other, alive: () => true }),
    ).toThrow(LockHeld);
    expect(() =>
      store.acquireLock("coordinator", "mtl run b.ts", { owner: other, alive: () => true }),
    ).toThrow(/in use by mtl run a.ts \(pid 100 on here/);
    store.releaseLock("coordinator", me);
    expect(store.acquireLock("coordinator", "mtl run b.ts", { owner: other, alive: () => true })).toBe(other);
  });

  it("takes over a lock whose holder is gone; the old holder learns it lost it", () => {
    store.acquireLock("coordinator", "mtl run a.ts", { owner: me });
    expect(
      store.acquireLock("coordinator", "mtl run b.ts", { owner: other, alive: (pid) => pid !== 100 }),
    ).toBe(other);
    expect(store.refreshLock("coordinator", me)).toBe(false);
    expect(store.refreshLock("coordinator", other)).toBe(true);
  });

  it("takes over a lock of another host only once it has not been refreshed for a while", () => {
    store.acquireLock("coordinator", "a", { owner: { ...me, host: "there" } });
    expect(() => store.acquireLock("coordinator", "b", { owner: other })).toThrow(LockHeld);
    expect(store.acquireLock("coordinator", "b", { owner: other, staleMs: -1 })).toBe(other);
  });
});

describe("migrations", () => {
  /** A database as the version before `n` migrations left it (the migrations folder cut short). */
  function olderDatabase(keep: number) {
    const old = join(dir, `migrations-${keep}`);
    cpSync(MIGRATIONS_FOLDER, old, { recursive: true });
    const journalPath = join(old, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8"));
    expect(journal.entries.length).toBeGreaterThan(keep);
    journal.entries = journal.entries.slice(0, keep);
    writeFileSync(journalPath, JSON.stringify(journal));
    const path = join(dir, `older-${keep}.db`);
    openDatabase(path, { migrationsFolder: old }).sqlite.close();
    return path;
  }
  const tables = (raw: Database.Database) =>
    raw
      .prepare("select name from sqlite_master where type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name);

  it("brings a database made by an older version up to date, keeping its data", () => {
    const path = olderDatabase(2);
    const raw = new Database(path);
    raw.exec(`
      insert into experiments (name, created_at) values ('old', 1);
      insert into sweeps (experiment_id, name, spec_key, spec, created_at, updated_at) values (1, 'old', 'k', '{}', 1, 1);
      insert into sweeps (experiment_id, name, spec_key, spec, created_at, updated_at) values (1, 'old2', 'k2', '{}', 1, 1);
      insert into trials (sweep_id, number, config_key, seed, method, params, config, queued_at)
        values (1, 0, 'c', 0, 'equal', '{}', '{}', 1);
      insert into metrics values (1, 1, 1, 'a', 'val', 'accuracy', 0.75);
    `);
    expect(tables(raw)).not.toContain("locks");
    const after = new Store(path);
    expect(tables(raw)).toContain("locks");
    const [s1, s2] = after.listSweeps();
    expect(s1?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s2?.uid).not.toBe(s1?.uid);
    expect(after.metricsOf(1, 1).map((m) => m.value)).toEqual([0.75]);
    after.close();
    raw.close();
  });

  it("adds the dead letters table to a database of the first version", () => {
    const path = olderDatabase(1);
    const raw = new Database(path);
    expect(tables(raw)).not.toContain("dead_letters");
    new Store(path).close();
    expect(tables(raw)).toContain("dead_letters");
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
    expect(r.orders).toEqual([{ runId: "r1", kind: "cancel" }]);
    expect(store.attemptsOf(trial.id).map((a) => a.state)).toEqual(["failed"]);
    expect(store.giveUpTrial(trial.id, "again").applied).toBe(false);
  });

  it("requeues a trial whose worker is gone as lost, to be published again", () => {
    const { trial } = planOne(3);
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    const r = store.requeueTrial(trial.id, "lost", "worker w gone");
    expect(r).toMatchObject({ republish: true, trial: { state: "queued", runId: null } });
    expect(store.attemptsLeft(trial.id)).toBe(2);
  });

  it("lists the ids of a sweep's trials by state", () => {
    const { sweep, trial } = planOne();
    expect(store.trialIds(sweep.id, ["queued"])).toEqual([trial.id]);
    store.startTrial(trial.id, { runId: "r1", worker: "w" });
    expect(store.trialIds(sweep.id, ["queued"])).toEqual([]);
    expect(store.trialIds(sweep.id, ["running", "queued"])).toEqual([trial.id]);
  });
});

describe("what the dashboard reads of every trial on each frame", () => {
  it("is answered from the trials_timeline index, not the trials' rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "mtl-plan-"));
    try {
      const path = join(dir, "plan.db");
      new Store(path).close();
      const raw = new Database(path, { readonly: true });
      const plan = (q: string) =>
        (
          raw.prepare(`EXPLAIN QUERY PLAN ${q}`).all(...(q.includes("?") ? [1] : [])) as { detail: string }[]
        ).map((r) => r.detail);
      for (const q of [TRIAL_STATES_KEY_SQL, SWEEP_TIMINGS_SQL]) {
        const steps = plan(q).filter((d) => / trials /.test(`${d} `));
        expect(steps.length, q).toBeGreaterThan(0);
        for (const d of steps) expect(d, q).toMatch(/USING COVERING INDEX trials_timeline/);
      }
      raw.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
