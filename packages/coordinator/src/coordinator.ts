import type { ControlMessage, CoordinatorBus, Exhausted, Heartbeat, TrialEvent } from "@mtl/bus";
import { createPruner, objectiveOf, type Pruner, type Sampler, type TrialHistory } from "@mtl/scheduler";
import {
  type Experiment,
  type FinalMetrics,
  isTerminal,
  type MetricPoint,
  methodOf,
  type TrialConfig,
} from "@mtl/spec";
import type { Store, SweepRow, TrialRow } from "@mtl/store";
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
 * Runs one sweep: asks the sampler for trials, dispatches them on the bus, writes every event to
 * the store (acknowledging only after the commit), prunes with the pruner, and ends when the
 * sampler is exhausted and no trial is outstanding. The same code serves the embedded and the
 * NATS paths; only the bus differs.
 */
export class Coordinator {
  private readonly store: Store;
  private readonly bus: CoordinatorBus;
  private readonly experiment: Experiment;
  private readonly sweepId: number;
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;
  private readonly objective: ReturnType<typeof objectiveOf>;
  private readonly curves = new Map<number, { epoch: number; values: number[] }[]>();
  /** The history as last read, by trial id; which of those were unfinished; which changed since. */
  private readonly known = new Map<number, TrialHistory>();
  private readonly open = new Set<number>();
  private readonly touched = new Set<number>();
  /** Trials running on a worker as far as the events tell: trial id → run id. */
  private readonly live = new Map<number, string>();
  private exhausted = false;
  private startedAt = Date.now();
  private wake: (() => void) | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.experiment = options.experiment;
    this.sweepId = options.sweep.id;
    this.sampler = sweepSampler(this.experiment);
    this.objective = objectiveOf(this.experiment);
    this.pruner = createPruner(
      this.experiment.sweep.pruner,
      this.objective.scalarDirection,
      this.experiment.training.epochs,
      (v) => this.objective.scalar(v),
    );
    this.bus.onEvent((e) => this.handle(e));
    this.bus.onExhausted((x) => this.giveUp(x));
    this.bus.onHeartbeat((h) => this.heartbeat(h));
    this.bus.onRejected((r) => {
      this.store.recordDeadLetter(r.source, r.payload, r.error);
      this.changed();
    });
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
        this.store.requeueTrial(t.id, "interrupted", "the run that held it stopped");
    // Held by a worker since before this coordinator started: cancels must still reach it.
    for (const t of this.store.trialsOf(this.sweepId, ["running"])) if (t.runId) this.live.set(t.id, t.runId);
    const inQueue = (await this.bus.queuedTrialIds?.()) ?? new Set<number>();
    for (const t of this.store.trialsOf(this.sweepId, ["queued"]))
      if (!inQueue.has(t.id)) await this.publish(t);
    if (this.store.sweepStatus(this.sweepId) !== "paused")
      this.store.setSweepStatus(this.sweepId, "running", this.sampler.total);
    const sweeper = setInterval(() => this.sweepStale(), 1000);
    const onAbort = () => this.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const status = this.store.sweepStatus(this.sweepId);
        if (status === "cancelled") return this.summary("stopped");
        if (status !== "paused") await this.fill();
        this.forwardCancels();
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
    const planned = this.sampler.next(room, this.history());
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

  private publish(t: TrialRow): Promise<void> {
    return this.bus.publishTrial({
      kind: "trial",
      sweepId: this.sweepId,
      trialId: t.id,
      number: t.number,
      pool: this.experiment.sweep.pool,
      config: t.config as TrialConfig,
    });
  }

  /** Writes one event to the store; the bus acknowledges it once this returns. */
  private async handle(e: TrialEvent): Promise<void> {
    this.touched.add(e.trialId);
    const t = this.store.trial(e.trialId);
    if (!t || t.sweepId !== this.sweepId) {
      if (!t) this.store.recordDeadLetter("events", JSON.stringify(e), `no trial ${e.trialId}`);
      return;
    }
    switch (e.kind) {
      case "started": {
        const r = this.store.startTrial(t.id, { runId: e.runId, worker: e.worker, backend: e.backend });
        if (r.applied) this.live.set(t.id, e.runId);
        else if (isTerminal(r.trial.state))
          await this.control({ kind: "cancel", trialId: t.id, runId: e.runId });
        break;
      }
      case "epoch": {
        const r = this.store.recordEpochs(t.id, e.runId, e.reports);
        if (!r.applied) {
          // A run that is not the trial's current one is still training (a lease lost to a
          // slow worker, a finished or cancelled trial): stop it so one trial never runs twice.
          if (r.trial.runId !== e.runId || isTerminal(r.trial.state))
            await this.control({ kind: "cancel", trialId: t.id, runId: e.runId });
          break;
        }
        for (const report of e.reports) {
          const values = this.objective.extractEpoch(report.metrics);
          if (!values) continue;
          const curve = this.curves.get(t.id) ?? [];
          curve.push({ epoch: report.epoch, values });
          this.curves.set(t.id, curve);
          const value = this.objective.scalar(values);
          if (
            this.pruner.shouldPrune(
              { configKey: t.configKey, seed: t.seed, epoch: report.epoch, value },
              () => this.history(),
            )
          ) {
            await this.control({ kind: "prune", trialId: t.id, runId: e.runId });
            break;
          }
        }
        break;
      }
      case "completed": {
        this.live.delete(t.id);
        const final = e.final as FinalMetrics;
        const r = this.store.completeTrial(t.id, e.runId, {
          final,
          backend: e.backend,
          objective: this.objective.extract(final),
        });
        // Another attempt of this trial may still be training: stop it.
        if (r.applied && r.trial.runId !== t.runId && t.runId)
          await this.control({ kind: "cancel", trialId: t.id, runId: t.runId });
        break;
      }
      case "failed":
        this.live.delete(t.id);
        this.store.failTrial(t.id, e.runId, e.error, e.retryable);
        break;
      case "stopped":
        this.live.delete(t.id);
        if (e.status === "pruned") this.store.pruneTrial(t.id, e.runId, e.epoch);
        else if (e.status === "cancelled") this.store.cancelTrial(t.id);
        else if (t.runId === e.runId)
          this.store.requeueTrial(t.id, "interrupted", `worker ${e.worker} stopped`);
        break;
    }
    // An epoch changes no trial's state, so it needs no turn of the scheduling loop (which
    // queries the store): watchers are told, the loop is not woken.
    if (e.kind === "epoch") this.options.onChange?.();
    else this.changed();
  }

  /** The bus gave up on a trial after its maximum deliveries: a dead letter, and the trial fails. */
  private async giveUp(x: Exhausted): Promise<void> {
    const error = `delivered ${x.deliveries} times without finishing`;
    this.store.recordDeadLetter(x.source, x.payload, error);
    const t = this.store.trial(x.trialId);
    if (t && t.sweepId === this.sweepId) {
      this.live.delete(t.id);
      this.store.giveUpTrial(t.id, error);
    }
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
    }
  }

  private heartbeat(h: Heartbeat) {
    recordHeartbeat(this.store, h);
    this.changed();
  }

  /** Workers silent for longer than the timeout are marked gone (their leases expire on the bus). */
  private sweepStale() {
    markStaleWorkers(this.store, this.options.workerTimeoutMs ?? 15000);
  }
}
