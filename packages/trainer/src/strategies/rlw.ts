/**
 * `rlw`, Random Loss Weighting (Lin et al. 2021): each step λ = softmax(ε), ε ~ N(0, I), drawn
 * from the trial's seeded generator. As in LibMTL, λ sums to 1 (not T).
 */

import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./rlw.info.ts";
import { weightedSum } from "./weighted.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    const T = ctx.tasks.length;
    let w = new Array<number>(T).fill(1 / T);
    return {
      kind: "loss",
      linear: true,
      beforeStep() {
        const e = w.map(() => Math.exp(ctx.rng.normal()));
        const sum = e.reduce((a, b) => a + b, 0);
        w = e.map((x) => x / sum);
      },
      combine: (losses) => weightedSum(losses, w),
      weights: () => w,
    };
  },
};
