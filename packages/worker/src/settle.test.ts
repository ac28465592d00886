/**
 * How a worker settles a delivery and what it reports, per outcome: what a coordinator relies on
 * (an interrupted trial is acked and queued again by the coordinator, a retryable failure is
 * nakked, a run told `release` settles nothing, an event that cannot be sent fails the trial).
 * The executor trains nothing: it emits the reports and outcome each case needs.
 */
import { type Delivery, InProcessBus, type TrialEvent, type WorkerBus } from "@mtl/bus";
import { type EpochReport, TrialConfig, type TrialOutcome } from "@mtl/spec";
import { afterEach, describe, expect, it } from "vitest";
import type { Executor } from "./executor.ts";
import type { StopReason } from "./protocol.ts";
import { runWorker } from "./worker.ts";

const config = TrialConfig.parse({
  experiment: "t",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
  model: { architecture: "hard-sharing" },
  strategy: "equal",
  training: { epochs: 3 },
  seed: 0,
});

type Script = (onEpoch: (r: EpochReport) => void, stopped: Promise<StopReason>) => Promise<TrialOutcome>;

/** An executor that plays `script`; `stopped` resolves with the reason the worker stops it for. */
function scripted(script: Script): Executor {
  return {
    start: async () => "scripted",
    run(_config, onEpoch) {
      let stop: (r: StopReason) => void = () => {};
      const stopped = new Promise<StopReason>((r) => {
        stop = r;
      });
      return { outcome: script(onEpoch, stopped), stop: (r) => stop(r) };
    },
    close: async () => {},
  };
}

const report = (epoch: number, wallMs = 1): EpochReport => ({
  epoch,
  metrics: [{ task: "a", split: "val", name: "accuracy", value: 0.5 }],
  weights: { a: 1 },
  wallMs,
});

/** The worker's end of `bus`, recording how each delivery was settled. */
function recording(bus: InProcessBus, settled: string[]): WorkerBus {
  const w = bus.worker();
  const wrap = (d: Delivery): Delivery => ({
    message: d.message,
    deliveries: d.deliveries,
    working: () => d.working(),
    ack: () => {
      settled.push("ack");
      return d.ack();
    },
    nak: () => {
      settled.push("nak");
      return d.nak();
    },
    release: () => {
      settled.push("release");
      d.release();
    },
  });
  return {
    nextTrial: async (pool, signal) => {
      const d = await w.nextTrial(pool, signal);
      return d && wrap(d);
    },
    publishEvent: (e) => w.publishEvent(e),
    onControl: (h) => w.onControl(h),
    heartbeat: (h) => w.heartbeat(h),
    reject: (r) => w.reject(r),
    close: () => w.close(),
  };
}

let stop: AbortController | undefined;
let bus: InProcessBus | undefined;
afterEach(async () => {
  stop?.abort();
  await bus?.close();
});

/** Runs one trial through a worker with `script`; `onEvent` sees each event (and may answer). */
async function runOne(script: Script, onEvent: (e: TrialEvent, b: InProcessBus) => void = () => {}) {
  bus = new InProcessBus({ retryMs: 5 });
  const b = bus;
  const events: TrialEvent[] = [];
  const settled: string[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  b.onEvent((e) => {
    events.push(e);
    onEvent(e, b);
    if (e.kind !== "started" && e.kind !== "epoch") done();
  });
  stop = new AbortController();
  const worker = runWorker({
    bus: recording(b, settled),
    name: "w",
    signal: stop.signal,
    epochFlushMs: 0,
    executor: () => scripted(script),
  });
  await b.publishTrial({
    kind: "trial",
    sweep: "s-1",
    sweepId: 1,
    trialId: 1,
    number: 0,
    pool: "cpu",
    maxDeliveries: 3,
    config,
  });
  await finished;
  // The settle follows the final event: wait for it.
  for (let i = 0; i < 100 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await worker;
  return { events, settled };
}

describe("a worker settling its deliveries", () => {
  it("acks a completed trial, after events that all carry the sweep's identity", async () => {
    const { events, settled } = await runOne(async (onEpoch) => {
      for (const e of [1, 2, 3]) onEpoch(report(e));
      return {
        status: "completed",
        epochs: 3,
        backend: "scripted",
        final: { a: { val: { accuracy: 0.5 } } },
      };
    });
    expect(events.map((e) => e.kind)).toEqual(["started", "epoch", "epoch", "epoch", "completed"]);
    expect(new Set(events.map((e) => e.sweep))).toEqual(new Set(["s-1"]));
    expect(settled).toEqual(["ack"]);
  });

  it("nakks a retryable failure (it uses an attempt) and acks a final one", async () => {
    // Stopped at the first failure: else the bus delivers it again (to its budget of 3).
    const retry = await runOne(
      async () => {
        throw new Error("training thread died (exit code 1)");
      },
      (e) => {
        if (e.kind === "failed") stop?.abort();
      },
    );
    expect(retry.events.at(-1)).toMatchObject({ kind: "failed", retryable: true });
    expect(retry.settled).toEqual(["nak"]);
    const final = await runOne(async () => ({ status: "failed", epochs: 0, backend: "x", error: "bad" }));
    expect(final.settled).toEqual(["ack"]);
  });

  it("settles nothing when told it no longer holds the trial (release)", async () => {
    const { events, settled } = await runOne(
      async (onEpoch, stopped) => {
        onEpoch(report(1));
        await stopped;
        return { status: "cancelled", epochs: 1, backend: "scripted" };
      },
      (e, b) => {
        if (e.kind === "epoch")
          void b.publishControl({ kind: "release", trialId: e.trialId, runId: e.runId });
      },
    );
    expect(events.at(-1)).toMatchObject({ kind: "stopped", status: "cancelled" });
    expect(settled).toEqual(["release"]);
  });

  it("ignores a control message for another run of the same trial", async () => {
    const { settled, events } = await runOne(
      async (onEpoch) => {
        onEpoch(report(1));
        await new Promise((r) => setTimeout(r, 30));
        onEpoch(report(2));
        onEpoch(report(3));
        return { status: "completed", epochs: 3, backend: "scripted", final: {} };
      },
      (e, b) => {
        if (e.kind === "started")
          void b.publishControl({ kind: "cancel", trialId: e.trialId, runId: "another" });
      },
    );
    expect(events.at(-1)?.kind).toBe("completed");
    expect(settled).toEqual(["ack"]);
  });

  it("fails the trial with the reason when one of its events cannot be sent", async () => {
    const { events, settled } = await runOne(async (onEpoch, stopped) => {
      onEpoch(report(1, Number.NaN)); // a wall time that is no number: the event fits no schema
      await stopped;
      return { status: "cancelled", epochs: 1, backend: "scripted" };
    });
    expect(events.map((e) => e.kind)).toEqual(["started", "failed"]);
    expect(events.at(-1)).toMatchObject({ retryable: false, error: expect.stringMatching(/wallMs/) });
    expect(settled).toEqual(["ack"]);
  });
});
