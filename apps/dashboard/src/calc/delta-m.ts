/**
 * Δm% of each configuration against the single-task baselines, as in /shared/REFERENCES.md
 * "Comparing" (Maninis et al. 2019): Δm = 100 · mean over tasks of (−1)^w·(B − M)/B with w = 1
 * when higher is better, so positive = better than single-task. Each task contributes its own
 * metric; M and B are means over seeds.
 */
import type { TaskInfo } from "../snapshot.ts";

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

export const SINGLE_TASK = "single-task";

/** Relative improvement of m over b for one metric: positive = better. NaN when b is 0. */
export function improvement(m: number, b: number, direction: "max" | "min"): number {
  if (b === 0) return Number.NaN;
  return direction === "max" ? (m - b) / b : (b - m) / b;
}

/** Δm% of per-task values `m` over baselines `b` (aligned with `tasks`); NaN if any is missing. */
export function deltaM(
  m: readonly (number | null)[],
  b: readonly (number | null)[],
  tasks: readonly TaskInfo[],
): number {
  if (tasks.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < tasks.length; i++) {
    const mi = m[i];
    const bi = b[i];
    if (mi == null || bi == null) return Number.NaN;
    sum += improvement(mi, bi, tasks[i]!.direction);
  }
  return (100 * sum) / tasks.length;
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

function meanOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, v) => a + v, 0) / values.length;
}

/** Per-task means over the completed trials given, aligned with `tasks`. */
export function taskMeans(trials: readonly DeltaInput[], tasks: readonly TaskInfo[]): (number | null)[] {
  return tasks.map((t) =>
    meanOf(trials.map((x) => x.metrics[t.name]).filter((v): v is number => v != null && Number.isFinite(v))),
  );
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
