import {
  type AttemptFacts,
  attemptsLeft,
  type Decision,
  decide,
  type EpochReport,
  type Experiment,
  type FinalMetrics,
  type LifecycleEvent,
  type RunOrder,
  type SweepStatus,
  shortHash,
  type TrialChange,
  type TrialConfig,
  type TrialState,
  type Verdict,
} from "@mtl/spec";
import type Database from "better-sqlite3";
import { and, asc, desc, eq, gt, gte, inArray, type Placeholder, sql } from "drizzle-orm";
import { holderGone, LockHeld, type LockOwner, thisProcess } from "./locks.ts";
import { checkIntegrity, type Db, type OpenOptions, openDatabase } from "./open.ts";
import {
  attempts,
  deadLetters,
  events,
  experiments,
  locks,
  metrics,
  sweeps,
  trials,
  workers,
} from "./schema.ts";

export type SweepRow = typeof sweeps.$inferSelect;
export type TrialRow = typeof trials.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
/** A stored metric; `value` may be NaN or ±Infinity. */
export type MetricRow = Omit<typeof metrics.$inferSelect, "value"> & { value: number };
export type WorkerRow = typeof workers.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeadLetterRow = typeof deadLetters.$inferSelect;

/**
 * What the dashboard reads of every trial on each frame. Both are answered from the
 * `trials_timeline` index alone (store.test.ts checks the plan): the trials' rows, whose JSON
 * columns are most of the file, are not read.
 */
export const TRIAL_STATES_KEY_SQL =
  "SELECT group_concat(k, ',') AS key FROM (SELECT id || ':' || state || ':' || coalesce(finished_at, '') AS k FROM trials WHERE sweep_id = ? ORDER BY number)";
export const SWEEP_TIMINGS_SQL =
  "SELECT sweep_id AS sweepId, min(started_at) AS startedAt, avg(CASE WHEN state = 'completed' AND started_at IS NOT NULL AND finished_at IS NOT NULL THEN finished_at - started_at END) AS meanTrialMs FROM trials GROUP BY sweep_id";

/** When a sweep's first trial started and how long its completed trials took on average. */
export interface SweepTiming {
  sweepId: number;
  startedAt: number | null;
  meanTrialMs: number | null;
}

/**
 * What a transition did. `applied`: something was written (the trial, one of its attempts, or the
 * event's epochs); `verdict` says why not otherwise (`ignore`: a duplicate or a late event,
 * `defer`: handle it again later, `reject`: the run is no attempt of the trial, a dead letter).
 * `orders` are the runs the caller must tell to stop; `republish`: the trial went back to the
 * queue and the bus no longer holds it.
 */
export interface Transition {
  applied: boolean;
  verdict: Verdict;
  trial: TrialRow;
  reason?: string;
  orders: RunOrder[];
  republish: boolean;
}

