/**
 * What a sweep optimises, from `experiment.sweep.objective`:
 * - `task: "mean"`: the mean over tasks of one metric (default: the tasks' common metric; an
 *   error when the tasks' metrics differ and none is given);
 * - `task: "<name>"`: that task's metric (default: its own);
 * - `task: "pareto"`: one objective per task, each task's own metric and direction (or
 *   `objective.metric` for all tasks when given): the sweep keeps the Pareto front.
 * Values are raw metric values (accuracy 0.93, mse 0.12), never sign-flipped; `directions` says
 * which way is better.
 */
import {
  type Direction,
  defaultDirection,
  type Experiment,
  type FinalMetrics,
  type Metric,
  type MetricPoint,
  type TaskSpec,
} from "@mtl/spec";
import { ObjectiveError } from "./errors.ts";

export interface Objective {
  /** One name per objective, e.g. `["mean.accuracy"]` or `["task1.accuracy", "task2.mse"]`. */
  names: string[];
  directions: Direction[];
  /** The objective values of a finished trial; undefined when a value is missing or not finite. */
  extract(final: FinalMetrics): number[] | undefined;
  /** The objective values of one epoch's metric points; undefined when one is missing. */
  extractEpoch(points: readonly MetricPoint[]): number[] | undefined;
  /**
   * One number per trial for pruners, larger or smaller as `scalarDirection` says: the value
   * itself for one objective; for "pareto", the mean of the values with "min" ones negated.
   */
  scalar(values: readonly number[]): number;
  scalarDirection: Direction;
}

const CLASSIFICATION: readonly Metric[] = ["accuracy", "f1"];
const REGRESSION: readonly Metric[] = ["mse", "mae"];

function checkMetric(task: TaskSpec, metric: Metric): void {
  const ok = task.kind === "classification" ? CLASSIFICATION : REGRESSION;
  if (!ok.includes(metric))
    throw new ObjectiveError(
      `sweep.objective.metric: ${metric} is not reported for ${task.kind} task "${task.name}" (expected ${ok.join(" or ")})`,
    );
}

/** Reads the sweep's objective; throws ObjectiveError when it is ambiguous or unreported. */
/** What the objective is read from: an experiment, or a trial's tasks and its sweep's objective. */
export type ObjectiveSource = Pick<Experiment, "tasks"> & { sweep: Pick<Experiment["sweep"], "objective"> };

export function objectiveOf(experiment: ObjectiveSource): Objective {
  const spec = experiment.sweep.objective;
  const split = spec.split;
  const tasks = experiment.tasks;
  let parts: { task: string; metric: Metric; direction: Direction }[];
  let mean = false;

  if (spec.task === "mean") {
    const metrics = [...new Set(tasks.map((t) => t.metric))];
    const metric = spec.metric ?? (metrics.length === 1 ? metrics[0] : undefined);
    if (metric === undefined)
      throw new ObjectiveError(
        `sweep.objective: the tasks' metrics differ (${tasks.map((t) => `${t.name}: ${t.metric}`).join(", ")}), ` +
          `so "mean" needs objective.metric, or use task: "pareto" or one task's name`,
      );
    for (const t of tasks) checkMetric(t, metric);
    const direction = spec.direction ?? defaultDirection(metric);
    parts = tasks.map((t) => ({ task: t.name, metric, direction }));
    mean = true;
  } else if (spec.task === "pareto") {
    parts = tasks.map((t) => {
      if (spec.metric) checkMetric(t, spec.metric);
      const metric = spec.metric ?? t.metric;
      return {
        task: t.name,
        metric,
        direction: metric === t.metric ? t.direction : defaultDirection(metric),
      };
    });
  } else {
    const t = tasks.find((x) => x.name === spec.task);
    if (!t)
      throw new ObjectiveError(
        `sweep.objective.task: no task "${spec.task}" (${tasks.map((x) => x.name).join(", ")})`,
      );
    const metric = spec.metric ?? t.metric;
    checkMetric(t, metric);
    parts = [
      {
        task: t.name,
        metric,
        direction: spec.direction ?? (metric === t.metric ? t.direction : defaultDirection(metric)),
      },
    ];
  }

  const combine = (vals: (number | undefined)[]): number[] | undefined => {
    if (vals.some((v) => v === undefined || !Number.isFinite(v))) return undefined;
    const nums = vals as number[];
    return mean ? [nums.reduce((a, b) => a + b, 0) / nums.length] : nums;
  };
  const directions: Direction[] = mean ? [parts[0]!.direction] : parts.map((p) => p.direction);
  const names = mean ? [`mean.${parts[0]!.metric}`] : parts.map((p) => `${p.task}.${p.metric}`);
  const single = directions.length === 1;

  return {
    names,
    directions,
    extract: (final) => combine(parts.map((p) => final[p.task]?.[split]?.[p.metric])),
    extractEpoch: (points) =>
      combine(
        parts.map(
          (p) => points.find((m) => m.task === p.task && m.split === split && m.name === p.metric)?.value,
        ),
      ),
    scalar: (values) =>
      single
        ? values[0]!
        : values.reduce((acc, v, i) => acc + (directions[i] === "min" ? -v : v), 0) / values.length,
    scalarDirection: single ? directions[0]! : "max",
  };
}
