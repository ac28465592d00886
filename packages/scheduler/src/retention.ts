/**
 * Which trials' kept models a retention policy (`checkpoint.keep`) keeps once a sweep has ended,
 * from each completed trial's objective values (the store's `objective`, made by `objectiveOf`).
 */
import type { KeepPolicy } from "@mtl/spec";
import type { Objective } from "./objective.ts";
import { onParetoFront } from "./pareto.ts";

/** A completed trial as retention sees it: its id and objective values (none: it never counts as best). */
export interface RetentionCandidate {
  id: number;
  objective: readonly number[] | null | undefined;
}

/**
 * The ids of the trials whose kept models stay under `policy`: "all" every candidate; "pareto"
 * those on the objective's Pareto front (the one front, `onParetoFront`); `{ top: k }` the k best
 * by the objective's scalar (`Objective.scalar`, ties broken by the lower id); "none" none. A
 * trial without finite objective values stays only under "all".
 */
export function retainedTrials(
  candidates: readonly RetentionCandidate[],
  policy: KeepPolicy,
  objective: Pick<Objective, "directions" | "scalar" | "scalarDirection">,
): Set<number> {
  if (policy === "all") return new Set(candidates.map((c) => c.id));
  if (policy === "none") return new Set();
  const valid = candidates.filter(
    (c): c is { id: number; objective: readonly number[] } =>
      !!c.objective &&
      c.objective.length === objective.directions.length &&
      c.objective.every(Number.isFinite),
  );
  if (policy === "pareto") {
    const on = onParetoFront(valid, (c) => c.objective, objective.directions);
    return new Set(valid.filter((_, i) => on[i]).map((c) => c.id));
  }
  const sign = objective.scalarDirection === "max" ? -1 : 1;
  const ranked = valid
    .map((c) => ({ id: c.id, s: objective.scalar(c.objective) }))
    .sort((a, b) => sign * (a.s - b.s) || a.id - b.id);
  return new Set(ranked.slice(0, policy.top).map((c) => c.id));
}
