/** Which rows are Pareto-optimal; dominance itself is the scheduler's, so both agree. */
import { dominates } from "@mtl/scheduler";
import type { Direction } from "@mtl/spec";

export { dominates };

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
