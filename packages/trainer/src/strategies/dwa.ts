/**
 * `dwa`, Dynamic Weight Average (Liu, Johns & Davison 2019): with epoch-mean losses,
 * w_i = L_i(t−1)/L_i(t−2), λ_i = T·exp(w_i/τ)/Σ_j exp(w_j/τ); λ = 1 for the first two epochs.
 */

import { z } from "zod";
import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./dwa.info.ts";
import { weightedSum } from "./weighted.ts";

export function dwaWeights(history: number[][], tau: number): number[] | null {
  const prev = history[history.length - 1];
  const prev2 = history[history.length - 2];
  if (!prev || !prev2) return null;
  const w = prev.map((l, i) => l / Math.max(prev2[i] as number, 1e-12));
  const e = w.map((x) => Math.exp(x / tau));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => (w.length * x) / sum);
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    let w = ctx.tasks.map(() => 1);
    const history: number[][] = [];
    return {
      kind: "loss",
      linear: true,
      combine: (losses) => weightedSum(losses, w),
      weights: () => w,
      afterEpoch(mean) {
        history.push(mean);
        w = dwaWeights(history, o.temperature) ?? w;
      },
      // Only the last two epochs' losses are ever read.
      saveState: () => ({ w, history: history.slice(-2) }),
      loadState(state) {
        const T = ctx.tasks.length;
        const row = z.array(z.number()).length(T);
        const s = z.object({ w: row, history: z.array(row).max(2) }).parse(state);
        w = s.w;
        history.splice(0, history.length, ...s.history);
      },
    };
  },
};
