import { createHash } from "node:crypto";
import {
  type EpochReport,
  type Experiment,
  type FinalMetrics,
  isTerminal,
  type SweepStatus,
  type TrialState,
} from "@mtl/spec";
import type Database from "better-sqlite3";
import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { type Db, type OpenOptions, openDatabase } from "./open.ts";
import { attempts, deadLetters, events, experiments, metrics, sweeps, trials, workers } from "./schema.ts";

export type SweepRow = typeof sweeps.$inferSelect;
export type TrialRow = typeof trials.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
export type MetricRow = typeof metrics.$inferSelect;
export type WorkerRow = typeof workers.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** When a sweep's first trial started and how long its completed trials took on average. */
export interface SweepTiming {
  sweepId: number;
  startedAt: number | null;
  meanTrialMs: number | null;
}

/** What a transition did: `applied` is false when the trial's state made it a no-op (e.g. a duplicate). */
export interface Transition {
  applied: boolean;
  trial: TrialRow;
  reason?: string;
}

export interface PlannedRow {
  configKey: string;
  seed: number;
  method: string;
  params: Record<string, unknown>;
  config: unknown;
}

export interface WorkerInfo {
  name: string;
  host?: string;
  pool?: string;
  backend?: string;
  devices?: string[];
  state?: "idle" | "busy" | "gone";
  currentTrial?: number | null;
}

/** Budget fields and `baselines` may change between runs of one sweep (both extend it). */
export function specKeyOf(experiment: Experiment): string {
  const { maxTrials: _m, timeLimit: _t, parallelism: _p, ...sweep } = experiment.sweep;
  // Adding single-task baselines extends a sweep rather than starting another.
  const { baselines: _b, ...rest } = experiment;
  const canonical = JSON.stringify({ ...rest, sweep }, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/**
 * Reuses compiled statements by SQL text. drizzle prepares every query anew, and compiling the
 * same few statements again on every transition was most of a coordinator's time per trial.
 */
function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size < 500) cache.set(source, stmt);
    } else if (stmt.reader) stmt.raw(false); // drizzle turns raw mode on where it wants it
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * The results store. Every trial transition is one named function and one SQLite transaction,
 * guarded by the trial's current state so that a message delivered twice changes nothing.
 */
export class Store {
  private readonly sqlite: Database.Database;
  private readonly db: Db;

  /** The reads of every transition, built once (drizzle rebuilds a query's SQL on every call). */
  private readonly hot;

