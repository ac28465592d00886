/**
 * The coordinator over the in-process bus and a temporary SQLite file, with the worker's side
 * played by hand (no training): each case sends the events a worker in trouble would send and
 * checks what the store kept and what the coordinator told the runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ControlMessage, type Delivery, InProcessBus, type TrialEvent, type WorkerBus } from "@mtl/bus";
import { ExperimentSpec } from "@mtl/spec";
import { Store } from "@mtl/store";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coordinator, type SweepSummary } from "./coordinator.ts";
import { sweepSampler } from "./sweep-sampler.ts";

const EPOCHS = 2;

function experimentOf(seeds: number, maxAttempts = 3) {
  return ExperimentSpec.parse({
    name: "unit",
    dataset: { name: "classification" },
    tasks: [
      { name: "a", kind: "classification", metric: "accuracy" },
      { name: "b", kind: "regression", metric: "mse" },
    ],
    seeds: Array.from({ length: seeds }, (_, i) => i),
    training: { epochs: EPOCHS },
    sweep: { objective: { task: "a" }, maxAttempts },
  });
}

let dir: string;
let store: Store;
let bus: InProcessBus;
let worker: WorkerBus;
let controls: ControlMessage[];
let stop: AbortController;
let running: Promise<SweepSummary> | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtl-coordinator-"));
  store = new Store(join(dir, "t.db"));
  bus = new InProcessBus({ retryMs: 5 });
  worker = bus.worker();
  controls = [];
  worker.onControl((m) => controls.push(m));
  stop = new AbortController();
});

afterEach(async () => {
  stop.abort();
  await running;
  running = undefined;
  vi.useRealTimers();
  await worker.close();
  await bus.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(
  seeds: number,
  o: { maxAttempts?: number; requeueRunning?: boolean; reconcileMs?: number } = {},
) {
  const experiment = experimentOf(seeds, o.maxAttempts);
  const { sweep } = store.ensureSweep(experiment);
  const coordinator = new Coordinator({
    store,
    bus,
    experiment,
    sweep,
    parallelism: seeds,
    requeueRunning: o.requeueRunning ?? true,
    reconcileMs: o.reconcileMs,
    workerTimeoutMs: 60_000,
  });
  running = coordinator.run(stop.signal);
  return { sweep, coordinator };
}

const take = async (): Promise<Delivery> => {
  const d = await worker.nextTrial([{ pool: "cpu" }], AbortSignal.timeout(5000));
  if (!d) throw new Error("no trial was delivered");
  return d;
};

const ids = (d: Delivery, runId: string, name = "w1") => ({
  sweep: d.message.sweep,
  trialId: d.message.trialId,
  runId,
  worker: name,
});

const report = (epoch: number, accuracy = 0.5 + epoch / 10, mse = 0.1) => ({
  epoch,
  metrics: [
    { task: "a", split: "val" as const, name: "accuracy", value: accuracy },
    { task: "b", split: "val" as const, name: "mse", value: mse },
  ],
  weights: { a: 1, b: 1 },
  wallMs: 5,
});

const final = (accuracy: number, mse = 0.1) => ({
  a: { val: { accuracy } },
  b: { val: { mse } },
});

/** Plays a run that trains `epochs` epochs and completes. */
async function completeRun(d: Delivery, runId: string, epochs = EPOCHS, name = "w1") {
  await worker.publishEvent({ ...ids(d, runId, name), kind: "started", backend: "none" });
  for (let e = 1; e <= epochs; e++)
    await worker.publishEvent({ ...ids(d, runId, name), kind: "epoch", reports: [report(e)] });
  await worker.publishEvent({
    ...ids(d, runId, name),
    kind: "completed",
    backend: "none",
    epochs,
    final: final(0.5 + epochs / 10),
  });
}

const epochsKept = (trialId: number) => [...new Set(store.metricsOf(trialId).map((m) => m.epoch))].sort();

