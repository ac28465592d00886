import { Rng } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { dirichlet, simplexGrid, simplexGridSize, snapToGrid } from "./simplex.ts";

const binom = (n: number, k: number): number => (k === 0 ? 1 : (binom(n - 1, k - 1) * n) / k);
const sum = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);

describe("simplex grid", () => {
  for (const T of [2, 3, 4, 5])
    for (const r of [1, 2, 3, 4, 6])
      it(`T=${T}, r=${r}: C(r+T−1, T−1) distinct points, each Σλ = T, on the grid`, () => {
        const tasks = Array.from({ length: T }, (_, i) => `t${i}`);
        const grid = simplexGrid(tasks, r);
        expect(grid.length).toBe(binom(r + T - 1, T - 1));
        expect(simplexGridSize(T, r)).toBe(grid.length);
        expect(new Set(grid.map((w) => JSON.stringify(w))).size).toBe(grid.length);
        for (const w of grid) {
          expect(sum(w)).toBeCloseTo(T, 10);
          for (const v of Object.values(w)) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(Math.abs((v * r) / T - Math.round((v * r) / T))).toBeLessThan(1e-9);
          }
        }
      });

  it("includes equal weights when r is a multiple of T", () => {
    expect(simplexGrid(["a", "b", "c"], 3)).toContainEqual({ a: 1, b: 1, c: 1 });
  });

  it("snaps any point to a grid point", () => {
    const rng = new Rng(1);
    const tasks = ["a", "b", "c"];
    const grid = simplexGrid(tasks, 5).map((w) => JSON.stringify(w));
    for (let i = 0; i < 200; i++) {
      const w = dirichlet(tasks, 1, rng);
      expect(grid).toContain(JSON.stringify(snapToGrid(tasks, [w.a! / 3, w.b! / 3, w.c! / 3], 5)));
    }
  });
});

describe("Dirichlet samples", () => {
  it("lie on the simplex scaled to Σλ = T, with mean 1 per task", () => {
    const rng = new Rng(7);
    const tasks = ["a", "b", "c", "d"];
    const n = 4000;
    const mean = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const w = dirichlet(tasks, 1, rng);
      expect(sum(w)).toBeCloseTo(4, 9);
      tasks.forEach((t, j) => {
        expect(w[t]).toBeGreaterThanOrEqual(0);
        mean[j]! += w[t]! / n;
      });
    }
    for (const m of mean) expect(m).toBeCloseTo(1, 1);
  });

  it("concentrate near equal weights for large α", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 100; i++) {
      const w = dirichlet(["a", "b"], 500, rng);
      expect(Math.abs(w.a! - 1)).toBeLessThan(0.2);
    }
  });
});
