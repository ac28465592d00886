/**
 * ProgressLines on a real SQLite store driven as the coordinator drives it (a few trials
 * outstanding, an update after every event, epochs included): the lines it prints, and the rows
 * it reads per update, counted through the store, which must not grow with the sweep.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentSpec, TrialConfig } from "@mtl/spec";
import { Store, type TrialRow } from "@mtl/store";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProgressLines } from "./progress.ts";

const tasks = [{ name: "a", kind: "classification", metric: "accuracy" }];
const experiment = ExperimentSpec.parse({ name: "progress", dataset: { name: "classification" }, tasks });
const config = TrialConfig.parse({
  experiment: "progress",
  dataset: { name: "classification" },
  tasks,
  model: {},
  strategy: "equal",
  training: {},
  seed: 0,
});

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-progress-"));
  store = new Store(join(dir, "t.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts the trial rows the store hands out from now on. */
function countRows(s: Store): { rows: number } {
  const count = { rows: 0 };
  const trialsOf = s.trialsOf.bind(s);
  const trialsFrom = s.trialsFrom.bind(s);
  const trial = s.trial.bind(s);
  const add = <T extends TrialRow[] | TrialRow | undefined>(r: T): T => {
    count.rows += Array.isArray(r) ? r.length : r ? 1 : 0;
    return r;
  };
  vi.spyOn(s, "trialsOf").mockImplementation((...a) => add(trialsOf(...a)));
  vi.spyOn(s, "trialsFrom").mockImplementation((...a) => add(trialsFrom(...a)));
  vi.spyOn(s, "trial").mockImplementation((...a) => add(trial(...a)));
  return count;
}

/**
 * Runs a sweep of `n` trials, `parallel` outstanding at a time, three epochs each, with an update
 * after every change; returns the lines and the most rows one update read.
 */
function sweep(n: number, parallel: number): { lines: string[]; maxRowsPerUpdate: number } {
  const { sweep } = store.ensureSweep(experiment);
  const lines: string[] = [];
  const progress = new ProgressLines(
    store,
    sweep.id,
    () => n,
    (l) => lines.push(l),
  );
  const count = countRows(store);
  let maxRowsPerUpdate = 0;
  const update = () => {
    const before = count.rows;
    progress.update();
    maxRowsPerUpdate = Math.max(maxRowsPerUpdate, count.rows - before);
  };
  let planned = 0;
  const plan = (k: number) => {
    const rows = Array.from({ length: k }, (_, i) => ({
      configKey: "k",
      seed: planned + i,
      method: "equal",
      params: {},
      config,
    }));
    planned += k;
    const made = store.planTrials(sweep.id, rows);
    update();
    return made;
  };
  const queue = plan(Math.min(parallel, n));
  while (queue.length > 0) {
    const t = queue.shift() as TrialRow;
    const run = `r${t.id}`;
    store.startTrial(t.id, { runId: run, worker: "w1" });
    update();
    for (let epoch = 1; epoch <= 3; epoch++) update(); // an epoch changes no trial's state
    expect(store.completeTrial(t.id, run, { final: {}, epochs: 0 }).applied).toBe(true);
    update();
    if (planned < n) queue.push(...plan(1));
  }
  vi.restoreAllMocks();
  return { lines, maxRowsPerUpdate };
}

describe("ProgressLines", () => {
  it("prints a start and an end line per trial, with the sweep's count", () => {
    const { lines } = sweep(5, 2);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("[0/5] trial 0 started on w1 (equal seed=0)");
    expect(lines[1]).toMatch(/^\[1\/5\] trial 0 completed, ETA \d+s$/);
    expect(lines[9]).toBe("[5/5] trial 4 completed");
  });

  it("reads per update a number of rows that does not grow with the sweep", () => {
    const small = sweep(20, 2).maxRowsPerUpdate;
    store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), "mtl-progress-"));
    store = new Store(join(dir, "t.db"));
    const large = sweep(100, 2).maxRowsPerUpdate;
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(4); // the outstanding trials and the one that finished
  }, 60_000);

  it("reports a trial planned and finished between two updates, and one queued again after failing", () => {
    const { sweep: s } = store.ensureSweep(experiment);
    const lines: string[] = [];
    const progress = new ProgressLines(
      store,
      s.id,
      () => 2,
      (l) => lines.push(l),
    );
    const row = (seed: number) => ({ configKey: "k", seed, method: "equal", params: {}, config });
    const [a] = store.planTrials(s.id, [row(0)]);
    store.startTrial(a!.id, { runId: "r1", worker: "w1" });
    expect(store.completeTrial(a!.id, "r1", { final: {}, epochs: 0 }).applied).toBe(true);
    progress.update();
    expect(lines).toEqual([expect.stringMatching(/^\[1\/2\] trial 0 completed/)]);

    const [b] = store.planTrials(s.id, [row(1)], 1);
    store.startTrial(b!.id, { runId: "r2", worker: "w1" });
    store.failTrial(b!.id, "r2", "boom");
    progress.update();
    expect(lines.at(-1)).toBe("[2/2] trial 1 failed: boom");
    store.retryFailedTrials(s.id, 1);
    progress.update();
    store.startTrial(b!.id, { runId: "r3", worker: "w2" });
    progress.update();
    expect(lines.at(-1)).toBe("[1/2] trial 1 started on w2 (equal seed=1)");
  });
});
