/** Pareto dominance over several objectives, each with its own direction. */
import type { Direction } from "@mtl/spec";

/** True when `a` is at least as good as `b` everywhere and strictly better somewhere. */
export function dominates(
  a: readonly number[],
  b: readonly number[],
  directions: readonly Direction[],
): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const better = directions[i] === "max" ? x > y : x < y;
    const worse = directions[i] === "max" ? x < y : x > y;
    if (worse) return false;
    if (better) strictly = true;
  }
  return strictly;
}

/**
 * Which points are non-dominated. A point with a missing (NaN) objective is never on the front:
 * it cannot be compared, and listing it as optimal would overstate it.
 */
export function paretoFront(
  points: readonly (readonly number[])[],
  directions: readonly Direction[],
): boolean[] {
  const valid = points.map((p) => p.length >= directions.length && p.every((v) => Number.isFinite(v)));
  return points.map(
    (p, i) => valid[i]! && !points.some((q, j) => j !== i && valid[j]! && dominates(q, p, directions)),
  );
}
