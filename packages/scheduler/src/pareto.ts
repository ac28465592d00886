/** Pareto dominance over several objectives, each with its own direction. */
import type { Direction } from "@mtl/spec";

/** Whether a is at least as good as b everywhere and better somewhere. */
export function dominates(
  a: readonly number[],
  b: readonly number[],
  directions: readonly Direction[],
): boolean {
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const d = directions[i] === "max" ? a[i]! - b[i]! : b[i]! - a[i]!;
    if (d < 0) return false;
    if (d > 0) better = true;
  }
  return better;
}

/**
 * The items no other item dominates, in their input order. An item with a missing (NaN or
 * infinite) value is never on the front: it cannot be compared, and calling it optimal would
 * overstate it. The one Pareto front of MTL Lab (sampler, leaderboard, comparison, plots).
 */
export function paretoFront<T>(
  items: readonly T[],
  values: (t: T) => readonly number[],
  directions: readonly Direction[],
): T[] {
  const ranks = paretoRanks(items, values, directions);
  return items.filter((_, i) => ranks[i] === 0);
}

/**
 * For each item, whether it is on the front (see `paretoFront`). Items are taken best-first in
 * lexicographic order, where a dominating item always comes before the items it dominates, so
 * each is checked against the front found so far only: O(n·log n + n·f·k) for a front of f.
 */
export function onParetoFront<T>(
  items: readonly T[],
  values: (t: T) => readonly number[],
  directions: readonly Direction[],
): boolean[] {
  const v = items.map(values);
  const valid = v.map((p) => p.length >= directions.length && p.every((x) => Number.isFinite(x)));
  const better = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < directions.length; i++) {
      const d = directions[i] === "max" ? b[i]! - a[i]! : a[i]! - b[i]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  const order = v.map((_, i) => i).filter((i) => valid[i]);
  order.sort((a, b) => better(v[a]!, v[b]!));
  const front: number[] = [];
  const on = new Array<boolean>(v.length).fill(false);
  for (const i of order)
    if (!front.some((j) => dominates(v[j]!, v[i]!, directions))) {
      front.push(i);
      on[i] = true;
    }
  return on;
}

/**
 * Non-dominated sorting: rank 0 is the front, rank 1 the front once rank 0 is removed, and so on.
 * Items with a missing value rank after all others. One objective is a sort (equal values share a
 * rank); several take O(n²·k), fine for the thousands of configurations of a sweep.
 */
export function paretoRanks<T>(
  items: readonly T[],
  values: (t: T) => readonly number[],
  directions: readonly Direction[],
): number[] {
  const all = items.map(values);
  const valid = all.map((p) => p.length >= directions.length && p.every((x) => Number.isFinite(x)));
  if (directions.length === 1) return sortRanks(all, valid, directions[0]!);
  const v = all;
  const n = v.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = v.map(() => []);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j && valid[i] && valid[j] && dominates(v[i]!, v[j]!, directions)) {
        dominating[i]!.push(j);
        dominatedBy[j]! += 1;
      }
  const rank = new Array<number>(n).fill(-1);
  let current = v.map((_, i) => i).filter((i) => valid[i] && dominatedBy[i] === 0);
  for (let r = 0; current.length > 0; r++) {
    const next: number[] = [];
    for (const i of current) {
      rank[i] = r;
      for (const j of dominating[i]!) {
        dominatedBy[j]! -= 1;
        if (dominatedBy[j] === 0) next.push(j);
      }
    }
    current = next;
  }
  const last = Math.max(-1, ...rank) + 1;
  return rank.map((r, i) => (valid[i] ? r : last));
}

/** Ranks of one objective: distinct values best first, equal values sharing a rank, invalid last. */
function sortRanks(
  v: readonly (readonly number[])[],
  valid: readonly boolean[],
  direction: Direction,
): number[] {
  const sign = direction === "max" ? -1 : 1;
  const order = v.map((_, i) => i).filter((i) => valid[i]);
  order.sort((a, b) => sign * (v[a]![0]! - v[b]![0]!));
  const rank = new Array<number>(v.length).fill(-1);
  let r = -1;
  order.forEach((i, k) => {
    if (k === 0 || v[i]![0] !== v[order[k - 1]!]![0]) r += 1;
    rank[i] = r;
  });
  return rank.map((x, i) => (valid[i] ? x : r + 1));
}

/**
 * Crowding distance (Deb et al. 2002) within one set of points: larger means more isolated.
 * Boundary points get Infinity, so they are kept first.
 */
export function crowding(values: readonly (readonly number[])[]): number[] {
  const n = values.length;
  const out = new Array<number>(n).fill(0);
  if (n === 0) return out;
  const k = values[0]!.length;
  for (let m = 0; m < k; m++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]![m]! - values[b]![m]!);
    const lo = values[order[0]!]![m]!;
    const hi = values[order[n - 1]!]![m]!;
    out[order[0]!] = Number.POSITIVE_INFINITY;
    out[order[n - 1]!] = Number.POSITIVE_INFINITY;
    if (hi === lo) continue;
    for (let r = 1; r < n - 1; r++)
      out[order[r]!]! += (values[order[r + 1]!]![m]! - values[order[r - 1]!]![m]!) / (hi - lo);
  }
  return out;
}
