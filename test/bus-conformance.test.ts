/**
 * One contract, every transport: the in-process bus of the embedded path and the NATS JetStream
 * bus (against a real nats-server) must behave the same wherever the coordinator and the worker
 * can tell. Lease expiry and raw bytes on the wire exist only on NATS and are tested there.
 */

import { getEventListeners } from "node:events";
import {
  type CoordinatorBus,
  DeferredEvent,
  type Exhausted,
  type Heartbeat,
  InProcessBus,
  InvalidMessage,
  NamespaceHeld,
  NatsCoordinatorBus,
  NatsWorkerBus,
  type Rejected,
  type TrialEvent,
  TrialMessage,
  type WithheldMessage,
  type WorkerBus,
} from "@mtl/bus";
import { afterEach, describe, expect, it } from "vitest";
import { type NatsServer, startNatsServer } from "./helpers/nats.ts";

interface Harness {
  coordinator: CoordinatorBus;
  worker(): Promise<WorkerBus>;
  /** Raw bytes on a subject, bypassing every schema (NATS only). */
  raw?(subject: string, payload: string): Promise<void>;
  /** The same server's buses for another namespace (NATS only). */
  namespace?(name: string): { coordinator(): Promise<NatsCoordinatorBus>; worker(): Promise<WorkerBus> };
  close(): Promise<void>;
}

interface Transport {
  name: string;
  leases: boolean;
  /** Whether a worker takes a paused sweep's trial off the queue (withheld) rather than leaving it. */
  withholds: boolean;
  make(options: { ackWaitMs?: number }): Promise<Harness>;
}

const inProcess: Transport = {
  name: "in-process",
  leases: false,
  withholds: false,
  async make() {
    const bus = new InProcessBus({ retryMs: 50 });
    const workers: WorkerBus[] = [];
    return {
      coordinator: bus,
      worker: async () => {
        const w = bus.worker();
        workers.push(w);
        return w;
      },
      close: async () => {
        for (const w of workers) await w.close();
        await bus.close();
      },
    };
  },
};

const nats: Transport = {
  name: "nats",
  leases: true,
  withholds: true,
  async make({ ackWaitMs }) {
    const server: NatsServer = await startNatsServer();
    const options = { servers: server.url, ackWaitMs };
    const coordinator = await NatsCoordinatorBus.connect(options);
    const workers: WorkerBus[] = [];
    const others: { close(): Promise<void> }[] = [];
    return {
      namespace: (namespace) => ({
        coordinator: async () => {
          const c = await NatsCoordinatorBus.connect({ ...options, namespace });
          others.push(c);
          return c;
        },
        worker: async () => {
          const w = await NatsWorkerBus.connect({ ...options, namespace });
          others.push(w);
          return w;
        },
      }),
      coordinator,
      worker: async () => {
        const w = await NatsWorkerBus.connect(options);
        workers.push(w);
        return w;
      },
      raw: async (subject, payload) => {
        const { nc } = coordinator;
        const data = new TextEncoder().encode(payload);
        if (subject.startsWith("mtl.trials.") || subject.startsWith("mtl.events."))
          await nc.jetstream().publish(subject, data);
        else nc.publish(subject, data);
        await nc.flush();
      },
      close: async () => {
        for (const w of [...workers, ...others]) await w.close();
        await coordinator.close();
        await server.stop();
      },
    };
  },
};

const SWEEP = "9b2f6a52-2f1e-4c1e-9d59-5d0b3e1f0a11";

function trial(trialId: number, pool: "cpu" | "gpu" = "cpu", maxDeliveries = 3): TrialMessage {
  return TrialMessage.parse({
    kind: "trial",
    sweep: SWEEP,
    sweepId: 1,
    trialId,
    number: trialId,
    pool,
    maxDeliveries,
    config: {
      experiment: "conformance",
      dataset: { name: "classification" },
      tasks: [{ name: "a", kind: "classification", metric: "accuracy" }],
      model: {},
      strategy: { name: "equal" },
      training: {},
      seed: trialId,
    },
  });
}