  constructor(path: string, options: OpenOptions = {}) {
    ({ sqlite: this.sqlite, db: this.db } = openDatabase(path, options));
    cacheStatements(this.sqlite);
    this.hot = {
      trial: this.db
        .select()
        .from(trials)
        .where(eq(trials.id, sql.placeholder("id")))
        .prepare(),
      sweep: this.db
        .select()
        .from(sweeps)
        .where(eq(sweeps.id, sql.placeholder("id")))
        .prepare(),
      attemptOfRun: this.db
        .select()
        .from(attempts)
        .where(eq(attempts.runId, sql.placeholder("runId")))
        .prepare(),
      // Epochs and state counts arrive many times per trial: plain statements, compiled once.
      insertMetric: this.sqlite.prepare(
        "INSERT INTO metrics (trial_id, attempt, epoch, task, split, name, value) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ),
      setEpoch: this.sqlite.prepare("UPDATE trials SET epoch = ? WHERE id = ?"),
      sweepStatus: this.sqlite.prepare("SELECT status FROM sweeps WHERE id = ?").pluck(),
      outstanding: this.sqlite
        .prepare("SELECT count(*) FROM trials WHERE sweep_id = ? AND state IN ('queued', 'running')")
        .pluck(),
      counts: this.sqlite.prepare(
        "SELECT state, count(*) AS n FROM trials WHERE sweep_id = ? GROUP BY state",
      ),
    };
  }

  close(): void {
    this.sqlite.close();
  }

  private tx<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  // ---- sweeps -------------------------------------------------------------------------------

  /** Finds the sweep of this experiment (same spec, budget aside) or creates it. */
  ensureSweep(experiment: Experiment, file?: string): { sweep: SweepRow; created: boolean } {
    const specKey = specKeyOf(experiment);
    return this.tx(() => {
      const found = this.db.select().from(sweeps).where(eq(sweeps.specKey, specKey)).get();
      if (found) {
        this.db
          .update(sweeps)
          .set({ spec: experiment, updatedAt: Date.now() })
          .where(eq(sweeps.id, found.id))
          .run();
        return { sweep: { ...found, spec: experiment }, created: false };
      }
      const exp = this.db.insert(experiments).values({ name: experiment.name, file }).returning().get();
      const sweep = this.db
        .insert(sweeps)
        .values({ experimentId: exp.id, name: experiment.name, specKey, spec: experiment })
        .returning()
        .get();
      this.event(sweep.id, null, "sweep.created", `sweep ${sweep.id} (${experiment.name}) created`);
      return { sweep, created: true };
    });
  }

  setSweepStatus(sweepId: number, status: SweepStatus, total?: number): SweepRow {
    return this.tx(() => {
      const finishedAt = status === "completed" || status === "cancelled" ? Date.now() : null;
      const row = this.db
        .update(sweeps)
        .set({ status, updatedAt: Date.now(), finishedAt, ...(total === undefined ? {} : { total }) })
        .where(eq(sweeps.id, sweepId))
        .returning()
        .get();
      if (!row) throw new Error(`no sweep ${sweepId}`);
      return row;
    });
  }

  getSweep(id: number): SweepRow | undefined {
    return this.hot.sweep.get({ id });
  }

  /** A sweep's status alone (a coordinator checks it on every turn; the spec need not be parsed). */
  sweepStatus(id: number): SweepStatus | undefined {
    return this.hot.sweepStatus.get(id) as SweepStatus | undefined;
  }

  latestSweep(): SweepRow | undefined {
    return this.db.select().from(sweeps).orderBy(desc(sweeps.id)).limit(1).get();
  }

  listSweeps(): SweepRow[] {
    return this.db.select().from(sweeps).orderBy(asc(sweeps.id)).all();
  }

  /** Trials queued or running in a sweep (by the state index: cheap however long the sweep). */
  outstanding(sweepId: number): number {
    return this.hot.outstanding.get(sweepId) as number;
  }

  /** Trials by state for a sweep. */
  counts(sweepId: number): Record<TrialState, number> {
    const out: Record<TrialState, number> = {
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      pruned: 0,
      cancelled: 0,
    };
    for (const r of this.hot.counts.all(sweepId) as { state: TrialState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  // ---- trials -------------------------------------------------------------------------------

  /** Adds planned trials to a sweep, numbered after the existing ones, all queued. */
  planTrials(sweepId: number, planned: readonly PlannedRow[], maxAttempts = 3): TrialRow[] {
    return this.tx(() => {
      const last = this.db
        .select({ n: sql<number | null>`max(${trials.number})` })
        .from(trials)
        .where(eq(trials.sweepId, sweepId))
        .get();
      let number = (last?.n ?? -1) + 1;
      return planned.map((p) =>
        this.db
          .insert(trials)
          .values({ sweepId, number: number++, maxAttempts, ...p })
          .returning()
          .get(),
      );
    });
  }

  trial(id: number): TrialRow | undefined {
    return this.hot.trial.get({ id });
  }

  trialsOf(sweepId: number, states?: readonly TrialState[]): TrialRow[] {
    const where = states
      ? and(eq(trials.sweepId, sweepId), inArray(trials.state, [...states]))
      : eq(trials.sweepId, sweepId);
    return this.db.select().from(trials).where(where).orderBy(asc(trials.number)).all();
  }

  /** Ids of a sweep's trials in these states: a cheap check for a coordinator's loop. */
  trialIds(sweepId: number, states: readonly TrialState[]): number[] {
    return this.db
      .select({ id: trials.id })
      .from(trials)
      .where(and(eq(trials.sweepId, sweepId), inArray(trials.state, [...states])))
      .all()
      .map((r) => r.id);
  }

  attemptsOf(trialId: number): AttemptRow[] {
    return this.db
      .select()
      .from(attempts)
      .where(eq(attempts.trialId, trialId))
      .orderBy(asc(attempts.attempt))
      .all();
  }

  /** Per-epoch metrics of a trial's attempt (default: its latest). */
  metricsOf(trialId: number, attempt?: number): MetricRow[] {
    const a = attempt ?? this.trial(trialId)?.attempt ?? 0;
    return this.db
      .select()
      .from(metrics)
      .where(and(eq(metrics.trialId, trialId), eq(metrics.attempt, a)))
      .orderBy(asc(metrics.epoch))
      .all();
  }

  private mustTrial(id: number): TrialRow {
    const t = this.trial(id);
    if (!t) throw new Error(`no trial ${id}`);
    return t;
  }

  private endAttempt(trialId: number, attempt: number, state: string, error?: string) {
    this.db
      .update(attempts)
      .set({ state, error: error ?? null, endedAt: Date.now() })
      .where(and(eq(attempts.trialId, trialId), eq(attempts.attempt, attempt), eq(attempts.state, "running")))
      .run();
  }

  /** Updates trial `t` (read in this transaction) and returns the row as written, without reading it back. */
  private update(t: TrialRow, values: Partial<typeof trials.$inferInsert>): TrialRow {
    this.db.update(trials).set(values).where(eq(trials.id, t.id)).run();
    const changed = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    return { ...t, ...changed } as TrialRow;
  }

  /**
   * queued → running as a new attempt. A start for a trial already running under another run
   * means its lease was lost (the bus delivered it again): the old attempt ends as lost.
   */
  startTrial(trialId: number, run: { runId: string; worker: string; backend?: string }): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      const seen = this.hot.attemptOfRun.get({ runId: run.runId });
      if (seen) return { applied: false, trial: t, reason: "duplicate start" };
      if (t.state === "running") this.endAttempt(t.id, t.attempt, "lost", "lease lost; delivered again");
      const lost = this.db
        .select({ n: sql<number>`count(*)` })
        .from(attempts)
        .where(and(eq(attempts.trialId, t.id), inArray(attempts.state, ["lost", "failed"])))
        .get()!.n;
      if (lost >= t.maxAttempts) {
        const failed = this.update(t, {
          state: "failed",
          error: `gave up after ${lost} lost or failed attempts`,
          finishedAt: Date.now(),
        });
        this.event(t.sweepId, t.id, "trial.failed", `trial ${t.number} gave up after ${lost} attempts`);
        return { applied: false, trial: failed, reason: "out of attempts" };
      }
      const attempt = t.attempt + 1;
      this.db
        .insert(attempts)
        .values({
          trialId: t.id,
          attempt,
          runId: run.runId,
          worker: run.worker,
          backend: run.backend,
          state: "running",
        })
        .run();
      const trial = this.update(t, {
        state: "running",
        attempt,
        runId: run.runId,
        worker: run.worker,
        backend: run.backend ?? t.backend,
        startedAt: Date.now(),
        epoch: 0,
      });
      this.event(
        t.sweepId,
        t.id,
        attempt > 1 ? "trial.retried" : "trial.started",
        `trial ${t.number} ${attempt > 1 ? `attempt ${attempt}` : "started"} on ${run.worker}`,
      );
      return { applied: true, trial };
    });
  }

  /** Stores one epoch of the current attempt; a repeated epoch changes nothing. */
  recordEpoch(trialId: number, runId: string, report: EpochReport): Transition {
    return this.recordEpochs(trialId, runId, [report]);
  }

  /** Stores epochs of the current attempt in one transaction; repeated epochs change nothing. */
  recordEpochs(trialId: number, runId: string, reports: readonly EpochReport[]): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (t.runId !== runId || t.state !== "running")
        return { applied: false, trial: t, reason: "not the current run" };
      const insert = (at: number, task: string, split: string, name: string, value: number) =>
        this.hot.insertMetric.run(trialId, t.attempt, at, task, split, name, value);
      let epoch = t.epoch;
      for (const r of reports) {
        for (const m of r.metrics) insert(r.epoch, m.task, m.split, m.name, m.value);
        for (const [task, value] of Object.entries(r.weights))
          insert(r.epoch, task, "train", "weight", value);
        insert(r.epoch, "*", "train", "wall_ms", r.wallMs);
        epoch = Math.max(epoch, r.epoch);
      }
      this.hot.setEpoch.run(epoch, t.id);
      return { applied: true, trial: { ...t, epoch } };
    });
  }

  /**
   * Any non-terminal trial → completed. A result from a superseded run is still a finished
   * result, so it is kept; the first result wins and later duplicates change nothing.
   */
  completeTrial(
    trialId: number,
    runId: string,
    result: { final: FinalMetrics; backend?: string; objective?: number[] },
  ): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      const a = this.hot.attemptOfRun.get({ runId });
      // Its result is the one kept, so this attempt completed, even if it had been given up as lost.
      if (a)
        this.db
          .update(attempts)
          .set({ state: "completed", error: null, endedAt: Date.now() })
          .where(and(eq(attempts.trialId, t.id), eq(attempts.attempt, a.attempt)))
          .run();
      if (a && a.attempt !== t.attempt)
        this.endAttempt(t.id, t.attempt, "cancelled", "another attempt finished first");
      const trial = this.update(t, {
        state: "completed",
        final: result.final,
        objective: result.objective ?? null,
        backend: result.backend ?? t.backend,
        attempt: a?.attempt ?? t.attempt,
        runId,
        finishedAt: Date.now(),
        error: null,
      });
      this.db
        .update(workers)
        .set({ trialsDone: sql`${workers.trialsDone} + 1` })
        .where(eq(workers.name, a?.worker ?? t.worker ?? ""))
        .run();
      this.event(t.sweepId, t.id, "trial.completed", `trial ${t.number} completed`);
      return { applied: true, trial };
    });
  }

  /** A failed attempt: queued again while attempts remain and the failure is retryable, else failed. */
  failTrial(trialId: number, runId: string, error: string, retryable = false): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      if (t.runId !== runId) return { applied: false, trial: t, reason: "not the current run" };
      this.endAttempt(t.id, t.attempt, "failed", error);
      if (retryable && t.attempt < t.maxAttempts) {
        const trial = this.update(t, { state: "queued", runId: null, error, queuedAt: Date.now() });
        this.event(
          t.sweepId,
          t.id,
          "trial.requeued",
          `trial ${t.number} attempt ${t.attempt} failed: ${error}`,
        );
        return { applied: true, trial };
      }
      const trial = this.update(t, { state: "failed", error, finishedAt: Date.now() });
      this.event(t.sweepId, t.id, "trial.failed", `trial ${t.number} failed: ${error}`);
      return { applied: true, trial };
    });
  }

  /**
   * queued or running → failed for good, whatever attempts remain: the bus gave up delivering
   * it (a dead letter), so no worker will report on it again.
   */
  giveUpTrial(trialId: number, error: string): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      if (t.state === "running") this.endAttempt(t.id, t.attempt, "failed", error);
      const trial = this.update(t, { state: "failed", error, finishedAt: Date.now() });
      this.event(t.sweepId, t.id, "trial.failed", `trial ${t.number} failed: ${error}`);
      return { applied: true, trial };
    });
  }

  /** running → pruned at `epoch` (early stopping). */
  pruneTrial(trialId: number, runId: string, epoch: number): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      this.endAttempt(t.id, t.attempt, "pruned");
      const trial = this.update(t, { state: "pruned", prunedEpoch: epoch, finishedAt: Date.now(), runId });
      this.event(t.sweepId, t.id, "trial.pruned", `trial ${t.number} pruned at epoch ${epoch}`);
      return { applied: true, trial };
    });
  }

  /** queued or running → cancelled (by a person). */
  cancelTrial(trialId: number, reason = "cancelled"): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (isTerminal(t.state)) return { applied: false, trial: t, reason: `trial is ${t.state}` };
      if (t.state === "running") this.endAttempt(t.id, t.attempt, "cancelled", reason);
      const trial = this.update(t, { state: "cancelled", error: reason, finishedAt: Date.now() });
      this.event(t.sweepId, t.id, "trial.cancelled", `trial ${t.number} cancelled`);
      return { applied: true, trial };
    });
  }

  /**
   * running → queued without counting a failure: the run was interrupted (Ctrl-C, a restart of
   * the embedded coordinator). `lost` marks a lease lost to a dead worker instead, which counts.
   */
  requeueTrial(trialId: number, how: "interrupted" | "lost", why: string): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      if (t.state !== "running") return { applied: false, trial: t, reason: `trial is ${t.state}` };
      this.endAttempt(t.id, t.attempt, how, why);
      const trial = this.update(t, { state: "queued", runId: null, queuedAt: Date.now() });
      this.event(t.sweepId, t.id, "trial.requeued", `trial ${t.number} requeued: ${why}`);
      return { applied: true, trial };
    });
  }

  /**
   * failed → queued for every failed trial of a sweep (`mtl run FILE --retry-failed`), each with
   * `attempts` fresh attempts (its earlier lost and failed ones no longer count), and the sweep
   * running again. Returns the trials requeued.
   */
  retryFailedTrials(sweepId: number, freshAttempts: number): TrialRow[] {
    return this.tx(() => {
      const failed = this.db
        .select()
        .from(trials)
        .where(and(eq(trials.sweepId, sweepId), eq(trials.state, "failed")))
        .all();
      const out = failed.map((t) => {
        const spent = this.db
          .select({ n: sql<number>`count(*)` })
          .from(attempts)
          .where(and(eq(attempts.trialId, t.id), inArray(attempts.state, ["lost", "failed"])))
          .get()!.n;
        const trial = this.update(t, {
          state: "queued",
          runId: null,
          error: null,
          finishedAt: null,
          queuedAt: Date.now(),
          maxAttempts: spent + freshAttempts,
        });
        this.event(t.sweepId, t.id, "trial.requeued", `trial ${t.number} queued again (--retry-failed)`);
        return trial;
      });
      if (out.length > 0)
        this.db
          .update(sweeps)
          .set({ status: "running", finishedAt: null, updatedAt: Date.now() })
          .where(eq(sweeps.id, sweepId))
          .run();
      return out;
    });
  }

  // ---- read models -------------------------------------------------------------------------

  /**
   * Per sweep: when its first trial started and the mean wall time of its completed trials (for
   * an ETA), in one query over every sweep rather than each sweep's trials on every poll.
   */
  sweepTimings(): Map<number, SweepTiming> {
    const rows = this.db
      .select({
        sweepId: trials.sweepId,
        startedAt: sql<number | null>`min(${trials.startedAt})`,
        meanTrialMs: sql<
          number | null
        >`avg(case when ${trials.state} = 'completed' and ${trials.startedAt} is not null and ${trials.finishedAt} is not null then ${trials.finishedAt} - ${trials.startedAt} end)`,
      })
      .from(trials)
      .groupBy(trials.sweepId)
      .all();
    return new Map(rows.map((r) => [r.sweepId, r]));
  }

  /** A trial's latest events, oldest first. */
  trialEvents(trialId: number, limit = 50): EventRow[] {
    return this.db
      .select()
      .from(events)
      .where(eq(events.trialId, trialId))
      .orderBy(desc(events.id))
      .limit(limit)
      .all()
      .reverse();
  }

  /** The metrics one attempt of a trial stored for one epoch (a running trial's latest). */
  epochMetrics(trialId: number, attempt: number, epoch: number): MetricRow[] {
    return this.db
      .select()
      .from(metrics)
      .where(and(eq(metrics.trialId, trialId), eq(metrics.attempt, attempt), eq(metrics.epoch, epoch)))
      .all();
  }

  // ---- workers, events, dead letters --------------------------------------------------------

  upsertWorker(info: WorkerInfo): WorkerRow {
    return this.tx(() => {
      const existing = this.db.select().from(workers).where(eq(workers.name, info.name)).get();
      const values = {
        host: info.host,
        pool: info.pool,
        backend: info.backend,
        devices: info.devices,
        state: info.state,
        currentTrial: info.currentTrial,
        lastSeen: Date.now(),
      };
      const clean = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
      if (!existing || existing.state === "gone")
        this.event(
          null,
          null,
          "worker.joined",
          `worker ${info.name} joined (${info.pool ?? "cpu"}, ${info.backend ?? "?"})`,
        );
      if (existing)
        return this.db.update(workers).set(clean).where(eq(workers.name, info.name)).returning().get()!;
      return this.db
        .insert(workers)
        .values({ name: info.name, ...clean })
        .returning()
        .get();
    });
  }

  markWorkerGone(name: string, why: string): void {
    this.tx(() => {
      const w = this.db.select().from(workers).where(eq(workers.name, name)).get();
      if (!w || w.state === "gone") return;
      this.db.update(workers).set({ state: "gone", currentTrial: null }).where(eq(workers.name, name)).run();
      this.event(null, null, "worker.left", `worker ${name} left: ${why}`);
    });
  }

  listWorkers(): WorkerRow[] {
    return this.db.select().from(workers).orderBy(asc(workers.name)).all();
  }

  event(sweepId: number | null, trialId: number | null, kind: string, message: string): void {
    this.db.insert(events).values({ sweepId, trialId, kind, message }).run();
  }

  /** Events after `afterId` (for a live log), newest last; of one sweep plus global ones when given. */
  eventsSince(afterId = 0, sweepId?: number, limit = 200): EventRow[] {
    const where = sweepId
      ? and(gt(events.id, afterId), sql`(${events.sweepId} = ${sweepId} or ${events.sweepId} is null)`)
      : gt(events.id, afterId);
    return this.db.select().from(events).where(where).orderBy(desc(events.id)).limit(limit).all().reverse();
  }

  recordDeadLetter(source: string, payload: string, error: string): void {
    this.tx(() => {
      this.db
        .insert(deadLetters)
        .values({ source, payload: payload.slice(0, 65536), error })
        .run();
      this.event(null, null, "message.rejected", `rejected message on ${source}: ${error}`);
    });
  }

  deadLetters(): DeadLetterRow[] {
    return this.db.select().from(deadLetters).orderBy(asc(deadLetters.id)).all();
  }
}
