/**
 * `imtl`, impartial MTL, gradient part IMTL-G (Liu et al. 2021): find d = Σ α_i g_i, Σ α_i = 1,
 * whose projections on every unit gradient u_i = g_i/‖g_i‖ are equal. With D = [g₁ − g_i],
 * U = [u₁ − u_i] (i ≥ 2): α_{2..T} = g₁Uᵀ(DUᵀ)⁻¹, α₁ = 1 − Σ α_{2..T}. All the products are
 * entries of the Gram matrix. (IMTL-L, the loss-scale half, is not included.)
 */

import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./imtl.info.ts";
import { at, solve } from "./linalg.ts";

export function imtlAlpha(M: number[][]): number[] {
  const T = M.length;
  if (T === 1) return [1];
  const n = M.map((_, i) => Math.sqrt(Math.max(at(M, i, i), 1e-30)));
  // g_i·u_j = M_ij / n_j
  const gu = (i: number, j: number) => at(M, i, j) / (n[j] as number);
  const idx = Array.from({ length: T - 1 }, (_, k) => k + 1);
  const r = idx.map((j) => gu(0, 0) - gu(0, j)); // g₁·(u₁ − u_j)
  // A_ij = (g₁ − g_i)·(u₁ − u_j)
  const A = idx.map((i) => idx.map((j) => gu(0, 0) - gu(0, j) - gu(i, 0) + gu(i, j)));
  // α A = r  ⇔  Aᵀ αᵀ = rᵀ
  const At = idx.map((_, a) => idx.map((__, b) => at(A, b, a)));
  const rest = solve(At, r);
  if (!rest) return M.map(() => 1 / T);
  return [1 - rest.reduce((s, x) => s + x, 0), ...rest];
}

export const implementation: StrategyImplementation<typeof Options> = {
  create(_o, ctx) {
    let alpha = ctx.tasks.map(() => 1 / ctx.tasks.length);
    return {
      kind: "gradients",
      combine({ gram }) {
        alpha = imtlAlpha(gram);
        return { shared: alpha };
      },
      weights: () => alpha,
    };
  },
};