export interface PlannedRow {
  configKey: string;
  seed: number;
  method: string;
  params: Record<string, unknown>;
  config: TrialConfig;
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

/** A finished run's result, as its `completed` event carries it. */
export interface RunResult {
  final: FinalMetrics;
  /** Epochs the run trained and reported: the result is kept only once all of them are stored. */
  epochs: number;
  backend?: string;
  /** Objective value(s), when every part of it is finite. */
  objective?: number[];
  /** Set when the objective came out NaN or ±Infinity: the trial fails with this reason. */
  objectiveError?: string;
}

/** Budget fields, `baselines` and `checkpoint` may change between runs of one sweep (none changes a result). */
export function specKeyOf(experiment: Experiment): string {
  const { maxTrials: _m, timeLimit: _t, parallelism: _p, ...sweep } = experiment.sweep;
  // Adding single-task baselines extends a sweep rather than starting another.
  const { baselines: _b, checkpoint: _c, ...rest } = experiment;
  // spec's one identity hash (canonical JSON), as for configurations.
  return shortHash({ ...rest, sweep });
}

/**
 * A placeholder in a prepared UPDATE's SET. drizzle's types take only values or SQL there, but a
 * placeholder becomes a parameter bound to its column, so the column's encoder (JSON, NaN) applies.
 */
const ph = <T>(name: string) => sql.placeholder(name) as Placeholder as unknown as T;

/**
 * The metrics columns as read: drizzle decodes no NULL, and a NULL value is a stored NaN (see
 * metricValue in schema.ts), so the query itself turns it back into NaN.
 */
const metricColumns = {
  trialId: metrics.trialId,
  attempt: metrics.attempt,
  epoch: metrics.epoch,
  task: metrics.task,
  split: metrics.split,
  name: metrics.name,
  value: sql<number>`coalesce(${metrics.value}, 'NaN')`.mapWith(Number),
};

/** Extra data an event carries for the store, beside what `decide` looks at. */
interface Payload {
  worker?: string;
  backend?: string;
  reports?: readonly EpochReport[];
  result?: RunResult;
  prunedEpoch?: number;
  /** A start's checkpoint: the epoch it resumes from, and why others were not used. */
  resumedFrom?: number;
  resumeNotes?: readonly string[];
}

/**
 * The results store. Every trial transition is one named function and one SQLite transaction:
 * it reads the trial and its attempts, asks `decide` (@mtl/spec, the one set of rules) what the
 * event does, and writes that with a compare-and-set on the trial's (state, run id, attempt).
 */
export class Store {
  private readonly sqlite: Database.Database;
  private readonly db: Db;
  /** Statements of the hot paths, prepared once by drizzle. */
  private readonly q;
  /** Statements that depend on a set of states, prepared on first use of that set. */
  private readonly statements = new Map<string, unknown>();

