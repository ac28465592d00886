/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020), in its stopping form: rungs sit at epochs
 * minEpochs·η^k below maxEpochs. When a trial reaches a rung it is compared with every other
 * trial that has reported a value at that rung epoch (running, completed or pruned); it goes on
 * only if it is among the best ⌊n/η⌋ of the n trials there (while n < η: only if it is the best
 * so far, so the first trial at a rung always goes on). Nothing waits for a rung to fill, which is
 * what makes it asynchronous. `grace`: no trial is pruned before that epoch.
 */
import type { Direction } from "@mtl/spec";
import type { PruneQuery, Pruner, TrialHistory } from "./types.ts";

export interface AshaOptions {
  /** η, the reduction factor. @default 3 */
  reduction: number;
  /** Epoch of the first rung. @default 1 */
  minEpochs: number;
  /** Epoch at which trials end; no rung at or beyond it. */
  maxEpochs: number;
  /** Epochs before which no trial is pruned. @default 0 */
  grace: number;
}

/** Rung epochs minEpochs·η^k (rounded) below maxEpochs and not before `grace`. */
export function ashaRungs(o: AshaOptions): number[] {
  const rungs: number[] = [];
  for (let k = 0; ; k++) {
    const epoch = Math.round(o.minEpochs * o.reduction ** k);
    if (epoch >= o.maxEpochs) break;
    if (epoch >= o.grace && !rungs.includes(epoch)) rungs.push(epoch);
  }
  return rungs;
}

export function createAsha(
  o: AshaOptions,
  direction: Direction,
  scalar: (values: readonly number[]) => number,
): Pruner {
  const rungs = new Set(ashaRungs(o));
  const better = (a: number, b: number) => (direction === "max" ? a > b : a < b);
  return {
    shouldPrune(trial: PruneQuery, history: () => readonly TrialHistory[]): boolean {
      if (!rungs.has(trial.epoch) || !Number.isFinite(trial.value)) return false;
      const peers = peerValues(trial, history(), trial.epoch, scalar);
      const n = peers.length + 1;
      const keep = Math.max(1, Math.floor(n / o.reduction));
      // Rank among peers ∪ self; ties go the trial's way.
      const ahead = peers.filter((v) => better(v, trial.value)).length;
      return ahead >= keep;
    },
  };
}

/** Values other trials reported at `epoch` (finite ones). */
export function peerValues(
  trial: Pick<PruneQuery, "configKey" | "seed">,
  history: readonly TrialHistory[],
  epoch: number,
  scalar: (values: readonly number[]) => number,
  states?: ReadonlySet<TrialHistory["state"]>,
): number[] {
  const out: number[] = [];
  for (const h of history) {
    if (h.configKey === trial.configKey && h.seed === trial.seed) continue;
    if (states && !states.has(h.state)) continue;
    const point = h.curve?.find((c) => c.epoch === epoch);
    if (!point || point.values.length === 0) continue;
    const v = scalar(point.values);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
