/**
 * `gradnorm` (Chen et al. 2018): learn λ so that the gradient norms G_i = ‖∇_W λ_i·L_i‖ at the
 * last shared layer W match mean(G)·r_i^α, r_i = L̃_i/mean(L̃), L̃_i = L_i(t)/L_i(0). Each step
 * λ takes an Adam step on Σ_i |G_i − mean(G)·r_i^α| with the target held constant
 * (∂/∂λ_i = ‖∇_W L_i‖·sign(G_i − target_i)), then is renormalised to Σ λ = T. The network is
 * updated with Σ λ_i·L_i (heads included).
 */

import { z } from "zod";
import type { StrategyImplementation } from "../descriptors.ts";
import type { Options } from "./gradnorm.info.ts";
import { at } from "./linalg.ts";

export const implementation: StrategyImplementation<typeof Options> = {
  create(o, ctx) {
    const T = ctx.tasks.length;
    const total = ctx.initialWeights.reduce((a, b) => a + b, 0);
    let lambda = ctx.initialWeights.map((w) => (total > 0 ? (T * w) / total : 1));
    let initial: number[] | undefined;
    const m = new Array<number>(T).fill(0);
    const v = new Array<number>(T).fill(0);
    let step = 0;
    let used = [...lambda];
    return {
      kind: "gradients",
      combine({ lastGram, losses }) {
        used = [...lambda];
        initial ??= losses.map((l) => Math.max(l, 1e-12));
        const norms = lastGram.map((_, i) => Math.sqrt(Math.max(at(lastGram, i, i), 0)));
        const G = norms.map((n, i) => n * (used[i] as number));
        const meanG = G.reduce((a, b) => a + b, 0) / T;
        const ratios = losses.map((l, i) => l / (initial?.[i] as number));
        const meanR = ratios.reduce((a, b) => a + b, 0) / T;
        const target = ratios.map((r) => meanG * (r / meanR) ** o.alpha);
        step++;
        lambda = lambda.map((l, i) => {
          const g = (norms[i] as number) * Math.sign((G[i] as number) - (target[i] as number));
          m[i] = 0.9 * (m[i] as number) + 0.1 * g;
          v[i] = 0.999 * (v[i] as number) + 0.001 * g * g;
          const mh = (m[i] as number) / (1 - 0.9 ** step);
          const vh = (v[i] as number) / (1 - 0.999 ** step);
          return Math.max(l - (o.lr * mh) / (Math.sqrt(vh) + 1e-8), 1e-4);
        });
        const sum = lambda.reduce((a, b) => a + b, 0);
        lambda = lambda.map((l) => (T * l) / sum);
        return { shared: used, heads: used };
      },
      weights: () => used,
      saveState: () => ({ lambda, used, initial: initial ?? null, m, v, step }),
      loadState(state) {
        const row = z.array(z.number()).length(T);
        const s = z
          .object({
            lambda: row,
            used: row,
            initial: row.nullable(),
            m: row,
            v: row,
            step: z.number().int().min(0),
          })
          .parse(state);
        lambda = s.lambda;
        used = s.used;
        initial = s.initial ?? undefined;
        m.splice(0, T, ...s.m);
        v.splice(0, T, ...s.v);
        step = s.step;
      },
    };
  },
};
