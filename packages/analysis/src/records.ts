/** The input of every analysis: trials as the store holds them, independent of how they were read. */
import type { FinalMetrics, TaskSpec, TrialConfig } from "@mtl/spec";
import { isSingleTask } from "@mtl/spec";

/** One per-epoch metric value of a trial. */
export interface CurvePoint {
  epoch: number;
  task: string;
  split: string;
  name: string;
  value: number;
}

/** A trial with its configuration, final metrics and (optionally) learning curves. */
export interface TrialRecord {
  id: number;
  sweepId: number;
  state: string;
  configKey: string;
  seed: number;
  config: TrialConfig;
  params: Record<string, unknown>;
  final?: FinalMetrics;
  curves?: CurvePoint[];
}

/** A trial's value of one metric, or NaN when it was not reported. */
export function finalValue(t: TrialRecord, task: string, split: string, metric: string): number {
  const v = t.final?.[task]?.[split]?.[metric];
  return typeof v === "number" && Number.isFinite(v) ? v : Number.NaN;
}

/** Tasks in first-seen order, multi-task trials first so their order wins over baselines'. */
export function tasksOf(trials: readonly TrialRecord[]): TaskSpec[] {
  const seen = new Map<string, TaskSpec>();
  const ordered = [...trials].sort((a, b) => Number(isSingleTask(a.config)) - Number(isSingleTask(b.config)));
  for (const t of ordered)
    for (const task of t.config.tasks) if (!seen.has(task.name)) seen.set(task.name, task);
  return [...seen.values()];
}

/** Task weights λ of a trial in the given task order; absent weights are 1 each (as "equal"). */
export function weightsOf(t: TrialRecord, tasks: readonly string[]): number[] {
  return tasks.map((name) => t.config.weights?.[name] ?? 1);
}

/**
 * What distinguishes one configuration from another, seeds aside. The task list is left out so
 * that per-task single-task baselines of one setting form one configuration.
 */
export function variantKey(config: TrialConfig): string {
  const { seed: _s, tasks: _t, experiment: _e, backend: _b, params: _p, ...rest } = config;
  return stableJson(rest);
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
