/**
 * `rlw`, Random Loss Weighting (Lin et al. 2021): each step λ = softmax(ε), ε ~ N(0, I), drawn
 * from the trial's seeded generator. As in LibMTL, λ sums to 1 (not T).
 */
import { z } from "zod";
import type { StrategyModule } from "./types.ts";
import { weightedSum } from "./weighted.ts";

const Options = z.object({}).strict();

export const rlw: StrategyModule<typeof Options> = {
  name: "rlw",
  description: "Random loss weighting: λ = softmax(ε), ε ~ N(0, I) drawn every step.",
  options: Options,
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