  constructor(
    private readonly path: string,
    options: OpenOptions = {},
  ) {
    ({ sqlite: this.sqlite, db: this.db } = openDatabase(path, options));
    const { db } = this;
    const id = sql.placeholder("id");
    const trialId = sql.placeholder("trialId");
    /** The compare-and-set: the trial is still as `decide` saw it. */
    const unchanged = and(
      eq(trials.id, id),
      eq(trials.state, ph<TrialState>("wasState")),
      sql`${trials.runId} IS ${sql.placeholder("wasRun")}`,
      eq(trials.attempt, ph<number>("wasAttempt")),
    );
    this.q = {
      trial: db.select().from(trials).where(eq(trials.id, id)).prepare(),
      sweep: db.select().from(sweeps).where(eq(sweeps.id, id)).prepare(),
      sweepByUid: db
        .select()
        .from(sweeps)
        .where(eq(sweeps.uid, sql.placeholder("uid")))
        .prepare(),
      sweepStatus: db.select({ status: sweeps.status }).from(sweeps).where(eq(sweeps.id, id)).prepare(),
      attemptsOf: db
        .select()
        .from(attempts)
        .where(eq(attempts.trialId, trialId))
        .orderBy(asc(attempts.attempt))
        .prepare(),
      epochsOf: db
        .select({ n: sql<number>`count(distinct ${metrics.epoch})` })
        .from(metrics)
        .where(and(eq(metrics.trialId, trialId), eq(metrics.attempt, ph<number>("attempt"))))
        .prepare(),
      insertMetric: db
        .insert(metrics)
        .values({
          trialId,
          attempt: ph<number>("attempt"),
          epoch: ph<number>("epoch"),
          task: ph<string>("task"),
          split: ph<string>("split"),
          name: ph<string>("name"),
          value: ph<number>("value"),
        })
        .onConflictDoNothing()
        .prepare(),
      setEpoch: db
        .update(trials)
        .set({ epoch: ph<number>("epoch") })
        .where(eq(trials.id, id))
        .prepare(),
      insertAttempt: db
        .insert(attempts)
        .values({
          trialId,
          attempt: ph<number>("attempt"),
          runId: ph<string>("runId"),
          worker: ph<string | null>("worker"),
          backend: ph<string | null>("backend"),
          state: ph<AttemptRow["state"]>("state"),
          error: ph<string | null>("error"),
          resumedFrom: ph<number | null>("resumedFrom"),
          startedAt: ph<number>("now"),
          endedAt: ph<number | null>("endedAt"),
        })
        .prepare(),
      endAttempt: db
        .update(attempts)
        .set({
          state: ph<AttemptRow["state"]>("state"),
          error: ph<string | null>("error"),
          endedAt: ph<number>("now"),
        })
        .where(and(eq(attempts.trialId, trialId), eq(attempts.attempt, ph<number>("attempt"))))
        .prepare(),
      toRunning: db
        .update(trials)
        .set({
          state: "running",
          attempt: ph<number>("attempt"),
          runId: ph<string>("runId"),
          worker: ph<string>("worker"),
          backend: sql`coalesce(${sql.placeholder("backend")}, ${trials.backend})`,
          startedAt: ph<number>("now"),
          epoch: 0,
        })
        .where(unchanged)
        .prepare(),
      toCompleted: db
        .update(trials)
        .set({
          state: "completed",
          attempt: ph<number>("attempt"),
          runId: ph<string>("runId"),
          worker: ph<string | null>("worker"),
          backend: sql`coalesce(${sql.placeholder("backend")}, ${trials.backend})`,
          final: ph<FinalMetrics>("final"),
          objective: ph<number[] | null>("objective"),
          epoch: ph<number>("epoch"),
          finishedAt: ph<number>("now"),
          error: null,
        })
        .where(unchanged)
        .prepare(),
      toQueued: db
        .update(trials)
        .set({
          state: "queued",
          runId: null,
          queuedAt: ph<number>("now"),
          error: ph<string | null>("error"),
          maxAttempts: ph<number>("maxAttempts"),
          finishedAt: null,
        })
        .where(unchanged)
        .prepare(),
      toFinished: db
        .update(trials)
        .set({
          state: ph<TrialState>("state"),
          error: ph<string | null>("error"),
          prunedEpoch: ph<number | null>("prunedEpoch"),
          finishedAt: ph<number>("now"),
        })
        .where(unchanged)
        .prepare(),
      trialDone: db
        .update(workers)
        .set({ trialsDone: sql`${workers.trialsDone} + 1` })
        .where(eq(workers.name, sql.placeholder("name")))
        .prepare(),
      insertEvent: db
        .insert(events)
        .values({
          sweepId: ph<number | null>("sweepId"),
          trialId: ph<number | null>("trialId"),
          kind: ph<string>("kind"),
          message: ph<string>("message"),
          at: ph<number>("now"),
        })
        .prepare(),
      outstanding: db
        .select({ n: sql<number>`count(*)` })
        .from(trials)
        .where(and(eq(trials.sweepId, id), inArray(trials.state, ["queued", "running"])))
        .prepare(),
      counts: db
        .select({ state: trials.state, n: sql<number>`count(*)` })
        .from(trials)
        .where(eq(trials.sweepId, id))
        .groupBy(trials.state)
        .prepare(),
      trialsFrom: db
        .select()
        .from(trials)
        .where(and(eq(trials.sweepId, id), gte(trials.number, ph<number>("from"))))
        .orderBy(asc(trials.number))
        .prepare(),
      workerNamed: db
        .select()
        .from(workers)
        .where(eq(workers.name, ph<string>("name")))
        .prepare(),
      trialStatesKey: this.sqlite.prepare<[number], { key: string | null }>(TRIAL_STATES_KEY_SQL),
      sweepTimings: this.sqlite.prepare<[], SweepTiming>(SWEEP_TIMINGS_SQL),
    };
  }

  /** Whether the file is still open (a deferred read after `close` has nothing to read). */
  get isOpen(): boolean {
    return this.sqlite.open;
  }

  /** Checks the whole file for damage (what opening does unless `checkLater`); throws ResultsFileError. */
  checkFile(): void {
    checkIntegrity(this.sqlite, this.path);
  }

  close(): void {
    this.sqlite.close();
  }

  private tx<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  // ---- locks --------------------------------------------------------------------------------

