import { randomUUID } from "node:crypto";
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  NatsConnection,
  Subscription,
} from "nats";
import {
  type CoordinatorBus,
  DeferredEvent,
  type EventContext,
  type Exhausted,
  type Rejected,
} from "../bus.ts";
import type { DashboardService } from "../dashboard/protocol.ts";
import { serveDashboardOn } from "../dashboard/serve.ts";
import { boundRejected } from "../limits.ts";
import {
  ControlMessage,
  decode,
  EventIdentity,
  ExhaustedMessage,
  Heartbeat,
  RejectedMessage,
  type SweepGate,
  TrialEvent,
  TrialMessage,
  WithheldMessage,
} from "../messages.ts";
import { DEFAULT_ACK_WAIT_MS, type Topology, type TopologyOptions, topologyOf } from "../namespace.ts";
import { queueKey, queueOf } from "../queue.ts";
import { encode, text } from "./codec.ts";
import { connectNats, type NatsConnectOptions } from "./connect.ts";
import { type NamespaceLock, takeNamespaceLock } from "./lock.ts";
import { Marks } from "./marks.ts";
import { retry } from "./retry.ts";
import { ensureQueue, ensureTopology } from "./topology.ts";

export interface NatsBusOptions extends NatsConnectOptions, TopologyOptions {
  log?: (line: string) => void;
}

export interface NatsCoordinatorOptions extends NatsBusOptions {
  /** What this coordinator is, for the message a second one gets (e.g. `mtl coordinator`). */
  what?: string;
  /** Another coordinator took the namespace over (this one was silent past the lock's TTL): stop. */
  onLockLost?: () => void;
}

/**
 * The server (2.9) takes `next_by_subj` on the message-get API: the first message at or after
 * `seq` on `subject`. The client's request type lists only `seq` and `last_by_subj`.
 */
const nextBySubject = (seq: number, subject: string) =>
  ({ seq, next_by_subj: subject }) as unknown as { seq: number };

/** Events fetched ahead of the one being handled; they are handled one at a time regardless. */
const EVENT_BUFFER = 256;
/** How long a deferred event waits before it is delivered again. */
const DEFER_MS = 1000;
/**
 * A pull request's life. nats.js retries a pull it lost (a server restart) at this pace and
 * watches heartbeats at half of it: the default (30 s) left the coordinator deaf for that long
 * after nats-server came back.
 */
const PULL_EXPIRES_MS = 5000;

type Handler<T> = (value: T) => Promise<void> | void;

/**
 * The coordinator's end over NATS JetStream. It holds its namespace's lock from connect to close
 * (a second coordinator on the namespace fails to connect with NamespaceHeld). Trials go to the
 * work-queue stream on their pool's subject; events (and the worker buses' reports of given-up,
 * withheld and rejected messages) are read from a durable consumer one at a time and acknowledged
 * only after the handler (the SQLite commit) returns. Consumption starts once `onEvent` is
 * registered. No handler's error reaches nats.js: a failing handler is retried in place.
 */
