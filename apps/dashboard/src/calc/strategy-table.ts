/**
 * The dashboard's own strategy comparison: per method, the mean ± std over completed trials of
 * each task's metric and Δm% against the single-task baselines. A stand-in for the analysis
 * package's `compare` (issue 7), which adds configuration selection, intervals and tests.
 */
import type { StrategyRow, StrategyTable, TaskInfo } from "../snapshot.ts";
import { type DeltaInput, deltaM, SINGLE_TASK, taskMeans } from "./delta-m.ts";

function std(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = values.reduce((a, v) => a + v, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** Whether `a` is at least as good as `b` everywhere and better somewhere. */
function dominates(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
  tasks: readonly TaskInfo[],
): boolean {
  let better = false;
  for (let i = 0; i < tasks.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x == null || y == null) return false;
    const d = tasks[i]!.direction === "max" ? x - y : y - x;
    if (d < 0) return false;
    if (d > 0) better = true;
  }
  return better;
}

export function strategyTable(
  trials: readonly DeltaInput[],
  tasks: readonly TaskInfo[],
  split: string,
): StrategyTable {
  const done = trials.filter((t) => t.state === "completed" && !t.live);
  const groups = new Map<string, DeltaInput[]>();
  for (const t of done) groups.set(t.method, [...(groups.get(t.method) ?? []), t]);
  const base = groups.get(SINGLE_TASK);
  const baseMeans = base ? taskMeans(base, tasks) : null;
  const rows: StrategyRow[] = [...groups].map(([label, runs]) => {
    const means = taskMeans(runs, tasks);
    const d = baseMeans ? deltaM(means, baseMeans, tasks) : Number.NaN;
    return {
      label,
      n: runs.length,
      means,
      stds: tasks.map((t) => std(runs.map((r) => r.metrics[t.name]).filter((v): v is number => v != null))),
      deltaM: Number.isFinite(d) ? d : null,
      rank: null,
      pareto: false,
      baseline: label === SINGLE_TASK,
    };
  });
  for (const r of rows) r.pareto = !rows.some((o) => o !== r && dominates(o.means, r.means, tasks));
  // Rank by Δm% when there are baselines, else by the mean of per-column ranks.
  const score = (r: StrategyRow): number => {
    if (baseMeans) return r.deltaM ?? -Infinity;
    let s = 0;
    tasks.forEach((t, i) => {
      const v = r.means[i];
      s -= rows.filter((o) => {
        const w = o.means[i];
        return v == null || (w != null && (t.direction === "max" ? w > v : w < v));
      }).length;
    });
    return s;
  };
  const scores = new Map(rows.map((r) => [r, score(r)]));
  for (const r of rows) r.rank = 1 + rows.filter((o) => scores.get(o)! > scores.get(r)!).length;
  rows.sort((a, b) => a.rank! - b.rank! || a.label.localeCompare(b.label));
  const notes = [
    "Means over all completed trials of each strategy (every configuration and seed).",
    ...(baseMeans ? [] : ["No single-task baselines yet: no Δm%. Set `baselines: true` in the experiment."]),
  ];
  return {
    source: "dashboard",
    split,
    columns: tasks.map((t) => ({ task: t.name, metric: t.metric, direction: t.direction })),
    rows,
    notes,
  };
}