  /**
   * Takes the lock `name` for this process (`what` says what holds it, for whoever is refused), or
   * throws LockHeld while a live process holds it. A holder that is gone is taken over. Refresh it
   * every few seconds while running (`refreshLock`) and release it at the end.
   */
  acquireLock(
    name: string,
    what: string,
    options: { staleMs?: number; owner?: LockOwner; alive?: (pid: number) => boolean } = {},
  ): LockOwner {
    const me = options.owner ?? thisProcess();
    return this.tx(() => {
      const now = Date.now();
      const held = this.db.select().from(locks).where(eq(locks.name, name)).get();
      if (
        held &&
        held.token !== me.token &&
        !holderGone(held, me, now, options.staleMs ?? 30_000, options.alive)
      )
        throw new LockHeld(
          { pid: held.pid, host: held.host, what: held.what, since: held.acquiredAt },
          this.path,
        );
      const row = { token: me.token, pid: me.pid, host: me.host, what, acquiredAt: now, seenAt: now };
      this.db
        .insert(locks)
        .values({ name, ...row })
        .onConflictDoUpdate({ target: locks.name, set: row })
        .run();
      if (held && held.token !== me.token)
        this.event(
          null,
          null,
          "lock.taken-over",
          `${what} took over ${name} from pid ${held.pid} on ${held.host} (gone)`,
        );
      return me;
    });
  }

  /**
   * Takes the lock (see `acquireLock`) and keeps it refreshed until `release()`. `onLost` is
   * called if another process takes it over meanwhile (this one was silent past `staleMs`).
   */
  holdLock(
    name: string,
    what: string,
    options: { refreshMs?: number; staleMs?: number; onLost?: () => void } = {},
  ): { owner: LockOwner; release(): void } {
    const owner = this.acquireLock(name, what, options);
    const timer = setInterval(() => {
      let held: boolean;
      try {
        held = this.refreshLock(name, owner);
      } catch {
        return; // busy or closing: the next tick tries again
      }
      if (!held) {
        clearInterval(timer);
        options.onLost?.();
      }
    }, options.refreshMs ?? 5000);
    timer.unref();
    return {
      owner,
      release: () => {
        clearInterval(timer);
        this.releaseLock(name, owner);
      },
    };
  }

  /** Marks the lock as still held; false when another process took it over (stop at once). */
  refreshLock(name: string, owner: LockOwner): boolean {
    const r = this.db
      .update(locks)
      .set({ seenAt: Date.now() })
      .where(and(eq(locks.name, name), eq(locks.token, owner.token)))
      .run();
    return r.changes === 1;
  }

  releaseLock(name: string, owner: LockOwner): void {
    this.db
      .delete(locks)
      .where(and(eq(locks.name, name), eq(locks.token, owner.token)))
      .run();
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
    return this.q.sweep.get({ id });
  }

  /** The sweep with this identity (the UUID its trials and events carry). */
  sweepByUid(uid: string): SweepRow | undefined {
    return this.q.sweepByUid.get({ uid });
  }

  /** A sweep's status alone (a coordinator checks it on every turn; the spec need not be parsed). */
  sweepStatus(id: number): SweepStatus | undefined {
    return this.q.sweepStatus.get({ id })?.status;
  }

  latestSweep(): SweepRow | undefined {
    return this.db.select().from(sweeps).orderBy(desc(sweeps.id)).limit(1).get();
  }

  listSweeps(): SweepRow[] {
    return this.db.select().from(sweeps).orderBy(asc(sweeps.id)).all();
  }

  /** Trials queued or running in a sweep (by the state index: cheap however long the sweep). */
  outstanding(sweepId: number): number {
    return this.q.outstanding.get({ id: sweepId })?.n ?? 0;
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
    for (const r of this.q.counts.all({ id: sweepId })) out[r.state] = r.n;
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
    return this.q.trial.get({ id });
  }

