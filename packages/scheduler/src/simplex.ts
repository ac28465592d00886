/**
 * Task weights on the simplex, scaled so that Σλ = T (the number of tasks in the simplex): equal
 * weights are then λ = 1 each, the same as the "equal" strategy, so weights stay comparable.
 */
import type { Rng } from "@mtl/spec";

/** Number of points of the regular grid of resolution r on the (T−1)-simplex: C(r+T−1, T−1). */
export function simplexGridSize(tasks: number, resolution: number): number {
  let c = 1;
  for (let i = 1; i < tasks; i++) c = (c * (resolution + i)) / i;
  return Math.round(c);
}

/**
 * Every point λ = T·k/r with k ∈ ℕ^T, Σk = r, in lexicographic order of k (descending on the
 * first task, so the first point puts all weight on it). Corners (a task with weight 0) included.
 */
export function simplexGrid(tasks: readonly string[], resolution: number): Record<string, number>[] {
  const id = `${resolution}\u0000${tasks.join("\u0000")}`;
  let grid = gridCache.get(id);
  if (!grid) {
    grid = buildGrid(tasks, resolution);
    gridCache.set(id, grid);
  }
  return grid;
}

// Memo only: samplers draw from the same grids again and again.
const gridCache = new Map<string, Record<string, number>[]>();

function buildGrid(tasks: readonly string[], resolution: number): Record<string, number>[] {
  const T = tasks.length;
  const out: Record<string, number>[] = [];
  const k: number[] = new Array(T).fill(0);
  const fill = (i: number, left: number): void => {
    if (i === T - 1) {
      k[i] = left;
      out.push(toWeights(tasks, k, resolution));
      return;
    }
    for (let v = left; v >= 0; v--) {
      k[i] = v;
      fill(i + 1, left - v);
    }
  };
  fill(0, resolution);
  return out;
}

function toWeights(
  tasks: readonly string[],
  k: readonly number[],
  resolution: number,
): Record<string, number> {
  const T = tasks.length;
  const w: Record<string, number> = {};
  tasks.forEach((t, i) => {
    w[t] = round12((T * k[i]!) / resolution);
  });
  return w;
}

/** Rounds away float noise (3·1/3 → 1), so equal points hash and print equally. */
export function round12(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

/** One Dirichlet(α,…,α) sample, scaled to Σλ = T. */
export function dirichlet(tasks: readonly string[], concentration: number, rng: Rng): Record<string, number> {
  const g = tasks.map(() => rng.gamma(concentration));
  const sum = g.reduce((a, b) => a + b, 0);
  return fromUnit(
    tasks,
    g.map((x) => (sum > 0 ? x / sum : 1 / tasks.length)),
  );
}

/** Unit-simplex coordinates p (Σp = 1) of weights λ. */
export function toUnit(tasks: readonly string[], w: Record<string, number>): number[] {
  const raw = tasks.map((t) => Math.max(0, w[t] ?? 0));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => (sum > 0 ? x / sum : 1 / tasks.length));
}

/** Weights λ = T·p for unit-simplex coordinates p. */
export function fromUnit(tasks: readonly string[], p: readonly number[]): Record<string, number> {
  const w: Record<string, number> = {};
  tasks.forEach((t, i) => {
    w[t] = round12(tasks.length * p[i]!);
  });
  return w;
}

/**
 * The grid point of resolution r nearest to p: largest-remainder rounding of p·r, which keeps
 * Σk = r exactly.
 */
export function snapToGrid(
  tasks: readonly string[],
  p: readonly number[],
  resolution: number,
): Record<string, number> {
  const scaled = p.map((x) => x * resolution);
  const k = scaled.map(Math.floor);
  let left = resolution - k.reduce((a, b) => a + b, 0);
  const order = scaled
    .map((x, i) => ({ i, rem: x - Math.floor(x) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    k[i] = k[i]! + 1;
    left--;
  }
  return toWeights(tasks, k, resolution);
}
