/**
 * `pcgrad`, gradient surgery (Yu et al. 2020): for each task i, for j ≠ i in random order, if
 * g_i·g_j < 0 then g_i ← g_i − (g_i·g_j/‖g_j‖²)·g_j; the update is Σ_i g_i. Projections are
 * onto the original g_j, as in the paper's Algorithm 1. Each projected g_i stays a combination
 * Σ_k C_ik·g_k, so the rule runs on the Gram matrix and returns α_k = Σ_i C_ik.
 */

import type { Rng } from "@mtl/spec";
import type { StrategyImplementation } from "../descriptors.ts";
import { at, type Matrix } from "./linalg.ts";
import type { Options } from "./pcgrad.info.ts";

/** Coefficients C (row i: projected g_i as a combination of the original gradients). */
export function pcgradCoefficients(M: Matrix, rng: Rng): number[][] {
  const T = M.length;
  const C = M.map((_, i) => M.map((__, k) => (i === k ? 1 : 0)));
  for (let i = 0; i < T; i++) {
    const others = M.map((_, j) => j).filter((j) => j !== i);
    for (let k = others.length - 1; k > 0; k--) {
      const r = rng.int(k + 1);
      [others[k], others[r]] = [others[r] as number, others[k] as number];
    }
    const row = C[i] as number[];
    for (const j of others) {
      const gij = row.reduce((s, c, k) => s + c * at(M, k, j), 0);
      const gjj = at(M, j, j);
      if (gij < 0 && gjj > 0) row[j] = (row[j] as number) - gij / gjj;
    }
  }
  return C;
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    let alpha = ctx.tasks.map(() => 1);
    return {
      kind: "gradients",
      combine({ gram }) {
        const C = pcgradCoefficients(gram, ctx.rng);
        alpha = gram.map((_, k) => C.reduce((s, row) => s + (row[k] as number), 0));
        return { shared: alpha };
      },
      weights: () => alpha,
    };
  },
};
