/**
 * `correlated-regression`: the synthetic data of MMoE (Ma et al. 2018, §3.2), whose task
 * correlation is set exactly. Orthonormal u₁…u_T in ℝ^d; w₁ = c·u₁,
 * w_t = c·(p·u₁ + √(1−p²)·u_t) so cos(w₁, w_t) = p; x ~ N(0, I);
 * y_t = w_tᵀx + Σ_{j=1..m} sin(α_j·w_tᵀx + β_j) + ε_t, ε_t ~ N(0, noise).
 * The paper leaves c, m, α_j, β_j open: here c = 1, m = 10 and α_j, β_j ~ N(0, 1), shared by the
 * tasks and drawn from the dataset seed. Tasks are "task1", "task2", …
 */

import { rngStream } from "@mtl/spec";
import { z } from "zod";
import type { DatasetModule, Target } from "./types.ts";

const Options = z
  .object({
    n_samples: z.number().int().min(10).default(5000).describe("number of samples"),
    dim: z.number().int().min(2).default(100).describe("input dimension d (the paper's §5 uses 100)"),
    correlation: z.number().min(-1).max(1).default(0.5).describe("p = cos(w₁, w_t), the task correlation"),
    n_tasks: z.number().int().min(2).default(2).describe('number of tasks, named "task1", "task2", …'),
    scale: z.number().positive().default(1).describe("c, the norm of each w_t"),
    n_sin: z.number().int().min(0).default(10).describe("m, the number of sine terms"),
    noise: z.number().min(0).default(0.01).describe("variance of the Gaussian noise ε"),
  })
  .strict()
  .refine((o) => o.n_tasks <= o.dim, { message: "expected n_tasks ≤ dim", path: ["n_tasks"] });

export const correlatedRegression: DatasetModule<typeof Options> = {
  name: "correlated-regression",
  description: "Synthetic regression tasks with a set correlation p (MMoE §3.2).",
  kind: "multitask",
  options: Options,
  describe: (o) => ({
    kind: "multitask",
    outputs: Array.from({ length: o.n_tasks }, (_, t) => ({
      name: `task${t + 1}`,
      kind: "regression" as const,
    })),
    samples: o.n_samples,
    inputShape: [o.dim],
  }),
  load(o, ctx) {
    const rng = rngStream("correlated-regression", ctx.seed);
    const d = o.dim;
    const T = o.n_tasks;
    // Gram–Schmidt on Gaussian vectors gives orthonormal u's.
    const u: Float64Array[] = [];
    while (u.length < T) {
      const v = Float64Array.from({ length: d }, () => rng.normal());
      for (const b of u) {
        const dot = v.reduce((s, vi, i) => s + vi * (b[i] as number), 0);
        for (let i = 0; i < d; i++) v[i] = (v[i] as number) - dot * (b[i] as number);
      }
      const norm = Math.hypot(...v);
      if (norm < 1e-6) continue;
      u.push(v.map((vi) => vi / norm));
    }
    const p = o.correlation;
    const q = Math.sqrt(1 - p * p);
    const u1 = u[0] as Float64Array;
    const w = u.map((ut, t) =>
      ut.map(
        (_, i) => o.scale * (t === 0 ? (u1[i] as number) : p * (u1[i] as number) + q * (ut[i] as number)),
      ),
    );
    const alpha = Array.from({ length: o.n_sin }, () => rng.normal());
    const beta = Array.from({ length: o.n_sin }, () => rng.normal());
    const n = o.n_samples;
    const x = new Float32Array(n * d);
    const ys = Array.from({ length: T }, () => new Float32Array(n));
    const sd = Math.sqrt(o.noise);
    const row = new Float64Array(d);
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < d; i++) {
        row[i] = rng.normal();
        x[s * d + i] = row[i] as number;
      }
      w.forEach((wt, t) => {
        let z = 0;
        for (let i = 0; i < d; i++) z += (wt[i] as number) * (row[i] as number);
        let y = z;
        for (let j = 0; j < o.n_sin; j++) y += Math.sin((alpha[j] as number) * z + (beta[j] as number));
        (ys[t] as Float32Array)[s] = y + sd * rng.normal();
      });
    }
    const targets: Record<string, Target> = {};
    ys.forEach((values, t) => {
      targets[`task${t + 1}`] = { kind: "regression", values };
    });
    return { n, inputShape: [d], x, targets };
  },
};
