/**
 * The embedded transport: the coordinator and its local workers share one process, so the queue
 * is an array and events are function calls. Messages still pass the same schemas, in the same
 * wire form, as on NATS.
 */
import {
  type CoordinatorBus,
  DeferredEvent,
  type Delivery,
  type EventContext,
  type Exhausted,
  type Rejected,
  type WorkerBus,
} from "./bus.ts";
import { answerDashboard, DashboardClient, type DashboardService } from "./dashboard/protocol.ts";
import { boundRejected } from "./limits.ts";
import {
  ControlMessage,
  EventIdentity,
  encodeMessage,
  Heartbeat,
  InvalidMessage,
  type SweepGate,
  TrialEvent,
  TrialMessage,
  type WithheldMessage,
} from "./messages.ts";
import { queueKey, queueOf } from "./queue.ts";

/** A worker waiting for a trial of any of `queues` (queue keys). */
type Waiter = { queues: readonly string[]; resolve: (d: Delivery | null) => void };
type Item = { message: TrialMessage; deliveries: number };

export interface InProcessBusOptions {
  /** Delay before an event whose handler threw (or deferred it) is handled again. @default 1000 */
  retryMs?: number;
  log?: (line: string) => void;
}

export class InProcessBus implements CoordinatorBus {
  private queue: Item[] = [];
  /** Delivered and not yet settled: what NATS would call ack-pending. */
  private held = new Map<number, number>();
  private waiters: Waiter[] = [];
  private eventHandler: ((e: TrialEvent, c: EventContext) => Promise<void> | void) | undefined;
  private heartbeatHandler: ((h: Heartbeat) => void) | undefined;
  private rejectedHandler: ((r: Rejected) => Promise<void> | void) | undefined;
  private exhaustedHandler: ((e: Exhausted) => Promise<void> | void) | undefined;
  private controlHandlers = new Set<(m: ControlMessage) => void>();
  /** Sweeps whose queued trials wait (paused), by uid. */
  private readonly paused = new Set<string>();
  /** Finished trials, as `uid.trialId`: a copy of one still queued is dropped. */
  private readonly finished = new Set<string>();
  /** Events are handled strictly one at a time, in the order they were published. */
  private chain: Promise<void> = Promise.resolve();
  /** Deferred events waiting for their turn again, by the sweep they belong to. */
  private readonly deferredOf = new Map<string, number>();
  private closed = false;
  private readonly retryMs: number;
  private readonly log: (line: string) => void;

  constructor(options: InProcessBusOptions = {}) {
    this.retryMs = options.retryMs ?? 1000;
    this.log = options.log ?? (() => {});
  }

  async publishTrial(message: TrialMessage): Promise<void> {
    this.enqueue({ message: TrialMessage.parse(message), deliveries: 0 });
  }

