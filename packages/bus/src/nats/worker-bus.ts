import type { Consumer, JetStreamClient, JetStreamManager, JsMsg, NatsConnection, Subscription } from "nats";
import type { Delivery, Rejected, WorkerBus } from "../bus.ts";
import { boundRejected } from "../limits.ts";
import {
  ControlMessage,
  decode,
  EventIdentity,
  type ExhaustedMessage,
  encodeMessage,
  eventId,
  Heartbeat,
  InvalidMessage,
  TrialEvent,
  TrialMessage,
  type WithheldMessage,
} from "../messages.ts";
import { type Topology, topologyOf } from "../namespace.ts";
import { describeQueue, type Queue, queueKey, queueOf } from "../queue.ts";
import { encode, text } from "./codec.ts";
import { connectNats } from "./connect.ts";
import type { NatsBusOptions } from "./coordinator-bus.ts";
import { Marks } from "./marks.ts";
import { retry } from "./retry.ts";
import { ensureQueue, ensureTopology } from "./topology.ts";

/** How long one pull request waits on the server for a trial before it is renewed. */
const PULL_EXPIRES_MS = 5000;
/** The same, when a worker reads several queues (its pool's and its programs'): it takes turns. */
const TURN_EXPIRES_MS = 1000;

/**
 * The worker's end over NATS JetStream. Trials are pulled one at a time from the pool's durable
 * consumer (a message waiting in a client buffer would use up its lease); before one is handed
 * over, its budget (`maxDeliveries`) and its sweep's gate are checked: a trial delivered past its
 * budget is given up, one of a paused sweep withheld, both reported to the coordinator on the
 * events stream. Events are published with their id as the JetStream message id and retried
 * until the server takes them, so a nats-server restart costs a delay and never a duplicate.
 */
