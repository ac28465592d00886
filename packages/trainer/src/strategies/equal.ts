/** `equal`: L = Σ L_i, every λ_i = 1 (LibMTL's "EW"). */
import { z } from "zod";
import type { StrategyModule } from "./types.ts";
import { weightedSum } from "./weighted.ts";

const Options = z.object({}).strict();

export const equal: StrategyModule<typeof Options> = {
  name: "equal",
  description: "Equal weights: L = Σ L_i.",
  options: Options,
  create(_o, ctx) {
    const w = ctx.tasks.map(() => 1);
    return { kind: "loss", linear: true, combine: (losses) => weightedSum(losses, w), weights: () => w };
  },
};
