/**
 * The embedded transport: the coordinator and its local workers share one process, so the queue
 * is an array and events are function calls. Messages still pass the same schemas as on NATS.
 */
import type { CoordinatorBus, Delivery, Exhausted, Rejected, WorkerBus } from "./bus.ts";
import { answerDashboard, DashboardClient, type DashboardService } from "./dashboard/protocol.ts";
import { boundRejected } from "./limits.ts";
import { ControlMessage, Heartbeat, TrialEvent, TrialMessage } from "./messages.ts";

type Waiter = { pool: string; resolve: (d: Delivery | null) => void };
type Item = { message: TrialMessage; deliveries: number };

export interface InProcessBusOptions {
  /** Deliveries of one trial (each nak is one) before it is handed to `onExhausted`. @default Infinity */
  maxDeliver?: number;
  /** Delay before an event whose handler threw is handled again. @default 1000 */
  retryMs?: number;
}

export class InProcessBus implements CoordinatorBus {
  private queue: Item[] = [];
  /** Delivered and not yet acked or nakked: what NATS would call ack-pending. */
  private held = new Map<number, number>();
  private waiters: Waiter[] = [];
  private eventHandler: ((e: TrialEvent) => Promise<void> | void) | undefined;
  private heartbeatHandler: ((h: Heartbeat) => void) | undefined;
  private rejectedHandler: ((r: Rejected) => void) | undefined;
  private exhaustedHandler: ((e: Exhausted) => Promise<void> | void) | undefined;
  private controlHandlers = new Set<(m: ControlMessage) => void>();
  /** Events are handled strictly one at a time, in the order they were published. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly maxDeliver: number;
  private readonly retryMs: number;

  constructor(options: InProcessBusOptions = {}) {
    this.maxDeliver = options.maxDeliver ?? Number.POSITIVE_INFINITY;
    this.retryMs = options.retryMs ?? 1000;
  }

  async publishTrial(message: TrialMessage): Promise<void> {
    this.enqueue({ message: TrialMessage.parse(message), deliveries: 0 });
  }

  private enqueue(item: Item): void {
    const i = this.waiters.findIndex((w) => w.pool === item.message.pool);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(this.deliver(item));
    } else this.queue.push(item);
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
        if (deliveries < this.maxDeliver) this.enqueue({ message: item.message, deliveries });
        else await this.exhaust({ message: item.message, deliveries });
      },
    };
  }

  private exhaust(item: Item): Promise<void> {
    const exhausted: Exhausted = {
      trialId: item.message.trialId,
      deliveries: item.deliveries,
      source: `in-process.${item.message.pool}`,
      payload: JSON.stringify(item.message),
    };
    const run = this.chain.then(() => this.exhaustedHandler?.(exhausted));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Like an unacknowledged JetStream message, an event whose handler throws is handled again. */
  private async handle(event: TrialEvent): Promise<void> {
    for (;;) {
      try {
        return await this.eventHandler?.(event);
      } catch (error) {
        if (this.closed) throw error;
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }

  async publishControl(message: ControlMessage): Promise<void> {
    const m = ControlMessage.parse(message);
    for (const h of this.controlHandlers) h(m);
  }

  onEvent(handler: (e: TrialEvent) => Promise<void> | void): void {
    this.eventHandler = handler;
  }
  onHeartbeat(handler: (h: Heartbeat) => void): void {
    this.heartbeatHandler = handler;
  }
  onRejected(handler: (r: Rejected) => void): void {
    // The same bound as over NATS: a dead letter keeps the start of what was rejected.
    this.rejectedHandler = (r) => handler(boundRejected(r));
  }
  onExhausted(handler: (e: Exhausted) => Promise<void> | void): void {
    this.exhaustedHandler = handler;
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

  async queuedTrialIds(): Promise<Set<number>> {
    await this.chain;
    return new Set([...this.queue.map((q) => q.message.trialId), ...this.held.keys()]);
  }

  /** A worker's end of this bus. */
  worker(): WorkerBus {
    const bus = this;
    const handlers: ((m: ControlMessage) => void)[] = [];
    return {
      nextTrial(pool, signal) {
        if (bus.closed || signal.aborted) return Promise.resolve(null);
        const i = bus.queue.findIndex((q) => q.message.pool === pool);
        if (i >= 0) return Promise.resolve(bus.deliver(bus.queue.splice(i, 1)[0]!));
        return new Promise((resolve) => {
          const waiter: Waiter = { pool, resolve };
          bus.waiters.push(waiter);
          signal.addEventListener("abort", () => {
            bus.waiters = bus.waiters.filter((w) => w !== waiter);
            resolve(null);
          });
        });
      },
      publishEvent(event) {
        const parsed = TrialEvent.safeParse(event);
        if (!parsed.success) {
          bus.rejectedHandler?.({
            source: "events",
            payload: JSON.stringify(event),
            error: parsed.error.message,
          });
          return Promise.resolve();
        }
        const run = bus.chain.then(() => bus.handle(parsed.data));
        bus.chain = run.catch(() => {});
        return run;
      },
      onControl(handler) {
        handlers.push(handler);
        bus.controlHandlers.add(handler);
      },
      async heartbeat(h) {
        bus.heartbeatHandler?.(Heartbeat.parse(h));
      },
      async reject(r) {
        bus.rejectedHandler?.(r);
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
