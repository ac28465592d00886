import type { DashboardService } from "./dashboard/protocol.ts";
import type { ControlMessage, Heartbeat, TrialEvent, TrialMessage } from "./messages.ts";

/** A trial handed to a worker, held under a lease until acked. */
export interface Delivery {
  readonly message: TrialMessage;
  /** 1 on the first delivery; more when a lease was lost before. */
  readonly deliveries: number;
  /** Keeps the lease alive while the trial trains. */
  working(): void;
  /** The trial is finished (its final event is persisted): remove it from the queue. */
  ack(): Promise<void>;
  /** Give it back to be delivered again (e.g. this worker is shutting down). */
  nak(): Promise<void>;
}

/** Something the bus refused to deliver because it failed validation. */
export interface Rejected {
  source: string;
  payload: string;
  error: string;
}

/** A trial the bus gave up on: it was delivered its maximum number of times without an ack. */
export interface Exhausted {
  trialId: number;
  deliveries: number;
  /** Where it was queued (e.g. a NATS subject). */
  source: string;
  payload: string;
}

/**
 * Thrown by an event handler that cannot take the event now (e.g. no coordinator of its sweep
 * runs in this process): the bus delivers it again later instead of acknowledging it.
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
 * handler that throws leaves the event unacknowledged, to be delivered again.
 */
export interface CoordinatorBus {
  publishTrial(message: TrialMessage): Promise<void>;
  publishControl(message: ControlMessage): Promise<void>;
  onEvent(handler: (event: TrialEvent) => Promise<void> | void): void;
  onHeartbeat(handler: (heartbeat: Heartbeat) => void): void;
  onRejected(handler: (rejected: Rejected) => void): void;
  /** A trial reached its maximum deliveries; acknowledged after the handler resolves. */
  onExhausted(handler: (exhausted: Exhausted) => Promise<void> | void): void;
  /**
   * Trial ids waiting in the queue or held by a worker, to avoid publishing one twice after a
   * restart. Resolves only after every event published before the call has been handled, so a
   * trial missing from the set whose final event was sent is already terminal in the store.
   */
  queuedTrialIds?(): Promise<Set<number>>;
  /** Answers the dashboard protocol's requests from `service` (see dashboard/protocol.ts). */
  serveDashboard(service: DashboardService): void;
  close(): Promise<void>;
}

/** The worker's side of the bus. */
export interface WorkerBus {
  /** How long a delivery's lease lasts without `working()`, when the bus has such a limit. */
  readonly leaseMs?: number;
  /** Waits for the next trial of `pool`; resolves null when `signal` aborts or the bus closes. */
  nextTrial(pool: "cpu" | "gpu", signal: AbortSignal): Promise<Delivery | null>;
  publishEvent(event: TrialEvent): Promise<void>;
  onControl(handler: (message: ControlMessage) => void): void;
  heartbeat(heartbeat: Heartbeat): Promise<void>;
  /** Reports a message this worker rejected, so the coordinator records it. */
  reject(rejected: Rejected): Promise<void>;
  close(): Promise<void>;
}
