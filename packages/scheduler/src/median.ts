/**
 * Median stopping (Golovin et al., "Google Vizier", KDD 2017): after the warm-up, a trial stops
 * when its value at an epoch is strictly worse than the median of the values that completed
 * trials had at the same epoch. It acts only once `minTrials` completed trials reached that epoch,
 * so the first trials always run to the end.
 */
import type { Direction } from "@mtl/spec";
import { peerValues } from "./asha.ts";
import type { Pruner, TrialHistory } from "./types.ts";

export interface MedianOptions {
  /** Epochs during which no trial is pruned (pruning starts after them). @default 1 */
  warmupEpochs: number;
  /** Completed trials needed at an epoch before comparing with their median. @default 3 */
  minTrials: number;
}

const COMPLETED: ReadonlySet<TrialHistory["state"]> = new Set(["completed"]);

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function createMedian(
  o: MedianOptions,
  direction: Direction,
  scalar: (values: readonly number[]) => number,
): Pruner {
  return {
    shouldPrune(trial, history) {
      if (trial.epoch <= o.warmupEpochs || !Number.isFinite(trial.value)) return false;
      const peers = peerValues(trial, history(), trial.epoch, scalar, COMPLETED);
      if (peers.length < o.minTrials) return false;
      const m = median(peers);
      return direction === "max" ? trial.value < m : trial.value > m;
    },
  };
}
