/** `fixed`: L = Σ λ_i·L_i with λ from TrialConfig.weights (1 for tasks it omits). */

import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./fixed.info.ts";
import { weightedSum } from "./weighted.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    const w = [...ctx.initialWeights];
    return { kind: "loss", linear: true, combine: (losses) => weightedSum(losses, w), weights: () => w };
  },
};
