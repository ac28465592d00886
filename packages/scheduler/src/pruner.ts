import type { Direction, PrunerSpec } from "@mtl/spec";
import { createAsha } from "./asha.ts";
import { createMedian } from "./median.ts";
import type { Pruner } from "./types.ts";

/**
 * The pruner of `experiment.sweep.pruner`. The coordinator calls `shouldPrune` after each epoch
 * with the trial's scalar objective value and the history (whose `curve`s hold every trial's
 * per-epoch values). `direction` and `scalar` come from `objectiveOf`: pass `scalarDirection`
 * and `scalar` for a "pareto" objective (the default scalar takes the first value).
 * `maxEpochs` is the trials' epoch count (`training.epochs`), used when the spec gives none.
 */
export function createPruner(
  spec: PrunerSpec,
  direction: Direction,
  maxEpochs: number,
  scalar: (values: readonly number[]) => number = (v) => v[0]!,
): Pruner {
  switch (spec.kind) {
    case "none":
      return { shouldPrune: () => false };
    case "asha":
      return createAsha(
        {
          reduction: spec.reduction,
          minEpochs: spec.minEpochs,
          maxEpochs: spec.maxEpochs ?? maxEpochs,
          grace: spec.grace,
        },
        direction,
        scalar,
      );
    case "median":
      return createMedian({ warmupEpochs: spec.warmupEpochs, minTrials: spec.minTrials }, direction, scalar);
  }
}
