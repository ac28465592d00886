/** The input of every analysis: trials as the store holds them, independent of how they were read. */
import type { FinalMetrics, TrialConfig } from "@mtl/spec";

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
  /** Position in the sweep's plan (0-based), when known: how views name a trial. */
  number?: number;
  state: string;
  configKey: string;
  seed: number;
  config: TrialConfig;
  params: Record<string, unknown>;
  final?: FinalMetrics;
  curves?: CurvePoint[];
  /** Why it failed, when it did. */
  error?: string | null;
  /** The epoch it was pruned at, when it was. */
  prunedEpoch?: number | null;
}

/**
 * A trial's final value of one metric: undefined when it was not reported; a non-finite number
 * (NaN, ±Infinity) when it was reported but diverged. Wire formats that cannot carry NaN give
 * null or the strings "NaN"/"Infinity"/"-Infinity": those count as diverged too.
 */
export function metricOf(t: TrialRecord, task: string, split: string, metric: string): number | undefined {
  const bySplit = t.final?.[task]?.[split] as Record<string, unknown> | undefined;
  if (!bySplit || !(metric in bySplit)) return undefined;
  const v = bySplit[metric];
  if (typeof v === "number") return v;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** Task weights λ of a config in the given task order; absent weights are 1 each (as "equal"). */
export function weightsOf(config: Pick<TrialConfig, "weights">, tasks: readonly string[]): number[] {
  return tasks.map((name) => config.weights?.[name] ?? 1);
}
