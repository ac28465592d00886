/** Builders of synthetic trials for the unit tests (not exported from the package). */
import { TrialConfig } from "@mtl/spec";
import type { CurvePoint, TrialRecord } from "./records.ts";

export const TASKS = [
  { name: "cls", kind: "classification", metric: "accuracy" },
  { name: "reg", kind: "regression", metric: "mse" },
] as const;

let nextId = 1;

/** A completed trial; `values` maps task → test value (val = test + 0.01 unless given). */
export function trial(
  strategy: string,
  seed: number,
  values: Record<string, number>,
  extra: {
    weights?: Record<string, number>;
    single?: string;
    lr?: number;
    state?: string;
    val?: Record<string, number>;
    curves?: CurvePoint[];
    tasks?: readonly { name: string; kind: string; metric: string }[];
  } = {},
): TrialRecord {
  const allTasks = extra.tasks ?? TASKS;
  const tasks = extra.single ? allTasks.filter((t) => t.name === extra.single) : allTasks;
  const config = TrialConfig.parse({
    experiment: "toy",
    dataset: { name: "toy" },
    tasks,
    model: { architecture: extra.single ? "single-task" : "hard-sharing" },
    strategy,
    training: { learningRate: extra.lr ?? 1e-3 },
    ...(extra.weights ? { weights: extra.weights } : {}),
    seed,
  });
  const final: TrialRecord["final"] = {};
  for (const t of tasks) {
    const v = values[t.name];
    if (v === undefined) continue;
    final[t.name] = { test: { [t.metric]: v }, val: { [t.metric]: extra.val?.[t.name] ?? v + 0.01 } };
  }
  const id = nextId++;
  return {
    id,
    sweepId: 1,
    state: extra.state ?? "completed",
    configKey: `${strategy}-${extra.single ?? ""}-${JSON.stringify(extra.weights ?? {})}-${extra.lr ?? ""}`,
    seed,
    config,
    params: {},
    final: extra.state && extra.state !== "completed" ? undefined : final,
    ...(extra.curves ? { curves: extra.curves } : {}),
  };
}

/** Per-task single-task baselines for each seed. */
export function baselines(perSeed: Record<string, number>[]): TrialRecord[] {
  return perSeed.flatMap((v, seed) =>
    Object.entries(v).map(([task, value]) => trial("equal", seed, { [task]: value }, { single: task })),
  );
}
