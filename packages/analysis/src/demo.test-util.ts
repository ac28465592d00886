/**
 * A synthetic sweep with a known structure, for the report tests and for looking at the plots:
 * weight on a task helps that task, pcgrad helps both, curves approach the final values.
 */
import { configKeyOf, type Experiment, ExperimentSpec, Rng, TrialConfig } from "@mtl/spec";
import type { CurvePoint, TrialRecord } from "./records.ts";

type TaskDef = { name: string; kind: "classification" | "regression"; metric: "accuracy" | "mse" };

const TASK_DEFS: TaskDef[] = [
  { name: "cls", kind: "classification", metric: "accuracy" },
  { name: "reg", kind: "regression", metric: "mse" },
  { name: "aux", kind: "classification", metric: "accuracy" },
];

/** The demo sweep's experiment: its tasks, one objective per task on the test split. */
export function demoExperiment(nTasks: 2 | 3): Experiment {
  return ExperimentSpec.parse({
    name: "demo",
    dataset: { name: "demo" },
    tasks: TASK_DEFS.slice(0, nTasks),
    sweep: { objective: { task: "pareto", split: "test" } },
  });
}

/** A demo sweep over `nTasks` (2 or 3) tasks: equal, pcgrad, fixed over a weight grid, baselines. */
export function demoSweep(
  nTasks: 2 | 3,
  options: { baselines?: boolean; seeds?: number; epochs?: number } = {},
): TrialRecord[] {
  const tasks = TASK_DEFS.slice(0, nTasks);
  const seeds = options.seeds ?? 3;
  const epochs = options.epochs ?? 8;
  const rng = new Rng(42);
  const rand = () => rng.float();
  const out: TrialRecord[] = [];
  let id = 1;
  const add = (
    strategy: string,
    arch: string,
    ts: TaskDef[],
    seed: number,
    weights: number[] | null,
    quality: number[],
  ) => {
    const config = TrialConfig.parse({
      experiment: "demo",
      dataset: { name: "demo" },
      tasks: ts,
      model: { architecture: arch },
      strategy,
      training: { epochs },
      ...(weights ? { weights: Object.fromEntries(ts.map((t, i) => [t.name, weights[i]!])) } : {}),
      seed,
    });
    const final: TrialRecord["final"] = {};
    const curves: CurvePoint[] = [];
    ts.forEach((t, i) => {
      const q = quality[i]! + (rand() - 0.5) * 0.04;
      // accuracy rises towards 0.6 + 0.3q; mse falls towards 0.5 − 0.3q
      const at = (e: number) => {
        const f = 1 - Math.exp(-e / 2.5);
        return t.metric === "accuracy" ? 0.5 + (0.1 + 0.3 * q) * f : 1 - (0.5 + 0.3 * q) * f;
      };
      for (let e = 1; e <= epochs; e++)
        curves.push({ epoch: e, task: t.name, split: "val", name: t.metric, value: at(e) });
      final[t.name] = {
        val: { [t.metric]: at(epochs) },
        test: { [t.metric]: at(epochs) + (rand() - 0.5) * 0.01 },
      };
    });
    out.push({
      id: id++,
      sweepId: 1,
      state: "completed",
      configKey: configKeyOf(config),
      seed,
      config,
      params: { strategy },
      final,
      curves,
    });
  };
  for (let seed = 0; seed < seeds; seed++) {
    add(
      "equal",
      "hard-sharing",
      tasks,
      seed,
      null,
      tasks.map(() => 0.5),
    );
    add(
      "pcgrad",
      "hard-sharing",
      tasks,
      seed,
      null,
      tasks.map(() => 0.62),
    );
    for (const w of weightGrid(nTasks)) {
      // More weight on a task helps it, with diminishing returns.
      add(
        "fixed",
        "hard-sharing",
        tasks,
        seed,
        w,
        w.map((x) => 0.25 + 0.3 * Math.sqrt(x / nTasks)),
      );
    }
    if (options.baselines ?? true)
      add(
        "equal",
        "single-task",
        tasks,
        seed,
        null,
        tasks.map(() => 0.55),
      );
  }
  return out;
}

/** λ on a regular simplex grid (resolution 4), scaled so that Σλ = number of tasks. */
function weightGrid(n: 2 | 3): number[][] {
  const r = 4;
  const out: number[][] = [];
  if (n === 2) for (let i = 0; i <= r; i++) out.push([(2 * i) / r, (2 * (r - i)) / r]);
  else
    for (let i = 0; i <= r; i++)
      for (let j = 0; i + j <= r; j++) out.push([(3 * i) / r, (3 * j) / r, (3 * (r - i - j)) / r]);
  return out;
}
