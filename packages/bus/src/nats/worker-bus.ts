import type { Consumer, JetStreamClient, JetStreamManager, JsMsg, NatsConnection, Subscription } from "nats";
import type { Delivery, Rejected, WorkerBus } from "../bus.ts";
import { boundRejected } from "../limits.ts";
import { ControlMessage, decode, eventId, Heartbeat, TrialEvent, TrialMessage } from "../messages.ts";
import { encode, text } from "./codec.ts";
import { connectNats } from "./connect.ts";
import type { NatsBusOptions } from "./coordinator-bus.ts";
import { retry } from "./retry.ts";
import { CONSUMERS, ensureTopology, type Pool, STREAMS, SUBJECTS } from "./topology.ts";

/** How long one pull request waits on the server for a trial before it is renewed. */
const PULL_EXPIRES_MS = 5000;

/**
 * The worker's end over NATS JetStream. Trials are pulled one at a time from the pool's durable
 * consumer (a message waiting in a client buffer would use up its lease); events are published
 * with their id as the JetStream message id and retried until the server takes them, so a
 * nats-server restart costs a delay and never a duplicate.
 */
export class NatsWorkerBus implements WorkerBus {
  private readonly consumers = new Map<Pool, Consumer>();
  private readonly subscriptions: Subscription[] = [];
  private closed = false;
  private readonly log: (line: string) => void;
  private leaseCheckedAt = Date.now();
  private lastHeartbeat: Uint8Array | undefined;

  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** The ack-wait of a trial: renew a lease well within it. */
    public leaseMs: number,
    options: NatsBusOptions,
  ) {
    this.log = options.log ?? (() => {});
  }

  static async connect(options: NatsBusOptions): Promise<NatsWorkerBus> {
    const nc = await connectNats({ name: "mtl-worker", ...options });
    try {
      const jsm = await nc.jetstreamManager();
      const { ackWaitMs } = await ensureTopology(jsm, options, false);
      const bus = new NatsWorkerBus(nc, nc.jetstream(), jsm, ackWaitMs, options);
      bus.answerPings();
      return bus;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async nextTrial(pool: Pool, signal: AbortSignal): Promise<Delivery | null> {
    while (!this.closed && !signal.aborted) {
      let msg: JsMsg | null;
      try {
        msg = await this.pull(pool, signal);
      } catch (error) {
        if (this.closed || signal.aborted) break;
        this.log(`pull ${pool}: ${(error as Error).message}`);
        this.consumers.delete(pool);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!msg) continue;
      const d = decode(TrialMessage, msg.data);
      const error = !d.ok
        ? d.error
        : d.value.pool !== pool
          ? `pool ${d.value.pool} on ${msg.subject}`
          : undefined;
      if (error || !d.ok) {
        // Never retried: the same bytes would fail the same way.
        await this.reject({ source: msg.subject, payload: text(msg.data), error: error ?? "invalid" });
        msg.term();
        continue;
      }
      this.checkLease(pool);
      return this.delivery(msg, d.value);
    }
    return null;
  }

  /** Picks up a lease (ack-wait) the coordinator changed since this worker connected. */
  private checkLease(pool: Pool) {
    if (Date.now() - this.leaseCheckedAt < 10_000) return;
    this.leaseCheckedAt = Date.now();
    this.jsm.consumers.info(STREAMS.trials, CONSUMERS.trials(pool)).then(
      (info) => {
        if (info.config.ack_wait) this.leaseMs = info.config.ack_wait / 1e6;
      },
      () => {},
    );
  }

  /** One pull; a trial that arrives after `signal` aborted is handed straight back. */
  private async pull(pool: Pool, signal: AbortSignal): Promise<JsMsg | null> {
    let consumer = this.consumers.get(pool);
    if (!consumer) {
      consumer = await this.js.consumers.get(STREAMS.trials, CONSUMERS.trials(pool));
      this.consumers.set(pool, consumer);
    }
    const next = consumer.next({ expires: PULL_EXPIRES_MS });
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        resolve(null);
        next.then(
          (m) => m?.nak(),
          () => {},
        );
      };
      signal.addEventListener("abort", onAbort, { once: true });
      next.then(
        (m) => {
          signal.removeEventListener("abort", onAbort);
          if (m && (signal.aborted || this.closed)) {
            m.nak();
            resolve(null);
          } else resolve(m);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  }

  private delivery(msg: JsMsg, message: TrialMessage): Delivery {
    const settle = (how: "ack" | "nak") =>
      retry(
        async () => {
          if (how === "ack") await msg.ackAck();
          else msg.nak();
        },
        { deadlineMs: 30_000, stopped: () => this.closed },
      ).catch((e) => this.log(`${how} trial ${message.trialId}: ${(e as Error).message}`));
    return {
      message,
      deliveries: msg.info.redeliveryCount,
      working: () => msg.working(),
      ack: () => settle("ack"),
      nak: () => settle("nak"),
    };
  }

  async publishEvent(event: TrialEvent): Promise<void> {
    const parsed = TrialEvent.safeParse(event);
    if (!parsed.success)
      return this.reject({
        source: SUBJECTS.event,
        payload: JSON.stringify(event),
        error: parsed.error.message,
      });
    const data = encode(parsed.data);
    const msgID = eventId(parsed.data);
    await retry(() => this.js.publish(SUBJECTS.event, data, { msgID }), {
      stopped: () => this.closed,
      onRetry: (e, n) => this.log(`publish ${event.kind} (attempt ${n}): ${(e as Error).message}`),
    });
  }

  onControl(handler: (message: ControlMessage) => void): void {
    const sub = this.nc.subscribe(SUBJECTS.control, {
      callback: (_err, msg) => {
        const d = decode(ControlMessage, msg.data);
        if (d.ok) handler(d.value);
        else void this.reject({ source: msg.subject, payload: text(msg.data), error: d.error });
      },
    });
    this.subscriptions.push(sub);
  }

  async heartbeat(heartbeat: Heartbeat): Promise<void> {
    this.lastHeartbeat = encode(Heartbeat.parse(heartbeat));
    this.nc.publish(SUBJECTS.heartbeat, this.lastHeartbeat);
  }

  /** A coordinator that just started learns about this worker now, not at the next beat. */
  private answerPings() {
    const sub = this.nc.subscribe(SUBJECTS.ping, {
      callback: () => {
        if (this.lastHeartbeat) this.nc.publish(SUBJECTS.heartbeat, this.lastHeartbeat);
      },
    });
    this.subscriptions.push(sub);
  }

  async reject(rejected: Rejected): Promise<void> {
    // Cut first: a report as large as the message it rejects would not fit the server either.
    const data = encode(boundRejected(rejected));
    await retry(() => this.js.publish(SUBJECTS.rejected, data), {
      deadlineMs: 30_000,
      stopped: () => this.closed,
    }).catch((e) => this.log(`could not report a rejected message: ${(e as Error).message}`));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    // drain() flushes what is still buffered: naks of trials handed back, the last heartbeat.
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
