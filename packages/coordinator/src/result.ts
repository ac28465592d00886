import type { Objective } from "@mtl/scheduler";
import type { FinalMetrics } from "@mtl/spec";

/**
 * A result's objective, or why it has none that counts. A non-finite objective (a NaN accuracy,
 * an overflowing mse in the objective's split) fails the trial: a sampler or a Pareto front cannot
 * rank it. Other non-finite metrics are data and are kept as they are.
 */
export function objectiveVerdict(
  objective: Objective,
  split: string,
  final: FinalMetrics,
): { objective?: number[]; objectiveError?: string } {
  const values = objective.extract(final);
  if (values) return { objective: values };
  // `extract` says undefined both for a missing value and for a non-finite one: with every
  // non-finite value made finite, an objective that appears was a non-finite one.
  const bad: string[] = [];
  const finite: FinalMetrics = {};
  for (const [task, splits] of Object.entries(final)) {
    const t: FinalMetrics[string] = {};
    for (const [s, metrics] of Object.entries(splits)) {
      const m: Record<string, number> = {};
      for (const [name, v] of Object.entries(metrics)) {
        if (!Number.isFinite(v) && s === split) bad.push(`${task}.${s}.${name} = ${v}`);
        m[name] = Number.isFinite(v) ? v : 0;
      }
      t[s] = m;
    }
    finite[task] = t;
  }
  if (objective.extract(finite) === undefined) return {}; // missing, not non-finite: no objective
  return { objectiveError: `objective ${objective.names.join(", ")} is not finite (${bad.join(", ")})` };
}
