import { Rng } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { cagradAlpha } from "./cagrad.ts";
import { dwaWeights } from "./dwa.ts";
import { imtlAlpha } from "./imtl.ts";
import { dot, minNormSimplex } from "./linalg.ts";
import { mgdaAlpha } from "./mgda.ts";
import { nashAlpha } from "./nash-mtl.ts";
import { pcgradCoefficients } from "./pcgrad.ts";

const gramOf = (g: number[][]) => g.map((a) => g.map((b) => dot(a, b)));
const combine = (g: number[][], alpha: number[]) =>
  (g[0] as number[]).map((_, k) => g.reduce((s, gi, i) => s + (alpha[i] as number) * (gi[k] as number), 0));
const randomGrads = (rng: Rng, T: number, d: number) =>
  Array.from({ length: T }, () => Array.from({ length: d }, () => rng.normal()));

describe("pcgrad", () => {
  it("leaves no pair of projected gradients in conflict (two tasks)", () => {
    const rng = new Rng(1);
    let conflicts = 0;
    for (let trial = 0; trial < 200; trial++) {
      const g = randomGrads(rng, 2, 5);
      if (dot(g[0] as number[], g[1] as number[]) < 0) conflicts++;
      const C = pcgradCoefficients(gramOf(g), rng);
      const p = C.map((row) => combine(g, row));
      expect(dot(p[0] as number[], p[1] as number[])).toBeGreaterThanOrEqual(-1e-9);
      // Each projected gradient is orthogonal to or agrees with the other task's original.
      expect(dot(p[0] as number[], g[1] as number[])).toBeGreaterThanOrEqual(-1e-9);
      expect(dot(p[1] as number[], g[0] as number[])).toBeGreaterThanOrEqual(-1e-9);
    }
    expect(conflicts).toBeGreaterThan(50); // the property was exercised
  });

  it("leaves agreeing gradients untouched", () => {
    const g = [
      [1, 0.5],
      [0.2, 1],
    ];
    expect(pcgradCoefficients(gramOf(g), new Rng(0))).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});

describe("mgda", () => {
  it("two tasks: the min-norm point of the segment, checked against a fine grid", () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 50; trial++) {
      const g = randomGrads(rng, 2, 4);
      const a = mgdaAlpha(gramOf(g), [1, 1], "none");
      expect((a[0] as number) + (a[1] as number)).toBeCloseTo(1, 10);
      const norm = (t: number) => Math.hypot(...combine(g, [t, 1 - t]));
      let best = Infinity;
      for (let t = 0; t <= 1; t += 1e-4) best = Math.min(best, norm(t));
      expect(norm(a[0] as number)).toBeLessThanOrEqual(best + 1e-6);
    }
  });

  it("more tasks: Frank-Wolfe reaches the min-norm point (optimality: Mα ≥ αᵀMα on every vertex)", () => {
    const rng = new Rng(3);
    const g = randomGrads(rng, 4, 6);
    const M = gramOf(g);
    const a = minNormSimplex(M, 5000, 1e-12);
    const d = combine(g, a);
    const dd = dot(d, d);
    for (const gi of g) expect(dot(gi, d)).toBeGreaterThanOrEqual(dd - 1e-3 * Math.max(dd, 1));
  });

  it("returns the zero vector's weights when a convex combination cancels", () => {
    const a = mgdaAlpha(
      gramOf([
        [1, 0],
        [-1, 0],
      ]),
      [1, 1],
      "none",
    );
    expect(a[0]).toBeCloseTo(0.5);
  });
});

describe("cagrad", () => {
  it("maximises the worst task's improvement within the ball ‖d − g₀‖ ≤ c‖g₀‖", () => {
    const rng = new Rng(4);
    const c = 0.5;
    for (let trial = 0; trial < 10; trial++) {
      const g = randomGrads(rng, 2, 3);
      const alpha = cagradAlpha(gramOf(g), c);
      const d = combine(g, alpha);
      const g0 = combine(g, [0.5, 0.5]);
      const r = c * Math.hypot(...g0);
      expect(Math.hypot(...d.map((x, i) => x - (g0[i] as number)))).toBeLessThanOrEqual(r * (1 + 1e-6));
      const worst = (v: number[]) => Math.min(...g.map((gi) => dot(gi, v)));
      // Brute force over the ball's surface (the optimum of a linear min lies on it).
      let best = -Infinity;
      for (let k = 0; k < 20000; k++) {
        const u = [rng.normal(), rng.normal(), rng.normal()];
        const n = Math.hypot(...u);
        best = Math.max(best, worst(g0.map((x, i) => x + (r * (u[i] as number)) / n)));
      }
      expect(worst(d)).toBeGreaterThanOrEqual(best - 1e-2 * Math.abs(best) - 1e-6);
    }
  });

  it("c = 0 gives the mean gradient", () => {
    expect(
      cagradAlpha(
        gramOf([
          [1, 2],
          [3, -1],
        ]),
        0,
      ),
    ).toEqual([0.5, 0.5]);
  });
});

describe("imtl", () => {
  it("projects the update equally on every task's direction, with Σα = 1", () => {
    const rng = new Rng(5);
    const g = randomGrads(rng, 3, 6).map((v, i) => v.map((x) => x * (i + 1) ** 2));
    const alpha = imtlAlpha(gramOf(g));
    expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 8);
    const d = combine(g, alpha);
    const proj = g.map((gi) => dot(gi, d) / Math.hypot(...gi));
    for (const p of proj) expect(p).toBeCloseTo(proj[0] as number, 6);
  });
});

describe("nash-mtl", () => {
  it("solves GᵀGα = 1/α with α > 0, so every task gains d·g_i = 1/α_i", () => {
    const rng = new Rng(6);
    const g = randomGrads(rng, 3, 8);
    const M = gramOf(g);
    const alpha = nashAlpha(M);
    const d = combine(g, alpha);
    alpha.forEach((a, i) => {
      expect(a).toBeGreaterThan(0);
      expect(dot(g[i] as number[], d) * a).toBeCloseTo(1, 4);
    });
  });

  it("is scale-equivariant: scaling the gradients by s scales α by 1/s", () => {
    const g = [
      [3, 1],
      [-1, 2],
    ];
    const a = nashAlpha(gramOf(g));
    const b = nashAlpha(gramOf(g.map((v) => v.map((x) => 10 * x))));
    a.forEach((x, i) => {
      expect(b[i]).toBeCloseTo(x / 10, 6);
    });
  });
});

describe("dwa", () => {
  it("weights 1 until two epochs exist, then favours the task whose loss fell least", () => {
    expect(dwaWeights([[1, 1]], 2)).toBeNull();
    const w = dwaWeights(
      [
        [1, 1],
        [0.5, 0.95],
      ],
      2,
    ) as number[];
    expect((w[0] as number) + (w[1] as number)).toBeCloseTo(2, 10);
    expect(w[1]).toBeGreaterThan(w[0] as number);
    // λ_i = T·exp(w_i/τ)/Σ exp(w_j/τ)
    const e0 = Math.exp(0.5 / 2);
    const e1 = Math.exp(0.95 / 2);
    expect(w[0]).toBeCloseTo((2 * e0) / (e0 + e1), 10);
  });
});
