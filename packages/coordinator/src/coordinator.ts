import {
  type ControlMessage,
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
import {
  createPruner,
  objectiveOf,
  type PlannedTrial,
  type Pruner,
  type Sampler,
  type TrialHistory,
} from "@mtl/scheduler";
import {
  type CheckpointSpec,
  DEFAULT_KEEP,
  type Experiment,
  isTerminal,
  type MetricPoint,
  methodOf,
} from "@mtl/spec";
import type { Store, SweepRow, Transition, TrialRow } from "@mtl/store";
import { applyEvent } from "./apply-event.ts";
import { objectiveVerdict } from "./result.ts";
import { sweepSampler } from "./sweep-sampler.ts";
import { markStaleWorkers, recordHeartbeat } from "./workers.ts";

export interface CoordinatorOptions {
  store: Store;
  bus: CoordinatorBus;
  experiment: Experiment;
  sweep: SweepRow;
  /** Trials dispatched at once (queued on the bus or running). */
  parallelism: number;
  /**
   * On start, put trials the store shows as running back in the queue. Right for the embedded
   * path (its workers died with the process); on NATS, live workers still hold them.
   */
  requeueRunning: boolean;
  /** A worker whose heartbeat is older than this is gone. @default 15000 */
  workerTimeoutMs?: number;
  /**
   * How often the bus's queue is compared with the store (not on the embedded path): a queued
   * trial the bus lost is published again, and a running one whose worker is gone and that the
   * bus no longer holds (its delivery was settled by a run that had lost it) is requeued as lost.
   * @default 5000
   */
  reconcileMs?: number;
  log?: (line: string) => void;
  /** Called after every change, for progress displays. */
  onChange?: () => void;
}

export interface SweepSummary {
  sweepId: number;
  status: "completed" | "stopped" | "paused";
  counts: Record<string, number>;
}

/**
 * A result that waits for its epochs is delivered again about once a second; after this many
 * deliveries it is decided without them (the trial fails rather than waiting forever).
 */
const LAST_CHANCE_DELIVERIES = 30;

/**
 * How many trials grid and random plans are planned ahead at once (see `nextTrials`): a tenth
 * of the trials known so far, at least PLAN_AHEAD and at most PLAN_AHEAD_CAP.
 */
const PLAN_AHEAD = 256;
const PLAN_AHEAD_CAP = 8192;

/**
 * Runs one sweep: asks the sampler for trials, dispatches them on the bus, writes every event to
 * the store (acknowledging only after the commit), prunes with the pruner, and ends when the
 * sampler is exhausted and no trial is outstanding. The same code serves the embedded and the
 * NATS paths; only the bus differs. What an event does to a trial is the store's transition (the
 * rules in @mtl/spec's lifecycle); this class sends what the transition says to send.
 */
export class Coordinator {
  private readonly store: Store;
  private readonly bus: CoordinatorBus;
  private readonly experiment: Experiment;
  private readonly sweepId: number;
  private readonly uid: string;
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private readonly objective: ReturnType<typeof objectiveOf>;
  private readonly curves = new Map<number, { epoch: number; values: number[] }[]>();
  /** The history as last read, by trial id; which of those were unfinished; which changed since. */
  private readonly known = new Map<number, TrialHistory>();
  private readonly open = new Set<number>();
  private readonly touched = new Set<number>();
  /** Trials the sampler planned that are not in the store yet (see `nextTrials`). */
  private ahead: PlannedTrial[] = [];
  /** Trials running on a worker as far as the events tell: trial id → the holder's run id. */
  private readonly live = new Map<number, string>();
  /** Trials a worker took off the queue unrun while the sweep was paused: to publish again. */
  private readonly withheld = new Set<number>();
  /** Publishes so far, and the count at each trial's last publish (see `reconcile`). */
  private published = 0;
  private readonly publishedAt = new Map<number, number>();
  /** Trials the last reconcile found missing from the bus (see `reconcile`). */
  private missed = new Set<number>();
  /** The gate last given to the bus: whether workers may start this sweep's trials. */
  private gate: "running" | "paused" | undefined;
  private exhausted = false;
  private startedAt = Date.now();
  private reconciledAt = Date.now();
  private wake: (() => void) | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.experiment = options.experiment;
    this.sweepId = options.sweep.id;
    this.uid = options.sweep.uid;
    this.sampler = sweepSampler(this.experiment);
    this.objective = objectiveOf(this.experiment);
    this.pruner = createPruner(
      this.experiment.sweep.pruner,
      this.objective.scalarDirection,
      this.experiment.training.epochs,
      (v) => this.objective.scalar(v),
    );
    this.bus.onEvent((e, c) => this.handle(e, c));
    this.bus.onExhausted((x) => this.giveUp(x));
    this.bus.onWithheld((w) => this.withhold(w));
    this.bus.onHeartbeat((h) => this.heartbeat(h));
    this.bus.onRejected((r) => this.rejected(r));
  }

  get total(): number | undefined {
    return this.sampler.total;
  }

  /** Looks at the store now rather than at the next tick, after an outside change (a dashboard action). */
  poke(): void {
    this.wake?.();
  }

  private log(line: string) {
    this.options.log?.(line);
  }

  private changed() {
    this.options.onChange?.();
    this.wake?.();
  }

  /** Runs until the sweep is finished or `signal` aborts (then running trials are left to the bus). */
  async run(signal: AbortSignal): Promise<SweepSummary> {
    this.startedAt = Date.now();
    this.loadCurves();
    if (this.options.requeueRunning)
      for (const t of this.store.trialsOf(this.sweepId, ["running"]))
        await this.effects(this.store.requeueTrial(t.id, "interrupted", "the run that held it stopped"));
    // Held by a worker since before this coordinator started: cancels must still reach it.
    for (const t of this.store.trialsOf(this.sweepId, ["running"])) if (t.runId) this.live.set(t.id, t.runId);
    await this.syncGate();
    await this.reconcile(false);
    if (this.store.sweepStatus(this.sweepId) !== "paused")
      this.store.setSweepStatus(this.sweepId, "running", this.sampler.total);
    const sweeper = setInterval(() => this.sweepStale(), 1000);
    const onAbort = () => this.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const status = this.store.sweepStatus(this.sweepId);
        if (status === "cancelled") return this.summary("stopped");
        if (await this.syncGate()) await this.reconcile(false); // resumed: what waited goes out again
        if (status !== "paused") {
          await this.fill();
          await this.publishWithheld();
        }
        this.forwardCancels();
        if (
          !this.options.requeueRunning &&
          Date.now() - this.reconciledAt > (this.options.reconcileMs ?? 5000)
        )
          await this.reconcile(true);
        if (this.exhausted && this.outstanding() === 0) {
          this.store.setSweepStatus(this.sweepId, "completed", this.store.trialsOf(this.sweepId).length);
          this.changed();
          return this.summary("completed");
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 500);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
      return this.summary("stopped");
    } finally {
      signal.removeEventListener("abort", onAbort);
      clearInterval(sweeper);
    }
  }

  /** Tells the bus whether this sweep's queued trials may start; true when it just resumed. */
  private async syncGate(): Promise<boolean> {
    const status = this.store.sweepStatus(this.sweepId) === "paused" ? "paused" : "running";
    if (status === this.gate) return false;
    const resumed = this.gate === "paused";
    await this.bus.setSweepGate(this.uid, { status });
    this.gate = status;
    // Paused: running trials stop too (a program gets SIGTERM, then SIGKILL after its grace) and
    // go back to the queue unfinished, using no attempt; they wait there for the resume.
    if (status === "paused")
      for (const t of this.store.trialsOf(this.sweepId, ["running"]))
        if (t.runId) await this.control({ kind: "interrupt", trialId: t.id, runId: t.runId });
    return resumed;
  }

  /**
   * Compares the bus's queue with the store: queued trials the bus does not hold are published
   * (unless paused: those wait for the resume); with `lost`, running trials whose worker is gone
   * and that the bus does not hold either are requeued as lost. A trial published since the scan
   * began is skipped: an event handler republished it meanwhile. In the periodic check (`lost`),
   * a trial must be missing from two scans in a row: a scan while nats-server recovers its store
   * can miss a message that is there.
   */
  private async reconcile(lost: boolean): Promise<void> {
    this.reconciledAt = Date.now();
    if (!this.bus.queuedTrialIds) return;
    const mark = this.published;
    let inQueue: Set<number>;
    try {
      // The periodic look must not hold the loop up while events lag (a server restart).
      inQueue = await this.bus.queuedTrialIds({ sweep: this.uid, ...(lost ? { waitMs: 10_000 } : {}) });
    } catch (error) {
      this.log(`looking at the queue: ${(error as Error).message}`);
      return;
    }
    const fresh = (id: number) => (this.publishedAt.get(id) ?? -1) > mark;
    const missedBefore = this.missed;
    this.missed = new Set();
    const missing = (id: number) => {
      if (inQueue.has(id) || fresh(id)) return false;
      this.missed.add(id);
      return !lost || missedBefore.has(id);
    };
    if (this.store.sweepStatus(this.sweepId) !== "paused")
      for (const t of this.store.trialsOf(this.sweepId, ["queued"]))
        if (missing(t.id)) {
          this.withheld.delete(t.id);
          await this.publish(t);
        }
    if (!lost) return;
    const gone = new Set(
      this.store
        .listWorkers()
        .filter((w) => w.state === "gone")
        .map((w) => w.name),
    );
    for (const t of this.store.trialsOf(this.sweepId, ["running"]))
      if (t.worker && gone.has(t.worker) && missing(t.id)) {
        const why = `worker ${t.worker} is gone and the bus holds the trial no more`;
        this.log(`trial ${t.number}: ${why}`);
        await this.effects(this.store.requeueTrial(t.id, "lost", why));
      }
  }

  /** Per-epoch objective values of the trials already in the store, for pruners after a restart. */
  private loadCurves() {
    for (const t of this.store.trialsOf(this.sweepId)) {
      const byEpoch = new Map<number, MetricPoint[]>();
      for (const m of this.store.metricsOf(t.id)) {
        const points = byEpoch.get(m.epoch) ?? [];
        points.push({ task: m.task, split: m.split as MetricPoint["split"], name: m.name, value: m.value });
        byEpoch.set(m.epoch, points);
      }
      const curve = [...byEpoch]
        .map(([epoch, points]) => ({ epoch, values: this.objective.extractEpoch(points) }))
        .filter((p): p is { epoch: number; values: number[] } => p.values !== undefined);
      if (curve.length) this.curves.set(t.id, curve);
    }
  }

  private summary(status: SweepSummary["status"]): SweepSummary {
    return { sweepId: this.sweepId, status, counts: this.store.counts(this.sweepId) };
  }

  /** Trials queued or running: one indexed count, as this runs on every turn of the loop. */
  private outstanding(): number {
    return this.store.outstanding(this.sweepId);
  }

  private remember(t: TrialRow) {
    this.known.set(t.id, {
      configKey: t.configKey,
      params: t.params as TrialHistory["params"],
      seed: t.seed,
      state: t.state,
      values: t.objective ?? undefined,
      curve: this.curves.get(t.id),
    });
    if (isTerminal(t.state)) this.open.delete(t.id);
    else this.open.add(t.id);
  }

  /**
   * The sweep's trials as the sampler and pruner see them, kept in memory: rows change through
   * this coordinator's events (re-read when touched), or, rarely, from outside (a dashboard
   * cancel), which shows as a different number of unfinished trials. Reading every row on each
   * dispatch would make a long sweep quadratic.
   */
  private history(): TrialHistory[] {
    const refresh = (ids: Iterable<number>) => {
      for (const id of [...ids]) {
        const t = this.store.trial(id);
        if (t) this.remember(t);
      }
    };
    if (this.known.size === 0) for (const t of this.store.trialsOf(this.sweepId)) this.remember(t);
    else {
      refresh(this.touched);
      if (this.open.size !== this.outstanding()) refresh(this.open);
    }
    this.touched.clear();
    return [...this.known.values()];
  }

  /** Plans and dispatches trials until `parallelism` are outstanding or the budget is spent. */
  private async fill(): Promise<void> {
    const limit = this.experiment.sweep.timeLimit;
    if (limit !== undefined && Date.now() - this.startedAt > limit * 1000) this.exhausted = true;
    if (this.exhausted) return;
    const room = this.options.parallelism - this.outstanding();
    if (room <= 0) return;
    const planned = this.nextTrials(room);
    if (planned.length === 0) {
      this.exhausted = true;
      return;
    }
    const rows = this.store.planTrials(
      this.sweepId,
      planned.map((p) => ({
        configKey: p.configKey,
        seed: p.config.seed,
        method: methodOf(p.config),
        params: p.params,
        config: p.config,
      })),
      this.experiment.sweep.maxAttempts,
    );
    for (const row of rows) {
      this.remember(row);
      await this.publish(row);
    }
    this.changed();
  }

  /**
   * The next `room` trials of the plan. The sampler reads the whole history on each call (it is
   * a pure function of it), so asking it for every few trials made each dispatch cost grow with
   * the sweep. Grid and random plans do not depend on results (`next(2, h)` plans what
   * `next(1, h)` then `next(1, h + that)` would), so they are planned ahead in batches of a
   * tenth of the sweep, kept in memory only (a restart plans them again, alike); TPE's next
   * configuration depends on the results so far, so it is asked afresh each time.
   */
  private nextTrials(room: number): PlannedTrial[] {
    if (this.experiment.sweep.sampler === "tpe") return this.sampler.next(room, this.history());
    const out = this.ahead.splice(0, room);
    if (out.length < room) {
      const batch = Math.min(PLAN_AHEAD_CAP, Math.max(PLAN_AHEAD, Math.ceil(this.known.size / 10)));
      const taken: TrialHistory[] = out.map((p) => ({
        configKey: p.configKey,
        params: p.params,
        seed: p.config.seed,
        state: "queued",
      }));
      this.ahead = this.sampler.next(Math.max(batch, room - out.length), [...this.history(), ...taken]);
      out.push(...this.ahead.splice(0, room - out.length));
    }
    return out;
  }

  /** Trials withheld while the sweep was paused, published again now that it runs. */
  private async publishWithheld(): Promise<void> {
    for (const id of [...this.withheld]) {
      this.withheld.delete(id);
      const t = this.store.trial(id);
      if (t?.state === "queued") await this.publish(t);
    }
  }

  /** Queues a trial on the bus, with the attempts it has left as its delivery budget. */
  private publish(t: TrialRow): Promise<void> {
    this.publishedAt.set(t.id, ++this.published);
    return this.bus.publishTrial({
      kind: "trial",
      sweep: this.uid,
      sweepId: this.sweepId,
      trialId: t.id,
      number: t.number,
      pool: this.experiment.sweep.pool,
      maxDeliveries: Math.max(1, this.store.attemptsLeft(t.id)),
      priorAttempts: t.attempt,
      config: t.config,
      ...(this.experiment.checkpoint ? { checkpoint: cadenceOf(this.experiment.checkpoint) } : {}),
      ...((this.experiment.checkpoint?.keep ?? DEFAULT_KEEP) !== "none"
        ? { keep: { objective: this.experiment.sweep.objective } }
        : {}),
    });
  }

  /** Writes one event to the store; the bus acknowledges it once this returns. */
  private async handle(e: TrialEvent, context: EventContext): Promise<void> {
    const t = e.sweep === this.uid ? this.store.trial(e.trialId) : undefined;
    if (!t || t.sweepId !== this.sweepId) {
      const why =
        e.sweep === this.uid
          ? `no trial ${e.trialId} in this sweep`
          : `event of sweep ${e.sweep}, not this one`;
      this.store.recordDeadLetter("events", this.payloadOf(e), why);
      return;
    }
    this.touched.add(t.id);
    const r = applyEvent(this.store, t.id, e, {
      ...(e.kind === "completed"
        ? { verdict: objectiveVerdict(this.objective, this.experiment.sweep.objective.split, e.final) }
        : {}),
      lastChance: context.deliveries >= LAST_CHANCE_DELIVERIES,
    });
    if (e.kind === "epoch" && r.applied && r.trial.state === "running" && r.trial.runId === e.runId)
      await this.prune(r.trial, e);
    if (r.verdict === "reject")
      this.store.recordDeadLetter("events", this.payloadOf(e), r.reason ?? "rejected");
    await this.effects(r);
    // An epoch changes no trial's state, so it needs no turn of the scheduling loop (which
    // queries the store): watchers are told, the loop is not woken.
    if (e.kind === "epoch") this.options.onChange?.();
    else this.changed();
  }

  private payloadOf(e: TrialEvent): string {
    return JSON.stringify(encodeMessage(TrialEvent, e));
  }

  /** Sends what a transition says to send: stop orders, the trial again, or "later" (deferred). */
  private async effects(r: Transition): Promise<void> {
    if (r.verdict === "defer") throw new DeferredEvent(r.reason ?? "deferred");
    const t = r.trial;
    if (t.state === "running" && t.runId) this.live.set(t.id, t.runId);
    else this.live.delete(t.id);
    for (const o of r.orders) await this.control({ kind: o.kind, trialId: t.id, runId: o.runId });
    if (r.republish) await this.publish(t);
    // Idempotent, so also after a duplicate: a marker a failed write left out is written then.
    if (isTerminal(t.state)) await this.bus.trialFinished(this.uid, t.id);
  }

  /** Asks the pruner about the holder's new epochs; a prune goes to that run. */
  private async prune(t: TrialRow, e: Extract<TrialEvent, { kind: "epoch" }>): Promise<void> {
    for (const report of e.reports) {
      const values = this.objective.extractEpoch(report.metrics);
      if (!values) continue;
      const curve = this.curves.get(t.id) ?? [];
      curve.push({ epoch: report.epoch, values });
      this.curves.set(t.id, curve);
      const value = this.objective.scalar(values);
      const query = { configKey: t.configKey, seed: t.seed, epoch: report.epoch, value };
      if (this.pruner.shouldPrune(query, () => this.history())) {
        await this.control({ kind: "prune", trialId: t.id, runId: e.runId });
        return;
      }
    }
  }

  /** The bus gave up on a trial after its maximum deliveries: a dead letter, and the trial fails. */
  private async giveUp(x: Exhausted): Promise<void> {
    const error = `delivered ${x.deliveries} times without finishing`;
    this.store.recordDeadLetter(x.source, x.payload, error);
    const t = x.sweep === this.uid ? this.store.trial(x.trialId) : undefined;
    if (t && t.sweepId === this.sweepId) await this.effects(this.store.giveUpTrial(t.id, error));
    this.changed();
  }

  /** A worker took a queued trial of this (paused) sweep off the queue: publish it on resume. */
  private withhold(w: WithheldMessage): void {
    const t = w.sweep === this.uid ? this.store.trial(w.trialId) : undefined;
    if (!t || t.sweepId !== this.sweepId) return;
    this.withheld.add(t.id);
    this.store.event(
      this.sweepId,
      t.id,
      "trial.withheld",
      `trial ${t.number} held back: the sweep is paused`,
    );
    this.changed();
  }

  /**
   * A message that failed validation: a dead letter. If it was an event of one of this sweep's
   * runs, that run's trial fails with the reason (only if the run holds it: the store decides).
   */
  private async rejected(r: Rejected): Promise<void> {
    this.store.recordDeadLetter(r.source, r.payload, r.error);
    const id = r.identity;
    const t = id && id.sweep === this.uid ? this.store.trial(id.trialId) : undefined;
    if (id && t && t.sweepId === this.sweepId)
      await this.effects(this.store.rejectEvent(t.id, id.runId, r.error));
    this.changed();
  }

  private async control(m: ControlMessage) {
    await this.bus.publishControl(m).catch((err) => this.log(`control: ${(err as Error).message}`));
  }

  /** Trials cancelled in the store by someone else (the dashboard) are stopped on their worker. */
  private forwardCancels() {
    if (this.live.size === 0) return;
    const running = new Set(this.store.trialIds(this.sweepId, ["running"]));
    for (const [id, runId] of this.live) {
      if (running.has(id) || this.store.trial(id)?.state !== "cancelled") continue;
      this.live.delete(id);
      void this.control({ kind: "cancel", trialId: id, runId });
      this.bus.trialFinished(this.uid, id).catch((e) => this.log(`trial ${id}: ${(e as Error).message}`));
    }
  }

  /** Heartbeats arrive on a transport callback: a store error here is logged, never thrown. */
  private heartbeat(h: Heartbeat) {
    try {
      recordHeartbeat(this.store, h);
    } catch (error) {
      this.log(`heartbeat of ${h.name}: ${(error as Error).message}`);
    }
    this.changed();
  }

  /** Workers silent for longer than the timeout are marked gone (their leases expire on the bus). */
  private sweepStale() {
    try {
      markStaleWorkers(this.store, this.options.workerTimeoutMs ?? 15000);
    } catch (error) {
      this.log(`stale workers: ${(error as Error).message}`);
    }
  }
}

/** The checkpoint spec's part a worker acts on while the trial runs (retention is the sweep's end's). */
function cadenceOf({ keep: _keep, ...cadence }: CheckpointSpec): Omit<CheckpointSpec, "keep"> {
  return cadence;
}
