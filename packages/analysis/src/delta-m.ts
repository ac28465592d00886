/**
 * Δm% (Maninis et al. 2019; LibMTL `count_improvement`), with the sign convention of
 * /shared/REFERENCES.md: positive = better than the single-task baseline.
 *
 *   Δ_t = mean over the task's metrics m of (−1)^{w_m}·(B_m − M_m)/B_m,  w_m = 1 if higher is better
 *   Δm  = 100 · mean over tasks t of Δ_t
 *
 * Metrics are averaged within a task first, so a task reported with two metrics does not count
 * twice (Nash-MTL's code averages over all metrics flat, and with the opposite sign).
 */
import type { Direction } from "@mtl/spec";

/** One metric of one task, with which way is better. */
export interface MetricColumn {
  task: string;
  metric: string;
  direction: Direction;
}

/** Relative improvement of `m` over baseline `b` for one metric: positive = better. */
export function relativeImprovement(m: number, b: number, direction: Direction): number {
  const w = direction === "max" ? 1 : 0;
  return ((-1) ** w * (b - m)) / b;
}

/**
 * Δm% of a method over a baseline. `method[i]` and `baseline[i]` are the values of `columns[i]`.
 * NaN if any value is missing or a baseline value is 0 (the ratio is undefined).
 */
export function deltaM(
  method: readonly number[],
  baseline: readonly number[],
  columns: readonly MetricColumn[],
): number {
  const perTask = new Map<string, number[]>();
  columns.forEach((c, i) => {
    const b = baseline[i];
    const m = method[i];
    const d =
      b === undefined || m === undefined || b === 0 ? Number.NaN : relativeImprovement(m, b, c.direction);
    const list = perTask.get(c.task) ?? [];
    list.push(d);
    perTask.set(c.task, list);
  });
  if (perTask.size === 0) return Number.NaN;
  let sum = 0;
  for (const ds of perTask.values()) sum += ds.reduce((s, d) => s + d, 0) / ds.length;
  return (100 * sum) / perTask.size;
}
