/** `equal`: L = Σ L_i, every λ_i = 1 (LibMTL's "EW"). */

import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./equal.info.ts";
import { weightedSum } from "./weighted.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    const w = ctx.tasks.map(() => 1);
    return { kind: "loss", linear: true, combine: (losses) => weightedSum(losses, w), weights: () => w };
  },
};
