/**
 * Builds the dashboard protocol's replies (Snapshot, TrialDetail) from the results store.
 * Synchronous, read-only. A snapshot carries one page of trials, sorted and filtered here; a
 * trial's detail carries its curves downsampled to what the chart can show.
 */

import { strategyLabel } from "@mtl/analysis";
import {
  type AttemptInfo,
  type EventInfo,
  RUNNING_LIMIT,
  type Series,
  type Snapshot,
  type SnapshotQuery,
  SnapshotRequest,
  type SweepInfo,
  type TaskInfo,
  type TrialDetail,
  type TrialInfo,
  type TrialPage,
  TrialsQuery,
  type WorkerInfo,
} from "@mtl/bus/core";
import { objectiveOf } from "@mtl/scheduler";
import { attemptsUsed, isSingleTask, SINGLE_TASK } from "@mtl/spec";
import type { EventRow, MetricRow, Store, SweepRow, TrialRow } from "@mtl/store";
import { AnalysisCache, type SweepAnalysis } from "./comparison.ts";
import { DEFAULT_MAX_POINTS, downsampleSeries } from "./downsample.ts";
import { pageOf } from "./trials-page.ts";

/** Events kept in a snapshot. */
const EVENT_LIMIT = 200;

interface SweepView {
  tasks: TaskInfo[];
  split: string;
  objectiveNames: string[];
  objectiveDirections: ("max" | "min")[];
}

/** Tasks, split and objective of a sweep, from its stored (validated) experiment and the scheduler's `objectiveOf`. */
function viewOf(sweep: SweepRow | undefined): SweepView {
  const spec = sweep?.spec;
  if (!spec) return { tasks: [], split: "val", objectiveNames: [], objectiveDirections: [] };
  const tasks: TaskInfo[] = spec.tasks.map((t) => ({
    name: t.name,
    metric: t.metric,
    direction: t.direction,
  }));
  const split = spec.sweep.objective.split;
  try {
    const o = objectiveOf(spec);
    return { tasks, split, objectiveNames: o.names, objectiveDirections: o.directions };
  } catch {
    // A stored sweep whose objective this version cannot read: show its trials all the same.
    return { tasks, split, objectiveNames: [], objectiveDirections: [] };
  }
}

/** Parameters worth a column: the strategy and task weights have their own. */
function keyParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).filter(
      ([k, v]) =>
        k !== "strategy" &&
        k !== "weights" &&
        !k.startsWith("weights.") &&
        !(k === "architecture" && v === SINGLE_TASK),
    ),
  );
}