describe("Coordinator", () => {
  it("runs a sweep to the end, every result stored once with all its epochs", async () => {
    const { sweep } = start(2);
    for (const d of [await take(), await take()]) {
      await completeRun(d, `run-${d.message.trialId}`);
      await d.ack();
    }
    expect((await running)?.status).toBe("completed");
    for (const t of store.trialsOf(sweep.id)) {
      expect(t).toMatchObject({ state: "completed", objective: [0.7] });
      expect(epochsKept(t.id)).toEqual([1, 2]);
    }
  });

  it("plans ahead in batches exactly the trials the sampler plans in one go, past a batch's end", async () => {
    // 270 trials: more than the first batch planned ahead (256), dispatched 3 at a time.
    const experiment = experimentOf(270);
    const { sweep } = store.ensureSweep(experiment);
    running = new Coordinator({ store, bus, experiment, sweep, parallelism: 3, requeueRunning: true }).run(
      stop.signal,
    );
    for (let i = 0; i < 270; i++) {
      const d = await take();
      await completeRun(d, `run-${d.message.trialId}`);
      await d.ack();
    }
    expect((await running)?.status).toBe("completed");
    const plan = sweepSampler(experiment).next(Number.MAX_SAFE_INTEGER, []);
    expect(store.trialsOf(sweep.id).map((t) => [t.configKey, t.seed])).toEqual(
      plan.map((p) => [p.configKey, p.config.seed]),
    );
  });

  it("lets a stalled run's cancel end only its own attempt, not the live one's trial", async () => {
    const { sweep } = start(1);
    const d = await take();
    const old = ids(d, "stalled");
    await worker.publishEvent({ ...old, kind: "started", backend: "none" });
    await worker.publishEvent({ ...old, kind: "epoch", reports: [report(1)] });
    // Its lease lapsed: the trial was delivered again, and another run started it.
    await worker.publishEvent({ ...ids(d, "live", "w2"), kind: "started", backend: "none" });
    expect(controls).toContainEqual({ kind: "release", trialId: d.message.trialId, runId: "stalled" });
    // The stalled run wakes up, sends an epoch, is told to stop, and says it stopped.
    await worker.publishEvent({ ...old, kind: "epoch", reports: [report(2)] });
    await worker.publishEvent({ ...old, kind: "stopped", status: "cancelled", epoch: 2 });
    expect(store.trial(d.message.trialId)).toMatchObject({ state: "running", runId: "live" });
    await worker.publishEvent({ ...ids(d, "live", "w2"), kind: "epoch", reports: [report(1)] });
    await worker.publishEvent({ ...ids(d, "live", "w2"), kind: "epoch", reports: [report(2)] });
    await worker.publishEvent({
      ...ids(d, "live", "w2"),
      kind: "completed",
      backend: "none",
      epochs: 2,
      final: final(0.9),
    });
    await d.ack();
    expect((await running)?.status).toBe("completed");
    const [t] = store.trialsOf(sweep.id);
    expect(t).toMatchObject({ state: "completed", runId: "live", worker: "w2" });
    expect(store.attemptsOf(t!.id).map((a) => [a.runId, a.state])).toEqual([
      ["stalled", "cancelled"],
      ["live", "completed"],
    ]);
    expect(epochsKept(t!.id)).toEqual([1, 2]);
  });

  it("keeps a validation metric that overflows as data, and fails a trial whose objective is NaN", async () => {
    const { sweep } = start(2);
    const overflow = await take();
    const nan = await take();
    const o = ids(overflow, "overflow");
    await worker.publishEvent({ ...o, kind: "started", backend: "none" });
    for (const e of [1, 2])
      await worker.publishEvent({ ...o, kind: "epoch", reports: [report(e, 0.6, Number.POSITIVE_INFINITY)] });
    await worker.publishEvent({
      ...o,
      kind: "completed",
      backend: "none",
      epochs: 2,
      final: final(0.6, Number.POSITIVE_INFINITY),
    });
    const n = ids(nan, "nan");
    await worker.publishEvent({ ...n, kind: "started", backend: "none" });
    for (const e of [1, 2])
      await worker.publishEvent({ ...n, kind: "epoch", reports: [report(e, Number.NaN)] });
    await worker.publishEvent({
      ...n,
      kind: "completed",
      backend: "none",
      epochs: 2,
      final: final(Number.NaN),
    });
    await overflow.ack();
    await nan.ack();
    expect((await running)?.status).toBe("completed");
    const [t1, t2] = store.trialsOf(sweep.id);
    expect(t1).toMatchObject({ state: "completed", objective: [0.6] });
    expect(t1?.final?.b?.val?.mse).toBe(Number.POSITIVE_INFINITY);
    expect(
      store
        .metricsOf(t1!.id)
        .filter((m) => m.name === "mse")
        .map((m) => m.value),
    ).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(t2).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/objective a\.accuracy is not finite/),
    });
  });

  it("fails the trial whose run cannot send an event, rather than leaving it running", async () => {
    const { sweep } = start(1);
    const d = await take();
    const r = ids(d, "r1");
    await worker.publishEvent({ ...r, kind: "started", backend: "none" });
    const bad: TrialEvent = { ...r, kind: "epoch", reports: [{ ...report(1), wallMs: Number.NaN }] };
    await expect(worker.publishEvent(bad)).rejects.toThrow(/wallMs/);
    // What a worker does next: report the failure, and settle its delivery.
    await worker.publishEvent({ ...r, kind: "failed", error: "unsendable", retryable: false, epoch: 0 });
    await d.ack();
    expect((await running)?.status).toBe("completed");
    const [t] = store.trialsOf(sweep.id);
    expect(t).toMatchObject({ state: "failed", error: expect.stringMatching(/could not be stored.*wallMs/) });
    expect(controls).toContainEqual({ kind: "cancel", trialId: t!.id, runId: "r1" });
  });

  it("dead-letters a forged result, and events of a sweep it does not own", async () => {
    const { sweep } = start(1);
    const d = await take();
    await worker.publishEvent({ ...ids(d, "r1"), kind: "started", backend: "none" });
    await worker.publishEvent({ ...ids(d, "forged"), kind: "completed", backend: "x", epochs: 0, final: {} });
    await worker.publishEvent({
      ...ids(d, "elsewhere"),
      sweep: "0d0c6a52-0000-4000-8000-000000000000",
      kind: "started",
      backend: "none",
    });
    expect(store.trial(d.message.trialId)).toMatchObject({ state: "running", runId: "r1" });
    expect(store.deadLetters().map((l) => l.error)).toEqual([
      "run forged is no attempt of this trial",
      "event of sweep 0d0c6a52-0000-4000-8000-000000000000, not this one",
    ]);
    await completeRun(d, "r2"); // (a second delivery: r1's lease lapsed)
    await d.ack();
    expect((await running)?.status).toBe("completed");
    expect(store.trialsOf(sweep.id)[0]).toMatchObject({ state: "completed", runId: "r2" });
  });

  it("waits for a result's late epochs instead of completing without them", async () => {
    const { sweep } = start(1);
    const d = await take();
    const r = ids(d, "r1");
    await worker.publishEvent({ ...r, kind: "started", backend: "none" });
    await worker.publishEvent({ ...r, kind: "epoch", reports: [report(1)] });
    // The result overtakes epoch 2 (a redelivered event on NATS can): it is deferred.
    const result = worker.publishEvent({
      ...r,
      kind: "completed",
      backend: "none",
      epochs: 2,
      final: final(0.7),
    });
    await result;
    expect(store.trial(d.message.trialId)?.state).toBe("running");
    await worker.publishEvent({ ...r, kind: "epoch", reports: [report(2)] });
    await d.ack();
    expect((await running)?.status).toBe("completed");
    const [t] = store.trialsOf(sweep.id);
    expect(t?.state).toBe("completed");
    expect(epochsKept(t!.id)).toEqual([1, 2]);
  });

  it("holds a paused sweep's queued trials back until it resumes", async () => {
    const experiment = experimentOf(1);
    const { sweep } = store.ensureSweep(experiment);
    store.setSweepStatus(sweep.id, "paused");
    const coordinator = new Coordinator({
      store,
      bus,
      experiment,
      sweep,
      parallelism: 1,
      requeueRunning: true,
    });
    running = coordinator.run(stop.signal);
    // Paused before anything was planned: nothing reaches the worker.
    expect(await worker.nextTrial([{ pool: "cpu" }], AbortSignal.timeout(700))).toBeNull();
    store.setSweepStatus(sweep.id, "running");
    coordinator.poke();
    const d = await take();
    // Paused with the trial queued again (a worker gave it back): it waits.
    await worker.publishEvent({ ...ids(d, "r1"), kind: "started", backend: "none" });
    await worker.publishEvent({ ...ids(d, "r1"), kind: "stopped", status: "interrupted", epoch: 0 });
    await d.ack();
    store.setSweepStatus(sweep.id, "paused");
    coordinator.poke();
    await new Promise((r) => setTimeout(r, 50));
    expect(await worker.nextTrial([{ pool: "cpu" }], AbortSignal.timeout(700))).toBeNull();
    store.setSweepStatus(sweep.id, "running");
    coordinator.poke();
    const again = await take();
    expect(again.message.trialId).toBe(d.message.trialId);
    await completeRun(again, "r2");
    await again.ack();
    expect((await running)?.status).toBe("completed");
  });

  it("pausing stops the running trials too: they go back to the queue unfinished, using no attempt", async () => {
    const { sweep, coordinator } = start(1);
    const d = await take();
    await worker.publishEvent({ ...ids(d, "r1"), kind: "started", backend: "none" });
    store.setSweepStatus(sweep.id, "paused");
    coordinator.poke();
    await vi.waitFor(() =>
      expect(controls).toContainEqual({ kind: "interrupt", trialId: d.message.trialId, runId: "r1" }),
    );
    // The worker stops it as interrupted (a program gets SIGTERM) and acknowledges.
    await worker.publishEvent({ ...ids(d, "r1"), kind: "stopped", status: "interrupted", epoch: 0 });
    await d.ack();
    await vi.waitFor(() => expect(store.trialsOf(sweep.id)[0]?.state).toBe("queued"));
    expect(store.attemptsLeft(d.message.trialId)).toBe(3);
    expect(await worker.nextTrial([{ pool: "cpu" }], AbortSignal.timeout(700))).toBeNull();
    store.setSweepStatus(sweep.id, "running");
    coordinator.poke();
    const again = await take();
    await completeRun(again, "r2");
    await again.ack();
    expect((await running)?.status).toBe("completed");
  });

  it("spends one budget: retryable failures count, and the bus gives the trial up at its end", async () => {
    const { sweep } = start(1, { maxAttempts: 2 });
    for (const run of ["r1", "r2"]) {
      const d = await take();
      expect(d.message.maxDeliveries).toBe(2); // one message: redelivered, not published again
      expect(d.deliveries).toBe(run === "r1" ? 1 : 2);
      await worker.publishEvent({ ...ids(d, run), kind: "started", backend: "none" });
      await worker.publishEvent({
        ...ids(d, run),
        kind: "failed",
        error: "thread died",
        retryable: true,
        epoch: 0,
      });
      await d.nak();
    }
    expect((await running)?.status).toBe("completed");
    const [t] = store.trialsOf(sweep.id);
    expect(t).toMatchObject({ state: "failed", error: "thread died", maxAttempts: 2 });
    expect(store.attemptsOf(t!.id).map((a) => a.state)).toEqual(["failed", "failed"]);
  });

  it("requeues a running trial whose worker is gone and whose delivery was settled by another", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "setInterval", "Date"] });
    const { sweep } = start(1, { requeueRunning: false, reconcileMs: 1000 });
    await vi.advanceTimersByTimeAsync(10);
    const d = await take();
    await worker.publishEvent({ ...ids(d, "r1"), kind: "started", backend: "none" });
    await d.ack(); // as a run that had lost its lease would: the bus holds the trial no more
    store.upsertWorker({ name: "w1", state: "busy" });
    store.markWorkerGone("w1", "no heartbeat");
    await vi.advanceTimersByTimeAsync(6000);
    const again = await take();
    expect(again.message).toMatchObject({ trialId: d.message.trialId, maxDeliveries: 2 });
    expect(controls).toContainEqual({ kind: "release", trialId: d.message.trialId, runId: "r1" });
    await completeRun(again, "r2", EPOCHS, "w2");
    await again.ack();
    await vi.advanceTimersByTimeAsync(1000);
    expect((await running)?.status).toBe("completed");
    const [t] = store.trialsOf(sweep.id);
    expect(store.attemptsOf(t!.id).map((a) => [a.runId, a.state])).toEqual([
      ["r1", "lost"],
      ["r2", "completed"],
    ]);
  });
});
