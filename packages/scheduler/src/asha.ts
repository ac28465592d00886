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
import { ConfigJudge } from "./by-config.ts";
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
  const judge = new ConfigJudge({ scalar });
  return {
    shouldPrune(trial: PruneQuery, history: () => readonly TrialHistory[]): boolean {
      if (judge.wasPruned(trial)) return true;
      if (!rungs.has(trial.epoch) || !Number.isFinite(trial.value)) return false;
      return judge.judge(trial, history(), (mine, peers) => {
        const keep = Math.max(1, Math.floor((peers.length + 1) / o.reduction));
        // Rank among peers ∪ self; ties go the configuration's way.
        return peers.filter((v) => better(v, mine)).length >= keep;
      });
    },
  };
}
