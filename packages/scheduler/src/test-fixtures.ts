/** Helpers for this package's tests (not exported from index.ts). */
import { type Experiment, ExperimentSpec, type ParamValue } from "@mtl/spec";
import type { PlannedTrial, Sampler, TrialHistory } from "./types.ts";

/**
 * A parsed experiment with two accuracy tasks. Loosely typed input because the spec's helpers
 * (`choice`, `simplex`) return readonly arrays that `ExperimentInput` does not accept.
 */
export function experiment(overrides: Record<string, unknown> = {}): Experiment {
  return ExperimentSpec.parse({
    name: "t",
    dataset: { name: "classification" },
    tasks: [
      { name: "a", kind: "classification", metric: "accuracy" },
      { name: "b", kind: "classification", metric: "accuracy" },
    ],
    ...overrides,
  });
}

export function toHistory(
  t: PlannedTrial,
  state: TrialHistory["state"] = "queued",
  values?: number[],
): TrialHistory {
  return {
    configKey: t.configKey,
    params: t.params,
    seed: t.config.seed,
    state,
    ...(values ? { values } : {}),
  };
}

/** Runs a sweep one trial at a time, completing each with `f(params)`, until the sampler stops. */
export function runSequential(
  sampler: Sampler,
  f: (params: Record<string, ParamValue>, seed: number) => number[],
  limit = 10_000,
): TrialHistory[] {
  const history: TrialHistory[] = [];
  while (history.length < limit) {
    const [t] = sampler.next(1, history);
    if (!t) break;
    history.push(toHistory(t, "completed", f(t.params, t.config.seed)));
  }
  return history;
}
