/**
 * The results store's tables. Change this file, then `pnpm --filter @mtl/store db:generate`
 * writes a migration into drizzle/; `openStore` applies pending migrations on open.
 */
import { randomUUID } from "node:crypto";
import {
  ATTEMPT_STATES,
  type Experiment,
  type FinalMetrics,
  SWEEP_STATUSES,
  TRIAL_STATES,
  type TrialConfig,
} from "@mtl/spec";
import {
  customType,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { parseNumbers, stringifyNumbers } from "./numbers.ts";

/** A JSON column typed as what this store writes into it (it is never written from outside). */
const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

/**
 * JSON whose numbers may be NaN or ±Infinity (final metrics): those are written as the strings
 * "NaN", "Infinity" and "-Infinity" (plain JSON would turn them into null) and read back as numbers.
 */
const jsonNumbers = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => "text",
    toDriver: (value) => stringifyNumbers(value),
    fromDriver: (value) => parseNumbers(value) as T,
  })(name);

/**
 * A metric value. SQLite keeps ±Infinity in a REAL but turns NaN into NULL, so NULL is what NaN is
 * stored as; the store's reads turn a NULL back into NaN (drizzle decodes no NULL itself).
 */
const metricValue = customType<{ data: number; driverData: number | null }>({
  dataType: () => "real",
  toDriver: (value) => (Number.isNaN(value) ? null : value),
});

const now = () => Date.now();

export const experiments = sqliteTable("experiments", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  file: text("file"),
  createdAt: integer("created_at").notNull().$defaultFn(now),
});

export const sweeps = sqliteTable(
  "sweeps",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    experimentId: integer("experiment_id")
      .notNull()
      .references(() => experiments.id),
    /**
     * The sweep's identity across databases (a UUID minted when it is planned): trials and events
     * carry it, so a coordinator never takes another database's events for its own.
     */
    uid: text("uid").notNull().$defaultFn(randomUUID),
    name: text("name").notNull(),
    /** Hash of the spec without budget fields: the same file maps to the same sweep. */
    specKey: text("spec_key").notNull(),
    /** The validated experiment (defaults applied), as JSON. */
    spec: json<Experiment>("spec").notNull(),
    status: text("status", { enum: SWEEP_STATUSES }).notNull().default("running"),
    total: integer("total"),
    createdAt: integer("created_at").notNull().$defaultFn(now),
    updatedAt: integer("updated_at").notNull().$defaultFn(now),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("sweeps_spec_key").on(t.specKey), uniqueIndex("sweeps_uid").on(t.uid)],
);

export const trials = sqliteTable(
  "trials",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sweepId: integer("sweep_id")
      .notNull()
      .references(() => sweeps.id),
    /** Position in the sweep's plan, from 0. */
    number: integer("number").notNull(),
    configKey: text("config_key").notNull(),
    seed: integer("seed").notNull(),
    method: text("method").notNull(),
    params: json<Record<string, unknown>>("params").notNull(),
    config: json<TrialConfig>("config").notNull(),
    state: text("state", { enum: TRIAL_STATES }).notNull().default("queued"),
    attempt: integer("attempt").notNull().default(0),
    /** The retry budget: lost or failed attempts allowed (the experiment's `sweep.maxAttempts`). */
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** Id of the execution that holds the trial now (one per delivery to a worker). */
    runId: text("run_id"),
    worker: text("worker"),
    backend: text("backend"),
    /** Last epoch whose metrics were stored. */
    epoch: integer("epoch").notNull().default(0),
    prunedEpoch: integer("pruned_epoch"),
    error: text("error"),
    final: jsonNumbers<FinalMetrics>("final"),
    /** Objective value(s) at the end, direction as in the experiment. */
    objective: json<number[]>("objective"),
    queuedAt: integer("queued_at").notNull().$defaultFn(now),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    uniqueIndex("trials_sweep_number").on(t.sweepId, t.number),
    index("trials_state").on(t.sweepId, t.state),
    // Covers what the dashboard reads of every trial on each frame (the comparison's cache key,
    // the sweeps' timings) without reading the trials' rows: their JSON columns are most of the
    // file, so a scan of the rows costs as much as the file is large.
    index("trials_timeline").on(t.sweepId, t.number, t.state, t.startedAt, t.finishedAt),
  ],
);

export const attempts = sqliteTable(
  "attempts",
  {
    trialId: integer("trial_id")
      .notNull()
      .references(() => trials.id),
    attempt: integer("attempt").notNull(),
    runId: text("run_id").notNull(),
    worker: text("worker"),
    backend: text("backend"),
    /** running, then how the attempt ended (see ATTEMPT_STATES in @mtl/spec). */
    state: text("state", { enum: ATTEMPT_STATES }).notNull(),
    error: text("error"),
    /**
     * The epoch of the checkpoint the attempt resumed from (its epochs up to it are the
     * checkpoint's, reported again); 0 when it looked for one and none fitted; null when it did
     * not look (no checkpoints, a program without them, an older worker).
     */
    resumedFrom: integer("resumed_from"),
    startedAt: integer("started_at").notNull().$defaultFn(now),
    endedAt: integer("ended_at"),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.attempt] }), uniqueIndex("attempts_run").on(t.runId)],
);

export const metrics = sqliteTable(
  "metrics",
  {
    trialId: integer("trial_id")
      .notNull()
      .references(() => trials.id),
    attempt: integer("attempt").notNull(),
    epoch: integer("epoch").notNull(),
    task: text("task").notNull(),
    split: text("split").notNull(),
    name: text("name").notNull(),
    /** NaN is stored as NULL (see metricValue). */
    value: metricValue("value"),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.attempt, t.epoch, t.task, t.split, t.name] })],
);

export const workers = sqliteTable("workers", {
  name: text("name").primaryKey(),
  host: text("host"),
  pool: text("pool").notNull().default("cpu"),
  backend: text("backend"),
  devices: json<string[]>("devices"),
  /** idle, busy or gone. */
  state: text("state").notNull().default("idle"),
  currentTrial: integer("current_trial"),
  trialsDone: integer("trials_done").notNull().default(0),
  startedAt: integer("started_at").notNull().$defaultFn(now),
  lastSeen: integer("last_seen").notNull().$defaultFn(now),
});

export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull().$defaultFn(now),
    sweepId: integer("sweep_id"),
    trialId: integer("trial_id"),
    /** e.g. trial.started, trial.completed, trial.failed, trial.retried, trial.pruned, worker.joined */
    kind: text("kind").notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("events_sweep").on(t.sweepId, t.id)],
);

export const deadLetters = sqliteTable("dead_letters", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull().$defaultFn(now),
  /** Where the message came from, e.g. a NATS subject. */
  source: text("source").notNull(),
  payload: text("payload").notNull(),
  error: text("error").notNull(),
});

/**
 * Who coordinates this database's sweeps now: one row per lock name, with the holder's pid and
 * host. A second runner refuses while the holder lives; a holder that died (same host, pid gone,
 * or silent for long on another host) is taken over.
 */
export const locks = sqliteTable("locks", {
  name: text("name").primaryKey(),
  /** Random per holder: only the holder refreshes or releases its lock. */
  token: text("token").notNull(),
  pid: integer("pid").notNull(),
  host: text("host").notNull(),
  /** What holds it, for the message a refused runner prints (e.g. `mtl run experiments/x.ts`). */
  what: text("what").notNull(),
  acquiredAt: integer("acquired_at").notNull(),
  /** Refreshed while the holder runs. */
  seenAt: integer("seen_at").notNull(),
});
