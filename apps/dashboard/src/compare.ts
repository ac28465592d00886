/**
 * The strategy comparison of the selected sweep. The analysis package's `compare` (issue 7) is
 * not exported yet, so this is the dashboard's own per-strategy mean table; swap in `compare`
 * here once `@mtl/analysis` exports it.
 */
import type { Store } from "@mtl/store";
import { strategyTable } from "./calc/strategy-table.ts";
import type { StrategyTable, TaskInfo, TrialInfo } from "./snapshot.ts";

export function compareTable(
  _store: Store,
  _sweepId: number,
  trials: readonly TrialInfo[],
  tasks: readonly TaskInfo[],
  split: string,
): StrategyTable {
  return strategyTable(trials, tasks, split);
}