export class NatsCoordinatorBus implements CoordinatorBus {
  private eventHandler: ((e: TrialEvent, c: EventContext) => Promise<void> | void) | undefined;
  private exhaustedHandler: Handler<Exhausted> | undefined;
  private withheldHandler: Handler<WithheldMessage> | undefined;
  private heartbeatHandler: ((h: Heartbeat) => void) | undefined;
  private rejectedHandler: Handler<Rejected> | undefined;
  private readonly iterators = new Set<ConsumerMessages>();
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  /** Events handled later (nakked), by stream sequence: the sweep each belongs to, when known. */
  private readonly deferred = new Map<number, string | undefined>();
  /** Who waits for the next event to be handled. */
  private handledWaiters: (() => void)[] = [];
  private closed = false;
  private readonly log: (line: string) => void;
  /** Program queues whose consumer this coordinator has made sure of (see queue.ts). */
  private readonly programQueues = new Set<string>();
  private readonly ackWaitMs: number;

  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly marks: Marks,
    private readonly lock: NamespaceLock,
    readonly topology: Topology,
    options: NatsCoordinatorOptions,
  ) {
    this.log = options.log ?? (() => {});
    this.ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  }

  /**
   * Connects, takes the namespace's lock (throws NamespaceHeld if another coordinator holds it),
   * creates or updates the streams, consumers and buckets, and listens for heartbeats.
   */
  static async connect(options: NatsCoordinatorOptions): Promise<NatsCoordinatorBus> {
    const t = topologyOf(options.namespace);
    const nc = await connectNats({ name: `mtl-coordinator.${t.namespace}`, ...options });
    let lock: NamespaceLock | undefined;
    try {
      const js = nc.jetstream();
      // Before anything of the namespace is touched: a second coordinator changes nothing.
      lock = await takeNamespaceLock(js, t, {
        what: options.what ?? "a coordinator",
        onLost: options.onLockLost,
        log: options.log,
      });
      const jsm = await nc.jetstreamManager();
      // A fresh events consumer starts over at the oldest unacknowledged event: what a killed
      // coordinator had fetched comes back now, in order, rather than after its ack-wait and
      // behind newer events of the same run. Safe: this process holds the namespace.
      await jsm.consumers.delete(t.streams.events, t.consumers.events).catch(() => false);
      await ensureTopology(jsm, t, options, true);
      const marks = await Marks.open(js, t, options.log);
      const bus = new NatsCoordinatorBus(nc, jsm, js, marks, lock, t, options);
      bus.listenHeartbeats();
      // Heartbeats sent before this process listened are lost: ask for fresh ones.
      nc.publish(t.subjects.ping);
      return bus;
    } catch (error) {
      await lock?.release();
      await nc.close();
      throw error;
    }
  }

  async publishTrial(message: TrialMessage): Promise<void> {
    const m = TrialMessage.parse(message);
    const queue = queueOf(m);
    // A program's queue gets its consumer (with this namespace's lease) before its first trial.
    if (queue.program && !this.programQueues.has(queueKey(queue))) {
      await retry(
        () => ensureQueue(this.jsm, this.topology, queue, this.ackWaitMs, true),
        this.retryOptions("program queue"),
      );
      this.programQueues.add(queueKey(queue));
    }
    // One id per call, so that only a retry of this very publish is deduplicated.
    const msgID = `trial.${m.sweep}.${m.trialId}.${randomUUID()}`;
    await retry(
      () => this.js.publish(this.topology.subjects.trials(queue), encode(m), { msgID }),
      this.retryOptions("trial"),
    );
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.nc.publish(this.topology.subjects.control, encode(ControlMessage.parse(message)));
  }

  async setSweepGate(uid: string, gate: SweepGate): Promise<void> {
    await retry(() => this.marks.setGate(uid, gate), this.retryOptions("sweep gate"));
  }

  async trialFinished(uid: string, trialId: number): Promise<void> {
    await retry(() => this.marks.markFinished(uid, trialId), this.retryOptions("finished trial"));
  }

  onEvent(handler: (e: TrialEvent, c: EventContext) => Promise<void> | void): void {
    const first = !this.eventHandler;
    this.eventHandler = handler;
    // After the caller's synchronous setup, so that every handler is in place before a message.
    if (first) queueMicrotask(() => this.loops.push(this.consumeLoop()));
  }
  onExhausted(handler: Handler<Exhausted>): void {
    this.exhaustedHandler = handler;
  }
  onWithheld(handler: Handler<WithheldMessage>): void {
    this.withheldHandler = handler;
  }
  onHeartbeat(handler: (h: Heartbeat) => void): void {
    this.heartbeatHandler = handler;
  }
  onRejected(handler: Handler<Rejected>): void {
    // Whatever arrived, what is recorded is cut to a bound.
    this.rejectedHandler = (r) => handler(boundRejected(r));
  }

  /** Answers the dashboard's requests (core NATS request/reply, under the namespace) from `service`. */
  serveDashboard(service: DashboardService): void {
    this.subscriptions.push(
      serveDashboardOn(
        this.nc,
        service,
        this.log,
        // Recording a dead letter can fail (a busy database): logged, never an unhandled rejection.
        (r) =>
          void Promise.resolve()
            .then(() => this.rejectedHandler?.(r))
            .catch((e) => this.log(`recording a rejected dashboard request: ${(e as Error).message}`)),
        this.topology.subjects.dash,
      ),
    );
  }

  async queuedTrialIds(options: { waitMs?: number; sweep?: string } = {}): Promise<Set<number>> {
    const { streams, subjects } = this.topology;
    const ids = new Set<number>();
    for (let seq = 1; ; ) {
      let m: Awaited<ReturnType<JetStreamManager["streams"]["getMessage"]>>;
      try {
        m = await this.jsm.streams.getMessage(streams.trials, nextBySubject(seq, subjects.allTrials));
      } catch (error) {
        if (/no message found/i.test((error as Error).message)) break;
        throw error;
      }
      const d = decode(TrialMessage, m.data);
      if (d.ok) ids.add(d.value.trialId);
      seq = m.seq + 1;
    }
    // A trial acked after the scan above had its final event published before the ack: wait
    // until that event is written, so that the store shows it finished.
    const events = await this.jsm.streams.info(streams.events);
    await this.handledUpTo(events.state.last_seq, options.waitMs, options.sweep);
    return ids;
  }

  /**
   * Waits until every event up to `mark` is handled (acked, hence gone from the work-queue
   * stream) or deferred by this process, except that `sweep`'s deferred events are waited for
   * too: its coordinator asks, so they are its own to handle (one deferred before it was
   * registered comes back to it), and a trial whose events wait there is not yet what the store
   * shows. Events a killed coordinator had fetched come back only after their ack-wait, so this
   * can take that long after a restart.
   */
  private async handledUpTo(mark: number, waitMs = Number.POSITIVE_INFINITY, sweep?: string): Promise<void> {
    const started = Date.now();
    let logged = started;
    while (!this.closed) {
      const waiting = await this.unhandledUpTo(mark, sweep);
      if (waiting === 0) return;
      if (Date.now() - started > waitMs) throw new Error(`${waiting} earlier event(s) not handled yet`);
      if (Date.now() - logged > 5000) {
        this.log(`waiting for ${waiting} earlier event(s) before resuming`);
        logged = Date.now();
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250);
        this.handledWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Events up to `mark` still in the stream and not deferred by this process (but `sweep`'s). */
  private async unhandledUpTo(mark: number, sweep?: string): Promise<number> {
    const { streams, subjects } = this.topology;
    let n = 0;
    for (let seq = 1; seq <= mark; ) {
      let m: { seq: number };
      try {
        m = await this.jsm.streams.getMessage(streams.events, nextBySubject(seq, subjects.allEvents));
      } catch (error) {
        if (/no message found/i.test((error as Error).message)) break;
        throw error;
      }
      if (m.seq > mark) break;
      if (!this.deferred.has(m.seq) || (sweep !== undefined && this.deferred.get(m.seq) === sweep)) n++;
      seq = m.seq + 1;
    }
    return n;
  }

  private handled() {
    for (const w of this.handledWaiters.splice(0)) w();
  }

  /**
   * Runs a handler until it succeeds: an error (SQLITE_BUSY, say) is retried in place, so that
   * the events behind it wait and order holds; the message's ack-wait is kept alive meanwhile.
   * Returns false for a DeferredEvent (the caller naks) or when the bus closes.
   */
  private async untilHandled(m: JsMsg, what: string, run: () => Promise<void> | void): Promise<boolean> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await run();
        return true;
      } catch (error) {
        if (error instanceof DeferredEvent) return false;
        this.log(`${what} ${m.seq}: ${(error as Error).message}; retrying`);
        m.working();
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt - 1, 4))));
      }
    }
    return false;
  }

  private async onEventMsg(m: JsMsg): Promise<void> {
    const { subjects } = this.topology;
    /** The sweep the message belongs to, as far as it decodes. */
    let sweep: string | undefined;
    try {
      let handled: boolean;
      if (m.subject === subjects.rejected) {
        const d = decode(RejectedMessage, m.data);
        const r = d.ok ? d.value : { source: m.subject, payload: text(m.data), error: d.error };
        sweep = r.identity?.sweep;
        handled = await this.untilHandled(m, "rejected message", () => this.rejectedHandler?.(r));
      } else if (m.subject === subjects.exhausted) {
        const d = decode(ExhaustedMessage, m.data);
        sweep = d.ok ? d.value.sweep : undefined;
        handled = d.ok
          ? await this.untilHandled(m, "given-up trial", () => this.exhaustedHandler?.(d.value))
          : await this.untilHandled(m, "rejected message", () =>
              this.rejectedHandler?.({ source: m.subject, payload: text(m.data), error: d.error }),
            );
      } else if (m.subject === subjects.withheld) {
        const d = decode(WithheldMessage, m.data);
        sweep = d.ok ? d.value.sweep : undefined;
        handled = d.ok
          ? await this.untilHandled(m, "withheld trial", () => this.withheldHandler?.(d.value))
          : await this.untilHandled(m, "rejected message", () =>
              this.rejectedHandler?.({ source: m.subject, payload: text(m.data), error: d.error }),
            );
      } else {
        const d = decode(TrialEvent, m.data);
        if (d.ok) {
          sweep = d.value.sweep;
          const context = { deliveries: m.info.redeliveryCount };
          handled = await this.untilHandled(m, "event", () => this.eventHandler?.(d.value, context));
        } else {
          // Whose event it was, if that much parses: the coordinator fails that run's trial.
          let identity: EventIdentity | undefined;
          try {
            const r = EventIdentity.safeParse(JSON.parse(text(m.data)));
            if (r.success) identity = r.data;
          } catch {
            identity = undefined; // not even JSON
          }
          sweep = identity?.sweep;
          const r: Rejected = {
            source: m.subject,
            payload: text(m.data),
            error: d.error,
            ...(identity ? { identity } : {}),
          };
          handled = await this.untilHandled(m, "rejected event", () => this.rejectedHandler?.(r));
        }
      }
      if (this.closed) return;
      if (handled) {
        this.deferred.delete(m.seq);
        m.ack();
      } else {
        this.deferred.set(m.seq, sweep);
        m.nak(DEFER_MS);
      }
    } finally {
      this.handled();
    }
  }

  /** Pulls from the events consumer until closed, starting over after errors (server restarts). */
  private async consumeLoop(): Promise<void> {
    const { streams, consumers } = this.topology;
    while (!this.closed) {
      try {
        const consumer = await this.js.consumers.get(streams.events, consumers.events);
        const messages = await consumer.consume({ max_messages: EVENT_BUFFER, expires: PULL_EXPIRES_MS });
        this.iterators.add(messages);
        try {
          for await (const m of messages) {
            if (this.closed) {
              m.nak();
              continue;
            }
            await this.onEventMsg(m);
          }
        } finally {
          this.iterators.delete(messages);
        }
      } catch (error) {
        if (!this.closed) this.log(`${streams.events} consumer: ${(error as Error).message}`);
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Heartbeats are core NATS: a callback error must never reach nats.js's read loop. */
  private listenHeartbeats() {
    const sub = this.nc.subscribe(this.topology.subjects.heartbeat, {
      callback: (_err, msg) => {
        try {
          const d = decode(Heartbeat, msg.data);
          if (d.ok) this.heartbeatHandler?.(d.value);
          else
            Promise.resolve(
              this.rejectedHandler?.({ source: msg.subject, payload: text(msg.data), error: d.error }),
            ).catch((e) => this.log(`heartbeat: ${(e as Error).message}`));
        } catch (error) {
          this.log(`heartbeat: ${(error as Error).message}`);
        }
      },
    });
    this.subscriptions.push(sub);
  }

  private retryOptions(what: string) {
    return {
      stopped: () => this.closed,
      onRetry: (e: unknown, n: number) => this.log(`publish ${what} (attempt ${n}): ${(e as Error).message}`),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const it of this.iterators) it.stop();
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.allSettled(this.loops);
    await this.lock.release();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
