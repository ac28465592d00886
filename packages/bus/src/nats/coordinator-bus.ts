import { randomUUID } from "node:crypto";
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  NatsConnection,
  Subscription,
} from "nats";
import { z } from "zod";
import { type CoordinatorBus, DeferredEvent, type Exhausted, type Rejected } from "../bus.ts";
import type { DashboardService } from "../dashboard/protocol.ts";
import { serveDashboardOn } from "../dashboard/serve.ts";
import { boundRejected } from "../limits.ts";
import { ControlMessage, decode, Heartbeat, RejectedMessage, TrialEvent, TrialMessage } from "../messages.ts";
import { encode, text } from "./codec.ts";
import { connectNats, type NatsConnectOptions } from "./connect.ts";
import { retry } from "./retry.ts";
import { CONSUMERS, ensureTopology, STREAMS, SUBJECTS, type TopologyOptions } from "./topology.ts";

export interface NatsBusOptions extends NatsConnectOptions, TopologyOptions {
  log?: (line: string) => void;
}

/** What the server publishes when a trial reached its maximum deliveries (kept in MTL_DEAD). */
const MaxDeliveries = z.object({
  stream: z.string(),
  stream_seq: z.number().int(),
  deliveries: z.number().int(),
});

/**
 * The server (2.9) takes `next_by_subj` on the message-get API: the first message at or after
 * `seq` on `subject`. The client's request type lists only `seq` and `last_by_subj`.
 */
const nextBySubject = (seq: number, subject: string) =>
  ({ seq, next_by_subj: subject }) as unknown as { seq: number };

/** Events fetched ahead of the one being handled; they are handled one at a time regardless. */
const EVENT_BUFFER = 256;

type Handler<T> = (value: T) => Promise<void> | void;

/**
 * The coordinator's end over NATS JetStream. Trials go to the work-queue stream on their pool's
 * subject; events are read from a durable consumer one at a time and acknowledged only after the
 * handler (the SQLite commit) returns; max-deliveries advisories, kept in a stream of their own,
 * become `onExhausted` calls. Consumption starts once `onEvent` is registered.
 */