  /** A sweep's trials (only those in `states`, if given), in number order. */
  trialsOf(sweepId: number, states?: readonly TrialState[]): TrialRow[] {
    if (!states)
      return this.db
        .select()
        .from(trials)
        .where(eq(trials.sweepId, sweepId))
        .orderBy(asc(trials.number))
        .all();
    // Sorted here, not by SQLite: with ORDER BY number it walks the (sweep, number) index over
    // every trial of the sweep to skip a sort, and this runs on every event (progress lines,
    // the coordinator's checks), so each call grew with the sweep. Without it SQLite reads only
    // the trials in these states, through the (sweep, state) index.
    // Prepared once per set of states (a handful, from the lifecycle's few): building and
    // preparing a statement anew cost more than running it, on every event.
    const query = this.prepared(`trialsOf:${[...states].sort()}`, () =>
      this.db
        .select()
        .from(trials)
        .where(and(eq(trials.sweepId, sql.placeholder("sweepId")), inArray(trials.state, [...states])))
        .prepare(),
    );
    return query.all({ sweepId }).sort((a, b) => a.number - b.number);
  }

  /** The statement `build` prepares, prepared once. */
  private prepared<T>(key: string, build: () => T): T {
    let statement = this.statements.get(key) as T | undefined;
    if (statement === undefined) {
      statement = build();
      this.statements.set(key, statement);
    }
    return statement;
  }

  /**
   * One page of a sweep's trials by number (`reverse`: highest first): a dashboard's first page
   * of a large sweep without reading every trial.
   */
  trialsPage(sweepId: number, offset: number, limit: number, reverse = false): TrialRow[] {
    return this.db
      .select()
      .from(trials)
      .where(eq(trials.sweepId, sweepId))
      .orderBy(reverse ? desc(trials.number) : asc(trials.number))
      .limit(limit)
      .offset(offset)
      .all();
  }

  /**
   * Every trial's id, state and finish time in one string, by number: it changes whenever any
   * of them does. Built by SQLite, without reading the trials' configurations and results.
   */
  trialStatesKey(sweepId: number): string {
    return this.q.trialStatesKey.get(sweepId)?.key ?? "";
  }

  /** Whether a sweep has a completed trial of this method (e.g. a single-task baseline). */
  hasCompleted(sweepId: number, method: string): boolean {
    return (
      this.db
        .select({ id: trials.id })
        .from(trials)
        .where(and(eq(trials.sweepId, sweepId), eq(trials.state, "completed"), eq(trials.method, method)))
        .limit(1)
        .get() !== undefined
    );
  }

  /** A sweep's trials numbered `from` or later, by number (the unique index): what was planned since. */
  trialsFrom(sweepId: number, from: number): TrialRow[] {
    return this.q.trialsFrom.all({ id: sweepId, from });
  }

  /** Ids of a sweep's trials in these states: a cheap check for a coordinator's loop. */
  trialIds(sweepId: number, states: readonly TrialState[]): number[] {
    const query = this.prepared(`trialIds:${[...states].sort()}`, () =>
      this.db
        .select({ id: trials.id })
        .from(trials)
        .where(and(eq(trials.sweepId, sql.placeholder("sweepId")), inArray(trials.state, [...states])))
        .prepare(),
    );
    return query.all({ sweepId }).map((r) => r.id);
  }

  attemptsOf(trialId: number): AttemptRow[] {
    return this.q.attemptsOf.all({ trialId });
  }

  /**
   * Attempts the trial may still use (its budget less its lost and failed attempts): how many
   * times the bus may deliver it, as one message, before giving up.
   */
  attemptsLeft(trialId: number): number {
    const t = this.mustTrial(trialId);
    return attemptsLeft(t, this.attemptsOf(trialId));
  }

