/** Builds the dashboard protocol's replies (Snapshot, TrialDetail) from the results store. Synchronous, read-only. */

import type {
  AttemptInfo,
  EventInfo,
  Series,
  Snapshot,
  SweepInfo,
  TaskInfo,
  TrialDetail,
  TrialInfo,
  WorkerInfo,
} from "@mtl/bus";
import {
  defaultDirection,
  type Experiment,
  type FinalMetrics,
  type Metric,
  SINGLE_TASK,
  type TrialConfig,
} from "@mtl/spec";
import type { EventRow, MetricRow, Store, SweepRow, TrialRow } from "@mtl/store";
import { compareTable } from "./comparison.ts";
import { deltaMByConfig } from "./delta-m.ts";

/** Events kept in a snapshot. */
const EVENT_LIMIT = 200;

interface SweepView {
  tasks: TaskInfo[];
  split: string;
  objectiveNames: string[];
  objectiveDirections: ("max" | "min")[];
}

/** Tasks, split and objective of a sweep, from its stored (validated) experiment. */
function viewOf(sweep: SweepRow | undefined): SweepView {
  const spec = sweep?.spec as Experiment | undefined;
  const tasks: TaskInfo[] = (spec?.tasks ?? []).map((t) => ({
    name: t.name,
    metric: t.metric,
    direction: t.direction ?? defaultDirection(t.metric),
  }));
  const obj = spec?.sweep?.objective;
  const split = obj?.split ?? "val";
  if (!obj || obj.task === "mean") {
    const metric = obj?.metric ?? tasks[0]?.metric ?? "metric";
    const dir = obj?.direction ?? (tasks[0] ? defaultDirection(metric as Metric) : "max");
    return { tasks, split, objectiveNames: [`mean.${metric}`], objectiveDirections: [dir] };
  }
  if (obj.task === "pareto")
    return {
      tasks,
      split,
      objectiveNames: tasks.map((t) => `${t.name}.${obj.metric ?? t.metric}`),
      objectiveDirections: tasks.map((t) => (obj.metric ? defaultDirection(obj.metric) : t.direction)),
    };
  const task = tasks.find((t) => t.name === obj.task);
  const metric = obj.metric ?? task?.metric ?? "metric";
  return {
    tasks,
    split,
    objectiveNames: [`${obj.task}.${metric}`],
    objectiveDirections: [obj.direction ?? task?.direction ?? "max"],
  };
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

function trialInfo(store: Store, t: TrialRow, view: SweepView): TrialInfo {
  const config = t.config as Partial<TrialConfig>;
  const final = t.final as FinalMetrics | null;
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
  return {
    id: t.id,
    number: t.number,
    state: t.state,
    method: t.method,
    seed: t.seed,
    configKey: t.configKey,
    params: keyParams(t.params),
    weights: config.weights ?? null,
    attempt: t.attempt,
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
    deltaM: null,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

const eventInfo = (e: EventRow): EventInfo => ({ ...e });

/**
 * Everything the views need for one sweep (default: the latest), plus the list of sweeps and the
 * workers. Curves are left out; `loadTrialDetail` reads them for the trial being looked at.
 */
export function loadSnapshot(store: Store, sweepId?: number): Snapshot {
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
  const selected = rows.find((s) => s.id === sweepId) ?? rows[rows.length - 1];
  const view = viewOf(selected);
  const trialRows = selected ? store.trialsOf(selected.id) : [];
  const trials = trialRows.map((t) => trialInfo(store, t, view));
  const deltas = deltaMByConfig(trials, view.tasks);
  for (const t of trials) t.deltaM = deltas.get(t.configKey) ?? null;
  const numbers = new Map(trials.map((t) => [t.id, t.number]));
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
    trials,
    hasBaselines: trials.some((t) => t.method === SINGLE_TASK),
    workers,
    events: store.eventsSince(0, selected?.id, EVENT_LIMIT).map(eventInfo),
    comparison: compareTable(trialRows),
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

/** One trial's curves, task weights, attempts and events; undefined when there is no such trial. */
export function loadTrialDetail(store: Store, trialId: number): TrialDetail | undefined {
  const row = store.trial(trialId);
  if (!row) return undefined;
  const view = viewOf(store.getSweep(row.sweepId));
  const all = seriesOf(store.metricsOf(trialId));
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
    trial: trialInfo(store, row, view),
    tasks: view.tasks,
    curves: all.filter((s) => s.name !== "weight" && s.task !== "*"),
    weights: all.filter((s) => s.name === "weight"),
    attempts,
    events: store.trialEvents(trialId).map(eventInfo),
  };
}
