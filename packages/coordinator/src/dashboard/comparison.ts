/**
 * The comparison the dashboard shows, and the Δm% and rank each trial row carries: both from the
 * analysis package's `compare` (what `mtl compare` prints), computed once per change of the
 * sweep's trials. With `deferred`, a snapshot never waits for it: a new comparison is computed
 * after the reply, and meanwhile the snapshot carries the last one known (or none) and says so.
 */
import { type Comparison, compare } from "@mtl/analysis";
import type { StrategyTable } from "@mtl/bus/core";
import type { SweepRow, TrialRow } from "@mtl/store";
import { recordOf } from "./records.ts";

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** Converts the analysis package's comparison into the snapshot's plain table. */
export function fromComparison(c: Comparison): StrategyTable {
  return {
    split: c.split,
    columns: c.columns.map((x) => ({ task: x.task, metric: x.metric, direction: x.direction })),
    objectiveNames: c.objective.names,
    rows: c.rows.map((r) => ({
      key: r.key,
      label: r.label,
      n: r.seeds.length,
      diverged: r.diverged.length,
      means: r.cells.map((x) => finite(x.mean)),
      stds: r.cells.map((x) => finite(x.std)),
      deltaM: r.deltaM ? finite(r.deltaM.mean) : null,
      objective: r.objective,
      rank: r.rank,
      pareto: r.onParetoFront,
      baseline: r.isBaseline,
    })),
    leftOut: c.leftOut.length,
    notes: c.notes,
    error: null,
  };
}

/** What the views take from the comparison: the table, and each trial's row values. */
export interface SweepAnalysis {
  table: StrategyTable | null;
  /** Trial id → its configuration's Δm% and rank. */
  byTrial: Map<number, { deltaM: number | null; rank: number | null }>;
}

/**
 * The comparison of a sweep's trials: no table before any trial completes, an empty table with
 * `error` set when `compare` throws.
 */
export function analyze(sweep: SweepRow, rows: readonly TrialRow[]): SweepAnalysis {
  const byTrial = new Map<number, { deltaM: number | null; rank: number | null }>();
  if (!rows.some((t) => t.state === "completed" && t.final)) return { table: null, byTrial };
  try {
    const cmp = compare(
      rows.map((t) => recordOf(t, false)),
      sweep.spec,
    );
    for (const r of cmp.rows)
      for (const id of r.trialIds)
        byTrial.set(id, { deltaM: r.deltaM ? finite(r.deltaM.mean) : null, rank: r.rank });
    return { table: fromComparison(cmp), byTrial };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      table: {
        split: null,
        columns: [],
        objectiveNames: [],
        rows: [],
        leftOut: 0,
        notes: [],
        error: `mtl compare: ${message}`,
      },
      byTrial,
    };
  }
}

/**
 * How long a deferred comparison waits before it starts. `compare` on a large sweep holds the
 * thread for seconds; started at once (setImmediate), it ran before the reply left over NATS and
 * before an in-process dashboard drew the snapshot, so the first frame waited for it. This is
 * long enough for the reply to go out and the frame to be drawn, short next to the computation.
 */
export const ANALYSIS_DELAY_MS = 150;

/** Analyses by sweep, recomputed only when a trial's state or finish time changed. */
export class AnalysisCache {
  private readonly entries = new Map<
    number,
    { key?: string; value?: SweepAnalysis; computing?: string; tookMs?: number; endedAt?: number }
  >();

  /**
   * @param deferred compute after the reply (never make a snapshot wait). @default false
   * @param onAnalyzed called with the sweep's id each time a comparison has been computed
   */
  constructor(
    private readonly deferred = false,
    private readonly onAnalyzed?: (sweepId: number) => void,
    /** Deferred comparisons wait for this first (a dashboard in this process drew its first frame). */
    private readonly gate: Promise<void> = Promise.resolve(),
  ) {}

  /**
   * The sweep's analysis, and whether a newer one is still being computed. `key` is the store's
   * `trialStatesKey` (the comparison changes only when a trial's state or finish time does);
   * `rows` reads the trials, called only when the comparison is computed; undefined when they
   * can no longer be read (the store was closed before a deferred comparison started).
   */
  get(
    sweep: SweepRow,
    key: string,
    rows: () => readonly TrialRow[] | undefined,
  ): { analysis: SweepAnalysis | undefined; pending: boolean } {
    const entry = this.entries.get(sweep.id) ?? {};
    this.entries.set(sweep.id, entry);
    if (entry.key === key) return { analysis: entry.value, pending: false };
    if (!this.deferred) {
      Object.assign(entry, { key, value: analyze(sweep, rows() ?? []) });
      this.onAnalyzed?.(sweep.id);
      return { analysis: entry.value, pending: false };
    }
    if (entry.computing !== key) {
      entry.computing = key;
      // While a large sweep is live every finished trial changes it: after a comparison that
      // took D ms the next waits 3·D, so the thread answers snapshots at least 3/4 of the time.
      const since = entry.endedAt === undefined ? 0 : Date.now() - entry.endedAt;
      const wait = Math.max(ANALYSIS_DELAY_MS, 3 * (entry.tookMs ?? 0) - since);
      const later = (run: () => void) => void this.gate.then(() => setTimeout(run, wait).unref());
      later(() => {
        if (entry.computing !== key) return;
        const now = rows();
        if (now === undefined) {
          entry.computing = undefined;
          return;
        }
        const started = Date.now();
        Object.assign(entry, { key, value: analyze(sweep, now), computing: undefined });
        entry.endedAt = Date.now();
        entry.tookMs = entry.endedAt - started;
        this.onAnalyzed?.(sweep.id);
      });
    }
    return { analysis: entry.value, pending: true };
  }

  /** The last analysis computed for a sweep, without computing one. */
  peek(sweepId: number): SweepAnalysis | undefined {
    return this.entries.get(sweepId)?.value;
  }
}
