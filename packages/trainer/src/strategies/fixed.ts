/** `fixed`: L = Σ λ_i·L_i with λ from TrialConfig.weights (1 for tasks it omits). */
import { z } from "zod";
import type { StrategyModule } from "./types.ts";
import { weightedSum } from "./weighted.ts";

const Options = z.object({}).strict();

export const fixed: StrategyModule<typeof Options> = {
  name: "fixed",
  description: "Fixed task weights λ from the trial's `weights` (1 where absent): L = Σ λ_i L_i.",
  options: Options,
  create(_o, ctx) {
    const w = [...ctx.initialWeights];
    return { kind: "loss", linear: true, combine: (losses) => weightedSum(losses, w), weights: () => w };
  },
};
