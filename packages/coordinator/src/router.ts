import {
  type CoordinatorBus,
  DeferredEvent,
  type Exhausted,
  type Heartbeat,
  type Rejected,
  type TrialEvent,
} from "@mtl/bus";
import { isTerminal } from "@mtl/spec";
import type { Store } from "@mtl/store";
import { recordHeartbeat } from "./workers.ts";

type Handler<T> = (value: T) => Promise<void> | void;

export interface SweepRouterOptions {
  /** Called after a heartbeat or a rejected message was recorded. */
  onChange?: () => void;
}

/**
 * Shares one bus among the coordinators of several sweeps in one process (`mtl coordinator`
 * resumes every unfinished sweep of its store). Each event goes to the coordinator of its trial's
 * sweep; heartbeats and rejected messages are recorded once; an event of a sweep that no
 * coordinator here runs is deferred (delivered again later), unless its trial is finished.
 */
export class SweepRouter {
  private readonly events = new Map<number, Handler<TrialEvent>>();
  private readonly exhausted = new Map<number, Handler<Exhausted>>();

  constructor(
    private readonly store: Store,
    private readonly bus: CoordinatorBus,
    options: SweepRouterOptions = {},
  ) {
    bus.onEvent((e) => this.routeEvent(e));
    bus.onExhausted((x) => this.routeExhausted(x));
    bus.onHeartbeat((h: Heartbeat) => {
      recordHeartbeat(store, h);
      options.onChange?.();
    });
    bus.onRejected((r: Rejected) => {
      store.recordDeadLetter(r.source, r.payload, r.error);
      options.onChange?.();
    });
  }

  /** The bus as one sweep's coordinator sees it; `close()` detaches that sweep. */
  forSweep(sweepId: number): CoordinatorBus {
    const { bus } = this;
    return {
      publishTrial: (m) => bus.publishTrial(m),
      publishControl: (m) => bus.publishControl(m),
      onEvent: (h) => void this.events.set(sweepId, h),
      onExhausted: (h) => void this.exhausted.set(sweepId, h),
      onHeartbeat: () => {},
      onRejected: () => {},
      queuedTrialIds: bus.queuedTrialIds ? () => bus.queuedTrialIds!() : undefined,
      serveDashboard: (service) => bus.serveDashboard(service),
      close: async () => {
        this.events.delete(sweepId);
        this.exhausted.delete(sweepId);
      },
    };
  }

  private async routeEvent(e: TrialEvent): Promise<void> {
    const t = this.store.trial(e.trialId);
    if (!t) {
      // Someone queued a trial this store never planned: record it, and stop whoever trains it.
      this.store.recordDeadLetter("events", JSON.stringify(e), `no trial ${e.trialId}`);
      if (e.kind === "started")
        await this.bus.publishControl({ kind: "cancel", trialId: e.trialId, runId: e.runId });
      return;
    }
    const handler = this.events.get(t.sweepId);
    if (handler) return handler(e);
    if (!isTerminal(t.state))
      throw new DeferredEvent(`sweep ${t.sweepId} has no coordinator in this process`);
    // A finished trial still training somewhere (a redelivery): stop it; nothing else changes.
    if (e.kind === "started" || e.kind === "epoch")
      await this.bus.publishControl({ kind: "cancel", trialId: t.id, runId: e.runId });
  }

  private async routeExhausted(x: Exhausted): Promise<void> {
    const t = this.store.trial(x.trialId);
    const handler = t && this.exhausted.get(t.sweepId);
    if (handler) return handler(x);
    const error = `delivered ${x.deliveries} times without finishing`;
    this.store.recordDeadLetter(x.source, x.payload, error);
    if (t) this.store.giveUpTrial(t.id, error);
  }
}