function trialInfo(
  store: Store,
  t: TrialRow,
  view: SweepView,
  analysis: SweepAnalysis | undefined,
): TrialInfo {
  const config = t.config;
  const final = t.final;
  const metrics: Record<string, number | null> = {};
  let live = false;
  if (final) {
    for (const task of view.tasks) metrics[task.name] = final[task.name]?.[view.split]?.[task.metric] ?? null;
  } else if (t.state === "running" && t.epoch > 0) {
    // Nothing final yet: show the latest epoch so a running trial's progress is visible.
    live = true;
    const rows = store.epochMetrics(t.id, t.attempt, t.epoch);
    for (const task of view.tasks)
      metrics[task.name] =
        rows.find((r) => r.task === task.name && r.split === view.split && r.name === task.metric)?.value ??
        null;
  }
  const row = analysis?.byTrial.get(t.id);
  return {
    id: t.id,
    number: t.number,
    state: t.state,
    method: t.method,
    strategy: strategyLabel({ config, method: t.method, isBaseline: isSingleTask(config) }),
    seed: t.seed,
    configKey: t.configKey,
    params: keyParams(t.params),
    weights: config.weights ?? null,
    attempt: t.attempt,
    attemptsUsed: attemptsUsed(store.attemptsOf(t.id)),
    maxAttempts: t.maxAttempts,
    worker: t.worker,
    backend: t.backend,
    epoch: t.epoch,
    epochs: config.training?.epochs ?? 0,
    prunedEpoch: t.prunedEpoch,
    error: t.error,
    objective: t.objective,
    metrics,
    live,
    deltaM: row?.deltaM ?? null,
    rank: row?.rank ?? null,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

const eventInfo = (e: EventRow): EventInfo => ({ ...e });

/** Computes comparisons as a snapshot asks for them (tests; `createDashboardService` defers them). */
const SYNC = new AnalysisCache();

/**
 * Everything the views need for one sweep (default: the latest): the list of sweeps, counts,
 * workers, events, the comparison, and the page of trials asked for (default: the first 100 by
 * number). Curves are left out; `loadTrialDetail` reads them for the trial being looked at.
 */
export function loadSnapshot(
  store: Store,
  request: SnapshotRequest | SnapshotQuery = {},
  analyses: AnalysisCache = SYNC,
): Snapshot {
  const q = SnapshotRequest.parse(request);
  const at = Date.now();
  const rows = store.listSweeps();
  const timings = store.sweepTimings();
  const sweeps: SweepInfo[] = rows.map((s) => {
    const counts = store.counts(s.id);
    const planned = Object.values(counts).reduce((a, n) => a + n, 0);
    const timing = timings.get(s.id);
    return {
      id: s.id,
      name: s.name,
      status: s.status,
      total: Math.max(s.total ?? 0, planned),
      counts,
      createdAt: s.createdAt,
      finishedAt: s.finishedAt,
      startedAt: timing?.startedAt ?? null,
      meanTrialMs: timing?.meanTrialMs ?? null,
    };
  });
  const selected = rows.find((s) => s.id === q.sweepId) ?? rows[rows.length - 1];
  const view = viewOf(selected);
  const sweepId = selected?.id;
  // Read every trial only when the page needs them all (sorted or filtered): the first page of
  // a large sweep in trial order, and the comparison's cache key, come from SQLite directly.
  let all: TrialRow[] | undefined;
  const allTrials = () => {
    all ??= sweepId === undefined ? [] : store.trialsOf(sweepId);
    return all;
  };
  const { analysis, pending } = selected
    ? analyses.get(selected, store.trialStatesKey(selected.id), () =>
        store.isOpen ? allTrials() : undefined,
      )
    : { analysis: undefined, pending: false };
  const query = q.trials ?? TrialsQuery.parse({});
  const info = (t: TrialRow) => trialInfo(store, t, view, analysis);
  const counts = sweeps.find((s) => s.id === sweepId)?.counts;
  const trialCount = counts ? Object.values(counts).reduce((a, n) => a + n, 0) : 0;
  let page: TrialPage;
  if (query.sort === "number" && query.filter.trim() === "") {
    // Trial order, unfiltered (how a dashboard opens): only the rows on the page are read and
    // worked out, so a sweep of any size answers as fast as a small one.
    const offset = Math.max(0, Math.min(query.offset, trialCount - 1));
    const rows = sweepId === undefined ? [] : store.trialsPage(sweepId, offset, query.limit, query.reverse);
    page = {
      items: rows.map(info),
      offset,
      total: trialCount,
      sort: query.sort,
      reverse: query.reverse,
      filter: query.filter,
    };
  } else page = pageOf(allTrials().map(info), query, view);
  const running = (sweepId === undefined ? [] : store.trialsOf(sweepId, ["running"]))
    .slice(0, RUNNING_LIMIT)
    .map(info);
  const numbers = new Map(running.map((t) => [t.id, t.number]));
  const workers: WorkerInfo[] = store.listWorkers().map((w) => ({
    name: w.name,
    host: w.host,
    pool: w.pool,
    backend: w.backend,
    devices: w.devices ?? [],
    state: w.state,
    currentTrial: w.currentTrial,
    currentTrialNumber:
      w.currentTrial == null
        ? null
        : (numbers.get(w.currentTrial) ?? store.trial(w.currentTrial)?.number ?? null),
    lastSeen: w.lastSeen,
    trialsDone: w.trialsDone,
  }));
  return {
    at,
    sweeps,
    sweepId: selected?.id ?? null,
    ...view,
    trials: page,
    trialCount,
    running,
    hasBaselines: sweepId !== undefined && store.hasCompleted(sweepId, SINGLE_TASK),
    workers,
    events: store.eventsSince(0, selected?.id, EVENT_LIMIT).map(eventInfo),
    comparison: analysis?.table ?? null,
    analysisPending: pending,
  };
}

/** Groups metric rows into one series per (task, split, name), points by epoch. */
export function seriesOf(rows: readonly MetricRow[]): Series[] {
  const map = new Map<string, Series>();
  for (const r of rows) {
    const key = `${r.task}\u0000${r.split}\u0000${r.name}`;
    let s = map.get(key);
    if (!s) {
      s = { task: r.task, split: r.split, name: r.name, points: [] };
      map.set(key, s);
    }
    s.points.push([r.epoch, r.value]);
  }
  for (const s of map.values()) s.points.sort((a, b) => a[0] - b[0]);
  return [...map.values()];
}

/**
 * One trial's curves (downsampled to `maxPoints` per series), task weights, attempts and events;
 * undefined when there is no such trial. Its Δm% and rank are the last comparison's, if any.
 */
export function loadTrialDetail(
  store: Store,
  trialId: number,
  maxPoints = DEFAULT_MAX_POINTS,
  analyses: AnalysisCache = SYNC,
): TrialDetail | undefined {
  const row = store.trial(trialId);
  if (!row) return undefined;
  const view = viewOf(store.getSweep(row.sweepId));
  const metricRows = store.metricsOf(trialId);
  const all = downsampleSeries(seriesOf(metricRows), maxPoints);
  const attempts: AttemptInfo[] = store.attemptsOf(trialId).map((a) => ({
    attempt: a.attempt,
    runId: a.runId,
    worker: a.worker,
    backend: a.backend,
    state: a.state,
    error: a.error,
    startedAt: a.startedAt,
    endedAt: a.endedAt,
  }));
  return {
    at: Date.now(),
    trial: trialInfo(store, row, view, analyses.peek(row.sweepId)),
    tasks: view.tasks,
    curves: all.filter((s) => s.name !== "weight" && s.task !== "*"),
    weights: all.filter((s) => s.name === "weight"),
    epochs: metricRows.reduce((m, r) => Math.max(m, r.epoch), 0),
    attempts,
    events: store.trialEvents(trialId).map(eventInfo),
  };
}
