/**
 * Δm% of each configuration against the single-task baselines, for the trials view. The formula
 * and its sign (positive = better than single-task) are the analysis package's `deltaM`; what is
 * the dashboard's own is the pairing: a configuration's seed means against the seed means of the
 * baselines that share its training and model parameters.
 */
import { deltaM as analysisDeltaM, mean } from "@mtl/analysis";
import type { TaskInfo } from "@mtl/bus";
import { SINGLE_TASK } from "@mtl/spec";

/** The fields of a trial this calculation reads. */
export interface DeltaInput {
  method: string;
  configKey: string;
  state: string;
  /** Parameters without strategy and task weights (baselines have neither). */
  params: Record<string, unknown>;
  metrics: Record<string, number | null>;
  live?: boolean;
}

/**
 * Δm% of per-task values `m` over baselines `b` (aligned with `tasks`, one metric per task), by
 * the analysis package's `deltaM`. NaN if any value is missing or a baseline is 0.
 */
export function deltaM(
  m: readonly (number | null)[],
  b: readonly (number | null)[],
  tasks: readonly TaskInfo[],
): number {
  const columns = tasks.map((t) => ({ task: t.name, metric: t.metric, direction: t.direction }));
  const values = (xs: readonly (number | null)[]) => tasks.map((_, i) => xs[i] ?? Number.NaN);
  return analysisDeltaM(values(m), values(b), columns);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A baseline serves a configuration when their shared training and model parameters agree:
 * the scheduler plans one baseline per combination of those (its `baselineParams`), and a
 * baseline's parameters hold nothing else but its architecture.
 */
export function baselineMatches(baseline: Record<string, unknown>, config: Record<string, unknown>): boolean {
  return Object.entries(baseline).every(([k, v]) => k === "architecture" || same(config[k], v));
}

/** Per-task means over the trials given, aligned with `tasks`; null where no trial has a value. */
export function taskMeans(trials: readonly DeltaInput[], tasks: readonly TaskInfo[]): (number | null)[] {
  return tasks.map((t) => {
    const m = mean(
      trials.map((x) => x.metrics[t.name]).filter((v): v is number => v != null && Number.isFinite(v)),
    );
    return Number.isNaN(m) ? null : m;
  });
}

const finished = (t: DeltaInput) => t.state === "completed" && !t.live;

/**
 * Δm% per configuration key (baselines included: theirs is 0 by definition). Configurations
 * without a finished run or without a matching finished baseline get no entry.
 */
export function deltaMByConfig(
  trials: readonly DeltaInput[],
  tasks: readonly TaskInfo[],
): Map<string, number> {
  const out = new Map<string, number>();
  const done = trials.filter(finished);
  const baselines = done.filter((t) => t.method === SINGLE_TASK);
  if (baselines.length === 0) return out;
  const byConfig = new Map<string, DeltaInput[]>();
  for (const t of done) byConfig.set(t.configKey, [...(byConfig.get(t.configKey) ?? []), t]);
  for (const [key, runs] of byConfig) {
    const params = runs[0]!.params;
    const base = baselines.filter((b) => baselineMatches(b.params, params));
    if (base.length === 0) continue;
    const d = deltaM(taskMeans(runs, tasks), taskMeans(base, tasks), tasks);
    if (Number.isFinite(d)) out.set(key, d);
  }
  return out;
}