  /** Per-epoch metrics of a trial's attempt (default: the one that holds or finished it). */
  metricsOf(trialId: number, attempt?: number): MetricRow[] {
    const a = attempt ?? this.trial(trialId)?.attempt ?? 0;
    return this.db
      .select(metricColumns)
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

  /**
   * A run's delivery started: it holds the trial now (queued → running, or a lapsed lease's trial
   * delivered again), or it is refused (the trial is finished or out of attempts).
   */
  startTrial(
    trialId: number,
    run: {
      runId: string;
      worker: string;
      backend?: string;
      /** The epoch of the checkpoint it resumes from (0: it looked, none fitted). */
      resumedFrom?: number;
      /** Why checkpoints were refused: each becomes a `checkpoint.refused` event. */
      resumeNotes?: readonly string[];
    },
  ): Transition {
    return this.transition(trialId, { kind: "started", runId: run.runId }, run);
  }

  /** Stores one epoch of a run; a repeated epoch changes nothing. */
  recordEpoch(trialId: number, runId: string, report: EpochReport): Transition {
    return this.recordEpochs(trialId, runId, [report]);
  }

  /**
   * Stores a run's epochs: the holder's, and a former attempt's on its own attempt (so that its
   * result can be adopted whole). Repeated epochs change nothing.
   */
  recordEpochs(trialId: number, runId: string, reports: readonly EpochReport[]): Transition {
    return this.transition(trialId, { kind: "epoch", runId }, { reports });
  }

  /**
   * A run finished training. The holder's result completes the trial once all its epochs are
   * stored; a former attempt's result is adopted whole or not at all. A non-finite objective fails
   * the trial instead.
   */
  completeTrial(
    trialId: number,
    runId: string,
    result: RunResult,
    options: { lastChance?: boolean } = {},
  ): Transition {
    return this.transition(
      trialId,
      {
        kind: "completed",
        runId,
        epochs: result.epochs,
        ...(result.objectiveError ? { objectiveError: result.objectiveError } : {}),
        ...(options.lastChance ? { lastChance: true } : {}),
      },
      { result, backend: result.backend },
    );
  }

  /** A run failed: the trial is queued again while attempts remain and the failure is retryable. */
  failTrial(trialId: number, runId: string, error: string, retryable = false): Transition {
    return this.transition(trialId, { kind: "failed", runId, error, retryable });
  }

  /** A run stopped: pruned at `epoch`, cancelled, or interrupted (its worker stopped). */
  stopTrial(
    trialId: number,
    runId: string,
    status: "pruned" | "cancelled" | "interrupted",
    epoch: number,
  ): Transition {
    return this.transition(trialId, { kind: "stopped", runId, status }, { prunedEpoch: epoch });
  }

  /** The holder stopped at `epoch` because the pruner said so. */
  pruneTrial(trialId: number, runId: string, epoch: number): Transition {
    return this.stopTrial(trialId, runId, "pruned", epoch);
  }

  /** An event of this run could not be decoded or stored: the run's trial fails with the reason. */
  rejectEvent(trialId: number, runId: string, error: string): Transition {
    return this.transition(trialId, { kind: "rejected", runId, error });
  }

  /** queued or running → cancelled (by a person); the holder, if any, is to be told. */
  cancelTrial(trialId: number, reason = "cancelled"): Transition {
    return this.transition(trialId, { kind: "cancel", reason });
  }

  /** queued or running → failed for good: the bus gave up delivering it (a dead letter). */
  giveUpTrial(trialId: number, reason: string): Transition {
    return this.transition(trialId, { kind: "give-up", reason });
  }

  /**
   * running → queued. `interrupted`: the process that ran it stopped (Ctrl-C, a restart of the
   * embedded runner), no attempt used up; `lost`: its worker is gone and the bus holds it no more.
   */
  requeueTrial(trialId: number, how: "interrupted" | "lost", reason: string): Transition {
    return this.transition(trialId, how === "lost" ? { kind: "lost", reason } : { kind: "requeue", reason });
  }

  /** Reads, decides and writes one transition in one IMMEDIATE transaction. */
  private transition(trialId: number, event: LifecycleEvent, payload: Payload = {}): Transition {
    return this.tx(() => {
      const t = this.mustTrial(trialId);
      const rows = this.q.attemptsOf.all({ trialId });
      const facts: AttemptFacts[] = rows.map((a) => ({ attempt: a.attempt, runId: a.runId, state: a.state }));
      if (event.kind === "completed") {
        const own = facts.find((f) => f.runId === event.runId);
        if (own) own.epochs = this.q.epochsOf.get({ trialId, attempt: own.attempt })?.n ?? 0;
      }
      const d = decide(t, facts, event);
      const result = (trial: TrialRow, applied: boolean): Transition => ({
        applied,
        verdict: d.verdict,
        trial,
        ...(d.reason ? { reason: d.reason } : {}),
        orders: d.orders ?? [],
        republish: d.republish ?? false,
      });
      if (d.verdict !== "apply") return result(t, false);
      return result(this.apply(t, rows, d, event, payload), true);
    });
  }

  /**
   * failed → queued for every failed trial of a sweep (`mtl run FILE --retry-failed`, a person's
   * command), each with `freshAttempts` attempts more than it has used, and the sweep running
   * again. Guarded on the state as every transition is. Returns the trials requeued.
   */
  retryFailedTrials(sweepId: number, freshAttempts: number): TrialRow[] {
    return this.tx(() => {
      const event = { kind: "retry", reason: "--retry-failed", freshAttempts } as const;
      const out = this.trialsOf(sweepId, ["failed"])
        .map((t) => this.transition(t.id, event))
        .filter((r) => r.applied)
        .map((r) => r.trial);
      if (out.length > 0)
        this.db
          .update(sweeps)
          .set({ status: "running", finishedAt: null, updatedAt: Date.now() })
          .where(eq(sweeps.id, sweepId))
          .run();
      return out;
    });
  }

  private apply(t: TrialRow, rows: AttemptRow[], d: Decision, event: LifecycleEvent, p: Payload): TrialRow {
    const now = Date.now();
    const runId = "runId" in event ? event.runId : null;
    if (d.newAttempt && runId)
      this.q.insertAttempt.run({
        trialId: t.id,
        attempt: d.newAttempt.attempt,
        runId,
        worker: p.worker ?? null,
        backend: p.backend ?? null,
        state: d.newAttempt.state,
        error: d.newAttempt.error ?? null,
        resumedFrom: p.resumedFrom ?? null,
        now,
        endedAt: d.newAttempt.state === "running" ? null : now,
      });
    for (const a of d.attempts ?? [])
      this.q.endAttempt.run({
        trialId: t.id,
        attempt: a.attempt,
        state: a.state,
        error: a.error ?? null,
        now,
      });
    let trial = t;
    if (d.recordEpochsOf !== undefined && p.reports) {
      const last = this.storeEpochs(t.id, d.recordEpochsOf, p.reports);
      if (t.state === "running" && t.runId === runId && last > t.epoch) {
        this.q.setEpoch.run({ id: t.id, epoch: last });
        trial = { ...t, epoch: last };
      }
    }
    if (d.trial) trial = this.changeTrial(t, rows, d.trial, runId, p, now);
    if (d.log) this.event(t.sweepId, t.id, d.log.kind, `trial ${t.number} ${d.log.text}`);
    if (d.newAttempt?.state === "running") {
      const a = d.newAttempt.attempt;
      for (const note of p.resumeNotes ?? [])
        this.event(t.sweepId, t.id, "checkpoint.refused", `trial ${t.number} attempt ${a}: ${note}`);
      if (p.resumedFrom)
        this.event(
          t.sweepId,
          t.id,
          "checkpoint.resumed",
          `trial ${t.number} attempt ${a} resumed from epoch ${p.resumedFrom}`,
        );
    }
    return trial;
  }

  /** Writes the trial's next state, if the row is still as read (else the transaction fails). */
  private changeTrial(
    t: TrialRow,
    rows: AttemptRow[],
    change: TrialChange,
    runId: string | null,
    p: Payload,
    now: number,
  ): TrialRow {
    const was = { id: t.id, wasState: t.state, wasRun: t.runId, wasAttempt: t.attempt };
    let values: Partial<TrialRow>;
    let changes: number;
    switch (change.state) {
      case "running": {
        values = {
          state: "running",
          attempt: change.attempt,
          runId,
          worker: p.worker ?? null,
          backend: p.backend ?? t.backend,
          startedAt: now,
          epoch: 0,
        };
        changes = this.q.toRunning.run({ ...was, ...values, backend: p.backend ?? null, now }).changes;
        break;
      }
      case "completed": {
        const by = rows.find((a) => a.attempt === change.attempt)!;
        const r = p.result!;
        values = {
          state: "completed",
          attempt: by.attempt,
          runId: by.runId,
          worker: by.worker,
          backend: r.backend ?? t.backend,
          final: r.final,
          objective: r.objective ?? null,
          epoch: r.epochs,
          finishedAt: now,
          error: null,
        };
        changes = this.q.toCompleted.run({
          ...was,
          ...values,
          backend: r.backend ?? null,
          objective: r.objective ?? null,
          now,
        }).changes;
        if (by.worker) this.q.trialDone.run({ name: by.worker });
        break;
      }
      case "queued": {
        values = {
          state: "queued",
          runId: null,
          queuedAt: now,
          error: change.error === undefined ? t.error : change.error,
          maxAttempts: change.maxAttempts ?? t.maxAttempts,
          finishedAt: null,
        };
        changes = this.q.toQueued.run({
          ...was,
          error: values.error ?? null,
          maxAttempts: values.maxAttempts!,
          now,
        }).changes;
        break;
      }
      default: {
        const prunedEpoch = change.state === "pruned" ? (p.prunedEpoch ?? t.epoch) : t.prunedEpoch;
        values = { state: change.state, error: change.error, prunedEpoch, finishedAt: now };
        changes = this.q.toFinished.run({
          ...was,
          state: change.state,
          error: change.error,
          prunedEpoch,
          now,
        }).changes;
      }
    }
    // Inside an IMMEDIATE transaction nothing else writes, so this is a guard against a bug.
    if (changes !== 1)
      throw new Error(`trial ${t.id} changed under a transition (${t.state} → ${change.state})`);
    return { ...t, ...values };
  }

  /** Stores epoch reports under one attempt; returns the last epoch among them. */
  private storeEpochs(trialId: number, attempt: number, reports: readonly EpochReport[]): number {
    let last = 0;
    const insert = (epoch: number, task: string, split: string, name: string, value: number) =>
      this.q.insertMetric.run({ trialId, attempt, epoch, task, split, name, value });
    for (const r of reports) {
      for (const m of r.metrics) insert(r.epoch, m.task, m.split, m.name, m.value);
      for (const [task, value] of Object.entries(r.weights)) insert(r.epoch, task, "train", "weight", value);
      insert(r.epoch, "*", "train", "wall_ms", r.wallMs);
      last = Math.max(last, r.epoch);
    }
    return last;
  }

  // ---- read models -------------------------------------------------------------------------

  /**
   * Per sweep: when its first trial started and the mean wall time of its completed trials (for
   * an ETA), in one query over every sweep rather than each sweep's trials on every poll.
   */
  sweepTimings(): Map<number, SweepTiming> {
    return new Map(this.q.sweepTimings.all().map((r) => [r.sweepId, r]));
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
      .select(metricColumns)
      .from(metrics)
      .where(and(eq(metrics.trialId, trialId), eq(metrics.attempt, attempt), eq(metrics.epoch, epoch)))
      .all();
  }

  // ---- workers, events, dead letters --------------------------------------------------------

  upsertWorker(info: WorkerInfo): WorkerRow {
    return this.tx(() => {
      const existing = this.q.workerNamed.get({ name: info.name });
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
      const w = this.q.workerNamed.get({ name });
      if (!w || w.state === "gone") return;
      this.db.update(workers).set({ state: "gone", currentTrial: null }).where(eq(workers.name, name)).run();
      this.event(null, null, "worker.left", `worker ${name} left: ${why}`);
    });
  }

  listWorkers(): WorkerRow[] {
    return this.db.select().from(workers).orderBy(asc(workers.name)).all();
  }

  event(sweepId: number | null, trialId: number | null, kind: string, message: string): void {
    this.q.insertEvent.run({ sweepId, trialId, kind, message, now: Date.now() });
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
