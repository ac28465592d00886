/**
 * What the dashboard's views show, as plain JSON: the replies of the dashboard protocol
 * (protocol.ts), the same whether a coordinator answered over NATS or a SQLite file was read in
 * this process.
 */
import type { SweepStatus, TrialState } from "@mtl/spec";

export type Counts = Record<TrialState, number>;

/** A task of the selected sweep, with the metric its column shows. */
export interface TaskInfo {
  name: string;
  metric: string;
  direction: "max" | "min";
}

export interface SweepInfo {
  id: number;
  name: string;
  status: SweepStatus;
  /** Planned trials (the sampler's total when known, else the trials planned so far). */
  total: number;
  counts: Counts;
  createdAt: number;
  finishedAt: number | null;
  /** When its first trial started (null before any did). */
  startedAt: number | null;
  /** Mean wall time of its completed trials, for the ETA (null before any completed). */
  meanTrialMs: number | null;
}

export interface TrialInfo {
  id: number;
  number: number;
  state: TrialState;
  /** "single-task" for baselines, else the strategy. */
  method: string;
  /** The method with the strategy's options, e.g. "mgda{ub=true}" (the method alone when it has none). */
  strategy: string;
  seed: number;
  configKey: string;
  /** Sampled parameters other than the strategy and the task weights. */
  params: Record<string, unknown>;
  /** Task weights λ (absent = 1 each). */
  weights: Record<string, number> | null;
  attempt: number;
  /** Lost and failed attempts so far: the part of the retry budget (maxAttempts) used up. */
  attemptsUsed: number;
  maxAttempts: number;
  worker: string | null;
  backend: string | null;
  epoch: number;
  epochs: number;
  prunedEpoch: number | null;
  error: string | null;
  objective: number[] | null;
  /** Each task's metric on the snapshot's split: final, or the latest epoch's while running. */
  metrics: Record<string, number | null>;
  /** True when `metrics` come from the latest epoch, not the final result. */
  live: boolean;
  /** Δm% of the trial's configuration against its single-task baseline (the comparison's row; null while pending or without one). */
  deltaM: number | null;
  /** Rank of the trial's configuration by the sweep objective (the comparison's; null for baselines, while pending, or without a result). */
  rank: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface WorkerInfo {
  name: string;
  host: string | null;
  pool: string;
  backend: string | null;
  devices: string[];
  state: string;
  currentTrial: number | null;
  /** Number of the current trial in its sweep, when known. */
  currentTrialNumber: number | null;
  lastSeen: number;
  trialsDone: number;
}

export interface EventInfo {
  id: number;
  at: number;
  sweepId: number | null;
  trialId: number | null;
  kind: string;
  message: string;
}

/** One row of the comparison: a configuration (or, merged by strategy, a strategy's best). */
export interface StrategyRow {
  /** The configuration's key. */
  key: string;
  label: string;
  /** Completed trials (seeds) behind the row. */
  n: number;
  /** Seeds of `n` whose metric diverged (non-finite), left out of the means. */
  diverged: number;
  /** Aligned with `StrategyTable.columns`: mean over seeds, or null. */
  means: (number | null)[];
  /** Standard deviations over seeds, aligned with `means`. */
  stds: (number | null)[];
  deltaM: number | null;
  /** The sweep objective's value(s) (mean over seeds). */
  objective: number[] | null;
  /** 1 = best by the objective; null for baselines. */
  rank: number | null;
  pareto: boolean;
  baseline: boolean;
}

/** The analysis package's comparison of the sweep, as plain data (`mtl compare`'s table). */
export interface StrategyTable {
  /** The split the table reports; null when `compare` failed. */
  split: string | null;
  columns: { task: string; metric: string; direction: "max" | "min" }[];
  /** Names of the objective the rows are ranked by. */
  objectiveNames: string[];
  rows: StrategyRow[];
  /** Trials the comparison left out (failed, pruned, unfinished). */
  leftOut: number;
  /** What the reader must know (selection, missing baselines, …), from `compare`. */
  notes: string[];
  /** Why `compare` could not build the table (then there are no rows), or null. */
  error: string | null;
}

/** A sort key of the trials list: a fixed field or one task's metric (`task:<name>`). */
export type SortKey = "number" | "state" | "method" | "objective" | "deltaM" | `task:${string}`;

/** One page of the selected sweep's trials, sorted and filtered by the server. */
export interface TrialPage {
  /** The trials from `offset` on, at most the `limit` asked for. */
  items: TrialInfo[];
  offset: number;
  /** Trials matching the filter (all pages). */
  total: number;
  sort: SortKey;
  reverse: boolean;
  filter: string;
}

export interface Snapshot {
  /** When it was taken (ms since the epoch, the source's clock). */
  at: number;
  sweeps: SweepInfo[];
  /** The sweep the trial, event and comparison fields describe (null when there is none). */
  sweepId: number | null;
  /** Split the trial metrics, Δm% and ranks use (the sweep objective's). */
  split: string;
  tasks: TaskInfo[];
  /** Names of the objective values, e.g. ["mean.accuracy"]. */
  objectiveNames: string[];
  /** Which way each objective value is better. */
  objectiveDirections: ("max" | "min")[];
  /** The page of trials the view asked for. */
  trials: TrialPage;
  /** Trials of the sweep, all states (the page holds a few of them). */
  trialCount: number;
  /** The sweep's running trials (at most `RUNNING_LIMIT`), for the header's ETA. */
  running: TrialInfo[];
  /** True when the sweep has single-task baselines with results. */
  hasBaselines: boolean;
  workers: WorkerInfo[];
  /** The most recent events of the sweep and global ones (workers), oldest first. */
  events: EventInfo[];
  comparison: StrategyTable | null;
  /**
   * True while the comparison (and with it the trials' Δm% and ranks) is being computed: the
   * snapshot carries the last one known, or none, and a later one fills it in.
   */
  analysisPending: boolean;
}

/** Running trials a snapshot lists at most. */
export const RUNNING_LIMIT = 256;

/** One metric over epochs. */
export interface Series {
  task: string;
  split: string;
  name: string;
  /** [epoch, value] pairs, by epoch. */
  points: [number, number][];
}

export interface AttemptInfo {
  attempt: number;
  runId: string;
  worker: string | null;
  backend: string | null;
  state: string;
  error: string | null;
  startedAt: number;
  endedAt: number | null;
}

/** A kept model of a trial (see CheckpointStore.listModels). */
export interface KeptInfo {
  kind: "final" | "best";
  epoch: number;
  bytes: number;
  /** The command that writes it out, e.g. `mtl export 3 --sweep 1 --which best --out DIR`. */
  command: string;
}

/** Everything the detail view of one trial needs. */
export interface TrialDetail {
  at: number;
  trial: TrialInfo;
  tasks: TaskInfo[];
  /** Per-task metric curves of the latest attempt (task weights excluded), downsampled to the points asked for. */
  curves: Series[];
  /** Task weights λ over epochs, one series per task (downsampled likewise). */
  weights: Series[];
  /** Epochs the latest attempt recorded; curves with more points than asked for were downsampled. */
  epochs: number;
  attempts: AttemptInfo[];
  events: EventInfo[];
  /** Its kept models, where the source can see them (a results file's folder beside it). */
  kept?: KeptInfo[];
}