export class NatsCoordinatorBus implements CoordinatorBus {
  private eventHandler: Handler<TrialEvent> | undefined;
  private exhaustedHandler: Handler<Exhausted> | undefined;
  private heartbeatHandler: ((h: Heartbeat) => void) | undefined;
  private rejectedHandler: ((r: Rejected) => void) | undefined;
  private readonly iterators = new Set<ConsumerMessages>();
  private readonly subscriptions: Subscription[] = [];
  private readonly loops: Promise<void>[] = [];
  /** Events left for another process's coordinator (nakked), by stream sequence. */
  private readonly deferred = new Set<number>();
  /** Who waits for the next event to be handled. */
  private handledWaiters: (() => void)[] = [];
  private closed = false;
  private readonly log: (line: string) => void;

  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    options: NatsBusOptions,
  ) {
    this.log = options.log ?? (() => {});
  }

  /** Connects, creates or updates the streams and consumers, and listens for heartbeats. */
  static async connect(options: NatsBusOptions): Promise<NatsCoordinatorBus> {
    const nc = await connectNats({ name: "mtl-coordinator", ...options });
    try {
      const jsm = await nc.jetstreamManager();
      // A fresh events consumer starts over at the oldest unacknowledged event: what a killed
      // coordinator had fetched comes back now, in order, rather than after its ack-wait and
      // behind newer events of the same run. (Hence one coordinator process per NATS server.)
      await jsm.consumers.delete(STREAMS.events, CONSUMERS.events).catch(() => false);
      await ensureTopology(jsm, options, true);
      const bus = new NatsCoordinatorBus(nc, jsm, nc.jetstream(), options);
      bus.listenHeartbeats();
      // Heartbeats sent before this process listened are lost: ask for fresh ones.
      nc.publish(SUBJECTS.ping);
      return bus;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  publishTrial(message: TrialMessage): Promise<void> {
    const m = TrialMessage.parse(message);
    // One id per call, so that only a retry of this very publish is deduplicated.
    const msgID = `trial.${m.trialId}.${randomUUID()}`;
    return retry(
      () => this.js.publish(SUBJECTS.trials(m.pool), encode(m), { msgID }),
      this.retryOptions("trial"),
    ).then(() => {});
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.nc.publish(SUBJECTS.control, encode(ControlMessage.parse(message)));
  }

  onEvent(handler: Handler<TrialEvent>): void {
    const first = !this.eventHandler;
    this.eventHandler = handler;
    // After the caller's synchronous setup, so that every handler is in place before a message.
    if (first)
      queueMicrotask(() =>
        this.loops.push(this.consumeLoop(STREAMS.events, CONSUMERS.events, (m) => this.onEventMsg(m))),
      );
  }
  onExhausted(handler: Handler<Exhausted>): void {
    const first = !this.exhaustedHandler;
    this.exhaustedHandler = handler;
    if (first)
      queueMicrotask(() =>
        this.loops.push(this.consumeLoop(STREAMS.dead, CONSUMERS.dead, (m) => this.onAdvisory(m))),
      );
  }
  onHeartbeat(handler: (h: Heartbeat) => void): void {
    this.heartbeatHandler = handler;
  }
  onRejected(handler: (r: Rejected) => void): void {
    // Whatever arrived, what is recorded is cut to a bound.
    this.rejectedHandler = (r) => handler(boundRejected(r));
  }

  /** Answers the dashboard's requests (core NATS request/reply) from `service`. */
  serveDashboard(service: DashboardService): void {
    this.subscriptions.push(serveDashboardOn(this.nc, service, this.log, (r) => this.rejectedHandler?.(r)));
  }

  async queuedTrialIds(): Promise<Set<number>> {
    const ids = new Set<number>();
    for (let seq = 1; ; ) {
      let m: Awaited<ReturnType<JetStreamManager["streams"]["getMessage"]>>;
      try {
        m = await this.jsm.streams.getMessage(STREAMS.trials, nextBySubject(seq, SUBJECTS.allTrials));
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
    const events = await this.jsm.streams.info(STREAMS.events);
    await this.handledUpTo(events.state.last_seq);
    return ids;
  }

  /**
   * Waits until every event up to `mark` is handled (acked, hence gone from the work-queue
   * stream) or deferred by this process. Events a killed coordinator had fetched come back only
   * after their ack-wait, so this can take that long after a restart.
   */
  private async handledUpTo(mark: number): Promise<void> {
    let logged = Date.now();
    while (!this.closed) {
      const waiting = await this.unhandledUpTo(mark);
      if (waiting === 0) return;
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

  /** Events up to `mark` still in the stream and not deferred by this process. */
  private async unhandledUpTo(mark: number): Promise<number> {
    let n = 0;
    for (let seq = 1; seq <= mark; ) {
      let m: { seq: number };
      try {
        m = await this.jsm.streams.getMessage(STREAMS.events, nextBySubject(seq, SUBJECTS.allEvents));
      } catch (error) {
        if (/no message found/i.test((error as Error).message)) break;
        throw error;
      }
      if (m.seq > mark) break;
      if (!this.deferred.has(m.seq)) n++;
      seq = m.seq + 1;
    }
    return n;
  }

  private handled() {
    for (const w of this.handledWaiters.splice(0)) w();
  }

  private async onEventMsg(m: JsMsg): Promise<void> {
    try {
      if (m.subject === SUBJECTS.rejected) {
        const d = decode(RejectedMessage, m.data);
        this.rejectedHandler?.(d.ok ? d.value : { source: m.subject, payload: text(m.data), error: d.error });
        m.ack();
        return;
      }
      const d = decode(TrialEvent, m.data);
      if (!d.ok) {
        this.rejectedHandler?.({ source: m.subject, payload: text(m.data), error: d.error });
        m.ack();
        return;
      }
      try {
        await this.eventHandler?.(d.value);
        this.deferred.delete(m.seq);
        m.ack();
      } catch (error) {
        if (error instanceof DeferredEvent) this.deferred.add(m.seq);
        else this.log(`event ${m.seq}: ${(error as Error).message}; retrying`);
        m.nak(error instanceof DeferredEvent ? 2000 : 1000);
      }
    } finally {
      this.handled();
    }
  }

  private async onAdvisory(m: JsMsg): Promise<void> {
    const a = decode(MaxDeliveries, m.data);
    if (!a.ok || a.value.stream !== STREAMS.trials) {
      this.rejectedHandler?.({
        source: m.subject,
        payload: text(m.data),
        error: a.ok ? "unexpected stream" : a.error,
      });
      m.ack();
      return;
    }
    const seq = a.value.stream_seq;
    let trial: { data: Uint8Array; subject: string };
    try {
      trial = await this.jsm.streams.getMessage(STREAMS.trials, { seq });
    } catch {
      m.ack(); // acknowledged late after all: nothing to give up on
      return;
    }
    const d = decode(TrialMessage, trial.data);
    try {
      if (d.ok)
        await this.exhaustedHandler?.({
          trialId: d.value.trialId,
          deliveries: a.value.deliveries,
          source: trial.subject,
          payload: text(trial.data),
        });
      else this.rejectedHandler?.({ source: trial.subject, payload: text(trial.data), error: d.error });
      // Kept out of the queue from now on: it is a dead letter in the store.
      await this.jsm.streams.deleteMessage(STREAMS.trials, seq, false).catch(() => false);
      m.ack();
    } catch (error) {
      this.log(`dead letter ${seq}: ${(error as Error).message}; retrying`);
      m.nak(1000);
    }
  }

  /** Pulls from a durable consumer until closed, starting over after errors (server restarts). */
  private async consumeLoop(
    stream: string,
    name: string,
    handle: (m: JsMsg) => Promise<void>,
  ): Promise<void> {
    while (!this.closed) {
      try {
        const consumer = await this.js.consumers.get(stream, name);
        const messages = await consumer.consume({ max_messages: EVENT_BUFFER });
        this.iterators.add(messages);
        try {
          for await (const m of messages) {
            if (this.closed) {
              m.nak();
              continue;
            }
            await handle(m);
          }
        } finally {
          this.iterators.delete(messages);
        }
      } catch (error) {
        if (!this.closed) this.log(`${stream} consumer: ${(error as Error).message}`);
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 500));
    }
  }

  private listenHeartbeats() {
    const sub = this.nc.subscribe(SUBJECTS.heartbeat, {
      callback: (_err, msg) => {
        const d = decode(Heartbeat, msg.data);
        if (d.ok) this.heartbeatHandler?.(d.value);
        else this.rejectedHandler?.({ source: msg.subject, payload: text(msg.data), error: d.error });
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
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
