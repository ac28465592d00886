/** Builders of synthetic trials for the unit tests (not exported from the package). */
import { configKeyOf, type Experiment, ExperimentSpec, TrialConfig } from "@mtl/spec";
import type { CurvePoint, TrialRecord } from "./records.ts";

export const TASKS = [
  { name: "cls", kind: "classification", metric: "accuracy" },
  { name: "reg", kind: "regression", metric: "mse" },
] as const;

/** The sweep's experiment: the two tasks, objective "pareto" on the test split unless overridden. */
export function toyExperiment(overrides: Record<string, unknown> = {}): Experiment {
  return ExperimentSpec.parse({
    name: "toy",
    dataset: { name: "toy" },
    tasks: TASKS,
    sweep: { objective: { task: "pareto", split: "test" } },
    ...overrides,
  });
}

let nextId = 1;

/**
 * A completed trial; `values` maps task → test value (val = test + 0.01 unless given). A
 * baseline (`baseline: true`) is the single-task configuration of the same training parameters.
 */
export function trial(
  strategy: string,
  seed: number,
  values: Record<string, number>,
  extra: {
    weights?: Record<string, number>;
    baseline?: boolean;
    options?: Record<string, unknown>;
    architecture?: string;
    lr?: number;
    state?: string;
    val?: Record<string, number>;
    curves?: CurvePoint[];
    error?: string;
    prunedEpoch?: number;
  } = {},
): TrialRecord {
  const params: Record<string, unknown> = { strategy };
  if (extra.baseline) params.architecture = "single-task";
  else if (extra.architecture) params.architecture = extra.architecture;
  if (extra.weights) params.weights = extra.weights;
  if (extra.lr) params.learningRate = extra.lr;
  const config = TrialConfig.parse({
    experiment: "toy",
    dataset: { name: "toy" },
    tasks: TASKS,
    model: { architecture: extra.baseline ? "single-task" : (extra.architecture ?? "hard-sharing") },
    strategy: { name: strategy, options: extra.options ?? {} },
    training: { learningRate: extra.lr ?? 1e-3 },
    ...(extra.weights ? { weights: extra.weights } : {}),
    seed,
    params,
  });
  const final: NonNullable<TrialRecord["final"]> = {};
  for (const t of TASKS) {
    const v = values[t.name];
    if (v === undefined) continue;
    final[t.name] = { test: { [t.metric]: v }, val: { [t.metric]: extra.val?.[t.name] ?? v + 0.01 } };
  }
  const id = nextId++;
  const state = extra.state ?? "completed";
  return {
    id,
    sweepId: 1,
    number: id,
    state,
    configKey: configKeyOf(config),
    seed,
    config,
    params,
    ...(state === "completed" ? { final } : {}),
    ...(extra.curves ? { curves: extra.curves } : {}),
    ...(extra.error ? { error: extra.error } : {}),
    ...(extra.prunedEpoch ? { prunedEpoch: extra.prunedEpoch } : {}),
  };
}

/** Single-task baselines (one trial per seed, all tasks) of the default training parameters. */
export function baselines(perSeed: Record<string, number>[], lr?: number): TrialRecord[] {
  return perSeed.map((v, seed) => trial("equal", seed, v, { baseline: true, ...(lr ? { lr } : {}) }));
}