/** A trial of the user's program `program`: it names the program, never a command. */
function programTrial(trialId: number, program: string): TrialMessage {
  const { dataset: _d, model: _m, ...common } = trial(trialId).config as Record<string, unknown>;
  return TrialMessage.parse({ ...trial(trialId), config: { ...common, program, settings: {} } });
}

const started = (trialId: number, runId = `run-${trialId}`): TrialEvent => ({
  kind: "started",
  sweep: SWEEP,
  trialId,
  runId,
  worker: "w1",
  backend: "none",
});

/** Resolves with the next value pushed, or rejects after `ms`. */
function inbox<T>() {
  const items: T[] = [];
  let waiter: (() => void) | undefined;
  return {
    items,
    push(v: T) {
      items.push(v);
      waiter?.();
    },
    async until(n: number, ms = 10_000): Promise<T[]> {
      const deadline = Date.now() + ms;
      while (items.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} items, got ${items.length}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.max(1, deadline - Date.now()));
          waiter = () => {
            clearTimeout(t);
            r();
          };
        });
      }
      return items;
    },
  };
}

const within = (ms: number) => AbortSignal.timeout(ms);

for (const transport of [inProcess, nats]) {
  describe(`bus conformance: ${transport.name}`, () => {
    // Leases, redelivery on lapse and raw-message validation exist only on a real broker, so these
    // cases are defined for NATS alone (not skipped for the in-process bus).
    const onBroker = (name: string, fn: () => Promise<void>, timeout?: number) => {
      if (transport.leases) it(name, fn, timeout);
    };
    let h: Harness | undefined;
    const make = async (o: { ackWaitMs?: number } = {}) => {
      h = await transport.make(o);
      return h;
    };
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it("delivers a trial only to a worker of its pool", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const cpu = await worker();
      const gpu = await worker();
      await coordinator.publishTrial(trial(1, "gpu"));
      await coordinator.publishTrial(trial(2, "cpu"));
      const c = await cpu.nextTrial([{ pool: "cpu" }], within(5000));
      expect(c?.message.trialId).toBe(2);
      await c?.ack();
      expect(await cpu.nextTrial([{ pool: "cpu" }], within(600))).toBeNull();
      const g = await gpu.nextTrial([{ pool: "gpu" }], within(5000));
      expect(g?.message).toEqual(trial(1, "gpu"));
      expect(g?.deliveries).toBe(1);
      await g?.ack();
    });

    it("delivers a program's trial only to a worker that reads its program's queue", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const plain = await worker();
      const other = await worker();
      const owner = await worker();
      await coordinator.publishTrial(programTrial(1, "torch"));
      await coordinator.publishTrial(trial(2));
      // A built-in worker and a worker of another program never see it.
      const b = await plain.nextTrial([{ pool: "cpu" }], within(5000));
      expect(b?.message.trialId).toBe(2);
      await b?.ack();
      expect(await plain.nextTrial([{ pool: "cpu" }], within(600))).toBeNull();
      expect(await other.nextTrial([{ pool: "cpu", program: "sklearn" }], within(1200))).toBeNull();
      // A worker reading its pool and its program takes turns between the queues.
      const p = await owner.nextTrial([{ pool: "cpu" }, { pool: "cpu", program: "torch" }], within(8000));
      expect(p?.message).toEqual(programTrial(1, "torch"));
      await p?.ack();
    });

    it("hands events to the coordinator one at a time, in order", async () => {
      const { coordinator, worker } = await make();
      const seen = inbox<string>();
      let inside = 0;
      let overlapped = false;
      coordinator.onEvent(async (e) => {
        if (++inside > 1) overlapped = true;
        await new Promise((r) => setTimeout(r, 5));
        seen.push(e.kind === "epoch" ? `epoch ${e.reports.map((r) => r.epoch).join(",")}` : e.kind);
        inside--;
      });
      const w = await worker();
      const ids = { sweep: SWEEP, trialId: 7, runId: "r7", worker: "w1" };
      const report = (epoch: number) => ({ epoch, metrics: [], weights: { a: 1 }, wallMs: 1 });
      await w.publishEvent({ ...ids, kind: "started", backend: "none" });
      for (const epoch of [1, 2, 3])
        await w.publishEvent({ ...ids, kind: "epoch", reports: [report(epoch)] });
      await w.publishEvent({ ...ids, kind: "completed", backend: "none", epochs: 3, final: {} });
      expect(await seen.until(5)).toEqual(["started", "epoch 1", "epoch 2", "epoch 3", "completed"]);
      expect(overlapped).toBe(false);
    });

    it("hands an event again when its handler throws (it was not acknowledged)", async () => {
      const { coordinator, worker } = await make();
      const seen = inbox<number>();
      let failures = 0;
      coordinator.onEvent((e) => {
        seen.push(e.trialId);
        if (e.trialId === 1 && failures++ === 0) throw new Error("SQLITE_BUSY");
      });
      const w = await worker();
      await w.publishEvent(started(1)).catch(() => {});
      expect(await seen.until(2)).toEqual([1, 1]);
    });

    it("delivers a nakked trial again, then gives it up after its budget of deliveries", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const given = inbox<Exhausted>();
      coordinator.onExhausted((x) => given.push(x));
      const w = await worker();
      await coordinator.publishTrial(trial(3, "cpu", 2));
      const first = await w.nextTrial([{ pool: "cpu" }], within(5000));
      expect(first?.deliveries).toBe(1);
      await first?.nak();
      const second = await w.nextTrial([{ pool: "cpu" }], within(5000));
      expect(second?.deliveries).toBe(2);
      await second?.nak();
      // Keep pulling, as a live worker does: the server decides on the next delivery.
      const third = w.nextTrial([{ pool: "cpu" }], within(3000));
      const [x] = await given.until(1);
      expect(x).toMatchObject({ sweep: SWEEP, trialId: 3, deliveries: 2 });
      expect(JSON.parse(x!.payload)).toEqual(trial(3, "cpu", 2));
      expect(await third).toBeNull();
      expect(await coordinator.queuedTrialIds?.()).toEqual(new Set());
    });

    it("lists the trials queued or held, not the acknowledged ones", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const w = await worker();
      for (const id of [1, 2, 3]) await coordinator.publishTrial(trial(id));
      const d1 = await w.nextTrial([{ pool: "cpu" }], within(5000));
      const d2 = await w.nextTrial([{ pool: "cpu" }], within(5000));
      await d1?.ack();
      expect(await coordinator.queuedTrialIds?.()).toEqual(new Set([d2!.message.trialId, 3]));
      await d2?.ack();
    });

    it("resolves queuedTrialIds only after the events published before it were handled", async () => {
      const { coordinator, worker } = await make();
      const handled: number[] = [];
      coordinator.onEvent(async (e) => {
        await new Promise((r) => setTimeout(r, 20));
        handled.push(e.trialId);
      });
      const w = await worker();
      await coordinator.publishTrial(trial(4));
      const d = await w.nextTrial([{ pool: "cpu" }], within(5000));
      const events = [started(4), started(5), started(6)];
      // As a worker does at the end of a trial: the final event is durable, then the ack.
      await Promise.all(events.map((e) => w.publishEvent(e)));
      await d?.ack();
      const queued = await coordinator.queuedTrialIds?.();
      expect(queued).toEqual(new Set());
      expect(handled).toEqual([4, 5, 6]);
    });

    it("waits for the asking sweep's deferred events before it resolves, not for another sweep's", async () => {
      // A coordinator restarting among others (`mtl coordinator`): an event that came before its
      // sweep had a handler was deferred; the store does not show it until it comes back.
      const { coordinator, worker } = await make();
      const OTHER = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5";
      const deferrals: string[] = [];
      const handled: number[] = [];
      coordinator.onEvent((e) => {
        if (e.sweep === OTHER || !deferrals.includes(e.runId)) {
          deferrals.push(e.runId);
          throw new DeferredEvent("no handler for its sweep yet");
        }
        handled.push(e.trialId);
      });
      const w = await worker();
      await w.publishEvent({ ...started(5), sweep: OTHER }); // deferred for good
      await w.publishEvent(started(4));
      const queued = await coordinator.queuedTrialIds?.({ sweep: SWEEP });
      expect(queued).toEqual(new Set());
      expect(deferrals).toContain("run-4");
      expect(deferrals).toContain("run-5");
      expect(handled).toEqual([4]);
    });

    it("sends control messages to every worker and heartbeats to the coordinator", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const beats = inbox<Heartbeat>();
      coordinator.onHeartbeat((b) => beats.push(b));
      const a = await worker();
      const b = await worker();
      const controls = inbox<string>();
      a.onControl((m) => controls.push(`a:${m.kind}:${m.trialId}`));
      b.onControl((m) => controls.push(`b:${m.kind}:${m.trialId}`));
      const beat: Heartbeat = {
        name: "w1",
        host: "h",
        pool: "gpu",
        backend: "cpu",
        devices: ["gpu:0"],
        concurrency: 1,
        running: [3],
        state: "busy",
      };
      await a.heartbeat(beat);
      await b.heartbeat({ ...beat, name: "w2" });
      // A worker's heartbeat follows its subscription on the same connection: once both beats
      // arrived, both workers listen.
      expect((await beats.until(2)).map((x) => x.name).sort()).toEqual(["w1", "w2"]);
      expect(beats.items.find((x) => x.name === "w1")).toEqual(beat);
      await coordinator.publishControl({ kind: "cancel", trialId: 9, runId: "r9" });
      expect((await controls.until(2)).sort()).toEqual(["a:cancel:9", "b:cancel:9"]);
    });

    it("records an invalid event as rejected and goes on with the next", async () => {
      const { coordinator, worker } = await make();
      const rejected = inbox<Rejected>();
      const seen = inbox<number>();
      coordinator.onRejected((r) => rejected.push(r));
      coordinator.onEvent((e) => seen.push(e.trialId));
      const w = await worker();
      const invalid = { kind: "started", trialId: 1.5, runId: "", worker: "w" } as unknown as TrialEvent;
      await expect(w.publishEvent(invalid)).rejects.toThrow(InvalidMessage);
      await w.publishEvent(started(2));
      expect(await seen.until(1)).toEqual([2]);
      expect((await rejected.until(1))[0]?.error).toMatch(/trialId|runId|backend/);
    });

    it("leaves no listener on a worker's signal once its waits are over", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const w = await worker();
      const stop = new AbortController();
      for (const id of [1, 2, 3]) {
        const next = w.nextTrial([{ pool: "cpu" }], stop.signal);
        await coordinator.publishTrial(trial(id));
        await (await next)?.ack();
      }
      expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
    });

    it("carries NaN and ±Infinity metric values through, as numbers", async () => {
      const { coordinator, worker } = await make();
      const seen = inbox<TrialEvent>();
      coordinator.onEvent((e) => seen.push(e));
      const w = await worker();
      const ids = { sweep: SWEEP, trialId: 8, runId: "r8", worker: "w1" };
      const metrics = [
        { task: "a", split: "val" as const, name: "mse", value: Number.POSITIVE_INFINITY },
        { task: "a", split: "val" as const, name: "loss", value: Number.NaN },
        { task: "a", split: "test" as const, name: "mse", value: Number.NEGATIVE_INFINITY },
      ];
      await w.publishEvent({
        ...ids,
        kind: "epoch",
        reports: [{ epoch: 1, metrics, weights: { a: 1 }, wallMs: 3 }],
      });
      const final = { a: { val: { mse: Number.POSITIVE_INFINITY, loss: Number.NaN } } };
      await w.publishEvent({ ...ids, kind: "completed", backend: "none", epochs: 1, final });
      const [epoch, done] = await seen.until(2);
      expect(epoch?.kind === "epoch" && epoch.reports[0]?.metrics.map((m) => m.value)).toEqual([
        Number.POSITIVE_INFINITY,
        Number.NaN,
        Number.NEGATIVE_INFINITY,
      ]);
      expect(done?.kind === "completed" && done.final).toEqual(final);
    });

    it("refuses to send an event that does not fit its schema, and reports whose it was", async () => {
      const { coordinator, worker } = await make();
      const rejected = inbox<Rejected>();
      coordinator.onRejected((r) => rejected.push(r));
      coordinator.onEvent(() => {});
      const w = await worker();
      const ids = { sweep: SWEEP, trialId: 5, runId: "r5", worker: "w1" };
      const bad: TrialEvent = {
        ...ids,
        kind: "epoch",
        reports: [{ epoch: 1, metrics: [], weights: {}, wallMs: Number.NaN }],
      };
      await expect(w.publishEvent(bad)).rejects.toThrow(InvalidMessage);
      const [r] = await rejected.until(1);
      expect(r?.identity).toEqual(ids);
      expect(r?.error).toMatch(/wallMs/);
    });

    it("holds back a paused sweep's queued trials until it resumes", async () => {
      const { coordinator, worker } = await make();
      coordinator.onEvent(() => {});
      const withheld = inbox<WithheldMessage>();
      coordinator.onWithheld((x) => withheld.push(x));
      const idle = await worker();
      await coordinator.setSweepGate(SWEEP, { status: "paused" });
      await coordinator.publishTrial(trial(6));
      expect(await idle.nextTrial([{ pool: "cpu" }], within(1500))).toBeNull();
      // Its abandoned pull must not take the trial when it comes back: it leaves.
      await idle.close();
      const w = await worker();
      await coordinator.setSweepGate(SWEEP, { status: "running" });
      if (transport.withholds) {
        // Taken off the queue unrun and reported: the coordinator publishes it again on resume.
        expect(await withheld.until(1)).toEqual([{ sweep: SWEEP, trialId: 6 }]);
        expect(await coordinator.queuedTrialIds?.()).toEqual(new Set());
        await coordinator.publishTrial(trial(6));
      } else expect(withheld.items).toEqual([]);
      const d = await w.nextTrial([{ pool: "cpu" }], within(5000));
      expect(d?.message.trialId).toBe(6);
      expect(d?.deliveries).toBe(1);
      await d?.ack();
    });

    it("keeps handling events when a heartbeat handler throws", async () => {
      const { coordinator, worker } = await make();
      const seen = inbox<number>();
      let beats = 0;
      coordinator.onHeartbeat(() => {
        beats++;
        throw new Error("SQLITE_BUSY: database is locked");
      });
      coordinator.onEvent((e) => seen.push(e.trialId));
      const w = await worker();
      const beat: Heartbeat = {
        name: "w1",
        host: "h",
        pool: "cpu",
        backend: "cpu",
        devices: ["cpu"],
        concurrency: 1,
        running: [],
        state: "idle",
      };
      for (let i = 0; i < 3; i++) await w.heartbeat(beat);
      await w.publishEvent(started(1));
      await w.heartbeat(beat);
      await w.publishEvent(started(2));
      expect(await seen.until(2)).toEqual([1, 2]);
      expect(beats).toBeGreaterThanOrEqual(1);
    });

    onBroker("gives a trial up rather than deliver it past its budget after lapsed leases", async () => {
      const { coordinator, worker } = await make({ ackWaitMs: 500 });
      coordinator.onEvent(() => {});
      const given = inbox<Exhausted>();
      coordinator.onExhausted((x) => given.push(x));
      const a = await worker();
      await coordinator.publishTrial(trial(4, "cpu", 1));
      expect((await a.nextTrial([{ pool: "cpu" }], within(5000)))?.deliveries).toBe(1);
      // a stalls (no renewal): the lease lapses; the next delivery would be the second of one allowed.
      await a.close();
      const b = await worker();
      expect(await b.nextTrial([{ pool: "cpu" }], within(3000))).toBeNull();
      const [x] = await given.until(1);
      expect(x).toMatchObject({ sweep: SWEEP, trialId: 4, deliveries: 1 });
      expect(await coordinator.queuedTrialIds?.()).toEqual(new Set());
    });

    onBroker("keeps namespaces apart, and refuses a second coordinator on one", async () => {
      const { coordinator, worker, namespace } = await make();
      await expect(
        NatsCoordinatorBus.connect({ servers: (coordinator as NatsCoordinatorBus).nc.getServer() }),
      ).rejects.toThrow(NamespaceHeld);
      const other = namespace!("alice");
      const alice = await other.coordinator();
      const mine = inbox<number>();
      const hers = inbox<number>();
      coordinator.onEvent((e) => mine.push(e.trialId));
      alice.onEvent((e) => hers.push(e.trialId));
      const w = await worker();
      const aw = await other.worker();
      await alice.publishTrial(trial(11));
      await coordinator.publishTrial(trial(12));
      const d = await aw.nextTrial([{ pool: "cpu" }], within(5000));
      expect(d?.message.trialId).toBe(11);
      const e = await w.nextTrial([{ pool: "cpu" }], within(5000));
      expect(e?.message.trialId).toBe(12);
      await aw.publishEvent(started(11));
      await w.publishEvent(started(12));
      expect(await hers.until(1)).toEqual([11]);
      expect(await mine.until(1)).toEqual([12]);
      await d?.ack();
      await e?.ack();
    });

    onBroker("delivers a trial again when its lease lapses, not while it is renewed", async () => {
      const { coordinator, worker } = await make({ ackWaitMs: 800 });
      coordinator.onEvent(() => {});
      const a = await worker();
      const b = await worker();
      expect(a.leaseMs).toBe(800);
      await coordinator.publishTrial(trial(1));
      const held = await a.nextTrial([{ pool: "cpu" }], within(5000));
      const renew = setInterval(() => held?.working(), 200);
      expect(await b.nextTrial([{ pool: "cpu" }], within(2000))).toBeNull();
      // b's abandoned pull request must not swallow the redelivery: b leaves.
      await b.close();
      clearInterval(renew);
      // Now a dies silently (no ack, no renewal): c gets it as a second delivery.
      const c = await worker();
      const again = await c.nextTrial([{ pool: "cpu" }], within(5000));
      expect(again?.message.trialId).toBe(1);
      expect(again?.deliveries).toBe(2);
      await again?.ack();
    });

    onBroker("rejects malformed bytes on a trial subject and keeps serving trials", async () => {
      const { coordinator, worker, raw } = await make();
      const rejected = inbox<Rejected>();
      coordinator.onRejected((r) => rejected.push(r));
      coordinator.onEvent(() => {});
      const w = await worker();
      await raw!("mtl.trials.cpu", "{not json");
      await raw!("mtl.trials.cpu", JSON.stringify({ ...trial(1), config: { run: "rm -rf /" } }));
      await raw!("mtl.trials.cpu", JSON.stringify(trial(2, "gpu"))); // a GPU trial on the CPU subject
      await coordinator.publishTrial(trial(3));
      const d = await w.nextTrial([{ pool: "cpu" }], within(5000));
      expect(d?.message.trialId).toBe(3);
      await d?.ack();
      const r = await rejected.until(3);
      expect(r.map((x) => x.source)).toEqual(["mtl.trials.cpu", "mtl.trials.cpu", "mtl.trials.cpu"]);
      expect(r.map((x) => x.error)).toEqual([
        "invalid JSON",
        expect.stringMatching(/config/),
        "a trial for queue gpu on mtl.trials.cpu",
      ]);
      // Rejected messages are removed, never delivered again.
      expect(await coordinator.queuedTrialIds?.()).toEqual(new Set());
    });

    onBroker("rejects malformed events, heartbeats and control messages", async () => {
      const { coordinator, worker, raw } = await make();
      const rejected = inbox<Rejected>();
      coordinator.onRejected((r) => rejected.push(r));
      coordinator.onEvent(() => {});
      const w = await worker();
      const controls: unknown[] = [];
      w.onControl((m) => controls.push(m));
      await raw!("mtl.events.trial", '{"kind":"completed","trialId":1}');
      await raw!("mtl.workers.heartbeat", "[]");
      await raw!("mtl.control", '{"kind":"exec","cmd":"ls"}');
      const sources = (await rejected.until(3)).map((r) => r.source).sort();
      expect(sources).toEqual(["mtl.control", "mtl.events.trial", "mtl.workers.heartbeat"]);
      expect(controls).toEqual([]);
    });
  });
}