  private enqueue(item: Item): void {
    const i = this.paused.has(item.message.sweep)
      ? -1
      : this.waiters.findIndex((w) => w.queues.includes(queueKey(queueOf(item.message))));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(this.deliver(item));
    } else this.queue.push(item);
  }

  /** The first queued trial of one of `queues` whose sweep is not paused, taken off the queue. */
  private take(queues: readonly string[]): Item | undefined {
    this.queue = this.queue.filter((q) => !this.finished.has(`${q.message.sweep}.${q.message.trialId}`));
    const i = this.queue.findIndex(
      (q) => queues.includes(queueKey(queueOf(q.message))) && !this.paused.has(q.message.sweep),
    );
    return i >= 0 ? this.queue.splice(i, 1)[0] : undefined;
  }

  private deliver(item: Item): Delivery {
    const deliveries = item.deliveries + 1;
    const id = item.message.trialId;
    this.held.set(id, (this.held.get(id) ?? 0) + 1);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      const n = (this.held.get(id) ?? 1) - 1;
      if (n > 0) this.held.set(id, n);
      else this.held.delete(id);
      return true;
    };
    return {
      message: item.message,
      deliveries,
      working: () => {},
      ack: async () => {
        settle();
      },
      nak: async () => {
        if (!settle() || this.closed) return;
        if (deliveries < item.message.maxDeliveries) this.enqueue({ message: item.message, deliveries });
        else await this.exhaust({ message: item.message, deliveries });
      },
      release: () => {
        settle();
      },
    };
  }

  private exhaust(item: Item): Promise<void> {
    const exhausted: Exhausted = {
      sweep: item.message.sweep,
      trialId: item.message.trialId,
      deliveries: item.deliveries,
      source: `in-process.${item.message.pool}`,
      payload: JSON.stringify(item.message),
    };
    return this.enqueueWork(() => this.exhaustedHandler?.(exhausted));
  }

  /** Runs `work` after everything queued before it; a failure is logged, never thrown to the caller. */
  private enqueueWork(work: () => Promise<void> | void): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch((e) => this.log(`bus handler: ${(e as Error).message}`));
    return this.chain;
  }

  /**
   * Like a JetStream event that was not acknowledged, an event whose handler throws is handled
   * again (in place, so that order holds); a deferred one goes to the back of the line.
   */
  private async handle(event: TrialEvent, deliveries: number): Promise<void> {
    for (let n = deliveries; ; n++) {
      try {
        return await this.eventHandler?.(event, { deliveries: n });
      } catch (error) {
        if (this.closed) return;
        if (error instanceof DeferredEvent) {
          const sweep = event.sweep;
          this.deferredOf.set(sweep, (this.deferredOf.get(sweep) ?? 0) + 1);
          setTimeout(() => {
            const left = (this.deferredOf.get(sweep) ?? 1) - 1;
            if (left > 0) this.deferredOf.set(sweep, left);
            else this.deferredOf.delete(sweep);
            if (!this.closed) void this.enqueueWork(() => this.handle(event, n + 1));
          }, this.retryMs);
          return;
        }
        this.log(`event ${event.kind} of trial ${event.trialId}: ${(error as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }

  async publishControl(message: ControlMessage): Promise<void> {
    const m = ControlMessage.parse(message);
    for (const h of this.controlHandlers) h(m);
  }

  onEvent(handler: (e: TrialEvent, c: EventContext) => Promise<void> | void): void {
    this.eventHandler = handler;
  }
  onHeartbeat(handler: (h: Heartbeat) => void): void {
    this.heartbeatHandler = handler;
  }
  onRejected(handler: (r: Rejected) => Promise<void> | void): void {
    // The same bound as over NATS: a dead letter keeps the start of what was rejected.
    this.rejectedHandler = (r) => handler(boundRejected(r));
  }
  onExhausted(handler: (e: Exhausted) => Promise<void> | void): void {
    this.exhaustedHandler = handler;
  }
  /** Never called here: a paused sweep's trials simply stay in this queue. */
  onWithheld(_handler: (w: WithheldMessage) => Promise<void> | void): void {}

  async trialFinished(uid: string, trialId: number): Promise<void> {
    this.finished.add(`${uid}.${trialId}`);
  }

  async setSweepGate(uid: string, gate: SweepGate): Promise<void> {
    if (gate.status === "paused") {
      this.paused.add(uid);
      return;
    }
    if (!this.paused.delete(uid)) return;
    // Resumed: hand what waited to the workers waiting.
    for (const w of [...this.waiters]) {
      const item = this.take(w.queues);
      if (!item) continue;
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(this.deliver(item));
    }
  }

  private dashboard: DashboardService | undefined;

  serveDashboard(service: DashboardService): void {
    this.dashboard = service;
  }

  /** A dashboard client whose requests this bus answers, through the same encoding as NATS. */
  dashboardClient(): DashboardClient {
    return new DashboardClient({
      request: async (subject, data) => {
        if (!this.dashboard) throw new Error("no dashboard service on this bus");
        return { data: await answerDashboard(this.dashboard, subject, data) };
      },
      close: async () => {},
    });
  }

  async queuedTrialIds(options: { sweep?: string } = {}): Promise<Set<number>> {
    await this.chain;
    // `sweep`'s deferred events are waited for too (see CoordinatorBus.queuedTrialIds).
    while (options.sweep !== undefined && this.deferredOf.has(options.sweep) && !this.closed) {
      await new Promise((r) => setTimeout(r, this.retryMs));
      await this.chain;
    }
    return new Set([...this.queue.map((q) => q.message.trialId), ...this.held.keys()]);
  }

  /** A worker's end of this bus. */
  worker(): WorkerBus {
    const bus = this;
    const handlers: ((m: ControlMessage) => void)[] = [];
    return {
      nextTrial(queues, signal) {
        if (bus.closed || signal.aborted) return Promise.resolve(null);
        const keys = queues.map(queueKey);
        const item = bus.take(keys);
        if (item) return Promise.resolve(bus.deliver(item));
        return new Promise((resolve) => {
          const onAbort = () => {
            bus.waiters = bus.waiters.filter((w) => w !== waiter);
            resolve(null);
          };
          // The listener goes with the wait: a worker's signal outlives thousands of them.
          const waiter: Waiter = {
            queues: keys,
            resolve: (d) => {
              signal.removeEventListener("abort", onAbort);
              resolve(d);
            },
          };
          bus.waiters.push(waiter);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      },
      publishEvent(event) {
        // The wire form and back, as on NATS: what cannot travel there fails here too.
        let parsed: TrialEvent;
        try {
          parsed = TrialEvent.parse(
            JSON.parse(JSON.stringify(encodeMessage(TrialEvent, event, `${event.kind} event`))),
          );
        } catch (error) {
          const reason = error instanceof InvalidMessage ? error.reason : (error as Error).message;
          const identity = EventIdentity.safeParse(event);
          void bus.enqueueWork(() =>
            bus.rejectedHandler?.({
              source: "events",
              payload: JSON.stringify(event),
              error: reason,
              ...(identity.success ? { identity: identity.data } : {}),
            }),
          );
          return Promise.reject(
            error instanceof InvalidMessage ? error : new InvalidMessage("event", reason),
          );
        }
        return bus.enqueueWork(() => bus.handle(parsed, 1));
      },
      onControl(handler) {
        const safe = (m: ControlMessage) => {
          try {
            handler(m);
          } catch (error) {
            bus.log(`control handler: ${(error as Error).message}`);
          }
        };
        handlers.push(safe);
        bus.controlHandlers.add(safe);
      },
      async heartbeat(h) {
        const beat = Heartbeat.parse(h);
        try {
          bus.heartbeatHandler?.(beat);
        } catch (error) {
          bus.log(`heartbeat handler: ${(error as Error).message}`);
        }
      },
      async reject(r) {
        await bus.enqueueWork(() => bus.rejectedHandler?.(r));
      },
      async close() {
        for (const h of handlers) bus.controlHandlers.delete(h);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters) w.resolve(null);
    this.waiters = [];
    await this.chain;
  }
}