export class NatsWorkerBus implements WorkerBus {
  /** By queue key. */
  private readonly consumers = new Map<string, Consumer>();
  /** Which queue the next pull reads, when there are several. */
  private turn = 0;
  private readonly subscriptions: Subscription[] = [];
  private closed = false;
  private readonly log: (line: string) => void;
  private leaseCheckedAt = Date.now();
  private lastHeartbeat: Uint8Array | undefined;

  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly marks: Marks,
    readonly topology: Topology,
    /** The ack-wait of a trial: renew a lease well within it. */
    public leaseMs: number,
    options: NatsBusOptions,
  ) {
    this.log = options.log ?? (() => {});
  }

  static async connect(options: NatsBusOptions): Promise<NatsWorkerBus> {
    const t = topologyOf(options.namespace);
    const nc = await connectNats({ name: `mtl-worker.${t.namespace}`, ...options });
    try {
      const jsm = await nc.jetstreamManager();
      const { ackWaitMs } = await ensureTopology(jsm, t, options, false);
      const js = nc.jetstream();
      const marks = await Marks.open(js, t, options.log);
      const bus = new NatsWorkerBus(nc, js, jsm, marks, t, ackWaitMs, options);
      bus.answerPings();
      return bus;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async nextTrial(queues: readonly Queue[], signal: AbortSignal): Promise<Delivery | null> {
    if (queues.length === 0) throw new Error("nextTrial: no queue to read");
    while (!this.closed && !signal.aborted) {
      const queue = queues[this.turn++ % queues.length]!;
      let msg: JsMsg | null;
      try {
        msg = await this.pull(queue, queues.length > 1 ? TURN_EXPIRES_MS : PULL_EXPIRES_MS, signal);
      } catch (error) {
        if (this.closed || signal.aborted) break;
        this.log(`pull ${describeQueue(queue)}: ${(error as Error).message}`);
        this.consumers.delete(queueKey(queue));
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!msg) continue;
      const d = decode(TrialMessage, msg.data);
      // A trial in a queue not its own (a program's trial in the pool's queue) is refused: run
      // there, it would reach a worker that never registered its program.
      const error = !d.ok
        ? d.error
        : queueKey(queueOf(d.value)) !== queueKey(queue)
          ? `a trial for queue ${describeQueue(queueOf(d.value))} on ${msg.subject}`
          : undefined;
      if (error || !d.ok) {
        // Never retried: the same bytes would fail the same way.
        await this.reject({ source: msg.subject, payload: text(msg.data), error: error ?? "invalid" });
        msg.term();
        continue;
      }
      const m = d.value;
      try {
        const marks = await this.marks.of(m, msg.seq);
        // Back after it was settled: an acknowledgement lost in a server crash, or a copy of a
        // trial that is finished. Acknowledged again, not run.
        if (marks.acked || marks.finished) {
          await msg.ackAck();
          this.log(`trial ${m.number}: already ${marks.acked ? "acknowledged" : "finished"}; dropped`);
          continue;
        }
        if (msg.info.redeliveryCount > m.maxDeliveries) {
          await this.giveUp(msg, m, msg.info.redeliveryCount - 1);
          continue;
        }
        if (marks.paused) {
          await this.withhold(msg, m);
          continue;
        }
      } catch (e) {
        // The server went away mid-report: leave the message, it comes back after its ack-wait.
        this.log(`trial ${m.trialId}: ${(e as Error).message}`);
        continue;
      }
      this.checkLease(queue);
      return this.delivery(msg, m);
    }
    return null;
  }

  /** Reports the trial as given up (durably, before the message goes), then removes it. */
  private async giveUp(msg: JsMsg, m: TrialMessage, deliveries: number): Promise<void> {
    const x: ExhaustedMessage = {
      sweep: m.sweep,
      trialId: m.trialId,
      deliveries,
      source: msg.subject,
      payload: text(msg.data),
    };
    await retry(
      () => this.js.publish(this.topology.subjects.exhausted, encode(x), { msgID: `exhausted.${msg.seq}` }),
      { deadlineMs: 30_000, stopped: () => this.closed },
    );
    await msg.ackAck();
    this.log(`trial ${m.number}: given up after ${deliveries} deliveries`);
  }

  /** Reports the trial as withheld (durably, before the message goes), then removes it. */
  private async withhold(msg: JsMsg, m: TrialMessage): Promise<void> {
    const w: WithheldMessage = { sweep: m.sweep, trialId: m.trialId };
    await retry(
      () =>
        this.js.publish(this.topology.subjects.withheld, encode(w), {
          msgID: `withheld.${msg.seq}.${msg.info.redeliveryCount}`,
        }),
      { deadlineMs: 30_000, stopped: () => this.closed },
    );
    await msg.ackAck();
  }

  /** Picks up a lease (ack-wait) the coordinator changed since this worker connected. */
  private checkLease(queue: Queue) {
    if (Date.now() - this.leaseCheckedAt < 10_000) return;
    this.leaseCheckedAt = Date.now();
    this.jsm.consumers.info(this.topology.streams.trials, this.topology.consumers.trials(queue)).then(
      (info) => {
        if (info.config.ack_wait) this.leaseMs = info.config.ack_wait / 1e6;
      },
      (e) => this.log(`lease check: ${(e as Error).message}`),
    );
  }

  /** One pull; a trial that arrives after `signal` aborted is handed straight back. */
  private async pull(queue: Queue, expires: number, signal: AbortSignal): Promise<JsMsg | null> {
    const key = queueKey(queue);
    let consumer = this.consumers.get(key);
    if (!consumer) {
      // A program's queue may not exist yet: the first worker that registers the program makes it.
      if (queue.program) await ensureQueue(this.jsm, this.topology, queue, this.leaseMs, false);
      consumer = await this.js.consumers.get(
        this.topology.streams.trials,
        this.topology.consumers.trials(queue),
      );
      this.consumers.set(key, consumer);
    }
    const pool = describeQueue(queue);
    const next = consumer.next({ expires });
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        resolve(null);
        next.then(
          (m) => m?.nak(),
          (e) => this.log(`pull ${pool}: ${(e as Error).message}`),
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
    const deliveries = msg.info.redeliveryCount;
    let settled = false;
    const settle = (how: "ack" | "nak") => {
      settled = true;
      return retry(
        async () => {
          // The mark first: if the server loses the acknowledgement, the message that comes
          // back is recognised and dropped (marks.ts).
          if (how === "ack") {
            await this.marks.markAcked(msg.seq);
            await msg.ackAck();
          } else msg.nak();
        },
        { deadlineMs: 30_000, stopped: () => this.closed },
      ).catch((e) => this.log(`${how} trial ${message.trialId}: ${(e as Error).message}`));
    };
    return {
      message,
      deliveries,
      working: () => {
        if (!settled) msg.working();
      },
      ack: () => settle("ack"),
      // The last delivery the budget allows is given up here, not handed to another worker.
      nak: async () => {
        if (deliveries < message.maxDeliveries) return settle("nak");
        settled = true;
        await this.giveUp(msg, message, deliveries).catch((e) =>
          this.log(`give up trial ${message.trialId}: ${(e as Error).message}`),
        );
      },
      release: () => {
        settled = true;
      },
    };
  }

  async publishEvent(event: TrialEvent): Promise<void> {
    let wire: unknown;
    try {
      wire = encodeMessage(TrialEvent, event, `${event.kind} event`);
    } catch (error) {
      if (!(error instanceof InvalidMessage)) throw error;
      const identity = EventIdentity.safeParse(event);
      await this.reject({
        source: this.topology.subjects.event,
        payload: JSON.stringify(event),
        error: error.reason,
        ...(identity.success ? { identity: identity.data } : {}),
      });
      throw error;
    }
    const data = encode(wire);
    const msgID = eventId(event);
    await retry(() => this.js.publish(this.topology.subjects.event, data, { msgID }), {
      stopped: () => this.closed,
      onRetry: (e, n) => this.log(`publish ${event.kind} (attempt ${n}): ${(e as Error).message}`),
    });
  }

  /** Control messages are core NATS: a handler's error must never reach nats.js's read loop. */
  onControl(handler: (message: ControlMessage) => void): void {
    const sub = this.nc.subscribe(this.topology.subjects.control, {
      callback: (_err, msg) => {
        try {
          const d = decode(ControlMessage, msg.data);
          if (d.ok) handler(d.value);
          else void this.reject({ source: msg.subject, payload: text(msg.data), error: d.error });
        } catch (error) {
          this.log(`control: ${(error as Error).message}`);
        }
      },
    });
    this.subscriptions.push(sub);
  }

  async heartbeat(heartbeat: Heartbeat): Promise<void> {
    this.lastHeartbeat = encode(Heartbeat.parse(heartbeat));
    this.nc.publish(this.topology.subjects.heartbeat, this.lastHeartbeat);
  }

  /** A coordinator that just started learns about this worker now, not at the next beat. */
  private answerPings() {
    const sub = this.nc.subscribe(this.topology.subjects.ping, {
      callback: () => {
        try {
          if (this.lastHeartbeat) this.nc.publish(this.topology.subjects.heartbeat, this.lastHeartbeat);
        } catch (error) {
          this.log(`ping: ${(error as Error).message}`);
        }
      },
    });
    this.subscriptions.push(sub);
  }

  async reject(rejected: Rejected): Promise<void> {
    // Cut first: a report as large as the message it rejects would not fit the server either.
    const data = encode(boundRejected(rejected));
    await retry(() => this.js.publish(this.topology.subjects.rejected, data), {
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
