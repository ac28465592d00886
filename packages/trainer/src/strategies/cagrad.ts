/**
 * `cagrad`, conflict-averse gradient descent (Liu et al. 2021): g₀ = mean g_i, φ = c²‖g₀‖²;
 * w = argmin over the simplex of g_w·g₀ + √φ·‖g_w‖ (g_w = Σ w_i g_i);
 * d = g₀ + (√φ/‖g_w‖)·g_w, divided by 1 + c² (LibMTL). d maximises the worst task's local
 * improvement min_i g_i·d within the ball ‖d − g₀‖ ≤ c‖g₀‖. The inner problem is convex in w;
 * it is solved by exponentiated-gradient (mirror) descent on the simplex.
 */

import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./cagrad.info.ts";
import { dot, matVec, quad } from "./linalg.ts";

/** α with d = Σ α_i g_i (before the 1 + c² rescaling). */
export function cagradAlpha(M: number[][], c: number, iterations = 2000): number[] {
  const T = M.length;
  const b = new Array<number>(T).fill(1 / T);
  const g0norm2 = quad(M, b);
  const sqrtPhi = c * Math.sqrt(Math.max(g0norm2, 0));
  if (sqrtPhi === 0 || g0norm2 <= 1e-30) return b;
  const Mb = matVec(M, b);
  const objective = (w: number[]) => dot(w, Mb) + sqrtPhi * Math.sqrt(Math.max(quad(M, w), 0));
  let w = [...b];
  let best = { w, f: objective(w) };
  const scale = Math.max(...M.map((row, i) => Math.abs(row[i] as number)), 1e-30);
  for (let it = 0; it < iterations; it++) {
    const Mw = matVec(M, w);
    const norm = Math.sqrt(Math.max(quad(M, w), 1e-30));
    const grad = Mb.map((x, i) => x + (sqrtPhi * (Mw[i] as number)) / norm);
    const step = 1 / (scale * Math.sqrt(it + 1));
    const e = w.map((x, i) => x * Math.exp(-step * (grad[i] as number)));
    const sum = e.reduce((a, v) => a + v, 0);
    w = e.map((x) => Math.max(x / sum, 1e-12));
    const f = objective(w);
    if (f < best.f) best = { w, f };
  }
  const gw = Math.sqrt(Math.max(quad(M, best.w), 1e-30));
  return best.w.map((wi, i) => (b[i] as number) + (sqrtPhi / gw) * wi);
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    let alpha = ctx.tasks.map(() => 1 / ctx.tasks.length);
    return {
      kind: "gradients",
      combine({ gram }) {
        const a = cagradAlpha(gram, o.c);
        alpha = o.rescale ? a.map((x) => x / (1 + o.c * o.c)) : a;
        return { shared: alpha };
      },
      weights: () => alpha,
    };
  },
};
