/**
 * Median stopping (Golovin et al., "Google Vizier", KDD 2017): after the warm-up, a configuration
 * stops when its value at an epoch (its seeds' mean; see by-config.ts) is strictly worse than the
 * median of the values that completed configurations (their completed seeds' mean) had at the
 * same epoch. It acts only once `minTrials` completed configurations reached that epoch, so the
 * first configurations always run to the end.
 */
import type { Direction } from "@mtl/spec";
import { ConfigJudge } from "./by-config.ts";
import type { Pruner, TrialHistory } from "./types.ts";

export interface MedianOptions {
  /** Epochs during which no trial is pruned (pruning starts after them). @default 1 */
  warmupEpochs: number;
  /** Completed configurations needed at an epoch before comparing with their median. @default 3 */
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
  const judge = new ConfigJudge({ scalar, peerStates: COMPLETED });
  return {
    shouldPrune(trial, history) {
      if (judge.wasPruned(trial)) return true;
      if (trial.epoch <= o.warmupEpochs || !Number.isFinite(trial.value)) return false;
      return judge.judge(trial, history(), (mine, peers) => {
        if (peers.length < o.minTrials) return false;
        const m = median(peers);
        return direction === "max" ? mine < m : mine > m;
      });
    },
  };
}
