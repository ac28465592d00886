import {
  type CoordinatorBus,
  DeferredEvent,
  type EventContext,
  type Exhausted,
  encodeMessage,
  type Heartbeat,
  type Rejected,
  TrialEvent,
  type WithheldMessage,
} from "@mtl/bus";
import type { Store, SweepRow } from "@mtl/store";
import { applyEvent } from "./apply-event.ts";
import { recordHeartbeat } from "./workers.ts";

type Handler<T> = (value: T) => Promise<void> | void;
type EventHandler = (e: TrialEvent, c: EventContext) => Promise<void> | void;

interface Route {
  event?: EventHandler;
  exhausted?: Handler<Exhausted>;
  withheld?: Handler<WithheldMessage>;
  rejected?: Handler<Rejected>;
}

export interface SweepRouterOptions {
  /** Called after a heartbeat or a rejected message was recorded. */
  onChange?: () => void;
  log?: (line: string) => void;
}

/**
 * Shares one bus among the coordinators of several sweeps in one process (`mtl coordinator`
 * resumes every unfinished sweep of its store). Messages are routed by the sweep identity they
 * carry (a UUID per sweep, unique across databases): one of a sweep this database does not have
 * is a dead letter; one of an unfinished sweep no coordinator here runs yet is deferred
 * (delivered again later); one of a finished sweep is applied by the store's rules directly
 * (they stop whatever still trains). Heartbeats are recorded once.
 */
export class SweepRouter {
  private readonly routes = new Map<string, Route>();
  private readonly log: (line: string) => void;

  constructor(
    private readonly store: Store,
    private readonly bus: CoordinatorBus,
    private readonly options: SweepRouterOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    bus.onEvent((e, c) => this.routeEvent(e, c));
    bus.onExhausted((x) => this.routeExhausted(x));
    bus.onWithheld((w) => this.routes.get(w.sweep)?.withheld?.(w));
    bus.onHeartbeat((h: Heartbeat) => {
      try {
        recordHeartbeat(store, h);
      } catch (error) {
        this.log(`heartbeat of ${h.name}: ${(error as Error).message}`);
      }
      options.onChange?.();
    });
    bus.onRejected((r) => this.routeRejected(r));
  }

  /** The bus as one sweep's coordinator sees it; `close()` detaches that sweep. */
  forSweep(sweep: SweepRow): CoordinatorBus {
    const { bus } = this;
    const route: Route = {};
    this.routes.set(sweep.uid, route);
    return {
      publishTrial: (m) => bus.publishTrial(m),
      publishControl: (m) => bus.publishControl(m),
      setSweepGate: (uid, gate) => bus.setSweepGate(uid, gate),
      trialFinished: (uid, id) => bus.trialFinished(uid, id),
      onEvent: (h) => {
        route.event = h;
      },
      onExhausted: (h) => {
        route.exhausted = h;
      },
      onWithheld: (h) => {
        route.withheld = h;
      },
      onRejected: (h) => {
        route.rejected = h;
      },
      onHeartbeat: () => {},
      queuedTrialIds: bus.queuedTrialIds ? (o) => bus.queuedTrialIds!(o) : undefined,
      serveDashboard: (service) => bus.serveDashboard(service),
      close: async () => {
        if (this.routes.get(sweep.uid) === route) this.routes.delete(sweep.uid);
      },
    };
  }

  private async routeEvent(e: TrialEvent, c: EventContext): Promise<void> {
    const handler = this.routes.get(e.sweep)?.event;
    if (handler) return handler(e, c);
    const sweep = this.store.sweepByUid(e.sweep);
    if (!sweep) {
      this.store.recordDeadLetter(
        "events",
        JSON.stringify(encodeMessage(TrialEvent, e)),
        `event of sweep ${e.sweep}, which this database does not have`,
      );
      return;
    }
    if (sweep.status === "running" || sweep.status === "paused")
      throw new DeferredEvent(`sweep ${sweep.id} has no coordinator in this process yet`);
    await this.settle(sweep, e);
  }

  /** An event of a finished sweep: the store's rules apply as ever (they refuse, record, and stop runs). */
  private async settle(sweep: SweepRow, e: TrialEvent): Promise<void> {
    const t = this.store.trial(e.trialId);
    const r = t && t.sweepId === sweep.id ? applyEvent(this.store, t.id, e) : undefined;
    if (!r || r.verdict === "reject")
      this.store.recordDeadLetter(
        "events",
        JSON.stringify(encodeMessage(TrialEvent, e)),
        r?.reason ?? `no trial ${e.trialId} in sweep ${sweep.id}`,
      );
    for (const o of r?.orders ?? [])
      await this.bus.publishControl({ kind: o.kind, trialId: e.trialId, runId: o.runId });
  }

  private async routeExhausted(x: Exhausted): Promise<void> {
    const handler = this.routes.get(x.sweep)?.exhausted;
    if (handler) return handler(x);
    const error = `delivered ${x.deliveries} times without finishing`;
    this.store.recordDeadLetter(x.source, x.payload, error);
    const sweep = this.store.sweepByUid(x.sweep);
    const t = sweep && this.store.trial(x.trialId);
    if (!t || t.sweepId !== sweep.id) return;
    for (const o of this.store.giveUpTrial(t.id, error).orders)
      await this.bus.publishControl({ kind: o.kind, trialId: t.id, runId: o.runId });
  }

  private async routeRejected(r: Rejected): Promise<void> {
    const handler = r.identity && this.routes.get(r.identity.sweep)?.rejected;
    if (handler) return handler(r);
    this.store.recordDeadLetter(r.source, r.payload, r.error);
    this.options.onChange?.();
  }
}
