/**
 * The results store's tables. Change this file, then `pnpm --filter @mtl/store db:generate`
 * writes a migration into drizzle/; `openStore` applies pending migrations on open.
 */
import { SWEEP_STATUSES, TRIAL_STATES } from "@mtl/spec";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
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
    name: text("name").notNull(),
    /** Hash of the spec without budget fields: the same file maps to the same sweep. */
    specKey: text("spec_key").notNull(),
    /** The validated experiment (defaults applied), as JSON. */
    spec: json<unknown>("spec").notNull(),
    status: text("status", { enum: SWEEP_STATUSES }).notNull().default("running"),
    total: integer("total"),
    createdAt: integer("created_at").notNull().$defaultFn(now),
    updatedAt: integer("updated_at").notNull().$defaultFn(now),
    finishedAt: integer("finished_at"),
  },
  (t) => [uniqueIndex("sweeps_spec_key").on(t.specKey)],
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
    config: json<unknown>("config").notNull(),
    state: text("state", { enum: TRIAL_STATES }).notNull().default("queued"),
    attempt: integer("attempt").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** Id of the execution that holds the trial now (one per delivery to a worker). */
    runId: text("run_id"),
    worker: text("worker"),
    backend: text("backend"),
    /** Last epoch whose metrics were stored. */
    epoch: integer("epoch").notNull().default(0),
    prunedEpoch: integer("pruned_epoch"),
    error: text("error"),
    final: json<unknown>("final"),
    /** Objective value(s) at the end, direction as in the experiment. */
    objective: json<number[]>("objective"),
    queuedAt: integer("queued_at").notNull().$defaultFn(now),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    uniqueIndex("trials_sweep_number").on(t.sweepId, t.number),
    index("trials_state").on(t.sweepId, t.state),
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
    /** running, then how the attempt ended: completed, failed, pruned, cancelled or lost. */
    state: text("state").notNull(),
    error: text("error"),
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
    value: real("value").notNull(),
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
