/**
 * `nash-mtl` (Navon et al. 2022): the Nash bargaining update d = Gα with GᵀGα = 1/α, α > 0, so
 * every task gains d·g_i = 1/α_i > 0. The authors solve it by sequential convex approximations;
 * here, equivalently, α minimises the strictly convex ½αᵀMα − Σ log α_i (its gradient vanishes
 * exactly at Mα = 1/α), found by damped Newton steps that keep α > 0. M is scaled to unit norm
 * first (α then rescales by 1/√scale), with a tiny ridge when the gradients are dependent.
 * The update norm is clipped to `maxNorm` as in the authors' code (0 = no clipping).
 */

import type { StrategyImplementation } from "../descriptors.ts";
import { at, matVec, quad, solve } from "./linalg.ts";
import type { Options } from "./nash-mtl.info.ts";

export function nashAlpha(Mraw: number[][], iterations = 100): number[] {
  const T = Mraw.length;
  const scale = Math.sqrt(Mraw.reduce((s, row) => s + row.reduce((t, x) => t + x * x, 0), 0));
  if (!(scale > 1e-30)) return Mraw.map(() => 1);
  const M = Mraw.map((row, i) => row.map((x, j) => x / scale + (i === j ? 1e-8 : 0)));
  const f = (a: number[]) => 0.5 * quad(M, a) - a.reduce((s, x) => s + Math.log(x), 0);
  let a = M.map((_, i) => 1 / Math.sqrt(Math.max(at(M, i, i), 1e-8)));
  for (let it = 0; it < iterations; it++) {
    const Ma = matVec(M, a);
    const grad = Ma.map((x, i) => x - 1 / (a[i] as number));
    if (Math.max(...grad.map(Math.abs)) < 1e-10) break;
    const H = M.map((row, i) => row.map((x, j) => x + (i === j ? 1 / (a[i] as number) ** 2 : 0)));
    const step = solve(H, grad);
    if (!step) break;
    let t = 1;
    // Backtrack to stay positive and decrease f (Armijo).
    const f0 = f(a);
    const slope = step.reduce((s, x, i) => s - x * (grad[i] as number), 0);
    for (;;) {
      const next = a.map((x, i) => x - t * (step[i] as number));
      if (next.every((x) => x > 0) && f(next) <= f0 + 1e-4 * t * slope) {
        a = next;
        break;
      }
      t /= 2;
      if (t < 1e-12) return a.map((x) => x / Math.sqrt(scale));
    }
  }
  void T;
  return a.map((x) => x / Math.sqrt(scale));
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    let alpha = ctx.tasks.map(() => 1);
    return {
      kind: "gradients",
      combine({ gram }) {
        const a = nashAlpha(gram);
        const norm = Math.sqrt(Math.max(quad(gram, a), 0));
        const clip = o.maxNorm > 0 && norm > o.maxNorm ? o.maxNorm / norm : 1;
        alpha = a.map((x) => x * clip);
        return { shared: alpha };
      },
      weights: () => alpha,
    };
  },
};
