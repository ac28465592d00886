/**
 * The strategy comparison of the selected sweep, from the analysis package's `compare` (the
 * table `mtl compare` prints): the best configuration per strategy, mean ± std over seeds, Δm%
 * against single-task runs, rank and Pareto front. The dashboard computes no table of its own:
 * when `compare` fails on data it does not expect, the view shows its reason instead.
 */
import { type Comparison, compare, type TrialRecord } from "@mtl/analysis";
import type { StrategyTable } from "@mtl/bus";
import type { FinalMetrics, TrialConfig } from "@mtl/spec";
import type { TrialRow } from "@mtl/store";

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** Converts the analysis package's comparison into the snapshot's plain table. */
export function fromComparison(c: Comparison): StrategyTable {
  return {
    split: c.split,
    columns: c.columns.map((x) => ({ task: x.task, metric: x.metric, direction: x.direction })),
    rows: c.rows.map((r) => ({
      label: r.label,
      n: r.seeds.length,
      means: r.cells.map((x) => finite(x.mean)),
      stds: r.cells.map((x) => finite(x.std)),
      deltaM: r.deltaM ? finite(r.deltaM.mean) : null,
      rank: r.rank,
      pareto: r.onParetoFront,
      baseline: r.isBaseline,
    })),
    notes: c.notes,
    error: null,
  };
}

/**
 * The comparison of a sweep's trials: null before any trial completes, an empty table with
 * `error` set when `compare` throws.
 */
export function tableOf(rows: readonly TrialRow[]): StrategyTable | null {
  if (!rows.some((t) => t.state === "completed" && t.final)) return null;
  const records: TrialRecord[] = rows.map((t) => ({
    id: t.id,
    sweepId: t.sweepId,
    state: t.state,
    configKey: t.configKey,
    seed: t.seed,
    config: t.config as TrialConfig,
    params: t.params,
    ...(t.final ? { final: t.final as FinalMetrics } : {}),
  }));
  try {
    return fromComparison(compare(records));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { split: null, columns: [], rows: [], notes: [], error: `mtl compare: ${message}` };
  }
}

// The comparison changes only when a trial finishes; recomputing it on every poll (t-tests,
// ranks, Pareto fronts) was the larger part of a snapshot's cost while trials train.
let cached: { key: string; table: StrategyTable | null } | undefined;

/** {@link tableOf}, recomputed only when a trial's state or finish time changed. */
export function compareTable(rows: readonly TrialRow[]): StrategyTable | null {
  const key = rows.map((t) => `${t.sweepId}:${t.id}:${t.state}:${t.finishedAt ?? ""}`).join(",");
  if (cached?.key !== key) cached = { key, table: tableOf(rows) };
  return cached.table;
}
