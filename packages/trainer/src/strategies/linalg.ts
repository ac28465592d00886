/** Small dense linear algebra on T×T Gram matrices (T = number of tasks, so a few at most). */

export type Matrix = number[][];

export const at = (m: Matrix, i: number, j: number): number => (m[i] as number[])[j] as number;

export function matVec(m: Matrix, v: number[]): number[] {
  return m.map((row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
}

export function dot(a: number[], b: number[]): number {
  return a.reduce((s, x, i) => s + x * (b[i] as number), 0);
}

/** ‖Σ α_i g_i‖² = αᵀMα. */
export function quad(m: Matrix, a: number[]): number {
  return dot(a, matVec(m, a));
}

/** Solves A x = b by Gaussian elimination with partial pivoting; null if singular. */
export function solve(A: Matrix, b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(at(M, r, c)) > Math.abs(at(M, p, c))) p = r;
    if (Math.abs(at(M, p, c)) < 1e-12) return null;
    [M[c], M[p]] = [M[p] as number[], M[c] as number[]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = at(M, r, c) / at(M, c, c);
      for (let k = c; k <= n; k++) (M[r] as number[])[k] = at(M, r, k) - f * at(M, c, k);
    }
  }
  return M.map((row, i) => (row[n] as number) / at(M, i, i));
}

/**
 * argmin over γ ∈ [0, 1] of ‖γ·a + (1−γ)·b‖², from aa = a·a, ab = a·b, bb = b·b
 * (Sener & Koltun 2018, Algorithm 1): γ = clip((b − a)·b / ‖a − b‖², 0, 1).
 */
export function lineSearch(aa: number, ab: number, bb: number): number {
  const denom = aa + bb - 2 * ab;
  if (denom <= 1e-20) return 0.5;
  return Math.min(1, Math.max(0, (bb - ab) / denom));
}

/**
 * The min-norm point of the convex hull of the g_i: α on the simplex minimising αᵀMα.
 * Two tasks in closed form; more by Frank-Wolfe with exact line search, started from the best
 * pair (LibMTL's MinNormSolver: 250 iterations, tolerance 1e-5).
 */
export function minNormSimplex(M: Matrix, maxIter = 250, tol = 1e-5): number[] {
  const T = M.length;
  if (T === 1) return [1];
  let best = { cost: Infinity, i: 0, j: 1, g: 0.5 };
  for (let i = 0; i < T; i++)
    for (let j = i + 1; j < T; j++) {
      const g = lineSearch(at(M, i, i), at(M, i, j), at(M, j, j));
      const cost = g * g * at(M, i, i) + 2 * g * (1 - g) * at(M, i, j) + (1 - g) ** 2 * at(M, j, j);
      if (cost < best.cost) best = { cost, i, j, g };
    }
  let a = new Array<number>(T).fill(0);
  a[best.i] = best.g;
  a[best.j] = 1 - best.g;
  if (T === 2) return a;
  for (let it = 0; it < maxIter; it++) {
    const Ma = matVec(M, a);
    let t = 0;
    for (let k = 1; k < T; k++) if ((Ma[k] as number) < (Ma[t] as number)) t = k;
    const g = lineSearch(quad(M, a), Ma[t] as number, at(M, t, t));
    const next = a.map((x, k) => g * x + (k === t ? 1 - g : 0));
    const change = next.reduce((s, x, k) => s + Math.abs(x - (a[k] as number)), 0);
    a = next;
    if (change < tol) break;
  }
  return a;
}
