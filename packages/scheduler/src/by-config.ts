/**
 * Pruning judges configurations, not trials. Seeds are replicates: comparing them with each other
 * (as plain ASHA or median stopping would) keeps the luckiest seed of each configuration and ends
 * a pruned sweep with one seed per strategy. So at an epoch that can prune:
 *
 * - single-task baselines (`architecture: "single-task"`) are never pruned and are nobody's peers;
 * - a configuration's value is the mean of its seeds' values at that epoch, and it is compared
 *   with the other configurations' means (each over its seeds that reported that epoch);
 * - the configuration is judged once its running seeds have all reported the epoch (a seed that
 *   gets there first goes on meanwhile); seeds still queued are not waited for;
 * - the verdict holds for every seed: once a configuration is pruned its other seeds stop at their
 *   next report, and a configuration kept at an epoch (or with a completed seed) is not judged
 *   there again. After a coordinator restart the verdicts are read back from the history: a
 *   pruned seed prunes its configuration; a seed past the epoch means it was kept.
 */
import { SINGLE_TASK } from "@mtl/spec";
import type { PruneQuery, TrialHistory } from "./types.ts";

/** Whether a history entry is a single-task baseline. */
export function isBaselineEntry(h: Pick<TrialHistory, "params">): boolean {
  return h.params.architecture === SINGLE_TASK;
}

/**
 * Decides for one configuration: `mine` is its mean at the epoch, `peers` the means of the other
 * multi-task configurations there (finite values only). True = prune.
 */
export type Decide = (mine: number, peers: readonly number[]) => boolean;

export interface ConfigJudgeOptions {
  scalar: (values: readonly number[]) => number;
  /** States whose trials count as peers (default: any trial that reported the epoch). */
  peerStates?: ReadonlySet<TrialHistory["state"]>;
}

/** The configuration-level bookkeeping shared by ASHA and median stopping. */
export class ConfigJudge {
  private readonly pruned = new Set<string>();
  /** `configKey@epoch` → "keep", or "wait" while running seeds are still short of the epoch. */
  private readonly verdicts = new Map<string, "keep" | "wait">();

  constructor(private readonly options: ConfigJudgeOptions) {}

  /** Whether the trial's configuration was pruned already (no history needed). */
  wasPruned(trial: PruneQuery): boolean {
    return this.pruned.has(trial.configKey);
  }

  /** Judges the trial's configuration at `trial.epoch`; true = stop this trial. */
  judge(trial: PruneQuery, history: readonly TrialHistory[], decide: Decide): boolean {
    const { configKey: key, epoch } = trial;
    const self = history.find((h) => h.configKey === key && h.seed === trial.seed);
    if (self && isBaselineEntry(self)) return false;
    const siblings = history.filter((h) => h.configKey === key && h.seed !== trial.seed);
    if (siblings.some((h) => h.state === "pruned")) {
      this.pruned.add(key);
      return true;
    }
    const at = `${key}@${epoch}`;
    const verdict = this.verdicts.get(at);
    if (verdict === "keep") return false;
    // Nothing to save by stopping a configuration that already has a finished result; and a
    // seed past this epoch that this judge never saw waiting was kept here before a restart.
    const settled =
      siblings.some((h) => h.state === "completed") ||
      (verdict === undefined && siblings.some((h) => lastEpoch(h) > epoch));
    if (settled) {
      this.verdicts.set(at, "keep");
      return false;
    }
    if (siblings.some((h) => h.state === "running" && lastEpoch(h) < epoch)) {
      this.verdicts.set(at, "wait");
      return false;
    }
    const mine = mean([trial.value, ...siblings.flatMap((h) => this.valueAt(h, epoch))]);
    const prune = decide(mine, this.peerMeans(key, history, epoch));
    if (prune) this.pruned.add(key);
    else this.verdicts.set(at, "keep");
    return prune;
  }

  /** Other multi-task configurations' means at `epoch`. */
  private peerMeans(key: string, history: readonly TrialHistory[], epoch: number): number[] {
    const byKey = new Map<string, number[]>();
    for (const h of history) {
      if (h.configKey === key || isBaselineEntry(h)) continue;
      if (this.options.peerStates && !this.options.peerStates.has(h.state)) continue;
      const v = this.valueAt(h, epoch);
      if (v.length) byKey.set(h.configKey, [...(byKey.get(h.configKey) ?? []), ...v]);
    }
    return [...byKey.values()].map(mean);
  }

  /** The trial's finite scalar value at `epoch`, as a list of zero or one. */
  private valueAt(h: TrialHistory, epoch: number): number[] {
    const point = h.curve?.find((c) => c.epoch === epoch);
    if (!point || point.values.length === 0) return [];
    const v = this.options.scalar(point.values);
    return Number.isFinite(v) ? [v] : [];
  }
}

function lastEpoch(h: TrialHistory): number {
  return h.curve?.reduce((m, c) => Math.max(m, c.epoch), 0) ?? 0;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
