/**
 * `mgda`, multiple-gradient descent as multi-objective optimisation (Sener & Koltun 2018): the
 * update is the min-norm point of the convex hull of the task gradients, d = Σ α_i g_i with α on
 * the simplex minimising ‖Σ α_i g_i‖² (closed form for two tasks, Frank-Wolfe beyond). With
 * `ub: true` (MGDA-UB) the g_i are gradients with respect to the shared representation, which is
 * cheaper and bounds the same objective; then the shared parameters follow Σ α_i L_i.
 * `normalize` divides g_i by ‖g_i‖ ("l2"), L_i ("loss") or L_i·‖g_i‖ ("loss+") first (LibMTL).
 */

import type { StrategyImplementation } from "../descriptors.ts";
import { at, minNormSimplex } from "./linalg.ts";
import type { Options } from "./mgda.info.ts";

export function mgdaAlpha(
  gram: number[][],
  losses: number[],
  normalize: "none" | "l2" | "loss" | "loss+",
): number[] {
  const n = gram.map((_, i) => {
    const norm = Math.sqrt(Math.max(at(gram, i, i), 0));
    const loss = losses[i] as number;
    const v =
      normalize === "l2" ? norm : normalize === "loss" ? loss : normalize === "loss+" ? loss * norm : 1;
    return v > 1e-12 ? v : 1;
  });
  const scaled = gram.map((row, i) => row.map((x, j) => x / ((n[i] as number) * (n[j] as number))));
  return minNormSimplex(scaled).map((a, i) => a / (n[i] as number));
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    let alpha = ctx.tasks.map(() => 1 / ctx.tasks.length);
    return {
      kind: "gradients",
      wrt: o.ub ? "representation" : "parameters",
      combine({ gram, losses }) {
        alpha = mgdaAlpha(gram, losses, o.normalize);
        return { shared: alpha };
      },
      weights: () => alpha,
    };
  },
};
