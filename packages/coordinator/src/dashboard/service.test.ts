import { answerDashboard, DASH_SUBJECTS, MAX_PAGE } from "@mtl/bus";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFixture } from "../testing.ts";
import { createDashboardService } from "./service.ts";
import { loadSnapshot, loadTrialDetail } from "./snapshot.ts";

let f: ReturnType<typeof buildFixture>;
beforeEach(() => {
  f = buildFixture();
});
afterEach(() => f.cleanup());

/** The snapshot with every trial of the fixture on its page. */
const all = () => loadSnapshot(f.store, { trials: { limit: MAX_PAGE } });
const byNumber = (s: ReturnType<typeof loadSnapshot>, n: number) =>
  s.trials.items.find((t) => t.number === n)!;

describe("loadSnapshot", () => {
  it("summarises the sweep: counts, total, tasks and objective", () => {
    const s = loadSnapshot(f.store);
    expect(s.sweepId).toBe(f.sweepId);
    expect(s.sweeps[0]).toMatchObject({
      status: "running",
      total: 9,
      counts: { queued: 1, running: 1, completed: 5, failed: 1, pruned: 1, cancelled: 0 },
    });
    expect(s.sweeps[0]!.meanTrialMs).not.toBeNull();
    expect(s.tasks).toEqual([
      { name: "task1", metric: "accuracy", direction: "max" },
      { name: "task2", metric: "mse", direction: "min" },
    ]);
    expect(s.split).toBe("val");
    expect(s.objectiveNames).toEqual(["task1.accuracy"]);
    expect(s.trialCount).toBe(9);
    expect(s.running.map((t) => t.number)).toEqual([6]);
  });

  it("gives each trial its final metrics, or the latest epoch's while it runs", () => {
    const s = all();
    expect(byNumber(s, 2).metrics).toEqual({ task1: 0.88, task2: 0.18 });
    expect(byNumber(s, 2).live).toBe(false);
    const running = byNumber(s, 6);
    expect(running.live).toBe(true);
    expect(running.metrics.task1).toBeCloseTo(0.6); // epoch 2 of 3 at 0.9
    expect(byNumber(s, 4).weights).toEqual({ task1: 0.5, task2: 1.5 });
    expect(byNumber(s, 4).params).toEqual({});
    expect(byNumber(s, 8).params).toEqual({ learningRate: 0.01 });
  });

  it("gives each trial its configuration's Δm% and rank, from the comparison's rows", () => {
    const s = all();
    expect(s.hasBaselines).toBe(true);
    expect(s.analysisPending).toBe(false);
    // equal, paired by seed: seed 0 (0.88, 0.18) vs (0.8, 0.2): +10 %, +10 %; seed 1 (0.84, 0.22):
    // +5 %, −10 %. Δm% = mean(10, −2.5) = 3.75.
    expect(byNumber(s, 2).deltaM).toBeCloseTo(3.75);
    expect(byNumber(s, 3).deltaM).toBeCloseTo(3.75);
    expect(byNumber(s, 0).deltaM).toBeCloseTo(0);
    expect(byNumber(s, 7).deltaM).toBeNull();
    // The baseline differs in learning rate from trial 8's configuration: no Δm%.
    expect(byNumber(s, 8).deltaM).toBeNull();
    // The same numbers as the Compare panel's rows, and the same ranks.
    const rows = s.comparison!.rows;
    const equal = rows.find((r) => r.label.startsWith("equal"))!;
    expect(equal.deltaM).toBe(byNumber(s, 2).deltaM);
    expect(byNumber(s, 2).rank).toBe(equal.rank);
    expect(byNumber(s, 0).rank).toBeNull();
    // fixed (0.72) ranks below equal (0.86) by the objective task1.accuracy.
    expect(rows.filter((r) => r.rank !== null).map((r) => r.label.split(" ")[0])).toEqual(["equal", "fixed"]);
  });

  it("carries one page of trials, sorted and filtered by the server", () => {
    const first = loadSnapshot(f.store, { trials: { limit: 3 } });
    expect(first.trials.items.map((t) => t.number)).toEqual([0, 1, 2]);
    expect(first.trials.total).toBe(9);
    const next = loadSnapshot(f.store, { trials: { offset: 3, limit: 3 } });
    expect(next.trials.items.map((t) => t.number)).toEqual([3, 4, 5]);
    const best = loadSnapshot(f.store, { trials: { sort: "task:task1", limit: 2 } });
    expect(best.trials.items.map((t) => t.metrics.task1)).toEqual([0.88, 0.84]);
    const failed = loadSnapshot(f.store, { trials: { filter: "state:failed" } });
    expect([failed.trials.total, failed.trials.items[0]!.number]).toEqual([1, 5]);
    expect(failed.trialCount).toBe(9);
  });

  it("lists workers with their current trial's number and the notable events", () => {
    const s = all();
    expect(s.workers.map((w) => [w.name, w.state, w.currentTrialNumber])).toEqual([
      ["gpu-1", "gone", null],
      ["local-1", "busy", 6],
    ]);
    expect(s.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["trial.failed", "trial.pruned", "worker.left"]),
    );
    expect(s.comparison?.error).toBeNull();
    expect(s.comparison?.rows.map((r) => r.label.split(" ")[0])).toEqual(
      expect.arrayContaining(["single-task", "equal", "fixed"]),
    );
  });

  it("is plain JSON", () => {
    const s = all();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe("loadTrialDetail", () => {
  it("has per-task train and val curves, task weights over epochs, attempts and events", () => {
    const id = byNumber(all(), 4).id;
    const d = loadTrialDetail(f.store, id)!;
    expect(d.epochs).toBe(3);
    const acc = d.curves.filter((c) => c.task === "task1" && c.name === "accuracy").map((c) => c.split);
    expect(acc.sort()).toEqual(["train", "val"]);
    expect(
      d.curves
        .find((c) => c.task === "task1" && c.split === "val" && c.name === "accuracy")!
        .points.map((p) => p[0]),
    ).toEqual([1, 2, 3]);
    expect(d.weights.map((w) => [w.task, w.points[0]![1]])).toEqual([
      ["task1", 0.5],
      ["task2", 1.5],
    ]);
    expect(d.attempts).toHaveLength(1);
    expect(d.events.map((e) => e.kind)).toEqual(["trial.started", "trial.completed"]);
  });

  it("shows each failed attempt with its error", () => {
    const id = byNumber(all(), 5).id;
    const d = loadTrialDetail(f.store, id)!;
    expect(d.attempts.map((a) => [a.state, a.error])).toEqual([
      ["failed", "NaN loss at epoch 2"],
      ["failed", "NaN loss at epoch 1"],
    ]);
    expect(loadTrialDetail(f.store, 9999)).toBeUndefined();
  });
});

describe("answerDashboard over the coordinator's service", () => {
  const enc = new TextEncoder();
  const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
  const ask = async (subject: string, body: string) =>
    dec(await answerDashboard(createDashboardService(f.store), subject, enc.encode(body)));

  it("answers what the store holds, through the bytes on the wire", async () => {
    const service = createDashboardService(f.store, { deferAnalysis: false });
    const reply = dec(
      await answerDashboard(service, DASH_SUBJECTS.snapshot, enc.encode(`{"sweepId":${f.sweepId}}`)),
    );
    expect(reply).toEqual({ ...loadSnapshot(f.store, { sweepId: f.sweepId }), at: expect.any(Number) });
    expect(await ask(DASH_SUBJECTS.trial, '{"trialId":9999}')).toBeNull();
    expect(await ask(DASH_SUBJECTS.action, `{"action":"pause","sweepId":${f.sweepId}}`)).toEqual({
      ok: true,
      message: `sweep ${f.sweepId} paused`,
    });
  });

  it("turns bad requests into error replies", async () => {
    expect(await ask(DASH_SUBJECTS.action, '{"action":"explode"}')).toHaveProperty("error");
    expect(await ask(DASH_SUBJECTS.snapshot, "not json")).toHaveProperty("error");
    expect(await ask(DASH_SUBJECTS.trial, '{"trialId":-1}')).toHaveProperty("error");
    expect(await ask(DASH_SUBJECTS.snapshot, `{"trials":{"limit":${MAX_PAGE + 1}}}`)).toHaveProperty("error");
    expect(await ask(DASH_SUBJECTS.snapshot, '{"trials":{"sort":"bogus"}}')).toHaveProperty("error");
    expect(await ask("mtl.dash.nothing", "{}")).toHaveProperty("error");
  });
});

describe("the dashboard service's first frame", () => {
  it("answers at once and brings the comparison in a later snapshot", async () => {
    const service = createDashboardService(f.store);
    const first = await service.snapshot({ sweepId: f.sweepId });
    expect(first.analysisPending).toBe(true);
    expect(first.comparison).toBeNull();
    expect(first.trials.items.every((t) => t.deltaM === null)).toBe(true);
    expect(first.trials.items.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await service.snapshot({ sweepId: f.sweepId });
    expect(second.analysisPending).toBe(false);
    expect(second.comparison?.rows.length).toBeGreaterThan(0);
    expect(second.trials.items.find((t) => t.number === 2)!.deltaM).toBeCloseTo(3.75);
  });
});

describe("a long trial's detail", () => {
  it("downsamples 10,000 epochs to the points asked for, keeping the first and last", () => {
    const trial = f.store.trialsOf(f.sweepId).find((t) => t.state === "queued")!;
    f.store.startTrial(trial.id, { runId: "long", worker: "local-1", backend: "wasm" });
    const reports = Array.from({ length: 10_000 }, (_, i) => ({
      epoch: i + 1,
      metrics: [{ task: "task1", split: "val" as const, name: "accuracy", value: 1 - 1 / (i + 2) }],
      weights: { task1: 1, task2: 1 },
      wallMs: 1,
    }));
    f.store.recordEpochs(trial.id, "long", reports);
    const d = loadTrialDetail(f.store, trial.id, 200)!;
    expect(d.epochs).toBe(10_000);
    const acc = d.curves.find((c) => c.task === "task1" && c.name === "accuracy")!;
    expect(acc.points).toHaveLength(200);
    expect(acc.points[0]).toEqual([1, 0.5]);
    expect(acc.points.at(-1)![0]).toBe(10_000);
    expect(d.weights.every((w) => w.points.length === 200)).toBe(true);
    // The reply stays small: a few kB, not the 10,000 epochs.
    expect(JSON.stringify(d).length).toBeLessThan(40_000);
  });
});
