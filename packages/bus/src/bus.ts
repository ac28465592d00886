import type { DashboardService } from "./dashboard/protocol.ts";
import type {
  ControlMessage,
  EventIdentity,
  Heartbeat,
  SweepGate,
  TrialEvent,
  TrialMessage,
  WithheldMessage,
} from "./messages.ts";
import type { Queue } from "./queue.ts";

/** A trial handed to a worker, held under a lease until acked. */
export interface Delivery {
  readonly message: TrialMessage;
  /** 1 on the first delivery; more when a lease was lost before (never above `maxDeliveries`). */
  readonly deliveries: number;
  /** Keeps the lease alive while the trial trains. */
  working(): void;
  /** The trial is finished (its final event is persisted): remove it from the queue. */
  ack(): Promise<void>;
  /** Give it back to be delivered again (a retryable failure); past its budget it is given up. */
  nak(): Promise<void>;
  /**
   * Let go without settling: this run no longer holds the trial (another delivery of it is
   * running), so neither acknowledging nor returning it is this run's to do.
   */
  release(): void;
}

/** Something the bus refused to deliver because it failed validation. */
export interface Rejected {
  source: string;
  payload: string;
  error: string;
  /** Whose event it was, when that much could be read: the coordinator fails that run's trial. */
  identity?: EventIdentity;
}

/** A trial the bus gave up on: it was delivered its maximum number of times without an ack. */
export interface Exhausted {
  /** The sweep's identity (uid). */
  sweep: string;
  trialId: number;
  deliveries: number;
  /** Where it was queued (e.g. a NATS subject). */
  source: string;
  payload: string;
}

/** How the bus hands an event over: `deliveries` counts this event's deliveries (1 the first time). */
export interface EventContext {
  deliveries: number;
}

/**
 * Thrown by an event handler that cannot take the event now (no coordinator of its sweep runs in
 * this process, or the epochs a result needs have not arrived): the bus delivers it again later
 * instead of acknowledging it.
 */
export class DeferredEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeferredEvent";
  }
}

/**
 * The coordinator's side of the bus. Handlers run one event at a time, in order; an event is
 * acknowledged only after its handler's promise resolves (i.e. after the SQLite commit). A
 * handler that throws is called again with the same event (in place, so order holds); one that
 * throws DeferredEvent gets it again later. No handler's error reaches the transport.
 */
export interface CoordinatorBus {
  publishTrial(message: TrialMessage): Promise<void>;
  publishControl(message: ControlMessage): Promise<void>;
  onEvent(handler: (event: TrialEvent, context: EventContext) => Promise<void> | void): void;
  onHeartbeat(handler: (heartbeat: Heartbeat) => void): void;
  onRejected(handler: (rejected: Rejected) => Promise<void> | void): void;
  /** A trial reached its maximum deliveries; acknowledged after the handler resolves. */
  onExhausted(handler: (exhausted: Exhausted) => Promise<void> | void): void;
  /** A worker took a trial of a paused sweep off the queue unrun (see `setSweepGate`). */
  onWithheld(handler: (withheld: WithheldMessage) => Promise<void> | void): void;
  /**
   * Whether workers may start the queued trials of sweep `uid`: while `paused`, a trial of it
   * that reaches a worker is withheld (taken off the queue unrun, `onWithheld`), to be published
   * again on resume.
   */
  setSweepGate(uid: string, gate: SweepGate): Promise<void>;
  /**
   * The trial is finished for good (its final state is committed): a delivery of it still around
   * (an acknowledgement lost when the server crashed) is dropped by the workers' bus, not run.
   */
  trialFinished(uid: string, trialId: number): Promise<void>;
  /**
   * Trial ids waiting in the queue or held by a worker, to avoid publishing one twice after a
   * restart. Resolves only after every event published before the call has been handled, so a
   * trial missing from the set whose final event was sent is already terminal in the store;
   * with `waitMs`, rejects when that takes longer. Events deferred (to be handled later) count as
   * handled, but those of `sweep`: the coordinator of that sweep asks, and they are its own.
   */
  queuedTrialIds?(options?: { waitMs?: number; sweep?: string }): Promise<Set<number>>;
  /** Answers the dashboard protocol's requests from `service` (see dashboard/protocol.ts). */
  serveDashboard(service: DashboardService): void;
  close(): Promise<void>;
}

/** The worker's side of the bus. */
export interface WorkerBus {
  /** How long a delivery's lease lasts without `working()`, when the bus has such a limit. */
  readonly leaseMs?: number;
  /**
   * Waits for the next trial of any of `queues` (the worker's pool, and its pool with each program
   * it registered: queue.ts) that may run; resolves null when `signal` aborts or the bus closes. A trial past its delivery budget is given up, one already finished dropped, and
   * one of a paused sweep withheld, here: none of them reaches the caller.
   */
  nextTrial(queues: readonly Queue[], signal: AbortSignal): Promise<Delivery | null>;
  /**
   * Publishes an event, durably. Throws InvalidMessage (and publishes nothing) when the event
   * does not fit its schema: the caller fails its trial with that reason instead.
   */
  publishEvent(event: TrialEvent): Promise<void>;
  onControl(handler: (message: ControlMessage) => void): void;
  heartbeat(heartbeat: Heartbeat): Promise<void>;
  /** Reports a message this worker rejected, so the coordinator records it. */
  reject(rejected: Rejected): Promise<void>;
  close(): Promise<void>;
}
