import { answerDashboard, DASH_SUBJECTS } from "@mtl/bus";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFixture } from "../testing.ts";
import { createDashboardService } from "./service.ts";
import { loadSnapshot, loadTrialDetail } from "./snapshot.ts";

let f: ReturnType<typeof buildFixture>;
beforeEach(() => {
  f = buildFixture();
});
afterEach(() => f.cleanup());

const byNumber = (s: ReturnType<typeof loadSnapshot>, n: number) => s.trials.find((t) => t.number === n)!;

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
    expect(s.objectiveNames).toEqual(["mean.accuracy"]);
  });

  it("gives each trial its final metrics, or the latest epoch's while it runs", () => {
    const s = loadSnapshot(f.store);
    expect(byNumber(s, 2).metrics).toEqual({ task1: 0.88, task2: 0.18 });
    expect(byNumber(s, 2).live).toBe(false);
    const running = byNumber(s, 6);
    expect(running.live).toBe(true);
    expect(running.metrics.task1).toBeCloseTo(0.6); // epoch 2 of 3 at 0.9
    expect(byNumber(s, 4).weights).toEqual({ task1: 0.5, task2: 1.5 });
    expect(byNumber(s, 4).params).toEqual({});
    expect(byNumber(s, 8).params).toEqual({ learningRate: 0.01 });
  });

  it("computes Δm% per configuration against the single-task runs", () => {
    const s = loadSnapshot(f.store);
    expect(s.hasBaselines).toBe(true);
    // equal: task1 0.86 vs 0.8 → +7.5 %; task2 0.2 vs 0.2 → 0; mean +3.75 %.
    expect(byNumber(s, 2).deltaM).toBeCloseTo(3.75);
    expect(byNumber(s, 3).deltaM).toBeCloseTo(3.75);
    expect(byNumber(s, 0).deltaM).toBeCloseTo(0);
    expect(byNumber(s, 7).deltaM).toBeNull();
    // The baseline differs in learning rate from trial 8's configuration: no Δm%.
    expect(byNumber(s, 8).deltaM).toBeNull();
  });

  it("lists workers with their current trial's number and the notable events", () => {
    const s = loadSnapshot(f.store);
    expect(s.workers.map((w) => [w.name, w.state, w.currentTrialNumber])).toEqual([
      ["gpu-1", "gone", null],
      ["local-1", "busy", 6],
    ]);
    expect(s.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["trial.failed", "trial.pruned", "worker.left"]),
    );
    expect(s.comparison?.error).toBeNull();
    expect(s.comparison?.rows.map((r) => r.label)).toEqual(
      expect.arrayContaining(["single-task", "equal", "fixed"]),
    );
  });

  it("is plain JSON", () => {
    const s = loadSnapshot(f.store);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe("loadTrialDetail", () => {
  it("has per-task train and val curves, task weights over epochs, attempts and events", () => {
    const id = loadSnapshot(f.store).trials.find((t) => t.number === 4)!.id;
    const d = loadTrialDetail(f.store, id)!;
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
    const id = loadSnapshot(f.store).trials.find((t) => t.number === 5)!.id;
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
    expect(await ask(DASH_SUBJECTS.snapshot, `{"sweepId":${f.sweepId}}`)).toEqual({
      ...loadSnapshot(f.store, f.sweepId),
      at: expect.any(Number),
    });
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
    expect(await ask("mtl.dash.nothing", "{}")).toHaveProperty("error");
  });
});
