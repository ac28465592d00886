/**
 * How a worker reports a trial's epochs: at once for the first, then at most once per flush
 * interval (several epochs in one event when they are shorter), and all of them before the
 * outcome. The executor here emits epochs on a timer instead of training: what is under test is
 * the worker's messaging, which does not depend on how the epochs were made.
 */
import { InProcessBus, type TrialEvent, type WorkerBus } from "@mtl/bus";
import { type EpochReport, TrialConfig, type TrialOutcome } from "@mtl/spec";
import { describe, expect, it, vi } from "vitest";
import type { Executor } from "./executor.ts";
import { runWorker } from "./worker.ts";

const config = TrialConfig.parse({
  experiment: "t",
  dataset: { name: "classification" },
  tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
  model: { architecture: "hard-sharing" },
  strategy: "equal",
  training: { epochs: 12 },
  seed: 0,
});

/** Emits `epochs` reports `everyMs` apart, then completes. */
function pacedExecutor(epochs: number, everyMs: number): Executor {
  return {
    start: async () => "paced",
    run(_config, onEpoch) {
      const outcome = (async (): Promise<TrialOutcome> => {
        for (let epoch = 1; epoch <= epochs; epoch++) {
          await new Promise((r) => setTimeout(r, everyMs));
          const report: EpochReport = { epoch, metrics: [], weights: { a: 1 }, wallMs: everyMs };
          onEpoch(report);
        }
        return { status: "completed", epochs, backend: "paced", final: {} };
      })();
      return { outcome, stop: () => {} };
    },
    close: async () => {},
  };
}

/** Runs one paced trial through a worker on fake timers (the clock moves only when told). */
async function eventsOf(epochs: number, everyMs: number, epochFlushMs: number) {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance"] });
  try {
    return await paced(epochs, everyMs, epochFlushMs);
  } finally {
    vi.useRealTimers();
  }
}

async function paced(epochs: number, everyMs: number, epochFlushMs: number) {
  const bus = new InProcessBus();
  const events: { at: number; event: TrialEvent }[] = [];
  const t0 = performance.now();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  bus.onEvent((event) => {
    events.push({ at: performance.now() - t0, event });
    if (event.kind === "completed") done();
  });
  const stop = new AbortController();
  const worker = runWorker({
    bus: bus.worker(),
    name: "w",
    signal: stop.signal,
    epochFlushMs,
    executor: () => pacedExecutor(epochs, everyMs),
  });
  await bus.publishTrial({
    kind: "trial",
    sweep: "s-1",
    sweepId: 1,
    trialId: 1,
    number: 1,
    pool: "cpu",
    maxDeliveries: 3,
    config,
  });
  let ended = false;
  void finished.then(() => {
    ended = true;
  });
  while (!ended) await vi.advanceTimersByTimeAsync(5);
  stop.abort();
  await worker;
  await bus.close();
  return events;
}

const epochsOf = (events: { event: TrialEvent }[]) =>
  events.flatMap(({ event }) => (event.kind === "epoch" ? [event.reports.map((r) => r.epoch)] : []));

describe("worker epoch events", () => {
  it("sends short epochs together, at most once per flush interval, all before the outcome", async () => {
    const events = await eventsOf(12, 20, 100); // 12 epochs of 20 ms, flushed every 100 ms
    const batches = epochsOf(events);
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // each once, in order
    expect(batches[0]).toEqual([1]); // the first at once
    // Epochs end at 20, 40, …, 240 ms (fake time). Epoch 1 goes at once (t=20); the next send is
    // due at 120, when epochs 2–5 wait (6 ends at 120 too, on a timer set after the flush's);
    // then at 220 with 6–10; 11 and 12 go with the outcome.
    expect(batches).toEqual([[1], [2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]);
    const kinds = events.map(({ event }) => event.kind);
    expect(kinds[0]).toBe("started");
    expect(kinds[kinds.length - 1]).toBe("completed");
    // Between sends, at least the interval; the last goes with the outcome.
    const sends = events.filter(({ event }) => event.kind === "epoch").map(({ at }) => at);
    for (let i = 1; i < sends.length - 1; i++)
      expect((sends[i] as number) - (sends[i - 1] as number)).toBeGreaterThanOrEqual(100);
  });

  it("sends each epoch on its own when epochs are longer than the interval", async () => {
    const batches = epochsOf(await eventsOf(4, 60, 20));
    expect(batches).toEqual([[1], [2], [3], [4]]);
  });
});

describe("worker slots", () => {
  it("take the next trial while the one before is reported, and hold no more than those two", {
    timeout: 30_000,
  }, async () => {
    const bus = new InProcessBus();
    const inner = bus.worker();
    // Trial 1's outcome is held on its way to the bus until trial 2 has been reported whole: a
    // slot that waited for trial 1's reporting would never start trial 2 (the test times out);
    // one that took trials while more than one was reporting would start trial 3 before it.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const workerBus: WorkerBus = {
      ...inner,
      publishEvent: async (e) => {
        if (e.kind === "completed" && e.trialId === 1) await held;
        return inner.publishEvent(e);
      },
    };
    const order: string[] = [];
    let allDone: () => void = () => {};
    const done = new Promise<void>((r) => {
      allDone = r;
    });
    bus.onEvent((e) => {
      if (e.kind === "epoch") return;
      order.push(`${e.kind} ${e.trialId}`);
      if (e.kind === "completed" && e.trialId === 2) release();
      if (order.filter((o) => o.startsWith("completed")).length === 3) allDone();
    });
    const stop = new AbortController();
    const worker = runWorker({
      bus: workerBus,
      name: "w",
      signal: stop.signal,
      executor: () => pacedExecutor(2, 1),
    });
    for (const id of [1, 2, 3])
      await bus.publishTrial({
        kind: "trial",
        sweep: "s-1",
        sweepId: 1,
        trialId: id,
        number: id,
        pool: "cpu",
        maxDeliveries: 3,
        config,
      });
    await done;
    stop.abort();
    await worker;
    await bus.close();
    expect(order.slice(0, 4)).toEqual(["started 1", "started 2", "completed 2", "completed 1"]);
    expect(order.indexOf("started 3")).toBeGreaterThan(order.indexOf("completed 1"));
    expect(order).toContain("completed 3");
  });
});
